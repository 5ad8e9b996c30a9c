"""``tf.keras.constraints``: projections applied to a weight after each optimizer step.

A constraint maps the weight's value (a Tensor) to its projected value; the optimizer
assigns the result back.

>>> import tapeflow as tf
>>> tf.keras.constraints.NonNeg()(tf.constant([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
"""
from ..ops import math as _m
from ..ops import reduce as _r
from ..ops.core import to_tensor
from . import _lookup

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm",
           "min_max_norm", "non_neg", "unit_norm", "get", "serialize", "deserialize"]

_EPSILON = 1e-7


def _norms(w, axis):
    return _m.sqrt(_r.reduce_sum(_m.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales slices along ``axis`` whose L2 norm exceeds ``max_value`` (default 2)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = to_tensor(w)
        norms = _norms(w, self.axis)
        desired = _m.clip_by_value(norms, 0.0, float(self.max_value))
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative entries to zero."""

    def __call__(self, w):
        return _m.maximum(to_tensor(w), 0.0)


class UnitNorm(Constraint):
    """Scales slices along ``axis`` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = to_tensor(w)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves slice norms into ``[min_value, max_value]`` at speed ``rate`` (1 = at once)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = _m.clip_by_value(norms, float(self.min_value), float(self.max_value))
        desired = self.rate * clipped + (1.0 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_CLASSES = {c.__name__: c for c in (MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
_ALL = dict(_CLASSES, max_norm=MaxNorm, min_max_norm=MinMaxNorm, non_neg=NonNeg,
            unit_norm=UnitNorm)


def serialize(constraint):
    return _lookup.serialize_object(constraint)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize_object(config, _CLASSES, _ALL, "constraint", custom_objects)


def get(identifier):
    """A constraint from a name (``'non_neg'``), a config dict, an instance or a callable;
    ``None`` gives ``None``."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _lookup.lookup(identifier, _ALL, "constraint")()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret constraint identifier: %r." % (identifier,))
