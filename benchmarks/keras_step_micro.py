"""Micro-benchmarks of the per-step Keras pieces a custom training loop calls.

Prints the median time (µs) of: SGD and Adam ``apply_gradients`` on the seed model's 4
variables and on the 784-512-512-10 MLP's 6, ``CategoricalCrossentropy(from_logits=True)``
on (64, 10) with a tape recording, and ``CategoricalAccuracy.update_state`` on (64, 10).
usage: PYTHONPATH=src python benchmarks/keras_step_micro.py
"""
import statistics
import time

import numpy as np

import tapeflow as tf


def median_us(fn, repeat=300, warmup=20):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e6 * statistics.median(times)


def variables(shapes, rng):
    return [tf.Variable(rng.standard_normal(s).astype("float32")) for s in shapes]


def main():
    rng = np.random.default_rng(0)
    seed_shapes = [(32, 32), (32,), (32, 10), (10,)]
    mlp_shapes = [(784, 512), (512,), (512, 512), (512,), (512, 10), (10,)]
    for label, shapes in (("seed model (4 vars)", seed_shapes), ("MLP (6 vars)", mlp_shapes)):
        for name, opt in (("SGD", tf.keras.optimizers.SGD(1e-3)),
                          ("Adam", tf.keras.optimizers.Adam(1e-3))):
            vs = variables(shapes, rng)
            grads = [tf.constant(rng.standard_normal(s).astype("float32")) for s in shapes]
            us = median_us(lambda: opt.apply_gradients(zip(grads, vs)))
            print("%-5s apply_gradients, %-20s %9.1f us" % (name, label, us))
        floor_vs = [np.asarray(v).copy() for v in variables(shapes, rng)]
        floor_g = [np.asarray(g) for g in
                   (rng.standard_normal(s).astype("float32") for s in shapes)]
        ms = [np.zeros_like(p) for p in floor_vs]
        vv = [np.zeros_like(p) for p in floor_vs]

        def numpy_adam():
            for p, g, m, v in zip(floor_vs, floor_g, ms, vv):
                m += 0.1 * (g - m)
                v += 0.001 * (g * g - v)
                p -= 1e-3 * m / (np.sqrt(v) + 1e-7)
        print("%-5s hand NumPy (numpy_floor), %-11s %9.1f us" % ("Adam", label,
                                                                median_us(numpy_adam)))

    logits = tf.Variable(rng.standard_normal((64, 10)).astype("float32"))
    labels = tf.constant(rng.random((64, 10)))      # float64, as the seed's dataset yields
    cce = tf.keras.losses.CategoricalCrossentropy(from_logits=True)

    def loss_step():
        with tf.GradientTape() as tape:
            loss = cce(labels, logits)
        return loss

    print("CCE(from_logits) (64,10) under a tape:     %9.1f us" % median_us(loss_step))
    print("CCE(from_logits) (64,10), no tape:         %9.1f us"
          % median_us(lambda: cce(labels, logits)))
    acc = tf.keras.metrics.CategoricalAccuracy()
    preds = tf.constant(rng.standard_normal((64, 10)).astype("float32"))
    print("CategoricalAccuracy.update_state (64,10):  %9.1f us"
          % median_us(lambda: acc.update_state(labels, preds)))


if __name__ == "__main__":
    main()
