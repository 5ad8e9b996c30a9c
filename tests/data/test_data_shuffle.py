"""shuffle: TF's buffer semantics, checked against a direct implementation of TF's algorithm."""
import collections
import itertools

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.data import shuffle_buffer


def order(ds):
    return [int(x) for x in ds]


def reference_distribution(n, buffer_size):
    """Exact output distribution of TF's algorithm (tf_semantics.md §6.3) by enumeration."""
    counts = collections.Counter()

    def run(choices):
        buf, out, it = [], [], iter(choices)
        for x in range(n):
            buf.append(x)
            if len(buf) == buffer_size:
                i = next(it)
                buf[i], buf[-1] = buf[-1], buf[i]
                out.append(buf.pop())
        while buf:
            i = next(it)
            buf[i], buf[-1] = buf[-1], buf[i]
            out.append(buf.pop())
        return tuple(out)

    if n >= buffer_size:  # full-buffer picks, then the drain of the last buffer_size - 1
        sizes = [buffer_size] * (n - buffer_size + 1) + list(range(buffer_size - 1, 0, -1))
    else:
        sizes = list(range(n, 0, -1))
    for choices in itertools.product(*[range(s) for s in sizes]):
        counts[run(choices)] += 1
    total = sum(counts.values())
    return {perm: c / total for perm, c in counts.items()}


def chi_square(observed, expected_probs, trials):
    assert set(observed) <= set(expected_probs), "an order TF's algorithm cannot produce"
    return sum((observed.get(p, 0) - trials * q) ** 2 / (trials * q)
               for p, q in expected_probs.items())


@pytest.mark.parametrize("n,buffer_size,max_block", [(5, 2, 1 << 17), (6, 3, 1 << 17),
                                                      (6, 3, 2), (4, 4, 1 << 17)])
def test_index_shuffle_has_tfs_distribution(n, buffer_size, max_block, monkeypatch):
    monkeypatch.setattr(shuffle_buffer, "_MAX_BLOCK", max_block)
    expected = reference_distribution(n, buffer_size)
    rng = np.random.default_rng(0)
    trials = 40 * len(expected)
    observed = collections.Counter(
        tuple(np.concatenate(list(shuffle_buffer.shuffle_index_chunks(
            iter([range(n)]), buffer_size, rng))).tolist()) for _ in range(trials))
    df = len(expected) - 1
    assert chi_square(observed, expected, trials) < df + 6 * (2 * df) ** 0.5


def test_index_shuffle_over_several_chunks_matches_one_chunk():
    expected = reference_distribution(6, 3)
    rng = np.random.default_rng(1)
    trials = 40 * len(expected)
    observed = collections.Counter(
        tuple(np.concatenate(list(shuffle_buffer.shuffle_index_chunks(
            iter([range(0, 2), np.arange(2, 5), range(5, 6)]), 3, rng))).tolist())
        for _ in range(trials))
    df = len(expected) - 1
    assert chi_square(observed, expected, trials) < df + 6 * (2 * df) ** 0.5


def test_element_shuffle_has_tfs_distribution():
    expected = reference_distribution(5, 2)
    rng = np.random.default_rng(2)
    trials = 40 * len(expected)
    observed = collections.Counter(
        tuple(shuffle_buffer.shuffle_elements(iter(range(5)), 2, rng)) for _ in range(trials))
    df = len(expected) - 1
    assert chi_square(observed, expected, trials) < df + 6 * (2 * df) ** 0.5


def test_full_buffer_is_a_reproducible_permutation():
    a = order(tf.data.Dataset.range(100).shuffle(100, seed=7))
    b = order(tf.data.Dataset.range(100).shuffle(100, seed=7))
    assert sorted(a) == list(range(100)) and a != list(range(100))
    assert a == b
    assert a != order(tf.data.Dataset.range(100).shuffle(100, seed=8))


def test_small_buffer_is_a_local_shuffle():
    n, buffer_size = 2000, 10
    for ds in (tf.data.Dataset.range(n).shuffle(buffer_size, seed=3),
               tf.data.Dataset.from_generator(lambda: iter(range(n)), output_signature=tf.data.TensorSpec(
                   (), tf.int64)).shuffle(buffer_size, seed=3)):
        out = order(ds)
        assert sorted(out) == list(range(n)) and out != list(range(n))
        position = np.empty(n, int)
        position[out] = np.arange(n)
        # element i can come out at most buffer_size - 1 positions early
        assert np.all(position >= np.arange(n) - (buffer_size - 1))
        assert np.max(np.arange(n) - position) == buffer_size - 1


def test_buffer_of_one_keeps_the_order():
    assert order(tf.data.Dataset.range(20).shuffle(1)) == list(range(20))


def test_each_epoch_is_reshuffled_and_seeded_epochs_reproduce():
    ds = tf.data.Dataset.range(50).shuffle(50, seed=1)
    epochs = [order(ds) for _ in range(3)]
    assert epochs[0] != epochs[1] != epochs[2]
    again = tf.data.Dataset.range(50).shuffle(50, seed=1)
    assert [order(again) for _ in range(3)] == epochs


def test_reshuffle_each_iteration_false_repeats_the_order():
    ds = tf.data.Dataset.range(50).shuffle(50, reshuffle_each_iteration=False)
    assert order(ds) == order(ds)
    repeated = order(ds.repeat(2))
    assert repeated[:50] == repeated[50:]


def test_shuffle_then_repeat_keeps_epochs_apart():
    out = order(tf.data.Dataset.range(10).shuffle(10, seed=2).repeat(3))
    for k in range(3):
        assert sorted(out[10 * k:10 * k + 10]) == list(range(10))
    assert out[:10] != out[10:20]


def test_shuffle_keeps_structure_and_cardinality():
    x = np.arange(20.0)
    ds = tf.data.Dataset.from_tensor_slices({"x": x, "y": x * 2}).shuffle(8, seed=0)
    elements = list(ds)
    assert all(float(e["y"]) == 2 * float(e["x"]) for e in elements)
    assert len(ds) == 20


def test_buffer_size_must_be_positive():
    with pytest.raises(tf.errors.InvalidArgumentError, match="buffer_size must be greater than zero"):
        tf.data.Dataset.range(3).shuffle(0)


def test_global_seed_makes_unseeded_shuffles_reproducible():
    def two_pipelines():
        tf.random.set_seed(11)
        first = tf.data.Dataset.range(100).shuffle(100)
        second = tf.data.Dataset.range(100).shuffle(100)
        return [order(first), order(first), order(second)]
    try:
        a = two_pipelines()
        assert a == two_pipelines()
        assert a[0] != a[1] and a[0] != a[2]  # epochs reshuffle; two shuffles differ
    finally:
        tf.random.set_seed(None)
