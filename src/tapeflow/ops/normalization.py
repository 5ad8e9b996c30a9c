"""Normalisation: moments, batch_normalization (composed) and one fused batch-norm primitive.

``FusedBatchNorm`` normalises over ``axes`` with the batch's own statistics in one pass and
returns ``(y, mean, variance)`` (biased variance, keepdims shapes). Its gradient is the
classic closed form, written with tapeflow ops so it is differentiable again::

    x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ·x̂ + β,  n = elements per feature
    dx = r·(γg − mean(γg) − x̂·mean(γg·x̂)) + gμ/n + gσ²·2(x − μ)/n
    dγ = Σ g·x̂,  dβ = Σ g
"""
from ..backend import np
from ..errors import InvalidArgumentError
from .core import apply, axis_attr, defprimitive, to_tensor

__all__ = ["moments", "batch_normalization", "fused_batch_norm", "fused_batch_norm_train"]


def moments(x, axes, shift=None, keepdims=False, name=None):
    """Mean and (biased) variance of ``x`` over ``axes``.

    >>> import tapeflow as tf
    >>> m, v = tf.nn.moments(tf.constant([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> float(m), float(v)
    (2.5, 1.25)
    """
    from .array import squeeze, stop_gradient
    from .math import squared_difference
    from .reduce import reduce_mean
    x = to_tensor(x)
    axes = axis_attr(axes)
    mean = reduce_mean(x, axes, keepdims=True)
    # The mean is constant inside the variance: Σ(x − μ) = 0 makes its gradient zero anyway.
    variance = reduce_mean(squared_difference(x, stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale·(x − mean)/√(variance + ε) + offset`` with the given statistics.

    ``offset`` and ``scale`` may be None.

    >>> import tapeflow as tf
    >>> y = tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0)
    >>> y.numpy().tolist()
    [-1.0, 1.0]
    """
    from .math import rsqrt
    x = to_tensor(x)
    inv = rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    shift = -mean * inv if offset is None else offset - mean * inv
    return x * inv + shift


def _fused_forward(x, scale, offset, axes, epsilon):
    mean = np.mean(x, axis=axes, keepdims=True, dtype=x.dtype)
    centered = x - mean
    variance = np.mean(np.square(centered), axis=axes, keepdims=True, dtype=x.dtype)
    inv = 1.0 / np.sqrt(variance + epsilon)
    y = centered * (inv * scale)
    y += offset
    return y, mean, variance


def _fused_grad(needs, grads, ans, x, scale, offset, axes, epsilon):
    from .math import rsqrt
    from .reduce import reduce_mean, reduce_sum
    gy, gmean, gvar = grads
    _, mean, variance = ans
    n = x._value.size // mean._value.size
    inv = rsqrt(variance + epsilon)
    centered = x - mean
    xhat = centered * inv
    dx = dscale = doffset = None
    if needs[0]:
        gs = gy * scale
        dx = inv * (gs - reduce_mean(gs, axes, keepdims=True)
                    - xhat * reduce_mean(gs * xhat, axes, keepdims=True))
        if np.any(gmean._value):
            dx = dx + gmean * (1.0 / n)
        if np.any(gvar._value):
            dx = dx + gvar * centered * (2.0 / n)
    if needs[1]:
        dscale = reduce_sum(gy * xhat, axes, keepdims=True)
    if needs[2]:
        doffset = reduce_sum(gy, axes, keepdims=True)
    return dx, dscale, doffset


_FUSED_BATCH_NORM = defprimitive("FusedBatchNorm", _fused_forward, grad=_fused_grad,
                                 multi_output=True)


def fused_batch_norm_train(x, scale, offset, axes, epsilon):
    """Normalises ``x`` with its own mean and biased variance over ``axes``.

    ``scale`` and ``offset`` broadcast against ``x``; returns ``(y, mean, variance)`` with
    the statistics in keepdims shape. This is the training-mode kernel of Keras's
    BatchNormalization.

    >>> import tapeflow as tf
    >>> y, m, v = fused_batch_norm_train(tf.constant([[1.0], [3.0]]), 1.0, 0.0, (0,), 0.0)
    >>> y.numpy().ravel().tolist(), float(m[0, 0]), float(v[0, 0])
    ([-1.0, 1.0], 2.0, 1.0)
    """
    x = to_tensor(x)
    dtype = x._value.dtype
    scale, offset = to_tensor(scale, None), to_tensor(offset, None)
    if scale._value.dtype != dtype:
        scale = _cast_like(scale, dtype)
    if offset._value.dtype != dtype:
        offset = _cast_like(offset, dtype)
    return apply(_FUSED_BATCH_NORM, (x, scale, offset),
                 {"axes": tuple(sorted(a % x._value.ndim for a in axis_attr(axes))),
                  "epsilon": float(epsilon)})


def _cast_like(t, dtype):
    from .math import cast
    return cast(t, dtype)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None, exponential_avg_factor=1.0):
    """TF's ``tf.compat.v1.nn.fused_batch_norm`` on 4-D input: ``(y, batch_mean, batch_var)``.

    In training the returned variance is the unbiased (n/(n−1)) batch variance, as TF's
    kernel returns it; in inference ``mean`` and ``variance`` are used and returned.

    >>> import tapeflow as tf
    >>> y, m, v = tf.nn.fused_batch_norm(tf.ones((2, 1, 1, 3)), tf.ones(3), tf.zeros(3))
    >>> y.shape, m.shape
    (TensorShape([2, 1, 1, 3]), TensorShape([3]))
    """
    from .array import reshape
    x = to_tensor(x)
    if x._value.ndim != 4:
        raise InvalidArgumentError("fused_batch_norm: input must be 4-D, got shape %s"
                                   % (tuple(x._value.shape),))
    channel = 3 if data_format == "NHWC" else 1
    c = x._value.shape[channel]
    kept = [1, 1, 1, 1]
    kept[channel] = c
    scale_k, offset_k = reshape(scale, kept), reshape(offset, kept)
    if not is_training:
        if mean is None or variance is None:
            raise InvalidArgumentError("fused_batch_norm: inference (is_training=False) needs "
                                       "mean and variance")
        y = batch_normalization(x, reshape(mean, kept), reshape(variance, kept), offset_k,
                                scale_k, epsilon)
        return y, to_tensor(mean), to_tensor(variance)
    axes = tuple(a for a in range(4) if a != channel)
    y, m, v = fused_batch_norm_train(x, scale_k, offset_k, axes, epsilon)
    n = x._value.size // c
    return y, reshape(m, (c,)), reshape(v, (c,)) * (n / max(n - 1, 1))
