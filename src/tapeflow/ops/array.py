"""Shape and indexing ops: reshape, transpose, concat/stack, slicing, gather, scatter."""
import builtins as _builtins
import collections as _collections

from .. import dtypes as _dtypes
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import Tensor, Variable, _VariableSlice, _element, _wrap
from .core import apply, axis_attr, defprimitive, to_tensor

__all__ = ["reshape", "broadcast_to", "transpose", "expand_dims", "squeeze", "concat", "stack",
           "unstack", "identity", "stop_gradient", "unsorted_segment_sum", "gather", "cumsum",
           "cumprod", "getitem"]


_py_slice = _builtins.slice  # this module defines tf.slice


def _shape_arg(shape):
    try:
        return _shape_tuple(shape)
    except (TypeError, ValueError):
        raise TypeError("a shape must be an int, a list/tuple of ints (None for unknown) or a 1-D "
                        "integer tensor, got %r" % (shape,)) from None


def _shape_tuple(shape):
    if isinstance(shape, (Tensor, Variable)):
        return tuple(int(d) for d in np.asarray(shape._value).reshape(-1))
    if isinstance(shape, np.ndarray):
        return tuple(int(d) for d in shape.reshape(-1))
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(-1 if d is None else int(d) for d in shape)


# -- reshape / broadcast / transpose -------------------------------------------------------
def _reshape_forward(x, shape):
    try:
        out = np.reshape(x, shape)
        return _element(out[()]) if not shape else out   # rank 0: a NumPy scalar, like every value
    except ValueError:
        raise ValueError("Input to reshape is a tensor with %d values, but the requested shape %s "
                         "has %s. Reshape keeps the number of elements." % (
                             x.size, list(shape), _n_elements(shape))) from None


def _n_elements(shape):
    n = 1
    for d in shape:
        n *= d
    return n if -1 not in shape else "a multiple of %d" % -n


_RESHAPE = defprimitive("Reshape", _reshape_forward,
                        lambda g, ans, x, shape: reshape(g, x._value.shape))


def reshape(tensor, shape, name=None):
    """Reshapes to ``shape`` (one dimension may be -1).

    >>> import tapeflow as tf
    >>> tf.reshape(tf.range(6), [2, -1]).shape
    TensorShape([2, 3])
    """
    x = to_tensor(tensor)
    return apply(_RESHAPE, (x,), {"shape": _shape_arg(shape)})


def _broadcast_forward(x, shape):
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise ValueError("Unable to broadcast tensor of shape %s to shape %s" % (
            tuple(x.shape), tuple(shape))) from None


# The engine sums the gradient back to the input's shape, so the rule is the identity.
_BROADCAST = defprimitive("BroadcastTo", _broadcast_forward, lambda g, ans, x, shape: g)


def broadcast_to(input, shape, name=None):
    x = to_tensor(input)
    shape = _shape_arg(shape)
    if x._value.shape == shape:
        return x
    return apply(_BROADCAST, (x,), {"shape": shape})


_TRANSPOSE = defprimitive(
    "Transpose", lambda x, perm: np.transpose(x, perm),
    lambda g, ans, x, perm: transpose(g, tuple(int(i) for i in np.argsort(perm))))


def transpose(a, perm=None, conjugate=False, name=None):
    """Permutes the axes (reverses them when ``perm`` is None)."""
    x = to_tensor(a)
    nd = x._value.ndim
    perm = tuple(range(nd - 1, -1, -1)) if perm is None else tuple(
        int(p) % max(nd, 1) for p in _shape_arg(perm))
    if sorted(perm) != list(range(nd)):
        raise InvalidArgumentError("transpose: perm %s is not a permutation of the %d axes of a "
                                   "tensor of shape %s" % (list(perm), nd, tuple(x._value.shape)))
    return apply(_TRANSPOSE, (x,), {"perm": perm})


def expand_dims(input, axis, name=None):
    x = to_tensor(input)
    nd = x._value.ndim
    axis = int(axis_attr(axis))
    if not -nd - 1 <= axis <= nd:
        raise InvalidArgumentError("expand_dims: axis %d is out of range for a tensor of rank %d"
                                   % (axis, nd))
    axis = axis % (nd + 1)
    shape = x._value.shape[:axis] + (1,) + x._value.shape[axis:]
    return reshape(x, shape)


def squeeze(input, axis=None, name=None):
    x = to_tensor(input)
    shape = x._value.shape
    if axis is None:
        new = tuple(d for d in shape if d != 1)
    else:
        axes = axis_attr(axis)
        axes = axes if isinstance(axes, tuple) else (axes,)
        axes = {_check_axis(a, x, "squeeze") for a in axes}
        for a in axes:
            if shape[a] != 1:
                raise InvalidArgumentError("Can not squeeze dim[%d], expected a dimension of 1, "
                                           "got %d (shape %s)" % (a, shape[a], tuple(shape)))
        new = tuple(d for i, d in enumerate(shape) if i not in axes)
    return reshape(x, new)


