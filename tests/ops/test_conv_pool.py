"""The fused Conv2D + bias (+ ReLU) + 2×2 max pool agrees with the unfused ops."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops.conv import conv2d_bias_activation
from tapeflow.ops.conv_pool import conv2d_bias_activation_max_pool as conv_pool


def _unfused(x, w, b, strides=1, padding="VALID", dilations=None, activation="relu"):
    y = conv2d_bias_activation(x, w, b, strides, padding, dilations, activation)
    return tf.nn.max_pool2d(y, 2, 2, "VALID")


def _values_and_grads(fn, x, w, b, seed=0):
    x, w, b = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape() as tape:
        y = fn(x, w, b)
        weights = np.random.default_rng(seed).standard_normal(y.shape).astype(y.dtype.name)
        loss = tf.reduce_sum(y * weights)
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, [x, w, b])]


@pytest.mark.parametrize("shape,cout,strides,padding", [
    ((64, 28, 28, 1), 32, 1, "VALID"),      # the benchmark's first layer
    ((16, 13, 13, 32), 64, 1, "VALID"),     # and its second (11×11 output: last row dropped)
    ((8, 8, 8, 1), 16, 1, "SAME"),          # the digits example
    ((4, 15, 12, 3), 5, 2, "SAME"),
])
def test_float32_values_and_gradients_match_the_unfused_ops(shape, cout, strides, padding):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype("float32")
    w = (0.3 * rng.standard_normal((3, 3, shape[3], cout))).astype("float32")
    b = (0.1 * rng.standard_normal(cout)).astype("float32")
    fused = _values_and_grads(lambda *a: conv_pool(a[0], a[1], a[2], strides, padding,
                                                   activation="relu"), x, w, b)
    plain = _values_and_grads(lambda *a: _unfused(*a, strides=strides, padding=padding), x, w, b)
    for got, want in zip(fused, plain):
        assert got.shape == want.shape and got.dtype == want.dtype
        # float32 sums over tens of thousands of terms: compare against the array's scale
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_ties_route_the_gradient_to_the_first_position_like_max_pool():
    # A 1×1 identity convolution: every window of this input holds equal values.
    x = np.array([[1, 1, 3, 2], [1, 1, 3, 3], [0, 5, -1, -1], [5, 5, -1, -1]], "float64")
    x = x.reshape(1, 4, 4, 1)
    w, b = np.ones((1, 1, 1, 1)), np.zeros(1)
    fused = _values_and_grads(lambda *a: conv_pool(*a, activation="relu"), x, w, b)
    plain = _values_and_grads(_unfused, x, w, b)
    np.testing.assert_array_equal(fused[1], plain[1])
    # each window's gradient at its first maximum; the all -1 window's ReLU passes nothing
    assert (fused[1][0, :, :, 0] != 0).tolist() == [[True, False, True, False],
                                                    [False, False, False, False],
                                                    [False, True, False, False],
                                                    [False, False, False, False]]


def test_linear_activation_and_a_second_gradient_of_a_persistent_tape():
    rng = np.random.default_rng(2)
    x = tf.constant(rng.standard_normal((2, 7, 7, 2)))
    w = tf.Variable(rng.standard_normal((3, 3, 2, 4)))
    b = tf.Variable(rng.standard_normal(4))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(conv_pool(x, w, b) ** 2)
        reference = tf.reduce_sum(_unfused(x, w, b, activation=None) ** 2)
    first = tape.gradient(loss, [w, b])
    second = tape.gradient(loss, [w, b])  # the forward pass's patch matrix was taken: recomputed
    want = tape.gradient(reference, [w, b])
    for a, c, d in zip(first, second, want):
        np.testing.assert_allclose(a.numpy(), d.numpy(), rtol=1e-10)
        np.testing.assert_allclose(c.numpy(), d.numpy(), rtol=1e-10)


def test_only_the_bias_watched():
    rng = np.random.default_rng(3)
    x, w = tf.constant(rng.standard_normal((2, 6, 6, 1))), tf.constant(rng.standard_normal((3, 3, 1, 2)))
    b = tf.constant([0.5, -0.5], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(b)
        fused = tf.reduce_sum(conv_pool(x, w, b, activation="relu"))
        plain = tf.reduce_sum(_unfused(x, w, b))
    np.testing.assert_allclose(tape.gradient(fused, b).numpy(), tape.gradient(plain, b).numpy())


def test_outputs_survive_later_calls_that_reuse_buffers():
    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((64, 28, 28, 1)).astype("float32"))
    w = tf.constant(rng.standard_normal((3, 3, 1, 32)).astype("float32"))
    b = tf.zeros(32)
    first = conv_pool(x, w, b, activation="relu")
    kept = first.numpy().copy()
    second = conv_pool(x * 2.0, w, b, activation="relu")
    np.testing.assert_array_equal(first.numpy(), kept)
    np.testing.assert_allclose(second.numpy(), 2 * kept, rtol=1e-5)


def test_bad_input_errors_name_the_op_and_shapes():
    x, w, b = tf.ones((1, 6, 6, 2)), tf.ones((3, 3, 2, 4)), tf.ones(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Conv2D: input must be 4-D.*\(6, 6\)"):
        conv_pool(tf.ones((6, 6)), w, b)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"input depth 3 .* in_channels 2"):
        conv_pool(tf.ones((1, 6, 6, 3)), w, b)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"bias must be a float32 vector of 4"):
        conv_pool(x, w, tf.ones(3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"MaxPool: the 2×2 window .* \(1, 1\)"):
        conv_pool(tf.ones((1, 3, 3, 2)), w, b)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"activation must be None or 'relu'"):
        conv_pool(x, w, b, activation="tanh")


def test_backward_reuses_the_forward_patch_matrix():
    import tracemalloc
    rng = np.random.default_rng(5)
    x = tf.constant(rng.standard_normal((8, 32, 32, 16)).astype(np.float32))
    w = tf.Variable(rng.standard_normal((3, 3, 16, 16)).astype(np.float32))
    b = tf.Variable(np.zeros(16, np.float32))
    patch_bytes = 8 * 30 * 30 * (3 * 3 * 16 + 1) * 4
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(conv_pool(x, w, b, activation="relu"))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    grads = tape.gradient(loss, [x, w, b])
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    assert all(g is not None for g in grads)
    # the filter gradient uses the forward pass's patch matrix; the input gradient's
    # buffers are input- and output-sized: a second patch matrix would exceed this
    assert peak < 0.6 * patch_bytes, (peak, patch_bytes)
