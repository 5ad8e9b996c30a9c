"""Convolutions on NHWC arrays: im2col views, BLAS matmuls, col2im by k×k slice-adds.

Three primitives close over each other's gradients, as in TensorFlow, so every rule is
differentiable again::

    y = Conv2D(x, w)              dx = Conv2DBackpropInput(g, w)   dw = Conv2DBackpropFilter(x, g)
    Conv2DBackpropInput(g, w):    dg = Conv2D(gg, w)               dw = Conv2DBackpropFilter(gg, g)
    Conv2DBackpropFilter(x, g):   dx = Conv2DBackpropInput(g, gg)  dg = Conv2D(x, gg)

What a Keras Conv2D layer computes, ``relu(conv2d(x, w) + b)``, is one more primitive
(``FusedConv2DBiasActivation``): the bias rides in the matmul as a column of ones in the
patch matrix (so its gradient is the last row of the filter gradient's matmul) and the
ReLU is applied in place.

The patch matrix of the forward pass is kept for the filter gradient when a tape watches
the convolution, then dropped before the input gradient makes its own buffers: a layer's
backward pass holds at most one im2col-sized buffer at a time. A stride-1 input gradient
is one matmul per kernel offset added into shifted slices (no patch-sized product at all).
Large outputs and scratch buffers come from ``_buffers``, which reuses the previous
step's arrays instead of faulting in fresh pages. Depthwise convolution has the same
three-primitive structure. ``conv1d``, ``conv2d_transpose`` and grouped convolution are
composed from these.
"""
from .._context import recording
from ..backend import np
from ..errors import InvalidArgumentError
from . import _buffers
from ._parallel import over_batch
from .core import apply, defprimitive, to_tensor

__all__ = ["conv1d", "conv2d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d",
           "conv_output_length", "conv2d_bias_activation"]

_as_strided = np.lib.stride_tricks.as_strided


# -- geometry ------------------------------------------------------------------------------
def _spatial_pair(value, name, opname, rank=2):
    """TF's int / [s] / [sh, sw] / [1, sh, sw, 1] spellings of strides and dilations."""
    if value is None:
        return (1,) * rank
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0],) * rank
    if len(value) == rank:
        return tuple(value)
    if len(value) == rank + 2:
        if value[0] != 1 or value[-1] != 1:
            raise InvalidArgumentError(
                "%s: %s over the batch and channel dimensions must be 1, got %s"
                % (opname, name, value))
        return tuple(value[1:-1])
    raise InvalidArgumentError("%s: %s must be an int or a list of 1, %d or %d ints, got %s"
                               % (opname, name, rank, rank + 2, value))


