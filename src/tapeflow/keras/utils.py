"""``tf.keras.utils``: ``to_categorical``, ``set_random_seed``, ``Progbar`` and friends.

The data-loading helpers (``image_dataset_from_directory``, ``timeseries_dataset_from_array``,
``load_img`` ...) live in their own modules, loaded on first use so that
``tf.keras.utils`` stays cheap to import.
"""
import importlib as _importlib
import math
import random as _py_random
import sys
import time

from ..backend import np

# Re-exported name -> the module (in tapeflow.keras) that defines it, imported on first use.
_LAZY = {"timeseries_dataset_from_array": "dataset_utils", "split_dataset": "dataset_utils",
         "image_dataset_from_directory": "directory_datasets",
         "text_dataset_from_directory": "directory_datasets",
         "load_img": "image_utils", "img_to_array": "image_utils",
         "array_to_img": "image_utils", "save_img": "image_utils",
         "serialize_keras_object": "serialization", "deserialize_keras_object": "serialization",
         "register_keras_serializable": "object_registration",
         "get_registered_name": "object_registration",
         "get_registered_object": "object_registration",
         "get_custom_objects": "object_registration",
         "custom_object_scope": "object_registration"}

__all__ = ["to_categorical", "pad_sequences", "set_random_seed", "Progbar", "normalize",
           "get_file"] + list(_LAZY)


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError("module 'tapeflow.keras.utils' has no attribute %r" % name)
    value = getattr(_importlib.import_module("." + _LAZY[name], __package__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def to_categorical(x, num_classes=None):
    """Class ids -> one-hot rows (float32); ``(N, 1)`` ids are treated like ``(N,)``.

    >>> import tapeflow as tf
    >>> tf.keras.utils.to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if x.dtype.kind == "f":
        if not np.all(x == np.floor(x)):
            raise ValueError("to_categorical expects integer class ids; received non-integer "
                             "values such as %s" % x[x != np.floor(x)][:3])
    x = x.astype("int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError("to_categorical: class ids must be >= 0; found %d" % x.min())
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError("to_categorical: class id %d is out of range for num_classes=%d"
                         % (x.max(), num_classes))
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (and cuts) sequences of different lengths to one ``(n, maxlen)`` array.

    Args:
        sequences: list of sequences (lists or arrays of ids, or of equal-shaped vectors).
        maxlen: output length; default the longest sequence.
        dtype: output dtype.
        padding / truncating: ``'pre'`` (default) or ``'post'``: where to pad / what to cut.
        value: the padding value.

    >>> import tapeflow as tf
    >>> tf.keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
    """
    if padding not in ("pre", "post"):
        raise ValueError('Padding type "%s" not understood' % (padding,))
    if truncating not in ("pre", "post"):
        raise ValueError('Truncating type "%s" not understood' % (truncating,))
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    seqs = [np.asarray(s) for s in sequences]
    lengths = [len(s) for s in seqs]
    sample_shape = next((s.shape[1:] for s in seqs if len(s)), ())
    if maxlen is None:
        maxlen = max(lengths, default=0)
    out = np.full((len(seqs), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(seqs):
        if not len(s) or not maxlen:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if trunc.shape[1:] != sample_shape:
            raise ValueError("Shape of sample %s of sequence at position %d is different from "
                             "expected shape %s" % (trunc.shape[1:], i, sample_shape))
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, maxlen - len(trunc):] = trunc
    return out


def normalize(x, axis=-1, order=2):
    """Scales ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero)."""
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm


def set_random_seed(seed):
    """Seeds every random source: Python's ``random``, NumPy, ``tf.random`` and Keras's
    initializers/Dropout, so that a program repeats its results.

    >>> import tapeflow as tf
    >>> tf.keras.utils.set_random_seed(1); a = tf.keras.layers.Dense(2)(tf.ones((1, 2)))
    >>> tf.keras.utils.set_random_seed(1); b = tf.keras.layers.Dense(2)(tf.ones((1, 2)))
    >>> bool(tf.reduce_all(a == b))
    True
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError("Expected `seed` argument to be an integer. Received: seed=%r (of type "
                         "%s)" % (seed, type(seed)))
    _py_random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    from . import random_state
    random_state.reseed(seed)
    try:
        from ..api import random as tf_random
    except ImportError:  # tf.random not present in this build
        return
    set_seed = getattr(tf_random, "set_seed", None)
    if set_seed is not None:
        set_seed(seed)


def get_file(fname=None, origin=None, **kwargs):
    """Not supported: tapeflow never downloads. Put the file on disk and pass its path."""
    raise RuntimeError("tapeflow does not download files (get_file(%r, origin=%r)). Download it "
                       "yourself and load it from a local path." % (fname, origin))


def _is_tty(stream):
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False


class Progbar:
    """A Keras-style progress bar, usable in your own loops.

    Args:
        target: total number of steps (``None`` if unknown).
        width: bar width in characters.
        verbose: 1 draws a bar (redrawn in place on a terminal; elsewhere one line when
            done), 2 prints one line when done, 0 is silent.
        interval: minimum seconds between redraws.
        stateful_metrics: names whose values are shown as given instead of averaged.
        unit_name: shown in the time per unit (``'step'``).

    >>> import tapeflow as tf
    >>> bar = tf.keras.utils.Progbar(2, verbose=0)
    >>> bar.update(1, values=[("loss", 1.0)]); bar.update(2, values=[("loss", 3.0)])
    >>> bar._averages()["loss"]
    2.0
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self.stream = sys.stdout
        self._dynamic = _is_tty(self.stream) or "ipykernel" in sys.modules
        self._sums = {}
        self._order = []
        self._seen = 0
        self._start = time.time()
        self._last_update = 0.0
        self._prev_width = 0
        self._all_stateful = False  # ProgbarLogger: logs are already running means

    def _averages(self):
        out = {}
        for k in self._order:
            total, count = self._sums[k]
            out[k] = total / max(count, 1)
        return out

    def update(self, current, values=None, finalize=None):
        """Advances to step ``current``; ``values`` is a list of ``(name, value)``."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or ():
            if k not in self._order:
                self._order.append(k)
            v = float(np.mean(v)) if not isinstance(v, (int, float)) else float(v)
            if k in self.stateful_metrics or self._all_stateful:
                self._sums[k] = [v, 1]
            else:
                step = max(current - self._seen, 1)
                total, count = self._sums.get(k, [0.0, 0])
                self._sums[k] = [total + v * step, count + step]
        self._seen = current
        if self.verbose == 0:
            return
        now = time.time()
        if not finalize and (not self._dynamic or self.verbose == 2
                             or now - self._last_update < self.interval):
            return
        self._last_update = now
        line = self._line(current, now, finalize)
        if self._dynamic and self.verbose == 1:
            pad = max(self._prev_width - len(line), 0)
            self.stream.write("\r" + line + " " * pad)
            self._prev_width = len(line)
            if finalize:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _line(self, current, now, finalize):
        elapsed = now - self._start
        per_unit = elapsed / current if current else 0.0
        parts = []
        if self.target is not None:
            digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
            count = "%*d/%d" % (digits, current, self.target)
        else:
            count = "%d" % current
        if self.verbose == 1:
            head = count
            if self.target is not None:
                done = int(self.width * min(current / self.target, 1.0)) if self.target else 0
                if self._dynamic:  # Keras's colours: bold count, green done, grey to go
                    head = "\x1b[1m%s\x1b[0m \x1b[32m%s\x1b[0m\x1b[37m%s\x1b[0m" % (
                        count, "━" * done, "━" * (self.width - done))
                else:
                    head += " " + "━" * self.width
            if finalize:
                head += " %ds%s" % (round(elapsed), _format_time(per_unit, self.unit_name))
            else:
                eta = per_unit * (self.target - current) if self.target else 0.0
                head += " %s%s" % (_format_eta(eta), _format_time(per_unit, self.unit_name))
            parts.append(head)
        else:
            parts.append(count)
            parts.append("%ds" % round(elapsed))
            parts.append(_format_time(per_unit, self.unit_name).strip())
        line = " - ".join(parts) if self.verbose == 2 else parts[0]
        for k, v in self._averages().items():
            line += " - %s: %s" % (k, ("%.4f" % v) if abs(v) > 1e-3 else ("%.4e" % v))
        return line


def _format_time(per_unit, unit):
    if per_unit >= 1 or per_unit == 0:
        return " %.0fs/%s" % (per_unit, unit)
    if per_unit >= 1e-3:
        return " %.0fms/%s" % (per_unit * 1e3, unit)
    return " %.0fus/%s" % (per_unit * 1e6, unit)


def _format_eta(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta
