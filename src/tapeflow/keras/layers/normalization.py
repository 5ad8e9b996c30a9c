"""Normalisation layers: BatchNormalization, LayerNormalization, GroupNormalization.

The batch statistics and their gradient come from one fused primitive
(``tapeflow.ops.normalization.fused_batch_norm_train``), which normalises over any set of
axes, so the three layers differ only in which axes they reduce.
"""
from ...ops.array import reshape
from ...ops.math import cast
from ...ops.normalization import batch_normalization, fused_batch_norm_train
from .. import initializers
from ._config import get_constraint, get_regularizer, serialize as _serialize
from .layer import InputSpec, Layer

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization"]


def _axes_list(axis):
    return [int(a) for a in axis] if isinstance(axis, (list, tuple)) else [int(axis)]


def _normalize_axes(axes, ndim, layer):
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError("Layer '%s': axis %d is out of range for inputs of rank %d"
                             % (layer.name, a, ndim))
        out.append(a % ndim)
    return sorted(set(out))


class _AffineNormalization(Layer):
    """gamma/beta weights over the feature ``axis`` (shared by the three layers)."""

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = get_regularizer(beta_regularizer)
        self.gamma_regularizer = get_regularizer(gamma_regularizer)
        self.beta_constraint = get_constraint(beta_constraint)
        self.gamma_constraint = get_constraint(gamma_constraint)
        self.supports_masking = True

    def _feature_axes(self, ndim):
        return _normalize_axes(_axes_list(self.axis), ndim, self)

    def _build_affine(self, input_shape):
        ndim = len(input_shape)
        axes = self._feature_axes(ndim)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError("Layer '%s': the normalized axis %s of the input shape %s must be "
                             "known" % (self.name, self.axis, tuple(input_shape)))
        self._param_shape = tuple(input_shape[a] if a in axes else 1 for a in range(ndim))
        self.gamma = self.add_weight(name="gamma", shape=shape,
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=shape,
                                    initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in axes})
        return axes

    def _broadcast(self, weight, x, fill):
        """A weight reshaped to broadcast against ``x``, or the constant ``fill``."""
        if weight is None:
            return fill
        w = weight if x.dtype == weight.dtype else cast(weight, x.dtype)
        shape = self._param_shape
        trailing = shape[len(shape) - len(weight.shape):] == tuple(weight.shape)
        if trailing and all(d == 1 for d in shape[:len(shape) - len(weight.shape)]):
            return w  # already broadcasts: the features are the trailing axes
        return reshape(w, shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _affine_config(self):
        return dict(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
                    beta_initializer=_serialize(self.beta_initializer),
                    gamma_initializer=_serialize(self.gamma_initializer),
                    beta_regularizer=_serialize(self.beta_regularizer),
                    gamma_regularizer=_serialize(self.gamma_regularizer),
                    beta_constraint=_serialize(self.beta_constraint),
                    gamma_constraint=_serialize(self.gamma_constraint))


class BatchNormalization(_AffineNormalization):
    """Normalises each feature with the batch's statistics in training and with moving
    averages at inference.

    In training (``training=True`` and the layer trainable) the output is
    ``gamma·(x − mean_B)/√(var_B + ε) + beta`` and the moving statistics move towards the
    batch's: ``moving = moving·momentum + batch·(1 − momentum)`` with the biased batch
    variance (Keras 3). Otherwise — ``training`` False or not given, or ``trainable=False``
    — the moving statistics are used. Weights: ``gamma, beta`` (trainable) then
    ``moving_mean, moving_variance`` (non-trainable).

    >>> import tapeflow as tf
    >>> bn = tf.keras.layers.BatchNormalization()
    >>> y = bn(tf.constant([[1.0], [3.0]]), training=True)
    >>> [w.name for w in bn.weights], bn.moving_mean.numpy().tolist()
    (['gamma', 'beta', 'moving_mean', 'moving_variance'], [0.019999999552965164])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        kwargs.pop("renorm", None)
        kwargs.pop("fused", None)
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = bool(synchronized)

    def build(self, input_shape):
        axes = self._build_affine(input_shape)
        shape = tuple(input_shape[a] for a in axes)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self._reduction_axes = tuple(a for a in range(len(input_shape)) if a not in axes)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        gamma = self._broadcast(self.gamma, x, 1.0)
        beta = self._broadcast(self.beta, x, 0.0)
        if training and self.trainable:
            if mask is not None:
                return self._masked_training(x, gamma, beta, mask)
            y, mean, variance = fused_batch_norm_train(x, gamma, beta, self._reduction_axes,
                                                       self.epsilon)
            self._update_moving(mean._value, variance._value)
            return y
        mean = self._broadcast(self.moving_mean, x, 0.0)
        variance = self._broadcast(self.moving_variance, x, 1.0)
        return batch_normalization(x, mean, variance, beta if self.center else None,
                                   gamma if self.scale else None, self.epsilon)

    def _masked_training(self, x, gamma, beta, mask):
        """Statistics over the unmasked positions only (Keras weights moments by the mask)."""
        from ...ops.array import broadcast_to, expand_dims, stop_gradient
        from ...ops.reduce import reduce_sum
        weights = cast(mask, x.dtype)
        while len(weights.shape) < len(x.shape):
            weights = expand_dims(weights, -1)
        axes = self._reduction_axes
        count = reduce_sum(broadcast_to(weights, x.shape), axes, keepdims=True)
        mean = reduce_sum(x * weights, axes, keepdims=True) / count
        variance = reduce_sum(weights * (x - stop_gradient(mean)) ** 2, axes,
                              keepdims=True) / count
        self._update_moving(mean._value, variance._value)
        return batch_normalization(x, mean, variance, beta, gamma, self.epsilon)

    def _update_moving(self, mean, variance):
        m = self.momentum
        shape = self.moving_mean.shape
        for var, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            value = var._value
            var.assign(value * m + batch.reshape(shape).astype(value.dtype) * (1.0 - m))

    def get_config(self):
        config = super().get_config()
        config.update(self._affine_config())
        config.update(momentum=self.momentum,
                      moving_mean_initializer=_serialize(self.moving_mean_initializer),
                      moving_variance_initializer=_serialize(self.moving_variance_initializer),
                      synchronized=self.synchronized)
        return config


class LayerNormalization(_AffineNormalization):
    """Normalises each sample over ``axis`` (default the last): mean 0, variance 1, then
    ``gamma`` and ``beta``.

    >>> import tapeflow as tf
    >>> y = tf.keras.layers.LayerNormalization(epsilon=0.0)(tf.constant([[1.0, 3.0]]))
    >>> y.numpy().tolist()
    [[-1.0, 1.0]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        self._axes = tuple(self._build_affine(input_shape))

    def call(self, inputs):
        x = inputs
        gamma = self._broadcast(self.gamma, x, 1.0)
        if self.rms_scaling:
            from ...ops.math import rsqrt
            from ...ops.reduce import reduce_mean
            return x * rsqrt(reduce_mean(x * x, self._axes, keepdims=True) + self.epsilon) * \
                gamma
        beta = self._broadcast(self.beta, x, 0.0)
        return fused_batch_norm_train(x, gamma, beta, self._axes, self.epsilon)[0]

    def get_config(self):
        config = super().get_config()
        config.update(self._affine_config())
        config["rms_scaling"] = self.rms_scaling
        return config


class GroupNormalization(_AffineNormalization):
    """Splits the channels into ``groups`` and normalises each group of each sample.

    ``groups=-1`` is instance normalisation (one channel per group); ``groups=1`` is
    layer normalisation over all non-batch axes.

    >>> import tapeflow as tf
    >>> tf.keras.layers.GroupNormalization(groups=2)(tf.ones((2, 4, 4, 6))).shape
    TensorShape([2, 4, 4, 6])
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.groups = int(groups)

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = _normalize_axes([int(self.axis)], ndim, self)[0]
        channels = input_shape[axis]
        groups = channels if self.groups == -1 else self.groups
        if groups <= 0 or channels % groups:
            raise ValueError("Layer '%s': number of groups (%d) must be a divisor of the number "
                             "of channels (%d) of the input shape %s"
                             % (self.name, self.groups, channels, tuple(input_shape)))
        self._group_count = groups
        self._channel_axis = axis
        self._build_affine(input_shape)

    def call(self, inputs):
        x = inputs
        shape = tuple(x.shape)
        axis = self._channel_axis
        grouped = shape[:axis] + (self._group_count, shape[axis] // self._group_count) + \
            shape[axis + 1:]
        xg = reshape(x, grouped)
        # Normalise over everything but the batch axis and the group axis.
        axes = tuple(a for a in range(1, len(grouped)) if a != axis)
        y = reshape(fused_batch_norm_train(xg, 1.0, 0.0, axes, self.epsilon)[0], shape)
        if self.gamma is not None:
            y = y * self._broadcast(self.gamma, x, 1.0)
        if self.beta is not None:
            y = y + self._broadcast(self.beta, x, 0.0)
        return y

    def get_config(self):
        config = super().get_config()
        config.update(self._affine_config())
        config["groups"] = self.groups
        return config
