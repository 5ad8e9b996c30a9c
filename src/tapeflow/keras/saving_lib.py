"""Whole-model saving in Keras 3's ``.keras`` format: ``save_model`` / ``load_model``.

A ``.keras`` file is a zip archive (stored, not compressed) holding, as Keras 3's
``saving_lib`` writes it:

* ``metadata.json`` — ``{"keras_version", "date_saved"}``;
* ``config.json`` — the model's ``serialize_keras_object`` config, with its
  ``build_config`` and ``compile_config``;
* ``model.weights.h5`` — each layer's and the optimizer's own variables under
  ``<path>/vars/<i>``, the path being the attribute path Keras walks: ``layers/dense/vars/0``,
  ``layers/lstm/cell/vars/1``, ``optimizer/vars/0`` (see ``weights_tree``);
* ``assets/<path>/...`` — files of objects with ``save_assets(dir)`` (Keras's hook). A
  Keras-written lookup layer's ``vocabulary.txt`` is read back into tapeflow's lookup layers,
  which otherwise keep their vocabulary in their config.

The weights file needs the optional ``h5py`` package. Writing goes to a temporary file in
the target folder that replaces the target at the end, so a failed save leaves no partial
file behind.
"""
import datetime
import io
import json
import os
import shutil
import tempfile
import warnings
import zipfile

from .._atomic import write_atomically
from ..backend import np
from .serialization import ObjectSharingScope, deserialize_keras_object, serialize_keras_object
from .weights_tree import H5Store, load_state, save_state, walk

__all__ = ["save_model", "load_model", "load_weights_only"]

_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_ASSETS = "assets"
# The earliest Keras that reads these files (tapeflow writes dtypes as plain names).
_KERAS_VERSION = "3.0.0"


def _import_h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Saving or loading a whole model (`.keras`) needs the h5py package "
                          "for its weights file (`pip install h5py`). Without it, save the "
                          "weights alone with `model.save_weights('name.weights.npz')`.") \
            from None
    return h5py


# -- public API -----------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves ``model`` (architecture, weights, optimizer state, compile arguments) as a
    Keras 3 ``.keras`` file (``zipped=False``: a folder holding the same three files).

    Args:
        model: a built Sequential, functional or subclassed model.
        filepath: path ending in ``.keras`` (any folder name with ``zipped=False``), or a
            writable binary file object.
        overwrite: replace an existing file; False asks on the terminal, as Keras does.
        zipped: False writes a folder instead of a zip archive.

    >>> import os, tempfile, numpy as np, tapeflow as tf
    >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> clone = tf.keras.models.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> np.array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    True
    """
    kwargs.pop("include_optimizer", None)  # Keras 3 accepts and ignores it
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError("The following argument(s) are not supported: %s" % list(kwargs))
    if save_format not in (None, "keras"):
        raise ValueError("The `save_format` argument is deprecated in Keras 3 and tapeflow "
                         "supports only the `.keras` format. Received: save_format=%r"
                         % (save_format,))
    if not getattr(model, "built", False):
        warnings.warn("You are saving a model that has not yet been built. It might not contain "
                      "any weights yet. Consider building the model first by calling it on some "
                      "data.", stacklevel=3)
    if isinstance(filepath, io.IOBase):
        _write_archive(model, filepath)
        return
    path = os.fspath(filepath)
    zipped = True if zipped is None else zipped
    if zipped:
        _check_extension(path, "save")
    if os.path.exists(path) and not overwrite and not _ask_to_overwrite(path):
        return
    if zipped:
        write_atomically(path, lambda tmp: _write_archive_to_path(model, tmp))
    else:
        _write_folder_atomically(path, model)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by ``model.save`` (tapeflow or Keras 3): a ``.keras`` file, a
    folder written with ``zipped=False``, or a readable binary file object.

    Args:
        custom_objects: ``{name: class or function}`` for your own layers, models, losses.
        compile: restore the optimizer (with its state), loss and metrics.
        safe_mode: refuse ``lambda`` bytecode (``Lambda`` layers), as Keras does.
    """
    if isinstance(filepath, io.IOBase):
        with zipfile.ZipFile(filepath, "r") as archive:
            return _load(_ZipSource(archive), custom_objects, compile, safe_mode)
    path = os.fspath(filepath)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, _CONFIG)):
        return _load(_FolderSource(path), custom_objects, compile, safe_mode)
    _check_extension(path, "load")
    if not os.path.exists(path):
        raise ValueError("File not found: filepath=%s. Please ensure the file is an accessible "
                         "`.keras` zip file." % path)
    if not zipfile.is_zipfile(path):
        raise ValueError("%s is not a `.keras` zip archive: the file is corrupt or was not "
                         "written by `model.save()`." % path)
    with zipfile.ZipFile(path, "r") as archive:
        return _load(_ZipSource(archive), custom_objects, compile, safe_mode)


