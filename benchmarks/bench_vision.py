"""Vision and sequence workloads against hand-written NumPy for the same work.

* ``cnn``: the ``cnn`` workload of ../shared/bench/tfstyle.py (Conv2D 32 → pool → Conv2D 64
  → pool → Dense, batch 64, Adam, one training step) through ``tf.keras``.
* ``lstm``: an LSTM(64) over 50 steps of 32 features, batch 32, forward + backward to every
  weight.

Each NumPy reference is written the plain way (im2col + BLAS, a per-step LSTM loop with
BPTT). The two sides run alternately, step by step, so load on this shared machine hits
both alike; the medians and their ratio are printed as one JSON line per workload.
``--cpu-time`` measures process CPU time instead of wall time: on a busy machine (and
with ``OPENBLAS_NUM_THREADS=1``) that is the steadier measure of the work each side does.

usage: PYTHONPATH=src python benchmarks/bench_vision.py [--cpu-time] [cnn] [lstm]
"""
import json
import statistics
import sys
import time

import numpy as np

import tapeflow as tf


def _median_ms(times):
    return 1e3 * statistics.median(times)


CLOCK = [time.perf_counter]


def _alternate(framework_step, numpy_step, steps, warmup):
    clock = CLOCK[0]
    ours, theirs = [], []
    for i in range(steps + warmup):
        t = clock()
        framework_step()
        a = clock()
        numpy_step()
        b = clock()
        if i >= warmup:
            ours.append(a - t)
            theirs.append(b - a)
    return _median_ms(ours), _median_ms(theirs)


