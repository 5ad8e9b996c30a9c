"""Neural-network ops: activations, softmax and the fused, stable cross-entropies."""
from .._context import recording
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import _wrap
from .array import _check_axis, _shape_arg, expand_dims, gather, reshape
from .core import apply, binary_args, defprimitive, to_tensor
from .creation import one_hot
from .linalg import l2_normalize as _l2_normalize
from .linalg import matmul
from .math import _unary, cast, erf, exp, greater, less, logical_and, sigmoid, tanh, where
from .random import uniform_array
from .reduce import reduce_sum


# ``dense`` (the Keras Dense layer's fused op) is not TF API: import it from this module.
__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softmax",
           "log_softmax", "bias_add", "l2_loss", "dropout", "embedding_lookup",
           "softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
           "sparse_softmax_cross_entropy_with_logits", "l2_normalize"]


def _relu_forward(x):
    return np.maximum(x, 0)     # the Python int 0 keeps x's dtype (NEP 50)


def _relu_backward(g, y):
    """g where y > 0, else 0 (relu'(0) = 0, as in TF)."""
    if not recording:
        # No tape records this backward pass, so the result need not be differentiable:
        # one NumPy pass instead of three ops.
        return _wrap(g._value * (y._value > 0))
    return g * cast(greater(y, 0), g.dtype)


_RELU = defprimitive("Relu", _relu_forward, lambda g, ans, x: _relu_backward(g, ans))
_relu = _unary(_RELU)   # the inlined fast path of elementwise ops


def relu(features, name=None):
    """max(x, 0); its gradient at 0 is 0, as in TF.

    >>> import tapeflow as tf
    >>> tf.nn.relu(tf.constant([-1.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    """
    return _relu(features)


def _relu6_forward(x):
    return np.minimum(np.maximum(x, 0), 6).astype(x.dtype, copy=False)


# The gradient is 0 at both 0 and 6 (TF's Relu6Grad uses 0 < x < 6).
_RELU6 = defprimitive("Relu6", _relu6_forward,
                      lambda g, ans, x: g * cast(logical_and(greater(x, 0), less(x, 6)), g.dtype))


def relu6(features, name=None):
    """min(max(x, 0), 6).

    >>> import tapeflow as tf
    >>> tf.nn.relu6(tf.constant([-1.0, 3.0, 8.0])).numpy()
    array([0., 3., 6.], dtype=float32)
    """
    return apply(_RELU6, (to_tensor(features),))


def _leaky_forward(x, alpha):
    return np.where(x > 0, x, x * alpha).astype(x.dtype, copy=False)


_LEAKY_RELU = defprimitive(
    "LeakyRelu", _leaky_forward,
    lambda g, ans, x, alpha: where(greater(x, 0), g, g * alpha))


def leaky_relu(features, alpha=0.2, name=None):
    """x for x > 0, alpha·x otherwise.

    >>> import tapeflow as tf
    >>> tf.nn.leaky_relu(tf.constant([-1.0, 2.0])).numpy()
    array([-0.2,  2. ], dtype=float32)
    """
    return apply(_LEAKY_RELU, (to_tensor(features),), {"alpha": float(alpha)})


