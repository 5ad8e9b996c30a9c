"""Forward values, TF's gradient conventions and errors of the tf.nn ops."""
import math

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops.nn import dense

X = np.array([[-3.0, -0.5, 0.0, 0.5, 6.0, 8.0]])


def _grad(fn, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_activation_values():
    t = tf.constant(X)
    erf = np.vectorize(math.erf)
    cases = [
        (tf.nn.relu(t), np.maximum(X, 0)),
        (tf.nn.relu6(t), np.clip(X, 0, 6)),
        (tf.nn.leaky_relu(t), np.where(X > 0, X, 0.2 * X)),
        (tf.nn.leaky_relu(t, alpha=0.1), np.where(X > 0, X, 0.1 * X)),
        (tf.nn.elu(t), np.where(X > 0, X, np.expm1(X))),
        (tf.nn.selu(t), 1.0507009873554805 * np.where(X > 0, X, 1.6732632423543772 * np.expm1(X))),
        (tf.nn.gelu(t), 0.5 * X * (1 + erf(X / np.sqrt(2)))),
        (tf.nn.gelu(t, approximate=True),
         0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)))),
        (tf.nn.silu(t), X * _sigmoid(X)),
        (tf.nn.swish(t), X * _sigmoid(X)),
        (tf.nn.softmax(t), np.exp(X) / np.exp(X).sum()),
        (tf.nn.log_softmax(t), X - np.log(np.exp(X).sum())),
        (tf.nn.l2_loss(t), np.sum(X ** 2) / 2),
        (tf.nn.sigmoid(t), _sigmoid(X)),
    ]
    for got, want in cases:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-15)


def test_activations_keep_float32():
    t = tf.constant(X.astype(np.float32))
    for fn in (tf.nn.relu, tf.nn.relu6, tf.nn.leaky_relu, tf.nn.elu, tf.nn.selu, tf.nn.gelu,
               tf.nn.silu, tf.nn.softmax, tf.nn.log_softmax, tf.nn.l2_loss):
        assert fn(t).dtype == tf.float32


def test_relu_family_gradients_at_kinks():
    assert _grad(tf.nn.relu, [0.0, 1.0, -1.0]).numpy().tolist() == [0.0, 1.0, 0.0]
    assert _grad(tf.nn.relu6, [0.0, 6.0, 3.0, 7.0]).numpy().tolist() == [0.0, 0.0, 1.0, 0.0]
    np.testing.assert_allclose(_grad(tf.nn.leaky_relu, [0.0, -1.0, 1.0]).numpy(), [0.2, 0.2, 1.0])


def test_softmax_is_stable_and_sums_to_one():
    out = tf.nn.softmax(tf.constant([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(out.numpy(), [[1.0, 0.0, 0.0]])
    p = tf.nn.softmax(tf.constant(np.random.default_rng(0).normal(size=(3, 5))), axis=0)
    np.testing.assert_allclose(p.numpy().sum(0), np.ones(5))


def test_cross_entropies_values():
    z = np.array([[2.0, -1.0, 0.5], [0.0, 30.0, -30.0]])
    y = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])
    log_p = z - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)) - z.max(1, keepdims=True)
    np.testing.assert_allclose(tf.nn.softmax_cross_entropy_with_logits(y, z).numpy(),
                               -(y * log_p).sum(1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([2, 1]), z).numpy(),
        -log_p[[0, 1], [2, 1]], rtol=1e-12, atol=1e-12)
    zz = np.array([-100.0, -1.0, 0.0, 2.0, 100.0])
    yy = np.array([0.0, 1.0, 0.5, 0.3, 1.0])
    want = np.maximum(zz, 0) - zz * yy + np.log1p(np.exp(-np.abs(zz)))
    np.testing.assert_allclose(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=yy, logits=zz).numpy(), want, rtol=1e-12)


