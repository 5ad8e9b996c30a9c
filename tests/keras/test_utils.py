"""tf.keras.utils: to_categorical, set_random_seed, Progbar."""
import io

import numpy as np
import pytest

import tapeflow as tf

utils = tf.keras.utils


def test_to_categorical():
    out = utils.to_categorical([[1], [0], [2]])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(3, dtype="float32")[[1, 0, 2]])
    assert utils.to_categorical([0, 1], num_classes=4).shape == (2, 4)
    with pytest.raises(ValueError, match="out of range"):
        utils.to_categorical([5], num_classes=3)
    with pytest.raises(ValueError, match="integer class ids"):
        utils.to_categorical([0.5])


def test_set_random_seed_makes_initialisation_and_dropout_repeat():
    def run():
        utils.set_random_seed(42)
        d = tf.keras.layers.Dense(3)
        d(np.ones((1, 2)))
        drop = tf.keras.layers.Dropout(0.5)(np.ones((4, 4), "float32"), training=True)
        return d.kernel.numpy(), drop.numpy(), np.random.rand()
    a, b = run(), run()
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match="integer"):
        utils.set_random_seed(1.5)


def test_progbar_in_custom_loop_prints_final_line():
    bar = utils.Progbar(3, verbose=1)
    bar.stream = buf = io.StringIO()
    bar._dynamic = False
    for i in range(3):
        bar.update(i + 1, values=[("loss", float(i))])
    text = buf.getvalue()
    assert text.count("\n") == 1 and text.startswith("3/3") and "loss: 1.0000" in text
    assert "step" in text


def test_progbar_verbose2_one_line():
    bar = utils.Progbar(2, verbose=2)
    bar.stream = buf = io.StringIO()
    bar.update(1, [("acc", 0.5)])
    bar.update(2, [("acc", 1.0)])
    assert buf.getvalue().startswith("2/2 - ") and "acc: 0.7500" in buf.getvalue()


def test_progbar_redraws_in_place_on_a_terminal():
    bar = utils.Progbar(4, verbose=1, interval=0.0)
    bar.stream = buf = io.StringIO()
    bar._dynamic = True
    for i in range(4):
        bar.update(i + 1, values=[("loss", 1.0)])
    text = buf.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    assert "\x1b[32m" in text and "4/4" in text
