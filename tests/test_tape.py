"""GradientTape behaviours of issue 2 beyond the ported TF cases (tf_semantics.md §1)."""
import warnings

import numpy as np
import pytest

import tapeflow as tf

IN_CONTEXT = "ignore:Calling GradientTape.gradient on a persistent tape inside its context"


def test_seed_example_value_dtype_and_repr():
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    d = g.gradient(y, x)
    assert str(d) == "tf.Tensor(6.0, shape=(), dtype=float32)"
    assert d.dtype == tf.float32


# -- watching ----------------------------------------------------------------------------
def test_watch_nested_structure():
    a, b, c = tf.constant(1.0), tf.constant(2.0), tf.Variable(3.0, trainable=False)
    with tf.GradientTape(persistent=True) as g:
        g.watch({"a": a, "rest": [b, (c,)]})
        y = a * b * c
    assert [float(v) for v in g.gradient(y, [a, b, c])] == [6.0, 3.0, 2.0]
    assert g.watched_variables() == (c,)


@pytest.mark.parametrize("bad, type_name", [(None, "NoneType"), (1.0, "float"),
                                            ([tf.constant(1.0), "x"], "str")])
def test_watch_bad_things_name_the_type(bad, type_name):
    with tf.GradientTape() as g:
        with pytest.raises(ValueError, match="of type '%s', not tf.Tensor" % type_name):
            g.watch(bad)


def test_trainable_variables_auto_watched_non_trainable_not():
    v = tf.Variable(2.0)
    frozen = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as g:
        y = v * frozen
    assert g.watched_variables() == (v,)
    dv, dfrozen = g.gradient(y, [v, frozen])
    assert float(dv) == 2.0 and dfrozen is None


def test_watch_accessed_variables_false_needs_explicit_watch():
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as g:
        y = v * v
    assert g.gradient(y, v) is None and g.watched_variables() == ()


def test_watched_variables_in_creation_order():
    first, second = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as g:
        y = second * first
    assert g.watched_variables() == (first, second)
    assert [float(d) for d in g.gradient(y, [first, second])] == [2.0, 1.0]


def test_watching_is_per_tape():
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
    assert outer.gradient(y, x) is None
    assert float(inner.gradient(y, x)) == 4.0


# -- gradient() arguments and results ------------------------------------------------------
def test_sources_structures_preserved():
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch([a, b])
        y = 3.0 * a + 5.0 * b
    assert isinstance(g.gradient(y, [a, b]), list)
    assert isinstance(g.gradient(y, (a, b)), tuple)
    d = g.gradient(y, {"z": a, "b": b})
    assert list(d) == ["z", "b"]            # the caller's key order
    assert float(d["z"]) == 3.0 and float(d["b"]) == 5.0


def test_targets_dict_and_nonscalar_summed():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as g:
        g.watch(x)
        out = {"sq": x * x, "lin": 2.0 * x}
    np.testing.assert_array_equal(g.gradient(out, x), 2 * np.array([1.0, 2.0, 3.0]) + 2)


def test_output_gradients_weight_each_element():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    np.testing.assert_array_equal(g.gradient(y, x, output_gradients=tf.constant([10.0, 1.0])),
                                  [20.0, 4.0])


def test_output_gradients_count_mismatch():
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    with pytest.raises(ValueError, match="one entry per target"):
        g.gradient([y, y], x, output_gradients=[1.0])


def test_target_none_is_type_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
    with pytest.raises(TypeError, match="received None"):
        g.gradient(None, x)


@pytest.mark.parametrize("mode", [tf.UnconnectedGradients.NONE, "none"])
def test_unconnected_none(mode):
    x, y = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([x, y])
        z = y * y
    assert g.gradient(z, x, unconnected_gradients=mode) is None


def test_unconnected_zero_keeps_shape_and_dtype():
    x = tf.constant(np.ones((2, 3)))   # float64
    y = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch([x, y])
        z = y * y
    dz = g.gradient(z, [x, y], unconnected_gradients="zero")
    assert dz[0].dtype == tf.float64 and dz[0].shape == (2, 3)
    assert float(np.abs(dz[0]).sum()) == 0.0 and float(dz[1]) == 4.0


def test_integer_source_gives_none_float_gets_value():
    i, f = tf.constant(3), tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(f)
        y = f * tf.cast(i, tf.float32)
    di, df = g.gradient(y, [i, f])
    assert di is None and float(df) == 3.0


def test_variable_as_target_and_source():
    v = tf.Variable(2.0)
    with tf.GradientTape() as g:
        g.watch(v)
    assert float(g.gradient(v, v)) == 1.0


def test_float64_stays_float64_and_float32_stays_float32():
    for dtype in (tf.float32, tf.float64):
        x = tf.constant([1.0, 2.0], dtype=dtype)
        with tf.GradientTape() as g:
            g.watch(x)
            y = tf.reduce_sum(tf.exp(x) * 0.5)
        assert g.gradient(y, x).dtype == dtype


# -- use and reuse -------------------------------------------------------------------------
def test_second_gradient_of_non_persistent_tape_raises_tf_message():
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    g.gradient(y, x)
    with pytest.raises(RuntimeError) as info:
        g.gradient(y, x)
    assert str(info.value) == ("A non-persistent GradientTape can only be used to compute one set "
                               "of gradients (or jacobians)")


