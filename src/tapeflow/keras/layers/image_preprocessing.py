"""Keras 3's image preprocessing and augmentation layers.

``Resizing`` and ``CenterCrop`` change the image size; they are built from tapeflow ops
(``tf.image``'s resize kernels, slicing, padding), so gradients flow through them. The
augmentation layers ``RandomCrop``, ``RandomFlip``, ``RandomRotation``, ``RandomZoom``,
``RandomTranslation``, ``RandomContrast`` and ``RandomBrightness`` work on NumPy arrays and
return new tensors without a gradient: their inputs are data. As in Keras, their ``call``
takes ``training=True`` by default, so they augment when called directly or inside
``fit``, and are the identity (a cast to the layer's float dtype) when ``training`` is
False, as in ``predict`` and ``evaluate``. Each image of a batch gets its own random
parameters (``RandomCrop`` draws one window per batch, as Keras does); ``seed`` starts a
layer-owned generator, otherwise draws come from the global Keras generator
(``tf.keras.utils.set_random_seed``).

Inputs are one image ``(height, width, channels)`` or a batch ``(batch, height, width,
channels)``, or channels first with ``data_format="channels_first"``.

Semantics follow Keras 3 with the TensorFlow backend
(keras/src/layers/preprocessing/image_preprocessing/*.py). Rotation, zoom and translation
build one 8-number projective transform per image, which maps each *output* pixel
``(x, y)`` to the *input* point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with
``k = c0 x + c1 y + 1``, and sample the input there as TF's ImageProjectiveTransformV3
kernel does (tensorflow/core/kernels/image/image_ops.h): coordinates in float32; the fill
mode first maps an outside coordinate inside and clamps it to ``[0, len - 1]``
("reflect": ``d c b a | a b c d | d c b a``; "wrap": ``a b c d | a b c d``, with TF's
period quirk, see ``_projective_transform``; "nearest": clamp); with "constant" any point
outside ``[0, len - 1]`` gets ``fill_value``; "nearest" interpolation rounds half away from
zero, "bilinear" blends the four neighbours. Interpolation runs in the image's dtype (TF's
kernel uses float32 even for float64 images).

Three documented behaviours are kept where recent Keras 3 releases drifted from them:
``RandomContrast(f)`` draws its factor from ``[1 - f, 1 + f]`` (recent Keras draws from
``[1, 1 + f]`` for a single number, against its own docstring); ``RandomFlip`` with
``"horizontal_and_vertical"`` draws the two flips independently (as tf.keras 2 and the
first Keras 3 releases; recent Keras uses one draw for both); ``RandomCrop`` at inference
crops the largest central window with the target aspect ratio and resizes it (its
docstring; recent Keras returns the input unchanged, keras-team/keras#21868).
"""
from ...backend import np
from ...ops.array import expand_dims, pad, transpose
from ...ops.image import resize_area, resize_bilinear, resize_nearest
from ...ops.math import cast
from ...tensor import Tensor, _wrap
from .. import random_state
from .convolutional import normalize_data_format
from ._projective_transform import projective_transform
from .layer import Layer

__all__ = ["Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation",
           "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness"]

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")
_RESIZE_METHODS = {"bilinear": resize_bilinear, "nearest": resize_nearest, "area": resize_area}
_UNIMPLEMENTED_RESIZE = ("bicubic", "lanczos3", "lanczos5")


# -- layout helpers ------------------------------------------------------------------------
def _to_nhwc(x, data_format):
    """A 3-D or 4-D image tensor as a channels-last batch."""
    if len(x.shape) == 3:
        x = expand_dims(x, 0)
    return transpose(x, (0, 2, 3, 1)) if data_format == "channels_first" else x


def _from_nhwc(x, data_format, rank):
    """Undoes ``_to_nhwc`` for an input of rank ``rank``."""
    if data_format == "channels_first":
        x = transpose(x, (0, 3, 1, 2))
    return x[0] if rank == 3 else x


def _hw_axes(rank, data_format):
    return (rank - 2, rank - 1) if data_format == "channels_first" else (rank - 3, rank - 2)


