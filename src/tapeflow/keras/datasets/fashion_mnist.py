"""Fashion-MNIST, read from a local ``fashion_mnist.npz`` (never downloaded)."""
from . import _local_npz

__all__ = ["load_data"]


def load_data(path="fashion_mnist.npz"):
    """Loads Fashion-MNIST from ``path`` (or ``~/.keras/datasets/fashion_mnist.npz``), a
    NumPy archive with arrays ``x_train, y_train, x_test, y_test``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.
    """
    return _local_npz.load(path, "fashion_mnist.npz", "Fashion-MNIST")
