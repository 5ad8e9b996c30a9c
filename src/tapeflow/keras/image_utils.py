"""``tf.keras.utils`` image helpers: ``load_img``, ``img_to_array``, ``array_to_img``,
``save_img``, and the decoding step of ``image_dataset_from_directory``.

Files are read and written with Pillow, imported on first use (never at ``import
tapeflow``): it is an optional dependency, ``pip install "tapeflow[image]"``. Semantics
follow ``keras/src/utils/image_utils.py`` (Keras 3).
"""
import io
import os
import warnings

from .._atomic import write_atomically
from ..backend import np
from . import backend as _keras_backend

# load_img's resampling filters, by the names Keras accepts (Pillow's constants).
_PIL_FILTERS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_CHANNEL_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}


def pil_image():
    """``PIL.Image``, imported on first use; a clear ImportError when Pillow is missing."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('Reading and writing images needs Pillow, which is not installed. '
                          'Install it with: pip install "tapeflow[image]" (or: pip install '
                          'pillow).') from None
    return Image


def standardize_data_format(data_format):
    """``None`` -> ``tf.keras.backend.image_data_format()``; checks the value."""
    if data_format is None:
        return _keras_backend.image_data_format()
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         "'channels_last'}. Received: data_format=%s" % (data_format,))
    return value


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3-D array (one image) to a ``PIL.Image``.

    Args:
        x: an array-like of shape ``(height, width, channels)`` (or channels first) with
            1 (grayscale), 3 (RGB) or 4 (RGBA) channels.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``tf.keras.backend.image_data_format()``.
        scale: rescale the values so that their minimum is 0 and their maximum 255.
        dtype: the float type used while scaling (default ``floatx()``).

    Without ``scale`` values are cast to ``uint8`` as they are (as Keras does), except a
    grayscale image with values above 255, which becomes a 32-bit (``"I"``) image.
    """
    data_format = standardize_data_format(data_format)
    Image = pil_image()
    x = np.asarray(x, dtype=dtype or _keras_backend.floatx())
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array with "
                         "shape: %s" % (x.shape,))
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)  # a new array: the caller's is left alone
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError("Unsupported channel number: %d (an image needs 1, 3 or 4 channels)"
                     % channels)


def img_to_array(img, data_format=None, dtype=None):
    """Converts a ``PIL.Image`` (or any array-like) to a 3-D NumPy array.

    A 2-D (grayscale) image gets a channel axis of size 1. ``dtype`` defaults to
    ``floatx()`` (``float32``).

    >>> import numpy as np, tapeflow as tf
    >>> tf.keras.utils.img_to_array(np.zeros((2, 3), "uint8")).shape
    (2, 3, 1)
    >>> tf.keras.utils.img_to_array(np.zeros((2, 3, 4)), data_format="channels_first").shape
    (4, 2, 3)
    """
    data_format = standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or _keras_backend.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[..., None]
    raise ValueError("Unsupported image shape: %s" % (x.shape,))


def _open(path):
    """Opens an image from a path or a binary file object, reading it into memory so
    that no file handle stays open (PIL decodes lazily)."""
    Image = pil_image()
    if hasattr(path, "read"):
        return Image.open(path)
    if isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:
            return Image.open(io.BytesIO(f.read()))
    raise TypeError("path should be path-like or io.BytesIO, not %s" % type(path))


