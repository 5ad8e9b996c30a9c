"""Metrics against Keras's goldens (tf_semantics §5) and NumPy formulas."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import metrics as M

rng = np.random.default_rng(11)


def test_mean_goldens_and_reset():
    m = M.Mean()
    m.update_state([1.0, 3.0, 5.0, 7.0])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    m.reset_states()                                  # tf.keras 2's name, used by the seed
    assert float(m.result()) == 0.0                   # empty: divide_no_nan
    assert m.result().dtype == tf.float32 and m.result().shape == ()


def test_mean_counts_rows_and_weights_over_extra_dims():
    m = M.Mean()
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]))           # per-row means 2 and 6
    assert float(m.result()) == 4.0 and float(m.count.numpy()) == 2.0
    w = M.Mean()
    w.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]), sample_weight=[[1.0], [3.0]])
    assert float(w.result()) == pytest.approx((2 * 1 + 6 * 3) / 4)
    scalar = M.Mean()
    scalar.update_state(5.0)
    scalar.update_state(tf.constant(7.0))
    assert float(scalar.result()) == 6.0


def test_sum_and_call_returns_running_result():
    s = M.Sum()
    assert float(s([1.0, 2.0])) == 3.0
    assert float(s([4.0], sample_weight=[0.5])) == 5.0
    m = M.Mean()
    assert float(m([1.0])) == 1.0
    assert float(m([3.0])) == 2.0                     # running, not the batch's value


def test_state_variables_are_non_trainable():
    m = M.CategoricalAccuracy()
    assert len(m.variables) == 2
    assert all(not v.trainable for v in m.variables)
    assert m.trainable_variables == []


def test_accuracy_goldens():
    m = M.Accuracy()
    assert float(m([[1], [2], [3], [4]], [[0], [2], [3], [4]])) == 0.75
    m.reset_state()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 0.5


def test_binary_accuracy_threshold_is_strict():
    m = M.BinaryAccuracy()
    assert float(m([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])) == 0.75
    m.reset_state()
    assert float(m([[0.0], [1.0]], [[0.5], [0.5]])) == 0.5        # 0.5 is not > 0.5
    t = M.BinaryAccuracy(threshold=0.2)
    assert float(t([[1.0], [0.0]], [[0.3], [0.1]])) == 1.0


def test_categorical_accuracy_goldens_and_ties():
    m = M.CategoricalAccuracy()
    y, p = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    assert float(m(y, p)) == 0.5
    m.reset_state()
    m.update_state(y, p, sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)
    ties = M.CategoricalAccuracy()
    assert float(ties([[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]])) == 0.5   # first index wins


def test_categorical_accuracy_matches_numpy_with_unnormalised_labels():
    y = rng.random((200, 10))
    logits = rng.standard_normal((200, 10)).astype(np.float32)
    m = M.CategoricalAccuracy()
    for i in range(0, 200, 64):
        m.update_state(tf.constant(y[i:i + 64]), tf.constant(logits[i:i + 64]))
    expected = np.mean(np.argmax(y, 1) == np.argmax(logits, 1))
    assert float(m.result()) == pytest.approx(expected, abs=1e-6)


def test_categorical_accuracy_wrong_number_of_classes():
    with pytest.raises(ValueError, match=r"number of classes.*\(2, 3\).*\(2, 4\)"):
        M.CategoricalAccuracy().update_state(np.eye(3)[:2], np.ones((2, 4)))


def test_sparse_categorical_accuracy_goldens():
    m = M.SparseCategoricalAccuracy()
    y, p = [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]
    assert float(m(y, p)) == 0.5
    m.reset_state()
    m.update_state(y, p, sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)
    flat = M.SparseCategoricalAccuracy()
    assert float(flat(np.array([2, 1]), np.array(p))) == 0.5


def test_top_k_accuracies():
    y = [[0, 0, 1], [0, 1, 0]]
    p = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    assert float(M.TopKCategoricalAccuracy(k=1)(y, p)) == 0.5
    assert float(M.TopKCategoricalAccuracy(k=2)(y, p)) == 1.0
    assert float(M.SparseTopKCategoricalAccuracy(k=1)([2, 1], p)) == 0.5
    assert float(M.SparseTopKCategoricalAccuracy(k=2)([[2], [1]], p)) == 1.0
    # Ties at the boundary count as inside the top k (TF's in_top_k).
    assert float(M.SparseTopKCategoricalAccuracy(k=1)([1], [[0.5, 0.5, 0.0]])) == 1.0
    sorted_ids = M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    assert float(sorted_ids([2, 0], [[1, 2, 0], [1, 2, 0]])) == 0.5


def test_precision_recall_goldens_and_empty_precision():
    assert float(M.Precision().result()) == 0.0
    assert float(M.Recall().result()) == 0.0
    p = M.Precision()
    assert float(p([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    p.reset_state()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert float(p.result()) == 1.0
    r = M.Recall()
    assert float(r([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    strict = M.Precision(thresholds=0.5)
    assert float(strict([1, 1], [0.5, 0.6])) == 1.0     # 0.5 is not > 0.5: only one positive
    assert float(strict.true_positives.numpy()[0]) == 1.0


def test_precision_thresholds_top_k_and_class_id():
    p = M.Precision(thresholds=[0.3, 0.6])
    out = p([0, 1, 1, 1], [0.4, 0.2, 0.7, 0.9])
    np.testing.assert_allclose(out.numpy(), [2 / 3, 1.0], rtol=1e-6)
    top2 = M.Precision(top_k=2)
    assert float(top2([0, 0, 1, 1], [1, 1, 1, 1])) == 0.0         # ties keep the first two
    top = M.Precision(top_k=1)
    assert float(top([[0, 0, 1, 0]], [[0.1, 0.2, 0.9, 0.3]])) == 1.0
    by_class = M.Recall(class_id=2)
    y = np.array([[0, 0, 1], [0, 0, 1], [1, 0, 0]])
    pred = np.array([[0.1, 0.2, 0.7], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8]])
    assert float(by_class(y, pred)) == 0.5


def test_confusion_counts_against_numpy():
    y = rng.integers(0, 2, 100)
    p = rng.random(100).astype(np.float32)
    w = rng.random(100).astype(np.float32)
    thresholds = [0.1, 0.5, 0.9]
    for cls, fn in ((M.TruePositives, lambda t: np.sum(w * (y == 1) * (p > t))),
                    (M.FalsePositives, lambda t: np.sum(w * (y == 0) * (p > t))),
                    (M.TrueNegatives, lambda t: np.sum(w * (y == 0) * (p <= t))),
                    (M.FalseNegatives, lambda t: np.sum(w * (y == 1) * (p <= t)))):
        out = cls(thresholds=thresholds)(y, p, sample_weight=w)
        np.testing.assert_allclose(out.numpy(), [fn(t) for t in thresholds], rtol=1e-5)


Y, P, W = [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 2, 3, 4]


@pytest.mark.parametrize("kwargs,weights,expected", [
    ({}, None, 0.75),
    ({}, [1, 0, 0, 1], 1.0),
    ({}, W, (1 + 0.571) / 2),                     # tp=[7,4,0] fp=[3,0,0] tn=[0,3,3] fn=[0,3,7]
    ({"curve": "PR", "summation_method": "majoring"}, W, 1 * 0.429 + 1 * 0.571),
    ({"curve": "PR", "summation_method": "minoring"}, W, 0.7 * 0.429 + 0 * 0.571),
    ({"curve": "PR"}, W, 2.416 / 7 + 4 / 7),
])
def test_auc_goldens(kwargs, weights, expected):
    auc = M.AUC(num_thresholds=3, **kwargs)
    assert float(auc(Y, P, sample_weight=weights)) == pytest.approx(expected, abs=1e-3)


def test_auc_roc_matches_rank_statistic_with_many_thresholds():
    y = rng.integers(0, 2, 300)
    p = np.clip(y * 0.3 + rng.random(300) * 0.7, 0, 1)
    auc = M.AUC(num_thresholds=2000)
    auc.update_state(y, p)
    pos, neg = p[y == 1], p[y == 0]
    exact = np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :])
    assert float(auc.result()) == pytest.approx(exact, abs=2e-3)


def test_auc_from_logits_explicit_thresholds_and_multi_label():
    logits = np.log(np.array(P) / (1 - np.array(P) + 1e-12) + 1e-12)
    assert float(M.AUC(num_thresholds=3, from_logits=True)(Y, logits)) == pytest.approx(0.75)
    explicit = M.AUC(thresholds=[0.5])
    assert explicit.num_thresholds == 3
    assert float(explicit(Y, P)) == pytest.approx(0.75)
    y2 = np.array([Y, Y[::-1]]).T
    p2 = np.array([P, P[::-1]]).T
    multi = M.AUC(num_thresholds=3, multi_label=True)
    assert float(multi(y2, p2)) == pytest.approx(0.75)
    weighted = M.AUC(num_thresholds=3, multi_label=True, label_weights=[1.0, 0.0])
    assert float(weighted(y2, p2)) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        M.AUC(curve="XYZ")


def test_regression_metrics_match_numpy():
    t = rng.standard_normal((8, 3)).astype(np.float32)
    p = rng.standard_normal((8, 3)).astype(np.float32)
    assert float(M.MeanSquaredError()(t, p)) == pytest.approx(np.mean((t - p) ** 2), rel=1e-5)
    assert float(M.MeanAbsoluteError()(t, p)) == pytest.approx(np.mean(np.abs(t - p)), rel=1e-5)
    assert float(M.RootMeanSquaredError()(t, p)) == pytest.approx(
        np.sqrt(np.mean((t - p) ** 2)), rel=1e-5)
    tn = t / np.linalg.norm(t, axis=1, keepdims=True)
    pn = p / np.linalg.norm(p, axis=1, keepdims=True)
    assert float(M.CosineSimilarity()(t, p)) == pytest.approx(np.mean(np.sum(tn * pn, 1)),
                                                              rel=1e-5)
    rmse = M.RootMeanSquaredError()
    rmse.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    assert float(rmse.result()) == pytest.approx(np.sqrt(0.5))


def test_crossentropy_metrics():
    y, p = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    assert float(M.CategoricalCrossentropy()(y, p)) == pytest.approx(1.177, abs=1e-3)
    assert float(M.SparseCategoricalCrossentropy()([1, 2], p)) == pytest.approx(1.177, abs=1e-3)
    bce = M.BinaryCrossentropy(from_logits=True)
    assert float(bce([[0, 1, 0, 0]], [[-18.6, 0.51, 2.94, -12.8]])) == pytest.approx(0.8654,
                                                                                   abs=1e-3)


def test_mean_metric_wrapper_with_weights():
    m = M.MeanMetricWrapper(tf.keras.losses.mae, name="l1")
    m.update_state([[1.0], [3.0]], [[2.0], [3.0]], sample_weight=[1.0, 3.0])
    assert m.name == "l1" and float(m.result()) == pytest.approx(0.25)


def test_get_names_and_errors():
    mae = M.get("mae")
    assert isinstance(mae, M.MeanMetricWrapper) and mae.name == "mae"
    assert M.get("categorical_accuracy").name == "categorical_accuracy"
    assert isinstance(M.get("AUC"), M.AUC) and isinstance(M.get("auc"), M.AUC)
    assert isinstance(M.get("precision"), M.Precision)
    assert isinstance(M.get("RootMeanSquaredError"), M.RootMeanSquaredError)
    instance = M.Recall()
    assert M.get(instance) is instance and M.get(None) is None
    with pytest.raises(ValueError, match=r"'maee'.*mae"):
        M.get("maee")


def test_serialize_roundtrip():
    clone = M.deserialize(M.serialize(M.AUC(num_thresholds=7, curve="PR", name="prauc")))
    assert isinstance(clone, M.AUC) and clone.num_thresholds == 7 and clone.curve == "PR"
    assert clone.name == "prauc"
    ba = M.deserialize(M.serialize(M.BinaryAccuracy(threshold=0.3)))
    assert ba.threshold == 0.3
    prec = M.deserialize(M.serialize(M.Precision(thresholds=[0.2, 0.4], name="p")))
    np.testing.assert_allclose(prec.thresholds, [0.2, 0.4])


def test_user_defined_metric_in_tf2_style():
    class PositiveCount(M.Metric):
        def __init__(self, name="positive_count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count_var = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count_var.assign_add(tf.reduce_sum(tf.cast(tf.constant(y_pred) > 0, tf.float32)))

        def result(self):
            return self.count_var

    m = PositiveCount()
    m.update_state(None, [1.0, -1.0, 2.0])
    assert float(m(None, [3.0])) == 3.0
    m.reset_states()
    assert float(m.result()) == 0.0
    assert m.add_weight((2,), name="pair").shape == (2,)
