"""``tf.keras.regularizers``: penalties on weights, added to the loss by layers.

A regularizer is called on a weight and returns a scalar loss Tensor, built from
differentiable ops so the penalty's gradient reaches the weight.

>>> import tapeflow as tf
>>> float(tf.keras.regularizers.L2(0.5)(tf.constant([1.0, 2.0])))
2.5
"""
from ..ops import math as _m
from ..ops import reduce as _r
from ..ops.core import to_tensor
from . import _lookup

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize",
           "deserialize"]


def _check_factor(value, name):
    value = float(value)
    if value < 0.0 or value != value:
        raise ValueError("Value for argument `%s` must be a non-negative number; received "
                         "%s=%s." % (name, name, value))
    return value


class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1·Σ|x| + l2·Σx²`` (defaults 0.0 and 0.0, as Keras 3's ``L1L2``)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor(l1, "l1")
        self.l2 = _check_factor(l2, "l2")

    def __call__(self, x):
        x = to_tensor(x)
        penalty = None
        if self.l1:
            penalty = self.l1 * _r.reduce_sum(_m.abs(x))
        if self.l2:
            term = self.l2 * _r.reduce_sum(_m.square(x))
            penalty = term if penalty is None else penalty + term
        if penalty is None:
            return _r.reduce_sum(x * 0.0)
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1·Σ|x|`` (default 0.01)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2·Σx²`` (default 0.01)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    """An ``L1L2`` with tf.keras 2's helper defaults (0.01 each)."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2

_CLASSES = {"L1L2": L1L2, "L1": L1, "L2": L2}
_ALL = dict(_CLASSES, l1=L1, l2=L2, l1_l2=l1_l2)


def serialize(regularizer):
    return _lookup.serialize_object(regularizer)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize_object(config, _CLASSES, {"l1": L1, "l2": L2, "l1_l2": l1_l2},
                                      "regularizer", custom_objects)


def get(identifier):
    """A regularizer from a name (``'l2'``), a config dict, an instance or a callable;
    ``None`` gives ``None``."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _lookup.lookup(identifier, _ALL, "regularizer")()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret regularizer identifier: %r." % (identifier,))
