"""Shared ``get`` / ``serialize`` / ``deserialize`` for Keras's string-or-object arguments."""

__all__ = ["lookup", "serialize_object", "deserialize_object"]


def lookup(identifier, registry, kind):
    """Resolves a string name in ``registry`` (name -> object or factory).

    Raises a ValueError naming the identifier and listing the valid names.
    """
    try:
        return registry[identifier]
    except (KeyError, TypeError):
        raise ValueError("Could not interpret %s identifier: %r. Valid names are: %s."
                         % (kind, identifier, ", ".join(sorted(registry)))) from None


def serialize_object(obj):
    """``{'class_name': ..., 'config': ...}`` for an object with ``get_config``; a
    function's name for a plain function."""
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    name = getattr(obj, "__name__", None)
    if name is None:
        raise ValueError("Cannot serialize %r: it has no get_config() and no name." % (obj,))
    return name


def deserialize_object(config, classes, functions, kind, custom_objects=None):
    """Rebuilds what ``serialize_object`` produced (or a bare name)."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        table = dict(functions)
        table.update(classes)
        table.update(custom_objects)
        found = lookup(config, table, kind)
        return found() if isinstance(found, type) else found
    if isinstance(config, dict) and "class_name" in config:
        table = dict(classes)
        table.update(custom_objects)
        cls = lookup(config["class_name"], table, kind)
        inner = config.get("config") or {}
        return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
    raise ValueError("Could not deserialize %s from %r: expected a name or a dict with "
                     "'class_name' and 'config'." % (kind, config))
