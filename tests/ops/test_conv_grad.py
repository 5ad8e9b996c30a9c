"""Finite-difference gradient checks of the convolution primitives (first and second order)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, check_second_order, rand
from tapeflow.ops import conv
from tapeflow.ops.core import apply

GRAD_COVERED = {"Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput",
                "DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropFilter",
                "DepthwiseConv2dNativeBackpropInput", "FusedConv2DBiasActivation",
                "Conv2DBackpropFilterBias", "ReluGrad"}

GEOMETRIES = [  # strides, padding, dilations
    (1, "VALID", 1), (2, "SAME", 1), (1, "SAME", 2), (3, "VALID", 1),
    (2, [[0, 0], [1, 0], [2, 1], [0, 0]], 1)]


@pytest.mark.parametrize("strides,padding,dilations", GEOMETRIES)
def test_conv2d_grad(strides, padding, dilations):
    check_grad(lambda x, w: tf.nn.conv2d(x, w, strides, padding, dilations=dilations),
               rand(2, 7, 6, 3), rand(3, 2, 3, 4))


def test_conv2d_second_order_reaches_both_backprop_primitives():
    check_second_order(lambda x, w: tf.nn.conv2d(x, w, 2, "SAME"), rand(1, 5, 5, 2),
                       rand(3, 3, 2, 3))


def test_conv2d_grouped_grad():
    check_grad(lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), rand(2, 4, 4, 4), rand(3, 3, 2, 6))


def test_conv1d_grad():
    check_grad(lambda x, w: tf.nn.conv1d(x, w, 2, "SAME", dilations=1), rand(2, 9, 3),
               rand(3, 3, 2))


def test_conv2d_transpose_grad():
    check_grad(lambda x, w: tf.nn.conv2d_transpose(x, w, [2, 6, 6, 2], 2, "SAME"),
               rand(2, 3, 3, 4), rand(3, 3, 2, 4))


def _geometry(x_shape, k_shape, strides, padding, dilations=(1, 1)):
    out_hw, pads = conv._geometry("t", x_shape[1:3], k_shape[:2], strides, dilations,
                                  [padding] * 2)
    return {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw}


def test_backprop_filter_primitive_grad_and_second_order():
    geo = _geometry((2, 5, 5, 2), (3, 3), (2, 2), "SAME")

    def fn(x, g):
        return apply(conv._CONV2D_FILTER, (x, g), dict(geo, filter_shape=(3, 3, 2, 3), cols=None))
    check_grad(fn, rand(2, 5, 5, 2), rand(2, 3, 3, 3))
    check_second_order(fn, rand(1, 5, 5, 2), rand(1, 3, 3, 3))


def test_backprop_input_primitive_second_order():
    geo = _geometry((1, 5, 5, 2), (3, 3), (1, 1), "VALID")

    def fn(g, w):
        return apply(conv._CONV2D_INPUT, (g, w), dict(geo, input_shape=(1, 5, 5, 2)))
    check_second_order(fn, rand(1, 3, 3, 3), rand(3, 3, 2, 3))


@pytest.mark.parametrize("strides,padding,dilations", GEOMETRIES[:4])
def test_depthwise_conv2d_grad(strides, padding, dilations):
    check_grad(lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, strides, strides, 1], padding,
                                                   dilations=[dilations, dilations]),
               rand(2, 6, 7, 3), rand(3, 2, 3, 2))


def test_depthwise_second_order_reaches_both_backprop_primitives():
    check_second_order(lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
                       rand(1, 4, 4, 2), rand(2, 2, 2, 2))


def test_float32_stays_float32():
    x = tf.constant(np.ones((1, 4, 4, 2), np.float32))
    w = tf.Variable(np.ones((3, 3, 2, 2), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.conv2d(x, w, 1, "SAME")
    gx, gw = tape.gradient(y, [x, w])
    assert y.dtype == gx.dtype == gw.dtype == tf.float32


def test_persistent_tape_gives_the_same_filter_gradient_twice():
    x = tf.constant(rand(2, 5, 5, 2))
    w = tf.Variable(rand(3, 3, 2, 3))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "SAME") ** 2)
    first = tape.gradient(y, w).numpy()
    second = tape.gradient(y, w).numpy()  # the cached patch matrix is gone: recomputed
    np.testing.assert_allclose(first, second)


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("x_shape,strides,padding", [((2, 6, 5, 3), 1, "VALID"),
                                                     ((2, 6, 5, 1), 2, "SAME"),
                                                     ((2, 4, 4, 3), 1, "VALID")])
def test_fused_conv_bias_activation_grad(activation, x_shape, strides, padding):
    k = 1 if x_shape[1] == 4 else 3    # the last case is a pointwise (1×1) convolution
    check_grad(lambda x, w, b: conv.conv2d_bias_activation(x, w, b, strides, padding,
                                                           activation=activation),
               rand(*x_shape), rand(k, k, x_shape[3], 4), rand(4))


@pytest.mark.parametrize("activation", [None, "relu"])
def test_fused_conv_second_order_reaches_filter_bias_and_relu_grad(activation):
    check_second_order(lambda x, w, b: conv.conv2d_bias_activation(x, w, b, 1, "SAME",
                                                                   activation=activation),
                       rand(1, 4, 4, 2), rand(3, 3, 2, 2), rand(2))


def test_fused_conv_matches_composed_ops():
    x, w, b = rand(2, 7, 7, 3), rand(3, 3, 3, 5), rand(5)
    fused = conv.conv2d_bias_activation(x, w, b, 2, "SAME", activation="relu").numpy()
    composed = tf.nn.relu(tf.nn.conv2d(x, w, 2, "SAME") + b).numpy()
    np.testing.assert_allclose(fused, composed, atol=1e-12)
