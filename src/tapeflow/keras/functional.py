"""The functional API: ``Model(inputs, outputs)`` from layers called on ``tf.keras.Input``s.

Calling a layer on a ``KerasTensor`` records a node (layer, arguments, outputs) instead of
computing; the layer is built on the spot by running it once on a small batch of zeros,
which also gives the output shapes. ``Functional`` replays the recorded nodes in
topological order on real tensors.

>>> import tapeflow as tf
>>> inputs = tf.keras.Input(shape=(4,))
>>> hidden = tf.keras.layers.Dense(8, activation="relu")(inputs)
>>> outputs = tf.keras.layers.Dense(2)(hidden)
>>> model = tf.keras.Model(inputs, outputs)
>>> model(tf.ones((3, 4))).shape, model.count_params()
(TensorShape([3, 2]), 58)
"""
from .. import nest
from ..backend import np
from ..dtypes import as_dtype
from ..tensor import Tensor, _wrap
from .fusion import FusedNodes, plan_graph
from .layers.keras_tensor import KerasTensor
from .models import Model, match_input_rank

__all__ = ["Functional", "symbolic_call", "has_keras_tensor"]

_DUMMY_BATCH = 2  # > 1 so that no layer mistakes the batch axis for a squeezable one
# Sizes tried in turn for unknown non-batch axes (variable-length text, any-size images)
# until the layers accept one (stacked valid convolutions need a long enough input); a
# second run at 2*size+1 shows which output axes follow them (those become None).
PROBE_SIZES = (8, 32, 128)


def probe(run):
    """``(size, run(size))`` for the first of ``PROBE_SIZES`` that ``run`` accepts; the
    error of the largest if none does (then it is not about the size)."""
    for size in PROBE_SIZES:
        try:
            return size, run(size)
        except Exception:
            if size == PROBE_SIZES[-1]:
                raise


def rerun(run, size):
    """``run`` at other sizes of the unknown axes, to tell which output axes follow them:
    ``[run(2*size+1)]`` (doubling changes every length that halving or a stride keeps), or
    where a layer refuses that size (a positional embedding with a maximum length), the
    results at ``size+1`` and ``size-1`` that it accepts; the first error if none."""
    try:
        return [run(2 * size + 1)]
    except Exception as e:
        error = e
    results = []
    for other in (size + 1, size - 1):
        try:
            results.append(run(other))
        except Exception:
            continue
    if not results:
        raise error
    return results


class Node:
    """One layer call in the graph: its arguments (with KerasTensors) and outputs."""

    __slots__ = ("layer", "args", "kwargs", "outputs", "flat_outputs", "flat_inputs")

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.flat_outputs = nest.flatten(outputs)
        self.flat_inputs = [v for v in nest.flatten((args, kwargs)) if isinstance(v, KerasTensor)]
        layer.__dict__.setdefault("_inbound_nodes", []).append(self)  # layer.input / .output


def has_keras_tensor(value):
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, (list, tuple, dict)):
        return any(isinstance(v, KerasTensor) for v in nest.flatten(value))
    return False


def _dummy(kt, unknown):
    shape = tuple(_DUMMY_BATCH if i == 0 and d is None else (unknown if d is None else d)
                  for i, d in enumerate(kt.shape))
    return _wrap(np.zeros(shape, as_dtype(kt.dtype).np_dtype))


def merge_unknown(shape_a, shape_b):
    """Two concrete shapes (or structures of them) -> ``None`` where they differ."""
    if isinstance(shape_a, tuple) and all(isinstance(d, (int, type(None))) for d in shape_a) \
            and isinstance(shape_b, tuple) and len(shape_a) == len(shape_b):
        return tuple(a if a == b else None for a, b in zip(shape_a, shape_b))
    if isinstance(shape_a, dict):
        return {k: merge_unknown(v, shape_b[k]) for k, v in shape_a.items()}
    if isinstance(shape_a, (list, tuple)):
        return type(shape_a)(merge_unknown(a, b) for a, b in zip(shape_a, shape_b))
    return shape_a


