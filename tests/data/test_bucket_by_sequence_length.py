"""Dataset.bucket_by_sequence_length (and group_by_window, which it is built on)."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.errors import InvalidArgumentError

ELEMENTS = [[0], [1, 2, 3, 4], [5, 6, 7], [7, 8, 9, 10, 11], [13, 14, 15, 16, 19, 20], [21, 22]]


def _source(dtype=tf.int64):
    return tf.data.Dataset.from_generator(lambda: ELEMENTS, dtype, output_shapes=[None])


def _length(elem):
    return tf.shape(elem)[0]


def _lists(ds):
    return [np.asarray(x).tolist() for x in ds.as_numpy_iterator()]


def test_tf_docstring_example():
    ds = _source().bucket_by_sequence_length(_length, bucket_boundaries=[3, 5],
                                             bucket_batch_sizes=[2, 2, 2])
    out = [str(x) for x in ds.as_numpy_iterator()]
    assert out == ["[[1 2 3 4]\n [5 6 7 0]]",
                   "[[ 7  8  9 10 11  0]\n [13 14 15 16 19 20]]",
                   "[[ 0  0]\n [21 22]]"]
    assert all(x.dtype == np.int64 for x in ds.as_numpy_iterator())


def test_experimental_apply_spelling_is_the_same():
    ds = _source().apply(tf.data.experimental.bucket_by_sequence_length(
        _length, [3, 5], [2, 2, 2]))
    assert _lists(ds) == [[[1, 2, 3, 4], [5, 6, 7, 0]],
                          [[7, 8, 9, 10, 11, 0], [13, 14, 15, 16, 19, 20]],
                          [[0, 0], [21, 22]]]


def test_bucket_ids_from_boundaries_and_leftovers_in_bucket_order():
    # lengths 0..7, boundaries [3, 5]: buckets {0,1,2}, {3,4}, {5,6,7}; L == boundary goes up.
    ds = tf.data.Dataset.range(8).map(lambda n: tf.fill([n], n))
    ds = ds.bucket_by_sequence_length(_length, [3, 5], [2, 2, 2])
    rows = [[int(r[0]) if len(r) else 0 for r in np.asarray(b)] for b in ds.as_numpy_iterator()]
    shapes = [np.asarray(b).shape for b in ds.as_numpy_iterator()]
    # full buckets when they fill: {0,1}, {3,4}, {5,6}; then leftovers by bucket id: {2}, {7}
    assert rows == [[0, 1], [3, 4], [5, 6], [2], [7]]
    assert shapes == [(2, 1), (2, 4), (2, 6), (1, 2), (1, 7)]


def test_different_batch_sizes_per_bucket():
    ds = tf.data.Dataset.range(1, 9).map(lambda n: tf.fill([n], n))
    ds = ds.bucket_by_sequence_length(_length, [4], [3, 2])
    assert [b.shape[0] for b in ds.as_numpy_iterator()] == [3, 2, 2, 1]


def test_pad_to_bucket_boundary_and_padding_value_tf_example():
    ds = _source(tf.int32).bucket_by_sequence_length(
        _length, bucket_boundaries=[4, 7], bucket_batch_sizes=[2, 2, 2],
        pad_to_bucket_boundary=True, padding_values=-1)
    out = list(ds.as_numpy_iterator())
    assert [str(x) for x in out] == ["[[ 0 -1 -1]\n [ 5  6  7]]",
                                     "[[ 1  2  3  4 -1 -1]\n [ 7  8  9 10 11 -1]]",
                                     "[[21 22 -1]]",
                                     "[[13 14 15 16 19 20]]"]
    assert all(x.dtype == np.int32 for x in out)


def test_drop_remainder_tf_example():
    ds = _source(tf.int32).bucket_by_sequence_length(
        _length, [4, 7], [2, 2, 2], pad_to_bucket_boundary=True, padding_values=-1,
        drop_remainder=True)
    assert _lists(ds) == [[[0, -1, -1], [5, 6, 7]],
                          [[1, 2, 3, 4, -1, -1], [7, 8, 9, 10, 11, -1]]]


def test_pad_to_bucket_boundary_rejects_the_last_bucket():
    ds = _source().bucket_by_sequence_length(_length, [3], [2, 2], pad_to_bucket_boundary=True)
    with pytest.raises(InvalidArgumentError, match="max\\(bucket_boundaries\\)"):
        list(ds)


def test_pad_to_bucket_boundary_after_map_and_with_padded_shapes():
    ds = tf.data.Dataset.range(1, 5).map(lambda n: (tf.fill([n], n), n))
    out = list(ds.bucket_by_sequence_length(lambda x, y: tf.shape(x)[0], [3, 10], [2, 2, 2],
                                            pad_to_bucket_boundary=True).as_numpy_iterator())
    assert [x.shape for x, _ in out] == [(2, 2), (2, 9)]
    assert [y.tolist() for _, y in out] == [[1, 2], [3, 4]]
    out = list(ds.bucket_by_sequence_length(lambda x, y: tf.shape(x)[0], [3, 10], [2, 2, 2],
                                            padded_shapes=([None], []),
                                            padding_values=(np.int64(9), np.int64(0)),
                                            pad_to_bucket_boundary=True).as_numpy_iterator())
    assert out[0][0].tolist() == [[1, 9], [2, 2]]


def test_padded_shapes_and_values_structure():
    ds = tf.data.Dataset.range(1, 5).map(lambda n: {"tokens": tf.fill([n], n), "label": n})
    ds = ds.bucket_by_sequence_length(lambda d: tf.shape(d["tokens"])[0], [3], [2, 2],
                                      padded_shapes={"tokens": [6], "label": []},
                                      padding_values={"tokens": np.int64(-7),
                                                      "label": np.int64(0)})
    out = list(ds.as_numpy_iterator())
    assert [b["tokens"].shape for b in out] == [(2, 6), (2, 6)]
    assert out[0]["tokens"].tolist() == [[1, -7, -7, -7, -7, -7], [2, 2, -7, -7, -7, -7]]
    assert [b["label"].tolist() for b in out] == [[1, 2], [3, 4]]


def test_no_padding_batches_equal_shapes():
    ds = tf.data.Dataset.range(6).map(lambda n: (tf.fill([3], n), n))
    ds = ds.bucket_by_sequence_length(lambda x, y: y, [3], [2, 2], no_padding=True)
    out = list(ds.as_numpy_iterator())
    assert [y.tolist() for _, y in out] == [[0, 1], [3, 4], [2], [5]]
    ragged = tf.data.Dataset.range(1, 3).map(lambda n: tf.fill([n], n))
    with pytest.raises(Exception):
        list(ragged.bucket_by_sequence_length(_length, [5], [2, 2], no_padding=True))


def test_argument_errors():
    with pytest.raises(ValueError, match=r"`len\(bucket_batch_sizes\)` must equal "
                                         r"`len\(bucket_boundaries\) \+ 1`"):
        _source().bucket_by_sequence_length(_length, [3, 5], [2, 2])
    with pytest.raises(ValueError, match="len\\(bucket_boundaries\\)=1"):
        _source().bucket_by_sequence_length(_length, [3], [2, 2, 2])
    with pytest.raises(InvalidArgumentError, match="greater than zero"):
        list(_source().bucket_by_sequence_length(_length, [3], [0, 2]))
    with pytest.raises(InvalidArgumentError, match="scalar integer"):
        list(_source().bucket_by_sequence_length(lambda e: tf.shape(e), [3], [2, 2]))


def test_group_by_window():
    ds = tf.data.Dataset.from_tensor_slices(np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]))
    ds = ds.group_by_window(lambda x: x % 2, lambda _, xs: xs.batch(4), window_size=4)
    assert _lists(ds) == [[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0], [1]]
    sized = tf.data.Dataset.range(7).group_by_window(
        lambda x: x % 2, lambda key, w: w.batch(10).map(lambda b: (key, b)),
        window_size_func=lambda key: key + 2)
    assert [(int(k), b.tolist()) for k, b in sized.as_numpy_iterator()] == [
        (0, [0, 2]), (1, [1, 3, 5]), (0, [4, 6])]
    with pytest.raises(ValueError, match="window_size"):
        tf.data.Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w)
    with pytest.raises(ValueError, match="window_size"):
        tf.data.Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w, 2, lambda k: 2)
    with pytest.raises(InvalidArgumentError, match="greater than zero"):
        list(tf.data.Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w, 0))
    assert int(tf.data.Dataset.range(3).group_by_window(
        lambda x: x, lambda k, w: w, 2).cardinality()) == tf.data.UNKNOWN_CARDINALITY


def test_each_pass_restarts():
    ds = _source().bucket_by_sequence_length(_length, [3, 5], [2, 2, 2])
    assert _lists(ds) == _lists(ds)


def test_fit_embedding_lstm_on_buckets():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 20, size=n) for n in rng.integers(2, 12, size=40)]
    labels = [np.float32(s.sum() % 2) for s in seqs]
    ds = tf.data.Dataset.from_generator(lambda: zip(seqs, labels),
                                        output_signature=(tf.TensorSpec([None], tf.int64),
                                                          tf.TensorSpec([], tf.float32)))
    ds = ds.bucket_by_sequence_length(lambda x, y: tf.shape(x)[0], [5, 9], [8, 8, 8])
    shapes = [x.shape for x, _ in ds.as_numpy_iterator()]
    assert sum(s[0] for s in shapes) == 40 and len({s[1] for s in shapes}) > 1
    model = tf.keras.Sequential([tf.keras.layers.Embedding(20, 4, mask_zero=True),
                                 tf.keras.layers.LSTM(6),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))
    assert int(model.optimizer.iterations) == 2 * len(shapes)
