"""Accuracy metrics: per-sample match functions on NumPy arrays and their ``Mean`` wrappers.

Thresholds are strict (``y_pred > threshold``) and argmax ties go to the first index, as
in Keras.
"""
from ...backend import np
from .base import MeanMetricWrapper, squeeze_or_expand, to_array

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "Accuracy",
           "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy"]


def accuracy(y_true, y_pred):
    """``mean(y_true == y_pred, axis=-1)`` (exact equality) after rank alignment."""
    y_pred = to_array(y_pred)
    y_true = to_array(y_true)
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    return np.mean(y_true == y_pred, axis=-1, dtype=np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """``mean(y_true == (y_pred > threshold), axis=-1)``."""
    y_pred = to_array(y_pred)
    y_true = to_array(y_true)
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    predicted = y_pred > np.asarray(threshold, dtype=y_pred.dtype if y_pred.dtype.kind == "f"
                                    else np.float32)
    return np.mean(y_true == predicted.astype(y_true.dtype), axis=-1, dtype=np.float32)


def categorical_accuracy(y_true, y_pred):
    """``argmax(y_true, -1) == argmax(y_pred, -1)`` per sample (first index wins ties)."""
    y_true = to_array(y_true)
    y_pred = to_array(y_pred)
    _check_class_dims(y_true, y_pred, "categorical_accuracy")
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _check_class_dims(y_true, y_pred, who):
    if y_true.shape[-1:] != y_pred.shape[-1:]:
        raise ValueError("%s: y_true and y_pred must have the same number of classes (last "
                         "dimension): y_true.shape=%s, y_pred.shape=%s." % (
                             who, y_true.shape, y_pred.shape))


def _sparse_ids(y_true, y_pred):
    """Class ids with a trailing 1 squeezed (when ids and predictions have equal rank)."""
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        return y_true[..., 0]
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """``y_true == argmax(y_pred, -1)`` per sample; ``y_true`` of shape ``(N,)`` or ``(N, 1)``."""
    y_pred = to_array(y_pred)
    ids = _sparse_ids(to_array(y_true), y_pred)
    return (ids == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _in_top_k(targets, predictions, k):
    """TF's ``in_top_k``: the target's score ranks within the top ``k`` (ties all count in)."""
    targets = targets.astype(np.int64, copy=False)
    if targets.size and (targets.min() < 0 or targets.max() >= predictions.shape[-1]):
        return np.zeros(targets.shape, np.float32)
    scores = np.take_along_axis(predictions, targets[..., None], axis=-1)
    better = np.sum(predictions > scores, axis=-1)
    return ((better < k) & np.isfinite(scores[..., 0])).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the true class (argmax of ``y_true``) is among the ``k`` highest predictions."""
    y_true = to_array(y_true)
    y_pred = to_array(y_pred)
    _check_class_dims(y_true, y_pred, "top_k_categorical_accuracy")
    return _in_top_k(np.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Like ``top_k_categorical_accuracy`` with integer ids; with ``from_sorted_ids``,
    ``y_pred`` holds class ids sorted by decreasing score."""
    y_pred = to_array(y_pred)
    ids = _sparse_ids(to_array(y_true), y_pred)
    if from_sorted_ids:
        return np.any(y_pred[..., :k] == ids[..., None], axis=-1).astype(np.float32)
    return _in_top_k(ids, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.Accuracy()
    >>> float(m([[1], [2], [3], [4]], [[0], [2], [3], [4]]))
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels (default threshold 0.5)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches the argmax of one-hot labels.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.CategoricalAccuracy()
    >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is None and getattr(y_pred, "_keras_mask", None) is None:
            # The custom-loop hot path: one argmax pair, a count and two scalar additions.
            y_true, y_pred = to_array(y_true), to_array(y_pred)
            _check_class_dims(y_true, y_pred, "categorical_accuracy")
            self._add_hits(y_true.argmax(axis=-1) == y_pred.argmax(axis=-1))
            return
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions equals integer labels.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.SparseCategoricalAccuracy()
    >>> float(m([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is None and getattr(y_pred, "_keras_mask", None) is None:
            y_pred = to_array(y_pred)   # the fit-loop hot path, as CategoricalAccuracy's
            self._add_hits(_sparse_ids(to_array(y_true), y_pred) == y_pred.argmax(axis=-1))
            return
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the true class is among the ``k`` (default 5) highest predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """``TopKCategoricalAccuracy`` with integer labels."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k, self.from_sorted_ids = k, from_sorted_ids
