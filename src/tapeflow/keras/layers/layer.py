"""``Layer``: the Keras 3 building block — config in ``__init__``, weights in ``build``,
computation in ``call``.

``__call__`` converts and autocasts the inputs, checks ``input_spec``, builds the layer on
first use, resolves ``training`` (explicit argument, else the enclosing layer's, else the
``call`` signature's default), passes masks along and collects activity-regularizer losses.
Once a layer is built the call path is lean: what ``call`` accepts is read from its signature
once per class, and inputs are cast only when their dtype differs from the layer's.

Sub-layers and variables assigned as attributes — also inside lists, tuples and dicts, and
appended to such lists later — are tracked in assignment order, which gives Keras 3's weight
order: a layer's own trainable weights, its own non-trainable weights, then each sub-layer's.
(One difference: a layer appended to a list attribute later takes its place in that list,
where Keras 3 puts it after everything tracked before the append.)
"""
import functools
import inspect

from ... import dtypes as _dtypes
from ...backend import np
from ...ops.math import cast as _cast
from ...tensor import Tensor, Variable, _to_array, _wrap
from .. import backend as _backend
from ..variables import KerasVariable
from .input_spec import InputSpec, assert_input_compatibility
from .keras_tensor import KerasTensor
from .tracking import VERSION, bump, is_trackable, track_value, walk

__all__ = ["Layer", "InputSpec"]


class _CallContext:
    """State shared by nested ``__call__``s: the resolved ``training`` flag and call depth."""
    __slots__ = ("training", "depth", "scope")

    def __init__(self):
        self.training = None
        self.depth = 0
        self.scope = []  # layers whose build/first call is running: variable paths


_CTX = _CallContext()
_LAYERS_WITH_LOSSES = []  # layers holding add_loss() values from the current outer call
# Set once any mask has been attached to a tensor: until then the call fast path skips
# looking for input masks (reading an unset ``_keras_mask`` slot is slow).
_MASKS_IN_USE = [False]


class _CallSpec:
    """What a layer's ``call`` accepts, read from its signature once."""
    __slots__ = ("has_training", "training_default", "has_mask", "var_kwargs", "custom_mask",
                 "special")

    def __init__(self, layer):
        try:
            params = inspect.signature(layer.call).parameters
        except (TypeError, ValueError):
            params = {}
        self.var_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
        self.has_training = "training" in params or self.var_kwargs
        p = params.get("training")
        self.training_default = None if p is None or p.default is p.empty else p.default
        self.has_mask = "mask" in params
        self.custom_mask = type(layer).compute_mask is not Layer.compute_mask
        # Needs the general call path: computes masks, or penalises its outputs.
        self.special = self.custom_mask or layer.activity_regularizer is not None


def _shape_of(x):
    """Static shape of an input (tuple), or a nested structure of shapes."""
    if isinstance(x, (Tensor, Variable, np.ndarray)):
        return tuple(x.shape)
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_shape_of(v) for v in x) if type(x) in (list, tuple) else \
            [_shape_of(v) for v in x]
    return getattr(x, "shape", None)


class _CallTensors:
    """``layer.input`` / ``layer.output``: the symbolic tensors of the layer's first call on
    ``KerasTensor``s (Keras 3's first inbound node): one tensor, or a list of several.

    A non-data descriptor, so an attribute of that name set on an instance (``InputLayer``'s
    ``output``, or a user's) takes precedence."""

    def __init__(self, which):
        self.which = which

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        nodes = layer.__dict__.get("_inbound_nodes")
        parent = layer.__dict__.get("_sequential")  # a weakref, set by Sequential.add
        if not nodes and parent is not None and parent() is not None:
            try:
                parent()._graph()
            except ValueError:
                pass
            nodes = layer.__dict__.get("_inbound_nodes")
        if not nodes:
            raise AttributeError(
                "The layer %s has never been called on symbolic inputs and thus has no defined "
                "%s. Call it on a `tf.keras.Input()` (a functional model), or give a Sequential "
                "model an `Input` and read its `inputs`/`outputs` first." % (layer.name, self.which))
        tensors = nodes[0].flat_inputs if self.which == "input" else nodes[0].flat_outputs
        return tensors[0] if len(tensors) == 1 else list(tensors)


