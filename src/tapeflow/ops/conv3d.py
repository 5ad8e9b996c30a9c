"""Volumetric (3-D) convolution and pooling on NDHWC arrays: the 2-D kernels one axis up.

Geometry (TF's 'SAME'/'VALID' rules, strides and dilations spellings, explicit pads) is
``ops.conv``'s, with ``rank=3``. Three convolution primitives close over each other's
gradients, as in TensorFlow, so every rule is differentiable again::

    y = Conv3D(x, w)                 dx = Conv3DBackpropInputV2(g, w)
                                     dw = Conv3DBackpropFilterV2(x, g)
    Conv3DBackpropInputV2(g, w):     dg = Conv3D(gg, w)
                                     dw = Conv3DBackpropFilterV2(gg, g)
    Conv3DBackpropFilterV2(x, g):    dx = Conv3DBackpropInputV2(g, gg)
                                     dg = Conv3D(x, gg)

The forward pass copies every receptive field (an as_strided view of the padded input)
into one (N·Do·Ho·Wo, kd·kh·kw·C) patch matrix and does one BLAS matmul; the patch matrix
is kept for the filter gradient while a tape watches, then dropped before the input
gradient makes its own patch-sized product (one matmul, then one strided add per kernel
offset): a layer's backward pass holds at most one patch-sized buffer at a time.

Pooling is ``kd·kh·kw`` elementwise passes over output-sized strided views::

    y = MaxPool3D(x)    dx = MaxPool3DGrad(x, y, g)    (d/dg: MaxPool3DGradGrad)
    y = AvgPool3D(x)    dx = AvgPool3DGrad(g)          (d/dg: AvgPool3D)
"""
import itertools

from .._context import recording
from ..backend import np
from ..errors import InvalidArgumentError
from . import _buffers
from ._parallel import over_batch
from .conv import _PatchCache, _geometry, _padding_arg, _spatial_pair, _watched
from .core import apply, defprimitive, to_tensor

__all__ = ["conv3d", "conv3d_transpose", "max_pool3d", "avg_pool3d"]

_as_strided = np.lib.stride_tricks.as_strided


# -- windows -------------------------------------------------------------------------------
def _offsets(ksize, dilations):
    """(flat index, (d, h, w) start) of every kernel offset, in the filter's row-major order."""
    for flat, index in enumerate(itertools.product(*(range(k) for k in ksize))):
        yield flat, tuple(i * d for i, d in zip(index, dilations))


def _block(starts, out, strides):
    """The index of the (N, Do, Ho, Wo, C) strided block that one kernel offset touches."""
    return (slice(None),) + tuple(slice(a, a + s * (n - 1) + 1, s)
                                  for a, n, s in zip(starts, out, strides))


def _padded_shape(shape, pads):
    return (shape[0],) + tuple(n + a + b for n, (a, b) in zip(shape[1:4], pads)) + (shape[4],)


def _interior(shape, pads):
    """The index of the unpadded input inside its padded copy."""
    return (slice(None),) + tuple(slice(a, a + n) for n, (a, _) in zip(shape[1:4], pads))


def _pad(x, pads, fill=0.0):
    if not any(a or b for a, b in pads):
        return x
    out = _buffers.empty(_padded_shape(x.shape, pads), x.dtype)
    out.fill(fill)
    out[_interior(x.shape, pads)] = x
    return out


def _is_pointwise(ksize, strides, pads):
    return ksize == (1, 1, 1) and strides == (1, 1, 1) and not any(a or b for a, b in pads)


def _im2col(x, ksize, out, strides, dilations, pads):
    """The (N·Do·Ho·Wo, kd·kh·kw·C) patch matrix; a free reshape for a 1×1×1 stride-1 filter."""
    n, c = x.shape[0], x.shape[4]
    if _is_pointwise(ksize, strides, pads):
        return np.ascontiguousarray(x).reshape(-1, c)
    xp = _pad(x, pads)
    s = xp.strides
    windows = _as_strided(
        xp, (n,) + tuple(out) + tuple(ksize) + (c,),
        (s[0],) + tuple(s[i + 1] * strides[i] for i in range(3))
        + tuple(s[i + 1] * dilations[i] for i in range(3)) + (s[4],), writeable=False)
    cols = _buffers.empty((n * out[0] * out[1] * out[2], int(np.prod(ksize)) * c), x.dtype)
    target = cols.reshape(windows.shape)
    over_batch(lambda a, b: np.copyto(target[a:b], windows[a:b]), n, cols.size)
    return cols


