"""Pooling layers: Max/AveragePooling1D/2D and the global poolings."""
from ...errors import InvalidArgumentError
from ...ops import pooling as _pool
from ...ops.math import cast
from ...ops.reduce import reduce_max, reduce_mean, reduce_sum
from .convolutional import normalize_data_format, normalize_padding, normalize_tuple, op_failure
from .layer import InputSpec, Layer

__all__ = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D"]


class BasePooling(Layer):
    """Windows of ``pool_size`` every ``strides`` (default ``pool_size``) steps."""

    _op = None  # set by subclasses: the tf.nn pooling function

    def __init__(self, rank, pool_size, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.pool_size = normalize_tuple(pool_size, rank, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, rank,
                                                                              "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        op = type(self)._op
        fmt = ("NWC" if self.rank == 1 else "NHWC") if self.data_format == "channels_last" \
            else ("NCW" if self.rank == 1 else "NCHW")
        size = self.pool_size[0] if self.rank == 1 else self.pool_size
        strides = self.strides[0] if self.rank == 1 else self.strides
        try:
            return op(inputs, size, strides, self.padding.upper(), fmt)
        except InvalidArgumentError as e:
            raise op_failure(self, inputs, e) from None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out = []
        for size, k, s in zip(spatial, self.pool_size, self.strides):
            if size is None:
                out.append(None)
            elif self.padding == "same":
                out.append(-(-size // s))
            else:
                out.append((size - k) // s + 1)
        if last:
            return (input_shape[0],) + tuple(out) + (input_shape[-1],)
        return input_shape[:2] + tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                      data_format=self.data_format)
        return config


class MaxPooling1D(BasePooling):
    """Max over windows of ``pool_size`` steps of ``(batch, steps, channels)`` inputs.

    >>> import tapeflow as tf
    >>> tf.keras.layers.MaxPooling1D()(tf.reshape(tf.range(8.0), (1, 4, 2))).numpy().tolist()
    [[[2.0, 3.0], [6.0, 7.0]]]
    """
    _op = staticmethod(_pool.max_pool1d)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    """Max over ``pool_size`` windows of ``(batch, height, width, channels)`` images.

    >>> import tapeflow as tf
    >>> tf.keras.layers.MaxPooling2D()(tf.ones((2, 26, 26, 8))).shape
    TensorShape([2, 13, 13, 8])
    """
    _op = staticmethod(_pool.max_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """Mean over windows of ``pool_size`` steps ('same' windows average real inputs only).

    >>> import tapeflow as tf
    >>> tf.keras.layers.AveragePooling1D()(tf.reshape(tf.range(4.0), (1, 4, 1)))[0, :, 0].numpy()
    array([0.5, 2.5], dtype=float32)
    """
    _op = staticmethod(_pool.avg_pool1d)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """Mean over ``pool_size`` windows ('same' windows average real inputs only).

    >>> import tapeflow as tf
    >>> tf.keras.layers.AveragePooling2D(padding="same")(tf.ones((1, 5, 5, 2))).shape
    TensorShape([1, 3, 3, 2])
    """
    _op = staticmethod(_pool.avg_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, pool_size, strides, padding, data_format, **kwargs)


class GlobalPooling(Layer):
    """Reduces every spatial axis (``keepdims`` keeps them with size 1)."""

    def __init__(self, rank, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = normalize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling1D(GlobalPooling):
    """Mean over the steps; with a mask (e.g. from ``Embedding(mask_zero=True)``) only the
    unmasked steps count.

    >>> import tapeflow as tf
    >>> tf.keras.layers.GlobalAveragePooling1D()(tf.ones((2, 5, 3))).shape
    TensorShape([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axis = self._axes()[0]
        if mask is None:
            return reduce_mean(inputs, axis, keepdims=self.keepdims)
        from ...ops.array import expand_dims
        weights = expand_dims(cast(mask, inputs.dtype), 2 if axis == 1 else 1)
        total = reduce_sum(inputs * weights, axis, keepdims=self.keepdims)
        return total / reduce_sum(weights, axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(GlobalPooling):
    """Mean over height and width.

    >>> import tapeflow as tf
    >>> tf.keras.layers.GlobalAveragePooling2D(keepdims=True)(tf.ones((2, 4, 4, 3))).shape
    TensorShape([2, 1, 1, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)

    def call(self, inputs):
        return reduce_mean(inputs, self._axes(), keepdims=self.keepdims)


class GlobalMaxPooling1D(GlobalPooling):
    """Max over the steps.

    >>> import tapeflow as tf
    >>> tf.keras.layers.GlobalMaxPooling1D()(tf.reshape(tf.range(6.0), (1, 3, 2))).numpy()
    array([[4., 5.]], dtype=float32)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)

    def call(self, inputs):
        return reduce_max(inputs, self._axes(), keepdims=self.keepdims)


class GlobalMaxPooling2D(GlobalPooling):
    """Max over height and width.

    >>> import tapeflow as tf
    >>> tf.keras.layers.GlobalMaxPooling2D()(tf.ones((2, 4, 4, 3))).shape
    TensorShape([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)

    def call(self, inputs):
        return reduce_max(inputs, self._axes(), keepdims=self.keepdims)


MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, \
    AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
