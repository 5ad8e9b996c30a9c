"""Keras losses against NumPy formulas and Keras's published goldens."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import losses

EPS = 1e-7
rng = np.random.default_rng(7)


# -- NumPy references (per-sample, last axis) ------------------------------------------------
def np_mse(t, p):
    return np.mean((t - p) ** 2, -1)


def np_mae(t, p):
    return np.mean(np.abs(t - p), -1)


def np_mape(t, p):
    return 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), -1)


def np_msle(t, p):
    return np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1)


def np_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2), -1)


def np_log_cosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), -1)


def np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), -1)


def np_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), -1)


def np_cosine(t, p):
    tn = t / np.linalg.norm(t, axis=-1, keepdims=True)
    pn = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return -np.sum(tn * pn, -1)


def np_hinge(t, p):
    return np.mean(np.maximum(1 - t * p, 0), -1)


def np_squared_hinge(t, p):
    return np.mean(np.maximum(1 - t * p, 0) ** 2, -1)


def np_categorical_hinge(t, p):
    pos = np.sum(t * p, -1)
    neg = np.max((1 - t) * p, -1)
    return np.maximum(neg - pos + 1, 0)


def np_cce(t, p):
    p = p / p.sum(-1, keepdims=True)
    p = np.clip(p, np.float32(EPS), np.float32(1 - EPS))
    return -np.sum(t * np.log(p), -1)


def np_cce_logits(t, z):
    z = z - z.max(-1, keepdims=True)
    return -np.sum(t * (z - np.log(np.exp(z).sum(-1, keepdims=True))), -1)


def np_bce(t, p):
    p = np.clip(p, np.float32(EPS), np.float32(1 - EPS))
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), -1)


def np_bce_logits(t, z):
    return np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))), -1)


POSITIVE = dict(low=0.1, high=1.0)
SIGNED = dict(low=-2.0, high=2.0)
CASES = [
    (losses.MeanSquaredError, np_mse, SIGNED, SIGNED),
    (losses.MeanAbsoluteError, np_mae, SIGNED, SIGNED),
    (losses.MeanAbsolutePercentageError, np_mape, SIGNED, SIGNED),
    (losses.MeanSquaredLogarithmicError, np_msle, POSITIVE, POSITIVE),
    (losses.Huber, np_huber, SIGNED, SIGNED),
    (losses.LogCosh, np_log_cosh, SIGNED, SIGNED),
    (losses.KLDivergence, np_kld, POSITIVE, POSITIVE),
    (losses.Poisson, np_poisson, POSITIVE, POSITIVE),
    (losses.CosineSimilarity, np_cosine, SIGNED, SIGNED),
    (losses.Hinge, np_hinge, SIGNED, SIGNED),
    (losses.SquaredHinge, np_squared_hinge, SIGNED, SIGNED),
    (losses.CategoricalHinge, np_categorical_hinge, SIGNED, SIGNED),
    (losses.CategoricalCrossentropy, np_cce, POSITIVE, POSITIVE),
    (lambda **kw: losses.CategoricalCrossentropy(from_logits=True, **kw), np_cce_logits,
     POSITIVE, SIGNED),
    (losses.BinaryCrossentropy, np_bce, dict(low=0.0, high=1.0), POSITIVE),
    (lambda **kw: losses.BinaryCrossentropy(from_logits=True, **kw), np_bce_logits,
     dict(low=0.0, high=1.0), SIGNED),
]
IDS = ["mse", "mae", "mape", "msle", "huber", "log_cosh", "kld", "poisson", "cosine", "hinge",
       "squared_hinge", "categorical_hinge", "cce", "cce_logits", "bce", "bce_logits"]


def _data(true_range, pred_range, shape=(5, 4)):
    t = rng.uniform(size=shape, **true_range).astype(np.float32)
    p = rng.uniform(size=shape, **pred_range).astype(np.float32)
    return t, p


@pytest.mark.parametrize("make,ref,true_range,pred_range", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean",
                                       "mean_with_sample_weight"])
def test_each_loss_each_reduction_with_sample_weight(make, ref, true_range, pred_range,
                                                     reduction):
    t, p = _data(true_range, pred_range)
    w = np.array([0.5, 0.0, 2.0, 1.0, 0.3], np.float32)
    per_sample = ref(t.astype(np.float64), p.astype(np.float64)) * w
    expected = {"sum_over_batch_size": per_sample.sum() / 5, "mean": per_sample.sum() / 5,
                "sum": per_sample.sum(), "none": per_sample,
                "mean_with_sample_weight": per_sample.sum() / w.sum()}[reduction]
    out = make(reduction=reduction)(t, p, sample_weight=w)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("make,ref,true_range,pred_range", CASES, ids=IDS)
def test_each_loss_default_reduction_is_mean_of_per_sample(make, ref, true_range, pred_range):
    t, p = _data(true_range, pred_range, shape=(3, 2, 4))
    expected = ref(t.astype(np.float64), p.astype(np.float64)).mean()
    np.testing.assert_allclose(float(make()(t, p)), expected, rtol=2e-5, atol=1e-6)


def test_zero_weight_samples_still_count_in_the_divisor():
    loss = losses.MeanSquaredError()
    t = np.array([[1.0], [1.0]])
    p = np.array([[3.0], [0.0]])
    assert float(loss(t, p, sample_weight=[1.0, 0.0])) == pytest.approx(4.0 / 2)
    assert float(losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        t, p, sample_weight=[1.0, 0.0])) == pytest.approx(4.0)


def test_scalar_and_column_sample_weights():
    cce = losses.CategoricalCrossentropy()
    y, p = np.eye(3), [[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]]
    base = float(cce(y, p))
    assert base == pytest.approx(0.3239, abs=1e-4)
    assert float(cce(y, p, sample_weight=2.3)) == pytest.approx(base * 2.3, rel=1e-6)
    assert float(cce(y, p, sample_weight=[[1.2], [3.4], [5.6]])) == pytest.approx(1.0696,
                                                                                abs=1e-4)
    assert float(cce(y, p, sample_weight=tf.constant([1.2, 3.4, 5.6]))) == pytest.approx(
        1.0696, abs=1e-4)


def test_cce_goldens():
    y = np.eye(3)
    logits = [[8.0, 1, 1], [0, 9, 1], [2, 3, 5]]
    per = losses.CategoricalCrossentropy(from_logits=True, reduction="none")(y, logits)
    np.testing.assert_allclose(per.numpy(), [0.001822, 0.000459, 0.169846], atol=1e-5)
    cce = losses.CategoricalCrossentropy(from_logits=True)
    assert float(cce(y, logits)) == pytest.approx(0.0573, abs=1e-4)
    assert float(cce(y, logits, sample_weight=[[1.2], [3.4], [5.6]])) == pytest.approx(
        0.31829, abs=1e-4)
    smooth = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    assert float(smooth([[1.0, 0, 0]], [[100.0, -100, -100]])) == pytest.approx(400 * 0.1 / 3,
                                                                             rel=1e-5)
    doc_t, doc_p = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    none = losses.CategoricalCrossentropy(reduction="none")(doc_t, doc_p)
    np.testing.assert_allclose(none.numpy(), [0.0513, 2.303], atol=1e-3)
    assert float(losses.CategoricalCrossentropy()(doc_t, doc_p)) == pytest.approx(1.177, abs=1e-3)
    assert float(losses.CategoricalCrossentropy()(doc_t, doc_p, sample_weight=[0.3, 0.7])) == \
        pytest.approx(0.814, abs=1e-3)
    assert float(losses.CategoricalCrossentropy(reduction="sum")(doc_t, doc_p)) == \
        pytest.approx(2.354, abs=1e-3)


def test_cce_renormalises_predictions_but_not_labels():
    cce = losses.CategoricalCrossentropy(reduction="none")
    labels = rng.random((4, 5))              # not normalised, as in the seed
    p = rng.random((4, 5)) + 0.1
    np.testing.assert_allclose(cce(labels, p).numpy(), cce(labels, p / p.sum(1, keepdims=True)
                                                           ).numpy(), rtol=1e-6)
    expected = -np.sum(labels * np.log(p / p.sum(1, keepdims=True)), 1)
    np.testing.assert_allclose(cce(labels, p).numpy(), expected, rtol=1e-5)


def test_cce_on_logits_fed_as_probabilities_clips_in_float32():
    # The seed's third program feeds logits (some negative) to a from_logits=False loss:
    # renormalise, clip to [1e-7, 1 - 1e-7] in float32, then -sum(t log p).
    logits = np.array([[2.0, -1.0, 0.5], [-0.3, 0.2, 0.4]], np.float32)
    labels = np.array([[0.2, 0.5, 0.9], [0.1, 0.0, 0.7]], np.float32)
    out = losses.CategoricalCrossentropy(reduction="none")(labels, logits)
    np.testing.assert_allclose(out.numpy(), np_cce(labels, logits), rtol=1e-5)
    assert np.all(np.isfinite(out.numpy()))


def test_bce_goldens_and_float32_clip():
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert float(bce([0.0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])) == pytest.approx(0.8654,
                                                                                 abs=1e-3)
    t2, z2 = [[0.0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    np.testing.assert_allclose(losses.BinaryCrossentropy(from_logits=True, reduction="none")(
        t2, z2).numpy(), [0.235, 1.496], atol=1e-3)
    assert float(bce(t2, z2, sample_weight=[0.8, 0.2])) == pytest.approx(0.243, abs=1e-3)
    assert float(losses.BinaryCrossentropy(from_logits=True, reduction="sum")(t2, z2)) == \
        pytest.approx(1.730, abs=1e-3)
    # 1 - 1e-7 is 0.99999988 in float32: a confident wrong answer costs 15.94, not 16.12.
    assert float(losses.BinaryCrossentropy()([[0.0]], [[1.0]])) == pytest.approx(15.9424, abs=1e-3)


def test_mse_golden_and_scalar_weight():
    t, p = [[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]]
    assert float(losses.MeanSquaredError()(t, p)) == pytest.approx(49.5)
    assert float(losses.MeanSquaredError()(t, p, sample_weight=2.3)) == pytest.approx(113.85,
                                                                                   rel=1e-6)


def test_float64_inputs_give_float32_loss_and_int_labels_are_cast():
    p = rng.random((3, 4))
    assert losses.CategoricalCrossentropy()(np.eye(4)[:3], p).dtype == tf.float32
    assert losses.MeanSquaredError()(tf.constant([[1, 2]]), tf.constant([[1.5, 2.5]],
                                                                       tf.float64)).dtype == \
        tf.float32
    assert float(losses.MeanAbsoluteError()(np.array([[1, 2]]), [[1.5, 2.5]])) == 0.5


def test_rank_alignment_never_broadcasts_n_by_n():
    t = np.array([1.0, 2.0, 3.0])
    p = np.array([[1.0], [2.0], [5.0]])
    out = losses.MeanSquaredError(reduction="none")(t, p)
    assert out.shape == (3,)
    np.testing.assert_allclose(out.numpy(), [0, 0, 4])


def test_cce_from_logits_gradient_is_softmax_minus_labels():
    z = tf.Variable(rng.standard_normal((4, 3)).astype(np.float32))
    y = rng.random((4, 3))                    # rows do not sum to 1
    with tf.GradientTape() as tape:
        loss = losses.CategoricalCrossentropy(from_logits=True)(y, z)
    g = tape.gradient(loss, z).numpy()
    s = np.exp(z.numpy()) / np.exp(z.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(g, (s - y) / 4, rtol=1e-5, atol=1e-6)


def test_bce_from_logits_gradient_at_zero_is_sigmoid_minus_label():
    z = tf.Variable([[0.0, 0.0]])
    with tf.GradientTape() as tape:
        loss = losses.BinaryCrossentropy(from_logits=True)([[1.0, 0.0]], z)
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), [[(0.5 - 1) / 2, 0.5 / 2]])


def test_sparse_cce_matches_one_hot_cce():
    z = rng.standard_normal((6, 4)).astype(np.float32)
    ids = np.array([0, 3, 1, 2, 2, 0])
    onehot = np.eye(4)[ids]
    for from_logits in (True, False):
        p = z if from_logits else np.exp(z) / np.exp(z).sum(1, keepdims=True)
        sparse = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        dense = losses.CategoricalCrossentropy(from_logits=from_logits)
        assert float(sparse(ids, p)) == pytest.approx(float(dense(onehot, p)), rel=1e-5)
        assert float(sparse(ids[:, None], p)) == pytest.approx(float(dense(onehot, p)),
                                                                rel=1e-5)
    assert float(losses.SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0],
                                                                 [0.1, 0.8, 0.1]])) == \
        pytest.approx(1.177, abs=1e-3)


def test_sparse_cce_gradient_and_ignore_class():
    z = tf.Variable(rng.standard_normal((3, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = losses.SparseCategoricalCrossentropy(from_logits=True)([1, 0, 3], z)
    s = np.exp(z.numpy()) / np.exp(z.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(),
                               (s - np.eye(4)[[1, 0, 3]]) / 3, rtol=1e-5, atol=1e-6)
    ignoring = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    full = losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")(
        [1, 0, 3], z).numpy()
    assert float(ignoring([1, -1, 3], z)) == pytest.approx((full[0] + full[2]) / 2, rel=1e-5)


def test_sparse_labels_out_of_range_name_the_class_count():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label value of 5.*\[0, 5\)"):
        losses.SparseCategoricalCrossentropy()([0, 5], np.full((2, 5), 0.2))
    with pytest.raises(tf.errors.InvalidArgumentError, match="valid range"):
        losses.sparse_categorical_crossentropy([-1], [[0.5, 0.5]])


def test_sparse_labels_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"labels of shape \(3,\).*predictions of shape \(2, 4\)"):
        losses.SparseCategoricalCrossentropy()([0, 1, 2], np.full((2, 4), 0.25))


def test_mismatched_shapes_name_both_shapes():
    with pytest.raises(ValueError, match=r"target.shape=\(3, 4\), output.shape=\(3, 5\)"):
        losses.CategoricalCrossentropy()(np.zeros((3, 4)), np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"y_true.shape=\(3, 4\), y_pred.shape=\(3, 5\)"):
        losses.MeanSquaredError()(np.zeros((3, 4)), np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"y_true.shape=\(3, 4\), y_pred.shape=\(3, 5\)"):
        losses.BinaryCrossentropy()(np.zeros((3, 4)), np.full((3, 5), 0.5))


def test_invalid_reduction_including_tf_keras_2_auto():
    for bad in ("auto", "average", 3):
        with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
            losses.MeanSquaredError(reduction=bad)


def test_single_class_cce_warns():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy([[1.0]], [[0.7]])


def test_axis_must_be_int():
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy([[1.0, 0.0]], [[0.7, 0.3]], axis=True)


def test_keras_mask_excludes_masked_entries():
    p = tf.constant([[1.0], [5.0], [2.0]])
    p._keras_mask = tf.constant([True, False, True])
    out = losses.MeanAbsoluteError()([[0.0], [0.0], [0.0]], p)
    assert float(out) == pytest.approx((1.0 + 2.0) / 2, rel=1e-5)


def test_get_serialize_deserialize():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("mean_squared_error") is losses.mean_squared_error
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    for name in ("categorical_crossentropy", "sparse_categorical_crossentropy", "mae",
                 "binary_crossentropy", "huber", "kld", "logcosh"):
        assert callable(losses.get(name))
    instance = losses.Huber(delta=2.0)
    assert losses.get(instance) is instance
    assert losses.get(None) is None
    with pytest.raises(ValueError, match=r"'categorical_crossentropyy'.*categorical_crossentropy"):
        losses.get("categorical_crossentropyy")
    cce = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, name="c")
    clone = losses.deserialize(losses.serialize(cce))
    assert isinstance(clone, losses.CategoricalCrossentropy)
    assert (clone.from_logits, clone.label_smoothing, clone.name) == (True, 0.2, "c")
    huber = losses.get(losses.serialize(losses.Huber(delta=3.0, reduction="sum")))
    assert (huber.delta, huber.reduction) == (3.0, "sum")


def test_loss_function_wrapper_and_functions_exist():
    wrapped = losses.LossFunctionWrapper(losses.mae, reduction="sum")
    assert float(wrapped([[1.0, 2.0], [0.0, 0.0]], [[2.0, 2.0], [0.0, 2.0]])) == pytest.approx(1.5)
    assert tf.keras.losses.mse is tf.keras.losses.mean_squared_error
    assert tf.keras.losses.mean_squared_error([[1.0, 3.0]], [[1.0, 1.0]]).numpy().tolist() == [2.0]


def _softmax_rows(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("fn,positive", [
    (losses.mean_squared_error, False), (losses.mean_absolute_error, False),
    (losses.mean_absolute_percentage_error, False), (losses.mean_squared_logarithmic_error, True),
    (losses.huber, False), (losses.log_cosh, False), (losses.kl_divergence, True),
    (losses.poisson, True), (losses.cosine_similarity, False), (losses.hinge, False),
    (losses.squared_hinge, False), (losses.categorical_hinge, False),
    (losses.categorical_crossentropy, True), (losses.binary_crossentropy, True),
    (lambda t, p: losses.binary_crossentropy(t, p, from_logits=True), False),
    (lambda t, p: losses.categorical_crossentropy(t, p, from_logits=True), False),
], ids=["mse", "mae", "mape", "msle", "huber", "log_cosh", "kld", "poisson", "cosine", "hinge",
        "squared_hinge", "categorical_hinge", "cce", "bce", "bce_logits", "cce_logits"])
def test_loss_gradients_match_finite_differences(fn, positive):
    from gradcheck import check_grad, rand
    labels = _softmax_rows(rand(3, 4, seed=8))               # rows sum to 1, values in (0, 1)
    if positive:
        pred = rand(3, 4, low=0.05, high=0.9, seed=9)
    else:
        pred = rand(3, 4, seed=9, away_from=(-1.0, 0.0, 1.0), margin=0.05)
        pred = pred + 0.37 * (np.abs(pred - labels) < 0.05)   # off the |error| kinks
    check_grad(lambda p: fn(tf.constant(labels), p), pred)


def test_tf_keras_2_reduction_constants():
    t, p = [[1.0], [3.0]], [[2.0], [3.0]]
    assert losses.MeanAbsoluteError(reduction=losses.Reduction.NONE)(t, p).shape == (2,)
    assert float(losses.MeanAbsoluteError(reduction=losses.Reduction.SUM)(t, p)) == 1.0
    assert float(losses.MeanAbsoluteError(reduction=losses.Reduction.AUTO)(t, p)) == 0.5


def test_all_zero_weights_give_zero_not_nan():
    t, p = [[1.0], [3.0]], [[2.0], [5.0]]
    for reduction in ("mean_with_sample_weight", "sum_over_batch_size", "sum"):
        out = losses.MeanAbsoluteError(reduction=reduction)(t, p, sample_weight=[0.0, 0.0])
        assert float(out) == 0.0
