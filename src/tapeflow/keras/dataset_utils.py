"""``tf.keras.utils.timeseries_dataset_from_array`` and ``split_dataset``.

Semantics follow Keras 3 (``keras/src/utils/timeseries_dataset_utils.py`` and
``dataset_utils.py``); the datasets are tapeflow ``tf.data`` pipelines built so that a
pass costs a few NumPy calls per batch: windows are gathered from the series by index
once per batch, never materialised all at once.
"""
import random as _py_random

from .. import dtypes as _dtypes
from ..backend import np
from ..data import AUTOTUNE, Dataset, TensorSpec
from ..data import structure as _st
from ..data.batching import BatchDataset, PaddedBatchDataset
from ..tensor import Tensor, Variable


def _as_array(x):
    """An array-like -> ndarray, with TF's default dtypes for Python lists (floats -> float32)."""
    return _st.leaf_array(x)


def spec_of_rows(batch_size, row_shape, dtype):
    """The ``TensorSpec`` of a component whose rows have ``row_shape``: TF's, with an
    unknown batch dimension when batched."""
    shape = tuple(row_shape) if batch_size is None else (None,) + tuple(row_shape)
    return TensorSpec(shape, _dtypes.as_dtype(dtype))


def with_spec(dataset, spec):
    """Gives a mapped dataset its ``element_spec`` up front (a map's spec is otherwise read
    from its first element, which would cost a batch and fix the batch size)."""
    dataset._spec_cache = spec
    return dataset


