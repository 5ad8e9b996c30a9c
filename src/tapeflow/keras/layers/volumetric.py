"""Volumetric (3-D) layers: Conv3D, Conv3DTranspose, 3-D pooling, padding, upsampling, cropping.

Each subclasses its 1-D/2-D family's base class (weights, config, output shapes are
rank-generic there) and routes the computation to ``ops.conv3d`` (``tf.nn.conv3d`` and
friends) with ``'NDHWC'`` or ``'NCDHW'`` for ``channels_last`` / ``channels_first``.
Kernels follow Keras's layouts: ``(kd, kh, kw, in_channels // groups, filters)`` for
Conv3D and ``(kd, kh, kw, filters, in_channels)`` for Conv3DTranspose.
"""
from ...errors import InvalidArgumentError
from ...ops import conv3d as _conv3d
from ...ops.reduce import reduce_max, reduce_mean
from .convolutional import BaseConv, _ConvTranspose, op_failure
from .pooling import BasePooling, GlobalPooling
from .reshaping import _Cropping, _UpSampling, _ZeroPadding

__all__ = ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D",
           "GlobalMaxPooling3D", "GlobalAveragePooling3D", "ZeroPadding3D", "UpSampling3D",
           "Cropping3D", "MaxPool3D", "AvgPool3D", "GlobalMaxPool3D", "GlobalAvgPool3D",
           "Convolution3D", "Convolution3DTranspose"]


def _volume_format(layer):
    return "NDHWC" if layer.data_format == "channels_last" else "NCDHW"


class Conv3D(BaseConv):
    """3-D convolution over ``(batch, depth, height, width, channels)`` volumes.

    Args:
        filters: number of output channels.
        kernel_size: int or ``(kd, kh, kw)``.
        strides, dilation_rate: int or triples (not both > 1).
        padding: ``'valid'`` or ``'same'`` (case-insensitive).
        groups: split the channels into this many independent convolutions.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as for ``Dense``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.Conv3D(8, 3, activation="relu")
    >>> layer(tf.ones((2, 6, 7, 8, 2))).shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([2, 4, 5, 6, 8]), [(3, 3, 3, 2, 8), (8,)])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)

    def _convolve(self, x):
        return _conv3d.conv3d(x, self.kernel, self.strides, self.padding.upper(),
                              _volume_format(self), self.dilation_rate)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution: the gradient of ``Conv3D``, upsampling a volume.

    The kernel has shape ``(kd, kh, kw, filters, in_channels)``. With
    ``output_padding=None`` each output size is ``in·stride`` for 'same' and
    ``in·stride + max(k − stride, 0)`` for 'valid'. The argument order is Keras 3's
    (``data_format`` before ``output_padding``).

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.Conv3DTranspose(4, 2, strides=2)
    >>> layer(tf.ones((1, 3, 4, 5, 2))).shape, tuple(layer.kernel.shape)
    (TensorShape([1, 6, 8, 10, 4]), (2, 2, 2, 4, 2))
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)

    def _convolve(self, x):
        # As for Conv2DTranspose: the output shape decides, and the padding of the forward
        # convolution it transposes follows TF's rule for that shape.
        out_shape = self.compute_output_shape(tuple(x.shape))
        return _conv3d.conv3d_transpose(x, self.kernel, out_shape, self.strides,
                                        self.padding.upper(), _volume_format(self),
                                        self.dilation_rate)


# -- pooling -------------------------------------------------------------------------------
class _Pooling3D(BasePooling):
    """Windows of ``pool_size`` every ``strides`` (default ``pool_size``) voxels."""

    def __init__(self, pool_size, strides, padding, data_format, **kwargs):
        super().__init__(3, pool_size, strides, padding, data_format, **kwargs)

    def call(self, inputs):
        try:
            return type(self)._op(inputs, self.pool_size, self.strides, self.padding.upper(),
                                  _volume_format(self))
        except InvalidArgumentError as e:
            raise op_failure(self, inputs, e) from None


class MaxPooling3D(_Pooling3D):
    """Max over ``pool_size`` windows of ``(batch, depth, height, width, channels)`` volumes.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(16.0), (1, 2, 2, 4, 1))
    >>> tf.keras.layers.MaxPooling3D()(x).numpy().ravel().tolist()
    [13.0, 15.0]
    """
    _op = staticmethod(_conv3d.max_pool3d)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling3D):
    """Mean over ``pool_size`` windows ('same' windows average real inputs only).

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(16.0), (1, 2, 2, 4, 1))
    >>> tf.keras.layers.AveragePooling3D()(x).numpy().ravel().tolist()
    [6.5, 8.5]
    >>> tf.keras.layers.AveragePooling3D(padding="same")(tf.ones((1, 3, 3, 3, 2))).shape
    TensorShape([1, 2, 2, 2, 2])
    """
    _op = staticmethod(_conv3d.avg_pool3d)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class GlobalMaxPooling3D(GlobalPooling):
    """Max over depth, height and width (``keepdims`` keeps them with size 1).

    >>> import tapeflow as tf
    >>> tf.keras.layers.GlobalMaxPooling3D()(tf.reshape(tf.range(16.0), (1, 2, 2, 2, 2))).numpy()
    array([[14., 15.]], dtype=float32)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)

    def call(self, inputs):
        return reduce_max(inputs, self._axes(), keepdims=self.keepdims)


