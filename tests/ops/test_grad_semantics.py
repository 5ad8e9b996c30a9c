"""Gradient values TF gives at kinks and singular points, and gradient dtypes.

(Finite-difference checks live in the *_grad.py files; these are the exact values TF
returns where a derivative is infinite, undefined or poisoned by the branch not taken.)
"""
import numpy as np
import pytest

import tapeflow as tf


def _grads(fn, *values, dtype=np.float32):
    xs = [tf.constant(np.asarray(v, dtype)) for v in values]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = fn(*xs)
    return tape.gradient(y, xs)


def test_sqrt_at_zero_has_infinite_gradient():
    with np.errstate(divide="ignore"):
        (g,) = _grads(tf.sqrt, 0.0)
    assert g.numpy() == np.inf


def test_nan_in_the_branch_not_taken_poisons_the_where_gradient():
    # TF's SelectV2 gradient multiplies by dense zeros: 0 * nan = nan (the classic pitfall)
    with np.errstate(invalid="ignore", divide="ignore"):
        (g,) = _grads(lambda x: tf.where(x > 0.0, x, tf.sqrt(x)), [-1.0, 4.0])
        (g0,) = _grads(lambda x: tf.where(x > 0.0, tf.math.log(x), 0.0), [0.0, 4.0])
    assert np.isnan(g.numpy()[0]) and g.numpy()[1] == 1.0
    assert np.isnan(g0.numpy()[0]) and g0.numpy()[1] == 0.25


def test_safe_where_pattern_gives_finite_gradient():
    x = [0.0, 4.0]
    (g,) = _grads(lambda x: tf.where(x > 0.0, tf.math.log(tf.where(x > 0.0, x, 1.0)), 0.0), x)
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.25])


def test_l2_normalize_and_clip_by_norm_at_zero_are_finite():
    (g,) = _grads(lambda x: tf.reduce_sum(tf.math.l2_normalize(x)), [0.0, 0.0])
    np.testing.assert_allclose(g.numpy(), [1e6, 1e6], rtol=1e-6)   # x · rsqrt(max(Σx², 1e-12))
    (g,) = _grads(lambda x: tf.reduce_sum(tf.clip_by_norm(x, 1.0)), [0.0, 0.0])
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_gradient_keeps_the_source_dtype(dtype):
    def net(x, w):
        h = tf.sigmoid(tf.matmul(x, w))
        return tf.reduce_mean(tf.nn.softmax(h) * tf.exp(h) + tf.sqrt(h))
    gx, gw = _grads(net, np.ones((2, 3)) * 0.5, np.ones((3, 2)) * 0.1, dtype=dtype)
    assert gx.dtype == tf.as_dtype(dtype) and gw.dtype == tf.as_dtype(dtype)
    assert np.all(np.isfinite(gx.numpy())) and gw.shape == (3, 2)


def test_gradient_through_an_integer_tensor_is_none():
    x = tf.constant([1, 2])
    w = tf.constant(2.0)
    with tf.GradientTape() as tape:
        with pytest.warns(RuntimeWarning, match="floating"):   # TF logs the same warning
            tape.watch([x, w])
        y = tf.reduce_sum(tf.cast(x * 3, tf.float32) * w)
    gx, gw = tape.gradient(y, [x, w])
    assert gx is None and float(gw) == 9.0
