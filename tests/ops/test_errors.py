"""Bad input to every public op gives a TF error class that names the op (or what is wrong).

One row per case: ``(case id, call, expected error class, regex the message must match)``.
The message check is case-insensitive. Every public function of ``tf``, ``tf.math``,
``tf.nn`` and ``tf.linalg`` appears in at least one row (``test_every_public_op_is_covered``),
and no row may fail with a bare NumPy error (AxisError, IndexError, broadcasting text).
"""
import inspect
import re

import pytest

import tapeflow as tf
from tapeflow.errors import InvalidArgumentError

IAE = InvalidArgumentError
F = tf.ones([2, 3])                 # float32 (2, 3)
V = tf.constant([1.0, 2.0, 3.0])    # float32 (3,)
I = tf.constant([1, 2, 3])          # int32 (3,)
SQ = tf.eye(2)                      # float32 (2, 2)
IMG = tf.ones([1, 4, 4, 2])         # NHWC
SEQ = tf.ones([1, 4, 2])            # NWC


def _mismatch(op):
    """``op(float32, int32)``: TF refuses to combine two tensors of different dtypes."""
    return (op, lambda f: f(V, I), IAE, r"expected to be a float32 tensor but is a int32.*tf\.cast")


def _broadcast(op):
    return (op, lambda f: f(V, tf.ones([2])), IAE, r"Incompatible shapes: \[3\] vs\. \[2\]")


def _none(op):
    return (op, lambda f: f(None), ValueError, r"None")


