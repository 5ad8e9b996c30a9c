"""Tensor and Variable behaviour: reprs, conversions, protocols, assignment, copy-on-write."""
import copy
import pickle

import numpy as np
import pytest

import tapeflow as tf


# -- reprs ----------------------------------------------------------------------------------
def test_scalar_str_and_repr_as_tf():
    t = tf.constant(6.0)
    assert str(t) == "tf.Tensor(6.0, shape=(), dtype=float32)"
    assert repr(t) == "<tf.Tensor: shape=(), dtype=float32, numpy=6.0>"


def test_matrix_str_and_repr_as_tf():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert str(t) == "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)"
    assert repr(t) == ("<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\narray([[1., 2.],\n"
                       "       [3., 4.]], dtype=float32)>")
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="m")
    assert repr(v) == ("<tf.Variable 'm:0' shape=(2, 2) dtype=float32, numpy=\narray([[1., 2.],\n"
                       "       [3., 4.]], dtype=float32)>")
    assert str(tf.constant([1, 2])) == "tf.Tensor([1 2], shape=(2,), dtype=int32)"


def test_string_and_bool_reprs():
    assert repr(tf.constant("ab")) == "<tf.Tensor: shape=(), dtype=string, numpy=b'ab'>"
    assert str(tf.constant(True)) == "tf.Tensor(True, shape=(), dtype=bool)"
    assert tf.constant("ab").shape == () and tf.constant("ab").numpy() == b"ab"


def test_variable_repr_as_tf():
    v = tf.Variable(2.0, name="v")
    assert repr(v) == "<tf.Variable 'v:0' shape=() dtype=float32, numpy=2.0>"
    assert v.name == "v:0"
    w = tf.Variable([1.0, 2.0], name="w")
    assert repr(w) == ("<tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], "
                       "dtype=float32)>")


