"""Datasets that start a pipeline: slices, single tensors, generators, ranges, zip, concat."""
import itertools

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..tensor import Tensor, TensorShape
from . import structure as _st
from .dataset import INFINITE, UNKNOWN, Dataset
from .plan import in_order, iter_rows, zipped
from .spec import TensorSpec

_RANGE_PLAN_LIMIT = 1 << 22  # a range this short may be materialised for the fast path


def _owned_read_only(arr):
    """A read-only copy made once (not per element): changing the caller's array afterwards
    does not change the dataset (TF copies too), and element views cannot write back."""
    return _frozen(np.array(arr, copy=True))


def _frozen(arr):
    arr.flags.writeable = False
    return arr


class TensorSliceDataset(Dataset):
    """``Dataset.from_tensor_slices``: one element per row of every component.

    The components are kept as columns (one read-only copy each, made here; elements are
    views into it) and are the source of the columnar fast path.
    """

    def __init__(self, tensors):
        value = _st.to_arrays(tensors)
        leaves = _st.flatten(value)
        if not leaves:
            raise ValueError("Invalid `element`. `element` should not be empty.")
        for leaf in leaves:
            if leaf.ndim == 0:
                raise ValueError(
                    "from_tensor_slices: a component of shape () cannot be sliced; every "
                    "component needs at least one dimension (use from_tensors for a single "
                    "element).")
        sizes = [leaf.shape[0] for leaf in leaves]
        if len(set(sizes)) > 1:
            other = next(n for n in sizes if n != sizes[0])
            raise ValueError(
                "from_tensor_slices: all components must have the same size in their first "
                "dimension, got shapes %s (Dimensions %d and %d are not compatible)."
                % (", ".join(str(tuple(leaf.shape)) for leaf in leaves), sizes[0], other))
        self._columns = [_owned_read_only(leaf) for leaf in leaves]
        self._template = _st.pack(value, range(len(leaves)))

    def _index_plan(self):
        return in_order(self._columns, self._template)

    def _elements(self):
        return iter_rows(self._index_plan(), _st.make_packer(self._template))

    def _card(self):
        return len(self._columns[0])

    def _static_spec(self):
        return _st.pack(self._template, [TensorSpec(c.shape[1:], _dtypes.from_numpy(c.dtype))
                                         for c in self._columns])


class TensorDataset(Dataset):
    """``Dataset.from_tensors``: a single element."""

    def __init__(self, tensors):
        self._element = _st.from_user(tensors)

    def _elements(self):
        return iter((self._element,))

    def _card(self):
        return 1

    def _static_spec(self):
        return _st.spec_of(self._element)


class RangeDataset(Dataset):
    """``Dataset.range``: int64 scalars (or ``output_type``)."""

    def __init__(self, args, output_type):
        if not 1 <= len(args) <= 3:
            raise ValueError("Dataset.range takes 1 to 3 arguments (stop, or start, stop[, "
                             "step]); got %d." % len(args))
        bounds = [int(a) for a in args]
        if len(bounds) == 3 and bounds[2] == 0:
            raise InvalidArgumentError("Dataset.range: step must not be 0.")
        self._range = range(*bounds)
        self._dtype = _dtypes.as_dtype(output_type or _dtypes.int64).np_dtype
        self._column = None

    def _index_plan(self):
        if len(self._range) > _RANGE_PLAN_LIMIT:
            return None
        if self._column is None:
            r = self._range
            self._column = _frozen(np.arange(r.start, r.stop, r.step, dtype=self._dtype))
        return in_order([self._column], 0)

    def _elements(self):
        plan = self._index_plan()
        if plan is not None:
            return iter_rows(plan, _st.make_packer(0))
        return self._chunked()

    def _chunked(self):
        r = self._range
        for start in range(0, len(r), 4096):
            sub = r[start:start + 4096]
            yield from np.arange(sub.start, sub.stop, sub.step, dtype=self._dtype)

    def _card(self):
        return len(self._range)

    def _static_spec(self):
        return TensorSpec((), _dtypes.from_numpy(np.dtype(self._dtype)))


class ZipDataset(Dataset):
    """``Dataset.zip``: elements of several datasets side by side."""

    def __init__(self, datasets):
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        self._datasets = datasets
        self._flat = _st.flatten(datasets)
        for d in self._flat:
            if not isinstance(d, Dataset):
                raise TypeError("Dataset.zip: every argument must be a Dataset (or a tuple/"
                                "dict of them); got %s." % type(d).__name__)

    def _index_plan(self):
        plans = [d._index_plan() for d in self._flat]
        if any(plan is None or plan.rows is None for plan in plans):
            return None
        return zipped(self._datasets, plans)

    def _elements(self):
        plan = self._index_plan()
        if plan is not None:
            return iter_rows(plan, _st.make_packer(plan.template))
        return self._lockstep()

    def _lockstep(self):
        template = self._datasets
        for items in zip(*[d._elements() for d in self._flat]):
            yield _st.pack(template, items)

    def _card(self):
        result = INFINITE
        for d in self._flat:
            n = d._card()
            if n == UNKNOWN:
                return UNKNOWN
            if n != INFINITE:
                result = n if result == INFINITE else min(result, n)
        return result

    def _static_spec(self):
        return _st.pack(self._datasets, [d.element_spec for d in self._flat])