# -- concat / stack ------------------------------------------------------------------------
def _concat_grad(needs, g, ans, *inputs, axis):
    sizes = [t._value.shape[axis] for t in inputs]
    return split(g, sizes, axis=axis) if any(needs) else [None] * len(inputs)


def _concat_forward(*xs, axis):
    return np.concatenate(xs, axis=axis)


_CONCAT = defprimitive("ConcatV2", _concat_forward, grad=_concat_grad)


def _tensor_list(values, opname):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError("%s: expected a list of tensors, got %r" % (opname, values))
    return list(values)


def _common_dtype(tensors, opname):
    if not tensors:
        raise InvalidArgumentError("%s: expected a non-empty list of tensors" % opname)
    ts = [to_tensor(t) if isinstance(t, (Tensor, Variable)) else None for t in tensors]
    first = next((t for t in ts if t is not None), None)
    out = []
    for t, raw in zip(ts, tensors):
        if t is None:
            t = to_tensor(raw, None if first is None else first._value.dtype)
        out.append(t)
    dt = out[0]._value.dtype
    for t in out[1:]:
        if t._value.dtype != dt:
            raise InvalidArgumentError("%s: all inputs must have one dtype; got %s and %s. Use "
                                       "tf.cast." % (opname, _dtypes.from_numpy(dt).name,
                                                     t.dtype.name))
    return out


def concat(values, axis, name=None):
    """Joins tensors along an existing axis."""
    ts = _common_dtype(_tensor_list(values, "concat"), "ConcatV2")
    if len(ts) == 1:
        return ts[0]
    nd = ts[0]._value.ndim
    axis = int(axis_attr(axis))
    if not -nd <= axis < max(nd, 1):
        raise InvalidArgumentError("ConcatV2: axis %d out of range for rank-%d inputs" % (axis, nd))
    axis %= nd
    for t in ts[1:]:
        a, b = ts[0]._value.shape, t._value.shape
        if len(a) != len(b) or a[:axis] + a[axis + 1:] != b[:axis] + b[axis + 1:]:
            raise InvalidArgumentError(
                "ConcatV2: dimensions of inputs should match except on axis %d: shape %s vs %s"
                % (axis, tuple(a), tuple(b)))
    return apply(_CONCAT, tuple(ts), {"axis": axis})


def stack(values, axis=0, name=None):
    """Stacks rank-R tensors into a rank-(R+1) tensor along ``axis``."""
    ts = _common_dtype(_tensor_list(values, "stack"), "Pack")
    nd = ts[0]._value.ndim
    axis = int(axis_attr(axis))
    if not -nd - 1 <= axis <= nd:
        raise InvalidArgumentError("Pack: axis %d is out of range for stacking rank-%d tensors"
                                   % (axis, nd))
    axis %= nd + 1
    for t in ts[1:]:
        if t._value.shape != ts[0]._value.shape:
            raise InvalidArgumentError("Pack: shapes of all inputs must match: %s != %s" % (
                tuple(ts[0]._value.shape), tuple(t._value.shape)))
    return concat([expand_dims(t, axis) for t in ts], axis)


def _split_forward(x, sizes, axis):
    idx = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, idx, axis=axis))


def _split_grad(needs, gs, ans, x, sizes, axis):
    return [concat(list(gs), axis)]


_SPLIT = defprimitive("SplitV", _split_forward, grad=_split_grad, multi_output=True)


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """Splits into equal parts (an int) or parts of the given sizes (a list)."""
    x = to_tensor(value)
    axis = _check_axis(axis, x, "split")
    n = x._value.shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise InvalidArgumentError("split: dimension %d of size %d is not divisible into %d "
                                       "equal parts" % (axis, n, k))
        sizes = (n // k,) * k
    else:
        sizes = list(_shape_arg(num_or_size_splits))
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n:
            raise InvalidArgumentError("split: sizes %s do not add up to %d, the size of dimension %d"
                                       % (sizes, n, axis))
        sizes = tuple(sizes)
    return list(apply(_SPLIT, (x,), {"sizes": sizes, "axis": axis}))


def unstack(value, num=None, axis=0, name=None):
    """Splits along ``axis`` into a list of tensors of rank one less."""
    x = to_tensor(value)
    axis = _check_axis(axis, x, "unstack")
    n = x._value.shape[axis]
    if num is not None and num != n:
        raise ValueError("unstack: num=%d but dimension %d has size %d" % (num, axis, n))
    if n == 0:
        return []
    return [squeeze(p, axis) for p in split(x, n, axis)]


# -- identity / stop_gradient --------------------------------------------------------------
_IDENTITY = defprimitive("Identity", lambda x: x, lambda g, ans, x: g)


def identity(input, name=None):
    """Returns a tensor with the same value; gradients pass through."""
    return apply(_IDENTITY, (to_tensor(input),))


def stop_gradient(input, name=None):
    """The same value as a new tensor that no tape traces through."""
    return _wrap(to_tensor(input)._value)


# -- slicing -------------------------------------------------------------------------------
def _index_key(key):
    """A __getitem__ key with tensors turned into arrays (a hashable-free static attr)."""
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, (Tensor, Variable)):
        return np.asarray(key._value)
    if isinstance(key, list):
        return np.asarray(key)
    return key


