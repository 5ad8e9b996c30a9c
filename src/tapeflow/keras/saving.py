"""``tf.keras.saving``: whole models (``save_model`` / ``load_model``, Keras 3's ``.keras``
format, see ``saving_lib``), object configs (``serialize_keras_object`` ...), the custom
object registry, and weights alone: ``save_weights`` / ``load_weights``.

Two formats, chosen by the file name:

* ``*.weights.npz`` — dependency-free NumPy archive. Entries ``w000000``, ``w000001`` ...
  hold the arrays in ``model.weights`` order; ``__paths__`` holds the variable paths and
  ``__format__`` the string ``'tapeflow.weights.v1'``.
* ``*.weights.h5`` — HDF5 through the optional ``h5py`` package: one dataset per weight
  named by its index (``"000000"``) under the group ``weights``, with the variable path
  as the dataset's ``path`` attribute.

Loading is by position in ``model.weights`` (the model must be built); each array's shape
must match. Files are written to a temporary file in the same directory and renamed, so
an interrupted save never leaves a half-written file behind.
"""
import importlib as _importlib
import os
import zipfile

from .._atomic import write_atomically
from ..backend import np

# Re-exported name -> the module (in tapeflow.keras) that defines it, imported on first use.
_LAZY = {"save_model": "saving_lib", "load_model": "saving_lib",
         "serialize_keras_object": "serialization", "deserialize_keras_object": "serialization",
         "enable_unsafe_deserialization": "serialization",
         "register_keras_serializable": "object_registration",
         "get_registered_name": "object_registration",
         "get_registered_object": "object_registration",
         "get_custom_objects": "object_registration",
         "custom_object_scope": "object_registration", "CustomObjectScope": "object_registration"}

__all__ = ["save_weights", "load_weights"] + list(_LAZY)


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError("module 'tapeflow.keras.saving' has no attribute %r" % name)
    value = getattr(_importlib.import_module("." + _LAZY[name], __package__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

_FORMAT = "tapeflow.weights.v1"


def _kind(filepath, action):
    path = os.fspath(filepath)
    if path.endswith(".weights.npz"):
        return "npz"
    if path.endswith(".weights.h5"):
        return "h5"
    if action == "save":
        raise ValueError("The filename must end in `.weights.h5` (HDF5, needs h5py) or "
                         "`.weights.npz` (NumPy). Received: filepath=%s" % path)
    raise ValueError("File format not supported: filepath=%s. tapeflow loads `.weights.h5` "
                     "and `.weights.npz` files written by `save_weights`, and the weights in "
                     "a `.keras` file." % path)


def _import_h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Saving to `.weights.h5` needs the h5py package (`pip install "
                          "h5py`). Or use a `.weights.npz` file name, which needs nothing "
                          "extra.") from None
    return h5py


def save_weights(model, filepath, overwrite=True):
    """Writes ``model.weights`` to ``filepath`` (see the module docstring for the formats).

    >>> import os, tempfile, tapeflow as tf
    >>> m = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.npz")
    >>> m.save_weights(path); m.load_weights(path)
    """
    path = os.fspath(filepath)
    kind = _kind(path, "save")
    if not overwrite and os.path.exists(path):
        raise FileExistsError("%s exists and overwrite=False." % path)
    weights = model.weights
    arrays = [np.asarray(v._value) for v in weights]
    paths = [getattr(v, "path", v.name) for v in weights]
    if kind == "npz":
        def write(tmp):
            entries = {"w%06d" % i: a for i, a in enumerate(arrays)}
            entries["__paths__"] = np.array(paths, dtype=str)
            entries["__format__"] = np.array(_FORMAT)
            with open(tmp, "wb") as f:
                np.savez(f, **entries)
    else:
        h5py = _import_h5py()

        def write(tmp):
            with h5py.File(tmp, "w") as f:
                f.attrs["format"] = _FORMAT
                group = f.create_group("weights")
                for i, (a, p) in enumerate(zip(arrays, paths)):
                    ds = group.create_dataset("%06d" % i, data=a)
                    ds.attrs["path"] = p
    write_atomically(path, write)


def _read(path, kind):
    if not os.path.exists(path):
        raise FileNotFoundError("Weights file not found: %s" % path)
    if kind == "npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                if "__format__" not in data.files:
                    raise ValueError("not written by tapeflow's save_weights")
                n = sum(1 for k in data.files if k.startswith("w"))
                arrays = [data["w%06d" % i] for i in range(n)]
                paths = [str(p) for p in data["__paths__"]]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
            raise ValueError("Could not read weights from %s: the file is corrupt or not a "
                             "tapeflow weights file (%s)." % (path, e)) from None
        return arrays, paths
    h5py = _import_h5py()
    try:
        with h5py.File(path, "r") as f:
            group = f["weights"]
            names = sorted(group.keys())
            arrays = [np.asarray(group[n]) for n in names]
            paths = [str(group[n].attrs.get("path", n)) for n in names]
    except (OSError, KeyError, ValueError) as e:
        raise ValueError("Could not read weights from %s: the file is corrupt or not a "
                         "tapeflow weights file (%s)." % (path, e)) from None
    return arrays, paths


def load_weights(model, filepath, skip_mismatch=False):
    """Assigns the weights stored in ``filepath`` to ``model.weights``, in order.

    Raises ValueError for a different number of weights or a shape mismatch (with
    ``skip_mismatch=True`` mismatched weights are skipped with a warning instead), and
    for a corrupt file; FileNotFoundError if it does not exist.
    """
    path = os.fspath(filepath)
    if path.endswith(".keras"):  # the weights inside a whole-model file (Keras 3 reads them)
        from .saving_lib import load_weights_only
        return load_weights_only(model, path, skip_mismatch=skip_mismatch)
    kind = _kind(path, "load")
    arrays, paths = _read(path, kind)
    weights = model.weights
    if not weights and arrays:
        raise ValueError("Model '%s' has no weights yet: build it (call it on a batch, or give "
                         "it an Input) before loading %d weights from %s."
                         % (model.name, len(arrays), path))
    if len(arrays) != len(weights):
        raise ValueError("Weight count mismatch: %s holds %d weights but model '%s' has %d. "
                         "Saved: %s; model: %s" % (path, len(arrays), model.name, len(weights),
                                                   paths, [v.path for v in weights]))
    import warnings
    for v, a, p in zip(weights, arrays, paths):
        if tuple(v.shape) != tuple(a.shape):
            if skip_mismatch:
                warnings.warn("Skipping weight %s: saved shape %s, model shape %s."
                              % (v.path, tuple(a.shape), tuple(v.shape)), stacklevel=3)
                continue
            raise ValueError("Shape mismatch loading %s: weight %s (saved as %s) has shape %s in "
                             "the model but %s in the file." % (path, v.path, p,
                                                                tuple(v.shape), tuple(a.shape)))
    for v, a in zip(weights, arrays):
        if tuple(v.shape) == tuple(a.shape):
            v.assign(a.astype(v._value.dtype, copy=False))
