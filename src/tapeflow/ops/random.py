"""Random numbers with TF's seeding model (``tf.random``).

Seeds follow TF 2's rule: after ``set_seed(g)``, a program draws the same numbers every
time it runs. Ops without a ``seed`` share one stream derived from ``g``; an op given
``seed=s`` has its own stream derived from ``(g, s)`` (repeated calls continue that stream,
so they differ from each other but repeat across runs). With an op seed but no global seed,
TF's default global seed is used; with neither, draws are non-deterministic.

``Generator`` is the explicit-state API (``tf.random.Generator.from_seed``).
"""
from .. import dtypes as _dtypes
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import Tensor, Variable, _wrap
from .creation import _dims
from .core import to_tensor

__all__ = ["set_seed", "get_seed", "normal", "uniform", "truncated_normal", "categorical",
           "shuffle", "Generator", "get_global_generator", "set_global_generator"]

_DEFAULT_GLOBAL_SEED = 87654321     # TF's DEFAULT_GRAPH_SEED, used when only an op seed is set


class _SeedState:
    """The global seed and the NumPy streams derived from it."""

    def __init__(self):
        self.global_seed = None
        self._shared = None   # ops without any seed; made on first use (keeps import fast)
        self.per_op = {}      # op seed -> its own stream

    @property
    def shared(self):
        if self._shared is None:
            self._shared = np.random.default_rng()
        return self._shared

    @shared.setter
    def shared(self, rng):
        self._shared = rng

    def reset(self, seed):
        self.global_seed = seed
        self.shared = np.random.default_rng(None if seed is None else [int(seed) & 0xFFFFFFFF, 0])
        self.per_op = {}

    def stream(self, op_seed):
        if op_seed is None:
            return self.shared
        op_seed = int(op_seed)
        rng = self.per_op.get(op_seed)
        if rng is None:
            g = _DEFAULT_GLOBAL_SEED if self.global_seed is None else self.global_seed
            rng = self.per_op[op_seed] = np.random.default_rng(
                [int(g) & 0xFFFFFFFF, 1, op_seed & 0xFFFFFFFF])
        return rng


_state = _SeedState()


def set_seed(seed):
    """Sets the global random seed: programs then draw the same numbers on every run.

    >>> import tapeflow as tf
    >>> tf.random.set_seed(1); a = tf.random.uniform([2])
    >>> tf.random.set_seed(1); b = tf.random.uniform([2])
    >>> bool((a.numpy() == b.numpy()).all())
    True
    """
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError("set_seed: seed must be an integer or None, got %r" % (seed,))
    _state.reset(None if seed is None else int(seed))


def get_seed(op_seed):
    """The ``(global_seed, op_seed)`` pair an op would use, as ``tf.random.get_seed``."""
    g = _state.global_seed
    if g is None and op_seed is None:
        return None, None
    return (_DEFAULT_GLOBAL_SEED if g is None else g), op_seed


def _float_dtype(dtype, opname):
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise InvalidArgumentError("%s: dtype must be floating point, got %s" % (opname, dt.name))
    return dt.np_dtype


def _scalar_param(value, dtype):
    if isinstance(value, (Tensor, Variable)):
        return np.asarray(value._value).astype(dtype)
    return np.asarray(value, dtype=dtype)


# -- drawing from a NumPy Generator (shared by the stateful ops and tf.random.Generator) --------
def _standard_normal(rng, shape, dt):
    if dt in (np.float32, np.float64):
        return rng.standard_normal(shape, dtype=dt)
    return rng.standard_normal(shape, dtype=np.float32).astype(dt)


def _normal(rng, shape, mean, stddev, dtype):
    dt = _float_dtype(dtype, "random.normal")
    z = _standard_normal(rng, _dims(shape, "random.normal"), dt)
    mean, stddev = _scalar_param(mean, dt), _scalar_param(stddev, dt)
    return _wrap((z * stddev + mean).astype(dt, copy=False))


def _truncated(rng, shape, dt):
    """Standard normals redrawn until every one lies within two standard deviations."""
    z = _standard_normal(rng, shape, dt)
    bad = np.abs(z) > 2.0
    while np.any(bad):
        z[bad] = _standard_normal(rng, int(np.count_nonzero(bad)), dt)
        bad = np.abs(z) > 2.0
    return z


def _truncated_normal(rng, shape, mean, stddev, dtype):
    dt = _float_dtype(dtype, "random.truncated_normal")
    z = _truncated(rng, _dims(shape, "random.truncated_normal"), dt)
    mean, stddev = _scalar_param(mean, dt), _scalar_param(stddev, dt)
    return _wrap((z * stddev + mean).astype(dt, copy=False))


def _uniform(rng, shape, minval, maxval, dtype):
    dt = _dtypes.as_dtype(dtype)
    shape = _dims(shape, "random.uniform")
    if dt.is_integer:
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype %s" % dt.name)
        lo, hi = int(_scalar_param(minval, np.int64)), int(_scalar_param(maxval, np.int64))
        if hi <= lo:
            raise InvalidArgumentError("random.uniform: need minval < maxval, got %d >= %d"
                                       % (lo, hi))
        return _wrap(rng.integers(lo, hi, size=shape, dtype=dt.np_dtype))
    if not dt.is_floating:
        raise InvalidArgumentError("random.uniform: dtype must be floating or integer, got %s"
                                   % dt.name)
    npdt = dt.np_dtype
    lo = _scalar_param(minval, npdt)
    hi = _scalar_param(1.0 if maxval is None else maxval, npdt)
    u = rng.random(shape, dtype=npdt) if npdt in (np.float32, np.float64) else \
        rng.random(shape, dtype=np.float32).astype(npdt)
    return _wrap((u * (hi - lo) + lo).astype(npdt, copy=False))


