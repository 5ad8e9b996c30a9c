"""``tf.data.experimental.make_csv_dataset``: CSV files as batches of column dicts.

The files are parsed once, when the dataset is made, into one array per column; the
batches then come from the columnar fast path (shuffle and batch by index arrays).
"""
import collections
import csv
import glob
import gzip
import io

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from .sources import TensorSliceDataset


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",",
                     use_quote_delim=True, na_value="", header=True, num_epochs=None,
                     shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8"):
    """Reads CSV files into batches of ``(features, label)`` (or ``features``) like TF.

    Column types are inferred from the first ``num_rows_for_inference`` rows (int32,
    int64, float32, else string) unless ``column_defaults`` gives them. ``features`` is an
    ``OrderedDict`` of column name -> batch. As in TF, ``num_epochs=None`` repeats forever
    (and drops the last partial batch), and rows are shuffled with a 10,000-row buffer.

    >>> import tapeflow as tf, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(path, "w").write("a,b,y\\n1,2.5,0\\n3,4.5,1\\n")
    >>> ds = tf.data.experimental.make_csv_dataset(path, 2, label_name="y", num_epochs=1,
    ...                                            shuffle=False)
    >>> features, label = next(iter(ds))
    >>> features["a"].numpy().tolist(), features["b"].dtype, label.numpy().tolist()
    ([1, 3], tf.float32, [0, 1])
    """
    paths = sorted({p for pattern in _patterns(file_pattern) for p in glob.glob(pattern)})
    if not paths:
        raise InvalidArgumentError("make_csv_dataset: no files matched %r." % (file_pattern,))
    rows, names = [], column_names
    for path in paths:
        file_rows = _read_rows(path, field_delim, use_quote_delim, encoding, compression_type)
        if header:
            if not file_rows:
                raise ValueError("make_csv_dataset: %s is empty but header=True." % path)
            file_header, file_rows = file_rows[0], file_rows[1:]
            names = names or file_header
        rows.extend(file_rows)
    if names is None:
        raise ValueError("make_csv_dataset: pass `column_names` when the files have no header.")
    names = list(names)
    keep = _selected(names, select_columns)
    if label_name is not None and label_name not in [names[i] for i in keep]:
        raise ValueError("`label_name` provided must be one of the columns: %s." % names)
    columns = _parse_columns(rows, names, keep, column_defaults, na_value,
                             num_rows_for_inference, ignore_errors)
    features = collections.OrderedDict((names[i], columns[i]) for i in keep)
    if label_name is None:
        ds = TensorSliceDataset(features)
    else:
        label = features.pop(label_name)
        ds = TensorSliceDataset((features, label))
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    ds = ds.batch(batch_size, drop_remainder=num_epochs is None)
    return ds.prefetch(prefetch_buffer_size) if prefetch_buffer_size else ds


def _patterns(file_pattern):
    if isinstance(file_pattern, (list, tuple)):
        return [str(p) for p in file_pattern]
    return [str(file_pattern)]


def _read_rows(path, delim, use_quote_delim, encoding, compression_type):
    if (compression_type or "").upper() == "GZIP":
        with gzip.open(path, "rb") as f:
            text = f.read().decode(encoding)
    else:
        with open(path, "r", encoding=encoding, newline="") as f:
            text = f.read()
    quoting = csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE
    return [row for row in csv.reader(io.StringIO(text), delimiter=delim, quoting=quoting) if row]


def _selected(names, select_columns):
    if select_columns is None:
        return list(range(len(names)))
    keep = []
    for c in select_columns:
        if isinstance(c, int):
            keep.append(c)
        elif c in names:
            keep.append(names.index(c))
        else:
            raise ValueError("make_csv_dataset: select_columns %r is not one of the columns %s."
                             % (c, names))
    return sorted(keep)


def _parse_columns(rows, names, keep, defaults, na_value, n_infer, ignore_errors):
    width = len(names)
    if ignore_errors:
        rows = [r for r in rows if len(r) == width]
    for line, row in enumerate(rows):
        if len(row) != width:
            raise InvalidArgumentError("make_csv_dataset: row %d has %d fields, expected %d "
                                       "(columns %s)." % (line + 1, len(row), width, names))
    columns = {}
    for i in keep:
        raw = [row[i] for row in rows]
        default = None if defaults is None else defaults[i]
        dtype = _column_dtype(raw[:n_infer], default, na_value)
        columns[i] = _convert(raw, dtype, default, na_value, names[i])
    return columns


def _column_dtype(sample, default, na_value):
    if default is not None:
        if isinstance(default, _dtypes.DType):
            return default
        value = default[0] if isinstance(default, (list, tuple)) and default else default
        if isinstance(value, str) or isinstance(value, bytes):
            return _dtypes.string
        return _dtypes.float32 if isinstance(value, float) else _dtypes.int32
    values = [v for v in sample if v != na_value]
    for dtype, parse in ((_dtypes.int32, int), (_dtypes.float32, float)):
        try:
            parsed = [parse(v) for v in values]
        except ValueError:
            continue
        if dtype is _dtypes.int32 and parsed and max(abs(p) for p in parsed) >= 2**31:
            return _dtypes.int64
        return dtype
    return _dtypes.string


def _convert(raw, dtype, default, na_value, name):
    if dtype is _dtypes.string:
        fill = _default_value(default, b"")
        column = np.empty(len(raw), dtype=object)
        column[:] = [fill if v == na_value else v.encode("utf-8") for v in raw]
        return column
    fill = _default_value(default, 0)
    parse = float if dtype.is_floating else int
    try:
        return np.array([fill if v == na_value else parse(v) for v in raw], dtype=dtype.np_dtype)
    except ValueError as e:
        raise InvalidArgumentError("make_csv_dataset: column %r holds a value that is not %s: "
                                   "%s" % (name, dtype.name, e)) from None


def _default_value(default, fallback):
    if isinstance(default, (list, tuple)):
        default = default[0] if default else None
    if default is None or isinstance(default, _dtypes.DType):
        return fallback
    return default.encode("utf-8") if isinstance(default, str) else default