def test_gradient_inside_non_persistent_context_stops_recording():
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
        assert float(g.gradient(y, x)) == 4.0
        z = y * x    # not recorded any more; exit is a no-op
    with pytest.raises(RuntimeError):
        g.gradient(z, x)


def test_persistent_in_context_warns_once_per_call_site():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            for _ in range(5):
                g.gradient(y, x)
    assert len([w for w in caught if "inside its context" in str(w.message)]) == 1


def test_persistent_tape_many_calls():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x * x
    for _ in range(3):
        assert float(g.gradient(y, x)) == 12.0


def test_reenter_after_exit_continues_recording():
    x = tf.constant(1.5)
    g = tf.GradientTape(persistent=True)
    with g:
        g.watch(x)
        y = x * x
    with g:
        z = y * x
    assert float(g.gradient(z, x)) == pytest.approx(3 * 1.5 ** 2)


def test_reset_and_stop_recording_outside_block():
    g = tf.GradientTape()
    with pytest.raises(RuntimeError, match="not recording"):
        with g.stop_recording():
            pass
    with pytest.raises(ValueError, match="Tape is not recording."):
        g.reset()
    with g:
        pass
    with pytest.raises(ValueError, match="Tape is not recording."):
        g.reset()


def test_stop_recording_is_tape_local():
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            with inner.stop_recording():
                y = x * x
    assert inner.gradient(y, x) is None
    assert float(outer.gradient(y, x)) == 6.0


def test_exception_in_block_pops_tape_and_propagates():
    from tapeflow._context import recording
    with pytest.raises(KeyError):
        with tf.GradientTape():
            raise KeyError("boom")
    assert recording == []


# -- higher order ------------------------------------------------------------------------
def test_second_and_third_derivative_with_nested_tapes():
    x = tf.constant(0.7)
    with tf.GradientTape() as g3:
        g3.watch(x)
        with tf.GradientTape() as g2:
            g2.watch(x)
            with tf.GradientTape() as g1:
                g1.watch(x)
                y = tf.sin(x) * x
            d1 = g1.gradient(y, x)
        d2 = g2.gradient(d1, x)
    d3 = g3.gradient(d2, x)
    s, c = np.sin(0.7), np.cos(0.7)
    assert float(d1) == pytest.approx(c * 0.7 + s, rel=1e-5)
    assert float(d2) == pytest.approx(2 * c - 0.7 * s, rel=1e-5)
    assert float(d3) == pytest.approx(-3 * s - 0.7 * c, rel=1e-5)


def test_second_order_through_matmul():
    w = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as outer:
        outer.watch(w)
        with tf.GradientTape() as inner:
            inner.watch(w)
            y = tf.reduce_sum(tf.matmul(w, w))
        gw = inner.gradient(y, w)
        z = tf.reduce_sum(gw * gw)
    # y = sum(W W) -> dy/dW = 1 W^T + W^T 1; check the second-order result numerically
    hess = outer.gradient(z, w)

    def z_of(m):
        ones = np.ones((2, 2))
        g = ones @ m.T + m.T @ ones
        return (g * g).sum()

    wv = np.array(w, dtype=np.float64)
    eps = 1e-4
    num = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            d = np.zeros((2, 2))
            d[i, j] = eps
            num[i, j] = (z_of(wv + d) - z_of(wv - d)) / (2 * eps)
    np.testing.assert_allclose(hess, num, rtol=1e-3)


# -- what stops gradients ------------------------------------------------------------------
def test_no_gradient_through_assign():
    x0 = tf.Variable(3.0)
    x1 = tf.Variable(0.0)
    with tf.GradientTape() as g:
        x1.assign_add(x0)
        y = x1 ** 2
    dx0, dx1 = g.gradient(y, [x0, x1])
    assert dx0 is None and float(dx1) == 6.0


def test_no_gradient_through_int_cast():
    x = tf.constant(2.5)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * x
    assert float(g.gradient(y, x)) == 2.0      # only the direct factor


def test_float_cast_passes_gradient_in_source_dtype():
    x = tf.constant(2.0, dtype=tf.float64)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.cast(x, tf.float32) ** 2
    d = g.gradient(y, x)
    assert d.dtype == tf.float64 and float(d) == 4.0


def test_numpy_round_trip_cuts_the_path():
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.constant(x.numpy() ** 2)
    assert g.gradient(y, x) is None


def test_stop_gradient_is_unconnected():
    x = tf.constant(2.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.stop_gradient(x * x) + x
    assert float(g.gradient(y, x)) == 1.0


def test_gather_on_variable_gives_summable_gradient():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as g:
        y = tf.reduce_sum(tf.gather(v, [0, 2, 0]))
    d = tf.convert_to_tensor(g.gradient(y, v))
    np.testing.assert_array_equal(d, [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]])


# -- memory ---------------------------------------------------------------------------------
def test_non_persistent_tape_drops_records_after_gradient():
    x = tf.constant(1.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * 2.0
    g.gradient(y, x)
    assert g._records is None


def test_reuse_of_variable_snapshot_after_inplace_update_keeps_tape_values():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as g:
        y = tf.reduce_sum(v * v)
    arr = v._inplace_value()
    arr -= 100.0                                 # what an optimizer does
    np.testing.assert_array_equal(g.gradient(y, v), [2.0, 4.0])   # the recorded values
    np.testing.assert_array_equal(v.numpy(), [-99.0, -98.0])
