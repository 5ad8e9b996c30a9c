"""``GradientTape.jacobian`` and ``batch_jacobian``, vectorised over the target's elements.

A Jacobian is one VJP per target element. Instead of a Python loop over elements, the
backward pass runs once on a *batch* of one-hot seeds stacked along a new leading axis
of size ``n``: every gradient then has shape ``(n, *tensor.shape)``. Elementwise and
matmul rules are written so that an extra leading axis simply broadcasts through them
(``g * y``, ``g @ b^T``); they run once for the whole batch (``BATCHABLE``). Sum, Mean,
Reshape and Transpose have batched rules of their own here (``BATCH_RULES``). Any other
rule works on fixed axes or shapes (slicing, concat, gather ...) and would misread the
extra axis, so for those records only, the batch is unstacked and the rule runs once per
seed.

A large Jacobian runs as several such passes over slices of the seeds (``parallel_iterations``
seeds each, or as many as keep one batched gradient under ``_MAX_BATCH_ELEMENTS``).

``experimental_use_pfor=False`` computes the same result with one full backward pass per
target element (TF's ``while_loop`` path); it needs a persistent tape, as in TF.
"""
from . import nest
from .backend import np
from .tape import (_as_tape_tensor, _dense, _fit, _ops, _unconnected_mode, backprop,
                   forward_path, pop_output_grads)
from .tensor import _wrap

__all__ = ["jacobian", "batch_jacobian", "BATCHABLE", "BATCH_RULES"]


def _negative_axis(attrs):
    return attrs["axis"] < 0


# Primitive name -> True, or a predicate on the op's attrs, when its gradient rule is
# correct on upstream gradients with an extra leading batch axis (each rule here uses
# only elementwise ops, broadcasting, matmul, or reductions over negative axes).
# tests/test_jacobian.py checks every entry against the per-element loop.
BATCHABLE = dict.fromkeys(
    ["AddV2", "Sub", "Mul", "RealDiv", "FloorMod", "Pow", "Neg", "Abs", "Square", "Sqrt",
     "Rsqrt", "Exp", "Expm1", "Log", "Log1p", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan",
     "Sinh", "Cosh", "Tanh", "Sigmoid", "Softplus", "Softsign", "Reciprocal", "Erf", "Atan2",
     "Maximum", "Minimum", "ClipByValue", "Cast", "SelectV2", "AddN", "Identity", "MatMul",
     "Relu", "Relu6", "LeakyRelu", "Elu", "Selu"], True)
BATCHABLE.update(Softmax=_negative_axis, LogSoftmax=_negative_axis,
                 BroadcastTo=True)   # rule is the identity; the engine sums back


def _reduction_rule(scale_by_count):
    """Sum/Mean: the batched upstream, reshaped to the kept dims, broadcast over ``x``."""
    def rule(g, ans, inputs, attrs, n):
        (x,) = inputs
        shape = x._value.shape
        axis = attrs["axis"]
        axes = range(len(shape)) if axis is None else [
            a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))]
        kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
        ops = _ops()
        g = ops.broadcast_to(ops.reshape(g, (n,) + kept), (n,) + shape)
        if scale_by_count:
            count = int(np.prod([shape[a] for a in axes]))
            g = g * (1.0 / max(count, 1))
        return [g]
    return rule


def _reshape_rule(g, ans, inputs, attrs, n):
    return [_ops().reshape(g, (n,) + inputs[0]._value.shape)]


def _transpose_rule(g, ans, inputs, attrs, n):
    inverse = np.argsort(attrs["perm"])
    return [_ops().transpose(g, (0,) + tuple(1 + int(i) for i in inverse))]


# Batched versions of rules that work on fixed axes: rule(g, ans, inputs, attrs, n) with g
# of shape (n, *ans.shape) -> one batched gradient per input. Also checked by the tests.
BATCH_RULES = {"Sum": _reduction_rule(False), "Mean": _reduction_rule(True),
               "Reshape": _reshape_rule, "Transpose": _transpose_rule}

_PFOR_OFF_MESSAGE = ("GradientTape must be created with persistent=True to compute the %s with "
                     "eager execution enabled and  with experimental_use_pfor set to False.")


def _take_records(tape):
    """Marks one use of the tape (TF's rules) and returns what it recorded."""
    tape._start_use()
    records = tape._records
    if not tape._persistent:
        tape._records = tape._ids = None
    return records


# Seeds per vectorised pass are capped so that one batched gradient holds at most this many
# elements (16 MB of float32); larger Jacobians run in several passes over the same records.
_MAX_BATCH_ELEMENTS = 1 << 22


