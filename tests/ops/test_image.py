"""tf.image: values against plain NumPy references, dtypes, gradients, randomness, errors.

The resize references are loops over output pixels with TF 2's formulas (half-pixel centers,
tensorflow/core/kernels/image/resize_bilinear_op.cc and resize_nearest_neighbor_op.cc); the
source positions are computed in float32 as TF's kernels do, so nearest indices agree exactly.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, rand
from tapeflow.ops.image import resize_area, resize_bilinear, resize_nearest

rng = np.random.default_rng(7)


# -- references ------------------------------------------------------------------------------
def _source(i, in_size, out_size):
    """Half-pixel source position of output index i (float32, as in TF's kernel)."""
    scale = np.float32(in_size) / np.float32(out_size)
    return (np.float32(i) + np.float32(0.5)) * scale


def reference_bilinear(x, out_h, out_w):
    """x: [n, h, w, c] -> float64 [n, out_h, out_w, c], one output pixel at a time."""
    n, h, w, c = x.shape
    x = x.astype(np.float64)
    out = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        sy = float(_source(i, h, out_h)) - 0.5
        y0, y1, ly = max(int(np.floor(sy)), 0), min(int(np.ceil(sy)), h - 1), sy - np.floor(sy)
        for j in range(out_w):
            sx = float(_source(j, w, out_w)) - 0.5
            x0, x1, lx = (max(int(np.floor(sx)), 0), min(int(np.ceil(sx)), w - 1),
                          sx - np.floor(sx))
            top = x[:, y0, x0] + (x[:, y0, x1] - x[:, y0, x0]) * lx
            bottom = x[:, y1, x0] + (x[:, y1, x1] - x[:, y1, x0]) * lx
            out[:, i, j] = top + (bottom - top) * ly
    return out


def reference_nearest(x, out_h, out_w):
    n, h, w, c = x.shape
    out = np.zeros((n, out_h, out_w, c), x.dtype)
    for i in range(out_h):
        y = min(max(int(np.floor(_source(i, h, out_h))), 0), h - 1)
        for j in range(out_w):
            out[:, i, j] = x[:, y, min(max(int(np.floor(_source(j, w, out_w))), 0), w - 1)]
    return out


# -- resize: hand-checked values -------------------------------------------------------------
SQUARE = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1)


def test_bilinear_2x2_to_4x4_by_hand():
    # Along one axis, positions -0.25, 0.25, 0.75, 1.25 give [a, .75a+.25b, .25a+.75b, b].
    expected = [[0.0, 0.25, 0.75, 1.0],
                [0.5, 0.75, 1.25, 1.5],
                [1.5, 1.75, 2.25, 2.5],
                [2.0, 2.25, 2.75, 3.0]]
    out = tf.image.resize(SQUARE, [4, 4])
    assert out.shape == (4, 4, 1) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy()[..., 0], expected, atol=1e-6)


def test_bilinear_2x2_to_3x3_by_hand():
    # Positions -1/6, 1/2, 7/6: [a, (a+b)/2, b].
    expected = [[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]]
    np.testing.assert_allclose(tf.image.resize(SQUARE, [3, 3]).numpy()[..., 0], expected,
                               atol=1e-6)


def test_bilinear_downscale_4_to_2_averages_pairs():
    x = np.arange(16.0).reshape(4, 4, 1)
    # Positions 0.5 and 2.5: the mean of rows (columns) 0,1 and 2,3.
    expected = [[2.5, 4.5], [10.5, 12.5]]
    np.testing.assert_allclose(tf.image.resize(x, [2, 2]).numpy()[..., 0], expected, atol=1e-6)


def test_nearest_by_hand():
    row = np.array([10, 20, 30, 40, 50], np.int32).reshape(1, 5, 1)
    cases = {2: [20, 40], 3: [10, 30, 50], 7: [10, 20, 20, 30, 40, 40, 50],
             10: [10, 10, 20, 20, 30, 30, 40, 40, 50, 50]}
    for width, expected in cases.items():
        out = tf.image.resize(row, [1, width], method="nearest")
        assert out.dtype == tf.int32
        np.testing.assert_array_equal(out.numpy()[0, :, 0], expected)


# -- resize: against the references ------------------------------------------------------------
SIZES = [((2, 2), (4, 4)), ((2, 2), (3, 3)), ((4, 4), (2, 2)), ((5, 7), (3, 11)),
         ((3, 5), (8, 2)), ((1, 4), (3, 6)), ((6, 6), (6, 9)), ((7, 3), (1, 1))]


@pytest.mark.parametrize("in_hw,out_hw", SIZES)
def test_bilinear_matches_reference_4d(in_hw, out_hw):
    x = rng.standard_normal((2,) + in_hw + (3,)).astype(np.float32)
    out = tf.image.resize(x, out_hw)
    assert out.shape == (2,) + out_hw + (3,) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), reference_bilinear(x, *out_hw), atol=1e-5)


