"""Seeds for ``shuffle``/``list_files``: an op seed combined with ``tf.random.set_seed``.

TF's rule (``tf.random.get_seed``): with neither seed set the order is nondeterministic;
with either set it is reproducible. Under a global seed, each shuffle made without its
own seed takes the next op seed from the global stream, so two such shuffles differ from
each other but repeat from run to run. A dataset keeps one seed sequence and hands each
new iterator (epoch) the next generator from it, so epoch *k* of a seeded pipeline is the
same in every run, and ``reshuffle_each_iteration=False`` reuses the first one.
"""
import itertools

import numpy as np

from .. import dtypes as _dtypes
from ..ops import random as _random_ops


def _seed_pair(op_seed):
    global_seed, op_seed = _random_ops.get_seed(None if op_seed is None else int(op_seed))
    if global_seed is None:
        return None
    if op_seed is None:
        op_seed = int(_random_ops.uniform((), 0, 2**31 - 1, dtype=_dtypes.int64))
    return [int(global_seed) % 2**63, int(op_seed) % 2**63]


class EpochRngs:
    """Hands out one NumPy ``Generator`` per iteration (epoch) of a dataset."""

    def __init__(self, seed, reshuffle_each_iteration=True):
        pair = _seed_pair(seed)
        self._key = pair if pair is not None else [int(np.random.SeedSequence().entropy % 2**63)]
        self._reshuffle = reshuffle_each_iteration
        self._epochs = itertools.count()

    def next(self):
        epoch = next(self._epochs) if self._reshuffle else 0
        return np.random.Generator(np.random.PCG64(self._key + [epoch]))
