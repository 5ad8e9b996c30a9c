"""Conv2D + bias (+ ReLU) + 2×2/2 max pooling as one primitive.

``Conv2D(activation='relu')`` followed by ``MaxPooling2D()`` is the building block of most
small CNNs, and run as separate ops its cost is memory passes, not arithmetic: the
convolution's output (four times the pooled size) is written, ReLU'd and read back by
the pooling; on the way back the pooled gradient is scattered to full size, masked by
the ReLU, and multiplied by the patch matrix. Here:

- the patch matrix is built in *pool order*: rows ``(dy, dx, n, ph, pw)`` hold the patch
  of output position ``(2·ph + dy, 2·pw + dx)``, so one matmul gives the four candidates
  of every pooling window as four contiguous blocks and the pooling is three contiguous
  ``maximum`` calls. Output rows and columns a VALID pool drops are never computed;
- ReLU commutes with max (``max(relu(a)) = relu(max(a))``), so it runs at pooled size;
- backward, the pooled gradient is masked by the ReLU and routed to each window's winner
  as four pooled-size blocks, one matmul with the kept patch matrix gives the filter and
  bias gradients, and only the input gradient (when asked for) sees full size.

Values and gradients match the unfused ops, ties included: the max picks the first of
equal candidates in row-major order, as TF's MaxPoolGrad routes them, and a window whose
maximum is not positive passes no gradient through the ReLU either way.

The backward pass runs on arrays when no tape records it (first derivatives, the
training case). When an outer tape records it (second derivatives), the rule recomputes
the unfused convolution and pooling and uses their differentiable rules instead.

    y = FusedConv2DBiasActivationMaxPool(x, w, b)
"""
from .._context import recording
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import _wrap
from . import _buffers
from ._parallel import over_batch
from .conv import (_FUSED_CONV2D, _as_strided, _check_ranks, _col2im_matmul, _fused_grad,
                   _pad, _watched, _windows, biased_conv_geometry)
from .core import apply, defprimitive, to_tensor
from .pooling import _MAX_POOL, _MAX_POOL_GRAD

__all__ = ["conv2d_bias_activation_max_pool"]

# (dy, dx) of the four positions of a 2×2 window, in row-major order: ties go to the first.
_PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))
_POOL_2X2 = {"ksize": (2, 2), "strides": (2, 2), "pads": ((0, 0), (0, 0))}


def _pooled_patches(x, k_hw, pooled_hw, strides, dilations, pads):
    """Every output position's patch, in pool order: a (4·N·Hp·Wp, kh·kw·C + 1) matrix
    whose last column is ones, so one matmul with the filter stacked on the bias gives the
    four candidates of each window (and its transpose the filter and bias gradients)."""
    xp = _pad(x, pads)
    if x.shape[3] == 1:
        return _one_channel_cols(xp[..., 0], k_hw, pooled_hw, strides, dilations)
    return _windows_cols(xp, k_hw, pooled_hw, strides, dilations)


def _windows_cols(xp, k_hw, pooled_hw, strides, dilations):
    """The patch matrix, copied phase by phase from strided views of the receptive fields."""
    n, c = xp.shape[0], xp.shape[3]
    (kh, kw), (hp, wp), (sh, sw) = k_hw, pooled_hw, strides
    width, rows = kh * kw * c, n * hp * wp
    cols = _buffers.empty((4, rows, width + 1), xp.dtype)
    cols[:, :, width] = 1.0
    item = cols.itemsize
    row = (width + 1) * item
    phase_strides = (hp * wp * row, wp * row, row, kw * c * item, c * item, item)

    def gather_windows(a, b):
        for q, (dy, dx) in enumerate(_PHASES):
            windows = _windows(xp[:, dy * sh:, dx * sw:], k_hw, pooled_hw, (2 * sh, 2 * sw),
                               dilations)
            target = _as_strided(cols[q], windows.shape, phase_strides)
            np.copyto(target[a:b], windows[a:b])
    over_batch(gather_windows, n, 4 * rows * width)
    return cols.reshape(4 * rows, width + 1)


