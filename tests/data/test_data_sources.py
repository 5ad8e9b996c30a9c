"""Dataset sources: from_tensor_slices, from_tensors, from_generator, range, zip, concatenate."""
import collections

import numpy as np
import pytest

import tapeflow as tf


def as_lists(ds):
    return [tf.nest.map_structure(lambda t: t.numpy().tolist(), e) for e in ds]


def test_slices_of_a_tuple_give_rows_with_tf_dtypes():
    x = np.arange(6.0).reshape(3, 2)          # float64 stays float64
    ds = tf.data.Dataset.from_tensor_slices((x, [1, 2, 3], [0.5, 1.5, 2.5]))
    elements = list(ds)
    assert len(elements) == 3
    a, b, c = elements[1]
    assert isinstance(a, tf.Tensor)
    assert (a.dtype, b.dtype, c.dtype) == (tf.float64, tf.int32, tf.float32)
    assert a.numpy().tolist() == [2.0, 3.0] and int(b) == 2 and float(c) == 1.5
    assert b.shape == ()


def test_slices_of_a_list_stack_it_into_one_tensor():
    ds = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]])
    assert as_lists(ds) == [[1, 2], [3, 4], [5, 6]]
    # TF's documented example: a tuple of lists gives tuples
    ds = tf.data.Dataset.from_tensor_slices(([1, 2], [3, 4], [5, 6]))
    assert as_lists(ds) == [(1, 3, 5), (2, 4, 6)]


def test_slices_of_nested_dicts_and_tensors():
    x = tf.constant([[1.0], [2.0]])
    ds = tf.data.Dataset.from_tensor_slices({"b": {"x": x, "n": np.array([7, 8])}, "a": (x, x)})
    first = next(iter(ds))
    assert list(first) == ["b", "a"] and isinstance(first["a"], tuple)
    assert first["b"]["n"].dtype == tf.int64 and float(first["a"][1][0]) == 1.0


def test_slices_keep_namedtuples():
    Pair = collections.namedtuple("Pair", "x y")
    ds = tf.data.Dataset.from_tensor_slices(Pair(np.zeros(2), np.ones(2)))
    e = next(iter(ds))
    assert isinstance(e, Pair) and float(e.y) == 1.0


def test_ragged_first_dimensions_name_the_shapes():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2,\)"):
        tf.data.Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(2)))


def test_empty_and_scalar_components_are_errors():
    with pytest.raises(ValueError, match="should not be empty"):
        tf.data.Dataset.from_tensor_slices(())
    with pytest.raises(ValueError, match="cannot be sliced"):
        tf.data.Dataset.from_tensor_slices(3.0)


def test_slices_copy_the_source_once_and_elements_are_views_of_that_copy():
    x = np.arange(12.0).reshape(6, 2)
    ds = tf.data.Dataset.from_tensor_slices(x)
    x[0, 0] = 100.0                      # the caller's array changes later: the data does not
    row = next(iter(ds)).numpy()
    assert row[0] == 0.0
    assert np.shares_memory(row, ds._columns[0]) and not row.flags.writeable  # no per-row copy


def test_from_tensors_is_one_element():
    ds = tf.data.Dataset.from_tensors(([1, 2, 3], 4.0))
    assert len(ds) == 1
    (a, b), = list(ds)
    assert a.shape == (3,) and b.dtype == tf.float32


def test_range_is_int64_with_python_semantics():
    assert as_lists(tf.data.Dataset.range(5)) == [0, 1, 2, 3, 4]
    assert as_lists(tf.data.Dataset.range(2, 9, 3)) == [2, 5, 8]
    assert as_lists(tf.data.Dataset.range(5, 0, -2)) == [5, 3, 1]
    assert next(iter(tf.data.Dataset.range(3))).dtype == tf.int64
    assert tf.data.Dataset.range(3, output_type=tf.int32).element_spec.dtype == tf.int32
    assert len(tf.data.Dataset.range(10, 2)) == 0


def test_generator_with_output_signature_streams_and_checks():
    calls = []

    def gen():
        calls.append(1)
        for i in range(3):
            yield i, np.full((2,), i, np.float64)

    ds = tf.data.Dataset.from_generator(gen, output_signature=(
        tf.TensorSpec((), tf.int32), tf.TensorSpec((None,), tf.float32)))
    assert tf.data.TensorSpec is tf.TensorSpec
    assert ds.element_spec[1].shape.as_list() == [None]
    assert calls == []  # nothing is read before iteration
    out = list(ds)
    assert [int(a) for a, _ in out] == [0, 1, 2]
    assert out[0][0].dtype == tf.int32 and out[2][1].dtype == tf.float32
    list(ds)
    assert len(calls) == 2  # each pass calls the generator anew
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY


