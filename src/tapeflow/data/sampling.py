"""Datasets that mix several inputs: ``sample_from_datasets`` and ``choose_from_datasets``.

Both work element by element (each output element comes from one input chosen per step),
like TF's; they are meant for class re-balancing and mixing sources, not hot loops.
"""
import bisect
import itertools

import numpy as np

from ..errors import InvalidArgumentError
from . import structure as _st
from .dataset import INFINITE, UNKNOWN, Dataset
from .seeds import EpochRngs

_DRAW_BLOCK = 256  # uniform draws made at a time


def _check_inputs(datasets, what):
    datasets = list(datasets)
    if not datasets:
        raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
    for ds in datasets:
        if not isinstance(ds, Dataset):
            raise TypeError("%s: every entry of `datasets` must be a tf.data.Dataset, got %s."
                            % (what, type(ds).__name__))
    first = datasets[0].element_spec
    spec = first
    for ds in datasets[1:]:
        other = ds.element_spec
        if not _st.same_structure(first, other) or any(
                a.dtype != b.dtype for a, b in zip(_st.flatten(first), _st.flatten(other))):
            raise TypeError("%s: incompatible dataset elements:\n  %s vs. %s\nAll datasets "
                            "need the same structure and dtypes." % (what, first, other))
        spec = _st.merge_specs(spec, other)
    return datasets, spec


class SampleFromDatasets(Dataset):
    """``Dataset.sample_from_datasets``: each element from an input drawn with ``weights``."""

    def __init__(self, datasets, weights, seed, stop_on_empty_dataset, rerandomize):
        self._datasets, self._spec = _check_inputs(datasets, "sample_from_datasets")
        n = len(self._datasets)
        if weights is None:
            weights = [1.0 / n] * n
        weights = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights,
                             dtype=np.float64).reshape(-1)
        if weights.shape[0] != n:
            raise ValueError("Invalid `weights`. The shape of `weights` should be compatible "
                             "with `[len(datasets)]` but is %s." % (list(weights.shape),))
        if np.any(weights < 0) or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise InvalidArgumentError("sample_from_datasets: `weights` must be finite, "
                                       "non-negative and not all zero; got %s." % weights)
        self._weights = weights
        self._stop_on_empty = bool(stop_on_empty_dataset)
        self._rngs = EpochRngs(seed, bool(rerandomize))

    def _elements(self):
        rng = self._rngs.next()
        iterators = [ds._elements() for ds in self._datasets]
        active = [i for i in range(len(iterators)) if self._weights[i] > 0]
        draws = iter(())
        while active:
            cumulative = list(itertools.accumulate(self._weights[i] for i in active))
            while True:
                u = next(draws, None)
                if u is None:
                    draws = iter(rng.random(_DRAW_BLOCK).tolist())
                    u = next(draws)
                pick = active[min(bisect.bisect_right(cumulative, u * cumulative[-1]),
                                  len(active) - 1)]
                try:
                    element = next(iterators[pick])
                except StopIteration:
                    if self._stop_on_empty:
                        return
                    active.remove(pick)  # the others' weights are renormalised
                    break
                yield element

    def _card(self):
        cards = [ds._card() for ds, w in zip(self._datasets, self._weights) if w > 0]
        if all(c == INFINITE for c in cards):
            return INFINITE
        return UNKNOWN

    def _static_spec(self):
        return self._spec


class ChooseFromDatasets(Dataset):
    """``Dataset.choose_from_datasets``: the ``choice_dataset``'s int64 scalars say which
    input gives each element."""

    def __init__(self, datasets, choice_dataset, stop_on_empty_dataset):
        self._datasets, self._spec = _check_inputs(datasets, "choose_from_datasets")
        if not isinstance(choice_dataset, Dataset):
            raise TypeError("choose_from_datasets: `choice_dataset` must be a tf.data.Dataset, "
                            "got %s." % type(choice_dataset).__name__)
        spec = choice_dataset.element_spec
        if getattr(spec, "dtype", None) is None or spec.dtype.name != "int64" or \
                tuple(spec.shape) != ():
            raise TypeError("Invalid `choice_dataset`. Elements of `choice_dataset` must be "
                            "scalar `tf.int64` tensors. Received: %s" % (spec,))
        self._choices = choice_dataset
        self._stop_on_empty = bool(stop_on_empty_dataset)

    def _elements(self):
        iterators = [ds._elements() for ds in self._datasets]
        exhausted = set()
        for choice in self._choices._elements():
            index = int(_st.leaf_array(choice))
            if not 0 <= index < len(iterators):
                raise InvalidArgumentError(
                    "choose_from_datasets: selector index %d is out of range for %d datasets."
                    % (index, len(iterators)))
            if index in exhausted:
                continue
            try:
                yield next(iterators[index])
            except StopIteration:
                if self._stop_on_empty:
                    return
                exhausted.add(index)

    def _static_spec(self):
        return self._spec
