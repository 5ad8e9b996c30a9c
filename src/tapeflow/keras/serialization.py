"""Keras 3's object configs: ``serialize_keras_object`` / ``deserialize_keras_object``.

An object becomes ``{"module", "class_name", "config", "registered_name"}`` (plus
``"build_config"`` / ``"compile_config"`` for layers and models), as Keras 3's
``serialization_lib`` writes it: a built-in is named by its public Keras module
(``keras.layers``, ``keras.optimizers`` ...), a user class by its Python module and its
registered name. Special values are tagged dicts: ``__keras_tensor__``, ``__numpy__``,
``__tensor__``, ``__bytes__``, ``__slice__``, ``__ellipsis__`` and ``__lambda__`` (Python
bytecode, refused in safe mode).

Loading finds a class through ``custom_objects``, the registry
(``register_keras_serializable``) and tapeflow's own Keras namespaces; a user class can also
be found in its module if that module is already imported (tapeflow never imports a module
named by a file).

>>> import tapeflow as tf
>>> config = tf.keras.saving.serialize_keras_object(tf.keras.layers.Dense(2, name="d"))
>>> config["module"], config["class_name"], config["registered_name"]
('keras.layers', 'Dense', None)
>>> tf.keras.saving.deserialize_keras_object(config).units
2
"""
import base64
import builtins
import importlib
import inspect
import marshal
import sys
import types
import warnings

from ..backend import np
from . import object_registration as _registry

__all__ = ["serialize_keras_object", "deserialize_keras_object", "enable_unsafe_deserialization",
           "in_safe_mode", "SafeModeScope", "ObjectSharingScope", "func_dump", "func_load"]

_PLAIN = (str, int, float, bool)
# tapeflow.keras namespace -> the public Keras module that exports the same names.
_NAMESPACES = (("layers", "keras.layers"), ("optimizers.schedules", "keras.optimizers.schedules"),
               ("optimizers", "keras.optimizers"), ("initializers", "keras.initializers"),
               ("regularizers", "keras.regularizers"), ("constraints", "keras.constraints"),
               ("activations", "keras.activations"), ("losses", "keras.losses"),
               ("metrics", "keras.metrics"), ("symbolic_ops", "keras.src.ops.numpy"))
# Keras's BUILTIN_MODULES: where a function saved with module "builtins" is looked up.
_FUNCTION_NAMESPACES = ("activations", "constraints", "initializers", "losses", "metrics",
                        "optimizers", "regularizers")
_FUNCTIONAL_MODULE = "keras.src.models.functional"  # Functional is not exported by Keras
# Config keys newer Keras versions write that tapeflow's layers do not take; dropped when
# they hold the value that means "feature not used" (any other value stays and is refused).
_NEUTRAL_KERAS_KEYS = {"quantization_config": None, "lora_rank": None, "lora_alpha": None,
                       "ragged": False, "optional": False, "renorm": False,
                       "renorm_clipping": None, "renorm_momentum": 0.99,
                       "synchronized": False, "flash_attention": None, "use_cudnn": "auto"}

_STATE = {"safe_mode": None, "shared": None}


# -- scopes ---------------------------------------------------------------------------------
def in_safe_mode():
    """True/False inside a loading call (or after ``enable_unsafe_deserialization``), else
    None."""
    return _STATE["safe_mode"]


def enable_unsafe_deserialization():
    """Allows lambdas to be deserialized everywhere (only for files you trust)."""
    _STATE["safe_mode"] = False


class SafeModeScope:
    """Sets the safe-mode flag that nested ``from_config`` calls read."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._outer = _STATE["safe_mode"]
        _STATE["safe_mode"] = self.safe_mode

    def __exit__(self, *exc):
        _STATE["safe_mode"] = self._outer


class ObjectSharingScope:
    """Inside it, an object serialized twice gets a ``shared_object_id`` and is rebuilt
    once (a layer shared by a model and a nested model stays one layer)."""

    def __enter__(self):
        self._outer = _STATE["shared"]
        _STATE["shared"] = {"by_id": {}, "objects": {}}

    def __exit__(self, *exc):
        _STATE["shared"] = self._outer


# -- where classes live ---------------------------------------------------------------------
def _namespace(name):
    return importlib.import_module("tapeflow.keras." + name)


def _user_class(cls):
    """A user class behind tapeflow's ``Model(inputs, outputs)`` subclass mixin."""
    from .models import _FUNCTIONAL_SUBCLASSES
    for base, mixed in _FUNCTIONAL_SUBCLASSES.items():
        if mixed is cls:
            return base
    return cls


