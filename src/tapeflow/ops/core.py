"""How a primitive is declared and run: forward on backend arrays, gradient rule beside it.

    _MUL = defprimitive("Mul", np.multiply,
                        lambda g, ans, x, y: g * y,
                        lambda g, ans, x, y: g * x)

One rule per positional input (``g`` is the upstream gradient, ``ans`` the output, then
the inputs as Tensors, then the op's static attributes as keywords); the engine calls
only the rules whose input is on a path to a source, sums each result back to its input's
shape and casts it to its dtype. A fused op (e.g. cross-entropy) passes ``grad=`` instead:
``grad(needs, g, ans, *inputs, **attrs)`` returning one gradient (or None) per input.
Rules use tapeflow ops, so they are differentiable again.

Every primitive registered here is listed in ``PRIMITIVES``; the test suite fails if one
has no finite-difference gradient check.
"""
import warnings as _warnings

from .. import dtypes as _dtypes
from .._context import recording
from ..backend import np
from ..errors import InvalidArgumentError
from ..tape import record
from ..tensor import Tensor, Variable, _to_array, _wrap

__all__ = ["defprimitive", "apply", "PRIMITIVES", "to_tensor", "binary_args", "op_error"]

PRIMITIVES = {}

# TF computes inf and NaN silently (log(0) = -inf, 0/0 = nan); NumPy warns. Silence NumPy's
# floating-point warnings raised inside tapeflow only: the filter is consulted only when a
# warning is issued, so it costs nothing on the fast path, and users' own NumPy code still warns.
_warnings.filterwarnings(
    "ignore", message=r"(divide by zero|invalid value|overflow|underflow) encountered",
    category=RuntimeWarning, module=r"tapeflow(\.|$)")


class Primitive:
    """A differentiable (or not) operation on backend arrays."""

    __slots__ = ("name", "forward", "vjps", "grad", "multi_output", "differentiable")

    def __init__(self, name, forward, vjps, grad, multi_output):
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.grad = grad
        self.multi_output = multi_output
        self.differentiable = bool(vjps) or grad is not None

    def backward(self, needs, g, ans, inputs, attrs):
        if self.grad is not None:
            if attrs:
                return self.grad(needs, g, ans, *inputs, **attrs)
            return self.grad(needs, g, ans, *inputs)
        if not attrs and len(inputs) == 2:  # the common binary case, without comprehensions
            x, y = inputs
            vx, vy = self.vjps
            return (vx(g, ans, x, y) if needs[0] and vx is not None else None,
                    vy(g, ans, x, y) if needs[1] and vy is not None else None)
        if attrs:
            return [vjp(g, ans, *inputs, **attrs) if need and vjp is not None else None
                    for vjp, need in zip(self.vjps, needs)]
        return [vjp(g, ans, *inputs) if need and vjp is not None else None
                for vjp, need in zip(self.vjps, needs)]

    def __repr__(self):
        return "<primitive %s>" % self.name


def defprimitive(name, forward, *vjps, grad=None, multi_output=False):
    """Registers a primitive. No rules and no ``grad`` means not differentiable."""
    if name in PRIMITIVES:
        raise ValueError("primitive %r is defined twice" % name)
    op = Primitive(name, forward, vjps, grad, multi_output)
    PRIMITIVES[name] = op
    return op


def apply(op, inputs, attrs=None):
    """Runs ``op`` on Tensors ``inputs``; records it if a tape is watching one of them."""
    try:
        # explicit tuples for the common arities: a comprehension costs a frame per call
        n = len(inputs)
        if n == 1:
            args = (inputs[0]._value,)
        elif n == 2:
            args = (inputs[0]._value, inputs[1]._value)
        else:
            args = [t._value for t in inputs]
        out = op.forward(*args, **attrs) if attrs else op.forward(*args)
    except (ValueError, TypeError, IndexError, ArithmeticError, np.linalg.LinAlgError) as e:
        if isinstance(e, InvalidArgumentError):
            raise
        raise op_error(op.name, inputs, e) from None
    if op.multi_output:
        out = tuple(_wrap(o) for o in out)
    else:
        out = _wrap(out)
    if recording and op.differentiable:
        record(op, inputs, out, attrs)
    return out


