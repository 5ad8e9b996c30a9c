"""Keras 3's image preprocessing and augmentation layers, checked against plain NumPy."""
import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras.layers._projective_transform import (_reflect_coordinates,
                                                       _wrap_coordinates)

L = tf.keras.layers
RNG = np.random.default_rng(0)


def images(*shape, low=0.0, high=1.0):
    return RNG.uniform(low, high, size=shape).astype(np.float32)


RANDOM_LAYERS = [
    lambda **kw: L.RandomFlip(**kw),
    lambda **kw: L.RandomRotation(0.2, **kw),
    lambda **kw: L.RandomZoom(0.3, 0.2, **kw),
    lambda **kw: L.RandomTranslation(0.2, 0.3, **kw),
    lambda **kw: L.RandomContrast(0.5, **kw),
    lambda **kw: L.RandomBrightness(0.3, **kw),
]


# -- shapes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_keep_the_shape_of_3d_and_4d_inputs(make):
    for shape in [(2, 6, 7, 3), (6, 7, 3)]:
        layer = make(seed=1)
        out = layer(images(*shape) * 255, training=True)
        assert out.shape == shape and out.dtype == tf.float32
        assert layer.compute_output_shape(shape) == shape


def test_size_layers_output_shapes_and_compute_output_shape():
    cases = [(L.Resizing(4, 5), (2, 8, 10, 3), (2, 4, 5, 3)),
             (L.Resizing(4, 5, data_format="channels_first"), (3, 8, 10), (3, 4, 5)),
             (L.CenterCrop(4, 5), (8, 10, 3), (4, 5, 3)),
             (L.CenterCrop(12, 5), (2, 8, 10, 3), (2, 12, 5, 3)),   # smaller: resized
             (L.RandomCrop(4, 5, seed=0), (2, 8, 10, 3), (2, 4, 5, 3)),
             (L.RandomCrop(4, 5, data_format="channels_first"), (2, 3, 8, 10), (2, 3, 4, 5))]
    for layer, shape, expected in cases:
        assert layer(images(*shape)).shape == expected
        assert layer.compute_output_shape(shape) == expected
    assert L.Resizing(4, 5).compute_output_shape((None, None, None, 3)) == (None, 4, 5, 3)


