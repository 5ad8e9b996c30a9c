"""8×8 handwritten digits (scikit-learn's copy of the UCI test set, 1,797 images), bundled."""
from ...backend import np
from . import _bundled

__all__ = ["load_data"]


def load_data(test_split=0.2, seed=113):
    """Loads the digits dataset shipped with tapeflow (nothing is downloaded).

    Images are ``uint8`` arrays of shape ``(8, 8)`` with values 0–16 (divide by 16 to
    scale to [0, 1]); labels are ``uint8`` digits 0–9. The samples are shuffled with
    ``np.random.RandomState(seed)`` and the last ``test_split`` fraction is the test set:
    with the defaults, 1,437 training and 360 test images, the same on every machine.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    >>> import tapeflow as tf
    >>> (x, y), (xt, yt) = tf.keras.datasets.digits.load_data()
    >>> x.shape, xt.shape, x.dtype, int(x.max())
    ((1437, 8, 8), (360, 8, 8), dtype('uint8'), 16)
    """
    x, y = _bundled.read_csv("digits.csv.gz", header=False)
    images = x.astype(np.uint8).reshape(-1, 8, 8)
    (xtr, ytr), (xte, yte) = _bundled.split(images, y.astype(np.uint8), test_split, seed)
    return (xtr, ytr), (xte, yte)
