"""Finite-difference gradient checks for the elementwise math primitives (ops/math.py)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import BROADCAST_PAIRS, check_float32, check_grad, check_second_order, rand

GRAD_COVERED = {
    "Neg", "Abs", "Square", "Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p", "Sin", "Cos", "Tan",
    "Asin", "Acos", "Atan", "Sinh", "Cosh", "Tanh", "Sigmoid", "Softplus", "Softsign",
    "Reciprocal", "Erf", "AddV2", "Sub", "Mul", "RealDiv", "Pow", "FloorMod", "Maximum", "Minimum",
    "Atan2", "ClipByValue", "SelectV2", "AddN", "Cast",
}

# op, input domain (low, high), points to keep away from
UNARY = {
    "negative": (tf.negative, (-2, 2), ()),
    "abs": (tf.abs, (-2, 2), (0.0,)),
    "square": (tf.square, (-2, 2), ()),
    "sqrt": (tf.sqrt, (0.5, 3), ()),
    "rsqrt": (tf.math.rsqrt, (0.5, 3), ()),
    "exp": (tf.exp, (-2, 2), ()),
    "expm1": (tf.math.expm1, (-2, 2), ()),
    "log": (tf.math.log, (0.5, 3), ()),
    "log1p": (tf.math.log1p, (-0.5, 3), ()),
    "sin": (tf.sin, (-3, 3), ()),
    "cos": (tf.cos, (-3, 3), ()),
    "tan": (tf.tan, (-1.2, 1.2), ()),
    "asin": (tf.math.asin, (-0.9, 0.9), ()),
    "acos": (tf.math.acos, (-0.9, 0.9), ()),
    "atan": (tf.math.atan, (-3, 3), ()),
    "sinh": (tf.math.sinh, (-2, 2), ()),
    "cosh": (tf.math.cosh, (-2, 2), ()),
    "tanh": (tf.tanh, (-2, 2), ()),
    "sigmoid": (tf.sigmoid, (-4, 4), ()),
    "softplus": (tf.math.softplus, (-4, 4), ()),
    "softsign": (tf.math.softsign, (-3, 3), (0.0,)),
    "reciprocal": (tf.math.reciprocal, (-3, 3), (0.0,)),
    "erf": (tf.math.erf, (-2.5, 2.5), ()),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_grad(name):
    fn, (lo, hi), kinks = UNARY[name]
    check_grad(fn, rand(2, 3, low=lo, high=hi, away_from=kinks, margin=0.3))
    check_grad(fn, rand((), low=lo, high=hi, away_from=kinks, margin=0.3))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_order(name):
    fn, (lo, hi), kinks = UNARY[name]
    check_second_order(fn, rand(4, low=lo, high=hi, away_from=kinks, margin=0.3))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32(name):
    fn, (lo, hi), kinks = UNARY[name]
    check_float32(fn, rand(2, 3, low=lo, high=hi, away_from=kinks, margin=0.3))


def _positive(shape):
    return rand(shape, low=0.5, high=2.0)


BINARY = {
    "add": (tf.add, rand, rand),
    "subtract": (tf.subtract, rand, rand),
    "multiply": (tf.multiply, rand, rand),
    "divide": (tf.divide, rand, lambda s: rand(s, away_from=(0.0,), margin=0.5)),
    "pow": (tf.pow, _positive, rand),
    "atan2": (tf.math.atan2, rand, _positive),
    "maximum": (tf.maximum, lambda s: rand(s, low=1.0, high=2.0), lambda s: rand(s, low=-2, high=0)),
    "minimum": (tf.minimum, lambda s: rand(s, low=1.0, high=2.0), lambda s: rand(s, low=-2, high=0)),
    "floormod": (tf.math.floormod, lambda s: rand(s, low=0.1, high=0.9) + 3.0, lambda s: np.full(s, 2.0)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_binary_grad_broadcasting(name, shapes):
    fn, gen_x, gen_y = BINARY[name]
    check_grad(fn, gen_x(shapes[0]), gen_y(shapes[1]))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_second_order(name):
    fn, gen_x, gen_y = BINARY[name]
    check_second_order(fn, gen_x((2, 3)), gen_y((3,)))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_float32(name):
    fn, gen_x, gen_y = BINARY[name]
    check_float32(fn, gen_x((2, 3)), gen_y((2, 3)))


def test_minimum_maximum_swapped_order_grad():
    # the larger/smaller argument second: the gradient must flow to y
    check_grad(tf.maximum, rand(2, 3, low=-2, high=0), rand(2, 3, low=1, high=2))
    check_grad(tf.minimum, rand(2, 3, low=1, high=2), rand(2, 3, low=-2, high=0))


def test_operators_grad():
    check_grad(lambda x, y: (x + y) * (x - y) / (y * y + 1.0) - (-x) ** 2.0,
               rand(2, 3), rand(3), order=2)


def test_clip_by_value_grad():
    x = rand(3, 4, low=-2, high=2, away_from=(-1.0, 1.0), margin=0.1)
    check_grad(lambda x: tf.clip_by_value(x, -1.0, 1.0), x)
    check_grad(lambda x, lo, hi: tf.clip_by_value(x, lo, hi), x, np.full((3, 4), -1.0),
               np.full((3, 4), 1.0))


def test_where_grad():
    cond = np.array([[True, False, True], [False, False, True]])
    check_grad(lambda x, y: tf.where(cond, x, y), rand(2, 3), rand(2, 3), order=2)
    check_grad(lambda x, y: tf.where(cond, x, y), rand(3), rand(2, 1))


def test_add_n_grad():
    check_grad(lambda a, b, c: tf.add_n([a, b, c]), rand(2, 3), rand(2, 3), rand(2, 3), order=2)


def test_cast_float_grad():
    # float64 -> float32 -> float64 is the identity up to float32 rounding
    check_grad(lambda x: tf.cast(tf.cast(x, tf.float32), tf.float64) * 3.0, rand(5),
               eps=1e-2, atol=1e-4, rtol=1e-4)


def test_clip_by_norm_grad():
    check_grad(lambda x: tf.clip_by_norm(x, 1.0), rand(2, 3, low=1.0, high=2.0))
    check_grad(lambda x: tf.clip_by_norm(x, 100.0), rand(2, 3))
    check_grad(lambda x: tf.clip_by_norm(x, 1.0, axes=[1]), rand(2, 3, low=1.0, high=2.0))


def test_xlogy_divide_no_nan_grad():
    check_grad(tf.math.xlogy, rand(2, 3), _positive((2, 3)))
    check_grad(tf.math.divide_no_nan, rand(2, 3), _positive((2, 3)))
    check_grad(tf.math.log_sigmoid, rand(4))
    check_grad(tf.math.squared_difference, rand(2, 3), rand(3))


def test_clip_by_global_norm_grad():
    check_grad(lambda a, b: tf.clip_by_global_norm([a, b], 1.0)[0], rand(2, 3, low=1, high=2),
               rand(3))
