"""Optimizers: Keras 3 goldens, multi-step trajectories against NumPy re-implementations of
the update equations, and the base class's step order and errors."""
import math
import warnings

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import optimizers

O = optimizers
G4 = [1.0, 6.0, 7.0, 2.0]
W4 = [1.0, 2.0, 3.0, 4.0]


def _one_step(opt):
    w = tf.Variable(W4)
    opt.apply_gradients(zip([tf.constant(G4)], [w]))
    return w.numpy()


# -- single-step goldens (tf_semantics §4.2 and Keras's optimizer tests) --------------------
@pytest.mark.parametrize("opt,expected", [
    (lambda: O.SGD(0.5), [0.5, -1.0, -0.5, 3.0]),
    (lambda: O.Adam(0.5), [0.5, 1.5, 2.5, 3.5]),
    (lambda: O.AdamW(0.5), [0.4980, 1.4960, 2.494, 3.492]),
    (lambda: O.RMSprop(0.5), [-0.5811, 0.4189, 1.4189, 2.4189]),
    (lambda: O.Adagrad(0.5), [0.5233, 1.5007, 2.5005, 3.5061]),
    (lambda: O.Adadelta(0.5), [0.9993, 1.9993, 2.9993, 3.9993]),
    (lambda: O.Adamax(0.5), [0.5, 1.5, 2.5, 3.5]),
    (lambda: O.Nadam(0.5), [0.4686, 1.4686, 2.4686, 3.4686]),
    (lambda: O.Lion(0.5), [0.5, 1.5, 2.5, 3.5]),
], ids=["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion"])
def test_single_step_goldens(opt, expected):
    np.testing.assert_allclose(_one_step(opt()), expected, rtol=1e-4, atol=1e-4)


def _golden_run(opt):
    """Keras's golden protocol: one step with 0.01 gradients, then steps with 0.1..1.0."""
    x = tf.Variable(np.ones(10, np.float32))
    grads = tf.constant(np.arange(0.1, 1.1, 0.1).astype(np.float32))
    opt.apply_gradients(zip([tf.constant(np.full(10, 0.01, np.float32))], [x]))
    values = []
    for _ in range(5):
        values.append(x.numpy().copy())
        opt.apply_gradients(zip([grads], [x]))
    return np.array(values)


def test_multi_step_goldens():
    np.testing.assert_allclose(
        _golden_run(O.Adam(amsgrad=True)),
        np.tile([[0.999], [0.9982], [0.9974], [0.9965], [0.9955]], (1, 10)), atol=5e-4)
    np.testing.assert_allclose(
        _golden_run(O.Lion()), np.tile([[0.999], [0.998], [0.997], [0.996], [0.995]], (1, 10)),
        atol=5e-4)
    np.testing.assert_allclose(
        _golden_run(O.Adadelta(learning_rate=1.0, rho=0.8, epsilon=1e-6)),
        np.tile([[0.9978], [0.9947], [0.9915], [0.9882], [0.9849]], (1, 10)), atol=5e-4)
    adamax = _golden_run(O.Adamax(learning_rate=0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-6))
    np.testing.assert_allclose(adamax[1, :3], [0.6827, 0.6873, 0.6888], atol=5e-4)
    np.testing.assert_allclose(adamax[4, -3:], [0.2121, 0.2124, 0.2126], atol=5e-4)
    nadam = _golden_run(O.Nadam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5))
    np.testing.assert_allclose(nadam[0], np.full(10, 0.4281), atol=5e-4)
    np.testing.assert_allclose(nadam[2, :3], [-0.7115, -0.7103, -0.7096], atol=5e-4)
    np.testing.assert_allclose(nadam[4, -3:], [-1.7456, -1.7455, -1.7454], atol=5e-4)


# -- trajectories against NumPy re-implementations ------------------------------------------
def np_sgd(lr=0.01, momentum=0.0, nesterov=False):
    def step(w, g, s, t):
        if momentum == 0:
            return w - lr * g
        s["m"] = momentum * s.get("m", 0) - lr * g
        return w + (momentum * s["m"] - lr * g if nesterov else s["m"])
    return step


