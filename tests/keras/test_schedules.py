"""Learning-rate schedules against their closed forms (Keras 3)."""
import math

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras.optimizers import schedules as S


def values(schedule, steps):
    return [float(schedule(s)) for s in steps]


def test_exponential_decay():
    s = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    np.testing.assert_allclose(values(s, [0, 5, 10, 25]),
                               [0.1 * 0.5 ** (k / 10) for k in (0, 5, 10, 25)], rtol=1e-6)
    stair = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    np.testing.assert_allclose(values(stair, [0, 9, 10, 25]), [0.1, 0.1, 0.05, 0.025], rtol=1e-6)
    with pytest.raises(ValueError, match="decay_steps"):
        S.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)


def test_piecewise_constant_boundaries_are_inclusive_on_the_left_interval():
    s = S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    np.testing.assert_allclose(values(s, [0, 10, 11, 20, 21, 1000]),
                               [1.0, 1.0, 0.5, 0.5, 0.1, 0.1], rtol=1e-6)
    with pytest.raises(ValueError, match="1 less than the length of values"):
        S.PiecewiseConstantDecay([10, 20], [1.0, 0.5])


def test_polynomial_decay_and_cycle():
    s = S.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.1, power=2.0)
    expected = [(1.0 - 0.1) * (1 - min(k, 10) / 10) ** 2 + 0.1 for k in (0, 3, 10, 15)]
    np.testing.assert_allclose(values(s, [0, 3, 10, 15]), expected, rtol=1e-6)
    cyc = S.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0, cycle=True)
    np.testing.assert_allclose(values(cyc, [0, 5, 10, 15]), [1.0, 0.5, 0.0, 0.25], atol=1e-7)


def test_inverse_time_decay():
    s = S.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5)
    np.testing.assert_allclose(values(s, [0, 1, 4]), [1.0, 1 / 1.25, 1 / 2.0], rtol=1e-6)
    stair = S.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5, staircase=True)
    np.testing.assert_allclose(values(stair, [1, 3]), [1.0, 1 / 1.5], rtol=1e-6)


def test_cosine_decay_with_alpha_and_warmup():
    s = S.CosineDecay(2.0, decay_steps=10, alpha=0.1)
    for k in (0, 4, 10, 30):
        frac = min(k, 10) / 10
        assert float(s(k)) == pytest.approx(2.0 * (0.9 * 0.5 * (1 + math.cos(math.pi * frac))
                                                   + 0.1), rel=1e-6)
    warm = S.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=5)
    np.testing.assert_allclose(values(warm, [0, 1, 5, 10, 15, 100]),
                               [0.0, 0.2, 1.0, 0.5, 0.0, 0.0], atol=1e-6)


def test_cosine_decay_restarts():
    s = S.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    assert float(s(0)) == pytest.approx(1.0)
    assert float(s(5)) == pytest.approx(0.5, rel=1e-6)
    assert float(s(10)) == pytest.approx(0.5, rel=1e-6)       # restart, halved
    assert float(s(20)) == pytest.approx(0.25, rel=1e-6)      # midway through a 20-step period


def test_schedules_take_tensors_and_variables_and_return_float32():
    s = S.ExponentialDecay(0.1, 10, 0.5)
    assert s(tf.constant(10)).dtype == tf.float32
    assert float(s(tf.Variable(10, dtype=tf.int64))) == pytest.approx(0.05)


@pytest.mark.parametrize("schedule", [
    S.ExponentialDecay(0.1, 10, 0.5, staircase=True), S.PiecewiseConstantDecay([1], [0.1, 0.2]),
    S.PolynomialDecay(0.1, 10, power=2.0), S.InverseTimeDecay(0.1, 5, 0.3),
    S.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=3), S.CosineDecayRestarts(0.1, 5)])
def test_serialization_roundtrip(schedule):
    clone = S.deserialize(S.serialize(schedule))
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert values(clone, [0, 2, 7]) == values(schedule, [0, 2, 7])


def test_base_class_requires_call_and_config():
    with pytest.raises(NotImplementedError):
        S.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError):
        S.LearningRateSchedule().get_config()


def test_optimizer_follows_schedule_over_steps():
    sched = S.InverseTimeDecay(1.0, decay_steps=1, decay_rate=1.0)
    opt = tf.keras.optimizers.SGD(learning_rate=sched)
    w = tf.Variable(0.0)
    for _ in range(3):
        opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(-(1.0 + 1 / 2 + 1 / 3), rel=1e-6)
