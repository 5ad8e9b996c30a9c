"""Whole-model saving in Keras 3's `.keras` format: model.save / tf.keras.models.load_model.

The expected archive members and HDF5 paths are written out from Keras 3's
keras/src/saving/saving_lib.py (`_save_model_to_fileobj`, `_save_state`,
`_save_container_state`, `H5Entry`); the Keras-written fixtures follow the config layout of
keras/src/saving/serialization_lib.py and keras/src/models/functional.py.
"""
import io
import json
import os
import sys
import warnings
import zipfile

import numpy as np
import pytest

import tapeflow as tf

L = tf.keras.layers


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py")


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _h5_names(path, h5py):
    """Every group and dataset path in the archive's model.weights.h5."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("model.weights.h5")
    names = []
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visit(names.append)
    return set(names)


def _same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(np.array_equal(u, v) for u, v in zip(wa, wb))


def _sequential():
    tf.keras.utils.set_random_seed(0)
    return tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(3, activation="relu"),
                                L.BatchNormalization(), L.Dropout(0.2), L.Dense(2)], name="seq")


# -- round trips ------------------------------------------------------------------------------
def test_sequential_round_trip(tmp_path, h5py):
    model = _sequential()
    path = str(tmp_path / "seq.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert type(loaded) is tf.keras.Sequential and loaded.name == "seq"
    assert _same_weights(model, loaded)
    assert loaded.get_config() == model.get_config()
    x = _x(5, 4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert os.listdir(tmp_path) == ["seq.keras"]  # no temporary file left behind


def test_sequential_config_has_keras3_form():
    config = _sequential().get_config()
    assert set(config) == {"name", "trainable", "dtype", "layers", "build_input_shape"}
    assert config["build_input_shape"] == (None, 4)
    first, dense = config["layers"][0], config["layers"][1]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == (None, 4)
    assert {k: dense[k] for k in ("module", "class_name", "registered_name")} == \
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None}
    assert dense["build_config"] == {"input_shape": (None, 4)}
    assert dense["config"]["kernel_initializer"] == {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": None}, "registered_name": None}
    clone = tf.keras.Sequential.from_config(config)
    assert [type(layer).__name__ for layer in clone.layers] == \
        ["Dense", "BatchNormalization", "Dropout", "Dense"]
    # tf.keras 2's form (no "module") and a bare list of layer configs still load
    legacy = [{"class_name": "Dense", "config": {"units": 2, "name": "d"}}]
    assert tf.keras.Sequential.from_config(legacy).layers[0].units == 2


def test_sequential_built_by_a_call_saves_its_input_shape(tmp_path, h5py):
    model = tf.keras.Sequential([L.Dense(3), L.Dense(1)])
    x = _x(6, 5)
    model(x)
    assert model.get_config()["build_input_shape"] == (None, 5)
    model.save(str(tmp_path / "m.keras"))
    loaded = tf.keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def _functional():
    tf.keras.utils.set_random_seed(3)
    a, b = tf.keras.Input((3,), name="a"), tf.keras.Input((2,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    h1 = shared(L.Concatenate(name="cat1")([a, L.Dense(2, name="pre")(b)]))
    h2 = shared(L.Concatenate(name="cat2")([b, a]))
    inner_seq = tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(3, name="seq_dense")],
                                    name="inner_seq")
    i = tf.keras.Input((3,), name="inner_in")
    inner_fn = tf.keras.Model(i, L.Dense(2, name="fn_dense")(i), name="inner_fn")
    out1 = L.Dense(1, name="out1")(inner_seq(h1))
    out2 = inner_fn(L.Add(name="add")([inner_seq(h2), inner_seq(h1)]))
    return tf.keras.Model({"a": a, "b": b}, [out1, out2], name="multi")


def test_functional_multi_io_shared_and_nested_round_trip(tmp_path, h5py):
    model = _functional()
    path = str(tmp_path / "f.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert _same_weights(model, loaded)
    assert loaded.get_config() == model.get_config()
    feed = {"a": _x(4, 3), "b": _x(4, 2, seed=1)}
    for u, v in zip(model.predict(feed, verbose=0), loaded.predict(feed, verbose=0)):
        np.testing.assert_array_equal(u, v)
    # the shared layer is still one layer, the nested models still models
    assert len([layer for layer in loaded.layers if layer.name == "shared"]) == 1
    assert type(loaded.get_layer("inner_seq")) is tf.keras.Sequential


def test_functional_config_has_keras3_form():
    config = _functional().get_config()
    assert set(config) == {"name", "trainable", "layers", "input_layers", "output_layers"}
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["output_layers"] == [["out1", 0, 0], ["inner_fn", 1, 0]]
    by_name = {layer["name"]: layer for layer in config["layers"]}
    assert by_name["a"]["inbound_nodes"] == [] and by_name["a"]["class_name"] == "InputLayer"
    shared = by_name["shared"]
    assert shared["config"]["name"] == "shared" and len(shared["inbound_nodes"]) == 2
    arg = shared["inbound_nodes"][1]["args"][0]
    assert arg == {"class_name": "__keras_tensor__",
                   "config": {"shape": [None, 5], "dtype": "float32",
                              "keras_history": ["cat2", 0, 0]}}
    assert shared["inbound_nodes"][1]["kwargs"] == {}
    add_args = by_name["add"]["inbound_nodes"][0]["args"][0]
    # inner_seq is called three times: on h1 (for out1), on h2, and on h1 again
    assert [t["config"]["keras_history"] for t in add_args] == [["inner_seq", 1, 0],
                                                                ["inner_seq", 2, 0]]
    inner = by_name["inner_fn"]
    assert (inner["module"], inner["class_name"], inner["registered_name"]) == \
        ("keras.src.models.functional", "Functional", "Functional")
    assert inner["build_config"] == {"input_shape": None}
    json.dumps(config)


def test_layers_are_listed_in_keras_order():
    # keras/src/ops/function.py map_graph: depth from the outputs, deepest first, ties by
    # the order a depth-first walk from the outputs first meets each layer.
    a = tf.keras.Input((3,), name="a")
    h = L.Dense(5, name="h")(a)
    h2 = L.Dense(3, name="h2")(a)
    out = L.Dense(2, name="o")(L.Concatenate(name="cat")([h2, h]))
    model = tf.keras.Model(a, out)
    assert [layer["name"] for layer in model.get_config()["layers"]] == \
        ["a", "h2", "h", "cat", "o"]


@tf.keras.saving.register_keras_serializable(package="tapeflow_tests")
class _Registered(tf.keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = L.Dense(units, activation="relu")
        self.blocks = [L.Dense(units), L.LayerNormalization()]
        self.out = L.Dense(2)

    def call(self, x):
        h = self.hidden(x)
        for block in self.blocks:
            h = block(h)
        return self.out(h)

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def test_subclassed_registered_model_round_trip(tmp_path, h5py):
    tf.keras.utils.set_random_seed(1)
    model = _Registered(5, name="reg")
    x = _x(3, 6)
    model(x)
    path = str(tmp_path / "sub.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    assert config["registered_name"] == "tapeflow_tests>_Registered"
    assert config["config"]["units"] == 5 and config["build_config"] == {"input_shape": [3, 6]}
    loaded = tf.keras.models.load_model(path)
    assert type(loaded) is _Registered and loaded.units == 5 and loaded.name == "reg"
    assert _same_weights(model, loaded)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    # Keras walks attributes sorted (private last): `blocks`, `hidden`, then `layers`
    # names what is left: `out`, the third Dense of model.layers (dense_2)
    names = _h5_names(path, h5py)
    assert {"blocks/dense/vars/0", "blocks/layer_normalization/vars/1", "hidden/vars/1",
            "layers/dense_2/vars/0", "layers/dense_2/vars/1", "vars"} <= names
    assert not any(name.startswith(("out/", "layers/dense/", "layers/dense_1/"))
                   for name in names)


def test_subclassed_model_via_custom_objects_and_unknown_class_error(tmp_path, h5py):
    class Local(tf.keras.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = L.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return dict(super().get_config(), units=self.units)

    model = Local(3)
    model(_x(2, 4))
    path = str(tmp_path / "local.keras")
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate class 'Local'.*register_keras"):
        tf.keras.models.load_model(path)
    loaded = tf.keras.models.load_model(path, custom_objects={"Local": Local})
    assert _same_weights(model, loaded)


def test_unknown_layer_class_inside_a_model_is_named(tmp_path, h5py):
    class Mystery(L.Layer):
        def call(self, x):
            return x * 2.0

    model = tf.keras.Sequential([tf.keras.Input((2,)), Mystery(), L.Dense(1)])
    path = str(tmp_path / "mystery.keras")
    model.save(path)
    with pytest.raises(TypeError, match="^Could not locate class 'Mystery'"):
        tf.keras.models.load_model(path)
    loaded = tf.keras.models.load_model(path, custom_objects={"Mystery": Mystery})
    np.testing.assert_array_equal(loaded(_x(2, 2)).numpy(), model(_x(2, 2)).numpy())


def test_subclassed_model_without_config_names_the_class(tmp_path, h5py):
    class NoConfig(tf.keras.Model):
        def __init__(self, units):
            super().__init__()
            self.dense = L.Dense(units)

        def call(self, x):
            return self.dense(x)

    model = NoConfig(2)
    model(_x(2, 3))
    path = str(tmp_path / "nc.keras")
    model.save(path)
    with pytest.raises(TypeError, match="NoConfig.from_config.*get_config"):
        tf.keras.models.load_model(path, custom_objects={"NoConfig": NoConfig})


def test_zoo_of_layers_round_trip(tmp_path, h5py):
    tf.keras.utils.set_random_seed(2)
    tokens = tf.keras.Input((6,), dtype="int32", name="tokens")
    image = tf.keras.Input((8, 8, 1), name="image")
    e = L.Embedding(20, 4)(tokens)
    seq = L.LSTM(5, return_sequences=True)(e)
    seq = L.Bidirectional(L.GRU(3))(seq)
    att = L.GlobalAveragePooling1D()(L.MultiHeadAttention(2, 3)(e, e))
    c = L.MaxPooling2D()(L.Conv2D(2, 3, activation="relu")(image))
    c = L.BatchNormalization()(L.Flatten()(c))
    out = L.Dense(2)(L.Concatenate()([seq, att, c]))
    model = tf.keras.Model([tokens, image], out)
    # moving statistics away from their initial values
    model.compile("adam", "mse")
    feed = [np.random.default_rng(0).integers(0, 20, (8, 6)), _x(8, 8, 8, 1)]
    model.fit(feed, _x(8, 2), epochs=1, verbose=0)
    path = str(tmp_path / "zoo.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert _same_weights(model, loaded)
    np.testing.assert_array_equal(loaded.predict(feed, verbose=0),
                                  model.predict(feed, verbose=0))
    names = _h5_names(path, h5py)
    expected = {"layers/input_layer/vars", "layers/embedding/vars/0",
                "layers/lstm/cell/vars/0", "layers/lstm/cell/vars/1", "layers/lstm/cell/vars/2",
                "layers/bidirectional/forward_layer/cell/vars/2",
                "layers/bidirectional/backward_layer/cell/vars/2",
                "layers/multi_head_attention/query_dense/vars/0",
                "layers/multi_head_attention/key_dense/vars/1",
                "layers/multi_head_attention/value_dense/vars/1",
                "layers/multi_head_attention/output_dense/vars/1",
                "layers/conv2d/vars/0", "layers/conv2d/vars/1",
                "layers/batch_normalization/vars/3", "layers/dense/vars/1", "optimizer/vars/0"}
    assert expected <= names


# -- the archive layout -----------------------------------------------------------------------
def test_archive_members_and_weights_tree_match_keras(tmp_path, h5py):
    model = _sequential()
    model.compile(tf.keras.optimizers.Adam(0.01), "mse")
    model.fit(_x(8, 4), _x(8, 2), epochs=1, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert set(metadata) == {"keras_version", "date_saved"}
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras", "Sequential", None)
    assert config["build_config"] == {"input_shape": [None, 4]}
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "mse"
    # Sequential: `layers` (Input layer excluded) named by class, then the optimizer:
    # iterations, learning rate, then (momentum, velocity) per trainable variable.
    expected = {"vars", "layers", "optimizer", "optimizer/vars"}
    for layer, count in (("dense", 2), ("batch_normalization", 4), ("dropout", 0),
                         ("dense_1", 2)):
        expected |= {"layers/" + layer, "layers/%s/vars" % layer}
        expected |= {"layers/%s/vars/%d" % (layer, i) for i in range(count)}
    expected |= {"optimizer/vars/%d" % i for i in range(2 + 2 * 6)}
    assert _h5_names(path, h5py) == expected


def test_optimizer_slots_are_saved_in_keras_order(tmp_path, h5py):
    # Keras's RMSprop creates all velocities, then all momentums (one block per call of
    # add_optimizer_variables); tapeflow creates them per variable.
    model = tf.keras.Sequential([tf.keras.Input((2,)), L.Dense(3, name="d")])
    model.compile(tf.keras.optimizers.RMSprop(0.01, momentum=0.5), "mse")
    model.fit(_x(4, 2), _x(4, 3), verbose=0)
    path = str(tmp_path / "r.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive, \
            h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
        saved = [np.asarray(f["optimizer/vars/%d" % i]) for i in range(6)]
    slots = {v.name: v.numpy() for v in model.optimizer.variables}
    order = ["iteration", "learning_rate", "d_kernel_velocity", "d_bias_velocity",
             "d_kernel_momentum", "d_bias_momentum"]
    names = {name: next(k for k in slots if k.endswith(name)) for name in order}
    for array, name in zip(saved, order):
        np.testing.assert_array_equal(array, slots[names[name]])


# -- compiled models --------------------------------------------------------------------------
@pytest.mark.parametrize("make_optimizer", [
    lambda: tf.keras.optimizers.Adam(0.01),
    lambda: tf.keras.optimizers.AdamW(0.01, amsgrad=True),
    lambda: tf.keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: tf.keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: tf.keras.optimizers.Nadam(0.01),
    lambda: tf.keras.optimizers.Adam(0.01, use_ema=True, gradient_accumulation_steps=2),
], ids=["adam", "adamw_amsgrad", "rmsprop_centered", "sgd_nesterov", "nadam", "adam_ema_acc"])
def test_training_continues_as_if_never_saved(tmp_path, h5py, make_optimizer):
    x, y = _x(32, 4), _x(32, 2, seed=1)
    tf.keras.utils.set_random_seed(5)
    a = tf.keras.Input((4,))
    h = L.Dense(5, activation="tanh")(a)
    model = tf.keras.Model(a, L.Dense(2)(L.Concatenate()([L.Dense(3)(a), h])))
    model.compile(make_optimizer(), "mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    path = str(tmp_path / "c.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 8
    for u, v in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
    history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    history2 = loaded.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    assert _same_weights(model, loaded)
    assert history == history2


def test_compile_config_is_restored_or_skipped(tmp_path, h5py):
    model = _sequential()
    model.compile(tf.keras.optimizers.SGD(0.1, momentum=0.5),
                  loss=tf.keras.losses.Huber(delta=2.0), metrics=["mae", "mse"])
    path = str(tmp_path / "m.keras")
    model.save(path)  # compiled but never trained: the optimizer has no slots yet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = tf.keras.models.load_model(path)
    assert loaded.compiled and isinstance(loaded.optimizer, tf.keras.optimizers.SGD)
    assert loaded.optimizer.momentum == 0.5
    assert isinstance(loaded.loss, tf.keras.losses.Huber) and loaded.loss.delta == 2.0
    loaded.fit(_x(8, 4), _x(8, 2), verbose=0)
    assert loaded.metrics_names == ["loss", "mae", "mse"]
    uncompiled = tf.keras.models.load_model(path, compile=False)
    assert not uncompiled.compiled and uncompiled.optimizer is None


def test_custom_loss_needs_custom_objects_else_warns(tmp_path, h5py):
    def custom_loss(y_true, y_pred):  # not reachable from its module: must be passed
        return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)

    model = _sequential()
    model.compile("adam", loss=custom_loss)
    model.fit(_x(8, 4), _x(8, 2), verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.warns(UserWarning, match="without compiling it.*custom_objects"):
        loaded = tf.keras.models.load_model(path)
    assert not loaded.compiled and _same_weights(model, loaded)
    loaded = tf.keras.models.load_model(path, custom_objects={"custom_loss": custom_loss})
    assert loaded.compiled and loaded.loss is custom_loss
    assert int(loaded.optimizer.iterations) == 1


def test_overridden_compile_is_not_called_on_loading(tmp_path, h5py):
    @tf.keras.saving.register_keras_serializable(package="tapeflow_tests")
    class OwnCompile(tf.keras.Sequential):
        def compile(self, **kwargs):
            super().compile(optimizer="sgd", loss="mse")

    model = OwnCompile([tf.keras.Input((2,)), L.Dense(1)])
    model.compile()
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.warns(UserWarning, match="`compile\\(\\)` was not called as part of model"):
        loaded = tf.keras.models.load_model(path)
    assert type(loaded) is OwnCompile and not loaded.compiled


# -- a file written by Keras 3 ----------------------------------------------------------------
def _policy(name="float32"):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def _init(name, config=None):
    return {"module": "keras.initializers", "class_name": name, "config": config or {},
            "registered_name": None}


def _tensor(shape, history, dtype="float32"):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": dtype, "keras_history": history}}


def _keras_functional_config():
    """config.json as Keras 3 writes it for Input(5, int32) -> Embedding(10, 4) -> LSTM(3)
    -> BatchNormalization -> Dense(2, softmax), compiled with Adam."""
    base = {"trainable": True, "dtype": _policy()}
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 5], "dtype": "int32", "sparse": False,
                    "ragged": False, "name": "tokens", "optional": False},
         "registered_name": None, "name": "tokens", "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "Embedding",
         "config": dict(base, name="embedding", input_dim=10, output_dim=4,
                        embeddings_initializer=_init("RandomUniform", {
                            "seed": None, "minval": -0.05, "maxval": 0.05}),
                        embeddings_regularizer=None, activity_regularizer=None,
                        embeddings_constraint=None, mask_zero=False, quantization_config=None),
         "registered_name": None, "build_config": {"input_shape": [None, 5]},
         "name": "embedding",
         "inbound_nodes": [{"args": [_tensor([None, 5], ["tokens", 0, 0], "int32")],
                            "kwargs": {}}]},
        {"module": "keras.layers", "class_name": "LSTM",
         "config": dict(base, name="lstm", return_sequences=False, return_state=False,
                        go_backwards=False, stateful=False, unroll=False,
                        zero_output_for_mask=False, units=3, activation="tanh",
                        recurrent_activation="sigmoid", use_bias=True,
                        kernel_initializer=_init("GlorotUniform", {"seed": None}),
                        recurrent_initializer=_init("Orthogonal", {"seed": None, "gain": 1.0}),
                        bias_initializer=_init("Zeros"), unit_forget_bias=True,
                        kernel_regularizer=None, recurrent_regularizer=None,
                        bias_regularizer=None, activity_regularizer=None,
                        kernel_constraint=None, recurrent_constraint=None,
                        bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None),
         "registered_name": None, "build_config": {"input_shape": [None, 5, 4]},
         "name": "lstm",
         "inbound_nodes": [{"args": [_tensor([None, 5, 4], ["embedding", 0, 0])],
                            "kwargs": {"training": False}}]},
        {"module": "keras.layers", "class_name": "BatchNormalization",
         "config": dict(base, name="batch_normalization", axis=-1, momentum=0.99,
                        epsilon=0.001, center=True, scale=True,
                        beta_initializer=_init("Zeros"), gamma_initializer=_init("Ones"),
                        moving_mean_initializer=_init("Zeros"),
                        moving_variance_initializer=_init("Ones"), beta_regularizer=None,
                        gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                        synchronized=False),
         "registered_name": None, "build_config": {"input_shape": [None, 3]},
         "name": "batch_normalization",
         "inbound_nodes": [{"args": [_tensor([None, 3], ["lstm", 0, 0])],
                            "kwargs": {"training": False, "mask": None}}]},
        {"module": "keras.layers", "class_name": "Dense",
         "config": dict(base, name="dense", units=2, activation="softmax", use_bias=True,
                        kernel_initializer=_init("GlorotUniform", {"seed": None}),
                        bias_initializer=_init("Zeros"), kernel_regularizer=None,
                        bias_regularizer=None, kernel_constraint=None, bias_constraint=None,
                        quantization_config=None),
         "registered_name": None, "build_config": {"input_shape": [None, 3]},
         "name": "dense",
         "inbound_nodes": [{"args": [_tensor([None, 3], ["batch_normalization", 0, 0])],
                            "kwargs": {}}]},
    ]
    adam = {"name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None,
            "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
            "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
            "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": False}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "functional", "trainable": True, "layers": layers,
                       "input_layers": ["tokens", 0, 0], "output_layers": ["dense", 0, 0]},
            "registered_name": "Functional", "build_config": {"input_shape": None},
            "compile_config": {
                "optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                              "config": adam, "registered_name": None},
                "loss": "sparse_categorical_crossentropy", "loss_weights": None,
                "metrics": ["accuracy"], "weighted_metrics": None, "run_eagerly": False,
                "steps_per_execution": 1, "jit_compile": False}}


def _keras_functional_weights(rng):
    return {"embedding": [rng.standard_normal((10, 4))],
            "lstm/cell": [rng.standard_normal((4, 12)) * 0.5, rng.standard_normal((3, 12)) * 0.5,
                          rng.standard_normal(12) * 0.1],
            "batch_normalization": [rng.uniform(0.5, 1.5, 3), rng.standard_normal(3) * 0.1,
                                    rng.standard_normal(3) * 0.1, rng.uniform(0.5, 2.0, 3)],
            "dense": [rng.standard_normal((3, 2)), rng.standard_normal(2) * 0.1]}


def _write_keras_archive(path, config, weights, optimizer, h5py):
    """A `.keras` file laid out as Keras 3's saving_lib writes it (empty `vars` groups
    included for objects without variables)."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")
        f.create_group("layers/input_layer/vars")
        f.create_group("layers/lstm/vars")
        for name, arrays in list(weights.items()) + [("optimizer", optimizer)]:
            group = f.create_group(("layers/" if name != "optimizer" else "") + name + "/vars")
            for i, array in enumerate(arrays):
                group[str(i)] = np.asarray(array, "int64" if np.ndim(array) == 0 and
                                           isinstance(array, int) else "float32")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.11.3",
                                                      "date_saved": "2025-01-01@00:00:00"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buffer.getvalue())


