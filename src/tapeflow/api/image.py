"""``tf.image``: resizing, flips, crops, dtype conversion and colour adjustments, as in TF 2.

Images are ``[height, width, channels]`` tensors or batches ``[batch, height, width,
channels]``. Everything is composed from differentiable tapeflow ops, so gradients flow
through every function whose output is floating.

Semantics follow ``tensorflow/python/ops/image_ops_impl.py``. One deliberate difference:
TF computes the colour adjustments of float64 images in float32; here floating images are
adjusted in their own dtype (same result dtype, more precision).
"""
from .. import dtypes as _dtypes
from ..backend import np
from ..errors import InvalidArgumentError
from ..ops import random as _random
from ..ops.array import expand_dims, identity, pad, reverse, tile
from ..ops.array import transpose as _transpose
from ..ops.core import to_tensor
from ..ops.creation import constant
from ..ops.image import resize_area, resize_bilinear, resize_nearest
from ..ops.linalg import tensordot
from ..ops.math import cast, maximum, where
from ..ops.reduce import reduce_mean, reduce_std
from ..tensor import Tensor, Variable

__all__ = ["ResizeMethod", "resize", "flip_left_right", "flip_up_down", "random_flip_left_right",
           "random_flip_up_down", "rot90", "transpose", "central_crop", "crop_to_bounding_box",
           "pad_to_bounding_box", "resize_with_crop_or_pad", "per_image_standardization",
           "convert_image_dtype", "rgb_to_grayscale", "grayscale_to_rgb", "adjust_brightness",
           "adjust_contrast", "random_brightness", "random_contrast"]
# Defined in image_ops_more.py, which builds on this module: looked up on first use
# (module __getattr__), so that importing either module first works.
_MORE = ("rgb_to_hsv", "hsv_to_rgb", "adjust_saturation", "adjust_hue", "adjust_gamma",
         "random_saturation", "random_hue", "random_crop", "resize_with_pad",
         "stateless_random_flip_left_right", "stateless_random_flip_up_down",
         "stateless_random_brightness", "stateless_random_contrast",
         "stateless_random_saturation", "stateless_random_hue", "stateless_random_crop",
         "psnr", "ssim", "total_variation", "image_gradients", "extract_patches")
__all__ += list(_MORE)


def __getattr__(name):
    if name in _MORE:
        from . import image_ops_more
        return getattr(image_ops_more, name)
    raise AttributeError("module 'tapeflow.image' has no attribute %r" % (name,))


# -- argument checks -------------------------------------------------------------------------
def _shape(x):
    return tuple(x._value.shape)


def _image(image, opname):
    """``image`` as a Tensor, checked to be one 3-D image or a 4-D batch of them."""
    x = to_tensor(image)
    if x._value.ndim not in (3, 4):
        raise ValueError("%s: 'image' (shape %s) must have either 3 or 4 dimensions "
                         "([height, width, channels] or [batch, height, width, channels])"
                         % (opname, _shape(x)))
    if 0 in _shape(x)[-3:]:
        raise ValueError("%s: inner 3 dims of 'image.shape' must be > 0: %s" % (opname, _shape(x)))
    return x


def _at_least_3d(image, opname):
    x = to_tensor(image)
    if x._value.ndim < 3:
        raise ValueError("%s: 'image' (shape %s) must be at least three-dimensional"
                         % (opname, _shape(x)))
    if 0 in _shape(x)[-3:]:
        raise ValueError("%s: inner 3 dims of 'image.shape' must be > 0: %s" % (opname, _shape(x)))
    return x


def _int(value, opname, argname):
    """A Python int from an int or a scalar integer tensor."""
    v = np.asarray(value._value if isinstance(value, (Tensor, Variable)) else value)
    if v.ndim != 0 or v.dtype.kind not in "iu":
        raise TypeError("%s: %s must be an integer scalar, got %r" % (opname, argname, value))
    return int(v)


def _float(value):
    return float(value._value if isinstance(value, (Tensor, Variable)) else value)


def _hw_axes(x):
    """The (height, width) axes of a 3-D or 4-D image tensor."""
    nd = x._value.ndim
    return nd - 3, nd - 2


