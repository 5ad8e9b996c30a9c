"""``tf.keras.losses``: loss classes, per-sample loss functions and their string names.

As in Keras 3, a loss is a per-sample function plus one ``Loss`` base class that casts the
inputs, aligns their ranks, applies ``sample_weight`` and reduces:

* ``'sum_over_batch_size'`` (default) and ``'mean'``: the weighted sum divided by the
  number of elements of the per-sample losses — zero-weight samples included;
* ``'sum'``; ``'mean_with_sample_weight'`` (divided by the sum of the weights);
* ``'none'`` / ``None``: the per-sample values.

Inputs are cast to the loss dtype (float32): labels of any dtype and float64 predictions
both become float32, so a float64 batch gives a float32 loss.

Cross-entropies from probabilities renormalise each prediction row and clip it to
``[eps, 1 - eps]`` in the prediction's dtype (eps = ``keras.backend.epsilon()`` = 1e-7),
exactly as Keras's TensorFlow backend does. Keras's TF-only shortcut that silently reads
the logits behind a ``softmax`` output (``_keras_logits``) is not emulated: like Keras's
NumPy and JAX backends, tapeflow computes from the probabilities it is given.

>>> import tapeflow as tf
>>> cce = tf.keras.losses.CategoricalCrossentropy()
>>> round(float(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 3)
1.177
"""
import warnings

from .. import dtypes as _dtypes
from ..backend import np
from ..ops import math as _m
from ..ops import nn as _nn
from ..ops import reduce as _r
from ..ops.array import expand_dims, squeeze
from ..ops.core import to_tensor
from ..tensor import Tensor, Variable, _wrap
from . import _lookup
from .backend import epsilon

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "LogCosh",
    "KLDivergence", "Poisson", "CosineSimilarity", "Hinge", "SquaredHinge", "CategoricalHinge",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "huber", "log_cosh", "kl_divergence", "poisson",
    "cosine_similarity", "hinge", "squared_hinge", "categorical_hinge", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "mse", "mae", "mape", "msle",
    "logcosh", "kld", "kullback_leibler_divergence", "get", "serialize", "deserialize",
    "squeeze_or_expand_to_same_rank", "reduce_weighted_values", "Reduction",
]

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


class Reduction:
    """tf.keras 2's reduction constants (Keras 3 takes the strings directly).

    ``AUTO`` meant the default in tf.keras 2, so it maps to ``'sum_over_batch_size'``; the
    string ``'auto'`` itself is rejected, as in Keras 3.
    """

    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
    AUTO = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return ("none", "sum", "sum_over_batch_size")


# -- shared machinery -----------------------------------------------------------------------
def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError("Invalid value for argument `reduction`. Expected one of %s. "
                         "Received: reduction=%r" % (set(REDUCTIONS), reduction))
    return reduction


def _as_float_tensor(x, dtype):
    """Predictions as a Tensor of ``dtype`` (a differentiable cast when needed)."""
    if type(x) is not Tensor:
        if isinstance(x, (Tensor, Variable)):
            x = to_tensor(x)
        else:
            return _wrap(_dense(x, dtype))
    if x._value.dtype != dtype:
        return _m.cast(x, dtype)
    return x


def _dense(x, dtype):
    """A Python or NumPy value as an array of ``dtype`` (NumPy scalars for rank 0)."""
    arr = np.asarray(x, dtype=dtype)
    return arr[()] if arr.ndim == 0 else arr


