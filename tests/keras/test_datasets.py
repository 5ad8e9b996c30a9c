"""Bundled datasets: shapes, dtypes, the fixed split, and the local-file readers."""
import numpy as np
import pytest

import tapeflow as tf

datasets = tf.keras.datasets


@pytest.mark.parametrize("name,n,features,classes", [
    ("iris", 150, 4, 3), ("wine", 178, 13, 3), ("breast_cancer", 569, 30, 2)])
def test_tabular_sizes_and_classes(name, n, features, classes):
    (x, y), (xt, yt) = getattr(datasets, name).load_data()
    assert len(x) + len(xt) == n and len(xt) == n - int(n * 0.8)
    assert x.shape[1] == features and x.dtype == np.float32
    assert set(np.concatenate([y, yt]).tolist()) == set(range(classes))


def test_digits_images_and_deterministic_split():
    (x, y), (xt, yt) = datasets.digits.load_data()
    assert x.shape == (1437, 8, 8) and xt.shape == (360, 8, 8)
    assert x.dtype == np.uint8 and 0 <= x.min() and x.max() == 16
    assert np.bincount(np.concatenate([y, yt])).sum() == 1797
    (x2, y2), _ = datasets.digits.load_data()
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    (x3, _), (xt3, _) = datasets.digits.load_data(test_split=0.5, seed=1)
    assert len(x3) == 898 and not np.array_equal(x3[:10], x[:10])


def test_mnist_missing_file_says_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="mnist.npz"):
        datasets.mnist.load_data(path=str(tmp_path / "mnist.npz"))


def test_mnist_reads_a_local_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((3, 28, 28), "uint8"), y_train=np.arange(3),
             x_test=np.zeros((2, 28, 28), "uint8"), y_test=np.arange(2))
    (x, y), (xt, yt) = datasets.mnist.load_data(path=str(path))
    assert x.shape == (3, 28, 28) and yt.tolist() == [0, 1]
    bad = tmp_path / "bad.npz"
    np.savez(bad, a=np.zeros(1))
    with pytest.raises(ValueError, match="not a valid"):
        datasets.fashion_mnist.load_data(path=str(bad))