# -- Conv3D and its two gradients ----------------------------------------------------------
def _conv3d_forward(x, w, strides, dilations, pads, out, cache):
    cols = _im2col(x, w.shape[:3], out, strides, dilations, pads)
    y = np.matmul(cols, w.reshape(-1, w.shape[4]))
    if cache is not None:
        cache.cols = cols
    return y.reshape((x.shape[0],) + tuple(out) + (w.shape[4],))


def _conv3d_grad(needs, g, ans, x, w, strides, dilations, pads, out, cache):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out": out}
    cols = cache.take() if cache is not None else None
    dw = apply(_FILTER, (x, g), dict(geometry, filter_shape=w._value.shape, cols=cols)) \
        if needs[1] else None
    del cols  # freed before the input gradient allocates its own buffers
    dx = apply(_INPUT, (g, w), dict(geometry, input_shape=x._value.shape)) if needs[0] else None
    return dx, dw


def _filter_forward(x, g, strides, dilations, pads, out, filter_shape, cols):
    if cols is None:
        cols = _im2col(x, filter_shape[:3], out, strides, dilations, pads)
    return np.matmul(cols.T, g.reshape(-1, filter_shape[4])).reshape(filter_shape)


def _filter_grad(needs, gg, ans, x, g, strides, dilations, pads, out, filter_shape, cols):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out": out}
    dx = apply(_INPUT, (g, gg), dict(geometry, input_shape=x._value.shape)) if needs[0] else None
    dg = apply(_CONV3D, (x, gg), dict(geometry, cache=None)) if needs[1] else None
    return dx, dg


