"""Whole-sequence recurrent primitives (LSTM, GRU, SimpleRNN) with hand-written BPTT.

One primitive runs the whole time loop, so a 50-step LSTM is one tape record instead of
hundreds, and the input projection ``x @ kernel`` and every weight gradient are single
BLAS calls over all steps. Gates follow Keras: LSTM ``i, f, c, o`` with ``c = f·c + i·g``
and ``h = o·tanh(c)``; GRU (``reset_after=True``) ``z, r, h`` with
``h = z·h_prev + (1 − z)·tanh(x_h + r·(h_prev @ U_h + b_h))``; SimpleRNN
``h = tanh(x @ W + h_prev @ U + b)``. Recurrent activations are sigmoid and activations
tanh (other choices run the Keras cell step by step instead).

Masking follows Keras: at a masked step the states are carried over unchanged and the
output repeats the previous output (zeros before the first unmasked step).

Each forward returns ``(outputs (N, T, U), *final_states)``. The backward pass is a
NumPy primitive of its own and is not differentiable again: for second derivatives run
the layer with ``unroll=True`` (composed cell ops).
"""
from .._context import recording
from ..backend import np
from .conv import _watched
from ..errors import InvalidArgumentError
from .core import apply, defprimitive, to_tensor

__all__ = ["lstm_sequence", "gru_sequence", "simple_rnn_sequence"]


class _Saved:
    """Forward intermediates kept for the backward pass, taken once."""

    __slots__ = ("data",)

    def __init__(self):
        self.data = None

    def take(self):
        data, self.data = self.data, None
        return data


def _sigmoid(z, out=None):
    out = np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


def _time_major_projection(x, w, b):
    """``x @ w + b`` for every step at once, laid out (T, N, G)."""
    n, t, d = x.shape
    xt = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(t * n, d)
    xw = np.matmul(xt, w)
    xw += b
    return xt, xw.reshape(t, n, w.shape[1])


def _input_grads(xt, dz, w, x_shape):
    """dx, dW, db from the stacked input-projection gradients ``dz`` (T, N, G)."""
    n, t, d = x_shape
    dz2 = dz.reshape(t * n, dz.shape[2])
    dx = np.matmul(dz2, w.T).reshape(t, n, d).transpose(1, 0, 2)
    return dx, np.matmul(xt.T, dz2), dz2.sum(0)


def _recurrent_grad(hs_prev, dz):
    """dU = Σ_t h_{t-1}ᵀ dz_t as one matmul over all steps."""
    return np.matmul(hs_prev.reshape(-1, hs_prev.shape[2]).T, dz.reshape(-1, dz.shape[2]))


def _masked_outputs(hs, mask):
    """Keras's outputs: the new state where unmasked, else the previous output (0 at first)."""
    out = np.empty_like(hs[1:])
    prev = np.zeros_like(hs[0])
    for s in range(out.shape[0]):
        prev = np.where(mask[:, s, None], hs[s + 1], prev)
        out[s] = prev
    return out


def _output_grads(gout, mask):
    """Per-step gradient reaching each new state through the masked outputs, (T, N, U)."""
    t = gout.shape[1]
    direct = np.empty((t,) + gout[:, 0].shape, gout.dtype)
    carry = np.zeros_like(gout[:, 0])
    for s in range(t - 1, -1, -1):
        total = gout[:, s] + carry
        m = mask[:, s, None]
        direct[s] = np.where(m, total, 0.0)
        carry = np.where(m, 0.0, total)
    return direct


def _batch_major(seq):
    return np.ascontiguousarray(seq.transpose(1, 0, 2))


# -- LSTM ----------------------------------------------------------------------------------
def _ifog(units):
    """Column order i, f, o, g: the three sigmoid gates side by side, then the tanh one."""
    return np.r_[0:2 * units, 3 * units:4 * units, 2 * units:3 * units]


def _lstm_run(x, h0, c0, w, u, b, mask):
    """Forward pass in i, f, o, g column order; keeps gates, states and tanh(c_new).

    σ(z) = (1 + tanh(z/2))/2: with the sigmoid gates' columns of the weights halved, one
    tanh over all four gates and two cheap passes activate a step.
    """
    units = u.shape[0]
    order = _ifog(units)
    half = np.ones(4 * units, x.dtype)
    half[:3 * units] = 0.5
    xt, gates = _time_major_projection(x, w[:, order] * half, b[order] * half)
    u = u[:, order] * half
    t = gates.shape[0]
    hs = np.empty((t + 1,) + h0.shape, x.dtype)
    cs = np.empty_like(hs)
    tanh_c = np.empty_like(hs[1:])
    hs[0], cs[0] = h0, c0
    recurrent = np.empty_like(gates[0])
    for s in range(t):
        a = gates[s]
        a += np.matmul(hs[s], u, out=recurrent)
        np.tanh(a, out=a)
        sig = a[:, :3 * units]
        sig *= 0.5
        sig += 0.5
        i, f, o = a[:, :units], a[:, units:2 * units], a[:, 2 * units:3 * units]
        g = a[:, 3 * units:]
        c = cs[s + 1]
        np.multiply(f, cs[s], out=c)
        c += i * g
        np.tanh(c, out=tanh_c[s])
        np.multiply(o, tanh_c[s], out=hs[s + 1])
        if mask is not None:
            keep = mask[:, s, None]
            c[...] = np.where(keep, c, cs[s])
            hs[s + 1] = np.where(keep, hs[s + 1], hs[s])
    return xt, gates, hs, cs, tanh_c


