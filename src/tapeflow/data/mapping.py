"""Steps that call a user function: map (optionally on threads), filter, flat_map, interleave."""
import collections
import concurrent.futures as _futures
import os

import numpy as np

from . import structure as _st
from .dataset import AUTOTUNE, UNKNOWN, Dataset
from .control import UnaryDataset
from .prefetcher import background


def call_on_element(func, element):
    """Calls ``func`` TF's way: a tuple is unpacked into arguments, anything else is one."""
    args = _st.to_tensors(element)
    if type(args) is tuple:
        return func(*args)
    return func(args)


def _cpu_count():
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


class MapDataset(UnaryDataset):
    """``map``: ``func`` on each element, on a thread pool when ``num_parallel_calls`` > 1."""

    def __init__(self, input_dataset, func, num_parallel_calls, deterministic):
        super().__init__(input_dataset)
        if not callable(func):
            raise TypeError("map: `map_func` must be callable, got %s." % type(func).__name__)
        self._func = func
        if num_parallel_calls is None:
            self._workers = 1
        else:
            n = int(num_parallel_calls)
            if n == AUTOTUNE:
                n = _cpu_count()
            elif n <= 0:
                from ..errors import InvalidArgumentError
                raise InvalidArgumentError("map: num_parallel_calls must be positive or "
                                           "tf.data.AUTOTUNE, got %d." % n)
            self._workers = n
        self._ordered = deterministic is not False

    def _index_plan(self):
        return None

    def _apply(self, element):
        return _st.normalize_output(call_on_element(self._func, element))

    def _elements(self):
        if self._workers == 1:
            return map(self._apply, self._input._elements())
        return self._parallel()

    def _parallel(self):
        # Work is submitted a bounded distance ahead; results come back in input order
        # (or as they finish). Exceptions re-raise here with the worker's traceback.
        pool = _futures.ThreadPoolExecutor(self._workers, thread_name_prefix="tapeflow-map")
        ahead = 2 * self._workers
        pending = collections.deque()
        try:
            for element in self._input._elements():
                pending.append(pool.submit(self._apply, element))
                if len(pending) >= ahead:
                    yield from self._collect(pending)
            while pending:
                yield from self._collect(pending)
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False)

    def _collect(self, pending):
        if self._ordered:
            yield pending.popleft().result()
            return
        done, _ = _futures.wait(pending, return_when=_futures.FIRST_COMPLETED)
        for future in done:
            pending.remove(future)
            yield future.result()

    def _static_spec(self):
        return None


class FilterDataset(UnaryDataset):
    """``filter``: keeps elements whose predicate is a scalar ``True``."""

    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        if not callable(predicate):
            raise TypeError("filter: `predicate` must be callable.")
        self._predicate = predicate

    def _index_plan(self):
        return None

    def _element_stream(self):
        for element in self._input._elements():
            if self._keep(call_on_element(self._predicate, element)):
                yield element

    @staticmethod
    def _keep(result):
        arr = _st.leaf_array(result)
        if arr.shape != () or arr.dtype != np.bool_:
            raise ValueError("`predicate` return type must be convertible to a scalar boolean "
                             "tensor. Was TensorSpec(shape=%s, dtype=%s)."
                             % (arr.shape, _st.leaf_dtype(arr)))
        return bool(arr)

    def _card(self):
        return UNKNOWN


def _dataset_from(func, element, what):
    ds = call_on_element(func, element)
    if not isinstance(ds, Dataset):
        raise TypeError("%s: `map_func` must return a Dataset, got %s."
                        % (what, type(ds).__name__))
    return ds


class FlatMapDataset(UnaryDataset):
    """``flat_map``: each element becomes a dataset; their elements are chained."""

    def __init__(self, input_dataset, func):
        super().__init__(input_dataset)
        self._func = func

    def _index_plan(self):
        return None

    def _element_stream(self):
        for element in self._input._elements():
            yield from _dataset_from(self._func, element, "flat_map")._elements()

    def _card(self):
        return UNKNOWN

    def _static_spec(self):
        return None


class InterleaveDataset(UnaryDataset):
    """``interleave``: ``block_length`` elements from each of ``cycle_length`` datasets in turn.

    With ``num_parallel_calls``, every open dataset is produced by a background thread.
    """

    def __init__(self, input_dataset, func, cycle_length, block_length, num_parallel_calls):
        super().__init__(input_dataset)
        self._func = func
        self._parallel = num_parallel_calls is not None
        cycle = AUTOTUNE if cycle_length is None else int(cycle_length)
        self._cycle = _cpu_count() if cycle == AUTOTUNE else cycle
        self._block = 1 if block_length is None else int(block_length)
        if self._cycle <= 0 or self._block <= 0:
            from ..errors import InvalidArgumentError
            raise InvalidArgumentError("interleave: cycle_length and block_length must be "
                                       "positive, got %d and %d." % (self._cycle, self._block))

    def _index_plan(self):
        return None

    def _element_stream(self):
        # TF's deterministic order: a slot opens a dataset from the next input element
        # when its turn comes and it is empty; a slot that runs out passes its turn on.
        inputs = self._input._elements()
        slots = [None] * self._cycle
        open_count, end_of_input, i = 0, False, 0
        while not end_of_input or open_count:
            if slots[i] is None and not end_of_input:
                element = next(inputs, _END)
                if element is _END:
                    end_of_input = True
                else:
                    slots[i] = self._open(element)
                    open_count += 1
                    continue
            if slots[i] is not None:
                for _ in range(self._block):
                    item = next(slots[i], _END)
                    if item is _END:
                        slots[i] = None
                        open_count -= 1
                        break
                    yield item
            i = (i + 1) % self._cycle

    def _open(self, element):
        source = _dataset_from(self._func, element, "interleave")._elements()
        if not self._parallel:
            return source
        # Each open dataset is read ahead by its own thread (files, decoding) while the
        # consumer takes blocks from the others; the output order stays TF's.
        return background(source, 2 * self._block, start_now=True)

    def _card(self):
        return UNKNOWN

    def _static_spec(self):
        return None


_END = object()
