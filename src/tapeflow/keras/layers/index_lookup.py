"""Keras 3's text and categorical preprocessing layers: ``StringLookup`` and ``IntegerLookup``
here; ``TextVectorization`` (text_vectorization.py), ``CategoryEncoding``, ``Discretization``
and ``Hashing`` (categorical_encoding.py).

Strings are tapeflow's ``tf.string``: NumPy object arrays of UTF-8 ``bytes``; the layers also
take NumPy ``str``/``bytes`` arrays and (nested) Python lists. Outputs are Tensors: ``int64``
indices (as Keras on TensorFlow), ``float32`` one-hot / multi-hot / count / TF-IDF encodings,
``tf.string`` tokens from an inverted ``StringLookup``. No gradient flows through them.

Semantics follow Keras 3 on TensorFlow (keras/src/layers/preprocessing/*.py, read for
behaviour):

* ``adapt()`` ranks the vocabulary by count, ties by the token itself, *descending*
  (``np.lexsort((tokens, counts))[::-1]``): equally frequent ``b"z"`` comes before ``b"a"``.
  An array or list is one batch whose rows (elements, for a 1-D array) are documents; each
  batch of a ``tf.data.Dataset`` or other iterable is one ``update_state`` call, where a 1-D
  batch is a single document (this matters for TF-IDF only).
  ``idf = log(1 + documents / (1 + documents containing the token))``; OOV slots get the mean.
* Text standardization works on the UTF-8 bytes as TensorFlow does: ``tf.strings.lower``
  without an encoding lowercases ASCII only (``"ÉCOLE"`` becomes ``"École"``), the
  punctuation stripped is ASCII ``string.punctuation`` (``"¿"`` and ``"—"`` stay), and
  ``"whitespace"`` splits on runs of ASCII whitespace (``tf.strings.split``; a no-break
  space does not split); ``"character"`` splits Unicode code points.
* Hashing matches TensorFlow bit for bit: ``tf.strings.to_hash_bucket_fast`` is FarmHash
  ``Fingerprint64`` (farmhashna::Hash64, checked against FarmHash's own self-test vectors)
  modulo the bucket count, and the salted ``to_hash_bucket_strong`` is SipHash-2-4 keyed by
  the two salt words. Integers are hashed as their decimal strings (``tf.as_string``). The
  same hash spreads string OOV values over ``num_oov_indices > 1`` buckets; integer OOV
  values use ``value mod num_oov_indices`` (Keras's default ``oov_method="floormod"``).
* ``Discretization.adapt`` uses Keras's own approximate-quantile sketch, so its bin
  boundaries are the ones Keras computes, not exact quantiles.

Differences from Keras: ``sparse=True`` and ``ragged=True`` are rejected (tapeflow has no
sparse or ragged tensors); ``get_config()`` of an adapted layer includes the learned
vocabulary (and TF-IDF weights), since there are no saved-model assets to hold them;
multi-hot/count encodings of rank > 2 inputs reduce the last axis (Keras's TF backend
reduces axis 1); ``CategoryEncoding`` raises on values outside ``[0, num_tokens)``.
"""
import collections
import itertools

from ... import errors
from ...backend import np
from .. import backend as _backend
from ..._string_hash import _decimal_strings, _hash_buckets
from ._preprocessing_base import (_LOOKUP_MODES, _PreprocessingLayer, _adapt_batches,
                                  _check_mode, _encode, _encoded_shape, _integers, _numpy,
                                  _out, _reject_sparse, _strings, _to_bytes)

__all__ = ["StringLookup", "IntegerLookup"]


# -- StringLookup / IntegerLookup -----------------------------------------------------------
class _Vocabulary:
    """A lookup layer's vocabulary, held outside Keras attribute tracking (which would copy
    and walk a large dict on every weight query)."""

    __slots__ = ("tokens", "index", "sorted_keys", "sorted_ids", "idf", "inverse")

    def __init__(self, tokens, start, strings):
        self.tokens = tokens
        self.idf = None
        self.inverse = None  # index -> token array for ``invert=True``, built on first use
        if strings:
            self.index = {t: i for i, t in enumerate(tokens, start)}
        else:
            keys = np.asarray(tokens, np.int64)
            order = np.argsort(keys, kind="stable")
            self.sorted_keys = keys[order]
            self.sorted_ids = order + start

    def find(self, flat, strings):
        """Index of each value of the 1-D ``flat``; -1 where it is not in the vocabulary."""
        if strings:
            return np.fromiter(map(self.index.get, flat.tolist(), itertools.repeat(-1)),
                               np.int64, count=flat.size)
        keys = self.sorted_keys
        if not keys.size:
            return np.full(flat.shape, -1, np.int64)
        pos = np.minimum(np.searchsorted(keys, flat), keys.size - 1)
        return np.where(keys[pos] == flat, self.sorted_ids[pos], -1)


