"""batch, unbatch, padded_batch, rebatch and window.

``batch`` over columnar input gathers rows by index arrays (``plan.iter_batches``) and
wraps the result straight into Tensors; other inputs are stacked component by component.
"""
import itertools

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..tensor import TensorShape, _wrap
from . import structure as _st
from .control import UnaryDataset, _count
from .dataset import INFINITE, UNKNOWN, Dataset
from .plan import iter_batches
from .spec import TensorSpec


def _batch_size(value):
    size = _count(value, "batch: batch_size")
    if size <= 0:
        raise InvalidArgumentError("Batch size must be greater than zero, got %d." % size)
    return size


def _stack_elements(elements, what="batch"):
    flats = [_st.flatten(e) for e in elements]
    return _st.pack(elements[0], [_st.stack(list(column), what) for column in zip(*flats)])


def _batched_spec(spec, dim):
    return _st.map_leaves(lambda s: TensorSpec(TensorShape((dim,)).concatenate(s.shape)
                                               if s.shape.rank is not None else TensorShape(None),
                                               s.dtype), spec)


class BatchDataset(UnaryDataset):
    """``batch``: ``batch_size`` consecutive elements stacked on a new first axis."""

    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        self._size = _batch_size(batch_size)
        self._drop = bool(drop_remainder)

    def _index_plan(self):
        return None

    def _is_columnar(self):
        return self._input._index_plan() is not None

    def _tensor_elements(self):
        plan = self._input._index_plan()
        if plan is None:
            return map(_st.to_tensors, self._elements())
        packer = _st.make_packer(plan.template)
        return (packer([_wrap(c) for c in columns])
                for columns in iter_batches(plan, self._size, self._drop))

    def _elements(self):
        plan = self._input._index_plan()
        if plan is not None:
            packer = _st.make_packer(plan.template)
            return map(packer, iter_batches(plan, self._size, self._drop))
        return self._stacked()

    def _stacked(self):
        size = self._size
        source = self._input._elements()
        while True:
            elements = list(itertools.islice(source, size))
            if not elements or (self._drop and len(elements) < size):
                return
            yield _stack_elements(elements)

    def _card(self):
        n = self._input._card()
        if n in (INFINITE, UNKNOWN):
            return n
        return n // self._size if self._drop else -(-n // self._size)

    def _static_spec(self):
        return _batched_spec(self._input.element_spec, self._size if self._drop else None)


def _rows(element):
    """Splits one element along its first axis into row elements."""
    leaves = _st.flatten(element)
    for leaf in leaves:
        if np.ndim(leaf) == 0:
            raise InvalidArgumentError("unbatch: every component needs at least one dimension; "
                                       "got a scalar.")
    sizes = {len(leaf) for leaf in leaves}
    if len(sizes) > 1:
        raise InvalidArgumentError("unbatch: components have different first dimensions %s; "
                                   "they must agree." % sorted(sizes))
    if len(leaves) == 1 and not _st.is_container(element):
        return iter(leaves[0])
    packer = _st.make_packer(element)
    return map(packer, zip(*leaves))


class UnbatchDataset(UnaryDataset):
    """``unbatch``: each element split into its rows."""

    def _index_plan(self):
        return None

    def _element_stream(self):
        for element in self._input._elements():
            yield from _rows(element)

    def _card(self):
        return UNKNOWN

    def _static_spec(self):
        return _st.map_leaves(lambda s: TensorSpec(s.shape[1:] if s.shape.rank else s.shape,
                                                   s.dtype), self._input.element_spec)


class RebatchDataset(UnaryDataset):
    """``rebatch``: rows regrouped into batches of ``batch_size`` (or a cycle of sizes)."""

    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        sizes = list(batch_size) if isinstance(batch_size, (list, tuple)) else [batch_size]
        self._sizes = [_batch_size(s) for s in sizes]
        self._drop = bool(drop_remainder)

    def _index_plan(self):
        return None

    def _element_stream(self):
        rows = (row for element in self._input._elements() for row in _rows(element))
        for size in itertools.cycle(self._sizes):
            elements = list(itertools.islice(rows, size))
            if not elements or (self._drop and len(elements) < size):
                return
            yield _stack_elements(elements, "rebatch")

    def _card(self):
        return UNKNOWN

    def _static_spec(self):
        return None


class PaddedBatchDataset(UnaryDataset):
    """``padded_batch``: each component padded to a common shape, then stacked."""

    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values,
                 drop_remainder):
        super().__init__(input_dataset)
        self._size = _batch_size(batch_size)
        self._shapes = padded_shapes
        self._values = padding_values
        self._drop = bool(drop_remainder)

    def _index_plan(self):
        return None

    def _element_stream(self):
        source = self._input._elements()
        while True:
            elements = list(itertools.islice(source, self._size))
            if not elements or (self._drop and len(elements) < self._size):
                return
            yield self._pad(elements)

    def _pad(self, elements):
        template = elements[0]
        n_leaves = len(_st.flatten(template))
        shapes = _per_leaf(self._shapes, template, n_leaves, "padded_shapes")
        values = _per_leaf(self._values, template, n_leaves, "padding_values")
        columns = zip(*[_st.flatten(e) for e in elements])
        return _st.pack(template, [_pad_column(list(c), s, v)
                                   for c, s, v in zip(columns, shapes, values)])

    def _card(self):
        return BatchDataset._card(self)

    def _static_spec(self):
        return None


