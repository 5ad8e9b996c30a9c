"""File sources: ``list_files`` and ``TextLineDataset`` (lines as scalar string tensors)."""
import glob
import gzip
import os
import zlib

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError, NotFoundError
from ..tensor import Tensor
from .dataset import UNKNOWN, Dataset
from .sources import TensorSliceDataset
from .spec import TensorSpec


def _as_str(name):
    if isinstance(name, Tensor):
        name = name.numpy()
    if isinstance(name, np.ndarray) and name.ndim == 0:
        name = name[()]
    if isinstance(name, bytes):
        return name.decode("utf-8")
    return os.fspath(name)


def _names(value):
    """A file name, a list/array/Tensor of them -> a list of str."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return [_as_str(v) for v in value.reshape(-1).tolist()]
    if isinstance(value, (list, tuple)):
        return [_as_str(v) for v in value]
    return [_as_str(value)]


def _string_column(names):
    column = np.empty(len(names), dtype=object)
    column[:] = [n.encode("utf-8") for n in names]
    return column


def list_files(file_pattern, shuffle=None, seed=None):
    """The sorted matches of one or more glob patterns; shuffled unless ``shuffle=False``."""
    patterns = _names(file_pattern)
    matches = sorted({path for p in patterns for path in glob.glob(p)})
    if not matches:
        raise InvalidArgumentError("Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be "
                                   "true. Summarized data: b'No files matched pattern: %s'"
                                   % ", ".join(patterns))
    ds = TensorSliceDataset(_string_column(matches))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(matches), seed=seed)
    return ds


def _open(path, compression_type):
    kind = (compression_type or "").upper()
    if kind == "GZIP":
        return gzip.open(path, "rb")
    if kind == "ZLIB":
        with open(path, "rb") as f:
            return _BytesLines(zlib.decompress(f.read()))
    return open(path, "rb")


class _BytesLines:
    """An in-memory file-like iterator over lines (for zlib data)."""

    def __init__(self, data):
        self._lines = data.splitlines(keepends=True)

    def __enter__(self):
        return iter(self._lines)

    def __exit__(self, *exc):
        return False


def read_lines(path, compression_type=None):
    """Yields each line of a text file as ``bytes`` without its line ending (\\n or \\r\\n)."""
    if not os.path.exists(path):
        raise NotFoundError("%s; No such file or directory" % path)
    with _open(path, compression_type) as f:
        for line in f:
            if line.endswith(b"\n"):
                line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            yield line


class TextLineDataset(Dataset):
    """The lines of one or more text files, as scalar ``tf.string`` tensors.

    Args:
        filenames: a file name, a list or string Tensor of them, or a dataset of them.
        compression_type: ``None``/``""``, ``"GZIP"`` or ``"ZLIB"``.
        buffer_size: accepted for TF compatibility (Python's file buffering is used).
        num_parallel_reads: accepted; files are read one after the other.

    >>> import tapeflow as tf, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(path, "w").write("x\\ny\\n")
    >>> [line.numpy() for line in tf.data.TextLineDataset(path)]
    [b'x', b'y']
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        self._filenames = filenames if isinstance(filenames, Dataset) else _names(filenames)
        self._compression = compression_type
        _open_check(compression_type)

    def _paths(self):
        if isinstance(self._filenames, Dataset):
            return (_as_str(name) for name in self._filenames._elements())
        return iter(self._filenames)

    def _elements(self):
        for path in self._paths():
            yield from read_lines(path, self._compression)

    def _card(self):
        return UNKNOWN

    def _static_spec(self):
        return TensorSpec((), _dtypes.string)


def _open_check(compression_type):
    if (compression_type or "").upper() not in ("", "GZIP", "ZLIB"):
        raise InvalidArgumentError("Unsupported compression_type %r: use '', 'GZIP' or 'ZLIB'."
                                   % compression_type)
