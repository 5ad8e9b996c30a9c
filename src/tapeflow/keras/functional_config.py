"""A functional model's graph as Keras 3's config, and the model rebuilt from one.

The config lists every layer (``InputLayer``s included) as its serialized object plus
``"name"`` and ``"inbound_nodes"``: one ``{"args": ..., "kwargs": ...}`` per call, where a
tensor argument is ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
"keras_history": [layer name, node index, tensor index]}}``. ``"input_layers"`` and
``"output_layers"`` hold ``[layer name, node index, tensor index]`` in the structure of the
model's inputs and outputs. A node index counts the calls of that layer listed in the config;
a nested functional model counts from 1 (Keras 3 gives it a node of its own first).

Layers are listed in Keras's order (``keras/src/ops/function.py``, ``map_graph``): by depth
from the outputs, deepest first, ties in the order a depth-first walk from the outputs meets
them. The same order names the layers' weights in the ``.keras`` weights file.
"""
from .. import nest

__all__ = ["keras_layer_order", "functional_get_config", "functional_from_config",
           "is_functional_config", "revivable_as_functional"]

_FUNCTIONAL_KEYS = ("name", "layers", "input_layers", "output_layers")


def _producer(kt):
    """The node that made ``kt``: a graph Node, or the InputLayer of an input."""
    node = getattr(kt, "_keras_history", None)
    return node if node is not None else kt._keras_layer


def _node_layer(node):
    return getattr(node, "layer", node)


def _parents(node):
    return [_producer(kt) for kt in getattr(node, "flat_inputs", ())]


def keras_layer_order(model):
    """The model's layers in Keras 3's ``model.layers`` order (see the module docstring)."""
    input_ids = set(id(kt) for kt in model._flat_inputs)
    traversal, finished, nodes = {}, set(), []

    def visit(kt):
        node = _producer(kt)
        if id(node) in finished:
            return
        traversal.setdefault(id(_node_layer(node)), len(traversal))
        if id(kt) not in input_ids:
            for parent in getattr(node, "flat_inputs", ()):
                visit(parent)
        finished.add(id(node))
        nodes.append(node)
    for kt in model._flat_outputs:
        visit(kt)
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(nodes):
        layer = _node_layer(node)
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = node_depth[id(node)] = depth
        layers[id(layer)] = layer
        for parent in _parents(node):
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for kt in model._flat_inputs:  # inputs that no output depends on
        layer = kt._keras_layer
        if id(layer) not in layer_depth:
            layer_depth[id(layer)], traversal[id(layer)], layers[id(layer)] = 0, -1, layer
    return sorted(layers.values(), key=lambda layer: (-layer_depth[id(layer)],
                                                      traversal[id(layer)]))


def _node_indices(model):
    """id(node) -> the index of that call among its layer's calls in the config."""
    from .functional import Functional
    indices, counts = {}, {}
    for node in model._nodes:
        first = 1 if isinstance(node.layer, Functional) else 0
        indices[id(node)] = counts.get(id(node.layer), first)
        counts[id(node.layer)] = indices[id(node)] + 1
    return indices


def functional_get_config(model):
    """``{"name", "trainable", "layers", "input_layers", "output_layers"}`` of a model."""
    from .layers.keras_tensor import KerasTensor
    from .serialization import serialize_keras_object
    indices = _node_indices(model)

    def history(kt):
        node = getattr(kt, "_keras_history", None)
        if node is None:  # a model input: the InputLayer's only node
            return [kt._keras_layer.name, 0, 0]
        position = next(i for i, out in enumerate(node.flat_outputs) if out is kt)
        return [node.layer.name, indices[id(node)], position]

    def tensor(value):
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(value.shape), "dtype": value.dtype, "keras_history": history(value)}}
        if isinstance(value, (list, tuple)):
            return [tensor(v) for v in value]
        if isinstance(value, dict):
            return {k: tensor(v) for k, v in value.items()}
        return serialize_keras_object(value)

    calls = {}
    for node in model._nodes:
        calls.setdefault(id(node.layer), []).append(
            {"args": tensor(list(node.args)), "kwargs": tensor(dict(node.kwargs))})
    layer_configs = []
    for layer in keras_layer_order(model):
        config = serialize_keras_object(layer)
        config["name"] = layer.name
        config["inbound_nodes"] = calls.get(id(layer), [])
        layer_configs.append(config)
    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": nest.map_structure(history, model._inputs_struct),
            "output_layers": nest.map_structure(history, model._outputs_struct)}


