"""``GradientTape``: records ops on watched tensors and differentiates them backwards.

A tape is a list of records ``(op, inputs, output, attrs)`` appended in execution order,
which is already a topological order: the backward pass is one reversed loop. An op is
recorded only if one of its inputs is on the tape (watched, or produced by a recorded
op), so code run outside any tape pays nothing for differentiation.

Gradient rules are written with tapeflow ops, so while an outer tape records, the
backward pass of an inner tape is itself recorded: that is how second and third
derivatives work.
"""
import contextlib
import enum
import types
import warnings

from . import nest
from ._context import next_id, recording
from .backend import np
from .tensor import IndexedSlices, Tensor, Variable, _wrap

__all__ = ["GradientTape", "UnconnectedGradients", "aggregate_gradients", "record", "sum_to"]

_ONES = {}  # dtype -> cached scalar seed of ones
_ndarray = np.ndarray


class UnconnectedGradients(enum.Enum):
    """What ``gradient()`` returns for a source the target does not depend on."""
    NONE = "none"
    ZERO = "zero"


_NONE = UnconnectedGradients.NONE


def record(op, inputs, out, attrs):
    """Appends the op to every recording tape that has one of ``inputs`` on it."""
    for tape in recording:
        ids = tape._ids
        for t in inputs:
            if t._id in ids:
                tape._records.append((op, inputs, out, attrs))
                if op.multi_output:
                    for o in out:
                        if o._value.dtype.kind in "fc":
                            ids.add(o._id)
                else:
                    ids.add(out._id)
                break


_NO_VARIABLES = types.MappingProxyType({})  # shared and read-only: a tape never entered