def _public_module(obj, name):
    """The Keras module exporting the tapeflow built-in ``obj`` as ``name``, or None."""
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("tapeflow.keras."):
        return None
    if name in ("Sequential", "Model"):
        from . import models
        return "keras" if getattr(models, name) is obj else None
    for namespace, keras_module in _NAMESPACES:
        if getattr(_namespace(namespace), name, None) is obj:
            return keras_module
    return None


def _class_location(cls):
    """``(module, class_name, registered_name)`` of a class, as Keras 3 writes them."""
    from .functional import Functional
    cls = _user_class(cls)
    if cls is Functional:
        return _FUNCTIONAL_MODULE, "Functional", "Functional"
    public = _public_module(cls, cls.__name__)
    if public is not None and cls not in _registry._GLOBAL_CUSTOM_NAMES:
        return public, cls.__name__, None
    module = None if cls.__module__ == "__main__" else cls.__module__
    return module, cls.__name__, _registry.get_registered_name(cls)


def _function_config(fn):
    public = _public_module(fn, fn.__name__)
    if public is not None:
        return {"module": public, "class_name": "function", "config": fn.__name__,
                "registered_name": fn.__name__}
    module = fn.__module__ or "builtins"
    module = None if module == "__main__" else module
    return {"module": module, "class_name": "function", "config": fn.__name__,
            "registered_name": _registry.get_registered_name(fn)}


# -- serialize ------------------------------------------------------------------------------
def serialize_keras_object(obj):
    """A JSON-ready config of ``obj`` in Keras 3's format (see the module docstring)."""
    from ..dtypes import DType
    from ..tensor import Tensor, Variable
    from .layers.keras_tensor import KerasTensor
    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        if type(obj) in (list, tuple) and all(a is b for a, b in zip(items, obj)):
            return obj  # already serialized: keep it (a shared object's id is marked in it)
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return _serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, KerasTensor):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": list(obj.shape), "dtype": obj.dtype, "keras_history": None}}
    if isinstance(obj, (Tensor, Variable)):
        return {"class_name": "__tensor__", "config": {"value": obj.numpy().tolist(),
                                                      "dtype": obj.dtype.name}}
    if isinstance(obj, (np.ndarray, np.generic)):
        if isinstance(obj, np.ndarray) and obj.ndim > 0:
            return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                         "dtype": obj.dtype.name}}
        return obj.item()
    if isinstance(obj, DType):
        return obj.name
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        if obj.__name__ == "<lambda>":
            warnings.warn("The object being serialized includes a `lambda`. This is unsafe: to "
                          "reload it, pass `safe_mode=False` to the loading function. Prefer "
                          "named Python functions.", stacklevel=2)
            return {"class_name": "__lambda__", "config": {"value": list(func_dump(obj))}}
        return _function_config(obj)
    return _serialize_instance(obj)


def _serialize_instance(obj):
    if not hasattr(obj, "get_config"):
        raise TypeError("Cannot serialize object %r of type %s. To be serializable, a class "
                        "must implement the `get_config()` method." % (obj, type(obj).__name__))
    inner = obj.get_config()
    if not isinstance(inner, dict):
        raise TypeError("The `get_config()` method of %r should return a dict. It returned: %r"
                        % (obj, inner))
    module, class_name, registered_name = _class_location(type(obj))
    config = {"module": module, "class_name": class_name, "config": _serialize_dict(inner),
              "registered_name": registered_name}
    build_config = _get_build_config(obj)
    if build_config is not None:
        config["build_config"] = _serialize_dict(build_config)
    compile_config = _get_compile_config(obj)
    if compile_config is not None:
        config["compile_config"] = _serialize_dict(compile_config)
    _record_shared(obj, config)
    return config


def _serialize_dict(d):
    out = {}
    for key, value in d.items():
        new = serialize_keras_object(value)
        if isinstance(new, dict) and set(new) == {"class_name", "config"} and \
                not new["class_name"].startswith("__"):
            new = _with_module(new)  # tapeflow's nested {'class_name', 'config'} form
        out[key] = new
    if type(d) is dict and all(out[k] is v for k, v in d.items()):
        return d  # already serialized: keep it (a shared object's id is marked in it)
    return out


