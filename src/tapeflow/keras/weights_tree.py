"""The weights tree of a ``.keras`` file: Keras 3's ``_save_state`` / ``_load_state`` walk.

Every object that owns variables (a layer, the optimizer) gets an HDF5 group ``<path>/vars``
holding its own variables as datasets ``0``, ``1`` ... (trainable first). The path is the
attribute path Keras walks (``keras/src/saving/saving_lib.py``): a Sequential's or
functional model's ``layers`` first, then attributes sorted by name with private ones last;
the items of a list or dict attribute are named by their snake-cased class (``dense``,
``dense_1`` ...); an object reached twice is saved once, under the first path.
"""
from ..backend import np
from .backend import snake_case
from .optimizer_state import array_of, keras_order, load_optimizer_state

__all__ = ["H5Store", "walk", "save_state", "load_state"]


class H5Store:
    """``vars`` groups of an open HDF5 file, addressed by the walk's paths."""

    def __init__(self, f):
        self.f = f

    def write(self, path, arrays):
        group = self.f.require_group(path + "/vars" if path else "vars")
        for i, value in enumerate(arrays):
            group.create_dataset(str(i), data=value)

    def read(self, path):
        """The arrays stored under ``path`` (an empty list where it has none)."""
        key = path + "/vars" if path else "vars"
        if key not in self.f and "_layer_checkpoint_dependencies" in self.f:
            key = key.replace("layers", "_layer_checkpoint_dependencies")  # Keras 2.13 files
        if key not in self.f and path:
            # A Keras version without the public property (MultiHeadAttention's
            # `query_dense`) saved the sub-layer under its private attribute's name.
            head, _, last = path.rpartition("/")
            private = (head + "/_" if head else "_") + last + "/vars"
            key = private if private in self.f else key
        if key not in self.f:
            return []
        group = self.f[key]
        return [np.asarray(group[str(i)]) for i in range(len(group))]


def _name_key(name):
    """Private attributes are visited last (Keras's order)."""
    return "~" + name if name.startswith("_") else name


def _is_saveable(value):
    from .layers.layer import Layer
    from .optimizers import Optimizer
    return isinstance(value, (Layer, Optimizer))


def _children(obj):
    """``(attribute name, value)`` pairs in the order Keras's ``_walk_saveable`` visits them:
    a Sequential's or functional model's ``layers`` first, then attributes sorted by name,
    private ones last."""
    from .functional import Functional
    from .functional_config import keras_layer_order
    from .layers.layer import Layer
    from .models import Model, Sequential
    if not isinstance(obj, Layer):
        return []  # an optimizer's slots are its own variables; it owns no layers
    attributes = dict(obj.__dict__.get("_tracked", {}))
    for name in _class_properties(type(obj)):
        try:
            attributes[name] = getattr(obj, name)
        except Exception:  # as Keras: an attribute that cannot be read is not visited
            continue
    first = []
    if isinstance(obj, Model):
        for internal in ("_stack", "_input_layer", "_graph_layers"):
            attributes.pop(internal, None)
        if isinstance(obj, Functional):
            first = [("layers", keras_layer_order(obj))]
        elif isinstance(obj, Sequential):
            first = [("layers", obj.layers)]
        else:
            attributes["layers"] = obj.layers
        if obj.optimizer is not None:
            attributes["optimizer"] = obj.optimizer
    return first + sorted(attributes.items(), key=lambda item: _name_key(item[0]))


def _class_properties(cls):
    """Properties a layer class adds to tapeflow's base classes (Keras walks ``dir()``, so
    a property such as MultiHeadAttention's ``query_dense`` names a sub-layer's path)."""
    from .functional import Functional
    from .layers.layer import Layer
    from .models import Model, Sequential
    from .trainer import Trainer
    names = []
    for klass in cls.__mro__:
        if klass in (Layer, Model, Trainer, Functional, Sequential, object):
            continue
        names.extend(name for name, value in vars(klass).items()
                     if isinstance(value, property) and not name.startswith("__"))
    return names


def _own_variables(obj, model=None):
    """The variables an object stores itself: a layer's own trainable then non-trainable
    variables, or an optimizer's variables in Keras's order."""
    from .optimizers import Optimizer
    if isinstance(obj, Optimizer):
        return keras_order(obj, model)
    _, _, own_trainable, own_non_trainable, _, _ = obj._collect()
    return list(own_trainable) + list(own_non_trainable)


def walk(obj, path, visited, visit):
    """Calls ``visit(obj, path)`` for each saveable once, in Keras's order and naming."""
    if id(obj) in visited:
        return
    visited.add(id(obj))
    visit(obj, path)
    for name, child in _children(obj):
        child_path = path + "/" + name if path else name
        if _is_saveable(child):
            walk(child, child_path, visited, visit)
        elif isinstance(child, (list, tuple, dict)):
            used = {}  # a container's items are named by class: dense, dense_1 ...
            for item in (child.values() if isinstance(child, dict) else child):
                if not _is_saveable(item):
                    continue
                item_name = snake_case(type(item).__name__)
                if item_name in used:
                    used[item_name] += 1
                    item_name = "%s_%d" % (item_name, used[item_name])
                else:
                    used[item_name] = 0
                walk(item, child_path + "/" + item_name, visited, visit)


def save_state(model, store, path, visited):
    """Writes the own variables of every saveable under ``model`` to ``store``."""
    def save(obj, obj_path):
        store.write(obj_path, [array_of(v) for v in _own_variables(obj, model)])
    walk(model, path, visited, save)


def load_state(model, store, path, visited, errors):
    """Assigns the stored variables; a layer that cannot take them adds ``(object, message)``
    to ``errors`` (Keras reports them all at the end)."""
    from .optimizers import Optimizer

    def load(obj, obj_path):
        arrays = store.read(obj_path)
        try:
            if isinstance(obj, Optimizer):
                load_optimizer_state(obj, arrays, model)
            else:
                _assign_layer_variables(obj, arrays)
        except ValueError as e:
            errors.append((repr(obj), str(e)))
    walk(model, path, visited, load)


def _assign_layer_variables(layer, arrays):
    variables = _own_variables(layer)
    if len(arrays) != len(variables):
        if not variables and not layer.built:
            raise ValueError("Layer '%s' was never built and thus it doesn't have any variables. "
                             "However the weights file lists %d variables for this layer. Its "
                             "parent's `build()` (or `build_from_config()`) must create it."
                             % (layer.name, len(arrays)))
        raise ValueError("Layer '%s' expected %d variables, but received %d variables during "
                         "loading. Expected: %s" % (layer.name, len(variables), len(arrays),
                                                    [v.name for v in variables]))
    for v, a in zip(variables, arrays):
        if tuple(v.shape) != tuple(a.shape):
            raise ValueError("The shape of the target variable and the shape of the target "
                             "value in `variable.assign(value)` must match. variable.shape=%s, "
                             "Received: value.shape=%s. Target variable: %s"
                             % (tuple(v.shape), tuple(a.shape), getattr(v, "path", v.name)))
    for v, a in zip(variables, arrays):
        v.assign(a.astype(v._value.dtype, copy=False))