def np_adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=None):
    def step(w, g, s, t):
        if wd:
            w = w - w * wd * lr
        s["m"] = s.get("m", 0) + (g - s.get("m", 0)) * (1 - b1)
        s["v"] = s.get("v", 0) + (g * g - s.get("v", 0)) * (1 - b2)
        v = s["v"]
        if amsgrad:
            s["vh"] = np.maximum(s.get("vh", 0), v)
            v = s["vh"]
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - alpha * s["m"] / (np.sqrt(v) + eps)
    return step


def np_rmsprop(lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    def step(w, g, s, t):
        s["v"] = rho * s.get("v", 0) + (1 - rho) * g * g
        den = s["v"] + eps
        if centered:
            s["a"] = rho * s.get("a", 0) + (1 - rho) * g
            den = s["v"] - s["a"] ** 2 + eps
        inc = lr * g / np.sqrt(den)
        if momentum > 0:
            s["mom"] = momentum * s.get("mom", 0) + inc
            return w - s["mom"]
        return w - inc
    return step


def np_adagrad(lr=0.001, init=0.1, eps=1e-7):
    def step(w, g, s, t):
        s["acc"] = s.get("acc", init) + g * g
        return w - lr * g / np.sqrt(s["acc"] + eps)
    return step


def np_adadelta(lr=0.001, rho=0.95, eps=1e-7):
    def step(w, g, s, t):
        s["ag"] = rho * s.get("ag", 0) + (1 - rho) * g * g
        delta = -np.sqrt(s.get("ad", 0) + eps) * g / np.sqrt(s["ag"] + eps)
        s["ad"] = rho * s.get("ad", 0) + (1 - rho) * delta * delta
        return w + lr * delta
    return step


def np_adamax(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    def step(w, g, s, t):
        s["m"] = s.get("m", 0) + (g - s.get("m", 0)) * (1 - b1)
        s["u"] = np.maximum(b2 * s.get("u", 0), np.abs(g))
        return w - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + eps))
    return step


def np_nadam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    def u(t):
        return b1 * (1 - 0.5 * 0.96 ** t)

    def step(w, g, s, t):
        s["prod"] = s.get("prod", 1.0) * u(t)
        s["m"] = s.get("m", 0) + (g - s.get("m", 0)) * (1 - b1)
        s["v"] = s.get("v", 0) + (g * g - s.get("v", 0)) * (1 - b2)
        m_hat = u(t + 1) * s["m"] / (1 - s["prod"] * u(t + 1)) + (1 - u(t)) * g / (1 - s["prod"])
        v_hat = s["v"] / (1 - b2 ** t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return step


def np_lion(lr=0.001, b1=0.9, b2=0.99):
    def step(w, g, s, t):
        m = s.get("m", 0)
        w = w - lr * np.sign(m * b1 + g * (1 - b1))
        s["m"] = m * b2 + g * (1 - b2)
        return w
    return step


TRAJECTORIES = [
    (lambda: O.SGD(0.1), np_sgd(0.1)),
    (lambda: O.SGD(0.1, momentum=0.9), np_sgd(0.1, 0.9)),
    (lambda: O.SGD(0.1, momentum=0.9, nesterov=True), np_sgd(0.1, 0.9, True)),
    (lambda: O.Adam(0.05), np_adam(0.05)),
    (lambda: O.Adam(0.05, amsgrad=True), np_adam(0.05, amsgrad=True)),
    (lambda: O.AdamW(0.05, weight_decay=0.1), np_adam(0.05, wd=0.1)),
    (lambda: O.RMSprop(0.01), np_rmsprop(0.01)),
    (lambda: O.RMSprop(0.01, momentum=0.5, centered=True), np_rmsprop(0.01, momentum=0.5,
                                                                       centered=True)),
    (lambda: O.Adagrad(0.1), np_adagrad(0.1)),
    (lambda: O.Adadelta(1.0), np_adadelta(1.0)),
    (lambda: O.Adamax(0.05), np_adamax(0.05)),
    (lambda: O.Nadam(0.05), np_nadam(0.05)),
    (lambda: O.Lion(0.01), np_lion(0.01)),
]
TRAJ_IDS = ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_amsgrad", "adamw", "rmsprop",
            "rmsprop_centered_momentum", "adagrad", "adadelta", "adamax", "nadam", "lion"]


