"""Finite-difference gradient checks shared by every gradient test.

``tests/`` is on ``sys.path`` while pytest runs (it holds ``conftest.py``), so any test
module can do ``from gradcheck import check_grad``.

How a check works: each floating input becomes a float64 Tensor ``x_i``; the function's
floating outputs are projected to a scalar ``L = Σ_k reduce_sum(out_k · w_k)`` with fixed
random weights ``w_k``; then, for every input separately and a random unit direction
``v_i``, the tape's directional derivative ``<dL/dx_i, v_i>`` is compared with the central
difference ``(L(x_i + eps·v_i) − L(x_i − eps·v_i)) / (2·eps)`` computed without any tape.
A ``None`` gradient passes only where the numerical derivative is zero.

``order=2`` (or ``check_second_order``) checks the gradient of the gradient: the first
derivatives are computed under an inner ``GradientTape`` while an outer tape records, and
those are checked against central differences of the first derivatives.

Usage::

    import tapeflow as tf
    from gradcheck import check_grad, check_second_order, rand

    GRAD_COVERED = {"Mul", "Exp"}          # primitives (tf.ops.PRIMITIVES names) this module checks

    def test_mul_grad():
        check_grad(tf.multiply, rand(2, 3), rand(1, 3))

    def test_exp_second_order():
        check_second_order(tf.exp, rand(3))

    # integer / bool inputs are passed through unchanged and not differentiated:
    check_grad(lambda p, i: tf.gather(p, i), rand(4, 3), np.array([0, 3, 3]))
    # only some inputs:
    check_grad(tf.matmul, rand(2, 3), rand(3, 4), wrt=[1])
    # multi-output functions: every floating output enters the projection
    check_grad(lambda x: tf.split(x, 2, axis=1), rand(2, 4))

The meta-test ``tests/ops/test_meta_gradcheck.py`` reads ``GRAD_COVERED`` from every
``tests/**/test_*grad*.py`` module and fails for each differentiable primitive in
``tapeflow.ops.PRIMITIVES`` that no module lists. Name a new gradient test file
``test_<something>_grad.py`` and list the primitives it checks in ``GRAD_COVERED``.
"""
import numpy as np

import tapeflow as tf

__all__ = ["check_grad", "check_second_order", "check_float32", "rand", "BROADCAST_PAIRS"]

# Shape pairs every binary elementwise op is checked on (DESIGN.md).
BROADCAST_PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), ()), ((), (2, 3)),
                   ((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 1), (2, 3)), ((2, 1), (1, 3))]

_rng = np.random.default_rng(1234)


def rand(*shape, low=-2.0, high=2.0, away_from=(), margin=0.1, seed=None):
    """Random float64 array of ``shape`` uniform in ``[low, high)``.

    Args:
        away_from: points (e.g. kinks: ``(0.0,)`` for relu/abs) every element keeps at least
            ``margin`` away from, so central differences never straddle them.
        seed: a seed for a reproducible draw; by default a module-level generator is used
            (itself seeded, so a test run is deterministic).
    """
    rng = _rng if seed is None else np.random.default_rng(seed)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    x = rng.uniform(low, high, size=shape)
    for p in away_from:
        close = np.abs(x - p) < margin
        x = np.where(close, p + np.where(x >= p, margin, -margin) * (1.0 + rng.uniform(size=shape)), x)
    return np.asarray(x, dtype=np.float64)


def _is_float_input(x):
    if isinstance(x, (tf.Tensor, tf.Variable)):
        return x.dtype.is_floating
    if isinstance(x, float):
        return True
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype.kind == "f"
    if isinstance(x, (list, tuple)):
        a = np.asarray(x)
        return a.dtype.kind == "f"
    return False


def _flat_outputs(out):
    if isinstance(out, (list, tuple)):
        flat = []
        for o in out:
            flat.extend(_flat_outputs(o))
        return flat
    if isinstance(out, dict):
        return _flat_outputs([out[k] for k in sorted(out)])
    return [out]


