"""Core layers: Dense, Activation, Flatten, Reshape, Dropout, Lambda, Identity."""
from ...backend import np
from ...ops import nn as _nn_ops
from ...ops.array import reshape as _reshape
from ...tensor import Tensor, _wrap
from .. import activations
from .. import random_state
from ._config import kernel_bias_config, set_weight_options
from .layer import InputSpec, Layer

__all__ = ["Dense", "Activation", "Flatten", "Reshape", "Dropout", "Lambda", "Identity"]

# Activations whose default form is one engine op: call it directly (None: identity).
_DIRECT_ACTIVATIONS = {activations.linear: None, activations.relu: _nn_ops.relu}


class Dense(Layer):
    """A densely connected layer: ``activation(inputs @ kernel + bias)``.

    The kernel has shape ``(input_dim, units)``; for inputs of rank > 2 the last axis is
    contracted.

    Args:
        units: positive int, the output size.
        activation: function or name (``'relu'``); ``None`` is linear.
        use_bias: add a bias vector.
        kernel_initializer / bias_initializer: default ``'glorot_uniform'`` / ``'zeros'``.
        kernel_regularizer / bias_regularizer / activity_regularizer: penalties in ``losses``.
        kernel_constraint / bias_constraint: applied by optimizers after each update.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.Dense(4, activation="relu")
    >>> layer(tf.ones((2, 3))).shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([2, 4]), [(3, 4), (4,)])
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, float) and units.is_integer():
            units = int(units)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             "integer. Received: units=%r" % (units,))
        if lora_rank is not None:
            raise NotImplementedError("Dense(lora_rank=...) is not supported by tapeflow.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self._act = _DIRECT_ACTIVATIONS.get(self.activation, self.activation)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError("Layer %s: the last dimension of the inputs must be known to build "
                             "it; received input_shape=%s" % (self.name, input_shape))
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs, training=None):
        act = self._act
        if act is _nn_ops.relu:  # relu fused into the dense primitive: one tape record, not two
            return _nn_ops.dense(inputs, self.kernel, self.bias, activation="relu")
        x = _nn_ops.dense(inputs, self.kernel, self.bias)
        return x if act is None else act(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=activations.serialize(self.activation),
                      use_bias=self.use_bias, **kernel_bias_config(self))
        return config


class Activation(Layer):
    """Applies an activation function to its input.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Activation("relu")(tf.constant([[-1.0, 2.0]])).numpy()
    array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Flatten(Layer):
    """Flattens every axis but the batch axis: ``(N, 4, 4, 2)`` -> ``(N, 32)``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Flatten()(tf.ones((2, 4, 4, 2))).shape
    TensorShape([2, 32])
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        shape = inputs.shape
        if self.data_format == "channels_first" and len(shape) > 2:
            from ...ops.array import transpose
            inputs = transpose(inputs, [0] + list(range(2, len(shape))) + [1])
        n = 1
        for d in shape[1:]:
            n *= d
        return _reshape(inputs, (shape[0], n))

    def compute_output_shape(self, input_shape):
        dims = tuple(input_shape)[1:]
        n = None if None in dims else int(np.prod(dims))
        return (tuple(input_shape)[0], n)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes every sample to ``target_shape`` (which may hold one ``-1``).

    >>> import tapeflow as tf
    >>> tf.keras.layers.Reshape((3, -1))(tf.ones((2, 12))).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError("There can only be one unknown dimension (-1) in `target_shape`; "
                             "received target_shape=%s" % (self.target_shape,))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        target = list(self.target_shape)
        if -1 in target:
            known = int(np.prod([d for d in target if d != -1]))
            if None in input_shape[1:]:
                target[target.index(-1)] = None
            else:
                total = int(np.prod(input_shape[1:]))
                if known == 0 or total % known:
                    raise ValueError(self._size_error(input_shape))
                target[target.index(-1)] = total // known
        elif None not in input_shape[1:] and int(np.prod(input_shape[1:])) != int(np.prod(target)):
            raise ValueError(self._size_error(input_shape))
        return (input_shape[0],) + tuple(target)

    def _size_error(self, input_shape):
        return ("Layer %s: total size of the input shape %s (without the batch axis) does not "
                "match target_shape=%s" % (self.name, input_shape, self.target_shape))

    def call(self, inputs):
        out = self.compute_output_shape(inputs.shape)
        return _reshape(inputs, (out[0],) + out[1:])

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of the inputs during training and scales the rest by
    ``1 / (1 - rate)``; the identity at inference (``training`` False or not given).

    Args:
        rate: fraction in [0, 1) to drop. noise_shape: shape of the keep mask (broadcast).
        seed: int for a reproducible mask stream; default draws from the global Keras
            generator (``tf.keras.utils.set_random_seed``).

    >>> import tapeflow as tf
    >>> x = tf.ones((2, 4))
    >>> bool(tf.reduce_all(tf.keras.layers.Dropout(0.5)(x) == x))
    True
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                             "between 0 and 1. Received: rate=%r" % (rate,))
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        x = inputs if isinstance(inputs, Tensor) else _wrap(np.asarray(inputs))
        shape = x.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        rng = self._rng if self._rng is not None else random_state.generator()
        dtype = x._value.dtype
        if self.rate >= 1:
            return x * np.zeros(shape, dtype)
        keep = rng.random(shape) >= self.rate
        return x * (keep.astype(dtype) * dtype.type(1.0 / (1.0 - self.rate)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config


class Lambda(Layer):
    """Wraps a function as a layer: ``Lambda(lambda x: x ** 2)``.

    Args:
        function: called as ``function(inputs, **arguments)`` (also given ``mask``/
            ``training`` if it accepts them).
        output_shape: shape or function of the input shape, for summaries.
        mask: a mask or a function ``(inputs, mask) -> mask``.
        arguments: extra keyword arguments for ``function``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.Lambda(lambda x: x * 2.0)(tf.constant([[1.0]])).numpy()
    array([[2.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError("Lambda: `function` must be callable; received %r" % (function,))
        self.function = function
        self._output_shape = output_shape
        self._mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        import inspect
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_training = "training" in params
        self._fn_mask = "mask" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_mask:
            kwargs["mask"] = mask
        if self._fn_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self._mask):
            return self._mask(inputs, mask)
        return self._mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (tuple(input_shape)[0],) + tuple(self._output_shape)

    def get_config(self):
        """As Keras 3: a Python lambda is saved as bytecode (``{'class_name': '__lambda__'}``,
        loadable only with ``safe_mode=False``), a named function by name."""
        from ..serialization import serialize_keras_object
        config = super().get_config()
        config["function"] = _function_config(self.function)
        if self._output_shape is not None:
            config["output_shape"] = _function_config(self._output_shape) \
                if callable(self._output_shape) else self._output_shape
        if self._mask is not None:
            config["mask"] = _function_config(self._mask) if callable(self._mask) \
                else serialize_keras_object(self._mask)
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from ..serialization import deserialize_keras_object, in_safe_mode
        config = dict(config)
        safe_mode = safe_mode if safe_mode is not None else in_safe_mode()
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict) and value.get("class_name") == "__lambda__":
                if safe_mode:
                    raise ValueError(
                        "The `%s` of this `Lambda` layer is a Python lambda. Deserializing it "
                        "is unsafe. If you trust the source of the config artifact, you can "
                        "override this error by passing `safe_mode=False` to `from_config()` "
                        "or to `load_model()`, or by calling "
                        "`tf.keras.saving.enable_unsafe_deserialization()`." % key)
                from ..serialization import func_load
                inner = value["config"]
                config[key] = func_load(inner["code"], inner.get("defaults"),
                                        inner.get("closure"))
            elif isinstance(value, dict) and "class_name" in value:
                config[key] = deserialize_keras_object(value, custom_objects)
        if config.get("arguments"):
            config["arguments"] = deserialize_keras_object(config["arguments"], custom_objects)
        return cls(**config)


def _function_config(fn):
    """Keras's ``Lambda`` form of a function: bytecode for a lambda, else its config."""
    import types

    from ..serialization import func_dump, serialize_keras_object
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = func_dump(fn)
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    return serialize_keras_object(fn)


class Identity(Layer):
    """Returns its input unchanged (a placeholder in architectures).

    >>> import tapeflow as tf
    >>> tf.keras.layers.Identity()(tf.constant([[1.0]])).numpy()
    array([[1.]], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
