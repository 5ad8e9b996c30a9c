"""``tf.TensorSpec``: the shape and dtype a tensor is expected to have."""
from . import dtypes as _dtypes
from .tensor import Tensor, TensorShape, Variable

__all__ = ["TensorSpec"]


class TensorSpec:
    """Describes a tensor: a (possibly partial) shape, a dtype and an optional name.

    Used by ``tf.function(input_signature=...)`` and ``tf.data`` element specs.

    >>> import tapeflow as tf
    >>> spec = tf.TensorSpec(shape=(None, 2), dtype=tf.float32, name="x")
    >>> spec
    TensorSpec(shape=(None, 2), dtype=tf.float32, name='x')
    >>> spec.is_compatible_with(tf.constant([[1.0, 2.0]]))
    True
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=_dtypes.float32, name=None):
        self._shape = TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of an existing tensor (its exact shape and dtype)."""
        return cls(tensor.shape, tensor.dtype, name)

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    def is_compatible_with(self, spec_or_tensor):
        """True if the other spec or tensor has this dtype and a compatible shape."""
        other = spec_or_tensor
        if isinstance(other, (Tensor, Variable)):
            other = TensorSpec(other.shape, other.dtype)
        if not isinstance(other, TensorSpec):
            return False
        return other._dtype == self._dtype and self._shape.is_compatible_with(other._shape)

    def __eq__(self, other):
        return (type(other) is TensorSpec and self._dtype == other._dtype
                and self._name == other._name and self._shape.rank == other._shape.rank
                and tuple(self._shape) == tuple(other._shape))

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((tuple(self._shape), self._dtype.name, self._name))

    def __repr__(self):
        return "TensorSpec(shape=%s, dtype=%r, name=%r)" % (self._shape, self._dtype, self._name)
