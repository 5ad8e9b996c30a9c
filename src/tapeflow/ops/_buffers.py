"""Reuses the large arrays that every training step allocates again.

A convolutional training step makes the same large arrays each time (patch matrices,
convolution and pooling outputs, their gradients). Each is freed at the end of the step
and a fresh one of the same shape is asked for in the next; large blocks come back from
the C allocator as untouched pages, and the first write to every 4 KiB page is a page
fault: thousands per step for a small CNN, several milliseconds. ``empty`` hands back
an array from an earlier call instead, once nothing else refers to it. CPython's
reference count says so exactly: a live Tensor, a view, a tape record or a user's
reference all keep an array out of reuse.
"""
import sys
import threading

from ..backend import np

__all__ = ["empty", "zeros"]

_MIN_BYTES = 1 << 17  # smaller blocks come from the allocator's free lists without faults
_PER_SHAPE = 4  # arrays kept per (shape, dtype): the most one step has alive at once here
_MAX_BYTES = 256 << 20  # never keep more than this in all
_kept = {}  # (shape, dtype) -> list of arrays, least recently asked for first
_kept_bytes = [0]
_lock = threading.Lock()


def empty(shape, dtype):
    """An uninitialised array, reusing a kept one that nothing else refers to.

    >>> a = empty((256, 256), np.float32); address = a.ctypes.data; del a
    >>> empty((256, 256), np.float32).ctypes.data == address
    True
    """
    dtype = np.dtype(dtype)
    nbytes = dtype.itemsize * int(np.prod(shape))
    if nbytes < _MIN_BYTES:
        return np.empty(shape, dtype)
    key = (tuple(shape), dtype)
    with _lock:
        arrays = _kept.pop(key, [])
        _kept[key] = arrays  # now the most recently asked for
        array = _first_unreferenced(arrays, _FREE_COUNT)
        if array is not None:
            return array
        array = np.empty(shape, dtype)
        if len(arrays) < _PER_SHAPE:
            _evict(_MAX_BYTES - nbytes)
            if _kept_bytes[0] + nbytes <= _MAX_BYTES:
                arrays.append(array)
                _kept_bytes[0] += nbytes
        return array


def _first_unreferenced(arrays, free_count):
    for array in arrays:
        if sys.getrefcount(array) == free_count:
            return array
    return None


def _calibrate():
    """The reference count a kept array shows in ``_first_unreferenced`` when nothing else
    holds it (it depends on the interpreter), or 0 (never reuse) if a held array would
    not be told apart."""
    probe = [np.empty(0)]
    free = next((n for n in range(1, 16) if _first_unreferenced(probe, n) is not None), 0)
    held = probe[0]
    if _first_unreferenced(probe, free) is not None:
        free = 0
    del held
    return free


_FREE_COUNT = _calibrate()


def zeros(shape, dtype):
    """``empty`` filled with zeros."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def _evict(budget):
    """Drops the least recently asked-for shapes (never the one just asked for, kept last)
    until at most ``budget`` bytes are kept."""
    for key in list(_kept)[:-1]:
        if _kept_bytes[0] <= budget:
            return
        for array in _kept.pop(key):
            _kept_bytes[0] -= array.nbytes