def _labels_like(y_true, y_pred):
    """Labels cast to the predictions' dtype (Keras casts integer and float64 labels)."""
    return _as_float_tensor(y_true, y_pred._value.dtype)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Aligns ranks that differ by one trailing dimension of size 1 (Keras's rule).

    ``(N,)`` against ``(N, 1)`` expands the rank-1 tensor; otherwise the trailing 1 is
    squeezed — so labels of shape ``(N,)`` never broadcast against ``(N, 1)`` to ``(N, N)``.
    """
    r1, r2 = x1._value.ndim, x2._value.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1._value.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            return x1, expand_dims(x2, -1)
        return squeeze(x1, -1), x2
    if r2 == r1 + 1 and x2._value.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            return expand_dims(x1, -1), x2
        return x1, squeeze(x2, -1)
    return x1, x2


def _check_broadcastable(y_true, y_pred, who):
    a, b = y_true._value.shape, y_pred._value.shape
    if a != b:
        try:
            np.broadcast_shapes(a, b)
        except ValueError:
            raise ValueError("%s: y_true and y_pred have incompatible shapes: y_true.shape=%s, "
                             "y_pred.shape=%s. Pass labels with the predictions' shape."
                             % (who, tuple(a), tuple(b))) from None


def _weights_tensor(sample_weight, dtype):
    if isinstance(sample_weight, (Tensor, Variable)):
        w = to_tensor(sample_weight)
        return _m.cast(w, dtype) if w._value.dtype != dtype else w
    return _wrap(_dense(sample_weight, dtype))


def _apply_mask(sample_weight, mask, dtype, reduction):
    """Merges a Keras mask into the sample weights (masked entries weigh 0, and for the
    averaging reductions the valid ones are rescaled so the mean is over valid entries)."""
    m = np.asarray(mask._value if isinstance(mask, Tensor) else mask).astype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        m = m * (m.size / (float(m.sum()) + epsilon()))
    m = _wrap(_dense(m, dtype))
    if sample_weight is None:
        return m
    m, sample_weight = squeeze_or_expand_to_same_rank(m, sample_weight)
    return sample_weight * m


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weights and reduces per-sample loss ``values`` (see the module docstring)."""
    dtype = values._value.dtype
    if sample_weight is not None:
        sample_weight = _weights_tensor(sample_weight, dtype)
    if mask is not None:
        sample_weight = _apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    shape = values._value.shape
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    if reduction == "sum":
        return _r.reduce_sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total = float(np.sum(sample_weight._value))
        if total == 0.0:
            return _r.reduce_sum(values) * 0.0     # divide_no_nan
        return _r.reduce_sum(values) / total
    if sample_weight is None:
        return _r.reduce_mean(values)
    count = values._value.size
    return _r.reduce_sum(values) / float(count) if count else _r.reduce_sum(values) * 0.0


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning per-sample losses.

    Args:
        name: the loss's name.
        reduction: see the module docstring (``'auto'`` is tf.keras 2 only: ValueError).
        dtype: dtype the inputs are cast to and the loss is computed in (float32).

    >>> import tapeflow as tf
    >>> class Abs(tf.keras.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)
    >>> float(Abs()([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        from .backend import snake_case
        self.name = name or snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = _dtypes.as_dtype(dtype or "float32").np_dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        y_pred = _as_float_tensor(y_pred, self.dtype)
        y_true = _labels_like(y_true, y_pred)
        losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)
        if mask is not None and out_mask is not None:
            mask = np.logical_and(np.asarray(mask._value if isinstance(mask, Tensor) else mask),
                                  np.asarray(out_mask._value))
        elif out_mask is not None:
            mask = out_mask
        if sample_weight is None and mask is None:
            if self.reduction == "sum_over_batch_size" and losses._value.ndim:
                return _r.reduce_mean(losses)   # the hot path: one op
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError("%s must implement call(y_true, y_pred)." % type(self).__name__)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A ``Loss`` from a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    >>> import tapeflow as tf
    >>> loss = tf.keras.losses.LossFunctionWrapper(tf.keras.losses.mae, name="l1")
    >>> float(loss([[1.0, 2.0]], [[2.0, 2.0]]))
    0.5
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


# -- per-sample functions ---------------------------------------------------------------------
def _pair(y_true, y_pred, who):
    """Predictions as a float Tensor, labels cast to their dtype, ranks aligned."""
    y_pred = to_tensor(y_pred)
    if not _dtypes.from_numpy(y_pred._value.dtype).is_floating:
        y_pred = _m.cast(y_pred, "float32")
    y_true = _labels_like(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_broadcastable(y_true, y_pred, who)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred)², axis=-1)``.

    >>> import tapeflow as tf
    >>> tf.keras.losses.mse([[1.0, 2.0]], [[2.0, 4.0]]).numpy()
    array([2.5], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_error")
    return _r.reduce_mean(_m.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|, axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_error")
    return _r.reduce_mean(_m.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 · mean(|(y_true - y_pred) / max(|y_true|, eps)|, axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_percentage_error")
    diff = _m.abs((y_true - y_pred) / _m.maximum(_m.abs(y_true), epsilon()))
    return 100.0 * _r.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))², axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_logarithmic_error")
    first = _m.log(_m.maximum(y_pred, epsilon()) + 1.0)
    second = _m.log(_m.maximum(y_true, epsilon()) + 1.0)
    return _r.reduce_mean(_m.square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """``0.5·e²`` where ``|e| <= delta`` else ``delta·|e| - 0.5·delta²``; mean over the
    last axis."""
    y_true, y_pred = _pair(y_true, y_pred, "huber")
    delta = float(delta)
    error = y_pred - y_true
    abs_error = _m.abs(error)
    quadratic = 0.5 * _m.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return _r.reduce_mean(_m.where(_m.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow."""
    y_true, y_pred = _pair(y_true, y_pred, "log_cosh")
    diff = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2): finite for any |x|
    return _r.reduce_mean(diff + _m.softplus(-2.0 * diff) - float(np.log(2.0)), axis=-1)


def kl_divergence(y_true, y_pred):
    """``Σ y_true·log(y_true / y_pred)`` over the last axis, both clipped to ``[eps, 1]``."""
    y_true, y_pred = _pair(y_true, y_pred, "kl_divergence")
    eps = epsilon()
    y_true = _m.clip_by_value(y_true, eps, 1.0)
    y_pred = _m.clip_by_value(y_pred, eps, 1.0)
    return _r.reduce_sum(y_true * _m.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true·log(y_pred + eps), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred, "poisson")
    return _r.reduce_mean(y_pred - y_true * _m.log(y_pred + epsilon()), axis=-1)


def _l2_normalize(x, axis):
    return x * _m.rsqrt(_m.maximum(_r.reduce_sum(_m.square(x), axis=axis, keepdims=True), 1e-12))


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-Σ normalize(y_true)·normalize(y_pred)`` over ``axis`` (−1 means identical direction)."""
    y_true, y_pred = _pair(y_true, y_pred, "cosine_similarity")
    return -_r.reduce_sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1}; other labels are used as given (Keras's rule)."""
    v = y_true._value
    if np.all((v == 0) | (v == 1)):
        return 2.0 * y_true - 1.0
    return y_true


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true·y_pred, 0), axis=-1)`` with 0/1 labels mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred, "hinge")
    return _r.reduce_mean(_nn.relu(1.0 - _hinge_labels(y_true) * y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true·y_pred, 0)², axis=-1)`` with 0/1 labels mapped to -1/1."""
    y_true, y_pred = _pair(y_true, y_pred, "squared_hinge")
    return _r.reduce_mean(_m.square(_nn.relu(1.0 - _hinge_labels(y_true) * y_pred)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``max(max((1 - y_true)·y_pred) - Σ y_true·y_pred + 1, 0)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred, "categorical_hinge")
    pos = _r.reduce_sum(y_true * y_pred, axis=-1)
    neg = _r.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return _nn.relu(neg - pos + 1.0)


def _check_axis(axis, who):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError("%s: argument `axis` must be of type int. Received: axis=%r of type %s"
                         % (who, axis, type(axis)))
    return int(axis)


def _check_same_shape(y_true, y_pred, who):
    a, b = y_true._value.shape, y_pred._value.shape
    if a != b:
        raise ValueError("%s: arguments `target` and `output` must have the same shape. Received: "
                         "target.shape=%s, output.shape=%s" % (who, tuple(a), tuple(b)))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample ``-Σ y_true·log(p)`` over ``axis``.

    With ``from_logits`` this is TF's fused ``softmax_cross_entropy_with_logits`` (gradient
    ``softmax - y_true``). From probabilities, ``p`` is each row renormalised and clipped to
    ``[eps, 1 - eps]``. Labels are never renormalised.

    >>> import tapeflow as tf
    >>> tf.keras.losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).numpy()
    array([0.6931472], dtype=float32)
    """
    who = "categorical_crossentropy"
    axis = _check_axis(axis, who)
    y_pred = to_tensor(y_pred)
    y_true = _labels_like(y_true, y_pred)
    if y_pred._value.ndim < 1:
        raise ValueError("%s: predictions must have rank >= 1; got a scalar." % who)
    num_classes = y_pred._value.shape[axis]
    if num_classes == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be "
                      "(batch_size, num_classes) with num_classes > 1. Received: "
                      "y_pred.shape=%s. Consider using 'binary_crossentropy' if you only have "
                      "2 classes." % (tuple(y_pred.shape),), SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    _check_same_shape(y_true, y_pred, who)
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    eps = epsilon()
    p = y_pred / _r.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = _m.clip_by_value(p, eps, 1.0 - eps)
    return -_r.reduce_sum(y_true * _m.log(p), axis=axis)


def _sparse_labels(y_true, y_pred, who):
    """Integer class ids of shape ``y_pred.shape[:-1]``, range-checked."""
    labels = np.asarray(y_true._value if isinstance(y_true, (Tensor, Variable)) else y_true)
    if labels.ndim == y_pred._value.ndim and labels.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.shape != y_pred._value.shape[:-1]:
        raise ValueError("%s: labels of shape %s do not match predictions of shape %s: expected "
                         "integer class ids of shape %s (one per row of predictions)."
                         % (who, labels.shape, tuple(y_pred.shape), tuple(y_pred.shape[:-1])))
    if labels.dtype.kind == "f":
        if labels.size and np.any(labels != np.floor(labels)):
            raise ValueError("%s: labels must be integer class ids; got non-integer values "
                             "(use CategoricalCrossentropy for one-hot or soft labels)." % who)
        labels = labels.astype(np.int64)
    elif labels.dtype.kind not in "iu":
        raise ValueError("%s: labels must be integer class ids; got dtype %s."
                         % (who, labels.dtype))
    return labels


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample cross-entropy against integer class ids.

    ``y_true`` has shape ``y_pred.shape[:-1]`` (a trailing 1 is squeezed). Ids outside
    ``[0, num_classes)`` raise InvalidArgumentError (as TF on CPU). ``ignore_class`` gives
    those positions a zero loss and leaves them out of the default reduction's divisor.

    >>> import tapeflow as tf
    >>> tf.keras.losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]]).numpy()
    array([0.6931472], dtype=float32)
    """
    who = "sparse_categorical_crossentropy"
    if _check_axis(axis, who) != -1:
        raise ValueError("Only axis=-1 is currently supported. Received: axis=%s" % axis)
    y_pred = to_tensor(y_pred)
    if not _dtypes.from_numpy(y_pred._value.dtype).is_floating:
        y_pred = _m.cast(y_pred, "float32")
    labels = _sparse_labels(y_true, y_pred, who)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = np.where(valid, labels, 0)
    labels_t = _wrap(labels)
    if not from_logits:
        eps = epsilon()
        # TF's backend takes log of the clipped probabilities as logits, which renormalises
        # after clipping.
        y_pred = _m.log(_m.clip_by_value(y_pred, eps, 1.0 - eps))
    # The fused op checks the ids against the class count (InvalidArgumentError, as TF).
    res = _nn.sparse_softmax_cross_entropy_with_logits(labels=labels_t, logits=y_pred)
    if valid is not None:
        res = _m.where(_wrap(valid), res, _m.zeros_like(res))
        res._keras_mask = _wrap(valid)
    return res


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary cross-entropy: elementwise, then the mean over ``axis``.

    From probabilities, ``p`` is clipped to ``[eps, 1 - eps]`` in its own dtype (in float32
    ``1 - 1e-7`` is 0.99999988, so a confident wrong answer costs 15.94).

    >>> import tapeflow as tf
    >>> tf.keras.losses.binary_crossentropy([[0.0, 1.0]], [[0.4, 0.6]]).numpy()
    array([0.5108256], dtype=float32)
    """
    who = "binary_crossentropy"
    axis = _check_axis(axis, who)
    y_true, y_pred = _pair(y_true, y_pred, who)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape(y_true, y_pred, who)
    if from_logits:
        elementwise = _nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        eps = epsilon()
        p = _m.clip_by_value(y_pred, eps, 1.0 - eps)
        elementwise = -(y_true * _m.log(p) + (1.0 - y_true) * _m.log(1.0 - p))
    return _r.reduce_mean(elementwise, axis=axis)


# Keras's short aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh
kld = KLD = kullback_leibler_divergence = kl_divergence


# -- classes ----------------------------------------------------------------------------------
def _wrapper_class(class_name, fn, default_name, doc, params=()):
    """A LossFunctionWrapper subclass whose constructor takes ``fn``'s keyword ``params``."""

    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None,
                 **kwargs):
        if len(args) > len(params):
            raise TypeError("%s takes at most %d positional arguments (%s)"
                            % (class_name, len(params), ", ".join(p for p, _ in params)))
        values = dict(params)
        values.update(zip((p for p, _ in params), args))
        unknown = set(kwargs) - set(values)
        if unknown:
            raise TypeError("%s got unexpected keyword arguments: %s"
                            % (class_name, sorted(unknown)))
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **values)
        for key, value in values.items():
            setattr(self, key, value)

    return type(class_name, (LossFunctionWrapper,),
                {"__init__": __init__, "__doc__": doc, "__module__": __name__})


