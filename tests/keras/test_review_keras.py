"""Regressions found by running TF2/Keras guide-style programs (reviewer R1)."""
import warnings

import numpy as np
import pytest

import tapeflow as tf

keras = tf.keras


class _CustomFitModel(keras.Model):
    """The "customize what happens in fit" guide's model: a functional model subclass."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.custom_steps = getattr(self, "custom_steps", 0) + 1
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_subclass_called_with_inputs_outputs_is_functional_and_keeps_train_step():
    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(1, kernel_initializer="ones")(inputs)
    model = _CustomFitModel(inputs, outputs)
    assert isinstance(model, _CustomFitModel) and type(model).__name__ == "_CustomFitModel"
    assert "custom_fit_model" in model.name
    assert [layer.name for layer in model.layers][1:] == [outputs._keras_history.layer.name]
    np.testing.assert_allclose(model(np.ones((2, 3), "float32")).numpy(), [[3.0], [3.0]])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(np.ones((8, 3)), np.zeros((8, 1)), batch_size=4, epochs=1, verbose=0)
    assert model.custom_steps == 2
    assert sorted(history.history) == ["loss", "mae"]


def test_subclass_with_own_init_forwarding_inputs_outputs():
    class Wrapped(keras.Model):
        def __init__(self, inputs, outputs, note):
            super().__init__(inputs=inputs, outputs=outputs)
            self.note = note

    inputs = keras.Input(shape=(2,))
    model = Wrapped(inputs, keras.layers.Dense(4)(inputs), note="hi")
    assert model.note == "hi" and model.count_params() == 12
    assert model(np.ones((5, 2), "float32")).shape == (5, 4)


def test_fit_on_dataset_of_single_tensors_passes_the_batch_itself_to_train_step():
    seen = []

    class GANLike(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, real_images):
            seen.append(real_images)
            return {"n": tf.shape(real_images)[0]}

    model = GANLike()
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(np.zeros((10, 4), "float32")).batch(4)
    model.fit(data, epochs=1, verbose=0)
    assert [tuple(t.shape) for t in seen] == [(4, 4), (4, 4), (2, 4)]


def test_progress_line_learns_step_count_of_unsized_dataset(capsys):
    def gen():
        for _ in range(3):
            yield np.ones((2, 2), "float32"), np.ones((2, 1), "float32")

    data = tf.data.Dataset.from_generator(gen, output_signature=(
        tf.TensorSpec((None, 2), tf.float32), tf.TensorSpec((None, 1), tf.float32)))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(data, epochs=2, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if "step" in line]
    assert len(lines) == 2 and all(line.startswith("3/3 - ") for line in lines)


def test_building_masked_average_pooling_model_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras.Sequential([
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(10, 4, mask_zero=True),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1)])
        inputs = keras.Input((None,), dtype="int32")
        keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(10, 4, mask_zero=True)(inputs))
    padded = model.predict(np.array([[3, 5, 0, 0]]), verbose=0)
    np.testing.assert_allclose(padded, model.predict(np.array([[3, 5]]), verbose=0), rtol=1e-6)


def test_pad_sequences_matches_keras():
    pad = keras.utils.pad_sequences
    out = pad([[1, 2, 3], [4], []])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[1, 2, 3], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(pad([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])
    np.testing.assert_array_equal(
        pad([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post"), [[1, 2], [4, 0]])
    np.testing.assert_array_equal(pad([[1.5, 2.0]], maxlen=3, dtype="float32", value=-1.0),
                                  [[-1.0, 1.5, 2.0]])
    with pytest.raises(ValueError, match="Padding type"):
        pad([[1]], padding="middle")


def test_same_metric_in_metrics_and_weighted_metrics_gets_keras_names():
    x = np.eye(3, dtype="float32")[[0, 1, 2, 0]]
    y = np.array([0, 1, 0, 0])
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        3, kernel_initializer="identity", bias_initializer="zeros")])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy", "accuracy"], weighted_metrics=["accuracy"])
    logs = model.evaluate(x, y, sample_weight=np.array([1.0, 1.0, 2.0, 0.0]), verbose=0,
                          return_dict=True)
    assert model.metrics_names == ["loss", "accuracy", "accuracy_1", "weighted_accuracy"]
    assert logs["accuracy"] == logs["accuracy_1"] == pytest.approx(0.75)  # unweighted
    assert logs["weighted_accuracy"] == pytest.approx(0.5)  # (1 + 1 + 0) / 4


def _two_output_model():
    inputs = keras.Input(shape=(2,), name="features")
    priority = keras.layers.Dense(1, name="priority", kernel_initializer="ones")(inputs)
    department = keras.layers.Dense(3, name="department", kernel_initializer="zeros")(inputs)
    return keras.Model(inputs, [priority, department])


def test_loss_dict_keyed_by_output_layer_names_on_list_outputs():
    # The functional API guide's multi-output model: outputs a list, losses a dict.
    x = np.array([[1.0, 2.0], [0.0, 1.0]], "float32")
    y_priority = np.array([[0.0], [1.0]], "float32")
    y_department = np.array([0, 2])
    model = _two_output_model()
    model.compile("sgd", loss={"priority": "mse",
                               "department": keras.losses.SparseCategoricalCrossentropy(
                                   from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.5},
                  metrics={"department": ["accuracy"]})
    mse = np.mean((x.sum(1, keepdims=True) - y_priority) ** 2)  # kernel ones: pred = x0 + x1
    ce = np.log(3.0)  # zero logits
    for targets in ({"priority": y_priority, "department": y_department},
                    [y_priority, y_department]):
        logs = model.evaluate(x, targets, verbose=0, return_dict=True)
        assert logs["loss"] == pytest.approx(mse + 0.5 * ce, rel=1e-6)
        assert logs["priority_loss"] == pytest.approx(mse, rel=1e-6)  # unweighted per output
        assert logs["department_loss"] == pytest.approx(ce, rel=1e-6)
        assert logs["department_accuracy"] == pytest.approx(0.5)
    history = model.fit(x, [y_priority, y_department], epochs=1, verbose=0)
    assert sorted(history.history) == ["department_accuracy", "department_loss", "loss",
                                       "priority_loss"]


def test_single_loss_has_no_per_output_loss_entry():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert model.metrics_names == ["loss"]


def test_merge_layers_values_and_shapes():
    a = np.array([[1.0, 5.0]], "float32")
    b = np.array([[3.0, 2.0]], "float32")
    layers = keras.layers
    np.testing.assert_allclose(layers.Add()([a, b, a]).numpy(), a + b + a)
    np.testing.assert_allclose(layers.Subtract()([a, b]).numpy(), a - b)
    np.testing.assert_allclose(layers.Multiply()([a, b]).numpy(), a * b)
    np.testing.assert_allclose(layers.Average()([a, b]).numpy(), (a + b) / 2)
    np.testing.assert_allclose(layers.Maximum()([a, b]).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(layers.Minimum()([a, b]).numpy(), np.minimum(a, b))
    np.testing.assert_allclose(layers.concatenate([a, b], axis=0).numpy(), np.concatenate([a, b]))
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, b, a])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(a)
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate(axis=1)([np.ones((2, 3)), np.ones((3, 3))])


def test_functional_two_input_model_with_concatenate_trains():
    left, right = keras.Input((2,), name="left"), keras.Input((3,), name="right")
    joined = keras.layers.Concatenate()([left, right])
    summed = keras.layers.add([keras.layers.Dense(4)(joined), keras.layers.Dense(4)(joined)])
    model = keras.Model([left, right], keras.layers.Dense(1)(summed))
    assert joined.shape == (None, 5) and summed.shape == (None, 4)
    assert [type(layer).__name__ for layer in model.layers][2:4] == ["Concatenate", "Dense"]
    model.compile("sgd", "mse")
    x = [np.ones((4, 2), "float32"), np.ones((4, 3), "float32")]
    before = model.evaluate(x, np.zeros((4, 1)), verbose=0)
    model.fit(x, np.zeros((4, 1)), epochs=3, verbose=0)
    assert model.evaluate(x, np.zeros((4, 1)), verbose=0) < before


def test_summary_total_counts_optimizer_params_and_marks_weightless_layers():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dropout(0.1)])
    model.compile("adam", "mse")
    model.fit(np.ones((2, 3)), np.ones((2, 2)), verbose=0)
    lines = []
    model.summary(print_fn=lines.append, show_trainable=True)
    # Adam: iteration (int64) + learning_rate + 2 slots of 8 = 18 variables' worth, 76 bytes
    assert " Total params: 26 (108.00 B)" in lines
    assert " Optimizer params: 18 (76.00 B)" in lines
    assert "Trainable" in lines[2]
    dense_row, dropout_row = lines[4], lines[6]
    assert dense_row.rstrip("│ ").endswith("Y") and dropout_row.rstrip("│ ").endswith("-")


def test_metric_given_as_class_name_string_keeps_that_name():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["AUC", keras.metrics.AUC(), "mse"])
    history = model.fit(np.ones((4, 2)), np.array([0.0, 1.0, 0.0, 1.0]), verbose=0)
    assert sorted(history.history) == ["AUC", "auc", "loss", "mse"]


class _PenaltyLayer(keras.layers.Layer):
    def call(self, x):
        self.add_loss(tf.reduce_sum(x))
        return x


def test_calling_another_model_keeps_this_models_add_loss_values():
    # GAN step: generator(z) then discriminator(fake), then sum(generator.losses).
    generator = keras.Sequential([keras.Input((2,)), _PenaltyLayer()])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    fake = generator(np.ones((1, 2), "float32"))
    discriminator(fake)
    assert [float(v) for v in generator.losses] == [2.0]
    generator(np.zeros((1, 2), "float32"))  # its own next call replaces them
    assert [float(v) for v in generator.losses] == [0.0]


def test_summary_wraps_long_names_and_adds_connected_to_for_graphs():
    seq = keras.Sequential([keras.Input((3,)),
                            keras.layers.BatchNormalization(name="batch_normalization")])
    lines = []
    seq.summary(print_fn=lines.append)
    assert lines[4].startswith("│ batch_normalization ") and "12 │" in lines[4]
    assert lines[5].startswith("│ (BatchNormalization) ")
    assert "…" not in "\n".join(lines) and "Connected to" not in lines[2]

    a, b = keras.Input((2,), name="in_a"), keras.Input((3,), name="in_b")
    joined = keras.layers.Concatenate(name="join")([a, b])
    model = keras.Model([a, b], keras.layers.Dense(1, name="head")(joined))
    lines = []
    model.summary(print_fn=lines.append)
    assert "Connected to" in lines[2]
    text = "\n".join(lines)
    assert "in_a[0][0], in_b[0][0]" in text and "join[0][0]" in text
    assert len(set(len(line) for line in lines[1:-3])) == 1  # a rectangular table


def test_variable_length_text_cnn_builds_and_keeps_unknown_axes():
    # Keras's "text classification from scratch": Input(shape=(None,)) into valid Conv1Ds.
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = keras.layers.Embedding(50, 4)(inputs)
    x = keras.layers.Conv1D(6, 7, strides=3, activation="relu")(x)
    x = keras.layers.Conv1D(6, 7, strides=3, activation="relu")(x)
    assert x.shape == (None, None, 6)
    outputs = keras.layers.Dense(1)(keras.layers.GlobalMaxPooling1D()(x))
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 1)
    assert model.predict(np.ones((2, 40), "int64"), verbose=0).shape == (2, 1)
    seq = keras.Sequential([keras.Input((None,), dtype="int64"), keras.layers.Embedding(50, 4),
                            keras.layers.Conv1D(6, 5), keras.layers.LSTM(3, return_sequences=True)])
    assert [layer._build_output_shape for layer in seq.layers][1:] == [(None, None, 6),
                                                                        (None, None, 3)]
    assert seq.output_shape == (None, None, 3)


def test_loss_dict_with_a_missing_target_key_is_an_error():
    model = _two_output_model()
    model.compile("sgd", loss={"priority": "mse", "department": "mse"})
    with pytest.raises(KeyError, match="department"):
        model.evaluate(np.ones((2, 2)), {"priority": np.ones((2, 1)), "dept": np.ones((2, 3))},
                       verbose=0)


def test_endless_dataset_without_steps_is_an_error_not_a_hang():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    endless = tf.data.Dataset.from_tensor_slices(
        (np.ones((4, 2), "float32"), np.ones((4, 1), "float32"))).batch(2).repeat()
    with pytest.raises(ValueError, match="`steps_per_epoch`"):
        model.fit(endless, verbose=0)
    with pytest.raises(ValueError, match="`validation_steps`"):
        model.fit(endless, steps_per_epoch=1, validation_data=endless, verbose=0)
    with pytest.raises(ValueError, match="`steps`"):
        model.evaluate(endless, verbose=0)
    with pytest.raises(ValueError, match="`steps`"):
        model.predict(endless, verbose=0)
    history = model.fit(endless, steps_per_epoch=2, validation_data=endless, validation_steps=1,
                        verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"]


def test_pad_sequences_is_also_in_the_legacy_preprocessing_namespace():
    from tapeflow.keras.preprocessing.sequence import pad_sequences
    assert pad_sequences is keras.utils.pad_sequences
    assert keras.preprocessing.sequence.pad_sequences([[1], [2, 3]]).tolist() == [[0, 1], [2, 3]]


def test_single_output_given_as_a_list_trains_with_a_single_loss():
    inputs = keras.Input((3,))
    output = keras.layers.Dense(1, kernel_initializer="zeros")(inputs)
    model = keras.Model(inputs, [output])
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert history.history["loss"][0] == pytest.approx(1.0)  # zeros predict 0, target 1
    assert history.history["loss"][1] < 1.0  # the kernel got gradients
    assert model.evaluate(x, [y], verbose=0, return_dict=True)["mae"] < 1.0
