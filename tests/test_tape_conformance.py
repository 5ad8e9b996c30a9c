"""The 40 conformance cases of TensorFlow's eager backprop tests (tf_semantics.md §1.14).

Each test names the TF test it ports; values are the ones TF's suite asserts.
"""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.tape import aggregate_gradients

pytestmark = pytest.mark.filterwarnings(
    "ignore:Calling GradientTape.gradient on a persistent tape inside its context")


# 1
def test_two_targets():
    x, y = tf.constant(3.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        xx, yy = 2 * x, 3 * y
    dx, dy = t.gradient([xx, yy], [x, y])
    assert float(dx) == 2.0 and float(dy) == 3.0


# 2
def test_output_grad_used_in_computation():
    x, y = tf.constant(3.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        loss = x * y
    (dx,) = t.gradient([loss, x], [x], output_gradients=[1.0, 2.0])
    assert float(dx) == 4.0


# 3
@pytest.mark.parametrize("x0, expected", [(5.0, 1.0), (50.0, 100.0)])
def test_where_gradient(x0, expected):
    x = tf.constant(x0)
    with tf.GradientTape() as t:
        t.watch(x)
        f = tf.where(x < 10, x, x * x)
    assert float(t.gradient(f, x)) == expected


# 4
def test_gradient_integer_string_are_none():
    x = tf.constant(100)
    with tf.GradientTape() as t:
        with pytest.warns(RuntimeWarning, match="must be floating"):
            t.watch(x)
        y = x + x
    assert t.gradient(y, x) is None
    s = tf.constant("foo")
    f = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(f)
    assert t.gradient(s, f) is None
    with tf.GradientTape() as t:
        with pytest.warns(RuntimeWarning, match="got tf.string"):
            t.watch(s)
    assert t.gradient(s, s) is None


# 5
def test_noop_and_identity_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x
    assert float(t.gradient(y, x)) == 1.0
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.identity(x)
    assert float(t.gradient(y, x)) == 1.0


# 6
def test_multi_target_one_is_source():
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    assert float(t.gradient([x, y], x)) == 5.0


# 7
def test_multi_target_all_source():
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x
    assert float(t.gradient([y, y], x)) == 2.0


# 8
def test_multi_target_multi_source():
    x, y = tf.constant(3.0), tf.constant(5.0)
    with tf.GradientTape() as t:
        t.watch(x)
        t.watch(y)
        z = y * y
    dx, dy = t.gradient([x, y, z], [x, y])
    assert float(dx) == 1.0 and float(dy) == 11.0


# 9
def test_noop_on_variable_is_identity():
    v = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = v.read_value()
    assert float(t.gradient(y, v)) == 1.0


# 10
def test_noop_gradient_2by2():
    a = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch(a)
    np.testing.assert_array_equal(t.gradient(a, [a])[0], np.ones((2, 2)))
    np.testing.assert_array_equal(t.gradient([a, a], [a])[0], 2 * np.ones((2, 2)))


# 11
def test_stop_recording():
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        with t.stop_recording():
            t.watch(x)
            y = x * x
    assert t.gradient(y, x) is None


# 12
def test_stop_start_recording():
    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        x2 = x * 2
        with t.stop_recording():
            y = x2 * x2
        z = x2 * x2
    assert t.gradient(y, x2) is None
    assert float(t.gradient(z, x2)) == 4.0


# 13
def test_reset():
    v = tf.Variable(1.0)
    with tf.GradientTape() as t:
        loss = v * v
        t.reset()
        loss += v * v
    assert float(t.gradient(loss, v)) == 2.0


# 14
def test_python_max():
    x = [tf.Variable(2.0), tf.Variable(3.0), tf.Variable(5.0)]
    with tf.GradientTape() as t:
        f = max(x)
    grad = t.gradient(f, x)
    assert grad[0] is None and grad[1] is None and float(grad[2]) == 1.0


# 15
def test_automatic_watched_variables():
    with tf.GradientTape() as t:
        assert t.watched_variables() == ()
        v = tf.Variable(1.0)
        loss = v * v
        assert t.watched_variables() == (v,)
        t.reset()
        assert t.watched_variables() == ()
        loss += v * v
        assert t.watched_variables() == (v,)
    assert loss is not None


# 16
def test_explicit_watched_variables():
    with tf.GradientTape() as t:
        assert t.watched_variables() == ()
        v = tf.Variable(1.0)
        t.watch(v)
        assert t.watched_variables() == (v,)
        t.reset()
        assert t.watched_variables() == ()
        t.watch(v)
        assert t.watched_variables() == (v,)


# 17
@pytest.mark.parametrize("persistent", [False, True])
def test_gradient_within_tape_block(persistent):
    v1 = tf.Variable(1.0)
    with tf.GradientTape(persistent=persistent) as t:
        loss = 2 * v1
        grad = t.gradient(loss, v1)
    assert float(grad) == 2.0


# 18
def test_nested_self_contexts():
    t = tf.GradientTape()
    with pytest.raises(ValueError, match="re-enter"):
        with t:
            with t:
                pass


# 19
def test_watching_is_tape_local():
    x1 = tf.Variable(2.0, trainable=False)
    x2 = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape1:
        with tf.GradientTape() as tape2:
            tape1.watch(x1)
            tape2.watch([x1, x2])
            y = x1 ** 3
            z = x2 ** 2
            dy, dz = tape2.gradient([y, z], [x1, x2])
        d2y, d2z = tape1.gradient([dy, dz], [x1, x2])
    assert float(d2y) == 12.0
    assert d2z is None


# 20
def test_reenter_context():
    g = tf.GradientTape()
    x = tf.constant(3.0)
    with g:
        g.watch(x)
        y = 2 * x
    with g:
        z = 2 * y
    (grad,) = g.gradient(z, [x])
    assert float(grad) == 4.0


# 21
@pytest.mark.parametrize("persistent", [False, True])
def test_repeated_source(persistent):
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=persistent) as g:
        g.watch(x)
        y = 2 * x
    assert [float(v) for v in g.gradient(y, [x, x])] == [2.0, 2.0]
    x, y = tf.constant(3.0), tf.constant(5.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, y])
        z = x * x + x * y
    assert [float(v) for v in g.gradient(z, [x, x])] == [11.0, 11.0]
    assert [float(v) for v in g.gradient(z, [y, x])] == [3.0, 11.0]


