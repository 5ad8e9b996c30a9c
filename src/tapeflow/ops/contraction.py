"""A two-operand einsum as one BLAS matmul, composed from differentiable ops.

NumPy's ``einsum`` without ``optimize`` runs its own loops, 8-14× slower than BLAS on the
shapes of attention layers and batched products; with ``optimize`` it spends longer planning
than computing on small ones. Here an equation is planned once per pair of shapes: letters
only one operand has (and the output lacks) are summed away, the operands are transposed and
reshaped to ``[batch..., m, k] @ [batch..., k, n]`` (a transpose BLAS can take as it is is
left to ``matmul``), and the product is reshaped and transposed to the output's order. The
pieces are tapeflow ops, so gradients of any order come from their rules. Equations with a
repeated letter in one subscript (a diagonal) are left to the ``Einsum`` primitive.

    >>> import tapeflow as tf
    >>> contract("abc,cde->abde", tf.ones((2, 3, 4)), tf.ones((4, 5, 6))).shape
    TensorShape([2, 3, 5, 6])
"""
import functools
import math

from . import nn as _nn_ops
from .array import reshape as _reshape
from .array import transpose as _transpose
from .linalg import _parse_einsum
from .linalg import matmul as _matmul
from .reduce import reduce_sum as _reduce_sum

__all__ = ["contract", "plan"]


class _Plan:
    """How ``contract`` computes one equation for one pair of shapes."""
    __slots__ = ("swap", "sum_x", "sum_y", "perm_x", "perm_y", "shape_x", "shape_y", "ta", "tb",
                 "dense", "mid_shape", "perm_out", "out_shape", "n_free_y")


@functools.lru_cache(maxsize=512)
def plan(equation, sx, sy):
    """The ``_Plan`` for ``equation`` and operand shapes ``sx``, ``sy``; None for a diagonal."""
    (a, b), out = _parse_einsum(equation, (sx, sy))  # explicit letters, '...' expanded
    if len(set(a)) != len(a) or len(set(b)) != len(b) or len(set(out)) != len(out):
        return None  # a diagonal: left to tf.einsum
    size = {}
    for sub, shape in ((a, sx), (b, sy)):
        for c, d in zip(sub, shape):
            if size.setdefault(c, d) != d:
                raise ValueError("einsum %r: dimension '%s' is %d in one operand and %d in the "
                                 "other (shapes %s and %s)" % (equation, c, size[c], d, sx, sy))
    for c in out:
        if c not in size:
            raise ValueError("einsum %r: output letter '%s' is in no operand" % (equation, c))
    p = _Plan()
    # Letters only one operand has and the output lacks are summed away first.
    p.sum_x = tuple(i for i, c in enumerate(a) if c not in b and c not in out)
    p.sum_y = tuple(i for i, c in enumerate(b) if c not in a and c not in out)
    a = "".join(c for i, c in enumerate(a) if i not in p.sum_x)
    b = "".join(c for i, c in enumerate(b) if i not in p.sum_y)
    batch = [c for c in out if c in a and c in b]
    con = [c for c in a if c in b and c not in out]
    fa = [c for c in out if c in a and c not in b]
    fb = [c for c in out if c in b and c not in a]
    rest = [c for c in out if c not in batch]
    # Put first the operand whose free letters come first in the output: fewer transposes.
    p.swap = bool(rest) and rest[0] in fb
    if p.swap:
        a, b, fa, fb = b, a, fb, fa
        p.sum_x, p.sum_y = p.sum_y, p.sum_x
    p.perm_x, p.ta = _layout(a, batch + fa + con, batch + con + fa)
    p.perm_y, p.tb = _layout(b, batch + con + fb, batch + fb + con)
    bsz = [size[c] for c in batch]
    m = math.prod(size[c] for c in fa)
    k = math.prod(size[c] for c in con)
    n = math.prod(size[c] for c in fb)
    # No batch letters and x already [free..., contracted...]: the fused dense op (x may keep
    # its leading free axes, so only the contracted ones are merged).
    p.dense = not batch and not p.ta and not p.tb and len(fa) > 0
    if p.dense:
        p.shape_x = tuple(size[c] for c in fa) + (k,)
    else:
        p.shape_x = tuple(bsz) + ((k, m) if p.ta else (m, k))
    p.shape_y = tuple(bsz) + ((n, k) if p.tb else (k, n))
    order = batch + fa + fb
    p.mid_shape = tuple(size[c] for c in order)
    perm = tuple(order.index(c) for c in out)
    p.perm_out = None if perm == tuple(range(len(perm))) else perm
    p.out_shape = tuple(size[c] for c in out)
    p.n_free_y = len(fb)
    return p


def _layout(sub, plain, transposed):
    """(permutation or None, transposed?) bringing ``sub`` to ``plain`` or ``transposed``."""
    if list(sub) == plain:
        return None, False
    if list(sub) == transposed:
        return None, True
    return tuple(sub.index(c) for c in plain), False


def contract(equation, x, y, bias=None, activation=None):
    """``einsum(equation, x, y) (+ bias)`` for two operands, as one (batched) matmul.

    Args:
        equation: explicit two-operand einsum (``'abc,cde->abde'``; ``...`` allowed).
        x, y: the operands (Tensors or Variables).
        bias: optional tensor broadcastable to the output, added after the product (fused
            into the dense op when it spans exactly ``y``'s free axes).
        activation: optional ``'relu'`` to fuse with the dense op, else applied after.

    >>> import tapeflow as tf
    >>> contract("ij,jk->ik", tf.ones((2, 3)), tf.ones((3, 4))).shape
    TensorShape([2, 4])
    """
    p = plan(equation, tuple(x.shape), tuple(y.shape))
    if p is None:
        from .linalg import einsum
        out = einsum(equation, x, y)
        out = out if bias is None else out + bias
        return _nn_ops.relu(out) if activation == "relu" else out
    if p.swap:
        x, y = y, x
    if p.sum_x:
        x = _reduce_sum(x, axis=list(p.sum_x))
    if p.sum_y:
        y = _reduce_sum(y, axis=list(p.sum_y))
    x = _arrange(x, p.perm_x, p.shape_x)
    y = _arrange(y, p.perm_y, p.shape_y)
    fused_bias = None
    if bias is not None and p.dense and p.perm_out is None and \
            tuple(bias.shape) == p.out_shape[len(p.out_shape) - p.n_free_y:]:
        fused_bias = bias if len(bias.shape) == 1 else _reshape(bias, (-1,))
        bias = None
    if p.dense:
        fuse_relu = activation == "relu" and bias is None
        out = _nn_ops.dense(x, y, fused_bias, activation="relu" if fuse_relu else None)
        if fuse_relu:
            activation = None
    else:
        out = _matmul(x, y, transpose_a=p.ta, transpose_b=p.tb)
    if tuple(out.shape) != p.mid_shape:
        out = _reshape(out, p.mid_shape)
    if p.perm_out is not None:
        out = _transpose(out, p.perm_out)
    if bias is not None:
        out = out + bias
    return _nn_ops.relu(out) if activation == "relu" else out


def _arrange(t, perm, shape):
    if perm is not None:
        t = _transpose(t, perm)
    return t if tuple(t.shape) == shape else _reshape(t, shape)