def _one_channel_cols(plane, k_hw, pooled_hw, strides, dilations):
    """The patch matrix of a one-channel image, built transposed: one contiguous
    (N, Hp, Wp) block per kernel tap and window position rather than 1-element rows.

    The taps of a window's four positions overlap (a 3×3 kernel's four positions cover
    4×4 pixels, not 36), so each distinct pixel offset is gathered from the image once, by
    a strided view, and the tap rows are contiguous copies of those. The result is used as
    its Fortran-ordered transpose, which BLAS takes as it is.
    """
    n = plane.shape[0]
    (kh, kw), (hp, wp), (sh, sw) = k_hw, pooled_hw, strides
    rows, width = n * hp * wp, kh * kw
    offsets = sorted({(dy * sh + i * dilations[0], dx * sw + j * dilations[1])
                      for dy, dx in _PHASES for i in range(kh) for j in range(kw)})
    pixels = _buffers.empty((len(offsets), n, hp, wp), plane.dtype)
    for k, (top, left) in enumerate(offsets):
        pixels[k] = plane[:, top:top + 2 * sh * (hp - 1) + 1:2 * sh,
                          left:left + 2 * sw * (wp - 1) + 1:2 * sw]
    pixels = pixels.reshape(len(offsets), rows)
    cols_t = _buffers.empty((width + 1, 4, rows), plane.dtype)
    for i in range(kh):
        for j in range(kw):
            for q, (dy, dx) in enumerate(_PHASES):
                cols_t[i * kw + j, q] = pixels[offsets.index(
                    (dy * sh + i * dilations[0], dx * sw + j * dilations[1]))]
    cols_t[width] = 1.0
    return cols_t.reshape(width + 1, 4 * rows).T


class _PoolPatchCache:
    """Holds the forward pass's patch matrix and window winners until the gradient takes
    them (once; a second gradient of a persistent tape recomputes them)."""

    __slots__ = ("cols", "winners")

    def __init__(self):
        self.cols = self.winners = None

    def take(self):
        taken = self.cols, self.winners
        self.cols = self.winners = None
        return taken


def _forward(x, w, b, strides, dilations, pads, conv_hw, pooled_hw, relu, cache):
    kh, kw, cin, cout = w.shape
    hp, wp = pooled_hw
    rows = x.shape[0] * hp * wp
    cols = _pooled_patches(x, (kh, kw), pooled_hw, strides, dilations, pads)
    candidates = _buffers.empty((4, rows, cout), np.result_type(x, w))
    np.matmul(cols, np.concatenate([w.reshape(-1, cout), b[None]], 0),
              out=candidates.reshape(4 * rows, cout))
    out = _buffers.empty((rows, cout), candidates.dtype)
    winners = _buffers.empty((3, rows, cout), bool) if cache is not None else None

    def pool(a, z):
        # right_top = v01 > v00, right_bottom = v11 > v10, bottom = max(bottom) > max(top):
        # strict comparisons, so ties go to the first position in row-major order
        v00, v01, v10, v11 = candidates[:, a:z]
        top = out[a:z]
        if winners is not None:
            np.greater(v01, v00, out=winners[0, a:z])
            np.greater(v11, v10, out=winners[1, a:z])
        np.maximum(v00, v01, out=top)
        np.maximum(v10, v11, out=v10)
        if winners is not None:
            np.greater(v10, top, out=winners[2, a:z])
        np.maximum(top, v10, out=top)
        if relu:
            np.maximum(top, 0, out=top)
    over_batch(pool, rows, candidates.size)
    if cache is not None:
        cache.cols, cache.winners = cols, winners
    return out.reshape(x.shape[0], hp, wp, cout)


def _grad(needs, g, ans, x, w, b, strides, dilations, pads, conv_hw, pooled_hw, relu, cache):
    if recording and _watched(g, ans, x, w, b):
        return _unfused_grad(needs, g, x, w, b, strides, dilations, pads, conv_hw, pooled_hw,
                             relu)
    xv, wv, gv, yv = x._value, w._value, g._value, ans._value
    cols, winners = cache.take() if cache is not None else (None, None)
    if cols is None:
        cache = _PoolPatchCache()
        _forward(xv, wv, b._value, strides, dilations, pads, conv_hw, pooled_hw, relu, cache)
        cols, winners = cache.take()
    cout = wv.shape[3]
    rows = gv.size // cout
    routed = _route_to_winners(gv.reshape(rows, cout), yv.reshape(rows, cout), winners, relu)
    del winners
    dw = db = dx = None
    if needs[1] or needs[2]:
        grads = np.matmul(cols.T, routed.reshape(4 * rows, cout))
        dw, db = _wrap(grads[:-1].reshape(wv.shape)), _wrap(grads[-1])
    del cols  # freed before the input gradient allocates its own buffers
    if needs[0]:
        n, (hp, wp) = xv.shape[0], pooled_hw
        full = _buffers.empty((n, 2 * hp, 2 * wp, cout), routed.dtype)
        # routed is (dy, dx, n, ph, pw, c); the full-size gradient interleaves it
        np.copyto(full.reshape(n, hp, 2, wp, 2, cout),
                  routed.reshape(2, 2, n, hp, wp, cout).transpose(2, 3, 0, 4, 1, 5))
        dx = _wrap(_col2im_matmul(full, wv, xv.shape, (2 * hp, 2 * wp), strides, dilations,
                                  pads))
    return dx, dw, db


