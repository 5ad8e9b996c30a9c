"""GradientTape.jacobian / batch_jacobian: shapes, values, errors, and the vectorised path.

The vectorised path (``experimental_use_pfor=True``) runs batchable gradient rules once
on a stack of one-hot seeds; every entry of ``BATCHABLE`` is checked here against the
per-element loop (``experimental_use_pfor=False``) and against finite differences.
"""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.jacobian import BATCH_RULES, BATCHABLE
from tapeflow.ops import PRIMITIVES

RNG = np.random.default_rng(7)
X = RNG.uniform(0.2, 0.8, (2, 3))
Y = RNG.uniform(0.2, 0.8, (3,))
W = RNG.uniform(-1.0, 1.0, (3, 4))

# primitive name -> f(x, y) exercising it with x of shape (2, 3) and y of shape (3,)
CASES = {
    "AddV2": lambda x, y: x + y,
    "Sub": lambda x, y: x - y,
    "Mul": lambda x, y: x * y,
    "RealDiv": lambda x, y: x / (y + 1.0),
    "FloorMod": lambda x, y: tf.math.floormod(x, y + 1.0),
    "Pow": lambda x, y: x ** y,
    "Neg": lambda x, y: -x * y,
    "Abs": lambda x, y: tf.abs(x - y),
    "Square": lambda x, y: tf.square(x) * y,
    "Sqrt": lambda x, y: tf.sqrt(x + y),
    "Rsqrt": lambda x, y: tf.math.rsqrt(x + y),
    "Exp": lambda x, y: tf.exp(x * y),
    "Expm1": lambda x, y: tf.math.expm1(x * y),
    "Log": lambda x, y: tf.math.log(x + y),
    "Log1p": lambda x, y: tf.math.log1p(x * y),
    "Sin": lambda x, y: tf.sin(x * y),
    "Cos": lambda x, y: tf.cos(x * y),
    "Tan": lambda x, y: tf.tan(x * y),
    "Asin": lambda x, y: tf.math.asin(x * y),
    "Acos": lambda x, y: tf.math.acos(x * y),
    "Atan": lambda x, y: tf.math.atan(x * y),
    "Sinh": lambda x, y: tf.math.sinh(x * y),
    "Cosh": lambda x, y: tf.math.cosh(x * y),
    "Tanh": lambda x, y: tf.tanh(x * y),
    "Sigmoid": lambda x, y: tf.sigmoid(x * y),
    "Softplus": lambda x, y: tf.math.softplus(x * y),
    "Softsign": lambda x, y: tf.math.softsign(x * y),
    "Reciprocal": lambda x, y: tf.math.reciprocal(x + y),
    "Erf": lambda x, y: tf.math.erf(x * y),
    "Atan2": lambda x, y: tf.math.atan2(x, y),
    "Maximum": lambda x, y: tf.maximum(x, y),
    "Minimum": lambda x, y: tf.minimum(x, y),
    "ClipByValue": lambda x, y: tf.clip_by_value(x * y, 0.1, 0.3),
    "Cast": lambda x, y: tf.cast(x * y, tf.float32),
    "SelectV2": lambda x, y: tf.where(x > 0.5, x * y, x - y),
    "AddN": lambda x, y: tf.add_n([x, x * y, x + y]),
    "Identity": lambda x, y: tf.identity(x * y),
    "MatMul": lambda x, y: tf.matmul(x * y, tf.constant(W)),
    "Relu": lambda x, y: tf.nn.relu(x - y),
    "Relu6": lambda x, y: tf.nn.relu6(10.0 * (x - y)),
    "LeakyRelu": lambda x, y: tf.nn.leaky_relu(x - y, alpha=0.3),
    "Elu": lambda x, y: tf.nn.elu(x - y),
    "Selu": lambda x, y: tf.nn.selu(x - y),
    "Softmax": lambda x, y: tf.nn.softmax(x * y),
    "LogSoftmax": lambda x, y: tf.nn.log_softmax(x * y),
    "BroadcastTo": lambda x, y: tf.broadcast_to(y, [4, 2, 3]) * x,
    "Sum": lambda x, y: tf.reduce_sum(x * y, axis=0) + tf.reduce_sum(x, axis=[0, 1]) * y,
    "Mean": lambda x, y: tf.reduce_mean(x * y, axis=-1, keepdims=True) + tf.reduce_mean(x) * y,
    "Reshape": lambda x, y: tf.reshape(x * y, [3, 2]),
    "Transpose": lambda x, y: tf.transpose(x * y),
}