def _getitem_forward(x, key):
    return _element(x[key])


def _scatter_slice_forward(g, shape, key):
    out = np.zeros(shape, g.dtype)
    if _has_advanced(key):
        np.add.at(out, key, g)
    else:
        out[key] = g
    return out


def _has_advanced(key):
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray) and k.dtype != np.bool_ for k in parts)


_GETITEM = defprimitive("StridedSlice", _getitem_forward,
                        lambda g, ans, x, key: apply(_SCATTER_SLICE, (g,),
                                                     {"shape": x._value.shape, "key": key}))
# The adjoint of slicing: place g into zeros (repeated advanced indices add up).
_SCATTER_SLICE = defprimitive("StridedSliceGrad", _scatter_slice_forward,
                              lambda g, ans, gy, shape, key: getitem(g, key))


def getitem(tensor, key):
    """``tensor[key]``: ints, slices with steps, ``...``, ``tf.newaxis`` and index tensors."""
    x = to_tensor(tensor)
    key = _index_key(key)
    try:
        return apply(_GETITEM, (x,), {"key": key})
    except InvalidArgumentError as e:
        raise InvalidArgumentError("slice index out of bounds or invalid for a tensor of shape %s: "
                                   "%s" % (tuple(x._value.shape), e.message)) from None


def variable_getitem(variable, key):
    """``variable[key]``: like ``getitem``, and the result has ``assign*`` (TF's sliced
    assignment writes into the variable)."""
    out = getitem(variable, key)
    sliced = object.__new__(_VariableSlice)
    sliced._value, sliced._id = out._value, out._id   # the same tensor to every tape
    sliced._variable, sliced._key = variable, _index_key(key)
    return sliced


# -- gather / scatter ----------------------------------------------------------------------
def _segment_sum_forward(data, ids, num_segments):
    out = np.zeros((num_segments,) + data.shape[ids.ndim:], data.dtype)
    keep = ids >= 0
    if keep.all():
        np.add.at(out, ids, data)
    else:   # TF drops the rows of negative ids (NumPy would wrap them around)
        np.add.at(out, ids[keep], data[keep])
    return out


def _segment_sum_grad(g, ans, data, ids, num_segments):
    dropped = ids._value < 0
    if not dropped.any():
        return gather(g, ids)
    rows = gather(g, _wrap(np.where(dropped, 0, ids._value)))
    keep = (~dropped).astype(g._value.dtype)
    return rows * _wrap(keep.reshape(keep.shape + (1,) * (data._value.ndim - keep.ndim)))