def _reference_forward(tokens, w):
    """The Keras model's maths in NumPy (LSTM gates i, f, c, o; BatchNormalization at
    inference)."""
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
    x = w["embedding"][0][tokens]
    kernel, recurrent, bias = w["lstm/cell"]
    h = c = np.zeros((len(tokens), 3))
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = sigmoid(z[:, :3]), sigmoid(z[:, 3:6]), np.tanh(z[:, 6:9]), sigmoid(z[:, 9:])
        c = f * c + i * g
        h = o * np.tanh(c)
    gamma, beta, mean, variance = w["batch_normalization"]
    h = (h - mean) / np.sqrt(variance + 1e-3) * gamma + beta
    logits = h @ w["dense"][0] + w["dense"][1]
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_keras_written_functional_model_loads(tmp_path, h5py):
    rng = np.random.default_rng(7)
    weights = _keras_functional_weights(rng)
    # Keras's trainable variables: embeddings, lstm kernel/recurrent/bias, gamma, beta,
    # dense kernel/bias; Adam saves iteration, learning rate, then (m, v) per variable.
    trainable = [weights["embedding"][0]] + weights["lstm/cell"] + \
        weights["batch_normalization"][:2] + weights["dense"]
    slots = [a for v in trainable for a in (rng.standard_normal(np.shape(v)) * 0.01,
                                            rng.uniform(0, 0.01, np.shape(v)))]
    optimizer = [7, 0.001] + slots
    path = str(tmp_path / "keras_made.keras")
    _write_keras_archive(path, _keras_functional_config(), weights, optimizer, h5py)
    model = tf.keras.models.load_model(path)
    tokens = np.random.default_rng(0).integers(0, 10, (4, 5))
    np.testing.assert_allclose(model.predict(tokens, verbose=0),
                               _reference_forward(tokens, weights), rtol=1e-4, atol=1e-5)
    assert [layer.name for layer in model.layers] == \
        ["tokens", "embedding", "lstm", "batch_normalization", "dense"]
    assert model.compiled and isinstance(model.optimizer, tf.keras.optimizers.Adam)
    assert int(model.optimizer.iterations) == 7
    by_name = {v.name: v.numpy() for v in model.optimizer.variables}
    momentum = next(v for k, v in by_name.items() if k.endswith("dense_kernel_momentum"))
    np.testing.assert_allclose(momentum, slots[2 * 6], rtol=1e-6)
    velocity = next(v for k, v in by_name.items() if k.endswith("embeddings_velocity"))
    np.testing.assert_allclose(velocity, slots[1], rtol=1e-6)
    model.fit(tokens, np.array([0, 1, 1, 0]), verbose=0)  # trains on from the saved state
    assert int(model.optimizer.iterations) == 8
    # and tapeflow writes it back in the same layout
    again = str(tmp_path / "again.keras")
    model.save(again)
    assert {n for n in _h5_names(again, h5py) if n.startswith("layers/lstm")} == \
        {"layers/lstm", "layers/lstm/cell", "layers/lstm/cell/vars", "layers/lstm/vars",
         "layers/lstm/cell/vars/0", "layers/lstm/cell/vars/1", "layers/lstm/cell/vars/2"}


