"""Neural-network ops: activations, softmax and the fused, stable cross-entropies."""
from ..backend import np
from ..errors import InvalidArgumentError
from .core import apply, binary_args, defprimitive, to_tensor
from .math import cast, greater, sigmoid

__all__ = ["relu", "softmax", "log_softmax", "bias_add", "softmax_cross_entropy_with_logits"]


def _relu_forward(x):
    return np.maximum(x, 0).astype(x.dtype, copy=False)


# relu'(0) = 0, as in TF.
_RELU = defprimitive("Relu", _relu_forward,
                     lambda g, ans, x: g * cast(greater(ans, 0), g.dtype))


def relu(features, name=None):
    return apply(_RELU, (to_tensor(features),))


def _softmax_forward(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _softmax_grad(g, ans, x, axis):
    from .reduce import reduce_sum
    # dx = s·(g − Σ g·s)
    return ans * (g - reduce_sum(g * ans, axis=axis, keepdims=True))


_SOFTMAX = defprimitive("Softmax", _softmax_forward, _softmax_grad)


def _log_softmax_forward(x, axis):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _log_softmax_grad(g, ans, x, axis):
    from .math import exp
    from .reduce import reduce_sum
    # dx = g − softmax·Σg
    return g - exp(ans) * reduce_sum(g, axis=axis, keepdims=True)


_LOG_SOFTMAX = defprimitive("LogSoftmax", _log_softmax_forward, _log_softmax_grad)


def softmax(logits, axis=None, name=None):
    """Softmax over ``axis`` (the last axis by default), computed stably."""
    x = to_tensor(logits)
    return apply(_SOFTMAX, (x,), {"axis": -1 if axis is None else int(axis)})


def log_softmax(logits, axis=None, name=None):
    x = to_tensor(logits)
    return apply(_LOG_SOFTMAX, (x,), {"axis": -1 if axis is None else int(axis)})


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D ``bias`` to the last (NHWC) or channel (NCHW) axis of ``value``."""
    from .array import reshape
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


def _xent_forward(labels, logits, axis):
    z = logits - np.max(logits, axis=axis, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return -np.sum(labels * (z - lse), axis=axis)


def _xent_grad(needs, g, ans, labels, logits, axis):
    # TF's fused kernel: d loss / d logits = softmax(logits) − labels (it assumes the labels
    # sum to 1; tapeflow follows TF so that training with unnormalised labels matches).
    from .array import expand_dims
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
    return apply(_XENT, (labels_t, logits_t), {"axis": int(axis)})


__all__ += ["sigmoid"]