def _per_leaf(option, template, n_leaves, what):
    if option is None:
        return [None] * n_leaves
    if not _st.is_container(template):
        return [option]
    if isinstance(option, list) and isinstance(template, tuple) and all(
            isinstance(o, (list, tuple, TensorShape)) or o is None for o in option):
        option = tuple(option)
    try:
        leaves = _leaves_up_to(template, option)
    except (TypeError, KeyError):
        raise ValueError("padded_batch: `%s` must have the structure of the elements (%r)."
                         % (what, template)) from None
    return leaves


def _leaves_up_to(template, option):
    if isinstance(template, dict):
        return [x for k in _st._sorted_keys(template) for x in _leaves_up_to(template[k], option[k])]
    if isinstance(template, tuple):
        if len(option) != len(template):
            raise TypeError("structure")
        return [x for t, o in zip(template, option) for x in _leaves_up_to(t, o)]
    return [option]


def _pad_column(leaves, padded_shape, padding_value):
    shapes = [np.shape(v) for v in leaves]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise InvalidArgumentError("padded_batch: elements have different ranks %s; padding "
                                   "needs the same rank." % sorted({len(s) for s in shapes}))
    biggest = [max(s[d] for s in shapes) for d in range(rank)]
    if padded_shape is None:
        target = biggest
    else:
        wanted = list(TensorShape(padded_shape))
        if len(wanted) != rank:
            raise ValueError("padded_batch: padded shape %s does not have the rank %d of the "
                             "component." % (TensorShape(wanted), rank))
        target = [b if w is None or w == -1 else w for w, b in zip(wanted, biggest)]
        if any(t < b for t, b in zip(target, biggest)):
            raise InvalidArgumentError(
                "Attempted to pad to a smaller size than the input element: padded shape %s, "
                "element shape %s." % (TensorShape(target), TensorShape(biggest)))
    first = np.asarray(leaves[0])
    dtype = first.dtype if not isinstance(leaves[0], bytes) else np.dtype(object)
    if padding_value is None:
        fill = b"" if dtype == object else 0
    else:
        fill = _st.leaf_array(padding_value)
        if dtype != object and fill.dtype != dtype:
            raise TypeError("padded_batch: padding value of dtype %s does not match the "
                            "component's dtype %s." % (_dtypes.from_numpy(fill.dtype).name,
                                                       _dtypes.from_numpy(dtype).name))
        fill = fill[()] if fill.ndim == 0 else fill
    out = np.full([len(leaves)] + target, fill, dtype=dtype)
    for i, v in enumerate(leaves):
        out[(i,) + tuple(slice(0, d) for d in np.shape(v))] = v
    return out


class WindowDataset(UnaryDataset):
    """``window``: each element is a structure of small datasets, one window each."""

    def __init__(self, input_dataset, size, shift, stride, drop_remainder):
        super().__init__(input_dataset)
        self._size = _count(size, "window: size")
        self._shift = self._size if shift is None else _count(shift, "window: shift")
        self._stride = _count(stride, "window: stride")
        self._drop = bool(drop_remainder)
        if min(self._size, self._shift, self._stride) <= 0:
            raise InvalidArgumentError("window: size, shift and stride must be positive, got "
                                       "%d, %d and %d." % (self._size, self._shift, self._stride))

    def _index_plan(self):
        return None

    def _element_stream(self):
        source = self._input._elements()
        span = (self._size - 1) * self._stride + 1
        buffer, buffer_start, exhausted = [], 0, False
        start = 0
        while True:
            while not exhausted and buffer_start + len(buffer) < start + span:
                item = next(source, None)
                if item is None:
                    exhausted = True
                else:
                    buffer.append(item)
            offset = start - buffer_start
            members = buffer[offset:offset + span:self._stride]
            if not members or (self._drop and len(members) < self._size):
                return
            yield _window_element(members)
            start += self._shift
            drop = min(start - buffer_start, len(buffer))
            del buffer[:drop]
            buffer_start += drop

    def _card(self):
        n = self._input._card()
        if n in (INFINITE, UNKNOWN):
            return n
        if self._drop:
            rest = n - ((self._size - 1) * self._stride + 1)
            return 0 if rest < 0 else rest // self._shift + 1
        return -(-n // self._shift)

    def _static_spec(self):
        return None


def _window_element(members):
    template = members[0]
    columns = zip(*[_st.flatten(m) for m in members])
    return _st.pack(template, [LeafListDataset(list(c)) for c in columns])


class LeafListDataset(Dataset):
    """The elements of one window component (a list of leaves)."""

    def __init__(self, leaves):
        self._leaves = leaves

    def _elements(self):
        return iter(self._leaves)

    def _card(self):
        return len(self._leaves)

    def _static_spec(self):
        return _st.spec_of(self._leaves[0])