# -- stateful ops (global seed) --------------------------------------------------------------
def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, name=None):
    """Samples from a normal distribution.

    >>> import tapeflow as tf
    >>> tf.random.normal([2, 3]).shape
    TensorShape([2, 3])
    """
    return _normal(_state.stream(seed), shape, mean, stddev, dtype)


def uniform(shape, minval=0, maxval=None, dtype="float32", seed=None, name=None):
    """Samples uniformly from ``[minval, maxval)``; integer dtypes need ``maxval``.

    >>> import tapeflow as tf
    >>> x = tf.random.uniform([100], minval=2, maxval=5, dtype=tf.int32)
    >>> bool(tf.reduce_all((x >= 2) & (x < 5)))
    True
    """
    return _uniform(_state.stream(seed), shape, minval, maxval, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, name=None):
    """Normal samples, redrawn where they fall more than two standard deviations out."""
    return _truncated_normal(_state.stream(seed), shape, mean, stddev, dtype)


def uniform_array(shape, dtype, seed=None):
    """A NumPy array of uniform [0, 1) draws from the global-seed streams (for dropout)."""
    return _state.stream(seed).random(shape, dtype=dtype)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws ``num_samples`` class indices per row of ``logits`` ([batch, classes]).

    Gumbel-max sampling: argmax(logits + Gumbel noise) is distributed as softmax(logits).

    >>> import tapeflow as tf
    >>> tf.random.categorical(tf.math.log([[0.5, 0.5]]), 5).shape
    TensorShape([1, 5])
    """
    z = np.asarray(to_tensor(logits)._value, dtype=np.float64)
    if z.ndim != 2:
        raise InvalidArgumentError("categorical: logits must be 2-D [batch, classes], got shape %s"
                                   % (tuple(z.shape),))
    n = int(num_samples)
    if n < 0:
        raise InvalidArgumentError("categorical: num_samples must be >= 0, got %d" % n)
    rng = _state.stream(seed)
    u = rng.random((z.shape[0], n, z.shape[1]))
    gumbel = -np.log(-np.log(np.maximum(u, np.finfo(np.float64).tiny)))
    out = np.argmax(z[:, None, :] + gumbel, axis=-1)
    dt = np.int64 if dtype is None else _dtypes.as_dtype(dtype).np_dtype
    return _wrap(out.astype(dt))


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted."""
    x = to_tensor(value)
    if x._value.ndim == 0:
        raise InvalidArgumentError("shuffle: value must have rank >= 1, got a scalar")
    perm = _state.stream(seed).permutation(x._value.shape[0])
    return _wrap(x._value[perm])


# -- tf.random.Generator -------------------------------------------------------------------
class Generator:
    """A random-number generator with explicit state (``tf.random.Generator``).

    >>> import tapeflow as tf
    >>> g = tf.random.Generator.from_seed(42)
    >>> a = g.normal([3])
    >>> bool((tf.random.Generator.from_seed(42).normal([3]).numpy() == a.numpy()).all())
    True
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            bits = type(copy_from._rng.bit_generator)()
            bits.state = copy_from._rng.bit_generator.state
            self._rng = np.random.Generator(bits)
        elif state is not None:
            self._rng = np.random.default_rng(np.asarray(state).astype(np.uint64).tolist())
        else:
            self._rng = np.random.default_rng()

    @classmethod
    def from_seed(cls, seed, alg=None):
        """A generator whose stream is determined by ``seed``."""
        g = cls.__new__(cls)
        g._rng = np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)
        return g

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A generator seeded from the operating system's entropy."""
        return cls()

    @classmethod
    def from_state(cls, state, alg=None):
        return cls(state=state)

    def reset_from_seed(self, seed):
        self._rng = np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype="float32", name=None):
        return _normal(self._rng, shape, mean, stddev, dtype)

    def uniform(self, shape, minval=0, maxval=None, dtype="float32", name=None):
        return _uniform(self._rng, shape, minval, maxval, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype="float32", name=None):
        return _truncated_normal(self._rng, shape, mean, stddev, dtype)

    def uniform_full_int(self, shape, dtype="int64", name=None):
        dt = _dtypes.as_dtype(dtype).np_dtype
        info = np.iinfo(dt)
        return _wrap(self._rng.integers(info.min, info.max, size=_dims(shape, "uniform_full_int"), dtype=dt,
                                        endpoint=True))

    def split(self, count=1):
        """``count`` new generators with independent streams (this one advances)."""
        seeds = self._rng.integers(0, 2 ** 63, size=count)
        return [Generator.from_seed(int(s)) for s in seeds]


_global_generator = []


def get_global_generator():
    """The process-wide ``Generator`` (created on first use, non-deterministically)."""
    if not _global_generator:
        _global_generator.append(Generator.from_non_deterministic_state())
    return _global_generator[0]


def set_global_generator(generator):
    if not isinstance(generator, Generator):
        raise TypeError("set_global_generator: expected a tf.random.Generator, got %r"
                        % (generator,))
    _global_generator[:] = [generator]
