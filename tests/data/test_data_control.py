"""repeat, take, skip, shard, cache, prefetch, enumerate, options, cardinality and len()."""
import threading

import numpy as np
import pytest

import tapeflow as tf

INF, UNKNOWN = tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY


def values(ds):
    return [int(x) for x in ds]


def card(ds):
    return int(ds.cardinality())


def counting_source(n, counter):
    def gen():
        counter.append(1)
        yield from range(n)
    return tf.data.Dataset.from_generator(gen, output_signature=tf.data.TensorSpec((), tf.int64))


def test_constants():
    assert (INF, UNKNOWN, tf.data.AUTOTUNE) == (-1, -2, -1)
    assert tf.data.experimental.AUTOTUNE == -1


@pytest.mark.parametrize("make", [lambda: tf.data.Dataset.range(10),
                                  lambda: counting_source(10, []).take(10)])
def test_repeat_take_skip_values(make):
    assert values(make().repeat(2)) == list(range(10)) * 2
    assert values(make().take(3)) == [0, 1, 2]
    assert values(make().take(-1)) == list(range(10))
    assert values(make().skip(7)) == [7, 8, 9]
    assert values(make().skip(-1)) == []
    assert values(make().repeat().take(12)) == list(range(10)) + [0, 1]
    assert values(make().skip(8).repeat(2)) == [8, 9, 8, 9]
    assert values(make().repeat(0)) == []


def test_cardinalities():
    ds = tf.data.Dataset.range(10)
    assert card(ds.repeat(3)) == 30 and card(ds.repeat()) == INF and card(ds.repeat(-1)) == INF
    assert card(ds.take(3)) == 3 and card(ds.take(30)) == 10 and card(ds.take(-1)) == 10
    assert card(ds.skip(3)) == 7 and card(ds.skip(30)) == 0 and card(ds.skip(-1)) == 0
    assert card(ds.repeat().take(5)) == 5 and card(ds.repeat().skip(5)) == INF
    assert card(ds.filter(lambda x: x > 2)) == UNKNOWN
    assert card(ds.filter(lambda x: x > 2).take(3)) == UNKNOWN
    assert card(ds.repeat().batch(4)) == INF
    assert card(ds.shuffle(4).map(lambda x: x).prefetch(2).cache().enumerate()) == 10
    assert card(tf.data.Dataset.range(0).repeat()) == 0
    assert card(ds.shard(3, 0)) == 4 and card(ds.shard(3, 2)) == 3
    assert tf.data.experimental.cardinality(ds).dtype == tf.int64


def test_len_of_infinite_and_unknown_datasets_is_a_type_error():
    ds = tf.data.Dataset.range(10)
    assert len(ds) == 10
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(ds.repeat())
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(ds.filter(lambda x: x > 2))


def test_repeating_an_empty_dataset_ends():
    assert values(tf.data.Dataset.range(0).repeat()) == []
    assert values(counting_source(0, []).repeat()) == []


def test_shard():
    assert values(tf.data.Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert values(tf.data.Dataset.range(10).repeat(2).shard(3, 1)) == [1, 4, 7, 0, 3, 6, 9]
    assert values(counting_source(10, []).shard(3, 2)) == [2, 5, 8]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Index must be between"):
        tf.data.Dataset.range(10).shard(3, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="greater than zero"):
        tf.data.Dataset.range(10).shard(0, 0)


def test_memory_cache_reads_its_source_once():
    calls = []
    ds = counting_source(5, calls).map(lambda x: x * 2).cache()
    assert values(ds) == values(ds) == [0, 2, 4, 6, 8]
    assert len(calls) == 1


def test_cache_after_partial_pass_is_not_finalised():
    calls = []
    ds = counting_source(5, calls).cache()
    it = iter(ds)
    next(it)
    del it
    assert values(ds) == list(range(5)) and values(ds) == list(range(5))
    assert len(calls) == 2


def test_cache_before_shuffle_freezes_nothing_but_after_freezes_the_order():
    frozen = tf.data.Dataset.range(30).shuffle(30).cache()
    assert values(frozen) == values(frozen)
    fresh = tf.data.Dataset.range(30).cache().shuffle(30, seed=1)
    assert values(fresh) != values(fresh)


def test_file_cache_survives_the_dataset(tmp_path):
    calls = []
    path = str(tmp_path / "cache")
    ds = counting_source(4, calls).map(lambda x: (x, tf.cast(x, tf.float32) / 2)).cache(path)
    first = [(int(a), float(b)) for a, b in ds]
    assert [(int(a), float(b)) for a, b in ds] == first and len(calls) == 1
    again = counting_source(4, calls).map(lambda x: (x, tf.cast(x, tf.float32))).cache(path)
    assert [(int(a), float(b)) for a, b in again] == first  # read from the file
    assert len(calls) == 1


def test_prefetch_keeps_order_and_runs_in_another_thread():
    threads = set()

    def gen():
        for i in range(50):
            threads.add(threading.current_thread().name)
            yield i

    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.data.TensorSpec((), tf.int64))
    for size in (1, 3, tf.data.AUTOTUNE):
        assert values(ds.prefetch(size)) == list(range(50))
    assert any(name.startswith("tapeflow-prefetch") for name in threads)
    assert values(ds.batch(7).prefetch(2).unbatch()) == list(range(50))


