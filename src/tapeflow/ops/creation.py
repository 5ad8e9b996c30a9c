"""Tensor creation: constant, zeros/ones/fill, eye, range, linspace, one_hot, shape queries."""
from .. import dtypes as _dtypes
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import Tensor, Variable, _to_array, _wrap
from .array import _shape_arg
from .core import to_tensor

__all__ = ["constant", "zeros", "ones", "fill", "eye", "range", "linspace", "one_hot", "shape",
           "size", "rank"]


def _np_dtype(dtype, default="float32"):
    return _dtypes.as_dtype(default if dtype is None else dtype).np_dtype


def constant(value, dtype=None, shape=None, name=None):
    """A Tensor from a Python value or array (floats float32, ints int32 by default).

    >>> import tapeflow as tf
    >>> print(tf.constant(3.0))
    tf.Tensor(3.0, shape=(), dtype=float32)
    >>> tf.constant([1, 2]).dtype
    tf.int32
    """
    if isinstance(value, (Tensor, Variable)):
        arr = value._value if dtype is None else value._value.astype(_np_dtype(dtype))
    else:
        arr = _to_array(value, dtype)
    if shape is not None:
        shape = _shape_arg(shape)
        if arr.size == 1 and arr.shape != shape:
            arr = np.full(shape, arr.reshape(()), arr.dtype)
        else:
            try:
                arr = arr.reshape(shape)
            except ValueError:
                raise TypeError("constant: a value with %d elements cannot take shape %s"
                                % (arr.size, list(shape))) from None
    if isinstance(value, np.ndarray) and arr is value:
        arr = arr.copy()  # the tensor must not change when the caller mutates its array
    return _wrap(arr)


def _dims(shape, opname):
    """A shape argument as a tuple of sizes; negative sizes are an error, as in TF."""
    dims = _shape_arg(shape)
    if any(d < 0 for d in dims):
        raise InvalidArgumentError("%s: dimensions must be >= 0, got shape %s. Give every "
                                   "dimension's size explicitly." % (opname, list(dims)))
    return dims


def zeros(shape, dtype=None, name=None):
    return _wrap(np.zeros(_dims(shape, "zeros"), _np_dtype(dtype)))


def ones(shape, dtype=None, name=None):
    return _wrap(np.ones(_dims(shape, "ones"), _np_dtype(dtype)))


def fill(dims, value, name=None):
    v = to_tensor(value)
    return _wrap(np.full(_dims(dims, "fill"), v._value, v._value.dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=None, name=None):
    _dims([num_rows] + ([] if num_columns is None else [num_columns]), "eye")
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=_np_dtype(dtype))
    if batch_shape is not None:
        m = np.broadcast_to(m, _shape_arg(batch_shape) + m.shape).copy()
    return _wrap(m)


_RANGE_DTYPES = ["int32", "int64", "float32", "float64"]


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """Like Python's range; int32 for ints (int64 is TF's Dataset.range), float32 for floats.

    >>> import tapeflow as tf
    >>> tf.range(5).numpy()
    array([0, 1, 2, 3, 4], dtype=int32)
    """
    if limit is None:
        start, limit = 0, start
    vals = [to_tensor(v)._value if isinstance(v, (Tensor, Variable)) else v
            for v in (start, limit, delta)]
    if dtype is None:
        # TF's rule: the widest of the arguments' dtypes in int32 < int64 < float32 < float64,
        # where a Python int counts as int32 and a Python float as float32
        kinds = [_RANGE_DTYPES.index(np.dtype(v.dtype).name) if hasattr(v, "dtype") and
                 np.dtype(v.dtype).name in _RANGE_DTYPES else
                 (2 if np.asarray(v).dtype.kind == "f" else 0) for v in vals]
        dtype = _RANGE_DTYPES[max(kinds)]
    if float(np.asarray(vals[2])) == 0:
        raise InvalidArgumentError("range: delta must not be zero")
    return _wrap(np.arange(*[np.asarray(v).item() for v in vals]).astype(_np_dtype(dtype)))


def linspace(start, stop, num, name=None, axis=0):
    s = to_tensor(start)
    if int(num) < 0:
        raise InvalidArgumentError("linspace: num must be >= 0, got %d" % int(num))
    dt = s._value.dtype if s._value.dtype.kind == "f" else np.float32
    out = np.linspace(s._value, to_tensor(stop)._value, int(num), axis=axis).astype(dt)
    return _wrap(out)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encoding; indices outside ``[0, depth)`` give all-off rows, as in TF."""
    idx = np.asarray(to_tensor(indices)._value)
    if idx.dtype.kind not in "iu":
        raise InvalidArgumentError("one_hot: indices must be integers, got dtype %s"
                                   % _dtypes.from_numpy(idx.dtype).name)
    depth = int(depth)
    if depth < 0:
        raise InvalidArgumentError("one_hot: depth must be non-negative, got %d" % depth)
    # TF's dtype: ``dtype``, else on_value's, else off_value's, else float32; the two must agree
    given = [to_tensor(v, dtype and _np_dtype(dtype)) if v is not None and dtype is not None
             else None if v is None else to_tensor(v) for v in (on_value, off_value)]
    kinds = [t._value.dtype for t in given if t is not None]
    if len(kinds) == 2 and kinds[0] != kinds[1]:
        raise TypeError("one_hot: dtype %s of off_value does not match dtype %s of on_value"
                        % (given[1].dtype.name, given[0].dtype.name))
    dt = _np_dtype(dtype) if dtype is not None else (kinds[0] if kinds else _np_dtype(None))
    on = 1 if given[0] is None else given[0]._value
    off = 0 if given[1] is None else given[1]._value
    hot = idx[..., None] == np.arange(depth)
    out = np.where(hot, on, off).astype(dt)
    if axis is not None and axis != -1:
        out = np.moveaxis(out, -1, axis)
    return _wrap(out)


def shape(input, out_type=None, name=None):
    """The dynamic shape as an int32 tensor."""
    # the value's shape: a variable's declared .shape may have unknown (None) dimensions
    v = (input if isinstance(input, (Tensor, Variable)) else to_tensor(input))._value.shape
    return _wrap(np.asarray(tuple(v), dtype=_np_dtype(out_type, "int32")))


def size(input, out_type=None, name=None):
    n = int(np.prod(to_tensor(input)._value.shape))
    return _wrap(_np_dtype(out_type, "int32").type(n))


def rank(input, name=None):
    return _wrap(np.int32(to_tensor(input)._value.ndim))
