"""Sequential: construction from a list or add(), Input/input_shape, pop, layers, build."""
import numpy as np
import pytest

import tapeflow as tf

layers = tf.keras.layers


def test_list_and_add_give_the_same_stack():
    a = tf.keras.Sequential([layers.Dense(3), layers.Dense(1)])
    b = tf.keras.Sequential()
    b.add(layers.Dense(3))
    b.add(layers.Dense(1))
    assert not a.built and a.weights == []
    for m in (a, b):
        assert m(np.ones((2, 4))).shape == (2, 1)
        assert [tuple(w.shape) for w in m.weights] == [(4, 3), (3,), (3, 1), (1,)]


def test_input_builds_immediately_with_unknown_batch():
    m = tf.keras.Sequential([tf.keras.Input(shape=(5,)), layers.Dense(2)])
    assert m.built and m.count_params() == 12
    assert m.input_shape == (None, 5) and m.output_shape == (None, 2)
    assert [layer.name for layer in m.layers] == [m.layers[0].name]


def test_input_shape_kwarg_on_first_layer():
    m = tf.keras.Sequential([layers.Dense(2, input_shape=(3,)), layers.Dense(1)])
    assert m.built and m.count_params() == 8 + 3


def test_pop_removes_last_layer_and_rebuilds():
    m = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    popped = m.pop()
    assert isinstance(popped, layers.Dense) and len(m.layers) == 1
    assert m(np.ones((1, 3))).shape == (1, 4)
    assert len(m.weights) == 2


def test_add_rejects_non_layers_and_second_input():
    m = tf.keras.Sequential([tf.keras.Input((3,))])
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        m.add("dense")
    with pytest.raises(ValueError, match="already been configured"):
        m.add(tf.keras.Input((4,)))


def test_build_with_shape():
    m = tf.keras.Sequential([layers.Dense(3)])
    m.build((None, 7))
    assert m.built and [tuple(w.shape) for w in m.weights] == [(7, 3), (3,)]


def test_sequential_passes_training_to_dropout():
    m = tf.keras.Sequential([layers.Dropout(0.99, seed=0)])
    x = np.ones((10, 10), "float32")
    assert np.all(m(x).numpy() == 1)
    assert (m(x, training=True).numpy() == 0).mean() > 0.8


def test_config_roundtrip():
    m = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(2, activation="relu")],
                            name="seq_cfg")
    m2 = tf.keras.Sequential.from_config(m.get_config())
    assert m2.name == "seq_cfg" and m2.built and m2.count_params() == 8


def test_inputs_outputs_and_layer_outputs_for_feature_extraction():
    # Keras 3 makes a functional graph of a Sequential model with a known input
    model = tf.keras.Sequential([tf.keras.Input((6,)), layers.Dense(4, name="a"),
                                 layers.Dense(3, name="b"), layers.Dense(2, name="c")])
    assert model.input.shape == (None, 6) and model.output.shape == (None, 2)
    assert len(model.inputs) == 1 and len(model.outputs) == 1
    extractor = tf.keras.Model(inputs=model.inputs,
                               outputs=[layer.output for layer in model.layers])
    x = np.random.default_rng(0).standard_normal((5, 6)).astype("float32")
    features = extractor(x)
    np.testing.assert_allclose(features[-1].numpy(), model(x).numpy(), rtol=1e-6)
    # transfer learning: drop the last layer, reading a layer's output first
    head_off = tf.keras.Model(model.layers[0].input, model.get_layer("b").output)
    np.testing.assert_allclose(head_off(x).numpy(), features[1].numpy(), rtol=1e-6)
    built_by_call = tf.keras.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match="no defined input"):
        built_by_call.input
    built_by_call(x)
    assert built_by_call.input.shape == (None, 6) and built_by_call.output.shape == (None, 3)
    model.add(layers.Dense(1))
    assert model.output.shape == (None, 1)


def test_a_built_model_adds_or_drops_a_trailing_axis_of_1_like_keras():
    # TF's regression tutorial: Normalization(input_shape=[1,]) fed a 1-D array of values
    normalizer = layers.Normalization(input_shape=[1], axis=None)
    normalizer.adapt(np.array([1.0, 2.0, 3.0]))
    model = tf.keras.Sequential([normalizer, layers.Dense(1)])
    flat = model.predict(np.array([1.0, 2.0]), verbose=0)
    np.testing.assert_allclose(flat, model.predict(np.array([[1.0], [2.0]]), verbose=0))
    assert flat.shape == (2, 1)
    images = tf.keras.Sequential([tf.keras.Input((4, 4)), layers.Flatten()])
    assert images(np.ones((2, 4, 4, 1), "float32")).shape == (2, 16)
