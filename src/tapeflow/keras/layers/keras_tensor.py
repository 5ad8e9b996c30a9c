"""``KerasTensor``: a symbolic input (shape and dtype, no values) for the functional API."""
from ... import dtypes as _dtypes
from ...tensor import TensorShape

__all__ = ["KerasTensor"]


class KerasTensor:
    """A symbolic input: a shape (batch axis ``None``) and a dtype, no values.

    >>> import tapeflow as tf
    >>> x = tf.keras.Input(shape=(32,))
    >>> x.shape, x.dtype
    (TensorShape([None, 32]), 'float32')
    """

    def __init__(self, shape, dtype="float32", name=None, sparse=False, keras_layer=None):
        self.shape = TensorShape(shape)
        self.dtype = _dtypes.as_dtype(dtype).name
        self.name = name
        self.sparse = sparse
        self._keras_layer = keras_layer

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return "<KerasTensor shape=%s, dtype=%s, name=%s>" % (tuple(self.shape), self.dtype,
                                                             self.name)

    def __array__(self, dtype=None, copy=None):
        raise ValueError(
            "A KerasTensor is symbolic: it's a placeholder for a shape and a dtype, used to "
            "build functional models, and has no values. You can only use it as input to a "
            "Keras layer or with Python operators (`x + y`, `x * 2`, `x[:, 0]`). To apply a "
            "`tf.*` function to it, wrap the function in a layer:\n\n"
            "class MyLayer(tf.keras.layers.Layer):\n"
            "    def call(self, x):\n"
            "        return tf_fn(x)\n\n"
            "x = MyLayer()(x)")

    # Python operators record operation layers (keras/symbolic_ops.py), as Keras 3's do.
    def _apply(self, name, *args):
        from .. import symbolic_ops
        return getattr(symbolic_ops, name)()(*args)

    def __add__(self, other):
        return self._apply("Add", self, other)

    def __radd__(self, other):
        return self._apply("Add", other, self)

    def __sub__(self, other):
        return self._apply("Subtract", self, other)

    def __rsub__(self, other):
        return self._apply("Subtract", other, self)

    def __mul__(self, other):
        return self._apply("Multiply", self, other)

    def __rmul__(self, other):
        return self._apply("Multiply", other, self)

    def __matmul__(self, other):
        return self._apply("Matmul", self, other)

    def __rmatmul__(self, other):
        return self._apply("Matmul", other, self)

    def __truediv__(self, other):
        return self._apply("TrueDivide", self, other)

    def __rtruediv__(self, other):
        return self._apply("TrueDivide", other, self)

    def __floordiv__(self, other):
        return self._apply("FloorDivide", self, other)

    def __rfloordiv__(self, other):
        return self._apply("FloorDivide", other, self)

    def __mod__(self, other):
        return self._apply("Mod", self, other)

    def __rmod__(self, other):
        return self._apply("Mod", other, self)

    def __pow__(self, other):
        return self._apply("Power", self, other)

    def __rpow__(self, other):
        return self._apply("Power", other, self)

    def __neg__(self):
        return self._apply("Negative", self)

    def __abs__(self):
        return self._apply("Absolute", self)

    def __getitem__(self, key):
        return self._apply("GetItem", self, key)