@pytest.mark.parametrize("make,reference", TRAJECTORIES, ids=TRAJ_IDS)
def test_trajectory_matches_numpy_equations(make, reference):
    rng = np.random.default_rng(3)
    shapes = [(3, 2), (2,), ()]
    opt = make()
    variables = [tf.Variable(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    expected = [v.numpy().astype(np.float64) for v in variables]
    states = [{} for _ in shapes]
    for t in range(1, 7):
        grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        opt.apply_gradients(zip([tf.constant(g) for g in grads], variables))
        expected = [reference(w, g.astype(np.float64), s, t)
                    for w, g, s in zip(expected, grads, states)]
        for v, e in zip(variables, expected):
            assert v.dtype == tf.float32
            np.testing.assert_allclose(v.numpy(), e, rtol=2e-5, atol=2e-6)
    assert int(opt.iterations) == 6


# -- the base class --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [O.SGD, O.Adam, O.RMSprop, O.Adagrad, O.Adadelta, O.Adamax,
                                 O.Nadam, O.Lion])
def test_weight_decay_and_exclusions(cls):
    grads = tf.zeros(())
    var1, var2, var3 = tf.Variable(2.0), tf.Variable(2.0, name="exclude"), tf.Variable(2.0)
    cls(learning_rate=1.0, weight_decay=0.004).apply_gradients(zip([grads], [var1]))
    opt2 = cls(learning_rate=1.0, weight_decay=0.004)
    opt2.exclude_from_weight_decay(var_names=["exclude"])
    opt2.apply_gradients(zip([grads, grads], [var1, var2]))
    opt3 = cls(learning_rate=1.0, weight_decay=0.004)
    opt3.exclude_from_weight_decay(var_list=[var3])
    opt3.apply_gradients(zip([grads, grads], [var1, var3]))
    assert float(var1) == pytest.approx(1.9760959, abs=1e-6)
    assert float(var2) == 2.0 and float(var3) == 2.0


def test_exclusions_only_before_build():
    opt = O.Adam()
    opt.build([tf.Variable(1.0)])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["bias"])


def test_adamw_requires_weight_decay():
    with pytest.raises(ValueError, match="weight_decay"):
        O.AdamW(weight_decay=None)


def test_clipping():
    assert np.allclose(O.Adam(clipnorm=1)._clip_gradients([np.array([100.0, 100.0])])[0],
                       [2 ** 0.5 / 2, 2 ** 0.5 / 2])
    assert np.allclose(O.Adam(clipvalue=1)._clip_gradients([np.array([100.0, -100.0])])[0],
                       [1.0, -1.0])
    clipped = O.SGD(global_clipnorm=5.0)._clip_gradients([np.array([3.0, 0.0]),
                                                           np.array([0.0, 8.0, 6.0])])
    np.testing.assert_allclose(np.concatenate(clipped),
                               np.array([3, 0, 0, 8, 6]) * 5 / math.sqrt(109))
    inf = O.SGD(global_clipnorm=1.0)._clip_gradients([np.array([np.inf, 1.0])])
    assert np.all(np.isnan(inf[0]))
    small = np.array([0.1, 0.2])
    assert np.allclose(O.SGD(clipnorm=1.0)._clip_gradients([small])[0], small)
    with pytest.raises(ValueError, match="Only one of"):
        O.SGD(clipnorm=1.0, clipvalue=1.0)


def test_clipping_applies_before_the_update_and_leaves_gradients_alone():
    w = tf.Variable([0.0, 0.0])
    g = tf.constant([3.0, 4.0])
    O.SGD(1.0, clipnorm=1.0).apply_gradients([(g, w)])
    np.testing.assert_allclose(w.numpy(), [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_array_equal(g.numpy(), [3.0, 4.0])


def test_none_gradients_warn_with_names_and_all_none_raises():
    a, b = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b")
    opt = O.SGD(0.5)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b'\]"):
        opt.apply_gradients([(tf.constant(1.0), a), (None, b)])
    assert float(a) == 0.5 and float(b) == 2.0 and int(opt.iterations) == 1
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, a), (None, b)])
    assert int(opt.iterations) == 1


