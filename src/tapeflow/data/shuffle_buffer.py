"""TF's shuffle buffer, computed over indices in blocks instead of one element at a time.

TF keeps a buffer of ``B`` elements; each step tops it up from the input, then emits a
uniformly chosen buffered element. Which slot an element sits in does not matter for the
distribution (the pick is uniform over the buffer), so give the buffer ``B`` fixed slots:
step ``t`` draws a slot ``J[t]``, emits what that slot holds and refills it with input
``x[t]``. What slot ``j`` holds at step ``t`` is the input stored at the previous step that
drew ``j`` — or its content at the start of the block if none did. A stable sort of ``J``
puts each slot's steps next to each other, so a whole block of steps is a few vectorised
NumPy calls (a radix sort when ``B`` fits in 16 bits). When the input ends, the buffer
drains in a uniformly random order, as TF's repeated uniform picks would.

Consequences, as in TF: ``B >= N`` gives a uniform permutation; ``B == 1`` keeps the order;
element ``i`` can come out at most ``B - 1`` positions early but arbitrarily late.
"""
import numpy as np

from .plan import as_array

_MAX_BLOCK = 1 << 17  # steps per vectorised block: bounds latency on huge or endless inputs


def _steady_block(buf, x, rng):
    """Runs ``len(x)`` full-buffer steps; updates ``buf`` in place and returns the output."""
    k = len(x)
    b = len(buf)
    slots = rng.integers(0, b, k)
    sort_keys = slots.astype(np.uint16) if b <= 1 << 16 else slots
    order = np.argsort(sort_keys, kind="stable")
    sorted_slots = slots[order]
    first = np.empty(k, dtype=bool)
    first[0] = True
    np.not_equal(sorted_slots[1:], sorted_slots[:-1], out=first[1:])
    emitted = np.empty(k, dtype=buf.dtype)
    emitted[1:] = x[order[:-1]]  # the input stored at the slot's previous step ...
    emitted[first] = buf[sorted_slots[first]]  # ... or the block's starting content
    out = np.empty(k, dtype=buf.dtype)
    out[order] = emitted
    last = np.empty(k, dtype=bool)
    last[-1] = True
    last[:-1] = first[1:]
    buf[sorted_slots[last]] = x[order[last]]
    return out


def shuffle_index_chunks(chunks, buffer_size, rng):
    """TF's buffer shuffle over a stream of index chunks; yields shuffled index chunks."""
    it = iter(chunks)
    filled, n_filled, rest = [], 0, None
    for chunk in it:
        need = buffer_size - n_filled
        filled.append(as_array(chunk[:need]))
        n_filled += min(need, len(chunk))
        if len(chunk) > need:
            rest = as_array(chunk[need:])
            break
    if not n_filled:
        return
    buf = np.concatenate(filled).astype(np.int64, copy=False)
    if rest is not None:
        for x in _blocks(rest, it):
            yield _steady_block(buf, x, rng)
    yield buf[rng.permutation(len(buf))]


def _blocks(first, it):
    for chunk in _chain(first, it):
        chunk = as_array(chunk)
        for s in range(0, len(chunk), _MAX_BLOCK):
            yield chunk[s:s + _MAX_BLOCK]


def _chain(first, it):
    yield first
    yield from it


def shuffle_elements(elements, buffer_size, rng):
    """The same algorithm over arbitrary elements (generators, mapped data)."""
    it = iter(elements)
    buf = []
    for e in it:
        buf.append(e)
        if len(buf) == buffer_size:
            break
    if len(buf) == buffer_size:
        slots = ()
        pos = 0
        for e in it:
            if pos == len(slots):
                slots, pos = rng.integers(0, buffer_size, 1024).tolist(), 0
            j = slots[pos]
            pos += 1
            yield buf[j]
            buf[j] = e
    for j in rng.permutation(len(buf)).tolist():
        yield buf[j]
