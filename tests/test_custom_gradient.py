"""tf.custom_gradient (tf_semantics.md §1.12) and tf.stop_gradient."""
import numpy as np
import pytest

import tapeflow as tf


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1.0 - 1.0 / (1.0 + e))
    return tf.math.log(1.0 + e), grad


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")
def test_custom_rule_replaces_autodiff():
    x = tf.constant(100.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = log1pexp(x)
    assert float(g.gradient(y, x)) == 1.0     # autodiff of the formula would give nan


def test_forward_value_and_wrapped_name():
    assert float(log1pexp(tf.constant(0.0))) == pytest.approx(np.log(2.0))
    assert log1pexp.__name__ == "log1pexp"


def test_python_number_arguments_and_none_gradient():
    @tf.custom_gradient
    def scale(x, factor):
        def grad(dy):
            return dy * factor, None
        return x * factor, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = scale(x, 3.0)
    assert float(g.gradient(y, x)) == 3.0


def test_multiple_outputs_get_one_upstream_each():
    @tf.custom_gradient
    def two(x):
        def grad(da, db):
            return 2.0 * da + 3.0 * db
        return (x * 1.0, x * 1.0), grad

    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        a, b = two(x)
    assert float(g.gradient(a, x)) == 2.0         # the other output's upstream is zeros
    assert float(g.gradient([a, b], x)) == 5.0


def test_with_variables():
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def times_v(x):
        def grad(dy, variables=None):
            assert variables == [v]
            return dy * v, [dy * x * 10.0]
        return x * v, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = times_v(x)
    dx, dv = g.gradient(y, [x, v])
    assert float(dx) == 3.0 and float(dv) == 20.0
    assert g.watched_variables() == (v,)


def test_variables_need_variables_keyword():
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def uses_v(x):
        return x * v, lambda dy: dy

    with pytest.raises(TypeError, match="must accept keyword argument 'variables'"):
        uses_v(tf.constant(1.0))


def test_variable_gradient_count_checked():
    v, w = tf.Variable(1.0), tf.Variable(2.0)

    @tf.custom_gradient
    def f(x):
        def grad(dy, variables):
            return dy, [dy]
        return x * v * w, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = f(x)
    with pytest.raises(ValueError, match="Must return gradient for each variable"):
        g.gradient(y, x)


def test_input_gradient_count_checked():
    @tf.custom_gradient
    def f(x, y):
        return x * y, lambda dz: [dz]

    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        z = f(x, tf.constant(2.0))
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        g.gradient(z, x)


def test_errors_in_grad_fn_propagate():
    @tf.custom_gradient
    def f(x):
        def grad(_):
            raise RuntimeError("x")
        return x, grad

    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = f(x)
    with pytest.raises(RuntimeError, match="x"):
        g.gradient(y, x)


def test_second_order_through_grad_fn():
    @tf.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x
        return x * x * x, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy = inner.gradient(y, x)
    assert float(dy) == 12.0
    assert float(outer.gradient(dy, x)) == 12.0      # 6x


def test_override_second_order_with_custom_gradient():
    @tf.custom_gradient
    def my_grad(dy):
        return dy * 1.0, lambda ddy: ddy * 100.0      # the second derivative's rule

    @tf.custom_gradient
    def f(x):
        return x * x, lambda dy: my_grad(2.0 * x * dy)

    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy = inner.gradient(y, x)
    assert float(dy) == 6.0
    assert float(outer.gradient(dy, x)) == 200.0


def test_inner_ops_not_recorded():
    @tf.custom_gradient
    def f(x):
        return tf.exp(tf.sin(x)) * 2.0, lambda dy: dy
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        f(x)
    assert len(g._records) == 1


def test_stop_gradient_blocks_and_hides_downstream_ops():
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.exp(tf.stop_gradient(x) * 3.0)
    assert g._records == []
    assert g.gradient(y, x) is None


def test_on_a_method_self_is_bound_and_its_variables_are_variables():
    class Scale:
        def __init__(self):
            self.w = tf.Variable(3.0)

        @tf.custom_gradient
        def __call__(self, x):
            def grad(dy, variables):
                return dy * self.w, [dy * x * 100.0]
            return x * self.w, grad

    layer = Scale()
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = layer(x)
    dx, dw = g.gradient(y, [x, layer.w])
    assert float(y) == 6.0 and float(dx) == 3.0 and float(dw) == 200.0


def test_keyword_arguments_are_passed_not_differentiated():
    @tf.custom_gradient
    def f(x, power=2.0):
        return x ** power, lambda dy: dy * power * x ** (power - 1.0)

    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = f(x, power=3.0)
    assert float(y) == 8.0 and float(g.gradient(y, x)) == 12.0


def test_jacobian_through_a_custom_gradient():
    @tf.custom_gradient
    def square(x):
        return x * x, lambda dy: dy * 2.0 * x

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = square(x)
    np.testing.assert_array_equal(g.jacobian(y, x), np.diag([2.0, 4.0, 6.0]))
    np.testing.assert_array_equal(g.jacobian(y, x, experimental_use_pfor=False),
                                  np.diag([2.0, 4.0, 6.0]))
