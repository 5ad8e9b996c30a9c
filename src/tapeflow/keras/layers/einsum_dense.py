"""``EinsumDense``: a dense layer whose product is any two-operand einsum (Keras 3).

The kernel and bias shapes follow from the equation, the input shape and ``output_shape``
by Keras 3's rules (``keras/src/layers/core/einsum_dense.py``): every kernel letter takes
its size from the input or from the output, and the bias spans the output letters from the
first letter in ``bias_axes`` to the end, with size 1 on the letters not in ``bias_axes``.

The product itself is computed by ``contract``: one BLAS matmul between transposed and
reshaped operands (NumPy's ``einsum`` without ``optimize`` runs its own loops, ten times
slower on these shapes), composed from differentiable ops so it needs no gradient code.
"""
import functools
import math
import re
import string

from ...backend import np
from ...ops import nn as _nn_ops
from ...ops.array import reshape as _reshape
from ...ops.array import transpose as _transpose
from ...ops.linalg import einsum as _einsum
from ...ops.linalg import matmul as _matmul
from ...ops.reduce import reduce_sum as _reduce_sum
from .. import activations, initializers
from ._config import get_constraint, get_regularizer, serialize
from .layer import InputSpec, Layer

__all__ = ["EinsumDense"]

_FORMS = (  # Keras's three accepted forms, with "..." written as "0"
    (re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), None),
    (re.compile(r"^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$"), "left"),
    (re.compile(r"^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$"), "right"),
)


def _split_equation(equation):
    """(input letters, kernel letters, output letters, where the ellipsis is or None)."""
    eq = str(equation).replace(" ", "").replace("...", "0")
    for pattern, elided in _FORMS:
        m = pattern.match(eq)
        if m:
            return m.group(1), m.group(2), m.group(3), elided
    raise ValueError("Invalid einsum equation '%s'. Equations must be in the form [X],[Y]->[Z], "
                     "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...." % (equation,))


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """``(kernel_shape, bias_shape or None, full_output_shape)`` by Keras 3's rules.

    ``output_shape`` excludes the batch axis and the elided (``...``) axes.

    >>> analyze_einsum_string("abc,cde->abde", "de", (None, 5, 8), (None, 2, 4))
    ((8, 2, 4), (2, 4), (None, 5, 2, 4))
    """
    in_spec, w_spec, out_spec, elided_side = _split_equation(equation)
    input_shape = tuple(input_shape)
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided and elided_side is None):
        raise ValueError("EinsumDense: the equation '%s' expects inputs of rank %d, got shape %s"
                         % (equation, len(in_spec), input_shape))
    # The full output: the batch axis first, then the elided axes where the ellipsis is.
    if elided_side == "left":
        out = [input_shape[0]] + list(input_shape[1:elided]) + out
        in_axis = {c: elided + i for i, c in enumerate(in_spec)}
        out_axis = {c: elided + i for i, c in enumerate(out_spec)}
    else:
        out = [input_shape[0]] + out + (list(input_shape[len(in_spec):]) if elided else [])
        in_axis = {c: i for i, c in enumerate(in_spec)}
        out_axis = {c: i for i, c in enumerate(out_spec)}
    if len(out) != len(out_spec) + elided:
        raise ValueError("EinsumDense: output_shape %s does not fit the output '%s' of the "
                         "equation '%s' (it excludes the batch axis and any elided axes)"
                         % (tuple(output_shape) if not isinstance(output_shape, int)
                            else output_shape, out_spec, equation))
    for c in in_spec:
        if c in out_axis:
            want, got = out[out_axis[c]], input_shape[in_axis[c]]
            if want is not None and got is not None and want != got:
                raise ValueError("Input shape and output shape do not match at shared dimension "
                                 "'%s'. Input shape is %s, and output shape is %s."
                                 % (c, got, want))
            if want is None:
                out[out_axis[c]] = got
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError("Dimension '%s' was specified in the output '%s' but has no "
                             "corresponding dim in the input spec '%s' or weight spec '%s'"
                             % (c, out_spec, in_spec, w_spec))
    kernel_shape = []
    for c in w_spec:
        if c in in_axis:
            kernel_shape.append(input_shape[in_axis[c]])
        elif c in out_axis:
            kernel_shape.append(out[out_axis[c]])
        else:
            raise ValueError("Weight dimension '%s' did not have a match in either the input "
                             "spec '%s' or the output spec '%s'. For this layer, the weight "
                             "must be fully specified." % (c, in_spec, out_spec))
    if None in kernel_shape:
        raise ValueError("EinsumDense: the kernel shape %s of the equation '%s' has an unknown "
                         "dimension; give its size in output_shape (received %s) or in the input "
                         "shape (received %s)" % (tuple(kernel_shape), equation,
                                                  output_shape, input_shape))
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError("Bias dimension '%s' was requested, but is not part of the "
                                 "output spec '%s'" % (c, out_spec))
        first = min(out_spec.find(c) for c in bias_axes)
        bias_shape = [out[out_axis[c]] if c in bias_axes else 1 for c in out_spec[first:]]
        if elided_side == "right":
            bias_shape += [1] * elided
        bias_shape = tuple(bias_shape)
    return tuple(kernel_shape), bias_shape, tuple(out)


