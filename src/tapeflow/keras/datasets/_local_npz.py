"""Datasets too large to bundle (MNIST, Fashion-MNIST): read from a local ``.npz``."""
import os

from ...backend import np

_CACHE = os.path.join(os.path.expanduser("~"), ".keras", "datasets")


def load(path, default_name, what):
    """``(x_train, y_train), (x_test, y_test)`` from an ``.npz`` with Keras's key names."""
    candidates = [path] if os.path.isabs(path) or os.path.dirname(path) else \
        [path, os.path.join(_CACHE, path)]
    for candidate in candidates:
        if os.path.exists(candidate):
            try:
                with np.load(candidate, allow_pickle=False) as f:
                    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
            except (KeyError, ValueError, OSError) as e:
                raise ValueError("%s is not a valid %s file (expected arrays x_train, y_train, "
                                 "x_test, y_test): %s" % (candidate, what, e)) from None
    raise FileNotFoundError(
        "%s is not bundled with tapeflow and tapeflow never downloads. Put a copy of Keras's "
        "%s (arrays x_train, y_train, x_test, y_test) at %s, or pass its location: "
        "load_data(path='/path/to/%s'). It is available from "
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/%s. Looked in: %s"
        % (what, default_name, os.path.join(_CACHE, default_name), default_name, default_name,
           ", ".join(candidates)))