MeanSquaredError = _wrapper_class(
    "MeanSquaredError", mean_squared_error, "mean_squared_error",
    "Mean of squared errors over the last axis, then reduced.\n\n"
    "    >>> import tapeflow as tf\n"
    "    >>> float(tf.keras.losses.MeanSquaredError()([[1.0, 9.0, 2.0], [-5.0, -2.0, 6.0]],\n"
    "    ...                                          [[4.0, 8.0, 12.0], [8.0, 1.0, 3.0]]))\n"
    "    49.5\n")
MeanAbsoluteError = _wrapper_class(
    "MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
    "Mean of absolute errors over the last axis, then reduced.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "100 × mean |relative error|, then reduced.")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Mean squared difference of log(1 + x), then reduced.")
Huber = _wrapper_class(
    "Huber", huber, "huber_loss",
    "Quadratic for errors up to ``delta`` (default 1.0), linear beyond.", (("delta", 1.0),))
LogCosh = _wrapper_class("LogCosh", log_cosh, "log_cosh", "Mean of log(cosh(error)).")
KLDivergence = _wrapper_class(
    "KLDivergence", kl_divergence, "kl_divergence", "Kullback–Leibler divergence.")
Poisson = _wrapper_class("Poisson", poisson, "poisson", "Poisson negative log-likelihood.")
CosineSimilarity = _wrapper_class(
    "CosineSimilarity", cosine_similarity, "cosine_similarity",
    "Negative cosine similarity along ``axis``.", (("axis", -1),))
