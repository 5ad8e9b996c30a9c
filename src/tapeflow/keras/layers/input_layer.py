"""``Input`` / ``InputLayer``: declare the shape a model expects, so it can be built
before it sees data (``Sequential([Input((32,)), Dense(10)])``)."""
from ... import dtypes as _dtypes
from .. import backend as _backend
from .keras_tensor import KerasTensor
from .layer import Layer

__all__ = ["Input", "InputLayer", "KerasTensor"]


class InputLayer(Layer):
    """The layer behind ``tf.keras.Input``: holds the expected input shape.

    Args:
        shape: shape of one sample (without the batch axis).
        batch_size: optional fixed batch size. dtype: input dtype (default ``floatx()``).
        batch_shape: full shape including the batch axis (instead of ``shape``).

    >>> import tapeflow as tf
    >>> tf.keras.layers.InputLayer(shape=(8,)).batch_shape
    (None, 8)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        legacy_batch = kwargs.pop("batch_input_shape", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        shape = shape if shape is not None else input_shape
        batch_shape = batch_shape if batch_shape is not None else legacy_batch
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument.")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._input_dtype = _dtypes.as_dtype(dtype or _backend.floatx()).name
        self.output = KerasTensor(self.batch_shape, self._input_dtype, name=self.name,
                                  keras_layer=self)
        self.__dict__["_build_output_shape"] = self.batch_shape
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self._input_dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input of ``shape`` (batch axis excluded) for ``Sequential`` models.

    >>> import tapeflow as tf
    >>> m = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
    >>> m.count_params()
    10
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer.output