def _float_outputs(out):
    """The floating outputs of ``fn`` (integer outputs, e.g. top_k's indices, carry no gradient)."""
    outs = []
    for o in _flat_outputs(out):
        if o is None:
            continue
        if isinstance(o, tf.IndexedSlices):
            o = tf.convert_to_tensor(o)
        if not isinstance(o, (tf.Tensor, tf.Variable)):
            o = tf.convert_to_tensor(np.asarray(o, dtype=np.float64))
        if o.dtype.is_floating:
            outs.append(o)
    return outs


def _weights(out, rng):
    return [rng.standard_normal(np.shape(o.numpy())) for o in _float_outputs(out)]


def _project(out, weights):
    """Σ_k reduce_sum(out_k · w_k) as a differentiable float64 scalar Tensor."""
    outs = _float_outputs(out)
    if len(outs) != len(weights):
        raise AssertionError("fn returned %d floating outputs on one call and %d on another"
                             % (len(weights), len(outs)))
    total = None
    for o, w in zip(outs, weights):
        if o.dtype != tf.float64:
            o = tf.cast(o, tf.float64)
        term = tf.reduce_sum(o * tf.constant(w, dtype=tf.float64))
        total = term if total is None else total + term
    return tf.constant(0.0, dtype=tf.float64) if total is None else total


def _project_numpy(out, weights):
    outs = _float_outputs(out)
    return float(sum(np.sum(np.asarray(o.numpy(), np.float64) * w) for o, w in zip(outs, weights)))


def _prepare(inputs, wrt):
    """float64 Tensors for the floating inputs, the rest unchanged; which ones to check."""
    values, checked = [], []
    for i, x in enumerate(inputs):
        if _is_float_input(x):
            arr = np.array(x.numpy() if isinstance(x, (tf.Tensor, tf.Variable)) else x,
                           dtype=np.float64)
            values.append(arr)
            if wrt is None or i in wrt:
                checked.append(i)
        else:
            values.append(x)
    return values, checked


def _call(fn, values):
    args = [tf.constant(v, dtype=tf.float64) if isinstance(v, np.ndarray) and v.dtype == np.float64
            else v for v in values]
    return args, fn(*args)


def check_grad(fn, *inputs, eps=1e-6, atol=1e-6, rtol=1e-5, order=1, wrt=None, seed=0):
    """Checks the tape's gradients of ``fn`` against central finite differences, in float64.

    Args:
        fn: a function of Tensors returning a Tensor or a (nested) list/tuple of Tensors.
        *inputs: arrays, Python floats or Tensors. Floating ones are converted to float64
            Tensors and differentiated; integer/bool ones are passed through unchanged.
        eps: the finite-difference step along a unit-norm random direction.
        atol, rtol: the tolerance ``|analytic − numeric| <= atol + rtol·|numeric|``.
        order: 1 checks first derivatives; 2 also checks the derivatives of the gradient
            through nested tapes.
        wrt: indices of the inputs to check (default: every floating input).
        seed: seeds the random directions and projection weights.

    Raises:
        AssertionError: naming the input, the analytic and numeric directional derivatives,
            or a gradient of the wrong shape/dtype.
    """
    if order not in (1, 2):
        raise ValueError("order must be 1 or 2, got %r" % (order,))
    rng = np.random.default_rng(seed)
    values, checked = _prepare(inputs, wrt)
    if not checked:
        raise ValueError("check_grad: no floating input to differentiate")
    _, out0 = _call(fn, values)
    weights = _weights(out0, rng)
    _check_first_order(fn, values, checked, weights, rng, eps, atol, rtol)
    if order == 2:
        _check_gradient_of_gradient(fn, values, checked, weights, rng, eps, atol, rtol)


def check_second_order(fn, *inputs, eps=1e-5, atol=1e-5, rtol=1e-4, wrt=None, seed=0):
    """``check_grad(fn, *inputs, order=2)`` with tolerances suited to second derivatives."""
    check_grad(fn, *inputs, eps=eps, atol=atol, rtol=rtol, order=2, wrt=wrt, seed=seed)


