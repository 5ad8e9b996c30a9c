"""Noise and regularization layers: GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization, UnitNormalization (Keras 3's semantics).

The noise layers act only when called with ``training=True`` (``fit`` does so) and are the
identity otherwise. Like ``Dropout``, a layer given a ``seed`` draws from its own
generator, so its noise stream is reproducible; without one it draws from the global Keras
generator (``tf.keras.utils.set_random_seed``).
"""
import math

from ...backend import np
from ...ops import math as _m
from ...ops.reduce import reduce_sum
from ...tensor import Tensor, _wrap
from .. import random_state, regularizers
from .layer import Layer

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
           "UnitNormalization"]

# SELU's constants (Klambauer et al., 2017): AlphaDropout drops units to SELU's saturation
# value -scale·alpha.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_fraction(layer, name, value):
    """Keras's check on ``rate`` / ``stddev``: a float in [0, 1]."""
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError("%s: invalid value received for argument `%s`. Expected a float "
                         "value between 0 and 1. Received: %s=%r" % (layer, name, name, value))
    return float(value)


class _NoiseLayer(Layer):
    """Shared plumbing: the seeded or global generator, masks passed through."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.supports_masking = True

    def _generator(self):
        # Looked up on each call: set_random_seed replaces the global generator.
        return self._rng if self._rng is not None else random_state.generator()

    def _floating(self, inputs):
        """The inputs as a floating Tensor (integers are cast to the compute dtype)."""
        x = inputs if isinstance(inputs, Tensor) else _wrap(np.asarray(inputs))
        if x._value.dtype.kind != "f":
            x = _m.cast(x, self._compute_np)
        return x

    def _normal(self, shape, dtype):
        """Standard normal draws of ``dtype`` (NumPy draws float32/float64 only)."""
        dtype = np.dtype(dtype)
        draw_dtype = dtype if dtype in (np.float32, np.float64) else np.float32
        return self._generator().standard_normal(shape, dtype=draw_dtype).astype(dtype,
                                                                                 copy=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class GaussianNoise(_NoiseLayer):
    """Adds zero-centred Gaussian noise of standard deviation ``stddev`` during training.

    Args:
        stddev: float in [0, 1] (Keras 3 rejects larger values).
        seed: int for a reproducible noise stream.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.GaussianNoise(0.1, seed=0)
    >>> x = tf.zeros((1000, 10))
    >>> bool(tf.reduce_all(layer(x) == x))            # inference: the identity
    True
    >>> round(float(tf.math.reduce_std(layer(x, training=True))), 1)
    0.1
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = _check_fraction("GaussianNoise", "stddev", stddev)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        x = self._floating(inputs)
        dtype = x._value.dtype
        return x + self._normal(x.shape, dtype) * dtype.type(self.stddev)

    def get_config(self):
        config = super().get_config()
        config["stddev"] = self.stddev
        return config


