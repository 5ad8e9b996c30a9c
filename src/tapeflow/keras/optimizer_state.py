"""An optimizer's variables in the order Keras 3 saves them (``optimizer/vars/<i>``).

Keras's ``optimizer.variables`` is ``[iteration, learning_rate]`` then the slots in
creation order: each ``add_optimizer_variables(var_list, names)`` call makes one block that
interleaves its names per model variable (Adam: ``m0, v0, m1, v1 ...``, then AMSGrad's
``velocity_hat`` block; RMSprop: all velocities, then momentums, then average gradients),
after the base class's EMA and gradient-accumulation blocks. tapeflow's optimizers create the
same slots per variable, so saving and loading reorder them; Nadam's running product of
momentum factors, a Python float in tapeflow, is Keras's last variable.
"""
import warnings

from ..backend import np

__all__ = ["keras_order", "array_of", "load_optimizer_state"]

_BASE_BLOCKS = (("average",), ("gradient_accumulator",))
_SLOT_BLOCKS = {
    "Adam": (("momentum", "velocity"), ("velocity_hat",)),
    "AdamW": (("momentum", "velocity"), ("velocity_hat",)),
    "RMSprop": (("velocity",), ("momentum",), ("average_gradient",)),
    "Nadam": (("momentum", "velocity"),),
    "Adamax": (("momentum", "norm"),),
    "Adadelta": (("accumulated_grad", "accumulated_delta_var"),),
    "Adagrad": (("accumulator",),),
    "SGD": (("momentum",),),
    "Lion": (("momentum",),),
}


class _NadamProduct:
    """Nadam's ``u_product`` as a saveable value."""
    shape = ()

    def __init__(self, optimizer):
        self.optimizer = optimizer

    @property
    def value(self):
        return np.array(self.optimizer._u_product, np.float32)

    def assign(self, value):
        self.optimizer._u_product = float(value)
        self.optimizer._u_product_step = int(self.optimizer.iterations._value)


def _builtin_name(optimizer):
    from . import optimizers
    name = type(optimizer).__name__
    return name if getattr(optimizers, name, None) is type(optimizer) else None


def keras_order(optimizer, model=None):
    """The optimizer's variables (and Nadam's product) in Keras's saving order; the slots
    follow ``model``'s trainable variables in Keras's order when a model is given."""
    variables = optimizer.variables
    name = _builtin_name(optimizer)
    if name is None:
        return variables  # a custom optimizer: its own creation order
    by_name = {v.name: v for v in variables}
    references = optimizer._trainable_variables
    if model is not None:
        rank = {id(v): i for i, v in enumerate(_keras_weight_order(model))}
        references = sorted(references, key=lambda v: rank.get(id(v), len(rank)))
    taken, slots = set(), []
    for block in _BASE_BLOCKS + _SLOT_BLOCKS.get(name, ()):
        for reference in references:
            prefix = (getattr(reference, "path", None) or reference.name).replace("/", "_")
            for slot in block:
                v = by_name.get("%s_%s" % (prefix, slot))
                if v is not None and id(v) not in taken:
                    taken.add(id(v))
                    slots.append(v)
    ordered = [v for v in variables if id(v) not in taken] + slots
    if len(ordered) != len(variables) or len(by_name) != len(variables):
        return variables  # names did not identify the slots: keep tapeflow's order
    if name == "Nadam" and optimizer.built:
        ordered.append(_NadamProduct(optimizer))
    return ordered


def _keras_weight_order(layer):
    """``layer.weights`` in Keras's order: as tapeflow's, except that a functional model
    lists its layers in Keras's ``model.layers`` order (which Keras's optimizer follows)."""
    from .functional import Functional
    from .functional_config import keras_layer_order
    _, sublayers, own_trainable, own_non_trainable, _, _ = layer._collect()
    if isinstance(layer, Functional):
        sublayers = keras_layer_order(layer)
    out, seen = [], set()
    for v in list(own_trainable) + list(own_non_trainable) + [
            w for sub in sublayers for w in _keras_weight_order(sub)]:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def array_of(item):
    if isinstance(item, _NadamProduct):
        return item.value
    return np.asarray(item._value)


def load_optimizer_state(optimizer, arrays, model):
    """Assigns saved optimizer variables; builds the optimizer on the model's trainable
    variables first when the file holds slots. A count mismatch is a warning, as in Keras."""
    targets = keras_order(optimizer, model)
    if not optimizer.built and len(arrays) > len(targets) and model.trainable_variables:
        optimizer.build(model.trainable_variables)
        targets = keras_order(optimizer, model)
    if len(arrays) != len(targets):
        hint = " This is likely because the optimizer has not been called/built yet." \
            if not optimizer.built else ""
        warnings.warn("Skipping variable loading for optimizer '%s', because it has %d variables "
                      "whereas the saved optimizer has %d variables.%s"
                      % (optimizer.name, len(targets), len(arrays), hint), stacklevel=5)
        return
    for target, value in zip(targets, arrays):
        if tuple(target.shape) != tuple(value.shape):
            raise ValueError("Optimizer '%s': a saved variable has shape %s but the optimizer's "
                             "has shape %s." % (optimizer.name, tuple(value.shape),
                                                tuple(target.shape)))
    for target, value in zip(targets, arrays):
        if isinstance(target, _NadamProduct):
            target.assign(value)
        else:
            target.assign(value.astype(target._value.dtype, copy=False))
