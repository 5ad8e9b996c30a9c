"""TF's ImageProjectiveTransformV3 kernel in NumPy: the sampling behind Keras's
RandomRotation, RandomZoom and RandomTranslation (tensorflow/core/kernels/image/image_ops.h).

Each image has 8 numbers that map an *output* pixel ``(x, y)`` to the *input* point
``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with ``k = c0 x + c1 y + 1``. As in TF:
coordinates are float32; the fill mode first maps an outside coordinate inside and clamps it
to ``[0, len - 1]``; with "constant" a point outside gets ``fill_value``; "nearest"
interpolation rounds half away from zero, "bilinear" blends the four neighbours.
"""
from ...backend import np

__all__ = ["projective_transform"]


def _reflect_coordinates(c, n):
    """TF's FILL_REFLECT: reflect about the outer pixel edges, period ``2n``."""
    if n <= 1:
        return np.zeros_like(c)
    period = 2 * n
    below = period * np.trunc(-c / period) + c
    below = np.where(below < -n, below + period, -below - 1)
    above = c - period * np.trunc(c / period)
    above = np.where(above >= n, period - above - 1, above)
    return np.clip(np.where(c < 0, below, np.where(c > n - 1, above, c)), 0, n - 1)


def _wrap_coordinates(c, n):
    """TF's FILL_WRAP. TF counts periods in units of ``n - 1`` but shifts by ``n``, so a
    point ``n - 1`` or more beyond an edge is clamped instead of wrapped; kept as TF does."""
    if n <= 1:
        return np.zeros_like(c)
    below = c + n * (np.trunc(-c / (n - 1)) + 1)
    above = c - n * np.trunc(c / (n - 1))
    return np.clip(np.where(c < 0, below, np.where(c > n - 1, above, c)), 0, n - 1)


_MAP_COORDINATES = {
    "reflect": _reflect_coordinates,
    "wrap": _wrap_coordinates,
    "nearest": lambda c, n: np.clip(c, 0, n - 1),
    "constant": lambda c, n: c,
}


def _round_half_away(c):
    """``std::round`` for non-negative ``c``: ``np.round`` rounds half to even, and
    ``floor(c + 0.5)`` rounds 0.49999997 up in float32."""
    floor = np.floor(c)
    return floor + (c - floor >= 0.5)


def projective_transform(images, transforms, interpolation, fill_mode, fill_value):
    """Samples each NHWC image at the input points its transform row (of 8) gives for the
    output pixels, filling and interpolating as TF's kernel does."""
    n, height, width, _ = images.shape
    t = np.asarray(transforms, np.float32).reshape(n, 8)[:, :, None, None]
    y, x = np.mgrid[:height, :width].astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = t[:, 6] * x + t[:, 7] * y + np.float32(1.0)
        x_in = _MAP_COORDINATES[fill_mode]((t[:, 0] * x + t[:, 1] * y + t[:, 2]) / k, width)
        y_in = _MAP_COORDINATES[fill_mode]((t[:, 3] * x + t[:, 4] * y + t[:, 5]) / k, height)
    # Only "constant" leaves points outside; k == 0 sends a point to infinity (NaN here).
    inside = (k != 0) & (x_in >= 0) & (x_in <= width - 1) & (y_in >= 0) & (y_in <= height - 1)
    everywhere = bool(inside.all())
    if not everywhere:
        x_in, y_in = np.where(inside, x_in, 0), np.where(inside, y_in, 0)
    fill = np.asarray(fill_value, images.dtype)
    # Bilinear reads reach one row and column past the image (with weight 0) where TF reads
    # fill_value: a fill border there makes every read in bounds, so no masks are needed.
    padded = np.pad(images, [(0, 0), (0, 1), (0, 1), (0, 0)], constant_values=fill)
    pixels = padded.reshape(-1, images.shape[3])
    stride = width + 1
    first = (np.arange(n) * (height + 1) * stride)[:, None, None]

    def read(row_starts, columns):
        # One flat take is several times faster than indexing with three index arrays.
        return np.take(pixels, row_starts + columns, axis=0)

    if interpolation == "nearest":
        row_starts = first + _round_half_away(y_in).astype(np.int64) * stride
        out = read(row_starts, _round_half_away(x_in).astype(np.int64))
    else:
        x0, y0 = np.floor(x_in), np.floor(y_in)
        dtype = images.dtype
        wx0, wx1 = (x0 + 1 - x_in).astype(dtype)[..., None], (x_in - x0).astype(dtype)[..., None]
        wy0, wy1 = (y0 + 1 - y_in).astype(dtype)[..., None], (y_in - y0).astype(dtype)[..., None]
        top, left = first + y0.astype(np.int64) * stride, x0.astype(np.int64)
        upper = wx0 * read(top, left) + wx1 * read(top, left + 1)
        lower = wx0 * read(top + stride, left) + wx1 * read(top + stride, left + 1)
        out = wy0 * upper + wy1 * lower
    if not everywhere:
        out = np.where(inside[..., None], out, fill)
    return out.astype(images.dtype, copy=False)