@pytest.mark.parametrize("in_hw,out_hw", SIZES)
def test_nearest_matches_reference_3d(in_hw, out_hw):
    x = rng.standard_normal(in_hw + (2,))
    out = tf.image.resize(x, out_hw, method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
    assert out.shape == out_hw + (2,) and out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), reference_nearest(x[None], *out_hw)[0])


def test_bilinear_large_sizes_take_the_gather_path():
    # 300 · 250 weights exceed the dense-matrix limit: gathers and an elementwise mix instead.
    x = rng.standard_normal((1, 2, 300, 2)).astype(np.float32)
    np.testing.assert_allclose(tf.image.resize(x, [3, 250]).numpy(),
                               reference_bilinear(x, 3, 250), atol=1e-5)


def test_bilinear_non_finite_values_stay_local():
    x = np.zeros((1, 4, 6, 1), np.float32)
    x[0, 1, 2, 0] = np.inf
    with np.errstate(invalid="ignore"):       # inf − inf gives NaN, as in TF's kernel
        out = tf.image.resize(x, [8, 9]).numpy()
        expected = reference_bilinear(x, 8, 9)
    np.testing.assert_array_equal(np.isfinite(out), np.isfinite(expected))
    assert np.isfinite(out).sum() > out.size // 2
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_bilinear_3d_equals_4d_batch_of_one():
    x = rng.standard_normal((3, 4, 2)).astype(np.float32)
    np.testing.assert_array_equal(tf.image.resize(x, [5, 7]).numpy(),
                                  tf.image.resize(x[None], [5, 7]).numpy()[0])


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float16, np.float64])
def test_bilinear_returns_float32_for_every_input_dtype(dtype):
    x = (rng.uniform(0, 100, (1, 3, 3, 1))).astype(dtype)
    out = tf.image.resize(x, [5, 4])
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), reference_bilinear(x, 5, 4), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float16, np.float64])
def test_nearest_keeps_the_input_dtype(dtype):
    x = rng.uniform(0, 100, (1, 3, 3, 1)).astype(dtype)
    out = tf.image.resize(x, [5, 2], method="nearest")
    assert out.dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), reference_nearest(x, 5, 2))


def test_same_size_bilinear_is_a_float32_copy():
    x = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    out = tf.image.resize(x, [2, 3])
    assert out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), x.astype(np.float32))


def test_size_may_be_a_tensor_or_array():
    x = np.ones((4, 4, 1), np.float32)
    assert tf.image.resize(x, tf.constant([2, 3])).shape == (2, 3, 1)
    assert tf.image.resize(x, np.array([5, 1])).shape == (5, 1, 1)


@pytest.mark.parametrize("in_hw,size,expected", [((4, 6), (10, 10), (7, 10)),
                                                 ((8, 4), (2, 8), (2, 1)),
                                                 ((5, 5), (10, 20), (10, 10)),
                                                 ((3, 3), (3, 3), (3, 3))])
def test_preserve_aspect_ratio(in_hw, size, expected):
    x = np.ones((1,) + in_hw + (1,), np.float32)
    out = tf.image.resize(x, size, preserve_aspect_ratio=True)
    assert out.shape == (1,) + expected + (1,)


def test_resize_method_constants():
    m = tf.image.ResizeMethod
    assert (m.BILINEAR, m.NEAREST_NEIGHBOR, m.BICUBIC, m.AREA) == ("bilinear", "nearest",
                                                                   "bicubic", "area")
    assert (m.LANCZOS3, m.LANCZOS5, m.GAUSSIAN, m.MITCHELLCUBIC) == (
        "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def test_antialias_changes_nothing_when_upsampling_or_for_nearest():
    x = rng.standard_normal((1, 3, 4, 1)).astype(np.float32)
    np.testing.assert_array_equal(tf.image.resize(x, [6, 8], antialias=True).numpy(),
                                  tf.image.resize(x, [6, 8]).numpy())
    np.testing.assert_array_equal(
        tf.image.resize(x, [2, 2], method="nearest", antialias=True).numpy(),
        tf.image.resize(x, [2, 2], method="nearest").numpy())


# -- resize: area ---------------------------------------------------------------------------------
def reference_area(x, out_h, out_w):
    """Each output pixel: the overlap-weighted mean of the input cells under its window."""
    n, h, w, c = x.shape
    sy, sx = h / out_h, w / out_w
    out = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            total = np.zeros((n, c))
            for a in range(h):
                wy = max(0.0, min(a + 1, (i + 1) * sy) - max(a, i * sy))
                for b in range(w):
                    wx = max(0.0, min(b + 1, (j + 1) * sx) - max(b, j * sx))
                    total += wy * wx * x[:, a, b]
            out[:, i, j] = total / (sy * sx)
    return out


def test_area_4_to_3_by_hand():
    # TF's kernel comment: out[0] = (in0 + in1/3)·0.75, out[1] = (in1·2/3 + in2·2/3)·0.75, ...
    row = np.array([3.0, 6.0, 9.0, 12.0]).reshape(1, 4, 1)
    expected = [(3 + 6 / 3) * 0.75, (6 * 2 / 3 + 9 * 2 / 3) * 0.75, (9 / 3 + 12) * 0.75]
    np.testing.assert_allclose(tf.image.resize(row, [1, 3], method="area").numpy()[0, :, 0],
                               expected, rtol=1e-6)


@pytest.mark.parametrize("in_hw,out_hw", SIZES)
def test_area_matches_reference(in_hw, out_hw):
    x = rng.uniform(0, 255, (2,) + in_hw + (2,)).astype(np.uint8)
    out = tf.image.resize(x, out_hw, method=tf.image.ResizeMethod.AREA, antialias=True)
    assert out.shape == (2,) + out_hw + (2,) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), reference_area(x.astype(np.float64), *out_hw),
                               rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("in_hw,out_hw", [((5, 6), (2, 4)), ((2, 3), (5, 4))])
