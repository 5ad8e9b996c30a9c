"""Steps that reorder, select or buffer elements without changing them.

shuffle, repeat, take, skip and shard work on the index stream when their input is
columnar (``plan``), so they cost nothing per element there; otherwise they work on the
elements themselves.
"""
import itertools
import os
import pickle
import uuid

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from . import structure as _st
from .dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset
from .plan import iter_rows
from .prefetcher import background
from .seeds import EpochRngs
from .shuffle_buffer import shuffle_elements, shuffle_index_chunks
from .spec import TensorSpec


def _count(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TypeError("%s must be an integer, got %r." % (what, value)) from None


class UnaryDataset(Dataset):
    """A step with one input; by default it changes nothing (spec, cardinality, plan)."""

    def __init__(self, input_dataset):
        if not isinstance(input_dataset, Dataset):
            raise TypeError("expected a Dataset, got %s" % type(input_dataset).__name__)
        self._input = input_dataset
        self._options_value = input_dataset._options_value

    def _elements(self):
        plan = self._index_plan()
        if plan is not None:
            return iter_rows(plan, _st.make_packer(plan.template))
        return self._element_stream()

    def _element_stream(self):
        return self._input._elements()

    def _transform_chunks(self, chunks):
        return chunks

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        source = plan.chunks
        return plan.with_chunks(lambda: self._transform_chunks(source()))

    def _card(self):
        return self._input._card()

    def _static_spec(self):
        return self._input.element_spec


class ShuffleDataset(UnaryDataset):
    """``shuffle``: TF's buffer algorithm, over indices where the data is in memory."""

    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration):
        super().__init__(input_dataset)
        self._buffer_size = _count(buffer_size, "shuffle: buffer_size")
        if self._buffer_size <= 0:
            raise InvalidArgumentError("buffer_size must be greater than zero.")
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        self._rngs = EpochRngs(seed, reshuffle)

    def _transform_chunks(self, chunks):
        return shuffle_index_chunks(chunks, self._buffer_size, self._rngs.next())

    def _element_stream(self):
        return shuffle_elements(self._input._elements(), self._buffer_size, self._rngs.next())


class RepeatDataset(UnaryDataset):
    """``repeat``: ``count`` passes over the input (forever for None/-1)."""

    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._times = -1 if count is None else _count(count, "repeat: count")

    def _passes(self):
        return itertools.count() if self._times < 0 else range(self._times)

    def _index_plan(self):
        plan = self._input._index_plan()
        if plan is None:
            return None
        return plan.with_chunks(lambda: self._repeat(plan.chunks, chunked=True))

    def _repeat(self, one_pass, chunked=False):
        for _ in self._passes():
            empty = True
            for item in one_pass():
                if chunked and not len(item):
                    continue
                empty = False
                yield item
            if empty:  # repeating nothing ends instead of spinning forever (as TF)
                return

    def _element_stream(self):
        return self._repeat(self._input._elements)

    def _card(self):
        n = self._input._card()
        if self._times < 0:
            return 0 if n == 0 else INFINITE
        if self._times == 0:
            return 0
        if n in (INFINITE, UNKNOWN):
            return n
        return n * self._times


def _take_chunks(chunks, count):
    if count <= 0:
        return
    for chunk in chunks:
        if len(chunk) >= count:
            yield chunk[:count]
            return
        yield chunk
        count -= len(chunk)


class TakeDataset(UnaryDataset):
    """``take``: the first ``count`` elements (all for -1)."""

    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = _count(count, "take: count")

    def _transform_chunks(self, chunks):
        return chunks if self._count < 0 else _take_chunks(chunks, self._count)

    def _element_stream(self):
        source = self._input._elements()
        return source if self._count < 0 else itertools.islice(source, self._count)

    def _card(self):
        n = self._input._card()
        if n == UNKNOWN or self._count < 0:
            return n
        return self._count if n == INFINITE else min(n, self._count)