# 22
def test_gradient_structure():
    x1, x2, x3 = tf.constant(3.0), tf.constant(3.0), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch([x1, x2, x3])
        y = x1 + 2.0 * x2 + 3.0 * x3
    assert float(g.gradient(y, x1)) == 1.0
    r = g.gradient(y, (x1,))
    assert isinstance(r, tuple) and [float(v) for v in r] == [1.0]
    r = g.gradient(y, [(x1, x2), (x2, x3)])
    assert isinstance(r, list) and all(isinstance(p, tuple) for p in r)
    assert [[float(v) for v in p] for p in r] == [[1.0, 2.0], [2.0, 3.0]]
    r = g.gradient(y, [x1, {"x2": x2, "x3": x3}])
    assert float(r[0]) == 1.0 and {k: float(v) for k, v in r[1].items()} == {"x2": 2.0, "x3": 3.0}


# 23
def test_nested_inner_tape_on_intermediate():
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        with tf.GradientTape() as gg:
            gg.watch(y)
            z = 2 * y
        inner_grad = gg.gradient(z, [y])[0]
        assert float(inner_grad) == 2.0
        y += inner_grad
    assert float(g.gradient(y, [x])[0]) == 6.0


# 24
def test_called_on_constant_target():
    x, y = tf.Variable([3.0]), tf.Variable([2.0])
    with tf.GradientTape() as g:
        pass
    assert g.gradient(x, y) is None


# 25
@pytest.mark.parametrize("method", ["gradient", "jacobian", "batch_jacobian"])
def test_called_multiple_times(method):
    x = tf.constant([[3.0]])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    getattr(g, method)(y, x)
    with pytest.raises(RuntimeError, match="A non-persistent GradientTape can only"):
        getattr(g, method)(y, x)