def test_area_gradient(in_hw, out_hw):
    check_grad(lambda x: resize_area(x, *out_hw), rand((2,) + in_hw + (1,)))


# -- resize: errors ------------------------------------------------------------------------------
def test_resize_wrong_rank():
    with pytest.raises(ValueError, match=r"resize.*\(4, 4\).*3 or 4 dimensions"):
        tf.image.resize(np.ones((4, 4)), [2, 2])


@pytest.mark.parametrize("size", [[2], [2, 2, 2], [[2, 2]], [2.5, 3], "ab"])
def test_resize_bad_size(size):
    with pytest.raises(ValueError, match="resize: 'size' must be a 1-D"):
        tf.image.resize(np.ones((4, 4, 1)), size)


def test_resize_non_positive_size_and_empty_image():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"output dimensions must be "
                                                             r"positive.*\[0, 3\].*\(4, 4, 1\)"):
        tf.image.resize(np.ones((4, 4, 1)), [0, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"non-zero size.*\(0, 4, 1\)"):
        tf.image.resize(np.ones((0, 4, 1)), [2, 3])


@pytest.mark.parametrize("method", ["bicubic", "lanczos3", "lanczos5", "gaussian",
                                    "mitchellcubic"])
def test_unimplemented_methods_say_what_is_supported(method):
    with pytest.raises(NotImplementedError, match=r"%s.*'bilinear', 'nearest' and 'area'"
                       % method):
        tf.image.resize(np.ones((4, 4, 1)), [2, 2], method=method)


@pytest.mark.parametrize("method", ["cubic", "BILINEAR", 0])
def test_unknown_method(method):
    with pytest.raises(ValueError, match="Resize method is not implemented"):
        tf.image.resize(np.ones((4, 4, 1)), [2, 2], method=method)


def test_antialias_downscaling_is_not_implemented():
    with pytest.raises(NotImplementedError, match="antialias"):
        tf.image.resize(np.ones((4, 4, 1)), [2, 2], antialias=True)


# -- resize: gradients ---------------------------------------------------------------------------
@pytest.mark.parametrize("in_hw,out_hw", [((2, 3), (5, 7)), ((6, 5), (3, 2)), ((4, 4), (3, 6)),
                                          ((1, 3), (2, 1))])
def test_bilinear_gradient(in_hw, out_hw):
    check_grad(lambda x: resize_bilinear(x, *out_hw), rand((2,) + in_hw + (2,)))


def test_bilinear_gradient_on_the_gather_path():
    check_grad(lambda x: resize_bilinear(x, 2, 230), rand(1, 3, 300, 1))


def test_bilinear_second_order_is_zero_but_defined():
    check_grad(lambda x: resize_bilinear(x, 5, 3), rand(1, 3, 4, 1), order=2)


@pytest.mark.parametrize("in_hw,out_hw", [((2, 3), (5, 7)), ((6, 5), (3, 2))])
def test_nearest_gradient(in_hw, out_hw):
    check_grad(lambda x: tf.image.resize(x, out_hw, method="nearest"), rand(in_hw + (2,)))


def test_bilinear_gradient_reaches_float64_inputs_through_the_float32_cast():
    x = tf.constant(rand(1, 3, 3, 1))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        public = tf.reduce_sum(tf.image.resize(x, [5, 4]) ** 2)
        internal = tf.reduce_sum(resize_bilinear(x, 5, 4) ** 2)
    g = tape.gradient(public, x)
    assert g.dtype == tf.float64
    np.testing.assert_allclose(g.numpy(), tape.gradient(internal, x).numpy(), rtol=1e-5,
                               atol=1e-5)


def test_resize_helpers_keep_dtype():
    x = tf.constant(rand(1, 2, 2, 1))
    assert resize_bilinear(x, 3, 3).dtype == tf.float64
    assert resize_nearest(x, 3, 3).dtype == tf.float64


# -- flips, rotations, transposes ----------------------------------------------------------------
IMAGE3 = rng.standard_normal((3, 4, 2))
IMAGE4 = rng.standard_normal((2, 3, 4, 2))


@pytest.mark.parametrize("x", [IMAGE3, IMAGE4], ids=["3d", "4d"])
def test_flips_and_transpose(x):
    h, w = x.ndim - 3, x.ndim - 2
    np.testing.assert_array_equal(tf.image.flip_left_right(x).numpy(), np.flip(x, w))
    np.testing.assert_array_equal(tf.image.flip_up_down(x).numpy(), np.flip(x, h))
    np.testing.assert_array_equal(tf.image.transpose(x).numpy(), np.swapaxes(x, h, w))


@pytest.mark.parametrize("x", [IMAGE3, IMAGE4], ids=["3d", "4d"])
@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 4, 5])
def test_rot90_counter_clockwise(x, k):
    h, w = x.ndim - 3, x.ndim - 2
    np.testing.assert_array_equal(tf.image.rot90(x, k).numpy(), np.rot90(x, k, axes=(h, w)))