def _with_size(shape, height, width, data_format):
    """``shape`` (3-D or 4-D) with its spatial sizes replaced."""
    shape = list(shape)
    h, w = _hw_axes(len(shape), data_format)
    shape[h], shape[w] = height, width
    return tuple(shape)


def _crop(x, axes, top, left, height, width):
    key = [slice(None)] * len(x.shape)
    key[axes[0]] = slice(top, top + height)
    key[axes[1]] = slice(left, left + width)
    return x[tuple(key)]


# -- resizing --------------------------------------------------------------------------------
def _aspect_crop_box(height, width, target_height, target_width):
    """Keras's smart-resize window: the largest central box with the target aspect ratio,
    as ``(top, left, crop_height, crop_width)``."""
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    return (int((height - crop_height) / 2), int((width - crop_width) / 2),
            crop_height, crop_width)


def _pad_to_aspect(x, target_height, target_width, fill_value):
    """Pads an NHWC batch evenly on its short side towards the target aspect ratio."""
    height, width = x.shape[1:3]
    top = int((max(height, int(width * target_height / target_width)) - height) / 2)
    left = int((max(width, int(height * target_width / target_height)) - width) / 2)
    # Keras pads the same amount on both sides; the resize absorbs an odd remainder.
    if top > 0:
        x = pad(x, [[0, 0], [top, top], [0, 0], [0, 0]], constant_values=fill_value)
    elif left > 0:
        x = pad(x, [[0, 0], [0, 0], [left, left], [0, 0]], constant_values=fill_value)
    return x


def _resize(x, height, width, method="bilinear", antialias=False):
    """Resizes an NHWC batch, keeping its dtype: integer images are resized in float32,
    then rounded and saturated back, as Keras's ``Resizing`` does."""
    in_height, in_width = x.shape[1:3]
    if antialias and method == "bilinear" and (height < in_height or width < in_width):
        raise NotImplementedError("Resizing: antialias=True when downscaling is not "
                                  "implemented in tapeflow; use antialias=False or 'area'.")
    if method == "nearest" or x.dtype.is_floating:
        return _RESIZE_METHODS[method](x, height, width)
    dtype = x.dtype
    out = _RESIZE_METHODS[method](cast(x, "float32"), height, width)._value
    return _wrap(np.clip(np.round(out), dtype.min, dtype.max).astype(dtype.np_dtype))


def _smart_resize(x, height, width, data_format):
    """Crops the largest central window with the target aspect ratio, then resizes it
    bilinearly to ``height`` x ``width`` (keras.preprocessing.image.smart_resize)."""
    rank = len(x.shape)
    x = _to_nhwc(x, data_format)
    box = _aspect_crop_box(x.shape[1], x.shape[2], height, width)
    x = _resize(_crop(x, (1, 2), *box), height, width)
    return _from_nhwc(x, data_format, rank)


# -- argument checks -----------------------------------------------------------------------
def _factor_range(factor, name, low=-1.0, high=1.0):
    """``(lower, upper)`` from one number ``f`` (``(-|f|, |f|)``) or a pair (sorted), each
    value within ``[low, high]``."""
    message = ("The `%s` argument should be a number (or a list of two numbers) in the range "
               "[%s, %s]. Received: %s=%r" % (name, low, high, name, factor))
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        values = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float, np.number)) and not isinstance(factor, bool):
        values = [-abs(float(factor)), abs(float(factor))]
    else:
        raise ValueError(message)
    if not all(low <= v <= high for v in values):
        raise ValueError(message)
    return tuple(values)


def _value_range(value_range):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError("The `value_range` argument should be a list of two numbers. "
                         "Received: value_range=%r" % (value_range,))
    return tuple(sorted(float(v) for v in value_range))


