"""Keras 3's ``CategoryEncoding``, ``Discretization`` and ``Hashing`` (semantics: see
index_lookup.py)."""
from ... import errors
from ...backend import np
from .. import backend as _backend
from ..._string_hash import _decimal_strings, _hash_buckets
from ._preprocessing_base import (_ENCODE_MODES, _PreprocessingLayer, _adapt_batches,
                                  _check_mode, _encode, _encoded_shape, _integers, _numpy,
                                  _out, _reject_sparse, _strings, _to_bytes)

__all__ = ["CategoryEncoding", "Discretization", "Hashing"]


# -- CategoryEncoding / Discretization / Hashing ---------------------------------------------
class CategoryEncoding(_PreprocessingLayer):
    """Encodes integer categories in ``[0, num_tokens)`` as one-hot, multi-hot or count
    vectors (float32).

    Args:
        num_tokens: the number of categories.
        output_mode: ``'multi_hot'`` (default; over the last axis, a 1-D input is one
            sample), ``'one_hot'`` (each element; a trailing axis of 1 is replaced) or
            ``'count'``.
        sparse: must be False (tapeflow has no sparse tensors).

    Call arguments:
        inputs: integers in ``[0, num_tokens)``.
        count_weights: in ``'count'`` mode, a weight per input element (summed instead of 1).

    >>> import tapeflow as tf
    >>> tf.keras.layers.CategoryEncoding(4, output_mode="one_hot")([3, 2, 0]).numpy()
    array([[0., 0., 0., 1.],
           [0., 0., 1., 0.],
           [1., 0., 0., 0.]], dtype=float32)
    >>> tf.keras.layers.CategoryEncoding(4)([[0, 1], [0, 0], [1, 2]]).numpy()
    array([[1., 1., 0., 0.],
           [1., 0., 0., 0.],
           [0., 1., 1., 0.]], dtype=float32)
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        _check_mode("CategoryEncoding", output_mode, ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError("`num_tokens` must be >= 1. Received: num_tokens=%r."
                             % (num_tokens,))
        _reject_sparse("CategoryEncoding", sparse)
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs, count_weights=None):
        who = "CategoryEncoding '%s'" % self.name
        ids = _integers(np.asarray(inputs._value), who)
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_tokens):
            bad = ids[(ids < 0) | (ids >= self.num_tokens)].reshape(-1)[0]
            raise errors.InvalidArgumentError(
                None, None, "%s: input values must be in the range 0 <= values < num_tokens "
                "with num_tokens=%d; got %d (input shape %s)."
                % (who, self.num_tokens, bad, ids.shape))
        weights = None
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError("`count_weights` is not used when `output_mode` is not "
                                 "`'count'`. Received `count_weights=%r`." % (count_weights,))
            weights = _numpy(count_weights).astype(np.float64)
            if weights.shape != ids.shape:
                raise ValueError("%s: `count_weights` must have the shape of the inputs %s; "
                                 "got %s." % (who, ids.shape, weights.shape))
        out = _encode(ids, self.output_mode, self.num_tokens, weights)
        return _out(out.astype(self.compute_dtype))

    def _output_dtype(self):
        return self.compute_dtype

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=False)
        return config


def _summarize(values, epsilon):
    """Keras's quantile sketch of a batch: ``[values; weights]``, every ``step``-th sorted
    value, each weighted by ``step`` (about ``1 / epsilon`` of them)."""
    values = np.sort(values.reshape(-1))
    increment = values.size / (1.0 / epsilon)
    step = max(increment, 1)
    picked = values[int(increment)::int(step)]
    return np.stack([picked, np.full(picked.shape, step, picked.dtype)])


def _compress(summary, epsilon):
    """Re-samples a sketch at the cumulative-weight fractions ``epsilon, 2 epsilon, ... 1``
    (linear interpolation) unless it is already that small."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    where = cumulative / cumulative[-1]
    bins = np.interp(fractions, where, summary[0])
    at = np.interp(fractions, where, cumulative)
    return np.stack((bins, np.diff(at, prepend=0.0))).astype(np.float32)