def _with_module(config):
    """Adds the ``module`` and ``registered_name`` Keras needs to find a nested object."""
    name = config["class_name"]
    for namespace, keras_module in _NAMESPACES:
        if inspect.isclass(getattr(_namespace(namespace), name, None)):
            return {"module": keras_module, "class_name": name, "config": config["config"],
                    "registered_name": None}
    for registered, obj in _registry._GLOBAL_CUSTOM_OBJECTS.items():
        if getattr(obj, "__name__", None) == name:
            module = None if obj.__module__ == "__main__" else obj.__module__
            return {"module": module, "class_name": name, "config": config["config"],
                    "registered_name": registered}
    return {"module": None, "class_name": name, "config": config["config"],
            "registered_name": name}


def _record_shared(obj, config):
    shared = _STATE["shared"]
    if shared is None:
        return
    first = shared["by_id"].setdefault(id(obj), (obj, config))
    if first[1] is not config:  # seen before: both copies name the same object
        config["shared_object_id"] = first[1]["shared_object_id"] = id(obj)


def _get_build_config(obj):
    """``{'input_shape': ...}`` of a built layer, as Keras records it; None for layers
    without a ``build`` of their own (built on creation in Keras) and for layers whose
    ``build`` takes several shapes (MultiHeadAttention): calls rebuild those."""
    if hasattr(obj, "get_build_config"):
        return obj.get_build_config()
    from .functional import Functional
    from .layers.layer import Layer
    if not isinstance(obj, Layer) or not obj.built:
        return None
    if isinstance(obj, Functional):
        return {"input_shape": None}
    from .models import Model
    shape = obj.__dict__.get("_build_input_shape")
    build = type(obj).build
    if shape is None or _required_arguments(build) > 1:
        return None
    if getattr(build, "_default_build", False) and not isinstance(obj, Model):
        return None
    return {"input_shape": shape}


def _required_arguments(fn):
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        return 1
    return sum(1 for p in params if p.default is p.empty and
               p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _get_compile_config(obj):
    if hasattr(obj, "get_compile_config"):
        return obj.get_compile_config()
    from .trainer import Trainer
    if not isinstance(obj, Trainer) or not obj.compiled:
        return None
    from .compile_config import compile_config
    return compile_config(obj)


# -- deserialize ----------------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuilds the object described by a Keras 3 config (``serialize_keras_object``'s
    output or a config read from a Keras ``.keras`` file).

    Args:
        config: the config (dict, list or plain value).
        custom_objects: ``{name: class or function}`` for user objects.
        safe_mode: refuse ``lambda`` bytecode (default True).
        build: (keyword) False skips ``build_config``, for layers that a model rebuilds
            by calling them.
    """
    scoped = _STATE["safe_mode"]
    safe = scoped if scoped is not None else safe_mode
    custom = dict(custom_objects or {})
    return _deserialize(config, custom, safe, build=kwargs.get("build", True))


def _deserialize(config, custom, safe, build=True):
    if config is None or isinstance(config, _PLAIN):
        if isinstance(config, str):  # a plain name of a custom object (Keras does this too)
            found = _registry.get_registered_object(config, custom)
            if found is not None:
                return found
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(x, custom, safe, build) for x in config]
    if not isinstance(config, dict):
        raise TypeError("Could not parse config: %r" % (config,))
    if "class_name" not in config or "config" not in config:
        return {k: _deserialize(v, custom, safe, build) for k, v in config.items()}
    special = _special_value(config, safe)
    if special is not _NOT_SPECIAL:
        return special
    class_name, inner = config["class_name"], config["config"]
    # No "module" key: tapeflow's older {'class_name', 'config'} form, naming a built-in.
    # Module None: a class from __main__, found only through the registry/custom_objects.
    module = config.get("module", "keras")
    registered_name = config.get("registered_name") or class_name
    if class_name == "function":
        return _retrieve(inner, registered_name, module, custom, "function")
    if class_name in ("DTypePolicy", "FloatDTypePolicy"):
        return (inner or {}).get("name")  # tapeflow layers take the policy's name
    shared = _STATE["shared"]
    shared_id = config.get("shared_object_id")
    if shared is not None and shared_id in shared["objects"]:
        return shared["objects"][shared_id]
    cls = _retrieve(class_name, registered_name, module, custom, "class")
    instance = _instantiate(cls, inner or {}, module, custom, safe)
    if build and config.get("build_config") and not getattr(instance, "built", True):
        _build_from_config(instance, config["build_config"])
    if config.get("compile_config"):
        from .compile_config import compile_from_config
        with _registry.CustomObjectScope(custom):
            compile_from_config(instance, config["compile_config"], custom, safe)
    if shared is not None and shared_id is not None:
        shared["objects"][shared_id] = instance
    return instance


_NOT_SPECIAL = object()


class _CannotRebuild(TypeError):
    """A class or function a config names cannot be found or rebuilt; raised through the
    enclosing objects' ``from_config`` unchanged, so the message names the culprit."""


