"""Convolutional LSTMs: ConvLSTM1D, ConvLSTM2D, ConvLSTM3D (Keras 3's ``ConvLSTM`` family).

An LSTM whose input and recurrent transformations are convolutions: inputs are sequences of
images ``(batch, time, *spatial, channels)`` and the states ``h``, ``c`` are feature maps
``(batch, *out_spatial, filters)``. Weights follow Keras's layouts and gate order ``i, f,
c, o``: ``kernel (*kernel_size, channels, 4·filters)``, ``recurrent_kernel (*kernel_size,
filters, 4·filters)``, ``bias (4·filters,)``. The input convolution uses the layer's
strides, padding and dilation; the recurrent one is always stride 1, ``'same'``, as in Keras.

Each step is composed of tapeflow ops (``conv1d``/``conv2d``/``conv3d``, ``split``, the
activations), so the gradients come from their rules; the time loop is the ``RNN`` loop
(masking, ``go_backwards``, ``initial_state``, ``stateful``).
"""
from ...backend import np
from ...ops.array import concat, split
from ...ops.conv import conv1d, conv2d, conv_output_length
from ...ops.conv3d import conv3d
from ...ops.nn import bias_add
from .. import activations, random_state
from ._config import serialize as _serialize, set_weight_options
from .convolutional import normalize_data_format, normalize_padding, normalize_tuple
from .layer import InputSpec, Layer
from .recurrent import RNN, _UnitForgetBias, _build_in_scope

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_CHANNELS_FIRST_FORMATS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}


