"""compile / fit / evaluate / predict end to end, History, custom train_step, datasets."""
import numpy as np
import pytest

import tapeflow as tf

layers = tf.keras.layers


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")
    return x, y


def _model(out=2):
    tf.keras.utils.set_random_seed(0)
    return tf.keras.Sequential([tf.keras.Input((4,)), layers.Dense(16, activation="relu"),
                                layers.Dense(out)])


def test_fit_decreases_loss_and_history_keys():
    x, y = _data()
    m = _model()
    m.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    h = m.fit(x, y, epochs=5, batch_size=32, validation_split=0.25, verbose=0)
    assert list(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]  # Keras 3
    assert h.epoch == [0, 1, 2, 3, 4] and m.history is h
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert all(isinstance(v, float) for v in h.history["loss"])
    assert h.params["epochs"] == 5 and h.params["steps"] == 5  # 150 samples / 32


def test_epoch_logs_are_batch_size_weighted_means_before_each_update():
    # lr = 0: weights never change, so the epoch loss is the exact weighted mean.
    x, y = _data(n=70)
    m = _model()
    m.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.0),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = m.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    logits = m.predict(x, verbose=0)
    z = logits - logits.max(1, keepdims=True)
    per = np.log(np.exp(z).sum(1)) - z[np.arange(70), y]
    np.testing.assert_allclose(h.history["loss"][0], per.mean(), rtol=1e-5)


def test_evaluate_returns_list_scalar_or_dict():
    x, y = _data()
    m = _model()
    m.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["acc"])
    res = m.evaluate(x, y, verbose=0)
    assert isinstance(res, list) and len(res) == 2
    d = m.evaluate(x, y, verbose=0, return_dict=True)
    assert list(d) == ["acc", "loss"]
    assert res == [d["loss"], d["acc"]]  # the list follows metrics_names: loss first
    pred = m.predict(x, verbose=0)
    np.testing.assert_allclose(d["acc"], np.mean(pred.argmax(1) == y), rtol=1e-6)
    m2 = _model()
    m2.compile(optimizer="sgd", loss="mse")
    assert isinstance(m2.evaluate(x, np.zeros((200, 2)), verbose=0), float)


