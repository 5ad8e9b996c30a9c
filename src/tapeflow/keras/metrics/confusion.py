"""Confusion-matrix metrics: TP/FP/TN/FN counts per threshold, Precision, Recall and AUC.

A prediction counts as positive when it is strictly greater than the threshold; labels
count as positive when non-zero. Counts are accumulated per threshold with one sort of the
batch's predictions (``searchsorted`` + cumulative sums), not one pass per threshold.
"""
from ...backend import np
from ..backend import epsilon
from .base import Metric, squeeze_or_expand, to_array

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision",
           "Recall", "AUC"]

_NEG_INF = -1e10


def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return np.array([default], np.float32), True
    single = np.ndim(thresholds) == 0
    values = np.atleast_1d(np.asarray(thresholds, np.float64))
    if np.any((values < 0.0) | (values > 1.0)) and not np.all(values == _NEG_INF):
        raise ValueError("Threshold values must be in [0, 1]. Received: thresholds=%s"
                         % (thresholds,))
    return values.astype(np.float32), single


def _filter_top_k(y_pred, k):
    """Keeps the ``k`` largest predictions of each row, sets the others to -1e10."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(y_pred.shape, bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, y_pred, np.float32(_NEG_INF))


def _prepare(y_true, y_pred, sample_weight, top_k=None, class_id=None):
    """Float32 predictions, boolean labels and weights of the same shape."""
    y_pred = to_array(y_pred).astype(np.float32, copy=False)
    y_true = to_array(y_true)
    y_pred, y_true = squeeze_or_expand(y_pred, y_true)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if y_true.shape != y_pred.shape:
        try:
            y_true = np.broadcast_to(y_true, y_pred.shape)
        except ValueError:
            raise ValueError("y_true of shape %s does not match y_pred of shape %s."
                             % (y_true.shape, y_pred.shape)) from None
    weights = None
    if sample_weight is not None:
        w = to_array(sample_weight).astype(np.float32, copy=False)
        w, _ = squeeze_or_expand(w, y_pred)
        if w.ndim < y_pred.ndim and w.shape == y_pred.shape[:w.ndim]:
            w = w.reshape(w.shape + (1,) * (y_pred.ndim - w.ndim))
        try:
            weights = np.broadcast_to(w, y_pred.shape)
        except ValueError:
            raise ValueError("sample_weight of shape %s cannot be broadcast to y_pred of shape "
                             "%s." % (w.shape, y_pred.shape)) from None
    return y_true != 0, y_pred, weights


def confusion_counts(labels, preds, weights, thresholds):
    """``(tp, fp, tn, fn)`` per threshold for flat arrays (float64)."""
    labels = labels.reshape(-1)
    preds = preds.reshape(-1)
    w = np.ones(preds.shape, np.float64) if weights is None else weights.reshape(-1).astype(
        np.float64)
    order = np.argsort(preds, kind="stable")
    sorted_preds = preds[order]
    pos_w = np.where(labels, w, 0.0)[order]
    neg_w = np.where(labels, 0.0, w)[order]
    # Sums over the tail sorted_preds[i:], for i = 0..n (the last one empty).
    pos_tail = np.concatenate([np.cumsum(pos_w[::-1])[::-1], [0.0]])
    neg_tail = np.concatenate([np.cumsum(neg_w[::-1])[::-1], [0.0]])
    first_above = np.searchsorted(sorted_preds, thresholds, side="right")
    tp = pos_tail[first_above]
    fp = neg_tail[first_above]
    return tp, fp, neg_tail[0] - fp, pos_tail[0] - tp


class _ConfusionMetric(Metric):
    """A shared base: per-threshold accumulators named by ``_KINDS``."""

    _KINDS = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(dtype=dtype, name=name)
        default = 0.5 if top_k is None else _NEG_INF
        self.init_thresholds = thresholds
        self.thresholds, self._single = _parse_thresholds(thresholds, default)
        self.top_k, self.class_id = top_k, class_id
        n = len(self.thresholds)
        self._accumulators = {kind: self.add_variable((n,), name=kind) for kind in self._KINDS}
        for kind, var in self._accumulators.items():
            setattr(self, kind, var)

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, preds, weights = _prepare(y_true, y_pred, sample_weight, self.top_k,
                                          self.class_id)
        counts = dict(zip(("true_positives", "false_positives", "true_negatives",
                           "false_negatives"),
                          confusion_counts(labels, preds, weights, self.thresholds)))
        for kind, var in self._accumulators.items():
            arr = var._inplace_value()
            arr += counts[kind].astype(arr.dtype)

    def _maybe_scalar(self, values):
        values = np.asarray(values, self.dtype)
        return self._scalar(values[0]) if self._single else _as_tensor(values)

    def get_config(self):
        config = super().get_config()
        config.update(thresholds=self.init_thresholds, top_k=self.top_k, class_id=self.class_id)
        return config


def _as_tensor(values):
    from ...tensor import _wrap
    return _wrap(values)


def _divide_no_nan(a, b):
    a, b = np.asarray(a), np.asarray(b)
    safe = np.where(b == 0, 1, b)
    return np.where(b == 0, 0.0, a / safe)


def _count_metric(class_name, kind, doc):
    class Count(_ConfusionMetric):
        _KINDS = (kind,)

        def __init__(self, thresholds=None, name=None, dtype=None):
            super().__init__(thresholds=thresholds, name=name, dtype=dtype)

        def result(self):
            return self._maybe_scalar(self._accumulators[kind]._value)

        def get_config(self):
            return {"name": self.name, "dtype": self.dtype.name,
                    "thresholds": self.init_thresholds}

    Count.__name__ = Count.__qualname__ = class_name
    Count.__doc__ = doc
    return Count


TruePositives = _count_metric("TruePositives", "true_positives",
                              "Weighted count of positive labels predicted positive.")
FalsePositives = _count_metric("FalsePositives", "false_positives",
                               "Weighted count of negative labels predicted positive.")
TrueNegatives = _count_metric("TrueNegatives", "true_negatives",
                              "Weighted count of negative labels predicted negative.")
FalseNegatives = _count_metric("FalseNegatives", "false_negatives",
                               "Weighted count of positive labels predicted negative.")


class Precision(_ConfusionMetric):
    """``TP / (TP + FP)`` (0.0 before any positive prediction).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5; with ``top_k``, every
            kept prediction is positive). A list gives one result per threshold.
        top_k: only the ``k`` highest predictions of each row count as positive.
        class_id: evaluate one class (column) only.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.Precision()
    >>> float(m([0, 1, 1, 1], [1, 0, 1, 1]))
    0.6666666865348816
    """

    _KINDS = ("true_positives", "false_positives")

    def result(self):
        tp, fp = self.true_positives._value, self.false_positives._value
        return self._maybe_scalar(_divide_no_nan(tp, tp + fp))


class Recall(_ConfusionMetric):
    """``TP / (TP + FN)`` (0.0 before any positive label); arguments as ``Precision``.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.Recall()
    >>> float(m([0, 1, 1, 1], [1, 0, 1, 1]))
    0.6666666865348816
    """

    _KINDS = ("true_positives", "false_negatives")

    def result(self):
        tp, fn = self.true_positives._value, self.false_negatives._value
        return self._maybe_scalar(_divide_no_nan(tp, tp + fn))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at fixed thresholds.

    Args:
        num_thresholds: number of thresholds (> 1), evenly spaced in [0, 1] with the ends
            nudged to ``-eps`` and ``1 + eps`` so that 0 and 1 predictions are counted.
        curve: ``'ROC'`` or ``'PR'``.
        summation_method: ``'interpolation'`` (trapezoids; Davis & Goadrich for PR),
            ``'minoring'`` or ``'majoring'``.
        thresholds: explicit thresholds in [0, 1] (then ``num_thresholds`` is ignored).
        multi_label: one curve per label (column), averaged (weighted by ``label_weights``).
        label_weights: per-label weights (multi-label: for the average; otherwise they
            weight each label's contribution to the counts).
        from_logits: apply a sigmoid to predictions first.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.AUC(num_thresholds=3)
    >>> float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(dtype=dtype, name=name)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError('Invalid `curve` argument value "%s". Expected one of: '
                             "{'ROC', 'PR'}" % (curve,))
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError('Invalid `summation_method` argument value "%s". Expected one of: '
                             "{'interpolation', 'minoring', 'majoring'}" % (summation_method,))
        if thresholds is not None:
            inner = sorted(float(t) for t in np.atleast_1d(thresholds))
            num_thresholds = len(inner) + 2
        else:
            if num_thresholds is None or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. Received: "
                                 "num_thresholds=%s" % (num_thresholds,))
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = epsilon()
        self.num_thresholds = num_thresholds
        self._init_thresholds = thresholds
        self._thresholds = np.array([0.0 - eps] + inner + [1.0 + eps])
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.num_labels, self.from_logits = multi_label, num_labels, from_logits
        self.label_weights = None if label_weights is None else np.asarray(label_weights,
                                                                           np.float32)
        if self.label_weights is not None and np.any(self.label_weights < 0):
            raise ValueError("All values of `label_weights` must be non-negative. Received: "
                             "label_weights=%s" % (label_weights,))
        self._built_labels = None
        if not multi_label:
            self._build((num_thresholds,))
        elif num_labels:
            self._build((num_thresholds, num_labels))

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self._built_labels = shape[1] if len(shape) > 1 else None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_array(y_pred).astype(np.float32, copy=False)
        if self.from_logits:
            y_pred = (0.5 * (np.tanh(0.5 * y_pred) + 1.0)).astype(np.float32)
        labels, preds, weights = _prepare(y_true, y_pred, sample_weight)
        thresholds = self._thresholds.astype(np.float32)
        if self.multi_label:
            if preds.ndim != 2:
                raise ValueError("AUC(multi_label=True) expects predictions of shape (batch, "
                                 "num_labels); got %s." % (preds.shape,))
            if self._built_labels is None:
                self._build((self.num_thresholds, preds.shape[1]))
            per_label = [confusion_counts(labels[:, j], preds[:, j],
                                          None if weights is None else weights[:, j], thresholds)
                         for j in range(preds.shape[1])]
            counts = [np.stack([c[k] for c in per_label], axis=1) for k in range(4)]
        else:
            if self.label_weights is not None:
                lw = np.broadcast_to(self.label_weights, preds.shape)
                weights = lw if weights is None else weights * lw
            counts = confusion_counts(labels, preds, weights, thresholds)
        for var, c in zip((self.true_positives, self.false_positives, self.true_negatives,
                           self.false_negatives), counts):
            arr = var._inplace_value()
            arr += c.astype(arr.dtype)

    def _interpolate_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich (2006) interpolation of precision between thresholds."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0.0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0.0)), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(np.where(ratio > 0, ratio, 1.0))
        return _divide_no_nan(slope * (dtp + intercept * log_ratio),
                              np.maximum(tp[1:] + fn[1:], 0.0))

    def result(self):
        if self._built_labels is None and self.multi_label:
            return self._scalar(0.0)
        tp = self.true_positives._value.astype(np.float64)
        fp = self.false_positives._value.astype(np.float64)
        tn = self.true_negatives._value.astype(np.float64)
        fn = self.false_negatives._value.astype(np.float64)
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = self._interpolate_pr_auc(tp, fp, fn)
        else:
            recall = _divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _divide_no_nan(fp, fp + tn), recall
            else:
                x, y = recall, _divide_no_nan(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            terms = (x[:-1] - x[1:]) * heights
        if not self.multi_label:
            return self._scalar(np.sum(terms))
        by_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return self._scalar(np.mean(by_label))
        lw = self.label_weights.astype(np.float64)
        return self._scalar(_divide_no_nan(np.sum(by_label * lw), np.sum(lw)))

    def get_config(self):
        config = super().get_config()
        config.update(num_thresholds=self.num_thresholds, curve=self.curve,
                      summation_method=self.summation_method, multi_label=self.multi_label,
                      num_labels=self.num_labels, from_logits=self.from_logits,
                      label_weights=None if self.label_weights is None
                      else self.label_weights.tolist())
        if self._init_thresholds is not None:
            config["thresholds"] = list(self._thresholds[1:-1])
        return config
