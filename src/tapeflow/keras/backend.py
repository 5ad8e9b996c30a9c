"""``tf.keras.backend``: global Keras settings (float type, epsilon) and layer naming.

>>> import tapeflow as tf
>>> tf.keras.backend.floatx(), tf.keras.backend.epsilon()
('float32', 1e-07)
"""
import collections
import re

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "clear_session", "get_uid", "backend"]

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_UIDS = collections.defaultdict(int)


def floatx():
    """The default float type of layers and weights (``'float32'``)."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type: one of ``'float16'``, ``'float32'``, ``'float64'``."""
    global _FLOATX
    value = str(getattr(value, "name", value))
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError("Unknown `floatx` value: %s. Expected one of {'float16', 'bfloat16', "
                         "'float32', 'float64'}" % value)
    _FLOATX = value


def epsilon():
    """The fuzz factor Keras adds to avoid division by zero (``1e-7``)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         "'channels_last'}. Received: data_format=%s" % (data_format,))
    _IMAGE_DATA_FORMAT = data_format


def backend():
    return "tensorflow"


def get_uid(prefix=""):
    """Returns 1, 2, 3 ... on successive calls with the same ``prefix`` (per process)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def snake_case(name):
    """``'MyModel'`` -> ``'my_model'``, ``'Conv2D'`` -> ``'conv2d'`` (Keras's rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def auto_name(prefix):
    """A process-unique name: ``dense``, ``dense_1``, ``dense_2`` ..."""
    prefix = snake_case(prefix)
    uid = get_uid(prefix)
    return prefix if uid == 1 else "%s_%d" % (prefix, uid - 1)


def clear_session(free_memory=True):
    """Resets the automatic layer names (the next Dense is ``dense`` again)."""
    _UIDS.clear()