def op_error(name, inputs, cause):
    """An InvalidArgumentError naming the op, its inputs' shapes and dtypes, and the cause."""
    desc = ", ".join("%s %s" % (_dtypes.from_numpy(t._value.dtype).name, tuple(t._value.shape))
                     for t in inputs)
    if "could not be broadcast" in str(cause):   # NumPy's wording, in TF's terms
        cause = ("Incompatible shapes: %s. Shapes broadcast only where each dimension is equal or "
                 "1 (counting from the right); reshape or tf.expand_dims one input"
                 % " vs. ".join(str(list(t._value.shape)) for t in inputs))
    return InvalidArgumentError(None, name, "%s: %s (inputs: %s) [Op:%s]" % (name, cause, desc, name))


def to_tensor(x, dtype=None):
    """Any tensor-like value as a Tensor (variables are read, so tapes see them)."""
    tx = type(x)
    if tx is Tensor:
        if dtype is not None and x._value.dtype != dtype:
            raise InvalidArgumentError(
                "expected a tensor of dtype %s but got %s. Use tf.cast to convert it."
                % (_dtypes.as_dtype(dtype).name, _dtypes.from_numpy(x._value.dtype).name))
        return x
    if tx is Variable or isinstance(x, Variable):
        return x._read()
    if isinstance(x, Tensor):
        return x
    return _wrap(_to_array(x, dtype))


def _like(x, other, opname):
    """Converts a non-tensor operand to the dtype of the tensor it meets (TF's rule)."""
    if isinstance(x, Variable):
        return x._read()
    if isinstance(x, Tensor):
        return x
    target = other._value.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        arr = np.asarray(x)
        if arr.dtype != target:
            if not np.can_cast(arr.dtype, target, "same_kind") and not (
                    arr.dtype.kind == "b" or target.kind == "b" and arr.dtype.kind in "iu"):
                raise InvalidArgumentError(
                    "%s: cannot combine a NumPy array of dtype %s with a %s tensor. Cast one with "
                    "tf.cast." % (opname, arr.dtype, _dtypes.from_numpy(target).name))
            arr = arr.astype(target)
        return _wrap(arr)
    try:
        return _wrap(_to_array(x, target))
    except (TypeError, ValueError) as e:
        # keep TF's class: ValueError for None or a ragged list, TypeError for a wrong type
        error = ValueError if isinstance(e, ValueError) else TypeError
        raise error("%s: cannot convert %r to a %s tensor to combine it with a tensor of that "
                    "dtype: %s" % (opname, x, _dtypes.from_numpy(target).name, e)) from None


def binary_args(x, y, opname):
    """Two operands as Tensors of one dtype; mismatched tensor dtypes are an error, as in TF."""
    # The common cases first: tensors and variables (Keras's weights are a Variable subclass).
    if type(x) is not Tensor and isinstance(x, Variable):
        x = x._read()
    if type(y) is not Tensor and isinstance(y, Variable):
        y = y._read()
    if type(x) is Tensor and type(y) is Tensor:
        if x._value.dtype is not y._value.dtype and x._value.dtype != y._value.dtype:
            raise _dtype_mismatch(opname, x, y)
        return x, y
    if isinstance(x, (Tensor, Variable)):
        x = to_tensor(x)
        y = _like(y, x, opname)
    elif isinstance(y, (Tensor, Variable)):
        y = to_tensor(y)
        x = _like(x, y, opname)
    else:
        x = to_tensor(x)
        y = _like(y, x, opname)
    if x._value.dtype != y._value.dtype:
        raise _dtype_mismatch(opname, x, y)
    return x, y


def _dtype_mismatch(opname, x, y):
    a = _dtypes.from_numpy(x._value.dtype).name
    b = _dtypes.from_numpy(y._value.dtype).name
    return InvalidArgumentError(
        None, opname,
        "cannot compute %s as input #1(zero-based) was expected to be a %s tensor but is a %s "
        "tensor: x has dtype %s and shape %s, y has dtype %s and shape %s. Convert one with "
        "tf.cast(y, tf.%s). [Op:%s]" % (opname, a, b, a, tuple(x._value.shape), b,
                                       tuple(y._value.shape), a, opname))


def axis_attr(axis):
    """Normalises an ``axis`` argument (int, list, tuple, Tensor or None) to int/tuple/None."""
    if axis is None:
        return None
    if isinstance(axis, (Tensor, Variable)):
        axis = np.asarray(axis._value).tolist()
    elif isinstance(axis, np.ndarray):
        axis = axis.tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)