# -- two-operand einsum as one matmul ----------------------------------------------------------
class _Plan:
    """How ``contract`` computes one equation for one pair of shapes."""
    __slots__ = ("swap", "sum_x", "sum_y", "perm_x", "perm_y", "shape_x", "shape_y", "ta", "tb",
                 "dense", "mid_shape", "perm_out", "out_shape", "n_free_y")


def _expand_ellipsis(equation, shapes):
    """Explicit subscripts for each operand and the output (``...`` -> fresh letters)."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    if not arrow:
        raise ValueError("contract: the equation %r needs an explicit output ('->')" % (eq,))
    ins = lhs.split(",")
    free = [c for c in string.ascii_letters if c not in eq]
    n_ell = max([len(s) - (len(sub) - 3) for sub, s in zip(ins, shapes) if "..." in sub],
                default=0)
    ell = "".join(free[:n_ell])
    subs = []
    for sub, s in zip(ins, shapes):
        if "..." in sub:
            n = len(s) - (len(sub) - 3)
            sub = sub.replace("...", ell[n_ell - n:] if n > 0 else "")
        if len(sub) != len(s):
            raise ValueError("einsum: subscripts %r do not match an operand of shape %s"
                             % (sub, tuple(s)))
        subs.append(sub)
    return subs, out.replace("...", ell)


@functools.lru_cache(maxsize=512)
def _plan(equation, sx, sy):
    (a, b), out = _expand_ellipsis(equation, (sx, sy))
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
    >>> contract("abc,cde->abde", tf.ones((2, 3, 4)), tf.ones((4, 5, 6))).shape
    TensorShape([2, 3, 5, 6])
    """
    p = _plan(equation, tuple(x.shape), tuple(y.shape))
    if p is None:
        out = _einsum(equation, x, y)
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


class EinsumDense(Layer):
    """A dense layer computing ``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: ``'ab,bc->ac'``-style string with exactly two inputs, optionally with an
            ellipsis at the start (``'...b,bc->...c'``) or end (``'ab...,bc->ac...'``).
        output_shape: the output's shape without the batch axis and the elided axes
            (an int for one axis); ``None`` entries are taken from the input.
        activation: function or name; ``None`` is linear.
        bias_axes: output letters that get a bias (``None``: no bias).
        kernel_initializer / bias_initializer / kernel_regularizer / bias_regularizer /
        activity_regularizer / kernel_constraint / bias_constraint: as for ``Dense``.
        lora_rank: not supported (``NotImplementedError`` if set).

    >>> import tapeflow as tf
    >>> layer = tf.keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8),
    ...                                     bias_axes="de")
    >>> layer(tf.ones((2, 5, 16))).shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([2, 5, 4, 8]), [(16, 4, 8), (4, 8)])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None:
            raise NotImplementedError("EinsumDense(lora_rank=...) is not supported by tapeflow.")
        _split_equation(equation)  # a malformed equation fails here, not at the first call
        self.equation = equation
        self.partial_output_shape = (int(output_shape),) \
            if isinstance(output_shape, (int, np.integer)) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = get_regularizer(kernel_regularizer)
        self.bias_regularizer = get_regularizer(bias_regularizer)
        self.kernel_constraint = get_constraint(kernel_constraint)
        self.bias_constraint = get_constraint(bias_constraint)
        self.full_output_shape = None

    def build(self, input_shape):
        kernel_shape, bias_shape, full = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.full_output_shape = full
        self.kernel = self.add_weight(name="kernel", shape=kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            name="bias", shape=bias_shape, initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        # Keras checks only the rank; the axes the kernel shares are checked too, so that a
        # wrong feature size names the layer instead of failing inside the product.
        in_spec, w_spec, _, side = _split_equation(self.equation)
        offset = len(input_shape) - len(in_spec) if side == "left" else 0
        axes = {offset + i - len(input_shape): input_shape[offset + i]
                for i, c in enumerate(in_spec) if c in w_spec}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs, training=None):
        act = self.activation
        fused = "relu" if act is activations.relu else None
        y = contract(self.equation, inputs, self.kernel, self.bias, activation=fused)
        return y if fused or act is activations.linear else act(y)

    def compute_output_shape(self, input_shape):
        return analyze_einsum_string(self.equation, self.bias_axes, input_shape,
                                     self.partial_output_shape)[2]

    def get_config(self):
        config = super().get_config()
        config.update(output_shape=self.partial_output_shape, equation=self.equation,
                      activation=activations.serialize(self.activation),
                      bias_axes=self.bias_axes)
        for name in ("kernel_initializer", "bias_initializer", "kernel_regularizer",
                     "bias_regularizer", "activity_regularizer", "kernel_constraint",
                     "bias_constraint"):
            config[name] = serialize(getattr(self, name))
        return config

