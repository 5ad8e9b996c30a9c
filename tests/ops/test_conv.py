"""Forward values and output shapes of tf.nn convolutions against loop references."""
import itertools
import math

import numpy as np
import pytest

import tapeflow as tf

rng = np.random.default_rng(0)


def reference_conv2d(x, w, strides, dilations, pads):
    """Direct cross-correlation with explicit zero padding, by loops."""
    (pt, pb), (pl, pr) = pads
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    kh, kw, _, cout = w.shape
    ho = (xp.shape[1] - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    wo = (xp.shape[2] - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    y = np.zeros((x.shape[0], ho, wo, cout))
    for a, b, i, j in itertools.product(range(ho), range(wo), range(kh), range(kw)):
        row, col = a * strides[0] + i * dilations[0], b * strides[1] + j * dilations[1]
        y[:, a, b] += xp[:, row, col] @ w[i, j]
    return y


def same_pads(size, k, s, d):
    out = math.ceil(size / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


@pytest.mark.parametrize("padding,stride,dilation",
                         list(itertools.product(["VALID", "SAME"], [1, 2, 3], [1, 2])))
def test_conv2d_values_and_shape_every_combination(padding, stride, dilation):
    x, w = rng.standard_normal((2, 8, 7, 3)), rng.standard_normal((3, 2, 3, 4))
    y = tf.nn.conv2d(x, w, stride, padding, dilations=dilation).numpy()
    if padding == "VALID":
        pads = ((0, 0), (0, 0))
        expect = (math.ceil((8 - 2 * dilation) / stride), math.ceil((7 - dilation) / stride))
    else:
        pads = (same_pads(8, 3, stride, dilation), same_pads(7, 2, stride, dilation))
        expect = (math.ceil(8 / stride), math.ceil(7 / stride))
    assert y.shape == (2,) + expect + (4,)
    np.testing.assert_allclose(y, reference_conv2d(x, w, (stride,) * 2, (dilation,) * 2, pads),
                               atol=1e-10)


def test_conv2d_explicit_padding_and_4_element_strides():
    x, w = rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((3, 3, 2, 2))
    y = tf.nn.conv2d(x, w, [1, 2, 1, 1], [[0, 0], [2, 1], [0, 3], [0, 0]]).numpy()
    np.testing.assert_allclose(y, reference_conv2d(x, w, (2, 1), (1, 1), ((2, 1), (0, 3))),
                               atol=1e-10)


def test_conv2d_float32_in_float32_out():
    y = tf.nn.conv2d(np.ones((1, 4, 4, 1), np.float32), np.ones((2, 2, 1, 1), np.float32), 1,
                     "VALID")
    assert y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), np.full((1, 3, 3, 1), 4.0, np.float32))


def test_conv2d_nchw_matches_nhwc():
    x, w = rng.standard_normal((2, 5, 6, 3)), rng.standard_normal((3, 3, 3, 2))
    nhwc = tf.nn.conv2d(x, w, 1, "SAME").numpy()
    nchw = tf.nn.conv2d(x.transpose(0, 3, 1, 2), w, 1, "SAME", data_format="NCHW").numpy()
    np.testing.assert_allclose(nchw, nhwc.transpose(0, 3, 1, 2), atol=1e-12)


def test_grouped_conv2d_is_per_group_convolution():
    x, w = rng.standard_normal((1, 5, 5, 4)), rng.standard_normal((3, 3, 2, 6))
    y = tf.nn.conv2d(x, w, 1, "VALID").numpy()
    first = reference_conv2d(x[..., :2], w[..., :3], (1, 1), (1, 1), ((0, 0), (0, 0)))
    second = reference_conv2d(x[..., 2:], w[..., 3:], (1, 1), (1, 1), ((0, 0), (0, 0)))
    np.testing.assert_allclose(y, np.concatenate([first, second], -1), atol=1e-12)


def test_conv1d_matches_loop():
    x, w = rng.standard_normal((2, 9, 3)), rng.standard_normal((3, 3, 4))
    y = tf.nn.conv1d(x, w, 2, "VALID").numpy()
    ref = np.stack([sum(x[:, 2 * t + i] @ w[i] for i in range(3)) for t in range(4)], 1)
    np.testing.assert_allclose(y, ref, atol=1e-12)
    assert tf.nn.conv1d(x, w, 1, "SAME", dilations=2).shape == (2, 9, 4)


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    x, w = rng.standard_normal((2, 6, 6, 2)), rng.standard_normal((3, 3, 2, 4))
    g = rng.standard_normal((2, 3, 3, 4))
    y = tf.nn.conv2d(x, w, 2, "SAME").numpy()
    xt = tf.nn.conv2d_transpose(g, w, [2, 6, 6, 2], 2, "SAME").numpy()
    # <conv(x), g> == <x, conv_transpose(g)>
    np.testing.assert_allclose(np.sum(y * g), np.sum(x * xt), rtol=1e-10)


def test_conv2d_transpose_known_values():
    # A 1×1 input through a 2×2 ones filter with stride 2 tiles a 2×2 block.
    y = tf.nn.conv2d_transpose(np.full((1, 1, 1, 1), 3.0), np.ones((2, 2, 1, 1)), [1, 2, 2, 1], 2,
                               "VALID")
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[3.0, 3.0], [3.0, 3.0]])


