"""Layer fusion in models whose layers are known ahead of the call.

A Sequential or functional model knows that a ``Conv2D`` feeds a ``MaxPooling2D()``, so it
can run the pair as one primitive (``ops.conv_pool``), which skips the convolution's
full-size output in both directions: it halves the training step of the benchmark CNN
(two Conv2D -> MaxPooling2D pairs). TensorFlow's graph optimiser fuses Conv2D + BiasAdd +
Relu the same way (the pooling is tapeflow's addition).

A pair is fused only where calling the two layers could not give anything else:

- both are tapeflow's own classes with their own ``call`` (subclasses that override it,
  or an instance with a patched ``call``, are left alone) and no activity regularizer;
- the Conv2D is 2-D, channels-last, ungrouped, with a bias and a ReLU or no activation,
  and its compute dtype is the input's and the pool's (no autocast between them);
- the pool is 2×2 with stride 2, 'valid', channels-last;
- in a functional graph, nothing but the pool reads the convolution's output;
- the input is a Tensor without a Keras mask, of a (shape, dtype) that has already been
  through the two layers called one after the other. That first call builds the layers
  and checks their input specs, so errors and shapes are exactly the layers' own.

Subclassed models call their layers one by one and are not fused; hold the convolutional
stack as a ``Sequential`` attribute, or call
``tapeflow.ops.conv_pool.conv2d_bias_activation_max_pool`` in ``call``, to get the same.
"""
from ..errors import InvalidArgumentError
from ..ops.conv_pool import conv2d_bias_activation_max_pool
from ..tensor import Tensor
from .layers.convolutional import BaseConv, Conv2D, op_failure
from .layers.layer import Layer
from .layers.pooling import BasePooling, MaxPooling2D

__all__ = ["ConvPool", "FusedNodes", "plan_graph", "plan_sequential"]


def _own_call(layer, base):
    cls = type(layer)
    return (cls.call is base.call and cls.__call__ is Layer.__call__
            and "call" not in layer.__dict__)


def fusable(conv, pool):
    """Whether ``pool(conv(x))`` may run as one fused primitive (the static conditions)."""
    return (isinstance(conv, Conv2D) and _own_call(conv, BaseConv) and conv._fused
            and isinstance(pool, MaxPooling2D) and _own_call(pool, BasePooling)
            and pool.pool_size == (2, 2) and pool.strides == (2, 2)
            and pool.padding == "valid" and pool.data_format == "channels_last")


class ConvPool:
    """Calls ``pool(conv(x))``, fused once the layers have seen the input's shape."""

    __slots__ = ("conv", "pool", "_seen")

    def __init__(self, conv, pool):
        self.conv = conv
        self.pool = pool
        self._seen = set()  # (shape, dtype) of inputs the layers were called on one by one

    def __call__(self, x):
        conv, pool = self.conv, self.pool
        if type(x) is not Tensor or getattr(x, "_keras_mask", None) is not None:
            return pool(conv(x))
        value = x._value
        key = (value.shape, value.dtype)
        if key not in self._seen:
            y = pool(conv(x))
            if value.dtype == conv._compute_np == pool._compute_np:
                self._seen.add(key)
            return y
        if not conv._fused or conv.activity_regularizer is not None or \
                pool.activity_regularizer is not None:
            return pool(conv(x))
        try:
            return conv2d_bias_activation_max_pool(
                x, conv.kernel, conv.bias, conv.strides, conv.padding.upper(),
                conv.dilation_rate, None if conv._act is None else "relu")
        except InvalidArgumentError as e:
            raise op_failure(conv, x, e) from None


def plan_sequential(layers):
    """The layers, with each fusable Conv2D → MaxPooling2D pair replaced by a ``ConvPool``."""
    plan, i = [], 0
    while i < len(layers):
        if i + 1 < len(layers) and fusable(layers[i], layers[i + 1]):
            plan.append(ConvPool(layers[i], layers[i + 1]))
            i += 2
        else:
            plan.append(layers[i])
            i += 1
    return plan


class FusedNodes:
    """A functional graph's Conv2D node and the MaxPooling2D node that alone reads it."""

    __slots__ = ("conv", "pool", "run")

    def __init__(self, conv_node, pool_node):
        self.conv = conv_node
        self.pool = pool_node
        self.run = ConvPool(conv_node.layer, pool_node.layer)


def _single_input(node):
    """The node's one KerasTensor argument, or None when it has others or keywords."""
    if len(node.args) == 1 and not node.kwargs and len(node.flat_inputs) == 1 and \
            node.args[0] is node.flat_inputs[0]:
        return node.args[0]
    return None


def plan_graph(nodes, outputs):
    """``nodes`` (in topological order) with each Conv2D node whose output only a fusable
    MaxPooling2D node reads replaced, with that node, by a ``FusedNodes``."""
    readers = {}
    for node in nodes:
        for kt in node.flat_inputs:
            readers.setdefault(id(kt), []).append(node)
    model_outputs = {id(kt) for kt in outputs}
    plan, absorbed = [], set()
    for node in nodes:
        if id(node) in absorbed:
            continue
        fused = None
        if _single_input(node) is not None and len(node.flat_outputs) == 1:
            out = node.flat_outputs[0]
            pools = readers.get(id(out), [])
            if len(pools) == 1 and id(out) not in model_outputs and \
                    _single_input(pools[0]) is out and fusable(node.layer, pools[0].layer):
                fused = FusedNodes(node, pools[0])
                absorbed.add(id(pools[0]))
        plan.append(fused or node)
    return plan