# -- resize ----------------------------------------------------------------------------------
class ResizeMethod:
    """The ``method`` values ``tf.image.resize`` knows (tapeflow implements the first three)."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_IMPLEMENTED = (ResizeMethod.BILINEAR, ResizeMethod.NEAREST_NEIGHBOR, ResizeMethod.AREA)
_NOT_IMPLEMENTED = ("bicubic", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _size_arg(size):
    arr = np.asarray(size._value if isinstance(size, (Tensor, Variable)) else size)
    if arr.dtype.kind not in "iu":
        raise ValueError("resize: 'size' must be a 1-D int32 Tensor of 2 elements (new_height, "
                         "new_width), got %r" % (size,))
    if arr.shape != (2,):
        raise ValueError("resize: 'size' must be a 1-D Tensor of 2 elements: new_height, "
                         "new_width; got shape %s" % (arr.shape,))
    return int(arr[0]), int(arr[1])


def _fit(height, width, size):
    """TF's preserve_aspect_ratio size: the largest same-shaped size within ``size``, in float32."""
    f32 = np.float32
    scale = min(f32(size[0]) / f32(height), f32(size[1]) / f32(width))
    # np.round rounds half to even, as tf.round does.
    return int(np.round(scale * f32(height))), int(np.round(scale * f32(width)))


def _check_method(method, antialias, downscaling):
    if method in _NOT_IMPLEMENTED:
        raise NotImplementedError(
            "resize: method %r is not implemented in tapeflow; it supports 'bilinear', "
            "'nearest' and 'area'" % (method,))
    if method not in _IMPLEMENTED:
        raise ValueError("Resize method is not implemented: %s (tf.image.resize takes one of "
                         "the tf.image.ResizeMethod strings)" % (method,))
    # antialias changes nothing when upsampling, nor for nearest and area (TF's docstring).
    if antialias and downscaling and method == ResizeMethod.BILINEAR:
        raise NotImplementedError("resize: antialias=True when downscaling is not implemented in "
                                  "tapeflow; use antialias=False (plain bilinear) or 'area'")


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Resizes ``images`` to ``size = (new_height, new_width)``.

    ``method`` is ``"bilinear"`` (the default), ``"nearest"`` or ``"area"``
    (``tf.image.ResizeMethod``). Bilinear and nearest sample at half-pixel centers, as TF 2
    does; area averages the input cells each output pixel covers, weighted by overlap. The
    result is float32 whatever the input dtype, except for nearest, which keeps the dtype.
    With ``preserve_aspect_ratio`` the result is the largest size within ``size`` with the
    input's aspect ratio. ``antialias=True`` is accepted where it changes nothing (upsampling,
    nearest, area).

    >>> import tapeflow as tf
    >>> image = tf.eye(5, dtype=tf.int32)[tf.newaxis, ..., tf.newaxis]
    >>> tf.image.resize(image, [3, 5])[0, ..., 0].numpy()
    array([[0.6666667, 0.3333333, 0.       , 0.       , 0.       ],
           [0.       , 0.       , 1.       , 0.       , 0.       ],
           [0.       , 0.       , 0.       , 0.3333335, 0.6666665]],
          dtype=float32)
    >>> tf.image.resize(image, [5, 7], method="nearest")[0, ..., 0].numpy()
    array([[1, 0, 0, 0, 0, 0, 0],
           [0, 1, 1, 0, 0, 0, 0],
           [0, 0, 0, 1, 0, 0, 0],
           [0, 0, 0, 0, 1, 1, 0],
           [0, 0, 0, 0, 0, 0, 1]], dtype=int32)
    >>> tf.image.resize(image[0], [10, 20], preserve_aspect_ratio=True).shape
    TensorShape([10, 10, 1])
    >>> tf.image.resize([[[0.0], [3.0], [6.0]]], [1, 2], method="area")[..., 0].numpy()
    array([[1., 5.]], dtype=float32)
    """
    x = to_tensor(images)
    rank = x._value.ndim
    if rank not in (3, 4):
        raise ValueError("resize: 'images' (shape %s) must have either 3 or 4 dimensions"
                         % (_shape(x),))
    if rank == 3:
        x = expand_dims(x, 0)
    height, width = x._value.shape[1:3]
    size = _size_arg(size)
    if preserve_aspect_ratio and height and width:
        size = _fit(height, width, size)
    _check_method(method, antialias, size[0] < height or size[1] < width)
    if height == 0 or width == 0:
        raise InvalidArgumentError("resize: input image must be of non-zero size, got images of "
                                   "shape %s" % (_shape(to_tensor(images)),))
    if size[0] <= 0 or size[1] <= 0:
        raise InvalidArgumentError("resize: output dimensions must be positive, got size %s for "
                                   "images of shape %s" % (list(size), _shape(to_tensor(images))))
    if method == ResizeMethod.NEAREST_NEIGHBOR:
        out = resize_nearest(x, *size)
    else:
        if x._value.dtype.kind not in "iuf":
            raise TypeError("resize: method %r needs real-valued images, got dtype %s"
                            % (method, x.dtype.name))
        # TF's kernels read any real dtype and write float32.
        kernel = resize_area if method == ResizeMethod.AREA else resize_bilinear
        out = kernel(cast(x, "float32"), *size)
    return out[0] if rank == 3 else out


# -- flips, rotations, transposes ----------------------------------------------------------
def flip_left_right(image):
    """Flips an image, or each image of a batch, horizontally (along the width).

    >>> import tapeflow as tf
    >>> tf.image.flip_left_right([[[1.0], [2.0]]])[..., 0].numpy()
    array([[2., 1.]], dtype=float32)
    """
    x = _image(image, "flip_left_right")
    return reverse(x, [_hw_axes(x)[1]])


def flip_up_down(image):
    """Flips an image, or each image of a batch, vertically (along the height).

    >>> import tapeflow as tf
    >>> tf.image.flip_up_down([[[1.0]], [[2.0]]])[..., 0].numpy()
    array([[2.],
           [1.]], dtype=float32)
    """
    x = _image(image, "flip_up_down")
    return reverse(x, [_hw_axes(x)[0]])


def _random_flip(image, axis, seed, opname):
    x = _image(image, opname)
    if x._value.ndim == 3:
        # TF: flip when a uniform draw in [0, 1) is < 0.5.
        return reverse(x, [axis]) if float(_random.uniform([], seed=seed)) < 0.5 else x
    # TF draws one number per image and flips where it rounds to 1 (0.5 rounds to even, 0).
    draws = _random.uniform([x._value.shape[0]], seed=seed)._value
    flip = constant(np.round(draws).reshape(-1, 1, 1, 1) == 1.0)
    return where(flip, reverse(x, [axis + 1]), x)


def random_flip_left_right(image, seed=None):
    """Flips an image horizontally with probability 1/2; each image of a batch independently.

    ``seed`` works as in ``tf.random.uniform``.

    >>> import tapeflow as tf
    >>> images = tf.reshape(tf.range(8), [2, 2, 2, 1])
    >>> tf.image.random_flip_left_right(images, seed=1).shape
    TensorShape([2, 2, 2, 1])
    """
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Flips an image vertically with probability 1/2; each image of a batch independently.

    >>> import tapeflow as tf
    >>> tf.image.random_flip_up_down(tf.ones([4, 3, 1]), seed=1).shape
    TensorShape([4, 3, 1])
    """
    return _random_flip(image, 0, seed, "random_flip_up_down")


