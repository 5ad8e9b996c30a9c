"""The array reuse behind convolution and pooling buffers: reuse only what nothing holds."""
import numpy as np

import tapeflow as tf
from tapeflow.ops import _buffers

SHAPE = (64, 64, 16)  # 256 KiB of float32: large enough to be kept


def test_a_released_array_is_handed_back():
    first = _buffers.empty(SHAPE, np.float32)
    address = first.ctypes.data
    del first
    again = _buffers.empty(SHAPE, np.float32)
    assert again.ctypes.data == address and again.shape == SHAPE and again.dtype == np.float32


def test_a_held_array_or_a_view_of_it_is_never_handed_back():
    held = _buffers.empty(SHAPE, np.float32)
    view = _buffers.empty(SHAPE, np.float32)[1:]
    others = [_buffers.empty(SHAPE, np.float32) for _ in range(3)]
    addresses = {held.ctypes.data, view.base.ctypes.data if view.base is not None else 0}
    assert not addresses & {a.ctypes.data for a in others}
    held[...] = 1.0
    del others
    assert np.all(held == 1.0)


def test_a_tensor_keeps_its_array_out_of_reuse():
    array = _buffers.empty(SHAPE, np.float32)
    array.fill(2.0)
    t = tf.constant(0.0)
    t._value = array  # what a primitive's forward hands to the engine
    del array
    scratch = _buffers.empty(SHAPE, np.float32)
    scratch.fill(-1.0)
    assert np.all(t._value == 2.0)


def test_zeros_clears_a_reused_array():
    dirty = _buffers.empty(SHAPE, np.float32)
    dirty.fill(7.0)
    del dirty
    assert not _buffers.zeros(SHAPE, np.float32).any()


def test_small_arrays_are_not_kept():
    _buffers.empty((3, 4), np.float64)
    assert ((3, 4), np.dtype(np.float64)) not in _buffers._kept


def test_the_bytes_kept_stay_under_the_cap(monkeypatch):
    monkeypatch.setattr(_buffers, "_MAX_BYTES", 3 * 64 * 64 * 16 * 4)
    for rows in range(64, 72):
        _buffers.empty((rows, 64, 16), np.float32)
    assert _buffers._kept_bytes[0] <= _buffers._MAX_BYTES
    assert _buffers._kept_bytes[0] == sum(a.nbytes for arrays in _buffers._kept.values()
                                          for a in arrays)


def test_results_held_from_one_step_survive_the_next():
    from tapeflow.ops.conv import conv2d_bias_activation
    rng = np.random.default_rng(0)
    w = tf.Variable(rng.standard_normal((3, 3, 2, 8)).astype(np.float32))
    b = tf.Variable(np.zeros(8, np.float32))

    def step(x):
        with tf.GradientTape() as tape:
            y = tf.nn.max_pool2d(conv2d_bias_activation(x, w, b, 1, "SAME", activation="relu"),
                                 2, 2, "VALID")
            loss = tf.reduce_sum(y * y)
        return [y] + tape.gradient(loss, [w, b])

    first = step(tf.constant(rng.standard_normal((16, 31, 31, 2)).astype(np.float32)))
    saved = [t.numpy().copy() for t in first]
    step(tf.constant(rng.standard_normal((16, 31, 31, 2)).astype(np.float32)))
    for t, s in zip(first, saved):
        np.testing.assert_array_equal(t.numpy(), s)
