"""``Model`` (subclass it and write ``call``) and ``Sequential`` (a stack of layers).

Both train with ``compile``/``fit``/``evaluate``/``predict`` from ``Trainer`` and save
their weights with ``save_weights``/``load_weights``.
"""
import weakref

from .. import nest
from ..backend import np
from ..ops import array as _array_ops
from ..tensor import _wrap
from . import saving as _saving
from .fusion import plan_sequential
from .layers.input_layer import InputLayer, KerasTensor
from .layers.layer import Layer, _shape_of
from .trainer import Trainer

__all__ = ["Model", "Sequential", "load_model", "save_model", "model_from_json", "clone_model"]


class Model(Trainer, Layer):
    """A layer with training and saving: subclass it, create layers in ``__init__`` and
    use them in ``call``.

    >>> import tapeflow as tf
    >>> class MyModel(tf.keras.Model):
    ...     def __init__(self):
    ...         super().__init__(name="my_model")
    ...         self.hidden = tf.keras.layers.Dense(8, activation="relu")
    ...         self.out = tf.keras.layers.Dense(2)
    ...     def call(self, inputs):
    ...         return self.out(self.hidden(inputs))
    >>> model = MyModel()
    >>> model(tf.ones((4, 3))).shape, len(model.trainable_variables)
    (TensorShape([4, 2]), 4)
    """

    _reserves_layers_attr = True

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_init_arguments(args, kwargs):
            from .functional import Functional
            return Layer.__new__(Functional)
        return Layer.__new__(cls)

    def __init__(self, *args, **kwargs):
        if _functional_init_arguments(args, kwargs):
            # A subclass called as ``CustomModel(inputs, outputs)`` (the "customize what
            # happens in fit" guide) becomes a functional model that keeps its own methods.
            from .functional import Functional
            if not isinstance(self, Functional):
                self.__class__ = _functional_subclass(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError("Model.__init__() takes `inputs` and `outputs` (a functional model) "
                            "or keyword arguments only. Received positional arguments: %r"
                            % (args,))
        self._init_model(**kwargs)

    def _init_model(self, **kwargs):
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)

    def call(self, *args, **kwargs):
        raise NotImplementedError("Model %s does not have a `call()` method implemented."
                                  % type(self).__name__)

    @property
    def layers(self):
        """The model's direct sub-layers, in the order they were assigned."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A direct sub-layer by ``name`` or by ``index``."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: index=%s, "
                             "name=%s." % (index, name))
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError("Was asked to retrieve layer at index %d but model only has %d "
                                 "layers." % (index, len(layers)))
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError("No such layer: %s. Existing layers are: %s."
                             % (name, [layer.name for layer in layers]))
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def build(self, input_shape):
        """Creates the weights by calling the model on a batch of zeros of ``input_shape``.

        (tf.keras 2 behaviour: Keras 3 only marks a subclassed model built, which leaves
        its weights missing until the first real call.)
        """
        if self.built:
            return
        self._check_super_called()
        with np.errstate(all="ignore"):  # zeros may be all-masked tokens: 0/0 is expected
            self(_dummy_batch(input_shape, self._compute_np), training=False)

    build._default_build = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the layers, their output shapes and parameter counts."""
        from .summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights to ``.weights.h5`` (needs h5py) or ``.weights.npz``."""
        _saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights saved by ``save_weights`` (the model must be built)."""
        _saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def get_config(self):
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional config (``layers``, ``input_layers``, ``output_layers``) revives a
        functional model, as in Keras 3; any other config is ``cls(**config)``."""
        if {"layers", "input_layers", "output_layers"} <= set(config):
            from .functional_config import functional_from_config
            return functional_from_config(cls, config, custom_objects)
        return cls(**config)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the whole model (architecture, weights, optimizer state, compile
        arguments) as a Keras 3 ``.keras`` file; ``tf.keras.models.load_model`` reads it.

        Needs h5py (the weights inside are HDF5). See ``tf.keras.saving.save_model``.
        """
        from .saving_lib import save_model
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def to_json(self, **kwargs):
        """The model's architecture (``serialize_keras_object``) as a JSON string;
        ``tf.keras.models.model_from_json`` rebuilds it (with fresh weights).
        ``kwargs`` go to ``json.dumps``."""
        import json

        from .serialization import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)


