"""Element structures: how user values become the arrays a pipeline moves, and back.

Inside a pipeline an element is a nested structure of tuples (namedtuples too) and dicts
whose leaves are NumPy arrays, NumPy scalars (rank 0) or ``bytes`` (a scalar string).
Lists are not structure in ``tf.data``: a list is one tensor (``from_tensor_slices([a, b])``
stacks), and a list returned by a ``map`` function becomes a tuple. Leaves become tapeflow
Tensors only at the edge, when a user iterates or a user function is called.
"""
import numpy as np

from .. import dtypes as _dtypes
from ..tensor import Tensor, TensorShape, Variable, _to_array_nd, _wrap
from .spec import TensorSpec


# Leaf types that wrap into a Tensor as they are (checked by exact type: the hot path).
_NUMPY_SCALARS = frozenset(type(np.zeros(1, dt)[0]) for dt in (
    np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
    np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128))
_DIRECT = _NUMPY_SCALARS | {np.ndarray}


def is_container(value):
    return isinstance(value, (tuple, dict))


def leaf_array(value, dtype=None):
    """One user value -> a NumPy array with TF's default dtypes (Python ints int32 ...).

    Text becomes an object array of ``bytes`` (``tf.string``), whatever it came as.
    """
    if isinstance(value, (Tensor, Variable)):
        arr = value._value
        arr = np.asarray(arr) if not isinstance(arr, np.ndarray) else arr
        return arr if dtype is None else arr.astype(_dtypes.as_dtype(dtype).np_dtype, copy=False)
    if isinstance(value, np.ndarray) and dtype is None and value.dtype.kind not in "USO":
        return value
    arr = np.asarray(_to_array_nd(value, dtype))
    return _as_bytes(arr) if arr.dtype == object else arr


def _as_bytes(arr):
    """An object array holding ``str`` (e.g. a pandas column) -> one holding ``bytes``."""
    flat = arr.reshape(-1)
    if not any(isinstance(v, str) for v in flat[:1].tolist() + flat[-1:].tolist()):
        return arr
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [v.encode("utf-8") if isinstance(v, str) else v for v in flat.tolist()]
    return out