class Discretization(_PreprocessingLayer):
    """Buckets numbers by ranges: ``bin_boundaries=[0., 1., 2.]`` gives the bins
    ``(-inf, 0)``, ``[0, 1)``, ``[1, 2)`` and ``[2, inf)``, indices 0 to 3.

    Args:
        bin_boundaries: increasing boundaries; or
        num_bins: the number of bins, whose boundaries ``adapt(data)`` estimates with
            Keras's approximate-quantile sketch (so they match Keras's).
        epsilon: the sketch's error tolerance (default 0.01).
        output_mode: ``'int'`` (int64 bin indices), ``'one_hot'``, ``'multi_hot'`` or
            ``'count'`` (float32, ``len(bin_boundaries) + 1`` columns).
        sparse: must be False (tapeflow has no sparse tensors).

    >>> import numpy as np, tapeflow as tf
    >>> x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    >>> tf.keras.layers.Discretization(bin_boundaries=[0., 1., 2.])(x).numpy()
    array([[0, 2, 3, 1],
           [1, 3, 2, 1]])
    >>> layer = tf.keras.layers.Discretization(num_bins=4, epsilon=0.01)
    >>> layer.adapt(x)
    >>> layer(x).numpy()
    array([[0, 2, 3, 2],
           [1, 3, 3, 1]])
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        super().__init__(**kwargs)
        _check_mode("Discretization", output_mode, _ENCODE_MODES)
        _reject_sparse("Discretization", sparse)
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. Received: "
                             "`num_bins=%r`" % (num_bins,))
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             "Received: `num_bins=%r` and `bin_boundaries=%r`"
                             % (num_bins, bin_boundaries))
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.__dict__["bin_boundaries"] = None if bin_boundaries is None else \
            [float(b) for b in bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False

    def adapt(self, data, steps=None):
        """Estimates ``num_bins`` quantile bins from ``data`` (an array, list, tensor, or a
        ``tf.data.Dataset`` / iterable of batches, ``steps`` of them at most); all values
        share one set of boundaries."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        summary = np.zeros((2, 0), np.float32)
        batches, _ = _adapt_batches(data, steps)
        for batch in batches:
            if not batch.size:
                continue
            if batch.dtype.kind not in "iufb":
                raise TypeError("Discretization '%s' adapts to numbers; got dtype %s."
                                % (self.name, batch.dtype))
            merged = np.concatenate(
                (_summarize(batch.astype(np.float32), self.epsilon), summary), axis=1)
            summary = _compress(merged[:, np.argsort(merged[0])], self.epsilon)
        if not summary.size:
            raise ValueError("Discretization '%s': adapt() received no data; pass a "
                             "non-empty array or dataset." % self.name)
        self.__dict__["bin_boundaries"] = _compress(summary, 1.0 / self.num_bins)[0, :-1] \
            .tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can start "
                             "using the `Discretization` layer.")
        values = np.asarray(inputs._value)
        if values.dtype.kind not in "iufb":
            raise TypeError("Discretization '%s' expects numbers; got dtype %s."
                            % (self.name, values.dtype))
        # TensorFlow's Bucketize compares in float32 (its boundaries are a float32 list).
        boundaries = np.asarray(self.bin_boundaries, np.float32)
        ids = np.searchsorted(boundaries, values.astype(np.float32), side="right") \
            .astype(np.int64)
        if self.output_mode == "int":
            return _out(ids)
        return _out(_encode(ids, self.output_mode, len(self.bin_boundaries) + 1))

    def compute_output_shape(self, input_shape):
        depth = None if self.bin_boundaries is None else len(self.bin_boundaries) + 1
        return _encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins,
                      epsilon=self.epsilon, output_mode=self.output_mode, sparse=False)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None)
        if config.get("num_bins") is None:
            return cls(bin_boundaries=boundaries, **config)
        layer = cls(**config)  # adapted: both are set, which __init__ refuses
        layer.__dict__["bin_boundaries"] = boundaries
        return layer


class Hashing(_PreprocessingLayer):
    """Hashes strings or integers into ``num_bins`` bins, as Keras on TensorFlow does.

    The hash is FarmHash ``Fingerprint64`` (``tf.strings.to_hash_bucket_fast``), or, with a
    ``salt``, SipHash-2-4 keyed by it (``to_hash_bucket_strong``); integers are hashed as
    their decimal strings and floats are first cast to int64, so bins equal TensorFlow's.

    Args:
        num_bins: the number of bins, the mask bin included.
        mask_value: inputs equal to it go to bin 0 and the others to ``1 + hash %
            (num_bins - 1)``; None (default): no mask bin.
        salt: an int ``k`` (the key ``(k, k)``) or two ints: use the keyed SipHash.
        output_mode: ``'int'`` (default), ``'one_hot'``, ``'multi_hot'`` or ``'count'``.
        sparse: must be False (tapeflow has no sparse tensors).
        dtype: of the output (default int64 for ``'int'``, float32 otherwise).

    >>> import tapeflow as tf
    >>> tf.keras.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).numpy().T
    array([[1, 0, 1, 1, 2]])
    >>> tf.keras.layers.Hashing(num_bins=3, salt=[133, 137])(["A", "B", "C", "D", "E"]).numpy()
    array([1, 2, 1, 0, 2])
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else _backend.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             "values. Received: num_bins=%r." % (num_bins,))
        if output_mode == "int" and self.compute_dtype not in ("int32", "int64"):
            raise ValueError("When `output_mode=\"int\"`, `dtype` should be an integer type, "
                             "'int32' or 'int64'. Received: dtype=%s" % self.compute_dtype)
        _check_mode("Hashing", output_mode, _ENCODE_MODES)
        _reject_sparse("Hashing", sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of "
                                 "size 2 integers, or a single integer. Received: salt=%r."
                                 % (salt,))
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.__dict__["salt"] = salt
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = False

    def _bins(self, values):
        strings = values.dtype.kind in "USO"
        mask = self.mask_value
        if strings:
            values = _strings(values, "utf-8", "Hashing '%s'" % self.name)
            mask = None if mask is None else _to_bytes(mask, "utf-8")
        bins = self.num_bins
        masked = None
        if mask is not None and bins > 1:
            bins -= 1
            masked = values == mask
        if strings:
            keys = values.reshape(-1).tolist()
        elif values.dtype.kind == "f":  # as Keras: floats are truncated to int64 first
            keys = _decimal_strings(values.astype(np.int64))
        else:
            keys = _decimal_strings(values)
        out = _hash_buckets(keys, bins, self.salt).reshape(values.shape)
        if masked is not None:
            out = np.where(masked, 0, out + 1)
        return out

    def call(self, inputs):
        values = np.asarray(inputs._value)
        if values.dtype.kind not in "iufbUSO":
            raise TypeError("Hashing '%s' takes strings or numbers; got dtype %s."
                            % (self.name, values.dtype))
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self._bins(values)
        if self.output_mode != "int":
            bins = _encode(bins, self.output_mode, self.num_bins)
        return _out(bins.astype(self.compute_dtype))

    def _output_dtype(self):
        return self.compute_dtype

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "one_hot" and shape and shape[-1] == 1:
            shape = shape[:-1]
        return _encoded_shape(shape, self.output_mode, self.num_bins)

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=False)
        return config
