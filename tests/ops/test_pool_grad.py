"""Finite-difference gradient checks of the pooling primitives (first and second order)."""
import pytest

import tapeflow as tf
from gradcheck import check_grad, check_second_order, rand

GRAD_COVERED = {"MaxPool", "MaxPoolGrad", "MaxPoolGradGrad", "AvgPool", "AvgPoolGrad"}

GEOMETRIES = [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "SAME"), (3, 3, "VALID"), (2, 2, "SAME")]


@pytest.mark.parametrize("ksize,strides,padding", GEOMETRIES)
def test_max_pool2d_grad(ksize, strides, padding):
    check_grad(lambda x: tf.nn.max_pool2d(x, ksize, strides, padding), rand(2, 7, 6, 3))


@pytest.mark.parametrize("ksize,strides,padding", GEOMETRIES)
def test_avg_pool2d_grad(ksize, strides, padding):
    check_grad(lambda x: tf.nn.avg_pool2d(x, ksize, strides, padding), rand(2, 7, 6, 3))


@pytest.mark.parametrize("pool", [tf.nn.max_pool2d, tf.nn.avg_pool2d])
def test_pool2d_second_order(pool):
    # Through MaxPoolGrad -> MaxPoolGradGrad and AvgPoolGrad -> AvgPool.
    check_second_order(lambda x: pool(x, 3, 2, "SAME") ** 2, rand(1, 5, 5, 2))


def test_max_pool_grad_grad_grad():
    # MaxPoolGradGrad's own rule (MaxPoolGrad) is reached one order further up.
    def grad_of_pool(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.nn.max_pool2d(x, 2, 1, "VALID") ** 2)
        return tape.gradient(y, x)
    check_second_order(grad_of_pool, rand(1, 4, 4, 1))


@pytest.mark.parametrize("pool", [tf.nn.max_pool1d, tf.nn.avg_pool1d])
def test_pool1d_grad(pool):
    check_grad(lambda x: pool(x, 3, 2, "SAME"), rand(2, 9, 2))
