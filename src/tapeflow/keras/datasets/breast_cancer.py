"""Breast cancer Wisconsin diagnostic (569 samples, 30 float features, 2 classes:
0 malignant, 1 benign), bundled from scikit-learn."""
from . import _tabular

__all__ = ["load_data"]


def load_data(test_split=0.2, seed=113):
    """Loads the breast_cancer dataset shipped with tapeflow (nothing is downloaded).

    Features are float32, labels int64 class ids. Samples are shuffled with
    ``np.random.RandomState(seed)`` and the last ``test_split`` fraction is the test set,
    the same split on every machine.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    >>> import tapeflow as tf
    >>> (x, y), (xt, yt) = tf.keras.datasets.breast_cancer.load_data()
    >>> len(x) + len(xt) == len(y) + len(yt)
    True
    """
    return _tabular.load("breast_cancer.csv.gz", test_split, seed)
