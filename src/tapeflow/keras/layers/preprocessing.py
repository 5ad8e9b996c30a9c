"""Preprocessing layers that live inside a model: ``Rescaling`` and ``Normalization``.

``Normalization.adapt(data)`` learns the per-feature mean and (population) variance from
an array or a ``tf.data.Dataset`` of batches, as in Keras's regression tutorial.
"""
from ...backend import np
from ...ops.array import reshape
from ...ops.math import cast, maximum
from ...tensor import Tensor, Variable, _wrap
from .layer import Layer

__all__ = ["Rescaling", "Normalization"]

_EPSILON = 1e-7  # keras.backend.epsilon(): the smallest standard deviation divided by


class Rescaling(Layer):
    """``inputs * scale + offset``, cast to the layer's float dtype (e.g. uint8 images).

    Args:
        scale: multiplier (``1 / 255`` maps pixels to [0, 1]).
        offset: added after scaling.

    >>> import numpy as np, tapeflow as tf
    >>> tf.keras.layers.Rescaling(1 / 255)(np.array([[0, 255]], "uint8")).numpy()
    array([[0., 1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        x = cast(inputs, self.compute_dtype)
        return x * self.scale + self.offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


def _as_numpy(data):
    if isinstance(data, (Tensor, Variable)):
        return np.asarray(data.numpy())
    return np.asarray(data)


class Normalization(Layer):
    """``(inputs - mean) / max(sqrt(variance), 1e-7)`` per feature.

    Args:
        axis: the axis (or axes) that keep their own statistics (default the last);
            ``None`` means one mean and variance for everything.
        mean / variance: fixed statistics; otherwise call ``adapt(data)`` first.
        invert: apply the inverse, ``mean + inputs * sqrt(variance)``.

    >>> import numpy as np, tapeflow as tf
    >>> norm = tf.keras.layers.Normalization()
    >>> norm.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> norm(np.array([[2.0, 30.0]])).numpy()
    array([[0., 1.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             "set. Received: mean=%r and variance=%r" % (mean, variance))
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True

    def _kept_axes(self, ndim):
        kept = []
        for a in self.axis:
            if not -ndim <= a < ndim:
                raise ValueError("All `axis` values must be in the range [-ndim, ndim). "
                                 "Received inputs with ndim=%d, while axis=%s" % (ndim, self.axis))
            kept.append(a % ndim)
        return tuple(sorted(kept))

    def build(self, input_shape):
        shape = tuple(input_shape)
        kept = self._kept_axes(len(shape))
        if any(shape[a] is None for a in kept):
            raise ValueError("All `axis` values to be kept must have a known shape. Received "
                             "axis=%s, inputs.shape=%s, with unknown axis at index %s"
                             % (self.axis, shape, [a for a in kept if shape[a] is None]))
        self._kept = kept
        self._broadcast_shape = tuple(shape[d] if d in kept else 1 for d in range(len(shape)))
        stats_shape = tuple(shape[a] for a in kept)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stats_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stats_shape,
                                                  initializer="ones", trainable=False)
            # Keras keeps this (never updated) for old saved models; it counts in summary().
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)

    def adapt(self, data, batch_size=None, steps=None):
        """Sets the mean and variance from ``data``: an array/tensor of samples, or a
        ``tf.data.Dataset`` or list/generator of batches (combined exactly, batch by batch;
        ``steps`` limits how many are read; ``batch_size`` is accepted for tf.keras 2
        code and unused: arrays are reduced in one go)."""
        if self.input_mean is not None:
            raise ValueError("Normalization layer %s was given `mean` and `variance`; it "
                             "cannot also `adapt()`." % self.name)
        if hasattr(data, "element_spec"):
            spec = data.element_spec
            if len(getattr(spec, "shape", ())) == 1:
                data = data.batch(128)  # a dataset of single samples, as Keras does
            batches = (_as_numpy(b) for b in data)
        elif isinstance(data, (list, tuple)) or hasattr(data, "__next__"):
            batches = (_as_numpy(b) for b in data)  # an iterable of batches
        else:
            batches = iter([_as_numpy(data)])
        count, mean, m2 = 0, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if not self.built:
                self.build(batch.shape)
            reduce_axes = tuple(d for d in range(batch.ndim) if d not in self._kept)
            batch = batch.astype(np.float64)
            n = int(np.prod([batch.shape[d] for d in reduce_axes]))
            b_mean = batch.mean(axis=reduce_axes)
            b_m2 = ((batch - batch.mean(axis=reduce_axes, keepdims=True)) ** 2).sum(
                axis=reduce_axes)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
            else:  # Chan et al.'s pairwise update
                delta = b_mean - mean
                total = count + n
                mean = mean + delta * (n / total)
                m2 = m2 + b_m2 + delta ** 2 * (count * n / total)
                count = total
        if mean is None:
            raise ValueError("Normalization.adapt() got no data.")
        dtype = self.adapt_mean.numpy().dtype
        self.adapt_mean.assign(np.asarray(mean, dtype))
        self.adapt_variance.assign(np.asarray(m2 / count, dtype))

    @property
    def mean(self):
        """The mean, shaped to broadcast against the inputs (``(1, features)`` for 2-D
        inputs), as Keras sets it once the layer is built or adapted."""
        return self._stats_or_error("mean")[0]

    @property
    def variance(self):
        """The variance, shaped like ``mean``."""
        return self._stats_or_error("variance")[1]

    def _stats_or_error(self, name):
        if not self.built:
            raise AttributeError("Normalization layer %s has no `%s` yet: adapt it, or call "
                                 "it on a batch first." % (self.name, name))
        return self._stats()

    def _stats(self):
        if self.input_mean is not None:
            def fixed(value):
                return _wrap(np.ascontiguousarray(np.broadcast_to(
                    np.asarray(value, self._compute_np), self._broadcast_shape)))
            return fixed(self.input_mean), fixed(self.input_variance)
        return (reshape(self.adapt_mean, self._broadcast_shape),
                reshape(self.adapt_variance, self._broadcast_shape))

    def call(self, inputs):
        x = cast(inputs, self.compute_dtype)
        mean, variance = self._stats()
        std = maximum(cast(variance, self.compute_dtype) ** 0.5, _EPSILON)
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, invert=self.invert,
                      mean=_listed(self.input_mean), variance=_listed(self.input_variance))
        return config


def _listed(value):
    return np.asarray(value).tolist() if value is not None else None
