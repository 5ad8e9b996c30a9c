"""EinsumDense: Keras 3's kernel/bias shapes, values against np.einsum, gradients, config,
errors; and ``contract`` (the matmul-based two-operand einsum behind it)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, rand
from tapeflow.keras.layers.einsum_dense import analyze_einsum_string
from tapeflow.ops.contraction import contract

L = tf.keras.layers
rng = np.random.default_rng(7)

# (equation, bias_axes, input shape, output_shape, kernel shape, bias shape, output shape):
# the parameter table of Keras 3's einsum_dense_test.py, worked out by its rules.
SHAPE_CASES = [
    ("ab,b->a", None, (2, 32), (), (32,), None, (2,)),
    ("ab,bc->ac", "c", (2, 32), 64, (32, 64), (64,), (2, 64)),
    ("abc,cde->abde", "de", (2, 1, 2), (1, 3, 4), (2, 3, 4), (3, 4), (2, 1, 3, 4)),
    ("abc,cde->abde", "e", (2, 1, 2), (1, 3, 4), (2, 3, 4), (4,), (2, 1, 3, 4)),
    ("abc,cde->abde", "d", (2, 1, 2), (1, 3, 4), (2, 3, 4), (3, 1), (2, 1, 3, 4)),
    ("abc,cde->abde", "be", (2, 7, 2), (7, 3, 4), (2, 3, 4), (7, 1, 4), (2, 7, 3, 4)),
    ("BFNH,NHD->BFD", "D", (2, 1, 2, 3), (1, 4), (2, 3, 4), (4,), (2, 1, 4)),
    ("abc,cd->abd", "d", (2, 1, 2), (1, 4), (2, 4), (4,), (2, 1, 4)),
    ("i,d->id", "d", (2,), (2,), (2,), (2,), (2, 2)),
    ("ibd,nd->ibn", "n", (2, 2, 1), (2, 2), (2, 1), (2,), (2, 2, 2)),
    ("...b,bc->...c", "c", (2, 32), 64, (32, 64), (64,), (2, 64)),
    ("...bc,bc->...b", "b", (2, 32, 64), 32, (32, 64), (32,), (2, 32)),
    ("...b,bc->...c", "c", (2, 3, 32), 64, (32, 64), (64,), (2, 3, 64)),
    ("...c,cde->...de", "de", (2, 1, 2), (3, 4), (2, 3, 4), (3, 4), (2, 1, 3, 4)),
    ("bc...,cd->bd...", "d", (2, 1, 2, 3), 4, (1, 4), (4, 1, 1), (2, 4, 2, 3)),
]


@pytest.mark.parametrize("eq,bias_axes,in_shape,out_shape,k_shape,b_shape,full", SHAPE_CASES)
def test_weight_shapes_follow_keras(eq, bias_axes, in_shape, out_shape, k_shape, b_shape, full):
    assert analyze_einsum_string(eq, bias_axes, in_shape, out_shape) == (k_shape, b_shape, full)
    layer = L.EinsumDense(eq, output_shape=out_shape, bias_axes=bias_axes)
    layer.build(in_shape)
    assert tuple(layer.kernel.shape) == k_shape
    assert (layer.bias is None and b_shape is None) or tuple(layer.bias.shape) == b_shape
    assert layer.compute_output_shape(in_shape) == full


@pytest.mark.parametrize("eq,bias_axes,in_shape,out_shape,k_shape,b_shape,full", SHAPE_CASES)
def test_values_match_numpy_einsum(eq, bias_axes, in_shape, out_shape, k_shape, b_shape, full):
    layer = L.EinsumDense(eq, output_shape=out_shape, bias_axes=bias_axes,
                          bias_initializer="random_normal", dtype="float64")
    x = rng.standard_normal(in_shape)
    y = layer(x).numpy()
    want = np.einsum(eq, x, layer.kernel.numpy())
    if layer.bias is not None:
        want = want + layer.bias.numpy()
    assert y.shape == full
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)


def test_names_order_paths_and_dtype():
    layer = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de",
                          name="proj")
    y = layer(np.ones((3, 5, 6)))
    assert y.dtype == tf.float32 and y.shape == (3, 5, 2, 4)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert [w.path for w in layer.weights] == ["proj/kernel", "proj/bias"]
    assert layer.count_params() == 6 * 2 * 4 + 2 * 4
    no_bias = L.EinsumDense("ab,bc->ac", output_shape=3)
    no_bias(np.ones((2, 4)))
    assert no_bias.bias is None and [w.name for w in no_bias.weights] == ["kernel"]


def test_activation_relu_fused_and_other_activations():
    x = rng.standard_normal((4, 3, 5)).astype(np.float32)
    for act, fn in (("relu", lambda z: np.maximum(z, 0)), ("tanh", np.tanh), (None, lambda z: z)):
        layer = L.EinsumDense("abc,cd->abd", output_shape=(None, 6), bias_axes="d",
                              activation=act, bias_initializer="random_normal")
        y = layer(x).numpy()
        want = fn(np.einsum("abc,cd->abd", x, layer.kernel.numpy()) + layer.bias.numpy())
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


def check_weight_grads(layer, fn, eps=1e-6, seed=0):
    """The tape's gradient of ``Σ fn()·w`` w.r.t. each trainable weight against central
    differences taken by assigning ``weight ± eps·v`` (float64 layers)."""
    r = np.random.default_rng(seed)
    w = r.standard_normal(tuple(fn().shape))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(fn() * w)
    grads = tape.gradient(loss, layer.trainable_variables)
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


def test_gradients_wrt_input_kernel_and_bias():
    layer = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="e",
                          activation="tanh", bias_initializer="random_normal", dtype="float64")
    layer.build((2, 4, 5))
    check_grad(layer, rand(2, 4, 5))
    x = tf.constant(rand(2, 4, 5))
    check_weight_grads(layer, lambda: layer(x))


def test_gradient_through_tape_reaches_variables():
    layer = L.EinsumDense("...b,bc->...c", output_shape=4, bias_axes="c")
    x = tf.constant(rng.standard_normal((2, 3, 5)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    gk, gb = tape.gradient(loss, layer.trainable_variables)
    y = np.einsum("abc,cd->abd", x.numpy(), layer.kernel.numpy()) + layer.bias.numpy()
    np.testing.assert_allclose(gk.numpy(), np.einsum("abc,abd->cd", x.numpy(), 2 * y),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gb.numpy(), (2 * y).sum((0, 1)), rtol=1e-4, atol=1e-4)


def test_config_round_trip():
    layer = L.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d",
                          activation="relu", kernel_regularizer="l2", bias_constraint="non_neg",
                          name="ed")
    config = layer.get_config()
    assert config["equation"] == "abc,cd->abd" and config["output_shape"] == (None, 8)
    assert config["bias_axes"] == "d" and config["activation"] == "relu"
    clone = L.EinsumDense.from_config(config)
    assert clone.get_config() == config
    assert L.EinsumDense("ab,bc->ac", 3).get_config()["output_shape"] == (3,)


def test_regularizers_and_constraints_reach_the_weights():
    layer = L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c", kernel_regularizer="l2",
                          bias_regularizer="l1", activity_regularizer="l2",
                          kernel_constraint="non_neg")
    layer(np.ones((2, 4)))
    assert len(layer.losses) == 3  # activity + kernel + bias penalties
    assert layer.kernel.constraint is not None


def test_trains_inside_sequential_fit():
    tf.keras.utils.set_random_seed(1)
    x = rng.standard_normal((128, 6, 4)).astype(np.float32)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    y = np.einsum("abc,cd->abd", x, w)
    model = tf.keras.Sequential([tf.keras.Input((6, 4)),
                                 L.EinsumDense("abc,cd->abd", output_shape=(6, 3),
                                               bias_axes="d")])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]


def test_functional_model_with_unknown_sequence_length():
    inputs = tf.keras.Input((None, 8))
    outputs = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")(inputs)
    model = tf.keras.Model(inputs, outputs)
    assert model(np.ones((3, 7, 8))).shape == (3, 7, 2, 4)


def test_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        L.EinsumDense("ab,bc,cd->ad", output_shape=3)
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        L.EinsumDense("a...b,bc->ac", output_shape=3)
    with pytest.raises(ValueError, match="Bias dimension 'x' was requested"):
        L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="x").build((2, 4))
    with pytest.raises(ValueError, match="did not have a match"):
        L.EinsumDense("ab,bcz->ac", output_shape=3).build((2, 4))
    with pytest.raises(ValueError, match="has no corresponding dim"):
        L.EinsumDense("ab,bc->acq", output_shape=(3, 2)).build((2, 4))
    with pytest.raises(ValueError, match="do not match at shared dimension 'b'"):
        L.EinsumDense("abc,cd->abd", output_shape=(5, 3)).build((2, 4, 6))
    with pytest.raises(ValueError, match="unknown dimension"):
        L.EinsumDense("ab,bc->ac", output_shape=(None,)).build((2, 4))
    with pytest.raises(NotImplementedError):
        L.EinsumDense("ab,bc->ac", output_shape=3, lora_rank=2)
    layer = L.EinsumDense("abc,cd->abd", output_shape=(None, 3))
    layer(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(np.ones((2, 5, 7)))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layer(np.ones((2, 4)))


# -- contract: the einsum behind the layer and the attention layers ---------------------------
CONTRACT_CASES = [
    ("abc,cde->abde", (2, 3, 4), (4, 5, 6)),      # projection (fused dense)
    ("abcd,cde->abe", (2, 3, 4, 5), (4, 5, 6)),   # output projection
    ("aecd,abcd->acbe", (2, 5, 3, 4), (2, 6, 3, 4)),  # attention scores
    ("acbe,aecd->abcd", (2, 3, 6, 5), (2, 5, 3, 4)),  # attention combination
    ("ij,jk->ki", (3, 4), (4, 5)),
    ("bij,bkj->bik", (2, 3, 4), (2, 5, 4)),
    ("bji,bjk->bik", (2, 3, 4), (2, 3, 5)),
    ("ij,kl->ijkl", (2, 3), (4, 5)),
    ("abc,cd->d", (2, 3, 4), (4, 5)),              # a letter summed away beforehand
    ("...b,bc->...c", (2, 3, 4), (4, 5)),
    ("bc...,cd->bd...", (2, 3, 4, 5), (3, 6)),
    ("ab,b->a", (2, 3), (3,)),
    ("i,d->id", (2,), (3,)),
    ("jb,ib->bij", (3, 4), (2, 4)),
    ("ii,ij->j", (3, 3), (3, 4)),                  # a diagonal: tf.einsum's path
]


@pytest.mark.parametrize("eq,sx,sy", CONTRACT_CASES)
def test_contract_matches_numpy_and_its_gradient_checks(eq, sx, sy):
    x, y = rng.standard_normal(sx), rng.standard_normal(sy)
    np.testing.assert_allclose(contract(eq, tf.constant(x), tf.constant(y)).numpy(),
                               np.einsum(eq, x, y), rtol=1e-12, atol=1e-12)
    check_grad(lambda a, b: contract(eq, a, b), rand(*sx), rand(*sy))


def test_contract_keeps_float32_and_fused_bias():
    x = tf.constant(rng.standard_normal((2, 3, 4)).astype(np.float32))
    k = tf.constant(rng.standard_normal((4, 2, 5)).astype(np.float32))
    b = tf.constant(rng.standard_normal((2, 5)).astype(np.float32))
    out = contract("abc,cde->abde", x, k, b, activation="relu")
    assert out.dtype == tf.float32
    want = np.maximum(np.einsum("abc,cde->abde", x.numpy(), k.numpy()) + b.numpy(), 0)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)
    check_grad(lambda a, kk, bb: contract("abc,cde->abde", a, kk, bb), rand(2, 3, 4),
               rand(4, 2, 5), rand(1, 5))


def test_contract_shape_errors():
    with pytest.raises(ValueError, match="dimension 'c' is 4 in one operand and 6"):
        contract("abc,cd->abd", tf.ones((2, 3, 4)), tf.ones((6, 5)))
    with pytest.raises(ValueError, match="do not match an operand"):
        contract("abc,cd->abd", tf.ones((2, 3)), tf.ones((3, 5)))
