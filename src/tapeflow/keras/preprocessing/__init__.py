"""``tf.keras.preprocessing``: the legacy home of ``sequence.pad_sequences`` and
``image.load_img`` that tf.keras 2 tutorials import from, and of the dataset loaders
(``timeseries_dataset_from_array``, ``image_dataset_from_directory``,
``text_dataset_from_directory``) -- Keras 3 keeps them all here too, as aliases of
``tf.keras.utils``'s."""
import importlib as _importlib

from . import image, sequence  # noqa: F401

_LOADERS = ("timeseries_dataset_from_array", "image_dataset_from_directory",
            "text_dataset_from_directory")


def __getattr__(name):
    if name not in _LOADERS:
        raise AttributeError("module 'tapeflow.keras.preprocessing' has no attribute %r" % name)
    value = getattr(_importlib.import_module("..utils", __package__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LOADERS))
