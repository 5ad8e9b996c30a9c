"""Volumetric (3-D) layers: values vs loops and the tf.nn ops, shapes, weights, configs,
training, errors."""
import itertools

import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad

L = tf.keras.layers
rng = np.random.default_rng(3)


def loop_conv3d(x, k, strides=(1, 1, 1), pads=((0, 0),) * 3):
    xp = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))
    out = [(xp.shape[1 + a] - k.shape[a]) // strides[a] + 1 for a in range(3)]
    y = np.zeros((x.shape[0],) + tuple(out) + (k.shape[4],))
    for o in itertools.product(*(range(n) for n in out)):
        for t in itertools.product(*(range(n) for n in k.shape[:3])):
            at = tuple(o[a] * strides[a] + t[a] for a in range(3))
            y[(slice(None),) + o] += xp[(slice(None),) + at] @ k[t]
    return y


# -- Conv3D --------------------------------------------------------------------------------
def test_conv3d_forward_matches_loop_with_bias_and_relu():
    layer = L.Conv3D(4, (3, 2, 3), strides=(1, 2, 1), activation="relu",
                     bias_initializer="random_normal")
    x = rng.standard_normal((2, 5, 6, 5, 3)).astype(np.float32)
    y = layer(x).numpy()
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    assert k.shape == (3, 2, 3, 3, 4) and b.shape == (4,)
    np.testing.assert_allclose(y, np.maximum(loop_conv3d(x, k, (1, 2, 1)) + b, 0), rtol=1e-5,
                               atol=1e-5)
    assert [w.path for w in layer.weights] == [layer.name + "/kernel", layer.name + "/bias"]
    assert layer.name.startswith("conv3d") and y.dtype == np.float32


@pytest.mark.parametrize("padding,strides,dilation",
                         list(itertools.product(["valid", "same"], [1, 2, 3], [1, 2])))
def test_conv3d_output_shape_every_combination(padding, strides, dilation):
    if strides > 1 and dilation > 1:
        with pytest.raises(ValueError, match="dilation_rate"):
            L.Conv3D(2, 3, strides=strides, padding=padding, dilation_rate=dilation)
        return
    layer = L.Conv3D(2, 3, strides=strides, padding=padding, dilation_rate=dilation)
    x = np.ones((1, 9, 11, 8, 1), np.float32)
    y = layer(x)
    assert tuple(y.shape) == layer.compute_output_shape(x.shape)
    eff = 2 * dilation + 1
    if padding == "valid":
        expect = tuple(-(-(n - eff + 1) // strides) for n in (9, 11, 8))
    else:
        expect = tuple(-(-n // strides) for n in (9, 11, 8))
    assert tuple(y.shape) == (1,) + expect + (2,)
    assert layer.compute_output_shape((None, 9, 11, 8, 1)) == (None,) + expect + (2,)


def test_conv3d_channels_first_no_bias_and_groups_match_the_op():
    x = rng.standard_normal((2, 4, 3, 5, 4)).astype(np.float32)           # NCDHW
    layer = L.Conv3D(6, 3, padding="same", data_format="channels_first", use_bias=False,
                     groups=2)
    y = layer(x).numpy()
    k = layer.kernel.numpy()
    assert k.shape == (3, 3, 3, 2, 6) and layer.weights == [layer.kernel]
    xl = x.transpose(0, 2, 3, 4, 1)
    same = ((1, 1),) * 3
    ref = np.concatenate([loop_conv3d(xl[..., :2], k[..., :3], pads=same),
                          loop_conv3d(xl[..., 2:], k[..., 3:], pads=same)], -1)
    np.testing.assert_allclose(y, ref.transpose(0, 4, 1, 2, 3), rtol=1e-4, atol=1e-5)
    assert y.shape == layer.compute_output_shape(x.shape)


def test_conv3d_channels_first_bias_goes_on_the_channel_axis():
    layer = L.Conv3D(3, 1, data_format="channels_first", kernel_initializer="zeros",
                     bias_initializer="random_normal")
    y = layer(np.ones((1, 2, 2, 2, 2), np.float32)).numpy()
    np.testing.assert_allclose(y, np.broadcast_to(layer.bias.numpy()[:, None, None, None],
                                                  (1, 3, 2, 2, 2)))


def test_conv3d_layer_gradients_by_finite_differences():
    layer = L.Conv3D(2, 2, strides=(1, 2, 1), padding="same", activation="tanh",
                     dtype="float64", bias_initializer="random_normal")
    x = rng.standard_normal((2, 3, 4, 3, 2))
    layer(x)
    check_grad(lambda inputs: layer(inputs), x)

    def fn(k, b):
        layer.kernel.assign(k)
        layer.bias.assign(b)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        return loss, tape.gradient(loss, [layer.kernel, layer.bias])
    k0, b0 = layer.kernel.numpy(), layer.bias.numpy()
    _, (gk, gb) = fn(k0, b0)
    v = rng.standard_normal(k0.shape)
    eps = 1e-6
    numeric = (float(fn(k0 + eps * v, b0)[0]) - float(fn(k0 - eps * v, b0)[0])) / (2 * eps)
    np.testing.assert_allclose(np.sum(gk.numpy() * v), numeric, rtol=1e-5)
    assert gb.shape == (2,)


# -- Conv3DTranspose -----------------------------------------------------------------------
def test_conv3d_transpose_shapes_weights_and_adjointness():
    for padding, strides, out_pad, expect in [("same", 2, None, 10), ("valid", 2, None, 11),
                                              ("valid", 1, None, 7), ("same", 2, 1, 10),
                                              ("valid", 3, 1, 16)]:
        layer = L.Conv3DTranspose(3, 3, strides=strides, padding=padding, output_padding=out_pad)
        y = layer(np.ones((1, 5, 5, 5, 2), np.float32))
        assert y.shape == (1, expect, expect, expect, 3), (padding, strides, out_pad)
        assert tuple(y.shape) == layer.compute_output_shape((1, 5, 5, 5, 2))
        assert tuple(layer.kernel.shape) == (3, 3, 3, 3, 2) and tuple(layer.bias.shape) == (3,)
    layer = L.Conv3DTranspose(2, (3, 2, 3), strides=2, padding="same", use_bias=False)
    g = rng.standard_normal((1, 3, 2, 3, 4)).astype(np.float32)
    y = layer(g).numpy()
    k = layer.kernel.numpy()                           # (3, 2, 3, 2, 4): out, in channels
    x = rng.standard_normal(y.shape).astype(np.float32)
    conv = tf.nn.conv3d(x, k, 2, "SAME").numpy()       # the forward convolution it transposes
    np.testing.assert_allclose(np.sum(conv * g), np.sum(x * y), rtol=1e-4)


def test_conv3d_transpose_channels_first_matches_channels_last():
    x = rng.standard_normal((2, 3, 2, 3, 4)).astype(np.float32)
    last = L.Conv3DTranspose(3, 2, strides=(2, 1, 2), bias_initializer="random_normal")
    first = L.Conv3DTranspose(3, 2, strides=(2, 1, 2), data_format="channels_first")
    y = last(x).numpy()
    first.build((2, 4, 3, 2, 3))
    first.set_weights(last.get_weights())
    y_first = first(x.transpose(0, 4, 1, 2, 3)).numpy()
    np.testing.assert_allclose(y_first, y.transpose(0, 4, 1, 2, 3), rtol=1e-5, atol=1e-5)


# -- pooling -------------------------------------------------------------------------------
@pytest.mark.parametrize("pool_size,strides,padding", [
    (2, None, "valid"), (3, 1, "valid"), ((2, 3, 2), (1, 2, 2), "same"), (3, 2, "same")])
def test_pooling_layers_match_the_ops(pool_size, strides, padding):
    x = rng.standard_normal((2, 5, 7, 6, 3)).astype(np.float32)
    ps = (pool_size,) * 3 if isinstance(pool_size, int) else pool_size
    st = ps if strides is None else ((strides,) * 3 if isinstance(strides, int) else strides)
    for layer, op in [(L.MaxPooling3D(pool_size, strides, padding), tf.nn.max_pool3d),
                      (L.AveragePooling3D(pool_size, strides, padding), tf.nn.avg_pool3d)]:
        y = layer(x)
        np.testing.assert_array_equal(y.numpy(), op(x, ps, st, padding.upper()).numpy())
        assert tuple(y.shape) == layer.compute_output_shape(x.shape)


def test_pooling_values_and_channels_first():
    x = rng.standard_normal((2, 4, 4, 6, 3)).astype(np.float32)
    blocks = x.reshape(2, 2, 2, 2, 2, 3, 2, 3)
    np.testing.assert_array_equal(L.MaxPooling3D()(x).numpy(), blocks.max((2, 4, 6)))
    np.testing.assert_allclose(L.AveragePooling3D()(x).numpy(), blocks.mean((2, 4, 6)),
                               rtol=1e-5, atol=1e-6)
    xc = x.transpose(0, 4, 1, 2, 3)
    y = L.MaxPooling3D(data_format="channels_first")(xc).numpy()
    np.testing.assert_array_equal(y, blocks.max((2, 4, 6)).transpose(0, 4, 1, 2, 3))
    y = L.AveragePooling3D(padding="same")(np.ones((1, 3, 3, 3, 1), np.float32))
    np.testing.assert_array_equal(y.numpy(), np.ones((1, 2, 2, 2, 1)))  # real inputs only


def test_global_poolings_and_keepdims():
    x = rng.standard_normal((2, 3, 4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(x).numpy(), x.mean((1, 2, 3)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(L.GlobalMaxPooling3D()(x).numpy(), x.max((1, 2, 3)))
    layer = L.GlobalMaxPooling3D(keepdims=True)
    assert layer(x).shape == (2, 1, 1, 1, 3) == layer.compute_output_shape(x.shape)
    xc = x.transpose(0, 4, 1, 2, 3)
    layer = L.GlobalAveragePooling3D(data_format="channels_first", keepdims=True)
    y = layer(xc)
    assert y.shape == (2, 3, 1, 1, 1) == layer.compute_output_shape(xc.shape)
    np.testing.assert_allclose(y.numpy()[:, :, 0, 0, 0], x.mean((1, 2, 3)), rtol=1e-5,
                               atol=1e-6)


# -- reshaping -----------------------------------------------------------------------------
def test_reshaping_layers_values_and_shapes():
    x = np.arange(2 * 2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 2, 3, 2, 2)
    pad = L.ZeroPadding3D(((1, 0), 2, (0, 1)))
    np.testing.assert_array_equal(pad(x).numpy(),
                                  np.pad(x, ((0, 0), (1, 0), (2, 2), (0, 1), (0, 0))))
    assert pad.compute_output_shape(x.shape) == (2, 3, 7, 3, 2)
    up = L.UpSampling3D((2, 1, 3))
    np.testing.assert_array_equal(up(x).numpy(), x.repeat(2, 1).repeat(3, 3))
    assert up.compute_output_shape(x.shape) == (2, 4, 3, 6, 2)
    crop = L.Cropping3D(((1, 0), (0, 1), 0))
    np.testing.assert_array_equal(crop(x).numpy(), x[:, 1:, :2])
    assert crop.compute_output_shape(x.shape) == (2, 1, 2, 2, 2)
    assert L.ZeroPadding3D()(x).shape == (2, 4, 5, 4, 2)        # Keras defaults: 1 everywhere
    assert L.UpSampling3D()(x).shape == (2, 4, 6, 4, 2)
    assert L.Cropping3D()(np.ones((1, 3, 3, 3, 1))).shape == (1, 1, 1, 1, 1)


def test_reshaping_layers_channels_first():
    x = rng.standard_normal((1, 2, 3, 4, 2)).astype(np.float32)   # NCDHW
    np.testing.assert_array_equal(
        L.ZeroPadding3D(1, data_format="channels_first")(x).numpy(),
        np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1), (1, 1))))
    np.testing.assert_array_equal(L.UpSampling3D(2, data_format="channels_first")(x).numpy(),
                                  x.repeat(2, 2).repeat(2, 3).repeat(2, 4))
    np.testing.assert_array_equal(
        L.Cropping3D(((1, 0), 1, (0, 1)), data_format="channels_first")(x).numpy(),
        x[:, :, 1:, 1:3, :1])


def test_upsampling3d_gradient_sums_each_block():
    x = tf.constant(np.ones((1, 2, 2, 2, 1), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.UpSampling3D((2, 1, 3))(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.full((1, 2, 2, 2, 1), 6.0))


# -- config, aliases, training -------------------------------------------------------------
@pytest.mark.parametrize("layer", [
    L.Conv3D(3, (2, 3, 1), strides=(1, 2, 1), padding="same", activation="relu", groups=1,
             kernel_regularizer="l2", data_format="channels_first", name="c"),
    L.Conv3DTranspose(2, 3, strides=2, padding="same", output_padding=1, name="ct"),
    L.MaxPooling3D((2, 3, 1), (1, 2, 1), padding="same"), L.AveragePooling3D(3),
    L.GlobalMaxPooling3D(keepdims=True), L.GlobalAveragePooling3D(data_format="channels_first"),
    L.ZeroPadding3D((1, (2, 0), 3)), L.UpSampling3D((1, 2, 3)), L.Cropping3D(((1, 0), 2, 0))],
    ids=lambda layer: type(layer).__name__)
def test_get_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert "interpolation" not in config  # Keras 3's UpSampling3D has no such argument


def test_keras_defaults_in_config():
    config = L.Conv3D(4, 3).get_config()
    assert (config["strides"], config["dilation_rate"], config["padding"], config["groups"]) == \
        ((1, 1, 1), (1, 1, 1), "valid", 1)
    config = L.Conv3DTranspose(4, 3).get_config()
    assert config["output_padding"] is None and config["kernel_size"] == (3, 3, 3)
    assert L.MaxPooling3D().get_config()["pool_size"] == (2, 2, 2)
    assert L.MaxPooling3D().get_config()["strides"] == (2, 2, 2)
    assert L.Cropping3D().get_config()["cropping"] == ((1, 1), (1, 1), (1, 1))
    config = L.UpSampling3D().get_config()
    assert (config["size"], config["data_format"]) == ((2, 2, 2), "channels_last")


def test_aliases():
    assert L.MaxPool3D is L.MaxPooling3D and L.AvgPool3D is L.AveragePooling3D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D
    assert L.GlobalAvgPool3D is L.GlobalAveragePooling3D
    assert L.Convolution3D is L.Conv3D and L.Convolution3DTranspose is L.Conv3DTranspose


def test_sequential_fit_lowers_the_loss():
    tf.keras.utils.set_random_seed(0)
    x = rng.standard_normal((64, 6, 6, 6, 1)).astype(np.float32)
    # Two classes: a bright or a dark cube in the middle of the noise.
    y = (np.arange(64) % 2).astype("int64")
    x[:, 2:4, 2:4, 2:4, 0] += np.where(y == 1, 2.0, -2.0)[:, None, None, None]
    model = tf.keras.Sequential([tf.keras.Input((6, 6, 6, 1)),
                                 L.Conv3D(4, 3, padding="same", activation="relu"),
                                 L.MaxPooling3D(), L.GlobalAveragePooling3D(), L.Dense(2)])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0], losses
    assert model.output_shape == (None, 2)


# -- errors --------------------------------------------------------------------------------
def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match=r"my_conv.*ndim=5.*ndim=4"):
        L.Conv3D(2, 3, name="my_conv")(np.ones((1, 5, 5, 1), np.float32))
    with pytest.raises(ValueError, match=r"my_conv3.*rank 5.*\(1, 3, 3, 3, 3, 1\)"):
        L.Conv3D(2, 3, name="my_conv3")(np.ones((1, 3, 3, 3, 3, 1), np.float32))
    with pytest.raises(ValueError, match=r"pool3.*ndim=5"):
        L.MaxPooling3D(name="pool3")(np.ones((1, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match=r"ndim=5"):
        L.GlobalAveragePooling3D()(np.ones((1, 4, 4, 1), np.float32))


def test_channel_mismatch_after_build_names_layer_and_shapes():
    layer = L.Conv3D(2, 3, name="conv_rgb")
    layer(np.ones((1, 4, 4, 4, 3), np.float32))
    with pytest.raises(ValueError, match=r"conv_rgb.*axis -1.*value 3.*\(1, 4, 4, 4, 1\)"):
        layer(np.ones((1, 4, 4, 4, 1), np.float32))


def test_kernel_larger_than_input_with_valid():
    layer = L.Conv3D(2, (2, 5, 2), name="big_kernel")
    with pytest.raises(ValueError, match=r"big_kernel.*\(1, 3, 3, 3, 1\).*larger than the input"):
        layer(np.ones((1, 3, 3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="negative"):
        layer.compute_output_shape((1, 3, 3, 3, 1))
    assert L.Conv3D(2, 5, padding="same")(np.ones((1, 3, 3, 3, 1), np.float32)).shape == \
        (1, 3, 3, 3, 2)
    with pytest.raises(ValueError, match=r"small_pool.*\(1, 2, 2, 2, 1\).*larger than the input"):
        L.MaxPooling3D(3, name="small_pool")(np.ones((1, 2, 2, 2, 1), np.float32))


def test_bad_arguments():
    with pytest.raises(ValueError, match="kernel_size"):
        L.Conv3D(2, (3, 3))
    with pytest.raises(ValueError, match="padding"):
        L.Conv3D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="padding"):
        L.AveragePooling3D(padding="full")
    with pytest.raises(ValueError, match="output padding"):
        L.Conv3DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding3D((1, 2))
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping3D(((1, 2, 3), 0, 0))
    with pytest.raises(ValueError, match="size"):
        L.UpSampling3D((2, 2))
    with pytest.raises(ValueError, match=r"cropping.*leaves nothing"):
        L.Cropping3D(2)(np.ones((1, 4, 5, 5, 1), np.float32))
