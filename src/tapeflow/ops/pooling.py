"""Max and average pooling over NHWC windows, by k×k strided views (no patch matrix).

A pooling forward pass is ``kh·kw`` elementwise passes over output-sized strided views of
the (padded) input; the backward pass is the same loop writing into the input's gradient.
Max pooling sends each window's gradient to its first maximum in row-major order, as
TF's kernel does; 'SAME' average pooling divides by the number of real (unpadded) inputs
in each window (TF and Keras do, see tf_semantics §9.8).

The common 2×2/2 max pooling is a three-comparison tournament whose winners are kept
from the forward pass (when a tape watches it), so its gradient is six float passes over
the pooled size with no mask algebra and no zero-filling of the input-sized result.
Its outputs, winners and gradients come from ``_buffers`` (reused between steps).

    y = MaxPool(x)              dx = MaxPoolGrad(x, y, g)       (d/dg: MaxPoolGradGrad)
    y = AvgPool(x)              dx = AvgPoolGrad(g)             (d/dg: AvgPool)
"""
from ..backend import np
from ..errors import InvalidArgumentError
from .._context import recording
from . import _buffers
from ._parallel import over_batch
from .conv import _geometry, _padding_arg, _spatial_pair, _watched
from .core import apply, defprimitive, to_tensor

__all__ = ["max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool", "avg_pool"]


def _views(xp, ksize, strides, out_hw):
    """Yields ((i, j), view) for every window offset; each view is (N, Ho, Wo, C)."""
    sh, sw = strides
    ho, wo = out_hw
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            yield xp[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]


def _pad(x, pads, fill):
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    n, h, w, c = x.shape
    out = np.full((n, h + pt + pb, w + pl + pr, c), fill, x.dtype)
    out[:, pt:pt + h, pl:pl + w] = x
    return out


def _grad_buffer(shape, pads, dtype):
    (pt, pb), (pl, pr) = pads
    n, h, w, c = shape
    return np.zeros((n, h + pt + pb, w + pl + pr, c), dtype)


def _crop(dxp, shape, pads):
    (pt, _), (pl, _) = pads
    return dxp[:, pt:pt + shape[1], pl:pl + shape[2]]


# -- max pooling ---------------------------------------------------------------------------
def _is_2x2(ksize, strides, pads):
    return ksize == (2, 2) and strides == (2, 2) and not any(pads[0] + pads[1])


def _max_2x2(x, out_hw, winners=True):
    """2×2/2 max pooling as a small tournament that can also record who won each window.

    ``right_top`` (v01 > v00), ``right_bottom`` (v11 > v10) and ``bottom`` (the bottom pair
    beats the top pair) are strict comparisons, so ties go to the first position in
    row-major order, as TF routes them.
    """
    ho, wo = out_hw
    n, c = x.shape[0], x.shape[3]
    top, bottom = _buffers.empty((2, n, ho, wo, c), x.dtype)
    won = _buffers.empty((3, n, ho, wo, c), bool) if winners else None

    def tournament(a, b):
        v00, v01 = x[a:b, 0:2 * ho:2, 0:2 * wo:2], x[a:b, 0:2 * ho:2, 1:2 * wo:2]
        v10, v11 = x[a:b, 1:2 * ho:2, 0:2 * wo:2], x[a:b, 1:2 * ho:2, 1:2 * wo:2]
        np.maximum(v00, v01, out=top[a:b])
        np.maximum(v10, v11, out=bottom[a:b])
        if winners:
            np.greater(v01, v00, out=won[0, a:b])
            np.greater(v11, v10, out=won[1, a:b])
            np.greater(bottom[a:b], top[a:b], out=won[2, a:b])
        np.maximum(top[a:b], bottom[a:b], out=top[a:b])
    over_batch(tournament, n, x.size)
    return top, won


def _max_2x2_grad(g, winners, x_shape, out_hw):
    """Scatters ``g`` to the winners with six float passes (no boolean mask algebra)."""
    right_top, right_bottom, bottom = winners
    n, h, w, c = x_shape
    ho, wo = out_hw
    dx = _buffers.empty(x_shape, g.dtype)
    if h > 2 * ho:
        dx[:, 2 * ho:] = 0.0
    if w > 2 * wo:
        dx[:, :, 2 * wo:] = 0.0

    def scatter(a, b):
        d00, d01 = dx[a:b, 0:2 * ho:2, 0:2 * wo:2], dx[a:b, 0:2 * ho:2, 1:2 * wo:2]
        d10, d11 = dx[a:b, 1:2 * ho:2, 0:2 * wo:2], dx[a:b, 1:2 * ho:2, 1:2 * wo:2]
        g_bottom = g[a:b] * bottom[a:b]
        g_top = g[a:b] - g_bottom
        np.multiply(g_top, right_top[a:b], out=d01)
        np.subtract(g_top, d01, out=d00)
        np.multiply(g_bottom, right_bottom[a:b], out=d11)
        np.subtract(g_bottom, d11, out=d10)
    over_batch(scatter, n, dx.size)
    return dx


