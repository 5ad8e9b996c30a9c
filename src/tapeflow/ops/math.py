"""Elementwise math: arithmetic, unary functions, comparisons, casts.

Each primitive is its forward NumPy function and one gradient rule per input, written
with tapeflow ops so that it can be differentiated again. Broadcasting is undone by the
engine (``tape.sum_to``), not here.
"""
import math as _math

from .. import dtypes as _dtypes
from ..backend import np
from ..errors import InvalidArgumentError
import operator as _operator

from .._context import next_id, recording
from ..tape import record
from ..tensor import Tensor, _wrap
from .core import apply, binary_args, defprimitive, op_error, to_tensor

_new_tensor = object.__new__

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "floordiv", "floormod", "mod", "pow",
    "negative", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "sin",
    "cos", "tan", "tanh", "sigmoid", "softplus", "softsign", "erf", "maximum", "minimum",
    "clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm", "round", "floor", "ceil", "reciprocal", "cast", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_not",
    "logical_xor", "where", "add_n", "squared_difference", "divide_no_nan", "is_nan", "is_inf",
    "is_finite", "asin", "acos", "atan", "sinh", "cosh", "atan2", "xlogy", "log_sigmoid",
]


def _binary(op, strings=False):
    """The public function of a binary primitive, with an inlined fast path for two tensors
    of one dtype (the common case, and the one the micro-benchmarks time). ``strings``: the
    op also takes string tensors (AddV2 concatenates them)."""
    forward, opname, differentiable = op.forward, op.name, op.differentiable

    def fn(x, y, name=None):
        if type(x) is not Tensor or type(y) is not Tensor or x._value.dtype is not y._value.dtype:
            x, y = binary_args(x, y, opname)
        try:
            out = forward(x._value, y._value)
        except (ValueError, TypeError, ArithmeticError) as e:
            raise op_error(opname, (x, y), e) from None
        if strings and out.__class__ is bytes:  # NumPy's sum of two 0-d object arrays
            out = np.array(out, dtype=object)
        t = _new_tensor(Tensor)
        t._value = out
        t._id = next_id()
        if recording and differentiable:
            record(op, (x, y), t, None)
        return t
    fn.__name__ = opname
    return fn


def _unary(op, float_only=False):
    """The public function of a unary primitive; ``float_only`` ops refuse integer and bool
    tensors, as TF's do (NumPy would silently compute in float64)."""
    forward, opname, differentiable = op.forward, op.name, op.differentiable

    def fn(x, name=None):
        if type(x) is not Tensor:
            x = to_tensor(x)
        # (float scalars are recognised by type alone: cheaper than reading a dtype)
        if float_only and type(x._value) not in _FLOAT_SCALARS and x._value.dtype.kind not in "fc":
            raise _not_float(opname, x)
        try:
            out = forward(x._value)
        except (ValueError, TypeError, ArithmeticError) as e:
            raise op_error(opname, (x,), e) from None
        t = _new_tensor(Tensor)
        t._value = out
        t._id = next_id()
        if recording and differentiable:
            record(op, (x,), t, None)
        return t
    fn.__name__ = opname
    return fn


_FLOAT_SCALARS = frozenset([np.float16, np.float32, np.float64, np.complex64, np.complex128])


def _not_float(opname, x):
    dt = _dtypes.from_numpy(x._value.dtype).name
    return InvalidArgumentError(
        None, opname, "Value for attr 'T' of %s is not in the list of allowed values: half, "
        "float, double, complex64, complex128 (input of shape %s). Cast it first: "
        "tf.%s(tf.cast(x, tf.float32)) [Op:%s]"
        % (dt, tuple(x._value.shape), opname.lower(), opname))


