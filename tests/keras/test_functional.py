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


def test_inputs_one_rank_short_of_an_input_ending_in_1_get_that_axis():
    # Keras 3's Functional._adjust_input_rank: {"age": [3.0]} feeds Input(shape=(1,))
    age = tf.keras.Input((1,), name="age")
    kind = tf.keras.Input((1,), name="kind", dtype="string")
    lookup = layers.StringLookup(vocabulary=["cat", "dog"], output_mode="one_hot")
    merged = layers.concatenate([layers.Dense(2)(age), lookup(kind)])
    model = tf.keras.Model([age, kind], layers.Dense(1)(merged))
    batched = model({"age": np.array([[3.0], [4.0]]), "kind": np.array([["dog"], ["cat"]])})
    flat = model({"age": tf.constant([3.0, 4.0]), "kind": tf.constant(["dog", "cat"])})
    np.testing.assert_allclose(flat.numpy(), batched.numpy(), rtol=1e-6)
    assert model.predict({"age": np.array([3.0]), "kind": np.array(["dog"])},
                         verbose=0).shape == (1, 1)
    squeeze = tf.keras.Input((3,))
    model = tf.keras.Model(squeeze, layers.Dense(2)(squeeze))
    assert model(np.ones((4, 3, 1), "float32")).shape == (4, 2)


def test_layer_input_and_output_are_the_tensors_of_its_first_call():
    inputs = tf.keras.Input((4,), name="x")
    dense = layers.Dense(3, name="hidden")
    hidden = dense(inputs)
    lstm = layers.LSTM(2, return_state=True)
    seq = tf.keras.Input((5, 3))
    out, h, c = lstm(seq)
    assert dense.input is inputs and dense.output is hidden
    assert lstm.output == [out, h, c]
    dense(tf.keras.Input((4,)))  # a second call does not change them
    assert dense.output is hidden
    model = tf.keras.Model([inputs], {"y": layers.Dense(1)(hidden)})
    assert model.input == [inputs] and list(model.output) == ["y"]
    # the functional API guide's feature extraction
    extractor = tf.keras.Model(model.inputs, [layer.output for layer in model.layers])
    features = extractor(np.ones((2, 4), "float32"))
    assert [tuple(f.shape) for f in features] == [(2, 4), (2, 3), (2, 1)]
    with pytest.raises(AttributeError, match="never been called"):
        layers.Dense(2).output
    assert not hasattr(layers.Dense(2), "input")


def test_python_operators_on_keras_tensors_build_the_graph(tmp_path):
    # Keras 3's transformer examples write `res = x + inputs`
    inputs = tf.keras.Input((4, 3))
    x = layers.Dense(3)(inputs)
    res = x + inputs
    eye = np.eye(3, 2, dtype="float32")
    out = ((1 - res) * 2 / 4 + abs(-res) ** 2 - res // 2 + res % 2)[:, 0] @ eye
    model = tf.keras.Model(inputs, out)
    assert out.shape == (None, 2) and model.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.layers][:3] == ["InputLayer", "Dense", "Add"]
    data = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")
    r = model.layers[1](data).numpy() + data
    expected = ((1 - r) * 2 / 4 + np.abs(-r) ** 2 - r // 2 + r % 2)[:, 0] @ eye
    result = model(data)
    assert result.dtype == tf.float32
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-5, atol=1e-6)
    pytest.importorskip("h5py")
    path = str(tmp_path / "ops.keras")
    model.save(path)
    config = model.get_config()["layers"][2]
    assert (config["module"], config["class_name"], config["config"]) == (
        "keras.src.ops.numpy", "Add", {"name": "add"})
    loaded = tf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded(data).numpy(), result.numpy(), rtol=1e-6)


def test_tf_functions_on_keras_tensors_are_a_clear_error():
    inputs = tf.keras.Input((3,))
    with pytest.raises(ValueError, match="wrap the function in a layer"):
        tf.nn.relu(inputs)


class _PositionalEmbedding(layers.Layer):
    """Keras's translation example: positions looked up in a table of `length` rows."""

    def __init__(self, length, **kwargs):
        super().__init__(**kwargs)
        self.positions = layers.Embedding(length, 4)

    def call(self, inputs):
        return inputs + self.positions(tf.range(tf.shape(inputs)[1]))


def test_layers_with_a_maximum_sequence_length_take_unknown_length_inputs():
    # the shape probe ran such layers at 2*8+1 = 17 steps, past their table of 10
    inputs = tf.keras.Input((None, 4))
    outputs = layers.MaxPooling1D(2)(_PositionalEmbedding(10)(inputs))
    model = tf.keras.Model(inputs, outputs)
    assert model.output_shape == (None, None, 4)
    assert model(np.ones((2, 6, 4), "float32")).shape == (2, 3, 4)
    seq = tf.keras.Sequential([tf.keras.Input((None, 4)), _PositionalEmbedding(10),
                               layers.MaxPooling1D(2)])
    assert seq.output_shape == (None, None, 4)