def _max_forward(x, ksize, strides, pads, out_hw, cache):
    if _is_2x2(ksize, strides, pads):
        out, winners = _max_2x2(x, out_hw, winners=cache is not None)
        if cache is not None:
            cache.winners = winners
        return out
    views = _views(_pad(x, pads, -np.inf), ksize, strides, out_hw)
    out = np.array(next(views))
    for v in views:
        np.maximum(out, v, out=out)
    return out


def _max_grad_forward(x, y, g, ksize, strides, pads, out_hw, cache):
    """Routes each output's gradient to the first input equal to the window's maximum."""
    if _is_2x2(ksize, strides, pads):
        winners = cache.take() if cache is not None else None
        if winners is None:
            winners = _max_2x2(x, out_hw)[1]
        return _max_2x2_grad(g, winners, x.shape, out_hw)
    dxp = _grad_buffer(x.shape, pads, g.dtype)
    xviews = _views(_pad(x, pads, -np.inf), ksize, strides, out_hw)
    dviews = _views(dxp, ksize, strides, out_hw)
    overlapping = strides[0] < ksize[0] or strides[1] < ksize[1]
    taken = np.zeros(y.shape, bool)
    for xv, dv in zip(xviews, dviews):
        hit = xv == y
        hit &= ~taken
        taken |= hit
        if overlapping:
            dv += g * hit
        else:
            np.multiply(g, hit, out=dv)
    return _crop(dxp, x.shape, pads)


def _max_gradgrad_forward(x, y, gg, ksize, strides, pads, out_hw):
    """The adjoint of MaxPoolGrad in ``g``: each window picks ``gg`` at its first maximum."""
    out = np.zeros(y.shape, gg.dtype)
    xviews = _views(_pad(x, pads, -np.inf), ksize, strides, out_hw)
    gviews = _views(_pad(gg, pads, 0.0), ksize, strides, out_hw)
    taken = np.zeros(y.shape, bool)
    for xv, gv in zip(xviews, gviews):
        hit = xv == y
        hit &= ~taken
        taken |= hit
        out += gv * hit
    return out


class _WinnerCache:
    """Holds the 2×2 tournament's winners from a forward pass until its gradient takes them."""

    __slots__ = ("winners",)

    def __init__(self):
        self.winners = None

    def take(self):
        winners, self.winners = self.winners, None
        return winners


def _max_grad(g, ans, x, cache, **geometry):
    return apply(_MAX_POOL_GRAD, (x, ans, g), dict(geometry, cache=cache))


def _max_grad_grad(needs, gg, ans, x, y, g, cache, **geometry):
    # Piecewise linear in x and y (their gradients are zero almost everywhere), linear in g.
    dg = apply(_MAX_POOL_GRAD_GRAD, (x, y, gg), geometry) if needs[2] else None
    return None, None, dg


_MAX_POOL = defprimitive("MaxPool", _max_forward, _max_grad)
_MAX_POOL_GRAD = defprimitive("MaxPoolGrad", _max_grad_forward, grad=_max_grad_grad)
_MAX_POOL_GRAD_GRAD = defprimitive(
    "MaxPoolGradGrad", _max_gradgrad_forward,
    grad=lambda needs, g, ans, x, y, gg, **geometry: (
        None, None, apply(_MAX_POOL_GRAD, (x, y, g), dict(geometry, cache=None))
        if needs[2] else None))


# -- average pooling -----------------------------------------------------------------------
def _window_counts(in_hw, ksize, strides, pads, out_hw, dtype):
    """How many real (unpadded) inputs each output window covers: an (Ho, Wo, 1) array."""
    counts = []
    for size, k, s, (before, _), n in zip(in_hw, ksize, strides, pads, out_hw):
        start = np.arange(n) * s - before
        counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    return np.multiply.outer(counts[0], counts[1]).astype(dtype)[:, :, None]


def _avg_forward(x, ksize, strides, pads, out_hw):
    views = _views(_pad(x, pads, 0.0), ksize, strides, out_hw)
    out = np.array(next(views))
    for v in views:
        out += v
    out /= _window_counts(x.shape[1:3], ksize, strides, pads, out_hw, x.dtype)
    return out


def _avg_grad_forward(g, input_shape, ksize, strides, pads, out_hw):
    share = g / _window_counts(input_shape[1:3], ksize, strides, pads, out_hw, g.dtype)
    dxp = _grad_buffer(input_shape, pads, g.dtype)
    for dv in _views(dxp, ksize, strides, out_hw):
        dv += share
    return _crop(dxp, input_shape, pads)


_AVG_POOL = defprimitive(
    "AvgPool", _avg_forward,
    lambda g, ans, x, **geometry: apply(_AVG_POOL_GRAD, (g,),
                                        dict(geometry, input_shape=x._value.shape)))
