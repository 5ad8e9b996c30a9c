"""tf.data throughput: the seed pipeline, big shuffles vs NumPy, parallel map, prefetch.

usage: PYTHONPATH=src python benchmarks/bench_data.py [case ...]
Prints one JSON line per case with medians (milliseconds). Cases alternate with their
baseline inside one process, so a busy machine slows both alike.
"""
import json
import statistics
import sys
import time

import numpy as np

import tapeflow as tf


def emit(name, **values):
    print(json.dumps({"workload": name, **{k: round(v, 4) if isinstance(v, float) else v
                                           for k, v in values.items()}}), flush=True)


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def drain(ds):
    for _ in ds:
        pass


def seed_pipeline(repeats=500):
    """The seed's pipeline: 1,000 rows, shuffle(1024), batch(64); one epoch of iteration."""
    rng = np.random.default_rng(0)
    ds = tf.data.Dataset.from_tensor_slices((rng.random((1000, 32)), rng.random((1000, 10))))
    ds = ds.shuffle(buffer_size=1024).batch(64)
    drain(ds)
    emit("seed_pipeline_epoch", median_ms=median_ms(lambda: drain(ds), repeats), target_ms=0.3)


def big_shuffle(repeats=15, n=100_000, batch=64):
    """100,000 x 32 float32 rows (+ int labels): shuffle(10_000) and full shuffle, batch 64,
    against NumPy gathering the same batches by a permutation."""
    rng = np.random.default_rng(0)
    x = rng.random((n, 32), dtype=np.float32)
    y = rng.integers(0, 10, n)

    def numpy_batches():  # a permutation, then one fancy-index gather per batch
        p = rng.permutation(n)
        for s in range(0, n, batch):
            idx = p[s:s + batch]
            x[idx], y[idx]

    def numpy_gather_all():  # a permutation, one gather of everything, batches as views
        p = rng.permutation(n)
        xs, ys = x[p], y[p]
        for s in range(0, n, batch):
            xs[s:s + batch], ys[s:s + batch]

    source = tf.data.Dataset.from_tensor_slices((x, y))
    local = source.shuffle(10_000).batch(batch)
    full = source.shuffle(n).batch(batch)
    cases = {"numpy_batches": numpy_batches, "numpy_gather_all": numpy_gather_all,
             "shuffle_10k": lambda: drain(local), "shuffle_full": lambda: drain(full)}
    times = {name: [] for name in cases}
    for _ in range(repeats):  # interleaved so that machine noise hits every case alike
        for name, fn in cases.items():
            times[name].append(median_ms(fn, 1))
    med = {name: statistics.median(t) for name, t in times.items()}
    base = med["numpy_batches"]
    emit("shuffle_batch_100k", **{k + "_ms": v for k, v in med.items()},
         ratio_10k=med["shuffle_10k"] / base, ratio_full=med["shuffle_full"] / base,
         ratio_full_vs_gather_all=med["shuffle_full"] / med["numpy_gather_all"],
         target_ratio_10k=3.0, target_ratio_full=1.5)


def heavy(x):
    """A NumPy-heavy map function (NumPy releases the GIL inside these calls)."""
    v = x.numpy()
    return tf.constant(np.tanh(np.cumsum(v)).sum() + np.exp(-v).sum())


def parallel_map(repeats=9):
    """map(heavy) over 64 rows of 200,000 floats: sequential vs num_parallel_calls=AUTOTUNE."""
    data = np.random.default_rng(0).random((64, 200_000)).astype(np.float32)
    source = tf.data.Dataset.from_tensor_slices(data)
    sequential = source.map(heavy)
    parallel = source.map(heavy, num_parallel_calls=tf.data.AUTOTUNE)
    seq_t, par_t = [], []
    for _ in range(repeats):
        seq_t.append(median_ms(lambda: drain(sequential), 1))
        par_t.append(median_ms(lambda: drain(parallel), 1))
    seq, par = statistics.median(seq_t), statistics.median(par_t)
    emit("parallel_map", sequential_ms=seq, autotune_ms=par, speedup=seq / par)


def prefetch(repeats=5, steps=40, step_s=0.002):
    """A producer as slow as the consumer (2 ms each per element): prefetch overlaps them."""
    def slow_source():
        for i in range(steps):
            time.sleep(step_s)   # reading/decoding an element
            yield i

    ds = tf.data.Dataset.from_generator(slow_source,
                                        output_signature=tf.data.TensorSpec((), tf.int64))

    def train(pipeline):
        for _ in pipeline:
            time.sleep(step_s)   # the training step

    plain_t, pre_t = [], []
    for _ in range(repeats):
        plain_t.append(median_ms(lambda: train(ds), 1))
        pre_t.append(median_ms(lambda: train(ds.prefetch(tf.data.AUTOTUNE)), 1))
    plain, pre = statistics.median(plain_t), statistics.median(pre_t)
    emit("prefetch", no_prefetch_ms=plain, prefetch_ms=pre, ideal_ms=1e3 * steps * step_s,
         speedup=plain / pre)


CASES = {"seed_pipeline": seed_pipeline, "big_shuffle": big_shuffle,
         "parallel_map": parallel_map, "prefetch": prefetch}

if __name__ == "__main__":
    for case in sys.argv[1:] or list(CASES):
        CASES[case]()
