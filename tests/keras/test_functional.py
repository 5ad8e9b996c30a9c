"""The functional API: Model(inputs, outputs) built from layers called on Input()s."""
import numpy as np
import pytest

import tapeflow as tf

layers = tf.keras.layers


def test_functional_mlp_builds_at_construction_and_matches_manual_forward():
    inputs = tf.keras.Input(shape=(4,), name="features")
    hidden = layers.Dense(8, activation="relu")(inputs)
    outputs = layers.Dense(2)(hidden)
    model = tf.keras.Model(inputs, outputs, name="func")
    assert model.built and model.count_params() == 4 * 8 + 8 + 8 * 2 + 2
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense"]
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(model(x).numpy(), np.maximum(x @ k1 + b1, 0) @ k2 + b2,
                               rtol=1e-5, atol=1e-6)
    assert model.output_shape == (None, 2)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("features (InputLayer)" in line and "(None, 4)" in line for line in lines)


def test_functional_multi_input_multi_output_fit():
    a = tf.keras.Input((3,), name="a")
    b = tf.keras.Input((2,), name="b")
    shared = layers.Dense(4, activation="relu")
    merged = layers.Dense(1, name="p")(shared(a))
    other = layers.Dense(1, name="q")(b)
    model = tf.keras.Model(inputs=[a, b], outputs=[merged, other])
    rng = np.random.default_rng(0)
    xa, xb = rng.standard_normal((64, 3)), rng.standard_normal((64, 2))
    ya, yb = xa.sum(1, keepdims=True), xb[:, :1]
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss=["mse", "mse"],
                  loss_weights=[1.0, 0.5])
    h = model.fit([xa, xb], [ya, yb], epochs=5, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    pa, pb = model.predict([xa, xb], verbose=0)
    assert pa.shape == (64, 1) and pb.shape == (64, 1)


def test_shared_layer_called_twice_has_one_set_of_weights():
    x = tf.keras.Input((3,))
    d = layers.Dense(3)
    y = d(d(x))
    model = tf.keras.Model(x, y)
    assert len(model.weights) == 2
    ones = np.ones((1, 3), "float32")
    k, bias = d.get_weights()
    np.testing.assert_allclose(model(ones).numpy(), (ones @ k + bias) @ k + bias, rtol=1e-5)


def test_disconnected_graph_and_bad_outputs_are_errors():
    a, b = tf.keras.Input((3,)), tf.keras.Input((3,))
    out = layers.Dense(1)(b)
    with pytest.raises(ValueError, match="Graph disconnected|not connected"):
        tf.keras.Model(a, out)
    with pytest.raises(ValueError, match="must be KerasTensors"):
        tf.keras.Model(a, np.ones(3))


def test_model_save_writes_a_keras_file(tmp_path):
    pytest.importorskip("h5py")
    x = tf.keras.Input((2,))
    model = tf.keras.Model(x, layers.Dense(1)(x))
    model.save(str(tmp_path / "model.keras"))
    clone = tf.keras.models.load_model(str(tmp_path / "model.keras"))
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)
