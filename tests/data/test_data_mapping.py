"""map (sequential and parallel), filter, flat_map, interleave."""
import collections
import threading
import time

import numpy as np
import pytest

import tapeflow as tf


def values(ds):
    return [int(x) for x in ds]


def test_map_unpacks_tuples_and_passes_dicts_whole():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(3), np.arange(3) * 10))
    assert [(int(a), int(b)) for a, b in ds.map(lambda x, y: (y, x))] == [(0, 0), (10, 1), (20, 2)]
    d = tf.data.Dataset.from_tensor_slices({"a": np.arange(3)})
    assert values(d.map(lambda e: e["a"] + 1)) == [1, 2, 3]


def test_map_arguments_are_tensors_and_outputs_convert():
    seen = []

    def fn(x):
        seen.append(type(x))
        return [x, 2.5, np.float64(1.0)]   # a list becomes a tuple; Python float -> float32

    a, b, c = next(iter(tf.data.Dataset.range(2).map(fn)))
    assert seen[0] is tf.Tensor
    assert (a.dtype, b.dtype, c.dtype) == (tf.int64, tf.float32, tf.float64)
    spec = tf.data.Dataset.range(2).map(fn).element_spec
    assert isinstance(spec, tuple) and spec[1].dtype == tf.float32


def test_map_runs_once_per_batch_after_batch():
    calls = []

    def fn(x, y):
        calls.append(int(x.shape[0]))
        return x * 2, y

    ds = tf.data.Dataset.from_tensor_slices((np.ones((100, 3)), np.zeros(100))).batch(32).map(fn)
    assert [int(x.shape[0]) for x, _ in ds] == [32, 32, 32, 4]
    assert calls == [32, 32, 32, 4]


@pytest.mark.parametrize("calls", [2, 4, tf.data.AUTOTUNE])
def test_parallel_map_keeps_order(calls):
    def slow_for_early(x):
        time.sleep(0.002 * float(10 - x % 10))  # early elements finish last
        return x * 3

    ds = tf.data.Dataset.range(30).map(slow_for_early, num_parallel_calls=calls)
    assert values(ds) == [3 * i for i in range(30)]


def test_parallel_map_uses_several_threads():
    threads = set()
    barrier = threading.Barrier(2, timeout=5)

    def fn(x):
        threads.add(threading.current_thread().name)
        if int(x) < 2:
            barrier.wait()  # only passes if two calls run at the same time
        return x

    assert values(tf.data.Dataset.range(6).map(fn, num_parallel_calls=2)) == list(range(6))
    assert len(threads) == 2


def test_nondeterministic_parallel_map_returns_every_element():
    ds = tf.data.Dataset.range(40).map(lambda x: x + 1, num_parallel_calls=4, deterministic=False)
    assert sorted(values(ds)) == list(range(1, 41))


@pytest.mark.parametrize("calls", [None, 3])
def test_map_error_surfaces_with_its_traceback_and_the_pipeline_runs_again(calls):
    def fragile(x):
        if int(x) == 3:
            raise ZeroDivisionError("bad element %d" % int(x))
        return x

    ds = tf.data.Dataset.range(6).map(fragile, num_parallel_calls=calls)
    for _ in range(2):
        with pytest.raises(ZeroDivisionError, match="bad element 3") as info:
            list(ds)
        assert "fragile" in [entry.name for entry in info.traceback]
    ok = tf.data.Dataset.range(3).map(fragile, num_parallel_calls=calls)
    assert values(ok) == [0, 1, 2]


def test_map_rejects_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        tf.data.Dataset.range(3).map(5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_parallel_calls"):
        tf.data.Dataset.range(3).map(lambda x: x, num_parallel_calls=0)


def test_filter_keeps_structure():
    ds = tf.data.Dataset.from_tensor_slices({"v": np.arange(6)}).filter(lambda e: e["v"] % 2 == 0)
    assert [int(e["v"]) for e in ds] == [0, 2, 4]
    with pytest.raises(ValueError, match="scalar boolean"):
        list(tf.data.Dataset.range(3).filter(lambda x: x))


def test_flat_map():
    ds = tf.data.Dataset.range(1, 4).flat_map(lambda n: tf.data.Dataset.range(n))
    assert values(ds) == [0, 0, 1, 0, 1, 2]
    with pytest.raises(TypeError, match="must return a Dataset"):
        list(tf.data.Dataset.range(2).flat_map(lambda x: x))


@pytest.mark.parametrize("calls", [None, tf.data.AUTOTUNE])
def test_interleave_follows_tfs_documented_order(calls):
    ds = tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4,
        num_parallel_calls=calls)
    assert values(ds) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4,
                          5, 5, 5, 5, 5, 5]
    one_each = tf.data.Dataset.range(3).interleave(lambda x: tf.data.Dataset.range(x * 10, x * 10 + 2),
                                                   cycle_length=3)
    assert values(one_each) == [0, 10, 20, 1, 11, 21]


def test_interleave_over_files(tmp_path):
    for i in range(3):
        (tmp_path / ("f%d.txt" % i)).write_text("%d-a\n%d-b\n" % (i, i))
    files = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    for calls in (None, 2):
        lines = files.interleave(tf.data.TextLineDataset, cycle_length=2, num_parallel_calls=calls)
        assert [x.numpy() for x in lines] == [b"0-a", b"1-a", b"0-b", b"1-b", b"2-a", b"2-b"]


def test_structures_survive_every_transformation():
    Point = collections.namedtuple("Point", "x y")
    features = {"p": Point(np.arange(12.0).reshape(6, 2), np.arange(6)), "w": np.ones(6, np.float32)}
    ds = tf.data.Dataset.from_tensor_slices((features, np.arange(6) % 2))

    def check(element):
        f, label = element
        assert isinstance(f, dict) and set(f) == {"p", "w"} and isinstance(f["p"], Point)
        assert isinstance(label, tf.Tensor)

    pipelines = [ds, ds.shuffle(4, seed=1), ds.repeat(2), ds.take(3), ds.skip(2), ds.shard(2, 0),
                 ds.cache(), ds.prefetch(2), ds.map(lambda f, y: (f, y)),
                 ds.map(lambda f, y: (f, y), num_parallel_calls=2), ds.filter(lambda f, y: y > 0),
                 ds.batch(4), ds.batch(4).unbatch(), ds.batch(4).rebatch(3), ds.padded_batch(2),
                 ds.flat_map(lambda f, y: tf.data.Dataset.from_tensors((f, y))),
                 ds.interleave(lambda f, y: tf.data.Dataset.from_tensors((f, y)), cycle_length=2),
                 ds.concatenate(ds), ds.apply(lambda d: d.take(2)),
                 ds.with_options(tf.data.Options())]
    for pipeline in pipelines:
        elements = list(pipeline)
        assert elements, pipeline
        for element in elements:
            check(element)
    _, element = next(iter(ds.enumerate()))
    check(element)
    zipped = next(iter(tf.data.Dataset.zip((ds, ds))))
    check(zipped[0])
    as_numpy = next(ds.as_numpy_iterator())
    assert isinstance(as_numpy[0]["p"], Point) and isinstance(as_numpy[0]["w"], np.float32)
