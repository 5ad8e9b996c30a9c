"""Shape and indexing ops: reshape, transpose, concat/stack, slicing, gather, scatter."""
from .. import dtypes as _dtypes
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import Tensor, Variable, _wrap
from .core import apply, axis_attr, defprimitive, to_tensor

__all__ = ["reshape", "broadcast_to", "transpose", "expand_dims", "squeeze", "concat", "stack",
           "unstack", "identity", "stop_gradient", "unsorted_segment_sum", "gather", "cumsum",
           "cumprod", "getitem"]


def _shape_arg(shape):
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
        return np.reshape(x, shape)
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
        axes = {a % len(shape) for a in axes} if shape else set()
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


def _common_dtype(tensors, opname):
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
    ts = _common_dtype(list(values), "ConcatV2")
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
    ts = _common_dtype(list(values), "Pack")
    nd = ts[0]._value.ndim
    axis = axis % (nd + 1)
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
    axis = int(axis_attr(axis)) % max(x._value.ndim, 1)
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
    axis = axis % max(x._value.ndim, 1)
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
    return x[key]


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


# -- gather / scatter ----------------------------------------------------------------------
def _segment_sum_forward(data, ids, num_segments):
    out = np.zeros((num_segments,) + data.shape[ids.ndim:], data.dtype)
    np.add.at(out, ids, data)
    return out


_SEGMENT_SUM = defprimitive("UnsortedSegmentSum", _segment_sum_forward,
                            lambda g, ans, data, ids, num_segments: gather(g, ids))


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums rows of ``data`` into ``num_segments`` buckets by ``segment_ids``."""
    d = to_tensor(data)
    ids = to_tensor(segment_ids)
    return apply(_SEGMENT_SUM, (d, ids), {"num_segments": int(num_segments)})


def _gather_forward(params, indices, axis, batch_dims):
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
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
    axis = batch_dims if axis is None else int(axis_attr(axis)) % max(nd, 1)
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
    return apply(_CUMSUM, (x,), {"axis": int(axis) % max(x._value.ndim, 1),
                                 "exclusive": bool(exclusive), "reverse": bool(reverse)})


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    x = to_tensor(x)
    return apply(_CUMPROD, (x,), {"axis": int(axis) % max(x._value.ndim, 1),
                                  "exclusive": bool(exclusive), "reverse": bool(reverse)})