def _tape_grads(fn, values, checked, weights):
    args = [tf.constant(v, dtype=tf.float64) if isinstance(v, np.ndarray) and v.dtype == np.float64
            else v for v in values]
    with tf.GradientTape() as tape:
        for i in checked:
            tape.watch(args[i])
        loss = _project(fn(*args), weights)
    return tape.gradient(loss, [args[i] for i in checked])


def _check_first_order(fn, values, checked, weights, rng, eps, atol, rtol):
    grads = _tape_grads(fn, values, checked, weights)
    for i, g in zip(checked, grads):
        x = values[i]
        v = _direction(rng, x.shape)
        numeric = _numeric(fn, values, i, v, weights, eps)
        if g is None:
            if abs(numeric) > atol:
                raise AssertionError("input %d: the tape gave no gradient (None) but the numerical "
                                     "directional derivative is %.6g" % (i, numeric))
            continue
        if isinstance(g, tf.IndexedSlices):
            g = tf.convert_to_tensor(g)
        garr = np.asarray(g.numpy())
        if garr.shape != x.shape:
            raise AssertionError("input %d: gradient shape %s != input shape %s"
                                 % (i, garr.shape, x.shape))
        if g.dtype != tf.float64:
            raise AssertionError("input %d: gradient dtype %s != float64" % (i, g.dtype.name))
        analytic = float(np.sum(garr * v))
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
            raise AssertionError(
                "input %d (shape %s): analytic directional derivative %.10g != numeric %.10g "
                "(diff %.3g)" % (i, x.shape, analytic, numeric, abs(analytic - numeric)))


def _direction(rng, shape):
    v = rng.standard_normal(shape)
    n = np.sqrt(np.sum(v * v))
    return v / n if n > 0 else v


def _numeric(fn, values, i, v, weights, eps):
    plus = list(values)
    minus = list(values)
    plus[i] = values[i] + eps * v
    minus[i] = values[i] - eps * v
    return (_project_numpy(_call(fn, plus)[1], weights)
            - _project_numpy(_call(fn, minus)[1], weights)) / (2.0 * eps)


def _check_gradient_of_gradient(fn, values, checked, weights, rng, eps, atol, rtol):
    def gradient_fn(*args):
        with tf.GradientTape() as inner:
            for i in checked:
                inner.watch(args[i])
            loss = _project(fn(*args), weights)
        grads = inner.gradient(loss, [args[i] for i in checked],
                               unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return [tf.convert_to_tensor(g) for g in grads]

    _, out0 = _call(gradient_fn, values)
    second_weights = _weights(out0, rng)
    _check_first_order(gradient_fn, values, checked, second_weights, rng, eps, atol, rtol)


def check_float32(fn, *inputs, wrt=None):
    """Checks that float32 inputs give float32 outputs and float32 gradients of input shape.

    Floating inputs are converted to float32 Tensors; others are passed unchanged.
    """
    args = []
    checked = []
    for i, x in enumerate(inputs):
        if _is_float_input(x):
            arr = np.asarray(x.numpy() if isinstance(x, (tf.Tensor, tf.Variable)) else x)
            args.append(tf.constant(arr.astype(np.float32)))
            if wrt is None or i in wrt:
                checked.append(i)
        else:
            args.append(x)
    with tf.GradientTape() as tape:
        for i in checked:
            tape.watch(args[i])
        out = fn(*args)
        outs = _float_outputs(out)
        for o in outs:
            if o.dtype != tf.float32:
                raise AssertionError("float32 inputs gave a %s output" % o.dtype.name)
        loss = tf.add_n([tf.reduce_sum(o) for o in outs])
    grads = tape.gradient(loss, [args[i] for i in checked])
    for i, g in zip(checked, grads):
        if g is None:
            continue
        g = tf.convert_to_tensor(g)
        if g.dtype != tf.float32:
            raise AssertionError("input %d: float32 input got a %s gradient" % (i, g.dtype.name))
        if tuple(g.shape) != tuple(args[i].shape):
            raise AssertionError("input %d: gradient shape %s != input shape %s"
                                 % (i, tuple(g.shape), tuple(args[i].shape)))
    return out
