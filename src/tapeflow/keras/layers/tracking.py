"""Attribute tracking for layers: which attribute values are layers, variables or metrics,
and containers that report later mutation (``self.blocks.append(Dense(...))``).

Every change to tracked state anywhere bumps one global version number; layers cache their
collected weights and sub-layers under it, so ``model.trainable_weights`` in a training
loop costs a list comprehension, not a walk over the model.
"""
from ...tensor import Variable

__all__ = ["VERSION", "bump", "track_value", "is_trackable", "is_metric", "walk"]

VERSION = [0]  # bumped whenever any layer's tracked state changes: the cache key


def bump():
    VERSION[0] += 1


# -- tracked containers: layers appended to a list attribute after assignment are tracked --
class _TrackedList(list):
    """A list attribute of a layer; mutating it invalidates the layer caches."""

    def append(self, value):
        list.append(self, track_value(value))
        bump()

    def extend(self, values):
        list.extend(self, [track_value(v) for v in values])
        bump()

    def insert(self, index, value):
        list.insert(self, index, track_value(value))
        bump()

    def __setitem__(self, index, value):
        list.__setitem__(self, index, value)
        bump()

    def __iadd__(self, values):
        self.extend(values)
        return self

    def __delitem__(self, index):
        list.__delitem__(self, index)
        bump()

    def pop(self, index=-1):
        value = list.pop(self, index)
        bump()
        return value

    def remove(self, value):
        list.remove(self, value)
        bump()

    def clear(self):
        list.clear(self)
        bump()


class _TrackedDict(dict):
    """A dict attribute of a layer; mutating it invalidates the layer caches."""

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, track_value(value))
        bump()

    def __delitem__(self, key):
        dict.__delitem__(self, key)
        bump()

    def update(self, *args, **kwargs):
        for k, v in dict(*args, **kwargs).items():
            dict.__setitem__(self, k, track_value(v))
        bump()

    def pop(self, *args):
        value = dict.pop(self, *args)
        bump()
        return value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


def track_value(value):
    """Wraps plain lists/dicts so later mutation is seen; other values pass through."""
    t = type(value)
    if t is list:
        return _TrackedList(track_value(v) for v in value)
    if t is dict:
        return _TrackedDict((k, track_value(v)) for k, v in value.items())
    return value


def is_trackable(value):
    return (isinstance(value, (Variable, list, tuple, dict)) or _is_layer(value)
            or is_metric(value))


def walk(value, layers, variables, metrics, seen):
    """Collects layers, variables and metrics from an attribute value, in order."""
    if is_metric(value):
        if id(value) not in seen:
            seen.add(id(value))
            metrics.append(value)
    elif _is_layer(value):
        if id(value) not in seen:
            seen.add(id(value))
            layers.append(value)
    elif isinstance(value, Variable):
        if id(value) not in seen:
            seen.add(id(value))
            variables.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            walk(v, layers, variables, metrics, seen)
    elif isinstance(value, (list, tuple)):
        for v in value:
            walk(v, layers, variables, metrics, seen)


def is_metric(value):
    return (hasattr(type(value), "update_state") and hasattr(type(value), "result")
            and hasattr(type(value), "reset_state"))


def _is_layer(value):
    return getattr(type(value), "_keras_layer", False)