def test_generator_with_legacy_types_and_args():
    def gen(n):
        for i in range(int(n)):
            yield {"a": [i] * 2}
    ds = tf.data.Dataset.from_generator(gen, output_types={"a": tf.int64},
                                        output_shapes={"a": [2]}, args=(3,))
    assert as_lists(ds) == [{"a": [0, 0]}, {"a": [1, 1]}, {"a": [2, 2]}]


def test_generator_that_yields_the_wrong_structure_is_an_error():
    def gen():
        yield 1, 2, 3
    ds = tf.data.Dataset.from_generator(gen, output_signature=(
        tf.data.TensorSpec((), tf.int32), tf.data.TensorSpec((), tf.int32)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="did not match the expected structure"):
        list(ds)


def test_generator_that_yields_the_wrong_shape_or_type_is_an_error():
    def gen():
        yield np.zeros(3)
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.data.TensorSpec((2,), tf.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \(3,\).*shape \(2,\)"):
        list(ds)

    def words():
        yield "not a number"
    ds = tf.data.Dataset.from_generator(words, output_signature=tf.data.TensorSpec((), tf.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected type was float32"):
        list(ds)


def test_generator_needs_a_callable_and_a_signature():
    with pytest.raises(TypeError, match="callable"):
        tf.data.Dataset.from_generator([1, 2], output_signature=tf.data.TensorSpec((), tf.int32))
    with pytest.raises(TypeError, match="output_signature"):
        tf.data.Dataset.from_generator(lambda: iter([1]))


def test_zip_is_as_long_as_the_shortest_and_keeps_structure():
    a = tf.data.Dataset.range(3)
    b = tf.data.Dataset.from_tensor_slices({"v": [10.0, 11.0]})
    assert as_lists(tf.data.Dataset.zip(a, b)) == [(0, {"v": 10.0}), (1, {"v": 11.0})]
    assert as_lists(tf.data.Dataset.zip((a, b))) == as_lists(tf.data.Dataset.zip(a, b))
    assert len(tf.data.Dataset.zip(a, b)) == 2
    assert len(tf.data.Dataset.zip(a, b.repeat())) == 3
    with pytest.raises(TypeError, match="at least one"):
        tf.data.Dataset.zip()


def test_concatenate_chains_and_checks_dtypes():
    a = tf.data.Dataset.range(2)
    ds = a.concatenate(tf.data.Dataset.range(5, 7))
    assert as_lists(ds) == [0, 1, 5, 6] and len(ds) == 4
    with pytest.raises(TypeError, match="Incompatible"):
        a.concatenate(tf.data.Dataset.from_tensor_slices([1.0]))


def test_element_spec_and_iterator_protocol():
    ds = tf.data.Dataset.from_tensor_slices((np.zeros((4, 3), np.float32), np.arange(4)))
    spec = ds.element_spec
    assert spec[0].shape == (3,) and spec[0].dtype == tf.float32 and spec[1].dtype == tf.int64
    it = iter(ds)
    for _ in range(4):
        it.get_next()
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()


def test_get_single_element():
    assert int(tf.data.Dataset.range(1).get_single_element()) == 0
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than one"):
        tf.data.Dataset.range(2).get_single_element()


def test_zip_of_in_memory_sources_batches_like_one_source():
    x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    zipped = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(x),
                                  tf.data.Dataset.from_tensor_slices({"y": y}),
                                  tf.data.Dataset.range(100)))
    assert zipped._index_plan() is not None  # stays columnar
    batches = list(zipped.shuffle(5, seed=0).batch(2))
    assert [int(b[0].shape[0]) for b in batches] == [2, 2, 1]
    for bx, by, bi in batches:
        np.testing.assert_array_equal(bx.numpy(), x[by["y"].numpy()])
        np.testing.assert_array_equal(bi.numpy(), by["y"].numpy())


def test_generator_pipelines_stream():
    import itertools
    endless = tf.data.Dataset.from_generator(itertools.count, output_signature=tf.data.TensorSpec(
        (), tf.int64))
    ds = endless.map(lambda i: i * 2).batch(3).take(2)
    assert [b.numpy().tolist() for b in ds] == [[0, 2, 4], [6, 8, 10]]


def test_text_components_become_bytes_strings():
    names = np.array(["ann", "bob"], dtype=object)   # as a pandas text column holds them
    ds = tf.data.Dataset.from_tensor_slices({"name": names, "code": ["x", "y"]})
    assert ds.element_spec["name"].dtype == tf.string
    assert list(ds.as_numpy_iterator()) == [{"name": b"ann", "code": b"x"},
                                            {"name": b"bob", "code": b"y"}]
    assert next(iter(ds.batch(2)))["name"].numpy().tolist() == [b"ann", b"bob"]