def test_prefetch_producer_runs_ahead_of_the_consumer():
    produced = []
    ready = threading.Event()

    def gen():
        for i in range(10):
            produced.append(i)
            if len(produced) == 4:
                ready.set()
            yield i

    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.data.TensorSpec((), tf.int64))
    it = iter(ds.prefetch(3))
    assert int(next(it)) == 0
    assert ready.wait(5.0)  # the producer filled the buffer while we did nothing
    assert values(it) == list(range(1, 10))


def test_prefetch_surfaces_errors_and_can_run_again():
    def gen():
        yield 1
        raise RuntimeError("producer broke")

    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.data.TensorSpec((), tf.int32))
    for _ in range(2):
        it = iter(ds.prefetch(2))
        assert int(next(it)) == 1
        with pytest.raises(RuntimeError, match="producer broke") as info:
            next(it)
        assert "gen" in [entry.name for entry in info.traceback]


def test_enumerate():
    ds = tf.data.Dataset.from_tensor_slices({"x": [5.0, 6.0]}).enumerate(start=3)
    out = [(int(i), float(e["x"])) for i, e in ds]
    assert out == [(3, 5.0), (4, 6.0)]
    i, _ = next(iter(ds))
    assert i.dtype == tf.int64 and ds.element_spec[0].dtype == tf.int64


def test_options_are_accepted():
    options = tf.data.Options()
    options.experimental_deterministic = False
    options.threading.private_threadpool_size = 2
    ds = tf.data.Dataset.range(3).with_options(options)
    assert values(ds) == [0, 1, 2]
    assert ds.options().deterministic is False
    assert ds.map(lambda x: x).options().threading.private_threadpool_size == 2
    with pytest.raises(TypeError, match="Options"):
        tf.data.Dataset.range(3).with_options({"deterministic": False})


def test_prefetch_over_in_memory_batches_needs_no_thread():
    before = threading.active_count()
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10)).shuffle(10).batch(3).prefetch(2)
    it = iter(ds)
    assert sorted(int(v) for batch in [next(it)] + list(it) for v in batch) == list(range(10))
    assert threading.active_count() == before


def test_apply_and_reduce():
    ds = tf.data.Dataset.range(5).apply(lambda d: d.map(lambda x: x + 1))
    assert values(ds) == [1, 2, 3, 4, 5]
    total = ds.reduce(tf.constant(0, tf.int64), lambda state, x: state + x)
    assert int(total) == 15
    count_and_sum = tf.data.Dataset.from_tensor_slices(np.arange(4.0)).reduce(
        (0.0, tf.constant(0.0, tf.float64)), lambda s, x: (s[0] + 1.0, s[1] + x))
    assert [float(v) for v in count_and_sum] == [4.0, 6.0]


def test_as_numpy_iterator():
    ds = tf.data.Dataset.from_tensor_slices(({"a": np.arange(2)}, np.array([b"x", b"y"])))
    out = list(ds.as_numpy_iterator())
    assert out[1][1] == b"y" and isinstance(out[0][0]["a"], np.integer)


def test_each_iteration_is_a_fresh_pass():
    ds = tf.data.Dataset.range(4).map(lambda x: x * x)
    assert values(ds) == values(ds) == [0, 1, 4, 9]
    a, b = iter(ds), iter(ds)
    assert int(next(a)) == 0 and int(next(b)) == 0 and int(next(a)) == 1


def test_background_threads_stop_when_the_consumer_goes_away():
    import gc
    import time

    def prefetch_threads():
        return [t for t in threading.enumerate() if t.name.startswith("tapeflow-prefetch")]

    endless = counting_source(10, []).repeat()
    pipelines = [endless.prefetch(2),
                 tf.data.Dataset.range(4).interleave(lambda x: endless, cycle_length=3,
                                                     num_parallel_calls=3)]
    for ds in pipelines:
        it = iter(ds)
        next(it)
        assert prefetch_threads()
        del it
        gc.collect()
        deadline = time.monotonic() + 10.0
        while prefetch_threads() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not prefetch_threads()
    unused = iter(endless.prefetch(2))  # never advanced: starts no thread
    assert not prefetch_threads()
    del unused