def _size(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError("`%s` must be a positive integer. Received: %s=%r"
                         % (name, name, value))
    return int(value)


# -- base classes ----------------------------------------------------------------------------
class _ImageLayer(Layer):
    """Holds ``data_format`` and checks that inputs are one image or a batch of them."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)

    def _images(self, inputs, float_output=True):
        """``inputs`` as a rank-3/4 Tensor, cast to the compute dtype if ``float_output``."""
        x = inputs if isinstance(inputs, Tensor) else self._convert_input(inputs)
        if len(x.shape) not in (3, 4):
            raise ValueError("Layer '%s' (%s) expected an image tensor of rank 3 (single image) "
                             "or 4 (batch of images). Received: inputs.shape=%s"
                             % (self.name, type(self).__name__, tuple(x.shape)))
        return cast(x, self.compute_dtype) if float_output else x

    def _spatial(self, x):
        """``(height, width)`` of ``x``."""
        h, w = _hw_axes(len(x.shape), self.data_format)
        return x.shape[h], x.shape[w]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class _RandomImageLayer(_ImageLayer):
    """An augmentation: ``_augment`` runs on an NHWC NumPy batch when ``training``."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _generator(self):
        return self._rng if self._rng is not None else random_state.generator()

    def call(self, inputs, training=True):
        x = self._images(inputs)
        if not training:
            return x
        out = self._augment(_to_nhwc(x, self.data_format)._value, self._generator())
        return _from_nhwc(_wrap(out), self.data_format, len(x.shape))

    def _augment(self, images, rng):
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class _RandomTransform(_RandomImageLayer):
    """Rotation, zoom and translation: one projective transform per image."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError("Unknown `fill_mode` %r. Expected one of %s."
                                      % (fill_mode, _FILL_MODES))
        if interpolation not in _INTERPOLATIONS:
            raise NotImplementedError("Unknown `interpolation` %r. Expected one of %s."
                                      % (interpolation, _INTERPOLATIONS))
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _augment(self, images, rng):
        n, height, width, _ = images.shape
        transforms = self._transforms(rng, n, height, width)
        return projective_transform(images, transforms, self.interpolation, self.fill_mode,
                                     self.fill_value)

    def _transforms(self, rng, n, height, width):
        """``(n, 8)`` float32 transforms, output pixel -> input point."""
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, interpolation=self.interpolation,
                      fill_value=self.fill_value)
        return config


# -- size layers -----------------------------------------------------------------------------
class Resizing(_ImageLayer):
    """Resizes images to ``height`` x ``width`` (``tf.image.resize`` semantics).

    Args:
        height, width: output size.
        interpolation: ``"bilinear"`` (default), ``"nearest"`` or ``"area"``.
        crop_to_aspect_ratio: first crop the largest central window with the target aspect
            ratio, so the image is not distorted.
        pad_to_aspect_ratio: instead pad the short side evenly with ``fill_value``.
        fill_mode: only ``"constant"``. fill_value: the padding value.
        antialias: accepted where it changes nothing (upsampling, nearest, area).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Integer images keep their dtype (resized in float32, then rounded); floating images are
    resized in the layer's float dtype.

    >>> import numpy as np, tapeflow as tf
    >>> image = np.arange(8.0).reshape(1, 2, 4, 1)
    >>> tf.keras.layers.Resizing(1, 2)(image)[0, ..., 0].numpy()
    array([[2.5, 4.5]], dtype=float32)
    >>> tf.keras.layers.Resizing(2, 2, crop_to_aspect_ratio=True)(image)[0, ..., 0].numpy()
    array([[1., 2.],
           [5., 6.]], dtype=float32)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _size(height, "height"), _size(width, "width")
        if interpolation in _UNIMPLEMENTED_RESIZE:
            raise NotImplementedError("Resizing: interpolation %r is not implemented in "
                                      "tapeflow; use one of %s."
                                      % (interpolation, tuple(_RESIZE_METHODS)))
        if interpolation not in _RESIZE_METHODS:
            raise ValueError("Invalid value for argument `interpolation`. Expected one of %s. "
                             "Received: interpolation=%r"
                             % (tuple(_RESIZE_METHODS) + _UNIMPLEMENTED_RESIZE, interpolation))
        if fill_mode != "constant":
            raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                             "supported. Received: fill_mode=%r" % (fill_mode,))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can "
                             "be `True`.")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        x = self._images(inputs, float_output=False)
        rank = len(x.shape)
        x = _to_nhwc(x, self.data_format)
        if self.crop_to_aspect_ratio:
            box = _aspect_crop_box(x.shape[1], x.shape[2], self.height, self.width)
            x = _crop(x, (1, 2), *box)
        elif self.pad_to_aspect_ratio:
            x = _pad_to_aspect(x, self.height, self.width, self.fill_value)
        x = _resize(x, self.height, self.width, self.interpolation, self.antialias)
        return _from_nhwc(x, self.data_format, rank)

    def compute_output_shape(self, input_shape):
        return _with_size(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                      pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                      fill_value=self.fill_value, antialias=self.antialias)
        return config


