"""What the text and categorical preprocessing layers share: input conversion (strings
as NumPy object arrays of UTF-8 bytes), the one-hot / multi-hot / count / TF-IDF encodings,
and their base layer."""
import itertools

from ...backend import np
from ...tensor import Tensor, Variable, _wrap
from .. import backend as _backend
from .keras_tensor import KerasTensor
from .layer import Layer

_LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_ENCODE_MODES = ("int", "one_hot", "multi_hot", "count")
# Keras's DEFAULT_STRIP_REGEX, r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']', is exactly
# string.punctuation; deleting these bytes is exact on UTF-8 (ASCII never occurs inside a
# multi-byte character) and much faster than a regex.
_PUNCTUATION = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"



# -- inputs ----------------------------------------------------------------------------------
def _numpy(x):
    """Tensor / Variable / array / (nested) list -> NumPy array."""
    if isinstance(x, (Tensor, Variable)):
        return np.asarray(x._value)
    try:
        return np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ValueError("Preprocessing layers take rectangular data (a tensor, array or "
                         "list of equal-length lists); got %r: %s" % (x, e)) from None


def _object_array(items, shape):
    out = np.fromiter(items, object, count=int(np.prod(shape, dtype=np.int64)))
    return out.reshape(shape)


def _to_bytes(value, encoding):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode(encoding)
    # Object arrays of zeros (the dummy batch Sequential builds a tf.string input with).
    return str(value).encode(encoding)


def _strings(values, encoding, who):
    """A NumPy array -> an object array of ``bytes`` of the same shape (tf.string)."""
    kind = values.dtype.kind
    if not values.size:  # np.asarray([]) is float64
        return np.empty(values.shape, object)
    if kind not in "USO":
        raise TypeError("%s expects string inputs (tf.string, str or bytes); got dtype %s. "
                        "%s" % (who, values.dtype, "Use IntegerLookup for integer inputs."
                                if who.startswith("StringLookup") else ""))
    flat = values.reshape(-1).tolist()
    if kind == "O" and all(type(v) is bytes for v in flat):
        return values
    return _object_array((_to_bytes(v, encoding) for v in flat), values.shape)


def _integers(values, who):
    """A NumPy array -> int64 (integral floats accepted, as Keras casts them)."""
    kind = values.dtype.kind
    if kind in "iub" or not values.size:
        return values.astype(np.int64, copy=False)
    if kind == "f" and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        return values.astype(np.int64)
    raise TypeError("%s expects integer inputs; got dtype %s%s." % (
        who, values.dtype, " with fractional values" if kind == "f" else
        " (use StringLookup for strings)" if kind in "USO" else ""))


def _adapt_batches(data, steps):
    """``(batches, whole)``: the NumPy batches ``adapt`` reads -- a Dataset's or other
    iterable's elements (at most ``steps``) -- or ``data`` itself as one batch
    (``whole=True``)."""
    if hasattr(data, "element_spec") or (
            hasattr(data, "__iter__") and not isinstance(
                data, (list, tuple, np.ndarray, Tensor, Variable, str, bytes))):
        batches = iter(data)
        if steps is not None:
            batches = itertools.islice(batches, steps)
        return (_numpy(b) for b in batches), False
    return iter([_numpy(data)]), True


def _out(array):
    """A result array as a Tensor (numeric rank-0 results as NumPy scalars, as ops do)."""
    if array.ndim == 0 and array.dtype != object:
        array = array[()]
    return _wrap(array)


# -- encodings -------------------------------------------------------------------------------
def _count_rows(rows, ids, num_rows, depth, weights=None):
    """``(num_rows, depth)`` float32 counts of ``ids`` per row; ids outside ``[0, depth)``
    (dropped mask tokens) are skipped."""
    keep = (ids >= 0) & (ids < depth)
    counts = np.bincount(rows[keep] * depth + ids[keep],
                         weights=None if weights is None else weights[keep],
                         minlength=num_rows * depth)
    return counts.reshape(num_rows, depth).astype(np.float32)