def rot90(image, k=1, name=None):
    """Rotates an image, or each image of a batch, counter-clockwise by ``k`` × 90 degrees.

    >>> import tapeflow as tf
    >>> tf.image.rot90(tf.constant([[[1], [2]], [[3], [4]]]))[..., 0].numpy()
    array([[2, 4],
           [1, 3]], dtype=int32)
    """
    x = _image(image, "rot90")
    k = _int(k, "rot90", "k") % 4
    h, w = _hw_axes(x)
    perm = list(range(x._value.ndim))
    perm[h], perm[w] = w, h
    if k == 1:
        return _transpose(reverse(x, [w]), perm)
    if k == 2:
        return reverse(x, [h, w])
    if k == 3:
        return reverse(_transpose(x, perm), [w])
    return x


def transpose(image, name=None):
    """Swaps the height and width of an image, or of each image of a batch.

    >>> import tapeflow as tf
    >>> tf.image.transpose(tf.ones([2, 3, 1])).shape
    TensorShape([3, 2, 1])
    """
    x = _image(image, "transpose")
    return _transpose(x, [1, 0, 2] if x._value.ndim == 3 else [0, 2, 1, 3])


# -- crops and pads ------------------------------------------------------------------------
def central_crop(image, central_fraction):
    """Keeps the central ``central_fraction`` (in (0, 1]) of the height and the width.

    >>> import tapeflow as tf
    >>> tf.image.central_crop(tf.reshape(tf.range(16), [4, 4, 1]), 0.5)[..., 0].numpy()
    array([[ 5,  6],
           [ 9, 10]], dtype=int32)
    """
    x = to_tensor(image)
    fraction = _float(central_fraction)
    if not 0.0 < fraction <= 1.0:
        raise ValueError("central_crop: central_fraction must be within (0, 1], got %r"
                         % (fraction,))
    if fraction == 1.0:
        return x
    x = _at_least_3d(x, "central_crop")
    if x._value.ndim != 4 and x._value.ndim != 3:
        raise ValueError("central_crop: `image` should either be a Tensor with rank = 3 or "
                         "rank = 4. Had rank = %d (shape %s)." % (x._value.ndim, _shape(x)))
    height, width = x._value.shape[-3:-1]
    top = int((height - height * fraction) / 2)
    left = int((width - width * fraction) / 2)
    return x[..., top:height - top, left:width - left, :]


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The ``target_height`` × ``target_width`` box whose top-left corner is at the offsets.

    >>> import tapeflow as tf
    >>> image = tf.reshape(tf.range(9), [3, 3, 1])
    >>> tf.image.crop_to_bounding_box(image, 1, 0, 2, 2)[..., 0].numpy()
    array([[3, 4],
           [6, 7]], dtype=int32)
    """
    name = "crop_to_bounding_box"
    x = _image(image, name)
    oh, ow = _int(offset_height, name, "offset_height"), _int(offset_width, name, "offset_width")
    th, tw = _int(target_height, name, "target_height"), _int(target_width, name, "target_width")
    height, width = x._value.shape[-3:-1]
    for ok, message in ((ow >= 0, "offset_width must be >= 0"),
                        (oh >= 0, "offset_height must be >= 0"),
                        (tw > 0, "target_width must be > 0"),
                        (th > 0, "target_height must be > 0"),
                        (width >= tw + ow, "width must be >= target + offset"),
                        (height >= th + oh, "height must be >= target + offset")):
        if not ok:
            raise ValueError("%s: %s (image shape %s, offset_height=%d, offset_width=%d, "
                             "target_height=%d, target_width=%d)"
                             % (name, message, _shape(x), oh, ow, th, tw))
    return x[..., oh:oh + th, ow:ow + tw, :]


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Pads with zeros: ``offset_height`` rows on top, ``offset_width`` columns on the left,
    then at the bottom and right up to ``target_height`` × ``target_width``.

    >>> import tapeflow as tf
    >>> tf.image.pad_to_bounding_box(tf.ones([1, 1, 1]), 1, 0, 2, 2)[..., 0].numpy()
    array([[0., 0.],
           [1., 0.]], dtype=float32)
    """
    name = "pad_to_bounding_box"
    x = _image(image, name)
    oh, ow = _int(offset_height, name, "offset_height"), _int(offset_width, name, "offset_width")
    th, tw = _int(target_height, name, "target_height"), _int(target_width, name, "target_width")
    height, width = x._value.shape[-3:-1]
    after_h, after_w = th - oh - height, tw - ow - width
    for ok, message in ((oh >= 0, "offset_height must be >= 0"),
                        (ow >= 0, "offset_width must be >= 0"),
                        (after_w >= 0, "width must be <= target - offset"),
                        (after_h >= 0, "height must be <= target - offset")):
        if not ok:
            raise ValueError("%s: %s (image shape %s, offset_height=%d, offset_width=%d, "
                             "target_height=%d, target_width=%d)"
                             % (name, message, _shape(x), oh, ow, th, tw))
    paddings = [[0, 0]] * (x._value.ndim - 3) + [[oh, after_h], [ow, after_w], [0, 0]]
    return pad(x, paddings)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Crops (centrally) or pads (evenly, with zeros) to ``target_height`` × ``target_width``.

    >>> import tapeflow as tf
    >>> image = tf.reshape(tf.range(1, 10), [3, 3, 1])
    >>> tf.image.resize_with_crop_or_pad(image, 2, 5)[..., 0].numpy()
    array([[0, 1, 2, 3, 0],
           [0, 4, 5, 6, 0]], dtype=int32)
    """
    name = "resize_with_crop_or_pad"
    x = _image(image, name)
    th, tw = _int(target_height, name, "target_height"), _int(target_width, name, "target_width")
    for ok, message in ((tw > 0, "target_width must be > 0"),
                        (th > 0, "target_height must be > 0")):
        if not ok:
            raise ValueError("%s: %s (image shape %s, target_height=%d, target_width=%d)"
                             % (name, message, _shape(x), th, tw))
    height, width = x._value.shape[-3:-1]
    # Python's floor division, as TF: an odd excess goes to the bottom/right.
    cropped = crop_to_bounding_box(x, max((height - th) // 2, 0), max((width - tw) // 2, 0),
                                   min(th, height), min(tw, width))
    return pad_to_bounding_box(cropped, max((th - height) // 2, 0), max((tw - width) // 2, 0),
                               th, tw)


# -- dtype conversion ----------------------------------------------------------------------
def _largest_float_at_most(value):
    """``float(value)``, stepped down where rounding took it above ``value`` (int64 max)."""
    f = float(value)
    return float(np.nextafter(f, 0.0)) if f > value else f


def _saturate(array, dtype):
    """``array`` clipped to what ``dtype`` holds (TF's saturate_cast, before the cast)."""
    if array.dtype.kind == "f":
        return np.clip(array.astype(np.float64), float(dtype.min),
                       _largest_float_at_most(dtype.max))
    src = np.iinfo(array.dtype)   # bounds both dtypes hold, so NumPy need not promote
    return np.clip(array, max(dtype.min, int(src.min)), min(dtype.max, int(src.max)))


def _int_to_int(v, src, dst, saturate):
    if src.max > dst.max:
        # Scale first, then cast: in.max maps just below out.max + 1.
        scaled = v // np.asarray((src.max + 1) // (dst.max + 1), v.dtype)
        return (_saturate(scaled, dst) if saturate else scaled).astype(dst.np_dtype)
    # Cast first, then scale: in.max does not reach out.max, but converting back is exact.
    cast_v = (_saturate(v, dst) if saturate else v).astype(dst.np_dtype)
    return cast_v * np.asarray((dst.max + 1) // (src.max + 1), dst.np_dtype)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts ``image`` to ``dtype``, scaling: floats span [0, 1), integers [0, dtype.max].

    Float to float is a plain cast (and carries gradients); integer to float divides by the
    input dtype's max; float to integer multiplies by ``max + 0.5`` and truncates;
    ``saturate=True`` clips before a cast that could overflow.

    >>> import tapeflow as tf
    >>> tf.image.convert_image_dtype(tf.constant([0, 127], tf.int8), tf.float32).numpy()
    array([0., 1.], dtype=float32)
    >>> tf.image.convert_image_dtype(tf.constant([0.5, 1.0]), tf.uint8).numpy()
    array([127, 255], dtype=uint8)
    """
    x = to_tensor(image)
    dst = _dtypes.as_dtype(dtype)
    if not (dst.is_floating or dst.is_integer):
        raise AttributeError("convert_image_dtype: dtype must be either floating point or "
                             "integer, got %s" % dst.name)
    src = x.dtype
    if src == dst:
        return identity(x)
    if not (src.is_floating or src.is_integer):
        raise TypeError("convert_image_dtype: image must have a floating or integer dtype, got "
                        "%s" % src.name)
    if src.is_floating and dst.is_floating:
        return cast(x, dst)
    v = x._value
    if src.is_integer and dst.is_integer:
        return constant(_int_to_int(v, src, dst, saturate))
    if src.is_integer:
        return constant(v.astype(dst.np_dtype) * np.asarray(1.0 / src.max, dst.np_dtype))
    scaled = v * np.asarray(dst.max + 0.5, v.dtype)   # + 0.5 against rounding down in the cast
    with np.errstate(invalid="ignore", over="ignore"):
        return constant((_saturate(scaled, dst) if saturate else scaled).astype(dst.np_dtype))


# -- colour --------------------------------------------------------------------------------
_RGB_WEIGHTS = [0.2989, 0.5870, 0.1140]   # TF's luma weights (ITU-R BT.601, rounded)


def _as_float(x):
    """Integer images as float32 in [0, 1); floating images unchanged."""
    return x if x.dtype.is_floating else convert_image_dtype(x, "float32")


def rgb_to_grayscale(images, name=None):
    """Converts RGB images (last dimension 3) to grayscale (last dimension 1); same dtype.

    >>> import tapeflow as tf
    >>> tf.image.rgb_to_grayscale(tf.constant([[[1.0, 2.0, 3.0]]])).numpy()
    array([[[1.8149]]], dtype=float32)
    """
    x = to_tensor(images)
    if x._value.ndim < 1 or x._value.shape[-1] != 3:
        raise ValueError("rgb_to_grayscale: the last dimension of 'images' must be 3 (RGB), got "
                         "shape %s" % (_shape(x),))
    flt = _as_float(x)
    weights = constant(_RGB_WEIGHTS, dtype=flt.dtype)
    gray = expand_dims(tensordot(flt, weights, [[flt._value.ndim - 1], [0]]), -1)
    return convert_image_dtype(gray, x.dtype)


def grayscale_to_rgb(images, name=None):
    """Repeats the single channel of grayscale images three times.

    >>> import tapeflow as tf
    >>> tf.image.grayscale_to_rgb(tf.constant([[[2.0]]])).numpy()
    array([[[2., 2., 2.]]], dtype=float32)
    """
    x = to_tensor(images)
    if x._value.ndim < 2:
        raise ValueError("grayscale_to_rgb: a grayscale image (shape %s) must be at least "
                         "two-dimensional" % (_shape(x),))
    if x._value.shape[-1] != 1:
        raise ValueError("grayscale_to_rgb: last dimension of a grayscale image should be size 1,"
                         " got shape %s" % (_shape(x),))
    return tile(x, [1] * (x._value.ndim - 1) + [3])


def adjust_brightness(image, delta):
    """Adds ``delta`` to every component; integer images are adjusted in [0, 1) floats and
    converted back with saturation.

    >>> import tapeflow as tf
    >>> tf.image.adjust_brightness(tf.constant([[[0.5]]]), 0.25).numpy()
    array([[[0.75]]], dtype=float32)
    """
    x = to_tensor(image)
    flt = _as_float(x)
    out = flt + cast(delta, flt.dtype)
    return out if x.dtype.is_floating else convert_image_dtype(out, x.dtype, saturate=True)


def adjust_contrast(images, contrast_factor):
    """``(x − mean) · contrast_factor + mean`` per image and channel (mean over height, width).

    >>> import tapeflow as tf
    >>> tf.image.adjust_contrast(tf.constant([[[1.0], [3.0]]]), 2.0)[..., 0].numpy()
    array([[0., 4.]], dtype=float32)
    """
    x = to_tensor(images)
    if x._value.ndim < 3:
        raise InvalidArgumentError("adjust_contrast: images must be at least 3-D [..., height, "
                                   "width, channels], got shape %s" % (_shape(x),))
    factor = to_tensor(contrast_factor)
    if factor._value.ndim != 0:
        raise InvalidArgumentError("adjust_contrast: contrast_factor must be a scalar, got shape "
                                   "%s" % (_shape(factor),))
    flt = _as_float(x)
    mean = reduce_mean(flt, axis=[-3, -2], keepdims=True)
    out = (flt - mean) * cast(factor, flt.dtype) + mean
    return out if x.dtype.is_floating else convert_image_dtype(out, x.dtype, saturate=True)


def random_brightness(image, max_delta, seed=None):
    """``adjust_brightness`` by one delta drawn uniformly from [-max_delta, max_delta).

    >>> import tapeflow as tf
    >>> tf.image.random_brightness(tf.zeros([2, 2, 1]), 0.2, seed=1).shape
    TensorShape([2, 2, 1])
    """
    if max_delta < 0:
        raise ValueError("random_brightness: max_delta must be non-negative, got %r"
                         % (max_delta,))
    delta = _random.uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """``adjust_contrast`` by one factor drawn uniformly from [lower, upper).

    >>> import tapeflow as tf
    >>> tf.image.random_contrast(tf.ones([2, 2, 3]), 0.5, 1.5, seed=1).shape
    TensorShape([2, 2, 3])
    """
    if upper <= lower:
        raise ValueError("random_contrast: upper must be > lower, got lower=%r, upper=%r"
                         % (lower, upper))
    if lower < 0:
        raise ValueError("random_contrast: lower must be non-negative, got %r" % (lower,))
    factor = _random.uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, factor)


def per_image_standardization(image):
    """``(x − mean) / max(stddev, 1/sqrt(N))`` over each image's N = height·width·channels
    values; the result is float32.

    >>> import tapeflow as tf
    >>> image = tf.reshape(tf.range(1, 13), [2, 2, 3])
    >>> tf.image.per_image_standardization(image)[0, 0].numpy()
    array([-1.593255 , -1.3035723, -1.0138896], dtype=float32)
    """
    x = cast(_at_least_3d(image, "per_image_standardization"), "float32")
    n = int(np.prod(x._value.shape[-3:]))
    mean = reduce_mean(x, axis=[-3, -2, -1], keepdims=True)
    # The floor keeps uniform images (stddev 0) finite.
    min_stddev = np.float32(1.0) / np.sqrt(np.float32(n))
    stddev = maximum(reduce_std(x, axis=[-3, -2, -1], keepdims=True), float(min_stddev))
    return (x - mean) / stddev

