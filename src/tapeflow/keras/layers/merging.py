"""Merge layers for the functional API: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, and their functional forms (``add([a, b])``, ``concatenate([a, b])``, ...).

Each takes a list of tensors. Element-wise ones broadcast like the ops they use (Keras
allows a ``(None, 1)`` input beside a ``(None, 5)`` one). Masks are not propagated.
"""
from functools import reduce

from ...ops.array import concat
from ...ops.math import maximum as _maximum_op
from ...ops.math import minimum as _minimum_op
from .layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]


def _check_list(layer, inputs, exactly=None):
    if not isinstance(inputs, (list, tuple)):
        raise ValueError("A merge layer (%s) should be called on a list of inputs. Received: "
                         "inputs=%r (not a list)" % (layer.name, inputs))
    if exactly is not None and len(inputs) != exactly:
        raise ValueError("A `%s` layer should be called on exactly %d inputs. Received: "
                         "%d inputs." % (type(layer).__name__, exactly, len(inputs)))
    if len(inputs) < 1:
        raise ValueError("A merge layer (%s) should be called on a list of at least 1 input. "
                         "Got 0 inputs." % layer.name)


def _broadcast_shape(shapes):
    """Output shape of an element-wise merge (right-aligned broadcasting, None = unknown)."""
    rank = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (rank - len(s)) + tuple(s) for s in shapes]):
        known = [d for d in dims if d is not None and d != 1]
        out.append(known[0] if known else (None if None in dims else 1))
    return tuple(out)


class _ElementwiseMerge(Layer):
    _min_inputs = 1
    _exact_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False

    def call(self, inputs):
        _check_list(self, inputs, self._exact_inputs)
        return self._merge(list(inputs))

    def compute_output_shape(self, input_shape):
        return _broadcast_shape([tuple(s) for s in input_shape])


class Add(_ElementwiseMerge):
    """Sums a list of tensors.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Add()([tf.ones((2, 3)), tf.ones((2, 3))]).numpy()[0]
    array([2., 2., 2.], dtype=float32)
    """

    def _merge(self, xs):
        return reduce(lambda a, b: a + b, xs)


class Subtract(_ElementwiseMerge):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    >>> import tapeflow as tf
    >>> tf.keras.layers.Subtract()([tf.ones((1, 2)), tf.ones((1, 2))]).numpy()
    array([[0., 0.]], dtype=float32)
    """

    _exact_inputs = 2

    def _merge(self, xs):
        return xs[0] - xs[1]


class Multiply(_ElementwiseMerge):
    """Element-wise product of a list of tensors.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Multiply()([tf.fill((1, 2), 2.0), tf.fill((1, 2), 3.0)]).numpy()
    array([[6., 6.]], dtype=float32)
    """

    def _merge(self, xs):
        return reduce(lambda a, b: a * b, xs)


class Average(_ElementwiseMerge):
    """Element-wise mean of a list of tensors.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Average()([tf.zeros((1, 2)), tf.fill((1, 2), 4.0)]).numpy()
    array([[2., 2.]], dtype=float32)
    """

    def _merge(self, xs):
        return reduce(lambda a, b: a + b, xs) / float(len(xs))


class Maximum(_ElementwiseMerge):
    """Element-wise maximum of a list of tensors.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Maximum()([tf.constant([[1.0, 5.0]]), tf.constant([[3.0, 2.0]])]).numpy()
    array([[3., 5.]], dtype=float32)
    """

    def _merge(self, xs):
        return reduce(_maximum_op, xs)


class Minimum(_ElementwiseMerge):
    """Element-wise minimum of a list of tensors.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Minimum()([tf.constant([[1.0, 5.0]]), tf.constant([[3.0, 2.0]])]).numpy()
    array([[1., 2.]], dtype=float32)
    """

    def _merge(self, xs):
        return reduce(_minimum_op, xs)


class Concatenate(Layer):
    """Concatenates a list of tensors along ``axis`` (default the last).

    Args:
        axis: the axis to join on; the other dimensions must agree.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Concatenate()([tf.ones((2, 3)), tf.zeros((2, 4))]).shape
    TensorShape([2, 7])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        _check_list(self, inputs)
        shapes = [tuple(x.shape) for x in inputs]
        rank = len(shapes[0])
        axis = self.axis % rank if rank else 0
        for shape in shapes[1:]:
            if len(shape) != rank or any(a != b for i, (a, b) in enumerate(zip(shape, shapes[0]))
                                         if i != axis):
                raise ValueError("A `Concatenate` layer requires inputs with matching shapes "
                                 "except for the concatenation axis. Received: input_shape=%s"
                                 % ([list(s) for s in shapes],))
        return concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [list(s) for s in input_shape]
        out = list(shapes[0])
        sizes = [s[self.axis] for s in shapes]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def add(inputs, **kwargs):
    """Functional form of ``Add``: ``add([a, b])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of ``Subtract``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of ``Multiply``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of ``Average``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of ``Maximum``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of ``Minimum``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of ``Concatenate``: ``concatenate([a, b], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
