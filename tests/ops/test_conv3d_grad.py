"""Finite-difference gradient checks of the 3-D convolution and pooling primitives (first and
second order)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, check_second_order, rand
from tapeflow.ops import conv3d
from tapeflow.ops.conv import _geometry
from tapeflow.ops.core import apply

GRAD_COVERED = {"Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2",
                "MaxPool3D", "MaxPool3DGrad", "MaxPool3DGradGrad", "AvgPool3D", "AvgPool3DGrad"}

GEOMETRIES = [  # strides, padding, dilations
    (1, "VALID", 1), (2, "SAME", 1), (1, "SAME", 2), ((1, 2, 3), "VALID", 1),
    (2, [[0, 0], [1, 0], [2, 1], [0, 1], [0, 0]], 1)]


@pytest.mark.parametrize("strides,padding,dilations", GEOMETRIES)
def test_conv3d_grad(strides, padding, dilations):
    check_grad(lambda x, w: tf.nn.conv3d(x, w, strides, padding, dilations=dilations),
               rand(2, 5, 6, 5, 2), rand(2, 3, 2, 2, 3))


def test_conv3d_grouped_and_ncdhw_grad():
    check_grad(lambda x, w: tf.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME", data_format="NCDHW"),
               rand(1, 4, 3, 4, 3), rand(2, 2, 2, 2, 4))


@pytest.mark.parametrize("strides,padding", [(2, "SAME"), ((1, 2, 1), "VALID"), (1, "SAME")])
def test_conv3d_transpose_grad(strides, padding):
    x = rand(1, 5, 4, 5, 2)
    w = rand(3, 2, 3, 2, 3)
    out = tf.nn.conv3d(x, w, strides, padding)

    def fn(g, w):
        return tf.nn.conv3d_transpose(g, w, list(x.shape), strides, padding)
    check_grad(fn, rand(*out.shape), w)


def test_conv3d_second_order_reaches_both_backprop_primitives():
    check_second_order(lambda x, w: tf.nn.conv3d(x, w, 2, "SAME"), rand(1, 4, 4, 3, 2),
                       rand(2, 3, 2, 2, 2))


def _geometry3d(x_shape, k_shape, strides, padding, dilations=(1, 1, 1)):
    out, pads = _geometry("t", x_shape[1:4], k_shape[:3], strides, dilations, [padding] * 3)
    return {"strides": strides, "dilations": dilations, "pads": pads, "out": out}


def test_backprop_filter_primitive_grad_and_second_order():
    geo = _geometry3d((1, 4, 4, 3, 2), (2, 3, 2), (2, 1, 1), "SAME")

    def fn(x, g):
        return apply(conv3d._FILTER, (x, g), dict(geo, filter_shape=(2, 3, 2, 2, 3), cols=None))
    check_grad(fn, rand(1, 4, 4, 3, 2), rand(1, *geo["out"], 3))
    check_second_order(fn, rand(1, 4, 4, 3, 2), rand(1, *geo["out"], 3))


@pytest.mark.parametrize("strides,padding", [((1, 1, 1), "VALID"), ((2, 1, 2), "SAME")])
def test_backprop_input_primitive_grad_and_second_order(strides, padding):
    geo = _geometry3d((1, 4, 4, 4, 2), (2, 2, 3), strides, padding)

    def fn(g, w):
        return apply(conv3d._INPUT, (g, w), dict(geo, input_shape=(1, 4, 4, 4, 2)))
    check_grad(fn, rand(1, *geo["out"], 3), rand(2, 2, 3, 2, 3))
    check_second_order(fn, rand(1, *geo["out"], 3), rand(2, 2, 3, 2, 3))


POOLS = [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "SAME"), ((2, 3, 1), (1, 2, 1), "VALID")]


@pytest.mark.parametrize("ksize,strides,padding", POOLS)
def test_max_pool3d_grad(ksize, strides, padding):
    check_grad(lambda x: tf.nn.max_pool3d(x, ksize, strides, padding), rand(2, 5, 4, 5, 2))


@pytest.mark.parametrize("ksize,strides,padding", POOLS)
def test_avg_pool3d_grad(ksize, strides, padding):
    check_grad(lambda x: tf.nn.avg_pool3d(x, ksize, strides, padding), rand(2, 5, 4, 5, 2))


@pytest.mark.parametrize("pool", [tf.nn.max_pool3d, tf.nn.avg_pool3d])
def test_pool3d_second_order(pool):
    # Through MaxPool3DGrad -> MaxPool3DGradGrad and AvgPool3DGrad -> AvgPool3D.
    check_second_order(lambda x: pool(x, 3, 2, "SAME") ** 2, rand(1, 4, 5, 4, 2))


def test_max_pool3d_grad_grad_grad():
    # MaxPool3DGradGrad's own rule (MaxPool3DGrad) is reached one order further up.
    def grad_of_pool(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.nn.max_pool3d(x, 2, 1, "VALID") ** 2)
        return tape.gradient(y, x)
    check_second_order(grad_of_pool, rand(1, 3, 3, 3, 1))


def test_float32_stays_float32():
    x = tf.constant(np.ones((1, 4, 4, 4, 2), np.float32))
    w = tf.Variable(np.ones((3, 3, 3, 2, 2), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool3d(tf.nn.conv3d(x, w, 1, "SAME"), 2, 2, "VALID")
        y = tf.nn.avg_pool3d(y, 2, 1, "SAME")
    gx, gw = tape.gradient(y, [x, w])
    assert y.dtype == gx.dtype == gw.dtype == tf.float32
