"""``Masking``: marks timesteps whose features all equal ``mask_value`` as padding."""
from ...ops.math import cast, not_equal
from ...ops.reduce import reduce_any
from .layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """Masks every timestep whose features all equal ``mask_value``; those steps are zeroed
    and downstream RNNs skip them.

    >>> import tapeflow as tf
    >>> y = tf.keras.layers.Masking()(tf.constant([[[1.0], [0.0], [2.0]]]))
    >>> y._keras_mask.numpy().tolist()
    [[True, False, True]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return reduce_any(not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = reduce_any(not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * cast(keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
