"""StringLookup, IntegerLookup, TextVectorization, CategoryEncoding, Discretization and
Hashing, checked against hand-computed results and the outputs Keras 3 (on TensorFlow)
documents."""
import math

import numpy as np
import pytest

import tapeflow as tf
from tapeflow import _string_hash as tp

layers = tf.keras.layers


def np_of(t):
    assert isinstance(t, tf.Tensor)
    return t.numpy()


# -- StringLookup / IntegerLookup ------------------------------------------------------------
def test_string_lookup_adapt_orders_by_count_then_descending_token():
    data = [["a", "c", "d"], ["d", "z", "b"]]
    layer = layers.StringLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]  # Keras's docstring
    assert layer.vocabulary_size() == 6
    out = layer(data)
    assert out.dtype == tf.int64
    np.testing.assert_array_equal(np_of(out), [[5, 3, 1], [1, 2, 4]])
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]


def test_adapt_drops_special_tokens_and_caps_at_max_tokens():
    data = np.array(["x", "x", "x", "y", "y", "[UNK]", "[UNK]", "[UNK]", "[UNK]", "", "", "",
                     "", "", "w", "v"])
    layer = layers.StringLookup(max_tokens=4, mask_token="")
    layer.adapt(data)
    # mask + OOV take two of the four slots; then x (3), y (2)
    assert layer.get_vocabulary() == ["", "[UNK]", "x", "y"]
    np.testing.assert_array_equal(np_of(layer(["", "x", "v", "y"])), [0, 2, 1, 3])
    ints = layers.IntegerLookup(max_tokens=3)
    ints.adapt(np.array([7, 7, 9, 9, 1, -1, -1, -1]))  # -1 is the OOV token; tie 9 > 7
    assert ints.get_vocabulary() == [-1, 9, 7]


