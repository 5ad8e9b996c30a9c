"""The resampling kernels behind ``tf.image.resize`` and ``UpSampling2D``, on NHWC tensors.

Nothing here is a primitive: a resize works along the width axis, then the height axis,
either by ``gather``ing source rows and mixing them elementwise, or by a ``matmul`` with an
``[out, in]`` weight matrix; gradients (and higher derivatives) come from those ops. The
kernels keep the input's dtype; ``tf.image.resize`` casts to float32 first, as TF's do.

The sampling follows TF 2's kernels with ``half_pixel_centers=True`` and
``align_corners=False`` (tensorflow/core/kernels/image/resize_bilinear_op.cc,
resize_nearest_neighbor_op.cc, resize_area_op.cc), computed in float32 as there, with
``scale = in_size / out_size``:

* bilinear: ``src = (dst + 0.5)·scale − 0.5``, ``lower = max(floor(src), 0)``,
  ``upper = min(ceil(src), in_size − 1)``, ``lerp = src − floor(src)``;
  ``out = in[lower] + (in[upper] − in[lower])·lerp``.
* nearest: ``src = clip(floor((dst + 0.5)·scale), 0, in_size − 1)``.
* area (no half-pixel shift): output ``o`` is the mean of the input cells under the window
  ``[o·scale, (o+1)·scale)``, each weighted by its overlap with the window.
"""
from ..backend import np
from .array import gather, reshape
from .core import to_tensor
from .creation import constant
from .linalg import matmul

__all__ = ["resize_bilinear", "resize_nearest", "resize_area"]

# Bilinear weights as a dense matrix: a matmul and its transpose run ~10x faster than two
# gathers, whose gradient is a scatter-add, until the matrix gets this large (in · out).
_DENSE_LIMIT = 1 << 16


def _scale(in_size, out_size):
    return np.float32(in_size) / np.float32(out_size)


def _centers(out_size):
    return np.arange(out_size, dtype=np.float32) + np.float32(0.5)


def bilinear_weights(in_size, out_size):
    """``(lower, upper, lerp)`` along one axis: source indices and float32 weights."""
    src = _centers(out_size) * _scale(in_size, out_size) - np.float32(0.5)
    floor = np.floor(src)
    lower = np.maximum(floor.astype(np.int64), 0)
    upper = np.minimum(np.ceil(src).astype(np.int64), in_size - 1)
    return lower, upper, src - floor


def bilinear_matrix(in_size, out_size):
    """The ``[out_size, in_size]`` float32 matrix of the bilinear weights along one axis."""
    lower, upper, lerp = bilinear_weights(in_size, out_size)
    rows = np.arange(out_size)
    matrix = np.zeros((out_size, in_size), np.float32)
    matrix[rows, lower] = np.float32(1.0) - lerp
    matrix[rows, upper] += lerp
    matrix[rows[lower == upper], lower[lower == upper]] = 1.0   # not (1 − lerp) + lerp ≈ 1
    return matrix


def nearest_indices(in_size, out_size):
    """The source index of each output position along one axis."""
    src = np.floor(_centers(out_size) * _scale(in_size, out_size)).astype(np.int64)
    return np.clip(src, 0, in_size - 1)


def area_matrix(in_size, out_size):
    """The ``[out_size, in_size]`` float32 overlaps of each output's window with the cells."""
    scale = _scale(in_size, out_size)
    matrix = np.zeros((out_size, in_size), np.float32)
    for o in range(out_size):
        lo, hi = np.float32(o) * scale, np.float32(o + 1) * scale
        for i in range(int(np.floor(lo)), int(np.ceil(hi))):
            # TF's case split: a window inside one cell weighs `scale`, not hi − lo.
            if i < lo:
                overlap = scale if i + 1 > hi else np.float32(i + 1) - lo
            else:
                overlap = hi - np.float32(i) if i + 1 > hi else np.float32(1.0)
            matrix[o, min(max(i, 0), in_size - 1)] += overlap   # float rounding may pass the edge
    return matrix


def _matmul_along(x, axis, matrix):
    """``matrix`` (``[out, in]``) applied along ``axis``: one broadcast batched matmul."""
    shape = tuple(x.shape)
    lead, trail = int(np.prod(shape[:axis])), int(np.prod(shape[axis + 1:]))
    y = matmul(constant(matrix, dtype=x.dtype), reshape(x, (lead, shape[axis], trail)))
    return reshape(y, shape[:axis] + (matrix.shape[0],) + shape[axis + 1:])


def _lerp_along(x, axis, out_size, dense):
    in_size = x.shape[axis]
    if dense and in_size * out_size <= _DENSE_LIMIT:
        return _matmul_along(x, axis, bilinear_matrix(in_size, out_size))
    lower, upper, lerp = bilinear_weights(in_size, out_size)
    shape = [1] * len(x.shape)
    shape[axis] = out_size
    a = gather(x, lower, axis=axis)
    b = gather(x, upper, axis=axis)
    return a + (b - a) * constant(lerp.reshape(shape), dtype=x.dtype)


def resize_bilinear(images, height, width):
    """Resizes ``[batch, h, w, c]`` images to ``[batch, height, width, c]``, bilinearly.

    The dtype (a floating one) is kept.

    >>> import tapeflow as tf
    >>> from tapeflow.ops.image import resize_bilinear
    >>> resize_bilinear(tf.constant([[[[0.0], [4.0]]]]), 1, 4)[0, 0, :, 0].numpy()
    array([0., 1., 3., 4.], dtype=float32)
    """
    x = to_tensor(images)
    if tuple(x.shape[1:3]) == (height, width):
        return x
    # Only finite images take the matmul: its zero weights would turn an inf into NaNs
    # along the whole row, where TF's kernel touches two neighbours only.
    dense = bool(np.isfinite(x._value).all())
    x = _lerp_along(x, 2, width, dense)
    return _lerp_along(x, 1, height, dense)


def resize_nearest(images, height, width):
    """Resizes ``[batch, h, w, c]`` images by nearest-neighbour sampling; any dtype.

    >>> import tapeflow as tf
    >>> from tapeflow.ops.image import resize_nearest
    >>> resize_nearest(tf.constant([[[[1], [2], [3]]]]), 1, 2)[0, 0, :, 0].numpy()
    array([1, 3], dtype=int32)
    """
    x = to_tensor(images)
    if x.shape[1] != height:
        x = gather(x, nearest_indices(x.shape[1], height), axis=1)
    if x.shape[2] != width:
        x = gather(x, nearest_indices(x.shape[2], width), axis=2)
    return x


def resize_area(images, height, width):
    """Resizes ``[batch, h, w, c]`` images by area averaging, keeping the float dtype.

    A non-finite input value spreads along its row and column here, not only over the
    outputs whose windows cover it.

    >>> import tapeflow as tf
    >>> from tapeflow.ops.image import resize_area
    >>> resize_area(tf.constant([[[[0.0], [3.0], [6.0]]]]), 1, 2)[0, 0, :, 0].numpy()
    array([1., 5.], dtype=float32)
    """
    x = to_tensor(images)
    in_height, in_width = x.shape[1:3]
    if (in_height, in_width) == (height, width):
        return x
    x = _matmul_along(x, 2, area_matrix(in_width, width))
    x = _matmul_along(x, 1, area_matrix(in_height, height))
    # TF divides the weighted sum by the window's area once, at the end.
    area = _scale(in_height, height) * _scale(in_width, width)
    return x * float(np.float32(1.0 / float(area)))