Hinge = _wrapper_class("Hinge", hinge, "hinge", "Hinge loss (labels -1/1 or 0/1).")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge",
                              "Squared hinge loss (labels -1/1 or 0/1).")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge",
                                  "Categorical hinge loss on one-hot labels.")
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    "Binary cross-entropy (see ``binary_crossentropy``).\n\n"
    "    Args: from_logits=False, label_smoothing=0.0, axis=-1, reduction, name, dtype.\n\n"
    "    >>> import tapeflow as tf\n"
    "    >>> bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)\n"
    "    >>> round(float(bce([0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8])), 3)\n"
    "    0.865\n",
    (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy against one-hot (or soft, even unnormalised) labels.

    Args:
        from_logits: predictions are logits (the fused softmax cross-entropy) rather than
            probabilities (renormalised and clipped).
        label_smoothing: ``y_true·(1 - ls) + ls / num_classes``.
        axis: the class axis.
        reduction, name, dtype: see ``Loss``.

    >>> import tapeflow as tf
    >>> cce = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    >>> round(float(cce([[1.0, 0.0, 0.0]], [[8.0, 1.0, 1.0]])), 6)
    0.001822
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self._fast = from_logits and not label_smoothing and axis == -1

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._fast and sample_weight is None and self.reduction == "sum_over_batch_size" \
                and getattr(y_pred, "_keras_mask", None) is None:
            # the training-loop hot path: cross-entropy and its mean as one fused op
            y_pred = _as_float_tensor(y_pred, self.dtype)
            y_true = _labels_like(y_true, y_pred)
            if y_true._value.shape == y_pred._value.shape and y_pred._value.ndim:
                return _nn.softmax_cross_entropy_mean(y_true, y_pred)
        return super().__call__(y_true, y_pred, sample_weight)

    def call(self, y_true, y_pred):
        if self._fast and y_true._value.shape == y_pred._value.shape:
            return _nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred)
        return LossFunctionWrapper.call(self, y_true, y_pred)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy against integer class ids (see ``sparse_categorical_crossentropy``).

    >>> import tapeflow as tf
    >>> scce = tf.keras.losses.SparseCategoricalCrossentropy()
    >>> round(float(scce([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Labels stay integer ids: only the predictions are cast to the loss dtype.
        fast = (self.from_logits and self.ignore_class is None and self.axis == -1
                and sample_weight is None and self.reduction == "sum_over_batch_size"
                and getattr(y_pred, "_keras_mask", None) is None)
        y_pred = _as_float_tensor(y_pred, self.dtype)
        if fast:
            # the training-loop hot path: cross-entropy and its mean as one fused op
            ids = to_tensor(y_true)
            if ids._value.dtype.kind in "iu" and ids._value.shape == y_pred._value.shape[:-1]:
                return _nn.sparse_softmax_cross_entropy_mean(ids, y_pred)
        losses = sparse_categorical_crossentropy(y_true, y_pred, **self._fn_kwargs)
        mask = getattr(losses, "_keras_mask", None)
        if sample_weight is None and mask is None and self.reduction == "sum_over_batch_size" \
                and losses._value.ndim:
            return _r.reduce_mean(losses)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction)


# -- lookup -----------------------------------------------------------------------------------
_CLASSES = {c.__name__: c for c in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, KLDivergence,
    Poisson, CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy)}
_FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, kl_divergence, poisson, cosine_similarity,
    hinge, squared_hinge, categorical_hinge, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy)}
