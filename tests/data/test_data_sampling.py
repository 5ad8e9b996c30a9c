"""Dataset.sample_from_datasets / choose_from_datasets (reviewer R1)."""
import numpy as np
import pytest

import tapeflow as tf

Dataset = tf.data.Dataset


def _ints(ds):
    return [int(x) for x in ds]


def test_sample_from_datasets_follows_the_weights():
    ones, zeros = Dataset.from_tensors(1).repeat(), Dataset.from_tensors(0).repeat()
    ds = Dataset.sample_from_datasets([ones, zeros], weights=[0.9, 0.1], seed=3).take(4000)
    assert abs(np.mean(_ints(ds)) - 0.9) < 0.02
    assert ds.element_spec == tf.TensorSpec((), tf.int32)
    assert Dataset.sample_from_datasets([ones, zeros]).cardinality() == \
        tf.data.INFINITE_CARDINALITY


def test_sample_from_datasets_exhausted_inputs_drop_out_or_stop():
    a, b = Dataset.range(5), Dataset.range(100, 102)
    mixed = _ints(Dataset.sample_from_datasets([a, b], seed=1))
    assert sorted(mixed) == [0, 1, 2, 3, 4, 100, 101]
    assert [x for x in mixed if x < 100] == [0, 1, 2, 3, 4]  # each input keeps its order
    stopped = _ints(Dataset.sample_from_datasets([a, b], weights=[0.01, 0.99], seed=1,
                                                 stop_on_empty_dataset=True))
    assert stopped[:2] == [100, 101] and len(stopped) < 7


def test_sample_from_datasets_seed_repeats_passes_unless_rerandomized():
    def make(**kw):
        return Dataset.sample_from_datasets([Dataset.range(20), Dataset.range(100, 120)],
                                            seed=7, **kw)
    ds = make()
    assert _ints(ds) == _ints(ds) == _ints(make())
    again = make(rerandomize_each_iteration=True)
    assert _ints(again) != _ints(again)


def test_sample_from_datasets_bad_input():
    with pytest.raises(ValueError, match="should not be empty"):
        Dataset.sample_from_datasets([])
    with pytest.raises(ValueError, match="weights"):
        Dataset.sample_from_datasets([Dataset.range(2)], weights=[0.5, 0.5])
    with pytest.raises(TypeError, match="incompatible"):
        Dataset.sample_from_datasets([Dataset.range(2), Dataset.from_tensor_slices([1.0])])


def test_choose_from_datasets_order_skip_and_errors():
    sources = [Dataset.range(2), Dataset.range(10, 13)]
    choice = Dataset.from_tensor_slices(np.array([0, 1, 0, 0, 1], np.int64))
    assert _ints(Dataset.choose_from_datasets(sources, choice)) == [0, 10, 1]
    assert _ints(Dataset.choose_from_datasets(sources, choice, stop_on_empty_dataset=False)) == \
        [0, 10, 1, 11]
    assert _ints(tf.data.experimental.choose_from_datasets(
        sources, Dataset.range(2).repeat(2))) == [0, 10, 1, 11]
    with pytest.raises(TypeError, match="scalar `tf.int64`"):
        Dataset.choose_from_datasets(sources, Dataset.from_tensor_slices([0, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        _ints(Dataset.choose_from_datasets(sources, Dataset.range(5)))


def test_balanced_dataset_feeds_fit():
    pos = Dataset.from_tensor_slices((np.ones((3, 2), "float32"), np.ones((3, 1), "float32")))
    neg = Dataset.from_tensor_slices((np.zeros((30, 2), "float32"), np.zeros((30, 1), "float32")))
    balanced = Dataset.sample_from_datasets([pos.repeat(), neg.repeat()], [0.5, 0.5], seed=0)
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(balanced.batch(8), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
