"""Forward values and TF semantics of the reductions, argmax/argmin and cumulative ops."""
import numpy as np
import pytest

import tapeflow as tf

X = np.array([[[1.0, 5.0, 2.0], [4.0, -1.0, 3.0]], [[0.5, 2.5, 7.0], [-3.0, 6.0, 1.5]]])


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, (0, 2), [0, 1, 2]], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(axis, keepdims):
    t = tf.constant(X)
    ax = tuple(axis) if isinstance(axis, list) else axis
    cases = [(tf.reduce_sum, np.sum), (tf.reduce_mean, np.mean), (tf.reduce_max, np.max),
             (tf.reduce_min, np.min), (tf.reduce_prod, np.prod), (tf.math.reduce_variance, np.var),
             (tf.math.reduce_std, np.std),
             (tf.reduce_logsumexp, lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis,
                                                                           keepdims=keepdims)))]
    for tf_fn, np_fn in cases:
        out = tf_fn(t, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.numpy(), np_fn(X, axis=ax, keepdims=keepdims), rtol=1e-12)
        assert out.shape == np.shape(np_fn(X, axis=ax, keepdims=keepdims))


def test_any_all():
    b = tf.constant([[True, False], [True, True]])
    assert tf.reduce_any(b, axis=0).numpy().tolist() == [True, True]
    assert tf.reduce_all(b, axis=1).numpy().tolist() == [False, True]
    assert bool(tf.reduce_all(b)) is False


def test_logsumexp_is_stable():
    out = tf.reduce_logsumexp(tf.constant([1000.0, 1000.0]))
    np.testing.assert_allclose(out.numpy(), 1000.0 + np.log(2.0), rtol=1e-6)
    with np.errstate(divide="ignore"):
        assert tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf])).numpy() == -np.inf


def test_integer_mean_truncates():
    assert tf.reduce_mean(tf.constant([1, 2])).numpy() == 1
    assert tf.reduce_mean(tf.constant([1, 2])).dtype == tf.int32


def test_float32_reductions_stay_float32():
    t = tf.constant(X.astype(np.float32))
    for fn in (tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_prod, tf.reduce_logsumexp,
               tf.math.reduce_std, tf.math.reduce_variance):
        assert fn(t, axis=1).dtype == tf.float32


def test_reduce_max_splits_tied_gradient_equally():
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x, axis=1)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_bad_axis_is_a_clear_error():
    with pytest.raises(ValueError) as e:
        tf.reduce_sum(tf.ones([2, 3]), axis=2)
    assert "axis 2" in str(e.value) and "rank 2" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.argmax(tf.ones([2, 3]), axis=-3)


def test_argmax_argmin():
    t = tf.constant([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    out = tf.argmax(t, axis=1)
    assert out.dtype == tf.int64 and out.numpy().tolist() == [1, 0]   # ties: first index
    assert tf.argmin(t, axis=1).numpy().tolist() == [0, 1]
    assert tf.math.argmax(t).numpy().tolist() == [1, 0, 1]              # axis None means 0
    assert tf.argmax(t, axis=1, output_type=tf.int32).dtype == tf.int32
    assert int(tf.argmax(tf.constant([1.0, 9.0, 3.0]))) == 1
    with tf.GradientTape() as tape:
        tape.watch(t)
        idx = tf.argmax(t, axis=1)
    assert tape.gradient(idx, t) is None


def test_cumsum_cumprod_values():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    t = tf.constant(x)
    np.testing.assert_allclose(tf.cumsum(t, axis=1).numpy(), np.cumsum(x, 1))
    np.testing.assert_allclose(tf.cumsum(t, axis=1, exclusive=True).numpy(),
                               [[0, 1, 3], [0, 4, 9]])
    np.testing.assert_allclose(tf.cumsum(t, axis=1, reverse=True).numpy(),
                               [[6, 5, 3], [15, 11, 6]])
    np.testing.assert_allclose(tf.math.cumprod(t, axis=0).numpy(), np.cumprod(x, 0))
    np.testing.assert_allclose(tf.math.cumprod(t, axis=1, exclusive=True, reverse=True).numpy(),
                               [[6, 3, 1], [30, 6, 1]])
