"""tapeflow: TensorFlow 2's eager autodiff and Keras workflow on NumPy.

    import tapeflow as tf

    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    print(g.gradient(y, x))   # tf.Tensor(6.0, shape=(), dtype=float32)

This module is the public ``tf.*`` namespace only. ``tf.keras`` and ``tf.data`` load on
first use so that ``import tapeflow`` stays fast.
"""
import importlib as _importlib

from . import dtypes, errors, nest
from .dtypes import (DType, as_dtype, bool, complex64, complex128, double, float16, float32,
                     float64, half, int8, int16, int32, int64, string, uint8, uint16, uint32,
                     uint64)
from .ops import PRIMITIVES as _PRIMITIVES  # noqa: F401  (attaches the Tensor operators)
from .ops.array import (boolean_mask, broadcast_to, concat, cumprod, cumsum, expand_dims, gather,
                        gather_nd, identity, pad, repeat, reshape, reverse, scatter_nd, slice,
                        sort, argsort, split, squeeze, stack, stop_gradient, tile, transpose,
                        unique, unstack)
from .ops.creation import (constant, eye, fill, linspace, one_hot, ones, range, rank, shape,
                           size, zeros)
from .ops.linalg import einsum, matmul, norm, tensordot
from .ops.math import (abs, acos, add, add_n, asin, atan, cast, ceil, clip_by_global_norm,
                       clip_by_norm, clip_by_value, cos, cosh, divide, equal, exp, floor, floordiv, greater,
                       greater_equal, less, less_equal, log, logical_and, logical_not,
                       logical_or, maximum, minimum, multiply, negative, not_equal, ones_like,
                       pow, round, sigmoid, sign, sin, sinh, sqrt, square, subtract, tan, tanh,
                       truediv, where, zeros_like)
from .ops.reduce import (argmax, argmin, reduce_all, reduce_any, reduce_logsumexp, reduce_max,
                         reduce_mean, reduce_min, reduce_prod, reduce_std, reduce_sum,
                         reduce_variance)
from .tape import GradientTape, UnconnectedGradients
from .tensor import IndexedSlices, Tensor, TensorShape, Variable, convert_to_tensor
from .spec import TensorSpec
# Imported eagerly (they are small): a lazily loaded submodule named like its function would
# shadow it, since importing ``tapeflow.function`` sets the package attribute to the module.
from .custom_gradient import custom_gradient
from .function import function

__version__ = "0.1.0"
newaxis = None

# Sub-namespaces: tf.math, tf.nn, tf.linalg, tf.random ... are small modules of their own;
# keras and data are heavier and load on first access.
_LAZY = {"math": ".api.math", "nn": ".api.nn", "linalg": ".api.linalg", "random": ".api.random",
         "keras": ".keras", "data": ".data", "config": ".api.config",
         "image": ".api.image", "strings": ".api.strings",
         # TF 2's aliases of the Keras modules (tf.metrics.BinaryAccuracy in the tutorials)
         "metrics": ".keras.metrics", "losses": ".keras.losses",
         "optimizers": ".keras.optimizers", "initializers": ".keras.initializers"}
# Single callables that live in their own modules: name -> (module, attribute).
_LAZY_ATTRS = {}


def __getattr__(name):
    if name in _LAZY_ATTRS:
        module, attr = _LAZY_ATTRS[name]
        value = getattr(_importlib.import_module(module, __name__), attr)
    elif name in _LAZY:
        value = _importlib.import_module(_LAZY[name], __name__)
    else:
        raise AttributeError("module 'tapeflow' has no attribute %r" % name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_LAZY) + list(_LAZY_ATTRS))
