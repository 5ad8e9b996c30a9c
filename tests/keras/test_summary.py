"""model.summary(): Keras 3's table, totals, and the unbuilt case."""
import numpy as np

import tapeflow as tf


def _lines(model, **kw):
    out = []
    model.summary(print_fn=out.append, **kw)
    return out


def test_sequential_summary_table():
    m = tf.keras.Sequential([tf.keras.Input((32,)), tf.keras.layers.Dense(64, name="d1"),
                             tf.keras.layers.Dense(10, name="d2")], name="seq")
    lines = _lines(m)
    assert lines[0] == 'Model: "seq"'
    assert "Layer (type)" in lines[2] and "Output Shape" in lines[2] and "Param #" in lines[2]
    text = "\n".join(lines)
    assert "│ d1 (Dense)" in text and "(None, 64)" in text and "2,112 │" in text
    assert "650 │" in text
    assert " Total params: 2,762 (10.79 KB)" in lines
    assert " Trainable params: 2,762 (10.79 KB)" in lines
    assert " Non-trainable params: 0 (0.00 B)" in lines


def test_unbuilt_model_shows_unbuilt_rows_without_error():
    class M(tf.keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d = tf.keras.layers.Dense(3, name="dd")

        def call(self, x):
            return self.d(x)
    m = M()
    text = "\n".join(_lines(m))
    assert "0 (unbuilt)" in text and "│ ?" in text
    m(np.ones((5, 2)))
    text = "\n".join(_lines(m))
    assert "(5, 3)" in text and "9 │" in text


def test_frozen_layer_counts_as_non_trainable():
    m = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(2),
                             tf.keras.layers.Dense(1)])
    m.layers[0].trainable = False
    lines = _lines(m)
    assert " Trainable params: 3 (12.00 B)" in lines
    assert " Non-trainable params: 6 (24.00 B)" in lines
