"""Recurrent layers: SimpleRNN, LSTM, GRU, their cells, and the generic RNN loop.

Weights live in the cell, as in Keras 3 (paths ``lstm/lstm_cell/kernel``) with Keras's
layouts: LSTM kernel ``(D, 4U)`` in gate order ``i, f, c, o``; GRU kernel ``(D, 3U)`` in
order ``z, r, h`` with a ``(2, 3U)`` bias when ``reset_after=True`` (the default).

With the default activations (tanh, sigmoid), no recurrent dropout and ``unroll=False``
the whole sequence runs as one fused primitive with a hand-written BPTT gradient
(``tapeflow.ops.rnn``). Anything else — custom cells, other activations, recurrent
dropout, ``unroll=True`` — runs the cell step by step with composed ops, which are also
differentiable to higher orders.

Masks (e.g. from ``Embedding(mask_zero=True)``) skip steps: the states are carried over
and the output repeats the previous output (zeros before the first unmasked step), or is
zero with ``zero_output_for_mask=True``.

``StackedRNNCells`` (or a list of cells given to ``RNN``) runs several cells per step. Its
states nest like its ``state_size`` (Keras 3): ``[[h1, c1], h2]`` for an LSTM cell under a
SimpleRNN cell. ``RNN`` carries states as one flat list and regroups them for each call.
"""
from ...backend import np
from ...ops import rnn as _rnn
from ...ops.array import getitem, split, stack
from ...ops.creation import zeros
from ...ops.linalg import matmul
from ...ops.math import cast, where
from ...tensor import Tensor, _wrap
from .. import activations, random_state
from ._config import deserialize_layer, serialize_layer, set_weight_options
from ._config import serialize as _serialize
from .layer import InputSpec, Layer

__all__ = ["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "SimpleRNN",
           "LSTM", "GRU"]


def _state_sizes(cell):
    """A cell's ``state_size`` as a list (one entry per state, possibly nested)."""
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


def _output_size(cell):
    """Keras's rule: ``output_size`` if the cell has one, else its first state's size."""
    size = getattr(cell, "output_size", None)
    return size if size is not None else _flatten_states(_state_sizes(cell))[0]


def _flatten_states(states):
    """Nested lists of states (tensors or arrays) or of state sizes as one flat list."""
    if isinstance(states, (list, tuple)):
        return [leaf for part in states for leaf in _flatten_states(part)]
    return [states]


def _pack_states(flat, structure):
    """The flat list ``flat`` regrouped like ``structure`` (nested lists of state sizes)."""
    leaves = iter(flat)

    def pack(node):
        return [pack(n) for n in node] if isinstance(node, (list, tuple)) else next(leaves)
    return pack(structure)


def _build_in_scope(layer, input_shape):
    """Builds a sub-layer with its name on the scope stack, so its weight paths nest."""
    from .layer import _CTX
    _CTX.scope.append(layer)
    try:
        layer.build(input_shape)
    finally:
        _CTX.scope.pop()
    layer.built = True


def _draw_dropout_masks(cell, batch, features, dtype, training):
    """One ``(batch, features)`` input mask and one recurrent mask (first state's size) per
    sequence, as Keras draws them; None where the rate is 0 or not training."""
    input_mask = rec_mask = None
    if not training:
        return input_mask, rec_mask
    rng = random_state.make_generator(getattr(cell, "seed", None))
    if getattr(cell, "dropout", 0.0) > 0:
        keep = 1.0 - cell.dropout
        input_mask = ((rng.random((batch, features)) < keep) / keep).astype(dtype)
    if getattr(cell, "recurrent_dropout", 0.0) > 0:
        keep = 1.0 - cell.recurrent_dropout
        size = _flatten_states(_state_sizes(cell))[0]
        rec_mask = ((rng.random((batch, size)) < keep) / keep).astype(dtype)
    return input_mask, rec_mask


def _call_cell(cell, inputs, states, training):
    """``cell(inputs, states)`` -> (output, new states as a list)."""
    if isinstance(cell, Layer):
        output, new_states = cell(inputs, states, training=training)
    else:
        output, new_states = cell.call(inputs, states)
    return output, list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]