class Layer:
    """Base class of all Keras layers.

    Subclasses store configuration in ``__init__``, create weights in ``build(input_shape)``
    with ``add_weight`` and compute in ``call(inputs, training=None, mask=None)``.

    Args:
        trainable: whether the layer's weights are updated by training.
        dtype: float type of weights and computation (default ``floatx()``, float32).
        name: unique name; by default the snake-cased class name (``dense``, ``dense_1`` ...).
        activity_regularizer: a regularizer applied to the layer's output (added to ``losses``).
        autocast: cast floating inputs to the layer's dtype (default True).

    >>> import tapeflow as tf
    >>> class Scale(tf.keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, x):
    ...         return x * self.w
    >>> layer = Scale(name="scale")
    >>> layer(tf.ones((2, 3))).shape, [v.path for v in layer.weights]
    (TensorShape([2, 3]), ['scale/w'])
    """

    _call_spec = None
    _input_spec = None
    _initialized = False
    built = False
    supports_masking = False
    _keras_layer = True
    _reserves_layers_attr = False  # Model: `self.layers = ...` is an error

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_size = kwargs.pop("batch_size", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        for legacy in ("weights", "input_length"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise ValueError("Unrecognized keyword arguments passed to %s: %s"
                             % (type(self).__name__, kwargs))
        if not isinstance(trainable, bool) and not isinstance(trainable, np.bool_):
            raise ValueError("Expected `trainable` argument to be a boolean, but got: %r"
                             % (trainable,))
        if name is None:
            name = _backend.auto_name(type(self).__name__)
        elif not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             "`/`. Received: name=%r (of type %s)" % (name, type(name)))
        d = self.__dict__
        d.setdefault("_tracked", {})
        d.setdefault("_own_trainable", [])
        d.setdefault("_own_non_trainable", [])
        d["_losses"] = []
        d["_cache"] = None
        d["_trainable"] = bool(trainable)
        d["_name"] = name
        self._set_dtype(dtype)
        d["autocast"] = autocast
        d["_input_spec"] = None
        d["_spec_ok"] = set()
        d["_build_input_shape"] = None
        d["_build_output_shape"] = None
        d["activity_regularizer"] = None
        if activity_regularizer is not None:
            from .. import regularizers
            d["activity_regularizer"] = regularizers.get(activity_regularizer)
        if batch_input_shape is not None:
            d["_batch_input_shape"] = tuple(batch_input_shape)
        elif input_shape is not None or input_dim is not None:
            shape = tuple(input_shape) if input_shape is not None else (input_dim,)
            d["_batch_input_shape"] = (batch_size,) + shape
        d["_initialized"] = True
        bump()

    def _set_dtype(self, dtype):
        policy = getattr(dtype, "name", dtype) if dtype is not None else _backend.floatx()
        if policy in ("mixed_float16", "mixed_bfloat16"):
            compute, variable = policy[6:], "float32"
        else:
            compute = variable = _dtypes.as_dtype(policy).name
        self.__dict__["_dtype_policy"] = policy
        self.__dict__["_compute_dtype"] = compute
        self.__dict__["_variable_dtype"] = variable
        self.__dict__["_compute_np"] = _dtypes.as_dtype(compute).np_dtype

    # -- attribute tracking ---------------------------------------------------------------
    def __setattr__(self, name, value):
        if name == "layers" and self._reserves_layers_attr:
            raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                                 "Please use another name.")
        if is_trackable(value) and not name.startswith("__"):
            value = track_value(value)
            tracked = self.__dict__.get("_tracked")
            if tracked is None:  # assigned before super().__init__(): tracked, error on call
                tracked = self.__dict__["_tracked"] = {}
            tracked[name] = value
            if isinstance(value, Variable):
                # Remember how it was created, as add_weight does: `trainable = True` on the
                # layer must not turn a non-trainable variable trainable.
                d = self.__dict__
                own = d.setdefault("_own_trainable", []) if value.trainable else \
                    d.setdefault("_own_non_trainable", [])
                if all(v is not value for v in own):
                    own.append(value)
            bump()
        elif name in self.__dict__.get("_tracked", ()):
            del self.__dict__["_tracked"][name]
            bump()
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        tracked = self.__dict__.get("_tracked")
        if tracked and name in tracked:
            del tracked[name]
            bump()
        object.__delattr__(self, name)

    def _collect(self):
        """(sub-layers, own variables, metrics) in tracking order, cached until state changes."""
        c = self.__dict__.get("_cache")
        if c is not None and c[0] == VERSION[0]:
            return c
        layers, variables, metrics = [], [], []
        seen = {id(self)}
        for v in self._own_trainable:
            seen.add(id(v))
        for v in self._own_non_trainable:
            seen.add(id(v))
        for value in self.__dict__.get("_tracked", {}).values():
            walk(value, layers, variables, metrics, seen)
        own_t = list(self._own_trainable) + [v for v in variables if v.trainable]
        own_n = list(self._own_non_trainable) + [v for v in variables if not v.trainable]
        weights = self._assemble_weights(own_t, own_n, layers)
        c = (VERSION[0], layers, own_t, own_n, metrics, weights)
        self.__dict__["_cache"] = c
        return c

    @staticmethod
    def _assemble_weights(own_t, own_n, layers):
        out, seen = [], set()
        for v in own_t + own_n:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def _layers(self):
        return self._collect()[1]

    def _flatten_layers(self, include_self=True, recursive=True):
        """This layer (optionally) and its sub-layers, depth first, each once."""
        out, seen = [], set()

        def visit(layer, top):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            if include_self or not top:
                out.append(layer)
            if recursive or top:
                for sub in layer._layers:
                    visit(sub, False)
        visit(self, True)
        return out

    # -- weights --------------------------------------------------------------------------
    @property
    def weights(self):
        """All weights: own trainable, own non-trainable, then each sub-layer's (Keras 3 order)."""
        return list(self._collect()[5])

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        return [v for v in self._collect()[5] if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            return list(self._collect()[5])
        return [v for v in self._collect()[5] if not v.trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self.__dict__["_trainable"] = value
        _, layers, _, _, _, _ = self._collect()
        for v in self._own_trainable:
            v.trainable = value
        for layer in layers:
            layer.trainable = value
        bump()

    input = _CallTensors("input")
    output = _CallTensors("output")

    @property
    def name(self):
        return self._name

    @property
    def path(self):
        return self._name

    @property
    def dtype(self):
        """The dtype of the layer's weights (``'float32'`` by default)."""
        return self._variable_dtype

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    @property
    def dtype_policy(self):
        return self._dtype_policy

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Creates a weight variable owned by this layer.

        Args:
            shape: the variable's shape (default ``()``).
            initializer: initializer object or name; default ``'glorot_uniform'`` for float
                dtypes, ``'zeros'`` otherwise.
            dtype: default the layer's variable dtype. trainable: updated by training.
            regularizer / constraint: objects or names (``'l2'``, ``'non_neg'`` ...).
            name: short name; the variable's ``path`` is ``'<layer path>/<name>'``.

        Returns:
            The new variable.
        """
        self._check_super_called()
        from .. import initializers
        shape = () if shape is None else tuple(int(d) for d in shape)
        dt = _dtypes.as_dtype(dtype or self._variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dt.is_floating else "zeros"
        init = initializers.get(initializer)
        name = name or "variable"
        scope = _CTX.scope
        if scope and scope[-1] is self:
            path = "/".join([layer._name for layer in scope] + [name])
        else:
            path = "/".join([layer._name for layer in scope] + [self._name, name])
        trainable = bool(trainable)
        if regularizer is not None:
            from .. import regularizers
            regularizer = regularizers.get(regularizer)
        if constraint is not None:
            from .. import constraints
            constraint = constraints.get(constraint)
        variable = KerasVariable(init, shape=shape, dtype=dt,
                                 trainable=trainable and self._trainable, name=name, path=path,
                                 regularizer=regularizer, constraint=constraint)
        (self._own_trainable if trainable else self._own_non_trainable).append(variable)
        bump()
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Keras 3's other name for ``add_weight`` (``initializer`` required)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast, regularizer=regularizer,
                               constraint=constraint, name=name)

    def get_weights(self):
        """The weights as a list of NumPy arrays, in ``weights`` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Assigns NumPy arrays to the weights, in ``weights`` order (shapes must match)."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError("You called `set_weights(weights)` on layer '%s' with a weight list "
                             "of length %d, but the layer was expecting %d weights."
                             % (self._name, len(weights), len(params)))
        values = []
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(v.shape) != tuple(w.shape):
                raise ValueError("Layer %s weight shape %s is not compatible with provided "
                                 "weight shape %s." % (self._name, tuple(v.shape), tuple(w.shape)))
            values.append(w)
        for v, w in zip(params, values):
            v.assign(w.astype(v._value.dtype, copy=False))

    def count_params(self):
        """Total number of scalars in the weights (the layer must be built)."""
        if not self.built:
            raise ValueError("You tried to call `count_params` on layer '%s', but the layer "
                             "isn't built. You can build it manually via: "
                             "`layer.build(input_shape)`." % self._name)
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # -- losses ---------------------------------------------------------------------------
    def add_loss(self, loss):
        """Adds a loss tensor (e.g. an activity penalty) to ``losses`` for this call."""
        self._losses.append(loss)
        if len(self._losses) == 1:
            _LAYERS_WITH_LOSSES.append(self)

    def _tree(self):
        """(version, layers depth first with self, weights with a regularizer), cached."""
        c = self.__dict__.get("_tree_cache")
        if c is not None and c[0] == VERSION[0]:
            return c
        regularized = [v for v in self._collect()[5] if getattr(v, "regularizer", None)]
        c = (VERSION[0], self._flatten_layers(), regularized)
        self.__dict__["_tree_cache"] = c
        return c

    @property
    def losses(self):
        """Losses added during the last call plus each weight's regularization penalty."""
        _, layers, regularized = self._tree()
        out = []
        if _LAYERS_WITH_LOSSES:
            for layer in layers:
                if layer._losses:
                    out.extend(layer._losses)
        if regularized and self._trainable:
            out.extend(v.regularizer(v) for v in regularized if v.trainable)
        return out

    # -- building and calling -------------------------------------------------------------
    def _check_super_called(self):
        if not self.__dict__.get("_initialized"):
            raise RuntimeError("In layer '%s', you forgot to call `super().__init__()` as the "
                               "first statement in the `__init__()` method. Go add it!"
                               % type(self).__name__)

    def build(self, input_shape):
        """Creates the weights. Override it; the default only marks the layer built."""
        self.built = True

    build._default_build = True

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError("Layer %s does not have a `call()` method implemented."
                                  % type(self).__name__)

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: by default the input's mask when masking is supported."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape``; by default the one seen at build time."""
        if self._build_output_shape is not None and self._build_input_shape is not None and \
                tuple(input_shape)[1:] == tuple(self._build_input_shape)[1:]:
            return (tuple(input_shape)[0],) + tuple(self._build_output_shape)[1:]
        raise NotImplementedError("Layer %s should implement `compute_output_shape()`."
                                  % type(self).__name__)

    def _convert_input(self, x):
        """Tensor-like input -> Tensor, floats cast to the compute dtype (ints untouched)."""
        if type(x) is Tensor:
            if self.autocast and x._value.dtype != self._compute_np and x._value.dtype.kind == "f":
                return _cast(x, self._compute_np)
            return x
        if isinstance(x, Variable):
            return self._convert_input(x._read())
        if isinstance(x, np.ndarray) or isinstance(x, np.generic):
            if self.autocast and x.dtype.kind == "f" and x.dtype != self._compute_np:
                return _wrap(_to_array(x, self._compute_np))
            return _wrap(_to_array(x))
        if isinstance(x, Tensor):
            return x
        if isinstance(x, dict):
            return {k: self._convert_input(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            if x and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x):
                return x
            if x and isinstance(x[0], (list, tuple)) and all(
                    isinstance(v, (int, float)) for v in _flatten(x)):
                return self._convert_input(np.asarray(x))  # nested numbers: one array
            return type(x)(self._convert_input(v) for v in x) if type(x) in (list, tuple) \
                else type(x)(*[self._convert_input(v) for v in x])
        if hasattr(x, "__array__"):
            return self._convert_input(np.asarray(x))
        return x

    def __call__(self, *args, **kwargs):
        spec = self._call_spec
        if spec is None:
            return self._first_call(args, kwargs)
        x = args[0] if args else kwargs.pop("inputs")
        if type(x) is not Tensor:
            if _is_symbolic(x):
                return _symbolic_call(self, args or (x,), kwargs)
            x = self._convert_input(x)
            if self._input_spec is not None:
                self._check_input_spec(x)
            return self._run(x, args[1:], kwargs, spec)
        dt = x._value.dtype
        if dt is not self._compute_np and dt.kind == "f" and self.autocast and \
                dt != self._compute_np:
            x = _cast(x, self._compute_np)
            dt = x._value.dtype
        if self._input_spec is not None:
            key = (x._value.shape, dt)
            if key not in self._spec_ok:
                self._check_input_spec(x)
                self._spec_ok.add(key)
        if len(args) > 1 or spec.special or _MASKS_IN_USE[0]:
            return self._run(x, args[1:], kwargs, spec)
        # The common case: one tensor, at most `training=`, no masks or activity penalty.
        training = None
        if kwargs:
            if len(kwargs) > 1 or "training" not in kwargs:
                return self._run(x, (), kwargs, spec)
            training = kwargs["training"]
        ctx = _CTX
        outer = ctx.training
        if training is None:
            training = outer if outer is not None else spec.training_default
        if ctx.depth == 0 and _LAYERS_WITH_LOSSES:
            _clear_call_losses(self)
        ctx.training = training
        ctx.depth += 1
        try:
            if spec.has_training and training is not None:
                return self.call(x, training=training)
            return self.call(x)
        finally:
            ctx.training = outer
            ctx.depth -= 1

    def _check_input_spec(self, x):
        assert_input_compatibility(self._input_spec, x if isinstance(x, (list, tuple)) else [x],
                                   self._name)

    @property
    def input_spec(self):
        """``InputSpec`` (or list of them) the inputs are checked against on each call."""
        return self.__dict__.get("_input_spec")

    @input_spec.setter
    def input_spec(self, value):
        self.__dict__["_input_spec"] = value
        self.__dict__["_spec_ok"] = set()  # input (shape, dtype) pairs already accepted

    def _run(self, x, rest, kwargs, spec):
        if rest:  # further positional inputs are converted and autocast like the first
            rest = tuple(self._convert_input(a) for a in rest)
        ctx = _CTX
        outer = ctx.training
        training = kwargs.pop("training", None) if kwargs else None
        if training is None:
            training = outer if outer is not None else spec.training_default
        if spec.has_training and training is not None:
            kwargs["training"] = training
        prev_mask = None
        if spec.has_mask or self.supports_masking:
            prev_mask = kwargs.get("mask")
            if prev_mask is None:
                if type(x) is Tensor:
                    prev_mask = getattr(x, "_keras_mask", None)
                elif isinstance(x, (list, tuple)):  # Keras 3: one mask per input of a list
                    masks = [getattr(v, "_keras_mask", None) for v in x]
                    prev_mask = masks if any(m is not None for m in masks) else None
                if prev_mask is not None and spec.has_mask:
                    kwargs["mask"] = prev_mask
        elif "mask" in kwargs and not spec.var_kwargs:
            kwargs.pop("mask")
        if prev_mask is not None:
            _MASKS_IN_USE[0] = True
        if ctx.depth == 0 and _LAYERS_WITH_LOSSES:
            _clear_call_losses(self)
        ctx.training = training
        ctx.depth += 1
        try:
            outputs = self.call(x, *rest, **kwargs)
        finally:
            ctx.training = outer
            ctx.depth -= 1
        if self.supports_masking or spec.custom_mask:
            if prev_mask is not None or spec.custom_mask:
                _set_mask(outputs, self.compute_mask(x, prev_mask))
        if self.activity_regularizer is not None:
            for out in _flat_tensors(outputs):
                self.add_loss(self.activity_regularizer(out))
        return outputs

    def _first_call(self, args, kwargs):
        """First call: convert inputs, check the spec, build, call, then cache the call spec."""
        self._check_super_called()
        if not args:
            if "inputs" not in kwargs:
                raise ValueError("Layer %s: the first positional argument (the inputs) is "
                                 "missing." % self._name)
            args = (kwargs.pop("inputs"),)
        x = args[0]
        if _is_symbolic(x):
            return _symbolic_call(self, args, kwargs)
        scalar = x
        if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (list, tuple)):
            scalar = x[0]  # a list of Python numbers is not converted (Keras 3)
        if isinstance(scalar, (int, float)) and not isinstance(scalar, bool):
            raise ValueError("Only input tensors may be passed as positional arguments. The "
                             "following argument value should be passed as a keyword argument: "
                             "%r (of type %s). Convert lists with np.asarray(...) first."
                             % (scalar, type(scalar)))
        x = self._convert_input(x)
        if self.input_spec is not None:
            self._check_input_spec(x)
        spec = _CallSpec(self)
        scope = _CTX.scope
        scope.append(self)
        try:
            if not self.built:
                shape = _shape_of(x)
                self.__dict__["_build_input_shape"] = shape
                if not getattr(type(self).build, "_default_build", False):
                    self.build(shape)
                self.built = True
            outputs = self._run(x, args[1:], kwargs, spec)
        finally:
            scope.pop()
        self.built = True
        if self._build_output_shape is None:
            self.__dict__["_build_output_shape"] = _shape_of(outputs)
        if type(self).call is not Layer.call:
            self.__dict__["_call_spec"] = spec
        return outputs

    # -- config ---------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments of the layer (``from_config`` rebuilds it from them)."""
        config = {"name": self._name, "trainable": self._trainable, "dtype": self._dtype_policy}
        shape = self.__dict__.get("_batch_input_shape")
        if shape is not None:
            config["batch_input_shape"] = shape
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return "<%s name=%s, built=%s>" % (type(self).__name__, self.__dict__.get("_name"),
                                           self.built)


def _flatten(x):
    from ...nest import flatten
    return flatten(x)


def _marks_built(build):
    """Wraps a subclass's ``build`` so that calling it directly (``layer.build(shape)``)
    also records the shape and marks the layer built, as Keras does."""
    if getattr(build, "_marks_built", False):
        return build

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        self._check_super_called()
        if args and self.__dict__.get("_build_input_shape") is None:
            self.__dict__["_build_input_shape"] = args[0]
        result = build(self, *args, **kwargs)
        self.built = True
        return result
    wrapper._marks_built = True
    return wrapper


def _is_symbolic(x):
    """Whether ``x`` holds a ``KerasTensor`` (a functional-API call)."""
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple, dict)):
        from ..functional import has_keras_tensor
        return has_keras_tensor(x)
    return False


