"""``Dataset``: the public API. Each transformation returns a new node wrapping its input.

A node implements ``_elements()`` (one pass, yielding elements whose leaves are NumPy
values, see ``structure``) and ``_card()``; it may also offer ``_index_plan()`` (the
columnar fast path, see ``plan``) and ``_static_spec()``. ``iter(ds)`` turns leaves into
Tensors at the edge.
"""
import numpy as np

from ..errors import OutOfRangeError
from ..tensor import _wrap
from . import plan as _plan
from . import structure as _st

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1


class Dataset:
    """A sequence of elements (nested tuples/dicts of Tensors) built by a chain of steps.

    Iterating it (``for x in ds``) starts a fresh pass each time. In-memory data is
    shuffled and batched with index arrays, so an epoch costs a few NumPy calls.

    >>> import numpy as np, tapeflow as tf
    >>> ds = tf.data.Dataset.from_tensor_slices((np.arange(10.0), np.arange(10)))
    >>> [int(x.shape[0]) for x, y in ds.shuffle(10, seed=1).batch(4)]
    [4, 4, 2]
    """

    _options_value = None

    # -- what a node implements ---------------------------------------------------------
    def _elements(self):
        raise NotImplementedError

    def _card(self):
        return UNKNOWN

    def _index_plan(self):
        return None

    def _static_spec(self):
        return None

    def _is_columnar(self):
        """True when elements come straight from in-memory columns by index (cheap)."""
        return self._index_plan() is not None

    def _tensor_elements(self):
        plan = self._index_plan()
        if plan is not None:
            return _plan.iter_rows(plan, _plan.tensor_packer(plan))
        return map(_st.to_tensors, self._elements())

    # -- inspection ---------------------------------------------------------------------
    def __iter__(self):
        return Iterator(self)

    @property
    def element_spec(self):
        """The structure of ``TensorSpec``s of one element.

        Where it depends on a user function (``map``) it is taken from the first element.
        """
        spec = self.__dict__.get("_spec_cache")
        if spec is None:
            spec = self._static_spec()
            if spec is None:
                gen = iter(self._elements())
                try:
                    first = next(gen)
                except StopIteration:
                    raise ValueError("element_spec: %s is empty, so the structure of its "
                                     "elements is unknown." % type(self).__name__) from None
                finally:
                    if hasattr(gen, "close"):
                        gen.close()
                spec = _st.spec_of(first)
            self._spec_cache = spec
        return spec

    def cardinality(self):
        """The number of elements as an int64 scalar, or ``INFINITE_CARDINALITY`` (-1) /
        ``UNKNOWN_CARDINALITY`` (-2).

        >>> import tapeflow as tf
        >>> int(tf.data.Dataset.range(10).batch(3).cardinality())
        4
        """
        return _wrap(np.int64(self._card()))

    def __len__(self):
        n = self._card()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True

    def __repr__(self):
        try:
            spec = self.element_spec
        except Exception:  # a user function failing must not break repr
            spec = "<unknown>"
        return "<%s element_spec=%s>" % (type(self).__name__.lstrip("_"), spec)

    def as_numpy_iterator(self):
        """Iterates the elements as NumPy arrays (scalar strings as ``bytes``).

        >>> import tapeflow as tf
        >>> list(tf.data.Dataset.range(3).as_numpy_iterator())
        [np.int64(0), np.int64(1), np.int64(2)]
        """
        return map(_st.to_numpy, self._elements())

    def reduce(self, initial_state, reduce_func):
        """Folds the elements into one state: ``state = reduce_func(state, element)``.

        >>> import tapeflow as tf
        >>> int(tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x))
        10
        """
        state = _st.to_tensors(_st.normalize_output(initial_state))
        for element in self._tensor_elements():
            state = _st.to_tensors(_st.normalize_output(reduce_func(state, element)))
        return state

    def get_single_element(self):
        """The only element of a one-element dataset (an error otherwise).

        >>> import tapeflow as tf
        >>> tf.data.Dataset.range(5).batch(5).get_single_element().numpy().tolist()
        [0, 1, 2, 3, 4]
        """
        from ..errors import InvalidArgumentError
        it = self._tensor_elements()
        try:
            element = next(it)
        except StopIteration:
            raise InvalidArgumentError("Dataset was empty.") from None
        for _ in it:
            raise InvalidArgumentError("Dataset had more than one element.")
        return element

    def options(self):
        """The ``tf.data.Options`` in effect (merged along the chain).

        >>> import tapeflow as tf
        >>> tf.data.Dataset.range(2).options().deterministic is None
        True
        """
        from .options import Options
        return self._options_value or Options()

    def with_options(self, options):
        """Attaches ``tf.data.Options``; they are recorded (tapeflow needs no tuning).

        >>> import tapeflow as tf
        >>> options = tf.data.Options()
        >>> options.deterministic = False
        >>> tf.data.Dataset.range(2).with_options(options).options().deterministic
        False
        """
        return _control.OptionsDataset(self, options)

    # -- sources ------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of every component (all must share their first dimension).

        Tuples and dicts are structure; a list is one tensor. NumPy dtypes are kept,
        Python ints become int32 and floats float32.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.from_tensor_slices([1, 2, 3])]
        [1, 2, 3]
        """
        return _sources.TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with ``tensors`` as its single element.

        >>> import tapeflow as tf
        >>> [x.shape for x in tf.data.Dataset.from_tensors([1, 2, 3])]
        [TensorShape([3])]
        """
        return _sources.TensorDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements produced by calling ``generator(*args)`` anew for each pass.

        ``output_signature`` (a structure of ``tf.TensorSpec``) says what it yields; the
        legacy ``output_types``/``output_shapes`` pair is accepted too. Each element is
        checked against it.

        >>> import tapeflow as tf
        >>> def gen():
        ...     yield 1, [1.0, 2.0]
        >>> ds = tf.data.Dataset.from_generator(gen, output_signature=(
        ...     tf.data.TensorSpec((), tf.int32), tf.data.TensorSpec((2,), tf.float32)))
        >>> [tuple(int(t.shape.rank) for t in e) for e in ds]
        [(0, 1)]
        """
        return _sources.GeneratorDataset(generator, output_types, output_shapes, args,
                                         output_signature)

    @staticmethod
    def range(*args, output_type=None, name=None):
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(1, 6, 2)]
        [1, 3, 5]
        """
        return _sources.RangeDataset(args, output_type)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Elements of several datasets side by side, as long as the shortest.

        >>> import tapeflow as tf
        >>> a, b = tf.data.Dataset.range(3), tf.data.Dataset.range(10, 12)
        >>> [(int(x), int(y)) for x, y in tf.data.Dataset.zip(a, b)]
        [(0, 10), (1, 11)]
        """
        if datasets is not None and args:
            raise TypeError("Both `*args` and `datasets` cannot be set.")
        if datasets is None:
            if not args:
                raise TypeError("Must pass at least one dataset to `zip`.")
            datasets = args[0] if len(args) == 1 else tuple(args)
        return _sources.ZipDataset(datasets)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        """Each element from one of ``datasets``, drawn with probabilities ``weights``
        (default equal). An exhausted input drops out and the others' weights are
        renormalised, unless ``stop_on_empty_dataset=True`` ends the pass there. With a
        seed every pass draws the same sequence unless ``rerandomize_each_iteration``.

        >>> import tapeflow as tf
        >>> ds = tf.data.Dataset.sample_from_datasets(
        ...     [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)], seed=1)
        >>> sorted(int(x) for x in ds)
        [0, 1, 2, 10, 11, 12]
        """
        return _sampling.SampleFromDatasets(datasets, weights, seed, stop_on_empty_dataset,
                                            rerandomize_each_iteration)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Each element from ``datasets[i]`` for the next ``i`` (a scalar int64) of
        ``choice_dataset``. When the chosen input is exhausted the pass ends
        (``stop_on_empty_dataset=True``) or that choice is skipped.

        >>> import tapeflow as tf
        >>> choice = tf.data.Dataset.range(2).repeat(2)
        >>> ds = tf.data.Dataset.choose_from_datasets(
        ...     [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 13)], choice)
        >>> [int(x) for x in ds]
        [0, 10, 1, 11]
        """
        return _sampling.ChooseFromDatasets(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching a glob pattern (or list of them), shuffled each pass
        unless ``shuffle=False`` (then sorted). No match is an ``InvalidArgumentError``.

        >>> import tapeflow as tf, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> for name in ("b.txt", "a.txt"):
        ...     _ = open(os.path.join(folder, name), "w").write("")
        >>> ds = tf.data.Dataset.list_files(os.path.join(folder, "*.txt"), shuffle=False)
        >>> [os.path.basename(x.numpy().decode()) for x in ds]
        ['a.txt', 'b.txt']
        """
        return _files.list_files(file_pattern, shuffle, seed)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by ``dataset``'s (same structure and dtypes).

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7))]
        [0, 1, 5, 6]
        """
        return _sources.ConcatenateDataset(self, dataset)

    # -- transformations ----------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies ``map_func`` to each element (tuples are unpacked into arguments).

        With ``num_parallel_calls`` (``tf.data.AUTOTUNE`` = one per core) several
        elements are processed by threads at once — faster where the function spends
        its time in NumPy, which releases the GIL. Order is kept unless
        ``deterministic=False``. The function runs eagerly on each element (TF traces it
        once), like a function wrapped in ``tf.py_function``.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(3).map(lambda x: x * 2)]
        [0, 2, 4]
        """
        return _mapping.MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None):
        """Keeps the elements for which ``predicate`` returns a scalar ``True``.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(6).filter(lambda x: x % 2 == 0)]
        [0, 2, 4]
        """
        return _mapping.FilterDataset(self, predicate)

    def flat_map(self, map_func, name=None):
        """Maps each element to a dataset and chains them.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(1, 3).flat_map(tf.data.Dataset.range)]
        [0, 0, 1]
        """
        return _mapping.FlatMapDataset(self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """Maps elements to datasets and takes ``block_length`` elements from each of
        ``cycle_length`` open datasets in turn (TF's order, also with parallel calls).

        With ``num_parallel_calls`` each open dataset is read ahead by a background thread,
        so slow sources (files) are read concurrently.

        >>> import tapeflow as tf
        >>> ds = tf.data.Dataset.range(1, 3).interleave(
        ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2)
        >>> [int(x) for x in ds]
        [1, 2, 1, 2, 1, 2]
        """
        return _mapping.InterleaveDataset(self, map_func, cycle_length, block_length,
                                          num_parallel_calls)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stacks ``batch_size`` consecutive elements (the last batch may be smaller).

        >>> import tapeflow as tf
        >>> [x.numpy().tolist() for x in tf.data.Dataset.range(8).batch(3)]
        [[0, 1, 2], [3, 4, 5], [6, 7]]
        """
        return _batching.BatchDataset(self, batch_size, drop_remainder)

    def unbatch(self, name=None):
        """Splits each element along its first axis into separate elements.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(5).batch(2).unbatch()]
        [0, 1, 2, 3, 4]
        """
        return _batching.UnbatchDataset(self)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches elements of different shapes by padding each to the batch's largest
        (or to ``padded_shapes``; ``None`` dimensions take the largest).

        >>> import tapeflow as tf
        >>> ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.fill([n], n))
        >>> ds.padded_batch(3).get_single_element().numpy().tolist()
        [[1, 0, 0], [2, 2, 0], [3, 3, 3]]
        """
        return _batching.PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                            drop_remainder)

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None):
        """Groups elements by ``key_func`` (an int64 scalar) into windows of
        ``window_size`` (or ``window_size_func(key)``) and chains ``reduce_func(key,
        window_dataset)``. A window is reduced as soon as it is full; at the end of the
        input the unfinished windows are reduced in increasing key order.

        >>> import tapeflow as tf
        >>> ds = tf.data.Dataset.range(10).group_by_window(
        ...     key_func=lambda x: x % 2, reduce_func=lambda key, w: w.batch(5),
        ...     window_size=5)
        >>> [x.numpy().tolist() for x in ds]
        [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
        """
        return _grouping.GroupByWindowDataset(self, key_func, reduce_func, window_size,
                                              window_size_func)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None):
        """Batches elements of similar length together: an element of length ``L`` goes
        to the first bucket with ``L < bucket_boundaries[i]`` (else the last), and each
        bucket is ``padded_batch``-ed with its own size from ``bucket_batch_sizes``
        (``len(bucket_boundaries) + 1`` of them). A full bucket is emitted at once; at
        the end the partial ones follow in bucket order (none with ``drop_remainder``).
        ``pad_to_bucket_boundary`` pads unknown dimensions to the bucket's boundary - 1;
        ``no_padding`` uses ``batch``. Built on ``group_by_window``, as in TF.

        >>> import tapeflow as tf
        >>> elements = [[0], [1, 2, 3, 4], [5, 6, 7],
        ...             [7, 8, 9, 10, 11], [13, 14, 15, 16, 19, 20], [21, 22]]
        >>> ds = tf.data.Dataset.from_generator(lambda: elements, tf.int64,
        ...                                     output_shapes=[None])
        >>> ds = ds.bucket_by_sequence_length(lambda elem: tf.shape(elem)[0],
        ...                                   bucket_boundaries=[3, 5],
        ...                                   bucket_batch_sizes=[2, 2, 2])
        >>> for elem in ds.as_numpy_iterator():
        ...     print(elem)
        [[1 2 3 4]
         [5 6 7 0]]
        [[ 7  8  9 10 11  0]
         [13 14 15 16 19 20]]
        [[ 0  0]
         [21 22]]
        """
        return _grouping.bucket_by_sequence_length(
            self, element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes,
            padding_values, pad_to_bucket_boundary, no_padding, drop_remainder)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """Re-splits batched elements into batches of ``batch_size`` (an int, or a list
        of sizes used in turn): ``unbatch().batch(batch_size)``.

        >>> import tapeflow as tf
        >>> [x.numpy().tolist() for x in tf.data.Dataset.range(5).batch(2).rebatch(3)]
        [[0, 1, 2], [3, 4]]
        """
        return _batching.RebatchDataset(self, batch_size, drop_remainder)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Groups elements into windows; each window is a structure of datasets.

        >>> import tapeflow as tf
        >>> ds = tf.data.Dataset.range(5).window(3, shift=2, drop_remainder=True)
        >>> [w.batch(3).get_single_element().numpy().tolist() for w in ds]
        [[0, 1, 2], [2, 3, 4]]
        """
        return _batching.WindowDataset(self, size, shift, stride, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Shuffles with a buffer of ``buffer_size`` elements, as TF does.

        Each step emits a uniformly chosen element of the buffer and refills it from the
        input: a buffer at least as large as the data gives a uniform permutation, a
        smaller one a local shuffle. Each pass reshuffles unless
        ``reshuffle_each_iteration=False``. ``seed`` and ``tf.random.set_seed`` make the
        orders reproducible.

        >>> import tapeflow as tf
        >>> sorted(int(x) for x in tf.data.Dataset.range(5).shuffle(5, seed=3))
        [0, 1, 2, 3, 4]
        """
        return _control.ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """Repeats the dataset ``count`` times (forever for ``None`` or -1).

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(2).repeat(2)]
        [0, 1, 0, 1]
        """
        return _control.RepeatDataset(self, count)

    def take(self, count, name=None):
        """The first ``count`` elements (all for -1).

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(10).repeat().take(3)]
        [0, 1, 2]
        """
        return _control.TakeDataset(self, count)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none for -1).

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(5).skip(3)]
        [3, 4]
        """
        return _control.SkipDataset(self, count)

    def shard(self, num_shards, index, name=None):
        """Every ``num_shards``-th element, starting at ``index`` (one worker's share).

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(10).shard(3, 1)]
        [1, 4, 7]
        """
        return _control.ShardDataset(self, num_shards, index)

    def cache(self, filename="", name=None):
        """Keeps the elements of the first complete pass (in memory, or in the file
        ``filename`` + ``.tapeflow-cache``) and serves later passes from there.

        >>> import tapeflow as tf
        >>> calls = []
        >>> ds = tf.data.Dataset.range(3).map(lambda x: calls.append(1) or x).cache()
        >>> _ = list(ds), list(ds)
        >>> len(calls)
        3
        """
        return _control.CacheDataset(self, filename)

    def prefetch(self, buffer_size, name=None):
        """Produces up to ``buffer_size`` elements ahead in a background thread, so the
        pipeline runs while the consumer (a training step) works (``tf.data.AUTOTUNE``: 2).
        Over in-memory batches gathered by index, which cost microseconds, no thread is used.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(3).prefetch(tf.data.AUTOTUNE)]
        [0, 1, 2]
        """
        return _control.PrefetchDataset(self, buffer_size)

    def enumerate(self, start=0, name=None):
        """Pairs each element with its int64 position: ``(i, element)``.

        >>> import tapeflow as tf
        >>> [(int(i), int(x)) for i, x in tf.data.Dataset.range(5, 7).enumerate()]
        [(0, 5), (1, 6)]
        """
        return _control.EnumerateDataset(self, start)

    def apply(self, transformation_func):
        """``transformation_func(self)``: lets a pipeline step be a function of datasets.

        >>> import tapeflow as tf
        >>> [int(x) for x in tf.data.Dataset.range(4).apply(lambda ds: ds.skip(2))]
        [2, 3]
        """
        result = transformation_func(self)
        if not isinstance(result, Dataset):
            raise TypeError("`transformation_func` must return a Dataset; got %s."
                            % type(result).__name__)
        return result


class Iterator:
    """One pass over a dataset (``iter(ds)``); ``next(it)`` gives the next element."""

    __slots__ = ("_it", "_dataset")

    def __init__(self, dataset):
        self._dataset = dataset
        self._it = dataset._tensor_elements()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def get_next(self):
        """The next element; ``tf.errors.OutOfRangeError`` at the end."""
        try:
            return next(self._it)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None

    @property
    def element_spec(self):
        return self._dataset.element_spec


from . import batching as _batching  # noqa: E402  (the nodes subclass Dataset)
from . import control as _control  # noqa: E402
from . import files as _files  # noqa: E402
from . import grouping as _grouping  # noqa: E402
from . import mapping as _mapping  # noqa: E402
from . import sampling as _sampling  # noqa: E402
from . import sources as _sources  # noqa: E402