class _CellBase(Layer):
    """Weights and the single-step ``call(inputs, states)`` shared by the three cells."""

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             "positive integer, got %r." % (units,))
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
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
        self._recurrent_mask = None  # set by RNN.call for the duration of one sequence

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        width = self._gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], width), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight(shape=self._bias_shape(), name="bias",
                                    initializer=self._bias_init(),
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _previous(self, states):
        h = states[0] if isinstance(states, (list, tuple)) else states
        if self._recurrent_mask is not None:
            h = h * self._recurrent_mask
        return h

    def get_initial_state(self, batch_size=None):
        return [zeros((batch_size, self.units), self.compute_dtype)
                for _ in range(len(self._state_sizes()))]

    def _state_sizes(self):
        size = self.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, activation=activations.serialize(self.activation),
            recurrent_activation=activations.serialize(self.recurrent_activation),
            use_bias=self.use_bias, kernel_initializer=_serialize(self.kernel_initializer),
            recurrent_initializer=_serialize(self.recurrent_initializer),
            bias_initializer=_serialize(self.bias_initializer),
            kernel_regularizer=_serialize(self.kernel_regularizer),
            recurrent_regularizer=_serialize(self.recurrent_regularizer),
            bias_regularizer=_serialize(self.bias_regularizer),
            kernel_constraint=_serialize(self.kernel_constraint),
            recurrent_constraint=_serialize(self.recurrent_constraint),
            bias_constraint=_serialize(self.bias_constraint), dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout, seed=self.seed)
        return config


class SimpleRNNCell(_CellBase):
    """One step of ``h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)``.

    >>> import tapeflow as tf
    >>> cell = tf.keras.layers.SimpleRNNCell(4)
    >>> h, states = cell(tf.ones((2, 3)), [tf.zeros((2, 4))])
    >>> h.shape, len(states)
    (TensorShape([2, 4]), 1)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation, "sigmoid", use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
                         **kwargs)

    def call(self, inputs, states, training=False):
        h_prev = self._previous(states)
        z = matmul(inputs, self.kernel) + matmul(h_prev, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class _UnitForgetBias:
    """Keras's LSTM bias initializer: ``bias_initializer`` with ones for the forget gate."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        u = self.units
        parts = [np.asarray(self.base((u,), dtype=dtype)), np.ones((u,)),
                 np.asarray(self.base((2 * u,), dtype=dtype))]
        return _wrap(np.concatenate(parts).astype(parts[0].dtype))


class LSTMCell(_CellBase):
    """One LSTM step, gates ``i, f, c, o``: ``c = f·c_prev + i·tanh(z_c)``, ``h = o·tanh(c)``.

    ``unit_forget_bias=True`` starts the forget-gate bias at 1.

    >>> import tapeflow as tf
    >>> cell = tf.keras.layers.LSTMCell(4)
    >>> h, (h2, c) = cell(tf.ones((2, 3)), [tf.zeros((2, 4)), tf.zeros((2, 4))])
    >>> tuple(cell.kernel.shape), cell.bias.numpy()[4:8].tolist()
    ((3, 16), [1.0, 1.0, 1.0, 1.0])
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
                         **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer, self.units)
        return self.bias_initializer

    def call(self, inputs, states, training=False):
        h_prev, c_prev = self._previous(states), states[1]
        z = matmul(inputs, self.kernel) + matmul(h_prev, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = split(z, 4, axis=-1)
        act, rec = self.activation, self.recurrent_activation
        c = rec(zf) * c_prev + rec(zi) * act(zc)
        h = rec(zo) * act(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(_CellBase):
    """One GRU step, gates ``z, r, h``: ``h = z·h_prev + (1 − z)·h̃``.

    With ``reset_after=True`` (default) the reset gate multiplies ``h_prev @ U_h + b_h`` and
    the bias has shape ``(2, 3·units)`` (input and recurrent biases).

    >>> import tapeflow as tf
    >>> cell = tf.keras.layers.GRUCell(4)
    >>> h, _ = cell(tf.ones((2, 3)), [tf.zeros((2, 4))])
    >>> tuple(cell.bias.shape)
    (2, 12)
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
                         **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=False):
        h_prev = self._previous(states)
        h_true_prev = states[0] if isinstance(states, (list, tuple)) else states
        act, rec = self.activation, self.recurrent_activation
        mx = matmul(inputs, self.kernel)
        if self.bias is not None:
            mx = mx + (self.bias[0] if self.reset_after else self.bias)
        xz, xr, xh = split(mx, 3, axis=-1)
        uz, ur, uh = split(self.recurrent_kernel, 3, axis=-1)
        if self.reset_after:
            inner = matmul(h_prev, self.recurrent_kernel)
            if self.bias is not None:
                inner = inner + self.bias[1]
            rz, rr, rh = split(inner, 3, axis=-1)
            z, r = rec(xz + rz), rec(xr + rr)
            candidate = act(xh + r * rh)
        else:
            z, r = rec(xz + matmul(h_prev, uz)), rec(xr + matmul(h_prev, ur))
            candidate = act(xh + matmul(r * h_prev, uh))
        h = z * h_true_prev + (1.0 - z) * candidate
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config


