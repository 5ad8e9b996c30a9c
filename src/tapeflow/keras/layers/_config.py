"""Config helpers shared by the vision and sequence layers: optional objects by name."""
from .. import constraints, initializers, regularizers
from .._lookup import serialize_object

__all__ = ["get_regularizer", "get_constraint", "set_weight_options", "serialize",
           "kernel_bias_config",
           "serialize_layer", "deserialize_layer"]


def get_regularizer(identifier):
    """A regularizer from a name, config or object; None stays None."""
    return None if identifier is None else regularizers.get(identifier)


def get_constraint(identifier):
    """A constraint from a name, config or object; None stays None."""
    return None if identifier is None else constraints.get(identifier)


def set_weight_options(layer, **options):
    """Sets ``<weight>_initializer`` / ``_regularizer`` / ``_constraint`` attributes from
    Keras's name-config-or-object arguments (the inverse of ``kernel_bias_config``)."""
    for name, value in options.items():
        if name.endswith("_initializer"):
            value = initializers.get(value)
        elif name.endswith("_regularizer"):
            value = get_regularizer(value)
        elif name.endswith("_constraint"):
            value = get_constraint(value)
        else:
            raise TypeError("set_weight_options: unknown option %r" % (name,))
        setattr(layer, name, value)


def serialize(obj):
    """Keras's ``{'class_name', 'config'}`` (or a function's name); None stays None."""
    return None if obj is None else serialize_object(obj)


def kernel_bias_config(layer):
    """The config entries of a layer with a kernel and a bias (Dense, the convolutions)."""
    return {name: serialize(getattr(layer, name)) for name in (
        "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "bias_constraint")}


def serialize_layer(layer):
    """A sub-layer's config in Keras 3's full form (``module``, ``class_name``, ``config``,
    ``registered_name``), as Keras's RNN, StackedRNNCells and wrappers write it: a custom
    class is found again through its registered name."""
    from ..serialization import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize_layer(config, custom_objects=None, what="layer"):
    """A sub-layer from ``serialize_layer``'s config (or the older ``{'class_name',
    'config'}`` form): a built-in, a registered class, or one from ``custom_objects`` or an
    enclosing ``custom_object_scope`` / ``load_model(custom_objects=...)``."""
    if not isinstance(config, dict):
        return config  # already a layer
    from ..serialization import _CannotRebuild, deserialize_keras_object
    try:
        return deserialize_keras_object(config, custom_objects, build=False)
    except _CannotRebuild as e:
        raise ValueError("Unknown %s class %r: register it with "
                         "`@tf.keras.saving.register_keras_serializable()` or pass it in "
                         "`custom_objects`. (%s)" % (what, config.get("class_name"), e)) from None