def _convert(img, color_mode):
    if color_mode not in _CHANNEL_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba". Received: '
                         'color_mode=%r' % (color_mode,))
    if color_mode == "grayscale":
        # 16- and 32-bit grayscale images stay as they are (Keras keeps their range).
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    mode = color_mode.upper()
    return img if img.mode == mode else img.convert(mode)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Loads an image file into a ``PIL.Image``.

    Args:
        path: a path or a binary file object (``io.BytesIO``).
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``.
        target_size: ``None`` (the file's size) or ``(height, width)``.
        interpolation: Pillow's filter when resizing: ``"nearest"``, ``"bilinear"``,
            ``"bicubic"``, ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: resize the largest central crop with the target's aspect
            ratio instead of distorting the image.
    """
    img = _convert(_open(path), color_mode)
    if target_size is None:
        return img
    width_height = (int(target_size[1]), int(target_size[0]))
    if img.size == width_height:
        return img
    if interpolation not in _PIL_FILTERS:
        raise ValueError("Invalid interpolation method %s specified. Supported methods are %s"
                         % (interpolation, ", ".join(_PIL_FILTERS)))
    Image = pil_image()
    resample = getattr(getattr(Image, "Resampling", Image), interpolation.upper())
    box = None
    if keep_aspect_ratio:
        width, height = img.size
        target_width, target_height = width_height
        crop_height = min(height, (width * target_height) // target_width)
        crop_width = min(width, (height * target_width) // target_height)
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        box = (left, top, left + crop_width, top + crop_height)
    return img.resize(width_height, resample, box=box)


def _format_for(path, file_format):
    """The Pillow format name: the one given (``jpg`` -> ``JPEG``), else from the suffix."""
    if file_format is not None:
        file_format = file_format.upper()
        return "JPEG" if file_format == "JPG" else file_format
    ext = os.path.splitext(os.fsdecode(path))[1].lower()
    found = pil_image().registered_extensions().get(ext)
    if found is None:
        raise ValueError("save_img: cannot tell the image format from the file name %r; pass "
                         "`file_format` (e.g. 'png')." % (os.fsdecode(path),))
    return found


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an array as an image file (or into a binary file object).

    Writing is atomic: the image goes to a temporary file in the same folder, which then
    replaces ``path``, so a reader never sees half a file.

    Args:
        path: a path or a file object (then ``file_format`` is needed).
        x: a 3-D array, see ``array_to_img``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        file_format: e.g. ``"png"``, ``"jpeg"``; default: from the file name's suffix.
        scale: rescale the values to ``[0, 255]`` (see ``array_to_img``).
        **kwargs: passed to ``PIL.Image.save`` (e.g. ``quality=90``).
    """
    is_file = hasattr(path, "write")
    if is_file and file_format is None:
        raise ValueError("save_img: pass `file_format` when saving to a file object.")
    img = array_to_img(x, data_format=data_format, scale=scale)
    file_format = _format_for(path, file_format)
    if img.mode == "RGBA" and file_format == "JPEG":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    if is_file:
        img.save(path, format=file_format, **kwargs)
        return

    def write(tmp):
        with open(tmp, "wb") as f:
            img.save(f, format=file_format, **kwargs)
    write_atomically(os.fsdecode(path), write)


# -- image_dataset_from_directory's decoding step ------------------------------------------
def decode_and_resize(path, num_channels, image_size, interpolation, crop_to_aspect_ratio,
                      pad_to_aspect_ratio, data_format):
    """One image file -> a float32 ``(height, width, channels)`` array (or channels first),
    as Keras's ``tf.data`` pipeline makes it: decoded to 1, 3 or 4 channels of 8 bits (the
    first frame of a GIF), then resized with ``tf.image.resize``, central-cropped first
    (``crop_to_aspect_ratio``) or zero-padded after (``pad_to_aspect_ratio``) to keep the
    aspect ratio."""
    from ..api import image as tf_image
    try:
        img = _open(path)
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
        pixels = np.asarray(img if img.mode == mode else img.convert(mode))
    except OSError as e:  # PIL.UnidentifiedImageError is an OSError
        raise ValueError("Could not decode the image file %s: %s" % (os.fsdecode(path), e)) \
            from None
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    height, width = pixels.shape[:2]
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = _central_crop_box(height, width, image_size)
        pixels = pixels[top:top + crop_h, left:left + crop_w]
        out = tf_image.resize(pixels, image_size, method=interpolation)
    elif pad_to_aspect_ratio:
        out = _resize_with_pad(tf_image, pixels, image_size, interpolation)
    else:
        out = tf_image.resize(pixels, image_size, method=interpolation)
    out = out.numpy().astype("float32", copy=False)  # 'nearest' keeps uint8: Keras gives floats
    return out.transpose(2, 0, 1) if data_format == "channels_first" else out


def _central_crop_box(height, width, size):
    """Keras's ``smart_resize`` crop: the largest central window with ``size``'s aspect ratio."""
    target_h, target_w = size
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def _resize_with_pad(tf_image, pixels, size, interpolation):
    """``tf.image.resize_with_pad``: fit inside ``size`` keeping the aspect ratio (sizes
    computed in float32 and floored, as TF does), then pad with zeros around."""
    f32 = np.float32
    height, width = f32(pixels.shape[0]), f32(pixels.shape[1])
    target_h, target_w = f32(size[0]), f32(size[1])
    ratio = max(width / target_w, height / target_h)
    new_h, new_w = height / ratio, width / ratio
    top = max(0, int(np.floor((target_h - new_h) / f32(2))))
    left = max(0, int(np.floor((target_w - new_w) / f32(2))))
    resized = tf_image.resize(pixels, [int(np.floor(new_h)), int(np.floor(new_w))],
                              method=interpolation)
    return tf_image.pad_to_bounding_box(resized, top, left, int(size[0]), int(size[1]))