def test_rot90_by_hand():
    a = np.array([[[1], [2]], [[3], [4]]])
    np.testing.assert_array_equal(tf.image.rot90(a)[..., 0].numpy(), [[2, 4], [1, 3]])
    np.testing.assert_array_equal(tf.image.rot90(a, k=tf.constant(3))[..., 0].numpy(),
                                  [[3, 1], [4, 2]])


@pytest.mark.parametrize("fn", [tf.image.flip_left_right, tf.image.flip_up_down,
                                tf.image.transpose, tf.image.rot90])
def test_geometric_ops_reject_bad_rank(fn):
    with pytest.raises(ValueError, match=r"%s.*\(3, 4\).*3 or 4 dimensions" % fn.__name__):
        fn(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"\(1, 1, 3, 4, 1\)"):
        fn(np.ones((1, 1, 3, 4, 1)))


def test_rot90_rejects_a_non_integer_k():
    with pytest.raises(TypeError, match="rot90: k must be an integer"):
        tf.image.rot90(IMAGE3, 1.5)


# -- crops and pads -------------------------------------------------------------------------------
def test_central_crop_tf_example():
    x = np.arange(1.0, 49.0).reshape(4, 4, 3)
    np.testing.assert_array_equal(tf.image.central_crop(x, 0.5).numpy(), x[1:3, 1:3])


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.77, 0.99, 1.0])
def test_central_crop_reference(fraction):
    x = rng.standard_normal((2, 10, 7, 3))
    top, left = int((10 - 10 * fraction) / 2), int((7 - 7 * fraction) / 2)
    np.testing.assert_array_equal(tf.image.central_crop(x, fraction).numpy(),
                                  x[:, top:10 - top, left:7 - left])


def test_central_crop_errors():
    with pytest.raises(ValueError, match=r"central_fraction must be within \(0, 1\]"):
        tf.image.central_crop(IMAGE3, 0.0)
    with pytest.raises(ValueError, match=r"central_fraction must be within \(0, 1\]"):
        tf.image.central_crop(IMAGE3, 1.5)
    with pytest.raises(ValueError, match=r"central_crop.*\(3, 4\).*at least three"):
        tf.image.central_crop(np.ones((3, 4)), 0.5)
    with pytest.raises(ValueError, match=r"rank = 5"):
        tf.image.central_crop(np.ones((1, 1, 3, 4, 1)), 0.5)


@pytest.mark.parametrize("x", [IMAGE3, IMAGE4], ids=["3d", "4d"])
def test_crop_and_pad_to_bounding_box(x):
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(x, 1, 2, 2, 1).numpy(),
                                  x[..., 1:3, 2:3, :])
    pads = [(0, 0)] * (x.ndim - 3) + [(2, 1), (1, 3), (0, 0)]
    np.testing.assert_array_equal(tf.image.pad_to_bounding_box(x, 2, 1, 6, 8).numpy(),
                                  np.pad(x, pads))


def reference_crop_or_pad(x, th, tw):
    """Places the centre of x on a zero canvas of th x tw (odd excess to the bottom/right)."""
    h, w = x.shape[:2]
    out = np.zeros((th, tw) + x.shape[2:], x.dtype)
    for i in range(th):
        for j in range(tw):
            si, sj = i + (h - th) // 2 if h > th else i - (th - h) // 2, \
                j + (w - tw) // 2 if w > tw else j - (tw - w) // 2
            if 0 <= si < h and 0 <= sj < w:
                out[i, j] = x[si, sj]
    return out


