"""File sources on files the tests write: list_files, TextLineDataset, make_csv_dataset."""
import collections
import gzip

import numpy as np
import pytest

import tapeflow as tf


def write(path, text):
    path.write_text(text)
    return str(path)


def test_text_lines_strip_line_endings(tmp_path):
    a = write(tmp_path / "a.txt", "first\nsecond\r\nlast")
    b = write(tmp_path / "b.txt", "\nafter blank\n")
    ds = tf.data.TextLineDataset([a, b])
    lines = list(ds)
    assert [x.numpy() for x in lines] == [b"first", b"second", b"last", b"", b"after blank"]
    assert lines[0].dtype == tf.string and lines[0].shape == ()
    assert ds.element_spec.dtype == tf.string
    assert list(ds.batch(2).as_numpy_iterator())[0].tolist() == [b"first", b"second"]


def test_text_lines_from_gzip_and_from_a_dataset_of_names(tmp_path):
    path = tmp_path / "z.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"x\ny\n")
    ds = tf.data.TextLineDataset(str(path), compression_type="GZIP")
    assert [x.numpy() for x in ds] == [b"x", b"y"]
    names = tf.data.Dataset.from_tensor_slices([str(path)])
    assert [x.numpy() for x in tf.data.TextLineDataset(names, compression_type="GZIP")] == [b"x", b"y"]


def test_text_lines_missing_file_and_bad_compression(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
        list(tf.data.TextLineDataset(str(tmp_path / "missing.txt")))
    with pytest.raises(tf.errors.InvalidArgumentError, match="compression_type"):
        tf.data.TextLineDataset("x.txt", compression_type="BZ2")


def test_text_lines_map_and_skip_header(tmp_path):
    path = write(tmp_path / "n.csv", "value\n1\n2\n3\n")
    ds = tf.data.TextLineDataset(path).skip(1).map(lambda line: tf.constant(int(line.numpy())))
    assert [int(x) for x in ds] == [1, 2, 3]


def test_list_files_sorted_or_shuffled(tmp_path):
    names = [write(tmp_path / ("f%d.txt" % i), "") for i in range(6)]
    ordered = [x.numpy().decode() for x in tf.data.Dataset.list_files(str(tmp_path / "*.txt"),
                                                                      shuffle=False)]
    assert ordered == sorted(names)
    shuffled = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), seed=3)
    first = [x.numpy().decode() for x in shuffled]
    assert sorted(first) == sorted(names)
    assert any([x.numpy().decode() for x in shuffled] != first for _ in range(5))
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        tf.data.Dataset.list_files(str(tmp_path / "*.nothing"))


def test_make_csv_dataset_infers_types_and_splits_the_label(tmp_path):
    path = write(tmp_path / "d.csv", "age,height,name,label\n1,1.5,ann,0\n2,2.5,bob,1\n3,,cy,1\n")
    ds = tf.data.experimental.make_csv_dataset(path, batch_size=2, label_name="label",
                                               num_epochs=1, shuffle=False)
    batches = list(ds)
    assert len(batches) == 2
    features, label = batches[0]
    assert isinstance(features, collections.OrderedDict) and list(features) == ["age", "height", "name"]
    assert features["age"].dtype == tf.int32 and features["height"].dtype == tf.float32
    assert features["name"].numpy().tolist() == [b"ann", b"bob"]
    assert label.numpy().tolist() == [0, 1]
    assert batches[1][0]["height"].numpy().tolist() == [0.0]   # empty field -> default 0


def test_make_csv_dataset_defaults_repeat_forever_and_shuffle(tmp_path):
    rows = "\n".join("%d,%d" % (i, i % 2) for i in range(10))
    path = write(tmp_path / "r.csv", "x,y\n" + rows + "\n")
    ds = tf.data.experimental.make_csv_dataset(path, batch_size=4, shuffle_seed=1)
    assert int(ds.cardinality()) == tf.data.INFINITE_CARDINALITY
    seen = [int(v) for batch in ds.take(5) for v in batch["x"]]
    assert len(seen) == 20 and sorted(seen[:10]) == list(range(10))


def test_make_csv_dataset_select_columns_and_errors(tmp_path):
    path = write(tmp_path / "s.csv", "a,b,c\n1,2,3\n4,5,6\n")
    ds = tf.data.experimental.make_csv_dataset(path, 2, select_columns=["c", "a"], num_epochs=1,
                                               shuffle=False)
    assert {k: v.numpy().tolist() for k, v in next(iter(ds)).items()} == {"a": [1, 4], "c": [3, 6]}
    with pytest.raises(ValueError, match="label_name"):
        tf.data.experimental.make_csv_dataset(path, 2, label_name="zzz")
    bad = write(tmp_path / "bad.csv", "a,b\n1,2\n3\n")
    with pytest.raises(tf.errors.InvalidArgumentError, match="row 2 has 1 fields"):
        tf.data.experimental.make_csv_dataset(bad, 2)
    assert np.asarray(next(iter(tf.data.experimental.make_csv_dataset(
        bad, 1, ignore_errors=True, num_epochs=1)))["a"]).tolist() == [1]


def test_make_csv_dataset_without_header_and_with_defaults(tmp_path):
    path = write(tmp_path / "h.csv", "1,x\n2,\n")
    ds = tf.data.experimental.make_csv_dataset(
        path, 2, column_names=["n", "s"], column_defaults=[tf.float32, "none"], header=False,
        num_epochs=1, shuffle=False)
    batch = next(iter(ds))
    assert batch["n"].dtype == tf.float32 and batch["n"].numpy().tolist() == [1.0, 2.0]
    assert batch["s"].numpy().tolist() == [b"x", b"none"]
    with pytest.raises(ValueError, match="column_names"):
        tf.data.experimental.make_csv_dataset(path, 2, header=False)
