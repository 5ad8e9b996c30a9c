"""A non-persistent tape holds nothing once gradient() returns (weakrefs to what it recorded die)."""
import gc
import weakref

import numpy as np

import tapeflow as tf


def _chain(x, n, refs):
    y = x
    for i in range(n):
        y = tf.sin(y) * 1.001 if i % 2 else y + 0.5
        refs.append(weakref.ref(y))
    return y


def test_non_persistent_tape_over_1000_ops_frees_everything_after_gradient():
    x = tf.constant(np.linspace(0.0, 1.0, 64, dtype=np.float32))
    refs = []
    with tf.GradientTape() as g:
        g.watch(x)
        y = tf.reduce_sum(_chain(x, 1000, refs))
    grad = g.gradient(y, x)
    del y
    assert grad.shape == (64,)
    # no gc.collect(): freeing must not depend on the cycle collector
    alive = sum(r() is not None for r in refs)
    assert alive == 0, "%d of 1000 intermediate tensors still alive" % alive


def test_persistent_tape_keeps_records_until_deleted():
    x = tf.constant([1.0, 2.0])
    refs = []
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = tf.reduce_sum(_chain(x, 100, refs))
    g.gradient(y, x)
    del y
    assert sum(r() is not None for r in refs) == 100
    del g
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_gradient_ops_recorded_by_outer_tape_are_freed_with_it():
    x = tf.constant(0.5)
    refs = []
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = _chain(x, 200, refs)
        dy = inner.gradient(y, x)
    d2 = outer.gradient(dy, x)
    del y, dy
    assert np.isfinite(float(d2))
    assert sum(r() is not None for r in refs) == 0
