"""tf.image additions (image_ops_more): HSV colour, gamma, random and stateless augmentation,
resize_with_pad, PSNR, SSIM, total variation, image gradients and patches.

References are written plainly here: colorsys for HSV, explicit loops for SSIM's Gaussian
window and for patches; expected values from TF's docstrings where they exist.
"""
import colorsys

import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad

rng = np.random.default_rng(11)


def _colorsys_map(fn, x):
    flat = x.reshape(-1, 3)
    return np.array([fn(*p) for p in flat]).reshape(x.shape)


# -- HSV ------------------------------------------------------------------------------------
def test_rgb_to_hsv_matches_colorsys():
    x = rng.random((4, 5, 3))
    x[0, 0] = [0.3, 0.3, 0.3]       # grey: hue 0, saturation 0
    x[0, 1] = [0.0, 0.0, 0.0]       # black
    got = tf.image.rgb_to_hsv(tf.constant(x)).numpy()
    np.testing.assert_allclose(got, _colorsys_map(colorsys.rgb_to_hsv, x), atol=1e-12)


def test_hsv_to_rgb_matches_colorsys_and_round_trips():
    hsv = rng.random((3, 6, 3))
    got = tf.image.hsv_to_rgb(tf.constant(hsv)).numpy()
    np.testing.assert_allclose(got, _colorsys_map(colorsys.hsv_to_rgb, hsv), atol=1e-12)
    x = rng.random((2, 3, 4, 3)).astype(np.float32)
    back = tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x))
    assert back.dtype == tf.float32
    np.testing.assert_allclose(back.numpy(), x, atol=1e-6)


def test_rgb_to_hsv_errors():
    with pytest.raises(ValueError, match="last dimension"):
        tf.image.rgb_to_hsv(tf.ones([2, 2, 4]))
    with pytest.raises(TypeError, match="floating"):
        tf.image.rgb_to_hsv(tf.ones([2, 2, 3], dtype=tf.int32))


def _ref_saturation(x, factor):
    def f(r, g, b):
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        return colorsys.hsv_to_rgb(h, min(1.0, max(0.0, s * factor)), v)
    return _colorsys_map(f, x)


def _ref_hue(x, delta):
    def f(r, g, b):
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        return colorsys.hsv_to_rgb((h + delta) % 1.0, s, v)
    return _colorsys_map(f, x)


@pytest.mark.parametrize("factor", [0.0, 0.4, 1.0, 2.5])
def test_adjust_saturation_values(factor):
    x = rng.random((3, 4, 3))
    got = tf.image.adjust_saturation(tf.constant(x), factor)
    assert got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), _ref_saturation(x, factor), atol=1e-12)


@pytest.mark.parametrize("delta", [-0.7, -0.2, 0.0, 0.3, 0.9])
def test_adjust_hue_values(delta):
    x = rng.random((2, 3, 4, 3))
    got = tf.image.adjust_hue(tf.constant(x), delta)
    np.testing.assert_allclose(got.numpy(), _ref_hue(x, delta), atol=1e-12)


def test_adjust_hue_tf_docstring_example():
    x = tf.reshape(tf.range(1.0, 13.0), [2, 2, 3])
    got = tf.image.adjust_hue(x, 0.2)[0, 0].numpy()
    np.testing.assert_allclose(got, [2.3999996, 1.0, 3.0], rtol=1e-6)


def test_adjust_saturation_tf_docstring_example():
    x = tf.reshape(tf.range(1.0, 13.0), [2, 2, 3])
    np.testing.assert_allclose(tf.image.adjust_saturation(x, 0.5)[0, 0].numpy(),
                               [2.0, 2.5, 3.0], rtol=1e-6)


def test_integer_images_adjusted_in_float_and_converted_back():
    x = np.array([[[200, 100, 0]]], np.uint8)
    out = tf.image.adjust_saturation(tf.constant(x), 0.5)
    assert out.dtype == tf.uint8
    ref = _ref_saturation(x / 255.0, 0.5) * 255.0
    np.testing.assert_allclose(out.numpy(), ref, atol=1.0)
    hue = tf.image.adjust_hue(tf.constant(x), 0.25)
    assert hue.dtype == tf.uint8
    np.testing.assert_allclose(hue.numpy(), _ref_hue(x / 255.0, 0.25) * 255.0, atol=1.0)


