"""tf.random: distributions, dtypes, and reproducibility under seeds."""
import numpy as np
import pytest

import tapeflow as tf


def test_global_seed_makes_programs_repeat():
    def program():
        tf.random.set_seed(42)
        return [tf.random.normal([3]).numpy(), tf.random.uniform([2]).numpy(),
                tf.random.uniform([2], seed=7).numpy(), tf.random.truncated_normal([4]).numpy(),
                tf.random.categorical([[0.0, 1.0]], 3).numpy(),
                tf.random.shuffle(tf.range(6)).numpy()]
    for a, b in zip(program(), program()):
        np.testing.assert_array_equal(a, b)


def test_successive_draws_differ_and_op_seeds_have_their_own_stream():
    tf.random.set_seed(1)
    a, b = tf.random.uniform([5]).numpy(), tf.random.uniform([5]).numpy()
    assert not np.array_equal(a, b)
    tf.random.set_seed(1)
    c = tf.random.uniform([5], seed=3).numpy()
    d = tf.random.uniform([5], seed=3).numpy()
    assert not np.array_equal(c, d)
    tf.random.set_seed(1)
    tf.random.normal([10])             # other draws do not shift a seeded op's stream
    np.testing.assert_array_equal(tf.random.uniform([5], seed=3).numpy(), c)


def test_distributions_and_dtypes():
    tf.random.set_seed(0)
    n = tf.random.normal([20000], mean=2.0, stddev=3.0)
    assert n.dtype == tf.float32
    assert abs(n.numpy().mean() - 2.0) < 0.1 and abs(n.numpy().std() - 3.0) < 0.1
    u = tf.random.uniform([1000], minval=-1.0, maxval=3.0, dtype=tf.float64)
    assert u.dtype == tf.float64 and u.numpy().min() >= -1.0 and u.numpy().max() < 3.0
    i = tf.random.uniform([1000], minval=2, maxval=5, dtype=tf.int32)
    assert i.dtype == tf.int32 and set(i.numpy().tolist()) == {2, 3, 4}
    t = tf.random.truncated_normal([5000], stddev=2.0)
    assert np.abs(t.numpy()).max() <= 4.0
    assert tf.random.normal([2], dtype=tf.float16).dtype == tf.float16


def test_uniform_int_needs_maxval():
    with pytest.raises(ValueError):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.normal([2], dtype=tf.int32)


def test_categorical_follows_the_logits():
    tf.random.set_seed(0)
    with np.errstate(divide="ignore"):
        logits = tf.math.log([[0.1, 0.9], [1.0, 0.0]])
    s = tf.random.categorical(logits, 4000)
    assert s.dtype == tf.int64 and s.shape == (2, 4000)
    assert 0.87 < s.numpy()[0].mean() < 0.93
    assert s.numpy()[1].max() == 0
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.categorical([0.0, 1.0], 2)


def test_shuffle_permutes_the_first_axis():
    x = np.arange(20).reshape(10, 2)
    out = tf.random.shuffle(x).numpy()
    assert sorted(out[:, 0].tolist()) == list(range(0, 20, 2))
    np.testing.assert_array_equal(out[:, 1] - out[:, 0], 1)


def test_generator():
    g1, g2 = tf.random.Generator.from_seed(7), tf.random.Generator.from_seed(7)
    for f in ("normal", "truncated_normal", "uniform"):
        np.testing.assert_array_equal(getattr(g1, f)([3]).numpy(), getattr(g2, f)([3]).numpy())
    assert g1.uniform([3], maxval=10, dtype=tf.int64).dtype == tf.int64
    assert not np.array_equal(g1.normal([3]).numpy(), g1.normal([3]).numpy())
    g3 = tf.random.Generator.from_non_deterministic_state()
    assert g3.normal([2, 2]).shape == (2, 2)
    parts = g1.split(2)
    assert not np.array_equal(parts[0].normal([3]).numpy(), parts[1].normal([3]).numpy())