# -- arithmetic ----------------------------------------------------------------------------
_ADD = defprimitive("AddV2", _operator.add, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
_SUB = defprimitive("Sub", _operator.sub, lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
_MUL = defprimitive("Mul", _operator.mul, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
_DIV = defprimitive("RealDiv", _operator.truediv,
                    lambda g, ans, x, y: g / y,
                    lambda g, ans, x, y: -g * ans / y)          # d(x/y)/dy = -x/y² = -ans/y
def _int_checked(fn):
    """``fn`` that refuses an integer division by zero, as TF does (NumPy returns 0)."""
    def forward(x, y):
        if x.dtype.kind in "iu" and not np.all(y):
            raise ZeroDivisionError("Integer division by zero. Make sure the divisor has no "
                                    "zeros, e.g. with tf.where(y == 0, 1, y)")
        return fn(x, y)
    return forward


# FloorDiv is piecewise constant: no gradient
_FLOORDIV = defprimitive("FloorDiv", _int_checked(np.floor_divide))
_MOD = defprimitive("FloorMod", _int_checked(np.mod),
                    lambda g, ans, x, y: g,
                    lambda g, ans, x, y: -g * floor(x / y))


def _pow_forward(x, y):
    if x.dtype.kind in "iu" and np.any(np.asarray(y) < 0):
        raise ValueError("Integers to negative integer powers are not allowed.")
    return np.power(x, y)


def _pow_grad_y(g, ans, x, y):
    # d(x^y)/dy = x^y·log x, taken as 0 where x <= 0 (TF's choice: no NaN for x = 0)
    safe_x = where(x > 0, x, ones_like(x))
    return g * where(x > 0, ans * log(safe_x), zeros_like(x))


_POW = defprimitive("Pow", _pow_forward,
                    lambda g, ans, x, y: g * y * pow(x, y - 1),
                    _pow_grad_y)

add = _binary(_ADD, strings=True)
subtract = _binary(_SUB)
multiply = _binary(_MUL)
floordiv = floor_div = _binary(_FLOORDIV)
floormod = mod = _binary(_MOD)
pow = _binary(_POW)  # noqa: A001 - TF's name


divide = truediv = _binary(_DIV)   # int32 / int32 gives float64, as in TF


# -- unary ---------------------------------------------------------------------------------
_NEG = defprimitive("Neg", _operator.neg, lambda g, ans, x: -g)
_ABS = defprimitive("Abs", np.abs, lambda g, ans, x: g * sign(x))   # abs'(0) = 0
_SIGN = defprimitive("Sign", np.sign)
_SQUARE = defprimitive("Square", np.square, lambda g, ans, x: g * (2.0 * x))
_SQRT = defprimitive("Sqrt", np.sqrt, lambda g, ans, x: g * (0.5 / ans))
_RSQRT = defprimitive("Rsqrt", lambda x: 1.0 / np.sqrt(x),
                      lambda g, ans, x: g * (-0.5 * ans * ans * ans))
_EXP = defprimitive("Exp", np.exp, lambda g, ans, x: g * ans)
_EXPM1 = defprimitive("Expm1", np.expm1, lambda g, ans, x: g * (ans + 1.0))
_LOG = defprimitive("Log", np.log, lambda g, ans, x: g / x)
_LOG1P = defprimitive("Log1p", np.log1p, lambda g, ans, x: g / (x + 1.0))
_SIN = defprimitive("Sin", np.sin, lambda g, ans, x: g * cos(x))
_COS = defprimitive("Cos", np.cos, lambda g, ans, x: -g * sin(x))
_TAN = defprimitive("Tan", np.tan, lambda g, ans, x: g * (1.0 + ans * ans))
_ASIN = defprimitive("Asin", np.arcsin, lambda g, ans, x: g * rsqrt(1.0 - x * x))
_ACOS = defprimitive("Acos", np.arccos, lambda g, ans, x: -g * rsqrt(1.0 - x * x))
_ATAN = defprimitive("Atan", np.arctan, lambda g, ans, x: g / (1.0 + x * x))
_SINH = defprimitive("Sinh", np.sinh, lambda g, ans, x: g * cosh(x))
_COSH = defprimitive("Cosh", np.cosh, lambda g, ans, x: g * sinh(x))
_TANH = defprimitive("Tanh", np.tanh, lambda g, ans, x: g * (1.0 - ans * ans))


def _sigmoid_forward(x):
    # 0.5·(1 + tanh(x/2)) never overflows, unlike 1/(1 + exp(-x)) for large negative x
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


_SIGMOID = defprimitive("Sigmoid", _sigmoid_forward, lambda g, ans, x: g * ans * (1.0 - ans))
_SOFTPLUS = defprimitive("Softplus", lambda x: np.logaddexp(0.0, x).astype(x.dtype, copy=False),
                         lambda g, ans, x: g * sigmoid(x))
_SOFTSIGN = defprimitive("Softsign", lambda x: x / (1.0 + np.abs(x)),
                         lambda g, ans, x: g / square(1.0 + abs(x)))
_RECIPROCAL = defprimitive("Reciprocal", lambda x: 1.0 / x, lambda g, ans, x: -g * ans * ans)
_ROUND = defprimitive("Round", np.round)   # half to even, as TF; no gradient
_FLOOR = defprimitive("Floor", np.floor)
_CEIL = defprimitive("Ceil", np.ceil)


def _erf_forward(x):
    if x.dtype == np.float64:
        return _erf(x)
    return _erf(x, _ERF_DEGREE_SINGLE).astype(x.dtype, copy=False)


_TWO_OVER_SQRT_PI = 2.0 / _math.sqrt(_math.pi)
_ERF_STEP = 0.25        # erf is tabulated as Taylor polynomials on [0, 6) in steps of 0.25
_ERF_PIECES = 24        # erf(x) rounds to 1.0 in float64 for x >= 6
_ERF_DEGREE = 14        # truncation error < 1e-17 on a half-width of 0.125
_ERF_DEGREE_SINGLE = 8  # < 1e-9: enough for float32/float16 results, and faster


def _erf_taylor_table():
    """Row k: the t^k Taylor coefficients of erf(centre + t), one column per interval.

    erf^(k+1)(c) = 2/√π · e^(−c²) · (−1)^k · H_k(c), with the Hermite polynomials
    H_0 = 1, H_1 = 2c, H_(k+1) = 2c·H_k − 2k·H_(k−1).
    """
    columns = []
    for i in range(_ERF_PIECES):
        c = (i + 0.5) * _ERF_STEP
        coeffs = [_math.erf(c)]
        scale = _TWO_OVER_SQRT_PI * _math.exp(-c * c)
        h_prev, h, factorial = 0.0, 1.0, 1.0
        for k in range(_ERF_DEGREE):
            factorial *= k + 1
            coeffs.append(scale * (-1) ** k * h / factorial)
            h_prev, h = h, 2.0 * c * h - 2.0 * k * h_prev
        columns.append(coeffs)
    return np.array(columns).T.copy()


_ERF_TABLE = _erf_taylor_table()
_ERF_CENTRES = (np.arange(_ERF_PIECES) + 0.5) * _ERF_STEP
# erf(x) = x · Σ_n c_n x^(2n) near 0, so tiny arguments keep full relative precision.
_ERF_MACLAURIN = [_TWO_OVER_SQRT_PI * (-1) ** n / (_math.factorial(n) * (2 * n + 1))
                  for n in range(10)]


def _erf(x, degree=_ERF_DEGREE):
    """erf in float64, vectorised, within 3e-16 relative error of ``math.erf``.

    |x| < 0.25: the Maclaurin series; 0.25 <= |x| < 6: a degree-14 (or ``degree``) Taylor
    polynomial about the centre of x's interval of width 0.25; beyond: ±1.
    """
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    piece = np.fmin(ax * (1.0 / _ERF_STEP), _ERF_PIECES - 1.0).astype(np.intp)  # fmin: NaN -> last
    t = ax - _ERF_CENTRES[piece]
    poly = _ERF_TABLE[degree][piece]
    for k in range(degree - 1, -1, -1):
        poly = poly * t + _ERF_TABLE[k][piece]
    x2 = ax * ax
    series = _ERF_MACLAURIN[-1]
    for c in _ERF_MACLAURIN[-2::-1]:
        series = series * x2 + c
    out = np.where(ax < _ERF_STEP, series * ax, np.where(ax >= 6.0, 1.0, poly))
    return np.copysign(out, x)


_ERF = defprimitive("Erf", _erf_forward,
                    lambda g, ans, x: g * _TWO_OVER_SQRT_PI * exp(-(x * x)))

negative = _unary(_NEG)
abs = _unary(_ABS)  # noqa: A001
sign = _unary(_SIGN)
square = _unary(_SQUARE)
sqrt = _unary(_SQRT, float_only=True)
rsqrt = _unary(_RSQRT, float_only=True)
exp = _unary(_EXP, float_only=True)
expm1 = _unary(_EXPM1, float_only=True)
log = _unary(_LOG, float_only=True)
log1p = _unary(_LOG1P, float_only=True)
sin = _unary(_SIN, float_only=True)
cos = _unary(_COS, float_only=True)
tan = _unary(_TAN, float_only=True)
asin = _unary(_ASIN, float_only=True)
acos = _unary(_ACOS, float_only=True)
atan = _unary(_ATAN, float_only=True)
sinh = _unary(_SINH, float_only=True)
cosh = _unary(_COSH, float_only=True)
tanh = _unary(_TANH, float_only=True)
sigmoid = _unary(_SIGMOID, float_only=True)
softplus = _unary(_SOFTPLUS, float_only=True)
softsign = _unary(_SOFTSIGN, float_only=True)
reciprocal = _unary(_RECIPROCAL)
round = _unary(_ROUND)  # noqa: A001
floor = _unary(_FLOOR, float_only=True)
ceil = _unary(_CEIL, float_only=True)
erf = _unary(_ERF, float_only=True)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-to_tensor(x))


def atan2(y, x, name=None):
    y, x = binary_args(y, x, "Atan2")
    return apply(_ATAN2, (y, x))


_ATAN2 = defprimitive("Atan2", np.arctan2,
                      lambda g, ans, y, x: g * x / (x * x + y * y),
                      lambda g, ans, y, x: -g * y / (x * x + y * y))


def xlogy(x, y, name=None):
    """x·log(y), defined as 0 where x == 0 (even for y == 0)."""
    x, y = binary_args(x, y, "Xlogy")
    safe_y = where(equal(x, 0.0), ones_like(y), y)
    return where(equal(x, 0.0), zeros_like(x * y), x * log(safe_y))


def squared_difference(x, y, name=None):
    d = subtract(x, y)
    return d * d


def divide_no_nan(x, y, name=None):
    """x / y, with 0 where y == 0."""
    x, y = binary_args(x, y, "DivNoNan")
    zero = equal(y, 0.0)
    return where(zero, zeros_like(x * y), x / where(zero, ones_like(y), y))


# -- min / max / clip ---------------------------------------------------------------------
# A tie sends the whole gradient to the first argument, as TF does.
_MAXIMUM = defprimitive("Maximum", np.maximum,
                        lambda g, ans, x, y: g * cast(greater_equal(x, y), g.dtype),
                        lambda g, ans, x, y: g * cast(less(x, y), g.dtype))
_MINIMUM = defprimitive("Minimum", np.minimum,
                        lambda g, ans, x, y: g * cast(less_equal(x, y), g.dtype),
                        lambda g, ans, x, y: g * cast(greater(x, y), g.dtype))
maximum = _binary(_MAXIMUM)
minimum = _binary(_MINIMUM)


def _clip_forward(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi).astype(x.dtype, copy=False)


# The gradient passes where lo <= x <= hi (both bounds included); the bounds get the rest.
_CLIP = defprimitive(
    "ClipByValue", _clip_forward,
    lambda g, ans, x, lo, hi: g * cast(logical_and(greater_equal(x, lo), less_equal(x, hi)), g.dtype),
    lambda g, ans, x, lo, hi: g * cast(less(x, lo), g.dtype),
    lambda g, ans, x, lo, hi: g * cast(greater(x, hi), g.dtype))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips values to ``[clip_value_min, clip_value_max]``.

    >>> import tapeflow as tf
    >>> tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), -1.0, 1.0).numpy()
    array([-1. ,  0.5,  1. ], dtype=float32)
    """
    t = to_tensor(t)
    _, lo = binary_args(t, clip_value_min, "ClipByValue")
    _, hi = binary_args(t, clip_value_max, "ClipByValue")
    return apply(_CLIP, (t, lo, hi))


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales ``t`` so that its L2 norm over ``axes`` is at most ``clip_norm``.

    ``t · clip_norm / max(‖t‖, clip_norm)``; a zero tensor stays zero (and its gradient finite).

    >>> import tapeflow as tf
    >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    from .reduce import reduce_sum
    t = to_tensor(t)
    _, clip = binary_args(t, clip_norm, "ClipByNorm")
    squares = reduce_sum(t * t, axis=axes, keepdims=True)
    nonzero = greater(squares, 0.0)
    norm = where(nonzero, sqrt(where(nonzero, squares, ones_like(squares))), squares)
    return t * clip / maximum(norm, clip)


def global_norm(t_list, name=None):
    """sqrt(Σ‖t‖²) over every tensor in ``t_list`` (None entries are skipped)."""
    from .reduce import reduce_sum
    if isinstance(t_list, (Tensor, str)) or not hasattr(t_list, "__iter__"):
        raise TypeError("global_norm: t_list must be a sequence of tensors, got %r" % (t_list,))
    terms = [reduce_sum(t * t) for t in (to_tensor(t) for t in t_list if t is not None)]
    if not terms:
        raise ValueError("global_norm: t_list has no tensors")
    return sqrt(add_n(terms) if len(terms) > 1 else terms[0])


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor by ``clip_norm / max(global_norm, clip_norm)``.

    Returns ``(clipped list, global norm)``; None entries stay None.

    >>> import tapeflow as tf
    >>> clipped, norm = tf.clip_by_global_norm([tf.constant([3.0]), tf.constant([4.0])], 1.0)
    >>> float(norm), clipped[1].numpy()
    (5.0, array([0.8], dtype=float32))
    """
    if isinstance(t_list, (Tensor,)) or not hasattr(t_list, "__iter__"):
        raise TypeError("clip_by_global_norm: t_list must be a sequence of tensors")
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else to_tensor(use_norm)
    _, clip = binary_args(norm, clip_norm, "ClipByGlobalNorm")
    scale = clip / maximum(norm, clip)
    clipped = [None if t is None else to_tensor(t) * cast(scale, to_tensor(t).dtype)
               for t in t_list]
    return clipped, norm