class GlobalAveragePooling3D(GlobalPooling):
    """Mean over depth, height and width (``keepdims`` keeps them with size 1).

    >>> import tapeflow as tf
    >>> tf.keras.layers.GlobalAveragePooling3D(keepdims=True)(tf.ones((2, 3, 4, 5, 6))).shape
    TensorShape([2, 1, 1, 1, 6])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)

    def call(self, inputs):
        return reduce_mean(inputs, self._axes(), keepdims=self.keepdims)


# -- reshaping -----------------------------------------------------------------------------
def _three_pairs(value, name):
    """Keras's int / 3 ints / 3 entries of an int or a ``(before, after)`` pair, as 3 pairs."""
    if isinstance(value, int):
        return ((value, value),) * 3
    try:
        entries = tuple(value)
        pairs = tuple((v, v) if isinstance(v, int) else tuple(int(a) for a in v)
                      for v in entries)
    except (TypeError, ValueError):
        pairs = ()
    if len(pairs) != 3 or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise ValueError("`%s` should be an int, a tuple of 3 ints or a tuple of 3 tuples of 2 "
                         "non-negative ints. Received: %s=%r" % (name, name, value))
    return pairs


class ZeroPadding3D(_ZeroPadding):
    """Pads depth, height and width with zeros: an int, ``(d, h, w)`` or
    ``((front, back), (top, bottom), (left, right))``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.ZeroPadding3D(((1, 0), 2, (0, 1)))(tf.ones((1, 2, 2, 2, 3))).shape
    TensorShape([1, 3, 6, 3, 3])
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, _three_pairs(padding, "padding"), data_format, **kwargs)


class UpSampling3D(_UpSampling):
    """Repeats each voxel ``size`` times along depth, height and width (nearest neighbour).

    >>> import tapeflow as tf
    >>> tf.keras.layers.UpSampling3D((1, 2, 3))(tf.ones((1, 2, 2, 2, 3))).shape
    TensorShape([1, 2, 4, 6, 3])
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, "nearest", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("interpolation")  # Keras 3's UpSampling3D has no interpolation argument
        return config


class Cropping3D(_Cropping):
    """Removes voxels at the borders: an int, ``(d, h, w)`` or
    ``((front, back), (top, bottom), (left, right))``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Cropping3D((1, 2, (0, 1)))(tf.ones((1, 4, 6, 3, 2))).shape
    TensorShape([1, 2, 2, 2, 2])
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, _three_pairs(cropping, "cropping"), data_format, **kwargs)


MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalMaxPool3D, GlobalAvgPool3D = GlobalMaxPooling3D, GlobalAveragePooling3D
Convolution3D, Convolution3DTranspose = Conv3D, Conv3DTranspose
