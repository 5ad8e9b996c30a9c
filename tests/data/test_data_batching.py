"""batch, unbatch, padded_batch, rebatch, window: counts, shapes, values, structures."""
import numpy as np
import pytest

import tapeflow as tf


def as_lists(ds):
    return [tf.nest.map_structure(lambda t: t.numpy().tolist(), e) for e in ds]


def generated(values, spec):
    return tf.data.Dataset.from_generator(lambda: iter(values), output_signature=spec)


def seed_data(n=1000):
    rng = np.random.default_rng(0)
    return rng.random((n, 32)), rng.random((n, 10))


@pytest.mark.parametrize("shuffle", [False, True])
def test_seed_pipeline_batch_counts(shuffle):
    x, y = seed_data()
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(buffer_size=1024)
    batched = ds.batch(64)
    sizes = [(int(a.shape[0]), int(b.shape[0])) for a, b in batched]
    assert sizes == [(64, 64)] * 15 + [(40, 40)]
    assert len(batched) == 16
    dropped = ds.batch(64, drop_remainder=True)
    assert [int(a.shape[0]) for a, _ in dropped] == [64] * 15 and len(dropped) == 15
    a, b = next(iter(batched))
    assert a.dtype == tf.float64 and a.shape == (64, 32) and b.shape == (64, 10)


def test_batches_gather_the_right_rows_together():
    x, y = seed_data(300)
    ds = tf.data.Dataset.from_tensor_slices((x, y, np.arange(300))).shuffle(300, seed=4).batch(64)
    seen = []
    for a, b, i in ds:
        idx = i.numpy()
        np.testing.assert_array_equal(a.numpy(), x[idx])
        np.testing.assert_array_equal(b.numpy(), y[idx])
        seen.extend(idx.tolist())
    assert sorted(seen) == list(range(300))


def test_batch_spec_and_small_values():
    ds = tf.data.Dataset.range(8).batch(3)
    assert as_lists(ds) == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert as_lists(tf.data.Dataset.range(8).batch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert ds.element_spec.shape.as_list() == [None]
    assert tf.data.Dataset.range(8).batch(3, True).element_spec.shape.as_list() == [3]


def test_batch_over_a_generator_stacks_elements():
    ds = generated([(i, [i, i]) for i in range(5)],
                   (tf.data.TensorSpec((), tf.int32), tf.data.TensorSpec((2,), tf.int32))).batch(2)
    assert as_lists(ds) == [([0, 1], [[0, 0], [1, 1]]), ([2, 3], [[2, 2], [3, 3]]), ([4], [[4, 4]])]


def test_batch_of_different_shapes_is_an_error():
    ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.fill([n], n)).batch(3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="padded_batch"):
        list(ds)


def test_batch_across_repeat_boundaries():
    ds = tf.data.Dataset.range(5).repeat(2).batch(4)
    assert as_lists(ds) == [[0, 1, 2, 3], [4, 0, 1, 2], [3, 4]]
    assert len(ds) == 3


def test_batch_size_must_be_positive():
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        tf.data.Dataset.range(3).batch(0)


def test_unbatch_undoes_batch():
    ds = tf.data.Dataset.from_tensor_slices({"a": np.arange(7), "b": np.arange(7.0)})
    assert as_lists(ds.batch(3).unbatch()) == as_lists(ds)
    assert ds.batch(3).unbatch().element_spec["a"].shape == ()


def test_padded_batch_pads_to_the_longest_or_to_given_shapes():
    ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.fill([n], n))
    assert as_lists(ds.padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3]]]
    padded = ds.padded_batch(3, padded_shapes=[4], padding_values=tf.constant(-1, tf.int64))
    assert as_lists(padded) == [[[1, -1, -1, -1], [2, 2, -1, -1], [3, 3, 3, -1]]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller size"):
        list(ds.padded_batch(3, padded_shapes=[2]))


def test_padded_batch_keeps_tuple_structure():
    ds = tf.data.Dataset.range(1, 3).map(lambda n: (tf.fill([n], 1.0), n))
    (x, n), = list(ds.padded_batch(2))
    assert x.numpy().tolist() == [[1.0, 0.0], [1.0, 1.0]] and n.numpy().tolist() == [1, 2]


def test_rebatch_is_unbatch_then_batch():
    ds = tf.data.Dataset.range(10).batch(4)
    assert as_lists(ds.rebatch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert as_lists(ds.rebatch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert as_lists(ds.rebatch([1, 4])) == [[0], [1, 2, 3, 4], [5], [6, 7, 8, 9]]


def test_window_gives_datasets_per_component():
    ds = tf.data.Dataset.range(7).window(3, shift=2, stride=1)
    windows = [[int(v) for v in w] for w in ds]
    assert windows == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
    assert len(ds) == 4
    dropped = tf.data.Dataset.range(7).window(3, 2, 1, drop_remainder=True)
    assert len(dropped) == 3
    flat = dropped.flat_map(lambda w: w.batch(3))
    assert as_lists(flat) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    strided = tf.data.Dataset.range(7).window(2, shift=1, stride=3, drop_remainder=True)
    assert [[int(v) for v in w] for w in strided] == [[0, 3], [1, 4], [2, 5], [3, 6]]


def test_window_of_a_tuple_is_a_tuple_of_datasets():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(4), np.arange(4.0))).window(2)
    a, b = next(iter(ds))
    assert isinstance(a, tf.data.Dataset) and [float(v) for v in b] == [0.0, 1.0]


@pytest.mark.parametrize("seed", range(12))
def test_columnar_path_matches_the_element_path(seed):
    # The same random chain of steps over in-memory data (index plan) and over a generator
    # (element by element) must give the same batches.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    data = np.arange(n * 2).reshape(n, 2)
    columnar = tf.data.Dataset.from_tensor_slices(data)
    streamed = generated(list(data), tf.data.TensorSpec((2,), tf.int64))
    for _ in range(int(rng.integers(1, 5))):
        step = int(rng.integers(0, 5))
        count = int(rng.integers(-1, 12))
        if step == 0:
            columnar, streamed = columnar.repeat(max(count, 0) % 3), streamed.repeat(max(count, 0) % 3)
        elif step == 1:
            columnar, streamed = columnar.take(count), streamed.take(count)
        elif step == 2:
            columnar, streamed = columnar.skip(count), streamed.skip(count)
        elif step == 3:
            k = int(rng.integers(1, 4))
            index = int(rng.integers(0, k))
            columnar, streamed = columnar.shard(k, index), streamed.shard(k, index)
        else:
            columnar, streamed = columnar.cache(), streamed.cache()
    size, drop = int(rng.integers(1, 9)), bool(rng.integers(0, 2))
    assert columnar._index_plan() is not None
    expected = as_lists(streamed.batch(size, drop))
    assert as_lists(columnar.batch(size, drop)) == expected
    assert as_lists(columnar.batch(size, drop)) == expected  # and again (cache replay)
    assert len(columnar.batch(size, drop)) == len(expected)
    assert [x.numpy().tolist() for x in columnar] == [x.numpy().tolist() for x in streamed]
