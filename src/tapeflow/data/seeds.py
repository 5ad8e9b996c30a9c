"""Seeds for ``shuffle``/``list_files``: an op seed combined with ``tf.random.set_seed``.

TF's rule (``random_seed.get_seed``): with neither seed set the order is nondeterministic;
with either set it is reproducible. A dataset keeps one seed sequence and hands each new
iterator (epoch) the next generator from it, so epoch *k* of a seeded pipeline is the same
in every run, and ``reshuffle_each_iteration=False`` reuses the first one.
"""
import itertools

import numpy as np

_DEFAULT_GLOBAL_SEED = 87654321  # TF's DEFAULT_GRAPH_SEED, used when only the op seed is set
_op_counter = [None, 0]  # [global seed it counts under, ops seeded so far]


def _random_module():
    try:
        from ..ops import random as random_ops
    except ImportError:
        return None
    return random_ops


def get_seed(op_seed):
    """``(global_seed, op_seed)`` as TF combines them; ``(None, None)`` = nondeterministic."""
    random_ops = _random_module()
    engine_get_seed = getattr(random_ops, "get_seed", None)
    if engine_get_seed is not None:
        return engine_get_seed(op_seed)
    global_seed = getattr(random_ops, "_global_seed", None)
    if global_seed is None:
        return (None, None) if op_seed is None else (_DEFAULT_GLOBAL_SEED, int(op_seed))
    if op_seed is None:  # distinct, reproducible op seeds for successive ops under one global seed
        if _op_counter[0] != global_seed:
            _op_counter[:] = [global_seed, 0]
        _op_counter[1] += 1
        op_seed = _op_counter[1]
    return int(global_seed), int(op_seed)


class EpochRngs:
    """Hands out one NumPy ``Generator`` per iteration (epoch) of a dataset."""

    def __init__(self, seed, reshuffle_each_iteration=True):
        global_seed, op_seed = get_seed(seed)
        if global_seed is None and op_seed is None:
            self._key = [int(np.random.SeedSequence().entropy % 2**63)]
        else:
            self._key = [int(global_seed) % 2**63, int(op_seed or 0) % 2**63]
        self._reshuffle = reshuffle_each_iteration
        self._epochs = itertools.count()

    def next(self):
        epoch = next(self._epochs) if self._reshuffle else 0
        return np.random.Generator(np.random.PCG64(self._key + [epoch]))
