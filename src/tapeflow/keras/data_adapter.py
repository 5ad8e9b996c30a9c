"""Batches for ``fit``/``evaluate``/``predict`` from NumPy arrays, tensors, ``tf.data``
datasets or Python generators.

Arrays are converted once (floats to ``floatx()``, as Keras's array adapter does) and cut
into batches by index arrays: no per-sample Python in the loop.
"""
import math
import warnings

from .. import nest
from ..backend import np
from ..tensor import Tensor, Variable, _wrap
from . import backend as _backend
from . import random_state

__all__ = ["make_adapter", "unpack_x_y_sample_weight", "train_validation_split"]

_INFINITE_CARDINALITY = -1  # tf.data.INFINITE_CARDINALITY


def unpack_x_y_sample_weight(data):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     "`(x, y, sample_weight)`, found: %s" % (data,))


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_array_like(x):
    return isinstance(x, (np.ndarray, Tensor, Variable, list, tuple, dict, int, float)) or (
        hasattr(x, "__array__") and not hasattr(x, "__iter__"))


def _is_dataset(x):
    return type(x).__name__.endswith("Dataset") or hasattr(x, "element_spec")


def _to_array(x, cast_floats=True):
    """Array-like leaf -> NumPy array (floats as floatx)."""
    if x is None:
        return None
    if isinstance(x, (Tensor, Variable)):
        arr = np.asarray(x._value)
    else:
        arr = np.asarray(x)
    if cast_floats and arr.dtype.kind == "f":
        fx = np.dtype(_backend.floatx())
        if arr.dtype != fx:
            arr = arr.astype(fx)
    return arr


def _convert_structure(x):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _convert_structure(v) for k, v in x.items()}
    if isinstance(x, tuple) or (isinstance(x, list) and x and isinstance(
            x[0], (np.ndarray, Tensor, Variable, list, dict))):
        return [_convert_structure(v) for v in x]
    return _to_array(x)


def _num_samples(structures):
    sizes = set()
    for s in structures:
        for leaf in nest.flatten(s):
            if leaf is not None:
                if np.ndim(leaf) == 0:
                    raise ValueError("Expected arrays with a batch dimension; received a scalar "
                                     "of shape %s." % (np.shape(leaf),))
                sizes.add(leaf.shape[0])
    if len(sizes) > 1:
        raise ValueError("Data cardinality is ambiguous: make sure all arrays contain the same "
                         "number of samples. Received sizes: %s" % sorted(sizes))
    if not sizes:
        raise ValueError("No data given: `x` is None or empty.")
    return sizes.pop()


def train_validation_split(arrays, validation_split):
    """Splits each array: the first ``1 - validation_split`` for training, the last part for
    validation (taken before any shuffling, as Keras does)."""
    if not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1, received: %s"
                         % (validation_split,))
    arrays = [_convert_structure(a) for a in arrays]
    n = _num_samples([a for a in arrays if a is not None])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError("Training data contains %d samples, which is not sufficient to split it "
                         "into a validation and training set as specified by "
                         "`validation_split=%s`. "
                         "Either provide more data, or a different value for the "
                         "`validation_split` argument." % (n, validation_split))

    def cut(a, sl):
        return None if a is None else nest.map_structure(lambda v: v[sl], a)
    train = tuple(cut(a, slice(0, split_at)) for a in arrays)
    val = tuple(cut(a, slice(split_at, None)) for a in arrays)
    return train, val


def _class_weights_for(y, class_weight):
    """Per-sample weights from ``{class: weight}`` (labels as ids or one-hot rows)."""
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        ids = np.argmax(y, axis=-1)
    else:
        ids = y.reshape(y.shape[0], -1)[:, 0] if y.ndim > 1 else y
    ids = ids.astype(np.int64)
    table = np.ones(int(max(max(class_weight) + 1, ids.max() + 1 if ids.size else 1)),
                    dtype=_backend.floatx())
    for cls, w in class_weight.items():
        table[int(cls)] = w
    return table[ids]


