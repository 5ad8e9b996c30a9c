"""Runs a large memory-bound kernel on two halves of the batch at once.

NumPy releases the GIL inside ufuncs and copies, so the two halves of a batch run on two
cores together. BLAS already spreads the matmuls of a convolution over the cores; this
does the same for the passes between them (im2col, pooling, ReLU masks, col2im adds),
which otherwise run on one core. Arrays under ``_MIN_ELEMENTS`` stay on the calling
thread (handing work to another thread costs tens of microseconds), and
``TAPEFLOW_NUM_THREADS=1`` turns the split off.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["over_batch"]

_MIN_ELEMENTS = 1 << 18


def _thread_count():
    try:
        wanted = int(os.environ.get("TAPEFLOW_NUM_THREADS", "2"))
    except ValueError:
        wanted = 2
    return max(1, min(wanted, 2, os.cpu_count() or 1))


_SPLIT = _thread_count() > 1
_helper = []
_lock = threading.Lock()


def _executor():
    if not _helper:
        with _lock:
            if not _helper:
                _helper.append(ThreadPoolExecutor(max_workers=1,
                                                  thread_name_prefix="tapeflow-kernel"))
    return _helper[0]


def over_batch(kernel, n, size):
    """Calls ``kernel(start, stop)`` to cover ``[0, n)``: as two halves on two threads when
    the work (``size`` elements) is large, else once on this thread.

    ``kernel`` must write disjoint outputs for disjoint ranges.

    >>> import numpy as np
    >>> x, out = np.arange(8.0), np.empty(8)
    >>> over_batch(lambda a, b: np.multiply(x[a:b], 2.0, out=out[a:b]), 8, x.size)
    >>> out.tolist()
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]
    """
    if not _SPLIT or n < 2 or size < _MIN_ELEMENTS or threading.current_thread().name.startswith(
            "tapeflow-kernel"):
        kernel(0, n)
        return
    middle = n // 2
    other = _executor().submit(kernel, middle, n)
    try:
        kernel(0, middle)
    finally:
        other.result()
