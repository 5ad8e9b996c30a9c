"""Merge layers for the functional API: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, and their functional forms (``add([a, b])``, ``concatenate([a, b])``, ...).

Each takes a list of tensors. Element-wise ones broadcast like the ops they use (Keras
allows a ``(None, 1)`` input beside a ``(None, 5)`` one). Masks are not propagated.
"""
from functools import reduce

from ...ops.array import concat, reshape, transpose
from ...ops.linalg import l2_normalize, matmul
from ...ops.math import maximum as _maximum_op
from ...ops.math import minimum as _minimum_op
from .layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
           "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate",
           "dot"]


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


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


class Dot(Layer):
    """Batch-wise dot product of two tensors along one axis of each (Keras's ``batch_dot``).

    Sample ``b`` of the output contracts ``x[b]`` along ``axes[0]`` with ``y[b]`` along
    ``axes[1]``; the output keeps ``x``'s other axes, then ``y``'s other non-batch axes —
    ``einsum('bnd,bmd->bnm')`` for ``(b, n, d)`` and ``(b, m, d)`` with ``axes=2``. A result
    with no axis besides the batch (two 2-D inputs) has shape ``(batch, 1)``.

    Args:
        axes: one axis for both inputs, or a pair ``(axis_x, axis_y)``; negative axes count
            from the end of each input. The batch axis 0 cannot be contracted.
        normalize: L2-normalise each input along its dot axis first, so that the output is
            the cosine similarity.

    >>> import tapeflow as tf
    >>> x = tf.reshape(tf.range(10.0), (1, 5, 2)); y = tf.reshape(tf.range(10.0, 20.0), (1, 2, 5))
    >>> tf.keras.layers.Dot(axes=(1, 2))([x, y]).numpy()
    array([[[260., 360.],
            [320., 445.]]], dtype=float32)
    >>> tf.keras.layers.Dot(axes=1, normalize=True)([tf.ones((2, 3)), tf.ones((2, 3))]).shape
    TensorShape([2, 1])
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not _is_int(axes):
            if not isinstance(axes, (list, tuple)):
                raise TypeError("Invalid type for argument `axes`: it should be a list or an "
                                "int. Received: axes=%r" % (axes,))
            if len(axes) != 2:
                raise ValueError("Invalid format for argument `axes`: it should contain two "
                                 "elements. Received: axes=%r" % (axes,))
            if not (_is_int(axes[0]) and _is_int(axes[1])):
                raise ValueError("Invalid format for argument `axes`: list elements should be "
                                 "integers. Received: axes=%r" % (axes,))
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _axes_for(self, shape1, shape2):
        """The two dot axes as non-negative ints, checked against the two input shapes."""
        for shape in (shape1, shape2):
            if len(shape) < 2:
                raise ValueError("A `Dot` layer (%s) needs inputs of rank >= 2 (batch first). "
                                 "Received shapes %s and %s" % (self.name, shape1, shape2))
        pair = (self.axes, self.axes) if _is_int(self.axes) else tuple(self.axes)
        axes = []
        for axis, shape in zip(pair, (shape1, shape2)):
            if not -len(shape) <= axis < len(shape):
                raise ValueError("A `Dot` layer (%s): axis %d is out of range for an input of "
                                 "shape %s" % (self.name, axis, shape))
            axes.append(axis % len(shape))
        if 0 in axes:
            raise ValueError("A `Dot` layer (%s) cannot take the dot product over the batch "
                             "axis 0 (axes=%r)." % (self.name, self.axes))
        d1, d2 = shape1[axes[0]], shape2[axes[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError("Incompatible input shapes for `Dot` layer (%s): axis values %d (at "
                             "axis %d) != %d (at axis %d). Full input shapes: %s, %s"
                             % (self.name, d1, axes[0], d2, axes[1], shape1, shape2))
        b1, b2 = shape1[0], shape2[0]
        if b1 is not None and b2 is not None and b1 != b2:
            raise ValueError("A `Dot` layer (%s) needs inputs with the same batch size. "
                             "Received shapes %s and %s" % (self.name, shape1, shape2))
        return axes

    def call(self, inputs):
        _check_list(self, inputs, exactly=2)
        x, y = inputs
        a0, a1 = self._axes_for(tuple(x.shape), tuple(y.shape))
        if self.normalize:
            # Keras: x / max(‖x‖, epsilon()); l2_normalize's floor is on the squared norm.
            x = l2_normalize(x, axis=a0, epsilon=1e-14)
            y = l2_normalize(y, axis=a1, epsilon=1e-14)
        return _batch_dot(x, y, a0, a1)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError("A `Dot` layer should be called on a list of 2 inputs. Received: "
                             "input_shape=%r" % (input_shape,))
        shape1, shape2 = (list(s) for s in input_shape)
        a0, a1 = self._axes_for(tuple(shape1), tuple(shape2))
        out = shape1[:a0] + shape1[a0 + 1:] + [d for i, d in enumerate(shape2) if i not in (0, a1)]
        return tuple(out + [1] if len(out) == 1 else out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


def _batch_dot(x, y, a0, a1):
    """``x`` and ``y`` contracted along ``a0`` / ``a1``, batched over axis 0: one batched
    matmul of ``x`` as ``(batch, rest_x, d)`` and ``y`` as ``(batch, d, rest_y)``."""
    sx, sy = tuple(x.shape), tuple(y.shape)
    rest_x = [i for i in range(1, len(sx)) if i != a0]
    rest_y = [i for i in range(1, len(sy)) if i != a1]
    if a0 != len(sx) - 1:
        x = transpose(x, [0] + rest_x + [a0])
    if a1 != 1:
        y = transpose(y, [0, a1] + rest_y)
    n = sx[0]
    out = matmul(reshape(x, (n, -1, sx[a0])), reshape(y, (n, sy[a1], -1)))
    shape = (n,) + tuple(sx[i] for i in rest_x) + tuple(sy[i] for i in rest_y)
    return reshape(out, shape if len(shape) > 1 else (n, 1))


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


def dot(inputs, axes=-1, **kwargs):
    """Functional form of ``Dot``: ``dot([a, b], axes=-1, normalize=False)``."""
    return Dot(axes=axes, **kwargs)(inputs)
