"""Convolution and reshaping layers: values vs NumPy formulas, shapes, gradients, errors."""
import itertools

import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad

L = tf.keras.layers
rng = np.random.default_rng(0)


def loop_conv2d(x, k, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    xp = np.pad(x, ((0, 0),) + pads + ((0, 0),))
    kh, kw, _, cout = k.shape
    ho = (xp.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    wo = (xp.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    y = np.zeros((x.shape[0], ho, wo, cout))
    for a, b, i, j in itertools.product(range(ho), range(wo), range(kh), range(kw)):
        row, col = a * strides[0] + i * dilation[0], b * strides[1] + j * dilation[1]
        y[:, a, b] += xp[:, row, col] @ k[i, j]
    return y


def test_conv2d_forward_matches_loop_with_bias_and_relu():
    layer = L.Conv2D(4, 3, activation="relu", bias_initializer="random_normal")
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    y = layer(x).numpy()
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(y, np.maximum(loop_conv2d(x, k) + b, 0), rtol=1e-5, atol=1e-5)
    assert [w.path for w in layer.weights] == [layer.name + "/kernel", layer.name + "/bias"]


@pytest.mark.parametrize("padding,strides,dilation",
                         list(itertools.product(["valid", "same"], [1, 2, 3], [1, 2])))
def test_conv2d_output_shape_every_combination(padding, strides, dilation):
    if strides > 1 and dilation > 1:
        with pytest.raises(ValueError, match="dilation_rate"):
            L.Conv2D(2, 3, strides=strides, padding=padding, dilation_rate=dilation)
        return
    layer = L.Conv2D(2, 3, strides=strides, padding=padding, dilation_rate=dilation)
    x = np.ones((1, 11, 8, 1), np.float32)
    y = layer(x)
    assert tuple(y.shape) == layer.compute_output_shape(x.shape)
    eff = 2 * dilation + 1
    if padding == "valid":
        expect = (-(-(11 - eff + 1) // strides), -(-(8 - eff + 1) // strides))
    else:
        expect = (-(-11 // strides), -(-8 // strides))
    assert tuple(y.shape) == (1,) + expect + (2,)


def test_conv2d_linear_no_bias_channels_first_and_groups():
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)           # NCHW
    layer = L.Conv2D(6, 3, padding="same", data_format="channels_first", use_bias=False,
                     groups=2)
    y = layer(x).numpy()
    k = layer.kernel.numpy()
    assert k.shape == (3, 3, 2, 6)
    nhwc = x.transpose(0, 2, 3, 1)
    ref = np.concatenate([loop_conv2d(nhwc[..., :2], k[..., :3], pads=((1, 1), (1, 1))),
                          loop_conv2d(nhwc[..., 2:], k[..., 3:], pads=((1, 1), (1, 1)))], -1)
    np.testing.assert_allclose(y, ref.transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-5)


def test_conv1d_causal_sees_only_the_past():
    layer = L.Conv1D(1, 3, padding="causal", use_bias=False, kernel_initializer="ones")
    x = np.arange(5, dtype=np.float32).reshape(1, 5, 1)
    np.testing.assert_allclose(layer(x).numpy().ravel(), [0, 1, 3, 6, 9])
    assert L.Conv1D(2, 3, strides=2)(np.ones((1, 9, 2), np.float32)).shape == (1, 4, 2)


def test_conv2d_transpose_shapes_and_adjointness():
    for padding, strides, out_pad, expect in [("same", 2, None, 10), ("valid", 2, None, 11),
                                              ("valid", 1, None, 7), ("same", 2, 1, 10),
                                              ("valid", 3, 1, 16)]:
        layer = L.Conv2DTranspose(3, 3, strides=strides, padding=padding, output_padding=out_pad)
        y = layer(np.ones((1, 5, 5, 2), np.float32))
        assert y.shape == (1, expect, expect, 3), (padding, strides, out_pad)
    layer = L.Conv2DTranspose(2, 3, strides=2, padding="same", use_bias=False)
    g = rng.standard_normal((1, 3, 3, 4)).astype(np.float32)
    y = layer(g).numpy()
    k = layer.kernel.numpy()                          # (3, 3, 2, 4): out, in channels
    x = rng.standard_normal(y.shape).astype(np.float32)
    conv = tf.nn.conv2d(x, k, 2, "SAME").numpy()      # the forward convolution it transposes
    np.testing.assert_allclose(np.sum(conv * g), np.sum(x * y), rtol=1e-4)


def test_depthwise_and_separable():
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    dw = L.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
    y = dw(x).numpy()
    k = dw.kernel.numpy()
    for c, m in itertools.product(range(3), range(2)):
        ref = loop_conv2d(x[..., c:c + 1], k[:, :, c:c + 1, m:m + 1])[..., 0]
        np.testing.assert_allclose(y[..., 2 * c + m], ref, rtol=1e-4, atol=1e-5)
    sep = L.SeparableConv2D(4, 3, padding="same", bias_initializer="ones")
    y = sep(x).numpy()
    depth = tf.nn.depthwise_conv2d(x, sep.depthwise_kernel, [1, 1, 1, 1], "SAME").numpy()
    ref = depth @ sep.pointwise_kernel.numpy()[0, 0] + 1.0
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)


def test_conv2d_layer_gradients_by_finite_differences():
    layer = L.Conv2D(2, 3, strides=2, padding="same", activation="relu", dtype="float64",
                     bias_initializer="random_normal")
    x = rng.standard_normal((2, 5, 5, 2))
    layer(x)
    kernel, bias = layer.kernel.numpy(), layer.bias.numpy()

    def fn(inputs, k, b):
        layer.kernel.assign(k)
        layer.bias.assign(b)
        return layer(inputs)
    # relu kinks: keep pre-activations away from 0 by construction of a fixed random draw.
    check_grad(lambda inputs: fn(inputs, kernel, bias), x)


def test_reshaping_layers_values():
    x = np.arange(2 * 3 * 3 * 1, dtype=np.float32).reshape(2, 3, 3, 1)
    np.testing.assert_array_equal(L.ZeroPadding2D(((1, 0), (0, 2)))(x).numpy(),
                                  np.pad(x, ((0, 0), (1, 0), (0, 2), (0, 0))))
    np.testing.assert_array_equal(L.UpSampling2D((2, 3))(x).numpy(),
                                  x.repeat(2, axis=1).repeat(3, axis=2))
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (0, 1)))(x).numpy(), x[:, 1:, :2])
    np.testing.assert_array_equal(L.ZeroPadding1D(2)(x[:, 0]).numpy(),
                                  np.pad(x[:, 0], ((0, 0), (2, 2), (0, 0))))
    np.testing.assert_array_equal(L.UpSampling1D(2)(x[:, 0]).numpy(), x[:, 0].repeat(2, axis=1))
    np.testing.assert_array_equal(L.Cropping1D((1, 1))(x[:, 0]).numpy(), x[:, 0, 1:2])
    np.testing.assert_array_equal(L.Permute((2, 1))(x[..., 0]).numpy(),
                                  x[..., 0].transpose(0, 2, 1))
    assert L.RepeatVector(4)(x[:, 0, :, 0]).shape == (2, 4, 3)


def test_upsampling_gradient_sums_each_block():
    x = tf.constant(np.ones((1, 2, 2, 1), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.UpSampling2D(2)(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.full((1, 2, 2, 1), 4.0))


# -- errors --------------------------------------------------------------------------------
def test_wrong_rank_names_the_layer():
    layer = L.Conv2D(2, 3, name="my_conv")
    with pytest.raises(ValueError, match=r"my_conv.*ndim=4.*\(5, 5, 1\)"):
        layer(np.ones((5, 5, 1), np.float32))


def test_channel_mismatch_after_build_names_layer_and_shapes():
    layer = L.Conv2D(2, 3, name="conv_rgb")
    layer(np.ones((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"conv_rgb.*axis -1.*value 3.*\(1, 5, 5, 1\)"):
        layer(np.ones((1, 5, 5, 1), np.float32))


def test_kernel_larger_than_input_with_valid():
    layer = L.Conv2D(2, 5, name="big_kernel")
    with pytest.raises(ValueError, match=r"big_kernel.*\(1, 3, 3, 1\).*larger than the input"):
        layer(np.ones((1, 3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="negative"):
        layer.compute_output_shape((1, 3, 3, 1))


def test_bad_arguments():
    with pytest.raises(ValueError, match="filters"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="groups"):
        L.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="groups"):
        L.Conv2D(4, 3, groups=2)(np.ones((1, 5, 5, 3), np.float32))


def test_get_config_round_trip():
    layer = L.Conv2D(3, (2, 3), strides=(1, 2), padding="same", activation="relu",
                     kernel_regularizer="l2", name="c")
    clone = L.Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.kernel_size == (2, 3) and clone.strides == (1, 2)


def test_digits_cnn_reaches_accuracy_with_fit():
    (x, y), (xt, yt) = tf.keras.datasets.digits.load_data()
    x = (x / 16.0).astype(np.float32)[..., None]
    xt = (xt / 16.0).astype(np.float32)[..., None]
    tf.keras.utils.set_random_seed(0)
    # A reduced version of the digits example (8 filters, 8 epochs: about a second).
    model = tf.keras.Sequential([L.Conv2D(8, 3, padding="same", activation="relu"),
                                 L.MaxPooling2D(), L.Flatten(), L.Dense(32, activation="relu"),
                                 L.Dense(10)])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=64, epochs=8, verbose=0)
    _, accuracy = model.evaluate(xt, yt, verbose=0)
    assert accuracy >= 0.95


def test_kernel_regularizer_adds_its_penalty_to_losses():
    layer = L.Conv2D(2, 3, kernel_regularizer=tf.keras.regularizers.L2(0.1),
                     bias_regularizer="l1")
    layer(np.ones((1, 5, 5, 1), np.float32))
    penalties = sorted(float(p) for p in layer.losses)
    kernel = layer.kernel.numpy()
    np.testing.assert_allclose(penalties, sorted([0.1 * float(np.sum(kernel ** 2)), 0.0]),
                               rtol=1e-5)
