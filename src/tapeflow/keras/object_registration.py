"""Custom objects known by name: ``register_keras_serializable``, ``custom_object_scope``.

A ``.keras`` file names a user class by its registered name (``'package>Name'``); loading
finds the class again through the registry, an active ``custom_object_scope`` or the
``custom_objects`` argument, in that order (Keras 3's lookup order).
"""
import inspect

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object",
           "get_custom_objects", "custom_object_scope", "CustomObjectScope"]

_GLOBAL_CUSTOM_OBJECTS = {}   # registered name -> class or function
_GLOBAL_CUSTOM_NAMES = {}     # class or function -> registered name
_SCOPES = []                  # dicts of the active custom_object_scope blocks, innermost last


def register_keras_serializable(package="Custom", name=None):
    """Class/function decorator: registers it under ``'<package>>'<name>'`` for loading.

    Args:
        package: the prefix of the registered name. name: default the object's ``__name__``.

    >>> import tapeflow as tf
    >>> @tf.keras.saving.register_keras_serializable(package="demo")
    ... def scaled_relu(x):
    ...     return tf.nn.relu(x) * 2.0
    >>> tf.keras.saving.get_registered_name(scaled_relu)
    'demo>scaled_relu'
    """
    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = package + ">" + class_name
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg
    return decorator


def get_registered_name(obj):
    """The name ``obj`` was registered under, else its ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", None))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object known as ``name``: custom_object_scope, registry, ``custom_objects``, then
    ``module_objects``; None if none has it."""
    for scope in reversed(_SCOPES):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects():
    """The global registry (a live dict: adding to it registers an object).

    >>> import tapeflow as tf
    >>> isinstance(tf.keras.saving.get_custom_objects(), dict)
    True
    """
    return _GLOBAL_CUSTOM_OBJECTS


def scoped_objects():
    """The objects of every active ``custom_object_scope`` (inner ones win)."""
    merged = {}
    for scope in _SCOPES:
        merged.update(scope)
    return merged


class CustomObjectScope:
    """``with custom_object_scope({'name': obj}):`` makes ``obj`` known during loading.

    >>> import tapeflow as tf
    >>> def my_fn(x):
    ...     return x
    >>> with tf.keras.saving.custom_object_scope({"my_fn": my_fn}):
    ...     tf.keras.saving.get_registered_object("my_fn") is my_fn
    True
    """

    def __init__(self, *custom_objects):
        self._objects = {}
        for objects in custom_objects:
            self._objects.update(objects or {})

    def __enter__(self):
        _SCOPES.append(self._objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.pop()  # scopes nest, so this block's dict is the innermost


custom_object_scope = CustomObjectScope
