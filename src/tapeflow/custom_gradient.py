"""``tf.custom_gradient``: a function that supplies its own gradient.

The forward runs with the active tapes paused (its inner ops need no records) while a
watcher collects the variables it reads. Its outputs are then recorded on the tapes as
one op whose backward is the user's ``grad_fn``. ``grad_fn`` runs during the backward
pass under whatever tapes record at that moment, so it is differentiable again when
written with tapeflow ops.
"""
import functools
import inspect

from . import nest
from ._context import recording
from .tape import record
from .tensor import IndexedSlices, Tensor, _wrap, convert_to_tensor

__all__ = ["custom_gradient"]


class _VariableWatcher:
    """Sits on the recording stack during the forward to see which variables are read.

    It has no ids, so ``tape.record`` never records an op on it.
    """

    __slots__ = ("_variables",)
    _watch_accessed = True
    _ids = frozenset()

    def __init__(self):
        self._variables = {}

    def _watch_variable(self, v):
        self._variables[v._id] = v

    def variables(self):
        return [v for _, v in sorted(self._variables.items())]


class _CustomOp:
    """The tape record's op for one call of a custom-gradient function."""

    __slots__ = ("name", "grad_fn", "n_args", "variables")
    multi_output = True   # outputs are always recorded as a tuple
    differentiable = True

    def __init__(self, name, grad_fn, n_args, variables):
        self.name = name
        self.grad_fn = grad_fn
        self.n_args = n_args
        self.variables = variables

    def backward(self, needs, upstream, ans, inputs, attrs):
        if self.variables:
            result = self.grad_fn(*upstream, variables=self.variables)
            if not isinstance(result, (list, tuple)) or len(result) != 2:
                raise ValueError("@custom_gradient grad_fn must return (input_grads, "
                                 "variable_grads) when the function uses variables.")
            input_grads, variable_grads = result
            variable_grads = list(nest.flatten(variable_grads))
            if len(variable_grads) != len(self.variables):
                raise ValueError("Must return gradient for each variable from @custom_gradient "
                                 "grad_fn.")
        else:
            input_grads = self.grad_fn(*upstream)
            variable_grads = []
        flat = nest.flatten(input_grads) if isinstance(input_grads, (list, tuple, dict)) \
            else [input_grads]
        if len(flat) != self.n_args:
            raise ValueError("custom_gradient function expected to return %d gradients, but "
                             "returned %d instead." % (self.n_args, len(flat)))
        return [_as_gradient(g) for g in flat + variable_grads]

    def __repr__(self):
        return "<custom_gradient %s>" % self.name


def _as_gradient(g):
    if g is None or type(g) is Tensor or type(g) is IndexedSlices:
        return g
    return convert_to_tensor(g)


def _accepts_variables(fn):
    try:
        spec = inspect.getfullargspec(fn)
    except TypeError:
        return True
    return "variables" in spec.args or "variables" in spec.kwonlyargs or spec.varkw is not None


def custom_gradient(f=None):
    """Decorates ``f(*args) -> (outputs, grad_fn)`` so tapes use ``grad_fn`` as its gradient.

    ``grad_fn(*upstream)`` gets one upstream gradient per flattened output and returns one
    gradient per positional argument (``None`` for none). If ``f`` reads variables that are
    not arguments, ``grad_fn`` must accept ``variables=`` and return
    ``(input_grads, variable_grads)``.

    >>> import tapeflow as tf
    >>> @tf.custom_gradient
    ... def clip_grad_identity(x):
    ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1.0, 1.0)
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = clip_grad_identity(x) * 10.0
    >>> float(g.gradient(y, x))
    1.0
    """
    if f is None:
        return custom_gradient
    return _CustomGradientFunction(f)


class _CustomGradientFunction:
    """What ``@tf.custom_gradient`` returns; on a method, ``self`` is bound, not differentiated."""

    def __init__(self, f):
        self._f = f
        functools.update_wrapper(self, f)

    def __call__(self, *args, **kwargs):
        return _call(self._f, (), args, kwargs)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        f = self._f

        def method(*args, **kwargs):
            return _call(f, (instance,), args, kwargs)
        return method


def _call(f, bound, args, kwargs):
    """Runs ``f`` (with the tapes paused) and records its outputs as one custom op."""
    flat_args = nest.flatten(args)
    inputs = [convert_to_tensor(a) for a in flat_args]   # reads variables: tapes see them
    paused = recording[:]
    watcher = _VariableWatcher()
    recording[:] = [watcher]
    try:
        result, grad_fn = f(*bound, *args, **kwargs)
    finally:
        recording[:] = paused
    given = flat_args + nest.flatten(kwargs)
    variables = [v for v in watcher.variables() if all(v is not a for a in given)]
    if variables and not _accepts_variables(grad_fn):
        raise TypeError("@tf.custom_gradient grad_fn must accept keyword argument "
                        "'variables', since function uses variables: %s" % (variables,))
    for v in variables:
        inputs.append(v._read())   # auto-watches them on the tapes that watch reads
    outputs = tuple(_wrap(convert_to_tensor(r)._value) for r in nest.flatten(result))
    if recording:
        record(_CustomOp(f.__name__, grad_fn, len(flat_args), variables), tuple(inputs),
               outputs, None)
    return nest.pack_sequence_as(result, list(outputs))
