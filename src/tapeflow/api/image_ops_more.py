"""More of ``tf.image``: HSV colour, gamma, random and stateless augmentation, padded
resizing, image-quality metrics (PSNR, SSIM), total variation, image gradients, patches.

Everything is composed from differentiable tapeflow ops. Behaviour follows TF 2's
``image_ops_impl.py`` and its ``rgb_to_hsv``/``adjust_hue``/``adjust_saturation`` kernels,
with the convention of ``tapeflow.api.image``: integer images are worked on as float32 in
[0, 1) and converted back (saturating); floating images are worked on in their own dtype
(TF computes float64 colour adjustments, PSNR and SSIM in float32).

The ``stateless_random_*`` functions are deterministic functions of their shape-[2]
integer ``seed`` (same seed, same result; different seeds, different draws), but they do
not reproduce TF's Philox streams: their values differ from TF's for the same seed.
"""
from ..backend import np
from ..errors import InvalidArgumentError
from ..ops import random as _random
from ..ops.array import pad, reshape, reverse, stack, tile, unstack
from ..ops.conv import depthwise_conv2d
from ..ops.core import to_tensor
from ..ops.creation import constant
from ..ops.math import abs as _abs
from ..ops.math import cast, clip_by_value, floormod, log, square, where
from ..ops.nn import softmax
from ..ops.reduce import reduce_max, reduce_mean, reduce_min, reduce_sum
from ..tensor import Tensor, Variable
from .image import (_as_float, _image, _shape, adjust_brightness, adjust_contrast,
                    convert_image_dtype, pad_to_bounding_box, resize)

__all__ = ["rgb_to_hsv", "hsv_to_rgb", "adjust_saturation", "adjust_hue", "adjust_gamma",
           "random_saturation", "random_hue", "random_crop", "resize_with_pad",
           "stateless_random_flip_left_right", "stateless_random_flip_up_down",
           "stateless_random_brightness", "stateless_random_contrast",
           "stateless_random_saturation", "stateless_random_hue", "stateless_random_crop",
           "psnr", "ssim", "total_variation", "image_gradients", "extract_patches"]


def _value(x):
    return x._value if isinstance(x, (Tensor, Variable)) else x


def _rgb(images, opname):
    x = to_tensor(images)
    if x._value.ndim < 1 or x._value.shape[-1] != 3:
        raise ValueError("%s: the last dimension of 'images' must be 3 (RGB/HSV), got shape %s"
                         % (opname, _shape(x)))
    return x


def _scalar(raw, tensor, dtype):
    """A scalar argument in ``dtype``; Python numbers are cast directly (no float32 detour)."""
    if isinstance(raw, (Tensor, Variable)):
        return cast(tensor, dtype)
    return constant(np.asarray(raw, np.float64), dtype=dtype)


def _restore(out, x):
    """``out`` (floating) back in the dtype of the original image ``x``."""
    return out if x.dtype.is_floating else convert_image_dtype(out, x.dtype, saturate=True)


# -- HSV ---------------------------------------------------------------------------------------
def _to_hsv(x):
    r, g, b = unstack(x, axis=-1)
    value = reduce_max(x, axis=-1)
    rng = value - reduce_min(x, axis=-1)
    # The safe denominators keep gradients finite where a branch is not taken.
    sat = where(value > 0, rng / where(value > 0, value, 1.0), 0.0)
    norm = 1.0 / (6.0 * where(rng > 0, rng, 1.0))
    hue = where(r == value, norm * (g - b),
                where(g == value, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0))
    hue = where(rng > 0, hue, 0.0)
    hue = where(hue < 0, hue + 1.0, hue)
    return hue, sat, value