# -- inference -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_are_the_identity_at_inference(make):
    x = images(3, 5, 6, 2) * 255
    layer = make(seed=0)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    ints = layer(x.astype(np.uint8), training=False)   # cast to the layer's float dtype
    assert ints.dtype == tf.float32
    np.testing.assert_array_equal(ints.numpy(), x.astype(np.uint8))
    model = tf.keras.Sequential([tf.keras.Input((5, 6, 2)), make(seed=0)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_layers_called_directly_augment_by_default_as_in_keras():
    x = images(4, 6, 6, 1)
    assert not np.allclose(L.RandomRotation(0.2, seed=0)(x).numpy(), x)


# -- the projective transforms against hand-written references -----------------------------
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_quarter_turns_match_rot90(interpolation):
    x = images(2, 5, 5, 3)
    for factor, k in [(0.25, 1), (-0.25, -1), (0.5, 2)]:
        layer = L.RandomRotation((factor, factor), interpolation=interpolation)
        out = layer(x, training=True).numpy()
        np.testing.assert_allclose(out, np.rot90(x, k, axes=(1, 2)), atol=1e-5)
    # Positive angles turn counter-clockwise: the top-right corner comes from bottom-right.
    corner = L.RandomRotation((0.25, 0.25), interpolation=interpolation)(x[0], training=True)
    np.testing.assert_allclose(corner.numpy()[0, -1], x[0, -1, -1], atol=1e-5)


def _reflect(i, n):
    if i < 0:
        return -i - 1
    return 2 * n - i - 1 if i >= n else i


def _shifted(image, dy, dx, fill_mode, fill_value):
    """``image`` (h, w, c) moved down by ``dy`` and right by ``dx`` whole pixels."""
    h, w, _ = image.shape
    out = np.empty_like(image)
    for y in range(h):
        for x in range(w):
            sy, sx = y - dy, x - dx
            if fill_mode == "constant" and not (0 <= sy < h and 0 <= sx < w):
                out[y, x] = fill_value
                continue
            if fill_mode == "nearest":
                sy, sx = min(max(sy, 0), h - 1), min(max(sx, 0), w - 1)
            elif fill_mode == "reflect":
                sy, sx = _reflect(sy, h), _reflect(sx, w)
            elif fill_mode == "wrap":
                sy, sx = sy % h, sx % w
            out[y, x] = image[sy, sx]
    return out


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_translation_by_whole_pixels_with_each_fill_mode(fill_mode, interpolation):
    x = images(2, 6, 8, 2)
    for hf, wf, dy, dx in [(0.5, -0.25, 3, -2), (-1 / 3, 0.375, -2, 3)]:
        layer = L.RandomTranslation((hf, hf), (wf, wf), fill_mode=fill_mode,
                                    interpolation=interpolation, fill_value=-1.0)
        out = layer(x, training=True).numpy()
        for i in range(2):
            np.testing.assert_allclose(out[i], _shifted(x[i], dy, dx, fill_mode, -1.0),
                                       atol=1e-6)


def test_half_pixel_translation_blends_bilinearly_and_fills_off_image_points():
    row = np.array([[[1.0], [3.0], [7.0], [15.0]]], np.float32)   # (1, 4, 1)

    def shift(fill_mode):
        layer = L.RandomTranslation(0.0, (0.125, 0.125), fill_mode=fill_mode, fill_value=-1.0)
        return layer(row, training=True).numpy()[0, :, 0]
    # Output x samples input x - 0.5: "reflect" maps -0.5 to -0.5 and clamps it to 0;
    # "constant" fills any point left of 0, even by half a pixel (TF's kernel).
    np.testing.assert_allclose(shift("reflect"), [1.0, 2.0, 5.0, 11.0])
    np.testing.assert_allclose(shift("constant"), [-1.0, 2.0, 5.0, 11.0])


def test_zoom_in_and_out_by_two_with_nearest_interpolation():
    x = np.arange(16.0, dtype=np.float32).reshape(4, 4, 1)
    zoom_in = L.RandomZoom((-0.5, -0.5), interpolation="nearest")(x, training=True).numpy()
    expected = np.array([[5, 5, 6, 6], [5, 5, 6, 6], [9, 9, 10, 10], [9, 9, 10, 10]])
    np.testing.assert_array_equal(zoom_in[..., 0], expected)
    # Zoom out 2x: output pixels 1 and 2 sample input 0.5 and 2.5, which round half away
    # from zero (std::round) to 1 and 3; the rest lies off the image.
    zoom_out = L.RandomZoom((1.0, 1.0), fill_mode="constant", interpolation="nearest",
                            fill_value=-1.0)(x, training=True).numpy()[..., 0]
    expected = np.full((4, 4), -1.0)
    expected[1:3, 1:3] = [[5, 7], [13, 15]]
    np.testing.assert_array_equal(zoom_out, expected)
    # A separate width factor zooms the columns only.
    wide = L.RandomZoom(0.0, (-0.5, -0.5), interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_array_equal(wide[..., 0], x[:, [1, 1, 2, 2], 0])


def _map_coordinate(c, n, fill_mode):
    """One coordinate through TF's MapCoordinate<fill_mode>, branch by branch."""
    if fill_mode == "constant":
        return c
    if fill_mode == "reflect" and n > 1:
        if c < 0:
            c = 2 * n * int(-c / (2 * n)) + c
            c = c + 2 * n if c < -n else -c - 1
        elif c > n - 1:
            c -= 2 * n * int(c / (2 * n))
            if c >= n:
                c = 2 * n - c - 1
    elif fill_mode == "wrap" and n > 1:
        if c < 0:
            c += n * (int(-c / (n - 1)) + 1)
        elif c > n - 1:
            c -= n * int(c / (n - 1))
    return min(max(c, 0.0), n - 1.0)


def _tf_kernel(image, t, interpolation, fill_mode, fill_value):
    """TF's ProjectiveGenerator for one (h, w, c) image, pixel by pixel."""
    h, w, _ = image.shape
    out = np.empty_like(image)

    def read(y, x):
        return image[y, x] if 0 <= y < h and 0 <= x < w else np.full(image.shape[2], fill_value)
    for y in range(h):
        for x in range(w):
            k = t[6] * x + t[7] * y + 1.0
            if k == 0:
                out[y, x] = fill_value
                continue
            xi = _map_coordinate((t[0] * x + t[1] * y + t[2]) / k, w, fill_mode)
            yi = _map_coordinate((t[3] * x + t[4] * y + t[5]) / k, h, fill_mode)
            if not (0 <= xi <= w - 1 and 0 <= yi <= h - 1):
                out[y, x] = fill_value
            elif interpolation == "nearest":   # std::round: half away from zero
                out[y, x] = read(int(np.floor(yi + 0.5)), int(np.floor(xi + 0.5)))
            else:
                x0, y0 = int(np.floor(xi)), int(np.floor(yi))
                top = (x0 + 1 - xi) * read(y0, x0) + (xi - x0) * read(y0, x0 + 1)
                bottom = (x0 + 1 - xi) * read(y0 + 1, x0) + (xi - x0) * read(y0 + 1, x0 + 1)
                out[y, x] = (y0 + 1 - yi) * top + (yi - y0) * bottom
    return out


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotation_and_zoom_match_tensorflows_kernel_pixel_by_pixel(fill_mode, interpolation):
    x = images(7, 9, 2)
    h, w = 7, 9
    kwargs = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=-1.0)
    theta = 0.1 * 2 * np.pi   # Keras's rotation about ((w - 1) / 2, (h - 1) / 2)
    cos, sin = np.cos(theta), np.sin(theta)
    rotation = [cos, -sin, ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2,
                sin, cos, ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2, 0.0, 0.0]
    out = L.RandomRotation((0.1, 0.1), **kwargs)(x, training=True).numpy()
    np.testing.assert_allclose(out, _tf_kernel(x, rotation, interpolation, fill_mode, -1.0),
                               atol=1e-4)
    zx, zy = 1.3, 0.6   # RandomZoom draws 1 + factor
    zoom = [zx, 0.0, (w - 1) / 2 * (1 - zx), 0.0, zy, (h - 1) / 2 * (1 - zy), 0.0, 0.0]
    out = L.RandomZoom((-0.4, -0.4), (0.3, 0.3), **kwargs)(x, training=True).numpy()
    np.testing.assert_allclose(out, _tf_kernel(x, zoom, interpolation, fill_mode, -1.0),
                               atol=1e-4)


def test_projective_rows_and_points_at_infinity():
    from tapeflow.keras.layers._projective_transform import projective_transform
    x = images(2, 5, 9, 1)
    rows = np.array([[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, -0.25, 0.0],   # k = 0 on column 4
                     [0.9, 0.2, 1.0, -0.1, 1.1, 0.5, 0.01, 0.02]])
    for mode in ["reflect", "constant"]:
        out = projective_transform(x, rows, "bilinear", mode, -1.0)
        for i in range(2):
            np.testing.assert_allclose(out[i], _tf_kernel(x[i], rows[i], "bilinear", mode, -1.0),
                                       atol=1e-4)
        assert np.all(out[0, :, 4] == -1.0)


def test_fill_mode_coordinate_rules_are_tensorflows():
    c = np.array([-9.0, -5.0, -1.0, -0.5, 3.5, 4.0, 9.0], np.float32)
    # reflect, period 2n: d c b a | a b c d | d c b a, clamped to [0, n - 1].
    np.testing.assert_array_equal(_reflect_coordinates(c, 4), [0.0, 3.0, 0.0, 0.0, 3.0, 3.0,
                                                                1.0])
    # wrap moves by n but counts periods in n - 1, so points n - 1 or more past an edge
    # are clamped rather than wrapped (as tensorflow/core/kernels/image/image_ops.h does).
    near = np.array([-2.0, -1.0, -0.5, 4.0, 5.0], np.float32)
    np.testing.assert_array_equal(_wrap_coordinates(near, 4), [2.0, 3.0, 3.0, 0.0, 1.0])
    np.testing.assert_array_equal(_wrap_coordinates(np.float32([-3.0, 6.0]), 4), [3.0, 0.0])


# -- flips and crops -------------------------------------------------------------------------
def test_random_flip_modes_draw_per_image():
    x = np.broadcast_to(images(1, 3, 4, 1), (64, 3, 4, 1))
    variants = {"horizontal": [x[0], x[0, :, ::-1]], "vertical": [x[0], x[0, ::-1]],
                "horizontal_and_vertical": [x[0], x[0, :, ::-1], x[0, ::-1], x[0, ::-1, ::-1]]}
    for mode, allowed in variants.items():
        out = L.RandomFlip(mode, seed=0)(x, training=True).numpy()
        seen = {next(k for k, v in enumerate(allowed) if np.array_equal(o, v)) for o in out}
        assert seen == set(range(len(allowed))), mode   # every variant, nothing else


def test_random_crop_windows_share_one_offset_per_batch():
    x = images(3, 8, 9, 2)
    out = L.RandomCrop(4, 5, seed=2)(x, training=True).numpy()
    offsets = [(t, l) for t in range(5) for l in range(5)
               if np.array_equal(out[0], x[0, t:t + 4, l:l + 5])]
    assert len(offsets) == 1
    t, l = offsets[0]
    np.testing.assert_array_equal(out, x[:, t:t + 4, l:l + 5])
    tops = {tuple(np.argwhere(x[0, :, :, 0] == o[0, 0, 0, 0])[0])
            for o in (L.RandomCrop(4, 5, seed=s)(x, training=True).numpy() for s in range(20))}
    assert len(tops) > 3


def test_random_crop_at_inference_and_on_small_images_crops_to_aspect_and_resizes():
    x = images(2, 8, 12, 1)
    smart = L.Resizing(4, 4, crop_to_aspect_ratio=True)(x).numpy()
    crop = L.RandomCrop(4, 4, seed=0)
    np.testing.assert_allclose(crop(x, training=False).numpy(), smart)
    np.testing.assert_array_equal(smart, tf.image.resize(x[:, :, 2:10], [4, 4]).numpy())
    # In training an image not larger than the target in both dimensions takes that path too.
    np.testing.assert_array_equal(L.RandomCrop(8, 6, seed=0)(x, training=True).numpy(),
                                  x[:, :, 3:9])


def test_center_crop_slices_or_smart_resizes():
    x = images(2, 7, 9, 3)
    np.testing.assert_array_equal(L.CenterCrop(4, 4)(x).numpy(), x[:, 1:5, 2:6])
    small = L.CenterCrop(10, 5)(x).numpy()        # taller than the input: crop 7x3, resize
    np.testing.assert_allclose(small, tf.image.resize(x[:, :, 3:6], [10, 5]).numpy())
    first = L.CenterCrop(4, 4, data_format="channels_first")(x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(first.numpy(), x[:, 1:5, 2:6].transpose(0, 3, 1, 2))


# -- Resizing ----------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["bilinear", "nearest", "area"])
def test_resizing_matches_tf_image_resize(method):
    x = images(2, 7, 9, 3)
    out = L.Resizing(4, 13, interpolation=method)(x)
    np.testing.assert_array_equal(out.numpy(), tf.image.resize(x, [4, 13], method=method).numpy())
    first = L.Resizing(4, 13, interpolation=method, data_format="channels_first")
    np.testing.assert_array_equal(first(x.transpose(0, 3, 1, 2)).numpy(),
                                  out.numpy().transpose(0, 3, 1, 2))


def test_resizing_crop_and_pad_to_aspect_ratio():
    x = images(1, 6, 10, 1)
    crop = L.Resizing(3, 3, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_array_equal(crop, tf.image.resize(x[:, :, 2:8], [3, 3]).numpy())
    padded = L.Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=-1.0)(x).numpy()
    reference = np.pad(x, [(0, 0), (2, 2), (0, 0), (0, 0)], constant_values=-1.0)
    np.testing.assert_allclose(padded, tf.image.resize(reference, [4, 4]).numpy())


def test_resizing_keeps_integer_dtypes_rounded_and_gradients_flow():
    x = np.array([[[0], [255]], [[255], [0]]], np.uint8)
    out = L.Resizing(3, 3)(x)
    assert out.dtype == tf.uint8
    float_out = tf.image.resize(x, [3, 3]).numpy()
    np.testing.assert_array_equal(out.numpy(), np.round(float_out).astype(np.uint8))
    v = tf.Variable(images(1, 4, 4, 1))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(L.Resizing(2, 2)(v) + L.CenterCrop(2, 2)(v))
    assert tape.gradient(y, v) is not None


# -- randomness --------------------------------------------------------------------------------
def test_seeds_are_reproducible_and_each_image_gets_its_own_draw():
    x = np.broadcast_to(images(1, 6, 6, 1), (4, 6, 6, 1))
    for make in RANDOM_LAYERS[1:]:
        a, b = make(seed=7), make(seed=7)
        first = a(x * 200, training=True).numpy()
        np.testing.assert_array_equal(first, b(x * 200, training=True).numpy())
        assert len({o.tobytes() for o in first}) == 4            # four different images
        assert not np.array_equal(first, a(x * 200, training=True).numpy())   # next draw
    tf.keras.utils.set_random_seed(3)
    unseeded = L.RandomRotation(0.3)(x, training=True).numpy()
    tf.keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(L.RandomRotation(0.3)(x, training=True).numpy(), unseeded)


def test_rotation_angles_stay_within_the_factor_range():
    # A one-pixel dot at the centre's right rotates to angle θ; recover θ per image.
    x = np.zeros((64, 21, 21, 1), np.float32)
    x[:, 10, 18] = 1.0
    out = L.RandomRotation((-0.1, 0.2), fill_mode="constant", seed=0)(
        x, training=True).numpy()[..., 0]
    rows, cols = np.array([np.unravel_index(np.argmax(o), o.shape) for o in out]).T
    angles = np.arctan2(10 - rows, cols - 10) / (2 * np.pi)   # counter-clockwise, in turns
    assert angles.min() > -0.1 - 0.03 and angles.max() < 0.2 + 0.03
    assert angles.min() < 0.0 < angles.max()


def test_contrast_scales_each_image_about_its_channel_means_and_clips():
    x = images(6, 5, 5, 3, low=50, high=200)
    out = L.RandomContrast(0.3, seed=1)(x, training=True).numpy().astype(np.float64)
    mean = x.mean(axis=(1, 2), keepdims=True, dtype=np.float64)
    factors = (out - mean) / (x - mean)
    per_image = factors.reshape(6, -1)
    np.testing.assert_allclose(per_image, per_image[:, :1] * np.ones_like(per_image), rtol=1e-3)
    assert np.all((per_image >= 0.7 - 1e-4) & (per_image <= 1.3 + 1e-4))
    assert len(np.unique(per_image[:, 0].round(4))) == 6
    clipped = L.RandomContrast((0.0, 1.0), value_range=(0, 1), seed=0)(
        np.array([[[0.0], [1.0]], [[0.0], [1.0]]], np.float32), training=True).numpy()
    np.testing.assert_array_equal(clipped.ravel(), [0.0, 1.0, 0.0, 1.0])


def test_brightness_offsets_scale_with_the_value_range_and_clip():
    x = images(5, 4, 4, 3, low=0.3, high=0.7)
    out = L.RandomBrightness(0.2, value_range=(0, 1), seed=4)(x, training=True).numpy()
    delta = (out - x).reshape(5, -1)
    np.testing.assert_allclose(delta, delta[:, :1] * np.ones_like(delta), atol=1e-6)
    assert np.all(np.abs(delta) <= 0.2 + 1e-6) and len(np.unique(delta[:, 0].round(5))) == 5
    big = L.RandomBrightness((0.5, 0.5))(np.array([[[10.0], [200.0]]]), training=True)
    np.testing.assert_array_equal(big.numpy().ravel(), [137.5, 255.0])
    dark = L.RandomBrightness((-1.0, -1.0), value_range=(-1, 1))(x, training=True)
    np.testing.assert_array_equal(dark.numpy(), -np.ones_like(x))


def test_channels_first_matches_channels_last():
    x = images(3, 6, 7, 2) * 255
    for make in RANDOM_LAYERS:
        last = make(seed=5)(x, training=True).numpy()
        first = make(seed=5, data_format="channels_first")(x.transpose(0, 3, 1, 2),
                                                           training=True).numpy()
        np.testing.assert_allclose(first, last.transpose(0, 3, 1, 2), rtol=1e-6, atol=1e-4)
        single = make(seed=5, data_format="channels_first")(x[0].transpose(2, 0, 1),
                                                            training=True).numpy()
        assert single.shape == (2, 6, 7)


def test_layer_dtype_sets_the_float_dtype():
    x = images(2, 5, 5, 1).astype(np.float64)
    out = L.RandomRotation(0.1, seed=0, dtype="float64")(x, training=True)
    assert out.dtype == tf.float64
    assert L.RandomRotation(0.1, seed=0)(x, training=True).dtype == tf.float32


# -- config and models ------------------------------------------------------------------------
CONFIG_LAYERS = [
    L.Resizing(4, 5, interpolation="nearest", crop_to_aspect_ratio=True, name="resize"),
    L.CenterCrop(3, 2, data_format="channels_first"),
    L.RandomCrop(3, 4, seed=2),
    L.RandomFlip("vertical", seed=1),
    L.RandomRotation((-0.1, 0.2), fill_mode="constant", fill_value=0.5, seed=3),
    L.RandomZoom(0.2, (-0.1, 0.3), interpolation="nearest", fill_mode="wrap", seed=7),
    L.RandomTranslation(0.1, 0.2, fill_mode="nearest", seed=4),
    L.RandomContrast((0.1, 0.4), value_range=(0, 1), seed=5),
    L.RandomBrightness(0.25, value_range=(-1, 1), seed=6),
]


@pytest.mark.parametrize("layer", CONFIG_LAYERS, ids=lambda layer: type(layer).__name__)
def test_get_config_from_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = images(2, 6, 8, 3) if layer.data_format == "channels_last" else images(2, 3, 6, 8)
    np.testing.assert_allclose(clone(x, training=True).numpy(), layer(x, training=True).numpy())


def test_augmentation_in_a_sequential_model_before_conv2d_trains_and_predicts():
    x, y = images(8, 10, 10, 1), RNG.normal(size=(8, 1)).astype(np.float32)
    model = tf.keras.Sequential([
        tf.keras.Input((10, 10, 1)),
        L.RandomFlip("horizontal", seed=0), L.RandomRotation(0.1, seed=1),
        L.RandomZoom(0.1, seed=2), L.RandomTranslation(0.1, 0.1, seed=3),
        L.RandomContrast(0.2, value_range=(0, 1), seed=4),
        L.RandomBrightness(0.1, value_range=(0, 1), seed=5), L.RandomCrop(8, 8, seed=6),
        L.Conv2D(2, 3, activation="relu"), L.Flatten(), L.Dense(1)])
    assert model.output_shape == (None, 1)
    model.compile("adam", "mse")
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    clone = tf.keras.Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in clone.layers] == \
        [type(layer).__name__ for layer in model.layers]


# -- bad arguments -----------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, match", [
    (lambda: L.RandomRotation(1.5), ValueError, r"`factor`.*\[-1.0, 1.0\].*1.5"),
    (lambda: L.RandomRotation((0.1, 0.2, 0.3)), ValueError, "`factor`"),
    (lambda: L.RandomRotation("big"), ValueError, "`factor`"),
    (lambda: L.RandomZoom(-2.0), ValueError, "`height_factor`"),
    (lambda: L.RandomZoom(0.1, 1.5), ValueError, "`width_factor`"),
    (lambda: L.RandomTranslation(0.1, (-1.2, 0.0)), ValueError, "`width_factor`"),
    (lambda: L.RandomContrast(1.5), ValueError, r"\[0, 1\]"),
    (lambda: L.RandomContrast(-0.1), ValueError, r"\[0, 1\]"),
    (lambda: L.RandomBrightness(2.0), ValueError, "`factor`"),
    (lambda: L.RandomBrightness(0.1, value_range=(0, 1, 2)), ValueError, "`value_range`"),
    (lambda: L.RandomRotation(0.1, fill_mode="mirror"), NotImplementedError, "`fill_mode`"),
    (lambda: L.RandomZoom(0.1, interpolation="bicubic"), NotImplementedError,
     "`interpolation`"),
    (lambda: L.RandomTranslation(0.1, 0.1, fill_mode="edge"), NotImplementedError,
     "`fill_mode`"),
    (lambda: L.RandomFlip("diagonal"), ValueError, "unknown mode"),
    (lambda: L.Resizing(4, 4, interpolation="bicubic"), NotImplementedError, "bicubic"),
    (lambda: L.Resizing(4, 4, interpolation="cubic"), ValueError, "`interpolation`"),
    (lambda: L.Resizing(4, 4, fill_mode="reflect"), ValueError, "Only `'constant'`"),
    (lambda: L.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     ValueError, "Only one of"),
    (lambda: L.CenterCrop(0, 4), ValueError, "`height` must be a positive integer"),
    (lambda: L.RandomCrop(4, 2.5), ValueError, "`width` must be a positive integer"),
    (lambda: L.RandomFlip(data_format="nhwc"), ValueError, "data_format"),
])
def test_bad_arguments_raise_keras_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("layer", [L.RandomFlip(), L.RandomRotation(0.1), L.Resizing(2, 2),
                                   L.CenterCrop(2, 2), L.RandomCrop(2, 2),
                                   L.RandomContrast(0.1)])
def test_wrong_input_rank_is_a_clear_error(layer):
    with pytest.raises(ValueError, match=r"rank 3 \(single image\) or 4.*\(4, 4\)"):
        layer(np.zeros((4, 4), np.float32), training=True)
