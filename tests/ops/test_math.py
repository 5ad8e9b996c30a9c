"""Forward values, dtypes, gradient edge cases and errors of the elementwise math ops."""
import math

import numpy as np
import pytest

import tapeflow as tf


def _grad(fn, *xs):
    xs = [tf.constant(x) for x in xs]
    with tf.GradientTape(persistent=True) as tape:
        for x in xs:
            tape.watch(x)
        y = fn(*xs)
    return [tape.gradient(y, x) for x in xs]


X = np.array([[-2.5, -1.0, 0.0], [0.5, 1.5, 3.0]])
UNARY_VALUES = [
    (tf.negative, np.negative), (tf.abs, np.abs), (tf.sign, np.sign), (tf.square, np.square),
    (tf.exp, np.exp), (tf.math.expm1, np.expm1), (tf.sin, np.sin), (tf.cos, np.cos),
    (tf.tan, np.tan), (tf.math.atan, np.arctan), (tf.math.sinh, np.sinh), (tf.math.cosh, np.cosh),
    (tf.tanh, np.tanh), (tf.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    (tf.math.softplus, lambda x: np.log1p(np.exp(x))), (tf.math.softsign, lambda x: x / (1 + abs(x))),
    (tf.floor, np.floor), (tf.math.ceil, np.ceil), (tf.round, np.round),
    (tf.math.erf, np.vectorize(math.erf)),
]


@pytest.mark.parametrize("tf_fn,np_fn", UNARY_VALUES, ids=lambda f: getattr(f, "__name__", ""))
def test_unary_values_float64_and_float32(tf_fn, np_fn):
    np.testing.assert_allclose(tf_fn(tf.constant(X)).numpy(), np_fn(X), rtol=1e-12, atol=1e-14)
    out32 = tf_fn(tf.constant(X, dtype=tf.float32))
    assert out32.dtype == tf.float32
    np.testing.assert_allclose(out32.numpy(), np_fn(X), rtol=1e-5, atol=1e-6)


def test_positive_domain_values():
    x = np.array([0.25, 1.0, 4.0])
    np.testing.assert_allclose(tf.sqrt(tf.constant(x)).numpy(), np.sqrt(x))
    np.testing.assert_allclose(tf.math.rsqrt(tf.constant(x)).numpy(), 1 / np.sqrt(x))
    np.testing.assert_allclose(tf.math.log(tf.constant(x)).numpy(), np.log(x))
    np.testing.assert_allclose(tf.math.log1p(tf.constant(x)).numpy(), np.log1p(x))
    np.testing.assert_allclose(tf.math.reciprocal(tf.constant(x)).numpy(), 1 / x)


def test_erf_matches_math_erf_to_1e13():
    x = np.concatenate([np.linspace(-8, 8, 40001), np.logspace(-300, 1, 2000), [0.0]])
    ref = np.array([math.erf(v) for v in x])
    got = tf.math.erf(tf.constant(x)).numpy()
    rel = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)
    assert rel.max() <= 1e-13
    got32 = tf.math.erf(tf.constant(x, dtype=tf.float32)).numpy()
    np.testing.assert_allclose(got32, ref.astype(np.float32), rtol=2e-7, atol=1e-45)
    np.testing.assert_array_equal(tf.math.erf(tf.constant([np.inf, -np.inf])).numpy(), [1.0, -1.0])
    assert np.isnan(tf.math.erf(tf.constant(np.nan)).numpy())


def test_sigmoid_and_softplus_do_not_overflow():
    x = tf.constant([-1000.0, 1000.0])
    np.testing.assert_array_equal(tf.sigmoid(x).numpy(), [0.0, 1.0])
    np.testing.assert_allclose(tf.math.softplus(x).numpy(), [0.0, 1000.0])