def test_adjust_saturation_and_hue_scalar_checks():
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar"):
        tf.image.adjust_saturation(tf.ones([2, 2, 3]), [1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar"):
        tf.image.adjust_hue(tf.ones([2, 2, 3]), [0.1, 0.2])
    with pytest.raises(ValueError, match="last dimension"):
        tf.image.adjust_hue(tf.ones([2, 2, 1]), 0.1)


def test_rgb_to_hsv_grad_away_from_ties():
    # Distinct channels (no ties between max / min) keep the map smooth.
    x = np.array([[[0.9, 0.5, 0.1], [0.2, 0.7, 0.4]], [[0.3, 0.1, 0.8], [0.6, 0.2, 0.35]]])
    check_grad(tf.image.rgb_to_hsv, x)
    check_grad(tf.image.hsv_to_rgb, np.array([[[0.1, 0.5, 0.7], [0.45, 0.3, 0.9]]]))
    check_grad(lambda t: tf.image.adjust_saturation(t, 0.6), x)
    check_grad(lambda t: tf.image.adjust_hue(t, 0.07), x)   # 0.1 puts a hue on a kink


def test_rgb_to_hsv_grad_finite_on_grey():
    x = tf.constant(np.full((1, 1, 3), 0.5))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.image.rgb_to_hsv(x))
    assert np.all(np.isfinite(tape.gradient(y, x).numpy()))


# -- gamma ------------------------------------------------------------------------------------
def test_adjust_gamma_values_and_dtypes():
    x = rng.random((3, 3, 1))
    np.testing.assert_allclose(tf.image.adjust_gamma(tf.constant(x), 0.5, 2.0).numpy(),
                               2.0 * x ** 0.5)
    # TF's docstring example.
    x = tf.reshape(tf.range(1.0, 13.0), [2, 2, 3])
    np.testing.assert_allclose(tf.image.adjust_gamma(x, 0.2)[0, 0].numpy(),
                               [1.0, 1.1486983, 1.2457309], rtol=1e-6)
    u = tf.constant(np.array([[[0, 64, 255]]], np.uint8))
    out = tf.image.adjust_gamma(u, 2.0)
    assert out.dtype == tf.uint8
    np.testing.assert_allclose(out.numpy(), (np.array([[[0, 64, 255]]]) / 255.0) ** 2 * 255.0,
                               atol=1.0)
    with pytest.raises(ValueError, match="non-negative"):
        tf.image.adjust_gamma(tf.ones([1, 1, 1]), -1.0)


def test_adjust_gamma_grad():
    check_grad(lambda t: tf.image.adjust_gamma(t, 1.7, 0.8), rng.random((2, 3, 1)) + 0.2)


# -- random -----------------------------------------------------------------------------------
def test_random_saturation_and_hue_ranges_and_errors():
    x = tf.constant(rng.random((4, 4, 3)))
    tf.random.set_seed(3)
    out = tf.image.random_saturation(x, 0.5, 1.5, seed=2)
    assert out.shape == x.shape
    assert tf.image.random_hue(x, 0.3, seed=2).shape == x.shape
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_saturation(x, 1.0, 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        tf.image.random_saturation(x, -1.0, 1.0)
    with pytest.raises(ValueError, match="<= 0.5"):
        tf.image.random_hue(x, 0.6)
    with pytest.raises(ValueError, match="non-negative"):
        tf.image.random_hue(x, -0.1)


def test_random_saturation_is_some_adjust_saturation():
    x = rng.random((3, 3, 3))
    out = tf.image.random_saturation(tf.constant(x), 0.5, 1.5, seed=5).numpy()
    factors = np.linspace(0.5, 1.5, 2001)
    errs = [np.abs(out - _ref_saturation(x, f)).max() for f in factors]
    assert min(errs) < 1e-3


def test_random_crop_is_a_slice():
    x = np.arange(5 * 6 * 2).reshape(5, 6, 2)
    for seed in range(5):
        out = tf.image.random_crop(tf.constant(x), [3, 4, 2], seed=seed).numpy()
        assert out.shape == (3, 4, 2)
        r, c = np.argwhere(x[..., 0] == out[0, 0, 0])[0]
        np.testing.assert_array_equal(out, x[r:r + 3, c:c + 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need value.shape >= size"):
        tf.image.random_crop(tf.constant(x), [6, 4, 2])
    with pytest.raises(ValueError, match="one entry per dimension"):
        tf.image.random_crop(tf.constant(x), [3, 4])


def test_random_crop_gradient_flows():
    x = tf.constant(rng.random((4, 4)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.image.random_crop(x, [2, 2], seed=1))
    assert tape.gradient(y, x).numpy().sum() == 4.0


# -- resize_with_pad --------------------------------------------------------------------------
def test_resize_with_pad_shapes_and_placement():
    x = tf.ones([2, 4, 1])
    out = tf.image.resize_with_pad(x, 4, 4)[..., 0].numpy()
    np.testing.assert_array_equal(out, [[0] * 4, [1] * 4, [1] * 4, [0] * 4])
    out = tf.image.resize_with_pad(tf.ones([2, 6, 2, 3]), 5, 5)
    assert out.shape == (2, 5, 5, 3) and out.dtype == tf.float32
    # 6x2 → 5x1 (ratio 1.2), padded by floor((5 - 5/3)/2) = 1 on the left.
    np.testing.assert_array_equal(out[0, :, :, 0].numpy().sum(axis=0), [0, 5, 0, 0, 0])
    nearest = tf.image.resize_with_pad(tf.ones([4, 4, 1], dtype=tf.int32), 8, 4,
                                       method="nearest")
    assert nearest.dtype == tf.int32 and nearest.shape == (8, 4, 1)
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        tf.image.resize_with_pad(tf.ones([4, 4]), 2, 2)


# -- stateless --------------------------------------------------------------------------------
STATELESS = [
    lambda x, s: tf.image.stateless_random_flip_left_right(x, s),
    lambda x, s: tf.image.stateless_random_flip_up_down(x, s),
    lambda x, s: tf.image.stateless_random_brightness(x, 0.3, s),
    lambda x, s: tf.image.stateless_random_contrast(x, 0.2, 1.8, s),
    lambda x, s: tf.image.stateless_random_saturation(x, 0.2, 1.8, s),
    lambda x, s: tf.image.stateless_random_hue(x, 0.4, s),
    lambda x, s: tf.image.stateless_random_crop(x, [8, 4, 4, 3], s),
]


@pytest.mark.parametrize("fn", STATELESS)
def test_stateless_ops_are_deterministic_in_seed(fn):
    x = tf.constant(rng.random((8, 5, 5, 3)))
    a = fn(x, (1, 2)).numpy()
    tf.random.set_seed(99)    # the global seed must not matter
    np.testing.assert_array_equal(a, fn(x, tf.constant([1, 2])).numpy())
    outs = [fn(x, (s, 7)).numpy() for s in range(6)]
    assert any(not np.array_equal(a, o) for o in outs)


def test_stateless_seed_checks():
    with pytest.raises(ValueError, match=r"shape \[2\] integer"):
        tf.image.stateless_random_flip_left_right(tf.ones([2, 2, 1]), seed=3)
    with pytest.raises(ValueError, match=r"shape \[2\] integer"):
        tf.image.stateless_random_crop(tf.ones([2, 2, 1]), [1, 1, 1], seed=(1.0, 2.0))
    with pytest.raises(ValueError, match="<= 0.5"):
        tf.image.stateless_random_hue(tf.ones([2, 2, 3]), 0.7, (1, 2))


def test_stateless_flip_flips_or_not():
    x = rng.random((16, 3, 3, 1))
    out = tf.image.stateless_random_flip_left_right(tf.constant(x), (4, 5)).numpy()
    flipped = [np.array_equal(o, xi[:, ::-1]) for o, xi in zip(out, x)]
    kept = [np.array_equal(o, xi) for o, xi in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


# -- psnr -------------------------------------------------------------------------------------
def test_psnr_values():
    a, b = rng.random((3, 4, 5, 2)), rng.random((3, 4, 5, 2))
    mse = ((a - b) ** 2).mean(axis=(1, 2, 3))
    want = 20 * np.log10(2.0) - 10 * np.log10(mse)
    np.testing.assert_allclose(tf.image.psnr(a, b, 2.0).numpy(), want, rtol=1e-12)
    # uint8 with max_val=255 equals float32 in [0, 1] with max_val=1 (TF's docstring idea).
    ua = (rng.random((4, 4, 3)) * 255).astype(np.uint8)
    ub = (rng.random((4, 4, 3)) * 255).astype(np.uint8)
    p8 = tf.image.psnr(ua, ub, 255)
    pf = tf.image.psnr(ua.astype(np.float32) / 255, ub.astype(np.float32) / 255, 1.0)
    assert p8.dtype == tf.float32
    np.testing.assert_allclose(p8.numpy(), pf.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="must match"):
        tf.image.psnr(tf.ones([2, 2, 3]), tf.ones([2, 3, 3]), 1.0)
    with pytest.raises(ValueError, match="three-dimensional"):
        tf.image.psnr(tf.ones([2, 3]), tf.ones([2, 3]), 1.0)


def test_psnr_grad():
    check_grad(lambda a, b: tf.image.psnr(a, b, 1.0), rng.random((2, 3, 3, 1)),
               rng.random((2, 3, 3, 1)))


# -- ssim -------------------------------------------------------------------------------------
def _ref_ssim(x, y, max_val, size=11, sigma=1.5, k1=0.01, k2=0.03):
    """x, y: [h, w, c] float64 → scalar, by explicit windows."""
    coords = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(coords[:, None] ** 2 + coords[None, :] ** 2) / (2 * sigma ** 2))
    g /= g.sum()
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    h, w, c = x.shape
    vals = []
    for ch in range(c):
        for i in range(h - size + 1):
            for j in range(w - size + 1):
                px, py = x[i:i + size, j:j + size, ch], y[i:i + size, j:j + size, ch]
                mx, my = (g * px).sum(), (g * py).sum()
                vx = (g * px * px).sum() - mx * mx
                vy = (g * py * py).sum() - my * my
                cxy = (g * px * py).sum() - mx * my
                vals.append(((2 * mx * my + c1) / (mx * mx + my * my + c1))
                            * ((2 * cxy + c2) / (vx + vy + c2)))
    return np.mean(vals)


def test_ssim_matches_window_reference():
    x = rng.random((2, 13, 14, 3))
    y = np.clip(x + 0.2 * rng.standard_normal(x.shape), 0, 1)
    got = tf.image.ssim(x, y, 1.0).numpy()
    want = [_ref_ssim(x[k], y[k], 1.0) for k in range(2)]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    got = tf.image.ssim(x[0], y[0], 1.0, filter_size=5, filter_sigma=0.8).numpy()
    np.testing.assert_allclose(got, _ref_ssim(x[0], y[0], 1.0, 5, 0.8), rtol=1e-10)


def test_ssim_identity_uint8_and_errors():
    x = (rng.random((1, 12, 12, 3)) * 255).astype(np.uint8)
    np.testing.assert_allclose(tf.image.ssim(x, x, 255).numpy(), [1.0], rtol=1e-6)
    y = (rng.random((1, 12, 12, 3)) * 255).astype(np.uint8)
    s8 = tf.image.ssim(x, y, 255)
    sf = tf.image.ssim(x.astype(np.float32) / 255, y.astype(np.float32) / 255, 1.0)
    np.testing.assert_allclose(s8.numpy(), sf.numpy(), rtol=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="filter_size"):
        tf.image.ssim(tf.ones([1, 8, 8, 1]), tf.ones([1, 8, 8, 1]), 1.0)


def test_ssim_grad():
    check_grad(lambda a, b: tf.image.ssim(a, b, 1.0, filter_size=3, filter_sigma=1.0),
               rng.random((1, 4, 5, 2)), rng.random((1, 4, 5, 2)))


# -- total variation, gradients, patches ------------------------------------------------------
def test_total_variation_values():
    x = rng.random((2, 4, 5, 3))
    want = (np.abs(np.diff(x, axis=1)).sum(axis=(1, 2, 3))
            + np.abs(np.diff(x, axis=2)).sum(axis=(1, 2, 3)))
    np.testing.assert_allclose(tf.image.total_variation(x).numpy(), want)
    np.testing.assert_allclose(tf.image.total_variation(x[0]).numpy(), want[0])
    assert tf.image.total_variation(np.ones((2, 2, 1), np.int32)).dtype == tf.int32
    with pytest.raises(ValueError, match="3 or 4-dimensional"):
        tf.image.total_variation(tf.ones([2, 2]))


def test_total_variation_grad():
    x = np.arange(2 * 3 * 4 * 2, dtype=np.float64).reshape(2, 3, 4, 2) ** 1.3 * 0.37 % 1.7
    x += rng.random(x.shape) * 0.01   # distinct neighbours, away from |.|'s kink
    check_grad(tf.image.total_variation, x)


def test_image_gradients_tf_docstring_example():
    image = tf.reshape(tf.range(25, dtype=tf.float32), [1, 5, 5, 1])
    dy, dx = tf.image.image_gradients(image)
    np.testing.assert_array_equal(dy[0, ..., 0].numpy(), [[5] * 5] * 4 + [[0] * 5])
    np.testing.assert_array_equal(dx[0, ..., 0].numpy(), [[1, 1, 1, 1, 0]] * 5)
    with pytest.raises(ValueError, match="4D tensor"):
        tf.image.image_gradients(tf.ones([5, 5, 1]))


def test_image_gradients_grad():
    check_grad(lambda t: tf.image.image_gradients(t), rng.random((2, 3, 4, 2)))


def _ref_patches(x, k, s, r, padding):
    b, h, w, d = x.shape
    eh, ew = k[0] + (k[0] - 1) * (r[0] - 1), k[1] + (k[1] - 1) * (r[1] - 1)
    if padding == "SAME":
        oh, ow = -(-h // s[0]), -(-w // s[1])
        ph, pw = max((oh - 1) * s[0] + eh - h, 0), max((ow - 1) * s[1] + ew - w, 0)
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    else:
        oh, ow = (h - eh) // s[0] + 1, (w - ew) // s[1] + 1
    out = np.zeros((b, oh, ow, k[0] * k[1] * d), x.dtype)
    for i in range(oh):
        for j in range(ow):
            vals = []
            for a in range(k[0]):
                for c in range(k[1]):
                    vals.append(x[:, i * s[0] + a * r[0], j * s[1] + c * r[1], :])
            out[:, i, j] = np.concatenate(vals, axis=-1)
    return out


@pytest.mark.parametrize("k,s,r,padding", [
    ((2, 2), (2, 2), (1, 1), "VALID"), ((3, 2), (1, 2), (1, 1), "SAME"),
    ((2, 3), (2, 1), (2, 1), "VALID"), ((3, 3), (2, 3), (1, 2), "SAME")])
def test_extract_patches_values(k, s, r, padding):
    x = rng.random((2, 7, 8, 3))
    got = tf.image.extract_patches(x, [1, *k, 1], [1, *s, 1], [1, *r, 1], padding).numpy()
    np.testing.assert_array_equal(got, _ref_patches(x, k, s, r, padding))


def test_extract_patches_tf_docstring_example_and_errors():
    n = 10
    images = tf.reshape(tf.range(1, n * n + 1), [1, n, n, 1])
    out = tf.image.extract_patches(images, [1, 3, 3, 1], [1, 5, 5, 1], [1, 1, 1, 1], "VALID")
    np.testing.assert_array_equal(out[0, 0, 0].numpy(), [1, 2, 3, 11, 12, 13, 21, 22, 23])
    np.testing.assert_array_equal(out[0, 1, 1].numpy(), [56, 57, 58, 66, 67, 68, 76, 77, 78])
    with pytest.raises(ValueError, match="4-D"):
        tf.image.extract_patches(tf.ones([3, 3, 1]), [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1],
                                 "VALID")
    with pytest.raises(ValueError, match=r"\[1, rows, cols, 1\]"):
        tf.image.extract_patches(tf.ones([1, 3, 3, 1]), [2, 2], [1, 1, 1, 1], [1, 1, 1, 1],
                                 "VALID")


def test_extract_patches_grad():
    check_grad(lambda t: tf.image.extract_patches(t, [1, 2, 2, 1], [1, 1, 2, 1],
                                                  [1, 1, 1, 1], "SAME"),
               rng.random((1, 3, 4, 2)))


def test_the_functions_are_in_tf_image_whichever_module_is_imported_first():
    import os
    import subprocess
    import sys
    src = os.path.dirname(os.path.dirname(os.path.abspath(tf.__file__)))
    code = ("import tapeflow.api.image_ops_more, tapeflow as tf; "
            "print(tf.image.adjust_gamma is tapeflow.api.image_ops_more.adjust_gamma)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=src))
    assert out.stdout.strip() == "True"