def _lstm_forward(x, h0, c0, w, u, b, mask, saved):
    run = _lstm_run(x, h0, c0, w, u, b, mask)
    if saved is not None:
        saved.data = run
    hs, cs = run[2], run[3]
    out = hs[1:] if mask is None else _masked_outputs(hs, mask)
    return _batch_major(out), hs[-1].copy(), cs[-1].copy()


def _lstm_backward(gout, gh, gc, x, h0, c0, w, u, b, mask, saved):
    data = saved.take() if saved is not None else None
    xt, gates, hs, cs, tanh_c = data or _lstm_run(x, h0, c0, w, u, b, mask)
    units = u.shape[0]
    order = _ifog(units)
    u_t = u[:, order].T
    t, n = gates.shape[:2]
    i, f = gates[..., :units], gates[..., units:2 * units]
    o, g = gates[..., 2 * units:3 * units], gates[..., 3 * units:]
    # Everything that does not depend on the recurrence, for all steps at once: the
    # pre-activation gradient of each gate is a coefficient times dc_new (i, f, g) or
    # times dh_new (o), and dc_new picks up dh_new·o·(1 − tanh²c).
    coef = np.empty_like(gates)
    sig, sig_coef = gates[..., :3 * units], coef[..., :3 * units]
    np.subtract(1.0, sig, out=sig_coef)                 # σ' = σ(1 − σ), in place
    sig_coef *= sig
    coef[..., :units] *= g
    coef[..., units:2 * units] *= cs[:-1]
    coef[..., 2 * units:3 * units] *= tanh_c
    g_coef = coef[..., 3 * units:]
    np.multiply(g, g, out=g_coef)                       # tanh' = 1 − tanh²
    np.subtract(1.0, g_coef, out=g_coef)
    g_coef *= i
    c_from_h = np.multiply(tanh_c, tanh_c)
    np.subtract(1.0, c_from_h, out=c_from_h)
    c_from_h *= o
    dh_out = np.ascontiguousarray(gout.transpose(1, 0, 2)) if mask is None \
        else _output_grads(gout, mask)
    dh, dc = gh.copy(), gc.copy()
    dz = np.empty_like(gates)
    for s in range(t - 1, -1, -1):
        dh_new = dh + dh_out[s]
        if mask is not None:
            m = mask[:, s, None]
            dh_keep, dc_keep = np.where(m, 0.0, dh), np.where(m, 0.0, dc)
            dh_new = np.where(m, dh_new, 0.0)
            dc = np.where(m, dc, 0.0)
        dc_new = dh_new * c_from_h[s]
        dc_new += dc
        d = dz[s]
        np.multiply(coef[s].reshape(n, 4, units), dc_new[:, None, :], out=d.reshape(n, 4, units))
        np.multiply(coef[s, :, 2 * units:3 * units], dh_new, out=d[:, 2 * units:3 * units])
        dh = np.matmul(d, u_t)
        dc = dc_new * f[s]
        if mask is not None:
            dh += dh_keep
            dc += dc_keep
    dx, dw_ifog, db_ifog = _input_grads(xt, dz, w[:, order], x.shape)
    du_ifog = _recurrent_grad(hs[:-1], dz)
    dw, du, db = np.empty_like(dw_ifog), np.empty_like(du_ifog), np.empty_like(db_ifog)
    dw[:, order], du[:, order], db[order] = dw_ifog, du_ifog, db_ifog
    return dx, dh, dc, dw, du, db


def _lstm_grad(needs, grads, ans, x, h0, c0, w, u, b, mask, saved):
    return apply(_LSTM_GRAD, (*grads, x, h0, c0, w, u, b), {"mask": mask, "saved": saved})


_LSTM = defprimitive("LSTMSequence", _lstm_forward, grad=_lstm_grad, multi_output=True)
_LSTM_GRAD = defprimitive("LSTMSequenceGrad", _lstm_backward, multi_output=True)


