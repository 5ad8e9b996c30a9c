"""SpatialDropout1D/2D and Masking."""
import numpy as np
import pytest

import tapeflow as tf

L = tf.keras.layers


def test_spatial_dropout_2d_drops_whole_feature_maps():
    x = np.ones((4, 5, 5, 16), np.float32)
    y = L.SpatialDropout2D(0.5, seed=3)(x, training=True).numpy()
    per_map = y.reshape(4, 25, 16)
    assert np.all(per_map.min(1) == per_map.max(1))            # constant over each map
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    np.testing.assert_array_equal(L.SpatialDropout2D(0.5)(x).numpy(), x)   # inference


def test_spatial_dropout_channels_first_and_1d():
    x = np.ones((2, 6, 3, 3), np.float32)
    y = L.SpatialDropout2D(0.5, data_format="channels_first", seed=0)(x, training=True).numpy()
    assert np.all(y.reshape(2, 6, 9).min(2) == y.reshape(2, 6, 9).max(2))
    z = L.SpatialDropout1D(0.5, seed=0)(np.ones((2, 7, 4), np.float32), training=True).numpy()
    assert np.all(z.min(1) == z.max(1))
    with pytest.raises(ValueError, match="ndim=4"):
        L.SpatialDropout2D(0.5)(np.ones((2, 3, 4), np.float32))


def test_masking_zeroes_and_masks_padded_steps():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], np.float32)
    y = L.Masking()(x)
    np.testing.assert_array_equal(y._keras_mask.numpy(), [[True, False, True]])
    np.testing.assert_array_equal(y.numpy(), x)
    y = L.Masking(mask_value=1.0)(np.array([[[1.0], [2.0]]], np.float32))
    np.testing.assert_array_equal(y.numpy().ravel(), [0.0, 2.0])


def test_masking_feeds_an_lstm():
    x = np.zeros((1, 4, 2), np.float32)
    x[0, :2] = [[1.0, 2.0], [3.0, 4.0]]
    masked = L.LSTM(3)
    plain = L.LSTM(3)
    out = masked(L.Masking()(x)).numpy()
    plain(x[:, :2])
    plain.set_weights(masked.get_weights())
    np.testing.assert_allclose(out, plain(x[:, :2]).numpy(), rtol=1e-6)
