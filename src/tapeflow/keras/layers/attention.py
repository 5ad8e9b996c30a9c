"""Attention layers (Keras 3): ``Attention`` (dot-product, Luong), ``AdditiveAttention``
(Bahdanau) and ``MultiHeadAttention`` (Vaswani et al.).

Masks follow Keras 3 (``keras/src/layers/attention/``): masked scores get a large negative
number added before the softmax — ``-1e9`` (``-65504``/``-3e4`` in float16), not ``-inf`` —
so a row with every key masked comes out uniform rather than NaN. Masks are constants: they
are NumPy booleans here and never enter the tape.
"""
import math
import string

from ...backend import np
from ...ops.array import expand_dims as _expand_dims
from ...ops.array import reshape as _reshape
from ...ops.linalg import matmul as _matmul
from ...ops.math import tanh as _tanh
from ...ops.nn import softmax as _softmax
from ...ops.reduce import reduce_sum as _reduce_sum
from ...tensor import Tensor, Variable, _wrap
from .. import initializers, random_state
from ._config import get_constraint, get_regularizer, serialize
from .core import Dropout
from ...ops.contraction import contract
from .einsum_dense import EinsumDense
from .layer import _CTX, Layer, _is_symbolic

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]


def _mask_bias(dtype, float16_bias):
    """What Keras adds to a masked score: -1e9, or ``float16_bias`` in float16 (``Attention``
    uses -65504, float16's largest magnitude; ``MultiHeadAttention``'s softmax -3e4)."""
    return float16_bias if np.dtype(dtype) == np.float16 else -1e9


def _bool_mask(mask):
    """A mask (Tensor, array, nested list or None) as a NumPy bool array (or None)."""
    if mask is None:
        return None
    if isinstance(mask, (Tensor, Variable)):
        mask = mask.numpy()
    return np.asarray(mask).astype(bool, copy=False)


def _check_mask(layer, what, mask, shape):
    """A mask must have the rank of ``shape`` and broadcast to it (Keras's masks are
    ``(batch, steps)`` for ``(batch, steps, features)`` inputs)."""
    if mask is None:
        return
    ok = mask.ndim == len(shape) and all(m in (1, s) for m, s in zip(mask.shape, shape))
    if not ok:
        raise ValueError("Layer '%s': %s of shape %s does not match its input: expected shape %s "
                         "(the input shape without the feature axis)"
                         % (layer.name, what, tuple(mask.shape), tuple(shape)))


def _causal_mask(q_len, v_len):
    """``(1, q_len, v_len)``: query step i may attend to key steps j <= i."""
    return np.tril(np.ones((q_len, v_len), dtype=bool))[None]


def _build_sublayer(owner, layer, input_shape):
    """Builds ``layer`` inside ``owner``'s scope, so that its weights' paths are
    ``<owner path>/<layer name>/...`` also when ``owner.build`` is called directly."""
    scope = _CTX.scope
    pushed = not scope or scope[-1] is not owner
    if pushed:
        scope.append(owner)
    try:
        layer.build(input_shape)
    finally:
        if pushed:
            scope.pop()


def _keras_mask(x):
    return getattr(x, "_keras_mask", None)


def _drop_scores_mask(outputs):
    """Keras masks only the attention output: the scores returned beside it get no mask
    (the base class would copy the output's mask onto every output)."""
    if type(outputs) is tuple and len(outputs) == 2 and isinstance(outputs[1], Tensor):
        outputs[1]._keras_mask = None
    return outputs


def _dropout(x, rate, rng):
    """Inverted dropout with the keep mask drawn from ``rng``."""
    shape, dtype = x._value.shape, x._value.dtype
    if rate >= 1.0:
        return x * np.zeros(shape, dtype)
    keep = rng.random(shape) >= rate
    return x * (keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate)))