class GradientTape:
    """Records operations for automatic differentiation (TF 2 semantics).

    Args:
        persistent: allow more than one ``gradient()``/``jacobian()`` call.
        watch_accessed_variables: watch trainable variables automatically when read.

    >>> import tapeflow as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> print(g.gradient(y, x))
    tf.Tensor(6.0, shape=(), dtype=float32)
    """

    __slots__ = ("_persistent", "_watch_accessed", "_records", "_ids", "_variables", "_recording",
                 "__weakref__")

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._records = None  # None until entered, and again once a non-persistent tape is used
        self._ids = None
        self._variables = _NO_VARIABLES  # replaced by a fresh dict when recording starts
        self._recording = False

    # -- context ---------------------------------------------------------------------------
    def __enter__(self):
        self._push()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._recording:
            if recording[-1] is self:   # the usual case, inlined: this runs every step
                recording.pop()
                self._recording = False
            else:
                self._pop()
        return False

    def _push(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an "
                             "already-active tape.")
        if self._records is None:
            self._records, self._ids, self._variables = [], set(), {}
        recording.append(self)
        self._recording = True

    def _pop(self):
        if not self._recording:
            raise ValueError("Tape is not recording.")
        if recording[-1] is self:
            recording.pop()
            self._recording = False
            return
        for i in range(len(recording) - 1, -1, -1):
            if recording[i] is self:
                del recording[i]
                break
        self._recording = False

    # -- watching --------------------------------------------------------------------------
    def watch(self, tensor):
        """Ensures ``tensor`` (a Tensor, Variable, or nested structure of them) is traced."""
        if self._records is None:
            self._records, self._ids, self._variables = [], set(), {}
        if type(tensor) is Tensor and tensor._value.dtype.kind in "fc":
            self._ids.add(tensor._id)
            return
        items = nest.flatten(tensor)
        for t in items:
            if not isinstance(t, (Tensor, Variable)):
                raise ValueError("Passed in object %r of type %r, not tf.Tensor or tf.Variable or "
                                 "ExtensionType." % (t, type(t).__name__))
        for t in items:
            if t._value.dtype.kind not in "fc":
                _warn_dtype(t)
            elif isinstance(t, Variable):
                self._watch_variable(t)
            else:
                self._ids.add(t._id)

    def _watch_variable(self, v):
        """Watches a variable (``Variable._read`` calls this: integer variables are skipped)."""
        if v._id not in self._variables and v._value.dtype.kind in "fc":
            self._variables[v._id] = v
            self._ids.add(v._id)

    def watched_variables(self):
        """The watched variables, in the order they were created."""
        return tuple(v for _, v in sorted(self._variables.items()))

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stops recording on this tape (ops inside are invisible to it)."""
        if self._records is None:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self):
        """Clears everything recorded and watched; must be called inside the ``with`` block."""
        if not self._recording:
            raise ValueError("Tape is not recording.")
        self._records, self._ids, self._variables = [], set(), {}

    # -- differentiation -------------------------------------------------------------------
    def _start_use(self):
        if self._records is None:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set "
                               "of gradients (or jacobians)")
        if self._recording:
            if not self._persistent:
                self._pop()
            else:
                _warn_in_context()

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Gradients of ``target`` (summed over all its elements and entries) w.r.t. ``sources``.

        Args:
            target: a Tensor or Variable, or a nested structure of them.
            sources: a Tensor or Variable, or a nested structure (list, tuple, dict) of them;
                the result has the same structure.
            output_gradients: optional upstream gradients, one per flattened target.
            unconnected_gradients: ``'none'`` (default: ``None`` for an unconnected source)
                or ``'zero'``.

        Raises:
            RuntimeError: a non-persistent tape is used a second time.
        """
        if self._records is None or self._recording:
            self._start_use()
        zero = False if unconnected_gradients is _NONE else _unconnected_mode(unconnected_gradients)
        if type(target) is Tensor and type(sources) is Tensor and output_gradients is None:
            return self._gradient_of_one(target, sources, zero)
        if target is None:
            raise TypeError("Argument `target` should be a list or nested structure of Tensors, "
                            "Variables or CompositeTensors to be differentiated, but received None.")
        targets = [target] if type(target) is Tensor else [
            _as_tape_tensor(t) for t in nest.flatten(target)]
        single = type(sources) is Tensor or isinstance(sources, Variable)
        # a flat list/tuple of variables (model.trainable_variables) skips nest's recursion
        flat = not single and type(sources) in (list, tuple) and all(
            type(s) is Tensor or isinstance(s, Variable) for s in sources)
        if single:
            source_tensors = [sources if type(sources) is Tensor else self._source(sources)]
        else:
            source_tensors = [self._source(s) for s in (sources if flat else nest.flatten(sources))]
        seeds = _seeds(targets, output_gradients)
        records = self._records
        if not self._persistent:
            self._records = self._ids = None  # frees everything recorded
        grads = backprop(records, targets, seeds, source_tensors)
        result = []
        for t in source_tensors:
            g = grads.get(t._id) if t._value.dtype.kind in "fc" else None
            if g is None and zero:
                g = _zeros_like(t)
            result.append(g)
        if single:
            return result[0]
        if flat:
            return result if type(sources) is list else tuple(result)
        return nest.pack_sequence_as(sources, result)

    def _gradient_of_one(self, target, source, zero):
        """``gradient()`` for one target tensor and one source tensor (the common case)."""
        v = target._value
        seed = _ONES.get(v.dtype) if v.ndim == 0 else None
        if seed is None:
            seed = _seeds([target], None)[0]
        records = self._records
        if not self._persistent:
            self._records = self._ids = None  # frees everything recorded
        g = backprop(records, (target,), (seed,), (source,)).get(source._id) \
            if source._value.dtype.kind in "fc" else None
        if g is None and zero:
            g = _zeros_like(source)
        return g

    def _source(self, s):
        """A source as a tensor. A variable this tape does not watch is unconnected, as in TF
        (its reads are not on the tape even where an op that uses them is)."""
        if isinstance(s, Variable) and s._id not in self._variables:
            t = object.__new__(Tensor)
            t._value, t._id = s._value, next_id()
            return t
        return _as_tape_tensor(s)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """Full Jacobian: result per source has shape ``target.shape + source.shape``.

        One vectorised backward pass: the gradient rules run on a batch of one-hot seeds
        stacked along a new leading axis (no Python loop per target element; see
        ``tapeflow/jacobian.py``); ``parallel_iterations`` caps the seeds per pass (by default
        passes are sized to bound memory). ``experimental_use_pfor=False`` loops instead and
        needs a persistent tape. Counts as the one use of a non-persistent tape.

        >>> import tapeflow as tf
        >>> x = tf.constant([1.0, 2.0])
        >>> with tf.GradientTape() as g:
        ...     g.watch(x)
        ...     y = x * x
        >>> g.jacobian(y, x).numpy()
        array([[2., 0.],
               [0., 4.]], dtype=float32)
        """
        from .jacobian import jacobian
        return jacobian(self, target, sources, unconnected_gradients, experimental_use_pfor,
                        parallel_iterations)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: ``[b, *target.shape[1:], *source.shape[1:]]``.

        Assumes ``target[i]`` depends only on ``source[i]``. Both need rank >= 2 and the same
        first dimension. Where nothing is connected the result is zeros, never ``None``.

        >>> import tapeflow as tf
        >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.GradientTape() as g:
        ...     g.watch(x)
        ...     y = x * x
        >>> g.batch_jacobian(y, x).shape
        TensorShape([2, 2, 2])
        """
        from .jacobian import batch_jacobian
        return batch_jacobian(self, target, source, unconnected_gradients, experimental_use_pfor,
                              parallel_iterations)


_IN_CONTEXT_MESSAGE = (
    "Calling GradientTape.gradient on a persistent tape inside its context is significantly "
    "less efficient than calling it outside the context (it causes the gradient ops to be "
    "recorded on the tape, leading to increased CPU and memory usage). Only call "
    "GradientTape.gradient inside the context if you actually want to trace the gradient in "
    "order to compute higher order derivatives.")


# TF logs these; here they are Python warnings, which the default filter shows once per
# calling line (a training loop does not flood the output).
def _warn_in_context():
    warnings.warn(_IN_CONTEXT_MESSAGE, RuntimeWarning, stacklevel=4)


def _warn_dtype(t):
    warnings.warn("The dtype of the watched tensor must be floating (e.g. tf.float32), got %r; "
                  "it is ignored (no gradient flows through integer or bool tensors)."
                  % (t.dtype,), RuntimeWarning, stacklevel=3)


def _unconnected_mode(value):
    if isinstance(value, UnconnectedGradients):
        return value is UnconnectedGradients.ZERO
    if value in ("none", "zero"):
        return value == "zero"
    raise ValueError("Unknown value for unconnected_gradients: %r" % (value,))


def _as_tape_tensor(x):
    """Targets and sources as tensors: a Variable is identified by its id, not read."""
    if type(x) is Tensor:
        return x
    if isinstance(x, Variable):
        s = x._snapshot
        if s is None:
            s = object.__new__(Tensor)
            s._value, s._id = x._value, x._id
        return s
    if isinstance(x, Tensor):
        return x
    if isinstance(x, IndexedSlices):
        return x.to_dense()
    raise TypeError("gradient(): expected Tensors or Variables as targets and sources, got %r of "
                    "type %s" % (x, type(x).__name__))


def _seeds(targets, output_gradients):
    if output_gradients is None and len(targets) == 1:
        v = targets[0]._value
        if v.ndim == 0:
            seed = _ONES.get(v.dtype)
            if seed is None:
                seed = _ONES[v.dtype] = _wrap(v.dtype.type(1))
            return [seed]
    if output_gradients is None:
        out = []
        for t in targets:
            v = t._value
            if v.ndim == 0:
                seed = _ONES.get(v.dtype)
                if seed is None:
                    seed = _ONES[v.dtype] = _wrap(v.dtype.type(1))
                out.append(seed)
            else:
                out.append(_wrap(np.ones(v.shape, v.dtype)))
        return out
    flat = nest.flatten(output_gradients) if nest.is_nested(output_gradients) else [output_gradients]
    if len(flat) != len(targets):
        raise ValueError("output_gradients must have one entry per target: %d targets, %d output "
                         "gradients" % (len(targets), len(flat)))
    from .tensor import convert_to_tensor
    out = []
    for t, g in zip(targets, flat):
        if g is None:
            out.append(_wrap(np.ones(t._value.shape, t._value.dtype)))
        else:
            g = convert_to_tensor(g, dtype_hint=t.dtype)
            if g._value.shape != t._value.shape:
                g = _wrap(np.broadcast_to(g._value, t._value.shape).astype(t._value.dtype))
            out.append(g)
    return out


def forward_path(records, sources):
    """The float source ids, every tensor id reachable from them, and the records on the way."""
    if len(sources) == 1:
        s = sources[0]
        source_ids = {s._id} if s._value.dtype.kind in "fc" else set()
    else:
        source_ids = {s._id for s in sources if s._value.dtype.kind in "fc"}
    relevant = set(source_ids)
    path = []
    for rec in records:
        for t in rec[1]:
            if t._id in relevant:
                path.append(rec)
                out = rec[2]
                if rec[0].multi_output:
                    relevant.update(o._id for o in out)
                else:
                    relevant.add(out._id)
                break
    return source_ids, relevant, path


def backprop(records, targets, seeds, sources):
    """Reverse-mode sweep over ``records``; returns {tensor id: gradient} for the sources.

    Only records on a path from a source to a target run their rules, and a rule is asked
    only for the inputs on such a path (a matmul with constant data computes no gradient
    for the data).
    """
    source_ids, relevant, path = forward_path(records, sources)
    grads = {}
    if len(targets) == 1:
        t = targets[0]
        if t._id in relevant and t._value.dtype.kind in "fc":
            grads[t._id] = seeds[0]
    else:
        for t, seed in zip(targets, seeds):
            if t._id in relevant and t._value.dtype.kind in "fc":
                _accumulate(grads, t._id, seed)
    saved = {}
    for op, inputs, out, attrs in reversed(path):
        if op.multi_output:
            g = pop_output_grads(out, grads, source_ids, saved, _zeros_like)
            if g is None:
                continue
        else:
            oid = out._id
            g = grads.pop(oid, None)
            if g is None:
                continue
            if oid in source_ids:
                saved[oid] = g
            if type(g) is IndexedSlices:
                g = g.to_dense()
        if len(inputs) == 2:  # most ops: no comprehension (it costs a frame per record)
            needs = (inputs[0]._id in relevant, inputs[1]._id in relevant)
        else:
            needs = [t._id in relevant for t in inputs]
        input_grads = op.backward(needs, g, out, inputs, attrs)
        for t, gi, need in zip(inputs, input_grads, needs):
            if need and gi is not None:
                if type(gi) is Tensor:
                    gv, tv = gi._value, t._value
                    # two NumPy scalars of one type already match (and .shape/.dtype on
                    # scalars cost more than the rest of this loop)
                    kind = type(gv)
                    if kind is not type(tv) or kind is _ndarray and (
                            gv.shape != tv.shape or gv.dtype is not tv.dtype):
                        gi = _fit(gi, t, op)
                elif type(gi) is not IndexedSlices:
                    raise TypeError("gradient rule of %s returned %r instead of a Tensor"
                                    % (op.name, type(gi).__name__))
                key = t._id
                prev = grads.get(key)
                if prev is None:
                    grads[key] = gi
                elif not recording and type(prev) is Tensor and type(gi) is Tensor:
                    grads[key] = _wrap(prev._value + gi._value)  # no tape wants this sum
                else:
                    grads[key] = _add_grads(prev, gi)
    grads.update(saved)
    return grads


def pop_output_grads(out, grads, source_ids, saved, zeros):
    """The upstream gradients of a multi-output record, ``zeros(o)`` for outputs nobody used;
    None when no output has one. Outputs that are sources keep their gradient in ``saved``."""
    gs = [grads.pop(o._id, None) for o in out]
    if all(g is None for g in gs):
        return None
    for o, g in zip(out, gs):
        if g is not None and o._id in source_ids:
            saved[o._id] = g
    return tuple(zeros(o) if g is None else _dense(g) for o, g in zip(out, gs))


def aggregate_gradients(grads):
    """Sums gradient contributions as TF does: ``None`` entries are ignored, all-IndexedSlices
    concatenate into one IndexedSlices, anything mixed is dense; ``None`` if nothing is left.

    >>> import tapeflow as tf
    >>> from tapeflow.tape import aggregate_gradients
    >>> float(aggregate_gradients([tf.constant(1.0), None, tf.constant(2.0)]))
    3.0
    """
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    total = grads[0]
    for g in grads[1:]:
        total = _add_grads(total, g)
    return total


def _zeros_like(t):
    """Zeros of a tensor's shape and dtype (a NumPy scalar for rank 0, like every value)."""
    z = np.zeros_like(t._value)
    return _wrap(z[()] if z.ndim == 0 else z)