@pytest.mark.parametrize("th,tw", [(3, 4), (1, 1), (5, 9), (2, 6), (6, 2), (4, 3)])
def test_resize_with_crop_or_pad(th, tw):
    x = np.arange(3 * 4 * 2).reshape(3, 4, 2)
    out = tf.image.resize_with_crop_or_pad(x, th, tw)
    np.testing.assert_array_equal(out.numpy(), reference_crop_or_pad(x, th, tw))
    batched = tf.image.resize_with_crop_or_pad(np.stack([x, x + 100]), th, tw)
    np.testing.assert_array_equal(batched.numpy()[1], reference_crop_or_pad(x + 100, th, tw))


def test_resize_with_crop_or_pad_tf_examples():
    image = np.arange(75).reshape(5, 5, 3)
    np.testing.assert_array_equal(tf.image.resize_with_crop_or_pad(image, 3, 3).numpy()[..., 0],
                                  [[18, 21, 24], [33, 36, 39], [48, 51, 54]])
    image = np.arange(1, 28).reshape(3, 3, 3)
    padded = tf.image.resize_with_crop_or_pad(image, 5, 5).numpy()[..., 0]
    np.testing.assert_array_equal(padded[1:4, 1:4], [[1, 4, 7], [10, 13, 16], [19, 22, 25]])
    assert padded.sum() == 1 + 4 + 7 + 10 + 13 + 16 + 19 + 22 + 25


@pytest.mark.parametrize("args,message", [
    ((-1, 0, 2, 2), "offset_height must be >= 0"),
    ((0, -1, 2, 2), "offset_width must be >= 0"),
    ((0, 0, 0, 2), "target_height must be > 0"),
    ((0, 0, 2, 0), "target_width must be > 0"),
    ((2, 0, 2, 2), "height must be >= target \\+ offset"),
    ((0, 3, 2, 2), "width must be >= target \\+ offset")])
def test_crop_to_bounding_box_errors(args, message):
    with pytest.raises(ValueError, match=r"crop_to_bounding_box: %s \(image shape \(3, 4, 2\)"
                       % message):
        tf.image.crop_to_bounding_box(IMAGE3, *args)


@pytest.mark.parametrize("args,message", [
    ((-1, 0, 4, 4), "offset_height must be >= 0"),
    ((0, -1, 4, 4), "offset_width must be >= 0"),
    ((0, 1, 4, 4), "width must be <= target - offset"),
    ((2, 0, 4, 4), "height must be <= target - offset")])
def test_pad_to_bounding_box_errors(args, message):
    with pytest.raises(ValueError, match=r"pad_to_bounding_box: %s \(image shape \(3, 4, 2\)"
                       % message):
        tf.image.pad_to_bounding_box(IMAGE3, *args)


def test_crop_and_pad_reject_bad_rank_and_empty_images():
    with pytest.raises(ValueError, match=r"crop_to_bounding_box.*\(3, 4\)"):
        tf.image.crop_to_bounding_box(np.ones((3, 4)), 0, 0, 1, 1)
    with pytest.raises(ValueError, match=r"resize_with_crop_or_pad: target_width must be > 0"):
        tf.image.resize_with_crop_or_pad(IMAGE3, 2, 0)
    with pytest.raises(ValueError, match=r"inner 3 dims.*\(3, 0, 2\)"):
        tf.image.pad_to_bounding_box(np.ones((3, 0, 2)), 0, 0, 4, 4)


def _reseeded(fn, x):
    """fn(x) with the same draw on every call (check_grad calls it several times)."""
    tf.random.set_seed(0)
    return fn(x, seed=3)


@pytest.mark.parametrize("fn", [
    tf.image.flip_left_right, tf.image.flip_up_down, tf.image.transpose,
    lambda x: tf.image.rot90(x, 3), lambda x: tf.image.central_crop(x, 0.5),
    lambda x: tf.image.crop_to_bounding_box(x, 1, 1, 2, 2),
    lambda x: tf.image.pad_to_bounding_box(x, 1, 2, 5, 7),
    lambda x: tf.image.resize_with_crop_or_pad(x, 5, 2),
    lambda x: _reseeded(tf.image.random_flip_left_right, x)])
def test_geometric_gradients(fn):
    check_grad(fn, rand(2, 4, 4, 2))


# -- per_image_standardization ------------------------------------------------------------------
def reference_standardize(x):
    x = x.astype(np.float64)
    out = np.empty_like(x)
    for idx in np.ndindex(x.shape[:-3]):
        img = x[idx]
        adjusted = max(img.std(), 1.0 / np.sqrt(img.size))
        out[idx] = (img - img.mean()) / adjusted
    return out


def test_per_image_standardization_tf_example():
    out = tf.image.per_image_standardization(np.arange(1, 13, dtype=np.int32).reshape(2, 2, 3))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy().ravel()[:6], [-1.593255, -1.3035723, -1.0138896,
                                                         -0.7242068, -0.4345241, -0.14484136],
                               rtol=1e-6)


