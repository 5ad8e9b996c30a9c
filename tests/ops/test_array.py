"""Forward values, dtypes and errors of the shape and indexing ops."""
import numpy as np
import pytest

import tapeflow as tf

A = np.arange(24, dtype=np.float64).reshape(2, 3, 4)


@pytest.mark.parametrize("key", [
    0, -1, (1, 2), (slice(None), 0), (Ellipsis, 1), (slice(None, None, 2),),
    (slice(None, None, -1), slice(1, None)), (None, 0), (0, None, slice(None, None, -2)),
    (Ellipsis, None), (np.array([1, 0, 1]),), (slice(None), np.array([2, -1])),
    (A[..., 0] > 5,), (0, slice(1, 3), np.array([3, 0])), (-1, -1, -1),
], ids=str)
def test_getitem_matches_numpy(key):
    out = tf.constant(A)[key]
    np.testing.assert_array_equal(out.numpy(), A[key])
    assert out.shape == A[key].shape


def test_getitem_with_tensors_and_newaxis():
    t = tf.constant(A)
    np.testing.assert_array_equal(t[tf.constant([1, 0])].numpy(), A[[1, 0]])
    np.testing.assert_array_equal(t[tf.constant(1)].numpy(), A[1])
    mask = tf.constant([True, False])
    np.testing.assert_array_equal(t[mask].numpy(), A[[True, False]])
    assert t[:, tf.newaxis].shape == (2, 1, 3, 4)


def test_getitem_gradient_is_dense_with_zeros_outside():
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[1:3]) + x[tf.constant([0, 0])][0]
    assert tape.gradient(y, x).numpy().tolist() == [1.0, 1.0, 1.0, 0.0]


def test_getitem_out_of_range_is_a_clear_error():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.constant([1.0, 2.0])[5]
    assert "(2,)" in str(e.value)


def test_reshape_and_errors():
    t = tf.constant(A)
    assert tf.reshape(t, [4, -1]).shape == (4, 6)
    assert tf.reshape(t, tf.constant([6, 4])).shape == (6, 4)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.reshape(t, [5, 5])
    assert "24" in str(e.value) and "[5, 5]" in str(e.value)


def test_expand_dims_squeeze():
    t = tf.constant(A)
    assert tf.expand_dims(t, -1).shape == (2, 3, 4, 1)
    assert tf.expand_dims(t, 0).shape == (1, 2, 3, 4)
    assert tf.squeeze(tf.ones([1, 3, 1])).shape == (3,)
    assert tf.squeeze(tf.ones([1, 3, 1]), axis=-1).shape == (1, 3)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.squeeze(tf.ones([2, 3]), axis=0)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.expand_dims(t, 5)


