"""``tf.config``: device listing and runtime switches.

tapeflow runs on the CPU through NumPy, so there is one device. The switches TF offers
are accepted and remembered; ``tf.function`` always runs eagerly here, whatever
``run_functions_eagerly`` says.
"""
import collections
import types

__all__ = ["run_functions_eagerly", "functions_run_eagerly", "list_physical_devices",
           "list_logical_devices", "get_visible_devices", "set_visible_devices",
           "set_soft_device_placement", "get_soft_device_placement", "experimental", "threading",
           "PhysicalDevice", "LogicalDevice"]

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])

_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_state = {"run_eagerly": False, "soft_placement": True, "intra_op": 0, "inter_op": 0,
          "memory_growth": {}}


def run_functions_eagerly(run_eagerly):
    """Records the switch (``tf.function`` bodies run eagerly in tapeflow regardless).

    >>> import tapeflow as tf
    >>> tf.config.run_functions_eagerly(True); tf.config.functions_run_eagerly()
    True
    >>> tf.config.run_functions_eagerly(False)
    """
    _state["run_eagerly"] = bool(run_eagerly)


def functions_run_eagerly():
    """The value last given to ``run_functions_eagerly`` (``False`` by default)."""
    return _state["run_eagerly"]


def _matches(device_type):
    return device_type is None or str(device_type).upper() == "CPU"


def list_physical_devices(device_type=None):
    """The physical devices: the one CPU (no GPUs).

    >>> import tapeflow as tf
    >>> tf.config.list_physical_devices()
    [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    >>> tf.config.list_physical_devices("GPU")
    []
    """
    return [_CPU] if _matches(device_type) else []


def list_logical_devices(device_type=None):
    """The logical devices: the one CPU."""
    return [LogicalDevice("/device:CPU:0", "CPU")] if _matches(device_type) else []


def get_visible_devices(device_type=None):
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type=None):
    """Accepted for compatibility; the CPU stays visible."""


def set_soft_device_placement(enabled):
    _state["soft_placement"] = bool(enabled)


def get_soft_device_placement():
    return _state["soft_placement"]


def _set_memory_growth(device, enable):
    _state["memory_growth"][getattr(device, "name", device)] = bool(enable)


def _get_memory_growth(device):
    return _state["memory_growth"].get(getattr(device, "name", device), False)


def _set_threads(key):
    def setter(num_threads):
        _state[key] = int(num_threads)
    return setter


experimental = types.SimpleNamespace(
    set_memory_growth=_set_memory_growth, get_memory_growth=_get_memory_growth,
    list_physical_devices=list_physical_devices, set_visible_devices=set_visible_devices,
    get_visible_devices=get_visible_devices,
    enable_op_determinism=lambda: None)

# NumPy's BLAS thread pool is fixed when it loads; the values are kept and reported only.
threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=_set_threads("intra_op"),
    get_intra_op_parallelism_threads=lambda: _state["intra_op"],
    set_inter_op_parallelism_threads=_set_threads("inter_op"),
    get_inter_op_parallelism_threads=lambda: _state["inter_op"])