# -- timeseries_dataset_from_array ---------------------------------------------------------
def _check_timeseries_args(n, sequence_stride, sampling_rate, start_index, end_index):
    # Keras tests start_index/end_index for truthiness, so 0 passes unchecked.
    if start_index:
        if start_index < 0:
            raise ValueError("`start_index` must be 0 or greater. Received: start_index=%s"
                             % start_index)
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             "Received: start_index=%s, for data of length %d" % (start_index, n))
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             "start_index=%s, and end_index=%s" % (start_index, end_index))
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             "end_index=%s, for data of length %d" % (end_index, n))
        if end_index <= 0:
            raise ValueError("`end_index` must be higher than 0. Received: end_index=%s"
                             % end_index)
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError("`%s` must be higher than 0. Received: %s=%s" % (name, name, value))
        if value >= n:
            raise ValueError("`%s` must be lower than the length of the data. Received: %s=%s, "
                             "for data of length %d" % (name, name, value, n))


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """A dataset of sliding windows over a time series (axis 0 of ``data`` is time).

    Window ``i`` starts at ``start_index + i * sequence_stride`` and holds
    ``sequence_length`` steps ``sampling_rate`` apart; only windows that end before
    ``end_index`` (exclusive) are made. ``targets[start_index + p]`` is the target of the
    window that starts at ``start_index + p`` (so for "predict the next step" pass
    ``targets = data[sequence_length:]``). The last batch may be smaller.

    Args:
        data: array or tensor of consecutive time steps.
        targets: array of targets aligned with ``data``'s steps, or ``None`` (the dataset
            then yields windows only).
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between the samples within a window.
        batch_size: windows per batch; ``None`` yields single windows.
        shuffle: shuffle the windows: their start positions are permuted once with
            ``np.random.RandomState(seed)`` (as Keras does) and the windows are shuffled
            again each epoch with a buffer of ``8 * batch_size`` (1024 unbatched).
        seed: the shuffling seed (default: drawn from NumPy's global generator).
        start_index, end_index: the part of the series to use (``end_index`` exclusive
            and, as in Keras, lower than ``len(data)``).

    Returns:
        A ``tf.data.Dataset`` of ``(windows, targets)`` batches, or of windows.

    >>> import numpy as np, tapeflow as tf
    >>> ds = tf.keras.utils.timeseries_dataset_from_array(
    ...     np.arange(10), np.arange(10) * 10, sequence_length=3, sequence_stride=2,
    ...     batch_size=2)
    >>> [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
    [([[0, 1, 2], [2, 3, 4]], [0, 20]), ([[4, 5, 6], [6, 7, 8]], [40, 60])]
    """
    data = _as_array(data)
    _check_timeseries_args(len(data), sequence_stride, sampling_rate, start_index, end_index)
    start = 0 if start_index is None else int(start_index)
    end = len(data) if end_index is None else int(end_index)
    series = data[start:end]
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = _as_array(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    offsets = np.arange(sequence_length, dtype="int64") * sampling_rate
    if targets is not None:
        target_steps = targets[start:end]
        if len(positions) and positions.max() >= len(target_steps):
            raise ValueError("timeseries_dataset_from_array: a window starts at step %d but "
                             "`targets` has only %d steps from start_index=%d; `targets` must "
                             "cover every window start." % (start + positions.max(),
                                                            len(target_steps), start))

    def windows(p):
        p = p.numpy()
        # Gathering (batch, sequence_length) indices at once: one NumPy call per batch.
        steps = series[p[..., None] + offsets]
        return steps if targets is None else (steps, target_steps[p])

    ds = Dataset.from_tensor_slices(positions)
    if shuffle:
        ds = ds.shuffle(8 * batch_size if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    spec = spec_of_rows(batch_size, (sequence_length,) + series.shape[1:], series.dtype)
    if targets is not None:
        spec = (spec, spec_of_rows(batch_size, target_steps.shape[1:], target_steps.dtype))
    return with_spec(ds.map(windows), spec)


# -- split_dataset --------------------------------------------------------------------------
def _is_array(x):
    return isinstance(x, (np.ndarray, Tensor, Variable))


def _columns_of(dataset):
    """``dataset`` -> (structure template, list of columns), Keras's accepted inputs only."""
    if isinstance(dataset, (list, tuple)):
        kind = "list" if isinstance(dataset, list) else "tuple"
        if not dataset:
            raise ValueError("Received an empty %s dataset. Please provide a non-empty %s of "
                             "arrays." % (kind, kind))
        for i, element in enumerate(dataset):
            if not _is_array(element):
                raise ValueError("Expected a %s of `numpy.ndarray` objects, Received: %s at "
                                 "index %d." % (kind, type(element), i))
        columns = [np.asarray(x) for x in dataset]
        for i, column in enumerate(columns):
            if len(column) != len(columns[0]):
                raise ValueError("Received a %s of NumPy arrays with different lengths. "
                                 "Mismatch found at index %d, Expected shape=%s Received "
                                 "shape=%s. Please provide a %s of NumPy arrays of the same "
                                 "length." % (kind, i, columns[0].shape, column.shape, kind))
        return tuple(range(len(columns))), columns
    if _is_array(dataset):
        return 0, [np.asarray(dataset)]
    if isinstance(dataset, Dataset):
        return _dataset_columns(dataset)
    raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` or a list/tuple "
                    "of arrays. Received: dataset=%r of type %s" % (dataset, type(dataset)))


def _dataset_columns(dataset):
    """All the elements of a (finite) dataset as columns; a batched one is unbatched."""
    if isinstance(dataset, (BatchDataset, PaddedBatchDataset)):
        dataset = dataset.unbatch()
    elements = list(dataset.as_numpy_iterator())
    if not elements:
        raise ValueError("Received an empty dataset. Argument `dataset` must be a non-empty "
                         "list/tuple of `numpy.ndarray` objects or `tf.data.Dataset` objects.")
    if not _st.is_container(elements[0]):
        first = np.shape(elements[0])
        for i, element in enumerate(elements[1:]):
            if np.shape(element) != first:
                raise ValueError("All `dataset` samples must have same shape, Expected shape: "
                                 "%s Received shape: %s at index %d."
                                 % (first, np.shape(element), i))
    flats = [_st.flatten(element) for element in elements]
    columns = [_st.stack(list(column), "split_dataset") for column in zip(*flats)]
    return _st.pack(elements[0], range(len(columns))), columns


def _split_sizes(left_size, right_size, total):
    """Keras's ``_rescale_dataset_split_sizes``: fractions are rounded (half to even)."""
    def kind(size, name):
        if size is None:
            return None
        if isinstance(size, (np.integer, np.floating)):
            size = size.item()
        if type(size) not in (int, float):
            raise TypeError("Invalid `%s` Type. Expected: int or float or None, Received: "
                            "type(%s)=%s." % (name, name, type(size)))
        return size
    left_size, right_size = kind(left_size, "left_size"), kind(right_size, "right_size")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for size, name in ((left_size, "left_size"), (right_size, "right_size")):
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise ValueError("`%s` should be either a positive integer smaller than %d, or a "
                             "float within the range `[0, 1]`. Received: %s=%s"
                             % (name, total, name, size))
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    if type(left_size) is float:
        left_size = round(left_size * total)
    if type(right_size) is float:
        right_size = round(right_size * total)
    if left_size is None:
        left_size = total - right_size
    elif right_size is None:
        right_size = total - left_size
    if left_size + right_size > total:
        raise ValueError("The sum of `left_size` and `right_size` should be smaller than the %d. "
                         "Received: left_size + right_size = %d and total_length = %d"
                         % (total, left_size + right_size, total))
    for split, side in ((left_size, "left"), (right_size, "right")):
        if split == 0:
            raise ValueError("With `dataset` of length=%d, `left_size`=%s and `right_size`=%s. "
                             "Resulting %s side dataset split will be empty. Adjust any of the "
                             "aforementioned parameters" % (total, left_size, right_size, side))
    return int(left_size), int(right_size)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Splits a dataset into a left and a right part (e.g. train / test).

    Args:
        dataset: an array, a list/tuple of arrays of the same length, or a finite
            ``tf.data.Dataset`` (read into memory; a batched one is split by samples and
            both parts are batched again with its batch size).
        left_size: a fraction in ``(0, 1)`` (rounded, half to even) or a number of samples;
            ``None`` means the complement of ``right_size``.
        right_size: likewise for the right part (taken from the end). When both are given
            and do not add up to everything, the samples in between are left out.
        shuffle: shuffle the samples before splitting (Python's ``random.shuffle`` with
            ``seed``, the permutation Keras uses; the global ``random`` state is untouched).
        seed: the shuffling seed (default: drawn from Python's ``random``).

    Returns:
        ``(left, right)``: two ``tf.data.Dataset``.

    >>> import numpy as np, tapeflow as tf
    >>> left, right = tf.keras.utils.split_dataset(np.zeros((1000, 4)), left_size=0.8)
    >>> int(left.cardinality()), int(right.cardinality())
    (800, 200)
    """
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    template, columns = _columns_of(dataset)
    total = len(columns[0])
    if total == 0:
        raise ValueError("Received an empty dataset. Argument `dataset` must be a non-empty "
                         "list/tuple of `numpy.ndarray` objects or `tf.data.Dataset` objects.")
    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = _py_random.randint(0, int(1e6))
        _py_random.Random(seed).shuffle(order)
    left_size, right_size = _split_sizes(left_size, right_size, total)
    order = np.asarray(order, dtype="int64")
    left, right = (Dataset.from_tensor_slices(_st.pack(template, [c[rows] for c in columns]))
                   for rows in (order[:left_size], order[total - right_size:]))
    if isinstance(dataset, (BatchDataset, PaddedBatchDataset)):
        left, right = left.batch(dataset._size), right.batch(dataset._size)
    return left.prefetch(AUTOTUNE), right.prefetch(AUTOTUNE)