class SkipDataset(UnaryDataset):
    """``skip``: drops the first ``count`` elements (all for -1)."""

    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = _count(count, "skip: count")

    def _transform_chunks(self, chunks):
        remaining = self._count
        for chunk in chunks:
            if remaining < 0:
                continue
            if remaining >= len(chunk):
                remaining -= len(chunk)
                continue
            yield chunk[remaining:]
            remaining = 0

    def _element_stream(self):
        source = self._input._elements()
        if self._count < 0:
            for _ in source:
                pass
            return iter(())
        return itertools.islice(source, self._count, None)

    def _card(self):
        n = self._input._card()
        if n in (INFINITE, UNKNOWN):
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class ShardDataset(UnaryDataset):
    """``shard``: every ``num_shards``-th element starting at ``index``."""

    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        self._num = _count(num_shards, "shard: num_shards")
        self._index = _count(index, "shard: index")
        if self._num <= 0:
            raise InvalidArgumentError("Number of shards must be greater than zero (currently: "
                                       "num_shards = %d)." % self._num)
        if not 0 <= self._index < self._num:
            raise InvalidArgumentError("Index must be between 0 and %d (currently index = %d)."
                                       % (self._num - 1, self._index))

    def _transform_chunks(self, chunks):
        position = 0
        for chunk in chunks:
            offset = (self._index - position) % self._num
            position += len(chunk)
            picked = chunk[offset::self._num]
            if len(picked):
                yield picked

    def _element_stream(self):
        return itertools.islice(self._input._elements(), self._index, None, self._num)

    def _card(self):
        n = self._input._card()
        if n in (INFINITE, UNKNOWN):
            return n
        return n // self._num + (1 if self._index < n % self._num else 0)


class CacheDataset(UnaryDataset):
    """``cache``: the first complete pass is kept (memory or file); later passes read it.

    A pass abandoned half-way keeps nothing, as in TF. Over in-memory data only the order
    of indices is cached (the rows are already in memory).
    """

    def __init__(self, input_dataset, filename):
        super().__init__(input_dataset)
        self._path = os.fspath(filename) + ".tapeflow-cache" if filename else None
        self._cached = None

    def _index_plan(self):
        if self._path is not None:
            return None
        plan = self._input._index_plan()
        if plan is None:
            return None
        return plan.with_chunks(lambda: self._cached_pass(plan.chunks))

    def _cached_pass(self, one_pass):
        if self._cached is not None:
            return iter(self._cached)
        return self._recording(one_pass())

    def _recording(self, source):
        kept = []
        for item in source:
            kept.append(item)
            yield item
        self._cached = kept

    def _element_stream(self):
        if self._path is None:
            return self._cached_pass(self._input._elements)
        if os.path.exists(self._path):
            return _read_cache_file(self._path)
        return _write_cache_file(self._path, self._input._elements())


def _read_cache_file(path):
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


def _write_cache_file(path, source):
    partial = "%s.%s.partial" % (path, uuid.uuid4().hex)  # concurrent passes never collide
    complete = False
    try:
        with open(partial, "wb") as f:
            for element in source:
                pickle.dump(element, f, protocol=pickle.HIGHEST_PROTOCOL)
                yield element
        complete = True
        os.replace(partial, path)
    finally:
        if not complete and os.path.exists(partial):
            os.remove(partial)


class PrefetchDataset(UnaryDataset):
    """``prefetch``: a background thread keeps up to ``buffer_size`` elements ready.

    Over in-memory columnar data (rows or batches gathered by index) no thread is used:
    producing such an element costs a few microseconds, less than handing it from one
    thread to another, so there is nothing to hide. The index plan passes on unchanged,
    so a later ``batch`` still gathers by index.
    """

    def __init__(self, input_dataset, buffer_size):
        super().__init__(input_dataset)
        size = _count(buffer_size, "prefetch: buffer_size")
        if size < AUTOTUNE:
            raise InvalidArgumentError("prefetch: buffer_size must be >= 0 or tf.data.AUTOTUNE "
                                       "(-1), got %d." % size)
        self._size = 2 if size == AUTOTUNE else size

    def _threaded(self):
        return self._size > 0 and not self._input._is_columnar()

    def _elements(self):
        source = self._input._elements()
        return background(source, self._size) if self._threaded() else source

    def _tensor_elements(self):
        source = self._input._tensor_elements()
        return background(source, self._size) if self._threaded() else source


class EnumerateDataset(UnaryDataset):
    """``enumerate``: ``(int64 position, element)`` pairs."""

    def __init__(self, input_dataset, start):
        super().__init__(input_dataset)
        self._start = _count(start, "enumerate: start")

    def _index_plan(self):
        return None

    def _elements(self):
        return zip(map(np.int64, itertools.count(self._start)), self._input._elements())

    def _static_spec(self):
        return (TensorSpec((), _dtypes.int64), self._input.element_spec)


class OptionsDataset(UnaryDataset):
    """``with_options``: the same elements, with ``tf.data.Options`` recorded."""

    def __init__(self, input_dataset, options):
        from .options import Options
        if not isinstance(options, Options):
            raise TypeError("with_options expects a tf.data.Options, got %s."
                            % type(options).__name__)
        super().__init__(input_dataset)
        base = input_dataset._options_value
        self._options_value = options if base is None else base.merge(options)