@pytest.mark.parametrize("shape", [(3, 4, 2), (2, 3, 4, 2), (2, 2, 3, 3, 1)])
def test_per_image_standardization_each_image(shape):
    x = rng.standard_normal(shape) * 3.0 + np.arange(shape[-1])
    out = tf.image.per_image_standardization(x)
    assert out.dtype == tf.float32       # float32 whatever the input dtype, as in TF
    np.testing.assert_allclose(out.numpy(), reference_standardize(x), rtol=1e-5, atol=1e-5)


def test_per_image_standardization_uses_the_adjusted_stddev_on_flat_images():
    x = np.stack([np.full((2, 2, 1), 5.0), rng.standard_normal((2, 2, 1)) * 1e-3])
    out = tf.image.per_image_standardization(x).numpy()
    np.testing.assert_array_equal(out[0], np.zeros((2, 2, 1)))        # no NaN from stddev 0
    # stddev 1e-3 < 1/sqrt(4): divided by 0.5, not by the stddev.
    np.testing.assert_allclose(out[1], (x[1] - x[1].mean()) / 0.5, rtol=1e-4, atol=1e-7)


def test_per_image_standardization_gradient_against_float64_differences():
    x = rng.standard_normal((2, 3, 3, 2))
    w = rng.standard_normal(x.shape)
    xt = tf.constant(x.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(tf.image.per_image_standardization(xt) * w.astype(np.float32))
    grad = tape.gradient(loss, xt).numpy()
    numeric, eps = np.zeros_like(x), 1e-6
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        numeric[idx] = (np.sum(reference_standardize(x + d) * w)
                        - np.sum(reference_standardize(x - d) * w)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-4)


def test_per_image_standardization_rank_error():
    with pytest.raises(ValueError, match=r"per_image_standardization.*\(4, 3\).*three"):
        tf.image.per_image_standardization(np.ones((4, 3)))


# -- convert_image_dtype --------------------------------------------------------------------------
@pytest.mark.parametrize("values,src,dst,saturate,expected", [
    ([0, 51, 255], "uint8", "float32", False, [0.0, 0.2, 1.0]),
    ([0.0, 0.5, 0.999, 1.0], "float32", "uint8", False, [0, 127, 255, 255]),   # x·255.5, truncated
    ([-0.5, 0.25, 1.5], "float32", "uint8", True, [0, 63, 255]),
    ([1, 2, 127], "int8", "int16", False, [256, 512, 32512]),
    ([1000, 2000, -1000], "int16", "uint8", True, [7, 15, 0]),
    ([1000, 2000, -1000], "int16", "uint8", False, [7, 15, 248]),
    ([-5, 3], "int8", "uint8", True, [0, 6]),
    ([-5, 3], "int8", "uint8", False, [246, 6]),
    ([0.25, 0.75], "float32", "float64", False, [0.25, 0.75]),
    ([2.0], "float32", "int64", True, [np.iinfo(np.int64).max - 1023]),
])
def test_convert_image_dtype(values, src, dst, saturate, expected):
    out = tf.image.convert_image_dtype(tf.constant(values, src), dst, saturate=saturate)
    assert out.dtype == tf.as_dtype(dst)
    np.testing.assert_allclose(out.numpy(), np.asarray(expected, tf.as_dtype(dst).np_dtype),
                               rtol=1e-6)


def test_convert_image_dtype_int_to_float_divides_by_the_input_max():
    a = [[[1], [2]], [[3], [4]]]
    np.testing.assert_allclose(tf.image.convert_image_dtype(tf.constant(a, tf.int8), tf.float32)
                               .numpy().ravel(), np.arange(1, 5) / 127.0, rtol=1e-6)
    np.testing.assert_allclose(tf.image.convert_image_dtype(tf.constant(a, tf.int32), "float32")
                               .numpy().ravel(), np.arange(1, 5) / 2147483647.0, rtol=1e-6)


def test_convert_image_dtype_round_trips():
    c = tf.constant([1, 2, 127], tf.int8)
    back = tf.image.convert_image_dtype(tf.image.convert_image_dtype(c, tf.int16), tf.int8)
    np.testing.assert_array_equal(back.numpy(), [1, 2, 127])
    d = tf.image.convert_image_dtype(tf.constant([1000, 2000, 3000, 4000], tf.int16), tf.uint8)
    np.testing.assert_array_equal(tf.image.convert_image_dtype(d, tf.int16).numpy(),
                                  [896, 1920, 2944, 3968])


def test_convert_image_dtype_same_dtype_and_gradient():
    x = tf.constant([0.5, 0.25])
    assert tf.image.convert_image_dtype(x, tf.float32) is not x
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.convert_image_dtype(x, tf.float64) * tf.constant([2.0, 3.0], tf.float64)
    grad = tape.gradient(y, x)        # float to float is a cast: the gradient passes through
    assert grad.dtype == tf.float32
    np.testing.assert_array_equal(grad.numpy(), [2.0, 3.0])


def test_convert_image_dtype_rejects_non_numeric_dtypes():
    with pytest.raises(AttributeError, match="floating point or integer, got bool"):
        tf.image.convert_image_dtype(tf.constant([0.5]), tf.bool)


# -- colour ---------------------------------------------------------------------------------------
GRAY_WEIGHTS = np.array([0.2989, 0.5870, 0.1140])


def test_rgb_to_grayscale_float_and_uint8():
    x = rng.uniform(0, 1, (2, 3, 4, 3))
    out = tf.image.rgb_to_grayscale(x)
    assert out.shape == (2, 3, 4, 1) and out.dtype == tf.float64
    np.testing.assert_allclose(out.numpy()[..., 0], x @ GRAY_WEIGHTS, rtol=1e-12)
    u = rng.integers(0, 256, (3, 4, 3)).astype(np.uint8)
    gray = tf.image.rgb_to_grayscale(u)
    assert gray.dtype == tf.uint8
    # to [0, 1) floats, weighted sum, back with x·255.5 truncated
    expected = np.trunc((u / 255.0) @ GRAY_WEIGHTS * 255.5)[..., None]
    np.testing.assert_allclose(gray.numpy(), expected, atol=1)


def test_rgb_to_grayscale_gradient_and_errors():
    check_grad(tf.image.rgb_to_grayscale, rand(2, 2, 3))
    with pytest.raises(ValueError, match=r"rgb_to_grayscale.*must be 3.*\(2, 2, 4\)"):
        tf.image.rgb_to_grayscale(np.ones((2, 2, 4)))


def test_grayscale_to_rgb():
    x = rng.standard_normal((2, 3, 1)).astype(np.float32)
    out = tf.image.grayscale_to_rgb(x)
    np.testing.assert_array_equal(out.numpy(), np.repeat(x, 3, axis=-1))
    check_grad(tf.image.grayscale_to_rgb, rand(2, 3, 1))
    with pytest.raises(ValueError, match=r"grayscale_to_rgb.*size 1.*\(2, 3\)"):
        tf.image.grayscale_to_rgb(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"grayscale_to_rgb.*\(3,\).*two-dimensional"):
        tf.image.grayscale_to_rgb(np.ones(3))


def test_adjust_brightness_values_and_dtypes():
    x = rng.uniform(0, 1, (2, 3, 3)).astype(np.float32)
    out = tf.image.adjust_brightness(x, 0.1)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), x + 0.1, rtol=1e-6)
    assert tf.image.adjust_brightness(x.astype(np.float64), 0.1).dtype == tf.float64
    u = np.array([[[0, 100, 250]]], np.uint8)
    bright = tf.image.adjust_brightness(u, 0.1)
    assert bright.dtype == tf.uint8
    expected = np.trunc(np.clip((u / 255.0 + 0.1) * 255.5, 0, 255))   # saturates at 255
    np.testing.assert_allclose(bright.numpy(), expected, atol=1)
    assert bright.numpy()[0, 0, 2] == 255