# (public name, call taking the function, error class, message regex)
CASES = [
    # -- binary arithmetic and comparisons: dtype mismatch and broadcasting -----------------
    *[_mismatch(op) for op in ["add", "subtract", "multiply", "divide", "truediv", "floordiv",
                               "floormod", "mod", "pow", "maximum", "minimum", "equal",
                               "not_equal", "less", "less_equal", "greater", "greater_equal",
                               "squared_difference", "atan2", "xlogy", "divide_no_nan"]],
    *[_broadcast(op) for op in ["add", "multiply", "maximum", "less", "squared_difference"]],
    ("floordiv", lambda f: f(I, tf.constant([1, 0, 1])), IAE, r"FloorDiv.*division by zero"),
    ("floormod", lambda f: f(I, tf.constant([1, 0, 1])), IAE, r"FloorMod.*division by zero"),
    ("pow", lambda f: f(I, tf.constant([-1, 1, 1])), IAE, r"Pow.*negative integer powers"),
    ("add", lambda f: f(V, None), ValueError, r"AddV2.*None"),
    ("add", lambda f: f(V, "a"), TypeError, r"AddV2.*'a'.*float32"),
    ("add_n", lambda f: f([V, F]), ValueError, r"add_n.*same shape"),
    ("add_n", lambda f: f([]), ValueError, r"add_n.*non-empty"),
    ("add_n", lambda f: f(3), ValueError, r"add_n.*iterable"),
    ("global_norm", lambda f: f(3.0), TypeError, r"global_norm.*sequence"),
    ("concat", lambda f: f(3, 0), TypeError, r"concat.*list of tensors"),
    ("stack", lambda f: f(None), TypeError, r"stack.*list of tensors"),
    ("einsum", lambda f: f(V, V), TypeError, r"einsum.*equation string"),
    ("confusion_matrix", lambda f: f([0, -1], [0, 1]), IAE, r"confusion_matrix.*non-negative"),
    ("confusion_matrix", lambda f: f([0, 3], [0, 1], num_classes=2), IAE,
     r"confusion_matrix.*num_classes=2"),
    *[(op, lambda f: f(None), TypeError, r"shape must be.*None") for op in ["zeros", "ones"]],
    ("reshape", lambda f: f(V, "ab"), TypeError, r"shape must be.*'ab'"),
    ("tile", lambda f: f(V, 2.5), TypeError, r"shape must be"),
    # -- logical: bool only -------------------------------------------------------------------
    ("logical_and", lambda f: f(V, V), IAE, r"LogicalAnd expects bool.*float32.*tf\.cast"),
    ("logical_or", lambda f: f(I, I), IAE, r"LogicalOr expects bool.*int32"),
    ("logical_xor", lambda f: f(V, V), IAE, r"LogicalXor expects bool"),
    ("logical_not", lambda f: f(I), IAE, r"LogicalNot expects bool"),
    # -- unary: None, strings ---------------------------------------------------------------
    *[_none(op) for op in ["abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "exp",
                           "expm1", "floor", "is_finite", "is_inf", "is_nan", "log", "log1p",
                           "log_sigmoid", "negative", "reciprocal", "round", "rsqrt", "sigmoid",
                           "sign", "sin", "sinh", "softplus", "softsign", "sqrt", "square",
                           "tan", "tanh", "relu", "relu6", "elu", "selu", "gelu", "silu",
                           "swish", "leaky_relu", "identity", "stop_gradient", "zeros_like",
                           "ones_like", "shape", "size", "rank", "convert_to_tensor",
                           "constant", "l2_loss", "unique"]],
    ("negative", lambda f: f(tf.constant([True])), IAE, r"Neg.*bool"),
    ("exp", lambda f: f(tf.constant(["a"])), IAE, r"string.*Op:Exp"),
    *[(op, lambda f: f(I), IAE, r"attr 'T' of int32.*tf\.cast")
      for op in ["sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "sin", "cos", "tan", "asin",
                 "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "softplus", "softsign",
                 "floor", "ceil", "erf", "is_nan", "is_inf", "is_finite"]],
    ("constant", lambda f: f([[1, 2], [3]]), ValueError, r"non-rectangular"),
    ("constant", lambda f: f([1.5], dtype=tf.int32), TypeError, r"int32"),
    ("constant", lambda f: f([1, 2, 3], shape=[2, 2]), TypeError,
     r"constant.*3 elements.*\[2, 2\]"),
    ("convert_to_tensor", lambda f: f(I, dtype=tf.float32), IAE, r"requested dtype float32.*int32"),
    ("cast", lambda f: f(V, "no_such_dtype"), TypeError, r"no_such_dtype.*dtype"),
    ("cast", lambda f: f(tf.constant(["a"]), tf.float32), IAE, r"Cast.*string"),
    ("as_dtype", lambda f: f("float99"), TypeError, r"float99"),
    # -- clipping and norms -------------------------------------------------------------------
    ("clip_by_value", lambda f: f(V, tf.zeros([2]), 1.0), IAE, r"ClipByValue.*Incompatible shapes"),
    ("clip_by_value", lambda f: f(V, tf.constant(0), 1.0), IAE, r"ClipByValue.*int32"),
    ("clip_by_norm", lambda f: f(V, tf.constant(1)), IAE, r"ClipByNorm.*int32"),
    ("clip_by_global_norm", lambda f: f(V, 1.0), TypeError, r"clip_by_global_norm.*sequence"),
    ("global_norm", lambda f: f([None]), ValueError, r"global_norm.*no tensors"),
    ("norm", lambda f: f(V, axis=3), IAE, r"axis 3 is out of range"),
    ("l2_normalize", lambda f: f(V, axis=2), IAE, r"axis 2 is out of range"),
    # -- reductions ---------------------------------------------------------------------------
    *[(op, lambda f: f(F, axis=2), IAE, r"axis 2 is out of range for a tensor of rank 2")
      for op in ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
                 "reduce_logsumexp", "reduce_variance", "reduce_std", "count_nonzero"]],
    ("reduce_sum", lambda f: f(tf.constant([True])), IAE, r"Sum.*bool.*tf\.cast"),
    ("reduce_variance", lambda f: f(I), TypeError, r"reduce_variance.*real.*int32"),
    ("reduce_std", lambda f: f(I), TypeError, r"reduce_variance.*real.*int32"),
    ("reduce_mean", lambda f: f(tf.constant([True])), IAE, r"Mean.*bool"),
    ("reduce_any", lambda f: f(V), IAE, r"Any.*expected a bool tensor.*float32"),
    ("reduce_all", lambda f: f(I), IAE, r"All.*expected a bool tensor.*int32"),
    ("reduce_any", lambda f: f(tf.constant([True]), axis=-2), IAE, r"Any: axis -2"),
    ("argmax", lambda f: f(V, axis=1), IAE, r"ArgMax.*axis 1.*rank 1"),
    ("argmin", lambda f: f(tf.zeros([0])), IAE, r"ArgMin.*empty"),
    ("cumsum", lambda f: f(V, axis=2), IAE, r"cumsum.*axis 2"),
    ("cumprod", lambda f: f(V, axis=-3), IAE, r"cumprod.*axis -3"),
    ("segment_sum", lambda f: f(V, tf.constant([0, 1])), IAE, r"segment"),
    ("segment_sum", lambda f: f(V, tf.constant([1, 0, 1])), IAE,
     r"segment_sum.*sorted.*\[1, 0, 1\]"),
    ("unsorted_segment_sum", lambda f: f(V, tf.constant([0, 5, 1]), 2), IAE, r"segment.*5"),
    ("confusion_matrix", lambda f: f([0, 1], [0, 1, 1]), IAE,
     r"confusion_matrix.*same size.*2 and 3"),
    # -- shape manipulation -------------------------------------------------------------------
    ("reshape", lambda f: f(F, [4]), IAE, r"Reshape.*6 values.*\[4\]"),
    ("broadcast_to", lambda f: f(V, [2, 2]), IAE, r"BroadcastTo.*\(3,\).*\(2, 2\)"),
    ("transpose", lambda f: f(F, perm=[0, 0]), IAE, r"transpose.*not a permutation"),
    ("matrix_transpose", lambda f: f(V), IAE, r"rank"),
    ("expand_dims", lambda f: f(V, 3), IAE, r"expand_dims.*axis 3"),
    ("squeeze", lambda f: f(F, axis=0), IAE, r"squeeze.*dim\[0\].*got 2"),
    ("concat", lambda f: f([F, tf.ones([2, 2])], 0), IAE, r"ConcatV2.*\(2, 3\).*\(2, 2\)"),
    ("concat", lambda f: f([V, I], 0), IAE, r"ConcatV2.*float32 and int32.*tf\.cast"),
    ("concat", lambda f: f([V, V], 1), IAE, r"ConcatV2.*axis 1"),
    ("stack", lambda f: f([V, tf.ones([2])]), IAE, r"Pack.*\(3,\).*\(2,\)"),
    ("unstack", lambda f: f(V, axis=1), IAE, r"unstack.*axis 1"),
    ("split", lambda f: f(V, 2), IAE, r"split.*size 3.*2 equal parts"),
    ("split", lambda f: f(V, [1, 1]), IAE, r"split.*\[1, 1\].*3"),
    ("tile", lambda f: f(V, [1, 2]), IAE, r"tile.*length 1"),
    ("repeat", lambda f: f(V, [1, 2]), IAE, r"repeat"),
    ("pad", lambda f: f(F, [[1, 1]]), IAE, r"pad.*paddings"),
    ("pad", lambda f: f(F, [[1, 1], [1, 1]], mode="WRAP"), ValueError, r"pad.*mode"),
    ("reverse", lambda f: f(V, [1]), IAE, r"reverse.*axis 1"),
    ("slice", lambda f: f(V, [2], [2]), IAE, r"slice.*begin \[2\], size \[2\].*\(3,\)"),
    ("identity", lambda f: f([[1], [1, 2]]), ValueError, r"non-rectangular"),
    # -- indexing -----------------------------------------------------------------------------
    ("gather", lambda f: f(V, tf.constant([3])), IAE, r"gather.*3 is not in \[0, 3\)"),
    ("gather", lambda f: f(V, tf.constant([0.0])), IAE, r"gather.*integers.*float32"),
    ("gather", lambda f: f(F, tf.constant([[0]]), batch_dims=2), IAE, r"gather.*batch_dims=2"),
    ("gather", lambda f: f(F, tf.constant([[0], [0], [0]]), batch_dims=1), IAE,
     r"gather.*batch_dims=1.*must be equal"),
    ("gather_nd", lambda f: f(F, tf.constant([[2, 0]])), IAE, r"GatherNd.*\[2, 0\].*\(2, 3\)"),
    ("embedding_lookup", lambda f: f(F, tf.constant([5])), IAE, r"5 is not in \[0, 2\)"),
    ("boolean_mask", lambda f: f(V, tf.constant([True])), IAE, r"boolean_mask.*\(1,\).*\(3,\)"),
    ("boolean_mask", lambda f: f(V, I), IAE, r"boolean_mask.*bool.*int32"),
    ("scatter_nd", lambda f: f(tf.constant([[5]]), V[:1], [3]), IAE, r"ScatterNd|scatter_nd"),
    ("where", lambda f: f(tf.constant([True, False]), V, V), IAE, r"SelectV2.*Incompatible shapes"),
    ("where", lambda f: f(tf.constant([True]), V), ValueError, r"where.*x and y"),
    ("one_hot", lambda f: f(V, 3), IAE, r"one_hot.*integers.*float32"),
    ("one_hot", lambda f: f(I, -1), IAE, r"one_hot.*depth.*-1"),
    ("unique", lambda f: f(F), IAE, r"unique.*1-D.*\(2, 3\)"),
    ("sort", lambda f: f(V, direction="UP"), ValueError, r"ASCENDING.*UP"),
    ("argsort", lambda f: f(V, axis=2), IAE, r"axis 2"),
    ("top_k", lambda f: f(V, k=4), IAE, r"top_k.*k=4.*\(3,\)"),
    ("in_top_k", lambda f: f(I, F, 1), IAE, r"in_top_k.*\(2, 3\).*\(3,\)"),
    # -- creation -----------------------------------------------------------------------------
    ("zeros", lambda f: f([-1]), IAE, r"zeros.*>= 0.*\[-1\]"),
    ("ones", lambda f: f([2, -3]), IAE, r"ones.*>= 0"),
    ("fill", lambda f: f([-2], 1.0), IAE, r"fill.*>= 0"),
    ("eye", lambda f: f(-1), IAE, r"eye"),
    ("range", lambda f: f(0, 5, 0), IAE, r"range.*delta.*zero"),
    ("linspace", lambda f: f(0.0, 1.0, -1), IAE, r"linspace.*num"),
    # -- linear algebra -----------------------------------------------------------------------
    ("matmul", lambda f: f(F, F), IAE, r"Matrix size-incompatible.*\[2, 3\].*\[2, 3\]"),
    ("matmul", lambda f: f(V, F), IAE, r"MatMul.*rank >= 2.*tf\.linalg\.matvec"),
    ("matmul", lambda f: f(F, tf.ones([3, 2], tf.float64)), IAE, r"MatMul.*float32.*float64"),
    ("matvec", lambda f: f(F, tf.ones([2])), IAE, r"size-incompatible"),
    ("tensordot", lambda f: f(F, tf.ones([4]), 1), IAE, r"tensordot.*3.*4"),
    ("einsum", lambda f: f("ij,jk->ik", F, F), IAE, r"Einsum"),
    ("einsum", lambda f: f("ij,jk->ik", F), IAE, r"einsum.*2 operands.*1"),
    ("inv", lambda f: f(F), IAE, r"MatrixInverse.*square.*\(2, 3\)"),
    ("inv", lambda f: f(tf.zeros([2, 2])), IAE, r"MatrixInverse.*not invertible"),
    ("det", lambda f: f(F), IAE, r"MatrixDeterminant.*square"),
    ("det", lambda f: f(tf.constant([[1, 0], [0, 1]])), IAE, r"MatrixDeterminant.*int32.*tf\.cast"),
    ("inv", lambda f: f(tf.constant([[1, 0], [0, 1]])), IAE, r"MatrixInverse.*int32"),
    *[(op, lambda f: f([-1]), IAE, r"random\.\w+.*>= 0") for op in ["normal", "uniform",
                                                                  "truncated_normal"]],
    ("categorical", lambda f: f(V, 2), IAE, r"categorical.*2-D.*\(3,\)"),
    ("categorical", lambda f: f(F, -1), IAE, r"categorical.*num_samples.*-1"),
    ("shuffle", lambda f: f(tf.constant(1.0)), IAE, r"shuffle.*rank >= 1"),
    ("set_seed", lambda f: f("a"), TypeError, r"set_seed.*integer.*'a'"),
    ("set_global_generator", lambda f: f(3), TypeError, r"set_global_generator.*Generator"),
    ("solve", lambda f: f(SQ, tf.ones([3, 1])), IAE, r"MatrixSolve.*\(3, 1\).*\(2, 2\)"),
    ("trace", lambda f: f(V), IAE, r"rank >= 2.*\(3,\)"),
    ("diag", lambda f: f(tf.constant(1.0)), IAE, r"diag.*rank"),
    ("diag_part", lambda f: f(V), IAE, r"rank"),
    ("tensor_diag_part", lambda f: f(V), IAE, r"rank"),
    # -- nn -----------------------------------------------------------------------------------
    ("softmax", lambda f: f(V, axis=1), IAE, r"Softmax.*axis 1.*rank 1"),
    ("softmax", lambda f: f(I), IAE, r"Softmax.*floating-point.*int32"),
    ("log_softmax", lambda f: f(I), IAE, r"LogSoftmax.*floating-point.*int32"),
    ("one_hot", lambda f: f(I, 3, on_value=1, off_value=0.5), TypeError,
     r"one_hot.*off_value does not match"),
    ("log_softmax", lambda f: f(V, axis=-2), IAE, r"axis -2.*rank 1"),
    ("bias_add", lambda f: f(F, tf.ones([2])), IAE, r"BiasAdd.*2.*3"),
    ("dropout", lambda f: f(V, rate=1.5), ValueError, r"dropout.*rate.*1\.5"),
    ("moments", lambda f: f(F, axes=[2]), IAE, r"axis 2"),
    ("batch_normalization", lambda f: f(F, tf.ones([2]), tf.ones([3]), None, None, 1e-3), IAE,
     r"Incompatible shapes"),
    ("fused_batch_norm", lambda f: f(V, tf.ones([1]), tf.ones([1])), IAE, r"rank|4-D|shape"),
    ("softmax_cross_entropy_with_logits", lambda f: f(F, tf.ones([2, 4])), IAE,
     r"softmax_cross_entropy_with_logits.*\(2, 3\).*\(2, 4\)"),
    ("sparse_softmax_cross_entropy_with_logits", lambda f: f(tf.constant([0, 3]), F), IAE,
     r"label value of 3.*\[0, 3\)"),
    ("sparse_softmax_cross_entropy_with_logits", lambda f: f(tf.constant([0.0, 1.0]), F), IAE,
     r"labels must be integers"),
    ("sigmoid_cross_entropy_with_logits", lambda f: f(labels=V, logits=F), IAE,
     r"sigmoid_cross_entropy_with_logits.*\(2, 3\).*\(3,\)"),
    ("conv2d", lambda f: f(IMG, tf.ones([3, 3, 5, 1]), 1, "SAME"), IAE, r"[Cc]onv.*5.*2|channel"),
    ("conv1d", lambda f: f(SEQ, tf.ones([3, 5, 1]), 1, "SAME"), IAE, r"[Cc]onv|channel"),
    ("depthwise_conv2d", lambda f: f(IMG, tf.ones([3, 3, 5, 1]), [1, 1, 1, 1], "SAME"), IAE,
     r"[Dd]epthwise|channel"),
    ("conv2d_transpose", lambda f: f(IMG, tf.ones([3, 3, 1, 5]), [1, 4, 4, 1], 1), IAE,
     r"[Cc]onv|channel"),
    ("separable_conv2d", lambda f: f(IMG, tf.ones([3, 3, 2, 2]), tf.ones([1, 1, 3, 4]),
                                     [1, 1, 1, 1], "SAME"), IAE, r"separable_conv2d.*\(1, 1, 3, 4\)"),
    ("max_pool2d", lambda f: f(V, 2, 2, "VALID"), IAE, r"[Pp]ool.*rank|4-D|shape"),
    ("avg_pool2d", lambda f: f(V, 2, 2, "VALID"), IAE, r"[Pp]ool.*rank|4-D|shape"),
    ("max_pool1d", lambda f: f(V, 2, 2, "VALID"), IAE, r"[Pp]ool.*rank|3-D|shape"),
    ("avg_pool1d", lambda f: f(V, 2, 2, "VALID"), IAE, r"[Pp]ool.*rank|3-D|shape"),
    ("max_pool", lambda f: f(V, 2, 2, "VALID"), IAE, r"[Pp]ool.*rank|shape"),
    ("avg_pool", lambda f: f(V, 2, 2, "VALID"), IAE, r"[Pp]ool.*rank|shape"),
    ("conv3d", lambda f: f(tf.ones([1, 4, 4, 4, 2]), tf.ones([3, 3, 3, 5, 1]), [1, 1, 1, 1, 1],
                           "SAME"), IAE, r"Conv3D: input depth 2 .* in_channels 5"),
    ("conv3d", lambda f: f(IMG, tf.ones([3, 3, 3, 2, 1]), [1, 1, 1, 1, 1], "SAME"), IAE,
     r"Conv3D: input must be 5-D.*\(1, 4, 4, 2\)"),
    ("conv3d_transpose", lambda f: f(tf.ones([1, 4, 4, 4, 2]), tf.ones([3, 3, 3, 1, 5]),
                                     [1, 4, 4, 4, 1], 1), IAE, r"Conv3DTranspose.*do not agree"),
    ("max_pool3d", lambda f: f(IMG, 2, 2, "VALID"), IAE, r"MaxPool3D: input must be 5-D"),
    ("avg_pool3d", lambda f: f(tf.ones([1, 2, 2, 2, 1]), 3, 1, "VALID"), IAE,
     r"AvgPool3D.*larger than the input"),
]