def _symbolic_call(layer, args, kwargs):
    from ..functional import symbolic_call
    layer._check_super_called()
    return symbolic_call(layer, args, kwargs)


def _clear_call_losses(root):
    """An outermost call of ``root`` drops the ``add_loss`` values of ``root`` and its
    sub-layers only (as Keras does): another model's losses stay readable."""
    in_tree = set(map(id, root._tree()[1]))
    kept = []
    for layer in _LAYERS_WITH_LOSSES:
        if id(layer) in in_tree:
            layer._losses.clear()
        else:
            kept.append(layer)
    _LAYERS_WITH_LOSSES[:] = kept


def _flat_tensors(outputs):
    if isinstance(outputs, Tensor):
        return [outputs]
    from ...nest import flatten
    return [t for t in flatten(outputs) if isinstance(t, Tensor)]


def _set_mask(outputs, mask):
    """Attaches ``mask`` to outputs that have none yet."""
    if mask is None:
        return
    _MASKS_IN_USE[0] = True
    if isinstance(outputs, Tensor):
        if isinstance(mask, (list, tuple)):  # the masks of a list input: the first one's
            mask = mask[0]
        if getattr(outputs, "_keras_mask", None) is None and mask is not None:
            outputs._keras_mask = mask
        return
    from ...nest import flatten
    outs = flatten(outputs)
    masks = flatten(mask) if isinstance(mask, (list, tuple)) else [mask] * len(outs)
    for out, m in zip(outs, masks):
        if isinstance(out, Tensor) and getattr(out, "_keras_mask", None) is None:
            out._keras_mask = m
