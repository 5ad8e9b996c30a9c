"""``Tensor`` (an immutable value) and ``Variable`` (mutable, trainable state).

A Tensor wraps one backend array and a serial id; that is all the tape needs. Operators
(``+``, ``@``, ``[]`` ...) are attached by ``tapeflow.ops`` when it is imported, so this
module knows nothing about differentiation.

A Variable is not a Tensor (as in TF 2). Every op that reads it goes through
``Variable._read()``, which watches it on recording tapes (when trainable) and returns a
cached Tensor snapshot carrying the variable's id, so gradients of all reads add up on
the variable.
"""
import sys

from . import dtypes as _dtypes
from ._context import next_id, recording
from .backend import np
from .errors import InvalidArgumentError

__all__ = ["Tensor", "Variable", "TensorShape", "convert_to_tensor", "IndexedSlices"]


class TensorShape(tuple):
    """The static shape of a tensor: a tuple of ints (``None`` for an unknown dimension).

    Compares equal to plain tuples and lists.

    >>> import tapeflow as tf
    >>> s = tf.constant([[1.0, 2.0, 3.0]]).shape
    >>> s == (1, 3), s.as_list(), s.rank
    (True, [1, 3], 2)
    """

    def __new__(cls, dims=()):
        if type(dims) is cls:   # TensorShape(None) iterates as (), which would lose "unknown"
            return dims
        if dims is None:
            t = tuple.__new__(cls, ())
            t._unknown_rank = True
            return t
        if isinstance(dims, int):
            dims = (dims,)
        t = tuple.__new__(cls, [None if d is None else int(d) for d in dims])
        t._unknown_rank = False
        return t

    @property
    def rank(self):
        return None if self._unknown_rank else len(self)

    ndims = rank

    @property
    def dims(self):
        return None if self._unknown_rank else list(self)

    def as_list(self):
        if self._unknown_rank:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self)

    def num_elements(self):
        if self._unknown_rank or None in self:
            return None
        n = 1
        for d in self:
            n *= d
        return n

    def is_fully_defined(self):
        return not self._unknown_rank and None not in self

    def is_compatible_with(self, other):
        other = TensorShape(other) if not isinstance(other, TensorShape) else other
        if self._unknown_rank or other._unknown_rank:
            return True
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError("Shapes %s and %s are incompatible" % (self, TensorShape(other)))

    def merge_with(self, other):
        other = TensorShape(other)
        self.assert_is_compatible_with(other)
        if self._unknown_rank:
            return other
        if other._unknown_rank:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self, other)])

    def concatenate(self, other):
        return TensorShape(list(self) + list(TensorShape(other)))

    def __getitem__(self, key):
        if isinstance(key, slice):
            return TensorShape(tuple.__getitem__(self, key))
        return tuple.__getitem__(self, key)

    def __eq__(self, other):
        if isinstance(other, (tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __repr__(self):
        if self._unknown_rank:
            return "TensorShape(None)"
        return "TensorShape(%s)" % list(self)

    def __str__(self):
        if self._unknown_rank:
            return "<unknown>"
        if len(self) == 1:
            return "(%s,)" % self[0]
        return "(%s)" % ", ".join(str(d) for d in self)


class Tensor:
    """An immutable multidimensional array, the value every op takes and returns.

    Create one with ``tf.constant`` or ``tf.convert_to_tensor``.

    >>> import tapeflow as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> x.shape, x.dtype
    (TensorShape([2, 2]), tf.float32)
    >>> (x * 2)[1, 0]
    <tf.Tensor: shape=(), dtype=float32, numpy=6.0>
    """

    __slots__ = ("_value", "_id", "_keras_mask", "__weakref__")  # Keras sets masks on outputs
    __array_priority__ = 100  # ndarray (op) Tensor defers to Tensor's reflected operators

    def __init__(self, value, dtype=None):
        self._value = _to_array(value, dtype)
        self._id = next_id()

    @property
    def shape(self):
        return TensorShape(self._value.shape)

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        """Checks that ``shape`` is compatible with this eager tensor's shape (nothing to set).

        >>> import tapeflow as tf
        >>> tf.constant([1.0, 2.0]).set_shape([None])
        """
        if not TensorShape(shape).is_compatible_with(self._value.shape):
            raise ValueError("Tensor's shape %s is not compatible with supplied shape %s."
                             % (self.shape, TensorShape(shape)))

    @property
    def dtype(self):
        return _dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for rank 0), as TF returns it."""
        v = self._value
        if v.dtype == object:
            return v.item() if v.ndim == 0 else v
        return v[()] if v.ndim == 0 else v

    def __array__(self, dtype=None, copy=None):
        v = np.asarray(self._value)
        if dtype is not None and v.dtype != dtype:
            return v.astype(dtype)
        if copy:
            return v.copy()
        return v

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if not _dtypes.from_numpy(self._value.dtype).is_integer:
            raise TypeError("Only integer scalar tensors can be used as an index; got dtype %s"
                            % self.dtype.name)
        return int(self._scalar("index"))

    def __bool__(self):
        return bool(self._scalar("bool"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def _scalar(self, what):
        v = self._value
        if v.size != 1:
            # TF (NumPy underneath) raises ValueError for truth values, TypeError otherwise
            error = ValueError if what == "bool" else TypeError
            raise error("Only single-element tensors can be converted to Python %s; this "
                        "tensor has shape %s (its truth value is ambiguous). Reduce it first "
                        "(e.g. tf.reduce_any / tf.reduce_all / tf.reduce_sum) or index one element."
                        % (what, self.shape))
        return v.reshape(()).item() if v.ndim else v.item()

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if recording:
            return (self[i] for i in range(self._value.shape[0]))
        if self._value.dtype == object:
            return (_wrap(_element(row)) for row in self._value)
        return (_wrap(row) for row in self._value)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self):
        """A hashable reference to this tensor (``ref.deref()`` gives it back)."""
        return _Reference(self)

    experimental_ref = ref

    def __repr__(self):
        return "<tf.Tensor: shape=%s, dtype=%s, numpy=%s>" % (
            self.shape, self.dtype.name, _numpy_repr(self.numpy()))

    def __format__(self, format_spec):
        """Formats the value as NumPy does, as TF does: ``f"{loss:.4f}"`` -> ``'0.1234'``."""
        return format(self.numpy(), format_spec)

    def __str__(self):
        text = str(self.numpy())
        if "\n" in text:
            text = "\n" + text
        return "tf.Tensor(%s, shape=%s, dtype=%s)" % (text, self.shape, self.dtype.name)

    def __reduce__(self):
        return Tensor, (np.asarray(self._value),)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return Tensor(np.array(self._value, copy=True))


def _numpy_repr(value):
    """The ``numpy=`` part of a repr: multi-line arrays start on a new line, as in TF."""
    if isinstance(value, np.ndarray):
        text = repr(value)
        return "\n" + text if "\n" in text else text
    if isinstance(value, (bytes, str)):
        return repr(value)
    return str(value)


class _Reference:
    """What ``tensor.ref()`` returns: hashable, compares by identity."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, _Reference) and other._obj is self._obj

    def __repr__(self):
        return "<Reference wrapping %r>" % (self._obj,)


def _element(value):
    """An indexing result as a tensor value: NumPy scalars stay, but an element of a string
    (object) array comes back as a bare ``bytes``, which becomes a 0-d object array."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value
    return np.array(value, dtype=object)


def _wrap(array):
    """Wraps a backend array in a new Tensor without conversion (the ops' hot path)."""
    t = object.__new__(Tensor)
    t._value = array
    t._id = next_id()
    return t


def _default_array(value):
    """Python data -> array with TF's defaults (floats float32, ints int32)."""
    arr = np.asarray(value)
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype != np.float32:
        if arr.dtype == np.float64:
            return arr.astype(np.float32)
    elif kind == "i" and arr.dtype == np.int64:
        if arr.size == 0 or (arr.min() >= -2**31 and arr.max() < 2**31):
            return arr.astype(np.int32)
    elif kind == "U" or kind == "S":
        return _string_array(arr)
    elif kind == "O":
        raise TypeError("Can't convert %r to a Tensor: it holds Python objects of mixed or "
                        "unsupported types. Pass numbers, or a NumPy array." % (value,))
    return arr


def _string_array(arr):
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, s in enumerate(arr.reshape(-1).tolist()):
        flat[i] = s.encode("utf-8") if isinstance(s, str) else s
    return out


def _to_array(value, dtype=None):
    """Converts anything tensor-like to a backend array of ``dtype`` (or TF's default dtype).

    Rank-0 results are NumPy scalars, not 0-d arrays: arithmetic on them is about ten
    times faster, and every op already returns scalars for rank-0 inputs.
    """
    arr = _to_array_nd(value, dtype)
    # (string scalars stay 0-d object arrays: indexing them would give a bare ``bytes``)
    return arr[()] if arr.ndim == 0 and type(arr) is np.ndarray and arr.dtype.kind != "O" else arr


def _to_array_nd(value, dtype=None):
    if isinstance(value, Tensor):
        arr = value._value
    elif isinstance(value, Variable):
        arr = value._value
    elif isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind in "US":
            arr = _string_array(arr)
    elif hasattr(value, "__array__") and not isinstance(value, (list, tuple)):
        arr = np.asarray(value)
    else:
        if value is None:   # NumPy would make a NaN (with a dtype) or an object array
            raise ValueError("Attempt to convert a value (None) with an unsupported type "
                             "(<class 'NoneType'>) to a Tensor. Pass a number, a list of numbers, "
                             "a NumPy array or a tensor.")
        if isinstance(value, (list, tuple)) and any(
                isinstance(v, (Tensor, Variable)) for v in _flat_items(value)):
            value = _unwrap_nested(value)
        if dtype is not None:
            dt = _dtypes.as_dtype(dtype)
            if dt.np_dtype == object:  # tf.string: Python str -> UTF-8 bytes, as TF stores them
                return _string_array(np.asarray(value, dtype=object))
            try:
                arr = np.asarray(value, dtype=dt.np_dtype)
            except (TypeError, ValueError, OverflowError) as e:
                raise TypeError("Cannot convert %r to EagerTensor of dtype %s: %s"
                                % (value, dt.name, e)) from None
            if dt.is_integer and _has_fraction(value):
                raise TypeError("Cannot convert %r to EagerTensor of dtype %s" % (value, dt.name))
            return arr
        try:
            return _default_array(value)
        except ValueError as e:
            raise ValueError("Can't convert non-rectangular Python sequence to Tensor: %s" % e) \
                from None
    if dtype is not None:
        dt = _dtypes.as_dtype(dtype)
        if arr.dtype != dt.np_dtype:
            arr = arr.astype(dt.np_dtype)
    return arr


def _has_fraction(value):
    try:
        a = np.asarray(value)
    except Exception:
        return False
    return a.dtype.kind == "f" and bool(np.any(a != np.floor(a)))


def _flat_items(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _flat_items(v)
        else:
            yield v


def _unwrap_nested(value):
    if isinstance(value, (list, tuple)):
        return [_unwrap_nested(v) for v in value]
    if isinstance(value, (Tensor, Variable)):
        return value._value
    return value


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Converts a Python number, list, NumPy array, Tensor or Variable to a Tensor.

    Tensors pass through; a Tensor of another dtype than ``dtype`` is an error (use
    ``tf.cast``). ``dtype_hint`` is used only where the value has no dtype of its own.

    >>> import tapeflow as tf
    >>> tf.convert_to_tensor([1, 2]).dtype, tf.convert_to_tensor(1.5).dtype
    (tf.int32, tf.float32)
    """
    if type(value) is Tensor:
        if dtype is not None and _dtypes.as_dtype(dtype).np_dtype != value._value.dtype:
            raise InvalidArgumentError(
                "convert_to_tensor: Tensor conversion requested dtype %s for Tensor with dtype "
                "%s. Use tf.cast to change a tensor's dtype." % (
                    _dtypes.as_dtype(dtype).name, value.dtype.name))
        return value
    if isinstance(value, Variable):
        t = value._read()
        if dtype is not None and _dtypes.as_dtype(dtype).np_dtype != t._value.dtype:
            raise InvalidArgumentError(
                "convert_to_tensor: requested dtype %s for a Variable of dtype %s. Use tf.cast."
                % (_dtypes.as_dtype(dtype).name, value.dtype.name))
        return t
    if isinstance(value, IndexedSlices):
        return value.to_dense()
    if isinstance(value, Tensor):  # subclasses
        return value
    if dtype is None and dtype_hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        try:
            return _wrap(_to_array(value, dtype_hint))
        except (TypeError, ValueError):
            pass
    return _wrap(_to_array(value, dtype))


class _VariableSlice(Tensor):
    """``v[key]`` for a variable ``v``: the value of the slice, which can also be assigned to
    (``v[0, 1:3].assign(x)`` writes into ``v``, as in TF).

    >>> import tapeflow as tf
    >>> v = tf.Variable([1.0, 2.0, 3.0])
    >>> v[1:].assign([5.0, 6.0]).numpy()
    array([1., 5., 6.], dtype=float32)
    """

    __slots__ = ("_variable", "_key")

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(self._key, value, None, "assign")

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(self._key, delta, np.add, "assign_add")

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(self._key, delta, np.subtract, "assign_sub")


class Variable:
    """Mutable state that ops read as a Tensor: weights, counters, metric totals.

    Trainable variables are watched automatically by a recording ``GradientTape`` when
    read. ``assign*`` replace the value and carry no gradient.

    >>> import tapeflow as tf
    >>> v = tf.Variable(2.0, name="v")
    >>> v.assign_add(1.0)
    <tf.Variable 'v:0' shape=() dtype=float32, numpy=3.0>
    >>> float(v * v)
    9.0
    """

    __slots__ = ("_value", "_id", "_snapshot", "trainable", "_name", "_shape", "constraint",
                 "aggregation", "synchronization", "path", "__weakref__", "__dict__")
    __array_priority__ = 100  # np.float32(2) * v defers to the variable's operators, as in TF

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, import_scope=None, constraint=None,
                 synchronization=None, aggregation=None, shape=None, experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("Variable: initial_value must be specified.")
        if callable(initial_value) and not isinstance(initial_value, (Tensor, Variable)):
            initial_value = initial_value()
        arr = _to_array_nd(initial_value, dtype)
        if arr is initial_value or not isinstance(arr, np.ndarray) or arr.base is not None:
            arr = np.array(arr)  # a variable owns its (ndarray) value: never alias the caller's
        self._value = arr
        self._id = next_id()
        self._snapshot = None
        self.trainable = True if trainable is None else bool(trainable)
        self._name = name or "Variable"
        self.path = self._name
        self._shape = None if shape is None else TensorShape(shape)
        if self._shape is not None and not self._shape.is_compatible_with(arr.shape):
            raise ValueError("Variable %r: initial value of shape %s does not match shape=%s"
                             % (self._name, arr.shape, self._shape))
        self.constraint = constraint
        self.aggregation = aggregation
        self.synchronization = synchronization

    # -- reading -------------------------------------------------------------------------
    def _read(self):
        """The value as a Tensor, watched on every recording tape that auto-watches."""
        if recording and self.trainable:
            for tape in recording:
                if tape._watch_accessed and self._id not in tape._variables:
                    tape._watch_variable(self)
        s = self._snapshot
        if s is None:
            s = object.__new__(Tensor)
            s._value = self._value
            s._id = self._id
            self._snapshot = s
        return s

    def read_value(self):
        return self._read()

    def value(self):
        return self._read()

    def numpy(self):
        """A copy of the current value (later assignments do not change it)."""
        v = self._value
        return v[()].copy() if v.ndim == 0 else v.copy()

    def __array__(self, dtype=None, copy=None):
        """A copy of the value (as in TF), so that mutating it cannot change the variable;
        ``copy=False`` asks for the variable's own array."""
        v = self._value
        if dtype is not None and v.dtype != dtype:
            return v.astype(dtype)
        return v if copy is False else v.copy()

    def __format__(self, format_spec):
        return format(self.numpy(), format_spec)

    # -- writing -------------------------------------------------------------------------
    def _coerce(self, value, op):
        if isinstance(value, (Tensor, Variable)):
            arr = value._value
            if arr.dtype != self._value.dtype:
                raise InvalidArgumentError(
                    "%s: cannot assign a value of dtype %s to variable %r of dtype %s. Use "
                    "tf.cast first." % (op, _dtypes.from_numpy(arr.dtype).name, self._name,
                                        self.dtype.name))
        else:
            arr = _to_array_nd(value, self._value.dtype)
        if arr.shape != self._value.shape:
            shape = self._shape
            if shape is None or not shape.is_compatible_with(arr.shape):
                raise ValueError(
                    "%s: cannot assign a value of shape %s to variable %r of shape %s. Shapes "
                    "must match." % (op, tuple(arr.shape), self._name, tuple(self._value.shape)))
        return arr

    def _set(self, arr):
        self._value = arr
        self._snapshot = None

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Replaces the value (no gradient flows through an assignment). Returns the variable
        (None with ``read_value=False``, as in TF eager)."""
        arr = self._coerce(value, "assign")
        if arr is value or not isinstance(arr, np.ndarray):
            arr = np.array(arr)  # never alias the caller's array; keep an ndarray
        self._set(arr)
        return self if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        self._set(np.asarray(self._value + self._coerce(delta, "assign_add")))
        return self if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        self._set(np.asarray(self._value - self._coerce(delta, "assign_sub")))
        return self if read_value else None

    def _assign_slice(self, key, value, combine, op):
        """``self[key] = combine(self[key], value)`` on a fresh copy (earlier reads keep their
        values); the value must have the slice's shape, as in TF."""
        arr = self._value.copy()
        current = arr[key]
        new = _to_array_nd(value, arr.dtype)
        if new.shape != np.shape(current):
            raise ValueError("%s: sliced l-value shape %s does not match r-value shape %s (variable "
                             "%r of shape %s)" % (op, list(np.shape(current)), list(new.shape),
                                                  self._name, tuple(arr.shape)))
        arr[key] = new if combine is None else combine(current, new)
        self._set(arr)
        return self

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        arr = self._value.copy()
        np.add.at(arr, np.asarray(sparse_delta.indices._value), sparse_delta.values._value)
        self._set(arr)
        return self

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        arr = self._value.copy()
        arr[np.asarray(sparse_delta.indices._value)] = sparse_delta.values._value
        self._set(arr)
        return self

    def _inplace_value(self):
        """The value array, safe to update in place (optimizers use ``out=`` on it).

        In place is safe only while nobody else holds the array or the current snapshot
        (a live tape record, a user's view): the reference counts say so. Otherwise the
        array is copied first (copy-on-write), so what a tape saved stays valid.
        """
        s = self._snapshot
        # unshared snapshot: referenced by the slot and ``s`` only
        if s is not None and sys.getrefcount(s) > _LOCAL_REFS:
            self._value = self._value.copy()
            self._snapshot = s = None
        # unshared array: referenced by the slot and the snapshot's slot (if any) only
        expected = _SLOT_REFS if s is None else _SLOT_REFS + 1
        if sys.getrefcount(self._value) > expected:
            self._value = self._value.copy()
            self._snapshot = None
        return self._value

    # In-place operators would silently rebind the name to a Tensor; TF refuses them.
    def __iadd__(self, other):
        raise _inplace_operator_error("+=", "assign_add(value)", "variable + value")

    def __isub__(self, other):
        raise _inplace_operator_error("-=", "assign_sub(value)", "variable - value")

    def __imul__(self, other):
        raise _inplace_operator_error("*=", "assign(variable * value)", "variable * value")

    def __itruediv__(self, other):
        raise _inplace_operator_error("/=", "assign(variable / value)", "variable / value")

    def __ipow__(self, other):
        raise _inplace_operator_error("**=", "assign(variable ** value)", "variable ** value")

    # -- metadata ------------------------------------------------------------------------
    @property
    def name(self):
        return self._name + ":0" if ":" not in self._name else self._name

    @property
    def shape(self):
        # A variable made with shape=TensorShape(None) or [None, ...] reports that declared
        # (partly unknown) shape, as in TF, so that callers know it may change.
        declared = self._shape
        return TensorShape(self._value.shape) if declared is None else declared

    def get_shape(self):
        return self.shape

    @property
    def dtype(self):
        return _dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def handle(self):
        return self

    def ref(self):
        return _Reference(self)

    experimental_ref = ref

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def __len__(self):
        return len(self._read())

    def __iter__(self):
        return iter(self._read())

    def __float__(self):
        return float(self._read())

    def __int__(self):
        return int(self._read())

    def __index__(self):
        return self._read().__index__()

    def __bool__(self):
        return bool(self._read())

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s, numpy=%s>" % (
            self.name, self.shape, self.dtype.name, _numpy_repr(self._read().numpy()))

    def __deepcopy__(self, memo):
        return Variable(self._value.copy(), trainable=self.trainable, name=self._name)

    def __reduce__(self):
        return _rebuild_variable, (self._value.copy(), self.trainable, self._name)


def _inplace_operator_error(op, method, expression):
    return RuntimeError("`variable %s value` with `tf.Variable`s is not supported. Use "
                        "`variable.%s` to modify the variable, or `out = %s` to get a new "
                        "Tensor." % (op, method, expression))


class _RefProbe:
    __slots__ = ("item",)


def _refcount_baselines():
    """What ``sys.getrefcount`` reports, in the two patterns ``_inplace_value`` uses, for an
    object nobody else holds: (held in a slot and a local, held in a slot only). Measured
    rather than assumed, because interpreters differ (3.14 borrows more references)."""
    probe = _RefProbe()
    probe.item = object()
    local = probe.item
    in_slot_and_local = sys.getrefcount(local)
    del local
    return in_slot_and_local, sys.getrefcount(probe.item)


_LOCAL_REFS, _SLOT_REFS = _refcount_baselines()


def _rebuild_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


class IndexedSlices:
    """A sparse gradient: rows ``values`` at ``indices`` of a tensor of ``dense_shape``.

    ``tf.gather`` on a variable gives one; ``tf.convert_to_tensor`` densifies it (duplicate
    indices add up).
    """

    def __init__(self, values, indices, dense_shape=None):
        self.values = convert_to_tensor(values)
        self.indices = convert_to_tensor(indices)
        self.dense_shape = None if dense_shape is None else convert_to_tensor(dense_shape)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        return TensorShape(np.asarray(self.dense_shape._value).tolist())

    def to_dense(self):
        """Scatter-adds the rows into a dense Tensor (differentiable via ``unsorted_segment_sum``)."""
        from .ops import array as _array_ops
        return _array_ops.unsorted_segment_sum(
            self.values, self.indices, int(np.asarray(self.dense_shape._value)[0]))

    def numpy(self):
        return self.to_dense().numpy()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.to_dense().numpy(), dtype=dtype)

    def __repr__(self):
        return "IndexedSlices(indices=%s, values=%s, dense_shape=%s)" % (
            self.indices, self.values, self.dense_shape)