def _symbolic(value, batch_unknown):
    if isinstance(value, Tensor):
        shape = list(value.shape)
        if batch_unknown and shape:
            shape[0] = None
        return KerasTensor(shape, value.dtype.name)
    return value


def symbolic_call(layer, args, kwargs):
    """Runs ``layer`` on zeros shaped like the KerasTensors in ``args`` and returns
    KerasTensors for its outputs, recording the call as a graph node."""
    leaves = [v for v in nest.flatten((args, kwargs)) if isinstance(v, KerasTensor)]
    batch_unknown = any(len(v.shape) and v.shape[0] is None for v in leaves)
    inner_unknown = any(None in tuple(v.shape)[1:] for v in leaves)

    def run(unknown):
        def concrete(v):
            return _dummy(v, unknown) if isinstance(v, KerasTensor) else v
        real_args = nest.map_structure(concrete, list(args))
        real_kwargs = {k: nest.map_structure(concrete, v) for k, v in kwargs.items()}
        with np.errstate(all="ignore"):  # zeros may be all-masked tokens: 0/0 is expected
            return layer(*real_args, **real_kwargs)
    was_built = layer.built
    size, outputs = probe(run) if inner_unknown else (1, run(1))
    symbolic = nest.map_structure(lambda t: _symbolic(t, batch_unknown), outputs)
    if inner_unknown:
        for result in rerun(run, size):
            again = nest.map_structure(lambda t: _symbolic(t, batch_unknown), result)
            symbolic = nest.map_structure(
                lambda a, b: KerasTensor(merge_unknown(tuple(a.shape), tuple(b.shape)), a.dtype)
                if isinstance(a, KerasTensor) else a, symbolic, again)
    if (batch_unknown or inner_unknown) and not was_built:
        layer.__dict__["_build_input_shape"] = nest.map_structure(
            lambda kt: tuple(kt.shape) if isinstance(kt, KerasTensor) else kt, args[0])
        layer.__dict__["_build_output_shape"] = nest.map_structure(
            lambda kt: tuple(kt.shape) if isinstance(kt, KerasTensor) else kt, symbolic)
    node = Node(layer, tuple(args), dict(kwargs), symbolic)
    for kt in node.flat_outputs:
        if isinstance(kt, KerasTensor):
            kt._keras_history = node
    return symbolic


def _topological_nodes(flat_outputs):
    """Nodes from the inputs to ``flat_outputs``, each after the nodes it depends on."""
    order, visited = [], set()

    def visit(kt):
        node = getattr(kt, "_keras_history", None)
        if node is None or id(node) in visited:
            return
        visited.add(id(node))
        for parent in node.flat_inputs:
            visit(parent)
        order.append(node)
    for kt in flat_outputs:
        visit(kt)
    return order