# -- casts ---------------------------------------------------------------------------------
def _cast_forward(x, dtype):
    return x.astype(dtype, copy=False) if x.dtype != dtype else x


# float -> float passes the gradient (the engine casts it back to the source dtype);
# a cast to or from an integer dtype cuts the path (_CAST_CUT has no rule).
_CAST = defprimitive("Cast", _cast_forward, lambda g, ans, x, dtype: g)
_CAST_CUT = defprimitive("CastNoGradient", _cast_forward)


def cast(x, dtype, name=None):
    """Casts to ``dtype``. Float-to-float casts carry gradients; casts to int/bool do not.

    >>> import tapeflow as tf
    >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy()   # truncates, as in TF
    array([ 1, -1], dtype=int32)
    """
    dt = _dtypes.as_dtype(dtype).np_dtype
    x = to_tensor(x)
    src = x._value.dtype
    if src == dt:
        return x
    if dt.kind in "fc" and src.kind in "fc":
        return apply(_CAST, (x,), {"dtype": dt})
    return apply(_CAST_CUT, (x,), {"dtype": dt})


# -- comparisons and logic (no gradients) ------------------------------------------------
_EQUAL = defprimitive("Equal", np.equal)
_NOT_EQUAL = defprimitive("NotEqual", np.not_equal)
_LESS = defprimitive("Less", np.less)
_LESS_EQUAL = defprimitive("LessEqual", np.less_equal)
_GREATER = defprimitive("Greater", np.greater)
_GREATER_EQUAL = defprimitive("GreaterEqual", np.greater_equal)
def _bool_only(fn, opname):
    """``fn`` on bool tensors only: TF's logical ops reject other dtypes."""
    def forward(*xs):
        for x in xs:
            if x.dtype != np.bool_:
                raise TypeError("%s expects bool tensors but got %s. Compare first (e.g. x > 0) "
                                "or use tf.cast(x, tf.bool)"
                                % (opname, _dtypes.from_numpy(x.dtype).name))
        return fn(*xs)
    return forward