class ArrayAdapter:
    """Batches of in-memory arrays, reshuffled each epoch when ``shuffle``."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None,
                 shuffle=False, class_weight=None):
        self.x = _convert_structure(x)
        self.y = _convert_structure(y)
        self.sample_weight = _convert_structure(sample_weight)
        self.n = _num_samples([s for s in (self.x, self.y, self.sample_weight) if s is not None])
        if class_weight:
            if self.y is None or isinstance(self.y, (list, dict)):
                raise ValueError("`class_weight` is only supported for a single target array.")
            cw = _class_weights_for(self.y, class_weight)
            self.sample_weight = cw if self.sample_weight is None else self.sample_weight * cw
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        full = int(math.ceil(self.n / self.batch_size))
        self.steps = full if steps is None else int(steps)

    def _take(self, structure, index):
        if structure is None:
            return None
        if isinstance(structure, np.ndarray):
            return _wrap(structure[index])
        return nest.map_structure(lambda a: _wrap(a[index]), structure)

    def __iter__(self):
        n, bs = self.n, self.batch_size
        if self.shuffle == "batch":
            order = np.arange(n)
            starts = np.arange(0, n, bs)
            random_state.generator().shuffle(starts)
            batches = [order[s:s + bs] for s in starts]
        elif self.shuffle:
            perm = random_state.generator().permutation(n)
            batches = [perm[i:i + bs] for i in range(0, n, bs)]
        else:
            batches = [slice(i, min(i + bs, n)) for i in range(0, n, bs)]
        for step in range(self.steps):
            index = batches[step % len(batches)]
            yield pack_x_y_sample_weight(self._take(self.x, index), self._take(self.y, index),
                                         self._take(self.sample_weight, index))


class IterableAdapter:
    """Batches from a ``tf.data.Dataset`` or a Python generator/iterable of batches.

    With ``steps`` set, one iterator is kept across epochs (as Keras does) and restarted
    when a dataset runs out; without it, each epoch is one full pass.
    """

    def __init__(self, data, steps=None, class_weight=None, is_generator=False):
        self.data = data
        self.steps = None if steps is None else int(steps)
        self.class_weight = class_weight
        self.is_generator = is_generator
        self._iterator = None

    def _batches(self):
        return iter(self.data)

    def _prepare(self, batch):
        if not self.class_weight:
            return batch  # as Keras: `train_step` gets a dataset's element unchanged
        x, y, sw = unpack_x_y_sample_weight(batch)
        if self.class_weight and y is not None:
            cw = _class_weights_for(np.asarray(y), self.class_weight)
            sw = cw if sw is None else np.asarray(sw) * cw
            sw = _wrap(np.asarray(sw, dtype=_backend.floatx()))
        return pack_x_y_sample_weight(x, y, sw)

    def __iter__(self):
        if self.steps is None:
            for batch in self._batches():
                yield self._prepare(batch)
            return
        produced = 0
        while produced < self.steps:
            if self._iterator is None:
                self._iterator = self._batches()
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                if self.is_generator or produced == 0:
                    warnings.warn("Your input ran out of data; interrupting training. Make sure "
                                  "that your dataset or generator can generate at least "
                                  "`steps_per_epoch * epochs` batches.", stacklevel=4)
                    return
                continue
            produced += 1
            yield self._prepare(batch)


def make_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None, steps_name="steps"):
    """The right adapter for ``x`` (arrays, tensors, a Dataset or a generator);
    ``steps_name`` names the steps argument in the error for an endless dataset."""
    if _is_dataset(x) or (hasattr(x, "__iter__") and not _is_array_like(x)) or hasattr(
            x, "__next__"):
        if y is not None:
            raise ValueError("`y` argument is not supported when using a dataset or generator as "
                             "input: it yields (x, y) itself. Received: y=%s" % (type(y),))
        if sample_weight is not None:
            raise ValueError("`sample_weight` argument is not supported when using a dataset or "
                             "generator as input: yield (x, y, sample_weight) instead.")
        if steps is None and _is_dataset(x) and hasattr(x, "cardinality") and \
                int(x.cardinality()) == _INFINITE_CARDINALITY:
            raise ValueError("When passing an infinitely repeating dataset, you must specify "
                             "the `%s` argument." % steps_name)
        return IterableAdapter(x, steps=steps, class_weight=class_weight,
                               is_generator=not _is_dataset(x))
    if x is None:
        raise ValueError("Unrecognized data: `x` is None.")
    return ArrayAdapter(x, y, sample_weight, batch_size=batch_size, steps=steps,
                        shuffle=shuffle, class_weight=class_weight)
