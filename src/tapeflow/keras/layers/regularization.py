"""Spatial dropout: drops whole feature maps instead of single activations."""
from ...tensor import Tensor, _wrap
from ...backend import np
from .. import random_state
from .convolutional import normalize_data_format
from .core import Dropout
from .layer import InputSpec

__all__ = ["SpatialDropout1D", "SpatialDropout2D"]


class _SpatialDropout(Dropout):
    """Dropout whose keep mask is shared over the spatial axes (one draw per channel)."""

    _rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = normalize_data_format(data_format) if self._rank > 1 \
            else "channels_last"
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _mask_shape(self, shape):
        ones = (1,) * self._rank
        if self.data_format == "channels_last":
            return (shape[0],) + ones + (shape[-1],)
        return (shape[0], shape[1]) + ones

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        x = inputs if isinstance(inputs, Tensor) else _wrap(np.asarray(inputs))
        dtype = x._value.dtype
        if self.rate >= 1:
            return x * np.zeros(self._mask_shape(x.shape), dtype)
        rng = self._rng if self._rng is not None else random_state.generator()
        keep = rng.random(self._mask_shape(x.shape)) >= self.rate
        return x * (keep.astype(dtype) * dtype.type(1.0 / (1.0 - self.rate)))

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of ``(batch, steps, channels)`` inputs during training.

    >>> import tapeflow as tf
    >>> y = tf.keras.layers.SpatialDropout1D(0.5, seed=0)(tf.ones((1, 4, 8)), training=True)
    >>> bool(tf.reduce_all(tf.reduce_max(y, 1) == tf.reduce_min(y, 1)))
    True
    """
    _rank = 1


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of images during training (Keras's SpatialDropout2D).

    >>> import tapeflow as tf
    >>> y = tf.keras.layers.SpatialDropout2D(0.5, seed=0)(tf.ones((1, 3, 3, 8)), training=True)
    >>> sorted(set(y.numpy().ravel().tolist())) in ([0.0, 2.0], [0.0], [2.0])
    True
    """
    _rank = 2
