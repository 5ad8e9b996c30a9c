"""Matrix products and linear algebra."""
from ..backend import np
from ..errors import InvalidArgumentError
from .core import apply, binary_args, defprimitive

__all__ = ["matmul"]


def _t(x):
    """Swap the last two axes (a view)."""
    return np.swapaxes(x, -1, -2)


def _matmul_forward(a, b, transpose_a, transpose_b):
    if transpose_a:
        a = _t(a)
    if transpose_b:
        b = _t(b)
    return np.matmul(a, b)


def _matmul_grad(needs, g, ans, a, b, transpose_a, transpose_b):
    # C = op(A) @ op(B):  dA = g @ op(B)^T (transposed back if A was), dB likewise.
    ga = gb = None
    if needs[0]:
        if transpose_a:
            ga = matmul(b, g, transpose_a=transpose_b, transpose_b=True)
        else:
            ga = matmul(g, b, transpose_b=not transpose_b)
    if needs[1]:
        if transpose_b:
            gb = matmul(g, a, transpose_a=True, transpose_b=transpose_a)
        else:
            gb = matmul(a, g, transpose_a=not transpose_a)
    return ga, gb


_MATMUL = defprimitive("MatMul", _matmul_forward, grad=_matmul_grad)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two axes, batched and broadcast over the leading ones.

    >>> import tapeflow as tf
    >>> tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    a, b = binary_args(a, b, "MatMul")
    ta = bool(transpose_a or adjoint_a)
    tb = bool(transpose_b or adjoint_b)
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(
            None, "MatMul", "MatMul: both inputs must have rank >= 2, got shapes %s and %s. Use "
            "tf.tensordot or tf.linalg.matvec for vectors, or tf.expand_dims. [Op:MatMul]"
            % (tuple(sa), tuple(sb)))
    k1 = sa[-2] if ta else sa[-1]
    k2 = sb[-1] if tb else sb[-2]
    if k1 != k2:
        raise InvalidArgumentError(
            None, "MatMul", "Matrix size-incompatible: In[0]: %s, In[1]: %s (transpose_a=%s, "
            "transpose_b=%s): the contracted dimensions %d and %d differ. [Op:MatMul]"
            % (list(sa), list(sb), ta, tb, k1, k2))
    return apply(_MATMUL, (a, b), {"transpose_a": ta, "transpose_b": tb})
