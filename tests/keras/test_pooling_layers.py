"""Pooling layers: values vs NumPy formulas, shapes, masks, errors."""
import itertools

import numpy as np
import pytest

import tapeflow as tf

L = tf.keras.layers
rng = np.random.default_rng(2)


def windows(x, k, s):
    """(N, Ho, Wo, C, k*k) VALID windows by loops."""
    n, h, w, c = x.shape
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, ho, wo, c, k * k))
    for a, b in itertools.product(range(ho), range(wo)):
        window = x[:, a * s:a * s + k, b * s:b * s + k]
        out[:, a, b] = window.reshape(n, k * k, c).transpose(0, 2, 1)
    return out


@pytest.mark.parametrize("pool_size,strides", [(2, None), (3, 1), (3, 2), ((2, 3), (1, 2))])
def test_max_and_average_pooling_2d(pool_size, strides):
    x = rng.standard_normal((2, 7, 7, 3)).astype(np.float32)
    mx = L.MaxPooling2D(pool_size, strides)(x).numpy()
    av = L.AveragePooling2D(pool_size, strides)(x).numpy()
    if isinstance(pool_size, int):
        k, s = pool_size, strides or pool_size
        np.testing.assert_allclose(mx, windows(x, k, s).max(-1), rtol=1e-6)
        np.testing.assert_allclose(av, windows(x, k, s).mean(-1), rtol=1e-5, atol=1e-6)
    assert mx.shape == L.MaxPooling2D(pool_size, strides).compute_output_shape(x.shape)


def test_same_padding_shapes_and_real_input_average():
    x = np.ones((1, 5, 5, 1), np.float32)
    layer = L.AveragePooling2D(2, padding="same")
    y = layer(x)
    assert y.shape == (1, 3, 3, 1) == layer.compute_output_shape(x.shape)
    np.testing.assert_array_equal(y.numpy(), np.ones((1, 3, 3, 1)))  # border windows: 1, not 0.5
    assert L.MaxPooling2D(3, 2, padding="same")(np.ones((1, 6, 5, 2), np.float32)).shape == \
        (1, 3, 3, 2)


def test_pooling_1d_and_channels_first():
    x = rng.standard_normal((2, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(L.MaxPooling1D()(x).numpy(), x.reshape(2, 3, 2, 3).max(2))
    np.testing.assert_allclose(L.AveragePooling1D()(x).numpy(), x.reshape(2, 3, 2, 3).mean(2),
                               rtol=1e-6)
    xc = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    y = L.MaxPooling2D(data_format="channels_first")(xc).numpy()
    np.testing.assert_allclose(y, xc.reshape(2, 3, 2, 2, 2, 2).max((3, 5)))


def test_global_poolings_and_keepdims():
    x = rng.standard_normal((2, 4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).numpy(), x.mean((1, 2)), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling2D()(x).numpy(), x.max((1, 2)))
    assert L.GlobalMaxPooling2D(keepdims=True)(x).shape == (2, 1, 1, 3)
    np.testing.assert_allclose(L.GlobalAveragePooling1D()(x[:, 0]).numpy(), x[:, 0].mean(1),
                               rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling1D()(x[:, 0]).numpy(), x[:, 0].max(1))
    xc = x.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(L.GlobalAveragePooling2D(data_format="channels_first")(xc).numpy(),
                               x.mean((1, 2)), rtol=1e-5)


def test_global_average_pooling_1d_respects_the_mask():
    ids = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
    emb = L.Embedding(8, 2, mask_zero=True)
    vectors = emb(ids)
    pooled = L.GlobalAveragePooling1D()(vectors).numpy()
    table = emb.embeddings.numpy()
    np.testing.assert_allclose(pooled, [(table[3] + table[4]) / 2, table[5]], rtol=1e-6)


def test_max_pooling_gradient_routes_to_the_maximum():
    x = tf.constant(np.array([[1.0, 5.0], [2.0, 3.0]], np.float32).reshape(1, 2, 2, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = L.MaxPooling2D()(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().ravel(), [0, 1, 0, 0])


def test_pooling_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"pool.*ndim=4"):
        L.MaxPooling2D(name="pool")(np.ones((4, 4, 1), np.float32))
    with pytest.raises(ValueError, match=r"small_pool.*\(1, 2, 2, 1\).*larger than the input"):
        L.MaxPooling2D(3, name="small_pool")(np.ones((1, 2, 2, 1), np.float32))
    with pytest.raises(ValueError, match="padding"):
        L.AveragePooling2D(padding="causal")


def test_config_round_trip():
    layer = L.AveragePooling2D((2, 3), (1, 2), padding="same")
    assert L.AveragePooling2D.from_config(layer.get_config()).get_config() == layer.get_config()