def test_sparse_xent_gradient_is_softmax_minus_one_hot():
    z = tf.constant([[1.0, 2.0, 0.5]])
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([1]), z)
    want = tf.nn.softmax(z).numpy() - np.array([[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), want, rtol=1e-6)


def test_cross_entropy_errors():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([3]), tf.ones([1, 3]))
    assert "label value of 3" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([1.0]), tf.ones([1, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.softmax_cross_entropy_with_logits(tf.ones([2, 3]), tf.ones([2, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones([2]), logits=tf.ones([3]))


def test_bias_add_moments_l2_normalize():
    v = np.arange(12.0).reshape(2, 3, 2)
    np.testing.assert_array_equal(tf.nn.bias_add(v, np.array([1.0, 2.0])).numpy(), v + [1, 2])
    np.testing.assert_array_equal(
        tf.nn.bias_add(v, np.array([1.0, 2.0, 3.0]), data_format="NCHW").numpy(),
        v + np.array([1, 2, 3.0])[:, None])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.bias_add(v, np.array([1.0, 2.0, 3.0]))
    mean, var = tf.nn.moments(tf.constant(v), axes=[0, 1])
    np.testing.assert_allclose(mean.numpy(), v.mean((0, 1)))
    np.testing.assert_allclose(var.numpy(), v.var((0, 1)))
    mean, var = tf.nn.moments(tf.constant(v), axes=[1], keepdims=True)
    assert mean.shape == (2, 1, 2) and var.shape == (2, 1, 2)
    np.testing.assert_allclose(tf.nn.l2_normalize(tf.constant([[3.0, 4.0]]), axis=1).numpy(),
                               [[0.6, 0.8]], rtol=1e-6)


def test_dense_values_and_errors():
    rng = np.random.default_rng(0)
    x, k, b = rng.normal(size=(2, 5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    np.testing.assert_allclose(dense(x, k, b).numpy(), x @ k + b, rtol=1e-12)
    np.testing.assert_allclose(dense(x[0], k).numpy(), x[0] @ k, rtol=1e-12)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        dense(x, rng.normal(size=(4, 4)))
    assert "(2, 5, 3)" in str(e.value) and "(4, 4)" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError):
        dense(x, k, rng.normal(size=3))
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        dense(tf.ones([2, 3]), tf.ones([3, 4], dtype=tf.float64))
    assert "tf.cast" in str(e.value)
    np.testing.assert_allclose(dense(x, k, b, activation="relu").numpy(), np.maximum(x @ k + b, 0))
    with pytest.raises(ValueError):
        dense(x, k, b, activation="tanh")


def test_relu_gradient_inside_an_outer_tape_is_differentiable():
    x = tf.constant([-1.0, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.relu(x) * x)
        g = inner.gradient(y, x)               # relu(x) + x·relu'(x) = [0, 4]
    assert g.numpy().tolist() == [0.0, 4.0]
    assert outer.gradient(g, x).numpy().tolist() == [0.0, 2.0]


def test_dropout():
    x = tf.ones([1000])
    tf.random.set_seed(5)
    y = tf.nn.dropout(x, rate=0.25)
    kept = y.numpy() != 0
    assert 0.65 < kept.mean() < 0.85
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75, rtol=1e-6)
    tf.random.set_seed(5)
    np.testing.assert_array_equal(tf.nn.dropout(x, rate=0.25).numpy(), y.numpy())
    y2 = tf.nn.dropout(tf.ones([4, 3]), rate=0.5, noise_shape=[4, 1], seed=1).numpy()
    assert all(len(set(row)) == 1 for row in y2)     # one decision per row
    y3 = tf.nn.dropout(tf.ones([4, 3]), rate=0.5, noise_shape=[None, 1], seed=1).numpy()
    assert all(len(set(row)) == 1 for row in y3)
    with pytest.raises(ValueError):
        tf.nn.dropout(x, rate=1.0)


def test_embedding_lookup_is_gather():
    params = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = tf.nn.embedding_lookup(params, tf.constant([[2, 0]]))
    assert out.shape == (1, 2, 2) and out.numpy().tolist() == [[[5.0, 6.0], [1.0, 2.0]]]