class CenterCrop(_ImageLayer):
    """Crops the central ``height`` x ``width`` window of each image.

    An image smaller than the target in either dimension is instead cropped to the largest
    central window with the target aspect ratio and resized bilinearly (Keras's
    ``smart_resize``). The output has the layer's float dtype.

    Args:
        height, width: output size.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np, tapeflow as tf
    >>> image = np.arange(16.0).reshape(4, 4, 1)
    >>> tf.keras.layers.CenterCrop(2, 2)(image)[..., 0].numpy()
    array([[ 5.,  6.],
           [ 9., 10.]], dtype=float32)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _size(height, "height"), _size(width, "width")

    def call(self, inputs):
        x = self._images(inputs)
        height, width = self._spatial(x)
        if height >= self.height and width >= self.width:
            top, left = int((height - self.height) / 2), int((width - self.width) / 2)
            return _crop(x, _hw_axes(len(x.shape), self.data_format), top, left, self.height,
                         self.width)
        return _smart_resize(x, self.height, self.width, self.data_format)

    def compute_output_shape(self, input_shape):
        return _with_size(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config


class RandomCrop(_ImageLayer):
    """Crops a random ``height`` x ``width`` window when training.

    The window's position is drawn once per call, so all images of a batch share it (as in
    Keras). At inference, and in training when the image is not larger than the target in
    both dimensions, the largest central window with the target aspect ratio is cropped and
    resized bilinearly to the target size.

    Args:
        height, width: output size.
        seed: int for a reproducible stream of windows.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np, tapeflow as tf
    >>> layer = tf.keras.layers.RandomCrop(2, 2, seed=0)
    >>> layer(np.zeros((8, 5, 6, 3)), training=True).shape
    TensorShape([8, 2, 2, 3])
    >>> layer(np.arange(16.0).reshape(4, 4, 1), training=False)[..., 0].numpy()
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _size(height, "height"), _size(width, "width")
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def call(self, inputs, training=True):
        x = self._images(inputs)
        height, width = self._spatial(x)
        if training and height > self.height and width > self.width:
            rng = self._rng if self._rng is not None else random_state.generator()
            # Keras draws uniform floats in [0, size - target + 1) and truncates them.
            top = int(rng.uniform(0.0, height - self.height + 1))
            left = int(rng.uniform(0.0, width - self.width + 1))
            return _crop(x, _hw_axes(len(x.shape), self.data_format), top, left, self.height,
                         self.width)
        return _smart_resize(x, self.height, self.width, self.data_format)

    def compute_output_shape(self, input_shape):
        return _with_size(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, seed=self.seed)
        return config


