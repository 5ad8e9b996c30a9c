"""group_by_window and bucket_by_sequence_length (built on it, as in TF).

``group_by_window`` follows TF's kernel: each input element goes to the group of its
key; a group that reaches its window size is handed to ``reduce_func`` and the
resulting dataset is emitted in full before more input is read. At the end of the input
the unfinished groups are reduced in increasing key order.
"""
import bisect

import numpy as np

from ..errors import InvalidArgumentError
from ..tensor import TensorShape, _wrap
from . import structure as _st
from .control import UnaryDataset, _count
from .dataset import UNKNOWN, Dataset
from .mapping import call_on_element


class ElementListDataset(Dataset):
    """A finite dataset over a list of elements (one window of ``group_by_window``)."""

    def __init__(self, elements, options=None):
        self._items = elements
        self._options_value = options

    def _elements(self):
        return iter(self._items)

    def _card(self):
        return len(self._items)

    def _static_spec(self):
        return _st.spec_of(self._items[0]) if self._items else None


def _int64_scalar(value, what):
    arr = _st.leaf_array(value)
    if arr.shape != () or not np.issubdtype(arr.dtype, np.integer):
        raise InvalidArgumentError("%s must return a scalar integer (int64) tensor; got "
                                   "shape %s, dtype %s." % (what, arr.shape, _st.leaf_dtype(arr)))
    return int(arr)


class GroupByWindowDataset(UnaryDataset):
    """``group_by_window``: windows of same-key elements, each reduced to a dataset."""

    def __init__(self, input_dataset, key_func, reduce_func, window_size, window_size_func):
        super().__init__(input_dataset)
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Either the `window_size` argument or the `window_size_func` "
                             "argument must be specified (and not both).")
        if window_size is not None:
            size = _count(window_size, "group_by_window: window_size")
            window_size_func = lambda key: size  # noqa: E731
        for name, fn in (("key_func", key_func), ("reduce_func", reduce_func),
                         ("window_size_func", window_size_func)):
            if not callable(fn):
                raise TypeError("group_by_window: `%s` must be callable." % name)
        self._key_func = key_func
        self._reduce_func = reduce_func
        self._window_size_func = window_size_func

    def _index_plan(self):
        return None

    def _window_size(self, key):
        size = _int64_scalar(self._window_size_func(_wrap(np.int64(key))),
                             "group_by_window: `window_size_func`")
        if size <= 0:
            raise InvalidArgumentError("Window size must be greater than zero, but got %d."
                                       % size)
        return size

    def _reduce(self, key, elements):
        ds = self._reduce_func(_wrap(np.int64(key)),
                               ElementListDataset(elements, self._options_value))
        if not isinstance(ds, Dataset):
            raise TypeError("group_by_window: `reduce_func` must return a Dataset, got %s."
                            % type(ds).__name__)
        return ds._elements()

    def _element_stream(self):
        groups, sizes = {}, {}
        for element in self._input._elements():
            key = _int64_scalar(call_on_element(self._key_func, element),
                                "group_by_window: `key_func`")
            if key not in sizes:
                sizes[key] = self._window_size(key)
            group = groups.setdefault(key, [])
            group.append(element)
            if len(group) == sizes[key]:
                del groups[key]
                yield from self._reduce(key, group)
        for key in sorted(groups):
            yield from self._reduce(key, groups[key])

    def _card(self):
        return UNKNOWN

    def _static_spec(self):
        return None


def bucket_by_sequence_length(dataset, element_length_func, bucket_boundaries,
                              bucket_batch_sizes, padded_shapes, padding_values,
                              pad_to_bucket_boundary, no_padding, drop_remainder):
    boundaries = [_count(b, "bucket_by_sequence_length: bucket_boundaries")
                  for b in bucket_boundaries]
    batch_sizes = [_count(b, "bucket_by_sequence_length: bucket_batch_sizes")
                   for b in bucket_batch_sizes]
    if len(batch_sizes) != len(boundaries) + 1:
        raise ValueError("`len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + 1` "
                         "but `len(bucket_batch_sizes)=%d` and `len(bucket_boundaries)=%d`."
                         % (len(batch_sizes), len(boundaries)))
    lows = [np.iinfo(np.int32).min] + boundaries
    highs = boundaries + [np.iinfo(np.int32).max]

    def bucket_id(*args):
        length = _int64_scalar(element_length_func(*args),
                               "bucket_by_sequence_length: `element_length_func`")
        # TF: the first bucket with boundaries[i-1] <= length < boundaries[i].
        for i, (low, high) in enumerate(zip(lows, highs)):
            if low <= length < high:
                return np.int64(i)
        raise InvalidArgumentError("bucket_by_sequence_length: length %d falls in no bucket "
                                   "(bucket_boundaries %s must be increasing)."
                                   % (length, boundaries))

    def window_size(key):
        return np.int64(batch_sizes[int(key)])

    def batching(key, window):
        key = int(key)
        if no_padding:
            return window.batch(batch_sizes[key], drop_remainder=drop_remainder)
        shapes = padded_shapes
        if pad_to_bucket_boundary:
            if key >= len(batch_sizes) - 1:
                raise InvalidArgumentError("When pad_to_bucket_boundary=True, elements must "
                                           "have length < max(bucket_boundaries).")
            shapes = _fill_unknown_dims(padded_shapes, dataset._static_spec(), window,
                                        boundaries[key] - 1)
        return window.padded_batch(batch_sizes[key], shapes, padding_values,
                                   drop_remainder=drop_remainder)

    return GroupByWindowDataset(dataset, bucket_id, batching, None, window_size)


def _fill_unknown_dims(padded_shapes, static_spec, window, filler):
    """``padded_shapes`` (default: the input's element shapes) with every unknown
    dimension set to ``filler``, as TF's ``make_padded_shapes``."""
    def fill(shape):
        dims = TensorShape(shape)
        if dims.rank is None:
            raise ValueError("bucket_by_sequence_length: pad_to_bucket_boundary needs "
                             "padded shapes of known rank.")
        return [filler if d is None or d == -1 else d for d in dims]

    if padded_shapes is None and static_spec is not None:
        specs = _st.flatten(static_spec)
        if all(spec.shape.rank is not None for spec in specs):
            return _st.pack(static_spec, [fill(spec.shape) for spec in specs])
    if padded_shapes is None:
        # No static element spec (tapeflow reads one from the first element, e.g. after
        # `map`): the first (sequence) axis of each component is taken as unknown.
        template = window._items[0]
        return _st.pack(template, [fill([None] + list(np.shape(leaf))[1:]) if np.ndim(leaf)
                                   else [] for leaf in _st.flatten(template)])
    if not _st.is_container(padded_shapes) or isinstance(padded_shapes, TensorShape) or (
            isinstance(padded_shapes, list)
            and all(d is None or isinstance(d, (int, np.integer)) for d in padded_shapes)):
        return fill(padded_shapes)
    return _map_shapes(fill, padded_shapes)


def _map_shapes(fn, shapes):
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v) for k, v in shapes.items()}
    if isinstance(shapes, (tuple, list)) and not all(
            d is None or isinstance(d, (int, np.integer)) for d in shapes):
        return tuple(_map_shapes(fn, s) for s in shapes)
    return fn(shapes)