class ConvLSTMCell(Layer):
    """One ConvLSTM step: ``z = conv(x, kernel) + bias + conv_same(h, recurrent_kernel)``,
    split into gates ``i, f, c, o``; ``c = f·c_prev + i·tanh(z_c)``, ``h = o·tanh(c)``.

    The cell of ``ConvLSTM1D/2D/3D`` (``rank`` 1, 2, 3); the layers take its arguments.
    Dropout uses four masks per sequence, one per gate, on the inputs (and four on ``h`` for
    ``recurrent_dropout``), as Keras does; they are applied only for rates strictly
    between 0 and 1, as in Keras.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError("Rank %r convolutions are not implemented (1, 2 or 3)." % (rank,))
        if not isinstance(filters, (int, np.integer)) or isinstance(filters, bool) or \
                filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             "positive integer. Received filters=%r." % (filters,))
        self.rank = rank
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Specifying `strides > 1` is not compatible with `dilation_rate > "
                             "1`. Received: strides=%s and dilation_rate=%s"
                             % (self.strides, self.dilation_rate))
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        # Per-gate dropout masks for the running sequence (set by the layer); written to
        # __dict__ so that attribute tracking does not see a new list on every call.
        self.__dict__["_input_masks"] = None
        self.__dict__["_recurrent_masks"] = None

    @property
    def state_size(self):
        """The channel count of the two states ``h`` and ``c`` (each a feature map)."""
        return [self.filters, self.filters]

    @property
    def output_size(self):
        return self.filters

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, step_shape):
        return tuple(step_shape[1:-1] if self.data_format == "channels_last" else step_shape[2:])

    def state_shape(self, step_shape):
        """The shape of ``h`` (and ``c``) for one step's input shape ``(batch, ...)``."""
        spatial = self._spatial(step_shape)
        out = []
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            n = conv_output_length(size, k, s, d, self.padding.upper())[0]
            if n <= 0:
                raise ValueError("Layer '%s': the output size would be %d for inputs of shape "
                                 "%s with kernel_size=%s, strides=%s, dilation_rate=%s, "
                                 "padding=%r" % (self.name, n, tuple(step_shape),
                                                 self.kernel_size, self.strides,
                                                 self.dilation_rate, self.padding))
            out.append(n)
        if self.data_format == "channels_last":
            return (step_shape[0],) + tuple(out) + (self.filters,)
        return (step_shape[0], self.filters) + tuple(out)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError("Layer '%s' (ConvLSTMCell) expects step inputs of rank %d, got "
                             "shape %s" % (self.name, self.rank + 2, input_shape))
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "None. Full input shape received: input_shape=%s" % (input_shape,))
        width = 4 * self.filters
        self.kernel = self.add_weight(shape=self.kernel_size + (int(channels), width),
                                      name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=self.kernel_size + (self.filters, width),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        bias_init = _UnitForgetBias(self.bias_initializer, self.filters) \
            if self.unit_forget_bias else self.bias_initializer
        self.bias = self.add_weight(shape=(width,), name="bias", initializer=bias_init,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _conv(self, x, w, strides, padding, dilations):
        fmt = _CHANNELS_FIRST_FORMATS[self.rank] if self.data_format == "channels_first" \
            else None
        if self.rank == 1:
            return conv1d(x, w, strides[0], padding, fmt or "NWC", dilations[0])
        if self.rank == 2:
            return conv2d(x, w, list(strides), padding, fmt or "NHWC", list(dilations))
        return conv3d(x, w, list(strides), padding, fmt or "NDHWC", list(dilations))

    def _gate_convs(self, x, w, masks, strides, padding, dilations):
        """``conv(x, w)``; with dropout, one convolution per gate of ``x·mask_g`` with the
        gate's quarter of ``w`` (Keras drops a different set of inputs for each gate)."""
        if masks is None:
            return self._conv(x, w, strides, padding, dilations)
        parts = [self._conv(x * m, wg, strides, padding, dilations)
                 for m, wg in zip(masks, split(w, 4, axis=-1))]
        return concat(parts, axis=self._channel_axis)

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        z = self._gate_convs(inputs, self.kernel, self._input_masks, self.strides,
                             self.padding.upper(), self.dilation_rate)
        if self.bias is not None:
            z = z + self.bias if self.data_format == "channels_last" else \
                bias_add(z, self.bias, data_format=_CHANNELS_FIRST_FORMATS[self.rank])
        ones = (1,) * self.rank
        z = z + self._gate_convs(h_prev, self.recurrent_kernel, self._recurrent_masks, ones,
                                 "SAME", ones)
        zi, zf, zc, zo = split(z, 4, axis=self._channel_axis)
        act, rec = self.activation, self.recurrent_activation
        c = rec(zf) * c_prev + rec(zi) * act(zc)
        h = rec(zo) * act(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate, activation=activations.serialize(self.activation),
            recurrent_activation=activations.serialize(self.recurrent_activation),
            use_bias=self.use_bias, kernel_initializer=_serialize(self.kernel_initializer),
            recurrent_initializer=_serialize(self.recurrent_initializer),
            bias_initializer=_serialize(self.bias_initializer),
            unit_forget_bias=self.unit_forget_bias,
            kernel_regularizer=_serialize(self.kernel_regularizer),
            recurrent_regularizer=_serialize(self.recurrent_regularizer),
            bias_regularizer=_serialize(self.bias_regularizer),
            kernel_constraint=_serialize(self.kernel_constraint),
            recurrent_constraint=_serialize(self.recurrent_constraint),
            bias_constraint=_serialize(self.bias_constraint), dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout, seed=self.seed)
        return config


def _keep_masks(rng, shape, rate, dtype):
    """Four inverted-dropout masks (one per gate) of ``shape``."""
    keep = 1.0 - rate
    return [((rng.random(shape) < keep) / keep).astype(dtype) for _ in range(4)]


class _ConvLSTM(RNN):
    """The ConvLSTM layers' shared body: an ``RNN`` over a ``ConvLSTMCell``."""

    _rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            self._rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=self._rank + 3)

    def __getattr__(self, name):
        # filters, kernel_size, kernel ... read through to the cell, as Keras's properties do.
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    @property
    def _channel_axis(self):
        """The channel axis of the (batch, time, ...) inputs."""
        return -1 if self.cell.data_format == "channels_last" else 2

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self._rank + 3:
            raise ValueError("Layer '%s' (%s) expects inputs of rank %d (batch, time, %s), got "
                             "shape %s" % (self.name, type(self).__name__, self._rank + 3,
                                           _layout(self._rank, self.cell.data_format),
                                           input_shape))
        if not self.cell.built:
            _build_in_scope(self.cell, (input_shape[0],) + input_shape[2:])
        axis = self._channel_axis
        self.input_spec = InputSpec(ndim=self._rank + 3, axes={axis: input_shape[axis]})

    def _state_shapes(self, input_shape):
        state = self.cell.state_shape((input_shape[0],) + tuple(input_shape[2:]))
        return [state, state]

    def _dropout_masks(self, inputs, training):
        """Draws the cell's per-gate masks for this sequence; none for the RNN loop itself."""
        cell = self.cell
        rng = random_state.make_generator(cell.seed)
        dtype = inputs._value.dtype
        input_masks = rec_masks = None
        if training and 0.0 < cell.dropout < 1.0:
            input_masks = _keep_masks(rng, (inputs.shape[0],) + tuple(inputs.shape[2:]),
                                      cell.dropout, dtype)
        if training and 0.0 < cell.recurrent_dropout < 1.0:
            rec_masks = _keep_masks(rng, self._state_shapes(tuple(inputs.shape))[0],
                                    cell.recurrent_dropout, dtype)
        cell.__dict__["_input_masks"] = input_masks
        cell.__dict__["_recurrent_masks"] = rec_masks
        return None, None

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if mask is not None and tuple(np.shape(getattr(mask, "_value", mask))) != \
                tuple(sequences.shape[:2]):
            raise ValueError("Layer '%s' (%s): the mask must have shape (batch, timesteps) = "
                             "%s, got %s" % (self.name, type(self).__name__,
                                             tuple(sequences.shape[:2]),
                                             tuple(np.shape(getattr(mask, "_value", mask)))))
        try:
            return super().call(sequences, initial_state=initial_state, mask=mask,
                                training=training)
        finally:
            self.cell.__dict__["_input_masks"] = None
            self.cell.__dict__["_recurrent_masks"] = None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        state = self._state_shapes(input_shape)[0]
        output = input_shape[:2] + state[1:] if self.return_sequences else state
        return [output, state, state] if self.return_state else output

    def get_config(self):
        config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            config.pop(key, None)
        config.update(super().get_config())
        config["activity_regularizer"] = _serialize(self.activity_regularizer)
        return config


def _layout(rank, data_format):
    spatial = ("rows, cols" if rank == 2 else "steps" if rank == 1
               else "conv_dim1, conv_dim2, conv_dim3")
    return "%s, channels" % spatial if data_format == "channels_last" else \
        "channels, %s" % spatial


class ConvLSTM1D(_ConvLSTM):
    """1-D convolutional LSTM over ``(batch, time, steps, channels)`` inputs.

    Takes the arguments of ``ConvLSTM2D`` with 1-element sizes.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.ConvLSTM1D(4, 3, padding="same", return_sequences=True)
    >>> layer(tf.ones((2, 5, 8, 3))).shape, tuple(layer.cell.kernel.shape)
    (TensorShape([2, 5, 8, 4]), (3, 3, 16))
    """

    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """2-D convolutional LSTM over ``(batch, time, rows, cols, channels)`` inputs.

    Like ``LSTM`` with convolutions in place of the matrix products. Weights live in the
    cell (``conv_lstm2d/conv_lstm_cell/kernel``) in Keras's layouts and gate order.

    Args:
        filters: the number of output channels (of ``h`` and ``c``).
        kernel_size, strides, dilation_rate: ints or pairs, for the input convolution
            (strides and dilation not both > 1); the recurrent one is stride 1, ``'same'``.
        padding: ``'valid'`` (default) or ``'same'``, for the input convolution.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``
            (``(batch, time, channels, rows, cols)``).
        activation, recurrent_activation: default ``'tanh'`` and ``'sigmoid'``.
        use_bias, *_initializer, unit_forget_bias, *_regularizer, *_constraint: as for
            ``LSTM`` (``unit_forget_bias=True`` starts the forget-gate bias at 1).
        dropout, recurrent_dropout, seed: dropout of the inputs / of ``h``, one mask per gate.
        return_sequences, return_state, go_backwards, stateful, unroll: as for ``RNN``
            (``unroll`` changes nothing: the steps always run as a Python loop).

    Call arguments: ``inputs``, ``mask`` (``(batch, time)``), ``training``,
    ``initial_state`` (``[h, c]``, each ``(batch, new_rows, new_cols, filters)``).

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.ConvLSTM2D(4, 3, return_state=True)
    >>> out, h, c = layer(tf.ones((2, 5, 8, 8, 3)))
    >>> out.shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([2, 6, 6, 4]), [(3, 3, 3, 16), (3, 3, 4, 16), (16,)])
    """

    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """3-D convolutional LSTM over ``(batch, time, dim1, dim2, dim3, channels)`` inputs.

    Takes the arguments of ``ConvLSTM2D`` with 3-element sizes.

    >>> import tapeflow as tf
    >>> tf.keras.layers.ConvLSTM3D(2, 3, padding="same")(tf.ones((1, 3, 4, 4, 4, 1))).shape
    TensorShape([1, 4, 4, 4, 2])
    """

    _rank = 3
