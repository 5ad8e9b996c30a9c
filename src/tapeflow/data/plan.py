"""The columnar fast path: in-memory datasets as index streams over fixed columns.

A ``from_tensor_slices`` dataset is a list of columns (arrays sharing their first
dimension) plus a stream of row indices. ``shuffle``, ``repeat``, ``take``, ``skip``,
``shard`` and ``cache`` transform only the index stream, as chunks of ints; ``batch``
turns it into row-index batches and gathers each column once per group of batches
(``np.take``), so a whole epoch costs a few NumPy calls, not a Python loop per row.
A chunk is a ``range`` (contiguous rows: sliced as zero-copy views) or an int64 ndarray.
"""
import numpy as np

from ..tensor import _wrap
from .structure import leaf_tensor, make_packer, map_leaves, pack

# Rows gathered per ``np.take`` call: large enough to amortise call overhead, small enough
# to stay in cache; batches are then views into the gathered block.
_GATHER_BYTES = 1 << 20


class IndexPlan:
    """Columns plus a function that yields one pass's index chunks.

    ``rows`` is set (to the number of rows) while the pass is every row in order, which
    lets ``zip`` of such sources stay columnar.
    """

    __slots__ = ("columns", "template", "chunks", "rows")

    def __init__(self, columns, template, chunks, rows=None):
        self.columns = columns
        self.template = template
        self.chunks = chunks
        self.rows = rows

    def with_chunks(self, chunks):
        return IndexPlan(self.columns, self.template, chunks)


def in_order(columns, template):
    """The plan of a source: all rows, in order."""
    n = len(columns[0])
    return IndexPlan(columns, template, lambda: iter((range(n),)), rows=n)


def zipped(structure, plans):
    """One plan for ``zip`` of in-order plans: their columns side by side."""
    columns, templates = [], []
    for plan in plans:
        offset = len(columns)
        columns.extend(plan.columns)
        templates.append(_shift(plan.template, offset))
    n = min(plan.rows for plan in plans)
    return IndexPlan([c[:n] for c in columns], pack(structure, templates),
                     lambda: iter((range(n),)), rows=n)


def _shift(template, offset):
    return map_leaves(lambda i: i + offset, template)


def as_array(chunk):
    return np.arange(chunk.start, chunk.stop, chunk.step) if type(chunk) is range else chunk


def _gather(columns, chunk):
    if type(chunk) is range:
        return [c[chunk.start:chunk.stop:chunk.step] for c in columns]
    idx = as_array(chunk)
    return [c.take(idx, axis=0) for c in columns]


def _row_bytes(columns):
    return max(1, sum(c.itemsize * (c.size // max(1, len(c))) for c in columns))


def tensor_packer(plan):
    """``leaves -> structure of Tensors`` for this plan's rows (wrapping each leaf)."""
    packer = make_packer(plan.template)
    if any(c.dtype == object for c in plan.columns):
        return lambda leaves: packer([leaf_tensor(v) for v in leaves])
    if packer is tuple:
        return lambda leaves: tuple(map(_wrap, leaves))
    return lambda leaves: packer(list(map(_wrap, leaves)))


def iter_rows(plan, packer):
    """One element per index: gather a block of rows, then iterate its row views."""
    columns = plan.columns
    block = max(64, _GATHER_BYTES // _row_bytes(columns))
    single = len(columns) == 1
    for chunk in plan.chunks():
        for start in range(0, len(chunk), block):
            gathered = _gather(columns, chunk[start:start + block])
            if single:
                for row in gathered[0]:
                    yield packer((row,))
            else:
                for leaves in zip(*gathered):
                    yield packer(leaves)


def batch_chunks(chunks, batch_size, drop_remainder):
    """Regroups an index-chunk stream into chunks of exactly ``batch_size`` (last may be short).

    Yields ``(chunk, n_batches)``: a chunk holding ``n_batches`` whole batches, or a short
    final one with ``n_batches == 0``. Batches cross chunk boundaries (``repeat().batch()``).
    """
    pending, pending_n = [], 0
    for chunk in chunks:
        n = len(chunk)
        start = 0
        if pending_n:
            need = batch_size - pending_n
            pending.append(as_array(chunk[:need]))
            pending_n += min(need, n)
            start = min(need, n)
            if pending_n < batch_size:
                continue
            yield np.concatenate(pending), 1
            pending, pending_n = [], 0
        whole = (n - start) // batch_size
        if whole:
            yield chunk[start:start + whole * batch_size], whole
        rest = chunk[start + whole * batch_size:]
        if len(rest):
            pending, pending_n = [as_array(rest)], len(rest)
    if pending_n and not drop_remainder:
        yield np.concatenate(pending), 0


def iter_batches(plan, batch_size, drop_remainder):
    """Yields each batch as a list of column arrays (views into gathered blocks)."""
    columns = plan.columns
    group = max(1, _GATHER_BYTES // (_row_bytes(columns) * batch_size)) * batch_size
    for chunk, n_batches in batch_chunks(plan.chunks(), batch_size, drop_remainder):
        if n_batches == 0:
            yield _gather(columns, chunk)
            continue
        if type(chunk) is range:  # contiguous or strided rows: zero-copy views
            for s in range(0, len(chunk), batch_size):
                yield _gather(columns, chunk[s:s + batch_size])
            continue
        for g in range(0, len(chunk), group):
            block = _gather(columns, chunk[g:g + group])
            rows = len(block[0])
            for s in range(0, rows, batch_size):
                yield [b[s:s + batch_size] for b in block]
