"""MNIST handwritten digits, read from a local ``mnist.npz`` (never downloaded)."""
from . import _local_npz

__all__ = ["load_data"]


def load_data(path="mnist.npz"):
    """Loads MNIST from ``path`` (or ``~/.keras/datasets/mnist.npz``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(N, 28, 28)`` and labels.

    Raises:
        FileNotFoundError: naming where to put the file when there is no local copy.
    """
    return _local_npz.load(path, "mnist.npz", "MNIST")
