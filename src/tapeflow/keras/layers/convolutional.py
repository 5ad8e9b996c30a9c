"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D.

Kernels follow Keras's layouts (``(*kernel_size, in_channels // groups, filters)``; the
transposed convolution's is ``(*kernel_size, filters, in_channels)``), so weights transfer
one-to-one. Computation is on channels-last arrays; ``data_format='channels_first'``
transposes around it.
"""
from ...backend import np
from ...errors import InvalidArgumentError
from ...ops import conv as _conv
from ...ops.array import expand_dims, squeeze
from .. import activations, initializers
from ._config import (get_constraint, get_regularizer, kernel_bias_config,
                      serialize as _serialize, set_weight_options)
from .layer import InputSpec, Layer

__all__ = ["Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose", "DepthwiseConv1D",
           "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Convolution1D",
           "Convolution2D", "Convolution1DTranspose", "Convolution2DTranspose",
           "SeparableConvolution1D",
           "SeparableConvolution2D"]


def normalize_tuple(value, n, name, allow_zero=False):
    """An int or an n-sequence of ints as an n-tuple, validated the way Keras does."""
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError("The `%s` argument must be a tuple of %d integers. Received %s=%r"
                             % (name, n, name, value)) from None
        if len(out) != n:
            raise ValueError("The `%s` argument must be a tuple of %d integers. Received %s=%r"
                             % (name, n, name, value))
    if any(v < 0 or (v == 0 and not allow_zero) for v in out):
        raise ValueError("The `%s` argument must be a tuple of %d %s integers. Received %s=%r"
                         % (name, n, "non-negative" if allow_zero else "positive", name, value))
    return out


def normalize_padding(value, allowed=("valid", "same")):
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError("The `padding` argument must be one of %s. Received: padding=%r"
                         % (", ".join(repr(a) for a in allowed), value))
    return padding


def normalize_data_format(value):
    from .. import backend
    data_format = value or backend.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         "'channels_last'. Received: data_format=%r" % (value,))
    return data_format


def op_failure(layer, inputs, error):
    """A ValueError naming the layer and its input shape around an op's message."""
    message = getattr(error, "message", None) or str(error)
    return ValueError("Layer '%s' (%s) cannot process an input of shape %s: %s"
                      % (layer.name, type(layer).__name__, tuple(inputs.shape), message))