def test_keras_written_sequential_convnet_loads(tmp_path, h5py):
    policy = {"trainable": True, "dtype": _policy()}
    config = {"module": "keras", "class_name": "Sequential", "config": {
        "name": "sequential", "trainable": True, "dtype": _policy(), "layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, 6, 6, 2], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "input_layer", "optional": False},
             "registered_name": None},
            {"module": "keras.layers", "class_name": "Conv2D",
             "config": dict(policy, name="conv2d", filters=3, kernel_size=[3, 3],
                            strides=[1, 1], padding="valid", data_format="channels_last",
                            dilation_rate=[1, 1], groups=1, activation="relu", use_bias=True,
                            kernel_initializer=_init("GlorotUniform", {"seed": None}),
                            bias_initializer=_init("Zeros"), kernel_regularizer=None,
                            bias_regularizer=None, activity_regularizer=None,
                            kernel_constraint=None, bias_constraint=None),
             "registered_name": None, "build_config": {"input_shape": [None, 6, 6, 2]}},
            {"module": "keras.layers", "class_name": "MaxPooling2D",
             "config": dict(policy, name="max_pooling2d", pool_size=[2, 2], padding="valid",
                            strides=[2, 2], data_format="channels_last"),
             "registered_name": None},
            {"module": "keras.layers", "class_name": "Flatten",
             "config": dict(policy, name="flatten", data_format="channels_last"),
             "registered_name": None},
            {"module": "keras.layers", "class_name": "Dense",
             "config": dict(policy, name="dense", units=2, activation="linear",
                            use_bias=True,
                            kernel_initializer=_init("GlorotUniform", {"seed": None}),
                            bias_initializer=_init("Zeros"), kernel_regularizer=None,
                            bias_regularizer=None, kernel_constraint=None,
                            bias_constraint=None),
             "registered_name": None, "build_config": {"input_shape": [None, 12]}}],
        "build_input_shape": [None, 6, 6, 2]},
        "registered_name": None, "build_config": {"input_shape": [None, 6, 6, 2]}}
    rng = np.random.default_rng(3)
    kernel, bias = rng.standard_normal((3, 3, 2, 3)), rng.standard_normal(3) * 0.1
    dense = [rng.standard_normal((12, 2)), rng.standard_normal(2)]
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")
        f.create_group("layers/max_pooling2d/vars")
        f.create_group("layers/flatten/vars")
        f["layers/conv2d/vars/0"], f["layers/conv2d/vars/1"] = kernel, bias
        f["layers/dense/vars/0"], f["layers/dense/vars/1"] = dense
    path = str(tmp_path / "conv.keras")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buffer.getvalue())
    model = tf.keras.models.load_model(path)
    assert not model.compiled and model.output_shape == (None, 2)
    x = _x(2, 6, 6, 2)
    conv = np.zeros((2, 4, 4, 3))
    for i in range(4):
        for j in range(4):
            conv[:, i, j] = np.einsum("bhwc,hwco->bo", x[:, i:i + 3, j:j + 3], kernel) + bias
    conv = np.maximum(conv, 0)
    pooled = conv.reshape(2, 2, 2, 2, 2, 3).max(axis=(2, 4))
    expected = pooled.reshape(2, 12) @ dense[0] + dense[1]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_keras_file_with_missing_weights_is_an_error(tmp_path, h5py):
    rng = np.random.default_rng(0)
    weights = _keras_functional_weights(rng)
    weights["dense"] = weights["dense"][:1]
    path = str(tmp_path / "bad.keras")
    _write_keras_archive(path, _keras_functional_config(), weights, [0, 0.001], h5py)
    with pytest.raises(ValueError, match="(?s)1 objects could not be loaded.*'dense' expected "
                                         "2 variables, but received 1"):
        tf.keras.models.load_model(path)