def test_depthwise_conv2d_matches_per_channel_loop():
    x, w = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((3, 2, 3, 2))
    y = tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME").numpy()
    pads = (same_pads(6, 3, 2, 1), same_pads(5, 2, 2, 1))
    for c in range(3):
        for m in range(2):
            ref = reference_conv2d(x[..., c:c + 1], w[:, :, c:c + 1, m:m + 1], (2, 2), (1, 1), pads)
            np.testing.assert_allclose(y[..., c * 2 + m], ref[..., 0], atol=1e-12)


# -- errors --------------------------------------------------------------------------------
def test_wrong_rank_names_the_op_and_shape():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Conv2D.*4-D.*\(5, 5, 1\)"):
        tf.nn.conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1)), 1, "VALID")


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"input depth 3 does not match the filter's in_channels 2.*"
                             r"\(1, 5, 5, 3\).*\(3, 3, 2, 1\)"):
        tf.nn.conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 1)), 1, "VALID")


def test_kernel_larger_than_input_with_valid():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"larger than the input.*VALID"):
        tf.nn.conv2d(np.ones((1, 3, 3, 1)), np.ones((5, 5, 1, 1)), 1, "VALID")
    assert tf.nn.conv2d(np.ones((1, 3, 3, 1)), np.ones((5, 5, 1, 1)), 1, "SAME").shape == \
        (1, 3, 3, 1)


def test_bad_padding_and_strides():
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding"):
        tf.nn.conv2d(np.ones((1, 3, 3, 1)), np.ones((1, 1, 1, 1)), 1, "FULL")
    with pytest.raises(tf.errors.InvalidArgumentError, match="strides"):
        tf.nn.conv2d(np.ones((1, 3, 3, 1)), np.ones((1, 1, 1, 1)), [2, 1, 1, 1], "SAME")


def test_dtype_mismatch():
    with pytest.raises(tf.errors.InvalidArgumentError, match="same dtype"):
        tf.nn.conv2d(np.ones((1, 3, 3, 1), np.float32), np.ones((1, 1, 1, 1)), 1, "SAME")


def test_conv2d_transpose_output_shape_mismatch():
    with pytest.raises(tf.errors.InvalidArgumentError, match="output_shape"):
        tf.nn.conv2d_transpose(np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1)), [1, 9, 9, 1], 2,
                               "SAME")


def test_backward_holds_at_most_one_patch_matrix_per_layer():
    import tracemalloc
    from tapeflow.ops.conv import conv2d_bias_activation
    x = tf.constant(rng.standard_normal((8, 32, 32, 16)).astype(np.float32))
    w = tf.Variable(rng.standard_normal((3, 3, 16, 16)).astype(np.float32))
    b = tf.Variable(np.zeros(16, np.float32))
    patch_bytes = 8 * 30 * 30 * (3 * 3 * 16 + 1) * 4
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(conv2d_bias_activation(x, w, b, 1, "VALID", activation="relu"))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    grads = tape.gradient(loss, [x, w, b])
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    assert all(g is not None for g in grads)
    # The forward pass's patch matrix (kept for the filter gradient) is released before the
    # input gradient makes its own patch-sized product, so the backward pass never holds
    # two: its peak is one patch matrix plus input-sized buffers (two would be > 2×).
    assert peak < 1.5 * patch_bytes, (peak, patch_bytes)


def test_large_batches_split_over_two_threads_give_the_same_results(monkeypatch):
    from tapeflow.ops import _parallel
    from tapeflow.ops.conv import conv2d_bias_activation
    # Every kernel here (im2col, ReLU, pooling, ReLU gradient, col2im) sees > 2^18 elements.
    x = tf.constant(rng.standard_normal((16, 34, 34, 16)).astype(np.float32))
    w = tf.Variable(rng.standard_normal((3, 3, 16, 16)).astype(np.float32))
    b = tf.Variable(rng.standard_normal(16).astype(np.float32))

    def run():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.max_pool2d(conv2d_bias_activation(x, w, b, 1, "SAME", activation="relu"),
                                 2, 2, "VALID")
            loss = tf.reduce_sum(y * y)
        return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, [x, w, b])]

    monkeypatch.setattr(_parallel, "_SPLIT", True)
    split = run()
    monkeypatch.setattr(_parallel, "_SPLIT", False)
    single = run()
    for a, c in zip(split, single):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("padding,dilation", [("VALID", 1), ("SAME", 1), ("SAME", 2)])