# Public callables that are not ops on tensors (nothing to feed bad input to).
NOT_OPS = {"custom_gradient", "function",   # decorators
           "get_seed", "get_global_generator"}   # no tensor input to get wrong
NAMESPACES = {"tf": tf, "tf.math": tf.math, "tf.nn": tf.nn, "tf.linalg": tf.linalg,
              "tf.random": tf.random}


def _public_functions():
    names = {}
    for prefix, mod in NAMESPACES.items():
        for n in dir(mod):
            v = getattr(mod, n)
            if n.startswith("_") or inspect.isclass(v) or inspect.ismodule(v) or not callable(v):
                continue
            names.setdefault(n, (prefix, v))
    return names


def _resolve(name):
    for mod in NAMESPACES.values():
        if hasattr(mod, name):
            return getattr(mod, name)
    raise AssertionError("no public op named %r" % name)


_NUMPY_LEAKS = re.compile(r"AxisError|operands could not be broadcast|index \d+ is out of bounds")


@pytest.mark.parametrize("name,call,error,pattern", CASES,
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_bad_input_raises_tf_error(name, call, error, pattern):
    with pytest.raises(error) as info:
        call(_resolve(name))
    message = str(info.value)
    assert re.search(pattern, message, re.IGNORECASE | re.DOTALL), message
    assert not _NUMPY_LEAKS.search(message), message


def test_every_public_op_is_covered():
    covered = {c[0] for c in CASES}
    missing = sorted(set(_public_functions()) - covered - NOT_OPS)
    assert not missing, "public ops without a bad-input case: %s" % missing
