"""Embedding: lookups, masks, gradients and errors."""
import numpy as np
import pytest

import tapeflow as tf

L = tf.keras.layers


def test_lookup_and_default_initializer_range():
    layer = L.Embedding(7, 3)
    ids = np.array([[1, 6], [0, 1]])
    y = layer(ids).numpy()
    table = layer.embeddings.numpy()
    np.testing.assert_array_equal(y, table[ids])
    assert np.abs(table).max() <= 0.05 and layer.embeddings.path == layer.name + "/embeddings"
    assert layer(ids)._keras_mask is None if hasattr(layer(ids), "_keras_mask") else True


def test_mask_zero_marks_padding():
    layer = L.Embedding(5, 2, mask_zero=True)
    y = layer(np.array([[2, 0, 4]]))
    np.testing.assert_array_equal(y._keras_mask.numpy(), [[True, False, True]])


def test_gradient_adds_up_repeated_ids():
    layer = L.Embedding(4, 2)
    ids = tf.constant([[1, 1, 3]])
    layer(ids)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids))
    grad = tf.convert_to_tensor(tape.gradient(loss, layer.embeddings)).numpy()
    np.testing.assert_array_equal(grad, [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_float_ids_are_accepted_when_integral():
    layer = L.Embedding(4, 2)
    np.testing.assert_array_equal(layer(np.array([1.0, 3.0])).numpy(),
                                  layer.embeddings.numpy()[[1, 3]])
    with pytest.raises(ValueError, match="integer ids"):
        layer(np.array([1.5]))


def test_out_of_range_ids_are_an_error():
    layer = L.Embedding(4, 2, name="vocab")
    with pytest.raises(ValueError, match=r"vocab.*id 4 is outside the vocabulary \[0, 4\)"):
        layer(np.array([[1, 4]]))
    with pytest.raises(ValueError, match="positive"):
        L.Embedding(0, 2)


def test_config_round_trip():
    layer = L.Embedding(10, 3, mask_zero=True)
    clone = L.Embedding.from_config(layer.get_config())
    assert clone.mask_zero and clone.input_dim == 10 and clone.output_dim == 3