def _dense(g):
    return g.to_dense() if type(g) is IndexedSlices else g


def _fit(g, like, op):
    """Sums a broadcast gradient back to its input's shape and casts it to the input's dtype."""
    lv = like._value
    if g._value.shape != lv.shape:
        g = sum_to(g, lv.shape)
    if g._value.dtype != lv.dtype:
        g = _ops().cast(g, lv.dtype)
    return g


def _accumulate(grads, key, g):
    prev = grads.get(key)
    grads[key] = g if prev is None else _add_grads(prev, g)


def _add_grads(prev, g):
    """Sums two gradient contributions, out of place (the first may alias a user's array).

    Two IndexedSlices concatenate (TF's aggregation); anything mixed is densified.
    """
    ops = _ops()
    if type(prev) is IndexedSlices and type(g) is IndexedSlices:
        return IndexedSlices(ops.concat([prev.values, g.values], 0),
                             ops.concat([prev.indices, g.indices], 0), prev.dense_shape)
    return ops.add(_dense(prev), _dense(g))


_OPS = []


def _ops():
    """The op functions the engine itself needs, bound once (ops import this module)."""
    if not _OPS:
        import types
        from .ops import array, math, reduce
        _OPS.append(types.SimpleNamespace(
            add=math.add, cast=math.cast, concat=array.concat, reshape=array.reshape,
            broadcast_to=array.broadcast_to, reduce_sum=reduce.reduce_sum, stack=array.stack,
            unstack=array.unstack, transpose=array.transpose))
    return _OPS[0]


def sum_to(g, shape):
    """Reduces a broadcast gradient ``g`` to ``shape`` (the only unbroadcast in tapeflow)."""
    ops = _ops()
    broadcast_to, reshape, reduce_sum = ops.broadcast_to, ops.reshape, ops.reduce_sum
    gshape = g._value.shape
    lead = len(gshape) - len(shape)
    if lead >= 0:
        axes = tuple(range(lead)) + tuple(
            i + lead for i, d in enumerate(shape) if d == 1 and gshape[i + lead] != 1)
        if axes:
            g = reduce_sum(g, axis=axes)
        if g._value.shape != tuple(shape):
            if g._value.size == int(np.prod(shape)):
                g = reshape(g, shape)
            else:
                g = broadcast_to(g, shape)
        return g
    return broadcast_to(g, shape)