def _encode(ids, mode, depth, weights=None):
    """Keras's ``encode_categorical_inputs`` on an int64 array: ``one_hot`` per element
    (a trailing axis of 1 is replaced), ``multi_hot`` / ``count`` over the last axis."""
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        return (ids[..., None] == np.arange(depth)).astype(np.float32)
    if ids.ndim == 0:
        ids = ids.reshape(1)
        weights = None if weights is None else weights.reshape(1)
    lead, length = ids.shape[:-1], ids.shape[-1]
    num_rows = int(np.prod(lead, dtype=np.int64))
    rows = np.repeat(np.arange(num_rows), length)
    out = _count_rows(rows, ids.reshape(-1), num_rows, depth,
                      None if weights is None else weights.reshape(-1))
    if mode == "multi_hot":
        out = (out > 0).astype(np.float32)
    return out.reshape(lead + (depth,))


def _encoded_shape(shape, mode, depth):
    """The output shape of ``_encode`` for an input of ``shape``."""
    shape = tuple(shape)
    if mode == "int":
        return shape
    if mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (depth,)
    return shape[:-1] + (depth,)


def _pad_rows(ids, lengths, width=None, fill=0):
    """Ragged rows (``ids`` flat, ``lengths`` per row) -> ``(rows, width)``, truncated or
    padded with ``fill``; ``width`` defaults to the longest row."""
    if width is None:
        width = int(lengths.max()) if lengths.size else 0
    out = np.full((lengths.size, width), fill, np.int64)
    rows = np.repeat(np.arange(lengths.size), lengths)
    cols = np.arange(ids.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keep = cols < width
    out[rows[keep], cols[keep]] = ids[keep]
    return out


def _check_mode(who, mode, allowed):
    if mode not in allowed:
        raise ValueError("Invalid value for argument `output_mode` of %s. Expected one of %s. "
                         "Received: output_mode=%r" % (who, allowed, mode))


def _reject_sparse(who, sparse):
    if sparse:
        raise ValueError("%s: `sparse=True` is not supported: tapeflow has no sparse tensors. "
                         "Use the default `sparse=False` (dense outputs)." % who)


class _PreprocessingLayer(Layer):
    """Shared plumbing: lists and arrays are accepted as inputs, a ``KerasTensor`` input
    records a functional-graph node from ``compute_output_shape`` (the layers cannot run
    on the zeros the functional API would otherwise probe them with), and there are no
    weights and no gradients."""

    def __init__(self, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)

    def __call__(self, *args, **kwargs):
        if args:
            inputs, rest = args[0], args[1:]
        else:
            inputs, rest = kwargs.pop("inputs"), ()
        if isinstance(inputs, KerasTensor):
            return self._symbolic_call(inputs, rest, kwargs)
        if not isinstance(inputs, Tensor):
            inputs = _wrap(_numpy(inputs))
        return super().__call__(inputs, *rest, **kwargs)

    def build(self, input_shape):
        # What model summaries show: from the shape rules, not the first batch (whose
        # sequence length need not be every batch's).
        self.__dict__["_build_output_shape"] = tuple(self.compute_output_shape(input_shape))

    def _symbolic_call(self, inputs, rest, kwargs):
        from ..functional import Node
        shape = tuple(self.compute_output_shape(tuple(inputs.shape)))
        out = KerasTensor(shape, self._output_dtype())
        out._keras_history = Node(self, (inputs,) + tuple(rest), dict(kwargs), out)
        self.__dict__["_build_input_shape"] = tuple(inputs.shape)
        self.__dict__["_build_output_shape"] = shape
        self.built = True
        return out

    def _output_dtype(self):
        return "int64" if self.output_mode == "int" else _backend.floatx()

    def _input_dtype_for_build(self):
        """The dtype of the dummy batch a Sequential model that starts with this layer is
        built with (Keras builds symbolically; tapeflow runs the layer): ``string`` for
        layers that look strings up (TextVectorization through its StringLookup)."""
        lookup = self.__dict__.get("_lookup_layer", self)
        if getattr(lookup, "_strings", False) and not getattr(lookup, "invert", False):
            return "string"
        return self.compute_dtype