def _to_rgb(h, s, v):
    dh = h * 6.0
    dr = clip_by_value(_abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = clip_by_value(2.0 - _abs(dh - 2.0), 0.0, 1.0)
    db = clip_by_value(2.0 - _abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - s
    return stack([(one_minus_s + s * dr) * v, (one_minus_s + s * dg) * v,
                  (one_minus_s + s * db) * v], axis=-1)


def rgb_to_hsv(images, name=None):
    """RGB → HSV for floating images with values in [0, 1]; all outputs in [0, 1].

    Hue is 0 where the pixel is grey; saturation is 0 where the value is 0 (TF's kernel).

    >>> import tapeflow as tf
    >>> tf.image.rgb_to_hsv([[[1.0, 0.5, 0.0]]]).numpy()
    array([[[0.08333334, 1.        , 1.        ]]], dtype=float32)
    """
    x = _rgb(images, "rgb_to_hsv")
    if not x.dtype.is_floating:
        raise TypeError("rgb_to_hsv: images must be floating (half, float, double), got %s"
                        % x.dtype.name)
    return stack(list(_to_hsv(x)), axis=-1)


def hsv_to_rgb(images, name=None):
    """HSV → RGB for floating images with values in [0, 1] (inverse of ``rgb_to_hsv``).

    >>> import tapeflow as tf
    >>> tf.image.hsv_to_rgb([[[0.0, 1.0, 1.0]]]).numpy()
    array([[[1., 0., 0.]]], dtype=float32)
    """
    x = _rgb(images, "hsv_to_rgb")
    if not x.dtype.is_floating:
        raise TypeError("hsv_to_rgb: images must be floating (half, float, double), got %s"
                        % x.dtype.name)
    return _to_rgb(*unstack(x, axis=-1))


def adjust_saturation(image, saturation_factor, name=None):
    """Multiplies the HSV saturation by ``saturation_factor``, clipped to [0, 1]; same dtype.

    >>> import tapeflow as tf
    >>> tf.image.adjust_saturation([[[1.0, 0.5, 0.0]]], 0.5).numpy()
    array([[[1.  , 0.75, 0.5 ]]], dtype=float32)
    """
    x = _rgb(image, "adjust_saturation")
    factor = to_tensor(saturation_factor)
    if factor._value.ndim != 0:
        raise InvalidArgumentError("adjust_saturation: saturation_factor must be a scalar, got "
                                   "shape %s" % (_shape(factor),))
    flt = _as_float(x)
    h, s, v = _to_hsv(flt)
    s = clip_by_value(s * _scalar(saturation_factor, factor, flt.dtype), 0.0, 1.0)
    return _restore(_to_rgb(h, s, v), x)


def adjust_hue(image, delta, name=None):
    """Rotates the HSV hue by ``delta`` (a fraction of the colour circle, wrapped into
    [0, 1)); same dtype.

    >>> import tapeflow as tf
    >>> tf.image.adjust_hue([[[1.0, 0.0, 0.0]]], 1.0 / 3.0).numpy()
    array([[[0., 1., 0.]]], dtype=float32)
    """
    x = _rgb(image, "adjust_hue")
    d = to_tensor(delta)
    if d._value.ndim != 0:
        raise InvalidArgumentError("adjust_hue: delta must be a scalar, got shape %s"
                                   % (_shape(d),))
    flt = _as_float(x)
    h, s, v = _to_hsv(flt)
    h = floormod(h + _scalar(delta, d, flt.dtype), 1.0)
    return _restore(_to_rgb(h, s, v), x)


def adjust_gamma(image, gamma=1, gain=1):
    """``gain · image ** gamma`` (integer images in [0, 1) floats, converted back); same dtype.

    >>> import tapeflow as tf
    >>> tf.image.adjust_gamma([[[0.25, 1.0]]], 0.5, 2.0).numpy()
    array([[[1., 2.]]], dtype=float32)
    """
    x = to_tensor(image)
    if float(np.min(np.asarray(_value(gamma)))) < 0:
        raise ValueError("adjust_gamma: Gamma should be a non-negative real number, got %r"
                         % (gamma,))
    flt = _as_float(x)
    out = _scalar(gain, gain, flt.dtype) * flt ** _scalar(gamma, gamma, flt.dtype)
    return _restore(out, x)


def _check_lower_upper(lower, upper, opname):
    if upper <= lower:
        raise ValueError("%s: upper must be > lower, got lower=%r, upper=%r"
                         % (opname, lower, upper))
    if lower < 0:
        raise ValueError("%s: lower must be non-negative, got %r" % (opname, lower))


def _check_hue_delta(max_delta, opname):
    if max_delta > 0.5:
        raise ValueError("%s: max_delta must be <= 0.5, got %r" % (opname, max_delta))
    if max_delta < 0:
        raise ValueError("%s: max_delta must be non-negative, got %r" % (opname, max_delta))


def random_saturation(image, lower, upper, seed=None):
    """``adjust_saturation`` by one factor drawn uniformly from [lower, upper).

    >>> import tapeflow as tf
    >>> tf.image.random_saturation(tf.ones([2, 2, 3]), 0.5, 1.5, seed=1).shape
    TensorShape([2, 2, 3])
    """
    _check_lower_upper(lower, upper, "random_saturation")
    return adjust_saturation(image, _random.uniform([], lower, upper, seed=seed))


def random_hue(image, max_delta, seed=None):
    """``adjust_hue`` by one delta drawn uniformly from [-max_delta, max_delta), max_delta ≤ 0.5.

    >>> import tapeflow as tf
    >>> tf.image.random_hue(tf.ones([2, 2, 3]), 0.2, seed=1).shape
    TensorShape([2, 2, 3])
    """
    _check_hue_delta(max_delta, "random_hue")
    return adjust_hue(image, _random.uniform([], -max_delta, max_delta, seed=seed))


# -- crops and padding -------------------------------------------------------------------------
def _crop_size(value, size, opname):
    size = np.asarray(_value(size))
    if size.dtype.kind not in "iu" or size.ndim != 1:
        raise ValueError("%s: size must be a 1-D integer tensor, got %r" % (opname, size))
    shape = np.asarray(value._value.shape, np.int64)
    if size.shape[0] != shape.shape[0]:
        raise ValueError("%s: size (%s) must have one entry per dimension of value (shape %s)"
                         % (opname, size.tolist(), _shape(value)))
    if np.any(size < 0) or np.any(size > shape):
        raise InvalidArgumentError("%s: Need value.shape >= size, got shape %s and size %s"
                                   % (opname, _shape(value), size.tolist()))
    return shape, size.astype(np.int64)


def _crop_at(value, offsets, size):
    return value[tuple(slice(int(o), int(o) + int(s)) for o, s in zip(offsets, size))]


def random_crop(value, size, seed=None, name=None):
    """A slice of shape ``size`` of ``value`` at a uniformly random offset (``tf.random_crop``).

    >>> import tapeflow as tf
    >>> tf.image.random_crop(tf.reshape(tf.range(16), [4, 4]), [2, 3], seed=1).shape
    TensorShape([2, 3])
    """
    x = to_tensor(value)
    shape, size = _crop_size(x, size, "random_crop")
    draws = _random.uniform([len(shape)], 0, np.iinfo(np.int32).max, dtype="int32",
                            seed=seed)._value
    return _crop_at(x, draws.astype(np.int64) % (shape - size + 1), size)


def resize_with_pad(image, target_height, target_width, method="bilinear", antialias=False):
    """Resizes keeping the aspect ratio so the image fits, then pads with zeros to the target
    (TF 2's ``resize_with_pad``: sizes computed in float32, padding centred, rounded down).

    >>> import tapeflow as tf
    >>> tf.image.resize_with_pad(tf.ones([2, 4, 1]), 4, 4)[..., 0].numpy()
    array([[0., 0., 0., 0.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [0., 0., 0., 0.]], dtype=float32)
    """
    x = _image(image, "resize_with_pad")
    if target_height <= 0 or target_width <= 0:
        raise ValueError("resize_with_pad: target_height and target_width must be > 0, got "
                         "%r, %r" % (target_height, target_width))
    f32 = np.float32
    height, width = x._value.shape[-3:-1]
    ratio = max(f32(width) / f32(target_width), f32(height) / f32(target_height))
    new_h, new_w = f32(height) / ratio, f32(width) / ratio
    pad_h = max(0, int(np.floor((f32(target_height) - new_h) / f32(2))))
    pad_w = max(0, int(np.floor((f32(target_width) - new_w) / f32(2))))
    resized = resize(x, [int(np.floor(new_h)), int(np.floor(new_w))], method=method,
                     antialias=antialias)
    return pad_to_bounding_box(resized, pad_h, pad_w, target_height, target_width)


# -- stateless random ops ----------------------------------------------------------------------
def _stateless_rng(seed, opname, salt):
    s = np.asarray(_value(seed))
    if s.shape != (2,) or s.dtype.kind not in "iu":
        raise ValueError("%s: seed must be a shape [2] integer tensor, got %r" % (opname, seed))
    words = [int(w) & 0xFFFFFFFFFFFFFFFF for w in s.astype(np.int64)]
    return np.random.default_rng(np.random.SeedSequence(words + [salt]))


_SALT = {name: i + 0x7A9E for i, name in enumerate(__all__)}


def _stateless_uniform(seed, opname, shape=(), lo=0.0, hi=1.0):
    u = _stateless_rng(seed, opname, _SALT[opname]).random(shape)
    return u * (hi - lo) + lo


def _stateless_flip(image, axis, seed, opname):
    x = _image(image, opname)
    if x._value.ndim == 3:
        return reverse(x, [axis]) if _stateless_uniform(seed, opname) < 0.5 else x
    draws = _stateless_uniform(seed, opname, (x._value.shape[0],))
    flip = constant(np.round(draws).reshape(-1, 1, 1, 1) == 1.0)
    return where(flip, reverse(x, [axis + 1]), x)


def stateless_random_flip_left_right(image, seed):
    """Flips horizontally with probability 1/2 (per image of a batch), deterministic in ``seed``.

    >>> import tapeflow as tf
    >>> tf.image.stateless_random_flip_left_right(tf.ones([2, 2, 1]), seed=(1, 2)).shape
    TensorShape([2, 2, 1])
    """
    return _stateless_flip(image, 1, seed, "stateless_random_flip_left_right")


def stateless_random_flip_up_down(image, seed):
    """Flips vertically with probability 1/2 (per image of a batch), deterministic in ``seed``."""
    return _stateless_flip(image, 0, seed, "stateless_random_flip_up_down")


def stateless_random_brightness(image, max_delta, seed):
    """``adjust_brightness`` by a delta in [-max_delta, max_delta) determined by ``seed``."""
    if max_delta < 0:
        raise ValueError("stateless_random_brightness: max_delta must be non-negative, got %r"
                         % (max_delta,))
    delta = _stateless_uniform(seed, "stateless_random_brightness", (), -max_delta, max_delta)
    return adjust_brightness(image, float(delta))


def stateless_random_contrast(image, lower, upper, seed):
    """``adjust_contrast`` by a factor in [lower, upper) determined by ``seed``."""
    _check_lower_upper(lower, upper, "stateless_random_contrast")
    factor = _stateless_uniform(seed, "stateless_random_contrast", (), lower, upper)
    return adjust_contrast(image, float(factor))


def stateless_random_saturation(image, lower, upper, seed):
    """``adjust_saturation`` by a factor in [lower, upper) determined by ``seed``."""
    _check_lower_upper(lower, upper, "stateless_random_saturation")
    factor = _stateless_uniform(seed, "stateless_random_saturation", (), lower, upper)
    return adjust_saturation(image, float(factor))


def stateless_random_hue(image, max_delta, seed):
    """``adjust_hue`` by a delta in [-max_delta, max_delta) determined by ``seed``."""
    _check_hue_delta(max_delta, "stateless_random_hue")
    delta = _stateless_uniform(seed, "stateless_random_hue", (), -max_delta, max_delta)
    return adjust_hue(image, float(delta))


def stateless_random_crop(value, size, seed):
    """A slice of shape ``size`` at an offset determined by ``seed``.

    >>> import tapeflow as tf
    >>> tf.image.stateless_random_crop(tf.ones([4, 4, 3]), [2, 2, 3], seed=(1, 2)).shape
    TensorShape([2, 2, 3])
    """
    x = to_tensor(value)
    shape, size = _crop_size(x, size, "stateless_random_crop")
    rng = _stateless_rng(seed, "stateless_random_crop", _SALT["stateless_random_crop"])
    return _crop_at(x, rng.integers(0, shape - size + 1), size)


# -- metrics -------------------------------------------------------------------------------------
def _image_pair(a, b, opname):
    a, b = to_tensor(a), to_tensor(b)
    for name, t in (("a", a), ("b", b)):
        if t._value.ndim < 3:
            raise ValueError("%s: '%s' (shape %s) must be at least three-dimensional "
                             "[..., height, width, channels]" % (opname, name, _shape(t)))
    sa, sb = _shape(a)[-3:], _shape(b)[-3:]
    if sa != sb:
        raise ValueError("%s: the last three dimensions of the images must match, got %s and %s"
                         % (opname, _shape(a), _shape(b)))
    try:
        np.broadcast_shapes(_shape(a)[:-3], _shape(b)[:-3])
    except ValueError:
        raise ValueError("%s: batch dimensions %s and %s are not broadcastable"
                         % (opname, _shape(a)[:-3], _shape(b)[:-3])) from None
    return a, b


def _max_val(max_val, image):
    """TF: ``max_val`` is cast to the images' dtype and converted like them (255 → 1.0 for uint8)."""
    if image.dtype.is_floating:
        return _scalar(max_val, max_val, image.dtype)
    return convert_image_dtype(cast(max_val, image.dtype), "float32")


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio ``20·log10(max_val) − 10·log10(mse)`` per image (mse over the
    last three dimensions). Integer images are converted to [0, 1) floats first.

    >>> import tapeflow as tf
    >>> a = tf.constant([[[0.0], [1.0]]])
    >>> round(float(tf.image.psnr(a, a * 0.5, max_val=1.0)), 4)
    9.0309
    """
    a, b = _image_pair(a, b, "psnr")
    mv = _max_val(max_val, a)
    a, b = _as_float(a), _as_float(b)
    if b.dtype != a.dtype:
        b = cast(b, a.dtype)
    mse = reduce_mean(square(a - b), axis=[-3, -2, -1])
    ln10 = float(np.log(10.0))
    return 20.0 * log(mv) / ln10 - (10.0 / ln10) * log(mse)


def _gaussian_kernel(size, sigma, dtype):
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = -0.5 * coords ** 2 / sigma ** 2
    g = softmax(constant((g[None, :] + g[:, None]).reshape(1, -1), dtype=dtype))
    return reshape(g, [size, size, 1, 1])


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False):
    """Structural similarity per image, averaged over channels (TF's definition: an
    ``filter_size`` Gaussian window of std ``filter_sigma``, VALID filtering, then
    ``mean((2μxμy + C1)/(μx² + μy² + C1) · (2σxy + C2)/(σx² + σy² + C2))`` over positions).

    >>> import tapeflow as tf
    >>> x = tf.random.uniform([1, 16, 16, 3], seed=1)
    >>> round(float(tf.image.ssim(x, x, max_val=1.0)[0]), 6)
    1.0
    """
    a, b = _image_pair(img1, img2, "ssim")
    mv = _max_val(max_val, a)
    a, b = _as_float(a), _as_float(b)
    if b.dtype != a.dtype:
        b = cast(b, a.dtype)
    h, w, channels = _shape(a)[-3:]
    if h < filter_size or w < filter_size:
        raise InvalidArgumentError("ssim: the images (shape %s) must be at least filter_size=%d "
                                   "high and wide" % (_shape(a), filter_size))
    batch = np.broadcast_shapes(_shape(a)[:-3], _shape(b)[:-3])
    full = batch + (h, w, channels)
    a = a if _shape(a) == full else a + constant(np.zeros(full, a._value.dtype))
    b = b if _shape(b) == full else b + constant(np.zeros(full, b._value.dtype))
    kernel = tile(_gaussian_kernel(int(filter_size), float(filter_sigma), a.dtype),
                  [1, 1, channels, 1])

    def reducer(t):
        flat = reshape(t, [-1, h, w, channels])
        out = depthwise_conv2d(flat, kernel, [1, 1, 1, 1], "VALID")
        return reshape(out, list(batch) + list(_shape(out)[1:]))

    c1 = square(k1 * mv)
    c2 = square(k2 * mv)
    mean_a, mean_b = reducer(a), reducer(b)
    num0 = mean_a * mean_b * 2.0
    den0 = square(mean_a) + square(mean_b)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(a * b) * 2.0
    den1 = reducer(square(a) + square(b))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    if return_index_map:
        return reduce_mean(luminance * cs, axis=-1)
    return reduce_mean(reduce_mean(luminance * cs, axis=[-3, -2]), axis=-1)


def total_variation(images, name=None):
    """Sum of absolute differences of neighbouring pixels (vertical plus horizontal), per image
    for a 4-D batch, a scalar for one 3-D image; same dtype as ``images``.

    >>> import tapeflow as tf
    >>> float(tf.image.total_variation(tf.constant([[[1.0], [3.0]], [[2.0], [2.0]]])))
    4.0
    """
    x = to_tensor(images)
    nd = x._value.ndim
    if nd == 3:
        axis = None
        d1, d2 = x[1:, :, :] - x[:-1, :, :], x[:, 1:, :] - x[:, :-1, :]
    elif nd == 4:
        axis = [1, 2, 3]
        d1, d2 = x[:, 1:, :, :] - x[:, :-1, :, :], x[:, :, 1:, :] - x[:, :, :-1, :]
    else:
        raise ValueError("total_variation: 'images' (shape %s) must be either 3 or "
                         "4-dimensional" % (_shape(x),))
    return reduce_sum(_abs(d1), axis=axis) + reduce_sum(_abs(d2), axis=axis)


def image_gradients(image):
    """Forward differences ``(dy, dx)`` of a ``[batch, h, w, d]`` image, each the input's shape
    (the last row of ``dy`` and last column of ``dx`` are zero).

    >>> import tapeflow as tf
    >>> dy, dx = tf.image.image_gradients(tf.reshape(tf.range(4.0), [1, 2, 2, 1]))
    >>> dy[0, ..., 0].numpy(), dx[0, ..., 0].numpy()
    (array([[2., 2.],
           [0., 0.]], dtype=float32), array([[1., 0.],
           [1., 0.]], dtype=float32))
    """
    x = to_tensor(image)
    if x._value.ndim != 4:
        raise ValueError("image_gradients expects a 4D tensor [batch_size, h, w, d], not shape %s"
                         % (_shape(x),))
    dy = pad(x[:, 1:, :, :] - x[:, :-1, :, :], [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = pad(x[:, :, 1:, :] - x[:, :, :-1, :], [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


def _four(values, argname):
    v = [int(i) for i in np.asarray(_value(values)).reshape(-1)]
    if len(v) != 4 or v[0] != 1 or v[3] != 1:
        raise ValueError("extract_patches: %s must be [1, rows, cols, 1], got %r"
                         % (argname, values))
    if min(v) < 1:
        raise ValueError("extract_patches: %s must be positive, got %r" % (argname, values))
    return v[1], v[2]


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """``[batch, out_rows, out_cols, ksize_rows·ksize_cols·depth]`` patches of ``images``,
    each patch flattened in (row, column, depth) order; ``rates`` dilates the patch and
    ``padding`` ("VALID" or "SAME", zero fill) works as in ``tf.nn.conv2d``.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(16), [1, 4, 4, 1])
    >>> tf.image.extract_patches(x, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID")[0, 0]
    <tf.Tensor: shape=(2, 4), dtype=int32, numpy=
    array([[0, 1, 4, 5],
           [2, 3, 6, 7]], dtype=int32)>
    """
    x = to_tensor(images)
    if x._value.ndim != 4:
        raise ValueError("extract_patches: images must be 4-D [batch, rows, cols, depth], got "
                         "shape %s" % (_shape(x),))
    (kh, kw), (sh, sw), (rh, rw) = (_four(sizes, "sizes"), _four(strides, "strides"),
                                    _four(rates, "rates"))
    padding = padding.upper() if isinstance(padding, str) else padding
    if padding not in ("VALID", "SAME"):
        raise ValueError("extract_patches: padding must be 'VALID' or 'SAME', got %r" % (padding,))
    batch, rows, cols, depth = _shape(x)
    eh, ew = kh + (kh - 1) * (rh - 1), kw + (kw - 1) * (rw - 1)
    if padding == "VALID":
        out_r, out_c = max(0, (rows - eh) // sh + 1), max(0, (cols - ew) // sw + 1)
    else:
        out_r, out_c = -(-rows // sh), -(-cols // sw)
        ph = max((out_r - 1) * sh + eh - rows, 0)
        pw = max((out_c - 1) * sw + ew - cols, 0)
        x = pad(x, [[0, 0], [ph // 2, ph - ph // 2], [pw // 2, pw - pw // 2], [0, 0]])
    if out_r == 0 or out_c == 0:
        return constant(np.zeros((batch, out_r, out_c, kh * kw * depth), x._value.dtype))
    pieces = []
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * rh, j * rw
            pieces.append(x[:, r0:r0 + (out_r - 1) * sh + 1:sh, c0:c0 + (out_c - 1) * sw + 1:sw, :])
    return reshape(stack(pieces, axis=3), [batch, out_r, out_c, kh * kw * depth])
