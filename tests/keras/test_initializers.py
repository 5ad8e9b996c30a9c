"""Initializers: Keras formulas, fans, seeding and reproducibility."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import initializers as I
from tapeflow.keras import random_state


def test_compute_fans():
    assert I.compute_fans(()) == (1, 1)
    assert I.compute_fans((5,)) == (5, 5)
    assert I.compute_fans((3, 7)) == (3, 7)
    assert I.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert I.compute_fans((5, 4, 8)) == (20, 40)


def test_seeded_initializer_repeats_and_unseeded_follows_global_seed():
    init = I.GlorotUniform(seed=3)
    np.testing.assert_array_equal(init((4, 5)).numpy(), init((4, 5)).numpy())
    random_state.reseed(42)
    a = I.RandomNormal()((3, 3)).numpy()
    b = I.RandomNormal()((3, 3)).numpy()
    random_state.reseed(42)
    np.testing.assert_array_equal(I.RandomNormal()((3, 3)).numpy(), a)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("cls,scale,mode", [
    (I.GlorotUniform, 1.0, "fan_avg"), (I.HeUniform, 2.0, "fan_in"),
    (I.LecunUniform, 1.0, "fan_in")])
def test_uniform_variance_scaling_limits(cls, scale, mode):
    shape = (300, 200)
    fan_in, fan_out = shape
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    limit = np.sqrt(3 * scale / n)
    w = cls(seed=1)(shape).numpy()
    assert w.dtype == np.float32
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert np.std(w) == pytest.approx(limit / np.sqrt(3), rel=0.02)


@pytest.mark.parametrize("cls,scale,mode", [
    (I.GlorotNormal, 1.0, "fan_avg"), (I.HeNormal, 2.0, "fan_in"), (I.LecunNormal, 1.0, "fan_in")])
def test_truncated_normal_variance_scaling(cls, scale, mode):
    shape = (400, 300)
    n = {"fan_in": 400, "fan_avg": 350}[mode]
    w = cls(seed=2)(shape).numpy()
    target = np.sqrt(scale / n)
    stddev = target / 0.87962566103423978
    assert np.abs(w).max() <= 2 * stddev + 1e-6           # truncated at two stddevs
    assert np.std(w) == pytest.approx(target, rel=0.03)   # variance kept after truncation


def test_variance_scaling_options_and_errors():
    w = I.VarianceScaling(scale=4.0, mode="fan_out", distribution="untruncated_normal",
                          seed=0)((100, 400)).numpy()
    assert np.std(w) == pytest.approx(np.sqrt(4.0 / 400), rel=0.03)
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_middle")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0.0)


def test_simple_initializers():
    np.testing.assert_array_equal(I.Zeros()((2, 2)).numpy(), np.zeros((2, 2)))
    np.testing.assert_array_equal(I.Ones()((3,)).numpy(), np.ones(3))
    np.testing.assert_array_equal(I.Constant(2.5)((2,)).numpy(), [2.5, 2.5])
    np.testing.assert_array_equal(I.Identity(gain=2.0)((2, 3)).numpy(), 2 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 2, 2))
    u = I.RandomUniform(-1.0, 1.0, seed=0)((1000,)).numpy()
    assert u.min() >= -1.0 and u.max() < 1.0
    n = I.RandomNormal(mean=1.0, stddev=0.1, seed=0)((5000,)).numpy()
    assert np.mean(n) == pytest.approx(1.0, abs=0.01)
    t = I.TruncatedNormal(stddev=0.1, seed=0)((5000,)).numpy()
    assert np.abs(t).max() <= 0.2
    assert I.Zeros()((2,), dtype="int32").dtype == tf.int32


def test_orthogonal():
    q = I.Orthogonal(seed=0)((6, 4)).numpy().astype(np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    wide = I.Orthogonal(gain=2.0, seed=0)((3, 5)).numpy().astype(np.float64)
    np.testing.assert_allclose(wide @ wide.T, 4 * np.eye(3), atol=1e-5)
    with pytest.raises(ValueError, match="two-dimensional"):
        I.Orthogonal()((3,))


def test_dtypes():
    assert I.GlorotUniform(seed=0)((2, 2), dtype=tf.float64).dtype == tf.float64
    assert I.HeNormal(seed=0)((2, 2), dtype="float64").dtype == tf.float64
    with pytest.raises(ValueError, match="floating"):
        I.GlorotUniform()((2, 2), dtype="int32")


def test_get_serialize_and_aliases():
    assert isinstance(I.get("glorot_uniform"), I.GlorotUniform)
    assert isinstance(I.get("GlorotUniform"), I.GlorotUniform)
    assert isinstance(I.get("he_normal"), I.HeNormal)
    assert I.get(None) is None
    assert isinstance(I.get(I.Zeros), I.Zeros)
    fn = lambda shape, dtype=None: tf.zeros(shape)  # noqa: E731
    assert I.get(fn) is fn
    with pytest.raises(ValueError, match=r"'glorot_uniformm'.*glorot_uniform"):
        I.get("glorot_uniformm")
    clone = I.deserialize(I.serialize(I.VarianceScaling(2.0, "fan_avg", "uniform", seed=5)))
    assert clone.get_config() == {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform",
                                  "seed": 5}
    same = I.VarianceScaling(2.0, "fan_avg", "uniform", seed=5)
    np.testing.assert_array_equal(clone((3, 3)).numpy(), same((3, 3)).numpy())
    assert isinstance(I.deserialize(I.serialize(I.HeUniform(seed=1))), I.HeUniform)
    assert tf.keras.initializers.glorot_uniform is I.GlorotUniform
