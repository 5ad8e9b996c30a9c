"""Python operators on ``KerasTensor``s in the functional API: ``x + inputs``, ``x * 2``,
``x[:, 0]`` ... each records a node of a small operation layer, as Keras 3's ``KerasTensor``
operators record ``keras.ops`` operations.

The classes carry Keras 3's names (``Add``, ``TrueDivide``, ``GetItem`` ...) and are saved
under its module ``keras.src.ops.numpy``, so a model using them saves and loads across
tapeflow and Keras 3.

>>> import tapeflow as tf
>>> inputs = tf.keras.Input((3,))
>>> model = tf.keras.Model(inputs, tf.keras.layers.Dense(3)(inputs) + inputs)
>>> [type(layer).__name__ for layer in model.layers]
['InputLayer', 'Dense', 'Add']
"""
import operator

from ..backend import np
from ..ops.core import to_tensor
from .layers.layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Matmul", "TrueDivide", "FloorDivide", "Mod",
           "Power", "Negative", "Absolute", "GetItem"]


def _tensor(value):
    """NumPy data (a model input fed as an array) as a Tensor; anything else unchanged."""
    if isinstance(value, (np.ndarray, np.generic, list)):
        return to_tensor(value)
    return value


class _Operation(Layer):
    """A stateless operation on its positional arguments (no weights, no masks)."""

    _function = None

    def __init__(self, name=None, **kwargs):
        kwargs.pop("dtype", None)  # the result's dtype follows the operands'
        super().__init__(name=name, autocast=False, **kwargs)

    def __call__(self, *args, **kwargs):
        from .functional import has_keras_tensor, symbolic_call
        if has_keras_tensor(list(args)) or has_keras_tensor(kwargs):
            outputs = symbolic_call(self, args, kwargs)
            self.__dict__["_build_output_shape"] = tuple(outputs.shape)  # for summary()
            self.built = True
            return outputs
        return self.call(*args, **kwargs)

    def call(self, *args):
        return type(self)._function(*[_tensor(a) for a in args])

    def compute_output_shape(self, input_shape):
        return self._build_output_shape

    def get_config(self):
        return {"name": self.name}


def _operation(name, function, doc):
    return type(name, (_Operation,), {"_function": staticmethod(function), "__doc__": doc,
                                      "__module__": __name__})


Add = _operation("Add", operator.add, "``x1 + x2``.")
Subtract = _operation("Subtract", operator.sub, "``x1 - x2``.")
Multiply = _operation("Multiply", operator.mul, "``x1 * x2``.")
Matmul = _operation("Matmul", operator.matmul, "``x1 @ x2``.")
TrueDivide = _operation("TrueDivide", operator.truediv, "``x1 / x2``.")
FloorDivide = _operation("FloorDivide", operator.floordiv, "``x1 // x2``.")
Mod = _operation("Mod", operator.mod, "``x1 % x2``.")
Power = _operation("Power", operator.pow, "``x1 ** x2``.")
Negative = _operation("Negative", operator.neg, "``-x``.")
Absolute = _operation("Absolute", operator.abs, "``abs(x)``.")


class GetItem(_Operation):
    """``x[key]``."""

    def call(self, x, key):
        if isinstance(key, list):  # a tuple key read back from a config (JSON has no tuples)
            key = tuple(key)
        return _tensor(x)[key]
