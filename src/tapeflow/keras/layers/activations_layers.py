"""Activation layers: ReLU, LeakyReLU, PReLU, ELU and Softmax (Keras 3's semantics).

Each is composed from differentiable ops (no gradient code here). Like Keras, every one
passes its input's mask through unchanged.
"""
import warnings

from ...backend import np
from ...ops import math as _m
from ...ops import nn as _nn
from ...ops.reduce import reduce_logsumexp
from .. import activations, initializers
from ._config import get_constraint, get_regularizer, serialize
from .layer import InputSpec, Layer

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]


def _check_non_negative(layer, name, value, allow_none=False):
    """Keras's argument check: ``value`` must be a number >= 0 (or None where allowed)."""
    if value is None and allow_none:
        return None
    if value is None or float(value) < 0.0:
        raise ValueError("%s: `%s` must be a float >= 0%s. Received: %s=%r"
                         % (layer, name, " or None" if allow_none else "", name, value))
    return value


class ReLU(Layer):
    """Rectified linear unit, optionally capped, leaky below zero and thresholded.

    ``f(x) = min(x, max_value)`` for ``x > threshold``, else
    ``negative_slope * (x - threshold)``.

    Args:
        max_value: float >= 0, the largest output (``None``: unbounded).
        negative_slope: float >= 0, the slope below the threshold.
        threshold: float >= 0, the value below which units are inactive.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.ReLU(max_value=6.0, negative_slope=0.5)
    >>> layer(tf.constant([-2.0, 1.0, 8.0])).numpy()
    array([-1.,  1.,  6.], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _check_non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _check_non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _check_non_negative("ReLU", "threshold", threshold)
        self.supports_masking = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class LeakyReLU(Layer):
    """``x`` for ``x > 0``, else ``negative_slope * x``.

    Args:
        negative_slope: float >= 0 (default 0.3). The legacy ``alpha=`` keyword is still
            accepted, with a warning, as in Keras 3.

    >>> import tapeflow as tf
    >>> tf.keras.layers.LeakyReLU(negative_slope=0.5)(tf.constant([-2.0, 3.0])).numpy()
    array([-1.,  3.], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = _check_non_negative("LeakyReLU", "negative_slope",
                                                  negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0``, else ``alpha * x`` with ``alpha`` learned.

    ``alpha`` (weight ``"alpha"``) has the shape of one sample, ``input_shape[1:]``, with
    size 1 along each of ``shared_axes`` (e.g. ``shared_axes=[1, 2]`` gives images one
    slope per channel).

    Args:
        alpha_initializer / alpha_regularizer / alpha_constraint: for the weight
            (default ``'zeros'``: the layer starts as a plain ReLU).
        shared_axes: int or list of ints, input axes (1 = the first after the batch axis;
            negative counts from the end) along which one slope is shared.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.1),
    ...                               shared_axes=[1])
    >>> layer(tf.constant([[[-10.0, 2.0]]])).numpy(), tuple(layer.alpha.shape)
    (array([[[-1.,  2.]]], dtype=float32), (1, 2))
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = get_regularizer(alpha_regularizer)
        self.alpha_constraint = get_constraint(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]

    def _shared(self, ndim):
        """``shared_axes`` as non-negative axes of an ``ndim``-dimensional input."""
        shared = set()
        for axis in self.shared_axes or ():
            a = axis + ndim if axis < 0 else axis
            if not 1 <= a < ndim:
                raise ValueError("Layer %s: invalid shared_axes=%s for inputs of rank %d; each "
                                 "axis must be a non-batch axis in [1, %d] (or negative)."
                                 % (self.name, self.shared_axes, ndim, ndim - 1))
            shared.add(a)
        return shared

    def build(self, input_shape):
        ndim = len(input_shape)
        shared = self._shared(ndim)
        param_shape = [1 if i in shared else input_shape[i] for i in range(1, ndim)]
        if None in param_shape:
            raise ValueError("Layer %s: the non-shared axes of the inputs must be known to "
                             "build alpha; received input_shape=%s, shared_axes=%s"
                             % (self.name, tuple(input_shape), self.shared_axes))
        self.alpha = self.add_weight(name="alpha", shape=param_shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.input_spec = InputSpec(ndim=ndim, axes={i: input_shape[i] for i in range(1, ndim)
                                                     if i not in shared})

    def call(self, inputs):
        # relu(x) − alpha·relu(−x): alpha's gradient is −relu(−x), x's is alpha below zero
        return _nn.relu(inputs) - self.alpha * _nn.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(alpha_initializer=serialize(self.alpha_initializer),
                      alpha_regularizer=serialize(self.alpha_regularizer),
                      alpha_constraint=serialize(self.alpha_constraint),
                      shared_axes=self.shared_axes)
        return config


class ELU(Layer):
    """Exponential linear unit: ``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        alpha: float, the saturation value below zero is ``-alpha`` (default 1.0).

    >>> import tapeflow as tf
    >>> tf.keras.layers.ELU(alpha=2.0)(tf.constant([0.0, 3.0])).numpy()
    array([0., 3.], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        # Keras 3's ELU leaves `alpha` out of its config (it is lost on reload); kept here.
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


def _large_negative(dtype):
    """A logit that softmax turns into ~0 without overflowing ``dtype`` (Keras's choice)."""
    return -3e4 if np.dtype(dtype) == np.float16 else -1e9


class Softmax(Layer):
    """Softmax over ``axis``, with masked positions given zero probability.

    With a ``mask`` (True/1 keeps, False/0 masks; broadcastable to the inputs, each of its
    axes 1 or the input's size), masked logits are replaced by a large negative number
    before the softmax and their outputs set to 0 afterwards, so a fully masked row is all
    zeros rather than uniform (as in current Keras 3).

    Args:
        axis: int or list of ints, the axis or axes normalised over (default -1).

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.Softmax()
    >>> layer(tf.constant([[1.0, 2.0, 1.0]])).numpy().round(4)
    array([[0.2119, 0.5761, 0.2119]], dtype=float32)
    >>> layer(tf.constant([[1.0, 2.0, 1.0]]), mask=tf.constant([[True, False, True]])).numpy()
    array([[0.5, 0. , 0.5]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._boolean_mask(inputs, mask)
            inputs = _m.where(mask, inputs, _large_negative(inputs._value.dtype))
        axis = self.axis
        if isinstance(axis, list) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, list):
            outputs = _m.exp(inputs - reduce_logsumexp(inputs, axis=axis, keepdims=True))
        else:
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = _m.where(mask, outputs, 0.0)
        return outputs

    def _boolean_mask(self, inputs, mask):
        """The mask as a bool array, checked to broadcast onto ``inputs``."""
        m = np.asarray(mask.numpy() if hasattr(mask, "numpy") else mask)
        shape = tuple(inputs.shape)
        if m.ndim > len(shape) or any(a != 1 and a != b
                                      for a, b in zip(m.shape[::-1], shape[::-1])):
            raise ValueError("Layer %s: the mask must broadcast to the inputs (each mask axis "
                             "1 or equal to the input's, no extra axes). Received: "
                             "inputs.shape=%s, mask.shape=%s" % (self.name, shape, m.shape))
        if m.dtype == np.bool_:
            return m
        # Keras keeps positions where mask > 0.5 (0.5 cast to the mask's dtype: 0 for ints)
        return m > (0.5 if m.dtype.kind == "f" else 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