_AND = defprimitive("LogicalAnd", _bool_only(np.logical_and, "LogicalAnd"))
_OR = defprimitive("LogicalOr", _bool_only(np.logical_or, "LogicalOr"))
_XOR = defprimitive("LogicalXor", _bool_only(np.logical_xor, "LogicalXor"))
_NOT = defprimitive("LogicalNot", _bool_only(np.logical_not, "LogicalNot"))
# The operators & | ^ ~ are logical on bool tensors and bitwise on integers (TF's rule).
_BITWISE_AND = defprimitive("BitwiseAnd", np.bitwise_and)
_BITWISE_OR = defprimitive("BitwiseOr", np.bitwise_or)
_BITWISE_XOR = defprimitive("BitwiseXor", np.bitwise_xor)
_INVERT = defprimitive("Invert", np.invert)
_IS_NAN = defprimitive("IsNan", np.isnan)
_IS_INF = defprimitive("IsInf", np.isinf)
_IS_FINITE = defprimitive("IsFinite", np.isfinite)

equal = _binary(_EQUAL)
not_equal = _binary(_NOT_EQUAL)
less = _binary(_LESS)
less_equal = _binary(_LESS_EQUAL)
greater = _binary(_GREATER)
greater_equal = _binary(_GREATER_EQUAL)
logical_and = _binary(_AND)
logical_or = _binary(_OR)
logical_xor = _binary(_XOR)
logical_not = _unary(_NOT)
bitwise_and = _binary(_BITWISE_AND)
bitwise_or = _binary(_BITWISE_OR)
bitwise_xor = _binary(_BITWISE_XOR)
invert = _unary(_INVERT)


