"""The one global NumPy random generator behind Keras's unseeded randomness.

Initializers without a ``seed``, Dropout and other stochastic layers draw from
``generator()``; ``tf.keras.utils.set_random_seed(s)`` calls ``reseed(s)`` so that a
whole program becomes reproducible.

>>> from tapeflow.keras import random_state
>>> random_state.reseed(0); a = random_state.generator().random()
>>> random_state.reseed(0); a == random_state.generator().random()
True
"""
from ..backend import np

__all__ = ["generator", "reseed", "make_generator"]

_GENERATOR = np.random.default_rng()


def generator():
    """The process-wide ``numpy.random.Generator`` (replaced by ``reseed``)."""
    return _GENERATOR


def reseed(seed):
    """Replaces the global generator with one seeded by ``seed`` (``None``: fresh entropy)."""
    global _GENERATOR
    _GENERATOR = np.random.default_rng(seed)


def make_generator(seed=None):
    """A generator for one draw: seeded by ``seed`` if given, else the global one."""
    if seed is None:
        return _GENERATOR
    return np.random.default_rng(seed)
