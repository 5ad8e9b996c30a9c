"""Finite-difference checks of the fused Conv2D + bias (+ ReLU) + 2×2 max-pool primitive."""
import pytest

from gradcheck import check_grad, check_second_order, rand
from tapeflow.ops.conv_pool import conv2d_bias_activation_max_pool

GRAD_COVERED = {"FusedConv2DBiasActivationMaxPool"}

CASES = [  # input shape, kernel (kh, kw), strides, padding, dilations, activation
    ((2, 8, 8, 1), (3, 3), 1, "VALID", 1, "relu"),      # one input channel: the transposed path
    ((2, 9, 7, 3), (3, 3), 1, "SAME", 1, "relu"),       # odd sizes: a row and a column dropped
    ((2, 11, 10, 2), (3, 2), 2, "SAME", 1, None),
    ((1, 12, 12, 2), (3, 3), 1, "VALID", 2, "relu"),
    ((1, 12, 11, 1), (3, 3), 1, "SAME", 2, "relu"),     # one channel, dilated
    ((2, 9, 9, 1), (2, 2), (2, 1), [[0, 0], [1, 0], [0, 1], [0, 0]], 1, None),
]


@pytest.mark.parametrize("shape,kernel,strides,padding,dilations,activation", CASES)
def test_conv_pool_grad(shape, kernel, strides, padding, dilations, activation):
    def fn(x, w, b):
        return conv2d_bias_activation_max_pool(x, w, b, strides, padding, dilations, activation)
    check_grad(fn, rand(shape), rand(kernel + (shape[3], 3)), rand(3))


@pytest.mark.parametrize("activation", ["relu", None])
def test_conv_pool_second_order_goes_through_the_unfused_rules(activation):
    def fn(x, w, b):
        return conv2d_bias_activation_max_pool(x, w, b, 1, "SAME", activation=activation)
    check_second_order(fn, rand(1, 5, 6, 2), rand(3, 3, 2, 2), rand(2))
