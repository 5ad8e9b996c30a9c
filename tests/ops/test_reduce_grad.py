"""Finite-difference gradient checks for the reductions (ops/reduce.py) and composites on them."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_float32, check_grad, check_second_order, rand

GRAD_COVERED = {"Sum", "Mean", "Max", "Min", "Prod", "Cumsum", "Cumprod"}

AXES = [None, 0, 1, -1, (0, 2), [1, 2]]


def _distinct(*shape):
    """Values far apart (no ties, so max/min are smooth)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(3).permutation(n).reshape(shape) * 0.37 - 2.0).astype(np.float64)


@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", [tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_min,
                                tf.reduce_prod, tf.reduce_logsumexp, tf.math.reduce_variance,
                                tf.math.reduce_std], ids=lambda f: f.__name__)
def test_reduction_grad(op, axis, keepdims):
    x = _distinct(2, 3, 4) if op in (tf.reduce_max, tf.reduce_min) else rand(2, 3, 4, low=0.5,
                                                                              high=1.5)
    check_grad(lambda x: op(x, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("op", [tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_prod,
                                tf.reduce_logsumexp, tf.math.reduce_std], ids=lambda f: f.__name__)
def test_reduction_second_order(op):
    check_second_order(lambda x: op(x * x, axis=1), _distinct(2, 3) * 0.5 + 1.5)


def test_reduction_float32():
    for op in (tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_prod, tf.reduce_logsumexp):
        check_float32(lambda x: op(x, axis=0), _distinct(3, 2))


def test_reduce_prod_with_zero_grad():
    x = np.array([[2.0, 0.0, 3.0], [1.0, 4.0, 0.5]])
    check_grad(lambda x: tf.reduce_prod(x, axis=1), x)


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumulative_grad(exclusive, reverse):
    check_grad(lambda x: tf.cumsum(x, axis=1, exclusive=exclusive, reverse=reverse), rand(2, 4),
               order=2)
    check_grad(lambda x: tf.math.cumprod(x, axis=0, exclusive=exclusive, reverse=reverse),
               rand(3, 2, low=0.5, high=2.0), order=2)