class GaussianDropout(_NoiseLayer):
    """Multiplies the inputs by 1-centred Gaussian noise during training.

    The noise has standard deviation ``sqrt(rate / (1 - rate))``: the variance of
    ``Dropout(rate)``'s rescaled keep mask, without zeroing any unit.

    Args:
        rate: float in [0, 1), the drop probability it imitates.
        seed: int for a reproducible noise stream.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.GaussianDropout(0.5, seed=0)
    >>> y = layer(tf.ones((1000, 10)), training=True)
    >>> round(float(tf.reduce_mean(y)), 1), round(float(tf.math.reduce_std(y)), 1)
    (1.0, 1.0)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction("GaussianDropout", "rate", rate)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError("Layer %s: GaussianDropout with rate=1 has infinite noise "
                             "(stddev sqrt(rate / (1 - rate))); use a rate below 1."
                             % self.name)
        x = self._floating(inputs)
        dtype = x._value.dtype
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = self._normal(x.shape, dtype) * dtype.type(stddev) + dtype.type(1.0)
        return x * noise

    def get_config(self):
        config = super().get_config()
        config["rate"] = self.rate
        return config


class AlphaDropout(_NoiseLayer):
    """Dropout for self-normalising (SELU) networks: keeps the inputs' mean and variance.

    During training each unit is kept with probability ``1 - rate`` or set to SELU's
    saturation value ``alpha_p = -1.6732632423543772 * 1.0507009873554805``, then the
    result is mapped through ``a * x + b`` with
    ``a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5`` and ``b = -a * alpha_p * rate``,
    which restores zero mean and unit variance for standardised inputs.

    Args:
        rate: float in [0, 1), the drop probability.
        noise_shape: shape of the keep mask, broadcast over the inputs (``None`` entries
            take the input's size).
        seed: int for a reproducible mask stream.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.AlphaDropout(0.2, seed=0)
    >>> y = layer(tf.random.normal((1000, 100), seed=1), training=True)
    >>> abs(float(tf.reduce_mean(y))) < 0.05, round(float(tf.math.reduce_std(y)), 1)
    (True, 1.0)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_fraction("AlphaDropout", "rate", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError("Layer %s: AlphaDropout with rate=1 drops every unit and its "
                             "affine correction is undefined; use a rate below 1." % self.name)
        x = self._floating(inputs)
        dtype = x._value.dtype
        shape = x.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        rate = self.rate
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1.0 - rate) * (1.0 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        keep = (self._generator().random(shape) >= rate).astype(dtype)
        # a·(x·keep + alpha_p·(1 − keep)) + b, folded into x·scale + shift: the noise needs
        # no gradient, so the tape records one multiply and one add.
        scale = keep * dtype.type(a)
        shift = (dtype.type(1.0) - keep) * dtype.type(a * alpha_p) + dtype.type(b)
        return x * scale + shift

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape)
        return config


class ActivityRegularization(Layer):
    """Passes its inputs through unchanged and adds ``l1·Σ|x| + l2·Σx²`` to ``losses``.

    Args:
        l1, l2: non-negative penalty factors (default 0.0).

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.ActivityRegularization(l1=0.1)
    >>> y = layer(tf.constant([[1.0, -2.0]]))
    >>> [round(float(loss), 4) for loss in layer.losses]
    [0.3]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)  # rebuilt from l1 and l2
        config.update(l1=self.l1, l2=self.l2)
        return config


# Keras's ops.normalize floor on the L2 norm: x / max(||x||, 1e-12).
_NORM_EPSILON = 1e-12


class UnitNormalization(Layer):
    """Scales each input to unit L2 norm over ``axis``: ``x / max(||x||, 1e-12)``.

    Args:
        axis: int or list of ints, the axis or axes normalised over (default -1).

    >>> import tapeflow as tf
    >>> y = tf.keras.layers.UnitNormalization()(tf.constant([[3.0, 4.0], [0.0, 0.0]]))
    >>> y.numpy()
    array([[0.6, 0.8],
           [0. , 0. ]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a "
                            "list/tuple of ints. Received: axis=%r" % (axis,))
        self.supports_masking = True

    def call(self, inputs):
        x = inputs
        if x._value.dtype.kind != "f":
            x = _m.cast(x, self._compute_np)  # as Keras, integers are cast first
        dtype = x._value.dtype
        if dtype == np.float16:
            # float16 flushes the floor eps² = 1e-24 to 0 (0·inf = NaN on zero vectors)
            x = _m.cast(x, np.float32)
        # x·rsqrt(max(Σx², eps²)) = x / max(||x||, eps), with the floor on the squared sum so
        # that a zero vector gets a zero gradient rather than sqrt'(0) = inf.
        square_sum = reduce_sum(_m.square(x), axis=self.axis, keepdims=True)
        y = x * _m.rsqrt(_m.maximum(square_sum, _NORM_EPSILON ** 2))
        return y if y._value.dtype == dtype else _m.cast(y, dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        for axis in self.axis if isinstance(self.axis, list) else [self.axis]:
            if not -len(input_shape) <= axis < len(input_shape):
                raise ValueError("Layer %s: axis %s is out of bounds for input shape %s."
                                 % (self.name, self.axis, input_shape))
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