class _AdaptState:
    """Token and document counts gathered by one ``adapt()``."""

    def __init__(self, tf_idf):
        self.counts = collections.Counter()
        self.document_counts = collections.Counter() if tf_idf else None
        self.documents = 0
        self.values = 0

    def add(self, documents, values):
        """Counts a list of documents, each a list of tokens, read from ``values`` inputs."""
        self.counts.update(itertools.chain.from_iterable(documents))
        self.values += values
        if self.document_counts is not None:
            self.document_counts.update(itertools.chain.from_iterable(map(set, documents)))
            self.documents += len(documents)


class _IndexLookup(_PreprocessingLayer):
    """What StringLookup and IntegerLookup share: Keras's ``IndexLookup``."""

    _strings = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                 idf_weights, invert, output_mode, pad_to_max_tokens, sparse, encoding="utf-8",
                 oov_method="floormod", **kwargs):
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("vocabulary_dtype", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        who = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If set, `max_tokens` must be greater than 1. Received: "
                             "max_tokens=%r" % (max_tokens,))
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. "
                             "Received: max_tokens=None")
        if num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. "
                             "Received: num_oov_indices=%r" % (num_oov_indices,))
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError("%s: `oov_method` must be 'floormod' or 'farmhash'. Received: "
                             "oov_method=%r" % (who, oov_method))
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_mode(who, output_mode, _LOOKUP_MODES)
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. Received: "
                             "output_mode=%s" % output_mode)
        _reject_sparse(who, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is "
                             "`'tf_idf'`. Received: output_mode=%s" % output_mode)
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                             "mode, the `idf_weights` argument must also be provided.")
        super().__init__(**kwargs)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = False
        self.encoding = encoding
        self.oov_method = oov_method
        self._has_input_vocabulary = bool(has_input_vocabulary)
        self._vocab = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- vocabulary ---------------------------------------------------------------------
    def _key(self, token):
        """A special token in the form the vocabulary holds (bytes or int)."""
        if token is None:
            return None
        return _to_bytes(token, self.encoding) if self._strings else int(token)

    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self):
        return self._oov_start() + self.num_oov_indices

    def _special_tokens(self):
        return [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices

    def vocabulary_size(self):
        """The vocabulary size, mask and OOV indices included.

        Returns:
            An int: the number of indices the layer outputs (before ``pad_to_max_tokens``).
        """
        learned = 0 if self._vocab is None else len(self._vocab.tokens)
        return self._token_start() + learned

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index ``i`` holding the token that maps to ``i``.

        Args:
            include_special_tokens: include the mask and OOV tokens at the front
                (default True); otherwise only the learned or given tokens.

        Returns:
            A list of ``str`` (StringLookup) or ``int`` (IntegerLookup).
        """
        tokens = [] if self._vocab is None else self._vocab.tokens
        if self._strings:
            tokens = [t.decode(self.encoding) for t in tokens]
        if not include_special_tokens:
            return list(tokens)
        return self._special_tokens() + list(tokens)

    def _vocabulary_keys(self, vocabulary):
        """``vocabulary`` (list, array, tensor or file name) -> a list of bytes/ints."""
        if isinstance(vocabulary, str):
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a "
                                 "vocabulary from file.")
            try:
                with open(vocabulary, encoding=self.encoding) as f:
                    lines = f.read().splitlines()
            except OSError:
                raise ValueError("Vocabulary file %s does not exist." % vocabulary) from None
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines
        values = _numpy(vocabulary).reshape(-1)
        who = "%s vocabulary" % type(self).__name__
        if self._strings:
            return _strings(values, self.encoding, who).tolist()
        return _integers(values, who).tolist()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for ``'tf_idf'``, the IDF weights) directly.

        Args:
            vocabulary: a list, tuple, 1-D array or tensor of tokens, or the name of a text
                file with one token per line. It may start with the mask and OOV tokens
                (exactly as ``get_vocabulary()`` lists them) or leave them out.
            idf_weights: one inverse document frequency per entry of ``vocabulary``
                (required in ``'tf_idf'`` mode, not allowed otherwise). If the special tokens
                are left out, theirs is the mean of the given weights.
        """
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             "Received: output_mode=%s and idf_weights=%r"
                             % (self.output_mode, idf_weights))
        keys = self._vocabulary_keys(vocabulary)
        if not keys:
            raise ValueError("Cannot set an empty vocabulary. Received: vocabulary=%r"
                             % (vocabulary,))
        specials = [self._key(t) for t in self._special_tokens()]
        found_specials = keys[:len(specials)] == specials
        tokens = keys[len(specials):] if found_specials else keys
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             "uniquify your dataset. The repeated terms are: %s" % repeated)
        for name, token, check in (("mask_token", self.mask_token, True),
                                   ("oov_token", self.oov_token, self.invert)):
            if check and token is not None and self._key(token) in tokens:
                raise ValueError(
                    "Found reserved %s %r at an unexpected location in `vocabulary`. The "
                    "vocabulary need not include the OOV and mask tokens: either remove "
                    "them, or put them only at the start in precisely this order: %s."
                    % (name, token, self._special_tokens()))
        size = self._token_start() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab "
                             "size. Received vocabulary size is %d; `max_tokens` is %d."
                             % (size, self.max_tokens))
        self._vocab = _Vocabulary(tokens, self._token_start(), self._strings)
        if idf_weights is not None:
            self._vocab.idf = self._padded_idf(idf_weights, len(keys), found_specials)

    def _padded_idf(self, idf_weights, vocabulary_length, found_specials):
        weights = _numpy(idf_weights).astype(np.float64)
        if len(weights) != vocabulary_length:
            raise ValueError("`idf_weights` must be the same length as vocabulary. "
                             "len(idf_weights) is %d; len(vocabulary) is %d"
                             % (len(weights), vocabulary_length))
        if weights.ndim != 1:
            raise ValueError("TF-IDF data must be a 1-index array. Received shape %s"
                             % (weights.shape,))
        # The special tokens have no document frequency of their own: Keras gives them the
        # mean weight, and zeros to the padding up to max_tokens.
        front = 0 if found_specials else self._token_start()
        back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
        return np.pad(weights, (front, back), constant_values=(np.average(weights), 0.0)) \
            .astype(_backend.floatx())

    # -- adapt ----------------------------------------------------------------------------
    def _documents(self, values):
        """A batch -> documents: rows of a batch of rank >= 2; a 1-D batch is one."""
        if values.ndim <= 1:
            return [values.reshape(-1).tolist()]
        return values.reshape(values.shape[0], int(np.prod(values.shape[1:]))).tolist()

    def _keys(self, values):
        who = "%s '%s'" % (type(self).__name__, self.name)
        return _strings(values, self.encoding, who) if self._strings else _integers(values, who)

    def adapt(self, data, steps=None):
        """Learns the vocabulary from ``data``: tokens by descending count, ties by
        descending token, the first ``max_tokens`` (special tokens included) kept. In
        ``'tf_idf'`` mode it also learns the IDF weights.

        Args:
            data: an array, tensor or (nested) list -- one batch whose rows are documents (a
                1-D array: one document per element) -- or a ``tf.data.Dataset`` or other
                iterable of batches.
            steps: read at most this many batches of a dataset or iterable.
        """
        state = self._start_adapt()
        batches, whole = _adapt_batches(data, steps)
        for batch in batches:
            values = self._keys(batch)
            if whole and values.ndim == 1:
                values = values[:, None]
            state.add(self._documents(values), values.size)
        self._finish_adapt(state)

    def _start_adapt(self):
        if self._has_input_vocabulary:
            raise ValueError("Cannot adapt layer '%s' after setting a static vocabulary via "
                             "the `vocabulary` argument." % self.name)
        return _AdaptState(self.output_mode == "tf_idf")

    def _finish_adapt(self, state):
        if state.values == 0:
            raise ValueError("%s '%s': adapt() received no data; pass a non-empty array, "
                             "list or dataset." % (type(self).__name__, self.name))
        counts = state.counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key(special), None)
        ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
        start = self._token_start()
        if self.max_tokens:
            ranked = ranked[:max(self.max_tokens - start, 0)]
        tokens = [token for token, _ in ranked]
        self._vocab = _Vocabulary(tokens, start, self._strings)
        if state.document_counts is not None:
            in_documents = np.array([state.document_counts[t] for t in tokens], np.float64)
            idf = np.log(1.0 + state.documents / (1.0 + in_documents)).astype(_backend.floatx())
            oov = idf.mean() if idf.size else 0.0
            back = self.max_tokens - start - idf.size if self.pad_to_max_tokens else 0
            self._vocab.idf = np.pad(idf, (start, max(back, 0)), constant_values=(oov, 0.0))

    # -- call -----------------------------------------------------------------------------
    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._vocab is None:
            raise RuntimeError("When using `output_mode=%s` and `pad_to_max_tokens=False`, "
                               "you must set the layer's vocabulary before calling it. Either "
                               "pass a `vocabulary` argument to the layer, or call `adapt` "
                               "with some sample data." % self.output_mode)
        return self.vocabulary_size()

    def _ids(self, values):
        """Vocabulary indices of ``values`` (bytes or int64 array), OOV values hashed into
        the OOV buckets; the mask token is 0 in ``'int'`` mode, -1 (dropped) otherwise."""
        flat = values.reshape(-1)
        if self._vocab is None:
            ids = np.full(flat.shape, -1, np.int64)
        else:
            ids = self._vocab.find(flat, self._strings)
        missing = ids < 0
        masked = None
        if self.mask_token is not None:
            masked = flat == self._key(self.mask_token)
            missing &= ~masked
        if missing.any():
            ids[missing] = self._oov_ids(flat[missing])
        if masked is not None:
            ids[masked] = 0 if self.output_mode == "int" else -1
        return ids.reshape(values.shape)

    def _oov_ids(self, oov):
        buckets = self.num_oov_indices
        if buckets == 0:
            raise errors.InvalidArgumentError(
                None, None, "When `num_oov_indices=0` all inputs should be in vocabulary, "
                "found OOV values %s, consider setting `num_oov_indices=1`." % oov[:10])
        start = self._oov_start()
        if buckets == 1:
            return start
        if self._strings:
            return start + _hash_buckets(oov.tolist(), buckets)
        if self.oov_method == "floormod":
            return start + np.mod(oov, buckets)
        return start + _hash_buckets(_decimal_strings(oov), buckets)

    def _encode_ids(self, ids):
        """The non-``'int'`` outputs for an int64 index array."""
        depth = self._depth()
        if self.output_mode != "tf_idf":
            return _encode(ids, self.output_mode, depth)
        return _encode(ids, "count", depth) * self._idf(depth)

    def _idf(self, depth):
        idf = None if self._vocab is None else self._vocab.idf
        if idf is None:
            raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be "
                             "provided (or learned with `adapt()`).")
        return np.pad(idf, (0, max(depth - idf.size, 0)))[:depth]

    def _inverted(self, values):
        ids = _integers(values, "%s '%s' (invert=True)" % (type(self).__name__, self.name))
        if self._vocab is None:
            self._vocab = _Vocabulary([], self._token_start(), self._strings)
        table = self._vocab.inverse
        if table is None:
            keys = [self._key(t) for t in self._special_tokens()] + list(self._vocab.tokens)
            table = self._vocab.inverse = np.array(keys, object if self._strings else np.int64)
        valid = (ids >= 0) & (ids < table.size)
        out = np.full(ids.shape, self._key(self.oov_token), table.dtype)
        out[valid] = table[ids[valid]]
        return out

    def call(self, inputs):
        values = np.asarray(inputs._value)
        if self.invert:
            return _out(self._inverted(values))
        ids = self._ids(self._keys(values))
        if self.output_mode == "int":
            return _out(ids)
        return _out(self._encode_ids(ids))

    def _output_dtype(self):
        if self.invert:
            return "string" if self._strings else "int64"
        return super()._output_dtype()

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else (
            None if self._vocab is None else self.vocabulary_size())
        return _encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        config = super().get_config()
        vocabulary = self.get_vocabulary() if self._vocab is not None else None
        idf = None
        if self._vocab is not None and self._vocab.idf is not None:
            idf = self._vocab.idf[:len(vocabulary)].tolist()
        config.update(invert=self.invert, max_tokens=self.max_tokens,
                      num_oov_indices=self.num_oov_indices, oov_token=self.oov_token,
                      mask_token=self.mask_token, output_mode=self.output_mode,
                      sparse=self.sparse, pad_to_max_tokens=self.pad_to_max_tokens,
                      vocabulary=vocabulary, idf_weights=idf,
                      has_input_vocabulary=self._has_input_vocabulary)
        return config