_SEGMENT_SUM = defprimitive("UnsortedSegmentSum", _segment_sum_forward, _segment_sum_grad)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums rows of ``data`` into ``num_segments`` buckets by ``segment_ids``."""
    d = to_tensor(data)
    ids = to_tensor(segment_ids)
    n = int(num_segments)
    iv = ids._value
    if iv.dtype.kind not in "iu":
        raise InvalidArgumentError("unsorted_segment_sum: segment_ids must be integers, got %s"
                                   % ids.dtype.name)
    if d._value.shape[:iv.ndim] != iv.shape:
        raise InvalidArgumentError("unsorted_segment_sum: segment_ids shape %s must be a prefix of "
                                   "data shape %s" % (tuple(iv.shape), tuple(d._value.shape)))
    if iv.size and iv.max() >= n:
        raise InvalidArgumentError("unsorted_segment_sum: segment id %d is out of range [0, %d); "
                                   "raise num_segments or fix the ids" % (iv.max(), n))
    return apply(_SEGMENT_SUM, (d, ids), {"num_segments": n})


def _gather_forward(params, indices, axis, batch_dims):
    if batch_dims == 0:
        return _element(np.take(params, indices, axis=axis))
    return _batched_take(params, indices, axis, batch_dims)


def _batched_take(params, indices, axis, batch_dims):
    """take along ``axis`` with the first ``batch_dims`` dims of params and indices paired."""
    bshape = params.shape[:batch_dims]
    nb = int(np.prod(bshape)) if bshape else 1
    p = params.reshape((nb,) + params.shape[batch_dims:])
    i = indices.reshape((nb,) + indices.shape[batch_dims:])
    out = [np.take(p[b], i[b], axis=axis - batch_dims) for b in range(nb)]
    res = np.stack(out) if out else np.zeros((0,), params.dtype)
    return res.reshape(bshape + res.shape[1:])


def _gather_grad(g, ans, params, indices, axis, batch_dims):
    return apply(_GATHER_GRAD, (g, indices), {"shape": params._value.shape, "axis": axis,
                                              "batch_dims": batch_dims})


def _gather_grad_forward(g, indices, shape, axis, batch_dims):
    out = np.zeros(shape, g.dtype)
    if batch_dims == 0:
        # move the gathered axis first, then scatter-add rows (duplicates add up)
        out_t = np.moveaxis(out, axis, 0)
        g_t = np.moveaxis(g, list(range(axis, axis + indices.ndim)), list(range(indices.ndim)))
        np.add.at(out_t, indices, g_t)
        return out
    bshape = shape[:batch_dims]
    nb = int(np.prod(bshape)) if bshape else 1
    o = out.reshape((nb,) + tuple(shape[batch_dims:]))
    ii = indices.reshape((nb,) + indices.shape[batch_dims:])
    gg = g.reshape((nb,) + g.shape[batch_dims:])
    ax = axis - batch_dims
    for b in range(nb):
        ot = np.moveaxis(o[b], ax, 0)
        gt = np.moveaxis(gg[b], list(range(ax, ax + ii[b].ndim)), list(range(ii[b].ndim)))
        np.add.at(ot, ii[b], gt)
    return out


_GATHER = defprimitive("GatherV2", _gather_forward, _gather_grad)
_GATHER_GRAD = defprimitive("GatherV2Grad", _gather_grad_forward,
                            lambda gg, ans, g, indices, shape, axis, batch_dims: gather(
                                gg, indices, axis=axis, batch_dims=batch_dims))


def _check_gather_batch_dims(p, i, axis, batch_dims):
    ps, ish = p._value.shape, i._value.shape
    if not 0 <= batch_dims <= len(ish) or batch_dims > axis:
        raise InvalidArgumentError(
            "gather: batch_dims=%d must be in [-rank(indices), rank(indices)] = [-%d, %d] and at "
            "most axis=%d (params shape %s, indices shape %s)"
            % (batch_dims, len(ish), len(ish), axis, tuple(ps), tuple(ish)))
    if ps[:batch_dims] != ish[:batch_dims]:
        raise InvalidArgumentError(
            "gather: the first batch_dims=%d dimensions of params %s and indices %s must be equal"
            % (batch_dims, tuple(ps), tuple(ish)))


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Gathers slices of ``params`` along ``axis`` at ``indices``.

    >>> import tapeflow as tf
    >>> tf.gather(tf.constant([10.0, 20.0, 30.0]), [2, 0]).numpy()
    array([30., 10.], dtype=float32)
    """
    p = to_tensor(params)
    i = to_tensor(indices)
    if i._value.dtype.kind not in "iu":
        raise InvalidArgumentError("gather: indices must be integers, got dtype %s" % i.dtype.name)
    nd = p._value.ndim
    batch_dims = int(batch_dims) % (i._value.ndim + 1) if batch_dims < 0 else int(batch_dims)
    axis = batch_dims if axis is None else _check_axis(axis, p, "gather")
    if batch_dims:
        _check_gather_batch_dims(p, i, axis, batch_dims)
    n = p._value.shape[axis] if nd else 0
    iv = i._value
    if iv.size and (iv.min() < -n or iv.max() >= n):
        bad = iv[(iv < -n) | (iv >= n)].reshape(-1)[0]
        raise InvalidArgumentError("gather: indices[...] = %d is not in [0, %d) (params shape %s, "
                                   "axis %d)" % (bad, n, tuple(p._value.shape), axis))
    return apply(_GATHER, (p, i), {"axis": axis, "batch_dims": batch_dims})


# -- cumulative ----------------------------------------------------------------------------
def _cum_forward(x, axis, exclusive, reverse, fn, identity):
    if reverse:
        x = np.flip(x, axis)
    out = fn(x, axis=axis, dtype=x.dtype)
    if exclusive:
        pad = np.full_like(np.take(out, [0], axis=axis), identity)
        out = np.concatenate([pad, np.take(out, np.arange(out.shape[axis] - 1), axis=axis)], axis)
    if reverse:
        out = np.flip(out, axis)
    return out


_CUMSUM = defprimitive(
    "Cumsum", lambda x, axis, exclusive, reverse: _cum_forward(x, axis, exclusive, reverse,
                                                               np.cumsum, 0),
    lambda g, ans, x, axis, exclusive, reverse: cumsum(g, axis, exclusive, not reverse))


def _cumprod_grad(g, ans, x, axis, exclusive, reverse):
    # d/dx_i of prod_{j<=i} x_j summed with upstream g: (sum over later outputs of g·ans) / x_i.
    # Valid for nonzero x (TF's rule has the same restriction).
    return cumsum(g * ans, axis, exclusive, not reverse) / x


_CUMPROD = defprimitive(
    "Cumprod", lambda x, axis, exclusive, reverse: _cum_forward(x, axis, exclusive, reverse,
                                                                np.cumprod, 1),
    _cumprod_grad)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    x = to_tensor(x)
    return apply(_CUMSUM, (x,), {"axis": _check_axis(axis, x, "cumsum"),
                                 "exclusive": bool(exclusive), "reverse": bool(reverse)})


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    x = to_tensor(x)
    return apply(_CUMPROD, (x,), {"axis": _check_axis(axis, x, "cumprod"),
                                  "exclusive": bool(exclusive), "reverse": bool(reverse)})


