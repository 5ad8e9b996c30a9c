"""Reductions over axes: sum, mean, max, min, prod, logsumexp, variance, std, any, all."""
import math as _math

from .. import dtypes as _dtypes
from .._context import recording
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import _wrap
from .array import broadcast_to, cumprod, reshape, squeeze, stop_gradient, transpose
from .core import apply, axis_attr, defprimitive, to_tensor
from .math import cast, equal, exp, log, sqrt

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_logsumexp", "reduce_variance", "reduce_std", "reduce_any", "reduce_all",
           "argmax", "argmin", "count_nonzero"]


def _norm_axes(axis, ndim, opname="reduce"):
    """Axes as a sorted tuple of non-negative ints (None: all axes)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise InvalidArgumentError("%s: axis %d is out of range for a tensor of rank %d; "
                                       "use an axis in [-%d, %d)" % (opname, a, ndim, ndim, ndim))
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def _kept_shape(shape, axis):
    """The reduced shape with size-1 dims kept, to broadcast a gradient back."""
    axes = _norm_axes(axis, len(shape))
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _expand_back(g, x, axis, keepdims):
    """Reshape an upstream gradient of a reduction so it broadcasts against ``x``."""
    if not keepdims and x._value.ndim:
        g = reshape(g, _kept_shape(x._value.shape, axis))
    return g


def _count(x, axis):
    shape = x._value.shape
    n = 1
    for a in _norm_axes(axis, len(shape)):
        n *= shape[a]
    return n


def _broadcast_like(g, x):
    return broadcast_to(g, x._value.shape)


def _spread(g, x, axis, keepdims, scale=None):
    """g (times ``scale``) broadcast back over the reduced axes of ``x``."""
    if not recording:
        # Nothing records the backward pass: one NumPy broadcast instead of three ops.
        gv = g._value
        if not keepdims and x._value.ndim:
            gv = np.reshape(gv, _kept_shape(x._value.shape, axis))
        if scale is not None:
            gv = gv * scale
        # A fresh array filled by assignment: cheaper than np.broadcast_to (a Python-level
        # function) and writable, so later rules may update it in place.
        out = np.empty(x._value.shape, gv.dtype)
        out[...] = gv
        return _wrap(out)
    g = _expand_back(g, x, axis, keepdims)
    return _broadcast_like(g if scale is None else g * scale, x)


# np.add.reduce, not np.sum/np.mean: the same pairwise summation without NumPy's
# Python-level wrappers (several µs per call on small arrays).
_SUM = defprimitive(
    "Sum", lambda x, axis, keepdims: np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
    lambda g, ans, x, axis, keepdims: _spread(g, x, axis, keepdims))


def _mean_forward(x, axis, keepdims):
    if x.dtype.kind in "iu":  # TF's integer mean is an integer division
        return (np.sum(x, axis=axis, keepdims=keepdims) // max(_count_arr(x, axis), 1)).astype(x.dtype)
    if x.dtype.itemsize < 4:  # float16: let NumPy accumulate in higher precision
        return np.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
    n = _count_arr(x, axis)
    # the mean of nothing is 0/0 = NaN, as in TF
    return np.add.reduce(x, axis=axis, keepdims=keepdims) * (1.0 / n if n else _math.nan)


def _count_arr(x, axis):
    n = 1
    for a in _norm_axes(axis, x.ndim):
        n *= x.shape[a]
    return n


_MEAN = defprimitive(
    "Mean", _mean_forward,
    lambda g, ans, x, axis, keepdims: _spread(g, x, axis, keepdims,
                                              1.0 / float(max(_count(x, axis), 1))))


def _extreme_grad(g, ans, x, axis, keepdims):
    # Ties share the gradient equally (TF's reduce_max/min rule, unlike tf.maximum).
    a = _expand_back(ans, x, axis, keepdims)
    mask = cast(equal(x, a), g.dtype)
    count = reduce_sum(mask, axis=axis, keepdims=True)
    return _expand_back(g, x, axis, keepdims) * mask / count


def _extreme_forward(reduce, identity):
    """max/min; an empty reduction gives the reducer's identity (-inf/+inf, or the integer
    dtype's lowest/highest value), as TF does, where NumPy raises."""
    def forward(x, axis, keepdims):
        if x.size:
            return reduce(x, axis=axis, keepdims=keepdims)
        if x.dtype.kind == "f":
            initial = identity * np.inf
        else:
            info = np.iinfo(x.dtype)
            initial = info.min if identity < 0 else info.max
        return reduce(x, axis=axis, keepdims=keepdims, initial=initial)
    return forward


_MAX = defprimitive("Max", _extreme_forward(np.max, -1), _extreme_grad)
_MIN = defprimitive("Min", _extreme_forward(np.min, 1), _extreme_grad)


def _prod_grad(g, ans, x, axis, keepdims):
    # d prod / d x_i = prod of the others; computed without dividing by x (zeros are fine).
    axes = _norm_axes(axis, x._value.ndim)
    rest = [i for i in range(x._value.ndim) if i not in axes]
    perm = list(axes) + rest
    xt = transpose(x, perm)
    shape_t = xt._value.shape
    n = _count(x, axis)
    flat = reshape(xt, (n, -1))
    left = _cumprod_exclusive(flat)
    right = _cumprod_exclusive(flat, reverse=True)
    others = reshape(left * right, shape_t)
    inv = np.argsort(perm)
    others = transpose(others, [int(i) for i in inv])
    return _expand_back(g, x, axis, keepdims) * others


