"""DType objects (``tf.float32`` ...) and the one promotion policy every op uses.

TensorFlow never promotes silently: two tensors of different dtypes in one op are an
error. Python scalars and NumPy arrays adopt the dtype of the tensor they meet
(``tf.constant(1.0) * 2`` is float32). On their own, Python floats become float32,
Python ints int32 and NumPy arrays keep their dtype.
"""
import numpy as np

__all__ = ["DType", "as_dtype"]


class DType:
    """A TensorFlow dtype: a name plus the NumPy dtype that stores it.

    >>> import tapeflow as tf
    >>> tf.float32.name, tf.float32.is_floating, tf.int32.as_numpy_dtype
    ('float32', True, <class 'numpy.int32'>)
    """

    __slots__ = ("name", "as_numpy_dtype", "np_dtype", "is_floating", "is_integer",
                 "is_bool", "is_complex", "is_unsigned", "size")

    def __init__(self, name, np_type):
        self.name = name
        self.as_numpy_dtype = np_type
        self.np_dtype = np.dtype(np_type)
        kind = self.np_dtype.kind
        self.is_floating = kind == "f"
        self.is_integer = kind in "iu"
        self.is_unsigned = kind == "u"
        self.is_bool = kind == "b"
        self.is_complex = kind == "c"
        self.size = self.np_dtype.itemsize

    @property
    def base_dtype(self):
        return self

    @property
    def real_dtype(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    @property
    def is_numpy_compatible(self):
        return True

    @property
    def min(self):
        if self.is_floating:
            return float(np.finfo(self.np_dtype).min)
        if self.is_bool:
            return False
        return int(np.iinfo(self.np_dtype).min)

    @property
    def max(self):
        if self.is_floating:
            return float(np.finfo(self.np_dtype).max)
        if self.is_bool:
            return True
        return int(np.iinfo(self.np_dtype).max)

    @property
    def is_trainable(self):
        """Whether gradients flow through tensors of this dtype (floats and complex)."""
        return self.is_floating or self.is_complex

    def __repr__(self):
        return "tf." + self.name

    def __str__(self):
        return "<dtype: %r>" % self.name

    def __eq__(self, other):
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = half = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's name
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
string = DType("string", np.object_)

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
        bool, complex64, complex128, string)
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64, float=float32)
_BY_NP = {d.np_dtype: d for d in _ALL}


def from_numpy(np_dtype):
    """The DType of a NumPy dtype (bytes/str arrays map to ``tf.string``). Hot path."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        if np_dtype.kind in "USO":
            return string
        raise TypeError("tapeflow has no dtype for NumPy dtype %r" % (np_dtype,)) from None


def as_dtype(type_value):
    """Converts a DType, NumPy dtype/type or name to a ``DType``.

    >>> import tapeflow as tf
    >>> tf.as_dtype("float32") is tf.float32
    True
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        try:
            return _BY_NAME[type_value]
        except KeyError:
            pass
    try:
        return from_numpy(np.dtype(type_value))
    except TypeError:
        pass
    raise TypeError("Cannot convert %r to a dtype. Use a tf.DType such as tf.float32 or a "
                    "name such as 'float32'." % (type_value,))