# -- tile / pad ----------------------------------------------------------------------------
def _tile_grad(g, ans, x, multiples):
    # y viewed as (m0, d0, m1, d1, ...): the gradient sums over every m_i axis.
    from .reduce import reduce_sum
    shape = x._value.shape
    split_shape = []
    for m, d in zip(multiples, shape):
        split_shape += [m, d]
    return reshape(reduce_sum(reshape(g, split_shape), axis=tuple(range(0, 2 * len(shape), 2))),
                   shape)


_TILE = defprimitive("Tile", lambda x, multiples: np.tile(x, multiples), _tile_grad)


def tile(input, multiples, name=None):
    """Repeats ``input`` ``multiples[i]`` times along axis ``i``.

    >>> import tapeflow as tf
    >>> tf.tile(tf.constant([[1, 2]]), [2, 2]).numpy()
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]], dtype=int32)
    """
    x = to_tensor(input)
    multiples = _shape_arg(multiples)
    if len(multiples) != x._value.ndim:
        raise InvalidArgumentError("tile: expected multiples of length %d (the rank of input of "
                                   "shape %s), got %s" % (x._value.ndim, tuple(x._value.shape),
                                                          list(multiples)))
    if any(m < 0 for m in multiples):
        raise InvalidArgumentError("tile: multiples must be non-negative, got %s" % list(multiples))
    return apply(_TILE, (x,), {"multiples": multiples})


def _pad_forward(x, paddings, value):
    return np.pad(x, paddings, mode="constant", constant_values=value)


def _pad_grad(g, ans, x, paddings, value):
    key = tuple(_py_slice(lo, lo + d) for (lo, _), d in zip(paddings, x._value.shape))
    return getitem(g, key)


_PAD = defprimitive("PadV2", _pad_forward, _pad_grad)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads ``tensor`` with ``paddings[i] = [before, after]`` along axis ``i``.

    ``mode`` is ``"CONSTANT"``, ``"REFLECT"`` (edge not repeated) or ``"SYMMETRIC"`` (edge
    repeated), as in TF.

    >>> import tapeflow as tf
    >>> tf.pad(tf.constant([1, 2]), [[1, 2]]).numpy()
    array([0, 1, 2, 0, 0], dtype=int32)
    """
    x = to_tensor(tensor)
    pads = np.asarray(paddings._value if isinstance(paddings, (Tensor, Variable)) else paddings)
    nd = x._value.ndim
    if pads.shape != (nd, 2):
        raise InvalidArgumentError("pad: paddings must have shape [%d, 2] for an input of shape %s, "
                                   "got %s" % (nd, tuple(x._value.shape), list(pads.shape)))
    pads = tuple((int(a), int(b)) for a, b in pads.tolist())
    if any(a < 0 or b < 0 for a, b in pads):
        raise InvalidArgumentError("pad: paddings must be non-negative, got %s" % (pads,))
    mode = mode.upper()
    if mode == "CONSTANT":
        value = to_tensor(constant_values, x._value.dtype)._value
        return apply(_PAD, (x,), {"paddings": pads, "value": value})
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError("pad: mode must be CONSTANT, REFLECT or SYMMETRIC, got %r" % mode)
    # A mirror pad is a gather along each axis (its gradient scatter-adds the mirrored rows).
    np_mode = "reflect" if mode == "REFLECT" else "symmetric"
    for axis, (lo, hi) in enumerate(pads):
        n = x._value.shape[axis]
        limit = n - 1 if mode == "REFLECT" else n
        if lo > limit or hi > limit:
            raise InvalidArgumentError("pad: %s paddings must be at most %d for dimension %d of "
                                       "size %d, got %s" % (mode, limit, axis, n, [lo, hi]))
        if lo or hi:
            x = gather(x, np.pad(np.arange(n), (lo, hi), mode=np_mode), axis=axis)
    return x


# -- slicing helpers -----------------------------------------------------------------------
def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """The block of ``input_`` starting at ``begin`` with ``size`` (-1: to the end)."""
    x = to_tensor(input_)
    begin, size = _shape_arg(begin), _shape_arg(size)
    shape = x._value.shape
    if len(begin) != len(shape) or len(size) != len(shape):
        raise InvalidArgumentError("slice: begin %s and size %s must both have length %d (the rank "
                                   "of input of shape %s)" % (list(begin), list(size), len(shape),
                                                              tuple(shape)))
    key = []
    for b, s, d in zip(begin, size, shape):
        end = d if s == -1 else b + s
        if b < 0 or end > d or end < b:
            raise InvalidArgumentError("slice: begin %s, size %s out of bounds for a tensor of shape "
                                       "%s" % (list(begin), list(size), tuple(shape)))
        key.append(_py_slice(b, end))
    return getitem(x, tuple(key))


def reverse(tensor, axis, name=None):
    """Reverses the order of elements along each axis in ``axis``."""
    x = to_tensor(tensor)
    nd = x._value.ndim
    axes = axis_attr(axis)
    axes = axes if isinstance(axes, tuple) else (axes,)
    for a in axes:
        if not -nd <= a < nd:
            raise InvalidArgumentError("reverse: axis %d out of range for a tensor of rank %d"
                                       % (a, nd))
    axes = {a % nd for a in axes}
    key = tuple(_py_slice(None, None, -1) if i in axes else _py_slice(None)
                for i in range(nd))
    return getitem(x, key)


# -- gather_nd / scatter_nd / boolean_mask ------------------------------------------------
def _nd_key(indices):
    return tuple(np.moveaxis(indices, -1, 0))


def _gather_nd_forward(params, indices):
    return _element(params[_nd_key(indices)])


def _scatter_nd_forward(indices, updates, shape):
    out = np.zeros(shape, updates.dtype)
    np.add.at(out, _nd_key(indices), updates)
    return out


_GATHER_ND = defprimitive("GatherNd", _gather_nd_forward,
                          lambda g, ans, params, indices: scatter_nd(indices, g, params._value.shape),
                          None)
# Duplicate indices add up, as in TF.
_SCATTER_ND = defprimitive("ScatterNd", _scatter_nd_forward,
                           None, lambda g, ans, indices, updates, shape: gather_nd(g, indices))


def _check_nd_indices(indices, shape, opname):
    iv = indices._value
    if iv.dtype.kind not in "iu":
        raise InvalidArgumentError("%s: indices must be integers, got dtype %s" % (
            opname, indices.dtype.name))
    k = iv.shape[-1] if iv.ndim else 0
    if iv.ndim == 0 or k > len(shape):
        raise InvalidArgumentError("%s: indices of shape %s must have a last dimension of at most %d "
                                   "(the rank of a tensor of shape %s)" % (
                                       opname, tuple(iv.shape), len(shape), tuple(shape)))
    if iv.size:
        bound = np.asarray(shape[:k])
        bad = np.any((iv < 0) | (iv >= bound), axis=-1)
        if np.any(bad):
            raise InvalidArgumentError("%s: indices %s are not in bounds of shape %s" % (
                opname, iv[bad][0].tolist(), tuple(shape)))


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gathers slices of ``params`` at the multi-indices in the last axis of ``indices``.

    >>> import tapeflow as tf
    >>> tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[1, 0], [0, 1]]).numpy()
    array([3, 2], dtype=int32)
    """
    p = to_tensor(params)
    i = to_tensor(indices)
    batch_dims = int(batch_dims)
    if batch_dims:
        i = _with_batch_coordinates(i, batch_dims)
    _check_nd_indices(i, p._value.shape, "GatherNd")
    return apply(_GATHER_ND, (p, i))