def _check_extension(path, action):
    if path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5"):
        raise ValueError("%s: the legacy HDF5 whole-model format (`.h5`) is not supported by "
                         "tapeflow. Use a `.keras` file name (Keras 3's format), or "
                         "`save_weights('name.weights.h5')` for the weights alone."
                         % (path if action == "load" else "model.save(%r)" % path))
    if not path.endswith(".keras"):
        if action == "save":
            raise ValueError("Invalid filepath extension for saving. Please add a `.keras` "
                             "extension for the native Keras format (or pass zipped=False to "
                             "write a folder). Received: filepath=%s" % path)
        raise ValueError("File format not supported: filepath=%s. Keras 3 (and tapeflow) load "
                         "`.keras` files and folders saved with `zipped=False`; for weights "
                         "alone use `model.load_weights()`." % path)


def _ask_to_overwrite(path):
    """Keras's prompt; without a terminal to answer it, refuses instead of guessing."""
    try:
        answer = input("[WARNING] %s already exists - overwrite? [y/n]" % path).strip().lower()
        while answer not in ("y", "n"):
            answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    except (EOFError, OSError):
        raise FileExistsError("%s exists and overwrite=False (no terminal to confirm "
                              "overwriting it)." % path) from None
    return answer == "y"


# -- writing --------------------------------------------------------------------------------
def _serialized(model):
    """``(config.json text, metadata.json text)`` of a model."""
    with ObjectSharingScope():
        config = serialize_keras_object(model)
    metadata = {"keras_version": _KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    return json.dumps(config), json.dumps(metadata)


def _weights_bytes(model):
    h5py = _import_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        save_state(model, H5Store(f), "", set())
    return buffer.getvalue()


def _assets(model):
    """``{archive name: bytes}`` written by objects with a ``save_assets(dir)`` method."""
    files = {}

    def collect(obj, path):
        if not hasattr(obj, "save_assets"):
            return
        with tempfile.TemporaryDirectory() as folder:
            obj.save_assets(folder)
            for root, _, names in os.walk(folder):
                for name in names:
                    full = os.path.join(root, name)
                    relative = os.path.relpath(full, folder).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        files["/".join(p for p in (_ASSETS, path, relative) if p)] = f.read()
    walk(model, "", set(), collect)
    return files


def _write_archive(model, fileobj):
    config_json, metadata_json = _serialized(model)
    weights, assets = _weights_bytes(model), _assets(model)
    with zipfile.ZipFile(fileobj, "w") as archive:  # stored: Keras does not compress either
        archive.writestr(_METADATA, metadata_json)
        archive.writestr(_CONFIG, config_json)
        archive.writestr(_WEIGHTS, weights)
        for name, data in assets.items():
            archive.writestr(name, data)


def _write_archive_to_path(model, path):
    with open(path, "wb") as f:
        _write_archive(model, f)


def _write_folder_atomically(path, model):
    """Writes the three files into a new folder beside ``path``, then swaps it in."""
    parent = os.path.dirname(os.path.abspath(path))
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
    try:
        config_json, metadata_json = _serialized(model)
        with open(os.path.join(tmp, _METADATA), "w") as f:
            f.write(metadata_json)
        with open(os.path.join(tmp, _CONFIG), "w") as f:
            f.write(config_json)
        with open(os.path.join(tmp, _WEIGHTS), "wb") as f:
            f.write(_weights_bytes(model))
        for name, data in _assets(model).items():
            os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        if os.path.isdir(path):
            old = tempfile.mkdtemp(prefix=".old-", dir=parent)
            os.replace(path, os.path.join(old, "model"))
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- reading --------------------------------------------------------------------------------
class _ZipSource:
    def __init__(self, archive):
        self.archive = archive

    def names(self):
        return self.archive.namelist()

    def read(self, name):
        return self.archive.read(name)


class _FolderSource:
    def __init__(self, path):
        self.path = path

    def names(self):
        return [os.path.relpath(os.path.join(root, name), self.path).replace(os.sep, "/")
                for root, _, names in os.walk(self.path) for name in names]

    def read(self, name):
        with open(os.path.join(self.path, name), "rb") as f:
            return f.read()


def _load(source, custom_objects, compile, safe_mode):
    h5py = _import_h5py()
    names = source.names()
    if _CONFIG not in names:
        raise ValueError("Not a Keras model file: it has no %s (members: %s)." % (_CONFIG, names))
    config = json.loads(source.read(_CONFIG))
    if not compile:
        config["compile_config"] = None
    if _WEIGHTS not in names:
        raise ValueError("Expected a %s file in the model archive; found %s. (Keras's `.npz` "
                         "weights variant is not supported by tapeflow.)" % (_WEIGHTS, names))
    with ObjectSharingScope():
        model = deserialize_keras_object(config, custom_objects, safe_mode=safe_mode)
    errors = []
    with h5py.File(io.BytesIO(source.read(_WEIGHTS)), "r") as f:
        load_state(model, H5Store(f), "", set(), errors)
    if errors:
        raise ValueError("A total of %d objects could not be loaded. Example error message for "
                         "object %s:\n\n%s\n\nList of objects that could not be loaded:\n%s"
                         % (len(errors), errors[0][0], errors[0][1], [e[0] for e in errors]))
    assets = [name for name in names if name.startswith(_ASSETS + "/")]
    if assets:
        walk(model, "", set(), lambda obj, path: _load_assets(obj, path, assets, source))
    return model


def load_weights_only(model, filepath, skip_mismatch=False):
    """``model.load_weights('name.keras')``: assigns the weights (and the optimizer's state)
    stored in a ``.keras`` file to an already built ``model``, as Keras 3 does; with
    ``skip_mismatch=True`` a layer whose variables do not match is skipped with a warning."""
    h5py = _import_h5py()
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError("No such file: %s" % path)
    if not zipfile.is_zipfile(path):
        raise ValueError("%s is not a `.keras` zip archive: the file is corrupt or was not "
                         "written by `model.save()`." % path)
    with zipfile.ZipFile(path, "r") as archive:
        if _WEIGHTS not in archive.namelist():
            raise ValueError("Expected a %s file in the model archive %s." % (_WEIGHTS, path))
        weights = archive.read(_WEIGHTS)
    errors = []
    with h5py.File(io.BytesIO(weights), "r") as f:
        load_state(model, H5Store(f), "", set(), errors)
    if errors and skip_mismatch:
        for obj, message in errors:
            warnings.warn("Skipping loading weights for %s: %s" % (obj, message), stacklevel=3)
    elif errors:
        raise ValueError("A total of %d objects could not be loaded from %s. Example error "
                         "message for object %s:\n\n%s\n\nList of objects that could not be "
                         "loaded:\n%s" % (len(errors), path, errors[0][0], errors[0][1],
                                           [e[0] for e in errors]))


def _load_assets(obj, path, assets, source):
    """Gives an object its files under ``assets/<path>/``: through its ``load_assets(dir)``,
    or, for a lookup layer whose vocabulary Keras kept out of the config, ``vocabulary.txt``."""
    prefix = "/".join(p for p in (_ASSETS, path) if p) + "/"
    mine = [name for name in assets if name.startswith(prefix)]
    if not mine:
        return
    if hasattr(obj, "load_assets"):
        with tempfile.TemporaryDirectory() as folder:
            for name in mine:
                target = os.path.join(folder, *name[len(prefix):].split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(source.read(name))
            obj.load_assets(folder)
        return
    if prefix + "vocabulary.txt" in mine and hasattr(obj, "set_vocabulary") and \
            not obj.get_vocabulary(include_special_tokens=False):
        if getattr(obj, "output_mode", None) == "tf_idf":
            warnings.warn("Layer '%s': the vocabulary of a Keras 'tf_idf' lookup layer is not "
                          "restored (its IDF weights are not in the file); call "
                          "`set_vocabulary(..., idf_weights=...)`." % obj.name, stacklevel=4)
            return
        lines = source.read(prefix + "vocabulary.txt").decode("utf-8").split("\n")
        special = obj.get_vocabulary()
        if special and isinstance(special[-1], (int, np.integer)):  # IntegerLookup
            lines = [int(line) for line in lines]
        obj.set_vocabulary(lines)