def is_functional_config(config):
    return isinstance(config, dict) and all(key in config for key in _FUNCTIONAL_KEYS)


def revivable_as_functional(cls):
    """Whether ``cls(inputs=..., outputs=..., name=...)`` makes a functional model
    (Keras's rule: Model, Functional, or a constructor taking those or *args/**kwargs)."""
    import inspect

    from .functional import Functional
    from .models import Model
    if cls in (Model, Functional):
        return True
    spec = inspect.getfullargspec(cls.__init__)
    return spec.args[1:4] == ["inputs", "outputs", "name"] or (
        spec.varargs is not None and spec.varkw is not None)


class _NotReady(Exception):
    """A node's input comes from a call that has not been replayed yet."""


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a functional model: creates every layer, replays the recorded calls (each
    once its inputs exist) and returns ``cls(inputs=..., outputs=..., name=...)``."""
    from .functional import Functional
    from .layers.input_layer import InputLayer
    from .serialization import _deserialize, in_safe_mode
    config = dict(config)
    safe = in_safe_mode() is not False
    custom = dict(custom_objects or {})
    layer_configs = config.pop("layers")
    input_spec, output_spec = config.pop("input_layers"), config.pop("output_layers")
    name, trainable = config.pop("name", None), config.pop("trainable", None)
    layers, made, pending = {}, {}, []
    for layer_data in layer_configs:
        layer = _deserialize(layer_data, custom, safe, build=False)
        layer_name = layer_data.get("name") or layer.name
        layers[layer_name] = layer
        # An InputLayer's only "call" is its creation; a nested functional model's first
        # node is its own graph, so its calls are numbered from 1.
        made[layer_name] = [layer.output] if isinstance(layer, InputLayer) else []
        pending.append([layer_name, list(layer_data.get("inbound_nodes") or [])])

    def lookup(layer_name, node_index, tensor_index):
        if layer_name not in layers:
            raise ValueError("The model config refers to an unknown layer: '%s'." % layer_name)
        if isinstance(layers[layer_name], Functional):
            node_index -= 1
        if node_index >= len(made[layer_name]):
            raise _NotReady()
        return nest.flatten(made[layer_name][node_index])[tensor_index]

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return lookup(*value["config"]["keras_history"])
        if isinstance(value, dict) and "class_name" in value and "config" in value:
            return _deserialize(value, custom, safe)
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    while any(nodes for _, nodes in pending):
        progress = False
        for layer_name, nodes in pending:
            while nodes:
                try:
                    args, kwargs = _call_arguments(nodes[0], resolve, lookup)
                except _NotReady:
                    break
                made[layer_name].append(layers[layer_name](*args, **kwargs))
                nodes.pop(0)
                progress = True
        if not progress:
            waiting = [layer_name for layer_name, nodes in pending if nodes]
            raise ValueError("Cannot rebuild the functional model '%s' from its config: the "
                             "inputs of layers %s are never produced." % (name, waiting))

    def tensors(spec):
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            return lookup(*spec)
        if isinstance(spec, dict):
            return {k: tensors(v) for k, v in spec.items()}
        return [tensors(v) for v in spec]
    try:
        inputs, outputs = tensors(input_spec), tensors(output_spec)
    except _NotReady:
        raise ValueError("The model config's input_layers/output_layers name a layer call "
                         "that the config does not contain.") from None
    if trainable is not None:
        config["trainable"] = trainable
    return cls(inputs=inputs, outputs=outputs, name=name, **config)


def _call_arguments(node_data, resolve, lookup):
    """(args, kwargs) of one recorded call, in Keras 3's form or the older list form."""
    if isinstance(node_data, dict):
        return resolve(node_data.get("args", [])), resolve(node_data.get("kwargs", {}))
    tensors = [lookup(*entry[:3]) for entry in node_data]  # [[name, node, tensor, kwargs]]
    kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
    return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs or {})
