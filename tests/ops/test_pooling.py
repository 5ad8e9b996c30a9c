"""Forward values and output shapes of tf.nn pooling against loop references."""
import itertools
import math

import numpy as np
import pytest

import tapeflow as tf

rng = np.random.default_rng(1)


def reference_pool(x, k, s, padding, reduce):
    """Loops over windows; 'SAME' windows only see real inputs (TF's average rule)."""
    n, h, w, c = x.shape
    if padding == "VALID":
        ho, wo, pt, pl = (h - k) // s + 1, (w - k) // s + 1, 0, 0
    else:
        ho, wo = math.ceil(h / s), math.ceil(w / s)
        pt = max((ho - 1) * s + k - h, 0) // 2
        pl = max((wo - 1) * s + k - w, 0) // 2
    y = np.zeros((n, ho, wo, c))
    for a, b in itertools.product(range(ho), range(wo)):
        r0, c0 = a * s - pt, b * s - pl
        win = x[:, max(r0, 0):r0 + k, max(c0, 0):c0 + k]
        y[:, a, b] = reduce(win, axis=(1, 2))
    return y


@pytest.mark.parametrize("k,s,padding", list(itertools.product([1, 2, 3], [1, 2, 3], ["VALID", "SAME"])))
def test_max_and_avg_pool2d_every_combination(k, s, padding):
    x = rng.standard_normal((2, 7, 8, 3))
    np.testing.assert_allclose(tf.nn.max_pool2d(x, k, s, padding).numpy(),
                               reference_pool(x, k, s, padding, np.max), atol=1e-12)
    np.testing.assert_allclose(tf.nn.avg_pool2d(x, k, s, padding).numpy(),
                               reference_pool(x, k, s, padding, np.mean), atol=1e-12)


def test_same_average_divides_by_real_inputs():
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy()[0, :, :, 0]
    np.testing.assert_allclose(y, [[2.0, 3.5], [6.5, 8.0]])


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = tf.constant(np.array([[1.0, 1.0], [1.0, 0.0]]).reshape(1, 2, 2, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    g = tape.gradient(y, x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(g, [[1.0, 0.0], [0.0, 0.0]])


def test_pool1d_and_dispatch():
    x = rng.standard_normal((2, 9, 3))
    padded = np.pad(x, ((0, 0), (1, 1), (0, 0)), constant_values=-np.inf)
    np.testing.assert_allclose(tf.nn.max_pool1d(x, 3, 2, "SAME").numpy(),
                               np.stack([padded[:, 2 * t:2 * t + 3].max(1) for t in range(5)], 1))
    np.testing.assert_allclose(tf.nn.avg_pool(x, 2, 2, "VALID").numpy(),
                               (x[:, 0:8:2] + x[:, 1:8:2]) / 2)
    assert tf.nn.max_pool(x[:, :, None], [2, 1], [2, 1], "VALID").shape == (2, 4, 1, 3)


def test_float32_and_channels_first():
    x = rng.standard_normal((1, 2, 4, 4)).astype(np.float32)
    y = tf.nn.max_pool2d(x, 2, 2, "VALID", data_format="NCHW")
    assert y.dtype == tf.float32 and y.shape == (1, 2, 2, 2)
    np.testing.assert_allclose(y.numpy(), reference_pool(x.transpose(0, 2, 3, 1), 2, 2, "VALID",
                                                         np.max).transpose(0, 3, 1, 2))


def test_pool_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"MaxPool.*4-D.*\(4, 4\)"):
        tf.nn.max_pool2d(np.ones((4, 4)), 2, 2, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than the input"):
        tf.nn.avg_pool2d(np.ones((1, 2, 2, 1)), 3, 1, "VALID")