class StringLookup(_IndexLookup):
    """Maps strings to vocabulary indices (or encodings of them), or back with ``invert``.

    The vocabulary is given (``vocabulary=`` or ``set_vocabulary``) or learned with
    ``adapt(data)``: most frequent first, ties in descending token order. In ``'int'`` mode
    index 0 is the mask token (if ``mask_token`` is set), then come ``num_oov_indices`` OOV
    indices, then the tokens; in the other modes the mask token is dropped and the OOV
    indices come first.

    Args:
        max_tokens: the largest vocabulary size, special tokens included (``None``: no cap).
        num_oov_indices: OOV indices (default 1). With more than one, an OOV string goes to
            bucket ``Fingerprint64(s) % num_oov_indices`` as in Keras; with 0, OOV inputs
            are an error.
        mask_token: the token for masked inputs (index 0 in ``'int'`` mode), or None.
        oov_token: what ``invert=True`` returns for OOV indices (default ``"[UNK]"``).
        vocabulary: a list/array/tensor of tokens or a text file with one per line.
        idf_weights: with ``output_mode='tf_idf'`` and ``vocabulary``: one weight per token.
        invert: map indices back to tokens (``tf.string`` outputs).
        output_mode: ``'int'`` (int64 indices, same shape as the input), ``'one_hot'``
            (each element), ``'multi_hot'``, ``'count'`` or ``'tf_idf'`` (over the last
            axis: a 1-D input is one sample); the encodings are float32.
        pad_to_max_tokens: encodings have ``max_tokens`` columns whatever the vocabulary.
        sparse: must be False (tapeflow has no sparse tensors).
        encoding: the text encoding of ``str`` inputs and of the vocabulary (``'utf-8'``).

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.StringLookup()
    >>> layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
    >>> layer.get_vocabulary()
    ['[UNK]', 'd', 'z', 'c', 'b', 'a']
    >>> layer([["a", "c", "d"], ["d", "q", "b"]]).numpy()
    array([[5, 3, 1],
           [1, 0, 4]])
    >>> tf.keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="count")(
    ...     ["a", "b", "b", "x"]).numpy()
    array([1., 1., 2.], dtype=float32)
    >>> tf.keras.layers.StringLookup(vocabulary=["a", "b"], invert=True)([2, 0]).numpy()
    array([b'b', b'[UNK]'], dtype=object)
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse,
                         encoding=encoding, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


class IntegerLookup(_IndexLookup):
    """Maps integers to vocabulary indices (or encodings of them), or back with ``invert``.

    Works as ``StringLookup`` does, on int64 tokens; OOV values go to bucket
    ``value mod num_oov_indices`` (``oov_method='floormod'``, Keras's default) or to
    ``Fingerprint64(str(value)) % num_oov_indices`` (``oov_method='farmhash'``).

    Args:
        max_tokens / num_oov_indices / vocabulary / idf_weights / invert / output_mode /
            pad_to_max_tokens / sparse: as for ``StringLookup``.
        mask_token: the integer for masked inputs (index 0 in ``'int'`` mode), or None.
        oov_token: what ``invert=True`` returns for OOV indices (default -1).
        vocabulary_dtype: only ``'int64'``.
        oov_method: ``'floormod'`` or ``'farmhash'`` (see above).

    >>> import numpy as np, tapeflow as tf
    >>> layer = tf.keras.layers.IntegerLookup()
    >>> layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    >>> layer.get_vocabulary()
    [-1, 42, 1138, 1000, 36, 12]
    >>> layer(np.array([[12, 1138, 42], [42, 7, 36]])).numpy()
    array([[5, 2, 1],
           [1, 0, 4]])
    """

    _strings = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             "Received: vocabulary_dtype=%r" % (vocabulary_dtype,))
        mask_token = None if mask_token is None else int(mask_token)
        oov_token = None if oov_token is None else int(oov_token)
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse,
                         oov_method=oov_method, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(vocabulary_dtype="int64", oov_method=self.oov_method)
        return config
