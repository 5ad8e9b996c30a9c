"""Callbacks: hook order, EarlyStopping, ModelCheckpoint, LR callbacks, NaN, CSV, Lambda."""
import csv

import numpy as np
import pytest

import tapeflow as tf

callbacks = tf.keras.callbacks


def _setup(lr=0.05, n=64):
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    m = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
    m.compile(optimizer=tf.keras.optimizers.SGD(lr), loss="mse")
    return m, x, y


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append("epoch_begin %d" % epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append("batch_begin %d" % batch)

    def on_train_batch_end(self, batch, logs=None):
        self.events.append("batch_end %d %s" % (batch, sorted(logs)))

    def on_test_begin(self, logs=None):
        self.events.append("test_begin")

    def on_test_end(self, logs=None):
        self.events.append("test_end")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append("epoch_end %d %s" % (epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_hooks_fire_in_keras_order():
    m, x, y = _setup()
    rec = Recorder()
    m.fit(x, y, batch_size=32, epochs=2, validation_data=(x, y), callbacks=[rec], verbose=0)
    assert rec.model is m and rec.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert rec.events == [
        "train_begin",
        "epoch_begin 0", "batch_begin 0", "batch_end 0 ['loss']", "batch_begin 1",
        "batch_end 1 ['loss']", "test_begin", "test_end", "epoch_end 0 ['loss', 'val_loss']",
        "epoch_begin 1", "batch_begin 0", "batch_end 0 ['loss']", "batch_begin 1",
        "batch_end 1 ['loss']", "test_begin", "test_end", "epoch_end 1 ['loss', 'val_loss']",
        "train_end"]


def test_early_stopping_restores_best_weights():
    m, x, y = _setup()
    snapshots = []
    # val_loss computed against a target that only the initial weights fit best.
    y_val = m.predict(x, verbose=0)
    keep = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append(m.get_weights()))
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = m.fit(x, y, epochs=20, batch_size=64, validation_data=(x, y_val),
              callbacks=[keep, stop], verbose=0)
    val = h.history["val_loss"]
    assert len(val) == 3 and stop.stopped_epoch == 2
    best = int(np.argmin(val))
    for a, b in zip(m.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_patience_min_delta_and_mode():
    stop = callbacks.EarlyStopping(monitor="val_accuracy")
    assert stop.mode == "max"
    m, x, y = _setup(lr=0.0)  # nothing improves
    stop = callbacks.EarlyStopping(monitor="loss", patience=3)
    h = m.fit(x, y, epochs=20, callbacks=[stop], verbose=0)
    assert len(h.history["loss"]) == 4
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, start_from_epoch=5)
    h = m.fit(x, y, epochs=20, callbacks=[stop], verbose=0)
    assert len(h.history["loss"]) == 7


def test_model_checkpoint_reloads_to_identical_predictions(tmp_path):
    m, x, y = _setup()
    path = str(tmp_path / "ckpt-{epoch:02d}-{loss:.2f}.weights.npz")
    best = str(tmp_path / "best.weights.npz")
    m.fit(x, y, epochs=3, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(path, save_weights_only=True),
        callbacks.ModelCheckpoint(best, monitor="loss", save_best_only=True)])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len([f for f in files if f.startswith("ckpt-")]) == 3
    assert files[0].startswith("best") and files[1].startswith("ckpt-01-")
    m2, _, _ = _setup()
    m2.load_weights(best)
    np.testing.assert_array_equal(m2.predict(x, verbose=0), m.predict(x, verbose=0))
    with pytest.raises(ValueError, match="weights.h5"):
        callbacks.ModelCheckpoint(str(tmp_path / "model.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        callbacks.ModelCheckpoint(str(tmp_path / "model.h5"))


def test_model_checkpoint_saves_whole_keras_models_and_load_weights_reads_them(tmp_path):
    pytest.importorskip("h5py")
    m, x, y = _setup()
    path = str(tmp_path / "best.keras")
    m.fit(x, y, epochs=3, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True)])
    reloaded = tf.keras.models.load_model(path)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), m.predict(x, verbose=0))
    m2, _, _ = _setup()
    m2.load_weights(path)  # Keras 3 reads the weights inside a .keras file
    np.testing.assert_array_equal(m2.predict(x, verbose=0), m.predict(x, verbose=0))


def test_reduce_lr_on_plateau_and_scheduler():
    m, x, y = _setup(lr=0.0)
    cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.0)
    m.optimizer.learning_rate = 0.0
    m.fit(x, y, epochs=2, callbacks=[cb], verbose=0)
    m2, x, y = _setup(lr=1.0)
    reducer = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    constant = callbacks.LearningRateScheduler(lambda epoch, lr: 1e-9)
    h = m2.fit(x, y, epochs=4, callbacks=[constant, reducer], verbose=0)
    assert h.history["learning_rate"][0] == pytest.approx(1e-9)
    assert float(np.asarray(m2.optimizer.learning_rate)) < 1e-9
    m3, x, y = _setup()
    sched = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    h = m3.fit(x, y, epochs=3, callbacks=[sched], verbose=0)
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)


def test_terminate_on_nan_stops_training():
    m, x, y = _setup(lr=1e6)
    y = y * 1e10
    h = m.fit(x, y, epochs=50, batch_size=8, callbacks=[callbacks.TerminateOnNaN()], verbose=0)
    assert len(h.history["loss"]) < 50
    assert not np.isfinite(h.history["loss"][-1])


def test_csv_logger_writes_rows(tmp_path):
    m, x, y = _setup()
    path = tmp_path / "log.csv"
    m.fit(x, y, epochs=3, validation_data=(x, y), callbacks=[callbacks.CSVLogger(str(path))],
          verbose=0)
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "val_loss"}


def test_lambda_callback_rejects_unknown_hook_and_stop_training_from_batch():
    with pytest.raises(ValueError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)
    m, x, y = _setup()
    stopper = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: setattr(m, "stop_training", batch == 0))
    h = m.fit(x, y, epochs=5, batch_size=8, callbacks=[stopper], verbose=0)
    assert len(h.history["loss"]) == 1 and int(m.optimizer.iterations) == 1
