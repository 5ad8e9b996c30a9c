"""Layer wrappers: ``Bidirectional`` (an RNN both ways) and ``TimeDistributed``."""
from ...ops.array import concat, reshape, reverse
from ._config import deserialize_layer, serialize_layer
from .layer import Layer

__all__ = ["Bidirectional", "TimeDistributed"]


def _layer_from_config(config):
    """The wrapped layer from its config (built-in, registered or a custom object)."""
    return deserialize_layer(config)

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards, and merges their outputs.

    Both directions are rebuilt from ``layer``'s config (named ``forward_<name>`` and
    ``backward_<name>``, the backward one with ``go_backwards`` flipped); its sequence
    output is reversed back before merging so step ``t`` lines up with step ``t``.

    Args:
        layer: an ``RNN`` (``LSTM``, ``GRU``, ``SimpleRNN`` ...).
        merge_mode: ``'concat'`` (default), ``'sum'``, ``'mul'``, ``'ave'`` or ``None``
            (a list of both outputs).
        backward_layer: an explicit backward layer (its ``go_backwards`` must differ).

    >>> import tapeflow as tf
    >>> tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4, return_sequences=True))(
    ...     tf.ones((2, 5, 3))).shape
    TensorShape([2, 5, 8])
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer`"
                             " instance. Received: %r" % (layer,))
        if merge_mode not in _MERGE_MODES:
            raise ValueError("Invalid merge mode. Received: %r. Merge mode should be one of "
                             "{'sum', 'mul', 'ave', 'concat', None}" % (merge_mode,))
        super().__init__(**kwargs)
        config = layer.get_config()
        self.forward_layer = type(layer).from_config(
            dict(config, name="forward_" + layer.name))
        if backward_layer is None:
            backward_layer = type(layer).from_config(
                dict(config, name="backward_" + layer.name,
                     go_backwards=not config.get("go_backwards", False)))
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards=%s, "
                             "backward_layer.go_backwards=%s"
                             % (layer.go_backwards, backward_layer.go_backwards))
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = getattr(layer, "return_sequences", False)
        self.return_state = getattr(layer, "return_state", False)
        self.supports_masking = True
        if weights is not None:
            self._initial_weights = weights

    def call(self, inputs, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y_f = self.forward_layer(inputs, initial_state=forward_state, mask=mask,
                                 training=training)
        y_b = self.backward_layer(inputs, initial_state=backward_state, mask=mask,
                                  training=training)
        states = []
        if self.return_state:
            states = list(y_f[1:]) + list(y_b[1:])
            y_f, y_b = y_f[0], y_b[0]
        if self.return_sequences:
            y_b = reverse(y_b, [1])
        if self.merge_mode == "concat":
            out = concat([y_f, y_b], axis=-1)
        elif self.merge_mode == "sum":
            out = y_f + y_b
        elif self.merge_mode == "ave":
            out = (y_f + y_b) * 0.5
        elif self.merge_mode == "mul":
            out = y_f * y_b
        else:
            out = [y_f, y_b]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def build(self, input_shape):
        if getattr(self, "_initial_weights", None) is not None:
            from ...ops.creation import zeros
            probe = zeros(tuple(1 if d is None else d for d in input_shape))
            self.forward_layer(probe)
            self.backward_layer(probe)
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.merge_mode is None:
            output_mask = [output_mask, output_mask]
        if self.return_state:
            count = len(self.forward_layer.state_size) * 2
            masks = output_mask if isinstance(output_mask, list) else [output_mask]
            return masks + [None] * count
        return output_mask

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        output, states = (shape[0], shape[1:]) if self.return_state else (shape, [])
        if self.merge_mode == "concat":
            output = tuple(output[:-1]) + (output[-1] * 2,)
        merged = [output, output] if self.merge_mode is None else [output]
        if self.return_state:
            return merged + list(states) * 2
        return merged if self.merge_mode is None else output

    def get_config(self):
        config = super().get_config()
        config.update(layer=serialize_layer(self.forward_layer), merge_mode=self.merge_mode)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _layer_from_config(config["layer"])
        return cls(**config)


class TimeDistributed(Layer):
    """Applies ``layer`` to every step of a ``(batch, steps, ...)`` input.

    The steps are folded into the batch axis for one call of ``layer`` and unfolded after.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(4))
    >>> layer(tf.ones((2, 5, 3))).shape, tuple(layer.layer.kernel.shape)
    (TensorShape([2, 5, 4]), (3, 4))
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             "`keras.layers.Layer` instance. Received: %r" % (layer,))
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at "
                             "least 3 dimensions, received: %s" % (tuple(input_shape),))

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        if len(shape) < 3:
            raise ValueError("Layer '%s' (TimeDistributed) expects inputs of rank >= 3, got "
                             "shape %s" % (self.name, shape))
        folded = reshape(inputs, (shape[0] * shape[1],) + shape[2:])
        y = self.layer(folded, training=training)
        return reshape(y, shape[:2] + tuple(y.shape)[1:])

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape)[2:])
        return tuple(input_shape)[:2] + tuple(inner)[1:]

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = _layer_from_config(config["layer"])
        return cls(**config)