class StackedRNNCells(Layer):
    """Several RNN cells run as one: each step feeds a cell's output to the next cell.

    ``state_size`` is the list of the cells' state sizes and the states nest the same way
    (a cell with one integer ``state_size`` has one state tensor, not a list); the output is
    the last cell's. ``RNN([cell1, cell2])`` wraps the list in one of these, as Keras 3 does.
    Each cell's ``dropout`` applies to that cell's own input.

    Args:
        cells: a list of cells (``call(inputs, states)`` and ``state_size``).

    >>> import tapeflow as tf
    >>> cells = tf.keras.layers.StackedRNNCells(
    ...     [tf.keras.layers.LSTMCell(4), tf.keras.layers.SimpleRNNCell(3)])
    >>> cells.state_size, cells.output_size
    ([[4, 4], 3], 3)
    >>> out, (h1, c1), h2 = tf.keras.layers.RNN(cells, return_state=True)(tf.ones((2, 5, 6)))
    >>> out.shape, c1.shape, [tuple(w.shape) for w in cells.weights[:3]]
    (TensorShape([2, 3]), TensorShape([2, 4]), [(6, 16), (4, 16), (16,)])
    >>> gru = tf.keras.layers.GRUCell
    >>> tf.keras.layers.RNN([gru(8), gru(2)], return_sequences=True)(tf.ones((2, 5, 6))).shape
    TensorShape([2, 5, 2])
    """

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        if not cells:
            raise ValueError("StackedRNNCells needs at least one cell. Received: cells=[]")
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError("All cells must have a `call` method. Received cell without "
                                 "a `call` method: %r" % (cell,))
            if not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `state_size` attribute. Received cell "
                                 "without a `state_size`: %r" % (cell,))
        if kwargs.get("dtype") is None:
            # A container: computing in its cells' dtype keeps it from casting their inputs.
            kwargs["dtype"] = getattr(cells[0], "dtype_policy", None)
        super().__init__(**kwargs)
        self.cells = cells
        # Per-sequence dropout masks, one (input, recurrent) pair per cell; set by RNN.call.
        # Kept out of attribute tracking: they change every call.
        self.__dict__["_step_masks"] = None

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                _build_in_scope(cell, shape)
            shape = (shape[0], _output_size(cell))

    def get_initial_state(self, batch_size=None):
        """Zero states nested like ``state_size``."""
        out = []
        for cell in self.cells:
            get = getattr(cell, "get_initial_state", None)
            states = get(batch_size=batch_size) if get is not None else [
                zeros((batch_size, size), self.compute_dtype) for size in _state_sizes(cell)]
            states = list(states) if isinstance(states, (list, tuple)) else [states]
            out.append(states if isinstance(cell.state_size, (list, tuple)) else states[0])
        return out

    def _draw_dropout_masks(self, batch, features, dtype, training):
        """Sets one (input, recurrent) mask pair per cell for the coming sequence."""
        masks = []
        for cell in self.cells:
            masks.append(_draw_dropout_masks(cell, batch, features, dtype, training))
            features = _output_size(cell)
        dropped = any(m is not None for pair in masks for m in pair)
        self.__dict__["_step_masks"] = masks if dropped else None

    def call(self, inputs, states, training=False):
        if not isinstance(states, (list, tuple)) or len(states) != len(self.cells):
            raise ValueError("StackedRNNCells '%s' expects a list of %d state groups (one per "
                             "cell, nested like state_size=%s), got %r"
                             % (self.name, len(self.cells), self.state_size, states))
        masks = self._step_masks or [(None, None)] * len(self.cells)
        new_states = []
        for cell, group, (input_mask, rec_mask) in zip(self.cells, states, masks):
            single = not isinstance(group, (list, tuple))
            if input_mask is not None:
                inputs = inputs * input_mask
            if rec_mask is not None:
                cell._recurrent_mask = rec_mask
            try:
                inputs, group = _call_cell(cell, inputs, [group] if single else list(group),
                                           training)
            finally:
                if rec_mask is not None:
                    cell._recurrent_mask = None
            new_states.append(group[0] if single and len(group) == 1 else group)
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_layer(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [_cell_from_config(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _cell_from_config(config, custom_objects=None):
    """A cell from its config (a ``tf.keras.layers`` class, a registered one, or one in
    ``custom_objects``); a cell object is returned as it is."""
    return deserialize_layer(config, custom_objects, what="cell")


class RNN(Layer):
    """Runs a cell over the time axis of ``(batch, steps, features)`` inputs.

    Args:
        cell: a cell layer (``call(inputs, states) -> (output, new_states)``, ``state_size``),
            or a list of cells (run as ``StackedRNNCells``).
        return_sequences: return every step's output, else the last one.
        return_state: also return the final states.
        go_backwards: process the sequence in reverse (the output sequence stays reversed).
        stateful: carry the final states of a batch into the next call.
        unroll: run step by step with composed ops (no fused primitive).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.RNN(tf.keras.layers.SimpleRNNCell(4), return_sequences=True)
    >>> layer(tf.ones((2, 5, 3))).shape
    TensorShape([2, 5, 4])
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError("Argument `cell` should have a `call` method and a `state_size` "
                             "attribute. Received: cell=%r" % (cell,))
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._states = None  # stateful=True: the last batch's final states (arrays)

    @property
    def state_size(self):
        """The cell's state sizes as a list (nested for stacked cells)."""
        return _state_sizes(self.cell)

    def _state_shapes(self, input_shape):
        """The shape of each state for a ``(batch, steps, ...)`` input, as a flat list
        (layers whose states are not vectors override it)."""
        return [(input_shape[0], size) for size in _flatten_states(self.state_size)]

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError("Layer '%s' (%s) expects inputs of rank 3 (batch, timesteps, "
                             "features), got shape %s" % (self.name, type(self).__name__,
                                                         tuple(input_shape)))
        if isinstance(self.cell, Layer) and not self.cell.built:
            _build_in_scope(self.cell, (input_shape[0],) + tuple(input_shape[2:]))
        self.input_spec = InputSpec(ndim=3, axes={-1: input_shape[-1]})

    def reset_states(self, states=None):
        """Forgets (zeros) or sets the carried states of a ``stateful`` layer."""
        if states is not None:
            self._states = [np.asarray(s) for s in _flatten_states(states)]
        elif self._states is not None:
            self._states = [np.zeros_like(s) for s in self._states]

    @property
    def states(self):
        """A ``stateful`` layer's carried states (as ``return_state`` gives them), e.g. to
        start another layer with ``initial_state=``; None before its first batch, and for a
        layer that is not stateful."""
        if not self.stateful or self._states is None:
            return None
        return _pack_states([_wrap(s) for s in self._states], self.state_size)

    reset_state = reset_states

    def _initial_states(self, inputs, initial_state):
        """The initial states as one flat list (nested ``initial_state`` is flattened)."""
        dtype = inputs.dtype
        shapes = self._state_shapes(tuple(inputs.shape))
        if initial_state is not None:
            states = _flatten_states(initial_state)
            if len(states) != len(shapes):
                raise ValueError("Layer '%s' expects %d initial state tensor(s), got %d"
                                 % (self.name, len(shapes), len(states)))
            out = []
            for s, shape in zip(states, shapes):
                s = s if isinstance(s, Tensor) else _wrap(np.asarray(s, dtype.as_numpy_dtype))
                if s._value.dtype != inputs._value.dtype:
                    s = cast(s, inputs.dtype)
                if tuple(s.shape) != tuple(shape):
                    raise ValueError("Layer '%s': an initial state has shape %s, expected %s"
                                     % (self.name, tuple(s.shape), tuple(shape)))
                out.append(s)
            return out
        if self.stateful and self._states is not None:
            return [_wrap(s) for s in self._states]
        return [zeros(shape, dtype) for shape in shapes]

    def _dropout_masks(self, inputs, training):
        """Keras draws one input mask and one recurrent mask per sequence (not per step):
        the input mask ``(batch, 1, features)`` for the whole sequence, the recurrent one for
        the cell. Stacked cells get theirs (one pair per cell) set on the stack instead."""
        batch, features, dtype = inputs.shape[0], inputs.shape[-1], inputs._value.dtype
        if isinstance(self.cell, StackedRNNCells):
            self.cell._draw_dropout_masks(batch, features, dtype, training)
            return None, None
        input_mask, rec_mask = _draw_dropout_masks(self.cell, batch, features, dtype, training)
        return None if input_mask is None else input_mask[:, None, :], rec_mask

    def _fused_op(self, rec_mask):
        cell = self.cell
        if self.unroll or rec_mask is not None:
            return None
        if getattr(cell, "activation", None) is not activations.tanh:
            return None
        kind = type(cell)
        if kind is LSTMCell and cell.recurrent_activation is activations.sigmoid:
            return _rnn.lstm_sequence
        if kind is GRUCell and cell.reset_after and \
                cell.recurrent_activation is activations.sigmoid:
            return _rnn.gru_sequence
        if kind is SimpleRNNCell:
            return _rnn.simple_rnn_sequence
        return None

    def call(self, sequences, initial_state=None, mask=None, training=False):
        x = sequences
        states = self._initial_states(x, initial_state)
        mask_array = None if mask is None else np.asarray(
            mask._value if isinstance(mask, Tensor) else mask).astype(bool)
        if self.go_backwards:
            x = getitem(x, (slice(None), slice(None, None, -1)))
            if mask_array is not None:
                mask_array = mask_array[:, ::-1]
        input_mask, rec_mask = self._dropout_masks(x, training)
        if input_mask is not None:
            x = x * input_mask
        fused = self._fused_op(rec_mask)
        try:
            if fused is not None and not (mask_array is not None and self.zero_output_for_mask):
                outputs, last, final_states = self._run_fused(fused, x, states, mask_array)
            else:
                outputs, last, final_states = self._run_cell(x, states, mask_array, rec_mask,
                                                             training)
        finally:
            if isinstance(self.cell, StackedRNNCells):
                self.cell.__dict__["_step_masks"] = None
        if self.stateful:
            self._states = [np.array(s._value) for s in final_states]
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output] + _pack_states(final_states, self.state_size)
        return output

    def _run_fused(self, fused, x, states, mask):
        cell = self.cell
        bias = cell.bias
        if bias is None:
            bias = zeros(cell._bias_shape(), x.dtype)
        results = fused(x, *states, cell.kernel, cell.recurrent_kernel, bias, mask)
        outputs, final_states = results[0], list(results[1:])
        # Unmasked, the last output is the final h itself (no slice, no slice gradient).
        last = final_states[0] if mask is None else getitem(outputs, (slice(None), -1))
        return outputs, last, final_states

    def _run_cell(self, x, states, mask, rec_mask, training):
        """The cell called step by step; ``states`` and the states returned are flat lists."""
        cell = self.cell
        steps = x.shape[1]
        structure = self.state_size
        prev_output = None
        outputs = []
        cell._recurrent_mask = rec_mask
        try:
            for t in range(steps):
                out, new_states = _call_cell(cell, getitem(x, (slice(None), t)),
                                             _pack_states(states, structure), training)
                new_states = _flatten_states(new_states)
                if mask is not None:
                    keep = _step_mask(mask[:, t], out)
                    new_states = [where(_step_mask(mask[:, t], s), n, s)
                                  for n, s in zip(new_states, states)]
                    if prev_output is None:
                        prev_output = zeros(out.shape, out.dtype)
                    fill = zeros(out.shape, out.dtype) if self.zero_output_for_mask \
                        else prev_output
                    out = where(keep, out, fill)
                prev_output = out
                states = new_states
                outputs.append(out)
        finally:
            cell._recurrent_mask = None
        sequence = stack(outputs, axis=1) if self.return_sequences else None
        return sequence, outputs[-1], states

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        units = _output_size(self.cell)
        output = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [output] + _pack_states(self._state_shapes(input_shape), self.state_size)
        return output

    def get_config(self):
        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask)
        if type(self) is RNN:
            # as Keras 3: a serialised cell, so that from_config makes a new one (Bidirectional
            # builds both directions from one config: they must not share a cell)
            config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:
            config["cell"] = _cell_from_config(config["cell"], custom_objects)
        return cls(**config)


def _step_mask(mask_t, like):
    """The ``(batch,)`` step mask shaped to broadcast against ``like``'s rank."""
    return _wrap(mask_t.reshape((-1,) + (1,) * (len(like.shape) - 1)))


_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask")
_LAYER_ARGS = ("name", "trainable", "dtype", "activity_regularizer", "input_shape",
               "batch_input_shape", "batch_size", "input_dim", "input_length", "weights",
               "autocast")


class _CellRNN(RNN):
    """An RNN layer that makes its own cell from the constructor's cell arguments."""

    _cell_class = None

    def __init__(self, units, **kwargs):
        rnn_kwargs = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
        layer_kwargs = {k: kwargs.pop(k) for k in _LAYER_ARGS if k in kwargs}
        kwargs.pop("implementation", None)  # Keras's kernel choice; one implementation here
        from ..backend import snake_case
        cell = self._cell_class(units, name=snake_case(type(self).__name__) + "_cell",
                                dtype=layer_kwargs.get("dtype"), **kwargs)
        super().__init__(cell, **rnn_kwargs, **layer_kwargs)

    def __getattr__(self, name):
        # units, activation, kernel ... read through to the cell, as Keras's properties do.
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    def get_config(self):
        config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            config.pop(key, None)
        config.update(super().get_config())
        return config


class SimpleRNN(_CellRNN):
    """Fully connected RNN: ``h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Takes the arguments of ``SimpleRNNCell`` and of ``RNN``.

    >>> import tapeflow as tf
    >>> tf.keras.layers.SimpleRNN(8, return_sequences=True)(tf.ones((2, 5, 3))).shape
    TensorShape([2, 5, 8])
    """
    _cell_class = SimpleRNNCell


class LSTM(_CellRNN):
    """Long short-term memory layer (Keras 3 gates ``i, f, c, o``; ``unit_forget_bias``).

    Takes the arguments of ``LSTMCell`` and of ``RNN``; ``return_state`` returns
    ``[output, h, c]``.

    >>> import tapeflow as tf
    >>> out, h, c = tf.keras.layers.LSTM(8, return_state=True)(tf.ones((2, 5, 3)))
    >>> out.shape, c.shape
    (TensorShape([2, 8]), TensorShape([2, 8]))
    """
    _cell_class = LSTMCell


class GRU(_CellRNN):
    """Gated recurrent unit layer (Keras 3: gates ``z, r, h``, ``reset_after=True``).

    Takes the arguments of ``GRUCell`` and of ``RNN``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.GRU(8)
    >>> layer(tf.ones((2, 5, 3))).shape, tuple(layer.cell.bias.shape)
    (TensorShape([2, 8]), (2, 24))
    """
    _cell_class = GRUCell
