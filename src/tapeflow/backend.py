"""The one place that picks the array library. NumPy now; CuPy later behind the same names."""
import numpy

np = numpy


def get_array_module(*arrays):
    """The array module (``numpy``, later ``cupy``) that owns ``arrays``."""
    return np
