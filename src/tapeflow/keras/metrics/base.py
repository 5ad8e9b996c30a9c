"""The ``Metric`` base class and the reduction metrics ``Mean``, ``Sum``, ``MeanMetricWrapper``.

A metric keeps its state in non-trainable variables and updates them with NumPy on the
variables' values: metrics are never differentiated, so an update costs a few array
operations and no tape work. ``metric(y_true, y_pred)`` updates and returns the running
result (not the batch's value).
"""
from ...backend import np
from ...tensor import Tensor, Variable, _wrap
from ..backend import snake_case
from ..variables import KerasVariable

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "to_array"]


def to_array(x):
    """A Tensor, Variable, list or array as an ndarray (no copy for tensors)."""
    if isinstance(x, (Tensor, Variable)):
        return np.asarray(x._value)
    return np.asarray(x)


def squeeze_or_expand(x1, x2):
    """Keras's rank alignment (see ``losses.squeeze_or_expand_to_same_rank``) on arrays."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        return (x1, x2[..., None]) if r2 == 1 else (x1[..., 0], x2)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        return (x1[..., None], x2) if r1 == 1 else (x1, x2[..., 0])
    return x1, x2


def _reduce_to_samplewise(values, sample_weight, reduce_fn):
    """Per-sample values (and weights), Keras's ``reduce_to_samplewise_values``."""
    if sample_weight is not None:
        sample_weight = to_array(sample_weight).astype(np.float32, copy=False)
        values, sample_weight = squeeze_or_expand(values, sample_weight)
        w_nd, v_nd = sample_weight.ndim, values.ndim
        if v_nd > w_nd:
            values = reduce_fn(values, axis=tuple(range(w_nd, v_nd)))
        try:
            sample_weight = np.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError("sample_weight of shape %s cannot be broadcast to the metric "
                             "values of shape %s." % (sample_weight.shape, values.shape)) from None
        values = values * sample_weight
        if w_nd > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_nd)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Metric:
    """Base class: state in ``add_variable``'d variables, ``update_state`` and ``result``.

    Args:
        name: the metric's name (default: the class name in snake case).
        dtype: dtype of the state and result (float32).

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0]); float(m.result())
    4.0
    >>> m.reset_state(); float(m.result())
    0.0
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = np.dtype(getattr(dtype, "np_dtype", dtype) or np.float32)
        self._variables = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """A non-trainable state variable, reset to zeros by ``reset_state``."""
        from .. import initializers
        value = initializers.get(initializer or "zeros")(tuple(shape), dtype=dtype or self.dtype)
        var = KerasVariable(np.array(value._value), trainable=False, name=name or "variable")
        var.aggregation = aggregation
        self._variables.append(var)
        return var

    def add_weight(self, *args, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                   name=None, **tf2_only):
        """``add_variable`` taking Keras 3's ``(shape, ...)`` or tf.keras 2's ``(name, shape)``
        positional order; TF 2-only keywords such as ``synchronization`` are ignored."""
        if args and isinstance(args[0], str):
            name, args = args[0], args[1:]
        if args:
            shape = args[0]
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    @property
    def variables(self):
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self):
        return []

    @property
    def non_trainable_variables(self):
        return list(self._variables)

    def reset_state(self):
        """Sets every state variable back to zeros."""
        for v in self._variables:
            v._set(np.zeros_like(v._value))

    def reset_states(self):
        """tf.keras 2's name for ``reset_state`` (removed in Keras 3; kept here)."""
        self.reset_state()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError("%s must implement update_state()." % type(self).__name__)

    def result(self):
        raise NotImplementedError("%s must implement result()." % type(self).__name__)

    def __call__(self, *args, **kwargs):
        """Updates the state, then returns the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return "<%s name=%s>" % (type(self).__name__, self.name)

    def _scalar(self, value):
        return _wrap(self.dtype.type(value))


def _add(var, amount):
    """``var += amount`` in place (copy-on-write safe)."""
    arr = var._inplace_value()
    arr += amount


class Sum(Metric):
    """The (weighted) sum of the values seen.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.Sum()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0]); float(m.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None):
        values = to_array(values).astype(self.dtype, copy=False)
        values, _ = _reduce_to_samplewise(values, sample_weight, np.sum)
        _add(self.total, values.sum(dtype=self.dtype))

    def result(self):
        return self._scalar(self.total._value)


class Mean(Metric):
    """The (weighted) mean of the values seen: ``total / count`` (0.0 when empty).

    Values of rank > 1 are first averaged to one value per sample; with weights, ``count``
    is the sum of the weights.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0]); float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None):
        values = to_array(values)
        if values.dtype != self.dtype:
            values = values.astype(self.dtype)
        if sample_weight is None and values.ndim <= 1:
            _add(self.total, values.sum(dtype=self.dtype))
            _add(self.count, values.shape[0] if values.ndim else 1)
            return
        values, sample_weight = _reduce_to_samplewise(values, sample_weight, np.mean)
        _add(self.total, values.sum(dtype=self.dtype))
        if sample_weight is not None:
            _add(self.count, sample_weight.sum(dtype=self.dtype))
        else:
            _add(self.count, values.shape[0] if values.ndim else 1)

    def result(self):
        count = self.count._value
        return self._scalar(self.total._value / count if count else 0.0)


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.MeanMetricWrapper(tf.keras.losses.mae, name="l1")
    >>> float(m([[1.0, 2.0]], [[2.0, 2.0]]))
    0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            mask = to_array(mask).astype(self.dtype)
            if sample_weight is None:
                sample_weight = mask
            else:
                w, m = squeeze_or_expand(to_array(sample_weight).astype(self.dtype), mask)
                sample_weight = w * m
        super().update_state(values, sample_weight=sample_weight)

    def _add_hits(self, hits):
        """Adds boolean per-sample results to the running mean without per-call temporaries
        (the accuracy metrics' hot path); anything but rank 1 takes the general path."""
        if hits.ndim != 1:
            Mean.update_state(self, hits.astype(self.dtype))
            return
        total = self.total._inplace_value()
        total += np.count_nonzero(hits)
        count = self.count._inplace_value()
        count += hits.size

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config