def _run_in_chunks(records, target, seeds, sources, chunk):
    """``batched_backprop`` over consecutive slices of the seeds, concatenated on axis 0."""
    n = seeds.shape[0]
    if chunk is None:
        widest = max([target._value.size] + [s._value.size for s in sources] + [1])
        chunk = max(1, _MAX_BATCH_ELEMENTS // widest)
    chunk = max(1, int(chunk))
    if n <= chunk:
        return batched_backprop(records, target, _wrap(seeds), sources, n)
    parts = []
    for start in range(0, n, chunk):
        part = seeds[start:start + chunk]
        parts.append((part.shape[0], batched_backprop(records, target, _wrap(part), sources,
                                                      part.shape[0])))
    ops = _ops()
    out = {}
    for s in sources:
        if all(grads.get(s._id) is None for _, grads in parts):
            continue
        out[s._id] = ops.concat(
            [_zeros_or_dense_batch(grads.get(s._id), s, m) for m, grads in parts], 0)
    return out


def _zeros_or_dense_batch(g, like, n):
    if g is None:
        return _wrap(np.zeros((n,) + like._value.shape, like._value.dtype))
    return _dense(g)


def jacobian(tape, target, sources, unconnected_gradients, use_pfor, parallel_iterations=None):
    """``J[i..., j...] = d target[i...] / d source[j...]`` for each source (see module doc)."""
    zero = _unconnected_mode(unconnected_gradients)
    if tape._records is None:
        tape._start_use()  # raises TF's RuntimeError
    if not use_pfor and not tape._persistent:
        raise RuntimeError(_PFOR_OFF_MESSAGE % "jacobian")
    target = _as_tape_tensor(target)
    flat_sources = [tape._source(s) for s in nest.flatten(sources)]
    records = _take_records(tape)
    tshape = target._value.shape
    n = int(np.prod(tshape))
    seeds = np.eye(n, dtype=target._value.dtype).reshape((n,) + tshape)
    if use_pfor:
        grads = _run_in_chunks(records, target, seeds, flat_sources, parallel_iterations)
    else:
        grads = _looped_backprop(records, target, _wrap(seeds), flat_sources, n)
    result = []
    reshape = _ops().reshape
    for s in flat_sources:
        g = grads.get(s._id) if s._value.dtype.kind in "fc" else None
        if g is None:
            result.append(_wrap(np.zeros(tshape + s._value.shape, s._value.dtype))
                          if zero else None)
        else:
            result.append(reshape(g, tshape + s._value.shape))
    return nest.pack_sequence_as(sources, result) if nest.is_nested(sources) else result[0]


def batch_jacobian(tape, target, source, unconnected_gradients, use_pfor,
                   parallel_iterations=None):
    """Per-example Jacobians ``[b, *target.shape[1:], *source.shape[1:]]``.

    Assumes ``target[i]`` depends only on ``source[i]``: seed ``j`` is one-hot on the
    ``j``-th per-example element and all examples at once.
    """
    _unconnected_mode(unconnected_gradients)
    if tape._records is None:
        tape._start_use()
    target = _as_tape_tensor(target)
    source = tape._source(source)
    tshape, sshape = target._value.shape, source._value.shape
    for what, shape in (("target", tshape), ("source", sshape)):
        if len(shape) < 2:
            raise ValueError("batch_jacobian: %s shape %s must have rank at least 2 (a batch "
                             "axis first, then the per-example axes)." % (what, list(shape)))
    if tshape[0] != sshape[0]:
        raise ValueError("Need first dimension of target shape (%s) and source shape (%s) to "
                         "match." % (list(tshape), list(sshape)))
    if not use_pfor and not tape._persistent:
        raise RuntimeError(_PFOR_OFF_MESSAGE % "batch_jacobian")
    records = _take_records(tape)
    b, inner = tshape[0], tshape[1:]
    n = int(np.prod(inner))
    out_shape = (b,) + inner + sshape[1:]
    # seed j: ones at per-example element j of every example -> shape (n, b, *inner)
    eye = np.eye(n, dtype=target._value.dtype).reshape((n, 1) + inner)
    seeds = np.ascontiguousarray(np.broadcast_to(eye, (n,) + tshape))
    grads = {}
    if n and source._value.dtype.kind in "fc":
        if use_pfor:
            grads = _run_in_chunks(records, target, seeds, [source], parallel_iterations)
        else:
            grads = _looped_backprop(records, target, _wrap(seeds), [source], n)
    g = grads.get(source._id)
    if g is None:  # TF keeps zeros here (never None), in the target's dtype
        return _wrap(np.zeros(out_shape, target._value.dtype))
    ops = _ops()
    g = ops.reshape(g, (n, b, -1))                  # (n, b, source elements)
    g = ops.transpose(g, (1, 0, 2))                 # (b, n, source elements)
    return ops.reshape(g, out_shape)


def _looped_backprop(records, target, seeds, sources, n):
    """One complete backward pass per seed, stacked (the ``experimental_use_pfor=False`` path)."""
    ops = _ops()
    per_source = {s._id: [] for s in sources}
    for i in range(n):
        grads = backprop(records, [target], [_wrap(seeds._value[i])], sources)
        for s in sources:
            per_source[s._id].append(grads.get(s._id))
    out = {}
    for s in sources:
        gs = per_source[s._id]
        if not gs or all(g is None for g in gs):
            continue
        out[s._id] = ops.stack([_zeros_or_dense(g, s) for g in gs], 0)
    return out


def batched_backprop(records, target, seeds, sources, n):
    """Reverse sweep with gradients of shape ``(n, *tensor.shape)``; {source id: gradient}."""
    source_ids, relevant, path = forward_path(records, sources)
    if n == 0 or target._id not in relevant or target._value.dtype.kind not in "fc":
        return {}
    grads = {target._id: seeds}
    saved = {}
    for op, inputs, out, attrs in reversed(path):
        if op.multi_output:
            g = pop_output_grads(out, grads, source_ids, saved, lambda o: _wrap(
                np.zeros((n,) + o._value.shape, o._value.dtype)))
            if g is None:
                continue
        else:
            g = grads.pop(out._id, None)
            if g is None:
                continue
            if out._id in source_ids:
                saved[out._id] = g
            g = _dense(g)
        needs = [t._id in relevant for t in inputs]
        batch_rule = BATCH_RULES.get(op.name)
        if batch_rule is not None and needs[0]:
            input_grads = [_fit_batched(gi, t, n) for gi, t in
                           zip(batch_rule(g, out, inputs, attrs, n), inputs)]
        elif _is_batchable(op, attrs):
            input_grads = [None if gi is None else _fit_batched(gi, t, n)
                           for gi, t in zip(op.backward(needs, g, out, inputs, attrs), inputs)]
        else:
            input_grads = _per_seed(op, needs, g, out, inputs, attrs, n)
        for t, gi, need in zip(inputs, input_grads, needs):
            if need and gi is not None:
                prev = grads.get(t._id)
                grads[t._id] = gi if prev is None else _ops().add(prev, gi)
    grads.update(saved)
    return grads


def _is_batchable(op, attrs):
    rule = BATCHABLE.get(op.name)
    return rule is True or (rule is not None and rule(attrs))


def _per_seed(op, needs, g, out, inputs, attrs, n):
    """Runs a rule that cannot take a batch axis once per seed and stacks the results."""
    ops = _ops()
    if op.multi_output:
        columns = [ops.unstack(gi, n) for gi in g]
        seeds = [tuple(c[i] for c in columns) for i in range(n)]
    else:
        seeds = ops.unstack(g, n)
    per_input = [[] for _ in inputs]
    for gi in seeds:
        for k, (t, r) in enumerate(zip(inputs, op.backward(needs, gi, out, inputs, attrs))):
            if needs[k] and r is not None:
                r = _dense(r)
                if r._value.shape != t._value.shape or r._value.dtype != t._value.dtype:
                    r = _fit(r, t, op)
            per_input[k].append(r)
    result = []
    for t, rs, need in zip(inputs, per_input, needs):
        if not need or all(r is None for r in rs):
            result.append(None)
        else:
            result.append(ops.stack([_zeros_or_dense(r, t) for r in rs], 0))
    return result


def _fit_batched(g, like, n):
    """Sums a broadcast batched gradient back to ``(n, *like.shape)`` and casts its dtype."""
    g = _dense(g)
    ops = _ops()
    shape = like._value.shape
    gshape = g._value.shape
    if not gshape or gshape[0] != n:
        raise ValueError("Encountered an exception while vectorizing the jacobian computation. "
                         "Vectorization can be disabled by setting experimental_use_pfor to "
                         "False. (The gradient rule of an op returned shape %s for a batch of %d "
                         "seeds.)" % (tuple(gshape), n))
    if gshape[1:] != shape:
        lead = len(gshape) - 1 - len(shape)
        if lead > 0:
            g = ops.reduce_sum(g, axis=tuple(range(1, lead + 1)))
        elif lead < 0:
            g = ops.reshape(g, (n,) + (1,) * -lead + gshape[1:])
        inner = g._value.shape[1:]
        axes = tuple(1 + i for i, d in enumerate(shape) if d == 1 and inner[i] != 1)
        if axes:
            g = ops.reduce_sum(g, axis=axes, keepdims=True)
        if g._value.shape != (n,) + shape:
            g = ops.broadcast_to(g, (n,) + shape)
    if g._value.dtype != like._value.dtype:
        g = ops.cast(g, like._value.dtype)
    return g


def _zeros_or_dense(g, like):
    if g is None:
        return _wrap(np.zeros(like._value.shape, like._value.dtype))
    return _dense(g)