def _with_batch_coordinates(indices, batch_dims):
    """Prepends the batch coordinates to each index so batched gather_nd is a plain one."""
    iv = indices._value
    bshape = iv.shape[:batch_dims]
    grids = np.meshgrid(*[np.arange(d) for d in bshape], indexing="ij")
    inner = iv.shape[batch_dims:-1]
    coords = [np.broadcast_to(g.reshape(bshape + (1,) * len(inner)), iv.shape[:-1])
              for g in grids]
    full = np.concatenate([np.stack(coords, -1).astype(iv.dtype), iv], axis=-1)
    return _wrap(full)


def scatter_nd(indices, updates, shape, name=None):
    """A tensor of ``shape`` with ``updates`` added at ``indices`` (zeros elsewhere).

    >>> import tapeflow as tf
    >>> tf.scatter_nd([[1], [3]], tf.constant([5.0, 7.0]), [4]).numpy()
    array([0., 5., 0., 7.], dtype=float32)
    """
    i = to_tensor(indices)
    u = to_tensor(updates)
    shape = _shape_arg(shape)
    _check_nd_indices(i, shape, "ScatterNd")
    k = i._value.shape[-1]
    expected = tuple(i._value.shape[:-1]) + tuple(shape[k:])
    if u._value.shape != expected:
        raise InvalidArgumentError("ScatterNd: updates must have shape %s (indices.shape[:-1] + "
                                   "shape[%d:]), got %s" % (expected, k, tuple(u._value.shape)))
    return apply(_SCATTER_ND, (i, u), {"shape": shape})


def boolean_mask(tensor, mask, axis=None, name=None):
    """The elements (or slices along ``axis``) of ``tensor`` where ``mask`` is True.

    >>> import tapeflow as tf
    >>> tf.boolean_mask(tf.constant([1, 2, 3]), [True, False, True]).numpy()
    array([1, 3], dtype=int32)
    """
    x = to_tensor(tensor)
    m = np.asarray(to_tensor(mask)._value)
    if m.dtype != np.bool_:
        raise InvalidArgumentError("boolean_mask: mask must be bool, got %s" % m.dtype)
    axis = 0 if axis is None else int(axis) % max(x._value.ndim, 1)
    shape = x._value.shape
    k = m.ndim
    if k == 0 or shape[axis:axis + k] != m.shape:
        raise InvalidArgumentError("boolean_mask: mask of shape %s does not match dimensions %d.. of "
                                   "tensor of shape %s" % (tuple(m.shape), axis, tuple(shape)))
    flat = reshape(x, shape[:axis] + (-1,) + shape[axis + k:]) if k != 1 else x
    return gather(flat, np.flatnonzero(m), axis=axis)


