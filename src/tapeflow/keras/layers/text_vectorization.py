"""Keras 3's ``TextVectorization``: standardize, split, n-grams, then an index lookup
(semantics: see index_lookup.py)."""
import itertools

from ...backend import np
from ...tensor import Tensor, Variable
from ._preprocessing_base import (_LOOKUP_MODES, _PUNCTUATION, _PreprocessingLayer,
                                  _adapt_batches, _check_mode, _count_rows, _encode,
                                  _encoded_shape, _numpy, _object_array, _out, _pad_rows,
                                  _reject_sparse, _strings, _to_bytes)
from .index_lookup import StringLookup

__all__ = ["TextVectorization"]


# -- TextVectorization ----------------------------------------------------------------------
def _ngrams(tokens, widths):
    """``tf.strings.ngrams(tokens, widths, separator=" ")``: all n-grams of each width in
    turn (no padding; a sequence shorter than a width gives none of it)."""
    return [b" ".join(tokens[i:i + w]) for w in widths for i in range(len(tokens) - w + 1)]


class TextVectorization(_PreprocessingLayer):
    """Turns strings into token index sequences or bag-of-words encodings.

    Each string is standardized, split into tokens, optionally combined into n-grams and
    looked up in the vocabulary (``''`` is the padding/mask token at 0 in ``'int'`` mode,
    ``'[UNK]'`` the OOV token, then the tokens by descending frequency).

    Args:
        max_tokens: the largest vocabulary size, the 1 or 2 special tokens included.
        standardize: ``'lower_and_strip_punctuation'`` (default: ASCII lowercase, then delete
            ASCII punctuation, exactly as Keras's ``tf.strings`` ops), ``'lower'``,
            ``'strip_punctuation'``, ``None`` or a callable taking and returning a string
            tensor.
        split: ``'whitespace'`` (runs of ASCII whitespace), ``'character'`` (Unicode code
            points), ``None`` (each string is one token) or a callable taking a 1-D string
            tensor and returning one list of tokens per string.
        ngrams: None, an int n (all 1..n-grams) or a tuple of n-gram widths.
        output_mode: ``'int'`` (int64 ``(batch, length)``), ``'multi_hot'``, ``'count'``,
            ``'tf_idf'`` (float32 ``(batch, vocabulary size)``) or ``'one_hot'``.
        output_sequence_length: ``'int'`` mode pads with 0 or truncates every sequence to
            this length (default: the longest in the batch).
        pad_to_max_tokens: encodings have ``max_tokens`` columns whatever the vocabulary.
        vocabulary / idf_weights: a fixed vocabulary (list, array or file name) and, for
            ``'tf_idf'``, its weights.
        sparse / ragged: must be False (tapeflow has no sparse or ragged tensors).
        encoding: the text encoding of ``str`` inputs (``'utf-8'``).

    Inputs are a batch of strings of shape ``(batch,)`` or ``(batch, 1)`` (a tensor, array
    or list), e.g. ``tf.keras.Input(shape=(1,), dtype="string")``.

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada']
    >>> layer([["Foo qux, BAR!"], ["qux baz"]]).numpy()
    array([[4, 1, 3, 0],
           [1, 2, 0, 0]])
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", **kwargs):
        kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        if not (standardize is None or callable(standardize) or standardize in (
                "lower_and_strip_punctuation", "lower", "strip_punctuation")):
            raise ValueError("`standardize` must be None, a callable, 'lower_and_strip_"
                             "punctuation', 'lower' or 'strip_punctuation'. Received: "
                             "standardize=%r" % (standardize,))
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError("`split` must be None, a callable, 'whitespace' or 'character'. "
                             "Received: split=%r" % (split,))
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_mode("TextVectorization", output_mode, _LOOKUP_MODES)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)  # a config read back from JSON
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple) and all(
                isinstance(n, int) for n in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             "Received: ngrams=%r" % (ngrams,))
        if output_mode == "int" and not (output_sequence_length is None or isinstance(
                output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: output_sequence_length=%r"
                             % (output_sequence_length,))
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             "'int'. Received output_sequence_length=%r."
                             % (output_sequence_length,))
        _reject_sparse("TextVectorization", sparse)
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` is not supported: tapeflow has "
                             "no RaggedTensor. Sequences are padded with 0 to the longest in "
                             "the batch, or to `output_sequence_length`.")
        super().__init__(**kwargs)
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, has_input_vocabulary=has_input_vocabulary)

    # -- vocabulary -----------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary (a list of str), index ``i`` holding the token that maps to ``i``;
        ``include_special_tokens=False`` leaves out ``''`` and ``'[UNK]'``."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The vocabulary size, the padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for ``'tf_idf'``, the IDF weights) directly; see
        ``StringLookup.set_vocabulary``."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and TF-IDF weights) from ``data``: each string, after
        standardization and splitting, is one document.

        Args:
            data: an array, tensor or list of strings, or a ``tf.data.Dataset`` or other
                iterable of batches of strings.
            batch_size: accepted for tf.keras 2 code; unused.
            steps: read at most this many batches of a dataset or iterable.
        """
        lookup = self._lookup_layer
        state = lookup._start_adapt()
        batches, whole = _adapt_batches(data, steps)
        for batch in batches:
            strings = self._standardized(_strings(batch, self._encoding, self._who()))
            if whole and strings.ndim == 1:
                strings = strings[:, None]
            if self._split is None and self._ngrams is None:
                state.add(lookup._documents(strings), strings.size)
            else:
                state.add(self._tokenized(strings)[0], strings.size)
        lookup._finish_adapt(state)

    # -- preprocessing --------------------------------------------------------------------
    def _who(self):
        return "TextVectorization '%s'" % self.name

    def _standardized(self, strings):
        std = self._standardize
        if std is None:
            return strings
        if callable(std):
            return _strings(_numpy(std(_out(strings))), self._encoding, self._who())
        flat = strings.reshape(-1).tolist()
        if std != "strip_punctuation":  # bytes.lower() is ASCII-only, as tf.strings.lower
            flat = [s.lower() for s in flat]
        if std != "lower":
            flat = [s.translate(None, _PUNCTUATION) for s in flat]
        return _object_array(flat, strings.shape)

    def _tokenized(self, strings):
        """``(token lists, lead shape)``: one token list per string (with ``split``), or
        per row of the last axis (``split=None`` with n-grams)."""
        if self._split is None:
            if strings.ndim == 0:
                raise ValueError("%s: n-grams of unsplit strings need inputs of rank >= 1; "
                                 "got a scalar." % self._who())
            lead = strings.shape[:-1]
            rows = strings.reshape(int(np.prod(lead, dtype=np.int64)), strings.shape[-1])
            sequences = rows.tolist()
        else:
            if strings.ndim > 1:
                if strings.shape[-1] != 1:
                    raise ValueError(
                        "When using `TextVectorization` to tokenize strings, the input rank "
                        "must be 1 or the last shape dimension must be 1. Received: "
                        "inputs.shape=%s with rank=%d" % (strings.shape, strings.ndim))
                strings = strings[..., 0]
            lead = strings.shape
            sequences = self._split_strings(strings.reshape(-1))
        if self._ngrams is not None:
            sequences = [_ngrams(s, self._ngrams) for s in sequences]
        return sequences, lead

    def _split_strings(self, flat):
        if self._split == "whitespace":  # bytes.split() splits on ASCII whitespace only
            return [s.split() for s in flat.tolist()]
        if self._split == "character":
            return [[c.encode("utf-8") for c in s.decode("utf-8", "replace")]
                    for s in flat.tolist()]
        result = self._split(_out(flat))
        if isinstance(result, (Tensor, Variable)):
            result = _numpy(result)
        if isinstance(result, np.ndarray) and result.dtype != object:
            if result.ndim != 2:
                raise ValueError("%s: the `split` callable must return one list of tokens per "
                                 "string (a list of lists or a 2-D array); got shape %s."
                                 % (self._who(), result.shape))
            result = _strings(result, self._encoding, self._who()).tolist()
        rows = [[_to_bytes(t, self._encoding) for t in row] for row in result]
        if len(rows) != flat.size:
            raise ValueError("%s: the `split` callable returned %d rows of tokens for %d "
                             "strings." % (self._who(), len(rows), flat.size))
        return rows

    # -- call -----------------------------------------------------------------------------
    def call(self, inputs):
        strings = self._standardized(
            _strings(np.asarray(inputs._value), self._encoding, self._who()))
        lookup = self._lookup_layer
        if self._split is None and self._ngrams is None:
            ids = lookup._ids(strings)
            if self.output_mode != "int":
                return _out(lookup._encode_ids(ids))
            length = self._output_sequence_length
            if length is not None and ids.ndim:
                ids = ids[..., :length]
                ids = np.pad(ids, [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])])
            return _out(ids)
        sequences, lead = self._tokenized(strings)
        lengths = np.fromiter(map(len, sequences), np.int64, count=len(sequences))
        tokens = np.fromiter(itertools.chain.from_iterable(sequences), object,
                             count=int(lengths.sum()))
        ids = lookup._ids(tokens)
        if self.output_mode == "int":
            padded = _pad_rows(ids, lengths, self._output_sequence_length)
            return _out(padded.reshape(lead + padded.shape[1:]))
        if self.output_mode == "one_hot":  # each token; padding positions are all zeros
            padded = _pad_rows(ids, lengths, fill=-1)
            encoded = _encode(padded[..., None], "one_hot", lookup._depth())
            return _out(encoded.reshape(lead + encoded.shape[1:]))
        depth = lookup._depth()
        rows = np.repeat(np.arange(lengths.size), lengths)
        out = _count_rows(rows, ids, lengths.size, depth)
        if self.output_mode == "multi_hot":
            out = (out > 0).astype(np.float32)
        elif self.output_mode == "tf_idf":
            out = out * lookup._idf(depth)
        return _out(out.reshape(lead + (depth,)))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        lookup = self._lookup_layer
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else (
            None if lookup._vocab is None else lookup.vocabulary_size())
        if self._split is None and self._ngrams is None:
            if self.output_mode == "int":
                length = self._output_sequence_length
                return shape[:-1] + (length,) if shape and length is not None else shape
            return _encoded_shape(shape, self.output_mode, depth)
        lead = shape[:-1] if self._split is None or len(shape) > 1 else shape
        if self.output_mode == "int":
            return lead + (self._output_sequence_length,)
        if self.output_mode == "one_hot":
            return lead + (None, depth)
        return lead + (depth,)

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer.get_config()
        config.update(max_tokens=lookup["max_tokens"], standardize=self._standardize,
                      split=self._split, ngrams=self._ngrams_arg, output_mode=self.output_mode,
                      output_sequence_length=self._output_sequence_length,
                      pad_to_max_tokens=lookup["pad_to_max_tokens"], sparse=False,
                      ragged=False, vocabulary=lookup["vocabulary"],
                      idf_weights=lookup["idf_weights"], encoding=self._encoding,
                      has_input_vocabulary=lookup["has_input_vocabulary"])
        return config