def _input_forward(g, w, strides, dilations, pads, out, input_shape):
    """``col2im(g @ wᵀ)``: one matmul gives every patch's gradient, then one add per kernel
    offset puts it back where the patch came from.

    The product is made channel-major, (kd·kh·kw, C_in, N, ...), and added into a
    channel-major padded input, so the adds run along rows of the volume rather than
    C_in elements at a time; one transpose back to NDHWC at the end. With unit strides, g
    is first laid out on the padded input's height × width grid (zeros beyond Ho, Wo):
    then everything one kernel offset touches is a single contiguous run of the flattened
    volume, and each offset is one long add (about twice as fast as strided adds). The
    product is the only patch-sized buffer alive here (the forward patch matrix is freed).
    """
    n, cin, cout = input_shape[0], w.shape[3], w.shape[4]
    taps = w.reshape(-1, cout)
    if _is_pointwise(w.shape[:3], strides, pads):
        return np.matmul(g.reshape(-1, cout), taps.T).reshape(input_shape)
    dtype = np.result_type(g, w)
    padded = _padded_shape(input_shape, pads)[1:4]
    # 0·inf would put NaN where the zero-filled grid lands, so a non-finite filter (whose
    # gradient TF propagates as it is) takes the strided path.
    contiguous = strides == (1, 1, 1) and np.isfinite(w).all()
    if contiguous:
        grid = _buffers.zeros((n, out[0]) + padded[1:] + (cout,), dtype)
        grid[:, :, :out[1], :out[2]] = g
        g = grid
    patches = _buffers.empty((taps.shape[0], g.size // cout), dtype)
    np.matmul(taps, g.reshape(-1, cout).T, out=patches)
    offsets = list(_offsets(w.shape[:3], dilations))
    if contiguous:
        plane = padded[1] * padded[2]
        run = out[0] * plane
        patches = patches.reshape(-1, cin, n, run)
        # A spare plane: the last offsets' runs end past the volume, in zero entries only.
        dxp = _buffers.zeros((cin, n, (padded[0] + 1) * plane), dtype)

        def add_patches(a, b):
            for flat, (i, j, k) in offsets:
                start = i * plane + j * padded[2] + k
                dxp[:, a:b, start:start + run] += patches[flat, :, a:b]
        over_batch(add_patches, n, patches.size)
        dxp = dxp[:, :, :padded[0] * plane].reshape((cin, n) + padded)
    else:
        patches = patches.reshape((-1, cin, n) + tuple(out))
        dxp = _buffers.zeros((cin, n) + padded, dtype)

        def add_patches(a, b):
            for flat, starts in offsets:
                dxp[(slice(None), slice(a, b)) + _block(starts, out, strides)[1:]] += \
                    patches[flat, :, a:b]
        over_batch(add_patches, n, patches.size)
    dx = _buffers.empty(input_shape, dtype)
    np.copyto(dx, dxp[(slice(None),) + _interior(input_shape, pads)].transpose(1, 2, 3, 4, 0))
    return dx


def _input_grad(needs, gg, ans, g, w, strides, dilations, pads, out, input_shape):
    geometry = {"strides": strides, "dilations": dilations, "pads": pads, "out": out}
    dg = apply(_CONV3D, (gg, w), dict(geometry, cache=None)) if needs[0] else None
    dw = apply(_FILTER, (gg, g), dict(geometry, filter_shape=w._value.shape, cols=None)) \
        if needs[1] else None
    return dg, dw


_CONV3D = defprimitive("Conv3D", _conv3d_forward, grad=_conv3d_grad)
_FILTER = defprimitive("Conv3DBackpropFilterV2", _filter_forward, grad=_filter_grad)
_INPUT = defprimitive("Conv3DBackpropInputV2", _input_forward, grad=_input_grad)


# -- max pooling ---------------------------------------------------------------------------
def _views(xp, ksize, strides, out):
    """Every window offset's (N, Do, Ho, Wo, C) strided view of ``xp``."""
    for _, starts in _offsets(ksize, (1, 1, 1)):
        yield xp[_block(starts, out, strides)]


def _max_forward(x, ksize, strides, pads, out):
    views = _views(_pad(x, pads, -np.inf), ksize, strides, out)
    y = np.array(next(views))
    for v in views:
        np.maximum(y, v, out=y)
    return y


def _first_maxima(x, y, ksize, strides, pads, out):
    """For each window offset (row-major over depth, height, width), the mask of the outputs
    whose first maximum sits there: every output is hit at exactly one offset."""
    taken = np.zeros(y.shape, bool)
    for v in _views(_pad(x, pads, -np.inf), ksize, strides, out):
        hit = v == y
        hit &= ~taken
        taken |= hit
        yield hit


def _max_grad_forward(x, y, g, ksize, strides, pads, out):
    """Routes each output's gradient to the first input equal to its window's maximum.

    TF's CPU kernel instead gives the whole gradient to every input within 1e-5 of the
    maximum; routing to one input keeps ``MaxPool3DGrad`` the exact adjoint of the
    max-selection (the gradient's total is preserved) and matches 2-D ``MaxPoolGrad``.
    """
    dxp = np.zeros(_padded_shape(x.shape, pads), g.dtype)
    dviews = _views(dxp, ksize, strides, out)
    for hit, dv in zip(_first_maxima(x, y, ksize, strides, pads, out), dviews):
        dv += g * hit
    return dxp[_interior(x.shape, pads)]


def _max_gradgrad_forward(x, y, gg, ksize, strides, pads, out):
    """The adjoint of MaxPool3DGrad in ``g``: each window picks ``gg`` at its first maximum."""
    result = np.zeros(y.shape, gg.dtype)
    gviews = _views(_pad(gg, pads, 0.0), ksize, strides, out)
    for hit, gv in zip(_first_maxima(x, y, ksize, strides, pads, out), gviews):
        result += gv * hit
    return result


def _max_grad_grad(needs, gg, ans, x, y, g, **geometry):
    # Piecewise linear in x and y (their gradients are zero almost everywhere), linear in g.
    dg = apply(_MAX_POOL3D_GRAD_GRAD, (x, y, gg), geometry) if needs[2] else None
    return None, None, dg


def _max_gradgrad_grad(needs, h, ans, x, y, gg, **geometry):
    dgg = apply(_MAX_POOL3D_GRAD, (x, y, h), geometry) if needs[2] else None
    return None, None, dgg


_MAX_POOL3D = defprimitive(
    "MaxPool3D", _max_forward,
    lambda g, ans, x, **geometry: apply(_MAX_POOL3D_GRAD, (x, ans, g), geometry))
_MAX_POOL3D_GRAD = defprimitive("MaxPool3DGrad", _max_grad_forward, grad=_max_grad_grad)
_MAX_POOL3D_GRAD_GRAD = defprimitive("MaxPool3DGradGrad", _max_gradgrad_forward,
                                     grad=_max_gradgrad_grad)


# -- average pooling -----------------------------------------------------------------------
def _window_counts(in_size, ksize, strides, pads, out, dtype):
    """How many real (unpadded) inputs each window covers: a (Do, Ho, Wo, 1) array.

    'SAME' windows at the border average only their real inputs, as TF's kernels do.
    """
    counts = []
    for size, k, s, (before, _), n in zip(in_size, ksize, strides, pads, out):
        start = np.arange(n) * s - before
        counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    grid = counts[0][:, None, None] * counts[1][None, :, None] * counts[2][None, None, :]
    return grid.astype(dtype)[..., None]


def _avg_forward(x, ksize, strides, pads, out):
    views = _views(_pad(x, pads, 0.0), ksize, strides, out)
    y = np.array(next(views))
    for v in views:
        y += v
    y /= _window_counts(x.shape[1:4], ksize, strides, pads, out, x.dtype)
    return y


def _avg_grad_forward(g, input_shape, ksize, strides, pads, out):
    share = g / _window_counts(input_shape[1:4], ksize, strides, pads, out, g.dtype)
    dxp = np.zeros(_padded_shape(input_shape, pads), g.dtype)
    for dv in _views(dxp, ksize, strides, out):
        dv += share
    return dxp[_interior(input_shape, pads)]


_AVG_POOL3D = defprimitive(
    "AvgPool3D", _avg_forward,
    lambda g, ans, x, **geometry: apply(_AVG_POOL3D_GRAD, (g,),
                                        dict(geometry, input_shape=x._value.shape)))
_AVG_POOL3D_GRAD = defprimitive(
    "AvgPool3DGrad", _avg_grad_forward,
    lambda gg, ans, g, input_shape, **geometry: apply(_AVG_POOL3D, (gg,), geometry))


# -- public functions ----------------------------------------------------------------------
def _to_ndhwc(x, data_format, opname):
    from .array import transpose
    if data_format in (None, "NDHWC"):
        return x
    if data_format == "NCDHW":
        if x._value.ndim != 5:
            raise InvalidArgumentError("%s: input must be 5-D (batch, channels, depth, height, "
                                       "width), got shape %s" % (opname, tuple(x._value.shape)))
        return transpose(x, (0, 2, 3, 4, 1))
    raise InvalidArgumentError("%s: data_format must be 'NDHWC' or 'NCDHW', got %r"
                               % (opname, data_format))


def _from_ndhwc(y, data_format):
    from .array import transpose
    return y if data_format in (None, "NDHWC") else transpose(y, (0, 4, 1, 2, 3))


def _to_ndhwc_order(value, data_format):
    """A 5-element strides / dilations / ksize / explicit padding list in NDHWC order: TF
    reads it in ``data_format``'s order."""
    if data_format == "NCDHW" and not isinstance(value, (str, int, np.integer)):
        value = list(value)
        if len(value) == 5:
            return [value[0]] + value[2:] + [value[1]]
    return value


def _spatial(value, name, opname, data_format):
    """TF's int / [s] / [sd, sh, sw] / 5-element spellings of strides, dilations and ksize."""
    if value is None:
        return (1, 1, 1)
    return _spatial_pair(_to_ndhwc_order(value, data_format), name, opname, rank=3)


def _padding(padding, opname, data_format):
    """'VALID' / 'SAME' or explicit pairs -> a per-axis list (see ``ops.conv._padding_arg``)."""
    return _padding_arg(_to_ndhwc_order(padding, data_format), opname, rank=3)


def _check_input(opname, x):
    if x._value.ndim != 5:
        raise InvalidArgumentError(
            "%s: input must be 5-D (batch, depth, height, width, channels), got shape %s"
            % (opname, tuple(x._value.shape)))
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError("%s: input must be floating point, got %s"
                                   % (opname, x._value.dtype))


def _check_filter(opname, x, w, layout):
    if w._value.ndim != 5:
        raise InvalidArgumentError("%s: filter must be 5-D (depth, height, width, %s), got shape "
                                   "%s" % (opname, layout, tuple(w._value.shape)))
    if x._value.dtype != w._value.dtype:
        raise InvalidArgumentError(
            "%s: input (%s) and filter (%s) must have the same dtype; convert one with tf.cast"
            % (opname, x._value.dtype, w._value.dtype))


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):
    """3-D convolution (cross-correlation, as TF computes it) of NDHWC ``input``.

    Args:
        input: ``(batch, depth, height, width, in_channels)``.
        filters: ``(kd, kh, kw, in_channels / groups, out_channels)``; when the input has a
            multiple of the filter's in_channels, the convolution is grouped.
        strides: int or list of 1, 3 or 5 ints (TF's form: ``[1, sd, sh, sw, 1]``; a
            5-element list, like explicit padding, is in ``data_format``'s order).
        padding: ``'VALID'``, ``'SAME'`` or explicit
            ``[[0, 0], [front, back], [top, bottom], [left, right], [0, 0]]``.
        data_format: ``'NDHWC'`` (default) or ``'NCDHW'``.
        dilations: int or list of 1, 3 or 5 ints.

    >>> import tapeflow as tf
    >>> x = tf.ones((1, 4, 5, 5, 2)); k = tf.ones((3, 3, 3, 2, 4))
    >>> tf.nn.conv3d(x, k, [1, 1, 1, 1, 1], "VALID").shape
    TensorShape([1, 2, 3, 3, 4])
    >>> float(tf.nn.conv3d(x, k, [1, 2, 2, 2, 1], "SAME")[0, 0, 0, 0, 0])
    24.0
    """
    x = _to_ndhwc(to_tensor(input), data_format, "Conv3D")
    w = to_tensor(filters)
    _check_input("Conv3D", x)
    _check_filter("Conv3D", x, w, "in_channels, out_channels")
    strides = _spatial(strides, "strides", "Conv3D", data_format)
    dilations = _spatial(dilations, "dilations", "Conv3D", data_format)
    padding = _padding(padding, "Conv3D", data_format)
    cin, fin, cout = x._value.shape[4], w._value.shape[3], w._value.shape[4]
    if cin == fin:
        return _from_ndhwc(_conv3d(x, w, strides, dilations, padding), data_format)
    if fin == 0 or cin % fin or cout % (cin // fin):
        raise InvalidArgumentError(
            "Conv3D: input depth %d does not match the filter's in_channels %d (input shape %s, "
            "filter shape %s); for a grouped convolution the input depth must be a multiple of "
            "it and out_channels a multiple of the group count"
            % (cin, fin, tuple(x._value.shape), tuple(w._value.shape)))
    # Grouped convolution, composed: one convolution per channel group, concatenated.
    from .array import concat, split
    groups = cin // fin
    y = concat([_conv3d(xi, wi, strides, dilations, padding)
                for xi, wi in zip(split(x, groups, axis=4), split(w, groups, axis=4))], axis=4)
    return _from_ndhwc(y, data_format)


def _conv3d(x, w, strides, dilations, padding):
    out, pads = _geometry("Conv3D", x._value.shape[1:4], w._value.shape[:3], strides, dilations,
                          padding)
    cache = _PatchCache() if recording and _watched(x, w) else None
    return apply(_CONV3D, (x, w), {"strides": strides, "dilations": dilations, "pads": pads,
                                   "out": out, "cache": cache})


def _shape_list(output_shape):
    value = output_shape._value if hasattr(output_shape, "_value") else output_shape
    return tuple(int(d) for d in np.asarray(value).reshape(-1))


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NDHWC",
                     dilations=None, name=None):
    """The transpose (gradient) of ``conv3d``: upsamples ``input`` to ``output_shape``.

    ``filters`` has shape ``(kd, kh, kw, out_channels, in_channels)``; ``output_shape`` is
    the 5-element shape of the result, in ``data_format``'s order.

    >>> import tapeflow as tf
    >>> x = tf.ones((1, 2, 3, 3, 4)); k = tf.ones((3, 3, 3, 2, 4))
    >>> tf.nn.conv3d_transpose(x, k, [1, 4, 6, 6, 2], 2, "SAME").shape
    TensorShape([1, 4, 6, 6, 2])
    """
    data_format = data_format or "NDHWC"
    g = _to_ndhwc(to_tensor(input), data_format, "Conv3DTranspose")
    w = to_tensor(filters)
    _check_input("Conv3DTranspose", g)
    _check_filter("Conv3DTranspose", g, w, "out_channels, in_channels")
    out_shape = _shape_list(output_shape)
    if data_format == "NCDHW" and len(out_shape) == 5:
        out_shape = (out_shape[0],) + out_shape[2:] + (out_shape[1],)
    if len(out_shape) != 5 or out_shape[4] != w._value.shape[3] or \
            g._value.shape[4] != w._value.shape[4] or out_shape[0] != g._value.shape[0]:
        raise InvalidArgumentError(
            "Conv3DTranspose: output_shape %s, input shape %s and filter shape %s (depth, "
            "height, width, out_channels, in_channels) do not agree"
            % (_shape_list(output_shape), tuple(g._value.shape), tuple(w._value.shape)))
    strides = _spatial(strides, "strides", "Conv3DTranspose", data_format)
    dilations = _spatial(dilations, "dilations", "Conv3DTranspose", data_format)
    out, pads = _geometry("Conv3DTranspose", out_shape[1:4], w._value.shape[:3], strides,
                          dilations, _padding(padding, "Conv3DTranspose", data_format))
    if out != g._value.shape[1:4]:
        raise InvalidArgumentError(
            "Conv3DTranspose: a convolution of output_shape %s with this filter and strides %s "
            "would give spatial size %s, not the input's %s"
            % (out_shape, strides, out, tuple(g._value.shape[1:4])))
    y = apply(_INPUT, (g, w), {"strides": strides, "dilations": dilations, "pads": pads,
                               "out": out, "input_shape": out_shape})
    return _from_ndhwc(y, data_format)


def _pool3d(op, opname, input, ksize, strides, padding, data_format):
    x = _to_ndhwc(to_tensor(input), data_format, opname)
    _check_input(opname, x)
    ksize = _spatial(ksize, "ksize", opname, data_format)
    strides = _spatial(strides, "strides", opname, data_format)
    padding = _padding(padding, opname, data_format)
    if not isinstance(padding[0], str):
        raise InvalidArgumentError("%s: padding must be 'VALID' or 'SAME', got %s"
                                   % (opname, padding))
    out, pads = _geometry(opname, x._value.shape[1:4], ksize, strides, (1, 1, 1), padding)
    y = apply(op, (x,), {"ksize": ksize, "strides": strides, "pads": pads, "out": out})
    return _from_ndhwc(y, data_format)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """Max pooling over ``ksize`` windows of NDHWC ``input``.

    ``ksize`` and ``strides`` are ints or lists of 1, 3 or 5 ints. The gradient goes to
    the first maximum of each window (row-major over depth, height, width).

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(8.0), (1, 2, 2, 2, 1))
    >>> tf.nn.max_pool3d(x, 2, 2, "VALID").numpy().ravel().tolist()
    [7.0]
    """
    return _pool3d(_MAX_POOL3D, "MaxPool3D", input, ksize, strides, padding, data_format)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """Average pooling over ``ksize`` windows; with 'SAME' each window averages only its
    real (unpadded) inputs, as TF does.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(8.0), (1, 2, 2, 2, 1))
    >>> tf.nn.avg_pool3d(x, 2, 2, "VALID").numpy().ravel().tolist()
    [3.5]
    >>> tf.nn.avg_pool3d(x, 2, 2, "SAME").numpy().ravel().tolist()
    [3.5]
    """
    return _pool3d(_AVG_POOL3D, "AvgPool3D", input, ksize, strides, padding, data_format)