def _special_value(config, safe):
    """The value of a tagged special dict (``__numpy__`` ...), else ``_NOT_SPECIAL``."""
    name, inner = config["class_name"], config["config"]
    if name == "__keras_tensor__":
        from .layers.keras_tensor import KerasTensor
        kt = KerasTensor(inner["shape"], inner["dtype"])
        kt._pre_serialization_keras_history = inner.get("keras_history")
        return kt
    if name == "__tensor__":
        from ..ops.creation import constant
        return constant(inner["value"], dtype=inner["dtype"])
    if name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if name == "__bytes__":
        return inner["value"].encode("utf-8")
    if name == "__ellipsis__":
        return Ellipsis
    if name == "__slice__":
        return slice(*(_deserialize(inner[k], {}, safe) for k in ("start", "stop", "step")))
    if name == "__lambda__":
        if safe:
            raise ValueError("Requested the deserialization of a `lambda` object. This carries a "
                             "potential risk of arbitrary code execution and thus it is "
                             "disallowed by default. If you trust the source of the saved "
                             "model, you can pass `safe_mode=False` to the loading function in "
                             "order to allow `lambda` loading, or call "
                             "`tf.keras.saving.enable_unsafe_deserialization()`.")
        return func_load(*inner["value"])
    return _NOT_SPECIAL


def _retrieve(name, registered_name, module, custom, kind):
    """The class or function a config names (see the module docstring for the order)."""
    found = _registry.get_registered_object(registered_name, custom)
    if found is None and kind == "class":
        found = custom.get(name)
    if found is None and kind == "function":
        found = _registry.get_registered_object(name, custom)
    if found is not None:
        return found
    if module == "builtins" or (module or "").startswith("keras"):
        found = _builtin(name, module, kind)
        if found is None and module == "builtins" and kind == "function":
            found = getattr(builtins, name, None)  # abs, len ...
    elif module in sys.modules:
        found = vars(sys.modules[module]).get(name) or vars(sys.modules[module]).get(
            registered_name)
    if found is not None:
        return found
    where = " from module '%s'" % module if module else ""
    raise _CannotRebuild("Could not locate %s '%s'%s. Make sure custom classes and functions "
                         "are decorated with `@tf.keras.saving.register_keras_serializable()` "
                         "or passed in `custom_objects` (tapeflow does not import modules named "
                         "by a saved file)." % (kind, name, where))


def _builtin(name, module, kind):
    """A tapeflow built-in matching a Keras module and name, or None."""
    if kind == "class" and name in ("Sequential", "Model", "Functional"):
        from . import functional, models
        return getattr(functional if name == "Functional" else models, name)
    names = _FUNCTION_NAMESPACES if kind == "function" else [n for n, _ in _NAMESPACES]
    preferred = [n for n, keras_module in _NAMESPACES if keras_module == module]
    for namespace in preferred + [n for n in names if n not in preferred]:
        obj = getattr(_namespace(namespace), name, None)
        if obj is not None and (inspect.isclass(obj) == (kind == "class")):
            return obj
    return None


def _instantiate(cls, inner, module, custom, safe):
    from .models import Model
    inner = _normalize(inner, strip=(module or "").startswith("keras"))
    inner = _resolve_functions(inner, custom)
    with _registry.CustomObjectScope(custom), SafeModeScope(safe):
        if inspect.isclass(cls) and issubclass(cls, Model):
            from .functional_config import is_functional_config, revivable_as_functional
            if is_functional_config(inner) and revivable_as_functional(cls):
                from .functional_config import functional_from_config
                return functional_from_config(cls, dict(inner), custom)
        if not hasattr(cls, "from_config"):
            raise _CannotRebuild("Unable to reconstruct an instance of '%s' because the class "
                                 "is missing a `from_config()` method." % cls.__name__)
        try:
            return cls.from_config(dict(inner))
        except _CannotRebuild:
            raise
        except TypeError as e:
            raise _CannotRebuild(
                "%s.from_config() could not rebuild the object from its config. When a class "
                "overrides `get_config()`, its config must hold every argument of its "
                "constructor, or the class must define `from_config(cls, config)` (layers, "
                "models and other objects inside the config must be deserialized there "
                "explicitly). Config keys: %s. Error: %s"
                % (cls.__name__, sorted(inner), e)) from None


