"""``tf.keras.initializers``: how new weights get their first values (Keras 3 formulas).

An initializer is called as ``init(shape, dtype=None)`` and returns a Tensor. With an
integer ``seed`` it returns the same values on every call; without one it draws from the
global generator in ``keras.random_state`` (reseeded by ``tf.keras.utils.set_random_seed``).

>>> import tapeflow as tf
>>> init = tf.keras.initializers.GlorotUniform(seed=1)
>>> bool((init((3, 2)).numpy() == init((3, 2)).numpy()).all())
True
"""
import math as _math

from .. import dtypes as _dtypes
from ..backend import np
from ..tensor import _wrap
from . import _lookup, random_state

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
           "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity", "compute_fans",
           "get", "serialize", "deserialize"]

# Standard deviation of a unit normal truncated to [-2, 2]: dividing by it keeps the
# requested variance after truncation (Keras's constant).
_TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape):
    """``(fan_in, fan_out)`` of a weight shape, Keras's rule.

    Rank 0: (1, 1); rank 1: (n, n); rank 2: the two dims; higher ranks (convolution
    kernels ``(*spatial, in, out)``): both multiplied by the receptive-field size.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return shape[-2] * receptive, shape[-1] * receptive


def _float_dtype(dtype, who):
    from .backend import floatx
    dt = _dtypes.as_dtype(dtype if dtype is not None else floatx())
    if not dt.is_floating:
        raise ValueError("%s only supports floating dtypes; got dtype=%s." % (who, dt.name))
    return dt.np_dtype


def _any_dtype(dtype):
    from .backend import floatx
    return _dtypes.as_dtype(dtype if dtype is not None else floatx()).np_dtype


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` and ``get_config``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError("%s must implement __call__(shape, dtype=None)."
                                  % type(self).__name__)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


class _RandomInitializer(Initializer):
    """An initializer with a ``seed``: an int repeats its values, None draws globally."""

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError("`seed` must be an integer or None; got seed=%r." % (seed,))
        self.seed = None if seed is None else int(seed)

    def _rng(self):
        return random_state.make_generator(self.seed)

    def get_config(self):
        return {"seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    """Normal samples redrawn until within two standard deviations of the mean."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return mean + stddev * out


class Zeros(Initializer):
    """All zeros.

    >>> import tapeflow as tf
    >>> tf.keras.initializers.Zeros()((2,)).numpy()
    array([0., 0.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return _wrap(np.zeros(tuple(shape), _any_dtype(dtype)))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return _wrap(np.ones(tuple(shape), _any_dtype(dtype)))


class Constant(Initializer):
    """Every element equal to ``value`` (a scalar)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return _wrap(np.full(tuple(shape), np.asarray(self.value), _any_dtype(dtype)))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_RandomInitializer):
    """Normal samples with ``mean`` and ``stddev`` (defaults 0.0 and 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dt = _float_dtype(dtype, "RandomNormal")
        values = self._rng().normal(self.mean, self.stddev, tuple(shape))
        return _wrap(np.asarray(values, dt))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_RandomInitializer):
    """Uniform samples in ``[minval, maxval)`` (defaults -0.05 and 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        dt = _any_dtype(dtype)
        rng = self._rng()
        if np.dtype(dt).kind in "iu":
            values = rng.integers(int(self.minval), int(self.maxval), tuple(shape))
        else:
            values = rng.uniform(self.minval, self.maxval, tuple(shape))
        return _wrap(np.asarray(values, dt))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_RandomInitializer):
    """Normal samples with values beyond two standard deviations redrawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dt = _float_dtype(dtype, "TruncatedNormal")
        values = _truncated_normal(self._rng(), tuple(shape), self.mean, self.stddev)
        return _wrap(np.asarray(values, dt))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_RandomInitializer):
    """Samples whose variance is ``scale / n``, with ``n`` the fan chosen by ``mode``.

    ``distribution``: ``'truncated_normal'`` (stddev ``sqrt(scale/n)/0.8796``, cut at two
    stddevs), ``'untruncated_normal'`` (stddev ``sqrt(scale/n)``) or ``'uniform'``
    (limit ``sqrt(3·scale/n)``).

    >>> import tapeflow as tf
    >>> w = tf.keras.initializers.VarianceScaling(2.0, "fan_in", "uniform", seed=0)((100, 10))
    >>> float(abs(w.numpy()).max()) <= (3 * 2.0 / 100) ** 0.5
    True
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform", "normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError("Argument `scale` must be positive float. Received: scale=%s" % scale)
        if mode not in self._MODES:
            raise ValueError("Invalid `mode` argument: expected one of %s. Received: mode=%s"
                             % (set(self._MODES), mode))
        distribution = distribution.lower()
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError("Invalid `distribution` argument: expected one of %s. Received: "
                             "distribution=%s" % (set(self._DISTRIBUTIONS), distribution))
        if distribution == "normal":
            distribution = "truncated_normal"
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        dt = _float_dtype(dtype, type(self).__name__)
        shape = tuple(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            values = _truncated_normal(rng, shape, 0.0, _math.sqrt(scale) / _TRUNCATED_STD)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, _math.sqrt(scale), shape)
        else:
            limit = _math.sqrt(3.0 * scale)
            values = rng.uniform(-limit, limit, shape)
        return _wrap(np.asarray(values, dt))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _variance_preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _variance_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    "Uniform in ``±sqrt(6 / (fan_in + fan_out))`` (Dense's default kernel initializer).")
