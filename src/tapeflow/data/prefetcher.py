"""Runs an iterator in a background thread, a bounded queue ahead of its consumer."""
import queue
import threading
import weakref

_ITEM, _END, _ERROR = 0, 1, 2
_POLL_S = 0.05  # how often a blocked producer checks whether the consumer went away


def background(source, buffer_size, start_now=False):
    """Yields ``source``'s items, produced by a daemon thread up to ``buffer_size`` ahead.

    The thread starts on the first ``next()`` (or at once with ``start_now``). An
    exception in the producer is re-raised here with its original traceback. When the
    consumer stops early (``break``, garbage collection) the producer stops too.
    """
    items = queue.Queue(buffer_size)
    stop = threading.Event()
    thread = threading.Thread(target=_produce, args=(source, items, stop), daemon=True,
                              name="tapeflow-prefetch")
    consumer = _consume(thread, items, stop)
    weakref.finalize(consumer, stop.set)  # also when it is dropped before its first next()
    if start_now:
        thread.start()
    return consumer


def _consume(thread, items, stop):
    if thread.ident is None:  # not started yet
        thread.start()
    try:
        while True:
            kind, item = items.get()
            if kind == _ITEM:
                yield item
            elif kind == _END:
                return
            else:
                raise item
    finally:
        stop.set()


def _produce(source, items, stop):
    try:
        for item in source:
            if not _put(items, stop, (_ITEM, item)):
                return
        _put(items, stop, (_END, None))
    except BaseException as e:  # handed to the consumer, which re-raises it
        _put(items, stop, (_ERROR, e))


def _put(items, stop, entry):
    while not stop.is_set():
        try:
            items.put(entry, timeout=_POLL_S)
            return True
        except queue.Full:
            pass
    return False
