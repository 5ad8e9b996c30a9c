"""Subclassed Model: build(), get_layer, metrics, nested models."""
import numpy as np
import pytest

import tapeflow as tf


class Net(tf.keras.Model):
    def __init__(self):
        super().__init__(name="net")
        self.hidden = tf.keras.layers.Dense(8, activation="relu", name="hidden")
        self.out = tf.keras.layers.Dense(3, name="out")
        self.tracker = tf.keras.metrics.Mean(name="tracked")

    def call(self, x, training=False):
        return self.out(self.hidden(x))


def test_build_with_shape_creates_weights():
    m = Net()
    m.build((None, 5))
    assert m.built and [tuple(v.shape) for v in m.weights] == [(5, 8), (8,), (8, 3), (3,)]
    assert m.count_params() == 5 * 8 + 8 + 8 * 3 + 3


def test_get_layer_and_layers():
    m = Net()
    assert [layer.name for layer in m.layers] == ["hidden", "out"]
    assert m.get_layer("out") is m.out and m.get_layer(index=0) is m.hidden
    with pytest.raises(ValueError, match="No such layer: nope"):
        m.get_layer("nope")


def test_metrics_include_tracked_metric_objects_and_not_their_weights():
    m = Net()
    m(np.ones((2, 5)))
    assert len(m.weights) == 4
    m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    names = [x.name for x in m.metrics]
    assert names[0] == "loss" and "tracked" in names


def test_nested_models_collect_weights_and_train():
    inner = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu")], name="inner")

    class Outer(tf.keras.Model):
        def __init__(self):
            super().__init__(name="outer")
            self.body = inner
            self.head = tf.keras.layers.Dense(1)

        def call(self, x):
            return self.head(self.body(x))

    m = Outer()
    x = np.random.default_rng(0).standard_normal((32, 3))
    y = x.sum(1, keepdims=True)
    m.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    h = m.fit(x, y, epochs=10, verbose=0)
    assert len(m.trainable_weights) == 4
    assert m.trainable_weights[0].path == "outer/inner/%s/kernel" % inner.layers[0].name
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_freezing_a_layer_keeps_its_weights_fixed_in_fit():
    m = Net()
    m(np.ones((2, 5)))
    m.hidden.trainable = False
    frozen = m.hidden.kernel.numpy()
    m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    m.fit(np.ones((8, 5)), np.ones((8, 3)), epochs=2, verbose=0)
    np.testing.assert_array_equal(m.hidden.kernel.numpy(), frozen)