# -- values and protocols --------------------------------------------------------------------
def test_shape_dtype_ndim_numpy():
    t = tf.constant([[1.0, 2.0, 3.0]])
    assert t.shape == (1, 3) and t.shape == [1, 3] and t.shape.as_list() == [1, 3]
    assert t.shape.rank == 2 and t.ndim == 2 and t.dtype == tf.float32
    assert isinstance(t.numpy(), np.ndarray)
    assert isinstance(tf.constant(1.0).numpy(), np.float32)   # scalars come back as NumPy scalars
    np.testing.assert_array_equal(np.asarray(t), [[1.0, 2.0, 3.0]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_rank0_values_are_numpy_scalars():
    assert type(tf.constant(2.0)._value) is np.float32
    assert type((tf.constant(2.0) * 3.0)._value) is np.float32


def test_scalar_conversions():
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(3)) == 3
    assert bool(tf.constant(True)) is True and bool(tf.constant(0.0)) is False
    assert [10, 20, 30][tf.constant(1)] == 20
    assert float(tf.constant([2.0])) == 2.0          # one element is fine


def test_scalar_conversion_errors():
    with pytest.raises(ValueError, match="single-element"):   # TF: NumPy's ValueError
        bool(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="single-element"):
        float(tf.ones([2, 2]))
    with pytest.raises(TypeError, match="integer"):
        [1, 2][tf.constant(1.0)]


def test_len_and_iteration_over_first_axis():
    t = tf.constant([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, tf.Tensor) for r in rows)
    np.testing.assert_array_equal(rows[2], [5, 6])
    with pytest.raises(TypeError):
        len(tf.constant(1.0))
    with pytest.raises(TypeError):
        iter(tf.constant(1.0))


def test_iteration_under_a_tape_is_differentiable():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = sum(r * r for r in x)
    np.testing.assert_array_equal(g.gradient(y, x), [2.0, 4.0, 6.0])


def test_unhashable_with_ref_hint():
    t = tf.constant(1.0)
    with pytest.raises(TypeError, match=r"ref\(\)"):
        hash(t)
    with pytest.raises(TypeError, match=r"ref\(\)"):
        {tf.Variable(1.0)}
    d = {t.ref(): 1}
    assert d[t.ref()] == 1 and t.ref().deref() is t and t.experimental_ref() == t.ref()


def test_operators_including_reflected():
    a = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(1.0 - a, [0.0, -1.0])
    np.testing.assert_array_equal(2.0 / a, [2.0, 1.0])
    np.testing.assert_array_equal(2.0 ** a, [2.0, 4.0])
    np.testing.assert_array_equal(-a, [-1.0, -2.0])
    np.testing.assert_array_equal(abs(-a), [1.0, 2.0])
    np.testing.assert_array_equal(7.0 // (a + 1.0), [3.0, 2.0])
    np.testing.assert_array_equal(a % 2.0, [1.0, 0.0])
    np.testing.assert_array_equal(np.array([1.0, 1.0], np.float32) + a, [2.0, 3.0])
    m = tf.constant([[1.0, 2.0]])
    np.testing.assert_array_equal(m @ tf.transpose(m), [[5.0]])
    np.testing.assert_array_equal(a < 1.5, [True, False])
    np.testing.assert_array_equal(a == 2.0, [False, True])
    assert (a == None) is False  # noqa: E711


def test_getitem_forms():
    t = tf.reshape(tf.range(12), [3, 4])
    np.testing.assert_array_equal(t[-1], [8, 9, 10, 11])
    np.testing.assert_array_equal(t[::2, 1:3], [[1, 2], [9, 10]])
    np.testing.assert_array_equal(t[..., 0], [0, 4, 8])
    assert t[tf.newaxis].shape == (1, 3, 4)
    np.testing.assert_array_equal(t[tf.constant([2, 0])][:, 0], [8, 0])
    np.testing.assert_array_equal(t[:, 0][tf.constant([True, False, True])], [0, 8])


# -- Variables -------------------------------------------------------------------------------
def test_variable_basics():
    v = tf.Variable([1.0, 2.0], trainable=False, name="w")
    assert v.trainable is False and v.shape == (2,) and v.dtype == tf.float32
    assert isinstance(v.read_value(), tf.Tensor) and isinstance(v.value(), tf.Tensor)
    np.testing.assert_array_equal(v + 1.0, [2.0, 3.0])
    np.testing.assert_allclose(tf.exp(v), np.exp([1.0, 2.0]), rtol=1e-6)
    assert len(v) == 2 and [float(x) for x in v] == [1.0, 2.0]
    assert tf.Variable(2.0).trainable is True
    assert tf.Variable(1, dtype=tf.float64).dtype == tf.float64
    assert tf.Variable(lambda: tf.zeros([2])).shape == (2,)


def test_variable_does_not_alias_callers_array():
    a = np.array([1.0, 2.0], np.float32)
    v = tf.Variable(a)
    a[0] = 100.0
    assert float(v[0]) == 1.0
    v.assign(a)
    a[1] = 100.0
    assert float(v[1]) == 2.0


def test_numpy_returns_a_copy():
    v = tf.Variable([1.0, 2.0])
    snapshot = v.numpy()
    v.assign([3.0, 4.0])
    np.testing.assert_array_equal(snapshot, [1.0, 2.0])


def test_assign_returns_variable_and_checks_shape_and_dtype():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.assign([5.0, 6.0]) is v
    assert v.assign_add([1.0, 1.0]) is v and v.assign_sub([2.0, 2.0]) is v
    np.testing.assert_array_equal(v, [4.0, 5.0])
    with pytest.raises(ValueError, match=r"shape \(3,\) to variable 'w' of shape \(2,\)"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="dtype int32.*tf.cast"):
        v.assign(tf.constant([1, 2]))
    with pytest.raises(ValueError):
        v.assign_add([1.0, 2.0, 3.0])


def test_variable_with_partial_shape_accepts_new_shapes():
    v = tf.Variable([1.0, 2.0], shape=tf.TensorShape([None]))
    v.assign([1.0, 2.0, 3.0])
    assert v.shape.as_list() == [None]          # TF reports the declared shape
    assert tf.shape(v).numpy().tolist() == [3]  # and the value has the new one


def test_variable_with_unknown_shape_keeps_unknown_rank():
    v = tf.Variable([1.0, 2.0], shape=tf.TensorShape(None))
    assert v.shape.rank is None
    v.assign([[1.0], [2.0], [3.0]])
    assert v.numpy().shape == (3, 1)


def test_old_reads_keep_their_value_after_assign():
    v = tf.Variable([1.0, 2.0])
    old = v.read_value()
    v.assign([9.0, 9.0])
    np.testing.assert_array_equal(old, [1.0, 2.0])


def test_copy_and_pickle():
    t = tf.constant([1.0, 2.0])
    assert copy.copy(t) is t
    np.testing.assert_array_equal(copy.deepcopy(t), t)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(t)), t)
    v = tf.Variable([1.0], name="p")
    v2 = pickle.loads(pickle.dumps(v))
    assert v2.name == "p:0" and float(v2[0]) == 1.0


# -- copy-on-write for optimizers ----------------------------------------------------------
def _inplace_is_inplace(v):
    before = id(v._value)
    return id(v._inplace_value()) == before