def to_arrays(value):
    """A user structure -> the same structure with ndarray leaves (lists are leaves)."""
    if isinstance(value, tuple):
        items = [to_arrays(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return _same_dict(value, {k: to_arrays(v) for k, v in value.items()})
    return leaf_array(value)


def from_user(value):
    """A user value -> an element, lists being tensors (``from_tensors``, generator args)."""
    return _as_element(to_arrays(value))


def normalize_output(value):
    """What a ``map``/``reduce`` function returned -> an element (lists become tuples).

    One pass, with Tensors and NumPy values taken as they are: this runs per element.
    """
    t = type(value)
    if t is Tensor:
        value = value._value
        t = type(value)
    if t in _NUMPY_SCALARS:
        return value
    if t is np.ndarray:
        return value[()] if value.ndim == 0 else value
    if t is tuple or t is list:
        return tuple([normalize_output(v) for v in value])
    if isinstance(value, tuple):
        return t(*[normalize_output(v) for v in value])
    if isinstance(value, dict):
        return _same_dict(value, {k: normalize_output(v) for k, v in value.items()})
    if isinstance(value, (bytes, str)):
        return value.encode("utf-8") if isinstance(value, str) else value
    arr = leaf_array(value)
    return arr[()] if arr.ndim == 0 else arr


def _as_element(value):
    if isinstance(value, tuple):
        items = [_as_element(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return _same_dict(value, {k: _as_element(v) for k, v in value.items()})
    return value[()] if value.ndim == 0 else value


def _same_dict(original, values):
    return values if type(original) is dict else type(original)(
        (k, values[k]) for k in original)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flatten(element):
    """The leaves in TF's order (dict values by sorted key)."""
    if type(element) is tuple:
        if all(not isinstance(v, (tuple, dict)) for v in element):
            return list(element)
    out = []
    _flatten_into(element, out)
    return out


def _flatten_into(s, out):
    if isinstance(s, dict):
        for k in _sorted_keys(s):
            _flatten_into(s[k], out)
    elif isinstance(s, tuple):
        for v in s:
            _flatten_into(v, out)
    else:
        out.append(s)


def pack(template, leaves):
    """Rebuilds ``template``'s structure from ``leaves`` (in flatten order)."""
    it = iter(leaves)
    return _pack(template, it)


def _pack(s, it):
    if isinstance(s, dict):
        vals = {k: _pack(s[k], it) for k in _sorted_keys(s)}
        return _same_dict(s, {k: vals[k] for k in s})
    if isinstance(s, tuple):
        items = [_pack(v, it) for v in s]
        return type(s)(*items) if hasattr(s, "_fields") else tuple(items)
    return next(it)


def make_packer(template):
    """A fast ``leaves -> structure`` function for a fixed structure (used per batch)."""
    if not is_container(template):
        return lambda leaves: leaves[0]
    if type(template) is tuple and not any(is_container(v) for v in template):
        return tuple
    if type(template) is dict and not any(is_container(v) for v in template.values()):
        keys = _sorted_keys(template)
        order = list(template)
        if keys == order:
            return lambda leaves: dict(zip(keys, leaves))
        return lambda leaves: _same_dict(template, dict(zip(keys, leaves)))
    return lambda leaves: pack(template, leaves)


def same_structure(a, b):
    """True when two elements nest the same way (leaves ignored)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and _sorted_keys(a) == _sorted_keys(b) and all(
            same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return (isinstance(b, tuple) and not isinstance(b, dict) and len(a) == len(b)
                and all(same_structure(x, y) for x, y in zip(a, b)))
    return not is_container(b)


def leaf_tensor(v):
    """A leaf -> Tensor. ``bytes`` scalars (from string columns) become 0-d object arrays;
    datasets (the windows of ``window``) pass through."""
    if type(v) in _DIRECT or isinstance(v, (np.ndarray, np.generic)):
        return _wrap(v)
    if not isinstance(v, (bytes, str)):
        return v
    arr = np.empty((), dtype=object)
    arr[()] = v
    return _wrap(arr)


def to_tensors(element):
    """An element -> the same structure of Tensors (what users see). Runs per element."""
    t = type(element)
    if t in _DIRECT:
        return _wrap(element)
    if t is tuple:
        return tuple([_wrap(v) if type(v) in _DIRECT else to_tensors(v) for v in element])
    if t is dict:
        return {k: _wrap(v) if type(v) in _DIRECT else to_tensors(v) for k, v in element.items()}
    if isinstance(element, tuple):
        return t(*[to_tensors(v) for v in element])
    if isinstance(element, dict):
        return t((k, to_tensors(v)) for k, v in element.items())
    return leaf_tensor(element)


def to_numpy(element):
    """An element -> NumPy values (``as_numpy_iterator``); scalar strings are ``bytes``."""
    t = type(element)
    if t is tuple:
        return tuple([to_numpy(v) for v in element])
    if t is dict:
        return {k: to_numpy(v) for k, v in element.items()}
    if isinstance(element, tuple):
        return t(*[to_numpy(v) for v in element])
    if isinstance(element, dict):
        return t((k, to_numpy(v)) for k, v in element.items())
    if isinstance(element, np.ndarray) and element.ndim == 0:
        return element[()]
    return element


def leaf_shape(v):
    return np.shape(v) if not isinstance(v, bytes) else ()


def leaf_dtype(v):
    if isinstance(v, bytes):
        return _dtypes.string
    return _dtypes.from_numpy(np.asarray(v).dtype if not hasattr(v, "dtype") else v.dtype)


def spec_of(element):
    """The ``element_spec`` of one concrete element (a window's spec is its dataset's)."""
    return map_leaves(lambda v: v.element_spec if hasattr(v, "element_spec")
                      else TensorSpec(leaf_shape(v), leaf_dtype(v)), element)


def map_leaves(fn, element):
    if isinstance(element, dict):
        return _same_dict(element, {k: map_leaves(fn, v) for k, v in element.items()})
    if isinstance(element, tuple):
        items = [map_leaves(fn, v) for v in element]
        return type(element)(*items) if hasattr(element, "_fields") else tuple(items)
    return fn(element)


def merge_specs(a, b):
    """The most specific spec compatible with both (unknown where dimensions differ)."""
    def merge(x, y):
        if x.shape.rank != y.shape.rank:
            return TensorSpec(TensorShape(None), x.dtype)
        return TensorSpec([p if p == q else None for p, q in zip(x.shape, y.shape)], x.dtype)
    leaves = [merge(x, y) for x, y in zip(flatten(a), flatten(b))]
    return pack(a, leaves)


def stack(leaves, what="batch"):
    """Stacks equal-shaped leaves along a new first axis (``batch``'s generic path)."""
    first = leaves[0]
    if isinstance(first, bytes) or (isinstance(first, np.ndarray) and first.dtype == object):
        out = np.empty((len(leaves),) + np.shape(first), dtype=object)
        for i, v in enumerate(leaves):
            out[i] = v
        return out
    try:
        return np.stack(leaves)
    except ValueError:
        shapes = sorted({tuple(np.shape(v)) for v in leaves})
        from ..errors import InvalidArgumentError
        raise InvalidArgumentError(
            "Cannot %s tensors with different shapes in component: got shapes %s. Use "
            "padded_batch to pad them to a common shape, or map them to one shape first."
            % (what, ", ".join(str(s) for s in shapes))) from None
