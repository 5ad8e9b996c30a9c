"""Reshaping layers: ZeroPadding1D/2D, UpSampling1D/2D, Cropping1D/2D, RepeatVector, Permute.

All are composed from differentiable tapeflow ops (pad, slicing, broadcast, transpose, and
the resize kernels of ``ops.image`` for bilinear and area upsampling).
"""
from ...ops.array import broadcast_to, expand_dims, pad, reshape, transpose
from ...ops.image import resize_area, resize_bilinear
from .convolutional import normalize_data_format
from .layer import InputSpec, Layer

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D", "Cropping1D",
           "Cropping2D", "RepeatVector", "Permute"]


def _pairs(value, rank, name):
    """int / (a, b) / ((t, b), (l, r)) spellings as ``rank`` (before, after) pairs."""
    if isinstance(value, int):
        return ((value, value),) * rank
    value = tuple(value)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (tuple(value),)
    if len(value) == rank and all(isinstance(v, int) for v in value):
        return tuple((v, v) for v in value)
    if len(value) == rank and all(len(tuple(v)) == 2 for v in value):
        return tuple(tuple(int(a) for a in v) for v in value)
    raise ValueError("`%s` should be an int, a tuple of %d ints or a tuple of %d tuples of 2 "
                     "ints. Received: %s=%r" % (name, rank, rank, name, value))


def _spatial_axes(rank, data_format):
    return tuple(range(1, rank + 1)) if data_format == "channels_last" else \
        tuple(range(2, rank + 2))


class _ZeroPadding(Layer):
    def __init__(self, rank, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.padding = _pairs(padding, rank, "padding")
        self.data_format = normalize_data_format(data_format) if rank > 1 else "channels_last"
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        pads = [(0, 0)] * len(inputs.shape)
        for axis, pair in zip(_spatial_axes(self.rank, self.data_format), self.padding):
            pads[axis] = pair
        return pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (before, after) in zip(_spatial_axes(self.rank, self.data_format),
                                         self.padding):
            if out[axis] is not None:
                out[axis] += before + after
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding if self.rank > 1 else self.padding[0]
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis with zeros: ``padding`` int or ``(left, right)``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.ZeroPadding1D((1, 2))(tf.ones((1, 3, 2))).shape
    TensorShape([1, 6, 2])
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(1, padding, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads height and width with zeros: int, ``(h, w)`` or ``((top, bottom), (left, right))``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.ZeroPadding2D(((1, 0), (2, 1)))(tf.ones((1, 3, 3, 2))).shape
    TensorShape([1, 4, 6, 2])
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)


_KERAS_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _interpolation(value, rank):
    """The lower-cased interpolation, checked against what Keras knows and tapeflow has."""
    interpolation = str(value).lower()
    if interpolation not in _KERAS_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected one of %s. "
                         "Received: interpolation=%r" % (_KERAS_INTERPOLATIONS, value))
    supported = ("nearest", "bilinear", "area") if rank == 2 else ("nearest",)
    if interpolation not in supported:
        raise NotImplementedError("UpSampling%dD: interpolation=%r is not implemented in "
                                  "tapeflow; use one of %s" % (rank, value, supported))
    return interpolation


