"""Merge layers for the functional API: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, and their functional forms (``add([a, b])``, ``concatenate([a, b])``, ...).

Each takes a list of tensors. Element-wise ones broadcast like the ops they use (Keras
allows a ``(None, 1)`` input beside a ``(None, 5)`` one).

Masks follow Keras 3 (``keras/src/layers/merging``, since keras-team/keras#19685):

- element-wise merges: the output mask is the logical OR of the input masks, and ``None``
  as soon as one input is unmasked. ``Multiply`` treats masked entries as 1 (and zeroes the
  output outside the combined mask when every input is masked); ``Maximum`` / ``Minimum``
  take a masked entry from the other operand, so padding never wins the comparison.
- ``Concatenate``: each input's mask is expanded to the input's shape (all-True for an
  unmasked input), concatenated along ``axis``, then reduced with ``any`` over the last axis.
- ``Dot``: no output mask.
"""
from functools import reduce

from ...ops.array import broadcast_to, concat, expand_dims, reshape, transpose
from ...ops.linalg import l2_normalize, matmul
from ...ops.math import cast, logical_or, ones_like, where
from ...ops.reduce import reduce_any
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


def _check_masks(inputs, mask):
    """``mask`` as a list with one entry per input (Keras's checks); ``None`` for no mask."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)):
        raise ValueError("`mask` should be a list. Received: mask=%r" % (mask,))
    if not isinstance(inputs, (list, tuple)):
        raise ValueError("`inputs` should be a list. Received: inputs=%r" % (inputs,))
    if len(mask) != len(inputs):
        raise ValueError("The lists `inputs` and `mask` should have the same length. Received: "
                         "%d inputs and %d masks" % (len(inputs), len(mask)))
    return list(mask)


def _expand_mask(mask, x):
    """``mask`` with trailing axes added and broadcast to ``x``'s shape (Keras: one
    ``expand_dims(mask, -1)`` for a ``(batch, time)`` mask on ``(batch, time, features)``)."""
    while mask.ndim < x.ndim:
        mask = expand_dims(mask, -1)
    return broadcast_to(mask, tuple(x.shape))


def _masks_of(xs, mask):
    """The per-input masks a merge's ``call`` sees: the ``mask`` argument, else the inputs'
    ``_keras_mask``."""
    mask = _check_masks(xs, mask)
    if mask is None:
        mask = [getattr(x, "_keras_mask", None) for x in xs]
    return mask


class _ElementwiseMerge(Layer):
    _min_inputs = 1
    _exact_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        _check_list(self, inputs, self._exact_inputs)
        xs = list(inputs)
        masks = _masks_of(xs, mask)
        if any(m is not None for m in masks):
            return self._merge_masked(xs, masks)
        return self._merge(xs)

    def _merge_masked(self, xs, masks):
        """The merge of inputs some of which are masked: the plain merge unless a subclass
        keeps masked entries out of the result (``Multiply``, ``Maximum``, ``Minimum``)."""
        return self._merge(xs)

    def compute_mask(self, inputs, mask=None):
        mask = _check_masks(inputs, mask)
        if mask is None or any(m is None for m in mask):
            return None
        return reduce(logical_or, mask)

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

    def _merge_masked(self, xs, masks):
        # Keras 3: masked entries count as 1; with every input masked, the output is 0
        # outside the union of the masks.
        output = output_mask = None
        all_masked = all(m is not None for m in masks)
        for x, m in zip(xs, masks):
            if m is not None:
                m = _expand_mask(m, x)
                x = where(m, x, ones_like(x))
                if all_masked:
                    output_mask = m if output_mask is None else logical_or(output_mask, m)
            output = x if output is None else output * x
        if all_masked:
            output = where(output_mask, output, cast(0, output.dtype))
        return output


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

    def _merge_masked(self, xs, masks):
        return _masked_reduce(_maximum_op, xs, masks)


class Minimum(_ElementwiseMerge):
    """Element-wise minimum of a list of tensors.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Minimum()([tf.constant([[1.0, 5.0]]), tf.constant([[3.0, 2.0]])]).numpy()
    array([[1., 2.]], dtype=float32)
    """

    def _merge(self, xs):
        return reduce(_minimum_op, xs)

    def _merge_masked(self, xs, masks):
        return _masked_reduce(_minimum_op, xs, masks)


def _masked_reduce(op, xs, masks):
    """Keras 3's ``_apply_merge_op_and_or_mask``: a masked entry of one operand is replaced by
    the other operand's entry before ``op``, so that padding never decides the result."""
    output = output_mask = None
    for i, (x, m) in enumerate(zip(xs, masks)):
        if m is not None:
            m = _expand_mask(m, x)
        if i == 0:
            output, output_mask = x, m
            continue
        if m is not None:
            x = where(m, x, output)
        if output_mask is not None:
            output = where(output_mask, output, x)
        output_mask = logical_or(output_mask, m) if (m is not None and
                                                     output_mask is not None) else None
        output = op(output, x)
    return output


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
        self.supports_masking = True

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

    def compute_mask(self, inputs, mask=None):
        mask = _check_masks(inputs, mask)
        if mask is None or all(m is None for m in mask):
            return None
        full = [ones_like(x, dtype="bool") if m is None else
                (_expand_mask(m, x) if m.ndim < x.ndim else m)
                for x, m in zip(inputs, mask)]
        return reduce_any(concat(full, axis=self.axis), axis=-1)

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
