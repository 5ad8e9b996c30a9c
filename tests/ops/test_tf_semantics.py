"""Answers that must match TensorFlow 2 exactly (found by review against TF's behaviour)."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.errors import InvalidArgumentError


# -- reductions over nothing ----------------------------------------------------------------
def test_max_min_of_empty_give_the_reducer_identity():
    # TF fills an empty reduction with -inf/+inf for floats, the dtype's limits for ints
    assert tf.reduce_max(tf.zeros([0])).numpy() == -np.inf
    assert tf.reduce_min(tf.zeros([0])).numpy() == np.inf
    assert tf.reduce_max(tf.zeros([0], tf.int32)).numpy() == np.iinfo(np.int32).min
    assert tf.reduce_min(tf.zeros([0], tf.int32)).numpy() == np.iinfo(np.int32).max
    np.testing.assert_array_equal(tf.reduce_max(tf.zeros([0, 2]), axis=0).numpy(), [-np.inf] * 2)


def test_mean_of_empty_is_nan():
    assert np.isnan(tf.reduce_mean(tf.zeros([0])).numpy())
    assert tf.reduce_mean(tf.zeros([0, 3]), axis=1).shape == (0,)


def test_reducing_bool_arithmetically_is_an_error_but_any_all_work():
    b = tf.constant([True, False])
    with pytest.raises(InvalidArgumentError, match="tf.cast"):
        tf.reduce_sum(b)
    assert bool(tf.reduce_any(b)) and not bool(tf.reduce_all(b))
    assert int(tf.reduce_sum(tf.cast(b, tf.int32))) == 1


# -- operators -------------------------------------------------------------------------------
def test_bitwise_operators_on_integers_logical_on_bools():
    a, b = tf.constant([6, 3]), tf.constant([3, 5])
    np.testing.assert_array_equal((a & b).numpy(), [2, 1])
    np.testing.assert_array_equal((a | b).numpy(), [7, 7])
    np.testing.assert_array_equal((a ^ b).numpy(), [5, 6])
    np.testing.assert_array_equal((~a).numpy(), [-7, -4])
    assert (a & b).dtype == tf.int32
    t, f = tf.constant([True, True]), tf.constant([True, False])
    np.testing.assert_array_equal((t & f).numpy(), [True, False])
    np.testing.assert_array_equal((~f).numpy(), [False, True])
    np.testing.assert_array_equal((f ^ True).numpy(), [False, True])


def test_logical_ops_reject_non_bool():
    with pytest.raises(InvalidArgumentError, match="LogicalAnd expects bool"):
        tf.logical_and(tf.constant([1.0]), tf.constant([0.0]))


def test_integer_division_by_zero_is_an_error_float_division_is_inf():
    with pytest.raises(InvalidArgumentError, match="division by zero"):
        tf.constant([4]) // tf.constant([0])
    with pytest.raises(InvalidArgumentError, match="division by zero"):
        tf.constant([4]) % 0
    with np.errstate(divide="ignore"):
        assert tf.constant(1.0) / tf.constant(0.0) == np.inf


def test_numpy_scalar_times_variable_is_a_float32_tensor():
    v = tf.Variable([1.0, 2.0])
    out = np.float32(2.0) * v
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float32
    assert (np.float64(2.0) * v).dtype == tf.float32


def test_combining_with_none_is_a_value_error():
    with pytest.raises(ValueError, match="None"):
        tf.constant([1.0]) + None
    with pytest.raises(ValueError, match="None"):
        tf.Variable([1.0]).assign(None)


# -- creation --------------------------------------------------------------------------------
@pytest.mark.parametrize("args,dtype", [
    ((5,), tf.int32), ((5.0,), tf.float32), ((tf.constant(3, tf.int64),), tf.int64),
    ((tf.constant(3.0, tf.float64),), tf.float64), ((np.int64(3),), tf.int64),
    ((0, tf.constant(3, tf.int64), 1.0), tf.float32)])
def test_range_dtype_is_the_widest_argument_dtype(args, dtype):
    assert tf.range(*args).dtype == dtype


def test_one_hot_dtype_comes_from_on_or_off_value():
    out = tf.one_hot([0, 1], 2, off_value=-1)
    assert out.dtype == tf.int32
    np.testing.assert_array_equal(out.numpy(), [[1, -1], [-1, 1]])
    assert tf.one_hot([0], 2).dtype == tf.float32
    assert tf.one_hot([0], 2, on_value=3, dtype=tf.int64).dtype == tf.int64
    with pytest.raises(TypeError, match="off_value does not match"):
        tf.one_hot([0], 2, on_value=1, off_value=0.5)


def test_shape_of_a_list_and_of_none():
    np.testing.assert_array_equal(tf.shape([[1, 2, 3]]).numpy(), [1, 3])
    with pytest.raises(ValueError):
        tf.shape(None)


# -- indexing ---------------------------------------------------------------------------------
def test_unsorted_segment_sum_drops_negative_ids_with_zero_gradient():
    data = tf.constant([1.0, 2.0, 3.0])
    ids = tf.constant([0, -1, 1])
    np.testing.assert_array_equal(tf.math.unsorted_segment_sum(data, ids, 2).numpy(), [1.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(data)
        y = tf.reduce_sum(tf.math.unsorted_segment_sum(data, ids, 2) * tf.constant([2.0, 5.0]))
    np.testing.assert_array_equal(tape.gradient(y, data).numpy(), [2.0, 0.0, 5.0])


def test_in_top_k_out_of_range_or_nonfinite_target_is_false():
    preds = tf.constant([[0.1, 0.9], [0.8, 0.2], [np.nan, 0.0]])
    out = tf.math.in_top_k(tf.constant([5, 0, 0]), preds, 1)
    np.testing.assert_array_equal(out.numpy(), [False, True, False])


def test_repeat_with_per_element_counts():
    np.testing.assert_array_equal(tf.repeat(tf.constant([1, 2]), [1, 3]).numpy(), [1, 2, 2, 2])


# -- shapes -----------------------------------------------------------------------------------
def test_tensorshape_of_unknown_shape_stays_unknown():
    assert tf.TensorShape(tf.TensorShape(None)).rank is None


def test_set_shape_checks_compatibility():
    t = tf.constant([[1.0, 2.0]])
    t.set_shape([None, 2])
    with pytest.raises(ValueError, match="not compatible"):
        t.set_shape([2, 2])


# -- linear algebra in float16 ----------------------------------------------------------------
def test_inverse_determinant_and_solve_accept_float16():
    a = tf.constant([[2.0, 0.0], [0.0, 4.0]], tf.float16)
    inv = tf.linalg.inv(a)
    assert inv.dtype == tf.float16
    np.testing.assert_allclose(inv.numpy(), [[0.5, 0.0], [0.0, 0.25]])
    assert float(tf.linalg.det(a)) == 8.0
    x = tf.linalg.solve(a, tf.constant([[2.0], [4.0]], tf.float16))
    assert x.dtype == tf.float16
    np.testing.assert_allclose(x.numpy(), [[1.0], [1.0]])


# -- float-only math ----------------------------------------------------------------------------
@pytest.mark.parametrize("op", [tf.exp, tf.sqrt, tf.math.log, tf.sigmoid, tf.tanh, tf.floor])
def test_float_only_ops_refuse_integers_instead_of_computing_float64(op):
    with pytest.raises(InvalidArgumentError, match="int32"):
        op(tf.constant([1, 4]))
    assert op(tf.constant([1.0, 4.0])).dtype == tf.float32
    assert op(2.0).dtype == tf.float32


def test_assign_returns_the_variable_or_none_without_read_value():
    v = tf.Variable([1.0, 2.0])
    assert v.assign([3.0, 4.0]) is v
    assert v.assign_add([1.0, 1.0]) is v
    assert v.assign_sub([1.0, 1.0], read_value=False) is None
    assert v.assign([0.0, 0.0], read_value=False) is None
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])


# -- sliced assignment to variables --------------------------------------------------------------
def test_variable_slice_assign_writes_into_the_variable():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    before = v.read_value()
    v[0, 1:].assign([9.0, 8.0])
    v[1].assign_add(tf.constant([1.0, 1.0, 1.0]))
    v[:, 0].assign_sub([1.0, 1.0])
    np.testing.assert_array_equal(v.numpy(), [[0.0, 9.0, 8.0], [4.0, 6.0, 7.0]])
    np.testing.assert_array_equal(before.numpy(), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(ValueError, match=r"l-value shape \[3\] does not match r-value shape \[2\]"):
        v[0].assign([1.0, 2.0])


def test_variable_slice_is_an_ordinary_differentiable_tensor():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[1:] * v[1:])
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [0.0, 4.0, 6.0])
    assert isinstance(v[0], tf.Tensor) and float(v[0] + 1.0) == 2.0


# -- silent floating-point specials ------------------------------------------------------------
def test_inf_and_nan_results_are_silent_like_tf():
    # (a subprocess: pytest resets warning filters that a library installs at import)
    import os
    import subprocess
    import sys
    code = ("import tapeflow as tf, numpy as np\n"
            "assert float(tf.math.log(0.0)) == -np.inf and float(tf.exp(1000.0)) == np.inf\n"
            "assert np.isnan(float(tf.sqrt(-1.0)))\n"
            "np.log(np.float32(0.0))\n")   # the user's own NumPy code still warns
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "src")
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run([sys.executable, "-W", "default", "-c", code], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("RuntimeWarning") == 1 and "<string>" in out.stderr, out.stderr
