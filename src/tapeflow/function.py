"""``tf.function``: accepted everywhere TF accepts it, and runs the Python function eagerly.

TensorFlow traces the Python body into a graph once per input signature and replays the
graph; tapeflow has no graph, so a ``tf.function`` simply calls the Python function.
Results and gradients are identical to TF's (TF guarantees graph and eager agree), and, as
in TF, Python numbers and NumPy values returned by the function come back as tensors.
One visible difference: Python side effects (``print``, appending to a list, NumPy
calls) run on *every* call here, whereas TF runs them only while tracing.
"""
import functools

from . import nest
from .backend import np
from .spec import TensorSpec
from .tensor import Tensor, Variable, convert_to_tensor

__all__ = ["function", "Function", "ConcreteFunction"]


class Function:
    """What ``tf.function`` returns: a callable wrapping ``python_function``."""

    def __init__(self, python_function, input_signature=None, jit_compile=None,
                 reduce_retracing=False, name=None):
        self._python_function = python_function
        self._input_signature = None if input_signature is None else tuple(input_signature)
        if self._input_signature is not None:
            for spec in nest.flatten(self._input_signature):
                if not isinstance(spec, TensorSpec):
                    raise TypeError("input_signature must be a sequence of tf.TensorSpec, got "
                                    "%r of type %s" % (spec, type(spec).__name__))
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._name = name or getattr(python_function, "__name__", "function")
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self):
        """The original Python function."""
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    def __call__(self, *args, **kwargs):
        if self._input_signature is not None:
            args = _bind_signature(self._name, self._input_signature, args, kwargs)
        return _outputs(self._python_function(*args, **kwargs))

    def __get__(self, instance, owner):
        """Decorated methods bind ``self`` like plain methods (``self`` is not in the signature)."""
        if instance is None:
            return self
        return _BoundFunction(self, instance)

    def get_concrete_function(self, *args, **kwargs):
        """A ``ConcreteFunction`` for these example arguments (or ``TensorSpec``s)."""
        signature = self._input_signature
        if signature is None:
            signature = tuple(nest.map_structure(_spec_of, list(args)))
        return ConcreteFunction(self._python_function, signature)

    def experimental_get_tracing_count(self):
        """Always 0: nothing is ever traced."""
        return 0

    def __repr__(self):
        return "<tapeflow.function %s>" % self._name


class _BoundFunction:
    """A ``Function`` accessed through an instance: a method."""

    __slots__ = ("_function", "_instance")

    def __init__(self, function, instance):
        self._function = function
        self._instance = instance

    def __call__(self, *args, **kwargs):
        f = self._function
        if f._input_signature is not None:
            args = _bind_signature(f._name, f._input_signature, args, kwargs)
        return _outputs(f._python_function(self._instance, *args, **kwargs))

    @property
    def python_function(self):
        return self._function._python_function.__get__(self._instance)

    def get_concrete_function(self, *args, **kwargs):
        signature = self._function._input_signature
        if signature is None:
            signature = tuple(nest.map_structure(_spec_of, list(args)))
        return ConcreteFunction(self.python_function, signature)


class ConcreteFunction:
    """A function with a fixed input signature (called with matching tensors)."""

    def __init__(self, python_function, signature):
        self._python_function = python_function
        self.structured_input_signature = (tuple(signature), {})
        self.inputs = [s for s in nest.flatten(list(signature)) if isinstance(s, TensorSpec)]

    def __call__(self, *args, **kwargs):
        return self._python_function(*args, **kwargs)


def _outputs(result):
    """Numbers and NumPy values in the result become tensors, as a traced function's
    outputs are in TF; other objects (``None``, tensors, variables) pass through."""
    if type(result) is Tensor or result is None:
        return result
    return nest.map_structure(_output, result)


def _output(x):
    if isinstance(x, (bool, int, float, np.ndarray, np.generic)):
        return convert_to_tensor(x)
    return x


def _spec_of(x):
    if isinstance(x, TensorSpec):
        return x
    if isinstance(x, (Tensor, Variable)):
        return TensorSpec.from_tensor(x)
    return x


def _bind_signature(name, signature, args, kwargs):
    """Converts the arguments to tensors of the signature's dtypes and checks their shapes."""
    if kwargs or len(args) != len(signature):
        raise TypeError("%s: called with %d positional and %d keyword arguments, but its "
                        "input_signature has %d entries. Pass exactly one positional argument "
                        "per TensorSpec." % (name, len(args), len(kwargs), len(signature)))
    return tuple(_bind(name, i, spec, arg) for i, (spec, arg) in enumerate(zip(signature, args)))


def _bind(name, i, spec, arg):
    """One argument matched against its (possibly nested) spec."""
    if isinstance(spec, dict):
        if not isinstance(arg, dict) or set(arg) != set(spec):
            raise TypeError("%s: argument %d must be a dict with keys %s to match the "
                            "input_signature, got %r" % (name, i, sorted(spec), arg))
        return {k: _bind(name, i, spec[k], arg[k]) for k in spec}
    if isinstance(spec, (list, tuple)):
        if not isinstance(arg, (list, tuple)) or len(arg) != len(spec):
            raise TypeError("%s: argument %d must be a sequence of %d items to match the "
                            "input_signature, got %r" % (name, i, len(spec), arg))
        return type(spec)(_bind(name, i, s, a) for s, a in zip(spec, arg))
    if isinstance(arg, (Tensor, Variable)) and arg.dtype != spec.dtype:
        raise TypeError("%s: argument %d has dtype %s, but the input_signature expects %r. "
                        "Cast it with tf.cast." % (name, i, arg.dtype.name, spec))
    t = convert_to_tensor(arg, dtype=spec.dtype)
    if not spec.shape.is_compatible_with(t.shape):
        raise TypeError("%s: argument %d has shape %s, which is not compatible with the "
                        "input_signature %r." % (name, i, t.shape, spec))
    return arg if isinstance(arg, Variable) else t


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None, name=None):
    """Decorator that marks a function for graph compilation in TF; here it runs eagerly.

    Use it bare (``@tf.function``) or with arguments (``@tf.function(jit_compile=True)``).
    With ``input_signature`` the arguments are converted to tensors of the given dtypes
    and their shapes checked. Python side effects run on every call (see module doc).

    >>> import tapeflow as tf
    >>> @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    ... def double(x):
    ...     return 2.0 * x
    >>> double([1.0, 2.0]).numpy()
    array([2., 4.], dtype=float32)
    """
    def decorate(f):
        return Function(f, input_signature, jit_compile or experimental_compile,
                        reduce_retracing or bool(experimental_relax_shapes), name)

    if func is None:
        return decorate
    return decorate(func)