class Attention(Layer):
    """Dot-product attention (Luong style) over ``[query, value]`` or ``[query, value, key]``.

    ``scores = query @ keyᵀ`` (times a learned scalar ``scale`` if ``use_scale``), or with
    ``score_mode='concat'`` ``scores = concat_score_weight * Σ tanh(scale * (query + key))``;
    then ``softmax(scores) @ value``. Output shape ``(batch, Tq, value_dim)``.

    Args:
        use_scale: learn a scalar ``scale`` weight (initialised to 1).
        score_mode: ``'dot'`` or ``'concat'``.
        dropout: fraction of the attention weights dropped in training.
        seed: int for a reproducible dropout stream.

    Call args: ``inputs`` (a list), ``mask=[query_mask, value_mask]`` (default: the inputs'
    Keras masks), ``training``, ``return_attention_scores`` (also return the weights after
    masking, softmax and dropout), ``use_causal_mask``.

    >>> import tapeflow as tf
    >>> query, value = tf.ones((2, 3, 4)), tf.ones((2, 5, 4))
    >>> out, scores = tf.keras.layers.Attention()([query, value], return_attention_scores=True)
    >>> out.shape, scores.shape
    (TensorShape([2, 3, 4]), TensorShape([2, 3, 5]))
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', "
                             "'concat'}. Received: score_mode=%s" % (score_mode,))
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError("Invalid value received for argument `dropout`. Expected a float "
                             "value between 0 and 1. Received: dropout=%r" % (dropout,))
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.supports_masking = True
        self.scale = None
        self.concat_score_weight = None

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")

    def _check_shapes(self, shapes):
        """Query and key must share the feature size, key and value the batch and steps."""
        q, v = tuple(shapes[0]), tuple(shapes[1])
        k = tuple(shapes[2]) if len(shapes) > 2 else v
        if len(q) != 3 or len(v) != 3 or len(k) != 3:
            raise ValueError("Layer '%s' expects query, value and key of rank 3 (batch, steps, "
                             "features); received shapes %s" % (self.name, [q, v, k]))
        if q[-1] != k[-1]:
            raise ValueError("Layer '%s': query and key must have the same last dimension; "
                             "received query shape %s and key shape %s" % (self.name, q, k))
        if k[:2] != v[:2]:
            raise ValueError("Layer '%s': key and value must have the same batch size and "
                             "number of steps; received key shape %s and value shape %s"
                             % (self.name, k, v))

    def _calculate_scores(self, query, key):
        """``(batch, Tq, Tv)`` scores of every query step against every key step."""
        if self.score_mode == "dot":
            scores = _matmul(query, key, transpose_b=True)
            return scores if self.scale is None else scores * self.scale
        q = _expand_dims(query, -2)  # (batch, Tq, 1, dim) + (batch, 1, Tv, dim)
        k = _expand_dims(key, -3)
        pre = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * _reduce_sum(_tanh(pre), axis=-1)

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        """The keys each query may see: ``(batch, 1, Tv)`` from the value mask (as Keras since
        keras-team/keras#21595; before it a 2-D mask met the scores' wrong axes), anded with
        the ``(1, Tq, Tv)`` causal mask."""
        if v_mask is not None:
            v_mask = v_mask[:, None, :]
        if use_causal_mask:
            causal = _causal_mask(scores.shape[-2], scores.shape[-1])
            return causal if v_mask is None else v_mask & causal
        return v_mask

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """``(softmax(masked scores) @ value, attention weights)``."""
        if scores_mask is not None:
            dtype = scores._value.dtype
            scores = scores + (~scores_mask).astype(dtype) * _mask_bias(dtype, -65504.0)
        weights = _softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = _dropout(weights, self.dropout, self._rng or random_state.generator())
        return _matmul(weights, value), weights

    def _masks(self, inputs, mask):
        """``mask`` as a list of bool arrays, defaulting to the inputs' Keras masks."""
        if mask is None:
            mask = [_keras_mask(x) for x in inputs]
            if all(m is None for m in mask):
                return None
        return [_bool_mask(m) for m in mask]

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        masks = self._masks(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        self._check_shapes([q.shape, v.shape, k.shape])
        q_mask = masks[0] if masks else None
        v_mask = masks[1] if masks else None
        _check_mask(self, "query_mask", q_mask, q.shape[:2])
        _check_mask(self, "value_mask", v_mask, v.shape[:2])
        scores = self._calculate_scores(q, k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        result, weights = self._apply_scores(scores, v, scores_mask, training)
        if q_mask is not None:
            result = result * q_mask[..., None].astype(result._value.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def __call__(self, *args, **kwargs):
        return _drop_scores_mask(super().__call__(*args, **kwargs))

    def compute_mask(self, inputs, mask=None):
        """The query mask (first entry of ``mask``, or the query's Keras mask)."""
        self._validate_inputs(inputs, mask)
        if mask is None:
            mask = [_keras_mask(x) for x in inputs]
        if mask[0] is None:
            return None
        return mask[0] if isinstance(mask[0], Tensor) else _wrap(np.asarray(mask[0]))

    def compute_output_shape(self, input_shape):
        """The query's shape with the value's feature size."""
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not inputs or \
                isinstance(inputs[0], (int, np.integer, type(None))):
            raise ValueError("%s layer must be called on a list of inputs, namely [query, value] "
                             "or [query, value, key]. Received: inputs=%r." % (name, inputs))
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError("%s layer accepts inputs list of length 2 or 3, namely [query, "
                             "value] or [query, value, key]. Received length: %d."
                             % (name, len(inputs)))
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError("%s layer mask must be a list, namely [query_mask, value_mask]. "
                                 "Received: mask=%r." % (name, mask))
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError("%s layer accepts mask list of length 2 or 3. Received: mask "
                                 "list of length %d." % (name, len(mask)))

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return config


class AdditiveAttention(Attention):
    """Additive attention (Bahdanau style): ``scores = Σ scale * tanh(query + key)``.

    ``scale`` is a learned vector of the query's feature size (``use_scale=True``, Glorot
    uniform), else 1. Inputs, masks and outputs as for ``Attention``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.AdditiveAttention()
    >>> layer([tf.ones((2, 3, 4)), tf.ones((2, 5, 4))]).shape, layer.scale.shape
    (TensorShape([2, 3, 4]), TensorShape([4]))
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        t = _tanh(_expand_dims(query, -2) + _expand_dims(key, -3))  # (batch, Tq, Tv, dim)
        return _reduce_sum(t if self.scale is None else self.scale * t, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


# -- MultiHeadAttention ------------------------------------------------------------------------
def _projection_equation(free_dims, bound_dims, output_dims):
    """Keras's projection einsum: ``free_dims`` kept axes (batch included), ``bound_dims``
    contracted, ``output_dims`` new ones. Returns (equation, bias axes, output rank)."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    new = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return "%s%s,%s%s->%s%s" % (free, bound, bound, new, free, new), new, free_dims + output_dims


def _partial_shape(rank, known_last):
    """An EinsumDense ``output_shape``: unknown leading axes, then ``known_last``."""
    return [None] * (rank - len(known_last)) + list(known_last)


def _attention_equations(rank, attn_axes):
    """Einsums for projected tensors of ``rank`` (batch dims, attention dims, heads,
    channels): scores ``key, query -> (batch dims and heads, query attn dims, key attn
    dims)`` and the combination ``scores, value -> query layout``. Same letters as Keras."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, nxt = list(target), rank
    for i in range(rank):
        if i in attn_axes:
            source[i] = letters[nxt]
            nxt += 1
    source = "".join(source)
    product = "".join([target[i] for i in batch] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return ("%s,%s->%s" % (source, target, product), "%s,%s->%s" % (product, source, target),
            len(product))


def _shape(x):
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017), weight for weight as in Keras 3.

    ``query``, ``key`` and ``value`` are projected by ``EinsumDense`` sub-layers named
    ``query``/``key``/``value`` to ``num_heads`` heads (kernels ``(dim, num_heads, key_dim)``);
    each head computes ``softmax(q kᵀ / sqrt(key_dim)) v`` over the attention axes; the
    ``attention_output`` sub-layer projects the heads back to the query's feature size (or
    ``output_shape``). ``model.weights`` order: query, key, value, attention_output, each
    kernel then bias.

    Args:
        num_heads: number of heads. key_dim: size of each query/key head.
        value_dim: size of each value head (default ``key_dim``).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: biases in the four projections.
        output_shape: output feature shape (int or tuple); default the query's last dim.
        attention_axes: input axes attention runs over (default: all but batch and
            features — the sequence axis for ``(batch, steps, features)``).
        flash_attention: accepted and ignored (NumPy has no fused kernel).
        kernel_*/bias_*/activity_regularizer: passed to the four projections.
        seed: int seed of the dropout stream.

    Call args: ``query`` ``(B, T, dim)``, ``value`` ``(B, S, dim)``, ``key`` (default
    ``value``), ``query_mask``/``value_mask``/``key_mask`` (``(B, T)``/``(B, S)``; by default
    the inputs' Keras masks, e.g. from ``Embedding(mask_zero=True)``), ``attention_mask``
    (boolean ``(B, T, S)``, True = may attend; broadcast over heads), ``use_causal_mask``,
    ``return_attention_scores`` (also return ``(B, num_heads, T, S)`` probabilities),
    ``training``. The output carries the query's mask.

    >>> import tapeflow as tf
    >>> mha = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")
    >>> x = tf.ones((3, 5, 8))
    >>> out, scores = mha(x, x, return_attention_scores=True)
    >>> out.shape, scores.shape
    (TensorShape([3, 5, 8]), TensorShape([3, 2, 5, 5]))
    >>> [w.path for w in mha.weights][:2], tuple(mha.weights[0].shape)
    (['mha/query/kernel', 'mha/query/bias'], (8, 2, 4))
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        value_dim = value_dim or None  # Keras: a falsy value_dim means key_dim
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim),
                           ("value_dim", value_dim)):
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, (int, np.integer)) or value <= 0):
                raise ValueError("Layer MultiHeadAttention: `%s` must be a positive integer; "
                                 "received %s=%r" % (arg, arg, value))
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError("Invalid value received for argument `dropout`. Expected a float "
                             "value between 0 and 1. Received: dropout=%r" % (dropout,))
        self._num_heads = int(num_heads)
        self._key_dim = int(key_dim)
        self._value_dim = int(value_dim) if value_dim else self._key_dim
        self._dropout = float(dropout)
        self._use_bias = bool(use_bias)
        if output_shape:
            if isinstance(output_shape, (int, np.integer)):
                output_shape = (int(output_shape),)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError("Invalid `output_shape`: %r. When specified, the `output_shape` "
                                 "should be of type tuple, list, or int." % (output_shape,))
        self._output_shape = output_shape or None
        if isinstance(attention_axes, (int, np.integer)):
            attention_axes = (int(attention_axes),)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple. Received: "
                             "attention_axes=%r" % (attention_axes,))
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        del flash_attention  # accepted for Keras compatibility; there is no fused kernel here
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = get_regularizer(kernel_regularizer)
        self._bias_regularizer = get_regularizer(bias_regularizer)
        self._activity_regularizer = get_regularizer(activity_regularizer)
        self._kernel_constraint = get_constraint(kernel_constraint)
        self._bias_constraint = get_constraint(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # -- building ---------------------------------------------------------------------------
    def build(self, query_shape, value_shape, key_shape=None):
        """Creates the four projections for these input shapes (batch axis included)."""
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_key_value(value_shape, key_shape)
        # Sub-layers are assigned in Keras's order, which gives `weights` Keras's order.
        self._query_dense = self._projection(query_shape, self._key_dim, "query")
        self._key_dense = self._projection(key_shape, self._key_dim, "key")
        self._value_dense = self._projection(value_shape, self._value_dim, "value")
        self._build_attention(len(query_shape) + 1)
        out_dims = self._output_shape or (query_shape[-1],)
        equation, bias_axes, rank = _projection_equation(len(query_shape) - 1, 2, len(out_dims))
        self._output_dense = EinsumDense(
            equation, output_shape=_partial_shape(rank - 1, out_dims),
            bias_axes=bias_axes if self._use_bias else None, name="attention_output",
            **self._sublayer_kwargs())
        heads_shape = self._query_dense.compute_output_shape(query_shape)[:-1] + \
            (self._value_dim,)
        _build_sublayer(self, self._output_dense, heads_shape)

    def _projection(self, input_shape, head_dim, name):
        equation, bias_axes, rank = _projection_equation(len(input_shape) - 1, 1, 2)
        layer = EinsumDense(equation,
                            output_shape=_partial_shape(rank - 1, [self._num_heads, head_dim]),
                            bias_axes=bias_axes if self._use_bias else None, name=name,
                            **self._sublayer_kwargs())
        _build_sublayer(self, layer, input_shape)
        return layer

    def _sublayer_kwargs(self):
        # Each projection gets its own copy of the initializers, as in Keras.
        def clone(init):
            return type(init).from_config(init.get_config()) \
                if isinstance(init, initializers.Initializer) else init
        return dict(kernel_initializer=clone(self._kernel_initializer),
                    bias_initializer=clone(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype_policy)

    def _build_attention(self, rank):
        """Attention axes (as projected-tensor axes), the two einsums, the softmax axes."""
        if self._attention_axes is None:
            axes = tuple(range(1, rank - 2))
        else:
            axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        if not axes or any(not 1 <= a <= rank - 3 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError("Layer '%s': attention_axes=%s must name distinct axes of the "
                             "inputs other than the batch (0) and feature (last) axes; inputs "
                             "have rank %d" % (self.name, self._attention_axes, rank - 1))
        self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = \
            _attention_equations(rank, axes)
        self._norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed,
                                      dtype=self.dtype_policy)

    def _check_key_value(self, value_shape, key_shape):
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be "
                             "equal. Received: value_shape=%s and key_shape=%s"
                             % (tuple(value_shape), tuple(key_shape)))

    def __call__(self, *args, **kwargs):
        if not args and "query" in kwargs:  # mha(query=q, value=v), as Keras allows
            args = (kwargs.pop("query"),)
        if not self.built and args and not _is_symbolic(args[0]):
            value = args[1] if len(args) > 1 else kwargs.get("value")
            key = args[2] if len(args) > 2 else kwargs.get("key")
            if value is None:
                raise TypeError("MultiHeadAttention.call() missing 1 required argument: 'value'")
            self.build(_shape(args[0]), _shape(value), None if key is None else _shape(key))
        return _drop_scores_mask(super().__call__(*args, **kwargs))

    # -- calling ----------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        # Keras reads the masks the inputs carry when none are passed; the key's only if a
        # key was given.
        query_mask = _keras_mask(query) if query_mask is None else query_mask
        value_mask = _keras_mask(value) if value_mask is None else value_mask
        if key_mask is None and key is not None:
            key_mask = _keras_mask(key)
        value = self._convert_input(value)
        key = value if key is None else self._convert_input(key)
        self._check_key_value(value.shape, key.shape)
        mask = self._compute_attention_mask(query, value, key, query_mask, value_mask, key_mask,
                                            attention_mask, use_causal_mask)
        q = self._query_dense(query)  # (B, T, N, key_dim)
        k = self._key_dense(key)  # (B, S, N, key_dim)
        v = self._value_dense(value)  # (B, S, N, value_dim)
        heads, scores = self._compute_attention(q, k, v, mask, training)
        output = self._output_dense(heads)
        if query_mask is not None:
            output._keras_mask = query_mask if isinstance(query_mask, Tensor) else \
                _wrap(np.asarray(query_mask))
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        """``(attention output (B, T, N, value_dim), scores (B, N, T, S))`` from projected
        heads; the scores are returned before dropout, as in Keras."""
        query = query * self._inverse_sqrt_key_dim  # scaled once, on the smaller side
        scores = contract(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 \
            else scores
        return contract(self._combine_equation, dropped, value), scores

    def _masked_softmax(self, scores, mask=None):
        """Softmax over the key axes; masked keys get ``-1e9`` added first (Keras)."""
        if mask is not None:
            # The mask lacks the head axis (and maybe batch axes): insert them before the
            # query/key axes, as Keras does.
            axis = -len(self._attention_axes) * 2 - 1
            for _ in range(scores.ndim - mask.ndim):
                mask = np.expand_dims(mask, axis)
            if mask.ndim != scores.ndim or \
                    any(m not in (1, s) for m, s in zip(mask.shape, scores.shape)):
                raise ValueError("Layer '%s': the attention mask (combined from attention_mask, "
                                 "the query/value/key masks and the causal mask) has shape %s, "
                                 "which does not broadcast to the attention scores of shape %s "
                                 "(batch, heads, query steps, key steps)"
                                 % (self.name, tuple(mask.shape), tuple(scores.shape)))
            dtype = scores._value.dtype
            scores = scores + (~mask).astype(dtype) * _mask_bias(dtype, -3e4)
        n = len(self._norm_axes)
        if n == 1:
            return _softmax(scores, axis=-1)
        # Several key axes: one softmax over their flattened product.
        shape = tuple(scores.shape)
        flat = _reshape(scores, shape[:-n] + (-1,))
        return _reshape(_softmax(flat, axis=-1), shape)

    def _compute_attention_mask(self, query, value, key, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        """The boolean mask of which query steps may attend to which key steps: the query
        mask ``(B, T, 1)``, value and key masks ``(B, 1, S)``, the causal mask ``(1, T, S)``
        and ``attention_mask``, anded. None if there is none."""
        query_mask, value_mask, key_mask = map(_bool_mask, (query_mask, value_mask, key_mask))
        _check_mask(self, "query_mask", query_mask, query.shape[:-1])
        _check_mask(self, "value_mask", value_mask, value.shape[:-1])
        _check_mask(self, "key_mask", key_mask, key.shape[:-1])
        auto = None
        if query_mask is not None:
            auto = query_mask[..., None]
        for m in (value_mask, key_mask):
            if m is not None:
                m = m[..., None, :]
                auto = m if auto is None else auto & m
        if use_causal_mask:
            m = _causal_mask(query.shape[1], value.shape[1])
            auto = m if auto is None else auto & m
        attention_mask = _bool_mask(attention_mask)
        if auto is None:
            return attention_mask
        if attention_mask is None:
            return auto
        try:
            return attention_mask & auto
        except ValueError:
            raise ValueError("Layer '%s': attention_mask of shape %s does not broadcast with "
                             "the (batch, query steps, key steps) mask %s made from the query, "
                             "value and causal masks" % (self.name, tuple(attention_mask.shape),
                                                         tuple(auto.shape))) from None

    # -- shapes and config ------------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            self._check_key_value(value_shape, value_shape if key_shape is None
                                  else tuple(key_shape))
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self._num_heads, key_dim=self._key_dim, value_dim=self._value_dim,
            dropout=self._dropout, use_bias=self._use_bias, output_shape=self._output_shape,
            attention_axes=self._attention_axes,
            kernel_initializer=serialize(self._kernel_initializer),
            bias_initializer=serialize(self._bias_initializer),
            kernel_regularizer=serialize(self._kernel_regularizer),
            bias_regularizer=serialize(self._bias_regularizer),
            activity_regularizer=serialize(self._activity_regularizer),
            kernel_constraint=serialize(self._kernel_constraint),
            bias_constraint=serialize(self._bias_constraint), seed=self.seed)
        return config
