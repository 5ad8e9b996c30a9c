"""Regularizers and constraints against NumPy formulas."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import constraints as C
from tapeflow.keras import regularizers as R

W = np.array([[1.0, -2.0], [3.0, 4.0]], np.float32)


def test_regularizer_values():
    x = tf.constant(W)
    assert float(R.L1()(x)) == pytest.approx(0.01 * 10)
    assert float(R.L2()(x)) == pytest.approx(0.01 * 30)
    assert float(R.L1L2(l1=0.1, l2=0.2)(x)) == pytest.approx(0.1 * 10 + 0.2 * 30)
    assert float(R.l1_l2()(x)) == pytest.approx(0.01 * 10 + 0.01 * 30)
    assert float(R.L1L2()(x)) == 0.0
    assert R.L2()(x).shape == ()


def test_regularizer_gradient():
    v = tf.Variable(W)
    with tf.GradientTape() as tape:
        penalty = R.L1L2(l1=0.1, l2=0.5)(v)
    np.testing.assert_allclose(tape.gradient(penalty, v).numpy(), 0.1 * np.sign(W) + W,
                               rtol=1e-6)


def test_regularizer_get_and_serialize():
    assert isinstance(R.get("l2"), R.L2) and R.get("l2").l2 == 0.01
    assert isinstance(R.get("l1"), R.L1)
    assert isinstance(R.get("L1L2"), R.L1L2)
    assert R.get(None) is None
    with pytest.raises(ValueError, match=r"'l3'.*l2"):
        R.get("l3")
    with pytest.raises(ValueError, match="non-negative"):
        R.L2(-1.0)
    clone = R.deserialize(R.serialize(R.L1L2(l1=0.3, l2=0.4)))
    assert (clone.l1, clone.l2) == (0.3, 0.4)
    assert R.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5


def _column_norms(w):
    return np.sqrt(np.sum(w.astype(np.float64) ** 2, axis=0, keepdims=True))


def test_constraints():
    x = tf.constant(W)
    norms = _column_norms(W)
    np.testing.assert_allclose(C.MaxNorm(2.0)(x).numpy(),
                               W * np.clip(norms, 0, 2) / (1e-7 + norms), rtol=1e-6)
    np.testing.assert_array_equal(C.NonNeg()(x).numpy(), np.maximum(W, 0))
    np.testing.assert_allclose(C.UnitNorm()(x).numpy(), W / (1e-7 + norms), rtol=1e-6)
    mm = C.MinMaxNorm(min_value=3.5, max_value=4.0, rate=0.5)(x).numpy()
    desired = 0.5 * np.clip(norms, 3.5, 4.0) + 0.5 * norms
    np.testing.assert_allclose(mm, W * desired / (1e-7 + norms), rtol=1e-6)
    np.testing.assert_allclose(C.UnitNorm(axis=1)(x).numpy(),
                               W / (1e-7 + np.linalg.norm(W, axis=1, keepdims=True)), rtol=1e-6)


def test_constraint_get_and_serialize():
    assert isinstance(C.get("max_norm"), C.MaxNorm)
    assert isinstance(C.get("non_neg"), C.NonNeg)
    assert isinstance(C.get("unit_norm"), C.UnitNorm)
    assert isinstance(C.get("MinMaxNorm"), C.MinMaxNorm)
    assert C.get(None) is None
    with pytest.raises(ValueError, match=r"'nonneg'.*non_neg"):
        C.get("nonneg")
    clone = C.deserialize(C.serialize(C.MaxNorm(max_value=3, axis=1)))
    assert (clone.max_value, clone.axis) == (3, 1)
