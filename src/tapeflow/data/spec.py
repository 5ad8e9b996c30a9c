"""``TensorSpec``: the shape and dtype of one component of a dataset element.

The engine's ``tf.TensorSpec`` is used when the package defines it; until then this module
provides a compatible one, so ``element_spec`` and ``from_generator(output_signature=...)``
work either way. Any object with ``shape`` and ``dtype`` is accepted as a signature.
"""
import tapeflow as _tapeflow

from .. import dtypes as _dtypes
from ..tensor import TensorShape


class _TensorSpec:
    """Describes a tensor: its (possibly partly unknown) shape and its dtype.

    >>> import tapeflow as tf
    >>> tf.data.TensorSpec(shape=(None, 3), dtype=tf.float32)
    TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=_dtypes.float32, name=None):
        self.shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, other):
        """True when ``other`` (a spec or a tensor) fits this spec's dtype and shape."""
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)

    def __eq__(self, other):
        return (isinstance(other, _TensorSpec) and self.dtype == other.dtype
                and self.shape.rank == other.shape.rank and tuple(self.shape) == tuple(other.shape))

    def __hash__(self):
        return hash((tuple(self.shape), self.dtype.name))

    def __repr__(self):
        return "TensorSpec(shape=%s, dtype=%r, name=%r)" % (self.shape, self.dtype, self.name)


def _engine_spec():
    try:
        return getattr(_tapeflow, "TensorSpec")
    except AttributeError:
        return None


TensorSpec = _engine_spec() or _TensorSpec
