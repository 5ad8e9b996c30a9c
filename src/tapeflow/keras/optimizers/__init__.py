"""``tf.keras.optimizers``: Keras 3's optimizers and ``get``/``serialize``/``deserialize``.

>>> import tapeflow as tf
>>> type(tf.keras.optimizers.get("adam")).__name__
'Adam'
"""
import types as _types

from .. import _lookup
from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .base import Optimizer
from .lion import Lion
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Lion", "schedules", "legacy", "get", "serialize", "deserialize"]

_CLASSES = {c.__name__: c for c in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
                                     Nadam, Lion)}
# tf.keras 2.11+ kept the previous implementations under ``optimizers.legacy``; code that
# names them gets the same (Keras 3) optimizers.
legacy = _types.SimpleNamespace(**_CLASSES, Optimizer=Optimizer)

# Keras looks names up case-insensitively ("adam", "Adam", "RMSprop", "rmsprop").
_BY_LOWER = {name.lower(): cls for name, cls in _CLASSES.items()}


def serialize(optimizer):
    """``{'class_name': ..., 'config': ...}`` of an optimizer."""
    return _lookup.serialize_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s dict (or a name)."""
    if isinstance(config, str):
        return get(config)
    if isinstance(config, dict) and "class_name" in config:
        table = dict(_BY_LOWER)
        table.update({k.lower(): v for k, v in (custom_objects or {}).items()})
        cls = _lookup.lookup(config["class_name"].lower(), table, "optimizer")
        return cls.from_config(config.get("config") or {})
    raise ValueError("Could not deserialize optimizer from %r." % (config,))


def get(identifier):
    """An optimizer from a name (``'adam'``, ``'sgd'``, ``'rmsprop'`` ...), a config dict,
    a class, or an instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _lookup.lookup(identifier.lower(), _BY_LOWER, "optimizer")()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError("Could not interpret optimizer identifier: %r. Pass a name such as "
                     "'adam' or an optimizer instance." % (identifier,))