_AVG_POOL_GRAD = defprimitive(
    "AvgPoolGrad", _avg_grad_forward,
    lambda gg, ans, g, input_shape, **geometry: apply(_AVG_POOL, (gg,), geometry))


# -- public functions ----------------------------------------------------------------------
def _pool2d(op, opname, input, ksize, strides, padding, data_format):
    from .conv import _from_nhwc, _nhwc_order, _to_nhwc
    x = _to_nhwc(to_tensor(input), data_format)
    ksize, strides, padding = _nhwc_order(data_format, ksize, strides, padding)
    if x._value.ndim != 4:
        raise InvalidArgumentError("%s: input must be 4-D (batch, height, width, channels), got "
                                   "shape %s" % (opname, tuple(x._value.shape)))
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError("%s: input must be floating point, got %s"
                                   % (opname, x._value.dtype))
    ksize = _spatial_pair(ksize, "ksize", opname)
    strides = _spatial_pair(strides, "strides", opname)
    padding = _padding_arg(padding, opname)
    if not isinstance(padding[0], str):
        raise InvalidArgumentError("%s: padding must be 'VALID' or 'SAME', got %s"
                                   % (opname, padding))
    out_hw, pads = _geometry(opname, x._value.shape[1:3], ksize, strides, (1, 1), padding)
    attrs = {"ksize": ksize, "strides": strides, "pads": pads, "out_hw": out_hw}
    if op is _MAX_POOL:
        attrs["cache"] = _WinnerCache() if recording and _watched(x) else None
    y = apply(op, (x,), attrs)
    return _from_nhwc(y, data_format)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Max pooling over ``ksize`` windows of NHWC ``input``.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> tf.nn.max_pool2d(x, 2, 2, "VALID")[0, :, :, 0].numpy().tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    return _pool2d(_MAX_POOL, "MaxPool", input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Average pooling; with 'SAME' each window averages only its real inputs.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(9.0), (1, 3, 3, 1))
    >>> tf.nn.avg_pool2d(x, 2, 2, "SAME")[0, :, :, 0].numpy().tolist()
    [[2.0, 3.5], [6.5, 8.0]]
    """
    return _pool2d(_AVG_POOL, "AvgPool", input, ksize, strides, padding, data_format)


def _pool1d(pool2d, opname, input, ksize, strides, padding, data_format):
    from .array import expand_dims, squeeze
    x = to_tensor(input)
    if x._value.ndim != 3:
        raise InvalidArgumentError("%s: input must be 3-D (batch, width, channels), got shape %s"
                                   % (opname, tuple(x._value.shape)))
    channels_first = data_format == "NCW"
    k = _spatial_pair(ksize, "ksize", opname, rank=1)[0]
    s = _spatial_pair(strides, "strides", opname, rank=1)[0]
    y = pool2d(expand_dims(x, 2 if channels_first else 1), (1, k), (1, s), padding,
               "NCHW" if channels_first else "NHWC")
    return squeeze(y, 2 if channels_first else 1)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Max pooling over the width of ``(batch, width, channels)`` input.

    >>> import tapeflow as tf
    >>> tf.nn.max_pool1d(tf.reshape(tf.range(6.0), (1, 6, 1)), 2, 2, "VALID")[0, :, 0].numpy()
    array([1., 3., 5.], dtype=float32)
    """
    return _pool1d(max_pool2d, "MaxPool1D", input, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Average pooling over the width of ``(batch, width, channels)`` input.

    >>> import tapeflow as tf
    >>> tf.nn.avg_pool1d(tf.reshape(tf.range(6.0), (1, 6, 1)), 2, 2, "VALID")[0, :, 0].numpy()
    array([0.5, 2.5, 4.5], dtype=float32)
    """
    return _pool1d(avg_pool2d, "AvgPool1D", input, ksize, strides, padding, data_format)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """``tf.nn.max_pool``: dispatches on the input's rank (3, 4 or 5)."""
    rank = to_tensor(input)._value.ndim
    if rank == 3:
        return max_pool1d(input, ksize, strides, padding, data_format or "NWC")
    if rank == 5:
        from .conv3d import max_pool3d
        return max_pool3d(input, ksize, strides, padding, data_format or "NDHWC")
    return max_pool2d(input, ksize, strides, padding, data_format or "NHWC")


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """``tf.nn.avg_pool``: dispatches on the input's rank (3, 4 or 5)."""
    rank = to_tensor(input)._value.ndim
    if rank == 3:
        return avg_pool1d(input, ksize, strides, padding, data_format or "NWC")
    if rank == 5:
        from .conv3d import avg_pool3d
        return avg_pool3d(input, ksize, strides, padding, data_format or "NDHWC")
    return avg_pool2d(input, ksize, strides, padding, data_format or "NHWC")