# -- GRU (reset_after=True) ----------------------------------------------------------------
def _gru_run(x, h0, w, u, b, mask):
    units = u.shape[0]
    xt, xw = _time_major_projection(x, w, b[0])
    t = xw.shape[0]
    hs = np.empty((t + 1,) + h0.shape, x.dtype)
    hs[0] = h0
    acts = np.empty((t,) + h0.shape[:1] + (4 * units,), x.dtype)  # z, r, candidate, U_h·h + b_h
    for s in range(t):
        hu = np.matmul(hs[s], u)
        hu += b[1]
        zr = _sigmoid(xw[s, :, :2 * units] + hu[:, :2 * units])
        z, r = zr[:, :units], zr[:, units:]
        cand = np.tanh(xw[s, :, 2 * units:] + r * hu[:, 2 * units:])
        h = z * hs[s] + (1.0 - z) * cand
        if mask is not None:
            h = np.where(mask[:, s, None], h, hs[s])
        hs[s + 1] = h
        acts[s, :, :2 * units] = zr
        acts[s, :, 2 * units:3 * units] = cand
        acts[s, :, 3 * units:] = hu[:, 2 * units:]
    return xt, acts, hs


def _gru_forward(x, h0, w, u, b, mask, saved):
    xt, acts, hs = _gru_run(x, h0, w, u, b, mask)
    if saved is not None:
        saved.data = (xt, acts, hs)
    out = hs[1:] if mask is None else _masked_outputs(hs, mask)
    return _batch_major(out), hs[-1].copy()


def _gru_backward(gout, gh, x, h0, w, u, b, mask, saved):
    data = saved.take() if saved is not None else None
    xt, acts, hs = data or _gru_run(x, h0, w, u, b, mask)
    units = u.shape[0]
    t = acts.shape[0]
    dh_out = np.ascontiguousarray(gout.transpose(1, 0, 2)) if mask is None \
        else _output_grads(gout, mask)
    dh = gh.copy()
    dxw = np.empty((t,) + dh.shape[:1] + (3 * units,), x.dtype)
    dhu = np.empty_like(dxw)
    for s in range(t - 1, -1, -1):
        a = acts[s]
        z, r, cand, hh = a[:, :units], a[:, units:2 * units], a[:, 2 * units:3 * units], \
            a[:, 3 * units:]
        dh_new = dh + dh_out[s]
        if mask is not None:
            m = mask[:, s, None]
            dh_keep = np.where(m, 0.0, dh)
            dh_new = np.where(m, dh_new, 0.0)
        dcand = dh_new * (1.0 - z) * (1.0 - cand * cand)
        dzp = dh_new * (hs[s] - cand) * z * (1.0 - z)
        drp = dcand * hh * r * (1.0 - r)
        dxw[s, :, :units] = dzp
        dxw[s, :, units:2 * units] = drp
        dxw[s, :, 2 * units:] = dcand
        dhu[s, :, :2 * units] = dxw[s, :, :2 * units]
        dhu[s, :, 2 * units:] = dcand * r
        dh = dh_new * z + np.matmul(dhu[s], u.T)
        if mask is not None:
            dh += dh_keep
    dx, dw, db_in = _input_grads(xt, dxw, w, x.shape)
    db = np.stack([db_in, dhu.reshape(-1, 3 * units).sum(0)])
    return dx, dh, dw, _recurrent_grad(hs[:-1], dhu), db


def _gru_grad(needs, grads, ans, x, h0, w, u, b, mask, saved):
    return apply(_GRU_GRAD, (*grads, x, h0, w, u, b), {"mask": mask, "saved": saved})


_GRU = defprimitive("GRUSequence", _gru_forward, grad=_gru_grad, multi_output=True)
_GRU_GRAD = defprimitive("GRUSequenceGrad", _gru_backward, multi_output=True)


# -- SimpleRNN (tanh) ----------------------------------------------------------------------
def _rnn_run(x, h0, w, u, b, mask):
    xt, z = _time_major_projection(x, w, b)
    hs = np.empty((z.shape[0] + 1,) + h0.shape, x.dtype)
    hs[0] = h0
    for s in range(z.shape[0]):
        zs = z[s]
        zs += np.matmul(hs[s], u)
        np.tanh(zs, out=zs)
        hs[s + 1] = zs if mask is None else np.where(mask[:, s, None], zs, hs[s])
    return xt, z, hs


def _rnn_forward(x, h0, w, u, b, mask, saved):
    xt, acts, hs = _rnn_run(x, h0, w, u, b, mask)
    if saved is not None:
        saved.data = (xt, acts, hs)
    out = hs[1:] if mask is None else _masked_outputs(hs, mask)
    return _batch_major(out), hs[-1].copy()