def reference_contrast(x, factor):
    x = x.astype(np.float64)
    out = np.empty_like(x)
    for idx in np.ndindex(x.shape[:-3]):
        for c in range(x.shape[-1]):
            channel = x[idx][..., c]
            out[idx + (Ellipsis, c)] = (channel - channel.mean()) * factor + channel.mean()
    return out


@pytest.mark.parametrize("shape", [(3, 4, 2), (2, 3, 4, 3)])
def test_adjust_contrast_per_image_and_channel(shape):
    x = rng.standard_normal(shape).astype(np.float32)
    out = tf.image.adjust_contrast(x, 1.7)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), reference_contrast(x, 1.7), rtol=1e-5, atol=1e-5)


def test_adjust_contrast_tf_example_and_uint8():
    x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]]
    np.testing.assert_allclose(tf.image.adjust_contrast(x, 2.0).numpy(),
                               [[[-3.5, -2.5, -1.5], [2.5, 3.5, 4.5]],
                                [[8.5, 9.5, 10.5], [14.5, 15.5, 16.5]]])
    u = np.array([[[10], [240]]], np.uint8)
    out = tf.image.adjust_contrast(u, 3.0)
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy(), [[[0], [255]]])     # saturated both ways


def test_adjustment_gradients():
    check_grad(lambda x, d: tf.image.adjust_brightness(x, d), rand(2, 3, 2), 0.3)
    check_grad(lambda x, f: tf.image.adjust_contrast(x, f), rand(2, 3, 4, 2), 1.7)
    check_grad(lambda x: tf.image.adjust_contrast(x, 0.5), rand(3, 3, 1), order=2)


def test_adjust_contrast_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"adjust_contrast.*3-D.*\(4, 4\)"):
        tf.image.adjust_contrast(np.ones((4, 4)), 2.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"contrast_factor must be a scalar"):
        tf.image.adjust_contrast(np.ones((2, 2, 1)), [1.0, 2.0])