def _logical_or_bitwise(logical, bitwise):
    def operator(x, y):
        x, y = binary_args(x, y, logical.__name__)
        return (logical if x._value.dtype == np.bool_ else bitwise)(x, y)
    return operator


and_ = _logical_or_bitwise(logical_and, bitwise_and)
or_ = _logical_or_bitwise(logical_or, bitwise_or)
xor_ = _logical_or_bitwise(logical_xor, bitwise_xor)


def invert_(x):
    x = to_tensor(x)
    return (logical_not if x._value.dtype == np.bool_ else invert)(x)


is_nan = _unary(_IS_NAN, float_only=True)
is_inf = _unary(_IS_INF, float_only=True)
is_finite = _unary(_IS_FINITE, float_only=True)


# -- selection -----------------------------------------------------------------------------
def _where_forward(c, x, y):
    return np.where(c, x, y)


# Dense zeros in the unselected positions (TF's SelectV2): a NaN in the branch not taken
# still poisons the gradient there, as in TF.
_WHERE = defprimitive("SelectV2", _where_forward,
                      None,
                      lambda g, ans, c, x, y: where(c, g, zeros_like(g)),
                      lambda g, ans, c, x, y: where(c, zeros_like(g), g))


def where(condition, x=None, y=None, name=None):
    """Elementwise select ``x`` where ``condition`` else ``y``; with one argument, the
    int64 coordinates of the true elements.

    >>> import tapeflow as tf
    >>> tf.where(tf.constant([True, False]), 1.0, 2.0).numpy()
    array([1., 2.], dtype=float32)
    """
    c = to_tensor(condition)
    if x is None and y is None:
        return _wrap(np.argwhere(c._value).astype(np.int64))
    if x is None or y is None:
        raise ValueError("tf.where: x and y must both be given, or neither.")
    if c._value.dtype != np.bool_:
        c = cast(c, "bool")
    x, y = binary_args(x, y, "SelectV2")
    return apply(_WHERE, (c, x, y))