def test_predict_is_batched_numpy():
    x, _ = _data(n=70)
    m = _model()
    out = m.predict(x, batch_size=16, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (70, 2)
    np.testing.assert_allclose(out, m(x).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.predict_on_batch(x[:5]), out[:5], rtol=1e-5, atol=1e-6)


def test_accuracy_string_resolves_by_shapes():
    x, y = _data()
    onehot = tf.keras.utils.to_categorical(y, 2)
    for target, loss, expected in [
            (y, tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
             "SparseCategoricalAccuracy"),
            (onehot, tf.keras.losses.CategoricalCrossentropy(from_logits=True),
             "CategoricalAccuracy")]:
        m = _model()
        m.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
        m.fit(x, target, epochs=1, verbose=0)
        assert type(m._compile_metrics.metrics[0]).__name__ == expected
        assert m.metrics_names == ["loss", "accuracy"]
    m = _model(out=1)
    m.compile(optimizer="sgd", loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=["accuracy"])
    m.fit(x, y.astype("float32"), epochs=1, verbose=0)
    assert type(m._compile_metrics.metrics[0]).__name__ == "BinaryAccuracy"


def test_fit_on_dataset_and_validation_dataset():
    x, y = _data()
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(50)
    m = _model()
    m.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    h = m.fit(ds, epochs=2, validation_data=ds, verbose=0)
    assert h.params["steps"] is None or h.params["steps"] == 4
    assert len(h.history["val_loss"]) == 2
    assert len(m.evaluate(ds, verbose=0)) == 2
    assert m.predict(tf.data.Dataset.from_tensor_slices(x).batch(64), verbose=0).shape == (200, 2)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(ds, validation_split=0.2, verbose=0)


def test_sample_weight_and_class_weight_change_the_loss():
    x, y = _data()
    m = _model()
    m.compile(optimizer=tf.keras.optimizers.SGD(0.0),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    base = m.evaluate(x, y, verbose=0)
    sw = np.where(y == 1, 2.0, 0.0)
    weighted = m.evaluate(x, y, sample_weight=sw, verbose=0)
    logits = m.predict(x, verbose=0)
    z = logits - logits.max(1, keepdims=True)
    per = np.log(np.exp(z).sum(1)) - z[np.arange(len(y)), y]
    np.testing.assert_allclose(base, per.mean(), rtol=1e-5)
    np.testing.assert_allclose(weighted, (per * sw).mean(), rtol=1e-5)
    h = m.fit(x, y, class_weight={0: 0.0, 1: 2.0}, batch_size=200, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], weighted, rtol=1e-5)


def test_train_and_test_on_batch():
    x, y = _data(n=32)
    m = _model()
    m.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    first = m.train_on_batch(x, y)
    assert len(first) == 2
    for _ in range(30):
        m.reset_metrics()
        last = m.train_on_batch(x, y, return_dict=True)
    assert last["loss"] < first[0]
    assert set(m.test_on_batch(x, y, return_dict=True)) == {"loss", "accuracy"}


def test_custom_train_step_keras3_style():
    class Custom(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)
            self.steps_seen = 0

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.steps_seen += 1
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x = np.random.default_rng(0).standard_normal((64, 3))
    y = x @ np.array([[1.0], [2.0], [-1.0]])
    m = Custom()
    m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    h = m.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert m.steps_seen == 40
    assert set(h.history) == {"loss", "mae"}
    assert h.history["loss"][-1] < 0.1 * h.history["loss"][0]


def test_custom_train_step_tf_keras2_style():
    class Legacy(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x = np.random.default_rng(0).standard_normal((64, 3))
    y = x.sum(1, keepdims=True)
    m = Legacy()
    m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    h = m.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert set(h.history) == {"loss", "mae"}
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_errors_not_compiled_and_no_loss():
    x, y = _data()
    m = _model()
    with pytest.raises(RuntimeError, match="compile"):
        m.fit(x, y, verbose=0)
    m.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        m.fit(x, y, verbose=0)


def test_mismatched_sample_counts_error():
    m = _model()
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        m.fit(np.ones((10, 4)), np.ones((9, 2)), verbose=0)


def test_regularization_losses_enter_the_training_loss():
    x, y = _data()
    tf.keras.utils.set_random_seed(0)
    m = tf.keras.Sequential([tf.keras.Input((4,)), layers.Dense(
        2, kernel_regularizer=tf.keras.regularizers.L2(10.0))])
    m.compile(optimizer=tf.keras.optimizers.SGD(0.0),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    reg = float(10.0 * np.sum(m.layers[0].kernel.numpy() ** 2))
    plain = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, m(x))
    np.testing.assert_allclose(m.evaluate(x, y, verbose=0, batch_size=200),
                               float(plain) + reg, rtol=1e-5)


def test_steps_per_epoch_and_initial_epoch():
    x, y = _data()
    m = _model()
    m.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    h = m.fit(x, y, batch_size=10, epochs=3, initial_epoch=1, steps_per_epoch=2, verbose=0)
    assert h.epoch == [1, 2] and h.params["steps"] == 2
    assert int(m.optimizer.iterations) == 4


def test_verbose_outputs(capsys):
    x, y = _data(n=64)
    m = _model()
    m.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    m.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert out.count("2/2 - ") == 2 and "loss:" in out and "accuracy:" in out
    m.fit(x, y, epochs=1, verbose=1)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("2/2 ") and "step" in out[0]
    m.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_digits_mlp_reaches_97_percent():
    (x, y), (xt, yt) = tf.keras.datasets.digits.load_data()
    x = x.reshape(len(x), -1).astype("float32") / 16
    xt = xt.reshape(len(xt), -1).astype("float32") / 16
    tf.keras.utils.set_random_seed(1)
    m = tf.keras.Sequential([tf.keras.Input((64,)), layers.Dense(256, activation="relu"),
                             layers.Dense(10)])
    m.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    m.fit(x, y, epochs=25, batch_size=32, verbose=0)
    assert m.evaluate(xt, yt, verbose=0)[1] >= 0.97


def test_unknown_string_names_and_bad_labels_give_clear_errors():
    m = _model(out=3)
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'nope'"):
        m.compile(optimizer="sgd", loss="nope")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        m.compile(optimizer="nope", loss="mse")
    m.compile(optimizer="sgd", loss="mse", metrics=["nope"])
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        m.fit(np.ones((4, 4)), np.ones((4, 3)), verbose=0)
    m.compile(optimizer="sgd", loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match="must have the same shape"):
        m.fit(np.ones((4, 4)), np.ones((4, 5)), verbose=0)
    m.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 7"):
        m.fit(np.ones((4, 4)), np.array([0, 1, 2, 7]), verbose=0)


def test_examples_run(capsys):
    import importlib.util
    import os
    root = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    for name, kwargs in (("fit_digits", {"epochs": 1, "verbose": 0}),
                         ("custom_loop_digits", {"epochs": 1})):
        spec = importlib.util.spec_from_file_location(name, os.path.join(root, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        accuracy = module.main(**kwargs)
        assert 0.5 < accuracy <= 1.0
    assert "test accuracy" in capsys.readouterr().out