def test_inplace_value_is_in_place_when_nobody_holds_the_value():
    v = tf.Variable([1.0, 2.0])
    assert _inplace_is_inplace(v)
    v.read_value()                   # a read whose result is dropped
    assert _inplace_is_inplace(v)
    y = v * 2.0                      # results of ops do not hold the value
    assert _inplace_is_inplace(v)
    assert y.shape == (2,)


def test_inplace_value_copies_when_a_snapshot_or_array_is_held():
    v = tf.Variable([1.0, 2.0])
    held = v.read_value()
    arr = v._inplace_value()
    arr += 10.0
    np.testing.assert_array_equal(held, [1.0, 2.0])
    np.testing.assert_array_equal(v, [11.0, 12.0])
    raw = np.asarray(v)
    assert not _inplace_is_inplace(v)
    assert raw is not None


def test_tape_keeps_recorded_value_after_optimizer_style_update():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as g:
        y = tf.reduce_sum(v * v * v)
    v._inplace_value()[...] = 0.0    # an optimizer step before gradient()
    np.testing.assert_array_equal(g.gradient(y, v), [3.0, 12.0])
    np.testing.assert_array_equal(v, [0.0, 0.0])
    del g
    assert _inplace_is_inplace(v)    # once the tape is gone, updates are in place again


def test_getitem_gradients():
    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        a = tf.reduce_sum(x[1, ::2] * 2.0)
        b = tf.reduce_sum(x[tf.constant([0, 0])])
        c = tf.reduce_sum(x[x > 2.5])
        d = x[-1, -1]
    np.testing.assert_array_equal(g.gradient(a, x), [[0, 0, 0], [2, 0, 2]])
    np.testing.assert_array_equal(g.gradient(b, x), [[2, 2, 2], [0, 0, 0]])
    np.testing.assert_array_equal(g.gradient(c, x), [[0, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(g.gradient(d, x), [[0, 0, 0], [0, 0, 1]])


def test_variable_usable_where_a_tensor_is():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    t = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(tf.matmul(v, t), v.numpy())
    np.testing.assert_array_equal(t @ v, v.numpy())
    assert tf.concat([v, t], axis=0).shape == (4, 2)
    assert tf.convert_to_tensor(v).dtype == tf.float32
    np.testing.assert_array_equal(np.add(v, 1.0), v.numpy() + 1.0)
    np.testing.assert_array_equal(v[0], [1.0, 2.0])
    assert tf.reduce_sum(v).numpy() == 10.0
    w = tf.Variable(1.0)
    w2 = w + 1.0                         # TF2: a Tensor, not a Variable
    assert isinstance(w2, tf.Tensor)


def test_format_like_numpy_values():
    loss = tf.constant(0.123456)
    assert f"{loss:.4f}" == "0.1235"
    assert f"{loss}" == format(np.float32(0.123456), "")   # NumPy's formatting, as in TF
    assert "{:>8.2f}".format(tf.Variable(2.5)) == "    2.50"
    assert f"{tf.constant([1.0, 2.0])}" == "[1. 2.]"


def test_numpy_array_of_a_variable_is_a_copy():
    v = tf.Variable([1.0, 2.0])
    a = np.asarray(v)
    a += 5.0
    np.testing.assert_array_equal(v, [1.0, 2.0])


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "**="])
def test_inplace_operators_on_variables_are_refused(op):
    v = tf.Variable(2.0)
    with pytest.raises(RuntimeError, match="with `tf.Variable`s is not supported"):
        exec("v %s 1.0" % op, {"v": v})
    assert float(v) == 2.0


def test_inplace_operators_on_tensors_rebind():
    t = tf.constant(1.0)
    t += 1.0
    assert float(t) == 2.0


def test_string_tensors_hold_bytes_and_add_concatenates_them():
    # TF stores tf.string as bytes, with or without dtype=, and AddV2 concatenates strings
    assert tf.constant("a", dtype=tf.string).numpy() == b"a"
    assert tf.constant(["a", b"b"], dtype=tf.string).numpy().tolist() == [b"a", b"b"]
    a = tf.constant("a")
    for result, expected in [(a + tf.constant("b"), b"ab"), (a + "!", b"a!"), ("x" + a, b"xa"),
                             (tf.add(a, "c"), b"ac")]:
        assert result.shape == () and result.dtype == tf.string and result.numpy() == expected
    assert (tf.constant(["a", "b"]) + "!").numpy().tolist() == [b"a!", b"b!"]
    assert repr(a + a) == "<tf.Tensor: shape=(), dtype=string, numpy=b'aa'>"