# -- CNN -----------------------------------------------------------------------------------
def _tapeflow_cnn(x, y):
    layers = tf.keras.layers
    model = tf.keras.Sequential([layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(),
                                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
                                 layers.Flatten(), layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x, y = tf.constant(x), tf.constant(y)

    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return float(loss)
    return step


class _NumpyCNN:
    """Conv(32,3)+relu, 2×2 max pool, Conv(64,3)+relu, pool, dense(10), Adam — by hand."""

    def __init__(self, rng):
        def glorot(fan_in, fan_out, shape):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, shape).astype(np.float32)
        self.params = [glorot(9, 288, (9, 32)), np.zeros(32, np.float32),
                       glorot(288, 576, (288, 64)), np.zeros(64, np.float32),
                       glorot(1600, 10, (1600, 10)), np.zeros(10, np.float32)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    @staticmethod
    def patches(x):
        view = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(1, 2))
        n, ho, wo = view.shape[:3]
        return np.ascontiguousarray(view.transpose(0, 1, 2, 4, 5, 3)).reshape(n * ho * wo, -1)

    @staticmethod
    def pool(a):
        n, h, w, c = a.shape
        blocks = a.reshape(n, h // 2, 2, w // 2, 2, c)
        out = blocks.max(axis=(2, 4))
        return out, blocks == out[:, :, None, :, None, :]

    @staticmethod
    def unpool(g, mask):
        return (mask * g[:, :, None, :, None, :]).reshape(mask.shape[0], mask.shape[1] * 2,
                                                          mask.shape[3] * 2, mask.shape[5])

    def step(self, x, labels):
        k1, b1, k2, b2, w, b = self.params
        n = x.shape[0]
        p1 = self.patches(x)
        a1 = np.maximum(p1 @ k1 + b1, 0).reshape(n, 26, 26, 32)
        m1, mask1 = self.pool(a1)
        p2 = self.patches(m1)
        a2 = np.maximum(p2 @ k2 + b2, 0).reshape(n, 11, 11, 64)
        m2, mask2 = self.pool(a2[:, :10, :10])
        flat = m2.reshape(n, -1)
        z = flat @ w + b
        z -= z.max(1, keepdims=True)
        e = np.exp(z)
        probs = e / e.sum(1, keepdims=True)
        loss = -np.log(probs[np.arange(n), labels]).mean()
        dz = probs
        dz[np.arange(n), labels] -= 1.0
        dz /= n
        da2 = np.zeros_like(a2)
        da2[:, :10, :10] = self.unpool((dz @ w.T).reshape(m2.shape), mask2)
        da2 *= a2 > 0
        d2 = da2.reshape(-1, 64)
        dp2 = (d2 @ k2.T).reshape(n, 11, 11, 3, 3, 32)
        dm1 = np.zeros_like(m1)
        for i in range(3):
            for j in range(3):
                dm1[:, i:i + 11, j:j + 11] += dp2[:, :, :, i, j]
        da1 = self.unpool(dm1, mask1) * (a1 > 0)
        d1 = da1.reshape(-1, 32)
        grads = [p1.T @ d1, d1.sum(0), p2.T @ d2, d2.sum(0), flat.T @ dz, dz.sum(0)]
        self.adam(grads)
        return float(loss)

    def adam(self, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
        self.t += 1
        rate = lr * (1 - b2 ** self.t) ** 0.5 / (1 - b1 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
            p -= rate * m / (np.sqrt(v) + eps)


def cnn(steps=30, batch=64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, batch).astype(np.int64)
    reference = _NumpyCNN(rng)
    ours, theirs = _alternate(_tapeflow_cnn(x, y), lambda: reference.step(x, y), steps, 3)
    print(json.dumps({"fw": "tapeflow", "workload": "cnn", "clock": CLOCK[0].__name__,
                      "step_ms_median": ours,
                      "numpy_step_ms_median": theirs, "ratio": ours / theirs}), flush=True)


# -- LSTM ----------------------------------------------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def numpy_lstm_step(x, kernel, recurrent, bias):
    """Forward over all steps, then BPTT, for ``loss = Σ h_T``: the plain way, per step."""
    n, steps, _ = x.shape
    units = recurrent.shape[0]
    h, c = np.zeros((n, units), np.float32), np.zeros((n, units), np.float32)
    cache = []
    for t in range(steps):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f = _sigmoid(z[:, :units]), _sigmoid(z[:, units:2 * units])
        g, o = np.tanh(z[:, 2 * units:3 * units]), _sigmoid(z[:, 3 * units:])
        c_prev, h_prev = c, h
        c = f * c + i * g
        tc = np.tanh(c)
        h = o * tc
        cache.append((h_prev, c_prev, i, f, g, o, tc))
    dkernel, drecurrent = np.zeros_like(kernel), np.zeros_like(recurrent)
    dbias = np.zeros_like(bias)
    dh, dc = np.ones_like(h), np.zeros_like(c)
    for t in range(steps - 1, -1, -1):
        h_prev, c_prev, i, f, g, o, tc = cache[t]
        dc = dc + dh * o * (1 - tc * tc)
        dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                             dc * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
        dkernel += x[:, t].T @ dz
        drecurrent += h_prev.T @ dz
        dbias += dz.sum(0)
        dh = dz @ recurrent.T
        dc = dc * f
    return dkernel, drecurrent, dbias


def lstm(steps=30, batch=32, timesteps=50, features=32, units=64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, timesteps, features)).astype(np.float32)
    layer = tf.keras.layers.LSTM(units)
    xt = tf.constant(x)
    layer(xt)
    kernel, recurrent, bias = (w.numpy() for w in layer.weights)

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(xt, training=True))
        return tape.gradient(loss, layer.trainable_weights)

    ours_grads = [g.numpy() for g in step()]
    theirs_grads = numpy_lstm_step(x, kernel, recurrent, bias)
    error = max(float(np.abs(a - b).max()) for a, b in zip(ours_grads, theirs_grads))
    ours, theirs = _alternate(step, lambda: numpy_lstm_step(x, kernel, recurrent, bias), steps, 3)
    print(json.dumps({"fw": "tapeflow", "workload": "lstm64_50x32", "clock": CLOCK[0].__name__,
                      "step_ms_median": ours,
                      "numpy_step_ms_median": theirs, "ratio": ours / theirs,
                      "max_grad_difference": error}), flush=True)


WORKLOADS = {"cnn": cnn, "lstm": lstm}

if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if a != "--cpu-time"]
    if "--cpu-time" in sys.argv[1:]:
        CLOCK[0] = time.process_time
    for name in names or list(WORKLOADS):
        WORKLOADS[name]()