# 26
def test_jacobian_and_batch_jacobian_inside_scope():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
        assert float(t.jacobian(z, x)) == 108.0
    x = tf.constant([[3.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
        np.testing.assert_array_equal(t.batch_jacobian(z, x), [[[108.0]]])


# 27
def test_persistent_tape():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        z = y * y
    assert float(g.gradient(z, [x])[0]) == 108.0
    assert float(g.gradient(y, [x])[0]) == 6.0


# 28
def test_higher_order_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x ** 3
        d1 = g.gradient(y, x)
        d2 = g.gradient(d1, x)
        d3 = g.gradient(d2, x)
    assert (float(d1), float(d2), float(d3)) == (27.0, 18.0, 6.0)


# 29
def test_persistent_nested_tape():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        with tf.GradientTape(persistent=True) as gg:
            gg.watch(x)
            y = x * x
            z = y * y
        dz_dx = gg.gradient(z, [x])[0]
        dy_dx = gg.gradient(y, [x])[0]
        assert float(dz_dx) == 108.0 and float(dy_dx) == 6.0
    assert float(g.gradient(dy_dx, [x])[0]) == 2.0
    assert float(g.gradient(dz_dx, [x])[0]) == 108.0  # d(4x^3)/dx = 12x^2
    assert float(g.gradient(y, [x])[0]) == 6.0


# 30
def test_gradient_tape_variable():
    v = tf.Variable(1.0)
    with tf.GradientTape() as g:
        y = v * v
    assert float(g.gradient(y, [v])[0]) == 2.0


# 31
def test_nested_gradients():
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        z = y * y
    dx, dy = g.gradient(z, [x, y])
    assert float(dx) == 108.0 and float(dy) == 18.0


# 32
def test_unconnected_gradients():
    x, y = tf.constant(1.0), tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch([x, y])
        z = y * 2
    assert g.gradient(z, x) is None

    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    for mode in (tf.UnconnectedGradients.ZERO, "zero"):
        y = tf.constant(3.0)
        with tf.GradientTape() as g:
            g.watch([x, y])
            z = y * 2
        np.testing.assert_array_equal(g.gradient(z, x, unconnected_gradients=mode), np.zeros((2, 2)))

    xv, yv = tf.Variable([[1.0, 2.0], [3.0, 4.0]]), tf.Variable(3.0)
    with tf.GradientTape() as g:
        z = yv * 2
    dz = g.gradient(z, xv, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    np.testing.assert_array_equal(dz, np.zeros((2, 2)))
    assert dz.dtype == tf.float32

    with tf.GradientTape() as g:
        g.watch(y)
        z = y * 2
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients: 'nonsense'"):
        g.gradient(z, y, unconnected_gradients="nonsense")

    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.stop_gradient(x) * 2.0
    assert float(g.gradient(y, x, unconnected_gradients="zero")) == 0.0


# 33
def test_selectively_watch_variables():
    x1, x2 = tf.Variable(1.0), tf.Variable(1.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x2)
        y = x1 ** 2
        z = x2 ** 3
    assert tape.watched_variables() == (x2,)
    dy, dz = tape.gradient([y, z], [x1, x2])
    assert dy is None and float(dz) == 3.0


# 34
def test_variables_and_constants_same_gradients():
    def grads(a, b):
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = a ** 3
            z = b ** 2
        return [float(g) for g in tape.gradient([y, z], [a, b])]

    assert grads(tf.constant(2.0), tf.constant(2.0)) == [12.0, 4.0]
    assert grads(tf.Variable(2.0), tf.Variable(2.0)) == [12.0, 4.0]


# 35
def test_watch_bad_thing():
    with tf.GradientTape() as g:
        with pytest.raises(ValueError, match="ndarray"):
            g.watch(np.array(1.0))


# 36
def test_watched_variables_after_gradient_and_reset():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
    tape.gradient(x, x)
    assert tape.watched_variables() == (x,)

    y, z = tf.Variable(1.0), tf.Variable(1.0)
    tape = tf.GradientTape()
    with tape:
        tape.watch(y)
    tape.gradient(y, y)
    with tape:
        tape.watch(z)
    tape.gradient(z, z)
    assert tape.watched_variables() == (z,)

    with tf.GradientTape() as tape:
        tape.watch(y)
        tape.reset()
        tape.watch(z)
    assert tape.watched_variables() == (z,)


# 37
def test_custom_gradient_training_and_identity():
    @tf.custom_gradient
    def my_mul(x, y):
        result = x * y

        def grad(dr):
            return [dr * y, dr * x]
        return result, grad

    lr = 0.25
    x = tf.Variable(2.0, name="x")
    losses = []
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = my_mul(2.0, x.read_value())
        losses.append(float(loss))
        x.assign_sub(lr * tape.gradient(loss, x))
    assert losses == [4.0, 3.0, 2.0, 1.0, 0.0]

    @tf.custom_gradient
    def my_identity(x):
        def grad(dresult):
            return [2 * dresult]
        return x, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = my_identity(x)
    assert float(tape.gradient(y, x)) == 2.0

    @tf.custom_gradient
    def bad(x):
        def grad(_):
            return []
        return x, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bad(x)
    with pytest.raises(ValueError, match="expected to return 1 gradients, but returned 0"):
        tape.gradient(y, x)


# 38
def test_jacobian():
    x, y = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    with tf.GradientTape(persistent=True) as g:
        g.watch([x, y])
        z = x * x * y
    jx, jy = g.jacobian(z, [x, y])
    np.testing.assert_array_equal(jx, np.diag([6.0, 16.0]))
    np.testing.assert_array_equal(jy, np.diag([1.0, 4.0]))
    jx2, jy2 = g.jacobian(z, [x, y], experimental_use_pfor=False)
    np.testing.assert_array_equal(jx2, jx)
    np.testing.assert_array_equal(jy2, jy)
    with tf.GradientTape() as g:
        g.watch(x)
        z = x * x
    with pytest.raises(RuntimeError, match="persistent"):
        g.jacobian(z, x, experimental_use_pfor=False)


# 39
def test_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        z = x * x * y
    expected = np.stack([np.diag([6.0, 16.0]), np.diag([30.0, 48.0])])
    np.testing.assert_array_equal(g.batch_jacobian(z, x), expected)
    np.testing.assert_array_equal(g.batch_jacobian(z, x, experimental_use_pfor=False), expected)

    with pytest.raises(ValueError, match="Need first dimension"):
        g.batch_jacobian(z[:1], x)
    with pytest.raises(ValueError, match="must have rank at least 2"):
        g.batch_jacobian(z, x[0])
    with pytest.raises(ValueError, match="must have rank at least 2"):
        g.batch_jacobian(z[0], x)

    x = tf.zeros([1, 0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.exp(x)
    assert g.batch_jacobian(y, x).shape == (1, 0, 0)

    x = tf.constant([[1.0, 2.0]], dtype=tf.float64)
    y = tf.constant([[3.0]], dtype=tf.float64)
    with tf.GradientTape() as g:
        g.watch(x)
    j = g.batch_jacobian(y, x)
    assert j.dtype == tf.float64
    np.testing.assert_array_equal(j, np.zeros((1, 1, 2)))


# 40
def test_aggregate_indexed_slices_gradients():
    assert aggregate_gradients([]) is None
    one = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([0]), tf.constant([3, 2]))
    assert aggregate_gradients([one]) is one
    a = tf.IndexedSlices(tf.constant([[1.0, 2.0], [5.0, 6.0]]), tf.constant([0, 1]),
                         tf.constant([3, 2]))
    b = tf.IndexedSlices(tf.constant([[10.0, 12.0]]), tf.constant([2]), tf.constant([3, 2]))
    total = aggregate_gradients([a, None, b])
    assert isinstance(total, tf.IndexedSlices)
    np.testing.assert_array_equal(tf.convert_to_tensor(total), [[1, 2], [5, 6], [10, 12]])
    dense = tf.constant([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    mixed = aggregate_gradients([a, dense])
    assert isinstance(mixed, tf.Tensor)
    np.testing.assert_array_equal(mixed, [[2, 3], [6, 7], [1, 1]])
