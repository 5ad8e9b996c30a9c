"""Primitives and composite ops. Importing this package attaches the operators to Tensor."""
from ..tensor import Tensor, Variable
from . import array, core, linalg, math, nn, reduce

PRIMITIVES = core.PRIMITIVES


def _install_operators():
    m = math

    def rev(f):
        return lambda self, other: f(other, self)

    def eq(self, other):
        if other is None:
            return False
        try:
            return m.equal(self, other)
        except Exception:
            return False

    def ne(self, other):
        if other is None:
            return True
        try:
            return m.not_equal(self, other)
        except Exception:
            return True

    ops = {
        "__add__": m.add, "__radd__": rev(m.add),
        "__sub__": m.subtract, "__rsub__": rev(m.subtract),
        "__mul__": m.multiply, "__rmul__": rev(m.multiply),
        "__truediv__": m.divide, "__rtruediv__": rev(m.divide),
        "__floordiv__": m.floordiv, "__rfloordiv__": rev(m.floordiv),
        "__mod__": m.floormod, "__rmod__": rev(m.floormod),
        "__pow__": m.pow, "__rpow__": rev(m.pow),
        "__matmul__": linalg.matmul, "__rmatmul__": rev(linalg.matmul),
        "__lt__": m.less, "__le__": m.less_equal, "__gt__": m.greater, "__ge__": m.greater_equal,
        "__and__": m.and_, "__rand__": rev(m.and_),
        "__or__": m.or_, "__ror__": rev(m.or_),
        "__xor__": m.xor_, "__rxor__": rev(m.xor_),
        "__neg__": lambda self: m.negative(self),
        "__abs__": lambda self: m.abs(self),
        "__invert__": lambda self: m.invert_(self),
        "__pos__": lambda self: self,
        "__getitem__": array.getitem,
        "__eq__": eq, "__ne__": ne,
    }
    for name, fn in ops.items():
        setattr(Tensor, name, fn)
        setattr(Variable, name, (lambda self: self._read()) if name == "__pos__" else fn)
    Variable.__getitem__ = array.variable_getitem   # v[key].assign(x) writes into v


_install_operators()
