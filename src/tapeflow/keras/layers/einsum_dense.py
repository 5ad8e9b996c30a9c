"""``EinsumDense``: a dense layer whose product is any two-operand einsum (Keras 3).

The kernel and bias shapes follow from the equation, the input shape and ``output_shape``
by Keras 3's rules (``keras/src/layers/core/einsum_dense.py``): every kernel letter takes
its size from the input or from the output, and the bias spans the output letters from the
first letter in ``bias_axes`` to the end, with size 1 on the letters not in ``bias_axes``.

The product is ``ops.contraction.contract``: one BLAS matmul between transposed and
reshaped operands, with the bias and a ReLU fused into the dense op where they fit.
"""
import re

from ...backend import np
from ...ops.contraction import contract
from .. import activations
from ._config import serialize, set_weight_options
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
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
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