def test_unknown_variable_after_build():
    opt = O.Adam()
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    opt.apply_gradients([(tf.constant(1.0), a)])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(tf.constant(1.0), b)])


def test_empty_gradients_do_nothing_and_apply_without_variables():
    opt = O.SGD(0.5)
    opt.apply_gradients([])
    assert int(opt.iterations) == 0
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([tf.constant(1.0)])
    v = tf.Variable(1.0)
    opt.build([v])
    opt.apply([tf.constant(1.0)])
    assert float(v) == 0.5


def test_iterations_and_variables():
    opt = O.SGD(learning_rate=0.5)
    w = tf.Variable([1.0, 2.0])
    assert opt.iterations.dtype == tf.int64 and int(opt.iterations) == 0
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    assert len(opt.variables) == 2
    assert [float(v.numpy()) for v in opt.variables] == [1.0, 0.5]
    adam = O.Adam()
    adam.build([w])
    assert len(adam.variables) == 4


def test_learning_rate_validation_and_setter():
    with pytest.raises(ValueError, match="should be float"):
        O.SGD(learning_rate=1)
    with pytest.raises(ValueError, match="momentum"):
        O.SGD(momentum=0)
    with pytest.raises(ValueError, match="not recognized"):
        O.Adam(foo=1)
    with pytest.warns(UserWarning, match="decay"):
        O.Adam(decay=0.1)
    opt = O.SGD(learning_rate=0.5)
    opt.learning_rate = 0.25
    assert float(opt.learning_rate) == 0.25
    opt.learning_rate.assign(0.125)
    w = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == 0.875
    assert opt.lr is opt.learning_rate


def test_schedule_is_evaluated_before_the_increment_and_not_settable():
    sched = O.schedules.PiecewiseConstantDecay([0], [1.0, 0.5])
    opt = O.SGD(learning_rate=sched)
    w = tf.Variable(0.0)
    assert float(opt.learning_rate) == 1.0
    opt.apply_gradients([(tf.constant(1.0), w)])      # uses schedule(0) = 1.0
    assert float(w) == -1.0 and float(opt.learning_rate) == 0.5
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == -1.5
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


def test_callable_learning_rate():
    opt = O.SGD(learning_rate=lambda: 0.25)
    w = tf.Variable(1.0)
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == 0.75


def test_minimize_with_callable_and_with_tape():
    v = tf.Variable(1.0)
    opt = O.SGD(0.1)
    opt.minimize(lambda: v * v, [v])
    assert float(v) == pytest.approx(0.8)
    with tf.GradientTape() as tape:
        loss = v * v
    assert int(opt.minimize(loss, [v], tape=tape)) == 2
    assert float(v) == pytest.approx(0.64)
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(v * v, [v])


def test_indexed_slices_gradient_matches_dense():
    emb_a = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    emb_b = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(emb_a, [0, 2, 2]))
    g = tape.gradient(loss, emb_a)
    O.Adam(0.1).apply_gradients([(g, emb_a)])
    O.Adam(0.1).apply_gradients([(tf.convert_to_tensor(g), emb_b)])
    np.testing.assert_allclose(emb_a.numpy(), emb_b.numpy())


def test_constraints_are_applied_after_the_update():
    w = tf.Variable([1.0, -1.0], constraint=tf.keras.constraints.NonNeg())
    O.SGD(1.0).apply_gradients([(tf.constant([0.0, 1.0]), w)])
    np.testing.assert_array_equal(w.numpy(), [1.0, 0.0])


def test_ema_and_finalize():
    w = tf.Variable(0.0)
    opt = O.SGD(1.0, use_ema=True, ema_momentum=0.5)
    opt.apply_gradients([(tf.constant(-1.0), w)])        # w = 1, average = 1 (first step)
    opt.apply_gradients([(tf.constant(-1.0), w)])        # w = 2, average = 1.5
    assert float(w) == 2.0
    opt.finalize_variable_values([w])
    assert float(w) == 1.5


def test_update_does_not_corrupt_values_a_tape_or_user_holds():
    w = tf.Variable([1.0, 2.0])
    snapshot = w.read_value()
    held = snapshot.numpy()
    O.Adam(0.1).apply_gradients([(tf.constant([1.0, 1.0]), w)])
    np.testing.assert_array_equal(held, [1.0, 2.0])
    np.testing.assert_array_equal(snapshot.numpy(), [1.0, 2.0])
    assert not np.allclose(w.numpy(), [1.0, 2.0])


