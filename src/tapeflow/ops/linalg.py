"""Matrix products and linear algebra."""
import string as _string

from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import _wrap
from .array import expand_dims, reshape, squeeze
from .array import transpose as _transpose
from .core import apply, axis_attr, binary_args, defprimitive, to_tensor
from .math import abs as _abs
from .math import maximum, rsqrt, sqrt
from .math import pow as _pow
from .reduce import reduce_max, reduce_sum

__all__ = ["matmul", "matvec", "einsum", "tensordot", "inv", "det", "solve", "diag", "diag_part",
           "trace", "norm", "l2_normalize", "transpose", "matrix_transpose"]


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


def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    """Matrix-vector product ``a @ b`` over the last axes (batched).

    >>> import tapeflow as tf
    >>> tf.linalg.matvec(tf.eye(2), tf.constant([1.0, 2.0])).numpy()
    array([1., 2.], dtype=float32)
    """
    a, b = binary_args(a, b, "MatVec")
    return squeeze(matmul(a, expand_dims(b, -1), transpose_a=transpose_a or adjoint_a), -1)


def matrix_transpose(a, name=None, conjugate=False):
    """Swaps the last two axes (also ``tf.linalg.transpose``).

    >>> import tapeflow as tf
    >>> tf.linalg.matrix_transpose(tf.ones([5, 2, 3])).shape
    TensorShape([5, 3, 2])
    """
    x = to_tensor(a)
    nd = x._value.ndim
    if nd < 2:
        raise InvalidArgumentError("matrix_transpose: input must have rank >= 2, got shape %s"
                                   % (tuple(x._value.shape),))
    return _transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


transpose = matrix_transpose


# -- einsum / tensordot --------------------------------------------------------------------
def _parse_einsum(equation, shapes):
    """An explicit equation without ellipses: (list of input subscripts, output subscripts)."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError("einsum: equation %r has %d operands but %d were given"
                         % (equation, len(ins), len(shapes)))
    free = [c for c in _string.ascii_letters if c not in eq]
    ell_rank = max([len(sh) - (len(sub) - 3) for sub, sh in zip(ins, shapes) if "..." in sub],
                   default=0)
    ell = "".join(free[:ell_rank])
    expanded = []
    for sub, sh in zip(ins, shapes):
        if "..." in sub:
            n = len(sh) - (len(sub) - 3)
            sub = sub.replace("...", ell[ell_rank - n:] if n else "")
        if len(sub) != len(sh):
            raise ValueError("einsum: subscripts %r do not match an operand of rank %d (shape %s)"
                             % (sub, len(sh), tuple(sh)))
        expanded.append(sub)
    if arrow:
        out = out.replace("...", ell)
    else:
        counts = {}
        for c in "".join(expanded):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return expanded, out


def _einsum_forward(*operands, ins, out):
    return np.einsum(",".join(ins) + "->" + out, *operands, optimize=len(operands) > 2)


def _einsum_grad(needs, g, ans, *operands, ins, out):
    # d/d operand i: an einsum of g with the other operands that produces operand i's
    # subscripts. A letter repeated in operand i (a diagonal) gets a fresh letter tied to it
    # by an identity matrix; a letter only operand i has is produced by a vector of ones.
    sizes = {}
    for sub, t in zip(ins, operands):
        for c, d in zip(sub, t._value.shape):
            sizes[c] = d
    used = set("".join(ins) + out)
    fresh = iter(c for c in _string.ascii_letters if c not in used)
    grads = []
    for i, need in enumerate(needs):
        if not need:
            grads.append(None)
            continue
        subs = [out] + [s for j, s in enumerate(ins) if j != i]
        args = [g] + [t for j, t in enumerate(operands) if j != i]
        dtype = operands[i]._value.dtype
        target, seen = "", set()
        for c in ins[i]:
            if c in seen:
                c2 = next(fresh)
                subs.append(c + c2)
                args.append(_wrap(np.eye(sizes[c], dtype=dtype)))
                c = c2
            seen.add(c)
            target += c
        present = set("".join(subs))
        for c in set(ins[i]) - present:
            subs.append(c)
            args.append(_wrap(np.ones(sizes[c], dtype=dtype)))
        grads.append(apply(_EINSUM, tuple(args), {"ins": tuple(subs), "out": target}))
    return grads


_EINSUM = defprimitive("Einsum", _einsum_forward, grad=_einsum_grad)


def einsum(equation, *inputs, name=None, **kwargs):
    """Einstein summation (``np.einsum`` semantics incl. ``...``), differentiable.

    >>> import tapeflow as tf
    >>> tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    if not isinstance(equation, str):
        raise TypeError("einsum: the first argument must be the equation string, e.g. 'ij,jk->ik', "
                        "got %r" % (equation,))
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    ts = [to_tensor(t) for t in inputs]
    for t in ts[1:]:
        binary_args(ts[0], t, "Einsum")
    try:
        ins, out = _parse_einsum(equation, [t._value.shape for t in ts])
        explicit = ",".join(ins) + "->" + out
        two_operand_plan = None
        if len(ts) == 2:  # one BLAS matmul unless a subscript repeats a letter (a diagonal)
            from .contraction import plan
            two_operand_plan = plan(explicit, ts[0]._value.shape, ts[1]._value.shape)
    except ValueError as e:
        raise InvalidArgumentError(None, "Einsum", str(e)) from None
    if two_operand_plan is not None:
        from .contraction import contract
        return contract(explicit, ts[0], ts[1])
    return apply(_EINSUM, tuple(ts), {"ins": tuple(ins), "out": out})


