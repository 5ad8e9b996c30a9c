"""Config helpers shared by the vision and sequence layers: optional objects by name."""
from .. import constraints, regularizers
from .._lookup import serialize_object

__all__ = ["get_regularizer", "get_constraint", "serialize"]


def get_regularizer(identifier):
    """A regularizer from a name, config or object; None stays None."""
    return None if identifier is None else regularizers.get(identifier)


def get_constraint(identifier):
    """A constraint from a name, config or object; None stays None."""
    return None if identifier is None else constraints.get(identifier)


def serialize(obj):
    """Keras's ``{'class_name', 'config'}`` (or a function's name); None stays None."""
    return None if obj is None else serialize_object(obj)