_FUNCTIONS.update(mse=mse, mae=mae, mape=mape, msle=msle, MSE=mse, MAE=mae, MAPE=mape, MSLE=msle,
                  logcosh=log_cosh, kld=kld, KLD=kld, kullback_leibler_divergence=kld,
                  huber_loss=huber)
_ALL = dict(_FUNCTIONS)
_ALL.update((k, v) for k, v in _CLASSES.items() if k not in ("Loss", "LossFunctionWrapper"))


def serialize(loss):
    return _lookup.serialize_object(loss)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize_object(config, _CLASSES, _FUNCTIONS, "loss", custom_objects)


def get(identifier):
    """A loss from a name, a config dict, a ``Loss`` instance or class, or a function.

    As in Keras, a snake-case name gives the per-sample function
    (``'categorical_crossentropy'``, ``'mse'``) and a class name gives an instance
    (``'CategoricalCrossentropy'``); wrap a function in ``LossFunctionWrapper`` to get
    reduction and sample weights. ``None`` gives ``None``.

    >>> import tapeflow as tf
    >>> tf.keras.losses.get("mse") is tf.keras.losses.mean_squared_error
    True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = _lookup.lookup(identifier, _ALL, "loss")
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        return obj()
    if callable(obj):
        return obj
    raise ValueError("Could not interpret loss identifier: %r. Pass a loss name (e.g. "
                     "'categorical_crossentropy'), a Loss instance or a function." % (identifier,))