def conv_output_length(size, kernel, stride, dilation, padding):
    """Output length and (before, after) padding of one spatial axis, by TF's rules.

    ``padding`` is ``'VALID'``, ``'SAME'`` or an explicit ``(before, after)`` pair.
    'SAME' gives ``ceil(size / stride)`` outputs and puts the odd padding element after.

    >>> conv_output_length(28, 3, 1, 1, "VALID"), conv_output_length(5, 2, 2, 1, "SAME")
    ((26, (0, 0)), (3, (0, 1)))
    """
    effective = (kernel - 1) * dilation + 1
    if isinstance(padding, str):
        if padding == "VALID":
            return (size - effective) // stride + 1, (0, 0)
        out = -(-size // stride)
        total = max((out - 1) * stride + effective - size, 0)
        return out, (total // 2, total - total // 2)
    before, after = padding
    return (size + before + after - effective) // stride + 1, (before, after)


def _padding_arg(padding, opname, rank=2):
    """'VALID' / 'SAME' (any case) or explicit NHWC pairs -> a per-axis list."""
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("VALID", "SAME"):
            raise InvalidArgumentError("%s: padding must be 'VALID', 'SAME' or explicit pairs, got "
                                       "%r" % (opname, padding))
        return [p] * rank
    pairs = [tuple(int(v) for v in pair) for pair in padding]
    if len(pairs) == rank + 2:
        if any(pairs[0]) or any(pairs[-1]):
            raise InvalidArgumentError("%s: explicit padding of the batch and channel dimensions "
                                       "must be 0, got %s" % (opname, padding))
        pairs = pairs[1:-1]
    if len(pairs) != rank or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise InvalidArgumentError("%s: explicit padding must be %d pairs of non-negative ints, "
                                   "got %s" % (opname, rank + 2, padding))
    return pairs


def _geometry(opname, in_hw, k_hw, strides, dilations, padding):
    """Output size and explicit pads; an error naming the shapes when nothing fits."""
    out, pads = [], []
    for size, k, s, d, p in zip(in_hw, k_hw, strides, dilations, padding):
        n, pad = conv_output_length(size, k, s, d, p)
        if n <= 0:
            raise InvalidArgumentError(
                "%s: the filter of spatial size %s (dilations %s) is larger than the input of "
                "spatial size %s with padding %s; the output would be empty. Use padding='SAME' "
                "or a smaller kernel." % (opname, tuple(k_hw), tuple(dilations), tuple(in_hw),
                                          padding[0] if isinstance(padding[0], str) else padding))
        out.append(n)
        pads.append(pad)
    return tuple(out), tuple(pads)


# -- im2col / col2im -----------------------------------------------------------------------
def _pad(x, pads, fill=0.0):
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return np.ascontiguousarray(x)
    n, h, w, c = x.shape
    out = _buffers.empty((n, h + pt + pb, w + pl + pr, c), x.dtype)
    out.fill(fill)
    out[:, pt:pt + h, pl:pl + w] = x
    return out


def _windows(xp, k_hw, out_hw, strides, dilations):
    """A read-only (N, Ho, Wo, kh, kw, C) view of every receptive field of padded ``xp``."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    return _as_strided(xp, (n, out_hw[0], out_hw[1], k_hw[0], k_hw[1], c),
                       (sn, sh * strides[0], sw * strides[1], sh * dilations[0], sw * dilations[1],
                        sc), writeable=False)


def _is_pointwise(k_hw, strides, pads):
    return k_hw == (1, 1) and strides == (1, 1) and not any(pads[0] + pads[1])


def _im2col(x, k_hw, out_hw, strides, dilations, pads, bias_column=False):
    """The (N·Ho·Wo, kh·kw·C) patch matrix; a free reshape for a 1×1 stride-1 convolution.

    ``bias_column`` appends a column of ones, so that one matmul with the filter stacked
    on the bias adds the bias, and the filter gradient's matmul also yields the bias
    gradient (its last row). With one input channel the matrix is built transposed, one
    contiguous (N, Ho, Wo) block per kernel offset (several times faster than gathering
    1-element rows), and returned as its Fortran-ordered transpose, which BLAS takes as
    it is.
    """
    n, c = x.shape[0], x.shape[3]
    if _is_pointwise(k_hw, strides, pads):
        return np.ascontiguousarray(x).reshape(-1, c)
    (kh, kw), (ho, wo) = k_hw, out_hw
    rows, width = n * ho * wo, kh * kw * c
    extra = 1 if bias_column else 0
    if c == 1:
        xp = _pad(x, pads)[..., 0]
        sh, sw = strides
        cols_t = _buffers.empty((width + extra, n, ho, wo), x.dtype)

        def gather_offsets(a, b):
            for i in range(kh):
                top = i * dilations[0]
                for j in range(kw):
                    left = j * dilations[1]
                    cols_t[i * kw + j, a:b] = xp[a:b, top:top + sh * (ho - 1) + 1:sh,
                                                 left:left + sw * (wo - 1) + 1:sw]
        over_batch(gather_offsets, n, rows * width)
        if extra:
            cols_t[width] = 1.0
        return cols_t.reshape(width + extra, rows).T
    windows = _windows(_pad(x, pads), k_hw, out_hw, strides, dilations)
    cols = _buffers.empty((rows, width + extra), x.dtype)
    if extra:
        cols[:, width] = 1.0
    item = cols.itemsize
    row = (width + extra) * item
    target = _as_strided(cols, windows.shape, (ho * wo * row, wo * row, row, kw * c * item,
                                               c * item, item))
    over_batch(lambda a, b: np.copyto(target[a:b], windows[a:b]), n, rows * width)
    return cols


def _col2im_matmul(g, w, input_shape, out_hw, strides, dilations, pads):
    """``col2im(g @ wᵀ)``: one matmul for every patch's gradient, then k×k slice-adds back to
    where each patch came from (stride 1 goes offset by offset instead).

    The (N·Ho·Wo, kh·kw·C) product is the only patch-sized buffer alive here (the forward
    patch matrix is already freed).
    """
    kh, kw, cin, cout = w.shape
    n, h, wd, _ = input_shape
    if strides == (1, 1) and not _is_pointwise((kh, kw), strides, pads):
        return _input_grad_by_offset(g, w, input_shape, dilations, pads)
    cols = np.matmul(g.reshape(-1, cout), w.reshape(-1, cout).T)
    if _is_pointwise((kh, kw), strides, pads):
        return cols.reshape(input_shape)
    (pt, pb), (pl, pr) = pads
    (ho, wo), (sh, sw) = out_hw, strides
    cols = cols.reshape(n, ho, wo, kh, kw, cin)
    dxp = np.zeros((n, h + pt + pb, wd + pl + pr, cin), cols.dtype)

    def add_patches(a, b):
        for i in range(kh):
            top = i * dilations[0]
            for j in range(kw):
                left = j * dilations[1]
                dxp[a:b, top:top + sh * (ho - 1) + 1:sh, left:left + sw * (wo - 1) + 1:sw] += \
                    cols[a:b, :, :, i, j]
    over_batch(add_patches, n, cols.size)
    return dxp[:, pt:pt + h, pl:pl + wd]


def _trim_zero_border(g, w):
    """``g`` without its trailing all-zero output rows and columns, which add nothing to the
    input gradient: a VALID 2×2 pooling after an odd-sized output leaves one of each.

    Kept when the filter is not finite (0·inf is NaN, which TF would propagate).
    """
    ho, wo = g.shape[1:3]
    if not np.isfinite(w).all():
        return g
    while ho > 1 and not g[:, ho - 1].any():
        ho -= 1
    while wo > 1 and not g[:, :ho, wo - 1].any():
        wo -= 1
    return g[:, :ho, :wo]


def _input_grad_by_offset(g, w, input_shape, dilations, pads):
    """The input gradient of a stride-1 convolution as ``kh·kw`` matmuls, one per kernel
    offset, each added to the shifted slice of the input it came from.

    Each product is a contiguous (N, Ho, Wo, C_in) block, so the adds run over long rows
    (a single (N·Ho·Wo, kh·kw·C_in) product would be added back in C_in-long pieces, which
    costs more than the matmul here); the largest buffer is 1/(kh·kw) of a patch matrix.
    """
    kh, kw, cin, cout = w.shape
    n, h, wd, _ = input_shape
    (pt, pb), (pl, pr) = pads
    g = _trim_zero_border(g, w)
    ho, wo = g.shape[1:3]
    rows = g.reshape(-1, cout)
    dxp = _buffers.zeros((n, h + pt + pb, wd + pl + pr, cin), np.result_type(g, w))
    part = _buffers.empty((rows.shape[0], cin), dxp.dtype)
    block = part.reshape(n, ho, wo, cin)
    filters_t = w.transpose(0, 1, 3, 2)
    for i in range(kh):
        top = i * dilations[0]
        for j in range(kw):
            left = j * dilations[1]
            np.matmul(rows, filters_t[i, j], out=part)
            dxp[:, top:top + ho, left:left + wo] += block
    return dxp[:, pt:pt + h, pl:pl + wd]


class _PatchCache:
    """Holds a forward patch matrix until the filter gradient takes it (once)."""

    __slots__ = ("cols",)

    def __init__(self):
        self.cols = None

    def take(self):
        cols, self.cols = self.cols, None
        return cols


def _watched(*tensors):
    for tape in recording:
        ids = tape._ids
        for t in tensors:
            if t._id in ids:
                return True
    return False


# -- Conv2D and its two gradients ----------------------------------------------------------
def _conv2d_forward(x, w, strides, dilations, pads, out_hw, cache):
    kh, kw, cin, cout = w.shape
    cols = _im2col(x, (kh, kw), out_hw, strides, dilations, pads)
    y = np.matmul(cols, w.reshape(-1, cout))
    if cache is not None:
        cache.cols = cols
    return y.reshape(x.shape[0], out_hw[0], out_hw[1], cout)


def _conv2d_grad(needs, g, ans, x, w, strides, dilations, pads, out_hw, cache):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    cols = cache.take() if cache is not None else None
    dw = None
    if needs[1]:
        dw = apply(_CONV2D_FILTER, (x, g), dict(geometry, filter_shape=w._value.shape, cols=cols))
    del cols  # freed before the input gradient allocates its own patch-sized buffer
    dx = apply(_CONV2D_INPUT, (g, w), dict(geometry, input_shape=x._value.shape)) \
        if needs[0] else None
    return dx, dw


def _filter_forward(x, g, strides, dilations, pads, out_hw, filter_shape, cols):
    kh, kw, cin, cout = filter_shape
    if cols is None:
        cols = _im2col(x, (kh, kw), out_hw, strides, dilations, pads)
    return np.matmul(cols.T, g.reshape(-1, cout)).reshape(filter_shape)


def _filter_grad(needs, gg, ans, x, g, strides, dilations, pads, out_hw, filter_shape, cols):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    dx = apply(_CONV2D_INPUT, (g, gg), dict(geometry, input_shape=x._value.shape)) \
        if needs[0] else None
    dg = apply(_CONV2D, (x, gg), dict(geometry, cache=None)) if needs[1] else None
    return dx, dg


def _input_forward(g, w, strides, dilations, pads, out_hw, input_shape):
    return _col2im_matmul(g, w, input_shape, out_hw, strides, dilations, pads)


def _input_grad(needs, gg, ans, g, w, strides, dilations, pads, out_hw, input_shape):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    dg = apply(_CONV2D, (gg, w), dict(geometry, cache=None)) if needs[0] else None
    dw = apply(_CONV2D_FILTER, (gg, g), dict(geometry, filter_shape=w._value.shape, cols=None)) \
        if needs[1] else None
    return dg, dw


_CONV2D = defprimitive("Conv2D", _conv2d_forward, grad=_conv2d_grad)
_CONV2D_FILTER = defprimitive("Conv2DBackpropFilter", _filter_forward, grad=_filter_grad)
_CONV2D_INPUT = defprimitive("Conv2DBackpropInput", _input_forward, grad=_input_grad)


# -- Conv2D + bias + optional ReLU in one primitive (what a Keras Conv2D layer computes) ----
def _fused_forward(x, w, b, strides, dilations, pads, out_hw, relu, cache):
    kh, kw, cin, cout = w.shape
    fold = not _is_pointwise((kh, kw), strides, pads)
    cols = _im2col(x, (kh, kw), out_hw, strides, dilations, pads, bias_column=fold)
    y = _buffers.empty((cols.shape[0], cout), np.result_type(cols, w))
    if fold:
        np.matmul(cols, np.concatenate([w.reshape(-1, cout), b[None]], 0), out=y)
    else:
        np.matmul(cols, w.reshape(-1, cout), out=y)
        y += b
    if relu:
        over_batch(lambda a, b: np.maximum(y[a:b], 0, out=y[a:b]), y.shape[0], y.size)
    if cache is not None:
        cache.cols = cols
    return y.reshape(x.shape[0], out_hw[0], out_hw[1], cout)


def _relu_grad_forward(g, y):
    """``g · (y > 0)``, the two halves of the batch on two threads when large."""
    if g.ndim == 0 or g.shape != y.shape:
        return g * (y > 0)
    out = _buffers.empty(g.shape, g.dtype)
    over_batch(lambda a, b: np.multiply(g[a:b], y[a:b] > 0, out=out[a:b]), g.shape[0], g.size)
    return out


def _fused_grad(needs, g, ans, x, w, b, strides, dilations, pads, out_hw, relu, cache):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    if relu:
        g = apply(_RELU_GRAD, (g, ans))
    cols = cache.take() if cache is not None else None
    dw = db = None
    if needs[1] or needs[2]:
        dw, db = apply(_FILTER_BIAS, (x, g), dict(geometry, filter_shape=w._value.shape,
                                                  cols=cols))
    del cols  # freed before the input gradient allocates its own buffers
    dx = apply(_CONV2D_INPUT, (g, w), dict(geometry, input_shape=x._value.shape)) \
        if needs[0] else None
    return dx, dw, db


def _filter_bias_forward(x, g, strides, dilations, pads, out_hw, filter_shape, cols):
    """(dfilter, dbias) from one matmul over the patch matrix with its ones column."""
    kh, kw, cin, cout = filter_shape
    if cols is None:
        cols = _im2col(x, (kh, kw), out_hw, strides, dilations, pads,
                       bias_column=not _is_pointwise((kh, kw), strides, pads))
    g2 = g.reshape(-1, cout)
    grads = np.matmul(cols.T, g2)
    width = kh * kw * cin
    if grads.shape[0] > width:
        return grads[:width].reshape(filter_shape), grads[width]
    return grads.reshape(filter_shape), g2.sum(0)


def _filter_bias_grad(needs, grads, ans, x, g, strides, dilations, pads, out_hw, filter_shape,
                      cols):
    gw, gb = grads
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    dx = apply(_CONV2D_INPUT, (g, gw), dict(geometry, input_shape=x._value.shape)) \
        if needs[0] else None
    dg = apply(_CONV2D, (x, gw), dict(geometry, cache=None)) + gb if needs[1] else None
    return dx, dg


# relu'(0) = 0 as in TF; linear in g, and zero almost everywhere in y.
_RELU_GRAD = defprimitive(
    "ReluGrad", _relu_grad_forward,
    grad=lambda needs, gg, ans, g, y: (apply(_RELU_GRAD, (gg, y)) if needs[0] else None, None))
_FUSED_CONV2D = defprimitive("FusedConv2DBiasActivation", _fused_forward, grad=_fused_grad)
_FILTER_BIAS = defprimitive("Conv2DBackpropFilterBias", _filter_bias_forward,
                            grad=_filter_bias_grad, multi_output=True)


def conv2d_bias_activation(x, filters, bias, strides=1, padding="VALID", dilations=None,
                           activation=None):
    """``activation(conv2d(x, filters) + bias)`` for NHWC ``x`` as one primitive.

    ``activation`` is None or ``'relu'``; the Keras Conv2D layer uses this to save two
    full passes over the output in each direction.

    >>> import tapeflow as tf
    >>> y = conv2d_bias_activation(tf.ones((1, 4, 4, 1)), tf.ones((3, 3, 1, 2)), tf.ones(2),
    ...                            activation="relu")
    >>> y.shape, float(y[0, 0, 0, 0])
    (TensorShape([1, 2, 2, 2]), 10.0)
    """
    if activation not in (None, "relu"):
        raise InvalidArgumentError("conv2d_bias_activation: activation must be None or 'relu', "
                                   "got %r" % (activation,))
    x, w, b = to_tensor(x), to_tensor(filters), to_tensor(bias)
    _check_ranks("Conv2D", x, w)
    if x._value.shape[3] != w._value.shape[2]:
        from .nn import relu  # grouped: composed
        y = conv2d(x, w, strides, padding, dilations=dilations) + b
        return relu(y) if activation == "relu" else y
    strides, dilations, out_hw, pads = biased_conv_geometry(x, w, b, strides, padding, dilations)
    cache = _PatchCache() if recording and _watched(x, w) else None
    return apply(_FUSED_CONV2D, (x, w, b), {"strides": strides, "dilations": dilations,
                                            "pads": pads, "out_hw": out_hw,
                                            "relu": activation == "relu", "cache": cache})


def biased_conv_geometry(x, w, b, strides, padding, dilations):
    """(strides, dilations, out_hw, pads) of a Conv2D with bias ``b``, which must be a vector
    of the filter's out_channels in the input's dtype."""
    if b._value.shape != (w._value.shape[3],) or b._value.dtype != x._value.dtype:
        raise InvalidArgumentError("Conv2D: bias must be a %s vector of %d elements, got %s %s"
                                   % (x._value.dtype, w._value.shape[3], b._value.dtype,
                                      tuple(b._value.shape)))
    strides = _spatial_pair(strides, "strides", "Conv2D")
    dilations = _spatial_pair(dilations, "dilations", "Conv2D")
    out_hw, pads = _geometry("Conv2D", x._value.shape[1:3], w._value.shape[:2], strides,
                             dilations, _padding_arg(padding, "Conv2D"))
    return strides, dilations, out_hw, pads


# -- DepthwiseConv2dNative and its two gradients -------------------------------------------
def _depthwise_forward(x, w, strides, dilations, pads, out_hw):
    kh, kw, c, m = w.shape
    win = _windows(_pad(x, pads), (kh, kw), out_hw, strides, dilations)
    y = np.zeros((x.shape[0], out_hw[0], out_hw[1], c, m), np.result_type(x, w))
    for i in range(kh):
        for j in range(kw):
            y += win[:, :, :, i, j, :, None] * w[i, j]
    return y.reshape(x.shape[0], out_hw[0], out_hw[1], c * m)


def _depthwise_grad(needs, g, ans, x, w, strides, dilations, pads, out_hw):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    dx = apply(_DEPTHWISE_INPUT, (g, w), dict(geometry, input_shape=x._value.shape)) \
        if needs[0] else None
    dw = apply(_DEPTHWISE_FILTER, (x, g), dict(geometry, filter_shape=w._value.shape)) \
        if needs[1] else None
    return dx, dw


def _depthwise_filter_forward(x, g, strides, dilations, pads, out_hw, filter_shape):
    kh, kw, c, m = filter_shape
    win = _windows(_pad(x, pads), (kh, kw), out_hw, strides, dilations)
    g5 = g.reshape(g.shape[0], g.shape[1], g.shape[2], c, m)
    dw = np.empty(filter_shape, np.result_type(x, g))
    for i in range(kh):
        for j in range(kw):
            dw[i, j] = np.einsum("nhwc,nhwcm->cm", win[:, :, :, i, j], g5)
    return dw


def _depthwise_filter_grad(needs, gg, ans, x, g, strides, dilations, pads, out_hw, filter_shape):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    dx = apply(_DEPTHWISE_INPUT, (g, gg), dict(geometry, input_shape=x._value.shape)) \
        if needs[0] else None
    dg = apply(_DEPTHWISE, (x, gg), geometry) if needs[1] else None
    return dx, dg


def _depthwise_input_forward(g, w, strides, dilations, pads, out_hw, input_shape):
    kh, kw, c, m = w.shape
    n, h, wd, _ = input_shape
    (pt, pb), (pl, pr) = pads
    g5 = g.reshape(n, out_hw[0], out_hw[1], c, m)
    dxp = np.zeros((n, h + pt + pb, wd + pl + pr, c), np.result_type(g, w))
    sh, sw = strides
    ho, wo = out_hw
    for i in range(kh):
        top = i * dilations[0]
        for j in range(kw):
            left = j * dilations[1]
            dxp[:, top:top + sh * (ho - 1) + 1:sh, left:left + sw * (wo - 1) + 1:sw] += \
                np.einsum("nhwcm,cm->nhwc", g5, w[i, j])
    return dxp[:, pt:pt + h, pl:pl + wd]


def _depthwise_input_grad(needs, gg, ans, g, w, strides, dilations, pads, out_hw, input_shape):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}
    dg = apply(_DEPTHWISE, (gg, w), geometry) if needs[0] else None
    dw = apply(_DEPTHWISE_FILTER, (gg, g), dict(geometry, filter_shape=w._value.shape)) \
        if needs[1] else None
    return dg, dw


_DEPTHWISE = defprimitive("DepthwiseConv2dNative", _depthwise_forward, grad=_depthwise_grad)
_DEPTHWISE_FILTER = defprimitive("DepthwiseConv2dNativeBackpropFilter", _depthwise_filter_forward,
                                 grad=_depthwise_filter_grad)
_DEPTHWISE_INPUT = defprimitive("DepthwiseConv2dNativeBackpropInput", _depthwise_input_forward,
                                grad=_depthwise_input_grad)


# -- public functions ----------------------------------------------------------------------
def _check_ranks(opname, x, w, filter_rank=4):
    if x._value.ndim != 4:
        raise InvalidArgumentError(
            "%s: input must be 4-D (batch, height, width, channels), got shape %s"
            % (opname, tuple(x._value.shape)))
    if w._value.ndim != filter_rank:
        raise InvalidArgumentError(
            "%s: filter must be 4-D (height, width, in_channels, out_channels), got shape %s"
            % (opname, tuple(w._value.shape)))
    if x._value.dtype != w._value.dtype:
        raise InvalidArgumentError(
            "%s: input (%s) and filter (%s) must have the same dtype; convert one with tf.cast"
            % (opname, x._value.dtype, w._value.dtype))


def _to_nhwc(x, data_format):
    from .array import transpose
    if data_format in (None, "NHWC"):
        return x
    if data_format == "NCHW":
        return transpose(x, (0, 2, 3, 1))
    raise InvalidArgumentError("data_format must be 'NHWC' or 'NCHW', got %r" % (data_format,))


def _from_nhwc(y, data_format):
    from .array import transpose
    return y if data_format in (None, "NHWC") else transpose(y, (0, 3, 1, 2))


def _nhwc_order(data_format, *values):
    """``values`` (strides, dilations, ksize, explicit padding) in NHWC order: TF reads a
    4-element list in the order of ``data_format``, and the computation here is NHWC."""
    if data_format != "NCHW":
        return values
    return tuple(value if isinstance(value, (str, int, np.integer)) or value is None
                 or len(value) != 4 else [value[0], value[2], value[3], value[1]]
                 for value in values)


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (cross-correlation, as TF computes it) of NHWC ``input``.

    Args:
        input: ``(batch, height, width, in_channels)``.
        filters: ``(kh, kw, in_channels / groups, out_channels)``; when the input has a
            multiple of the filter's in_channels, the convolution is grouped.
        strides: int or list of 1, 2 or 4 ints.
        padding: ``'VALID'``, ``'SAME'`` or explicit ``[[0, 0], [t, b], [l, r], [0, 0]]``.
        data_format: ``'NHWC'`` (default) or ``'NCHW'``.
        dilations: int or list of 1, 2 or 4 ints.

    >>> import tapeflow as tf
    >>> x = tf.ones((1, 5, 5, 1)); k = tf.ones((3, 3, 1, 2))
    >>> tf.nn.conv2d(x, k, 1, "VALID").shape, tf.nn.conv2d(x, k, 2, "SAME").shape
    (TensorShape([1, 3, 3, 2]), TensorShape([1, 3, 3, 2]))
    """
    x = _to_nhwc(to_tensor(input), data_format)
    w = to_tensor(filters)
    _check_ranks("Conv2D", x, w)
    strides, dilations, padding = _nhwc_order(data_format, strides, dilations, padding)
    cin, fin, cout = x._value.shape[3], w._value.shape[2], w._value.shape[3]
    if cin != fin:
        if fin == 0 or cin % fin or cout % (cin // fin):
            raise InvalidArgumentError(
                "Conv2D: input depth %d does not match the filter's in_channels %d (input shape "
                "%s, filter shape %s); for a grouped convolution the input depth must be a "
                "multiple of it and out_channels a multiple of the group count"
                % (cin, fin, tuple(x._value.shape), tuple(w._value.shape)))
        return _from_nhwc(_grouped_conv2d(x, w, cin // fin, strides, padding, dilations),
                          data_format)
    strides = _spatial_pair(strides, "strides", "Conv2D")
    dilations = _spatial_pair(dilations, "dilations", "Conv2D")
    out_hw, pads = _geometry("Conv2D", x._value.shape[1:3], w._value.shape[:2], strides,
                             dilations, _padding_arg(padding, "Conv2D"))
    cache = _PatchCache() if recording and _watched(x, w) else None
    y = apply(_CONV2D, (x, w), {"strides": strides, "dilations": dilations, "pads": pads,
                                "out_hw": out_hw, "cache": cache})
    return _from_nhwc(y, data_format)


def _grouped_conv2d(x, w, groups, strides, padding, dilations):
    """Grouped convolution, composed: one convolution per channel group, concatenated."""
    from .array import concat, split
    xs = split(x, groups, axis=3)
    ws = split(w, groups, axis=3)
    return concat([conv2d(xi, wi, strides, padding, dilations=dilations)
                   for xi, wi in zip(xs, ws)], axis=3)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution of ``(batch, width, channels)`` input with a ``(k, in, out)`` filter.

    Computed as a 2-D convolution over a height of 1, as TF does.

    >>> import tapeflow as tf
    >>> tf.nn.conv1d(tf.ones((2, 10, 3)), tf.ones((4, 3, 5)), 1, "VALID").shape
    TensorShape([2, 7, 5])
    """
    from .array import expand_dims, squeeze, transpose
    x, w = to_tensor(input), to_tensor(filters)
    if data_format == "NCW":
        x = transpose(x, (0, 2, 1))
    elif data_format not in (None, "NWC"):
        raise InvalidArgumentError("conv1d: data_format must be 'NWC' or 'NCW', got %r"
                                   % (data_format,))
    if x._value.ndim != 3 or w._value.ndim != 3:
        raise InvalidArgumentError(
            "conv1d: input must be 3-D (batch, width, channels) and filters 3-D (width, "
            "in_channels, out_channels), got shapes %s and %s"
            % (tuple(x._value.shape), tuple(w._value.shape)))
    stride = _spatial_pair(stride, "stride", "conv1d", rank=1)[0]
    dilation = _spatial_pair(dilations, "dilations", "conv1d", rank=1)[0]
    if not isinstance(padding, str):
        pairs = [tuple(p) for p in padding]
        padding = [(0, 0), pairs[1] if len(pairs) == 3 else pairs[0]]
    y = conv2d(expand_dims(x, 1), expand_dims(w, 0), (1, stride), padding,
               dilations=(1, dilation))
    y = squeeze(y, 1)
    return transpose(y, (0, 2, 1)) if data_format == "NCW" else y


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",
                     dilations=None, name=None):
    """The transpose (gradient) of ``conv2d``: upsamples ``input`` to ``output_shape``.

    ``filters`` has shape ``(kh, kw, out_channels, in_channels)``.

    >>> import tapeflow as tf
    >>> x = tf.ones((1, 3, 3, 4)); k = tf.ones((3, 3, 2, 4))
    >>> tf.nn.conv2d_transpose(x, k, [1, 6, 6, 2], 2, "SAME").shape
    TensorShape([1, 6, 6, 2])
    """
    g = _to_nhwc(to_tensor(input), data_format)
    w = to_tensor(filters)
    _check_ranks("Conv2DTranspose", g, w)
    strides, dilations, padding = _nhwc_order(data_format, strides, dilations, padding)
    out_shape = tuple(int(d) for d in np.asarray(
        output_shape._value if hasattr(output_shape, "_value") else output_shape).reshape(-1))
    if data_format == "NCHW":
        out_shape = (out_shape[0], out_shape[2], out_shape[3], out_shape[1])
    if len(out_shape) != 4 or out_shape[3] != w._value.shape[2] or \
            g._value.shape[3] != w._value.shape[3] or out_shape[0] != g._value.shape[0]:
        raise InvalidArgumentError(
            "Conv2DTranspose: output_shape %s, input shape %s and filter shape %s (height, width, "
            "out_channels, in_channels) do not agree" % (out_shape, tuple(g._value.shape),
                                                         tuple(w._value.shape)))
    strides = _spatial_pair(strides, "strides", "Conv2DTranspose")
    dilations = _spatial_pair(dilations, "dilations", "Conv2DTranspose")
    out_hw, pads = _geometry("Conv2DTranspose", out_shape[1:3], w._value.shape[:2], strides,
                             dilations, _padding_arg(padding, "Conv2DTranspose"))
    if out_hw != g._value.shape[1:3]:
        raise InvalidArgumentError(
            "Conv2DTranspose: a convolution of output_shape %s with this filter and strides %s "
            "would give spatial size %s, not the input's %s"
            % (out_shape, strides, out_hw, tuple(g._value.shape[1:3])))
    y = apply(_CONV2D_INPUT, (g, w), {"strides": strides, "dilations": dilations, "pads": pads,
                                      "out_hw": out_hw, "input_shape": out_shape})
    return _from_nhwc(y, data_format)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    """Depthwise 2-D convolution: each input channel has its own ``channel_multiplier`` filters.

    ``filter`` has shape ``(kh, kw, in_channels, channel_multiplier)``; the output has
    ``in_channels * channel_multiplier`` channels, channel ``c·m + k`` from input channel ``c``.

    >>> import tapeflow as tf
    >>> tf.nn.depthwise_conv2d(tf.ones((1, 4, 4, 3)), tf.ones((2, 2, 3, 2)), [1, 1, 1, 1],
    ...                        "VALID").shape
    TensorShape([1, 3, 3, 6])
    """
    x = _to_nhwc(to_tensor(input), data_format)
    w = to_tensor(filter)
    _check_ranks("DepthwiseConv2dNative", x, w)
    strides, dilations, padding = _nhwc_order(data_format, strides, dilations, padding)
    if x._value.shape[3] != w._value.shape[2]:
        raise InvalidArgumentError(
            "DepthwiseConv2dNative: input depth %d does not match the filter's in_channels %d "
            "(input shape %s, filter shape %s)" % (x._value.shape[3], w._value.shape[2],
                                                   tuple(x._value.shape), tuple(w._value.shape)))
    strides = _spatial_pair(strides, "strides", "DepthwiseConv2dNative")
    dilations = _spatial_pair(dilations, "dilations", "DepthwiseConv2dNative")
    out_hw, pads = _geometry("DepthwiseConv2dNative", x._value.shape[1:3], w._value.shape[:2],
                             strides, dilations, _padding_arg(padding, "DepthwiseConv2dNative"))
    y = apply(_DEPTHWISE, (x, w), {"strides": strides, "dilations": dilations, "pads": pads,
                                   "out_hw": out_hw})
    return _from_nhwc(y, data_format)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    """A depthwise convolution followed by a 1×1 (pointwise) convolution that mixes channels.

    ``depthwise_filter`` is ``(kh, kw, in_channels, channel_multiplier)`` and
    ``pointwise_filter`` ``(1, 1, in_channels · channel_multiplier, out_channels)``.

    >>> import tapeflow as tf
    >>> tf.nn.separable_conv2d(tf.ones((1, 5, 5, 3)), tf.ones((3, 3, 3, 2)),
    ...                        tf.ones((1, 1, 6, 4)), [1, 1, 1, 1], "VALID").shape
    TensorShape([1, 3, 3, 4])
    """
    dw, pw = to_tensor(depthwise_filter), to_tensor(pointwise_filter)
    if dw._value.ndim != 4 or pw._value.ndim != 4 or pw._value.shape[:2] != (1, 1) or \
            pw._value.shape[2] != dw._value.shape[2] * dw._value.shape[3]:
        raise InvalidArgumentError(
            "separable_conv2d: pointwise_filter must have shape (1, 1, in_channels * "
            "channel_multiplier, out_channels) for a depthwise_filter of shape (kh, kw, "
            "in_channels, channel_multiplier); got %s and %s"
            % (tuple(pw._value.shape), tuple(dw._value.shape)))
    y = depthwise_conv2d(input, dw, strides, padding, data_format, dilations)
    return conv2d(y, pw, 1, "VALID", data_format or "NHWC")
