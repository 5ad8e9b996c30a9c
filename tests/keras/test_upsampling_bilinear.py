"""UpSampling2D(interpolation="bilinear"): Keras 3 resizes to (h·sh, w·sw) like
tf.image.resize (half-pixel centers, no antialias)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, rand

L = tf.keras.layers
rng = np.random.default_rng(3)


def reference_upsample(x, sh, sw):
    """Bilinear upsampling of [n, h, w, c] by integer factors, one output pixel at a time.

    Output row i samples source row (i + 0.5) / sh − 0.5, clamped to the image; likewise
    for columns.
    """
    n, h, w, c = x.shape
    out = np.zeros((n, h * sh, w * sw, c))

    def taps(i, factor, size):
        src = (i + 0.5) / factor - 0.5
        lo = int(np.floor(src))
        frac = src - lo
        return min(max(lo, 0), size - 1), min(lo + 1, size - 1), frac

    for i in range(h * sh):
        y0, y1, fy = taps(i, sh, h)
        for j in range(w * sw):
            x0, x1, fx = taps(j, sw, w)
            out[:, i, j] = ((1 - fy) * ((1 - fx) * x[:, y0, x0] + fx * x[:, y0, x1])
                            + fy * ((1 - fx) * x[:, y1, x0] + fx * x[:, y1, x1]))
    return out


@pytest.mark.parametrize("size", [2, (2, 3), (3, 1), (1, 1)])
def test_values_match_the_reference(size):
    x = rng.standard_normal((2, 3, 4, 2)).astype(np.float32)
    layer = L.UpSampling2D(size, interpolation="bilinear")
    out = layer(x)
    sh, sw = (size, size) if isinstance(size, int) else size
    assert out.shape == (2, 3 * sh, 4 * sw, 2) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), reference_upsample(x, sh, sw), atol=1e-5)


def test_small_case_by_hand():
    x = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32).reshape(1, 2, 2, 1)
    out = L.UpSampling2D(2, interpolation="bilinear")(x).numpy()[0, ..., 0]
    np.testing.assert_allclose(out, [[0.0, 0.25, 0.75, 1.0],
                                     [0.5, 0.75, 1.25, 1.5],
                                     [1.5, 1.75, 2.25, 2.5],
                                     [2.0, 2.25, 2.75, 3.0]], atol=1e-6)


def test_equals_tf_image_resize():
    x = rng.standard_normal((2, 5, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(L.UpSampling2D((2, 3), interpolation="bilinear")(x).numpy(),
                                  tf.image.resize(x, [10, 9]).numpy())


def test_channels_first():
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)     # (batch, channels, h, w)
    layer = L.UpSampling2D((2, 3), data_format="channels_first", interpolation="bilinear")
    out = layer(x)
    assert out.shape == (2, 3, 8, 15)
    assert layer.compute_output_shape((None, 3, 4, 5)) == (None, 3, 8, 15)
    expected = reference_upsample(x.transpose(0, 2, 3, 1), 2, 3).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)


def test_interpolation_is_case_insensitive_and_in_the_config():
    layer = L.UpSampling2D(interpolation="Bilinear")
    assert layer.get_config()["interpolation"] == "bilinear"
    clone = L.UpSampling2D.from_config(layer.get_config())
    x = rng.standard_normal((1, 2, 2, 1)).astype(np.float32)
    np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())


def test_gradient_through_the_layer():
    layer = L.UpSampling2D((2, 3), interpolation="bilinear", dtype="float64")
    check_grad(layer, rand(2, 3, 2, 2))
    first = L.UpSampling2D(2, data_format="channels_first", interpolation="bilinear",
                           dtype="float64")
    check_grad(first, rand(1, 2, 3, 3))


def test_float32_gradient_is_float32_and_sums_to_the_upsampled_count():
    x = tf.constant(np.ones((1, 3, 3, 2), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(L.UpSampling2D(2, interpolation="bilinear")(x))
    g = tape.gradient(y, x)
    assert g.dtype == tf.float32
    # Every output is a convex combination of inputs, so the weights add up to 6·6 per channel.
    np.testing.assert_allclose(g.numpy().sum(axis=(0, 1, 2)), [36.0, 36.0], rtol=1e-6)


def test_in_a_model():
    model = tf.keras.Sequential([tf.keras.Input((4, 4, 1)),
                                 L.UpSampling2D(2, interpolation="bilinear"),
                                 L.Conv2D(2, 3, padding="same")])
    assert model(np.ones((3, 4, 4, 1), np.float32)).shape == (3, 8, 8, 2)


def test_area_upsampling_repeats_like_nearest():
    x = rng.standard_normal((2, 3, 2, 2)).astype(np.float32)
    for data_format in ("channels_last", "channels_first"):
        area = L.UpSampling2D((2, 3), data_format=data_format, interpolation="area")
        nearest = L.UpSampling2D((2, 3), data_format=data_format)
        np.testing.assert_allclose(area(x).numpy(), nearest(x).numpy(), rtol=1e-6)


@pytest.mark.parametrize("interpolation", ["bicubic", "lanczos3", "lanczos5"])
def test_unimplemented_interpolations_say_what_is_supported(interpolation):
    with pytest.raises(NotImplementedError, match=r"UpSampling2D.*%s.*'nearest', 'bilinear', "
                       r"'area'" % interpolation):
        L.UpSampling2D(interpolation=interpolation)


def test_unknown_interpolation():
    with pytest.raises(ValueError, match="Invalid value for argument `interpolation`"):
        L.UpSampling2D(interpolation="linear")
