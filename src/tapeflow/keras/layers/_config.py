"""Config helpers shared by the vision and sequence layers: optional objects by name."""
from .. import constraints, regularizers
from .._lookup import serialize_object

__all__ = ["get_regularizer", "get_constraint", "serialize", "kernel_bias_config"]


def get_regularizer(identifier):
    """A regularizer from a name, config or object; None stays None."""
    return None if identifier is None else regularizers.get(identifier)


def get_constraint(identifier):
    """A constraint from a name, config or object; None stays None."""
    return None if identifier is None else constraints.get(identifier)


def serialize(obj):
    """Keras's ``{'class_name', 'config'}`` (or a function's name); None stays None."""
    return None if obj is None else serialize_object(obj)


def kernel_bias_config(layer):
    """The config entries of a layer with a kernel and a bias (Dense, the convolutions)."""
    return {name: serialize(getattr(layer, name)) for name in (
        "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "bias_constraint")}
