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