def test_input_gradient_with_zero_border_rows_of_the_upstream_gradient(padding, dilation):
    # A VALID 2×2 pool after an odd-sized output sends no gradient to its last row and
    # column; the stride-1 input gradient skips them and must still equal the adjoint.
    from tapeflow.ops import conv
    x, w = rng.standard_normal((1, 7, 6, 2)), rng.standard_normal((3, 3, 2, 3))
    pads = ((0, 0), (0, 0)) if padding == "VALID" else \
        (same_pads(7, 3, 1, dilation), same_pads(6, 3, 1, dilation))
    y = reference_conv2d(x, w, (1, 1), (dilation, dilation), pads)
    g = rng.standard_normal(y.shape)
    g[:, -1] = 0.0
    g[:, :, -2:] = 0.0
    dx = conv._input_grad_by_offset(g, w, x.shape, (dilation, dilation), pads)
    # <conv(x), g> == <x, dx> for every x pins dx down: check against the unit basis.
    basis = np.zeros_like(x)
    expected = np.empty_like(x)
    for index in np.ndindex(x.shape):
        basis[index] = 1.0
        expected[index] = np.sum(reference_conv2d(basis, w, (1, 1), (dilation, dilation),
                                                  pads) * g)
        basis[index] = 0.0
    np.testing.assert_allclose(dx, expected, atol=1e-10)


def test_input_gradient_keeps_zero_border_rows_when_the_filter_is_not_finite():
    from tapeflow.ops import conv
    g = np.zeros((1, 3, 3, 1))
    g[0, 0, 0, 0] = 1.0
    w = np.ones((2, 2, 1, 1))
    w[1, 1] = np.inf
    with np.errstate(invalid="ignore"):
        dx = conv._input_grad_by_offset(g, w, (1, 4, 4, 1), (1, 1), ((0, 0), (0, 0)))
    # 0·inf is NaN: the zero rows and columns of g still reach the input, as in TF.
    assert np.isnan(dx[0, 3, 3, 0]) and dx[0, 0, 0, 0] == 1.0


def test_separable_conv2d_is_depthwise_then_pointwise():
    x = rng.standard_normal((2, 7, 6, 3))
    depthwise, pointwise = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal((1, 1, 6, 4))
    got = tf.nn.separable_conv2d(x, depthwise, pointwise, [1, 2, 2, 1], "SAME")
    want = np.einsum("nhwc,cd->nhwd",
                     tf.nn.depthwise_conv2d(x, depthwise, [1, 2, 2, 1], "SAME").numpy(),
                     pointwise[0, 0])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_nchw_reads_four_element_strides_dilations_and_padding_in_nchw_order():
    x = rng.standard_normal((2, 9, 8, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    nchw = np.transpose(x, (0, 3, 1, 2))
    for nhwc_args, nchw_args in [
        (([1, 2, 1, 1], "SAME"), ([1, 1, 2, 1], "SAME")),
        (([1, 1, 1, 1], [[0, 0], [1, 2], [0, 1], [0, 0]]),
         ([1, 1, 1, 1], [[0, 0], [0, 0], [1, 2], [0, 1]])),
    ]:
        want = tf.nn.conv2d(x, w, *nhwc_args).numpy()
        got = tf.nn.conv2d(nchw, w, *nchw_args, data_format="NCHW").numpy()
        np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want, rtol=1e-12)
    want = tf.nn.conv2d(x, w, 1, "SAME", dilations=[1, 2, 1, 1]).numpy()
    got = tf.nn.conv2d(nchw, w, 1, "SAME", data_format="NCHW", dilations=[1, 1, 2, 1]).numpy()
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want, rtol=1e-12)
    dw = rng.standard_normal((3, 3, 3, 2))
    want = tf.nn.depthwise_conv2d(x, dw, [1, 2, 1, 1], "VALID").numpy()
    got = tf.nn.depthwise_conv2d(nchw, dw, [1, 1, 2, 1], "VALID", data_format="NCHW").numpy()
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want, rtol=1e-12)
    want = tf.nn.max_pool2d(x, [1, 3, 2, 1], [1, 2, 1, 1], "SAME").numpy()
    got = tf.nn.max_pool2d(nchw, [1, 1, 3, 2], [1, 1, 2, 1], "SAME", data_format="NCHW").numpy()
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), want)


def test_max_pool_and_avg_pool_dispatch_five_d_inputs_to_the_3d_ops():
    x = rng.standard_normal((1, 4, 4, 4, 2))
    np.testing.assert_array_equal(tf.nn.max_pool(x, 2, 2, "VALID").numpy(),
                                  tf.nn.max_pool3d(x, 2, 2, "VALID").numpy())
    np.testing.assert_array_equal(tf.nn.avg_pool(x, 2, 2, "VALID").numpy(),
                                  tf.nn.avg_pool3d(x, 2, 2, "VALID").numpy())