class _UpSampling(Layer):
    def __init__(self, rank, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.size = (int(size),) * rank if isinstance(size, int) else tuple(int(s) for s in size)
        if len(self.size) != rank or min(self.size) <= 0:
            raise ValueError("`size` must be a positive int or a tuple of %d positive ints. "
                             "Received: size=%r" % (rank, size))
        self.interpolation = _interpolation(interpolation, rank)
        self.data_format = normalize_data_format(data_format) if rank > 1 else "channels_last"
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        if self.interpolation != "nearest":
            return self._resize(inputs)
        # Nearest neighbour: a size-1 axis after each spatial axis, broadcast, merged back.
        x = inputs
        shape = list(x.shape)
        for axis, factor in sorted(zip(_spatial_axes(self.rank, self.data_format), self.size),
                                   reverse=True):
            x = expand_dims(x, axis + 1)
            target = list(x.shape)
            target[axis + 1] = factor
            x = broadcast_to(x, target)
            shape[axis] *= factor
        return reshape(x, shape)

    def _resize(self, inputs):
        # Keras 3 resizes to (h·sh, w·sw) like tf.image.resize (no antialias) on channels_last
        # data. Unlike TF's kernels, the input's float dtype is kept.
        channels_first = self.data_format == "channels_first"
        x = transpose(inputs, (0, 2, 3, 1)) if channels_first else inputs
        height, width = x.shape[1] * self.size[0], x.shape[2] * self.size[1]
        kernel = resize_bilinear if self.interpolation == "bilinear" else resize_area
        x = kernel(x, height, width)
        return transpose(x, (0, 3, 1, 2)) if channels_first else x

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, factor in zip(_spatial_axes(self.rank, self.data_format), self.size):
            if out[axis] is not None:
                out[axis] *= factor
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size if self.rank > 1 else self.size[0]
        if self.rank > 1:
            config.update(data_format=self.data_format, interpolation=self.interpolation)
        return config


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times.

    >>> import tapeflow as tf
    >>> tf.keras.layers.UpSampling1D(2)(tf.constant([[[1.0], [2.0]]]))[0, :, 0].numpy()
    array([1., 1., 2., 2.], dtype=float32)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(1, size, **kwargs)


class UpSampling2D(_UpSampling):
    """Upsamples rows and columns by ``size``: repeats them (``interpolation="nearest"``) or
    resizes as ``tf.image.resize`` does (``"bilinear"``, ``"area"``).

    >>> import tapeflow as tf
    >>> tf.keras.layers.UpSampling2D()(tf.ones((1, 3, 4, 2))).shape
    TensorShape([1, 6, 8, 2])
    >>> x = tf.constant([[[[0.0], [4.0]]]])
    >>> tf.keras.layers.UpSampling2D((1, 2), interpolation="bilinear")(x)[0, 0, :, 0].numpy()
    array([0., 1., 3., 4.], dtype=float32)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, size, data_format, interpolation, **kwargs)


class _Cropping(Layer):
    def __init__(self, rank, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.cropping = _pairs(cropping, rank, "cropping")
        self.data_format = normalize_data_format(data_format) if rank > 1 else "channels_last"
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        key = [slice(None)] * len(inputs.shape)
        for axis, (before, after) in zip(_spatial_axes(self.rank, self.data_format),
                                         self.cropping):
            size = inputs.shape[axis]
            if before + after >= size:
                raise ValueError("Layer '%s': cropping %s leaves nothing of an input of shape %s"
                                 % (self.name, self.cropping, tuple(inputs.shape)))
            key[axis] = slice(before, size - after)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (before, after) in zip(_spatial_axes(self.rank, self.data_format),
                                         self.cropping):
            if out[axis] is not None:
                out[axis] -= before + after
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping if self.rank > 1 else self.cropping[0]
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class Cropping1D(_Cropping):
    """Removes ``(start, end)`` steps.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Cropping1D((1, 2))(tf.ones((1, 6, 2))).shape
    TensorShape([1, 3, 2])
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, cropping, **kwargs)


class Cropping2D(_Cropping):
    """Removes rows and columns at the borders: int, ``(h, w)`` or ``((t, b), (l, r))``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Cropping2D(((1, 1), (2, 0)))(tf.ones((1, 5, 5, 3))).shape
    TensorShape([1, 3, 3, 3])
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.RepeatVector(3)(tf.ones((2, 4))).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        x = expand_dims(inputs, 1)
        return broadcast_to(x, (x.shape[0], self.n, x.shape[2]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` is 1-based, as in Keras.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Permute((2, 1))(tf.ones((4, 3, 5))).shape
    TensorShape([4, 5, 3])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of "
                             "indices in `dims` must be consecutive and start from 1. Received "
                             "dims=%r" % (dims,))
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config