def test_binary_values():
    a = np.array([[7.0, -7.0], [2.5, -2.5]])
    b = np.array([2.0, 3.0])
    ta, tb = tf.constant(a), tf.constant(b)
    np.testing.assert_allclose((ta + tb).numpy(), a + b)
    np.testing.assert_allclose((ta - tb).numpy(), a - b)
    np.testing.assert_allclose((ta * tb).numpy(), a * b)
    np.testing.assert_allclose((ta / tb).numpy(), a / b)
    np.testing.assert_allclose((ta // tb).numpy(), np.floor_divide(a, b))
    np.testing.assert_allclose((ta % tb).numpy(), np.mod(a, b))
    np.testing.assert_allclose(tf.pow(tf.abs(ta), tb).numpy(), np.abs(a) ** b)
    np.testing.assert_allclose(tf.maximum(ta, tb).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(tf.minimum(ta, tb).numpy(), np.minimum(a, b))


def test_floordiv_and_mod_follow_python_sign_rule():
    x = tf.constant([7, -7, 7, -7])
    y = tf.constant([2, 2, -2, -2])
    assert (x // y).numpy().tolist() == [7 // 2, -7 // 2, 7 // -2, -7 // -2]
    assert (x % y).numpy().tolist() == [7 % 2, -7 % 2, 7 % -2, -7 % -2]
    assert tf.math.floormod(tf.constant(-7.5), tf.constant(2.0)).numpy() == -7.5 % 2.0
    assert (x // y).dtype == tf.int32


def test_int_division_gives_float64():
    assert (tf.constant([1, 2]) / tf.constant([2, 4])).dtype == tf.float64


def test_round_is_half_to_even():
    assert tf.round(tf.constant([0.5, 1.5, 2.5, -0.5])).numpy().tolist() == [0.0, 2.0, 2.0, -0.0]


def test_cast_truncates_towards_zero():
    assert tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy().tolist() == [1, -1]


def test_python_scalars_never_upcast():
    x = tf.constant([1.0, 2.0])
    for y in (x + 1, 1 + x, x * 2.5, 2.5 * x, x / 3, x ** 2, 2.0 ** x, x - np.float64(1.0),
              tf.maximum(x, 0.5), tf.clip_by_value(x, 0.0, 1.0), tf.where(x > 1, x, 0.0)):
        assert y.dtype == tf.float32


def test_dtype_mismatch_names_both_dtypes_and_cast():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.constant([1.0]) + tf.constant([1.0], dtype=tf.float64)
    msg = str(e.value)
    assert "float32" in msg and "float64" in msg and "tf.cast" in msg
    with pytest.raises(ValueError):   # InvalidArgumentError is a ValueError
        tf.multiply(tf.constant([1]), tf.constant([1.0]))


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.add(tf.ones([2, 3]), tf.ones([4]))
    assert "AddV2" in str(e.value) and "(2, 3)" in str(e.value) and "(4,)" in str(e.value)


def test_comparisons_and_logic():
    a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant([2.0, 2.0, 2.0])
    assert (a < b).numpy().tolist() == [True, False, False]
    assert (a <= b).numpy().tolist() == [True, True, False]
    assert (a > b).numpy().tolist() == [False, False, True]
    assert (a >= b).numpy().tolist() == [False, True, True]
    assert tf.equal(a, b).numpy().tolist() == [False, True, False]
    assert tf.not_equal(a, b).numpy().tolist() == [True, False, True]
    p, q = tf.constant([True, True, False]), tf.constant([True, False, False])
    assert tf.logical_and(p, q).numpy().tolist() == [True, False, False]
    assert tf.logical_or(p, q).numpy().tolist() == [True, True, False]
    assert tf.math.logical_xor(p, q).numpy().tolist() == [False, True, False]
    assert tf.logical_not(p).numpy().tolist() == [False, False, True]
    assert (~p).numpy().tolist() == [False, False, True]


def test_where_one_and_three_arguments():
    c = tf.constant([[True, False], [False, True]])
    idx = tf.where(c)
    assert idx.dtype == tf.int64 and idx.numpy().tolist() == [[0, 0], [1, 1]]
    out = tf.where(c, tf.constant([[1.0, 2.0], [3.0, 4.0]]), 0.0)
    assert out.numpy().tolist() == [[1.0, 0.0], [0.0, 4.0]]
    with pytest.raises(ValueError):
        tf.where(c, 1.0)


def test_maximum_minimum_ties_send_gradient_to_first_argument():
    gx, gy = _grad(tf.maximum, [1.0, 2.0], [1.0, 3.0])
    assert gx.numpy().tolist() == [1.0, 0.0] and gy.numpy().tolist() == [0.0, 1.0]
    gx, gy = _grad(tf.minimum, [1.0, 2.0], [1.0, 3.0])
    assert gx.numpy().tolist() == [1.0, 1.0] and gy.numpy().tolist() == [0.0, 0.0]


def test_clip_by_value_passes_gradient_at_both_bounds():
    (g,) = _grad(lambda x: tf.clip_by_value(x, -1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0])
    assert g.numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_abs_gradient_at_zero_is_zero():
    (g,) = _grad(tf.abs, [0.0, -2.0, 2.0])
    assert g.numpy().tolist() == [0.0, -1.0, 1.0]


@pytest.mark.parametrize("fn", [tf.floor, tf.math.ceil, tf.round, tf.sign,
                                lambda x: tf.cast(x, tf.int32), lambda x: x // 2.0,
                                lambda x: tf.cast(x > 0, tf.float32)])
def test_piecewise_constant_and_integer_paths_give_none(fn):
    (g,) = _grad(fn, [0.3, 1.7])
    assert g is None


def test_none_counts_as_zero_when_summed_with_other_paths():
    (g,) = _grad(lambda x: tf.floor(x) + 2.0 * x, [0.3, 1.7])
    assert g.numpy().tolist() == [2.0, 2.0]


def test_where_gradient_is_dense_zeros_in_unselected_positions():
    (g,) = _grad(lambda x: tf.where(x < 10.0, x, x * x), [5.0, 50.0])
    assert g.numpy().tolist() == [1.0, 100.0]


def test_float32_grads_stay_float32():
    (g,) = _grad(lambda x: tf.reduce_sum(tf.exp(x) * 2.0 + tf.sqrt(x)), np.float32([1.0, 2.0]))
    assert g.dtype == tf.float32


def test_clip_by_norm_values():
    x = tf.constant([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(tf.clip_by_norm(x, 1.0, axes=[1]).numpy(),
                               [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(tf.clip_by_norm(tf.zeros([2]), 1.0).numpy(), [0.0, 0.0])
    total = np.sqrt(25.25)
    np.testing.assert_allclose(tf.clip_by_norm(x, 1.0).numpy(), x.numpy() / total, rtol=1e-6)


def test_add_n_values_and_errors():
    out = tf.add_n([tf.ones([2]), tf.ones([2]), tf.constant([1.0, 2.0])])
    assert out.numpy().tolist() == [3.0, 4.0]
    with pytest.raises(ValueError):
        tf.add_n([tf.ones([2]), tf.ones([3])])
    with pytest.raises(ValueError):
        tf.add_n([])


def test_integer_pow_to_negative_power_is_an_error():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.pow(tf.constant([2]), tf.constant([-1]))
    assert "Pow" in str(e.value)


def test_clip_by_global_norm():
    a, b = tf.constant([3.0, 0.0]), tf.constant([[4.0]])
    clipped, norm = tf.clip_by_global_norm([a, None, b], 2.5)
    assert float(norm) == 5.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 0.0])
    np.testing.assert_allclose(clipped[2].numpy(), [[2.0]])
    clipped, _ = tf.clip_by_global_norm([a, b], 10.0)
    np.testing.assert_allclose(clipped[0].numpy(), a.numpy())
