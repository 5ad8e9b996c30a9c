"""The Layer contract: build, tracking, weight order, naming, autocast, errors, masks."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import backend as K

layers = tf.keras.layers


class Scale(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w


class TwoDense(tf.keras.Model):
    def __init__(self):
        super().__init__(name="two")
        self.dense_1 = layers.Dense(4, activation="relu")
        self.dense_2 = layers.Dense(2)

    def call(self, x):
        return self.dense_2(self.dense_1(x))


def test_lazy_build_creates_weights_on_first_call():
    layer = layers.Dense(3)
    assert not layer.built and layer.weights == []
    layer(np.ones((2, 5)))
    assert layer.built
    assert [tuple(w.shape) for w in layer.weights] == [(5, 3), (3,)]
    assert [w.name for w in layer.weights] == ["kernel", "bias"]


def test_auto_names_are_unique_snake_case():
    K.clear_session()
    a, b = layers.Dense(1), layers.Dense(1)
    assert (a.name, b.name) == ("dense", "dense_1")

    class MyFancyLayer(layers.Layer):
        def call(self, x):
            return x
    assert MyFancyLayer().name == "my_fancy_layer"


def test_model_weight_order_and_paths_follow_keras3():
    K.clear_session()
    model = TwoDense()
    assert model.trainable_variables == []
    model(np.ones((3, 5)))
    paths = [v.path for v in model.trainable_variables]
    assert paths == ["two/dense/kernel", "two/dense/bias", "two/dense_1/kernel",
                     "two/dense_1/bias"]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]


def test_tracking_in_lists_dicts_and_later_appends():
    class Stack(layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(2)]
            self.named = {"head": layers.Dense(1)}
            self.blocks.append(layers.Dense(2))

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return self.named["head"](x)

    s = Stack()
    s(np.ones((1, 3)))
    assert len(s.weights) == 6
    # Layers in a container are ordered by the container's position (Keras 3 orders a layer
    # appended later by the time of the append; tapeflow by where the list was assigned).
    assert [tuple(w.shape) for w in s.weights] == [(3, 2), (2,), (2, 2), (2,), (2, 1), (1,)]
    assert len(s._layers) == 3


def test_own_weights_come_before_sublayer_weights_and_non_trainable_after_trainable():
    class Mixed(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layers.Dense(2)

        def build(self, input_shape):
            self.counter = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                           name="counter")
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, x):
            return self.inner(x) * self.scale

    m = Mixed()
    m(np.ones((1, 3)))
    assert [w.name for w in m.weights] == ["scale", "counter", "kernel", "bias"]
    assert [w.name for w in m.trainable_weights] == ["scale", "kernel", "bias"]
    assert [w.name for w in m.non_trainable_weights] == ["counter"]


def test_trainable_switch_is_recursive():
    model = TwoDense()
    model(np.ones((1, 3)))
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4
    assert not model.dense_1.trainable and not model.dense_1.kernel.trainable
    model.trainable = True
    assert len(model.trainable_weights) == 4
    model.dense_2.trainable = False
    assert [v.path.split("/")[-1] for v in model.trainable_weights] == ["kernel", "bias"]
    assert len(model.non_trainable_weights) == 2


def test_autocast_float64_to_float32_and_ints_untouched():
    out = Scale()(np.ones((2, 3)))  # float64 NumPy
    assert out.dtype == tf.float32

    class Echo(layers.Layer):
        def call(self, x):
            return x
    assert Echo()(np.ones((2,), dtype="int64")).dtype == tf.int64
    assert Echo()(tf.constant([1.0], dtype=tf.float64)).dtype == tf.float32
    assert Echo(dtype="float64")(np.ones(2, "float32")).dtype == tf.float64


def test_dense_matches_numpy_formula():
    layer = layers.Dense(3, activation="relu")
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    out = layer(x).numpy()
    k, b = layer.get_weights()
    np.testing.assert_allclose(out, np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)


def test_dense_on_rank3_contracts_last_axis():
    layer = layers.Dense(2, use_bias=False)
    x = np.ones((2, 3, 4), "float32")
    assert layer(x).shape == (2, 3, 2)
    assert len(layer.weights) == 1


def test_glorot_uniform_kernel_within_limit():
    layer = layers.Dense(50)
    layer(np.ones((1, 30)))
    limit = np.sqrt(6.0 / 80)
    k = layer.kernel.numpy()
    assert np.all(np.abs(k) <= limit) and k.std() > limit / 3
    assert np.all(layer.bias.numpy() == 0)


def test_forgot_super_init_gives_friendly_error():
    class Bad(layers.Layer):
        def __init__(self):
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)
    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Bad()(np.ones((1, 2)))


def test_unknown_kwargs_and_bad_names_rejected():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(2, foo=1)
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        layers.Dense(2, name="a/b")
    with pytest.raises(ValueError, match="expected a positive integer"):
        layers.Dense(0)


def test_input_spec_min_ndim_error():
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        layers.Dense(2)(np.ones(3))
    d = layers.Dense(2)
    d(np.ones((1, 3)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        d(np.ones((1, 4)))


def test_positional_python_scalar_rejected():
    with pytest.raises(ValueError, match="Only input tensors may be passed as positional"):
        Scale()(1.0)


def test_set_weights_errors_and_roundtrip():
    d = layers.Dense(2, name="dd")
    d(np.ones((1, 3)))
    with pytest.raises(ValueError, match="with a weight list of length 1, but the layer was "
                                         "expecting 2 weights"):
        d.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"Layer dd weight shape \(3, 2\) is not compatible "
                                         r"with provided weight shape \(2, 2\)"):
        d.set_weights([np.ones((2, 2)), np.ones(2)])
    d.set_weights([np.full((3, 2), 2.0), np.ones(2)])
    np.testing.assert_allclose(d(np.ones((1, 3))).numpy(), [[7.0, 7.0]])


def test_count_params_requires_build():
    d = layers.Dense(2)
    with pytest.raises(ValueError, match="isn't built"):
        d.count_params()
    d(np.ones((1, 3)))
    assert d.count_params() == 8


def test_training_flag_propagates_to_nested_layers():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.p = Probe()

        def call(self, x):
            return self.p(x)

    m = Outer()
    m(np.ones((1, 1)), training=True)
    m(np.ones((1, 1)))
    m(np.ones((1, 1)), training=False)
    assert seen == [True, None, False]


def test_dropout_only_in_training_and_scales_kept_units():
    drop = layers.Dropout(0.5, seed=1)
    x = np.ones((200, 50), "float32")
    assert np.all(drop(x).numpy() == 1)
    out = drop(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert 0.4 < (out == 0).mean() < 0.6


def test_regularizer_losses_and_add_loss():
    d = layers.Dense(2, kernel_regularizer=tf.keras.regularizers.L2(0.1),
                     kernel_initializer="ones")
    d(np.ones((1, 3)))
    assert len(d.losses) == 1
    np.testing.assert_allclose(float(d.losses[0]), 0.1 * 6, rtol=1e-6)

    class Penalty(layers.Layer):
        def call(self, x):
            self.add_loss(tf.reduce_sum(x))
            return x
    p = Penalty()
    p(np.ones((2, 2)))
    p(np.ones((2, 2)))
    assert len(p.losses) == 1 and float(p.losses[0]) == 4.0  # cleared on each outer call


def test_masks_flow_to_layers_that_accept_them():
    got = []

    class MakeMask(layers.Layer):
        supports_masking = True

        def compute_mask(self, inputs, mask=None):
            return tf.constant([True, False])

        def call(self, x):
            return x

    class UseMask(layers.Layer):
        def call(self, x, mask=None):
            got.append(mask)
            return x

    out = MakeMask()(np.ones((2, 3)))
    assert out._keras_mask.numpy().tolist() == [True, False]
    UseMask()(out)
    assert got[0].numpy().tolist() == [True, False]


def test_get_config_from_config_roundtrip():
    d = layers.Dense(5, activation="tanh", use_bias=False, name="cfg")
    d2 = layers.Dense.from_config(d.get_config())
    assert (d2.units, d2.use_bias, d2.name) == (5, False, "cfg")
    assert d2.activation is tf.keras.activations.tanh


def test_core_layers_shapes_and_values():
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    assert layers.Flatten()(x).shape == (2, 12)
    assert layers.Reshape((4, -1))(x).shape == (2, 4, 3)
    np.testing.assert_allclose(layers.Activation("relu")(x - 5).numpy(), np.maximum(x - 5, 0))
    np.testing.assert_allclose(layers.Lambda(lambda t: t * 2)(x).numpy(), x * 2)
    assert layers.Identity()(x).numpy().tolist() == x.tolist()
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape((5,))(x)


def test_model_layers_attribute_is_reserved():
    class Bad(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.layers = [layers.Dense(1)]
    with pytest.raises(AttributeError, match="reserved"):
        Bad()


def test_model_without_call_raises():
    with pytest.raises(NotImplementedError, match="does not have a `call\\(\\)` method"):
        tf.keras.Model()(np.ones((1, 1)))


def test_explicit_build_marks_built_and_nested_number_lists_convert():
    d = layers.Dense(3)
    d.build((None, 4))
    assert d.built and d.count_params() == 15 and d.weights[0].path == "%s/kernel" % d.name
    assert layers.Dense(2)([[1.0, 2.0]]).dtype == tf.float32
    with pytest.raises(ValueError, match="Only input tensors may be passed"):
        layers.Dense(2)([1.0, 2.0])


def test_variable_naming_and_repr_follow_keras3():
    d = layers.Dense(1, name="head")
    d(np.ones((1, 2)))
    assert d.kernel.name == "kernel" and d.kernel.path == "head/kernel"
    assert repr(d.bias).startswith("<Variable path=head/bias, shape=(1,), dtype=float32")


def test_variables_assigned_as_attributes_are_tracked_and_frozen():
    class Plain(layers.Layer):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(np.ones(2, "float32"))
            self.steps = tf.Variable(0.0, trainable=False)

        def call(self, x):
            return x * self.w

    p = Plain()
    assert len(p.trainable_weights) == 1 and len(p.non_trainable_weights) == 1
    p.trainable = False
    assert p.trainable_weights == [] and not p.w.trainable
    p.trainable = True
    assert p.w.trainable and not p.steps.trainable


def test_second_positional_input_is_autocast_too():
    class AddBoth(layers.Layer):
        def call(self, a, b):
            return a + b
    out = AddBoth()(np.ones((2, 2)), np.ones((2, 2)))  # both float64 NumPy
    assert out.dtype == tf.float32 and out.numpy().tolist() == [[2.0, 2.0], [2.0, 2.0]]
    layer = AddBoth()
    layer(np.ones((1, 1), "float32"), np.ones((1, 1), "float32"))
    assert layer(np.ones((1, 1)), np.ones((1, 1))).dtype == tf.float32


class _PairWithMask(layers.Layer):
    """Keras's translation example's decoder: called on [x, context], reads both masks."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = None

    def call(self, inputs, mask=None):
        self.seen = mask
        return inputs[0] + tf.reduce_mean(inputs[1], axis=1, keepdims=True)


def test_a_layer_called_on_a_list_gets_the_mask_of_each_input():
    embed_a, embed_b = layers.Embedding(10, 2, mask_zero=True), layers.Embedding(10, 2,
                                                                                 mask_zero=True)
    a, b = np.array([[1, 2, 0]]), np.array([[3, 0, 0, 0]])
    pair = _PairWithMask()
    out = pair([embed_a(a), embed_b(b)])
    assert [m.numpy().tolist() for m in pair.seen] == [[[True, True, False]],
                                                       [[True, False, False, False]]]
    assert out._keras_mask.numpy().tolist() == [[True, True, False]]  # the first input's
    pair([embed_a(a), tf.ones((1, 4, 2))])
    assert pair.seen[0] is not None and pair.seen[1] is None
    pair([tf.ones((1, 3, 2)), tf.ones((1, 4, 2))])
    assert pair.seen is None
    inputs = [tf.keras.Input((None,), dtype="int32"), tf.keras.Input((None,), dtype="int32")]
    model = tf.keras.Model(inputs, _PairWithMask()([embed_a(inputs[0]), embed_b(inputs[1])]))
    model([a, b])
    assert [m.numpy().tolist() for m in model.layers[-1].seen][1] == [[True, False, False, False]]
