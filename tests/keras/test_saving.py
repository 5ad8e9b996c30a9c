"""save_weights / load_weights: formats, atomic writes, clear errors."""
import os

import numpy as np
import pytest

import tapeflow as tf


def _model(units=3, seed=0):
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(units),
                                tf.keras.layers.Dense(2)])


def test_npz_roundtrip_identical_predictions(tmp_path):
    a, b = _model(seed=0), _model(seed=1)
    x = np.random.default_rng(0).standard_normal((5, 4))
    assert not np.allclose(a.predict(x, verbose=0), b.predict(x, verbose=0))
    path = str(tmp_path / "m.weights.npz")
    a.save_weights(path)
    b.load_weights(path)
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    assert [p for p in os.listdir(tmp_path)] == ["m.weights.npz"]  # no temp file left


def test_h5_roundtrip_or_clear_import_error(tmp_path):
    a, b = _model(seed=0), _model(seed=1)
    path = str(tmp_path / "m.weights.h5")
    try:
        import h5py  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="h5py"):
            a.save_weights(path)
        return
    a.save_weights(path)
    b.load_weights(path)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)


def test_unsupported_suffix(tmp_path):
    m = _model()
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        m.save_weights(str(tmp_path / "ckpt"))
    with pytest.raises(ValueError, match="File format not supported"):
        m.load_weights(str(tmp_path / "ckpt.bin"))


def test_shape_and_count_mismatch(tmp_path):
    path = str(tmp_path / "m.weights.npz")
    _model(units=3).save_weights(path)
    with pytest.raises(ValueError, match="Shape mismatch"):
        _model(units=5).load_weights(path)
    other = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="Weight count mismatch: .* holds 4 weights but"):
        other.load_weights(path)


def test_missing_and_corrupt_files(tmp_path):
    m = _model()
    with pytest.raises(FileNotFoundError):
        m.load_weights(str(tmp_path / "none.weights.npz"))
    bad = tmp_path / "bad.weights.npz"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="corrupt"):
        m.load_weights(str(bad))
    before = m.get_weights()
    for u, v in zip(before, m.get_weights()):
        np.testing.assert_array_equal(u, v)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / "m.weights.npz")
    m = _model()
    m.save_weights(path)
    original = open(path, "rb").read()

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        _model(seed=5).save_weights(path)
    assert open(path, "rb").read() == original
    assert os.listdir(tmp_path) == ["m.weights.npz"]


def test_subclassed_model_must_be_built_before_loading(tmp_path):
    class M(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d = tf.keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)
    a = M()
    a(np.ones((1, 3)))
    path = str(tmp_path / "s.weights.npz")
    a.save_weights(path)
    with pytest.raises(ValueError, match="build it"):
        M().load_weights(path)
    b = M()
    b(np.ones((1, 3)))
    b.load_weights(path)
    np.testing.assert_array_equal(b.d.kernel.numpy(), a.d.kernel.numpy())


def test_corrupt_h5_file(tmp_path):
    pytest.importorskip("h5py")
    bad = tmp_path / "bad.weights.h5"
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupt"):
        _model().load_weights(str(bad))