# -- sorting -------------------------------------------------------------------------------
def _take_along_forward(x, indices, axis):
    return np.take_along_axis(x, indices, axis=axis)


def _put_along_forward(g, indices, shape, axis):
    out = np.zeros(shape, g.dtype)
    idx = list(np.indices(indices.shape, sparse=True))
    idx[axis] = indices
    np.add.at(out, tuple(idx), g)
    return out


_TAKE_ALONG = defprimitive(
    "TakeAlongAxis", _take_along_forward,
    lambda g, ans, x, indices, axis: apply(_PUT_ALONG, (g, indices),
                                           {"shape": x._value.shape, "axis": axis}))
# The adjoint of TakeAlongAxis: scatter-add g back to the positions it was taken from.
_PUT_ALONG = defprimitive("PutAlongAxis", _put_along_forward,
                          lambda g, ans, gy, indices, shape, axis: take_along_axis(g, indices, axis))


def take_along_axis(x, indices, axis):
    """``x`` picked at ``indices`` along ``axis`` (NumPy's take_along_axis, differentiable)."""
    x = to_tensor(x)
    i = to_tensor(indices)
    return apply(_TAKE_ALONG, (x, i), {"axis": int(axis) % max(x._value.ndim, 1)})


def _argsort_array(v, axis, direction):
    if direction == "ASCENDING":
        return np.argsort(v, axis=axis, kind="stable")
    if direction != "DESCENDING":
        raise ValueError("direction must be 'ASCENDING' or 'DESCENDING', got %r" % (direction,))
    # stable descending: ties keep their original order (sort the reversed array ascending)
    n = v.shape[axis]
    rev = np.flip(v, axis)
    order = np.argsort(rev, axis=axis, kind="stable")
    return np.flip(n - 1 - order, axis)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """Indices (int32) that sort ``values`` along ``axis``; ties keep their order.

    >>> import tapeflow as tf
    >>> tf.argsort(tf.constant([3.0, 1.0, 2.0])).numpy()
    array([1, 2, 0], dtype=int32)
    """
    x = to_tensor(values)
    axis = _check_axis(axis, x, "argsort")
    return _wrap(_argsort_array(x._value, axis, direction).astype(np.int32))


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis``; gradients flow back to the original positions.

    >>> import tapeflow as tf
    >>> tf.sort(tf.constant([3.0, 1.0, 2.0]), direction="DESCENDING").numpy()
    array([3., 2., 1.], dtype=float32)
    """
    x = to_tensor(values)
    axis = _check_axis(axis, x, "sort")
    return take_along_axis(x, _argsort_array(x._value, axis, direction), axis)


def _check_axis(axis, x, opname):
    """``axis`` as a non-negative int, or an error naming the op, the axis and the rank."""
    nd = x._value.ndim
    axis = int(axis_attr(axis))
    if not -nd <= axis < nd:
        raise InvalidArgumentError("%s: axis %d is out of range for a tensor of rank %d (shape %s)"
                                   % (opname, axis, nd, tuple(x._value.shape)))
    return axis % nd


TopKV2 = _collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=None, name=None):
    """The ``k`` largest entries along the last axis and their int32 indices.

    Ties go to the lower index, as in TF.

    >>> import tapeflow as tf
    >>> tf.math.top_k(tf.constant([1.0, 3.0, 2.0]), k=2).indices.numpy()
    array([1, 2], dtype=int32)
    """
    x = to_tensor(input)
    k = int(k)
    if x._value.ndim == 0 or not 0 <= k <= x._value.shape[-1]:
        raise InvalidArgumentError("top_k: k=%d must be in [0, %s] for an input of shape %s" % (
            k, x._value.shape[-1] if x._value.ndim else 0, tuple(x._value.shape)))
    order = _argsort_array(x._value, -1, "DESCENDING")[..., :k]
    values = take_along_axis(x, order, -1)
    dt = np.int32 if index_type is None else _dtypes.as_dtype(index_type).np_dtype
    return TopKV2(values, _wrap(order.astype(dt)))


UniqueOutput = _collections.namedtuple("Unique", ["y", "idx"])


def unique(x, out_idx=None, name=None):
    """The unique elements of a 1-D tensor in order of first occurrence, and for each
    element of ``x`` the index of its value in ``y`` (no gradient, as in TF).

    >>> import tapeflow as tf
    >>> y, idx = tf.unique(tf.constant([1, 1, 2, 4, 4, 4, 7, 8, 8]))
    >>> y.numpy(), idx.numpy()
    (array([1, 2, 4, 7, 8], dtype=int32), array([0, 0, 1, 2, 2, 2, 3, 4, 4], dtype=int32))
    """
    v = to_tensor(x)._value
    if v.ndim != 1:
        raise InvalidArgumentError("unique: x must be 1-D, got shape %s" % (tuple(v.shape),))
    values, first, inverse = np.unique(v, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")          # sorted-unique -> first-occurrence order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    dt = np.int32 if out_idx is None else _dtypes.as_dtype(out_idx).np_dtype
    return UniqueOutput(_wrap(values[order]), _wrap(rank[inverse.reshape(-1)].astype(dt)))


def repeat(input, repeats, axis=None, name=None):
    """Repeats elements (``np.repeat`` semantics); a gather, so gradients add up."""
    x = to_tensor(input)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    axis = _check_axis(axis, x, "repeat")
    r = np.asarray(to_tensor(repeats)._value)
    if r.ndim and r.shape != (1,) and r.shape != (x._value.shape[axis],):
        raise InvalidArgumentError("repeat: repeats of shape %s must be a scalar or have one entry "
                                   "per element of axis %d (size %d) of the input of shape %s"
                                   % (tuple(r.shape), axis, x._value.shape[axis],
                                      tuple(x._value.shape)))
    idx = np.repeat(np.arange(x._value.shape[axis]), r)
    return gather(x, idx, axis=axis)


__all__ += ["tile", "pad", "slice", "reverse", "gather_nd", "scatter_nd", "boolean_mask",
            "take_along_axis", "argsort", "sort", "top_k", "unique", "repeat"]


def in_top_k(targets, predictions, k, name=None):
    """For each row, whether ``predictions[i, targets[i]]`` is among the ``k`` largest.

    Ties straddling the k-th place count as in the top k, as in TF.

    >>> import tapeflow as tf
    >>> tf.math.in_top_k([1, 0], [[0.1, 0.9, 0.0], [0.2, 0.5, 0.3]], 2).numpy()
    array([ True, False])
    """
    t = np.asarray(to_tensor(targets)._value)
    p = np.asarray(to_tensor(predictions)._value)
    if p.ndim != 2 or t.shape != p.shape[:1]:
        raise InvalidArgumentError("in_top_k: predictions must be [batch, classes] and targets "
                                   "[batch], got %s and %s" % (tuple(p.shape), tuple(t.shape)))
    valid = (t >= 0) & (t < p.shape[1])   # TF: an out-of-range target is never in the top k
    target_score = p[np.arange(p.shape[0]), np.where(valid, t, 0)][:, None]
    better = np.sum(p > target_score, axis=1)
    return _wrap((better < int(k)) & valid & np.isfinite(target_score[:, 0]))


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype="int32",
                     name=None):
    """``[num_classes, num_classes]`` counts: row = label, column = prediction.

    >>> import tapeflow as tf
    >>> tf.math.confusion_matrix([0, 1, 1], [0, 1, 0]).numpy()
    array([[1, 0],
           [1, 1]], dtype=int32)
    """
    y = np.asarray(to_tensor(labels)._value).reshape(-1).astype(np.int64)
    p = np.asarray(to_tensor(predictions)._value).reshape(-1).astype(np.int64)
    if y.shape != p.shape:
        raise InvalidArgumentError("confusion_matrix: labels and predictions must have the same "
                                   "size, got %d and %d" % (y.size, p.size))
    if min(y.min(initial=0), p.min(initial=0)) < 0:
        raise InvalidArgumentError("confusion_matrix: labels and predictions must be non-negative")
    n = int(num_classes) if num_classes is not None else int(max(y.max(initial=-1),
                                                               p.max(initial=-1)) + 1)
    if max(y.max(initial=-1), p.max(initial=-1)) >= n:
        raise InvalidArgumentError("confusion_matrix: labels and predictions must be < "
                                   "num_classes=%d" % n)
    dt = _dtypes.as_dtype(dtype).np_dtype
    out = np.zeros((n, n), dt)
    w = np.ones(y.shape, dt) if weights is None else np.asarray(
        to_tensor(weights)._value).reshape(-1).astype(dt)
    np.add.at(out, (y, p), w)
    return _wrap(out)


def segment_sum(data, segment_ids, name=None):
    """Sums rows of ``data`` by sorted ``segment_ids`` (``num_segments = max(ids) + 1``)."""
    ids = to_tensor(segment_ids)
    iv = ids._value
    if iv.ndim != 1 or (iv.size and (iv[0] < 0 or np.any(np.diff(iv) < 0))):
        raise InvalidArgumentError("segment_sum: segment_ids must be a 1-D, non-negative and "
                                   "sorted (non-decreasing) vector, got %s; use "
                                   "tf.math.unsorted_segment_sum for unsorted ids" % (iv.tolist(),))
    n = int(iv.max()) + 1 if iv.size else 0
    return unsorted_segment_sum(data, ids, n)


__all__ += ["in_top_k", "confusion_matrix", "segment_sum"]