def test_keras_lookup_vocabulary_asset_loads(tmp_path, h5py):
    # Keras keeps an adapted lookup layer's vocabulary out of its config, in
    # assets/<layer path>/vocabulary.txt (IndexLookup.save_assets), special tokens first.
    lookup = L.StringLookup(name="string_lookup")
    lookup.adapt(np.array(["x", "y", "y"]))
    inputs = tf.keras.Input((2,), dtype="string", name="text")
    config = tf.keras.saving.serialize_keras_object(tf.keras.Model(inputs, lookup(inputs)))
    layer_config = config["config"]["layers"][1]["config"]
    layer_config.update(vocabulary=None, idf_weights=None, has_input_vocabulary=False)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars")
    path = str(tmp_path / "lookup.keras")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buffer.getvalue())
        archive.writestr("assets/layers/string_lookup/vocabulary.txt", "[UNK]\nb\na")
    model = tf.keras.models.load_model(path)
    assert model.layers[1].get_vocabulary() == ["[UNK]", "b", "a"]
    np.testing.assert_array_equal(model(np.array([["a", "q"], ["b", "a"]])).numpy(),
                                  [[2, 0], [1, 2]])


@tf.keras.saving.register_keras_serializable(package="tapeflow_tests")
class TableLayer(L.Layer):
    """A layer keeping a table in a file, through Keras's save_assets/load_assets hooks."""

    def __init__(self, table=None, **kwargs):
        super().__init__(**kwargs)
        self.table = table

    def call(self, x):
        return x

    def save_assets(self, folder):
        with open(os.path.join(folder, "table.txt"), "w") as f:
            f.write(" ".join(self.table))

    def load_assets(self, folder):
        with open(os.path.join(folder, "table.txt")) as f:
            self.table = f.read().split()


