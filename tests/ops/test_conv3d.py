"""Forward values and output shapes of the tf.nn 3-D convolutions and poolings against
plain-loop NumPy references."""
import itertools
import math

import numpy as np
import pytest

import tapeflow as tf

rng = np.random.default_rng(0)
IAE = tf.errors.InvalidArgumentError


def reference_conv3d(x, w, strides, dilations, pads):
    """Direct cross-correlation with explicit zero padding, by loops over outputs and taps."""
    xp = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))
    k = w.shape[:3]
    out = [(xp.shape[1 + a] - (k[a] - 1) * dilations[a] - 1) // strides[a] + 1 for a in range(3)]
    y = np.zeros((x.shape[0],) + tuple(out) + (w.shape[4],))
    for o in itertools.product(*(range(n) for n in out)):
        for t in itertools.product(*(range(n) for n in k)):
            at = tuple(o[a] * strides[a] + t[a] * dilations[a] for a in range(3))
            y[(slice(None),) + o] += xp[(slice(None),) + at] @ w[t]
    return y


def same_pads(size, k, s, d=1):
    out = math.ceil(size / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def reference_pool3d(x, ksize, strides, padding, reduce):
    """Pooling by loops; each window covers only real inputs (SAME pads are never counted)."""
    size = x.shape[1:4]
    if padding == "VALID":
        out = [(size[a] - ksize[a]) // strides[a] + 1 for a in range(3)]
        before = (0, 0, 0)
    else:
        out = [math.ceil(size[a] / strides[a]) for a in range(3)]
        before = [same_pads(size[a], ksize[a], strides[a])[0] for a in range(3)]
    y = np.zeros((x.shape[0],) + tuple(out) + (x.shape[4],))
    for o in itertools.product(*(range(n) for n in out)):
        lo = [max(o[a] * strides[a] - before[a], 0) for a in range(3)]
        hi = [min(o[a] * strides[a] - before[a] + ksize[a], size[a]) for a in range(3)]
        window = x[:, lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        y[(slice(None),) + o] = reduce(window, axis=(1, 2, 3))
    return y


# -- conv3d --------------------------------------------------------------------------------
@pytest.mark.parametrize("padding,stride,dilation",
                         list(itertools.product(["VALID", "SAME"], [1, 2, 3], [1, 2])))
def test_conv3d_values_and_shape_every_combination(padding, stride, dilation):
    x, w = rng.standard_normal((2, 7, 8, 6, 3)), rng.standard_normal((3, 2, 3, 3, 4))
    y = tf.nn.conv3d(x, w, [1, stride, stride, stride, 1], padding,
                     dilations=[1, dilation, dilation, dilation, 1]).numpy()
    sizes, k = (7, 8, 6), (3, 2, 3)
    if padding == "VALID":
        pads = ((0, 0),) * 3
        expect = tuple(math.ceil((n - (kk - 1) * dilation) / stride) for n, kk in zip(sizes, k))
    else:
        pads = tuple(same_pads(n, kk, stride, dilation) for n, kk in zip(sizes, k))
        expect = tuple(math.ceil(n / stride) for n in sizes)
    assert y.shape == (2,) + expect + (4,)
    np.testing.assert_allclose(y, reference_conv3d(x, w, (stride,) * 3, (dilation,) * 3, pads),
                               atol=1e-10)


def test_conv3d_explicit_padding_and_per_axis_strides_and_dilations():
    x, w = rng.standard_normal((1, 5, 6, 7, 2)), rng.standard_normal((2, 3, 2, 2, 3))
    pads = ((1, 0), (2, 1), (0, 3))
    y = tf.nn.conv3d(x, w, [1, 2, 1, 3, 1], [[0, 0], *pads, [0, 0]]).numpy()
    np.testing.assert_allclose(y, reference_conv3d(x, w, (2, 1, 3), (1, 1, 1), pads), atol=1e-10)
    y = tf.nn.conv3d(x, w, (1, 1, 1), "VALID", dilations=(2, 1, 3)).numpy()
    np.testing.assert_allclose(y, reference_conv3d(x, w, (1, 1, 1), (2, 1, 3), ((0, 0),) * 3),
                               atol=1e-10)


def test_conv3d_pointwise_is_a_channel_matmul():
    x, w = rng.standard_normal((2, 3, 4, 5, 3)), rng.standard_normal((1, 1, 1, 3, 2))
    np.testing.assert_allclose(tf.nn.conv3d(x, w, 1, "SAME").numpy(), x @ w[0, 0, 0], atol=1e-12)


def test_conv3d_float32_in_float32_out():
    y = tf.nn.conv3d(np.ones((1, 3, 3, 3, 1), np.float32), np.ones((2, 2, 2, 1, 1), np.float32),
                     [1, 1, 1, 1, 1], "VALID")
    assert y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), np.full((1, 2, 2, 2, 1), 8.0, np.float32))


def test_conv3d_ncdhw_matches_ndhwc():
    x, w = rng.standard_normal((2, 4, 5, 6, 3)), rng.standard_normal((3, 3, 3, 3, 2))
    ndhwc = tf.nn.conv3d(x, w, [1, 2, 1, 1, 1], "SAME").numpy()
    ncdhw = tf.nn.conv3d(x.transpose(0, 4, 1, 2, 3), w, [1, 1, 2, 1, 1], "SAME",
                         data_format="NCDHW").numpy()
    np.testing.assert_allclose(ncdhw, ndhwc.transpose(0, 4, 1, 2, 3), atol=1e-12)


def test_ncdhw_reads_5_element_lists_in_its_own_order():
    # Grouped too (4 input channels, filter in_channels 2), so the groups get the same reading.
    x, w = rng.standard_normal((1, 5, 6, 7, 4)), rng.standard_normal((2, 3, 2, 2, 6))
    pads = [[1, 0], [2, 1], [0, 3]]
    ndhwc = tf.nn.conv3d(x, w, [1, 2, 1, 3, 1], [[0, 0], *pads, [0, 0]],
                         dilations=[1, 1, 2, 1, 1]).numpy()
    ncdhw = tf.nn.conv3d(x.transpose(0, 4, 1, 2, 3), w, [1, 1, 2, 1, 3], [[0, 0], [0, 0], *pads],
                         data_format="NCDHW", dilations=[1, 1, 1, 2, 1]).numpy()
    np.testing.assert_allclose(ncdhw, ndhwc.transpose(0, 4, 1, 2, 3), atol=1e-12)
    ref = np.concatenate([reference_conv3d(x[..., :2], w[..., :3], (2, 1, 3), (1, 2, 1), pads),
                          reference_conv3d(x[..., 2:], w[..., 3:], (2, 1, 3), (1, 2, 1), pads)],
                         -1)
    np.testing.assert_allclose(ndhwc, ref, atol=1e-12)


def test_grouped_conv3d_is_per_group_convolution():
    x, w = rng.standard_normal((1, 4, 4, 4, 4)), rng.standard_normal((2, 2, 2, 2, 6))
    y = tf.nn.conv3d(x, w, 1, "VALID").numpy()
    none = ((0, 0),) * 3
    first = reference_conv3d(x[..., :2], w[..., :3], (1,) * 3, (1,) * 3, none)
    second = reference_conv3d(x[..., 2:], w[..., 3:], (1,) * 3, (1,) * 3, none)
    np.testing.assert_allclose(y, np.concatenate([first, second], -1), atol=1e-12)


# -- conv3d_transpose ----------------------------------------------------------------------
@pytest.mark.parametrize("x_shape,strides,padding,dilations", [
    ((2, 5, 6, 4, 2), 2, "SAME", 1), ((1, 6, 5, 7, 2), (1, 2, 3), "VALID", 1),
    ((1, 5, 5, 5, 2), 1, "SAME", 2), ((1, 5, 5, 5, 2), 1, "VALID", (1, 2, 1))])
def test_conv3d_transpose_is_the_adjoint_of_conv3d(x_shape, strides, padding, dilations):
    x, w = rng.standard_normal(x_shape), rng.standard_normal((3, 2, 3, 2, 4))
    y = tf.nn.conv3d(x, w, strides, padding, dilations=dilations).numpy()
    g = rng.standard_normal(y.shape)
    xt = tf.nn.conv3d_transpose(g, w, list(x_shape), strides, padding,
                                dilations=dilations).numpy()
    assert xt.shape == x_shape
    # <conv(x), g> == <x, conv_transpose(g)>
    np.testing.assert_allclose(np.sum(y * g), np.sum(x * xt), rtol=1e-10)


def test_conv3d_transpose_known_values_and_ncdhw():
    # A 1×1×1 input through a 2×2×2 ones filter with stride 2 tiles a 2×2×2 block.
    y = tf.nn.conv3d_transpose(np.full((1, 1, 1, 1, 1), 3.0), np.ones((2, 2, 2, 1, 1)),
                               tf.constant([1, 2, 2, 2, 1]), [1, 2, 2, 2, 1], "VALID")
    np.testing.assert_array_equal(y.numpy(), np.full((1, 2, 2, 2, 1), 3.0))
    g, w = rng.standard_normal((2, 3, 3, 2, 4)), rng.standard_normal((3, 3, 3, 2, 4))
    ndhwc = tf.nn.conv3d_transpose(g, w, [2, 6, 6, 4, 2], 2, "SAME").numpy()
    ncdhw = tf.nn.conv3d_transpose(g.transpose(0, 4, 1, 2, 3), w, [2, 2, 6, 6, 4], 2, "SAME",
                                   data_format="NCDHW").numpy()
    np.testing.assert_allclose(ncdhw, ndhwc.transpose(0, 4, 1, 2, 3), atol=1e-12)


def test_input_gradient_propagates_a_non_finite_filter_as_a_direct_sum_would():
    # The unit-stride input gradient lays g on a zero-padded grid; 0·inf must not leak NaN.
    g, w = np.ones((1, 3, 3, 3, 1)), np.ones((3, 3, 3, 1, 1))
    w[1, 1, 1] = np.inf
    y = tf.nn.conv3d_transpose(g, w, [1, 5, 5, 5, 1], 1, "VALID").numpy()
    expect = np.zeros((1, 5, 5, 5, 1))
    expect[:, 1:4, 1:4, 1:4] = np.inf
    np.testing.assert_array_equal(np.isinf(y), np.isinf(expect))
    assert not np.isnan(y).any()


# -- pooling -------------------------------------------------------------------------------
POOLS = [((2, 2, 2), (2, 2, 2)), ((3, 3, 3), (2, 2, 2)), ((2, 3, 1), (1, 2, 3)),
         ((3, 2, 2), (3, 1, 2))]


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("ksize,strides", POOLS)
def test_max_and_avg_pool3d_match_loops(ksize, strides, padding):
    x = rng.standard_normal((2, 5, 7, 6, 3))
    mx = tf.nn.max_pool3d(x, ksize, strides, padding).numpy()
    av = tf.nn.avg_pool3d(x, [1, *ksize, 1], [1, *strides, 1], padding).numpy()
    np.testing.assert_array_equal(mx, reference_pool3d(x, ksize, strides, padding, np.max))
    np.testing.assert_allclose(av, reference_pool3d(x, ksize, strides, padding, np.mean),
                               atol=1e-12)


def test_same_avg_pool3d_divides_by_the_real_inputs():
    y = tf.nn.avg_pool3d(np.ones((1, 3, 3, 3, 1), np.float32), 2, 2, "SAME")
    assert y.dtype == tf.float32 and y.shape == (1, 2, 2, 2, 1)
    np.testing.assert_array_equal(y.numpy(), np.ones((1, 2, 2, 2, 1)))  # border: 1, not 1/8


def test_pool3d_ncdhw_matches_ndhwc():
    x = rng.standard_normal((2, 4, 5, 6, 3))
    for pool in (tf.nn.max_pool3d, tf.nn.avg_pool3d):
        ndhwc = pool(x, 2, [1, 2, 1, 2, 1], "SAME").numpy()
        ncdhw = pool(x.transpose(0, 4, 1, 2, 3), 2, [1, 1, 2, 1, 2], "SAME",
                     data_format="NCDHW").numpy()
        np.testing.assert_allclose(ncdhw, ndhwc.transpose(0, 4, 1, 2, 3), atol=1e-12)


def test_max_pool3d_gradient_goes_to_the_first_maximum():
    x = tf.constant(np.array([1.0, 5.0, 5.0, 2.0, 5.0, 0.0, 3.0, 4.0]).reshape(1, 2, 2, 2, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool3d(x, 2, 2, "VALID")
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().ravel(), [0, 1, 0, 0, 0, 0, 0, 0])


def test_persistent_tape_gives_the_same_filter_gradient_twice():
    x = tf.constant(rng.standard_normal((2, 4, 4, 4, 2)))
    w = tf.Variable(rng.standard_normal((3, 3, 3, 2, 3)))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.nn.conv3d(x, w, 1, "SAME") ** 2)
    first = tape.gradient(y, w).numpy()
    second = tape.gradient(y, w).numpy()  # the cached patch matrix is gone: recomputed
    np.testing.assert_allclose(first, second)


# -- errors --------------------------------------------------------------------------------
def test_wrong_rank_names_the_op_and_shape():
    with pytest.raises(IAE, match=r"Conv3D.*5-D.*\(1, 5, 5, 1\)"):
        tf.nn.conv3d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 3, 1, 1)), 1, "VALID")
    with pytest.raises(IAE, match=r"Conv3D: filter must be 5-D.*\(3, 3, 1, 1\)"):
        tf.nn.conv3d(np.ones((1, 5, 5, 5, 1)), np.ones((3, 3, 1, 1)), 1, "VALID")
    with pytest.raises(IAE, match=r"MaxPool3D.*5-D.*\(4, 4, 4, 1\)"):
        tf.nn.max_pool3d(np.ones((4, 4, 4, 1)), 2, 2, "VALID")


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(IAE, match=r"input depth 3 does not match the filter's in_channels 2.*"
                                  r"\(1, 4, 4, 4, 3\).*\(2, 2, 2, 2, 1\)"):
        tf.nn.conv3d(np.ones((1, 4, 4, 4, 3)), np.ones((2, 2, 2, 2, 1)), 1, "VALID")


