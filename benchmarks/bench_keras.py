"""Keras engine benchmarks: layer-call overhead, the fit loop's per-step cost, digits fit.

usage: python benchmarks/bench_keras.py [--quick]

Prints one JSON line per measurement. Timings are medians of repeats in CPU time of this
process (``time.process_time``), which a busy shared machine disturbs far less than wall
time. What is measured:

* ``layer_call``: the seed model (Dense 32 relu -> Dense 10) called on a float64 batch of
  64, against the same ops written by hand (cast, dense, relu, dense): the difference is
  what the Keras ``Layer.__call__`` machinery costs.
* ``fit_step``: one epoch of ``model.fit`` on the digits MLP (64-256-10, batch 32, Adam),
  per step, against a hand-written GradientTape loop doing the same work on the same
  batches: the difference is the fit loop's overhead (batching, callbacks, metrics, logs).
* ``digits_fit``: the ``examples/fit_digits.py`` configuration, seconds and test accuracy.
* ``seed_loop``: the issue's workload via ``../shared/bench/tfstyle.py`` when present.
"""
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import numpy as np  # noqa: E402

import tapeflow as tf  # noqa: E402
from tapeflow.ops.math import cast  # noqa: E402
from tapeflow.ops.nn import dense, relu  # noqa: E402

CLOCK = time.process_time


def emit(name, **values):
    print(json.dumps({"workload": name, **values}), flush=True)


def median_us(fn, number, repeats):
    times = []
    for _ in range(repeats):
        t = CLOCK()
        for _ in range(number):
            fn()
        times.append((CLOCK() - t) / number * 1e6)
    return statistics.median(times)


class SeedModel(tf.keras.Model):
    def __init__(self):
        super().__init__(name="my_model")
        self.dense_1 = tf.keras.layers.Dense(32, activation="relu")
        self.dense_2 = tf.keras.layers.Dense(10)

    def call(self, inputs):
        return self.dense_2(self.dense_1(inputs))


def layer_call(quick):
    model = SeedModel()
    x = tf.constant(np.random.default_rng(0).random((64, 32)))
    model(x)
    k1, b1, k2, b2 = model.trainable_variables

    def by_hand():
        return dense(relu(dense(cast(x, "float32"), k1, b1)), k2, b2)
    n, r = (200, 3) if quick else (2000, 7)
    keras_us = median_us(lambda: model(x, training=True), n, r)
    raw_us = median_us(by_hand, n, r)
    emit("layer_call", keras_us=round(keras_us, 2), raw_ops_us=round(raw_us, 2),
         overhead_us_per_layer_call=round((keras_us - raw_us) / 3, 2))


def _digits():
    (x, y), (xt, yt) = tf.keras.datasets.digits.load_data()
    return ((x.reshape(len(x), -1) / 16.0).astype("float32"), y,
            (xt.reshape(len(xt), -1) / 16.0).astype("float32"), yt)


def _mlp():
    return tf.keras.Sequential([tf.keras.Input((64,)),
                                tf.keras.layers.Dense(256, activation="relu"),
                                tf.keras.layers.Dense(10)])


def fit_step(quick):
    x, y, _, _ = _digits()
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = _mlp()
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=loss, metrics=["accuracy"])
    steps = int(np.ceil(len(x) / 32))
    repeats = 3 if quick else 9
    fit_times = []
    for _ in range(repeats):
        t = CLOCK()
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        fit_times.append((CLOCK() - t) / steps * 1e6)

    hand = _mlp()
    opt = tf.keras.optimizers.Adam(1e-3)
    acc = tf.keras.metrics.SparseCategoricalAccuracy()
    rng = np.random.default_rng(0)

    def epoch():
        order = rng.permutation(len(x))
        for i in range(0, len(x), 32):
            idx = order[i:i + 32]
            xb, yb = tf.constant(x[idx]), tf.constant(y[idx])
            with tf.GradientTape() as tape:
                logits = hand(xb, training=True)
                value = loss(yb, logits)
            grads = tape.gradient(value, hand.trainable_weights)
            opt.apply_gradients(zip(grads, hand.trainable_weights))
            acc.update_state(yb, logits)
        acc.reset_state()
    loop_times = []
    for _ in range(repeats):
        t = CLOCK()
        epoch()
        loop_times.append((CLOCK() - t) / steps * 1e6)
    fit_us, loop_us = statistics.median(fit_times), statistics.median(loop_times)
    emit("fit_step", fit_us=round(fit_us, 1), custom_loop_us=round(loop_us, 1),
         fit_overhead_us=round(fit_us - loop_us, 1))


def digits_fit(quick):
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    import fit_digits
    t = time.perf_counter()
    accuracy = fit_digits.main(epochs=5 if quick else 40, verbose=0)
    emit("digits_fit", wall_s=round(time.perf_counter() - t, 2),
         test_accuracy=round(float(accuracy), 4))


def seed_loop(quick):
    path = os.path.join(ROOT, "..", "shared", "bench")
    if not os.path.exists(os.path.join(path, "tfstyle.py")):
        return
    import importlib.util
    for module in ("tfstyle", "numpy_floor"):
        spec = importlib.util.spec_from_file_location(module, os.path.join(path, module + ".py"))
        mod = importlib.util.module_from_spec(spec)
        sys.argv = [module]
        spec.loader.exec_module(mod)
        mod.seed_loop(epochs=4 if quick else 12)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for bench in (layer_call, fit_step, digits_fit, seed_loop):
        bench(quick)