def tensordot(a, b, axes, name=None):
    """Sums the products of ``a`` and ``b`` over ``axes`` (an int N: the last N axes of a
    with the first N of b; or a pair of axis lists).

    >>> import tapeflow as tf
    >>> tf.tensordot(tf.ones([2, 3]), tf.ones([3, 4]), axes=1).shape
    TensorShape([2, 4])
    """
    a, b = binary_args(a, b, "Tensordot")
    na, nb = a._value.ndim, b._value.ndim
    if isinstance(axes, (int, np.integer)) or (hasattr(axes, "ndim") and np.ndim(axes) == 0):
        n = int(axes)
        if n < 0 or n > min(na, nb):
            raise InvalidArgumentError("tensordot: axes=%d is out of range for ranks %d and %d"
                                       % (n, na, nb))
        axes_a, axes_b = list(range(na - n, na)), list(range(n))
    else:
        axes_a, axes_b = axes
        axes_a = [int(x) % na for x in np.atleast_1d(axis_attr(axes_a))]
        axes_b = [int(x) % nb for x in np.atleast_1d(axis_attr(axes_b))]
    for x, y in zip(axes_a, axes_b):
        if a._value.shape[x] != b._value.shape[y]:
            raise InvalidArgumentError(
                "tensordot: dimension %d of a (shape %s) and dimension %d of b (shape %s) differ"
                % (x, tuple(a._value.shape), y, tuple(b._value.shape)))
    letters = iter(_string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for x, y in zip(axes_a, axes_b):
        sb[y] = sa[x]
    out = [c for i, c in enumerate(sa) if i not in axes_a] + [
        c for i, c in enumerate(sb) if i not in axes_b]
    return apply(_EINSUM, (a, b), {"ins": ("".join(sa), "".join(sb)), "out": "".join(out)})


# -- inverse, determinant, solve -----------------------------------------------------------
def _square(x, opname):
    x = to_tensor(x)
    sh = x._value.shape
    if len(sh) < 2 or sh[-1] != sh[-2]:
        raise InvalidArgumentError(None, opname, "%s: input must be a (batch of) square matrices, "
                                   "got shape %s [Op:%s]" % (opname, tuple(sh), opname))
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError(None, opname, "%s: expected a floating-point matrix, got %s. "
                                   "Cast it first with tf.cast(x, tf.float32) [Op:%s]"
                                   % (opname, x.dtype.name, opname))
    return x


def _half_via_single(fn):
    """``fn`` computed in float32 for float16 input (NumPy's LAPACK has no float16; TF has)."""
    def forward(a, *rest, **attrs):
        if a.dtype == np.float16:
            rest = [r.astype(np.float32) for r in rest]
            return fn(a.astype(np.float32), *rest, **attrs).astype(np.float16)
        return fn(a, *rest, **attrs)
    return forward


def _inv_forward(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise ValueError("Input is not invertible.") from None


# d(A⁻¹) = −A⁻¹ dA A⁻¹  ⇒  dA = −A⁻ᵀ g A⁻ᵀ
_INV = defprimitive("MatrixInverse", _half_via_single(_inv_forward),
                    lambda g, ans, a: -matmul(matmul(ans, g, transpose_a=True), ans,
                                              transpose_b=True))


def inv(input, adjoint=False, name=None):
    """Inverse of a (batch of) square matrices.

    >>> import tapeflow as tf
    >>> tf.linalg.inv(tf.constant([[2.0, 0.0], [0.0, 4.0]])).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    x = _square(input, "MatrixInverse")
    if adjoint:
        x = matrix_transpose(x)
    return apply(_INV, (x,))


def _det_grad(g, ans, a):
    # d det(A) / dA = det(A) · A⁻ᵀ
    scale = reshape(g * ans, g._value.shape + (1, 1))
    return scale * matrix_transpose(inv(a))


_DET = defprimitive("MatrixDeterminant", _half_via_single(np.linalg.det), _det_grad)


def det(input, name=None):
    """Determinant of a (batch of) square matrices."""
    return apply(_DET, (_square(input, "MatrixDeterminant"),))


def _solve_forward(a, b, adjoint):
    try:
        return np.linalg.solve(np.swapaxes(a, -1, -2) if adjoint else a, b)
    except np.linalg.LinAlgError:
        raise ValueError("Input matrix is not invertible.") from None


def _solve_grad(needs, g, ans, a, b, adjoint):
    # X = A⁻¹B: gB = A⁻ᵀg, gA = −gB Xᵀ.   X = A⁻ᵀB: gB = A⁻¹g, gA = −X gBᵀ.
    gb = solve(a, g, adjoint=not adjoint)
    ga = None
    if needs[0]:
        ga = -matmul(ans, gb, transpose_b=True) if adjoint else -matmul(gb, ans, transpose_b=True)
    return ga, gb if needs[1] else None


_SOLVE = defprimitive("MatrixSolve", _half_via_single(_solve_forward), grad=_solve_grad)


def solve(matrix, rhs, adjoint=False, name=None):
    """Solves ``matrix @ X = rhs`` (``matrix``: [..., M, M], ``rhs``: [..., M, K])."""
    a, b = binary_args(matrix, rhs, "MatrixSolve")
    _square(a, "MatrixSolve")
    if b._value.ndim != a._value.ndim or b._value.shape[-2] != a._value.shape[-1]:
        raise InvalidArgumentError(None, "MatrixSolve", "MatrixSolve: rhs of shape %s does not "
                                   "match matrix of shape %s: expected [..., %d, K] [Op:MatrixSolve]"
                                   % (tuple(b._value.shape), tuple(a._value.shape),
                                      a._value.shape[-1]))
    return apply(_SOLVE, (a, b), {"adjoint": bool(adjoint)})


# -- diagonals ------------------------------------------------------------------------------
def _diag_forward(d, rows, cols):
    out = np.zeros(d.shape[:-1] + (rows, cols), d.dtype)
    k = d.shape[-1]
    idx = np.arange(k)
    out[..., idx, idx] = d
    return out


def _diag_part_forward(x):
    return np.diagonal(x, axis1=-2, axis2=-1).copy()


_DIAG = defprimitive("MatrixDiag", _diag_forward, lambda g, ans, d, rows, cols: diag_part(g))
_DIAG_PART = defprimitive(
    "MatrixDiagPart", _diag_part_forward,
    lambda g, ans, x: apply(_DIAG, (g,), {"rows": x._value.shape[-2], "cols": x._value.shape[-1]}))


def diag(diagonal, name=None, k=0, num_rows=-1, num_cols=-1, padding_value=0, align=None):
    """A (batch of) square matrices with ``diagonal`` on the main diagonal.

    >>> import tapeflow as tf
    >>> tf.linalg.diag(tf.constant([1.0, 2.0])).numpy()
    array([[1., 0.],
           [0., 2.]], dtype=float32)
    """
    d = to_tensor(diagonal)
    if d._value.ndim < 1:
        raise InvalidArgumentError("diag: diagonal must have rank >= 1, got a scalar")
    if k != 0 or padding_value != 0:
        raise NotImplementedError("tf.linalg.diag: only the main diagonal (k=0) with zero padding "
                                  "is supported")
    n = d._value.shape[-1]
    rows = n if num_rows in (-1, None) else int(num_rows)
    cols = n if num_cols in (-1, None) else int(num_cols)
    return apply(_DIAG, (d,), {"rows": rows, "cols": cols})


def diag_part(input, name=None, k=0, padding_value=0, align=None):
    """The main diagonal of a (batch of) matrices."""
    x = to_tensor(input)
    if x._value.ndim < 2:
        raise InvalidArgumentError("diag_part: input must have rank >= 2, got shape %s"
                                   % (tuple(x._value.shape),))
    if k != 0:
        raise NotImplementedError("tf.linalg.diag_part: only the main diagonal (k=0) is supported")
    return apply(_DIAG_PART, (x,))


def trace(x, name=None):
    """Sum of the main diagonal of a (batch of) matrices."""
    return reduce_sum(diag_part(x), axis=-1)


# -- norms -----------------------------------------------------------------------------------
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector norm over ``axis`` (all elements if None): ``'euclidean'``/2, 1, ``np.inf``,
    or any p > 0; ``'fro'`` over two axes.

    >>> import tapeflow as tf
    >>> float(tf.norm(tf.constant([3.0, 4.0])))
    5.0
    """
    x = to_tensor(tensor)
    axis = axis_attr(axis)
    keep = bool(keepdims)
    if ord in ("euclidean", "fro", 2, 2.0) and not (ord in (2, 2.0) and isinstance(axis, tuple)
                                                     and len(axis) == 2):
        return sqrt(reduce_sum(x * x, axis=axis, keepdims=keep))
    if isinstance(axis, tuple) and len(axis) == 2:
        raise NotImplementedError("tf.norm: only ord='fro'/'euclidean' is supported for matrix "
                                  "norms, got ord=%r" % (ord,))
    if ord == 1:
        return reduce_sum(_abs(x), axis=axis, keepdims=keep)
    if ord == np.inf:
        return reduce_max(_abs(x), axis=axis, keepdims=keep)
    if isinstance(ord, (int, float)) and ord > 0:
        p = float(ord)
        return _pow(reduce_sum(_pow(_abs(x), p), axis=axis, keepdims=keep), 1.0 / p)
    raise ValueError("tf.norm: ord must be 'euclidean', 'fro', a positive number or np.inf, got %r"
                     % (ord,))


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x²), epsilon))`` along ``axis``.

    >>> import tapeflow as tf
    >>> tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    x = to_tensor(x)
    axis = dim if axis is None and dim is not None else axis
    squares = reduce_sum(x * x, axis=axis_attr(axis), keepdims=True)
    return x * rsqrt(maximum(squares, float(epsilon)))