def zeros_like(x, dtype=None, name=None):
    v = to_tensor(x)._value
    return _wrap(np.zeros(v.shape, v.dtype if dtype is None else _dtypes.as_dtype(dtype).np_dtype))


def ones_like(x, dtype=None, name=None):
    v = to_tensor(x)._value
    return _wrap(np.ones(v.shape, v.dtype if dtype is None else _dtypes.as_dtype(dtype).np_dtype))


def _add_n_grad(needs, g, ans, *inputs):
    return [g if need else None for need in needs]


_ADD_N = defprimitive("AddN", lambda *xs: _sum_arrays(xs), grad=_add_n_grad)


def _sum_arrays(xs):
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        out += x
    return out


def add_n(inputs, name=None):
    """Sums a list of tensors of the same shape and dtype."""
    if isinstance(inputs, str) or not hasattr(inputs, "__iter__"):
        raise ValueError("add_n: inputs must be an iterable of at least one tensor of one dtype "
                         "and shape, got %r" % (inputs,))
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    ts = [to_tensor(t) for t in inputs]
    first = ts[0]
    for t in ts[1:]:
        if t._value.shape != first._value.shape or t._value.dtype != first._value.dtype:
            raise ValueError("add_n: all inputs must have the same shape and dtype; got %s %s and "
                             "%s %s" % (first.dtype.name, tuple(first.shape), t.dtype.name,
                                        tuple(t.shape)))
    return apply(_ADD_N, tuple(ts))