class BaseConv(Layer):
    """Shared configuration, weights and call of the N-D convolution layers (N = 1, 2)."""

    _kernel_name = "kernel"

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if filters is not None:
            if isinstance(filters, float) and filters.is_integer():
                filters = int(filters)
            if not isinstance(filters, (int, np.integer)) or filters <= 0:
                raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                                 "positive value. Received filters=%r." % (filters,))
            filters = int(filters)
        self.filters = filters
        self.groups = int(groups or 1)
        if filters is not None and filters % self.groups:
            raise ValueError("The number of filters must be evenly divisible by the number of "
                             "groups. Received: groups=%d, filters=%d." % (self.groups, filters))
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = normalize_padding(padding, ("valid", "same", "causal") if rank == 1
                                         else ("valid", "same"))
        self.data_format = normalize_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > "
                             "1`. Received: strides=%s and dilation_rate=%s"
                             % (self.strides, self.dilation_rate))
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._act = None if self.activation is activations.linear else self.activation
        self._fused = self._fusable()

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _input_channels(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError("Layer '%s' (%s) expects inputs of rank %d (batch, %s, channels), "
                             "got shape %s" % (self.name, type(self).__name__, self.rank + 2,
                                               ", ".join(["spatial"] * self.rank),
                                               tuple(input_shape)))
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError("Layer '%s': the channel dimension of the inputs must be known; "
                             "received input_shape=%s" % (self.name, tuple(input_shape)))
        return int(channels)

    def _kernel_shape(self, channels):
        if channels % self.groups:
            raise ValueError("Layer '%s': the number of input channels must be evenly divisible "
                             "by the number of groups. Received groups=%d, but the input has %d "
                             "channels (full input shape is %s)."
                             % (self.name, self.groups, channels, self._build_input_shape))
        return self.kernel_size + (channels // self.groups, self.filters)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight(name=self._kernel_name, shape=self._kernel_shape(channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self._bias_size(channels),),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def _bias_size(self, channels):
        return self.filters

    def _op_padding(self):
        if self.padding == "causal":
            return [(self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)]
        return self.padding.upper()

    def _convolve(self, x):
        fmt = "NHWC" if self.data_format == "channels_last" else "NCHW"
        if self.rank == 1:
            return _conv.conv1d(x, self.kernel, self.strides[0], self._op_padding(),
                                "NWC" if fmt == "NHWC" else "NCW", self.dilation_rate[0])
        return _conv.conv2d(x, self.kernel, self.strides, self._op_padding(), fmt,
                            self.dilation_rate)

    def _fusable(self):
        """Conv2D + bias (+ relu), channels-last, ungrouped: one fused primitive does it all."""
        return (type(self)._convolve is BaseConv._convolve and self.rank == 2
                and self.groups == 1 and self.use_bias and self.data_format == "channels_last"
                and self._act in (None, activations.relu))

    def call(self, inputs):
        if self._fused:
            try:
                return _conv.conv2d_bias_activation(
                    inputs, self.kernel, self.bias, self.strides, self.padding.upper(),
                    self.dilation_rate, None if self._act is None else "relu")
            except InvalidArgumentError as e:
                raise op_failure(self, inputs, e) from None
        try:
            y = self._convolve(inputs)
        except InvalidArgumentError as e:
            raise op_failure(self, inputs, e) from None
        if self.bias is not None:
            if self.data_format == "channels_last":
                y = y + self.bias
            else:
                from ...ops.nn import bias_add
                y = bias_add(y, self.bias, data_format="NCHW")
        act = self._act
        return y if act is None else act(y)

    def _spatial_output(self, input_shape):
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = []
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            if size is None:
                out.append(None)
                continue
            padding = "VALID" if self.padding == "valid" else "SAME"
            n = _conv.conv_output_length(size, k, s, d, padding)[0]
            if n <= 0:
                raise ValueError("Layer '%s': computed output size would be negative (%d) for "
                                 "input shape %s, kernel_size=%s, strides=%s, dilation_rate=%s, "
                                 "padding=%r" % (self.name, n, tuple(input_shape),
                                                 self.kernel_size, self.strides,
                                                 self.dilation_rate, self.padding))
            out.append(n)
        return tuple(out)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        channels = self._output_channels(self._input_channels(input_shape))
        spatial = self._spatial_output(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + spatial + (channels,)
        return (input_shape[0], channels) + spatial

    def _output_channels(self, channels):
        return self.filters

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate,
            groups=self.groups, activation=activations.serialize(self.activation),
            use_bias=self.use_bias, **kernel_bias_config(self))
        return config


class Conv1D(BaseConv):
    """1-D convolution over ``(batch, steps, channels)`` inputs.

    ``padding='causal'`` pads only on the left, so output ``t`` sees inputs ``<= t``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.Conv1D(4, 3, padding="causal")
    >>> layer(tf.ones((2, 10, 3))).shape, tuple(layer.kernel.shape)
    (TensorShape([2, 10, 4]), (3, 3, 4))
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)

    def _spatial_output(self, input_shape):
        if self.padding != "causal":
            return super()._spatial_output(input_shape)
        steps = input_shape[1] if self.data_format == "channels_last" else input_shape[2]
        return (None if steps is None else -(-steps // self.strides[0]),)


class Conv2D(BaseConv):
    """2-D convolution over ``(batch, height, width, channels)`` images.

    Args:
        filters: number of output channels.
        kernel_size: int or ``(kh, kw)``.
        strides, dilation_rate: int or pairs (not both > 1).
        padding: ``'valid'`` or ``'same'`` (case-insensitive).
        groups: split the channels into this many independent convolutions.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as for ``Dense``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.Conv2D(8, 3, activation="relu")
    >>> layer(tf.ones((2, 28, 28, 1))).shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([2, 26, 26, 8]), [(3, 3, 1, 8), (8,)])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


def _through_2d(layer, x, compute):
    """A rank-1 layer's work done by its 2-D op on a height-1 image: ``compute(x2d, strides,
    dilations)`` gets the input with the extra axis and the 2-D strides and dilations."""
    if layer.rank == 2:
        return compute(x, layer.strides, layer.dilation_rate)
    axis = 1 if layer.data_format == "channels_last" else 2
    y = compute(expand_dims(x, axis), (1,) + layer.strides, (1,) + layer.dilation_rate)
    return squeeze(y, axis)


def _kernel_2d(layer, kernel):
    return kernel if layer.rank == 2 else expand_dims(kernel, 0)


def _image_format(layer):
    return "NHWC" if layer.data_format == "channels_last" else "NCHW"


def _no_causal(layer):
    if layer.padding == "causal":
        raise ValueError("The `padding` argument must be one of 'valid', 'same' for %s. "
                         "Received: padding='causal'" % type(layer).__name__)


class _ConvTranspose(BaseConv):
    """Shared by Conv1DTranspose and Conv2DTranspose."""

    def __init__(self, rank, filters, kernel_size, strides, padding, output_padding,
                 data_format, dilation_rate, activation, use_bias, kernel_initializer,
                 bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                 kernel_constraint, bias_constraint, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        _no_causal(self)
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, rank, "output_padding", allow_zero=True)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError("Strides %s must be greater than output padding %s"
                             % (self.strides, self.output_padding))

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def _spatial_output(self, input_shape):
        last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out = []
        for i, (size, k, s, d) in enumerate(zip(spatial, self.kernel_size, self.strides,
                                                self.dilation_rate)):
            k = (k - 1) * d + 1
            if size is None:
                out.append(None)
            elif self.output_padding is None:
                out.append(size * s + max(k - s, 0) if self.padding == "valid" else size * s)
            else:
                pad = 0 if self.padding == "valid" else k // 2
                out.append((size - 1) * s + k - 2 * pad + self.output_padding[i])
        return tuple(out)

    def _convolve(self, x):
        # As Keras's TF backend: the output shape decides, and the padding of the forward
        # convolution it transposes follows TF's rule for that output shape.
        out_shape = list(self.compute_output_shape(tuple(x.shape)))
        if self.rank == 1:
            out_shape.insert(1 if self.data_format == "channels_last" else 2, 1)
        kernel = _kernel_2d(self, self.kernel)
        return _through_2d(self, x, lambda x2, strides, dilations: _conv.conv2d_transpose(
            x2, kernel, out_shape, strides, self.padding.upper(), _image_format(self),
            dilations))

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution: the gradient of ``Conv1D``, upsampling a sequence.

    The kernel has shape ``(k, filters, in_channels)``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Conv1DTranspose(4, 3, strides=2, padding="same")(
    ...     tf.ones((1, 5, 2))).shape
    TensorShape([1, 10, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"): the gradient of ``Conv2D``, upsampling.

    The kernel has shape ``(kh, kw, filters, in_channels)``. With ``output_padding=None`` the
    output size is ``in·stride`` for 'same' and ``in·stride + max(k − stride, 0)`` for
    'valid'.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(
    ...     tf.ones((1, 5, 5, 2))).shape
    TensorShape([1, 10, 10, 4])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class _DepthwiseConv(BaseConv):
    """Shared by DepthwiseConv1D and DepthwiseConv2D."""

    def __init__(self, rank, kernel_size, strides, padding, depth_multiplier, data_format,
                 dilation_rate, activation, use_bias, depthwise_initializer, bias_initializer,
                 depthwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, bias_constraint, **kwargs):
        super().__init__(rank, None, kernel_size, strides, padding, data_format, dilation_rate,
                         1, activation, use_bias, depthwise_initializer, bias_initializer,
                         depthwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, bias_constraint, **kwargs)
        _no_causal(self)
        if int(depth_multiplier) <= 0:
            raise ValueError("Invalid value for argument `depth_multiplier`. Expected a strictly "
                             "positive value. Received depth_multiplier=%r." % (depth_multiplier,))
        self.depth_multiplier = int(depth_multiplier)

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels, self.depth_multiplier)

    def _bias_size(self, channels):
        return channels * self.depth_multiplier

    def _output_channels(self, channels):
        return channels * self.depth_multiplier

    def _convolve(self, x):
        kernel = _kernel_2d(self, self.kernel)
        return _through_2d(self, x, lambda x2, strides, dilations: _conv.depthwise_conv2d(
            x2, kernel, strides, self.padding.upper(), _image_format(self), dilations))

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "groups"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = config.pop("kernel_initializer")
        config["depthwise_regularizer"] = config.pop("kernel_regularizer")
        config["depthwise_constraint"] = config.pop("kernel_constraint")
        return config


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution: ``depth_multiplier`` filters per input channel.

    The kernel has shape ``(k, in_channels, depth_multiplier)``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.DepthwiseConv1D(3, depth_multiplier=2)
    >>> layer(tf.ones((1, 7, 3))).shape, tuple(layer.kernel.shape)
    (TensorShape([1, 5, 6]), (3, 3, 2))
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution: ``depth_multiplier`` filters per input channel.

    The kernel has shape ``(kh, kw, in_channels, depth_multiplier)``; the output has
    ``in_channels · depth_multiplier`` channels.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.DepthwiseConv2D(3, depth_multiplier=2)
    >>> layer(tf.ones((1, 5, 5, 3))).shape, tuple(layer.kernel.shape)
    (TensorShape([1, 3, 3, 6]), (3, 3, 3, 2))
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class _SeparableConv(BaseConv):
    """Shared by SeparableConv1D and SeparableConv2D: depthwise, then pointwise (1×1)."""

    def __init__(self, rank, filters, kernel_size, strides, padding, data_format, dilation_rate,
                 depth_multiplier, activation, use_bias, depthwise_initializer,
                 pointwise_initializer, bias_initializer, depthwise_regularizer,
                 pointwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)
        _no_causal(self)
        self.depth_multiplier = int(depth_multiplier)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = get_regularizer(pointwise_regularizer)
        self.pointwise_constraint = get_constraint(pointwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels})

    def _convolve(self, x):
        depthwise = _kernel_2d(self, self.depthwise_kernel)
        pointwise = _kernel_2d(self, self.pointwise_kernel)

        def separable(x2, strides, dilations):
            fmt = _image_format(self)
            y = _conv.depthwise_conv2d(x2, depthwise, strides, self.padding.upper(), fmt,
                                       dilations)
            return _conv.conv2d(y, pointwise, 1, "VALID", fmt)
        return _through_2d(self, x, separable)

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config.update(depth_multiplier=self.depth_multiplier,
                      depthwise_initializer=config.pop("kernel_initializer"),
                      depthwise_regularizer=config.pop("kernel_regularizer"),
                      depthwise_constraint=config.pop("kernel_constraint"),
                      pointwise_initializer=_serialize(self.pointwise_initializer),
                      pointwise_regularizer=_serialize(self.pointwise_regularizer),
                      pointwise_constraint=_serialize(self.pointwise_constraint))
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise 1-D convolution followed by a pointwise convolution to ``filters`` channels.

    Weights: ``depthwise_kernel`` ``(k, in, depth_multiplier)``, ``pointwise_kernel``
    ``(1, in·depth_multiplier, filters)`` and ``bias`` ``(filters,)``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.SeparableConv1D(8, 3, padding="same")
    >>> layer(tf.ones((1, 6, 3))).shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([1, 6, 8]), [(3, 3, 1), (1, 3, 8), (8,)])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class SeparableConv2D(_SeparableConv):
    """Depthwise convolution followed by a 1×1 pointwise convolution to ``filters`` channels.

    Weights: ``depthwise_kernel`` ``(kh, kw, in, depth_multiplier)``, ``pointwise_kernel``
    ``(1, 1, in·depth_multiplier, filters)`` and ``bias`` ``(filters,)``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.SeparableConv2D(8, 3, padding="same")
    >>> layer(tf.ones((1, 6, 6, 3))).shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([1, 6, 6, 8]), [(3, 3, 3, 1), (1, 1, 3, 8), (8,)])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


Convolution1D, Convolution2D = Conv1D, Conv2D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
