"""The variable Keras layers, metrics and optimizers create.

A ``tf.Variable`` with Keras 3's naming: ``name`` is the short name (``'kernel'``) and
``path`` the layer path (``'dense/kernel'``); it can carry a ``regularizer``.
"""
from ..tensor import Variable

__all__ = ["KerasVariable"]


class KerasVariable(Variable):
    """A ``tf.Variable`` named the Keras 3 way.

    >>> import tapeflow as tf
    >>> v = tf.keras.Variable([1.0, 2.0], name="kernel")
    >>> v.name, v.path, v.shape
    ('kernel', 'kernel', TensorShape([2]))
    """

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True, name=None,
                 path=None, regularizer=None, constraint=None, aggregation="none",
                 synchronization="auto", initial_value=None):
        if initializer is None:
            initializer = initial_value
        if callable(initializer) and not hasattr(initializer, "_value"):
            from ..dtypes import as_dtype
            from .backend import floatx
            dt = as_dtype(dtype or floatx())
            value = initializer(tuple(shape) if shape is not None else (), dtype=dt)
        else:
            value = initializer
        super().__init__(value, trainable=trainable, name=name or "variable", dtype=dtype,
                         constraint=constraint)
        self.path = path or self._name
        self.regularizer = regularizer

    @property
    def name(self):
        return self._name

    def __repr__(self):
        return "<Variable path=%s, shape=%s, dtype=%s, value=%s>" % (
            self.path, tuple(self.shape), self.dtype.name, self.numpy())