def test_kernel_larger_than_input_with_valid():
    with pytest.raises(IAE, match=r"Conv3D.*larger than the input.*VALID"):
        tf.nn.conv3d(np.ones((1, 3, 5, 5, 1)), np.ones((4, 3, 3, 1, 1)), 1, "VALID")
    assert tf.nn.conv3d(np.ones((1, 3, 5, 5, 1)), np.ones((4, 3, 3, 1, 1)), 1, "SAME").shape == \
        (1, 3, 5, 5, 1)
    with pytest.raises(IAE, match=r"AvgPool3D.*larger than the input"):
        tf.nn.avg_pool3d(np.ones((1, 2, 2, 2, 1)), 3, 1, "VALID")


def test_bad_arguments():
    x, w = np.ones((1, 3, 3, 3, 1)), np.ones((1, 1, 1, 1, 1))
    with pytest.raises(IAE, match="padding"):
        tf.nn.conv3d(x, w, 1, "FULL")
    with pytest.raises(IAE, match="strides over the batch and channel"):
        tf.nn.conv3d(x, w, [2, 1, 1, 1, 1], "SAME")
    with pytest.raises(IAE, match="strides must be an int or a list of 1, 3 or 5"):
        tf.nn.conv3d(x, w, [1, 1], "SAME")
    with pytest.raises(IAE, match="same dtype"):
        tf.nn.conv3d(x.astype(np.float32), w, 1, "SAME")
    with pytest.raises(IAE, match="data_format must be 'NDHWC' or 'NCDHW'"):
        tf.nn.conv3d(x, w, 1, "SAME", data_format="NHWC")
    with pytest.raises(IAE, match="MaxPool3D: padding must be 'VALID' or 'SAME'"):
        tf.nn.max_pool3d(x, 2, 1, [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(IAE, match="AvgPool3D: input must be floating point"):
        tf.nn.avg_pool3d(np.ones((1, 2, 2, 2, 1), np.int32), 2, 2, "VALID")


def test_conv3d_transpose_output_shape_mismatch():
    g, w = np.ones((1, 3, 3, 3, 1)), np.ones((3, 3, 3, 1, 1))
    with pytest.raises(IAE, match=r"Conv3DTranspose.*output_shape.*\(1, 9, 9, 9, 1\).*"
                                  r"spatial size \(5, 5, 5\)"):
        tf.nn.conv3d_transpose(g, w, [1, 9, 9, 9, 1], 2, "SAME")
    with pytest.raises(IAE, match=r"Conv3DTranspose: output_shape.*do not agree"):
        tf.nn.conv3d_transpose(g, w, [1, 6, 6, 6, 2], 2, "SAME")