# -- augmentation layers -------------------------------------------------------------------
class RandomFlip(_RandomImageLayer):
    """Flips each image left-right and/or top-bottom with probability 1/2 when training.

    Args:
        mode: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"`` (the
            default; the two flips are drawn independently).
        seed: int for a reproducible stream of flips.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np, tapeflow as tf
    >>> images = np.arange(6.0).reshape(2, 1, 3, 1)
    >>> out = tf.keras.layers.RandomFlip("horizontal", seed=3)(images, training=True)
    >>> all(row in ([0, 1, 2], [2, 1, 0], [3, 4, 5], [5, 4, 3])
    ...     for row in out[:, 0, :, 0].numpy().tolist())
    True
    """

    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in self._MODES:
            raise ValueError("RandomFlip layer %s received an unknown mode argument %r; "
                             "expected one of %s." % (self.name, mode, self._MODES))
        self.mode = mode

    def _augment(self, images, rng):
        n = images.shape[0]
        # Keras flips where a uniform draw in [0, 1) is <= 0.5.
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            flip = rng.uniform(size=(n, 1, 1, 1)) <= 0.5
            images = np.where(flip, images[:, :, ::-1], images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            flip = rng.uniform(size=(n, 1, 1, 1)) <= 0.5
            images = np.where(flip, images[:, ::-1], images)
        return images

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


class RandomRotation(_RandomTransform):
    """Rotates each image by a random angle about its centre when training.

    Args:
        factor: a fraction of a full turn: ``f`` draws angles from ``[-f, f] * 2π``, a pair
            ``(lower, upper)`` from ``[lower, upper] * 2π``; positive values rotate
            counter-clockwise. Each value is in ``[-1, 1]``.
        fill_mode: how points outside the image are filled: ``"reflect"`` (default,
            ``d c b a | a b c d | d c b a``), ``"wrap"`` (``a b c d | a b c d``),
            ``"constant"`` (``fill_value``) or ``"nearest"`` (``a a | a b c d | d d``).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: int for a reproducible stream of angles.
        fill_value: the value for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np, tapeflow as tf
    >>> quarter_turn = tf.keras.layers.RandomRotation((0.25, 0.25), interpolation="nearest")
    >>> quarter_turn(np.arange(9.0).reshape(3, 3, 1), training=True)[..., 0].numpy()
    array([[2., 5., 8.],
           [1., 4., 7.],
           [0., 3., 6.]], dtype=float32)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = _factor_range(factor, "factor")

    def _transforms(self, rng, n, height, width):
        lower, upper = self.factor
        angle = rng.uniform(lower * 2.0 * np.pi, upper * 2.0 * np.pi, size=n).astype(np.float32)
        cos, sin = np.cos(angle), np.sin(angle)
        # Rotate about the centre ((width - 1) / 2, (height - 1) / 2).
        x_offset = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2.0
        y_offset = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2.0
        zeros = np.zeros_like(cos)
        return np.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros, zeros], axis=1)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomZoom(_RandomTransform):
    """Zooms each image in or out about its centre by a random amount when training.

    Args:
        height_factor: a fraction: ``f`` draws the vertical zoom from ``[-f, f]``, a pair
            ``(lower, upper)`` from ``[lower, upper]``; positive values zoom out (the image
            shrinks by ``1 + value``), negative values zoom in. Each value is in ``[-1, 1]``.
        width_factor: the same for the horizontal zoom; ``None`` (default) uses the vertical
            draw, keeping the aspect ratio.
        fill_mode, interpolation, seed, fill_value, data_format: as in ``RandomRotation``.

    >>> import numpy as np, tapeflow as tf
    >>> zoom_in_2x = tf.keras.layers.RandomZoom((-0.5, -0.5), interpolation="nearest")
    >>> zoom_in_2x(np.arange(16.0).reshape(4, 4, 1), training=True)[..., 0].numpy()
    array([[ 5.,  5.,  6.,  6.],
           [ 5.,  5.,  6.,  6.],
           [ 9.,  9., 10., 10.],
           [ 9.,  9., 10., 10.]], dtype=float32)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height_range = _factor_range(height_factor, "height_factor")
        self._width_range = None if width_factor is None else \
            _factor_range(width_factor, "width_factor")

    def _transforms(self, rng, n, height, width):
        zoom_y = 1.0 + rng.uniform(*self._height_range, size=n)
        zoom_x = zoom_y if self._width_range is None else \
            1.0 + rng.uniform(*self._width_range, size=n)
        zoom_x, zoom_y = zoom_x.astype(np.float32), zoom_y.astype(np.float32)
        zeros = np.zeros_like(zoom_x)
        # Scale about the centre: x_in = zx * x + (width - 1) / 2 * (1 - zx).
        x_offset = (width - 1) / 2.0 * (1.0 - zoom_x)
        y_offset = (height - 1) / 2.0 * (1.0 - zoom_y)
        return np.stack([zoom_x, zeros, x_offset, zeros, zoom_y, y_offset, zeros, zeros], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomTranslation(_RandomTransform):
    """Shifts each image by a random fraction of its size when training.

    Args:
        height_factor: a fraction of the height: ``f`` draws the vertical shift from
            ``[-f, f]``, a pair ``(lower, upper)`` from ``[lower, upper]``; positive values
            shift down. Each value is in ``[-1, 1]``.
        width_factor: the same for the horizontal shift; positive values shift right.
        fill_mode, interpolation, seed, fill_value, data_format: as in ``RandomRotation``.

    >>> import numpy as np, tapeflow as tf
    >>> right_by_1 = tf.keras.layers.RandomTranslation(0.0, (0.25, 0.25), fill_mode="constant")
    >>> right_by_1(np.arange(1.0, 5.0).reshape(1, 4, 1), training=True)[..., 0].numpy()
    array([[0., 1., 2., 3.]], dtype=float32)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._height_range = _factor_range(height_factor, "height_factor")
        self._width_range = _factor_range(width_factor, "width_factor")

    def _transforms(self, rng, n, height, width):
        dy = (rng.uniform(*self._height_range, size=n) * height).astype(np.float32)
        dx = (rng.uniform(*self._width_range, size=n) * width).astype(np.float32)
        ones, zeros = np.ones_like(dx), np.zeros_like(dx)
        return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomContrast(_RandomImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor when
    training: ``clip((x - mean) * factor + mean, *value_range)``.

    Args:
        factor: ``f`` draws the contrast factor from ``[1 - f, 1 + f]``, a pair
            ``(lower, upper)`` from ``[1 - lower, 1 + upper]``; values in ``[0, 1]``.
        value_range: ``(low, high)`` the images span (default ``(0, 255)``); the output is
            clipped to it.
        seed: int for a reproducible stream of factors.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np, tapeflow as tf
    >>> more_contrast = tf.keras.layers.RandomContrast((0.0, 1.0), value_range=(0, 1), seed=0)
    >>> out = more_contrast(np.array([[[0.2], [0.4]]]), training=True).numpy()   # mean 0.3
    >>> bool(0.1 <= out.min() <= 0.2 and 0.4 <= out.max() <= 0.5)
    True
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        message = ("The `factor` argument should be a number (or a list of two numbers) in the "
                   "range [0, 1]. Received: factor=%r" % (factor,))
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(message)
            lower, upper = (float(f) for f in factor)
        elif isinstance(factor, (int, float, np.number)) and not isinstance(factor, bool):
            lower = upper = float(factor)
        else:
            raise ValueError(message)
        if not (0.0 <= lower <= 1.0 and 0.0 <= upper <= 1.0):
            raise ValueError(message)
        self.factor = factor
        self.lower, self.upper = lower, upper
        self.value_range = _value_range(value_range)

    def _augment(self, images, rng):
        n = images.shape[0]
        factor = rng.uniform(1.0 - self.lower, 1.0 + self.upper, size=(n, 1, 1, 1))
        mean = images.mean(axis=(1, 2), keepdims=True)
        out = (images - mean) * factor.astype(images.dtype) + mean
        return np.clip(out, *self.value_range).astype(images.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config


class RandomBrightness(_RandomImageLayer):
    """Adds a random offset to each image when training: ``clip(x + delta, *value_range)``
    with ``delta = draw * (high - low)``.

    Args:
        factor: ``f`` draws from ``[-f, f]``, a pair ``(lower, upper)`` from
            ``[lower, upper]``; values in ``[-1, 1]`` (-1 turns an image black, 1 white).
        value_range: ``(low, high)`` the images span (default ``(0, 255)``).
        seed: int for a reproducible stream of offsets.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> import numpy as np, tapeflow as tf
    >>> brighter = tf.keras.layers.RandomBrightness((0.5, 0.5))
    >>> brighter(np.array([[[0.0], [200.0]]]), training=True)[..., 0].numpy()
    array([[127.5, 255. ]], dtype=float32)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_range(factor, "factor")
        self.value_range = _value_range(value_range)

    def _augment(self, images, rng):
        low, high = self.value_range
        delta = rng.uniform(*self.factor, size=(images.shape[0], 1, 1, 1)) * (high - low)
        return np.clip(images + delta.astype(images.dtype), low, high).astype(
            images.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range)
        return config