def _jacobians(f, use_pfor):
    x, y = tf.constant(X), tf.constant(Y)
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, y])
        z = f(x, y)
    return g.jacobian(z, [x, y], experimental_use_pfor=use_pfor)


def _numeric_jacobian(f, arrays, k, eps=1e-6):
    base = np.asarray(f(*[tf.constant(a) for a in arrays]), dtype=np.float64)
    a = arrays[k]
    jac = np.zeros(base.shape + a.shape)
    for idx in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[idx] = eps
        args_p = [tf.constant(b + d if i == k else b) for i, b in enumerate(arrays)]
        args_m = [tf.constant(b - d if i == k else b) for i, b in enumerate(arrays)]
        jac[(Ellipsis,) + idx] = (np.asarray(f(*args_p)) - np.asarray(f(*args_m))) / (2 * eps)
    return jac


def test_every_batchable_rule_has_a_case_and_exists():
    assert set(BATCHABLE) | set(BATCH_RULES) == set(CASES)
    assert set(CASES) <= set(PRIMITIVES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_batched_rule_matches_loop_and_finite_differences(name):
    f = CASES[name]
    batched = _jacobians(f, True)
    looped = _jacobians(f, False)
    eps, rtol = (1e-3, 1e-3) if name == "Cast" else (1e-6, 1e-5)   # Cast: a float32 result
    for k, (jb, jl) in enumerate(zip(batched, looped)):
        np.testing.assert_allclose(jb, jl, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(jb, _numeric_jacobian(f, [X, Y], k, eps), rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("f", [
    lambda x: tf.reduce_sum(x * x, axis=0),
    lambda x: tf.reshape(x, [3, 2]) * 2.0,
    lambda x: tf.transpose(tf.exp(x)),
    lambda x: x[:, 1:] * x[:, :2],
    lambda x: tf.concat([x, tf.sin(x)], axis=0),
    lambda x: tf.nn.softmax(x, axis=0),
    lambda x: tf.reduce_mean(tf.square(x), axis=1, keepdims=True) + x,
    lambda x: tf.split(x, 3, axis=1)[0] * tf.split(x, 3, axis=1)[2],
    lambda x: tf.gather(x, [1, 0, 1]) * 3.0,
], ids=["sum", "reshape", "transpose", "slice", "concat", "softmax_axis0", "mean_keepdims",
        "split_multi_output", "gather"])
def test_rules_run_per_seed_are_correct(f):
    x = tf.constant(X)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        z = f(x)
    jb = g.jacobian(z, x)
    np.testing.assert_allclose(jb, g.jacobian(z, x, experimental_use_pfor=False), atol=1e-12)
    np.testing.assert_allclose(jb, _numeric_jacobian(lambda a: f(a), [X], 0), rtol=1e-5,
                               atol=1e-7)


def test_jacobian_shapes_and_structures():
    x = tf.constant(np.ones((2, 3), np.float32))
    s = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, s])
        z = tf.reduce_sum(x, axis=1) * s     # shape (2,)
        scalar = tf.reduce_sum(x * x)
    j = g.jacobian(z, {"x": x, "s": s})
    assert j["x"].shape == (2, 2, 3) and j["s"].shape == (2,)
    assert j["x"].dtype == tf.float32
    np.testing.assert_array_equal(j["s"], [3.0, 3.0])
    np.testing.assert_array_equal(j["x"][0], [[2.0] * 3, [0.0] * 3])
    assert g.jacobian(scalar, x).shape == (2, 3)          # scalar target: the gradient
    assert g.jacobian(z, (x,))[0].shape == (2, 2, 3)


def test_jacobian_unconnected():
    x, u = tf.constant([1.0, 2.0]), tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, u])
        z = x * 2.0
    assert g.jacobian(z, u) is None
    zero = g.jacobian(z, u, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.shape == (2, 1, 3)
    assert not np.any(zero)
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients"):
        g.jacobian(z, u, unconnected_gradients="nonsense")


def test_jacobian_is_vectorised_not_one_pass_per_element():
    # Under an outer tape, each executed gradient-rule op is recorded: the vectorised
    # Jacobian of a 100-element elementwise chain runs a handful of ops, not 100x that.
    x = tf.constant(np.linspace(0.1, 1.0, 100))
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(x)
            y = tf.sin(x) * x
        n_before = len(outer._records)
        inner.jacobian(y, x)
        n_batched = len(outer._records) - n_before
        inner.jacobian(y, x, experimental_use_pfor=False)
        n_looped = len(outer._records) - n_before - n_batched
    assert n_batched < 10 < 100 <= n_looped


@pytest.mark.filterwarnings("ignore:Calling GradientTape.gradient on a persistent tape")
def test_hessian_of_a_mean_loss_runs_no_rule_per_seed():
    w = tf.constant(np.linspace(-1.0, 1.0, 50))
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(w)
        with tf.GradientTape() as inner:
            inner.watch(w)
            loss = tf.reduce_mean(tf.square(tf.tanh(w) - 0.5))
        grad = inner.gradient(loss, w)
        n_before = len(outer._records)
        hess = outer.jacobian(grad, w)
        n_ops = len(outer._records) - n_before
    assert n_ops < 50
    t = np.tanh(np.linspace(-1.0, 1.0, 50))
    d = 1 - t ** 2
    expected = np.diag((2 * d * d + 2 * (t - 0.5) * (-2 * t * d)) / 50)
    np.testing.assert_allclose(hess, expected, atol=1e-12)


def test_hessian_via_nested_tapes():
    x = tf.constant([0.5, -1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(x ** 3) + x[0] * x[1]
        grad = inner.gradient(y, x)
    hess = outer.jacobian(grad, x)
    expected = np.diag(6 * np.array([0.5, -1.0, 2.0]))
    expected[0, 1] = expected[1, 0] = 1.0
    np.testing.assert_allclose(hess, expected)


def test_batch_jacobian_of_a_dense_layer():
    xv = RNG.standard_normal((4, 3))
    wv = RNG.standard_normal((3, 5))
    x, w = tf.constant(xv), tf.constant(wv)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.tanh(tf.matmul(x, w))
    jb = g.batch_jacobian(y, x)
    assert jb.shape == (4, 5, 3)
    expected = (1 - np.tanh(xv @ wv) ** 2)[:, :, None] * wv.T[None]
    np.testing.assert_allclose(jb, expected, rtol=1e-10)
    np.testing.assert_allclose(g.batch_jacobian(y, x, experimental_use_pfor=False), expected,
                               rtol=1e-10)


def test_batch_jacobian_higher_rank_shapes():
    x = tf.constant(RNG.standard_normal((2, 3, 2)))
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reshape(x * x, [2, 6])
    j = g.batch_jacobian(y, x)
    assert j.shape == (2, 6, 3, 2)
    np.testing.assert_allclose(np.asarray(j)[1].reshape(6, 6), np.diag(2 * np.asarray(x)[1].ravel()))


def test_batch_jacobian_non_persistent_without_pfor_raises():
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    with pytest.raises(RuntimeError, match="persistent=True"):
        g.batch_jacobian(y, x, experimental_use_pfor=False)


def test_batch_jacobian_unconnected_is_zeros_even_with_none_mode():
    x = tf.constant(np.ones((3, 2), np.float32))
    y = tf.constant(np.ones((3, 4), np.float32))
    with tf.GradientTape() as g:
        g.watch(x)
    j = g.batch_jacobian(y, x)
    assert j.shape == (3, 4, 2) and j.dtype == tf.float32 and not np.any(j)


def test_jacobian_wrt_variable_through_gather():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as g:
        y = tf.gather(v, [2, 0]) * 2.0
    j = np.asarray(g.jacobian(y, v))
    assert j.shape == (2, 2, 3, 2)
    expected = np.zeros((2, 2, 3, 2))
    for i, row in enumerate([2, 0]):
        for k in range(2):
            expected[i, k, row, k] = 2.0
    np.testing.assert_array_equal(j, expected)


@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_parallel_iterations_splits_the_vectorised_pass(chunk):
    x = tf.constant(X)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        z = tf.sin(x) * x
    full = g.jacobian(z, x)
    np.testing.assert_array_equal(g.jacobian(z, x, parallel_iterations=chunk), full)
    xb = tf.constant(X)
    with tf.GradientTape(persistent=True) as g:
        g.watch(xb)
        zb = tf.exp(xb)
    np.testing.assert_array_equal(g.batch_jacobian(zb, xb, parallel_iterations=chunk),
                                  g.batch_jacobian(zb, xb))


def test_large_jacobians_are_split_to_bound_memory(monkeypatch):
    import tapeflow.jacobian as jac
    monkeypatch.setattr(jac, "_MAX_BATCH_ELEMENTS", 12)
    x = tf.constant(X)
    u = tf.constant(np.ones((4,)))
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, u])
        z = tf.square(x)
    jx, ju = g.jacobian(z, [x, u], unconnected_gradients="zero")
    np.testing.assert_array_equal(np.asarray(jx).reshape(6, 6), np.diag(2 * X.ravel()))
    assert ju.shape == (2, 3, 4) and not np.any(ju)
