"""Finite-difference gradient checks for the neural-network primitives (ops/nn.py)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_float32, check_grad, check_second_order, rand
from tapeflow.ops.nn import dense

GRAD_COVERED = {"Relu", "Relu6", "LeakyRelu", "Elu", "Selu", "Softmax", "LogSoftmax",
                "SoftmaxCrossEntropyWithLogits", "SigmoidCrossEntropyWithLogits",
                "SparseSoftmaxCrossEntropyWithLogits", "Dense", "SoftmaxCrossEntropyMean",
                "SparseSoftmaxCrossEntropyMean"}

ACTIVATIONS = {
    "relu": (tf.nn.relu, (0.0,)),
    "relu6": (tf.nn.relu6, (0.0, 6.0)),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, alpha=0.3), (0.0,)),
    "elu": (tf.nn.elu, (0.0,)),
    "selu": (tf.nn.selu, (0.0,)),
    "gelu": (tf.nn.gelu, ()),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True), ()),
    "silu": (tf.nn.silu, ()),
    "swish_beta": (lambda x: tf.nn.swish(x, beta=1.5), ()),
    "softmax": (tf.nn.softmax, ()),
    "softmax_axis0": (lambda x: tf.nn.softmax(x, axis=0), ()),
    "log_softmax": (tf.nn.log_softmax, ()),
    "l2_loss": (tf.nn.l2_loss, ()),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_grad(name):
    fn, kinks = ACTIVATIONS[name]
    x = rand(3, 4, low=-7.0, high=7.0, away_from=kinks, margin=0.2)
    check_grad(fn, x, order=2)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_float32(name):
    fn, kinks = ACTIVATIONS[name]
    check_float32(fn, rand(3, 4, away_from=kinks, margin=0.2))


def test_bias_add_grad():
    check_grad(tf.nn.bias_add, rand(2, 3), rand(3), order=2)
    check_grad(lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"), rand(2, 3, 2, 2), rand(3))


def test_moments_grad():
    # first order only: like TF, the variance treats the mean as a constant (stop_gradient),
    # which is exact for first derivatives but not for second ones
    check_grad(lambda x: tf.nn.moments(x, axes=[0]), rand(4, 3))
    check_grad(lambda x: tf.nn.moments(x, axes=[0, 2], keepdims=True), rand(2, 3, 2))


def test_softmax_xent_grad():
    labels = np.random.default_rng(0).dirichlet(np.ones(4), size=3)
    check_grad(lambda z: tf.nn.softmax_cross_entropy_with_logits(labels, z), rand(3, 4), order=2)
    check_grad(lambda y, z: tf.nn.softmax_cross_entropy_with_logits(y, z), labels, rand(3, 4),
               wrt=[0])
    check_grad(lambda z: tf.nn.softmax_cross_entropy_with_logits(labels.T, z, axis=0), rand(4, 3))


def test_softmax_xent_gradient_is_softmax_minus_labels_even_if_labels_do_not_sum_to_one():
    labels = tf.constant([[0.5, 0.9, 0.2]])     # sums to 1.6: TF's fused gradient is p − y
    z = tf.constant([[1.0, 2.0, 0.5]])
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.nn.softmax_cross_entropy_with_logits(labels, z)
    p = tf.nn.softmax(z).numpy()
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), p - labels.numpy(), rtol=1e-6)


def test_sigmoid_xent_grad():
    labels = np.random.default_rng(1).uniform(size=(3, 4))
    check_grad(lambda z: tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=z),
               rand(3, 4, low=-5, high=5), order=2)
    check_grad(lambda y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z), labels,
               rand(3, 4))


def test_sparse_softmax_xent_grad():
    labels = np.array([0, 3, 1])
    check_grad(lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z), rand(3, 4),
               order=2)
    check_grad(lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels.reshape(3, 1), z),
               rand(3, 1, 4))


def test_mean_xent_grads_match_the_composed_ops():
    from tapeflow.ops.nn import softmax_cross_entropy_mean, sparse_softmax_cross_entropy_mean
    # finite differences need labels that sum to 1 (TF's fused gradient assumes it) ...
    labels = np.random.default_rng(2).dirichlet(np.ones(4), size=3)
    check_grad(lambda z: softmax_cross_entropy_mean(labels, z), rand(3, 4), order=2)
    check_grad(lambda y, z: softmax_cross_entropy_mean(y, z), labels, rand(3, 4), wrt=[0])
    ids = np.array([0, 3, 1])
    check_grad(lambda z: sparse_softmax_cross_entropy_mean(ids, z), rand(3, 4), order=2)
    # ... and with unnormalised labels (the seed's) the fused op equals the composed ops
    labels = np.random.default_rng(3).uniform(size=(3, 4))
    z = tf.constant(rand(3, 4))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        fused = softmax_cross_entropy_mean(labels, z)
        composed = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels, z))
    np.testing.assert_allclose(float(fused), float(composed), rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(fused, z).numpy(), tape.gradient(composed, z).numpy(),
                               rtol=1e-12)


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("xshape", [(4, 3), (2, 4, 3)], ids=str)
def test_dense_grad(with_bias, xshape):
    if with_bias:
        check_grad(dense, rand(*xshape), rand(3, 2), rand(2), order=2)
        check_float32(dense, rand(*xshape), rand(3, 2), rand(2))
    else:
        check_grad(dense, rand(*xshape), rand(3, 2), order=2)
    check_grad(lambda k: dense(rand(*xshape, seed=2), k), rand(3, 2))
    x = rand(*xshape, away_from=(0.0,), margin=0.5)
    check_grad(lambda x, k: dense(x, k, activation="relu"), x, np.eye(3, 2) + 0.01, order=2)
    if with_bias:
        check_grad(lambda x, k, b: dense(x, k, b, activation="relu"), x, np.eye(3, 2) + 0.01,
                   np.array([0.05, -0.05]))


def test_dense_computes_only_needed_gradients():
    # inside an outer tape the rule runs on tapeflow ops (so it stays differentiable): count them
    from tapeflow.ops import nn
    calls = []
    original = nn.matmul

    def counting_matmul(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    x, k, b = tf.constant(rand(4, 3)), tf.Variable(rand(3, 2)), tf.Variable(rand(2))
    nn.matmul = counting_matmul
    try:
        with tf.GradientTape():  # an outer tape: the rule must use tapeflow ops
            with tf.GradientTape() as tape:
                y = dense(x, k, b)
            tape.gradient(y, [k, b])
    finally:
        nn.matmul = original
    assert len(calls) == 1 and calls[0].get("transpose_a")    # only dW = xᵀg, no dx


def test_dense_gradients_without_and_with_an_outer_tape_agree():
    x, k, b = tf.constant(rand(2, 4, 3)), tf.Variable(rand(3, 2)), tf.Variable(rand(2))
    results = []
    for outer_tape in (False, True):
        outer = tf.GradientTape() if outer_tape else None
        if outer:
            outer.__enter__()
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(dense(x, k, b, activation="relu") ** 2)
        results.append([g.numpy() for g in tape.gradient(loss, [x, k, b])])
        if outer:
            outer.__exit__(None, None, None)
    for plain, recorded in zip(*results):
        np.testing.assert_allclose(plain, recorded, rtol=1e-12)


def test_dropout_grad_uses_the_same_mask():
    x = tf.constant(rand(50))
    tf.random.set_seed(0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=0.4, seed=3)
    g = tape.gradient(y, x).numpy()
    kept = y.numpy() != 0
    np.testing.assert_allclose(g[kept], 1 / 0.6)
    np.testing.assert_array_equal(g[~kept], 0.0)


def test_second_order_of_activations_through_nested_tapes():
    check_second_order(lambda x: tf.nn.softmax(x * x), rand(2, 3))
