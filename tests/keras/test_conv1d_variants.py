"""Conv1DTranspose, DepthwiseConv1D and SeparableConv1D: the 2-D layers on a height-1 image."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, rand

L = tf.keras.layers
rng = np.random.default_rng(0)


def _depthwise_1d_reference(x, kernel, stride, dilation):
    """Plain loops: out[n, t, c·m + j] = Σ_k x[n, t·stride + k·dilation, c] · kernel[k, c, j]."""
    n, steps, channels = x.shape
    k, _, mult = kernel.shape
    out_steps = (steps - (k - 1) * dilation - 1) // stride + 1
    out = np.zeros((n, out_steps, channels * mult))
    for t in range(out_steps):
        for c in range(channels):
            for j in range(mult):
                out[:, t, c * mult + j] = sum(x[:, t * stride + i * dilation, c] * kernel[i, c, j]
                                              for i in range(k))
    return out


@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), (1, 2)])
def test_depthwise_conv1d_matches_the_reference(stride, dilation):
    x = rng.standard_normal((2, 11, 3))
    layer = L.DepthwiseConv1D(3, strides=stride, dilation_rate=dilation, depth_multiplier=2,
                              bias_initializer="ones", dtype="float64")
    y = layer(x).numpy()
    np.testing.assert_allclose(
        y, _depthwise_1d_reference(x, layer.kernel.numpy(), stride, dilation) + 1.0, rtol=1e-12)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]


@pytest.mark.parametrize("layer_1d,layer_2d,weights", [
    (lambda: L.SeparableConv1D(4, 3, padding="same", depth_multiplier=2),
     lambda: L.SeparableConv2D(4, (1, 3), padding="same", depth_multiplier=2), 3),
    (lambda: L.Conv1DTranspose(4, 3, strides=2, padding="same"),
     lambda: L.Conv2DTranspose(4, (1, 3), strides=(1, 2), padding="same"), 2),
    (lambda: L.Conv1DTranspose(2, 4, strides=3, padding="valid", output_padding=1),
     lambda: L.Conv2DTranspose(2, (1, 4), strides=(1, 3), padding="valid",
                               output_padding=(0, 1)), 2),
])
def test_1d_layers_equal_their_2d_layer_on_a_height_1_image(layer_1d, layer_2d, weights):
    x = rng.standard_normal((2, 7, 3)).astype("float32")
    one, two = layer_1d(), layer_2d()
    one(x)
    two(x[:, None])
    assert len(one.weights) == weights
    for w1, w2 in zip(one.weights, two.weights):
        w2.assign(np.asarray(w1.numpy()).reshape(w2.shape))
    np.testing.assert_allclose(one(x).numpy(), two(x[:, None]).numpy()[:, 0], rtol=1e-5,
                               atol=1e-6)
    assert tuple(one(x).shape) == one.compute_output_shape((2, 7, 3))


def test_channels_first_is_the_transpose_of_channels_last():
    x = rng.standard_normal((2, 9, 3)).astype("float32")
    last = L.SeparableConv1D(4, 3, depth_multiplier=2)
    first = L.SeparableConv1D(4, 3, depth_multiplier=2, data_format="channels_first")
    last(x)
    first(np.transpose(x, (0, 2, 1)))
    for a, b in zip(first.weights, last.weights):
        a.assign(b.numpy())
    np.testing.assert_allclose(first(np.transpose(x, (0, 2, 1))).numpy(),
                               np.transpose(last(x).numpy(), (0, 2, 1)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: L.DepthwiseConv1D(3, depth_multiplier=2, dtype="float64"),
    lambda: L.SeparableConv1D(2, 3, dtype="float64"),
    lambda: L.Conv1DTranspose(2, 3, strides=2, dtype="float64"),
])
def test_gradients_by_finite_differences(make):
    layer = make()
    x = rand(2, 6, 3)
    layer(x)
    weights = [w.numpy() for w in layer.weights]

    def fn(inputs, *values):
        for w, v in zip(layer.weights, values):
            w.assign(v)
        return layer(inputs)
    check_grad(fn, x, *weights, wrt=[0])
    for w in layer.weights:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        assert tape.gradient(loss, w) is not None


def test_config_round_trip_and_bad_arguments():
    for layer in (L.DepthwiseConv1D(3, depth_multiplier=2), L.SeparableConv1D(4, 3),
                  L.Conv1DTranspose(4, 3, strides=2, output_padding=1)):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
    for make in (lambda: L.DepthwiseConv1D(3, padding="causal"),
                 lambda: L.SeparableConv1D(2, 3, padding="causal"),
                 lambda: L.Conv1DTranspose(2, 3, padding="causal")):
        with pytest.raises(ValueError, match="causal"):
            make()
    with pytest.raises(ValueError, match="output padding"):
        L.Conv1DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="rank 3"):
        L.DepthwiseConv1D(3)(tf.ones((2, 5, 5, 3)))
    assert L.Convolution1DTranspose is L.Conv1DTranspose
    assert L.SeparableConvolution1D is L.SeparableConv1D