def _cumprod_exclusive(x, reverse=False):
    return cumprod(x, axis=0, exclusive=True, reverse=reverse)


_PROD = defprimitive("Prod", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims,
                                                               dtype=x.dtype),
                     _prod_grad)
_ANY = defprimitive("Any", lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims))
_ALL = defprimitive("All", lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims))


def _reduce(op, input_tensor, axis, keepdims):
    x = to_tensor(input_tensor)
    axis = axis_attr(axis)
    if axis is not None:
        _norm_axes(axis, x._value.ndim, op.name)  # validates: a clear error instead of NumPy's
    if x._value.dtype.kind in "bOS" and op is not _ANY and op is not _ALL:
        raise InvalidArgumentError(
            "%s: a %s tensor cannot be reduced arithmetically. Cast it first, e.g. "
            "tf.cast(x, tf.int32), or use tf.reduce_any / tf.reduce_all."
            % (op.name, _dtypes.from_numpy(x._value.dtype).name))
    return apply(op, (x,), {"axis": axis, "keepdims": bool(keepdims)})


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over ``axis`` (all axes if None).

    >>> import tapeflow as tf
    >>> tf.reduce_sum(tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0).numpy()
    array([4., 6.], dtype=float32)
    """
    return _reduce(_SUM, input_tensor, axis, keepdims)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis``; an integer tensor gives an integer (truncated) mean, as in TF."""
    return _reduce(_MEAN, input_tensor, axis, keepdims)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(_MAX, input_tensor, axis, keepdims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(_MIN, input_tensor, axis, keepdims)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(_PROD, input_tensor, axis, keepdims)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(_ANY, _bool_input(input_tensor, "Any"), axis, keepdims)


def _bool_input(x, opname):
    x = to_tensor(x)
    if x._value.dtype != np.bool_:
        raise InvalidArgumentError("%s: expected a bool tensor, got %s. Compare first (e.g. x > 0) "
                                   "or use tf.cast(x, tf.bool)."
                                   % (opname, _dtypes.from_numpy(x._value.dtype).name))
    return x


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(_ALL, _bool_input(input_tensor, "All"), axis, keepdims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) computed stably (the max is subtracted first)."""
    x = to_tensor(input_tensor)
    m = stop_gradient(reduce_max(x, axis=axis, keepdims=True))
    m = _wrap(np.where(np.isfinite(m._value), m._value, 0).astype(x._value.dtype))
    out = log(reduce_sum(exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        axes = _norm_axes(axis_attr(axis), x._value.ndim)
        out = squeeze(out, axis=list(axes)) if axes else out
    return out


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance (divides by N)."""
    x = to_tensor(input_tensor)
    if x._value.dtype.kind not in "fc":   # TF refuses integers here (their mean truncates)
        raise TypeError("reduce_variance: input must be either real or complex, got %s. Cast it "
                        "first with tf.cast(x, tf.float32)."
                        % _dtypes.from_numpy(x._value.dtype).name)
    mean = reduce_mean(x, axis=axis, keepdims=True)
    d = x - mean
    return reduce_mean(d * d, axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def _arg_extreme(fn, opname, input, axis, output_type):
    x = to_tensor(input)
    nd = x._value.ndim
    axis = 0 if axis is None else int(axis_attr(axis))   # TF: axis None means 0
    if not -nd <= axis < nd:
        raise InvalidArgumentError("%s: axis %d is out of range for a tensor of rank %d (shape %s)"
                                   % (opname, axis, nd, tuple(x._value.shape)))
    if x._value.shape[axis] == 0:
        raise InvalidArgumentError("%s: reduction dimension %d is empty (shape %s)"
                                   % (opname, axis, tuple(x._value.shape)))
    dt = _dtypes.as_dtype(output_type).np_dtype
    out = np.asarray(fn(x._value, axis=axis)).astype(dt)
    return _wrap(out[()] if out.ndim == 0 else out)


def argmax(input, axis=None, output_type="int64", name=None):
    """Index of the largest value along ``axis`` (0 if None); ties go to the first index.

    >>> import tapeflow as tf
    >>> tf.math.argmax(tf.constant([[1.0, 5.0], [7.0, 7.0]]), axis=1).numpy()
    array([1, 0])
    """
    return _arg_extreme(np.argmax, "ArgMax", input, axis, output_type)


def argmin(input, axis=None, output_type="int64", name=None):
    """Index of the smallest value along ``axis`` (0 if None); ties go to the first index."""
    return _arg_extreme(np.argmin, "ArgMin", input, axis, output_type)


def count_nonzero(input, axis=None, keepdims=None, dtype="int64", name=None):
    """Number of non-zero (or True) elements over ``axis``.

    >>> import tapeflow as tf
    >>> int(tf.math.count_nonzero(tf.constant([0.0, 1.5, -2.0])))
    2
    """
    x = to_tensor(input)
    axis = axis_attr(axis)
    if axis is not None:
        _norm_axes(axis, x._value.ndim)
    out = np.count_nonzero(x._value, axis=axis, keepdims=bool(keepdims))
    out = np.asarray(out).astype(_dtypes.as_dtype(dtype).np_dtype)
    return _wrap(out[()] if out.ndim == 0 else out)