def _elu_forward(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


# elu'(x) = 1 for x > 0, else exp(x) = elu(x) + 1
_ELU = defprimitive("Elu", _elu_forward,
                    lambda g, ans, x: where(greater(x, 0), g, g * (ans + 1.0)))


def elu(features, name=None):
    """x for x > 0, exp(x) − 1 otherwise.

    >>> import tapeflow as tf
    >>> tf.nn.elu(tf.constant([0.0, 2.0])).numpy()
    array([0., 2.], dtype=float32)
    """
    return apply(_ELU, (to_tensor(features),))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu_forward(x):
    neg = _SELU_SCALE * _SELU_ALPHA * np.expm1(np.minimum(x, 0))
    return np.where(x > 0, _SELU_SCALE * x, neg).astype(x.dtype, copy=False)


# selu'(x) = scale for x > 0, else scale·alpha·exp(x) = selu(x) + scale·alpha
_SELU = defprimitive("Selu", _selu_forward,
                     lambda g, ans, x: where(greater(x, 0), g * _SELU_SCALE,
                                             g * (ans + _SELU_SCALE * _SELU_ALPHA)))


def selu(features, name=None):
    """scale·elu with alpha = 1.6733, scale = 1.0507 (self-normalising).

    >>> import tapeflow as tf
    >>> round(float(tf.nn.selu(tf.constant(1.0))), 4)
    1.0507
    """
    return apply(_SELU, (to_tensor(features),))


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: x·Φ(x), or its tanh approximation when ``approximate``.

    >>> import tapeflow as tf
    >>> round(float(tf.nn.gelu(tf.constant(1.0))), 4)
    0.8413
    """
    x = to_tensor(features)
    if approximate:
        inner = 0.7978845608028654 * (x + 0.044715 * (x * x * x))   # √(2/π)·(x + 0.044715x³)
        return 0.5 * x * (1.0 + tanh(inner))
    return 0.5 * x * (1.0 + erf(x * 0.7071067811865476))


def silu(features, beta=1.0, name=None):
    """x·sigmoid(beta·x) (also ``tf.nn.swish``).

    >>> import tapeflow as tf
    >>> round(float(tf.nn.silu(tf.constant(1.0))), 4)
    0.7311
    """
    x = to_tensor(features)
    if beta == 1.0:
        return x * sigmoid(x)
    return x * sigmoid(x * beta)


swish = silu


def _softmax_forward(x, axis):
    # ufunc.reduce, not np.max/np.sum or array methods: they skip NumPy's Python-level
    # wrappers (about 1 µs a call, which matters on the small arrays of small models)
    e = np.exp(x - _max_reduce(x, axis=axis, keepdims=True))
    e /= _sum_reduce(e, axis=axis, keepdims=True)
    return e


_max_reduce = np.maximum.reduce
_sum_reduce = np.add.reduce


def _softmax_grad(g, ans, x, axis):
    # dx = s·(g − Σ g·s)
    return ans * (g - reduce_sum(g * ans, axis=axis, keepdims=True))


_SOFTMAX = defprimitive("Softmax", _softmax_forward, _softmax_grad)


def _log_softmax_forward(x, axis):
    z = x - _max_reduce(x, axis=axis, keepdims=True)
    return z - np.log(_sum_reduce(np.exp(z), axis=axis, keepdims=True))


def _log_softmax_grad(g, ans, x, axis):
    # dx = g − softmax·Σg
    return g - exp(ans) * reduce_sum(g, axis=axis, keepdims=True)


_LOG_SOFTMAX = defprimitive("LogSoftmax", _log_softmax_forward, _log_softmax_grad)


def softmax(logits, axis=None, name=None):
    """Softmax over ``axis`` (the last axis by default), computed stably.

    >>> import tapeflow as tf
    >>> tf.nn.softmax(tf.constant([0.0, 0.0])).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    x = to_tensor(logits)
    return apply(_SOFTMAX, (x,), {"axis": _softmax_axis(axis, x, "Softmax")})


def log_softmax(logits, axis=None, name=None):
    """log(softmax(x)) over ``axis`` (the last by default), computed stably."""
    x = to_tensor(logits)
    return apply(_LOG_SOFTMAX, (x,), {"axis": _softmax_axis(axis, x, "LogSoftmax")})


def _softmax_axis(axis, x, opname):
    if x._value.dtype.kind not in "fc":   # TF's softmax is float-only (NumPy would give float64)
        raise InvalidArgumentError("%s: expected a floating-point tensor, got %s. Cast it first "
                                   "with tf.cast(logits, tf.float32)." % (opname, x.dtype.name))
    if axis is None or axis == -1:
        return -1
    return _check_axis(axis, x, opname)


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D ``bias`` to the last (NHWC) or channel (NCHW) axis of ``value``."""
    v, b = binary_args(value, bias, "BiasAdd")
    if b._value.ndim != 1:
        raise InvalidArgumentError("BiasAdd: bias must be 1-D, got shape %s" % (tuple(b.shape),))
    channel = 1 if data_format in ("NCHW", "NCW", "NCDHW") else -1
    if v._value.shape[channel] != b._value.shape[0]:
        raise InvalidArgumentError(
            "BiasAdd: bias of size %d does not match the channel dimension %d of value %s"
            % (b._value.shape[0], v._value.shape[channel], tuple(v._value.shape)))
    if channel == 1 and v._value.ndim > 2:
        b = reshape(b, (-1,) + (1,) * (v._value.ndim - 2))
    return v + b


def _xent_forward(labels, logits, axis, cache):
    log_p = _log_softmax_forward(logits, axis)
    cache.append(log_p)  # kept for the gradient, as TF's kernel returns its backprop too
    return -_sum_reduce(labels * log_p, axis=axis)


def _xent_grad(needs, g, ans, labels, logits, axis, cache):
    # TF's fused kernel: d loss / d logits = softmax(logits) − labels (it assumes the labels
    # sum to 1; tapeflow follows TF so that training with unnormalised labels matches);
    # d loss / d labels = −log_softmax(logits).
    if not recording:   # nothing records the backward pass: compute on arrays directly
        ge = np.expand_dims(g._value, axis) if axis != -1 else g._value[..., None]
        log_p = cache[0]
        return (_wrap(-ge * log_p) if needs[0] else None,
                _wrap(ge * (np.exp(log_p) - labels._value)) if needs[1] else None)
    ge = expand_dims(g, axis)
    gl = ge * (softmax(logits, axis) - labels) if needs[1] else None
    glab = -ge * log_softmax(logits, axis) if needs[0] else None
    return glab, gl


_XENT = defprimitive("SoftmaxCrossEntropyWithLogits", _xent_forward, grad=_xent_grad)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Per-example ``-Σ labels·log_softmax(logits)``, fused and stable.

    The gradient w.r.t. logits is ``softmax(logits) - labels`` exactly as TensorFlow's kernel
    computes it.
    """
    logits_t = to_tensor(logits)
    labels_t = to_tensor(labels, None) if not hasattr(labels, "_value") else labels
    logits_t, labels_t = binary_args(logits_t, labels_t, "SoftmaxCrossEntropyWithLogits")
    if labels_t._value.shape != logits_t._value.shape:
        raise InvalidArgumentError(
            "softmax_cross_entropy_with_logits: labels and logits must have the same shape, got "
            "labels %s and logits %s" % (tuple(labels_t.shape), tuple(logits_t.shape)))
    return apply(_XENT, (labels_t, logits_t), {"axis": int(axis), "cache": []})




# -- the mean cross-entropies: what Keras's default-reduction losses compute ---------------
# mean(softmax_cross_entropy_with_logits(labels, logits)) as one primitive: the loss of almost
# every classifier step. Fusing the mean saves a record, a rule and about ten small-array
# NumPy calls per step; values and gradients equal the composed ops' (the gradient keeps
# TF's fused softmax − labels).
def _xent_mean_forward(labels, logits, cache):
    log_p = _log_softmax_forward(logits, -1)
    cache.append(log_p)
    rows = log_p.size // log_p.shape[-1] if log_p.size else 1
    per_row = _sum_reduce(labels * log_p, axis=-1)
    return _sum_reduce(per_row, axis=None) * (-1.0 / rows)


def _xent_mean_grad(needs, g, ans, labels, logits, cache):
    rows = logits._value.size // logits._value.shape[-1] if logits._value.size else 1
    if not recording:
        scale = g._value * (1.0 / rows)
        log_p = cache[0]
        return (_wrap(log_p * -scale) if needs[0] else None,
                _wrap((np.exp(log_p) - labels._value) * scale) if needs[1] else None)
    scale = g * (1.0 / rows)
    return (-scale * log_softmax(logits) if needs[0] else None,
            scale * (softmax(logits) - labels) if needs[1] else None)


_XENT_MEAN = defprimitive("SoftmaxCrossEntropyMean", _xent_mean_forward, grad=_xent_mean_grad)


def softmax_cross_entropy_mean(labels, logits):
    """``reduce_mean(softmax_cross_entropy_with_logits(labels, logits))`` over the last axis,
    fused (Keras's CategoricalCrossentropy(from_logits=True) with its default reduction).

    >>> import tapeflow as tf
    >>> from tapeflow.ops.nn import softmax_cross_entropy_mean
    >>> round(float(softmax_cross_entropy_mean([[1.0, 0.0]], [[0.0, 0.0]])), 4)
    0.6931
    """
    logits_t, labels_t = binary_args(logits, labels, "SoftmaxCrossEntropyMean")
    if labels_t._value.shape != logits_t._value.shape or logits_t._value.ndim == 0:
        raise InvalidArgumentError(
            "softmax_cross_entropy_mean: labels and logits must have the same shape (rank >= 1), "
            "got labels %s and logits %s" % (tuple(labels_t.shape), tuple(logits_t.shape)))
    return apply(_XENT_MEAN, (labels_t, logits_t), {"cache": []})


def _sparse_xent_mean_forward(labels, logits, cache):
    log_p = _log_softmax_forward(logits, -1)
    cache.append(log_p)
    picked = np.take_along_axis(log_p, labels[..., None].astype(np.intp), axis=-1)
    return _sum_reduce(picked, axis=None) * (-1.0 / max(labels.size, 1))


def _sparse_xent_mean_grad(needs, g, ans, labels, logits, cache):
    if not needs[1]:
        return None, None
    n = max(labels._value.size, 1)
    if not recording:
        d = np.exp(cache[0])
        idx = labels._value[..., None].astype(np.intp)
        np.put_along_axis(d, idx, np.take_along_axis(d, idx, -1) - 1.0, -1)
        d *= g._value * (1.0 / n)
        return None, _wrap(d)
    onehot = one_hot(labels, logits._value.shape[-1], dtype=logits.dtype)
    return None, (g * (1.0 / n)) * (softmax(logits) - onehot)


_SPARSE_XENT_MEAN = defprimitive("SparseSoftmaxCrossEntropyMean", _sparse_xent_mean_forward,
                                 grad=_sparse_xent_mean_grad)


def sparse_softmax_cross_entropy_mean(labels, logits):
    """``reduce_mean(sparse_softmax_cross_entropy_with_logits(labels, logits))``, fused
    (Keras's SparseCategoricalCrossentropy(from_logits=True) with its default reduction).

    >>> import tapeflow as tf
    >>> from tapeflow.ops.nn import sparse_softmax_cross_entropy_mean
    >>> round(float(sparse_softmax_cross_entropy_mean([0], [[0.0, 0.0]])), 4)
    0.6931
    """
    z = to_tensor(logits)
    y = to_tensor(labels)
    _check_sparse_labels(y, z)
    return apply(_SPARSE_XENT_MEAN, (y, z), {"cache": []})


def _sigmoid_xent_forward(labels, logits):
    # max(z, 0) − z·y + log(1 + e^(−|z|)): no overflow for any z
    return (np.maximum(logits, 0) - logits * labels
            + np.log1p(np.exp(-np.abs(logits)))).astype(logits.dtype, copy=False)


def _sigmoid_xent_grad(needs, g, ans, labels, logits):
    # d/dz = sigmoid(z) − y,   d/dy = −z
    return (-g * logits if needs[0] else None,
            g * (sigmoid(logits) - labels) if needs[1] else None)


_SIGMOID_XENT = defprimitive("SigmoidCrossEntropyWithLogits", _sigmoid_xent_forward,
                             grad=_sigmoid_xent_grad)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise ``−y·log σ(z) − (1−y)·log(1−σ(z))``, fused and stable.

    >>> import tapeflow as tf
    >>> round(float(tf.nn.sigmoid_cross_entropy_with_logits(tf.constant(1.0), tf.constant(0.0))), 4)
    0.6931
    """
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits: both labels and logits are required")
    logits_t, labels_t = binary_args(logits, labels, "SigmoidCrossEntropyWithLogits")
    if labels_t._value.shape != logits_t._value.shape:
        raise InvalidArgumentError(
            "sigmoid_cross_entropy_with_logits: logits and labels must have the same shape, got "
            "logits %s and labels %s" % (tuple(logits_t.shape), tuple(labels_t.shape)))
    return apply(_SIGMOID_XENT, (labels_t, logits_t))


def _sparse_xent_forward(labels, logits):
    log_p = _log_softmax_forward(logits, -1)
    return -np.take_along_axis(log_p, labels[..., None].astype(np.intp), axis=-1)[..., 0]


def _sparse_xent_grad(needs, g, ans, labels, logits):
    # d loss / d logits = softmax(logits) − one_hot(labels); labels get no gradient.
    if not needs[1]:
        return None, None
    if not recording:   # nothing records the backward pass: compute on arrays directly
        d = _softmax_forward(logits._value, -1)
        idx = labels._value[..., None].astype(np.intp)
        np.put_along_axis(d, idx, np.take_along_axis(d, idx, -1) - 1.0, -1)
        return None, _wrap(d * g._value[..., None])
    onehot = one_hot(labels, logits._value.shape[-1], dtype=logits.dtype)
    return None, expand_dims(g, -1) * (softmax(logits) - onehot)


_SPARSE_XENT = defprimitive("SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_forward,
                            grad=_sparse_xent_grad)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Per-example ``−log softmax(logits)[label]`` for integer ``labels``, fused and stable.

    >>> import tapeflow as tf
    >>> tf.nn.sparse_softmax_cross_entropy_with_logits([0], [[0.0, 0.0]]).numpy()
    array([0.6931472], dtype=float32)
    """
    if labels is None or logits is None:
        raise ValueError("sparse_softmax_cross_entropy_with_logits: both labels and logits are "
                         "required")
    z = to_tensor(logits)
    y = to_tensor(labels)
    _check_sparse_labels(y, z)
    return apply(_SPARSE_XENT, (y, z))


def _check_sparse_labels(y, z):
    """Integer class ids of logits' shape minus its last axis, each in [0, classes)."""
    if y._value.dtype.kind not in "iu":
        raise InvalidArgumentError("sparse_softmax_cross_entropy_with_logits: labels must be "
                                   "integers, got dtype %s" % y.dtype.name)
    if z._value.ndim == 0 or y._value.shape != z._value.shape[:-1]:
        raise InvalidArgumentError(
            "sparse_softmax_cross_entropy_with_logits: labels of shape %s must have the shape of "
            "logits %s without its last dimension" % (tuple(y.shape), tuple(z.shape)))
    n = z._value.shape[-1]
    yv = y._value
    if yv.size and (np.min(yv) < 0 or np.max(yv) >= n):
        bad = yv[(yv < 0) | (yv >= n)].reshape(-1)[0]
        raise InvalidArgumentError("Received a label value of %d which is outside the valid range "
                                   "of [0, %d)." % (bad, n))


def l2_loss(t, name=None):
    """sum(t²) / 2.

    >>> import tapeflow as tf
    >>> float(tf.nn.l2_loss(tf.constant([1.0, 2.0])))
    2.5
    """
    t = to_tensor(t)
    return reduce_sum(t * t) * 0.5


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes each element with probability ``rate`` and scales the rest by 1/(1−rate).

    Reproducible under ``tf.random.set_seed`` and ``seed``.

    >>> import tapeflow as tf
    >>> tf.nn.dropout(tf.ones([4]), rate=0.0).numpy()
    array([1., 1., 1., 1.], dtype=float32)
    """
    x = to_tensor(x)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError("dropout: x must be floating point, got %s" % x.dtype.name)
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError("dropout: rate must be in [0, 1), got %r" % rate)
    if rate == 0.0:
        return x
    shape = x._value.shape
    if noise_shape is not None:   # None (or -1) entries take x's dimension, as in TF
        shape = tuple(d if n == -1 else n for n, d in zip(_shape_arg(noise_shape), shape))
    keep = uniform_array(shape, np.float32, seed) >= rate
    scale = (keep * (1.0 / (1.0 - rate))).astype(x._value.dtype)
    return x * _wrap(scale)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of ``params`` at ``ids`` (``tf.gather`` on axis 0).

    >>> import tapeflow as tf
    >>> tf.nn.embedding_lookup(tf.constant([[1.0], [2.0]]), [1, 1]).numpy()
    array([[2.],
           [2.]], dtype=float32)
    """
    if max_norm is not None:
        raise NotImplementedError("tf.nn.embedding_lookup: max_norm is not supported")
    return gather(params, ids)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x²), epsilon))`` along ``axis`` (see ``tf.math.l2_normalize``)."""
    return _l2_normalize(x, axis=axis, epsilon=epsilon, dim=dim)


# -- dense: the fused layer op ---------------------------------------------------------------
def _dense_forward(x, kernel, bias=None, relu=False):
    out = x @ kernel
    if bias is not None:
        out += bias     # out is a fresh array: add in place
    if relu:
        np.maximum(out, 0, out=out)
    return out


def _dense_grad(needs, g, ans, x, kernel, bias=None, relu=False):
    # y = x·W + b (x: [..., n], W: [n, m]):  dx = g·Wᵀ,  dW = x̂ᵀ·ĝ,  db = Σ_leading g,
    # with x̂, ĝ the inputs flattened to 2-D. Only the gradients asked for are computed.
    # With the fused relu, g is first masked by relu'(y).
    if not recording:
        return _dense_grad_arrays(needs, g._value, ans._value, x._value, kernel._value,
                                  bias is not None, relu)
    if relu:
        g = _relu_backward(g, ans)
    gx = gk = gb = None
    if needs[0]:
        gx = matmul(g, kernel, transpose_b=True)
    if needs[1] or (bias is not None and needs[2]):
        g2 = g if g._value.ndim == 2 else reshape(g, (-1, g._value.shape[-1]))
        if needs[1]:
            x2 = x if x._value.ndim == 2 else reshape(x, (-1, x._value.shape[-1]))
            gk = matmul(x2, g2, transpose_a=True)
        if bias is not None and needs[2]:
            gb = reduce_sum(g2, axis=0)
    return (gx, gk) if bias is None else (gx, gk, gb)


def _dense_grad_arrays(needs, g, y, x, kernel, has_bias, relu):
    """``_dense_grad`` on arrays, for when no tape records the backward pass."""
    if relu:
        g = g * (y > 0)
    gx = gk = gb = None
    if needs[0]:
        gx = _wrap(g @ kernel.T)
    if needs[1] or (has_bias and needs[2]):
        g2 = g.reshape(-1, g.shape[-1])
        if needs[1]:
            gk = _wrap(x.reshape(-1, x.shape[-1]).T @ g2)
        if has_bias and needs[2]:
            gb = _wrap(_sum_reduce(g2, axis=0))
    return (gx, gk, gb) if has_bias else (gx, gk)


_DENSE = defprimitive("Dense", _dense_forward, grad=_dense_grad)


def dense(x, kernel, bias=None, activation=None):
    """``activation(x @ kernel + bias)`` contracting the last axis of ``x`` (rank >= 2):
    what Keras's Dense layer computes.

    One fused primitive: its gradient computes only the input gradients a tape needs.

    Args:
        x: input of shape ``[..., n]``.
        kernel: ``[n, m]`` weights of x's dtype.
        bias: optional ``[m]`` vector.
        activation: None or ``'relu'`` (fused: saves a pass over the output each way).

    >>> import tapeflow as tf
    >>> from tapeflow.ops.nn import dense
    >>> dense(tf.ones([2, 3]), tf.ones([3, 4]), tf.zeros([4])).shape
    TensorShape([2, 4])
    """
    if activation not in (None, "relu"):
        raise ValueError("dense: activation must be None or 'relu', got %r" % (activation,))
    attrs = {"relu": True} if activation == "relu" else None
    x, kernel = binary_args(x, kernel, "Dense")
    xs, ks = x._value.shape, kernel._value.shape
    if len(xs) < 2 or len(ks) != 2 or xs[-1] != ks[0]:
        raise InvalidArgumentError(
            None, "Dense", "Dense: cannot multiply input of shape %s by kernel of shape %s: the "
            "input needs rank >= 2 and a last dimension equal to the kernel's first (%s). "
            "[Op:Dense]" % (tuple(xs), tuple(ks), ks[0] if ks else "?"))
    if bias is None:
        return apply(_DENSE, (x, kernel), attrs)
    _, b = binary_args(x, bias, "Dense")
    if b._value.shape != (ks[1],):
        raise InvalidArgumentError(None, "Dense", "Dense: bias of shape %s does not match the %d "
                                   "units of kernel %s [Op:Dense]" % (
                                       tuple(b._value.shape), ks[1], tuple(ks)))
    return apply(_DENSE, (x, kernel, b), attrs)