def _route_to_winners(g, y, winners, relu):
    """(4, rows, C): ``g`` (masked by the ReLU) at each window's winner, zero elsewhere."""
    right_top, right_bottom, bottom = winners
    routed = _buffers.empty((4,) + g.shape, g.dtype)

    def route(a, z):
        r00, r01, r10, r11 = routed[:, a:z]
        gr = np.multiply(g[a:z], y[a:z] > 0, out=r11) if relu else g[a:z]
        np.multiply(gr, bottom[a:z], out=r10)       # the bottom pair's share
        np.subtract(gr, r10, out=r00)               # the top pair's share
        np.multiply(r10, right_bottom[a:z], out=r11)
        np.subtract(r10, r11, out=r10)
        np.multiply(r00, right_top[a:z], out=r01)
        np.subtract(r00, r01, out=r00)
    over_batch(route, g.shape[0], routed.size)
    return routed


def _unfused_grad(needs, g, x, w, b, strides, dilations, pads, conv_hw, pooled_hw, relu):
    """The same gradient through the unfused ops' rules, which an outer tape can record."""
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": conv_hw}
    y = apply(_FUSED_CONV2D, (x, w, b), dict(geometry, relu=relu, cache=None))
    pool = dict(_POOL_2X2, out_hw=pooled_hw, cache=None)
    pooled = apply(_MAX_POOL, (y,), pool)
    dy = apply(_MAX_POOL_GRAD, (y, pooled, g), pool)
    return _fused_grad(needs, dy, y, x, w, b, relu=relu, cache=None, **geometry)


_CONV_POOL = defprimitive("FusedConv2DBiasActivationMaxPool", _forward, grad=_grad)


def conv2d_bias_activation_max_pool(x, filters, bias, strides=1, padding="VALID",
                                    dilations=None, activation=None):
    """``max_pool2d(activation(conv2d(x, filters) + bias), 2, 2, 'VALID')`` as one primitive.

    What a Keras ``Conv2D`` layer followed by ``MaxPooling2D()`` computes; Sequential and
    functional models call this for such a pair. ``activation`` is None or ``'relu'``.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> y = conv2d_bias_activation_max_pool(x, tf.ones((1, 1, 1, 1)), tf.constant([-5.0]),
    ...                                     activation="relu")
    >>> y[0, :, :, 0].numpy().tolist()
    [[0.0, 2.0], [8.0, 10.0]]
    """
    if activation not in (None, "relu"):
        raise InvalidArgumentError("conv2d_bias_activation_max_pool: activation must be None "
                                   "or 'relu', got %r" % (activation,))
    x, w, b = to_tensor(x), to_tensor(filters), to_tensor(bias)
    _check_ranks("Conv2D", x, w)
    if x._value.shape[3] != w._value.shape[2]:
        raise InvalidArgumentError(
            "Conv2D: input depth %d does not match the filter's in_channels %d (input shape %s, "
            "filter shape %s)" % (x._value.shape[3], w._value.shape[2], tuple(x._value.shape),
                                  tuple(w._value.shape)))
    strides, dilations, conv_hw, pads = biased_conv_geometry(x, w, b, strides, padding,
                                                             dilations)
    if min(conv_hw) < 2:
        raise InvalidArgumentError(
            "MaxPool: the 2×2 window is larger than the convolution's output of spatial size "
            "%s (input shape %s, filter shape %s); the output would be empty"
            % (conv_hw, tuple(x._value.shape), tuple(w._value.shape)))
    cache = _PoolPatchCache() if recording and _watched(x, w, b) else None
    return apply(_CONV_POOL, (x, w, b), {
        "strides": strides, "dilations": dilations, "pads": pads, "conv_hw": conv_hw,
        "pooled_hw": (conv_hw[0] // 2, conv_hw[1] // 2), "relu": activation == "relu",
        "cache": cache})
