"""Creation ops: constant, zeros/ones/fill, eye, range, linspace, one_hot, shape/size/rank, cast."""
import numpy as np
import pytest

import tapeflow as tf


def test_constant_default_dtypes():
    assert tf.constant(1.0).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant([1, 2.5]).dtype == tf.float32
    assert tf.constant(np.float64(1.0)).dtype == tf.float64
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant([1, 2], dtype=tf.float64).dtype == tf.float64
    assert tf.constant(0.0, shape=[2, 3]).numpy().tolist() == [[0.0] * 3] * 2
    assert tf.constant([1, 2, 3, 4], shape=[2, 2]).shape == (2, 2)


def test_constant_copies_the_callers_array():
    a = np.ones(3)
    t = tf.constant(a)
    a[0] = 5.0
    assert t.numpy()[0] == 1.0


def test_zeros_ones_fill_like():
    assert tf.zeros([2, 3]).dtype == tf.float32 and tf.zeros([2, 3]).shape == (2, 3)
    assert tf.ones([2], dtype=tf.int64).numpy().tolist() == [1, 1]
    assert tf.ones((2,), tf.int64).dtype == tf.int64
    f = tf.fill([2, 2], 7.0)
    assert f.dtype == tf.float32 and f.numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    x = tf.constant([[1, 2]])
    assert tf.zeros_like(x).numpy().tolist() == [[0, 0]] and tf.zeros_like(x).dtype == tf.int32
    assert tf.ones_like(x, dtype=tf.float32).dtype == tf.float32
    assert tf.zeros(tf.constant([3])).shape == (3,)


def test_eye():
    np.testing.assert_array_equal(tf.eye(3).numpy(), np.eye(3))
    assert tf.eye(2, 3).shape == (2, 3)
    assert tf.eye(2, batch_shape=[4]).shape == (4, 2, 2)
    assert tf.eye(2, dtype=tf.int32).dtype == tf.int32


def test_range_and_linspace():
    r = tf.range(5)
    assert r.dtype == tf.int32 and r.numpy().tolist() == [0, 1, 2, 3, 4]
    assert tf.range(1, 10, 3).numpy().tolist() == [1, 4, 7]
    assert tf.range(5, 0, -2).numpy().tolist() == [5, 3, 1]
    assert tf.range(0.0, 1.0, 0.25).dtype == tf.float32
    assert tf.range(3, dtype=tf.int64).dtype == tf.int64
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.range(0, 5, 0)
    lin = tf.linspace(0.0, 1.0, 5)
    assert lin.dtype == tf.float32
    np.testing.assert_allclose(lin.numpy(), np.linspace(0, 1, 5))


def test_one_hot():
    out = tf.one_hot([0, 2, -1, 5], 3)
    assert out.dtype == tf.float32
    assert out.numpy().tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    out = tf.one_hot([1, 0], 2, on_value=5, off_value=-1)
    assert out.dtype == tf.int32 and out.numpy().tolist() == [[-1, 5], [5, -1]]
    assert tf.one_hot([[1, 0]], 3, axis=0).shape == (3, 1, 2)


def test_shape_size_rank():
    x = tf.ones([2, 3, 4])
    s = tf.shape(x)
    assert s.dtype == tf.int32 and s.numpy().tolist() == [2, 3, 4]
    assert int(tf.size(x)) == 24 and tf.size(x).shape == ()
    assert int(tf.rank(x)) == 3 and tf.rank(x).dtype == tf.int32
    assert tf.shape(x, out_type=tf.int64).dtype == tf.int64


def test_cast():
    x = tf.constant([1.5, -2.7])
    assert tf.cast(x, tf.int32).numpy().tolist() == [1, -2]
    assert tf.cast(x, tf.float64).dtype == tf.float64
    assert tf.cast(tf.constant([0, 3]), tf.bool).numpy().tolist() == [False, True]
    assert tf.cast(x, tf.float32) is x
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.float64) * 2.0
    g = tape.gradient(y, x)
    assert g.dtype == tf.float32 and g.numpy().tolist() == [2.0, 2.0]
