"""Attention, AdditiveAttention and MultiHeadAttention against NumPy references written out
here, Keras 3's published values and weight layout, every mask kind, dropout, gradients,
models that train, configs and errors."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, rand

L = tf.keras.layers
rng = np.random.default_rng(11)


# -- NumPy references ---------------------------------------------------------------------------
def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def ref_attention(q, v, k=None, q_mask=None, v_mask=None, causal=False, scores=None):
    """Keras's Attention: scores (default q·kᵀ), masked keys get -1e9, softmax, weights·v,
    then padded query steps zeroed."""
    k = v if k is None else k
    s = q @ k.transpose(0, 2, 1) if scores is None else scores(q, k)
    allowed = np.ones(s.shape, bool)
    if v_mask is not None:
        allowed &= v_mask[:, None, :]
    if causal:
        allowed &= np.tril(np.ones(s.shape[1:], bool))
    w = softmax(s - 1e9 * ~allowed)
    out = w @ v
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out, w


def mha_weights(layer):
    """(Wq, bq, Wk, bk, Wv, bv, Wo, bo) as arrays (biases 0 when use_bias=False)."""
    ws = [w.numpy() for w in layer.weights]
    if len(ws) == 8:
        return ws
    zeros = [np.zeros(w.shape[1:]) if w.ndim == 3 and i < 3 else np.zeros(w.shape[-1])
             for i, w in enumerate(ws)]
    return [ws[0], zeros[0], ws[1], zeros[1], ws[2], zeros[2], ws[3], zeros[3]]


def ref_mha(layer, q, v, k=None, mask=None):
    """Multi-head attention on (B, T, D) inputs; ``mask`` (B or 1, T, S) True = may attend."""
    wq, bq, wk, bk, wv, bv, wo, bo = mha_weights(layer)
    k = v if k is None else k
    qh = np.einsum("btd,dnh->btnh", q, wq) + bq
    kh = np.einsum("bsd,dnh->bsnh", k, wk) + bk
    vh = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    s = np.einsum("btnh,bsnh->bnts", qh / np.sqrt(wq.shape[-1]), kh)
    if mask is not None:
        s = s + (1.0 - mask[:, None]) * -1e9  # Keras's additive constant
    p = softmax(s)
    heads = np.einsum("bnts,bsnh->btnh", p, vh)
    return np.einsum("btnh,nhd->btd", heads, wo) + bo, p


def check_weight_grads(layer, fn, eps=1e-6, seed=0):
    """The tape's gradient of ``Σ fn()·w`` w.r.t. each trainable weight against central
    differences taken by assigning ``weight ± eps·v`` (float64 layers)."""
    r = np.random.default_rng(seed)
    w = r.standard_normal(tuple(fn().shape))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(fn() * w)
    grads = tape.gradient(loss, layer.trainable_variables)
    assert all(g is not None for g in grads)
    for var, g in zip(layer.trainable_variables, grads):
        base = var.numpy()
        v = r.standard_normal(base.shape)
        v /= np.linalg.norm(v)
        var.assign(base + eps * v)
        plus = float(np.sum(fn().numpy() * w))
        var.assign(base - eps * v)
        minus = float(np.sum(fn().numpy() * w))
        var.assign(base)
        numeric, analytic = (plus - minus) / (2 * eps), float(np.sum(g.numpy() * v))
        assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), (var.path, analytic, numeric)


def padding_masks():
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]], bool)
    v_mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
    return q_mask, v_mask


# -- Attention / AdditiveAttention -------------------------------------------------------------
def test_attention_keras_published_values():
    query = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    key = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    value = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    out, scores = L.Attention(score_mode="dot")([query, value, key], return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), [[[2.462, 3.462], [1.538, 2.538]]], atol=1e-3)
    np.testing.assert_allclose(scores.numpy(), [[[0.269, 0.731], [0.731, 0.269]]], atol=1e-3)
    out, scores = L.Attention(score_mode="concat")([query, value, key],
                                                   return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), [[[1.727, 2.727], [2.272, 3.272]]], atol=1e-3)
    np.testing.assert_allclose(scores.numpy(), [[[0.636, 0.363], [0.363, 0.636]]], atol=1e-3)
    value = np.ones((1, 2, 2))
    out, scores = L.Attention()([query, value], mask=[np.array([[True, False]])] * 2,
                                return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), [[[1.0, 1.0], [0.0, 0.0]]])
    np.testing.assert_allclose(scores.numpy(), [[[1.0, 0.0], [1.0, 0.0]]])


@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_attention_dot_matches_numpy(with_key, masked, causal):
    q, v, k = (rng.standard_normal((3, 4, 6)), rng.standard_normal((3, 5, 7)),
               rng.standard_normal((3, 5, 6)))
    q_mask, v_mask = padding_masks() if masked else (None, None)
    inputs = [q, v, k] if with_key else [q, v, v[..., :6]]
    layer = L.Attention(use_scale=True, dtype="float64")
    kwargs = {"mask": [q_mask, v_mask]} if masked else {}
    out, w = layer(inputs, return_attention_scores=True, use_causal_mask=causal, **kwargs)
    assert [x.name for x in layer.weights] == ["scale"] and layer.scale.shape == ()
    want, want_w = ref_attention(q, v, inputs[2], q_mask, v_mask, causal)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-10, atol=1e-12)
    if masked:  # masked keys get no weight
        assert np.all(w.numpy()[np.broadcast_to(~v_mask[:, None, :], w.shape)] < 1e-300)


def test_attention_concat_and_additive_match_numpy():
    q, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    q_mask, v_mask = np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 1, 1, 0, 0]] * 2, bool)
    layer = L.Attention(use_scale=True, score_mode="concat", dtype="float64")
    layer.build([q.shape, v.shape])
    layer.scale.assign(0.7)
    layer.concat_score_weight.assign(1.3)
    assert [x.name for x in layer.weights] == ["scale", "concat_score_weight"]
    out = layer([q, v], mask=[q_mask, v_mask]).numpy()
    want, _ = ref_attention(q, v, None, q_mask, v_mask, scores=lambda a, b: 1.3 * np.tanh(
        0.7 * (a[:, :, None] + b[:, None])).sum(-1))
    np.testing.assert_allclose(out, want, rtol=1e-10)

    add = L.AdditiveAttention(dtype="float64")
    out, w = add([q, v], mask=[q_mask, v_mask], return_attention_scores=True)
    assert [x.name for x in add.weights] == ["scale"] and add.scale.shape == (4,)
    scale = add.scale.numpy()
    want, want_w = ref_attention(q, v, None, q_mask, v_mask, scores=lambda a, b: (
        scale * np.tanh(a[:, :, None] + b[:, None])).sum(-1))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-10, atol=1e-12)
    plain = L.AdditiveAttention(use_scale=False)
    plain([q, v])
    assert plain.weights == []


def test_attention_reads_keras_masks_of_its_inputs():
    ids_q = np.array([[1, 2, 3, 0], [3, 1, 0, 0]])
    ids_v = np.array([[5, 4, 0, 0, 0], [3, 1, 2, 4, 0]])
    eq, ev = L.Embedding(4, 6, mask_zero=True), L.Embedding(6, 6, mask_zero=True)
    q, v = eq(ids_q), ev(ids_v)
    layer = L.Attention()
    out, scores = layer([q, v], return_attention_scores=True)
    manual = layer([q.numpy(), v.numpy()], mask=[ids_q != 0, ids_v != 0])
    np.testing.assert_allclose(out.numpy(), manual.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids_q != 0)
    assert getattr(scores, "_keras_mask", None) is None  # Keras masks only the output
    assert np.all(scores.numpy()[np.broadcast_to((ids_v == 0)[:, None], scores.shape)] == 0)
    np.testing.assert_array_equal(layer.compute_mask([q, v]).numpy(), ids_q != 0)


def test_attention_compute_mask_and_output_shape_follow_keras():
    layer = L.Attention()
    inputs = [np.ones((2, 3, 4)), np.ones((2, 5, 6))]
    assert layer.compute_mask(inputs) is None
    assert layer.compute_mask(inputs, mask=[None, np.array([True, False, True])]) is None
    float_mask = np.array([1.0, 0.0, 1.0])
    np.testing.assert_array_equal(layer.compute_mask(inputs, [float_mask, float_mask]).numpy(),
                                  float_mask)
    assert layer.compute_output_shape([(2, 3, 4), (2, 5, 6), (2, 5, 4)]) == (2, 3, 6)
    out = layer([np.ones((2, 3, 4)), np.ones((2, 5, 6)), np.ones((2, 5, 4))])
    assert out.shape == (2, 3, 6)


def test_attention_dropout_training_only_and_seeded():
    q, v = rng.standard_normal((4, 6, 3)), rng.standard_normal((4, 8, 3))
    plain = L.Attention()
    a, b = L.Attention(dropout=0.5, seed=3), L.Attention(dropout=0.5, seed=3)
    ref_out, ref_w = plain([q, v], return_attention_scores=True)
    out, w = a([q, v], return_attention_scores=True)  # training defaults to False
    np.testing.assert_allclose(out.numpy(), ref_out.numpy(), rtol=1e-6)
    out_a, w_a = a([q, v], return_attention_scores=True, training=True)
    out_b, w_b = b([q, v], return_attention_scores=True, training=True)
    np.testing.assert_array_equal(w_a.numpy(), w_b.numpy())  # same seed, same stream
    dropped = w_a.numpy() == 0
    assert 0.3 < dropped.mean() < 0.7
    np.testing.assert_allclose(w_a.numpy()[~dropped], 2 * ref_w.numpy()[~dropped], rtol=1e-5)
    np.testing.assert_allclose(out_a.numpy(), w_a.numpy() @ v, rtol=1e-4, atol=1e-5)
    out_a2, _ = a([q, v], return_attention_scores=True, training=True)
    assert not np.allclose(out_a2.numpy(), out_a.numpy())  # a stream, not one fixed mask


def test_attention_gradients_by_finite_differences():
    q_mask, v_mask = padding_masks()
    for layer in (L.Attention(dtype="float64"), L.Attention(use_scale=True, dtype="float64"),
                  L.Attention(score_mode="concat", dtype="float64"),
                  L.AdditiveAttention(dtype="float64")):
        check_grad(lambda q, v, k: layer([q, v, k], mask=[q_mask, v_mask]),
                   rand(3, 4, 3), rand(3, 5, 2), rand(3, 5, 3))
        check_grad(lambda q, v: layer([q, v], use_causal_mask=True), rand(3, 4, 3),
                   rand(3, 4, 3))
        if layer.weights:
            x, y = tf.constant(rand(3, 4, 3)), tf.constant(rand(3, 5, 3))
            check_weight_grads(layer, lambda: layer([x, y], mask=[q_mask, v_mask]))


def test_attention_config_round_trip():
    layer = L.Attention(use_scale=True, score_mode="concat", dropout=0.25, seed=4, name="att")
    config = layer.get_config()
    assert {k: config[k] for k in ("use_scale", "score_mode", "dropout")} == \
        {"use_scale": True, "score_mode": "concat", "dropout": 0.25}
    assert L.Attention.from_config(config).get_config() == config
    add = L.AdditiveAttention(use_scale=False, dropout=0.1)
    config = add.get_config()
    assert "score_mode" not in config and config["use_scale"] is False
    assert L.AdditiveAttention.from_config(config).get_config() == config


def test_attention_errors():
    t = np.ones((1, 2, 2))
    with pytest.raises(ValueError, match="Invalid value for argument score_mode"):
        L.Attention(score_mode="invalid_mode")
    with pytest.raises(ValueError, match="must be called on a list"):
        L.Attention()(t)
    with pytest.raises(ValueError, match="length 2 or 3"):
        L.Attention()([t, t, t, t])
    with pytest.raises(ValueError, match="layer mask must be a list"):
        L.Attention()([t, t], mask=t)
    with pytest.raises(ValueError, match="length 2 or 3"):
        L.Attention()([t, t], mask=[t])
    with pytest.raises(ValueError, match="same last dimension"):
        L.Attention()([np.ones((1, 2, 3)), np.ones((1, 4, 5))])
    with pytest.raises(ValueError, match="same last dimension"):
        L.AdditiveAttention()([np.ones((1, 2, 3)), np.ones((1, 4, 3)), np.ones((1, 4, 5))])
    with pytest.raises(ValueError, match="same batch size and number of steps"):
        L.Attention()([np.ones((1, 2, 3)), np.ones((1, 4, 3)), np.ones((1, 5, 3))])
    with pytest.raises(ValueError, match=r"value_mask of shape \(1, 3\).*expected shape \(1, 4\)"):
        L.Attention()([np.ones((1, 2, 3)), np.ones((1, 4, 3))],
                      mask=[None, np.ones((1, 3), bool)])
    with pytest.raises(ValueError, match="dropout"):
        L.Attention(dropout=1.5)


# -- MultiHeadAttention: layout -----------------------------------------------------------------
def test_mha_weights_shapes_names_and_order_follow_keras():
    tf.keras.backend.clear_session()
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=5)
    mha(np.ones((2, 7, 6)), np.ones((2, 9, 8)))
    assert [(w.path, tuple(w.shape)) for w in mha.weights] == [
        ("multi_head_attention/query/kernel", (6, 2, 3)),
        ("multi_head_attention/query/bias", (2, 3)),
        ("multi_head_attention/key/kernel", (8, 2, 3)),
        ("multi_head_attention/key/bias", (2, 3)),
        ("multi_head_attention/value/kernel", (8, 2, 4)),
        ("multi_head_attention/value/bias", (2, 4)),
        ("multi_head_attention/attention_output/kernel", (2, 4, 5)),
        ("multi_head_attention/attention_output/bias", (5,))]
    assert [d.equation for d in (mha.query_dense, mha.key_dense, mha.value_dense,
                                 mha.output_dense)] == \
        ["abc,cde->abde", "abc,cde->abde", "abc,cde->abde", "abcd,cde->abe"]
    assert mha.query_dense.bias_axes == "de" and mha.output_dense.bias_axes == "e"
    no_bias = L.MultiHeadAttention(num_heads=2, key_dim=2, use_bias=False, dropout=0.5)
    no_bias.build((2, 8, 16), (2, 4, 16))
    assert [w.name for w in no_bias.weights] == ["kernel"] * 4
    assert [w.path.split("/")[0] for w in no_bias.weights] == [no_bias.name] * 4


def test_mha_keras_published_values():
    # keras/src/layers/attention/multi_head_attention_test.py::test_correctness
    query = key = np.identity(8)[None]
    value = np.arange(64).reshape(1, 8, 8) / 100.0
    layer = L.MultiHeadAttention(num_heads=8, key_dim=8)
    layer.build(query.shape, key.shape, value.shape)
    kernel = np.repeat(np.identity(8)[:, None, :], 8, axis=1)
    layer.set_weights([kernel, np.zeros((8, 8))] * 3 + [kernel, np.zeros(8)])
    out, scores = layer(query=query, value=value, key=key, return_attention_scores=True)
    want = np.array([2.406, 2.440, 2.473, 2.504, 2.535, 2.568, 2.602, 2.633])
    np.testing.assert_allclose(out.numpy(), np.tile(want[None, :, None], (1, 1, 8)), atol=1e-2)
    want_scores = np.full((8, 8), 0.1187) + np.eye(8) * (0.1691 - 0.1187)
    np.testing.assert_allclose(scores.numpy(), np.tile(want_scores, (1, 8, 1, 1)), atol=1e-3)


@pytest.mark.parametrize("cross,with_key", [(False, False), (True, False), (True, True)])
def test_mha_matches_numpy(cross, with_key):
    q = rng.standard_normal((3, 4, 6))
    v = rng.standard_normal((3, 5, 7)) if cross else q
    k = rng.standard_normal((3, 5, 2)) if with_key else None
    mha = L.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=5, dtype="float64",
                               bias_initializer="random_normal")
    out, scores = mha(q, v, k, return_attention_scores=True)
    want, want_scores = ref_mha(mha, q, v, k)
    assert out.dtype == tf.float64 and scores.shape == (3, 3, 4, v.shape[1])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), want_scores, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mha(query=q, value=v, key=k).numpy(), want, rtol=1e-10)


def test_mha_float32_and_autocast():
    mha = L.MultiHeadAttention(num_heads=2, key_dim=4)
    out = mha(rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 5, 8)))
    assert out.dtype == tf.float32 and out.shape == (2, 3, 8)


# -- MultiHeadAttention: masks ------------------------------------------------------------------
def test_mha_every_mask_kind_matches_numpy():
    q, v = rng.standard_normal((3, 4, 6)), rng.standard_normal((3, 5, 6))
    k = rng.standard_normal((3, 5, 6))
    q_mask, v_mask = padding_masks()
    k_mask = np.array([[1, 0, 1, 1, 1]] * 3, bool)
    attn = rng.random((3, 4, 5)) > 0.3
    attn[:, :, 0] = True
    causal = np.tril(np.ones((4, 5), bool))[None]
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64")
    mha(q, v)
    cases = [
        (dict(query_mask=q_mask), q_mask[:, :, None]),
        (dict(value_mask=v_mask), v_mask[:, None, :]),
        (dict(key=k, key_mask=k_mask), k_mask[:, None, :]),
        (dict(attention_mask=attn), attn),
        (dict(use_causal_mask=True), causal),
        (dict(query_mask=q_mask, value_mask=v_mask, attention_mask=attn, use_causal_mask=True),
         q_mask[:, :, None] & v_mask[:, None, :] & attn & causal),
    ]
    for kwargs, mask in cases:
        out, scores = mha(q, v, return_attention_scores=True, **kwargs)
        want, want_scores = ref_mha(mha, q, v, kwargs.get("key"),
                                    np.broadcast_to(mask, (3, 4, 5)).astype(float))
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(scores.numpy(), want_scores, rtol=1e-9, atol=1e-12)
        full = np.broadcast_to(mask[:, None], scores.shape)
        rows = full.any(-1, keepdims=True)  # fully masked rows come out uniform, as in Keras
        assert np.all(scores.numpy()[~full & np.broadcast_to(rows, full.shape)] == 0)


def test_mha_attention_mask_broadcasts_like_keras():
    x = tf.constant(rng.standard_normal((2, 5, 8)).astype(np.float32))
    tril = np.tril(np.ones((5, 5)))
    mha = L.MultiHeadAttention(num_heads=2, key_dim=4)
    out_2d = mha(query=x, value=x, attention_mask=tril)
    out_3d = mha(query=x, value=x, attention_mask=np.tile(tril[None], (2, 1, 1)))
    out_4d = mha(query=x, value=x, attention_mask=np.tile(tril[None, None], (2, 2, 1, 1)))
    out_causal = mha(x, x, use_causal_mask=True)
    for other in (out_3d, out_4d, out_causal):
        np.testing.assert_allclose(out_2d.numpy(), other.numpy(), rtol=1e-6, atol=1e-6)


def test_mha_embedding_masks_propagate_like_keras():
    # keras/src/layers/attention/multi_head_attention_test.py::test_masking
    ids_q = np.array([[1, 2, 3, 0, 0], [3, 3, 1, 1, 2], [1, 0, 0, 0, 0]])
    ids_v = np.array([[5, 4, 0], [3, 0, 0], [2, 1, 1]])
    for causal in (False, True):
        mha = L.MultiHeadAttention(num_heads=2, key_dim=2)
        q = L.Embedding(4, 8, mask_zero=True)(ids_q)
        v = L.Embedding(6, 8, mask_zero=True)(ids_v)
        out, scores = mha(query=q, value=v, use_causal_mask=causal,
                          return_attention_scores=True)
        np.testing.assert_array_equal(out._keras_mask.numpy(), ids_q != 0)
        assert getattr(scores, "_keras_mask", None) is None
        mask = np.array([[[1, 1, 0]] * 3 + [[0, 0, 0]] * 2, [[1, 0, 0]] * 5,
                         [[1, 1, 1]] + [[0, 0, 0]] * 4], bool)
        if causal:
            mask = mask & np.array([[1, 0, 0], [1, 1, 0]] + [[1, 1, 1]] * 3, bool)
        manual = mha(query=q.numpy(), value=v.numpy(), attention_mask=mask)
        np.testing.assert_allclose(out.numpy(), manual.numpy(), rtol=1e-6, atol=1e-6)
        assert getattr(manual, "_keras_mask", None) is None


def test_mha_mask_shape_errors():
    mha = L.MultiHeadAttention(num_heads=2, key_dim=2)
    q, v = np.ones((2, 4, 6)), np.ones((2, 5, 6))
    mha(q, v)
    with pytest.raises(ValueError, match=r"query_mask of shape \(2, 5\).*expected shape \(2, 4\)"):
        mha(q, v, query_mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match="value_mask of shape"):
        mha(q, v, value_mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="key_mask of shape"):
        mha(q, v, key=v, key_mask=np.ones((2, 5, 1), bool))
    with pytest.raises(ValueError, match="does not broadcast to the attention scores"):
        mha(q, v, attention_mask=np.ones((2, 4, 4), bool))
    with pytest.raises(ValueError, match="does not broadcast with"):
        mha(q, v, attention_mask=np.ones((2, 3, 5), bool), use_causal_mask=True)


# -- MultiHeadAttention: dropout, attention axes, shapes ----------------------------------------
def test_mha_dropout_training_only_and_seeded():
    x = rng.standard_normal((4, 6, 8))
    a = L.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=5)
    b = L.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=5)
    a.build(x.shape, x.shape)
    b.build(x.shape, x.shape)
    b.set_weights(a.get_weights())
    ref = L.MultiHeadAttention(num_heads=2, key_dim=4)
    ref.build(x.shape, x.shape)
    ref.set_weights(a.get_weights())
    want, want_scores = ref(x, x, return_attention_scores=True)
    np.testing.assert_allclose(a(x, x).numpy(), want.numpy(), rtol=1e-6)  # inference: no drop
    out_a, scores_a = a(x, x, training=True, return_attention_scores=True)
    out_b = b(x, x, training=True)
    np.testing.assert_array_equal(out_a.numpy(), out_b.numpy())
    assert not np.allclose(out_a.numpy(), want.numpy(), atol=1e-3)
    # The returned scores are taken before dropout, as in Keras.
    np.testing.assert_allclose(scores_a.numpy(), want_scores.numpy(), rtol=1e-6)
    assert a.get_config()["seed"] == 5


def ref_mha_axes(layer, q, v, axes):
    """Attention over ``axes`` of (B, ..., D) inputs by moving them last and flattening."""
    wq, bq, wk, bk, wv, bv, wo, bo = mha_weights(layer)
    qh = np.einsum("...d,dnh->...nh", q, wq) + bq
    kh = np.einsum("...d,dnh->...nh", v, wk) + bk
    vh = np.einsum("...d,dnh->...nh", v, wv) + bv
    rest = [i for i in range(1, q.ndim - 1) if i not in axes]
    perm = [0] + rest + list(axes) + [q.ndim - 1, q.ndim]

    def flat(t):
        t = t.transpose(perm)
        return t.reshape(t.shape[:1 + len(rest)] + (-1,) + t.shape[-2:])
    qf, kf, vf = flat(qh), flat(kh), flat(vh)
    s = np.einsum("...tnh,...snh->...nts", qf / np.sqrt(wq.shape[-1]), kf)
    heads = np.einsum("...nts,...snh->...tnh", softmax(s), vf)
    shaped = heads.reshape(tuple(qh.transpose(perm).shape))
    heads = shaped.transpose(np.argsort(perm))
    return np.einsum("...nh,nhd->...d", heads, wo) + bo


@pytest.mark.parametrize("shape,axes", [((2, 3, 4, 5), (2,)), ((2, 3, 4, 5), (1,)),
                                        ((2, 3, 4, 5), (1, 2)), ((2, 2, 3, 4, 5), (2, 3))])
def test_mha_attention_axes_match_numpy(shape, axes):
    x = rng.standard_normal(shape)
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=axes, dtype="float64")
    out, scores = mha(x, x, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), ref_mha_axes(mha, x, x, axes), rtol=1e-9,
                               atol=1e-12)
    n_attn = len(axes)
    attn_sizes = tuple(shape[a] for a in axes)
    assert scores.shape[-2 * n_attn:] == attn_sizes * 2
    np.testing.assert_allclose(scores.numpy().reshape(scores.shape[:-n_attn] + (-1,)).sum(-1),
                               1.0, rtol=1e-12)


@pytest.mark.parametrize("q_dims,v_dims,mask_dims,axes", [
    ((3, 4), (3, 2), (4, 2), (2,)), ((3, 4), (3, 2), (3, 4, 2), (2,)),
    ((3, 4), (3, 2), (3, 2, 4, 2), (2,)), ((3, 4), (3, 2), (3, 4, 3, 2), (1, 2)),
    ((5, 3, 4), (5, 3, 2), (3, 4, 3, 2), (2, 3)),
    ((5, 3, 4), (5, 3, 2), (5, 3, 4, 3, 2), (2, 3))])
def test_mha_high_dim_attention_with_masks_keras_shapes(q_dims, v_dims, mask_dims, axes):
    # keras/src/layers/attention/multi_head_attention_test.py::test_high_dim_attention
    q, v = np.ones((3,) + q_dims + (8,)), np.ones((3,) + v_dims + (8,))
    mha = L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=axes)
    mask = rng.random((3,) + mask_dims) > 0.5
    out = mha(q, v, attention_mask=mask)
    assert out.shape == q.shape
    assert mha.compute_output_shape(q.shape, v.shape) == q.shape


def test_mha_negative_attention_axes_equal_positive():
    x = rng.standard_normal((2, 3, 8, 4))
    pos = L.MultiHeadAttention(num_heads=2, key_dim=4, attention_axes=2)
    neg = L.MultiHeadAttention(num_heads=2, key_dim=4, attention_axes=-2)
    pos(x, x)
    neg(x, x)
    neg.set_weights(pos.get_weights())
    (zp, ap), (zn, an) = (pos(x, x, return_attention_scores=True),
                          neg(x, x, return_attention_scores=True))
    np.testing.assert_allclose(zp.numpy(), zn.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ap.numpy(), an.numpy(), rtol=1e-6)
    assert neg.attention_axes == pos.attention_axes == (2,)


@pytest.mark.parametrize("q_dims,v_dims,k_dims,output_shape", [
    ((4, 8), (2, 8), None, None), ((4, 8), (2, 8), (2, 3), None),
    ((4, 8), (2, 8), None, (3, 4)), ((4, 8), (2, 8), (2, 3), (1, 5)),
    ((4, 2, 3, 8), (1, 1, 5, 8), (1, 1, 5, 2), None),
    ((4, 2, 3, 8), (1, 1, 5, 8), (1, 1, 5, 2), (3, 2)),
    ((4, 2, 3, 8), (4, 2, 3, 7), (4, 2, 3, 8), None)])
def test_mha_compute_output_shape_keras_cases(q_dims, v_dims, k_dims, output_shape):
    mha = L.MultiHeadAttention(num_heads=2, key_dim=2, value_dim=2, output_shape=output_shape)
    q_shape, v_shape = (7,) + q_dims, (7,) + v_dims
    k_shape = (7,) + k_dims if k_dims else None
    out = mha(query=np.ones(q_shape), value=np.ones(v_shape),
              key=np.ones(k_shape) if k_shape else None)
    assert out.shape == mha.compute_output_shape(q_shape, v_shape, k_shape)
    assert out.shape == mha.compute_output_shape(list(q_shape), list(v_shape),
                                                 list(k_shape) if k_shape else None)


@pytest.mark.parametrize("q_shape,v_shape,k_shape", [
    ((2, 4, 8), (2, 2, 7), (2,)), ((2, 4, 8), (2, 2, 8), (2, 1, 7)),
    ((2, 4, 2, 3, 8), (2, 1, 1, 5, 8), (2, 1, 15, 5, 2))])
def test_mha_key_value_shape_mismatch(q_shape, v_shape, k_shape):
    mha = L.MultiHeadAttention(num_heads=4, key_dim=2, value_dim=2)
    with pytest.raises(ValueError, match="must be equal"):
        mha.compute_output_shape(q_shape, v_shape, k_shape)
    with pytest.raises(ValueError, match="must be equal"):
        mha(np.ones(q_shape), np.ones(v_shape), np.ones(k_shape))


# -- MultiHeadAttention: gradients --------------------------------------------------------------
# Rows with every key masked are left out of the gradient checks: there Keras's -1e9 leaves
# the float64 scores only ~1e-7 apart, below what central differences resolve.
def test_mha_input_gradients_by_finite_differences():
    _, v_mask = padding_masks()
    attn = np.ones((3, 4, 5), bool)
    attn[:, 1:, 0] = False
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, dtype="float64",
                               bias_initializer="random_normal")
    mha.build((3, 4, 5), (3, 5, 6), (3, 5, 4))
    check_grad(lambda q, v, k: mha(q, v, k, value_mask=v_mask, attention_mask=attn),
               rand(3, 4, 5), rand(3, 5, 6), rand(3, 5, 4))
    check_grad(lambda q, v, k: mha(q, v, k, use_causal_mask=True, return_attention_scores=True),
               rand(3, 4, 5), rand(3, 5, 6), rand(3, 5, 4))
    self_attn = L.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    self_attn.build((2, 3, 4), (2, 3, 4))
    check_grad(lambda x: self_attn(x, x), rand(2, 3, 4))


def test_mha_weight_gradients_by_finite_differences():
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64",
                               bias_initializer="random_normal")
    q, v = tf.constant(rand(3, 4, 5)), tf.constant(rand(3, 5, 5))
    _, v_mask = padding_masks()
    mha(q, v)
    check_weight_grads(mha, lambda: mha(q, v, value_mask=v_mask, use_causal_mask=True))
    axes = L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2), dtype="float64")
    x = tf.constant(rand(2, 2, 3, 4))
    axes(x, x)
    check_weight_grads(axes, lambda: axes(x, x))


# -- MultiHeadAttention: models, training, weights transfer, config -----------------------------
class TransformerBlock(L.Layer):
    def __init__(self, dim, heads, ff, **kwargs):
        super().__init__(**kwargs)
        self.att = L.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)
        self.ffn = tf.keras.Sequential([L.Dense(ff, activation="relu"), L.Dense(dim)])
        self.norm1 = L.LayerNormalization(epsilon=1e-6)
        self.norm2 = L.LayerNormalization(epsilon=1e-6)
        self.supports_masking = True

    def call(self, x, training=None):
        h = self.norm1(x + self.att(x, x, training=training))
        return self.norm2(h + self.ffn(h, training=training))


def first_token_task(n=384, steps=8, vocab=8, seed=0):
    """Classify each sequence by its first token: the label must be fetched by attention."""
    r = np.random.default_rng(seed)
    x = r.integers(1, vocab, size=(n, steps))
    return x, x[:, 0] - 1


def test_transformer_block_in_sequential_learns_with_fit():
    tf.keras.utils.set_random_seed(0)
    x, y = first_token_task()
    pos = np.eye(8, dtype=np.float32)[None]  # one-hot positions, so attention can find step 0
    model = tf.keras.Sequential([
        tf.keras.Input((8,), dtype="int32"),
        L.Embedding(8, 8),
        L.Lambda(lambda e: tf.concat([e, tf.broadcast_to(pos, (tf.shape(e)[0], 8, 8))], -1)),
        TransformerBlock(16, 2, 32),
        L.GlobalAveragePooling1D(),
        L.Dense(7)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=12, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert history.history["accuracy"][-1] > 0.6
    block = model.layers[2]
    assert [w.path for w in block.att.weights][0] == \
        "%s/%s/%s/query/kernel" % (model.name, block.name, block.att.name)


def test_functional_model_with_masks_and_attention_scores():
    tokens = tf.keras.Input((6,), dtype="int32")
    emb = L.Embedding(10, 8, mask_zero=True)(tokens)
    mha = L.MultiHeadAttention(num_heads=2, key_dim=4)
    att, scores = mha(query=emb, value=emb, return_attention_scores=True)
    assert tuple(att.shape) == (None, 6, 8) and tuple(scores.shape) == (None, 2, 6, 6)
    pooled = L.GlobalAveragePooling1D()(att)
    dot = L.Attention()([emb, emb])
    out = L.Dense(1)(L.Concatenate()([pooled, L.GlobalAveragePooling1D()(dot)]))
    model = tf.keras.Model(tokens, [out, scores])
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]])
    y, s = model(ids)
    assert y.shape == (2, 1) and s.shape == (2, 2, 6, 6)
    assert np.all(s.numpy()[0, :, :3, 3:] == 0)  # padded keys get no weight
    # The Embedding's mask reached the layer: same scores as with the explicit mask.
    e = model.layers[1](ids)
    keep = ids != 0
    manual = mha(e.numpy(), e.numpy(), attention_mask=keep[:, :, None] & keep[:, None, :],
                 return_attention_scores=True)[1]
    np.testing.assert_allclose(s.numpy(), manual.numpy(), rtol=1e-6, atol=1e-7)


def test_subclassed_model_fit_with_causal_self_attention():
    tf.keras.utils.set_random_seed(2)

    class Decoder(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.emb = L.Embedding(6, 12)
            self.att = L.MultiHeadAttention(num_heads=3, key_dim=4, dropout=0.1, seed=1)
            self.out = L.Dense(6)

        def call(self, x, training=None):
            e = self.emb(x)
            pos = tf.constant(np.eye(6, 12, dtype=np.float32)[None, :x.shape[1]])
            e = e + pos
            return self.out(e + self.att(e, e, use_causal_mask=True, training=training))

    # Next token = previous token: learnable only by looking one step back.
    r = np.random.default_rng(0)
    x = r.integers(0, 6, size=(256, 6))
    y = np.concatenate([np.zeros((256, 1), int), x[:, :-1]], axis=1)
    model = Decoder()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.02),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    # Causality: changing the last token changes no earlier prediction.
    x2 = x[:4].copy()
    x2[:, -1] = (x2[:, -1] + 1) % 6
    np.testing.assert_allclose(model(x[:4]).numpy()[:, :-1], model(x2).numpy()[:, :-1],
                               rtol=1e-5, atol=1e-6)


def test_mha_weights_transfer_and_save_load(tmp_path):
    x = rng.standard_normal((2, 4, 6)).astype(np.float32)
    inputs = tf.keras.Input((4, 6))
    model = tf.keras.Model(inputs, L.MultiHeadAttention(num_heads=2, key_dim=3)(inputs, inputs))
    path = str(tmp_path / "mha.weights.npz")
    model.save_weights(path)
    inputs2 = tf.keras.Input((4, 6))
    clone = tf.keras.Model(inputs2,
                           L.MultiHeadAttention(num_heads=2, key_dim=3)(inputs2, inputs2))
    clone.load_weights(path)
    np.testing.assert_allclose(clone(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_mha_config_round_trip_and_sublayer_settings():
    mha = L.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3, dropout=0.2,
                               use_bias=False, output_shape=(5,), attention_axes=None,
                               flash_attention=True,
                               kernel_initializer=tf.keras.initializers.TruncatedNormal(0.02),
                               kernel_regularizer="l2", activity_regularizer="l1",
                               kernel_constraint="non_neg", seed=3, name="mha")
    config = mha.get_config()
    for key, value in dict(num_heads=2, key_dim=4, value_dim=3, dropout=0.2, use_bias=False,
                           output_shape=(5,), attention_axes=None, seed=3).items():
        assert config[key] == value, key
    assert "flash_attention" not in config
    assert L.MultiHeadAttention.from_config(config).get_config() == config
    mha.build((2, 6, 8), (2, 6, 8))
    assert mha.get_config()["attention_axes"] == (1,)  # normalised at build, as in Keras
    assert mha.num_heads == 2 and mha.key_dim == 4 and mha.value_dim == 3
    kernels = [d.kernel.numpy() for d in (mha.query_dense, mha.key_dense)]
    assert not np.allclose(kernels[0], kernels[1])  # each projection its own initializer
    assert all(d.kernel.constraint is not None for d in (mha.query_dense, mha.value_dense,
                                                          mha.output_dense))
    mha(np.ones((2, 6, 8)), np.ones((2, 6, 8)))
    assert len(mha.losses) == 4 + 4  # kernel penalties + activity penalties of 4 projections
    assert mha.compute_output_shape((2, 6, 8), (2, 6, 8)) == (2, 6, 5)


def test_mha_constructor_errors():
    for kwargs in (dict(key_dim=0), dict(key_dim=-2), dict(num_heads=0), dict(value_dim=-1),
                   dict(key_dim=2.5)):
        args = dict(num_heads=2, key_dim=4)
        args.update(kwargs)
        with pytest.raises(ValueError, match="must be a positive integer"):
            L.MultiHeadAttention(**args)
    with pytest.raises(ValueError, match="Invalid `output_shape`"):
        L.MultiHeadAttention(num_heads=2, key_dim=16, output_shape=8.0)
    with pytest.raises(ValueError, match="`attention_axes` must be an int, list, or tuple"):
        L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes="1")
    with pytest.raises(ValueError, match="attention_axes"):
        L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(2,))(np.ones((2, 3, 4)),
                                                                          np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="value"):
        L.MultiHeadAttention(num_heads=2, key_dim=2)(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="dropout"):
        L.MultiHeadAttention(num_heads=2, key_dim=2, dropout=-0.1)
    mha = L.MultiHeadAttention(num_heads=2, key_dim=2)
    mha(np.ones((2, 3, 4)), np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        mha(np.ones((2, 3, 5)), np.ones((2, 3, 4)))