def test_float64_gradient_for_float32_variable_is_cast():
    w = tf.Variable([1.0])
    O.SGD(0.5).apply_gradients([(np.array([1.0]), w)])
    assert w.dtype == tf.float32 and float(w.numpy()[0]) == 0.5


def test_custom_optimizer_with_update_step_in_ops():
    class HalfStep(O.Optimizer):
        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, 0.5 * learning_rate * gradient)

    w = tf.Variable(1.0)
    HalfStep(learning_rate=1.0).apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == 0.5


def test_public_update_step_of_builtin():
    w = tf.Variable([1.0, 2.0])
    opt = O.SGD(0.5)
    opt.build([w])
    opt.update_step(tf.constant([1.0, 1.0]), w, 0.5)
    np.testing.assert_array_equal(w.numpy(), [0.5, 1.5])


def test_get_config_from_config_and_get():
    opt = O.Adam(learning_rate=0.5, beta_1=0.8, amsgrad=True, clipnorm=2.0)
    clone = O.Adam.from_config(opt.get_config())
    assert (clone.beta_1, clone.amsgrad, clone.clipnorm) == (0.8, True, 2.0)
    assert float(clone.learning_rate) == 0.5
    restored = O.deserialize(O.serialize(O.SGD(momentum=0.5, nesterov=True)))
    assert isinstance(restored, O.SGD) and restored.nesterov and restored.momentum == 0.5
    sched = O.schedules.ExponentialDecay(0.1, 10, 0.5)
    from_sched = O.SGD.from_config(O.SGD(learning_rate=sched).get_config())
    assert float(from_sched.learning_rate) == pytest.approx(0.1)
    for name, cls in (("adam", O.Adam), ("Adam", O.Adam), ("sgd", O.SGD), ("rmsprop", O.RMSprop),
                      ("adamw", O.AdamW), ("nadam", O.Nadam), ("lion", O.Lion),
                      ("adagrad", O.Adagrad), ("adadelta", O.Adadelta), ("adamax", O.Adamax)):
        assert type(O.get(name)) is cls
    instance = O.SGD()
    assert O.get(instance) is instance
    with pytest.raises(ValueError, match=r"'adamm'.*adam"):
        O.get("adamm")


def test_names():
    assert O.Adam().name == "adam" and O.SGD().name == "SGD" and O.Adam(name="x").name == "x"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert float(O.Adam(lr=0.5).learning_rate) == 0.5


def test_legacy_namespace_aliases():
    assert O.legacy.Adam is O.Adam and O.legacy.SGD is O.SGD


def test_gradient_accumulation_applies_the_mean_every_n_steps():
    w = tf.Variable([0.0, 0.0])
    opt = O.SGD(1.0, gradient_accumulation_steps=3)
    for g in ([1.0, 2.0], [2.0, 2.0], [3.0, 5.0]):
        before = w.numpy().copy()
        opt.apply_gradients([(tf.constant(g), w)])
        if int(opt.iterations) < 3:
            np.testing.assert_array_equal(w.numpy(), before)
    np.testing.assert_allclose(w.numpy(), [-2.0, -3.0])
    assert int(opt.iterations) == 3
    opt.apply_gradients([(tf.constant([9.0, 9.0]), w)])       # accumulators were cleared
    np.testing.assert_allclose(w.numpy(), [-2.0, -3.0])
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        O.Adam(gradient_accumulation_steps=1)


def test_gradient_accumulation_with_adam_matches_a_mean_gradient_step_at_t_n():
    w_acc = tf.Variable([1.0])
    acc = O.Adam(0.1, gradient_accumulation_steps=2)
    acc.apply_gradients([(tf.constant([1.0]), w_acc)])
    acc.apply_gradients([(tf.constant([3.0]), w_acc)])
    # Keras counts every call, so the update uses t = 2 with the mean gradient 2.0.
    m, v = 0.1 * 2.0, 0.001 * 4.0
    expected = 1.0 - 0.1 * np.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2) * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(w_acc.numpy(), [expected], rtol=1e-5)