def _rnn_backward(gout, gh, x, h0, w, u, b, mask, saved):
    data = saved.take() if saved is not None else None
    xt, acts, hs = data or _rnn_run(x, h0, w, u, b, mask)
    dh_out = np.ascontiguousarray(gout.transpose(1, 0, 2)) if mask is None \
        else _output_grads(gout, mask)
    dh = gh.copy()
    dz = np.empty_like(acts)
    for s in range(acts.shape[0] - 1, -1, -1):
        dh_new = dh + dh_out[s]
        if mask is not None:
            m = mask[:, s, None]
            dh_keep = np.where(m, 0.0, dh)
            dh_new = np.where(m, dh_new, 0.0)
        dz[s] = dh_new * (1.0 - acts[s] * acts[s])
        dh = np.matmul(dz[s], u.T)
        if mask is not None:
            dh += dh_keep
    dx, dw, db = _input_grads(xt, dz, w, x.shape)
    return dx, dh, dw, _recurrent_grad(hs[:-1], dz), db


def _rnn_grad(needs, grads, ans, x, h0, w, u, b, mask, saved):
    return apply(_RNN_GRAD, (*grads, x, h0, w, u, b), {"mask": mask, "saved": saved})


_SIMPLE_RNN = defprimitive("SimpleRNNSequence", _rnn_forward, grad=_rnn_grad, multi_output=True)
_RNN_GRAD = defprimitive("SimpleRNNSequenceGrad", _rnn_backward, multi_output=True)


# -- public functions ----------------------------------------------------------------------
def _mask_attr(mask):
    if mask is None:
        return None
    m = np.asarray(mask._value if hasattr(mask, "_value") else mask)
    return m.astype(bool, copy=False)


def _run(op, inputs, mask):
    x = to_tensor(inputs[0])
    dtype = x._value.dtype
    inputs = (x,) + tuple(to_tensor(t) for t in inputs[1:])
    for t in inputs[1:]:
        if t._value.dtype != dtype:
            raise InvalidArgumentError(
                "%s: every input must have the dtype of x (%s), got %s; convert with tf.cast"
                % (op.name, dtype, t._value.dtype))
    if x._value.ndim != 3:
        raise InvalidArgumentError("%s: x must be 3-D (batch, timesteps, features), got shape %s"
                                   % (op.name, tuple(x._value.shape)))
    saved = _Saved() if recording and _watched(*inputs) else None
    return apply(op, inputs, {"mask": _mask_attr(mask), "saved": saved})


def lstm_sequence(x, h0, c0, kernel, recurrent_kernel, bias, mask=None):
    """Runs a Keras-layout LSTM over ``x`` (N, T, D): returns ``(outputs, h, c)``.

    ``kernel`` (D, 4U), ``recurrent_kernel`` (U, 4U), ``bias`` (4U,), gates ``i, f, c, o``;
    ``mask`` (N, T) bool skips steps (states carried over).

    >>> import tapeflow as tf
    >>> out, h, c = lstm_sequence(tf.ones((2, 5, 3)), tf.zeros((2, 4)), tf.zeros((2, 4)),
    ...                           tf.ones((3, 16)), tf.zeros((4, 16)), tf.zeros(16))
    >>> out.shape, h.shape
    (TensorShape([2, 5, 4]), TensorShape([2, 4]))
    """
    return _run(_LSTM, (x, h0, c0, kernel, recurrent_kernel, bias), mask)


def gru_sequence(x, h0, kernel, recurrent_kernel, bias, mask=None):
    """Runs a Keras-layout GRU (``reset_after=True``, bias (2, 3U)): ``(outputs, h)``.

    >>> import tapeflow as tf
    >>> out, h = gru_sequence(tf.ones((2, 5, 3)), tf.zeros((2, 4)), tf.ones((3, 12)),
    ...                       tf.zeros((4, 12)), tf.zeros((2, 12)))
    >>> out.shape
    TensorShape([2, 5, 4])
    """
    return _run(_GRU, (x, h0, kernel, recurrent_kernel, bias), mask)


def simple_rnn_sequence(x, h0, kernel, recurrent_kernel, bias, mask=None):
    """Runs ``h = tanh(x @ W + h @ U + b)`` over ``x`` (N, T, D): ``(outputs, h)``.

    >>> import tapeflow as tf
    >>> out, h = simple_rnn_sequence(tf.ones((2, 5, 3)), tf.zeros((2, 4)), tf.ones((3, 4)),
    ...                              tf.zeros((4, 4)), tf.zeros(4))
    >>> out.shape
    TensorShape([2, 5, 4])
    """
    return _run(_SIMPLE_RNN, (x, h0, kernel, recurrent_kernel, bias), mask)
