"""Reading the small datasets bundled in ``data/`` and splitting them the same way every time."""
import gzip
import os

from ...backend import np

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def read_csv(filename, header=True):
    """A scikit-learn data file: rows of features followed by the integer target, after a
    header ``n_samples,n_features,names...`` (digits has none). Returns
    ``(features float64, target int64)``."""
    path = os.path.join(DATA_DIR, filename)
    if not os.path.exists(path):
        raise FileNotFoundError("Bundled dataset file %s is missing: reinstall tapeflow (the "
                                "package data under tapeflow/keras/datasets/data/)." % path)
    opener = gzip.open if filename.endswith(".gz") else open
    with opener(path, "rt") as f:
        n_samples = int(f.readline().split(",")[0]) if header else None
        table = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    if n_samples is not None and table.shape[0] != n_samples:
        raise ValueError("Bundled dataset %s is damaged: expected %d rows, found %d."
                         % (path, n_samples, table.shape[0]))
    return table[:, :-1], table[:, -1].astype(np.int64)


def split(x, y, test_split, seed):
    """Shuffles with ``np.random.RandomState(seed)`` (a stream NumPy keeps stable) and
    returns ``(x_train, y_train), (x_test, y_test)`` with the last ``test_split`` as test."""
    if not 0 <= test_split < 1:
        raise ValueError("`test_split` must be in [0, 1); received %s" % (test_split,))
    order = np.random.RandomState(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
