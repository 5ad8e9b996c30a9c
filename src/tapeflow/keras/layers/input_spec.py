"""``InputSpec``: what a layer accepts (rank, shape, axis sizes), checked on every call."""
from ...dtypes import as_dtype

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """Constraints on a layer's input.

    Args:
        dtype: expected dtype. shape: expected shape (``None`` for any size).
        ndim / max_ndim / min_ndim: rank constraints.
        axes: ``{axis: size}`` that must match (e.g. ``{-1: 32}`` once Dense is built).
        allow_last_axis_squeeze: accept a rank one lower/higher if the last axis is 1.

    >>> import tapeflow as tf
    >>> tf.keras.layers.InputSpec(min_ndim=2).min_ndim
    2
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def __repr__(self):
        parts = ["%s=%s" % (k, v) for k, v in (("dtype", self.dtype), ("shape", self.shape),
                 ("ndim", self.ndim), ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim),
                 ("axes", self.axes or None)) if v is not None]
        return "InputSpec(%s)" % ", ".join(parts)

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}


def assert_input_compatibility(specs, inputs, layer_name):
    """Raises Keras's ValueError when ``inputs`` (a list of arrays/tensors) break ``specs``."""
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    for i, (spec, x) in enumerate(zip(specs, inputs)):
        if spec is None or getattr(x, "shape", None) is None:
            continue
        shape = tuple(x.shape)
        ndim = len(shape)
        where = "Input %d of layer '%s' is incompatible with the layer: " % (i, layer_name)
        full = ". Full shape received: %s" % (shape,)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(where + "expected ndim=%d, found ndim=%d%s" % (spec.ndim, ndim, full))
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(where + "expected max_ndim=%d, found ndim=%d%s"
                             % (spec.max_ndim, ndim, full))
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(where + "expected min_ndim=%d, found ndim=%d%s"
                             % (spec.min_ndim, ndim, full))
        if spec.dtype is not None and x.dtype is not None:
            dt = getattr(x.dtype, "name", str(x.dtype))
            if dt != spec.dtype:
                raise ValueError(where + "expected dtype=%s, found dtype=%s" % (spec.dtype, dt))
        for axis, size in spec.axes.items():
            if size is None:
                continue
            if -ndim <= axis < ndim and shape[axis] not in (size, None):
                raise ValueError(where + "expected axis %d of input shape to have value %d, but "
                                 "received input with shape %s" % (axis, size, shape))
        if spec.shape is not None:
            for want, got in zip(spec.shape, shape):
                if want is not None and got is not None and want != got:
                    raise ValueError(where + "expected shape=%s, found shape=%s"
                                     % (spec.shape, shape))