def test_concat_stack_unstack_split():
    a, b = np.ones((2, 3)), np.zeros((2, 2))
    np.testing.assert_array_equal(tf.concat([a, b], axis=-1).numpy(), np.concatenate([a, b], 1))
    s = tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], axis=1)
    assert s.numpy().tolist() == [[1, 3], [2, 4]]
    parts = tf.unstack(tf.constant(A), axis=1)
    assert len(parts) == 3 and parts[2].shape == (2, 4)
    pieces = tf.split(tf.constant(A), [1, -1], axis=2)
    assert [p.shape for p in pieces] == [(2, 3, 1), (2, 3, 3)]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.concat([a, np.ones((3, 3))], axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.split(tf.constant(A), 5, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.concat([tf.ones([1]), tf.ones([1], dtype=tf.float64)], 0)
    assert "tf.cast" in str(e.value)


def test_tile_pad_values():
    x = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(tf.tile(x, [2, 3]).numpy(), np.tile(x, (2, 3)))
    for mode in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        out = tf.pad(tf.constant(A), [[0, 1], [1, 1], [2, 0]], mode=mode).numpy()
        np.testing.assert_array_equal(out, np.pad(A, [[0, 1], [1, 1], [2, 0]], mode=mode.lower()))
    out = tf.pad(tf.constant([1.0]), [[1, 1]], constant_values=9.0)
    assert out.numpy().tolist() == [9.0, 1.0, 9.0] and out.dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.pad(tf.constant(A), [[1, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.tile(tf.constant(A), [2])


def test_slice_reverse_broadcast_to():
    t = tf.constant(A)
    np.testing.assert_array_equal(tf.slice(t, [0, 1, 1], [-1, 2, 2]).numpy(), A[:, 1:3, 1:3])
    np.testing.assert_array_equal(tf.reverse(t, [1, -1]).numpy(), A[:, ::-1, ::-1])
    assert tf.broadcast_to(tf.constant([1, 2]), [3, 2]).numpy().tolist() == [[1, 2]] * 3
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.slice(t, [0, 0, 0], [3, 1, 1])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.broadcast_to(tf.constant([1, 2]), [3])


def test_gather_variants():
    p = tf.constant(A)
    np.testing.assert_array_equal(tf.gather(p, [1, 0]).numpy(), A[[1, 0]])
    np.testing.assert_array_equal(tf.gather(p, [[2, 0]], axis=2).numpy(), np.take(A, [[2, 0]], 2))
    out = tf.gather(p, [[2, 0], [1, 1]], axis=1, batch_dims=1)
    np.testing.assert_array_equal(out.numpy(), np.stack([A[0, [2, 0]], A[1, [1, 1]]]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.gather(p, [5])


def test_gather_nd_scatter_nd_values():
    p = tf.constant(A)
    np.testing.assert_array_equal(tf.gather_nd(p, [[1, 2], [0, 0]]).numpy(), A[[1, 0], [2, 0]])
    np.testing.assert_array_equal(tf.gather_nd(p, [[1, 2, 3]]).numpy(), [A[1, 2, 3]])
    out = tf.gather_nd(p, [[[1], [0]], [[2], [2]]], batch_dims=1)
    np.testing.assert_array_equal(out.numpy(), np.stack([A[0, [1, 0]], A[1, [2, 2]]]))
    s = tf.scatter_nd([[0], [2], [0]], tf.constant([1.0, 2.0, 3.0]), [4])
    assert s.numpy().tolist() == [4.0, 0.0, 2.0, 0.0]   # duplicates add up
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.gather_nd(p, [[2, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.scatter_nd([[0]], tf.constant([1.0, 2.0]), [4])


def test_boolean_mask_values():
    t = tf.constant(A)
    m = A[:, :, 0] > 8
    np.testing.assert_array_equal(tf.boolean_mask(t, m).numpy(), A[m])
    np.testing.assert_array_equal(tf.boolean_mask(t, [True, False, True], axis=1).numpy(),
                                  A[:, [0, 2]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.boolean_mask(t, [True, False, True])


def test_sort_argsort_top_k_unique():
    x = tf.constant([3.0, 1.0, 3.0, 2.0])
    assert tf.sort(x).numpy().tolist() == [1.0, 2.0, 3.0, 3.0]
    assert tf.sort(x, direction="DESCENDING").numpy().tolist() == [3.0, 3.0, 2.0, 1.0]
    assert tf.argsort(x).numpy().tolist() == [1, 3, 0, 2]
    assert tf.argsort(x, direction="DESCENDING").numpy().tolist() == [0, 2, 3, 1]
    values, indices = tf.math.top_k(x, k=3)
    assert values.numpy().tolist() == [3.0, 3.0, 2.0] and indices.numpy().tolist() == [0, 2, 3]
    assert indices.dtype == tf.int32
    y, idx = tf.unique(tf.constant([4, 1, 4, 2, 1]))
    assert y.numpy().tolist() == [4, 1, 2] and idx.numpy().tolist() == [0, 1, 0, 2, 1]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.math.top_k(x, k=5)


def test_repeat_identity_stop_gradient():
    assert tf.repeat(tf.constant([[1, 2]]), 2, axis=1).numpy().tolist() == [[1, 1, 2, 2]]
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.identity(x) * tf.stop_gradient(x))
    assert tape.gradient(y, x).numpy().tolist() == [1.0, 2.0]


def test_bad_axis_errors_name_the_rank():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.concat([tf.ones([2]), tf.ones([2])], axis=3)
    assert "axis 3" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.sort(tf.ones([2]), axis=1)
    assert "rank 1" in str(e.value)


@pytest.mark.parametrize("call", [
    lambda: tf.concat([], 0), lambda: tf.stack([]), lambda: tf.unstack(tf.constant(1.0)),
    lambda: tf.cumsum(tf.ones([2]), axis=3), lambda: tf.squeeze(tf.ones([2]), axis=3),
    lambda: tf.nn.softmax(tf.ones([2]), axis=3), lambda: tf.gather(tf.ones([2]), [0], axis=2),
    lambda: tf.stack([tf.ones([2])], axis=3), lambda: tf.split(tf.ones([4]), 2, axis=1),
    lambda: tf.transpose(tf.ones([2, 3]), [0, 0]), lambda: tf.gather(tf.ones([3]), [0.5]),
    lambda: tf.one_hot([0.5], 3), lambda: tf.einsum("ij,jk->iz", tf.ones([2, 3]), tf.ones([3, 2])),
])
def test_bad_arguments_raise_invalid_argument_not_numpy_errors(call):
    with pytest.raises(tf.errors.InvalidArgumentError):
        call()


def test_in_top_k_confusion_matrix_segment_sum_count_nonzero():
    pred = tf.constant([[0.1, 0.9, 0.0], [0.2, 0.5, 0.3], [0.4, 0.4, 0.2]])
    assert tf.math.in_top_k([1, 0, 1], pred, 1).numpy().tolist() == [True, False, True]
    assert tf.nn.in_top_k([2, 0, 0], pred, 2).numpy().tolist() == [False, False, True]
    cm = tf.math.confusion_matrix([0, 2, 2, 1], [0, 2, 1, 1], num_classes=3)
    assert cm.dtype == tf.int32 and cm.numpy().tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    weighted = tf.math.confusion_matrix([0, 1], [1, 1], weights=[2.0, 0.5], dtype=tf.float32)
    assert weighted.numpy().tolist() == [[0.0, 2.0], [0.0, 0.5]]
    s = tf.math.segment_sum(tf.constant([[1.0], [2.0], [3.0]]), [0, 0, 2])
    assert s.numpy().tolist() == [[3.0], [0.0], [3.0]]
    x = tf.constant([[0.0, 1.0], [2.0, 0.0]])
    c = tf.math.count_nonzero(x, axis=1)
    assert c.dtype == tf.int64 and c.numpy().tolist() == [1, 1]
    assert int(tf.math.count_nonzero(tf.constant([True, False, True]))) == 2


def test_an_element_of_a_string_tensor_is_a_rank0_string_tensor():
    # NumPy hands back a bare `bytes` for one element of an object array
    t = tf.constant([["a b", "c"], ["d", "e"]])
    elements = [t[0, 1], t[0][1], tf.gather(t[0], 1), tf.gather_nd(t, [0, 1]),
                tf.unstack(t[0])[1], list(t[0])[1], tf.reshape(t[0, 1:], [])]
    for element in elements:
        assert element.shape == () and element.dtype == tf.string
        assert element.numpy() == b"c"
    assert tf.squeeze(tf.constant(["x"])).numpy() == b"x"
    assert tf.expand_dims(t[1, 0], -1).numpy().tolist() == [b"d"]
    assert repr(t[1, 1]) == "<tf.Tensor: shape=(), dtype=string, numpy=b'e'>"
