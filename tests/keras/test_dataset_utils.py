"""tf.keras.utils data loading: timeseries_dataset_from_array, split_dataset,
image/text_dataset_from_directory, load_img/img_to_array/array_to_img/save_img."""
import io
import os
import random
import subprocess
import sys

import numpy as np
import pytest

import tapeflow as tf

utils = tf.keras.utils


def batches(ds):
    return [tuple(t.numpy() for t in b) if isinstance(b, tuple) else b.numpy() for b in ds]


# -- timeseries_dataset_from_array -------------------------------------------------------------
def test_timeseries_keras_example_1_windows():
    ds = utils.timeseries_dataset_from_array(np.arange(99), None, sequence_length=10,
                                             sampling_rate=2, sequence_stride=3)
    (x,) = batches(ds)
    assert x.shape == (27, 10)
    np.testing.assert_array_equal(x[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(x[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(x[2], np.arange(6, 26, 2))
    np.testing.assert_array_equal(x[-1], np.arange(78, 98, 2))


def test_timeseries_keras_example_2_next_step_targets():
    data = np.arange(50, dtype="float32") ** 2
    ds = utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    (x, y), = batches(ds)
    np.testing.assert_array_equal(x[0], data[:10])
    assert y[0] == data[10]
    for i in range(len(x)):  # every window's target is the step after it
        np.testing.assert_array_equal(x[i], data[i:i + 10])
        assert y[i] == data[i + 10]
    assert x.dtype == np.float32 and len(x) == 31


def test_timeseries_keras_example_3_many_to_many():
    X = np.arange(100)
    Y = X * 2
    inputs = utils.timeseries_dataset_from_array(X, None, sequence_length=20, sequence_stride=20)
    targets = utils.timeseries_dataset_from_array(Y, None, sequence_length=20, sequence_stride=20)
    for x, y in zip(inputs, targets):
        np.testing.assert_array_equal(x[0], X[:20])
        np.testing.assert_array_equal(y[1], Y[20:40])
        assert x.shape == (5, 20)


def test_timeseries_start_end_index_and_target_alignment():
    ds = utils.timeseries_dataset_from_array(np.arange(20), np.arange(100, 120), 3,
                                             sampling_rate=2, start_index=4, end_index=15,
                                             batch_size=None)
    got = [(x.numpy().tolist(), int(y)) for x, y in ds]
    # steps 4..14; 11 - (3 - 1) * 2 = 7 windows, target = targets[4 + p]
    assert got == [([4 + p, 6 + p, 8 + p], 104 + p) for p in range(7)]


def test_timeseries_batching_keeps_last_partial_batch_and_spec():
    data = np.zeros((13, 2), "float64")
    ds = utils.timeseries_dataset_from_array(data, np.arange(13), 4, batch_size=4)
    assert [x.shape[0] for x, _ in ds] == [4, 4, 2]
    assert int(ds.cardinality()) == 3
    x_spec, y_spec = ds.element_spec
    assert tuple(x_spec.shape) == (None, 4, 2) and x_spec.dtype == tf.float64
    assert tuple(y_spec.shape) == (None,) and y_spec.dtype == tf.int64
    single = utils.timeseries_dataset_from_array(data, None, 4, batch_size=None)
    assert tuple(single.element_spec.shape) == (4, 2) and len(list(single)) == 10


def test_timeseries_targets_shorter_than_windows_limit_their_number():
    ds = utils.timeseries_dataset_from_array(np.arange(10), np.arange(3), 2, batch_size=None)
    assert [int(y) for _, y in ds] == [0, 1, 2]


def test_timeseries_targets_must_cover_the_windows_after_start_index():
    # Keras counts windows with len(targets) but reads targets[start_index + p]; TF fails
    # there when iterating, tapeflow says so at once.
    with pytest.raises(ValueError, match="`targets` must cover every window start"):
        utils.timeseries_dataset_from_array(np.arange(20), np.arange(10), 2, start_index=5)


def test_timeseries_accepts_tensors_and_lists():
    ds = utils.timeseries_dataset_from_array(tf.range(6), [0.0] * 6, 3, batch_size=None)
    x, y = next(iter(ds))
    assert x.dtype == tf.int32 and y.dtype == tf.float32 and x.numpy().tolist() == [0, 1, 2]


def test_timeseries_no_full_window_gives_empty_dataset():
    ds = utils.timeseries_dataset_from_array(np.arange(5), None, sequence_length=10)
    assert list(ds) == []


def test_timeseries_shuffle_is_a_seeded_permutation_of_aligned_windows():
    data = np.arange(40)

    def run():
        ds = utils.timeseries_dataset_from_array(data, data * 10, 5, batch_size=4,
                                                 shuffle=True, seed=7)
        return [(x.numpy(), y.numpy()) for x, y in ds]
    a, b = run(), run()
    x = np.concatenate([x for x, _ in a])
    y = np.concatenate([y for _, y in a])
    assert sorted(x[:, 0].tolist()) == list(range(36))
    assert x[:, 0].tolist() != list(range(36))
    np.testing.assert_array_equal(y, x[:, 0] * 10)
    np.testing.assert_array_equal(x[:, 1:] - x[:, :-1], 1)
    for (xa, ya), (xb, yb) in zip(a, b):  # same seed, same order
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


@pytest.mark.parametrize("kwargs, match", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(start_index=10), "`start_index` must be lower than the length"),
    (dict(start_index=5, end_index=5), "`end_index` must be higher than `start_index`"),
    (dict(end_index=10), "`end_index` must be lower than the length"),
    (dict(end_index=-2), "`end_index` must be higher than 0"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
    (dict(sequence_stride=10), "`sequence_stride` must be lower than the length"),
])
def test_timeseries_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        utils.timeseries_dataset_from_array(np.arange(10), None, 2, **kwargs)


def test_timeseries_fits_a_model():
    series = np.sin(np.arange(200) / 5.0).astype("float32")[:, None]
    ds = utils.timeseries_dataset_from_array(series[:-8], series[8:, 0], 8, batch_size=32)
    model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


# -- split_dataset ---------------------------------------------------------------------------
def test_split_dataset_fractions_counts_and_complements():
    data = np.random.random((1000, 4))
    left, right = utils.split_dataset(data, left_size=0.8)
    assert (int(left.cardinality()), int(right.cardinality())) == (800, 200)
    left, right = utils.split_dataset(data, right_size=300)
    assert (len(left), len(right)) == (700, 300)
    np.testing.assert_array_equal(np.stack([x.numpy() for x in right]), data[700:])


def test_split_dataset_rounds_half_to_even_and_drops_the_middle():
    data = np.arange(10)
    left, right = utils.split_dataset(data, left_size=0.25)  # 2.5 -> 2
    assert [int(x) for x in left] == [0, 1] and len(right) == 8
    left, right = utils.split_dataset(data, left_size=0.75)  # 7.5 -> 8
    assert len(left) == 8
    left, right = utils.split_dataset(data, left_size=0.5, right_size=0.3)
    assert [int(x) for x in left] == [0, 1, 2, 3, 4] and [int(x) for x in right] == [7, 8, 9]


def test_split_dataset_tuple_shuffled_with_keras_permutation():
    x, y = np.arange(20).reshape(10, 2), np.arange(10) * 10
    state = random.getstate()
    left, right = utils.split_dataset((x, y), left_size=6, shuffle=True, seed=3)
    assert random.getstate() == state  # the global generator is not reseeded
    order = list(range(10))
    random.Random(3).shuffle(order)
    got = [(a.numpy(), int(b)) for a, b in left] + [(a.numpy(), int(b)) for a, b in right]
    assert [b // 10 for _, b in got] == order
    for a, b in got:
        np.testing.assert_array_equal(a, x[b // 10])


def test_split_dataset_list_of_arrays_gives_tuples():
    left, right = utils.split_dataset([np.arange(4), np.arange(4) + 10], left_size=3)
    assert [(int(a), int(b)) for a, b in right] == [(3, 13)]


def test_split_dataset_of_datasets_keeps_structure_and_batch_size():
    ds = tf.data.Dataset.from_tensor_slices({"a": np.arange(10), "b": np.arange(10.0)})
    left, right = utils.split_dataset(ds, left_size=0.6)
    assert [int(e["a"]) for e in right] == [6, 7, 8, 9]
    batched = tf.data.Dataset.from_tensor_slices((np.arange(10), np.arange(10))).batch(3)
    left, right = utils.split_dataset(batched, right_size=4)
    assert [a.numpy().tolist() for a, _ in left] == [[0, 1, 2], [3, 4, 5]]
    assert [a.numpy().tolist() for a, _ in right] == [[6, 7, 8], [9]]


@pytest.mark.parametrize("left, right, error, match", [
    (None, None, ValueError, "At least one of"),
    (0, 0, ValueError, "Both `left_size` and `right_size` are zero"),
    (10, None, ValueError, "`left_size` should be either a positive integer smaller than 10"),
    (1.0, None, ValueError, "`left_size` should be"),
    (None, -1, ValueError, "`right_size` should be"),
    (0.6, 0.5, ValueError, "greater than 1"),
    (6, 5, ValueError, "should be smaller than the 10"),
    (0.01, None, ValueError, "left side dataset split will be empty"),
    ("half", None, TypeError, "Invalid `left_size` Type"),
    (True, None, TypeError, "Invalid `left_size` Type"),
])
def test_split_dataset_size_errors(left, right, error, match):
    with pytest.raises(error, match=match):
        utils.split_dataset(np.arange(10), left_size=left, right_size=right)


def test_split_dataset_input_errors():
    with pytest.raises(TypeError, match="must be either a `tf.data.Dataset`"):
        utils.split_dataset({"a": np.arange(3)}, left_size=1)
    with pytest.raises(ValueError, match="empty tuple"):
        utils.split_dataset((), left_size=1)
    with pytest.raises(ValueError, match="Expected a list of `numpy.ndarray`"):
        utils.split_dataset([[1, 2], [3, 4]], left_size=1)
    with pytest.raises(ValueError, match="different lengths"):
        utils.split_dataset((np.arange(3), np.arange(4)), left_size=1)
    with pytest.raises(ValueError, match="empty dataset"):
        utils.split_dataset(tf.data.Dataset.range(0), left_size=1)


# -- the directory datasets: helpers to build trees ------------------------------------------
def write_text_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return str(root)


@pytest.fixture
def image_tree(tmp_path):
    """b/ and a/ classes with PNG, JPEG and upper-case suffixes, a nested folder, a hidden
    class folder and files that are not images. Each image is one solid colour."""
    PIL = pytest.importorskip("PIL.Image")
    layout = {"b/1.png": (10, 20), "b/2.JPG": (12, 12), "b/nested/3.png": (8, 16),
              "a/1.png": (20, 10), "a/2.jpeg": (16, 16), "a/3.bmp": (6, 6),
              ".hidden/1.png": (4, 4)}
    for i, (rel, (h, w)) in enumerate(sorted(layout.items())):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        colour = np.array([i * 30, 100, 200], "uint8")
        PIL.fromarray(np.broadcast_to(colour, (h, w, 3)).copy()).save(str(path))
    (tmp_path / "a" / "readme.txt").write_text("not an image")
    (tmp_path / "loose.png").write_bytes((tmp_path / "a" / "1.png").read_bytes())
    return str(tmp_path)


def all_pairs(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


# -- image_dataset_from_directory ------------------------------------------------------------
def test_image_dataset_classes_order_and_labels(image_tree, capsys):
    ds = utils.image_dataset_from_directory(image_tree, image_size=(8, 8), shuffle=False,
                                            batch_size=4)
    assert capsys.readouterr().out == "Found 6 files belonging to 2 classes.\n"
    assert ds.class_names == ["a", "b"]
    rel = [os.path.relpath(p, image_tree) for p in ds.file_paths]
    assert rel == ["a/1.png", "a/2.jpeg", "a/3.bmp", "b/1.png", "b/2.JPG", "b/nested/3.png"]
    x, y = all_pairs(ds)
    assert x.shape == (6, 8, 8, 3) and x.dtype == np.float32
    assert y.dtype == np.int32 and y.tolist() == [0, 0, 0, 1, 1, 1]
    assert [b[0].shape[0] for b in batches(ds)] == [4, 2]
    spec = ds.element_spec
    assert tuple(spec[0].shape) == (None, 8, 8, 3) and spec[1].dtype == tf.int32


def test_image_dataset_pixels_are_resized_float_values(image_tree):
    ds = utils.image_dataset_from_directory(image_tree, image_size=(5, 7), shuffle=False,
                                            batch_size=None, verbose=False)
    first, label = next(iter(ds))
    assert first.shape == (5, 7, 3) and int(label) == 0
    # a/1.png is solid (30, 100, 200): resizing keeps a solid colour
    np.testing.assert_allclose(first.numpy(), np.broadcast_to([30.0, 100, 200], (5, 7, 3)))


@pytest.mark.parametrize("mode, channels", [("grayscale", 1), ("rgb", 3), ("rgba", 4)])
def test_image_dataset_color_modes(image_tree, mode, channels):
    ds = utils.image_dataset_from_directory(image_tree, image_size=6, color_mode=mode,
                                            verbose=False, seed=1)
    x, _ = all_pairs(ds)
    assert x.shape == (6, 6, 6, channels)
    if mode == "rgba":
        np.testing.assert_array_equal(x[..., 3], 255)


def test_image_dataset_label_modes(image_tree):
    kw = dict(image_size=(4, 4), shuffle=False, verbose=False)
    _, y = all_pairs(utils.image_dataset_from_directory(image_tree, label_mode="categorical",
                                                        **kw))
    assert y.dtype == np.float32 and y.tolist() == [[1, 0]] * 3 + [[0, 1]] * 3
    _, y = all_pairs(utils.image_dataset_from_directory(image_tree, label_mode="binary", **kw))
    assert y.dtype == np.float32 and y.shape == (6, 1) and y[:, 0].tolist() == [0, 0, 0, 1, 1, 1]
    ds = utils.image_dataset_from_directory(image_tree, label_mode=None, **kw)
    (x,) = [b.numpy() for b in ds]  # no labels: the whole tree is read, as in Keras
    assert x.shape == (8, 4, 4, 3) and ds.class_names is None
    ds = utils.image_dataset_from_directory(image_tree, labels=None, **kw)
    assert not isinstance(next(iter(ds)), tuple)


def test_image_dataset_explicit_labels_and_class_names(image_tree, capsys):
    ds = utils.image_dataset_from_directory(image_tree, labels=None, image_size=(4, 4),
                                            shuffle=False)
    # the whole tree: the loose file and the hidden folder too
    assert capsys.readouterr().out == "Found 8 files.\n"
    assert [os.path.relpath(p, image_tree) for p in ds.file_paths][:2] == ["loose.png",
                                                                           ".hidden/1.png"]
    labels = [3, 1, 3, 1, 3, 1, 3, 1]
    ds = utils.image_dataset_from_directory(image_tree, labels=labels, image_size=(4, 4),
                                            shuffle=False, verbose=False,
                                            label_mode="categorical")
    assert ds.class_names == ["1", "3"]
    _, y = all_pairs(ds)
    # one-hot with 2 classes, as Keras: id 1 -> [0, 1], id 3 (out of range) -> all zeros
    assert y.tolist() == [[0, 0], [0, 1]] * 4
    ds = utils.image_dataset_from_directory(image_tree, class_names=["b", "a"],
                                            image_size=(4, 4), shuffle=False, verbose=False)
    _, y = all_pairs(ds)
    assert ds.class_names == ["b", "a"] and y.tolist() == [0, 0, 0, 1, 1, 1]
    ds = utils.image_dataset_from_directory(image_tree, class_names=["b"], image_size=(4, 4),
                                            verbose=False, seed=0)
    assert len(ds.file_paths) == 3


def test_image_dataset_validation_split_is_disjoint_and_complete(image_tree, capsys):
    kw = dict(image_size=(4, 4), validation_split=0.34, seed=42, batch_size=2)
    train = utils.image_dataset_from_directory(image_tree, subset="training", **kw)
    val = utils.image_dataset_from_directory(image_tree, subset="validation", **kw)
    out = capsys.readouterr().out
    assert "Using 4 files for training.\n" in out and "Using 2 files for validation.\n" in out
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(set(train.file_paths) | set(val.file_paths)) == 6
    both = utils.image_dataset_from_directory(image_tree, subset="both", **kw)
    assert isinstance(both, list) and len(both) == 2
    assert both[0].file_paths == train.file_paths and both[1].file_paths == val.file_paths
    assert both[1].class_names == ["a", "b"]
    # the validation half of "both" is not reshuffled from epoch to epoch
    assert [p.numpy().tolist() for p, _ in both[1]] == [p.numpy().tolist() for p, _ in both[1]]


def test_image_dataset_shuffles_with_seed_reproducibly(image_tree):
    def run(seed):
        ds = utils.image_dataset_from_directory(image_tree, image_size=(4, 4), seed=seed,
                                                verbose=False, batch_size=2)
        x, y = all_pairs(ds)
        return ds.file_paths, x[:, 0, 0, 0], y
    paths, red, y = run(5)
    _, red_again, y_again = run(5)
    np.testing.assert_array_equal(red, red_again)
    np.testing.assert_array_equal(y, y_again)
    # files are permuted once as Keras does, by np.random.RandomState(seed)
    order = np.arange(6)
    np.random.RandomState(5).shuffle(order)
    ordered = utils.image_dataset_from_directory(image_tree, shuffle=False, verbose=False)
    assert paths == [ordered.file_paths[i] for i in order]
    # labels follow their images through the shuffles: class a is red 30..90, b 120..180
    np.testing.assert_array_equal(y, red > 105)


def test_image_dataset_channels_first_crop_and_pad(image_tree):
    kw = dict(image_size=(4, 8), shuffle=False, verbose=False, batch_size=None,
              class_names=["a"])
    x, _ = next(iter(utils.image_dataset_from_directory(image_tree, data_format="channels_first",
                                                        **kw)))
    assert x.shape == (3, 4, 8)
    # a/1.png is 20 x 10 (tall): padding to 4 x 8 leaves zero columns either side
    x, _ = next(iter(utils.image_dataset_from_directory(image_tree, pad_to_aspect_ratio=True,
                                                        **kw)))
    x = x.numpy()
    assert x.shape == (4, 8, 3)
    np.testing.assert_array_equal(x[:, :3], 0)
    np.testing.assert_allclose(x[:, 3:5, 2], 200)
    np.testing.assert_array_equal(x[:, 5:], 0)
    x, _ = next(iter(utils.image_dataset_from_directory(image_tree, crop_to_aspect_ratio=True,
                                                        interpolation="nearest", **kw)))
    assert x.shape == (4, 8, 3) and x.dtype == tf.float32
    np.testing.assert_array_equal(x.numpy()[..., 2], 200)


def test_image_dataset_trains_a_model(image_tree):
    train, val = utils.image_dataset_from_directory(
        image_tree, image_size=(8, 8), batch_size=2, validation_split=0.5, subset="both",
        seed=3, label_mode="categorical", verbose=False)
    model = tf.keras.Sequential([tf.keras.layers.Rescaling(1 / 255.0),
                                 tf.keras.layers.Flatten(), tf.keras.layers.Dense(2)])
    model.compile("adam", tf.keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert set(history.history) >= {"loss", "val_loss", "accuracy"}
    assert model.predict(val, verbose=0).shape == (3, 2)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(subset="test", validation_split=0.2, seed=1), ValueError, "`subset` must be either"),
    (dict(subset="training"), ValueError, "`validation_split` must be set"),
    (dict(validation_split=0.2, subset="training"), ValueError, "you must provide a `seed`"),
    (dict(validation_split=1.5, subset="training", seed=1), ValueError, "between 0 and 1"),
    (dict(label_mode="binary", labels=[0, 1, 2, 0, 1, 2, 0, 1]), ValueError,
     "exactly 2"),
    (dict(label_mode="sparse"), ValueError, "`label_mode` argument must be one of"),
    (dict(color_mode="cmyk"), ValueError, "`color_mode` must be one of"),
    (dict(labels="folders"), ValueError, "`labels` argument should be a list/tuple"),
    (dict(labels=[0, 1], class_names=["a"]), ValueError, "You can only pass `class_names`"),
    (dict(labels=[0, 1]), ValueError, "Expected the lengths of `labels` to match"),
    (dict(class_names=["a", "zebra"]), ValueError, "did not match the names"),
    (dict(image_size=(1, 2, 3)), ValueError, "Invalid `image_size`"),
    (dict(interpolation="cubic"), ValueError, "Argument `interpolation` should be one of"),
    (dict(interpolation="bicubic"), NotImplementedError, "not implemented in tapeflow"),
    (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), ValueError, "Only one of"),
    (dict(data_format="nhwc"), ValueError, "The `data_format` argument must be one of"),
])
def test_image_dataset_argument_errors(image_tree, kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.image_dataset_from_directory(image_tree, verbose=False, **kwargs)


def test_image_dataset_missing_or_empty_directory(tmp_path):
    pytest.importorskip("PIL")
    with pytest.raises(FileNotFoundError, match="Could not find directory"):
        utils.image_dataset_from_directory(str(tmp_path / "nope"))
    (tmp_path / "cls").mkdir()
    with pytest.raises(ValueError, match="No images found in directory"):
        utils.image_dataset_from_directory(str(tmp_path), verbose=False)
    (tmp_path / "cls" / "a.png").write_bytes(b"not really a png")
    ds = utils.image_dataset_from_directory(str(tmp_path), verbose=False)
    with pytest.raises(ValueError, match="Could not decode the image file .*a.png"):
        list(ds)


def test_too_small_validation_split_leaves_validation_empty(image_tree):
    with pytest.raises(ValueError, match="No validation images found"):
        utils.image_dataset_from_directory(image_tree, validation_split=0.1, subset="both",
                                           seed=1, verbose=False)


# -- text_dataset_from_directory -------------------------------------------------------------
@pytest.fixture
def text_tree(tmp_path):
    return write_text_tree(tmp_path, {"pos/a.txt": "great movie", "pos/b.TXT": "loved it",
                                      "neg/a.txt": "terrible", "neg/deep/b.txt": "meh ünïcode",
                                      "neg/c.md": "ignored", "unsup/x.txt": "no label"})


def test_text_dataset_contents_labels_and_order(text_tree, capsys):
    ds = utils.text_dataset_from_directory(text_tree, shuffle=False, batch_size=2)
    assert capsys.readouterr().out == "Found 5 files belonging to 3 classes.\n"
    assert ds.class_names == ["neg", "pos", "unsup"]
    texts, labels = zip(*[(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds])
    assert sum(texts, []) == [b"terrible", "meh ünïcode".encode(), b"great movie", b"loved it",
                              b"no label"]
    assert sum(labels, []) == [0, 0, 1, 1, 2]
    x_spec, y_spec = ds.element_spec
    assert x_spec.dtype == tf.string and tuple(x_spec.shape) == (None,)
    assert next(iter(ds))[0].dtype == tf.string


def test_text_dataset_max_length_modes_and_unbatched(text_tree):
    ds = utils.text_dataset_from_directory(text_tree, class_names=["pos", "neg"],
                                           label_mode="binary", max_length=5, shuffle=False,
                                           batch_size=None, verbose=False)
    got = [(x.numpy(), y.numpy().tolist()) for x, y in ds]
    assert got == [(b"great", [0.0]), (b"loved", [0.0]), (b"terri", [1.0]), (b"meh \xc3", [1.0])]
    ds = utils.text_dataset_from_directory(text_tree, label_mode=None, verbose=False, seed=1)
    (texts,) = [x.numpy() for x in ds]
    assert sorted(texts.tolist())[0] == b"great movie" and ds.class_names is None


def test_text_dataset_validation_split(text_tree, capsys):
    train, val = utils.text_dataset_from_directory(text_tree, validation_split=0.4,
                                                   subset="both", seed=9)
    out = capsys.readouterr().out
    assert out.endswith("Using 3 files for training.\nUsing 2 files for validation.\n")
    texts = [t for ds in (train, val) for x, _ in ds for t in x.numpy().tolist()]
    assert len(texts) == len(set(texts)) == 5
    assert train.class_names == val.class_names == ["neg", "pos", "unsup"]


def test_text_dataset_errors(text_tree, tmp_path):
    with pytest.raises(ValueError, match="exactly 2"):
        utils.text_dataset_from_directory(text_tree, label_mode="binary", verbose=False)
    with pytest.raises(FileNotFoundError):
        utils.text_dataset_from_directory(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="`subset` must be either"):
        utils.text_dataset_from_directory(text_tree, validation_split=0.5, subset="all", seed=1)
    with pytest.raises(ValueError, match="class_names` cannot be specified"):
        utils.text_dataset_from_directory(text_tree, labels=None, class_names=["pos"])
    with pytest.raises(ValueError, match="No text files found"):
        utils.text_dataset_from_directory(write_text_tree(tmp_path / "e", {"c/a.md": "x"}))


# -- load_img / img_to_array / array_to_img / save_img ---------------------------------------
def test_img_to_array_without_pillow():
    x = utils.img_to_array(np.zeros((2, 3), "uint8"))
    assert x.shape == (2, 3, 1) and x.dtype == np.float32
    assert utils.img_to_array(np.zeros((2, 3)), data_format="channels_first").shape == (1, 2, 3)
    assert utils.img_to_array(np.zeros((2, 3, 3)), dtype="uint8").dtype == np.uint8
    with pytest.raises(ValueError, match="Unsupported image shape"):
        utils.img_to_array(np.zeros(3))


def test_save_and_load_round_trip(tmp_path):
    pytest.importorskip("PIL")
    rgb = np.random.RandomState(0).randint(0, 256, (5, 7, 3)).astype("float32")
    path = str(tmp_path / "x.png")
    utils.save_img(path, rgb, scale=False)
    img = utils.load_img(path)
    assert img.size == (7, 5) and img.mode == "RGB"
    np.testing.assert_array_equal(utils.img_to_array(img), rgb)
    gray = utils.img_to_array(utils.load_img(path, color_mode="grayscale"))
    assert gray.shape == (5, 7, 1)
    rgba = utils.img_to_array(utils.load_img(path, color_mode="rgba"))
    assert rgba.shape == (5, 7, 4) and (rgba[..., 3] == 255).all()
    small = utils.load_img(path, target_size=(3, 4), interpolation="bilinear")
    assert small.size == (4, 3)
    with open(path, "rb") as f:
        from_bytes = utils.load_img(io.BytesIO(f.read()))
    np.testing.assert_array_equal(utils.img_to_array(from_bytes), rgb)
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(path, color_mode="hsv")
    with pytest.raises(ValueError, match="Invalid interpolation method"):
        utils.load_img(path, target_size=(2, 2), interpolation="area")
    with pytest.raises(TypeError, match="path should be path-like"):
        utils.load_img(42)


def test_load_img_keep_aspect_ratio_crops_the_center(tmp_path):
    pytest.importorskip("PIL")
    x = np.zeros((4, 12, 1), "float32")
    x[:, 4:8] = 255  # only the central 4 columns are white
    path = str(tmp_path / "wide.png")
    utils.save_img(path, x, scale=False)
    img = utils.load_img(path, color_mode="grayscale", target_size=(2, 2),
                         keep_aspect_ratio=True)
    np.testing.assert_array_equal(utils.img_to_array(img)[..., 0], 255)


def test_array_to_img_scaling_modes_and_errors():
    pytest.importorskip("PIL")
    img = utils.array_to_img(np.array([[[0.0], [0.5]], [[1.0], [0.25]]]))
    assert img.mode == "L"
    np.testing.assert_array_equal(np.asarray(img), [[0, 127], [255, 63]])
    assert utils.array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    assert utils.array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    assert utils.array_to_img(np.zeros((3, 2, 2)), data_format="channels_first").size == (2, 2)
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number"):
        utils.array_to_img(np.zeros((2, 2, 2)))


def test_save_img_is_atomic_and_keeps_normal_permissions(tmp_path, monkeypatch):
    Image = pytest.importorskip("PIL.Image")
    path = tmp_path / "x.jpg"
    path.write_bytes(b"old contents")
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        utils.save_img(str(path), np.zeros((4, 4, 4)))
    assert utils.load_img(str(path)).size == (4, 4)
    assert os.listdir(tmp_path) == ["x.jpg"]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask

    def broken_save(self, fp, format=None, **kwargs):
        fp.write(b"half an ima")
        raise OSError("disk full")
    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        utils.save_img(str(path), np.zeros((4, 4, 3)))
    assert os.listdir(tmp_path) == ["x.jpg"]
    monkeypatch.undo()
    assert utils.load_img(str(path)).size == (4, 4)  # the previous image is intact


def test_save_img_formats_and_file_objects(tmp_path):
    pytest.importorskip("PIL")
    buf = io.BytesIO()
    utils.save_img(buf, np.zeros((2, 3, 3)), file_format="png")
    assert buf.getvalue().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="pass `file_format`"):
        utils.save_img(io.BytesIO(), np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="cannot tell the image format"):
        utils.save_img(str(tmp_path / "x.unknown"), np.zeros((2, 3, 3)))
    utils.save_img(str(tmp_path / "y.data"), np.zeros((2, 3, 3)), file_format="jpg")
    assert utils.load_img(str(tmp_path / "y.data")).format == "JPEG"


# -- Pillow is optional ----------------------------------------------------------------------
def test_clear_error_when_pillow_is_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    calls = [lambda: utils.load_img(str(tmp_path / "x.png")),
             lambda: utils.array_to_img(np.zeros((2, 2, 3))),
             lambda: utils.save_img(str(tmp_path / "x.png"), np.zeros((2, 2, 3))),
             lambda: utils.image_dataset_from_directory(str(tmp_path))]
    for call in calls:
        with pytest.raises(ImportError, match=r'pip install "tapeflow\[image\]"'):
            call()


def test_import_loads_no_pillow_nor_data_pipeline():
    code = ("import sys, tapeflow as tf; tf.keras.utils.to_categorical([0]); "
            "print('PIL' in sys.modules, 'tapeflow.data' in sys.modules); "
            "tf.keras.utils.image_dataset_from_directory; tf.keras.utils.load_img; "
            "print('PIL' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
                         check=True).stdout
    assert out.split() == ["False", "False", "False"]


def test_lazy_names_are_listed():
    for name in ("timeseries_dataset_from_array", "split_dataset", "image_dataset_from_directory",
                 "text_dataset_from_directory", "load_img", "img_to_array", "array_to_img",
                 "save_img"):
        assert name in utils.__all__ and name in dir(utils) and callable(getattr(utils, name))
    with pytest.raises(AttributeError):
        utils.no_such_helper


def test_loaders_and_image_helpers_are_also_in_keras_preprocessing():
    # Keras 3 (and tf.keras 2) export them there; its weather-forecasting example calls
    # keras.preprocessing.timeseries_dataset_from_array
    keras = tf.keras
    for name in ("timeseries_dataset_from_array", "image_dataset_from_directory",
                 "text_dataset_from_directory"):
        assert getattr(keras.preprocessing, name) is getattr(keras.utils, name)
    for name in ("load_img", "img_to_array", "array_to_img", "save_img"):
        assert getattr(keras.preprocessing.image, name) is getattr(keras.utils, name)
    ds = keras.preprocessing.timeseries_dataset_from_array(np.arange(10), None, 4,
                                                           batch_size=8)
    assert next(iter(ds)).shape == (7, 4)