def test_string_lookup_output_modes_match_keras_examples():
    vocab = ["a", "b", "c", "d"]
    one_hot = layers.StringLookup(vocabulary=vocab, output_mode="one_hot")(
        ["a", "b", "c", "d", "z"])
    assert one_hot.dtype == tf.float32
    np.testing.assert_array_equal(np_of(one_hot), np.eye(5)[[1, 2, 3, 4, 0]])
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    np.testing.assert_array_equal(
        np_of(layers.StringLookup(vocabulary=vocab, output_mode="multi_hot")(data)),
        [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    np.testing.assert_array_equal(
        np_of(layers.StringLookup(vocabulary=vocab, output_mode="count")(data)),
        [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    tf_idf = layers.StringLookup(output_mode="tf_idf")
    tf_idf.set_vocabulary(vocab, idf_weights=[0.25, 0.75, 0.6, 0.4])  # OOV gets the mean 0.5
    np.testing.assert_allclose(np_of(tf_idf(data)),
                               [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    explicit = layers.StringLookup(output_mode="tf_idf", vocabulary=["[UNK]"] + vocab,
                                   idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(np_of(explicit(data)),
                               [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    padded = layers.StringLookup(vocabulary=vocab, output_mode="multi_hot", max_tokens=8,
                                 pad_to_max_tokens=True)
    assert padded(data).shape == (2, 8)
    # the mask token is dropped outside 'int' mode; a 1-D input is one sample
    masked = layers.StringLookup(vocabulary=vocab, mask_token="", output_mode="count")
    assert masked.get_vocabulary() == ["[UNK]"] + vocab
    np.testing.assert_array_equal(np_of(masked(["", "a", "a", "q"])), [1, 2, 0, 0, 0])


def test_multiple_oov_buckets_match_keras_examples():
    strings = layers.StringLookup(vocabulary=["a", "b", "c", "d"], num_oov_indices=2)
    np.testing.assert_array_equal(np_of(strings([["a", "c", "d"], ["m", "z", "b"]])),
                                  [[2, 4, 5], [0, 1, 3]])
    ints = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    np.testing.assert_array_equal(np_of(ints(np.array([[12, 1138, 42], [37, 1000, 36]]))),
                                  [[2, 4, 5], [1, 0, 3]])  # floormod: 37 % 2, 1000 % 2
    hashed = layers.IntegerLookup(vocabulary=[5], num_oov_indices=3, oov_method="farmhash")
    expected = [tp._fingerprint64(str(v).encode()) % 3 for v in (7, 8, 123456)]
    np.testing.assert_array_equal(np_of(hashed([7, 8, 123456])), expected)


def test_num_oov_indices_zero_rejects_oov_values():
    layer = layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=0, mask_token="")
    np.testing.assert_array_equal(np_of(layer(["b", "", "a"])), [2, 0, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_oov_indices=0.*b'z'"):
        layer(["a", "z"])


def test_invert_round_trips_strings_and_integers():
    vocab = ["a", "b", "c", "d"]
    data = [["a", "c", "d"], ["d", "z", "b"]]
    ids = layers.StringLookup(vocabulary=vocab)(data)
    tokens = layers.StringLookup(vocabulary=vocab, invert=True)(ids)
    assert tokens.dtype == tf.string
    np.testing.assert_array_equal(np_of(tokens), [[b"a", b"c", b"d"], [b"d", b"[UNK]", b"b"]])
    masked = layers.StringLookup(vocabulary=vocab, mask_token="", invert=True)
    np.testing.assert_array_equal(np_of(masked([0, 1, 2, 9, -3])), [b"", b"[UNK]", b"a",
                                                                    b"[UNK]", b"[UNK]"])
    forward = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    inverse = layers.IntegerLookup(vocabulary=forward.get_vocabulary(), invert=True)
    out = inverse(forward(np.array([[12, 1138, 42], [42, 1000, 36]])))
    assert out.dtype == tf.int64
    np.testing.assert_array_equal(np_of(out), [[12, 1138, 42], [42, -1, 36]])


def test_adapted_tf_idf_weights_are_log_one_plus_documents_over_document_count():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "a", "b"], ["a", "c", "c"], ["a", "b", "d"]])  # three documents
    assert layer.get_vocabulary() == ["[UNK]", "a", "c", "b", "d"]
    idf = [math.log(1 + 3 / (1 + k)) for k in (3, 1, 2, 1)]  # a in 3 docs, c 1, b 2, d 1
    weights = [np.float32(idf).mean()] + idf
    np.testing.assert_allclose(np_of(layer([["a", "c", "c", "q"]])),
                               [[weights[0], weights[1], 2 * weights[2], 0, 0]], rtol=1e-6)
    padded = layers.StringLookup(output_mode="tf_idf", max_tokens=8, pad_to_max_tokens=True)
    padded.adapt([["a", "b"], ["a", "c"]])
    np.testing.assert_allclose(np_of(padded(["a", "b"]))[4:], 0.0)  # [UNK] a c b
    assert padded(["a", "b"]).shape == (8,)
    # a 1-D batch of a dataset is one document, as Keras's update_state has it
    per_batch = layers.StringLookup(output_mode="tf_idf")
    per_batch.adapt(tf.data.Dataset.from_tensor_slices(["a", "a", "b", "c"]).batch(2))
    idf = [math.log(1 + 2 / (1 + k)) for k in (1, 1, 1)]  # vocabulary a (2), c, b
    np.testing.assert_allclose(np_of(per_batch(["a", "b", "c", "q"])),
                               [np.mean(np.float32(idf)), idf[0], idf[1], idf[2]], rtol=1e-6)


def test_integer_lookup_adapt_mask_and_keras_example():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = layers.IntegerLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    np.testing.assert_array_equal(np_of(layer(data)), [[5, 2, 1], [1, 3, 4]])
    masked = layers.IntegerLookup(vocabulary=[3, 5], mask_token=0)
    assert masked.get_vocabulary() == [0, -1, 3, 5]
    np.testing.assert_array_equal(np_of(masked(tf.constant([[0, 3, 5, 9]]))), [[0, 2, 3, 1]])
    np.testing.assert_array_equal(np_of(masked(np.array([3.0, 5.0]))), [2, 3])


def test_lookup_set_vocabulary_validation():
    layer = layers.StringLookup()
    with pytest.raises(ValueError, match="repeated term"):
        layer.set_vocabulary(["a", "b", "a"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        layer.set_vocabulary([])
    with pytest.raises(ValueError, match="mask_token"):
        layers.StringLookup(mask_token="", vocabulary=["a", ""])
    with pytest.raises(ValueError, match="larger than the maximum"):
        layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"])
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(output_mode="tf_idf", vocabulary=["a"])
    with pytest.raises(ValueError, match="after setting a static vocabulary"):
        layers.StringLookup(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(RuntimeError, match="set the layer's vocabulary"):
        layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="max_tokens"):
        layers.IntegerLookup(max_tokens=1)
    with pytest.raises(ValueError, match="oov_method"):
        layers.IntegerLookup(oov_method="modulo")
    with pytest.raises(ValueError, match="invert"):
        layers.StringLookup(invert=True, output_mode="count")


# -- TextVectorization -----------------------------------------------------------------------
def test_text_vectorization_adapt_and_pad_like_keras():
    layer = layers.TextVectorization(max_tokens=5000, output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    out = layer([["foo qux bar"], ["qux baz"]])
    assert out.dtype == tf.int64
    np.testing.assert_array_equal(np_of(out), [[4, 1, 3, 0], [1, 2, 0, 0]])
    fixed = layers.TextVectorization(vocabulary=["earth", "wind", "and", "fire"])
    assert fixed.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert fixed.vocabulary_size() == 6


def test_output_sequence_length_pads_and_truncates():
    vocab = ["a", "b", "c", "d", "e"]
    default = layers.TextVectorization(vocabulary=vocab)
    np.testing.assert_array_equal(np_of(default(["a b c", "d", ""])),
                                  [[2, 3, 4], [5, 0, 0], [0, 0, 0]])  # the longest row
    short = layers.TextVectorization(vocabulary=vocab, output_sequence_length=2)
    np.testing.assert_array_equal(np_of(short(["a b c", "d"])), [[2, 3], [5, 0]])
    long = layers.TextVectorization(vocabulary=vocab, output_sequence_length=5)
    np.testing.assert_array_equal(np_of(long(tf.constant(["e a"]))), [[6, 2, 0, 0, 0]])
    np.testing.assert_array_equal(np_of(long("a b")), [2, 3, 0, 0, 0])  # a scalar string
    unsplit = layers.TextVectorization(vocabulary=vocab, split=None, output_sequence_length=3)
    np.testing.assert_array_equal(np_of(unsplit([["a"], ["zz"]])), [[2, 0, 0], [1, 0, 0]])
    assert layers.TextVectorization(vocabulary=vocab, split=None)([["a"], ["q"]]).shape == (2, 1)


def test_standardization_is_ascii_only_as_in_tensorflow():
    layer = layers.TextVectorization(vocabulary=["hello", "world", "this", "is", "nice",
                                                 "test"])
    np.testing.assert_array_equal(np_of(layer(["Hello, World!. This is just a nice test!"])),
                                  [[2, 3, 4, 5, 1, 1, 6, 7]])  # Keras's own test
    probe = layers.TextVectorization(split=None, output_mode="int")
    probe.set_vocabulary(["école", "Ünïcode", "¿qué", "a\u00a0b", "tab"])

    def vocab_id(text):
        return int(np_of(probe([text]))[0])
    # tf.strings.lower lowercases ASCII only; only ASCII punctuation is stripped
    assert vocab_id("ÉCOLE") == 1 and vocab_id("éCOLE") == 2
    assert vocab_id("ÜNïCODE") == 3 and vocab_id("ÜNÏCODE") == 1  # Ï stays upper case
    assert vocab_id("¿Qué?") == 4
    # a no-break space is not whitespace to tf.strings.split; tab is
    words = layers.TextVectorization(vocabulary=["a\u00a0b", "tab", "x"])
    np.testing.assert_array_equal(np_of(words(["a\u00a0b\ttab\n x"])), [[2, 3, 4]])
    lower = layers.TextVectorization(standardize="lower", vocabulary=["hello,", "world"])
    np.testing.assert_array_equal(np_of(lower(["Hello, WORLD"])), [[2, 3]])
    strip = layers.TextVectorization(standardize="strip_punctuation", vocabulary=["Hello"])
    np.testing.assert_array_equal(np_of(strip(["Hello, hello!"])), [[2, 1]])
    none = layers.TextVectorization(standardize=None, vocabulary=["Hello"])
    np.testing.assert_array_equal(np_of(none(["Hello hello!"])), [[2, 1]])


def test_custom_standardize_and_split_callables_and_character_split():
    def dashes_to_spaces(strings):
        return np.array([s.replace(b"-", b" ") for s in strings.numpy()], dtype=object)

    layer = layers.TextVectorization(standardize=dashes_to_spaces, vocabulary=["foo", "bar"])
    np.testing.assert_array_equal(np_of(layer(["foo-bar"])), [[2, 3]])
    def pipes(strings):
        return [s.split(b"|") for s in strings.numpy()]
    piped = layers.TextVectorization(split=pipes, standardize=None,
                                     vocabulary=["foo", "bar", "foobar"])
    np.testing.assert_array_equal(np_of(piped(["foo|bar", "foobar"])), [[2, 3], [4, 0]])
    # Keras's own test: the default standardization strips "|" before the split
    stripped = layers.TextVectorization(split=pipes, vocabulary=["foo", "bar", "foobar"])
    np.testing.assert_array_equal(np_of(stripped(["foo|bar"])), [[4]])
    dense = layers.TextVectorization(split=lambda s: np.array([["foo", ""], ["bar", "foo"]]),
                                     vocabulary=["foo", "bar"])
    np.testing.assert_array_equal(np_of(dense(["x", "y"])), [[2, 0], [3, 2]])
    flat = layers.TextVectorization(split=lambda s: np.array(["foo", "bar"]), vocabulary=["a"])
    with pytest.raises(ValueError, match="one list of tokens per string"):
        flat(["x", "y"])
    chars = layers.TextVectorization(split="character", vocabulary=list("abcdeé"))
    np.testing.assert_array_equal(np_of(chars(["abcf", "é"])), [[2, 3, 4, 1], [7, 0, 0, 0]])


def test_ngrams_vocabulary_and_output_order():
    layer = layers.TextVectorization(ngrams=2)
    layer.adapt(["foo bar baz"])
    # every token once: descending byte order
    assert layer.get_vocabulary() == ["", "[UNK]", "foo bar", "foo", "baz", "bar baz", "bar"]
    # unigrams first, then bigrams, as tf.strings.ngrams orders them
    np.testing.assert_array_equal(np_of(layer(["bar baz"])), [[6, 4, 5]])
    tri = layers.TextVectorization(ngrams=(1, 3))
    tri.adapt(["foo bar baz"])
    vocab = tri.get_vocabulary()
    assert "foo bar baz" in vocab and "foo bar" not in vocab
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams="invalid")


def test_text_vectorization_encodings():
    vocab = ["foo", "bar", "baz"]
    multi = layers.TextVectorization(output_mode="multi_hot", vocabulary=vocab)
    out = multi([["foo bar"], ["baz foo foo"]])
    assert out.dtype == tf.float32
    np.testing.assert_array_equal(np_of(out), [[0, 1, 1, 0], [0, 1, 0, 1]])
    count = layers.TextVectorization(output_mode="count", vocabulary=vocab)
    np.testing.assert_array_equal(np_of(count(["foo bar", "baz foo foo"])),
                                  [[0, 1, 1, 0], [0, 2, 0, 1]])
    tf_idf = layers.TextVectorization(output_mode="tf_idf", vocabulary=vocab,
                                      idf_weights=[0.3, 0.5, 0.2])
    np.testing.assert_allclose(np_of(tf_idf(["foo bar", "baz foo foo"])),
                               [[0, 0.3, 0.5, 0], [0, 0.6, 0, 0.2]], rtol=1e-6)
    padded = layers.TextVectorization(output_mode="multi_hot", vocabulary=["foo", "bar"],
                                      max_tokens=8, pad_to_max_tokens=True)
    assert padded(["foo bar"]).shape == (1, 8)
    one_hot = layers.TextVectorization(output_mode="one_hot", vocabulary=vocab)
    np.testing.assert_array_equal(np_of(one_hot(["foo bar", "baz"])),
                                  [[[0, 1, 0, 0], [0, 0, 1, 0]], [[0, 0, 0, 1], [0, 0, 0, 0]]])
    adapted = layers.TextVectorization(output_mode="tf_idf")
    adapted.adapt(["a a b", "a c"])  # 2 documents: a in both, b and c in one
    idf_a, idf_1 = math.log(1 + 2 / 3), math.log(1 + 2 / 2)
    assert adapted.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    np.testing.assert_allclose(np_of(adapted(["a a b"])),
                               [[0, 2 * idf_a, 0, idf_1]], rtol=1e-6)


def test_adapt_from_datasets_generators_and_steps():
    texts = ["foo bar", "bar baz", "unique_word"]
    batched = layers.TextVectorization()
    batched.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(2))
    assert batched.get_vocabulary() == ["", "[UNK]", "bar", "uniqueword", "foo", "baz"]
    single = layers.TextVectorization()
    single.adapt(tf.data.Dataset.from_tensor_slices(texts))
    assert single.get_vocabulary() == batched.get_vocabulary()
    limited = layers.TextVectorization()
    limited.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(1), steps=2)
    assert "bar" in limited.get_vocabulary() and "uniqueword" not in limited.get_vocabulary()

    def gen():
        yield ["hello world", "foo bar"]
        yield ["baz qux", "hello foo"]
    generated = layers.TextVectorization()
    generated.adapt(gen())
    assert generated.get_vocabulary()[:4] == ["", "[UNK]", "hello", "foo"]
    lookup = layers.StringLookup()
    lookup.adapt(tf.data.Dataset.from_tensor_slices([["a", "b"], ["b", "c"]]).batch(1))
    assert lookup.get_vocabulary() == ["[UNK]", "b", "c", "a"]


def test_text_vectorization_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("foo\nbar\nbaz\n")
    layer = layers.TextVectorization(vocabulary=str(path))
    np.testing.assert_array_equal(np_of(layer(["foo bar baz unknown"])), [[2, 3, 4, 1]])


def test_adapt_on_100k_strings_is_vectorised_enough():
    rng = np.random.default_rng(0)
    words = np.array(["w%d" % i for i in range(3000)])[rng.integers(0, 3000, (100_000, 6))]
    texts = [" ".join(row) for row in words.tolist()]
    layer = layers.TextVectorization(max_tokens=1000, output_sequence_length=8)
    layer.adapt(texts)  # well under a second; no timing assertion (speed is benchmarked)
    assert layer.vocabulary_size() == 1000
    assert layer(texts[:5]).shape == (5, 8)


# -- models ----------------------------------------------------------------------------------
TEXTS = np.array(["good movie great", "bad film awful", "great acting good", "awful bad plot",
                  "good good fun", "terrible bad", "great fun", "awful terrible",
                  "fun good", "bad bad"])
LABELS = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0])


def test_text_classifier_trains_with_fit_from_a_string_input():
    tf.random.set_seed(0)
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(TEXTS)
    inputs = tf.keras.Input(shape=(1,), dtype="string")
    ids = vectorize(inputs)
    assert tuple(ids.shape) == (None, 4) and ids.dtype == "int64"
    x = layers.Embedding(20, 8)(ids)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(TEXTS[:, None], LABELS, epochs=30, batch_size=5, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0
    probs = model.predict(np.array([["great fun"], ["awful bad"]]), verbose=0)
    assert probs[0, 0] > 0.5 > probs[1, 0]
    assert vectorize.weights == []


def test_sequential_with_1d_string_batches_and_a_dataset():
    vectorize = layers.TextVectorization(max_tokens=20)
    vectorize.adapt(TEXTS)
    model = tf.keras.Sequential([tf.keras.Input(shape=(), dtype="string"), vectorize,
                                 layers.Embedding(20, 4), layers.GlobalAveragePooling1D(),
                                 layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(tf.data.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(4), epochs=1, verbose=0)
    assert model(TEXTS).shape == (10, 1)
    mapped = tf.data.Dataset.from_tensor_slices(TEXTS).batch(3).map(vectorize)
    assert next(iter(mapped)).dtype == tf.int64


# -- CategoryEncoding ------------------------------------------------------------------------
def test_category_encoding_modes_and_count_weights():
    one_hot = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(np_of(one_hot([3, 2, 0, 1])), np.eye(4)[[3, 2, 0, 1]])
    np.testing.assert_array_equal(np_of(one_hot(np.array([[3], [1]]))), np.eye(4)[[3, 1]])
    multi = layers.CategoryEncoding(num_tokens=4)
    np.testing.assert_array_equal(np_of(multi([[0, 1], [0, 0], [1, 2], [3, 1]])),
                                  [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_array_equal(np_of(multi(2)), [0, 0, 1, 0])
    count = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    weights = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    out = count([[0, 1], [0, 0], [1, 2], [3, 1]], count_weights=weights)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(np_of(out), [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0],
                                            [0, .2, 0, .4]], rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="0 <= values < num_tokens"):
        multi([[0, 4]])
    with pytest.raises(ValueError, match="count_weights"):
        multi([[0, 1]], count_weights=[[1.0, 1.0]])
    with pytest.raises(TypeError, match="fractional"):
        multi([0.5])
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()


# -- Discretization --------------------------------------------------------------------------
def test_discretization_fixed_bins_and_encodings():
    x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    layer = layers.Discretization(bin_boundaries=[0., 1., 2.])
    out = layer(x)
    assert out.dtype == tf.int64
    np.testing.assert_array_equal(np_of(out), [[0, 2, 3, 1], [1, 3, 2, 1]])
    # TensorFlow compares in float32: float32(0.1) is above the float64 boundary 0.1
    np.testing.assert_array_equal(np_of(layers.Discretization(bin_boundaries=[0.1])(
        np.array([0.1], np.float32))), [1])
    one_hot = layers.Discretization(bin_boundaries=[0., 1.], output_mode="one_hot")
    np.testing.assert_array_equal(np_of(one_hot([[-1.0], [0.5], [7.0]])), np.eye(3))
    count = layers.Discretization(bin_boundaries=[0., 1.], output_mode="count")
    np.testing.assert_array_equal(np_of(count([[-1.0, 0.5, 0.7]])), [[1, 2, 0]])
    multi = layers.Discretization(bin_boundaries=[0., 1.], output_mode="multi_hot")
    assert multi([[-1.0, 0.5, 0.7]]).dtype == tf.float32


def test_discretization_adapt_matches_keras_quantile_sketch():
    x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    layer = layers.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(x)
    np.testing.assert_array_equal(np_of(layer(x)), [[0, 2, 3, 2], [1, 3, 3, 1]])
    # hand-computed: 8 values of weight 1; the sorted values at cumulative weight 1/4,
    # 1/2 and 3/4 are the 2nd, 4th and 6th
    np.testing.assert_allclose(layer.bin_boundaries, [0.0, 0.5, 1.3], rtol=1e-6)
    uniform = layers.Discretization(num_bins=4)
    uniform.adapt(tf.data.Dataset.from_tensor_slices(np.arange(1000.0)).batch(100))
    np.testing.assert_allclose(uniform.bin_boundaries, [249.0, 499.0, 749.0], atol=10.0)
    with pytest.raises(ValueError, match="use `num_bins` instead"):
        layers.Discretization(bin_boundaries=[1.0]).adapt(x)
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=2)(x)


# -- Hashing ---------------------------------------------------------------------------------
def _farmhash_test_data(size):
    """FarmHash's self-test input: bytes from its own generator (farmhash.cc Setup())."""
    mask, k0 = (1 << 64) - 1, 0xc3a5c85c97cb3127
    a, b, out = 9, 777, bytearray(size)
    for i in range(size):
        a = (a + b) & mask
        b = (b + a) & mask
        a = ((a ^ (a >> 41)) * k0) & mask
        b = (((b ^ (b >> 41)) * k0) + i) & mask
        out[i] = (b >> 37) & 0xff
    return bytes(out)


# (length, high 32 bits, low 32 bits) of farmhashna::Hash64(data + length**2, length), from
# the expected[] table of farmhash.cc's farmhashnaTest: every code path (0, 1-3, 4-7, 8-16,
# 17-32, 33-64 and > 64 bytes, one and two 64-byte blocks).
FARMHASH_VECTORS = [(0, 2598464059, 797982799), (1, 1410420968, 2134990486),
                    (3, 4019337850, 452431531), (5, 2199864459, 3696623795),
                    (9, 4220361840, 1712034059), (16, 65721842, 489963606),
                    (17, 1790705123, 2128624475), (24, 916494250, 1230085527),
                    (32, 126024219, 146044391), (33, 165589978, 1578546616),
                    (53, 2725013602, 3639843023), (65, 1020177209, 734239551),
                    (66, 2610427744, 49703572), (130, 1541946015, 3087190425)]


def test_fingerprint64_matches_farmhash_self_test_vectors():
    data = _farmhash_test_data(130 * 130 + 130)
    for length, high, low in FARMHASH_VECTORS:
        start = length * length
        assert tp._fingerprint64(data[start:start + length]) == (high << 32) | low, length
    # tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) in TF's docs
    assert [tp._fingerprint64(s) % 3 for s in (b"Hello", b"TensorFlow", b"2.x")] == [0, 2, 2]


def test_vectorised_fingerprints_equal_the_scalar_ones():
    rng = np.random.default_rng(0)
    keys = [rng.integers(0, 256, n).astype(np.uint8).tobytes()
            for n in rng.integers(0, 40, 3000)] + [b"", "é".encode()]
    table = tp._fingerprints(keys)
    assert all(table[key] == tp._fingerprint64(key) for key in keys)


def test_siphash_matches_reference_and_tensorflow_docs():
    key = bytes(range(16))
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    assert tp._siphash24(k0, k1, bytes(range(15))) == 0xa129ca6149be45e5  # SipHash paper
    # tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]) in TF's docs
    assert [tp._siphash24(1, 2, s) % 3 for s in (b"Hello", b"TF")] == [2, 0]


def test_hashing_matches_keras_examples():
    inp = [["A"], ["B"], ["C"], ["D"], ["E"]]
    out = layers.Hashing(num_bins=3)(inp)
    assert out.dtype == tf.int64 and out.shape == (5, 1)
    np.testing.assert_array_equal(np_of(out)[:, 0], [1, 0, 1, 1, 2])
    masked = layers.Hashing(num_bins=3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]])
    np.testing.assert_array_equal(np_of(masked)[:, 0], [1, 1, 0, 2, 2])
    np.testing.assert_array_equal(np_of(layers.Hashing(num_bins=3, salt=[133, 137])(inp))[:, 0],
                                  [1, 2, 1, 0, 2])
    np.testing.assert_array_equal(np_of(layers.Hashing(num_bins=3, salt=133)(inp))[:, 0],
                                  [0, 0, 2, 1, 0])


def test_hashing_numbers_as_decimal_strings_and_encodings():
    layer = layers.Hashing(num_bins=7)
    as_strings = np_of(layer(["12", "-5", "0"]))
    np.testing.assert_array_equal(np_of(layer(np.array([12, -5, 0]))), as_strings)
    np.testing.assert_array_equal(np_of(layer(np.array([12.9, -5.2, 0.3]))), as_strings)
    masked = layers.Hashing(num_bins=4, mask_value=0)
    assert np_of(masked([0, 5]))[0] == 0 and np_of(masked([0, 5]))[1] > 0
    one_hot = layers.Hashing(num_bins=3, output_mode="one_hot")([["A"], ["B"]])
    np.testing.assert_array_equal(np_of(one_hot), [[0, 1, 0], [1, 0, 0]])
    multi = layers.Hashing(num_bins=3, output_mode="multi_hot")([["A", "B", "E"]])
    np.testing.assert_array_equal(np_of(multi), [[1, 1, 1]])
    assert layers.Hashing(num_bins=3, dtype="int32")(["A"]).dtype == tf.int32
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=2, salt="x")


# -- configs and shapes ----------------------------------------------------------------------
def test_get_config_from_config_round_trips():
    text = layers.TextVectorization(max_tokens=10, output_sequence_length=3, ngrams=2)
    text.adapt(["a b c", "a b"])
    clone = layers.TextVectorization.from_config(text.get_config())
    assert clone.get_vocabulary() == text.get_vocabulary()
    np.testing.assert_array_equal(np_of(clone(["a b c"])), np_of(text(["a b c"])))
    clone.adapt(["x y"])  # an adapted layer's clone can still adapt
    tf_idf = layers.TextVectorization(output_mode="tf_idf")
    tf_idf.adapt(["a a b", "a c"])
    np.testing.assert_allclose(
        np_of(layers.TextVectorization.from_config(tf_idf.get_config())(["a b q"])),
        np_of(tf_idf(["a b q"])))
    for layer in [layers.StringLookup(vocabulary=["a", "b"], mask_token="", num_oov_indices=2),
                  layers.StringLookup(vocabulary=["a", "b"], output_mode="tf_idf",
                                      idf_weights=[0.5, 0.25]),
                  layers.IntegerLookup(vocabulary=[3, 5], mask_token=0, invert=True),
                  layers.CategoryEncoding(num_tokens=3, output_mode="count"),
                  layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot"),
                  layers.Hashing(num_bins=4, salt=3, mask_value="")]:
        config = layer.get_config()
        again = type(layer).from_config(config)
        assert again.get_config() == config
    adapted = layers.Discretization(num_bins=3)
    adapted.adapt(np.arange(10.0))
    again = layers.Discretization.from_config(adapted.get_config())
    assert again.bin_boundaries == adapted.bin_boundaries
    model = tf.keras.Sequential([tf.keras.Input(shape=(1,), dtype="string"), text,
                                 layers.Embedding(10, 2)])
    rebuilt = tf.keras.Sequential.from_config(model.get_config())
    assert rebuilt(np.array([["a b c"]])).shape == (1, 3, 2)


def test_compute_output_shape():
    text = layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=5)
    assert text.compute_output_shape((None, 1)) == (None, 5)
    assert text.compute_output_shape((None,)) == (None, 5)
    multi = layers.TextVectorization(vocabulary=["a", "b"], output_mode="multi_hot")
    assert multi.compute_output_shape((None, 1)) == (None, 4 - 1)
    assert layers.StringLookup(vocabulary=["a"]).compute_output_shape((2, 3)) == (2, 3)
    one_hot = layers.StringLookup(vocabulary=["a"], output_mode="one_hot")
    assert one_hot.compute_output_shape((None, 1)) == (None, 2)
    assert one_hot.compute_output_shape((None, 3)) == (None, 3, 2)
    assert layers.CategoryEncoding(5).compute_output_shape((None, 3)) == (None, 5)
    assert layers.Discretization([0.0, 1.0], output_mode="count") \
        .compute_output_shape((None, 4)) == (None, 3)
    assert layers.Hashing(8, output_mode="one_hot").compute_output_shape((None, 1)) == (None, 8)
    inputs = tf.keras.Input(shape=(3,), dtype="int64")
    encoded = layers.CategoryEncoding(6)(inputs)
    assert tuple(encoded.shape) == (None, 6) and encoded.dtype == "float32"


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: layers.StringLookup(output_mode="bag"),
    lambda: layers.IntegerLookup(output_mode="bag"),
    lambda: layers.TextVectorization(output_mode="bag"),
    lambda: layers.CategoryEncoding(3, output_mode="tf_idf"),
    lambda: layers.Discretization([0.0], output_mode="tf_idf"),
    lambda: layers.Hashing(3, output_mode="bag"),
])
def test_unknown_output_mode(make):
    with pytest.raises(ValueError, match="output_mode"):
        make()


@pytest.mark.parametrize("make", [
    lambda: layers.StringLookup(output_mode="multi_hot", sparse=True),
    lambda: layers.IntegerLookup(output_mode="count", sparse=True),
    lambda: layers.TextVectorization(output_mode="multi_hot", sparse=True),
    lambda: layers.CategoryEncoding(3, sparse=True),
    lambda: layers.Discretization([0.0], output_mode="one_hot", sparse=True),
    lambda: layers.Hashing(3, output_mode="one_hot", sparse=True),
])
def test_sparse_is_rejected(make):
    with pytest.raises(ValueError, match="sparse=True"):
        make()


def test_ragged_and_bad_text_vectorization_arguments():
    with pytest.raises(ValueError, match="ragged=True.*RaggedTensor"):
        layers.TextVectorization(ragged=True)
    with pytest.raises(ValueError, match="must not be set"):
        layers.TextVectorization(output_mode="multi_hot", output_sequence_length=5)
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="split"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layers.TextVectorization(vocabulary=["a"])([["a", "b"]])


@pytest.mark.parametrize("layer, data", [
    (layers.StringLookup(), []),
    (layers.IntegerLookup(), np.zeros((0, 3), np.int64)),
    (layers.TextVectorization(), []),
    (layers.Discretization(num_bins=3), np.array([])),
])
def test_adapt_on_empty_data(layer, data):
    with pytest.raises(ValueError, match="no data"):
        layer.adapt(data)


def test_wrong_dtypes_get_clear_errors():
    with pytest.raises(TypeError, match="StringLookup .* expects string inputs.*IntegerLookup"):
        layers.StringLookup(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(TypeError, match="IntegerLookup.*integer inputs.*StringLookup"):
        layers.IntegerLookup(vocabulary=[1])(["a"])
    with pytest.raises(TypeError, match="TextVectorization.*string inputs"):
        layers.TextVectorization(vocabulary=["a"])(np.array([1.5]))
    with pytest.raises(TypeError, match="integer inputs"):
        layers.StringLookup(vocabulary=["a"], invert=True)(["a"])
    with pytest.raises(TypeError, match="Discretization.*numbers"):
        layers.Discretization([0.0])(["a"])
    with pytest.raises(TypeError, match="string inputs"):
        layers.StringLookup().adapt(np.array([1.0, 2.0]))
