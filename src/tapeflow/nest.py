"""``tf.nest``: flatten and rebuild nested structures of tuples, lists, dicts and namedtuples.

Dict values are visited in sorted-key order, as TensorFlow does. Everything that is not a
list, tuple or dict (Tensors, Variables, arrays, numbers, None) is a leaf.
"""

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "assert_same_structure"]


def is_nested(structure):
    """True for lists, tuples (namedtuples too) and dicts."""
    return isinstance(structure, (list, tuple, dict))


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flatten(structure, expand_composites=False):
    """The leaves of ``structure`` in TF's order.

    >>> import tapeflow as tf
    >>> tf.nest.flatten({"b": 2, "a": (1, [3])})
    [1, 3, 2]
    """
    out = []
    _flatten_into(structure, out)
    return out


def _flatten_into(s, out):
    if isinstance(s, dict):
        for k in _sorted_keys(s):
            _flatten_into(s[k], out)
    elif isinstance(s, (list, tuple)):
        for v in s:
            _flatten_into(v, out)
    else:
        out.append(s)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuilds ``structure`` with the leaves taken in order from ``flat_sequence``."""
    flat = list(flat_sequence)
    packed, used = _pack(structure, flat, 0)
    if used != len(flat):
        raise ValueError("pack_sequence_as: the structure has %d leaves but %d values were given"
                         % (used, len(flat)))
    return packed


def _pack(s, flat, i):
    if isinstance(s, dict):
        keys = _sorted_keys(s)
        vals = {}
        for k in keys:
            vals[k], i = _pack(s[k], flat, i)
        return type(s)((k, vals[k]) for k in s) if type(s) is not dict else {k: vals[k] for k in s}, i
    if isinstance(s, (list, tuple)):
        items = []
        for v in s:
            item, i = _pack(v, flat, i)
            items.append(item)
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*items), i
        return type(s)(items) if type(s) in (list, tuple) else list(items), i
    if i >= len(flat):
        raise ValueError("pack_sequence_as: not enough values for the structure")
    return flat[i], i + 1


def map_structure(func, *structures, **kwargs):
    """Applies ``func`` leafwise over one or more structures of the same shape."""
    if not structures:
        raise ValueError("map_structure needs at least one structure")
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises ``ValueError`` if the two structures do not nest the same way."""
    if _signature(nest1, check_types) != _signature(nest2, check_types):
        raise ValueError("The two structures don't have the same nested structure.\n\n"
                         "First structure: %r\n\nSecond structure: %r" % (nest1, nest2))


def _signature(s, check_types):
    if isinstance(s, dict):
        return ("dict", tuple((k, _signature(s[k], check_types)) for k in _sorted_keys(s)))
    if isinstance(s, (list, tuple)):
        kind = type(s).__name__ if check_types else "seq"
        return (kind, tuple(_signature(v, check_types) for v in s))
    return "."
