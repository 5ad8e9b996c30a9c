"""``tf.keras``: layers, models, losses, optimizers, metrics and the training loop.

Sub-modules load on first access, so ``import tapeflow`` stays fast.
"""
import importlib as _importlib

_SUBMODULES = ("layers", "losses", "optimizers", "metrics", "callbacks", "initializers",
               "activations", "regularizers", "constraints", "datasets", "utils", "models",
               "backend", "saving", "preprocessing")
# Top-level names: name -> (module, attribute).
_ATTRS = {"Model": (".models", "Model"), "Sequential": (".models", "Sequential"),
          "Input": (".layers", "Input"), "Layer": (".layers", "Layer"),
          "InputSpec": (".layers", "InputSpec"), "KerasTensor": (".layers", "KerasTensor"),
          "Variable": (".variables", "KerasVariable")}


def __getattr__(name):
    if name in _ATTRS:
        module, attr = _ATTRS[name]
        value = getattr(_importlib.import_module(module, __name__), attr)
    elif name in _SUBMODULES:
        value = _importlib.import_module("." + name, __name__)
    else:
        raise AttributeError("module 'tapeflow.keras' has no attribute %r" % name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_ATTRS))