GlorotNormal = _variance_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    "Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``.")
HeNormal = _variance_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev ``sqrt(2 / fan_in)``.")
HeUniform = _variance_preset(
    "HeUniform", 2.0, "fan_in", "uniform", "Uniform in ``±sqrt(6 / fan_in)``.")
LecunNormal = _variance_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev ``sqrt(1 / fan_in)``.")
LecunUniform = _variance_preset(
    "LecunUniform", 1.0, "fan_in", "uniform", "Uniform in ``±sqrt(3 / fan_in)``.")


class Orthogonal(_RandomInitializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times ``gain``.

    Shapes of rank > 2 are treated as ``(prod(shape[:-1]), shape[-1])``.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        dt = _float_dtype(dtype, "Orthogonal")
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             "Received: shape=%s of rank %d." % (shape, len(shape)))
        rows = 1
        for d in shape[:-1]:
            rows *= d
        cols = shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))   # makes the decomposition unique (uniform distribution)
        if rows < cols:
            q = q.T
        return _wrap(np.asarray(self.gain * q.reshape(shape), dt))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; non-square gets a rectangular eye)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             "Received: shape=%s of rank %d." % (shape, len(shape)))
        return _wrap(np.asarray(self.gain * np.eye(*shape), _float_dtype(dtype, "Identity")))

    def get_config(self):
        return {"gain": self.gain}


_CLASSES = {c.__name__: c for c in (Zeros, Ones, Constant, RandomNormal, RandomUniform,
                                     TruncatedNormal, VarianceScaling, GlorotUniform,
                                     GlorotNormal, HeNormal, HeUniform, LecunNormal,
                                     LecunUniform, Orthogonal, Identity)}
_NAMES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
    "identity": Identity, "uniform": RandomUniform, "normal": RandomNormal,
    "zero": Zeros, "one": Ones,
}
# Lower-case class names as aliases too ("GlorotUniform" and "glorot_uniform" both work).
_ALL = dict(_NAMES)
_ALL.update(_CLASSES)


def serialize(initializer):
    return _lookup.serialize_object(initializer)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize_object(config, _CLASSES, _NAMES, "initializer", custom_objects)


def get(identifier):
    """An initializer instance from a name (``'glorot_uniform'``), a config dict, an
    instance, a class or a callable ``f(shape, dtype)``; ``None`` gives ``None``.

    >>> import tapeflow as tf
    >>> type(tf.keras.initializers.get("he_normal")).__name__
    'HeNormal'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _lookup.lookup(identifier, _ALL, "initializer")()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret initializer identifier: %r." % (identifier,))


# TF 2's lower-case aliases (``tf.keras.initializers.glorot_uniform()``).
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