def _normalize(value, strip=False):
    """Keras's dtype-policy dicts -> dtype names (tapeflow layers take names); with
    ``strip`` (the config of a Keras built-in), Keras-only keys holding their neutral value
    are dropped. Nested object configs are handled by their own module."""
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and "config" in value:
        return (value["config"] or {}).get("name")
    if "class_name" in value and "config" in value:
        module = value.get("module", "keras")
        return dict(value, config=_normalize(value["config"],
                                             strip=(module or "").startswith("keras")))
    return {k: _normalize(v) for k, v in value.items() if not (strip and _is_neutral(k, v))}


def _is_neutral(key, value):
    neutral = _NEUTRAL_KERAS_KEYS.get(key, _NOT_SPECIAL)
    return type(value) is type(neutral) and value == neutral


def _resolve_functions(inner, custom):
    """Top-level config values naming a custom function (``activation='my_fn'``, or Keras's
    ``{'class_name': 'function', ...}``) -> the function, as Keras's custom-object scope
    makes them visible to ``activations.get``."""
    out = dict(inner)
    for key, value in inner.items():
        if key in ("name", "dtype"):
            continue
        if isinstance(value, str):
            found = _registry.get_registered_object(value, custom)
            if found is not None and callable(found) and not inspect.isclass(found):
                out[key] = found
        elif isinstance(value, dict) and value.get("class_name") == "function":
            try:
                out[key] = _retrieve(value["config"], value.get("registered_name") or
                                     value["config"], value.get("module"), custom, "function")
            except TypeError:
                module = value.get("module") or ""
                if not (module.startswith("keras") or module == "builtins"):
                    raise  # a user function that is not registered: say which
                out[key] = value["config"]  # a built-in name the layer resolves itself
    return out


def _as_shape(value):
    """JSON lists -> tuples (a shape, or a list of shapes); dicts kept."""
    if isinstance(value, dict):
        return {k: _as_shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(v is None or isinstance(v, int) for v in value):
            return tuple(value)
        return [_as_shape(v) for v in value]
    return value


def _build_from_config(instance, build_config):
    """Creates the weights of a layer or model rebuilt from its config (Keras's
    ``build_from_config``); warns as Keras does when that fails."""
    if hasattr(instance, "build_from_config"):
        instance.build_from_config(build_config)
        return
    try:
        if build_config.get("input_shape") is not None:
            instance.build(_as_shape(build_config["input_shape"]))
        elif build_config.get("shapes_dict"):
            instance.build(**{k: _as_shape(v) for k, v in build_config["shapes_dict"].items()})
        else:
            return
        instance.built = True
    except Exception as e:  # the same catch-all as Keras: any failure becomes a warning
        warnings.warn("'%s' had a build config, but it could not be built automatically from "
                      "it (%s: %s). Implement `build_from_config(self, config)` (and "
                      "`get_build_config(self)`) to create its state on loading."
                      % (getattr(instance, "name", type(instance).__name__),
                         type(e).__name__, e), stacklevel=3)


# -- Python functions as bytecode (Keras's func_dump / func_load) ---------------------------
def func_dump(fn):
    """``(code, defaults, closure)`` of a Python function: base64 marshal bytecode (valid
    for the same Python version only), default arguments and closure values."""
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def func_load(code, defaults=None, closure=None):
    """The function ``func_dump`` described. Its globals are ``tf`` (tapeflow) and ``np``."""
    import tapeflow
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    if closure is not None:
        closure = tuple(_cell(value) for value in closure)
    try:
        compiled = marshal.loads(base64.decodebytes(code.encode("ascii")))
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError("Could not load the bytecode of a lambda: it was saved by another "
                         "Python version or is corrupt (%s)." % e) from None
    globs = {"__builtins__": builtins, "tf": tapeflow, "tapeflow": tapeflow, "np": np}
    return types.FunctionType(compiled, globs, name=compiled.co_name, argdefs=defaults,
                              closure=closure)


def _cell(value):
    return (lambda: value).__closure__[0]
