"""``Embedding``: integer ids -> dense vectors, optionally masking id 0."""
from ...backend import np
from ...ops.array import gather
from ...ops.math import cast, not_equal
from ...tensor import Tensor, _wrap
from .. import initializers
from ._config import get_constraint, get_regularizer, serialize as _serialize
from .layer import Layer

__all__ = ["Embedding"]


class Embedding(Layer):
    """Looks up row ``i`` of an ``(input_dim, output_dim)`` table for every id ``i``.

    Args:
        input_dim: vocabulary size (ids are in ``[0, input_dim)``).
        output_dim: vector size.
        embeddings_initializer: default ``'uniform'`` (U(−0.05, 0.05)).
        embeddings_regularizer / embeddings_constraint: as for any weight.
        mask_zero: id 0 is padding: the output carries a mask ``ids != 0`` that recurrent
            layers and ``GlobalAveragePooling1D`` honour (so the vocabulary needs
            ``input_dim = real ids + 1``).

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.Embedding(10, 3, mask_zero=True)
    >>> y = layer(tf.constant([[4, 2, 0]]))
    >>> y.shape, y._keras_mask.numpy().tolist()
    (TensorShape([1, 3, 3]), [[True, True, False]])
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 **kwargs):
        kwargs.pop("input_length", None)
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError("Both `input_dim` and `output_dim` should be positive, "
                                 "Received %s=%r" % (name, value))
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = get_regularizer(embeddings_regularizer)
        self.embeddings_constraint = get_constraint(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def call(self, inputs):
        ids = inputs if isinstance(inputs, Tensor) else _wrap(np.asarray(inputs))
        kind = ids._value.dtype.kind
        if kind not in "iu":
            if kind != "f" or np.any(ids._value != np.round(ids._value)):
                raise ValueError("Layer '%s' (Embedding) expects integer ids, got dtype %s"
                                 % (self.name, ids.dtype.name))
            ids = cast(ids, "int32")
        values = ids._value
        if values.size and (values.min() < 0 or values.max() >= self.input_dim):
            bad = values[(values < 0) | (values >= self.input_dim)].reshape(-1)[0]
            raise ValueError("Layer '%s' (Embedding): id %d is outside the vocabulary [0, %d) "
                             "(input shape %s)" % (self.name, int(bad), self.input_dim,
                                                   tuple(values.shape)))
        return gather(self.embeddings, ids)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=_serialize(self.embeddings_initializer),
                      embeddings_regularizer=_serialize(self.embeddings_regularizer),
                      embeddings_constraint=_serialize(self.embeddings_constraint),
                      mask_zero=self.mask_zero)
        return config