def test_save_assets_and_load_assets_hooks(tmp_path, h5py):
    model = tf.keras.Sequential([tf.keras.Input((2,)), TableLayer(["a", "b"])])
    path = str(tmp_path / "assets.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[3:] == ["assets/layers/table_layer/table.txt"]
    assert tf.keras.models.load_model(path).layers[0].table == ["a", "b"]
    model.save(str(tmp_path / "folder"), zipped=False)
    assert tf.keras.models.load_model(str(tmp_path / "folder")).layers[0].table == ["a", "b"]


def test_layer_shared_with_a_nested_model_stays_shared(tmp_path, h5py):
    dense = L.Dense(2, name="shared_dense")
    inner = tf.keras.Sequential([tf.keras.Input((2,)), dense], name="inner")
    x = tf.keras.Input((2,))
    model = tf.keras.Model(x, L.Add()([inner(x), dense(x)]))
    path = str(tmp_path / "shared.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert loaded.get_layer("shared_dense") is loaded.get_layer("inner").layers[0]
    assert len(loaded.weights) == 2
    np.testing.assert_array_equal(loaded(_x(3, 2)).numpy(), model(_x(3, 2)).numpy())


# -- files: overwrite, atomic writes, folders, file objects -----------------------------------
def test_overwrite_false_asks_as_keras_does(tmp_path, h5py, monkeypatch):
    path = str(tmp_path / "m.keras")
    first, second = _sequential(), tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(2)])
    first.save(path)
    answers = iter(["maybe", "n"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    second.save(path, overwrite=False)
    assert len(tf.keras.models.load_model(path).layers) == 4  # kept
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    second.save(path, overwrite=False)
    assert len(tf.keras.models.load_model(path).layers) == 1

    def no_terminal(prompt=""):
        raise EOFError
    monkeypatch.setattr("builtins.input", no_terminal)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        first.save(path, overwrite=False)


def test_failed_save_leaves_no_partial_file(tmp_path, h5py, monkeypatch):
    path = str(tmp_path / "m.keras")
    model = _sequential()
    real_writestr = zipfile.ZipFile.writestr

    def failing_writestr(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise OSError("disk full")
        return real_writestr(self, name, data, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(zipfile.ZipFile, "writestr", real_writestr)
    model.save(path)
    before = open(path, "rb").read()
    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(OSError):
        tf.keras.Sequential([tf.keras.Input((4,)), L.Dense(2)]).save(path)
    assert os.listdir(tmp_path) == ["m.keras"] and open(path, "rb").read() == before


def test_unzipped_folder_and_file_objects(tmp_path, h5py):
    model = _sequential()
    folder = str(tmp_path / "saved_model")
    model.save(folder, zipped=False)
    assert sorted(os.listdir(folder)) == ["config.json", "metadata.json", "model.weights.h5"]
    model.save(folder, zipped=False)  # overwrites the folder
    assert _same_weights(model, tf.keras.models.load_model(folder))
    buffer = io.BytesIO()
    tf.keras.saving.save_model(model, buffer)
    buffer.seek(0)
    assert _same_weights(model, tf.keras.saving.load_model(buffer))


# -- errors -----------------------------------------------------------------------------------
def test_wrong_extensions_and_missing_files(tmp_path):
    model = _sequential()
    with pytest.raises(ValueError, match="legacy HDF5 .*not supported.*`.keras`"):
        model.save(str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match="Invalid filepath extension.*`.keras`"):
        model.save(str(tmp_path / "m.tf"))
    with pytest.raises(ValueError, match="legacy HDF5"):
        tf.keras.models.load_model(str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match="File format not supported"):
        tf.keras.models.load_model(str(tmp_path / "saved_model.pb"))
    with pytest.raises(ValueError, match="File not found"):
        tf.keras.models.load_model(str(tmp_path / "missing.keras"))
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a `.keras` zip archive"):
        tf.keras.models.load_model(str(tmp_path / "junk.keras"))
    with pytest.raises(ValueError, match="not supported: \\['foo'\\]"):
        model.save(str(tmp_path / "m.keras"), foo=1)
    assert os.listdir(tmp_path) == ["junk.keras"]


def test_missing_h5py_is_a_clear_import_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # `import h5py` now raises ImportError
    with pytest.raises(ImportError, match="needs the h5py package.*pip install h5py"):
        _sequential().save(str(tmp_path / "m.keras"))
    assert os.listdir(tmp_path) == []


def _double(x):
    return x * 2.0


def test_lambda_layers_need_safe_mode_off(tmp_path, h5py):
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Lambda(lambda x: x * 2.0 + 1.0),
                                 L.Dense(2)])
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    with pytest.raises(ValueError, match="Python lambda.*unsafe.*safe_mode=False"):
        tf.keras.models.load_model(path)
    loaded = tf.keras.models.load_model(path, safe_mode=False)
    x = _x(2, 3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # a named function is saved by name, and found again when known
    named = tf.keras.Sequential([tf.keras.Input((3,)), L.Lambda(_double)])
    named.save(path)
    loaded = tf.keras.models.load_model(path, custom_objects={"_double": _double})
    assert loaded.layers[0].function is _double


def test_serializing_a_bare_lambda_warns_and_safe_mode_refuses_it():
    with pytest.warns(UserWarning, match="includes a `lambda`"):
        config = tf.keras.saving.serialize_keras_object(lambda x: x + 1)
    assert config["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="deserialization of a `lambda`"):
        tf.keras.saving.deserialize_keras_object(config)
    fn = tf.keras.saving.deserialize_keras_object(config, safe_mode=False)
    assert fn(1) == 2


# -- the saving namespace ---------------------------------------------------------------------
def test_registry_and_custom_object_scope():
    @tf.keras.saving.register_keras_serializable(package="pkg", name="Scaled")
    class Scaled(L.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return dict(super().get_config(), factor=self.factor)

    assert tf.keras.saving.get_registered_name(Scaled) == "pkg>Scaled"
    assert tf.keras.saving.get_custom_objects()["pkg>Scaled"] is Scaled
    config = tf.keras.saving.serialize_keras_object(Scaled(3.0))
    assert config["registered_name"] == "pkg>Scaled"
    assert tf.keras.saving.deserialize_keras_object(config).factor == 3.0
    with pytest.raises(ValueError, match="get_config"):
        tf.keras.saving.register_keras_serializable()(type("NoConfig", (), {}))

    def unregistered(x):
        return x
    with tf.keras.saving.custom_object_scope({"unregistered": unregistered}):
        assert tf.keras.saving.get_registered_object("unregistered") is unregistered
    assert tf.keras.saving.get_registered_object("unregistered") is None


def test_special_values_round_trip():
    value = {"array": np.arange(3, dtype="int32"), "tensor": tf.constant([1.5]),
             "slice": slice(1, None, 2), "bytes": b"abc", "ellipsis": Ellipsis,
             "scalar": np.float32(0.5)}
    config = json.loads(json.dumps(tf.keras.saving.serialize_keras_object(value)))
    assert config["array"]["class_name"] == "__numpy__"
    back = tf.keras.saving.deserialize_keras_object(config)
    assert back["array"].dtype == np.int32 and back["array"].tolist() == [0, 1, 2]
    assert back["tensor"].numpy().tolist() == [1.5] and back["slice"] == slice(1, None, 2)
    assert back["bytes"] == b"abc" and back["ellipsis"] is Ellipsis and back["scalar"] == 0.5


def test_model_from_config_revives_a_functional_config_and_utils_aliases():
    inputs = tf.keras.Input((3,), name="x")
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, name="d")(inputs))
    clone = tf.keras.Model.from_config(model.get_config())
    assert type(clone).__name__ == "Functional" and clone.output_shape == (None, 2)
    assert tf.keras.utils.register_keras_serializable is tf.keras.saving.register_keras_serializable
    assert tf.keras.utils.deserialize_keras_object(
        tf.keras.utils.serialize_keras_object(tf.keras.layers.Dense(4))).units == 4
    assert callable(tf.keras.models.save_model)


def test_sequential_starting_with_text_vectorization_round_trip(tmp_path, h5py):
    # Keras builds a Sequential with its first layer's input dtype (TextVectorization's is
    # tf.string); tapeflow built the reloaded model on float zeros, which the layer refuses
    vectorize = tf.keras.layers.TextVectorization(output_sequence_length=4)
    vectorize.adapt(["good movie", "bad movie", "good plot"])
    model = tf.keras.Sequential([vectorize, tf.keras.layers.Embedding(8, 2),
                                 tf.keras.layers.GlobalAveragePooling1D(),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    texts = tf.constant(["good movie", "bad plot"])
    expected = model.predict(texts, verbose=0)
    path = str(tmp_path / "text.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), expected, rtol=1e-6)
    fresh = tf.keras.Sequential([tf.keras.layers.StringLookup(vocabulary=["a", "b"]),
                                 tf.keras.layers.Embedding(4, 2)])
    fresh.build((None, 3))
    assert fresh.output_shape == (None, 3, 2)


_SQUARE_PACKAGE = "tapeflow_tests_activation"


@tf.keras.saving.register_keras_serializable(package=_SQUARE_PACKAGE)
def _square(x):
    return x * x


def test_registered_activation_function_round_trip(tmp_path, h5py):
    # Keras 3 names a custom activation by its registered name ("package>name")
    config = tf.keras.activations.serialize(_square)
    assert config["class_name"] == "function"
    assert config["config"] == "%s>_square" % _SQUARE_PACKAGE
    assert tf.keras.activations.deserialize(config) is _square
    assert tf.keras.activations.get(config) is _square
    assert tf.keras.activations.serialize(tf.keras.activations.relu) == "relu"
    dense = tf.keras.layers.Dense(2, activation=_square)
    assert tf.keras.layers.Dense.from_config(dense.get_config()).activation is _square
    inputs = tf.keras.Input((3,))
    x = tf.keras.layers.Activation(_square)(tf.keras.layers.Dense(4)(inputs))
    model = tf.keras.Model(inputs, dense(x))
    path = str(tmp_path / "act.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded(_x(2, 3)).numpy(), model(_x(2, 3)).numpy(), rtol=1e-6)


def test_load_weights_reads_the_weights_of_a_keras_file(tmp_path, h5py):
    def make():
        inputs = tf.keras.Input((3,))
        return tf.keras.Model(inputs, tf.keras.layers.Dense(2)(inputs))
    model, other = make(), make()
    path = str(tmp_path / "w.keras")
    model.save(path)
    other.load_weights(path)
    assert _same_weights(model, other)
    wrong = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(5)])
    with pytest.raises(ValueError, match="could not be loaded"):
        wrong.load_weights(path)
    with pytest.warns(UserWarning, match="Skipping"):
        wrong.load_weights(path, skip_mismatch=True)
    with pytest.raises(FileNotFoundError):
        other.load_weights(str(tmp_path / "missing.keras"))


def test_to_json_and_model_from_json():
    inputs = tf.keras.Input((3,), name="x")
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, name="d")(inputs), name="m")
    text = model.to_json(indent=2)
    assert json.loads(text)["class_name"] == "Functional"
    rebuilt = tf.keras.models.model_from_json(text)
    assert rebuilt.name == "m" and rebuilt.output_shape == (None, 2)
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in model.weights]
    seq = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    assert tf.keras.models.model_from_json(seq.to_json()).output_shape == (None, 3)
    reg = tf.keras.models.model_from_json(_Registered(2).to_json())
    assert type(reg) is _Registered and reg.units == 2


def test_clone_model_makes_new_layers_with_the_same_architecture():
    x = _x(2, 3)
    seq = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4),
                               tf.keras.layers.Dense(2)])
    clone = tf.keras.models.clone_model(seq)
    assert clone.output_shape == (None, 2)
    assert all(a is not b for a, b in zip(clone.layers, seq.layers))
    clone.set_weights(seq.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), seq(x).numpy(), rtol=1e-6)
    a, b = tf.keras.Input((3,), name="a"), tf.keras.Input((2,), name="b")
    hidden = tf.keras.layers.Dense(4)(a)
    outputs = {"y": tf.keras.layers.Dense(1)(tf.keras.layers.concatenate([hidden, b])),
               "z": tf.keras.layers.Dense(2)(hidden)}
    model = tf.keras.Model([a, b], outputs)
    clone = tf.keras.models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert all(l1 is not l2 for l1, l2 in zip(clone.layers, model.layers))
    clone.set_weights(model.get_weights())
    y1, y2 = model([x, _x(2, 2)]), clone([x, _x(2, 2)])
    np.testing.assert_allclose(y1["y"].numpy(), y2["y"].numpy(), rtol=1e-6)
    shared = tf.keras.models.clone_model(model, clone_function=lambda layer: layer)
    assert shared.layers[2] is model.layers[2]
    with pytest.raises(ValueError, match="clone_function"):
        tf.keras.models.clone_model(_Registered(2), clone_function=lambda layer: layer)
    assert type(tf.keras.models.clone_model(_Registered(2))) is _Registered


def test_an_unregistered_function_in_a_config_is_named_on_loading(tmp_path, h5py):
    def cube(x):
        return x * x * x
    cube.__module__ = "__main__"  # as in a script: found only via custom_objects
    inputs = tf.keras.Input((3,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, activation=cube)(inputs))
    path = str(tmp_path / "cube.keras")
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate function 'cube'"):
        tf.keras.models.load_model(path)
    loaded = tf.keras.models.load_model(path, custom_objects={"cube": cube})
    np.testing.assert_allclose(loaded(_x(2, 3)).numpy(), model(_x(2, 3)).numpy(), rtol=1e-6)