class ConcatenateDataset(Dataset):
    """``a.concatenate(b)``: ``a``'s elements, then ``b``'s."""

    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError("concatenate: expected a Dataset, got %s." % type(second).__name__)
        a, b = first.element_spec, second.element_spec
        if not _st.same_structure(a, b) or any(
                x.dtype != y.dtype for x, y in zip(_st.flatten(a), _st.flatten(b))):
            raise TypeError("Incompatible dataset elements:\n  %s vs. %s\nconcatenate needs "
                            "the same structure and dtypes." % (a, b))
        self._first, self._second = first, second
        self._spec = _st.merge_specs(a, b)

    def _elements(self):
        return itertools.chain(self._first._elements(), self._second._elements())

    def _card(self):
        a, b = self._first._card(), self._second._card()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b

    def _static_spec(self):
        return self._spec


class GeneratorDataset(Dataset):
    """``Dataset.from_generator``: calls the generator anew for every pass, checks each
    element against the signature, and streams (nothing is held beyond one element)."""

    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable (a generator function), "
                            "got %s." % type(generator).__name__)
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("The `output_types` and `output_shapes` arguments can not be "
                                "used together with the `output_signature` argument.")
            spec = _as_spec_structure(output_signature)
        else:
            if output_types is None:
                raise TypeError("from_generator: pass `output_signature` (a structure of "
                                "tf.TensorSpec), or the legacy `output_types`.")
            spec = _legacy_spec(output_types, output_shapes)
        self._generator = generator
        self._args = () if args is None else tuple(
            _st.to_numpy(_st.from_user(a)) for a in args)
        self._spec = spec
        self._flat_spec = _st.flatten(spec)

    def _elements(self):
        for value in self._generator(*self._args):
            yield _st.pack(self._spec, self._check(value))

    def _check(self, value):
        try:
            leaves = _flatten_up_to(self._spec, value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                "`generator` yielded an element that did not match the expected structure. The "
                "expected structure was %s, but the yielded element was %r."
                % (_st.map_leaves(lambda s: s.dtype, self._spec), value)) from None
        return [_checked_leaf(leaf, spec) for leaf, spec in zip(leaves, self._flat_spec)]

    def _static_spec(self):
        return self._spec


def _checked_leaf(leaf, spec):
    """One yielded value -> an element leaf of the spec's dtype; the shape must fit."""
    arr = leaf._value if isinstance(leaf, Tensor) else leaf
    if type(arr) is not np.ndarray or arr.dtype != spec.dtype.np_dtype:
        try:
            arr = _st.leaf_array(leaf, spec.dtype)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                "`generator` yielded an element that could not be converted to the expected "
                "type. The expected type was %s, but the yielded element was %r."
                % (spec.dtype.name, leaf)) from None
    shape = spec.shape
    if arr.shape != tuple(shape) and not shape.is_compatible_with(arr.shape):
        raise InvalidArgumentError(
            "`generator` yielded an element of shape %s where an element of shape %s was "
            "expected." % (TensorShape(arr.shape), shape))
    return arr[()] if arr.ndim == 0 else arr


def _flatten_up_to(spec, value):
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise TypeError("structure")
        return [leaf for k in _st._sorted_keys(spec) for leaf in _flatten_up_to(spec[k], value[k])]
    if isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise TypeError("structure")
        return [leaf for s, v in zip(spec, value) for leaf in _flatten_up_to(s, v)]
    if isinstance(value, dict):
        raise TypeError("structure")
    return [value]


def _as_spec_structure(signature):
    if isinstance(signature, list):
        signature = tuple(signature)
    if isinstance(signature, (tuple, dict)):
        return _spec_tree(signature)
    if not (hasattr(signature, "shape") and hasattr(signature, "dtype")):
        raise TypeError("output_signature must be a structure of tf.TensorSpec; got %r."
                        % (signature,))
    return TensorSpec(TensorShape(signature.shape), signature.dtype)


def _spec_tree(signature):
    if isinstance(signature, dict):
        return _st._same_dict(signature, {k: _as_spec_structure(v) for k, v in signature.items()})
    items = [_as_spec_structure(v) for v in signature]
    return type(signature)(*items) if hasattr(signature, "_fields") else tuple(items)


def _legacy_spec(output_types, output_shapes):
    if isinstance(output_types, list):
        output_types = tuple(output_types)
    if isinstance(output_types, (tuple, dict)):
        types = _st.flatten(output_types)
        if output_shapes is None:
            shapes = [None] * len(types)
        else:
            shapes = _flatten_up_to(_shape_template(output_types), output_shapes)
        return _st.pack(output_types, [TensorSpec(TensorShape(s), t)
                                       for t, s in zip(types, shapes)])
    return TensorSpec(TensorShape(output_shapes), output_types)


def _shape_template(types):
    """Shapes are lists, so the flattening template treats each dtype as a leaf."""
    return _st.map_leaves(lambda t: None, types)