class Functional(Model):
    """A model defined by connecting layers from ``inputs`` to ``outputs``.

    Args:
        inputs: a ``tf.keras.Input`` or a list/dict of them.
        outputs: KerasTensor(s) computed from ``inputs`` by calling layers.
        name / trainable: as for any layer.
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model._init_model(self, name=name, trainable=trainable, **kwargs)
        flat_inputs = nest.flatten(inputs)
        flat_outputs = nest.flatten(outputs)
        for kt in flat_inputs:
            if not isinstance(kt, KerasTensor) or getattr(kt, "_keras_layer", None) is None:
                raise ValueError("All `inputs` of a functional Model must come from "
                                 "`tf.keras.Input()`. Received: %r" % (kt,))
        for kt in flat_outputs:
            if not isinstance(kt, KerasTensor):
                raise ValueError("All `outputs` of a functional Model must be KerasTensors "
                                 "returned by layers called on `tf.keras.Input()`. Received: %r "
                                 "(of type %s)" % (kt, type(kt).__name__))
        nodes = _topological_nodes(flat_outputs)
        reachable = set(id(kt) for kt in flat_inputs)
        for node in nodes:
            for parent in node.flat_inputs:
                if id(parent) not in reachable:
                    raise ValueError("Graph disconnected: cannot obtain value for %r: it does not "
                                     "come from the model's `inputs`." % (parent,))
            reachable.update(id(kt) for kt in node.flat_outputs)
        for kt in flat_outputs:
            if id(kt) not in reachable:
                raise ValueError("Output %r is not connected to the model's `inputs`." % (kt,))
        d = self.__dict__
        d["_inputs_struct"] = inputs
        d["_outputs_struct"] = outputs
        d["_flat_inputs"] = flat_inputs
        d["_flat_outputs"] = flat_outputs
        d["_nodes"] = nodes
        d["_plan"] = plan_graph(nodes, flat_outputs)  # Conv2D -> MaxPooling2D pairs fused
        stack = [kt._keras_layer for kt in flat_inputs]
        for node in nodes:
            if all(layer is not node.layer for layer in stack):
                stack.append(node.layer)
        self._graph_layers = stack
        d["_build_input_shape"] = nest.map_structure(lambda kt: tuple(kt.shape), inputs)
        d["_build_output_shape"] = nest.map_structure(lambda kt: tuple(kt.shape), outputs)
        self.built = True

    @property
    def layers(self):
        """Every layer of the graph, Input layers first, in call order."""
        return list(self._graph_layers)

    @property
    def inputs(self):
        return list(self._flat_inputs)

    @property
    def outputs(self):
        return list(self._flat_outputs)

    @property
    def input(self):
        """The model's inputs in the structure they were given (Keras 3)."""
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        return self._build_input_shape

    @property
    def output_shape(self):
        return self._build_output_shape

    def _feed(self, inputs):
        """Real input tensors in the order of ``_flat_inputs``."""
        if isinstance(inputs, dict) and not isinstance(self._inputs_struct, dict):
            by_name = [inputs.get(kt._keras_layer.name) for kt in self._flat_inputs]
            if any(v is None for v in by_name):
                raise ValueError("Missing data for inputs %s; received keys %s"
                                 % ([kt._keras_layer.name for kt in self._flat_inputs],
                                    sorted(inputs)))
            return by_name
        flat = nest.flatten(inputs)
        if len(flat) != len(self._flat_inputs):
            raise ValueError("Model '%s' expects %d input(s), but it received %d input tensors."
                             % (self.name, len(self._flat_inputs), len(flat)))
        return flat

    def call(self, inputs, training=None, mask=None):
        values = {}
        for kt, value in zip(self._flat_inputs, self._feed(inputs)):
            values[id(kt)] = match_input_rank(value, kt.shape)

        def real(v):
            return values[id(v)] if isinstance(v, KerasTensor) else v
        for node in self._plan:
            if type(node) is FusedNodes:
                values[id(node.pool.flat_outputs[0])] = node.run(real(node.conv.args[0]))
                continue
            args = [nest.map_structure(real, a) for a in node.args]
            kwargs = {k: nest.map_structure(real, v) for k, v in node.kwargs.items()}
            out = node.layer(*args, **kwargs)
            for kt, t in zip(node.flat_outputs, nest.flatten(out)):
                values[id(kt)] = t
        return nest.pack_sequence_as(self._outputs_struct,
                                     [values[id(kt)] for kt in self._flat_outputs])

    def compute_output_shape(self, input_shape):
        return self._build_output_shape

    def get_config(self):
        """Keras 3's functional config: ``name``, ``trainable``, ``layers`` (each with its
        ``inbound_nodes``), ``input_layers`` and ``output_layers``.

        >>> import tapeflow as tf
        >>> x = tf.keras.Input((3,), name="x")
        >>> model = tf.keras.Model(x, tf.keras.layers.Dense(2, name="d")(x), name="m")
        >>> config = model.get_config()
        >>> [layer["name"] for layer in config["layers"]], config["output_layers"]
        (['x', 'd'], ['d', 0, 0])
        >>> clone = type(model).from_config(config)
        >>> clone.output_shape
        (None, 2)
        """
        import inspect

        from .functional_config import functional_get_config
        init_args = inspect.getfullargspec(type(self).__init__).args
        if init_args != inspect.getfullargspec(Functional.__init__).args:
            return Model.get_config(self)  # a subclass with its own constructor
        return functional_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the model from ``get_config()`` (or a Keras 3 functional config)."""
        from .functional_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)