def _functional_init_arguments(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


_FUNCTIONAL_SUBCLASSES = {}


def _functional_subclass(cls):
    """``cls`` with ``Functional`` mixed in after it, so ``cls``'s overrides (``train_step``,
    ``test_step``, ...) win over the graph model's; made once per class."""
    from .functional import Functional
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                           {"__module__": cls.__module__,
                                            "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


def match_input_rank(value, shape):
    """Keras 3's input rank adjustment: a batch one axis short of an Input whose last axis
    is 1 gets that axis (``{'age': [3]}`` for ``Input((1,))``), one with an extra trailing
    axis of 1 loses it."""
    value_shape = getattr(value, "shape", None)
    if value_shape is None or shape is None:
        return value
    rank = len(value_shape)
    if rank == len(shape) - 1 and shape[-1] == 1:
        return _array_ops.expand_dims(value, -1)
    if rank == len(shape) + 1 and rank and value_shape[-1] == 1:
        return _array_ops.squeeze(value, -1)
    return value


def _dummy_batch(input_shape, dtype, unknown=1):
    """Zeros of ``input_shape``: an unknown batch axis is 1, other unknown axes
    ``unknown``."""
    if isinstance(input_shape, dict):
        return {k: _dummy_batch(v, dtype, unknown) for k, v in input_shape.items()}
    if isinstance(input_shape, (list, tuple)) and input_shape and \
            isinstance(input_shape[0], (list, tuple)):
        return [_dummy_batch(s, dtype, unknown) for s in input_shape]
    shape = tuple((1 if i == 0 else unknown) if d is None else int(d)
                  for i, d in enumerate(input_shape))
    return _wrap(np.zeros(shape, dtype))


class Sequential(Model):
    """A linear stack of layers, each feeding the next.

    Args:
        layers: list of layers (may start with ``tf.keras.Input(shape)``).
        name / trainable: as for any layer.

    Give the input shape (``Input(...)`` first, or ``input_shape=`` on the first layer) and
    the model is built at once, so ``summary()`` shows every shape.

    >>> import tapeflow as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    >>> model.add(tf.keras.layers.Dense(1))
    >>> len(model.layers), model.count_params(), model.output_shape
    (2, 19, (None, 1))
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._stack = []
        self._input_layer = None
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or a ``tf.keras.Input``) to the stack."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_layer
        if not isinstance(layer, Layer):
            raise ValueError("Only instances of `keras.Layer` can be added to a Sequential "
                             "model. Received: %r (of type %s)" % (layer, type(layer)))
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("Sequential model '%s' has already been configured to use "
                                 "input shape %s. You cannot add a different Input layer to it."
                                 % (self.name, self._input_layer.batch_shape
                                    if self._input_layer else "(from a layer)"))
            self._input_layer = layer
        else:
            if any(existing is layer for existing in self._stack):
                raise ValueError("Layer %s is already in the model; a layer can only be added "
                                 "once." % layer.name)
            if not self._stack and self._input_layer is None:
                shape = layer.__dict__.get("_batch_input_shape")
                if shape is not None:
                    self._input_layer = InputLayer(batch_shape=shape)
            self._stack.append(layer)
            layer.__dict__["_sequential"] = weakref.ref(self)  # for layer.input / .output
        self._invalidate()
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._invalidate()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _invalidate(self):
        self.__dict__["built"] = False
        self.__dict__["_call_spec"] = None
        self.__dict__["_build_output_shape"] = None
        self.__dict__["_plan"] = None
        self.__dict__["_graph_io"] = None

    def _maybe_rebuild(self):
        if self._input_layer is not None and self._stack:
            self._build_from_shape(self._input_layer.batch_shape, self._input_layer._input_dtype)

    def _build_from_shape(self, batch_shape, dtype):
        from ..dtypes import as_dtype
        from .functional import merge_unknown, probe, rerun
        np_dtype = as_dtype(dtype).np_dtype
        inner_unknown = None in tuple(batch_shape)[1:]

        def run(size):
            return self(_dummy_batch(batch_shape, np_dtype, size), training=False)

        def shapes_at(size):
            """Each layer's (input, output) shapes, and the model's output shape, at size."""
            x, shapes = _dummy_batch(batch_shape, np_dtype, size), []
            for layer in self._stack:
                y = layer(x)
                shapes.append((_shape_of(x), _shape_of(y)))
                x = y
            return shapes, _shape_of(x)
        with np.errstate(all="ignore"):  # zeros may be all-masked tokens: 0/0 is expected
            if not inner_unknown:
                run(1)
            else:  # a second size shows which axes follow the unknown ones
                size, _ = probe(run)
                for shapes, output_shape in rerun(shapes_at, size):
                    for layer, (in_shape, out_shape) in zip(self._stack, shapes):
                        d = layer.__dict__
                        d["_build_input_shape"] = merge_unknown(d["_build_input_shape"],
                                                                in_shape)
                        d["_build_output_shape"] = merge_unknown(d["_build_output_shape"],
                                                                 out_shape)
                    self.__dict__["_build_output_shape"] = merge_unknown(
                        self._build_output_shape, output_shape)
        self._set_symbolic_shapes(tuple(batch_shape))

    def _set_symbolic_shapes(self, batch_shape):
        """Records shapes with the batch axis as given (``None``), not the dummy's 1."""
        def unbatch(shape):
            if isinstance(shape, tuple) and shape and isinstance(shape[0], (int, type(None))):
                return (batch_shape[0],) + shape[1:]
            return shape
        self.__dict__["_build_input_shape"] = batch_shape
        self.__dict__["_build_output_shape"] = unbatch(self._build_output_shape)
        for layer in self._stack:
            layer.__dict__["_build_input_shape"] = unbatch(layer._build_input_shape)
            layer.__dict__["_build_output_shape"] = unbatch(layer._build_output_shape)

    def build(self, input_shape=None):
        """Builds every layer for ``input_shape`` (batch axis included, may be ``None``)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("You must provide an `input_shape` argument.")
            input_shape = self._input_layer.batch_shape
        if self.built:
            return
        self._build_from_shape(tuple(input_shape), self._first_input_dtype())

    build._default_build = True

    def _first_input_dtype(self):
        """The input dtype to build with: the first layer's compute dtype, as in Keras
        (``string`` for a first text-preprocessing layer)."""
        if not self._stack:
            return self._compute_dtype
        first = self._stack[0]
        hint = getattr(first, "_input_dtype_for_build", None)
        return hint() if hint is not None else first.compute_dtype

    def call(self, inputs, training=None, mask=None):
        x = inputs
        shape = self.__dict__.get("_build_input_shape")
        if type(shape) is tuple:  # Keras 3 adjusts the rank of a built Sequential's input
            x = match_input_rank(x, shape)
        if mask is not None and getattr(x, "_keras_mask", None) is None:
            x._keras_mask = mask
        plan = self.__dict__.get("_plan")
        if plan is None:  # the layers, Conv2D -> MaxPooling2D pairs fused (keras/fusion.py)
            plan = self.__dict__["_plan"] = plan_sequential(self._stack)
        for step in plan:
            x = step(x)
        return x

    @property
    def layers(self):
        """The layers in order (the Input layer is not listed)."""
        return list(self._stack)

    def _graph(self):
        """``(input, output)`` KerasTensors of the stack called on its input, made on first
        use (Keras 3 makes a functional model of a Sequential model with a known input): they
        give ``model.inputs``/``outputs`` and each layer's ``input``/``output``."""
        graph = self.__dict__.get("_graph_io")
        if graph is None:
            source = self._input_layer
            if source is None and self.built and isinstance(self._build_input_shape, tuple):
                source = InputLayer(batch_shape=(None,) + tuple(self._build_input_shape)[1:],
                                    dtype=self._first_input_dtype())
            if source is None or not self._stack:
                raise ValueError("Sequential model '%s' has no defined input yet: start it with "
                                 "a `tf.keras.Input`, or build it." % self.name)
            x = source.output
            for layer in self._stack:
                x = layer(x)
            graph = self.__dict__["_graph_io"] = (source.output, x)
        return graph

    @property
    def input(self):
        return self._graph()[0]

    @property
    def output(self):
        return self._graph()[1]

    @property
    def inputs(self):
        return [self._graph()[0]]

    @property
    def outputs(self):
        return nest.flatten(self._graph()[1])

    @property
    def input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._build_input_shape is None:
            raise AttributeError("The model has not been built yet, so it has no input shape.")
        return self._build_input_shape

    @property
    def output_shape(self):
        if self._build_output_shape is None:
            raise AttributeError("The model has not been built yet, so it has no output shape.")
        return self._build_output_shape

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        """Keras 3's Sequential config: ``name``, ``trainable``, ``dtype``, ``layers`` (the
        Input layer first when there is one) and ``build_input_shape`` once built."""
        from .serialization import serialize_keras_object
        stack = ([self._input_layer] if self._input_layer is not None else []) + self._stack
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy,
                  "layers": [serialize_keras_object(layer) for layer in stack]}
        if self._input_layer is not None:
            config["build_input_shape"] = self._input_layer.batch_shape
        elif self.built and isinstance(self._build_input_shape, tuple):
            config["build_input_shape"] = (None,) + tuple(self._build_input_shape)[1:]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the stack from ``get_config()`` (also Keras 3's and tf.keras 2's forms,
        and a bare list of layer configs) and builds it for ``build_input_shape``."""
        from .serialization import deserialize_keras_object
        if isinstance(config, list):
            config = {"layers": config}
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for spec in config.get("layers", []):
            layer = spec if isinstance(spec, Layer) else deserialize_keras_object(
                spec, custom_objects, build=False)
            model.add(layer, rebuild=False)
        shape = config.get("build_input_shape")
        if model._input_layer is not None:
            model._maybe_rebuild()
        elif shape is not None and model._stack:
            model.build(tuple(shape))
        return model


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved with ``model.save('name.keras')`` (by tapeflow or Keras 3).

    Args:
        filepath: a ``.keras`` file, a folder saved with ``zipped=False``, or a file object.
        custom_objects: ``{name: class or function}`` for your own layers, models, losses.
        compile: also restore the optimizer (with its state), loss and metrics.
        safe_mode: refuse to load Python lambdas (``Lambda`` layers), as Keras does.
    """
    from .saving_lib import load_model as _load_model
    return _load_model(filepath, custom_objects=custom_objects, compile=compile,
                       safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """``model.save(filepath)``: the whole model in Keras 3's ``.keras`` format."""
    model.save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Rebuilds a model (fresh weights) from ``model.to_json()``.

    >>> import tapeflow as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    >>> tf.keras.models.model_from_json(model.to_json()).output_shape
    (None, 2)
    """
    import json

    from .serialization import deserialize_keras_object
    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    """A new model with the same architecture and new layers (freshly initialised weights),
    as Keras 3's ``clone_model``.

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: for a functional or Sequential model, ``tf.keras.Input``s to build
            the clone on instead of copies of the model's own inputs.
        clone_function: ``layer -> new layer`` for each layer except ``InputLayer``s
            (default: ``layer.__class__.from_config(layer.get_config())``); return the layer
            itself to share it. Not for subclassed models.

    >>> import tapeflow as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    >>> clone = tf.keras.models.clone_model(model)
    >>> clone.output_shape, clone.layers[0] is model.layers[0]
    ((None, 2), False)
    """
    from .functional import Functional
    from .layers.input_layer import Input
    if kwargs:
        raise ValueError("Unrecognized arguments for clone_model: %s" % sorted(kwargs))
    clone = clone_function or _clone_layer
    if isinstance(model, Sequential):
        layers = [clone(layer) for layer in model.layers]
        source = model._input_layer
        if input_tensors is not None:
            inputs = nest.flatten(input_tensors)
            if len(inputs) != 1:
                raise ValueError("A Sequential model takes one input tensor; received %d."
                                 % len(inputs))
            layers = [inputs[0]] + layers
        elif source is not None:
            layers = [Input(batch_shape=source.batch_shape, dtype=source._input_dtype,
                            name=source.name)] + layers
        new = Sequential(layers, name=model.name, trainable=model.trainable)
        if not new.built and model.built and isinstance(model._build_input_shape, tuple):
            new.build(model._build_input_shape)
        return new
    if isinstance(model, Functional):
        if input_tensors is None:
            def fresh(kt):
                source = kt._keras_layer
                return Input(batch_shape=source.batch_shape, dtype=source._input_dtype,
                             name=source.name)
            input_tensors = nest.map_structure(fresh, model._inputs_struct)
        new_inputs = nest.flatten(input_tensors)
        if len(new_inputs) != len(model._flat_inputs):
            raise ValueError("input_tensors must match the model's %d inputs; received %d."
                             % (len(model._flat_inputs), len(new_inputs)))
        tensors = {id(old): new for old, new in zip(model._flat_inputs, new_inputs)}
        clones = {}

        def replace(value):
            return tensors[id(value)] if isinstance(value, KerasTensor) else value
        for node in model._nodes:
            if id(node.layer) not in clones:
                clones[id(node.layer)] = clone(node.layer)
            args = [nest.map_structure(replace, a) for a in node.args]
            kwargs = {k: nest.map_structure(replace, v) for k, v in node.kwargs.items()}
            outputs = clones[id(node.layer)](*args, **kwargs)
            for old, new in zip(node.flat_outputs, nest.flatten(outputs)):
                tensors[id(old)] = new
        outputs = nest.map_structure(lambda kt: tensors[id(kt)], model._outputs_struct)
        inputs = nest.pack_sequence_as(model._inputs_struct, new_inputs)
        return type(model)(inputs=inputs, outputs=outputs, name=model.name,
                           trainable=model.trainable)
    if clone_function is not None or input_tensors is not None:
        raise ValueError("Arguments `clone_function` and `input_tensors` are only supported "
                         "for Sequential models or Functional models. Received model of type "
                         "'%s'" % type(model).__name__)
    return model.__class__.from_config(model.get_config())
