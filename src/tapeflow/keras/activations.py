"""``tf.keras.activations``: elementwise activation functions, by object or by name.

Each is composed from differentiable tapeflow ops (no gradient code here); where TF's
kernel picks a subgradient at a kink, the composition picks the same one.

>>> import tapeflow as tf
>>> tf.keras.activations.get("relu")(tf.constant([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
"""
import types as _types

from ..ops import math as _m
from ..ops import nn as _nn
from ..ops.core import to_tensor
from . import _lookup

__all__ = ["relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid",
           "tanh", "softmax", "log_softmax", "softplus", "softsign", "swish", "silu",
           "hard_silu", "hard_swish", "mish", "log_sigmoid", "exponential", "linear", "get",
           "serialize", "deserialize"]

def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, optionally leaky, capped, or thresholded (Keras 3 semantics).

    >>> import tapeflow as tf
    >>> tf.keras.activations.relu(tf.constant([-2.0, 1.0, 8.0]), max_value=6.0).numpy()
    array([0., 1., 6.], dtype=float32)
    """
    x = to_tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return _nn.relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return leaky_relu(x, negative_slope)
    negative_part = _nn.relu(threshold - x) if negative_slope != 0.0 else None
    if threshold != 0.0:
        y = x * _m.cast(_m.greater(x, threshold), x.dtype)
    else:
        y = _nn.relu(x)
    if max_value is not None:
        y = _m.clip_by_value(y, 0.0, float(max_value))
    if negative_part is not None:
        y = y - float(negative_slope) * negative_part
    return y


def leaky_relu(x, negative_slope=0.2):
    """``x`` where ``x > 0`` else ``negative_slope * x`` (slope ``negative_slope`` at 0, as TF)."""
    return _nn.leaky_relu(x, alpha=negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``; the gradient is 0 at both 0 and 6, as TF's Relu6 kernel."""
    return _nn.relu6(x)


def elu(x, alpha=1.0):
    """``x`` for ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    if alpha == 1.0:
        return _nn.elu(x)
    x = to_tensor(x)
    # expm1 of min(x, 0): the unselected branch must not overflow (a NaN there would
    # poison the gradient through `where`).
    return _m.where(_m.greater(x, 0.0), x, float(alpha) * _m.expm1(_m.minimum(x, 0.0)))


def selu(x):
    """Scaled ELU with the self-normalising constants of Klambauer et al. (2017)."""
    return _nn.selu(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit: ``x·Φ(x)`` (exact, via erf) or its tanh approximation."""
    return _nn.gelu(x, approximate=approximate)


def sigmoid(x):
    return _m.sigmoid(to_tensor(x))


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    return relu6(to_tensor(x) + 3.0) * (1.0 / 6.0)


def tanh(x):
    return _m.tanh(to_tensor(x))


def softmax(x, axis=-1):
    """Softmax over ``axis`` (stable)."""
    return _nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return _nn.log_softmax(x, axis=axis)


def softplus(x):
    return _m.softplus(to_tensor(x))


def softsign(x):
    return _m.softsign(to_tensor(x))


def silu(x):
    """``x * sigmoid(x)`` (also called swish)."""
    return _nn.silu(x)


swish = silu


def hard_silu(x):
    """``x * hard_sigmoid(x)`` (also called hard_swish)."""
    x = to_tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x):
    """``x * tanh(softplus(x))``."""
    x = to_tensor(x)
    return x * _m.tanh(_m.softplus(x))


def log_sigmoid(x):
    return _m.log_sigmoid(to_tensor(x))


def exponential(x):
    return _m.exp(to_tensor(x))


def linear(x):
    """The identity: returns ``x`` unchanged."""
    return x


_ALL = {f.__name__: f for f in (relu, leaky_relu, relu6, elu, selu, gelu, sigmoid,
                                  hard_sigmoid, tanh, softmax, log_softmax, softplus, softsign,
                                  silu, hard_silu, mish, log_sigmoid, exponential, linear)}
_ALL.update(swish=swish, hard_swish=hard_swish)


def serialize(activation):
    """The name of a built-in activation function (``'relu'``); for your own function,
    Keras 3's function config naming it by its registered name (``'my_package>my_fn'``),
    so that ``deserialize`` finds it through ``register_keras_serializable``."""
    for name, fn in _ALL.items():
        if fn is activation:
            return name
    if isinstance(activation, _types.FunctionType) and activation.__name__ != "<lambda>":
        from .object_registration import get_registered_name
        from .serialization import serialize_keras_object
        config = serialize_keras_object(activation)
        config["config"] = get_registered_name(activation)
        return config
    return _lookup.serialize_object(activation)


def deserialize(config, custom_objects=None):
    if isinstance(config, dict) and config.get("class_name") == "function":
        from .serialization import deserialize_keras_object
        return deserialize_keras_object(config, custom_objects)
    return _lookup.deserialize_object(config, {}, _ALL, "activation", custom_objects)


def get(identifier):
    """An activation function from a name, a callable, or ``None`` (which means linear).

    >>> import tapeflow as tf
    >>> tf.keras.activations.get(None) is tf.keras.activations.linear
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return _lookup.lookup(identifier, _ALL, "activation function")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret activation function identifier: %r. Pass a name "
                     "such as 'relu', a callable, or None." % (identifier,))