# -- random ----------------------------------------------------------------------------------------
def _flipped_mask(out, x, axis):
    """Per image: True if flipped, False if unchanged (and each is one or the other)."""
    flipped = np.all(out == np.flip(x, axis), axis=(1, 2, 3))
    same = np.all(out == x, axis=(1, 2, 3))
    assert np.all(flipped | same)
    return flipped


@pytest.mark.parametrize("fn,axis", [(tf.image.random_flip_left_right, 2),
                                     (tf.image.random_flip_up_down, 1)])
def test_random_flip_batch_flips_each_image_independently(fn, axis):
    x = rng.standard_normal((64, 3, 3, 1))
    first = _flipped_mask(fn(x).numpy(), x, axis)
    second = _flipped_mask(fn(x).numpy(), x, axis)
    assert 0 < first.sum() < 64                      # some flipped, some not
    assert not np.array_equal(first, second)         # a new draw on every call


@pytest.mark.parametrize("fn,axis", [(tf.image.random_flip_left_right, 2),
                                     (tf.image.random_flip_up_down, 1)])
def test_random_flip_follows_tf_rounding_rule_and_seeds(fn, axis):
    x = rng.standard_normal((32, 2, 2, 1))
    tf.random.set_seed(11)
    draws = tf.random.uniform([32], seed=5).numpy()
    tf.random.set_seed(11)
    flipped = _flipped_mask(fn(x, seed=5).numpy(), x, axis)
    np.testing.assert_array_equal(flipped, np.round(draws) == 1.0)
    tf.random.set_seed(11)
    again = _flipped_mask(fn(x, seed=5).numpy(), x, axis)
    np.testing.assert_array_equal(flipped, again)


def test_random_flip_single_image():
    x = rng.standard_normal((3, 3, 1))
    outcomes = {np.array_equal(tf.image.random_flip_left_right(x).numpy(), np.flip(x, 1))
                for _ in range(40)}
    assert outcomes == {True, False}
    tf.random.set_seed(3)
    draw = float(tf.random.uniform([], seed=9))
    tf.random.set_seed(3)
    out = tf.image.random_flip_up_down(x, seed=9).numpy()
    np.testing.assert_array_equal(out, np.flip(x, 0) if draw < 0.5 else x)


def test_random_flip_rank_error():
    with pytest.raises(ValueError, match=r"random_flip_left_right.*\(3, 3\)"):
        tf.image.random_flip_left_right(np.ones((3, 3)))


def test_random_brightness_and_contrast_draw_one_value_in_range():
    x = rng.uniform(0, 1, (4, 3, 3, 2)).astype(np.float32)
    deltas = set()
    for _ in range(5):
        diff = tf.image.random_brightness(x, 0.2).numpy() - x
        np.testing.assert_allclose(diff, diff.flat[0], atol=1e-6)   # one delta for the batch
        assert -0.2 - 1e-6 <= diff.flat[0] < 0.2 + 1e-6
        deltas.add(round(float(diff.flat[0]), 5))
    assert len(deltas) > 1
    factors = set()
    for _ in range(5):
        out = tf.image.random_contrast(x, 0.5, 1.5).numpy()
        mean = x.mean(axis=(1, 2), keepdims=True)
        factor = ((out - mean) / (x - mean)).ravel()
        np.testing.assert_allclose(factor, factor[0], rtol=1e-3)
        assert 0.5 - 1e-3 <= factor[0] < 1.5 + 1e-3
        factors.add(round(float(factor[0]), 3))
    assert len(factors) > 1


@pytest.mark.parametrize("fn", [lambda x, s: tf.image.random_brightness(x, 0.3, seed=s),
                                lambda x, s: tf.image.random_contrast(x, 0.2, 1.8, seed=s)])
def test_random_adjustments_are_reproducible_with_seeds(fn):
    x = rng.uniform(0, 1, (3, 3, 2)).astype(np.float32)
    tf.random.set_seed(42)
    a, b = fn(x, 1).numpy(), fn(x, 1).numpy()
    tf.random.set_seed(42)
    np.testing.assert_array_equal(fn(x, 1).numpy(), a)
    np.testing.assert_array_equal(fn(x, 1).numpy(), b)
    assert not np.array_equal(a, b)      # the op's stream continues between calls


def test_random_adjustment_argument_errors():
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        tf.image.random_brightness(np.ones((2, 2, 1)), -0.1)
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_contrast(np.ones((2, 2, 1)), 0.5, 0.5)
    with pytest.raises(ValueError, match="lower must be non-negative"):
        tf.image.random_contrast(np.ones((2, 2, 1)), -0.5, 0.5)


# -- namespace -------------------------------------------------------------------------------------
def test_tf_image_loads_lazily():
    code = "import sys, tapeflow; print('tapeflow.api.image' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=os.path.dirname(tf.__path__[0]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.strip() == "False"
