"""``tf.strings``: TensorFlow 2's string ops on tapeflow's ``tf.string`` tensors.

A ``tf.string`` tensor holds a NumPy object array of UTF-8 ``bytes``. Every op here works
elementwise on tensors of any shape and also takes Python ``str``/``bytes``, (nested)
lists and NumPy arrays; outputs are tapeflow tensors with TF's dtypes. None of these ops is
differentiable (as in TF). Semantics follow TensorFlow's kernels
(``tensorflow/core/kernels/string_*_op.cc``, ``regex_replace_op.cc``, ``substr_op.cc``,
``as_string_op.cc``, ``unicode_ops.cc``) and ``tensorflow/python/ops/ragged/ragged_string_ops.py``.

**Ragged results.** TF returns a ``tf.RaggedTensor`` from ``split``, ``bytes_split``,
``unicode_split`` and ``unicode_decode``. tapeflow has no ragged tensors: for a scalar
input these ops return a dense 1-D tensor (exactly as TF does); for an input of rank N they
return a :class:`RaggedList` -- nested Python lists, N levels deep, whose innermost lists
hold the pieces -- with TF's ``to_list()``, ``to_tensor()`` (pads to a dense tensor) and
``flat_values``. The elementwise ops, ``split``, ``ngrams`` and ``unicode_encode`` also take
a RaggedList (``ngrams`` and ``unicode_encode`` also take ragged nested Python lists).

**Regular expressions.** TF uses RE2; tapeflow translates RE2 syntax to Python's ``re`` in
ASCII mode (``\\w``, ``\\d``, ``\\b`` are ASCII-only, as in RE2): ``$`` matches only at the end
of the text unless ``(?m)`` is set (Python's ``$`` also matches before a final newline);
``\\z``, ``\\Q...\\E``, ``\\x{hex}``, POSIX classes like ``[[:alpha:]]`` and ``(?<name>re)``
are translated. Remaining differences: Python also accepts lookaround, backreferences and
possessive quantifiers (RE2 rejects them); ``(?i)`` folds ASCII letters only; ``\\s`` also
matches ``\\v``; ``\\pL``/``\\p{Greek}`` classes, ``\\C`` and negated POSIX classes raise
``InvalidArgumentError``; inline flags such as ``(?i)`` must start the pattern (scoped
``(?i:...)`` groups work anywhere). ``regex_replace``'s rewrite uses RE2's form: ``\\0`` to
``\\9`` for groups and ``\\\\`` for a backslash.

>>> import tapeflow as tf
>>> tf.strings.regex_replace(tf.strings.lower(["Hello, World!"]), "[^a-z ]", "").numpy()
array([b'hello world'], dtype=object)
"""
import codecs
import math
import re as _re

from .. import dtypes as _dtypes
from .._string_hash import _hash_buckets
from ..backend import np
from ..errors import InvalidArgumentError
from ..tensor import Tensor, Variable, _to_array, _wrap
from ._re2 import compile_re2, expand, replace_all, rewrite_pieces

__all__ = ["RaggedList", "lower", "upper", "strip", "length", "substr", "regex_replace",
           "regex_full_match", "join", "reduce_join", "split", "bytes_split", "unicode_split",
           "unicode_decode", "unicode_encode", "ngrams", "to_number", "as_string", "format",
           "to_hash_bucket", "to_hash_bucket_fast", "to_hash_bucket_strong"]


# -- ragged results -------------------------------------------------------------------------
class RaggedList(list):
    """What tapeflow returns where TF returns a ``tf.RaggedTensor``: nested Python lists.

    It is a ``list`` (index it, iterate it, compare it with lists), one level per dimension
    of the op's input, the innermost lists holding the pieces (``bytes`` for strings,
    ``int`` for code points). ``dtype`` is their TF dtype.

    >>> import tapeflow as tf
    >>> words = tf.strings.split(["hello world", "a b c"])
    >>> words
    [[b'hello', b'world'], [b'a', b'b', b'c']]
    >>> words.to_tensor().numpy()
    array([[b'hello', b'world', b''],
           [b'a', b'b', b'c']], dtype=object)
    >>> words.flat_values.shape
    TensorShape([5])
    """

    def __init__(self, rows=(), dtype=_dtypes.string):
        super().__init__(rows)
        self.dtype = _dtypes.as_dtype(dtype)

    def to_list(self):
        """The values as plain nested Python lists."""
        return _plain(self)

    @property
    def flat_values(self):
        """All the pieces, in order, as one 1-D tensor."""
        leaves = list(_leaves(self))
        return _out(leaves, (len(leaves),), self.dtype)

    def to_tensor(self, default_value=None, shape=None):
        """A dense tensor: every list padded with ``default_value`` (``b''`` or 0) to the
        longest at its level, then cut or padded to ``shape`` where it gives a size."""
        bounds = _bounding_shape(self)
        if shape is not None:
            if len(shape) != len(bounds):
                raise ValueError("to_tensor: shape %s must have rank %d"
                                 % (list(shape), len(bounds)))
            bounds = [b if s is None else int(s) for b, s in zip(bounds, shape)]
        if default_value is None:
            default_value = b"" if self.dtype == _dtypes.string else 0
        elif self.dtype == _dtypes.string:
            default_value = _to_bytes(default_value, "to_tensor")
        out = np.full(bounds, default_value, dtype=self.dtype.np_dtype)
        _fill(out, self, ())
        return _wrap(out)

    def _with_leaves(self, leaves, dtype):
        """The same nesting with new pieces (a piece may become a list: one level more)."""
        it = iter(leaves)

        def rebuild(nested):
            return [rebuild(x) if isinstance(x, list) else next(it) for x in nested]
        return RaggedList(rebuild(self), dtype)


def _plain(nested):
    return [_plain(x) if isinstance(x, list) else x for x in nested]


def _leaves(nested):
    for x in nested:
        if isinstance(x, list):
            yield from _leaves(x)
        else:
            yield x


def _bounding_shape(nested):
    """The longest list at each level of ``nested``."""
    shape, level = [], [nested]
    while level and all(isinstance(x, list) for x in level):
        shape.append(max(len(x) for x in level))
        level = [y for x in level for y in x]
    return shape


def _rectangular_shape(nested):
    """The shape of ``nested`` if every level has lists of one length, else None."""
    shape, level = [], [nested]
    while level and all(isinstance(x, list) for x in level):
        lengths = {len(x) for x in level}
        if len(lengths) > 1:
            return None
        shape.append(lengths.pop())
        level = [y for x in level for y in x]
    return None if any(isinstance(x, list) for x in level) else tuple(shape)


def _fill(out, nested, index):
    for i, x in enumerate(nested):
        if i >= out.shape[len(index)]:
            break  # cut by ``to_tensor(shape=...)``
        if isinstance(x, list):
            _fill(out, x, index + (i,))
        else:
            out[index + (i,)] = x


def _depth(nested):
    return 1 + max((_depth(x) for x in nested if isinstance(x, list)), default=0)


def _map_rows(nested, fn):
    """Applies ``fn`` to each innermost list (a sequence of pieces) of ``nested``."""
    def at(x, level):
        return fn(x) if level == 0 else [at(y, level - 1) for y in x]
    return at(nested, _depth(nested) - 1)


def _ragged(x):
    """``x`` as a RaggedList if it is one, or a ragged (non-rectangular) Python list."""
    if isinstance(x, RaggedList):
        return x
    if isinstance(x, list) and _rectangular_shape(x) is None:
        return RaggedList(x)
    return None


def _pack(nested, dtype):
    """Nested per-row results: a dense tensor if rectangular, else a RaggedList."""
    shape = _rectangular_shape(nested)
    if shape is None:
        return RaggedList(nested, dtype)
    return _out(list(_leaves(nested)) if shape else [nested], shape, dtype)


# -- conversion -----------------------------------------------------------------------------
def _to_bytes(value, opname):
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (Tensor, Variable)) and np.ndim(value._value) == 0 \
            and np.asarray(value._value).dtype == object:
        return np.asarray(value._value).item()
    if isinstance(value, (list, tuple)):
        raise ValueError("%s: can't convert a non-rectangular Python sequence to a string "
                         "tensor" % opname)
    raise TypeError("%s expects strings (a tf.string tensor, str or bytes); got %r"
                    % (opname, value))


def _strings(x, opname):
    """``x`` as a NumPy object array of ``bytes`` (a tf.string value) of any shape."""
    if isinstance(x, (Tensor, Variable)):
        arr = np.asarray(x._value)
        if arr.dtype != object:
            raise TypeError("%s expects a tf.string tensor; got dtype %s"
                            % (opname, _dtypes.from_numpy(arr.dtype).name))
        return arr
    if isinstance(x, RaggedList):
        raise TypeError("%s does not take a RaggedList; pass its flat_values or to_tensor()"
                        % opname)
    arr = np.array(x, dtype=object)
    flat = arr.reshape(-1)
    for i, v in enumerate(flat.tolist()):
        flat[i] = _to_bytes(v, opname)
    return arr


def _scalar_string(value, what, opname):
    """A scalar string argument (pattern, separator ...) as ``bytes``."""
    arr = _strings(value, opname)
    if arr.ndim:
        raise InvalidArgumentError("%s: %s must be scalar, but received %s"
                                   % (opname, what, _dims(arr.shape)))
    return arr.item()


def _out(values, shape, dtype):
    """A flat list of results as a tensor of ``shape`` and ``dtype``."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype == _dtypes.string:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return _wrap(arr.reshape(shape))   # string scalars stay 0-d arrays, as tf.constant's
    arr = np.asarray(values, dtype=dtype.np_dtype).reshape(shape)
    return _wrap(arr[()] if arr.ndim == 0 else arr)


def _apply(batch_fn, x, opname, dtype=_dtypes.string):
    """Applies ``batch_fn`` (a list of ``bytes`` -> one result each) to every string of ``x``;
    a RaggedList keeps its nesting."""
    if isinstance(x, RaggedList):
        results = batch_fn([_to_bytes(s, opname) for s in _leaves(x)])
        return x._with_leaves(list(results), dtype)
    arr = _strings(x, opname)
    return _out(list(batch_fn(arr.reshape(-1).tolist())), arr.shape, dtype)


def _map(fn, x, opname, dtype=_dtypes.string):
    return _apply(lambda items: [fn(s) for s in items], x, opname, dtype)


def _split_each(pieces, x, opname, dtype=_dtypes.string):
    """Splits every string into a list with ``pieces``: a dense 1-D tensor for a scalar
    input (as TF), else a RaggedList one level deeper than the input."""
    if isinstance(x, RaggedList):
        return x._with_leaves([pieces(_to_bytes(s, opname)) for s in _leaves(x)], dtype)
    arr = _strings(x, opname)
    if arr.ndim == 0:
        parts = pieces(arr.item())
        return _out(parts, (len(parts),), dtype)
    rows = np.empty(arr.size, dtype=object)
    for i, s in enumerate(arr.reshape(-1).tolist()):
        rows[i] = pieces(s)
    return RaggedList(rows.reshape(arr.shape).tolist(), dtype)


def _dims(shape):
    """A shape as TF's messages print it: ``[2,3]``."""
    return "[%s]" % ",".join(str(d) for d in shape)


def _int_array(value, opname, what):
    arr = np.asarray(value._value if isinstance(value, (Tensor, Variable)) else value)
    if arr.size == 0:
        return arr.astype(np.int64)   # np.asarray([]) is float64
    if arr.dtype.kind not in "iu":
        raise TypeError("%s: %s must be an integer tensor; got %r" % (opname, what, value))
    return arr


def _check_unit(unit):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise InvalidArgumentError("Value for attr 'unit' of \"%s\" is not in the list of "
                                   "allowed values: \"BYTE\", \"UTF8_CHAR\"" % (unit,))
    return unit


# -- case, whitespace, length, substrings ---------------------------------------------------
def _check_case_encoding(encoding):
    if encoding not in ("", "utf-8"):
        raise InvalidArgumentError("only utf-8 or '' (no encoding) is supported, received %s"
                                   % (encoding,))


def lower(input, encoding="", name=None):  # noqa: A002 - TF's argument name
    """Lowercases every string: ASCII letters only, or all of Unicode with
    ``encoding="utf-8"`` (invalid UTF-8 becomes U+FFFD, as ICU does).

    >>> import tapeflow as tf
    >>> tf.strings.lower("CamelCase ÉTÉ").numpy().decode()
    'camelcase ÉtÉ'
    >>> tf.strings.lower("CamelCase ÉTÉ", encoding="utf-8").numpy().decode()
    'camelcase été'
    """
    _check_case_encoding(encoding)
    if encoding:
        return _map(lambda s: s.decode("utf-8", "replace").lower().encode("utf-8"), input,
                    "lower")
    return _map(bytes.lower, input, "lower")


def upper(input, encoding="", name=None):  # noqa: A002
    """Uppercases every string: ASCII letters only, or all of Unicode with
    ``encoding="utf-8"``.

    >>> import tapeflow as tf
    >>> tf.strings.upper(["CamelCase", "ß"], encoding="utf-8").numpy()
    array([b'CAMELCASE', b'SS'], dtype=object)
    """
    _check_case_encoding(encoding)
    if encoding:
        return _map(lambda s: s.decode("utf-8", "replace").upper().encode("utf-8"), input,
                    "upper")
    return _map(bytes.upper, input, "upper")


def strip(input, name=None):  # noqa: A002
    """Removes leading and trailing ASCII whitespace (space, ``\\t\\n\\v\\f\\r``).

    >>> import tapeflow as tf
    >>> tf.strings.strip([" \\tTensorFlow ", "\\nkeras\\n"]).numpy()
    array([b'TensorFlow', b'keras'], dtype=object)
    """
    return _map(bytes.strip, input, "strip")


_TRAIL_BYTE = _re.compile(rb"[\x80-\xbf]")


def _utf8_length(s):
    # TF counts the bytes that do not continue a UTF-8 sequence (10xxxxxx).
    return len(s) - len(_TRAIL_BYTE.findall(s))


def length(input, unit="BYTE", name=None):  # noqa: A002
    """The length of every string (int32): in bytes, or in Unicode code points with
    ``unit="UTF8_CHAR"``.

    >>> import tapeflow as tf
    >>> tf.strings.length(["Hello", "TensorFlow", "\U0001F642"]).numpy()
    array([ 5, 10,  4], dtype=int32)
    >>> tf.strings.length(["Hello", "TensorFlow", "\U0001F642"], unit="UTF8_CHAR").numpy()
    array([ 5, 10,  1], dtype=int32)
    """
    fn = len if _check_unit(unit) == "BYTE" else _utf8_length
    return _map(fn, input, "length", _dtypes.int32)


def _cut_bytes(s, pos, size):
    """TF's byte substring: a negative ``pos`` counts from the end; a negative ``size``
    runs to the end; None when ``pos`` is out of range."""
    if pos < 0:
        pos += len(s)
    if not 0 <= pos <= len(s):
        return None
    return s[pos:] if size < 0 else s[pos:pos + size]


def _cut_utf8(s, pos, size):
    """TF's code-point substring (substr_op.cc): positions move over UTF-8 characters; a
    negative ``size`` gives an empty string."""
    bounds = [i for i in range(len(s)) if i == 0 or s[i] & 0xC0 != 0x80] + [len(s)]
    count = len(bounds) - 1
    if pos >= 0:
        if pos > count:
            return None
        end = bounds[min(pos + size, count)] if size > 0 else bounds[pos]
        return s[bounds[pos]:end]
    skip = max(-pos - size, 0)          # characters after the substring
    back = -pos - skip                  # characters in it
    if skip > count or back < 0 or back > count - skip:
        return None
    return s[bounds[count - skip - back]:bounds[count - skip]]


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002 - TF's argument names
    """Substrings from ``pos`` of ``len`` bytes (or code points with ``unit="UTF8_CHAR"``).

    ``pos`` and ``len`` have the same shape, a scalar or one that broadcasts against
    ``input``. A negative ``pos`` counts from the end; a ``pos`` outside a string raises
    ``InvalidArgumentError``; ``len`` running past the end stops there.

    >>> import tapeflow as tf
    >>> tf.strings.substr(["Hello", "World"], pos=1, len=3).numpy()
    array([b'ell', b'orl'], dtype=object)
    >>> tf.strings.substr("héllo", pos=-4, len=2, unit="UTF8_CHAR").numpy().decode()
    'él'
    """
    return _substr(input, pos, len, _check_unit(unit))


def _substr(input, pos, size, unit):  # noqa: A002
    strings = _strings(input, "substr")
    pos = _int_array(pos, "substr", "pos")
    size = _int_array(size, "substr", "len")
    if pos.shape != size.shape:
        raise InvalidArgumentError("pos and len should have the same shape, got: %s vs. %s"
                                   % (_dims(pos.shape), _dims(size.shape)))
    try:
        strings, pos, size = np.broadcast_arrays(strings, pos, size)
    except ValueError:
        raise InvalidArgumentError("Incompatible shapes: %s vs. %s"
                                   % (_dims(strings.shape), _dims(pos.shape))) from None
    cut = _cut_bytes if unit == "BYTE" else _cut_utf8
    out = []
    for i, (s, p, n) in enumerate(zip(strings.reshape(-1).tolist(), pos.reshape(-1).tolist(),
                                      size.reshape(-1).tolist())):
        piece = cut(s, p, n)
        if piece is None:
            shown = " b'%s'" % s.decode("utf-8", "replace") if unit == "BYTE" else ""
            raise InvalidArgumentError("substr: pos %d out of range for string%s at index %d"
                                       % (p, shown, i))
        out.append(piece)
    return _out(out, strings.shape, _dtypes.string)


# -- regular expressions (RE2 syntax on Python's re: api/_re2.py) -----------------------
def _compiled(pattern, opname):
    text = _scalar_string(pattern, "Pattern", opname)
    return compile_re2(text.decode("utf-8", "surrogateescape"))


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Replaces the matches of the RE2 ``pattern`` with ``rewrite`` in every string (only
    the first match with ``replace_global=False``).

    ``rewrite`` refers to groups as ``\\1`` (``\\0`` is the whole match) and writes a
    backslash as ``\\\\``. A rewrite naming a group the pattern lacks leaves the strings
    unchanged (RE2's behaviour). See the module docstring for RE2 vs Python ``re``.

    >>> import tapeflow as tf
    >>> tf.strings.regex_replace("Text with tags.<br /><b>contains html</b>",
    ...                          "<[^>]+>", " ").numpy()
    b'Text with tags.  contains html '
    >>> tf.strings.regex_replace(["2024-01-31"], r"(\\d+)-(\\d+)-(\\d+)", r"\\3/\\2/\\1").numpy()
    array([b'31/01/2024'], dtype=object)
    """
    rx = _compiled(pattern, "regex_replace")
    rewrite = _scalar_string(rewrite, "Rewrite", "regex_replace")
    pieces = rewrite_pieces(rewrite.decode("utf-8", "surrogateescape"))
    if max((p for p in pieces if isinstance(p, int)), default=0) > rx.groups:
        return _map(lambda s: s, input, "regex_replace")

    def replace(s):
        text = s.decode("utf-8", "surrogateescape")
        if replace_global:
            text = replace_all(rx, text, pieces)
        else:
            m = rx.search(text)
            if m is not None:
                text = text[:m.start()] + expand(m, pieces) + text[m.end():]
        return text.encode("utf-8", "surrogateescape")
    return _map(replace, input, "regex_replace")


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """Whether each whole string matches the RE2 ``pattern`` (a bool tensor).

    >>> import tapeflow as tf
    >>> tf.strings.regex_full_match(["TF lib", "lib TF"], ".*lib$").numpy()
    array([ True, False])
    """
    rx = _compiled(pattern, "regex_full_match")
    return _map(lambda s: rx.fullmatch(s.decode("utf-8", "surrogateescape")) is not None,
                input, "regex_full_match", _dtypes.bool)


# -- joining and splitting ------------------------------------------------------------------
def join(inputs, separator="", name=None):
    """Joins a list of string tensors elementwise, with ``separator`` between.

    The non-scalar inputs must share one shape; scalars are used for every element.

    >>> import tapeflow as tf
    >>> tf.strings.join(["abc", "def"]).numpy()
    b'abcdef'
    >>> tf.strings.join([["a", "b"], "-", ["c", "d"]], separator=" ").numpy()
    array([b'a - c', b'b - d'], dtype=object)
    """
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("join: `inputs` must be a list of string tensors; got %r" % (inputs,))
    separator = _to_bytes(separator, "join")
    arrays = [_strings(x, "join") for x in inputs]
    shape = None
    for arr in arrays:
        if arr.ndim and shape is None:
            shape = arr.shape
        elif arr.ndim and arr.shape != shape:
            raise InvalidArgumentError("Input shapes do not match: %s vs. %s"
                                       % (_dims(shape), _dims(arr.shape)))
    shape = () if shape is None else shape
    columns = [np.broadcast_to(arr, shape).reshape(-1).tolist() for arr in arrays]
    if not columns:
        return _out([b""], (), _dtypes.string)
    return _out([separator.join(parts) for parts in zip(*columns)], shape, _dtypes.string)


def _reduction_axes(axis, ndim):
    if axis is None:   # TF reduces the last axis first, so the result is row-major order
        return list(range(ndim - 1, -1, -1))
    axes = []
    for a in np.atleast_1d(_int_array(axis, "reduce_join", "axis")).tolist():
        if not -ndim <= a < ndim:
            raise InvalidArgumentError("Invalid reduction dimension %d for input with %d "
                                       "dimensions." % (a, ndim))
        a %= ndim
        if a in axes:
            raise InvalidArgumentError("Duplicate reduction dimension %d" % a)
        axes.append(a)
    return axes


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings along ``axis`` (all axes by default).

    Axes are reduced in the order given, so ``axis=[0, 1]`` walks axis 0 fastest; ``None``
    means ``[ndim - 1, ..., 0]``, row-major order. Joining no strings gives ``b''``.

    >>> import tapeflow as tf
    >>> tf.strings.reduce_join([["abc", "123"], ["def", "456"]]).numpy()
    b'abc123def456'
    >>> tf.strings.reduce_join([["abc", "123"], ["def", "456"]], axis=-1, separator=" ").numpy()
    array([b'abc 123', b'def 456'], dtype=object)
    """
    arr = _strings(inputs, "reduce_join")
    separator = _to_bytes(separator, "reduce_join")
    axes = _reduction_axes(axis, arr.ndim)
    kept = [d for d in range(arr.ndim) if d not in axes]
    moved = arr.transpose(kept + axes[::-1])
    lead = moved.shape[:len(kept)]
    rows = moved.reshape(int(np.prod(lead, dtype=np.int64)),
                         int(np.prod(moved.shape[len(kept):], dtype=np.int64)))
    joined = [separator.join(row) for row in rows.tolist()]
    shape = tuple(1 if d in axes else arr.shape[d] for d in range(arr.ndim)) if keepdims \
        else lead
    return _out(joined, shape, _dtypes.string)


def _split_whitespace(s, maxsplit):
    if maxsplit == 0:
        return [s]
    parts = s.split(None, maxsplit if maxsplit > 0 else -1)
    if 0 < maxsplit == len(parts):
        # TF appends what is left after the last allowed split even when it is empty.
        parts.append(b"")
    return parts


def split(input, sep=None, maxsplit=-1, name=None):  # noqa: A002
    """Splits every string on ``sep``, like Python's ``str.split``.

    With ``sep=None`` (or ``""``) runs of ASCII whitespace separate and no empty pieces are
    kept; otherwise every ``sep`` separates (``"1<>2<><>3"`` on ``"<>"`` gives
    ``["1", "2", "", "3"]``). ``maxsplit > 0`` limits the splits. A scalar gives a 1-D tensor;
    a tensor of rank N a :class:`RaggedList` of rank N + 1 (TF: a ``RaggedTensor``).

    >>> import tapeflow as tf
    >>> tf.strings.split("hello world").numpy()
    array([b'hello', b'world'], dtype=object)
    >>> tf.strings.split(["hello world", "a b c"])
    [[b'hello', b'world'], [b'a', b'b', b'c']]
    >>> tf.strings.split("1<>2<><>3", sep="<>").numpy()
    array([b'1', b'2', b'', b'3'], dtype=object)
    """
    sep = b"" if sep is None else _scalar_string(sep, "sep", "split")
    maxsplit = int(maxsplit)
    if sep:
        return _split_each(lambda s: s.split(sep, maxsplit), input, "split")
    return _split_each(lambda s: _split_whitespace(s, maxsplit), input, "split")


def bytes_split(input, name=None):  # noqa: A002
    """Splits every string into its bytes (see ``unicode_split`` for characters).

    >>> import tapeflow as tf
    >>> tf.strings.bytes_split("hello").numpy()
    array([b'h', b'e', b'l', b'l', b'o'], dtype=object)
    >>> tf.strings.bytes_split(["hello", "123"])
    [[b'h', b'e', b'l', b'l', b'o'], [b'1', b'2', b'3']]
    """
    return _split_each(lambda s: [s[i:i + 1] for i in range(len(s))], input, "bytes_split")


# -- Unicode --------------------------------------------------------------------------------
_OUTPUT_CODECS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}


def _check_errors(errors, replacement_char):
    if errors not in ("strict", "replace", "ignore"):
        raise InvalidArgumentError("errors policy must be one of 'strict', 'replace', or "
                                   "'ignore'")
    if not 0 <= int(replacement_char) <= 0x10FFFF:
        raise InvalidArgumentError("replacement_char out of unicode codepoint range")
    return int(replacement_char)


def _input_codec(encoding):
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise InvalidArgumentError("Could not create converter for input encoding: %s"
                                   % (encoding,)) from None


def _output_codec(encoding):
    try:
        return _OUTPUT_CODECS[encoding]
    except (KeyError, TypeError):
        raise InvalidArgumentError("Invalid encoding \"%s\": Should be one of: UTF-8, "
                                   "UTF-16-BE, UTF-32-BE" % (encoding,)) from None


def _decode(s, codec, errors, replacement, replace_control):
    """The code points of ``s``; each invalid sequence (as Python's decoder delimits it,
    the Unicode "maximal subpart", as ICU) is replaced, dropped or an error."""
    points, pos = [], 0
    while True:
        try:
            points.extend(map(ord, s[pos:].decode(codec)))
            break
        except UnicodeDecodeError as e:
            points.extend(map(ord, s[pos:pos + e.start].decode(codec)))
            if errors == "strict":
                raise InvalidArgumentError("Invalid formatting on input string") from None
            if errors == "replace":
                points.append(replacement)
            pos += e.end
    if replace_control:
        points = [replacement if p <= 0x1F else p for p in points]
    return points


def _is_unicode_char(p):
    """ICU's U_IS_UNICODE_CHAR: a scalar value that is not a noncharacter."""
    if p < 0 or p > 0x10FFFF or 0xD800 <= p <= 0xDFFF:
        return False
    return not (0xFDD0 <= p <= 0xFDEF or p & 0xFFFE == 0xFFFE)


def _encode(points, codec, errors, replacement):
    chars = []
    for p in points:
        if not _is_unicode_char(p):
            if errors == "strict":
                raise InvalidArgumentError("Code point is out of range for Unicode, or a "
                                           "noncharacter.")
            if errors == "ignore":
                continue
            p = replacement
        chars.append(chr(p))
    return "".join(chars).encode(codec, "surrogatepass")


def unicode_decode(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                   replace_control_characters=False, name=None):
    """Decodes every string into its Unicode code points (int32).

    A scalar gives a 1-D tensor, a tensor of rank N a :class:`RaggedList`. ``errors``:
    ``'replace'`` invalid sequences with ``replacement_char``, ``'ignore'`` them, or raise
    (``'strict'``); ``replace_control_characters`` also replaces U+0000-U+001F.

    >>> import tapeflow as tf
    >>> tf.strings.unicode_decode(["Gööd", "\U0001F60A"], "UTF-8").to_list()
    [[71, 246, 246, 100], [128522]]
    """
    codec = _input_codec(input_encoding)
    replacement = _check_errors(errors, replacement_char)
    return _split_each(lambda s: _decode(s, codec, errors, replacement,
                                         replace_control_characters),
                       input, "unicode_decode", _dtypes.int32)


def unicode_split(input, input_encoding, errors="replace", replacement_char=0xFFFD,  # noqa: A002
                  name=None):
    """Splits every string into its characters (each encoded as the input was).

    >>> import tapeflow as tf
    >>> tf.strings.unicode_split("Gö\U0001F60A", "UTF-8").numpy()
    array([b'G', b'\\xc3\\xb6', b'\\xf0\\x9f\\x98\\x8a'], dtype=object)
    """
    out_codec = _output_codec(input_encoding)
    codec = _input_codec(input_encoding)
    replacement = _check_errors(errors, replacement_char)
    return _split_each(
        lambda s: [_encode([p], out_codec, errors, replacement)
                   for p in _decode(s, codec, errors, replacement, False)],
        input, "unicode_split")


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                   name=None):
    """Encodes each sequence of code points along the last axis into one string.

    ``input`` is an integer tensor of rank >= 1, a :class:`RaggedList` or a ragged nested
    list; the result has one dimension fewer (a RaggedList stays ragged where its outer
    levels are). Invalid code points are replaced, dropped or an error, as ``errors`` says.

    >>> import tapeflow as tf
    >>> tf.strings.unicode_encode([[71, 246, 246, 100], [128522]], "UTF-8").numpy()
    array([b'G\\xc3\\xb6\\xc3\\xb6d', b'\\xf0\\x9f\\x98\\x8a'], dtype=object)
    """
    codec = _output_codec(output_encoding)
    replacement = _check_errors(errors, replacement_char)

    def encode(points):
        return _encode([int(p) for p in points], codec, errors, replacement)
    ragged = _ragged(input)
    if ragged is not None:
        return _pack(_map_rows(ragged, encode), _dtypes.string)
    arr = _int_array(input, "unicode_encode", "input")
    if arr.ndim == 0:
        raise ValueError("unicode_encode: input_tensor's rank must be at least 1.")
    rows = arr.reshape(int(np.prod(arr.shape[:-1], dtype=np.int64)), arr.shape[-1])
    return _out([encode(r) for r in rows.tolist()], arr.shape[:-1], _dtypes.string)


# -- n-grams --------------------------------------------------------------------------------
def _ngram_maker(widths, separator, left, right, pad_width, preserve_short):
    """One sequence of tokens -> its n-grams (string_ngrams_op.cc)."""
    def make(tokens):
        grams = []
        for w in widths:
            # Padding never exceeds width - 1; -1 asks for exactly width - 1.
            pad = min(pad_width if pad_width >= 0 else w - 1, w - 1)
            padded = [left] * pad + tokens + [right] * pad
            grams += [separator.join(padded[i:i + w]) for i in range(len(padded) - w + 1)]
        if preserve_short and tokens and not grams:
            grams = [separator.join([left] * pad_width + tokens + [right] * pad_width)]
        return grams
    return make


def _pad_values(pad_values):
    if pad_values is None:
        return b"", b""
    if isinstance(pad_values, (list, tuple)):
        if len(pad_values) != 2 or not all(isinstance(v, (str, bytes)) for v in pad_values):
            raise TypeError("pad_values must be a string, tuple of strings, or None.")
        return _to_bytes(pad_values[0], "ngrams"), _to_bytes(pad_values[1], "ngrams")
    if not isinstance(pad_values, (str, bytes)):
        raise TypeError("pad_values must be a string, tuple of strings, or None.")
    return _to_bytes(pad_values, "ngrams"), _to_bytes(pad_values, "ngrams")


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """The n-grams of the strings along the last axis of ``data``, joined by ``separator``.

    ``ngram_width`` is an int or a list of widths (their n-grams follow each other).
    ``pad_values`` (one string or a ``(left, right)`` pair) pads each sequence with
    ``padding_width`` values per side (default ``width - 1``, never more).
    ``preserve_short_sequences`` makes a non-empty sequence too short for any n-gram give
    one n-gram of the whole (padded) sequence. ``data`` of shape ``[..., S]`` gives
    ``[..., number of n-grams]``; a RaggedList or ragged list gives a RaggedList.

    >>> import tapeflow as tf
    >>> tf.strings.ngrams(["A", "B", "C", "D"], 2).numpy()
    array([b'A B', b'B C', b'C D'], dtype=object)
    >>> tf.strings.ngrams(["TF", "and", "keras"], 1).numpy()
    array([b'TF', b'and', b'keras'], dtype=object)
    >>> tf.strings.ngrams([["a", "b", "c"], ["d"]], 2, pad_values="#", padding_width=1)
    [[b'# a', b'a b', b'b c', b'c #'], [b'# d', b'd #']]
    """
    left, right = _pad_values(pad_values)
    if padding_width is not None and padding_width < 1:
        raise ValueError("padding_width must be greater than 0.")
    if padding_width is not None and pad_values is None:
        raise ValueError("pad_values must be provided if padding_width is set.")
    widths = list(ngram_width) if isinstance(ngram_width, (list, tuple)) else [ngram_width]
    if any(int(w) < 1 for w in widths):
        raise ValueError("All ngram_widths must be greater than 0. Got %s" % (ngram_width,))
    pad_width = 0 if pad_values is None else (-1 if padding_width is None else
                                              int(padding_width))
    make = _ngram_maker([int(w) for w in widths], _to_bytes(separator, "ngrams"), left,
                        right, pad_width, preserve_short_sequences)
    ragged = _ragged(data)
    if ragged is not None:
        rows = _map_rows(ragged, lambda row: make([_to_bytes(t, "ngrams") for t in row]))
        return RaggedList(rows, _dtypes.string)
    arr = _strings(data, "ngrams")
    if arr.ndim == 0:
        raise ValueError("ngrams: Data must have rank>0")
    rows = arr.reshape(int(np.prod(arr.shape[:-1], dtype=np.int64)), arr.shape[-1]).tolist()
    grams = [make(row) for row in rows]
    count = len(grams[0]) if grams else len(make([b""] * arr.shape[-1]))
    return _out([g for row in grams for g in row], arr.shape[:-1] + (count,), _dtypes.string)


# -- numbers <-> strings --------------------------------------------------------------------
_SPACE = rb"[ \t\n\v\f\r]*"
# TF parses floats with double-conversion (leading/trailing spaces, hex integers, "inf" and
# "nan" in any case) and integers as optionally signed decimal digits.
_FLOAT_SYNTAX = _re.compile(
    _SPACE + rb"([+-]?)(?:(0x[0-9a-f]+)|((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf|nan))"
    + _SPACE + rb"\Z", _re.IGNORECASE)
_INT_SYNTAX = _re.compile(_SPACE + rb"([+-]?\d+)" + _SPACE + rb"\Z")
_NUMBER_TYPES = (_dtypes.float32, _dtypes.float64, _dtypes.int32, _dtypes.int64)


def _parse_number(s, dtype):
    """``s`` as a number of ``dtype``, or None where TF's StringToNumber fails."""
    if dtype.is_floating:
        m = _FLOAT_SYNTAX.match(s)
        # TF's safe_strtof/strtod reject strings of 32 bytes or more (kFastToBufferSize).
        if m is None or len(s) >= 32:
            return None
        sign, hex_digits, decimal = m.groups()
        value = float(int(hex_digits, 16)) if hex_digits else float(decimal)
        value = -value if sign == b"-" else value
        # Rounded via float64 (TF rounds the decimal straight to float32; they differ only
        # for decimals within a float64 rounding error of a float32 halfway point).
        return float(np.float32(value)) if dtype == _dtypes.float32 else value
    m = _INT_SYNTAX.match(s)
    if m is None:
        return None
    value = int(m.group(1))
    return value if dtype.min <= value <= dtype.max else None


def to_number(input, out_type=_dtypes.float32, name=None):  # noqa: A002
    """Parses every string as a number of ``out_type`` (float32, float64, int32 or int64).

    Leading and trailing whitespace is allowed; floats also take ``inf``, ``nan`` and hex
    integers (``0xF``) and overflow to ``inf``. A string that is not a number (or an integer
    out of range) raises ``InvalidArgumentError`` naming it.

    >>> import tapeflow as tf
    >>> tf.strings.to_number(["1.5", " -10", "0xF", "inf"]).numpy()
    array([  1.5, -10. ,  15. ,   inf], dtype=float32)
    >>> tf.strings.to_number("42", out_type=tf.int64)
    <tf.Tensor: shape=(), dtype=int64, numpy=42>
    """
    dtype = _dtypes.as_dtype(out_type)
    if dtype not in _NUMBER_TYPES:
        raise TypeError("to_number: out_type must be one of float32, float64, int32, int64; "
                        "got %s" % dtype.name)

    def parse(s):
        value = _parse_number(s, dtype)
        if value is None:
            raise InvalidArgumentError("StringToNumberOp could not correctly convert string: "
                                       "%s" % s.decode("utf-8", "replace"))
        return value
    with np.errstate(over="ignore"):   # float32 overflow gives inf, as in TF
        return _map(parse, input, "to_number", dtype)


def _dtype_name(arr):
    return _dtypes.from_numpy(arr.dtype).name


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1,  # noqa: A002
              fill="", name=None):
    """Formats every number (or bool, or string) as a string, as C's ``printf`` does.

    Floats use ``%f`` (``%e`` with ``scientific``, ``%g`` with ``shortest``) with
    ``precision`` digits; ``width`` pads to that many characters with spaces, or with zeros
    for ``fill="0"`` (``fill`` is a printf flag: one of ``' '``, ``'+'``, ``'-'``, ``'0'``,
    ``'#'``). Bools give ``true``/``false``; strings pass through unless ``width`` is set.

    >>> import tapeflow as tf
    >>> tf.strings.as_string([3, 2]).numpy()
    array([b'3', b'2'], dtype=object)
    >>> tf.strings.as_string(3.1415926, precision=3).numpy()
    b'3.142'
    >>> tf.strings.as_string([7, 42], width=3, fill="0").numpy()
    array([b'007', b'042'], dtype=object)
    """
    arr = np.asarray(input._value if isinstance(input, (Tensor, Variable)) else
                     _to_array(input))
    kind = arr.dtype.kind
    if kind not in "fc":
        if scientific or shortest:
            raise InvalidArgumentError("scientific and shortest format not supported for "
                                       "datatype %s" % _dtype_name(arr))
        if precision >= 0:
            raise InvalidArgumentError("precision not supported for datatype %s"
                                       % _dtype_name(arr))
    if len(fill) > 1:
        raise InvalidArgumentError("Fill string must be one or fewer characters")
    if scientific and shortest:
        raise InvalidArgumentError("Cannot select both scientific and shortest notation")
    if fill and fill not in " +-0#":
        raise InvalidArgumentError("Fill argument not supported: \"%s\"" % fill)
    spec = "%" + fill + (str(width) if width > -1 else "") + \
        ("." + str(precision) if precision > -1 else "")
    flat = arr.reshape(-1).tolist()
    if kind == "O":
        out = flat if width <= 0 else [(spec + "s").encode() % s for s in flat]
    elif kind == "b":
        out = [b"true" if v else b"false" for v in flat]
    elif kind in "iu":
        out = [((spec + "d") % v).encode() for v in flat]
    elif kind in "fc":
        spec += "g" if shortest else "e" if scientific else "f"
        if kind == "c":
            out = [("(%s,%s)" % (spec % v.real, spec % v.imag)).encode() for v in flat]
        else:
            out = [(spec % v).encode() for v in flat]
    else:
        raise InvalidArgumentError("Type not supported: %s" % _dtype_name(arr))
    return _out(out, arr.shape, _dtypes.string)


def _float_text(value, single):
    """TF's FloatToBuffer/DoubleToBuffer: %g with 6 (15) digits, or 9 (17) if that does
    not read back as the same value."""
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    short, full = (6, 9) if single else (15, 17)
    text = "%.*g" % (short, value)
    same = np.float32(float(text)) == np.float32(value) if single else float(text) == value
    return text if same else "%.*g" % (full, value)


def _c_escape(s):
    """absl::Utf8SafeCEscape: C escapes for quotes, backslashes and ASCII controls."""
    out = []
    for b in s:
        c = bytes([b])
        if c in b"\n\r\t\"'\\":
            out.append({b"\n": b"\\n", b"\r": b"\\r", b"\t": b"\\t"}.get(c, b"\\" + c))
        elif b < 0x20 or b == 0x7F:
            out.append(b"\\%03o" % b)
        else:
            out.append(c)
    return b"".join(out)


def _element_printer(arr):
    kind = arr.dtype.kind
    if kind == "O":
        return lambda v: b'"' + _c_escape(v) + b'"'
    if kind == "b":
        return lambda v: b"1" if v else b"0"
    if kind in "iu":
        return lambda v: str(v).encode()
    if kind == "f":
        single = arr.dtype.itemsize <= 4
        return lambda v: _float_text(float(v), single).encode()
    return lambda v: b"?"


def _summarize(arr, summarize):
    """Tensor::SummarizeValue(summarize, print_v2=true): numpy-like, with the first and
    last ``summarize`` entries of each dimension."""
    limit = arr.size if summarize < 0 else min(summarize, arr.size)
    show = _element_printer(arr)
    if arr.ndim == 0:
        return (show(arr.item()) if limit else b"") + (b"..." if arr.size > limit else b"")

    def dim(a, depth):
        if a.ndim == 0:
            return show(a.item())
        n = a.shape[0]
        spacing = b" " if a.ndim == 1 else b"\n" * (a.ndim - 1) + b" " * (depth + 1)
        # a[i, ...] stays an array (a[i] of an object array would be the bare element)
        parts = [dim(a[i, ...], depth + 1) for i in range(min(limit, n))]
        if n > 2 * limit:
            parts.append(b"...")
        parts += [dim(a[i, ...], depth + 1) for i in range(max(limit, n - limit), n)]
        return b"[" + spacing.join(parts) + b"]"
    return dim(arr, 0)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    """Formats ``inputs`` into ``template``, one per ``placeholder``, printing each tensor
    as TF prints it (the first and last ``summarize`` entries of each dimension, all with
    ``summarize=-1``; strings in double quotes).

    >>> import tapeflow as tf
    >>> tf.strings.format("tensor: {}, suffix", tf.range(5)).numpy()
    b'tensor: [0 1 2 3 4], suffix'
    >>> tf.strings.format("a: {}, b: {}", (tf.range(10), "x")).numpy()
    b'a: [0 1 2 ... 7 8 9], b: "x"'
    """
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    if not placeholder:
        raise ValueError("format: placeholder must be a non-empty string")
    pieces = _to_bytes(template, "format").split(_to_bytes(placeholder, "format"))
    if len(pieces) - 1 != len(inputs):
        raise InvalidArgumentError("num placeholders in template and num inputs must match: "
                                   "%d vs. %d" % (len(pieces) - 1, len(inputs)))
    out = [pieces[0]]
    for value, piece in zip(inputs, pieces[1:]):
        arr = np.asarray(value._value if isinstance(value, (Tensor, Variable))
                         else _to_array(value))
        out += [_summarize(arr, int(summarize)), piece]
    return _out([b"".join(out)], (), _dtypes.string)


# -- hash buckets ---------------------------------------------------------------------------
def _num_buckets(num_buckets):
    n = int(num_buckets)
    if n < 1:
        raise InvalidArgumentError("Value for attr 'num_buckets' of %d must be at least "
                                   "minimum 1" % n)
    return n




def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    """Each string's FarmHash ``Fingerprint64`` modulo ``num_buckets`` (int64), bit-exact
    with TF.

    >>> import tapeflow as tf
    >>> tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3).numpy()
    array([0, 2, 2])
    """
    n = _num_buckets(num_buckets)
    return _apply(lambda keys: _hash_buckets(keys, n).tolist(), input,
                  "to_hash_bucket_fast", _dtypes.int64)


def to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """Each string's SipHash-2-4 keyed by ``key`` (two ints) modulo ``num_buckets``
    (int64), bit-exact with TF.

    >>> import tapeflow as tf
    >>> tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]).numpy()
    array([2, 0])
    """
    n = _num_buckets(num_buckets)
    key = [int(k) for k in key]
    if len(key) != 2:
        raise InvalidArgumentError("Key must have 2 elements")
    return _apply(lambda keys: _hash_buckets(keys, n, salt=key).tolist(),
                  input, "to_hash_bucket_strong", _dtypes.int64)


_M64 = (1 << 64) - 1


def _tf_hash64(s, seed=0xDECAFCAFFE):
    """TensorFlow's legacy ``Hash64`` (tensorflow/core/lib/hash/hash.cc), a 64-bit
    MurmurHash2 variant with TF's default seed."""
    mul, shift = 0xC6A4A7935BD1E995, 47
    h = (seed ^ (len(s) * mul)) & _M64
    tail = len(s) - len(s) % 8
    for i in range(0, tail, 8):
        k = (int.from_bytes(s[i:i + 8], "little") * mul) & _M64
        k = ((k ^ (k >> shift)) * mul) & _M64
        h = ((h ^ k) * mul) & _M64
    if tail < len(s):
        h = ((h ^ int.from_bytes(s[tail:], "little")) * mul) & _M64
    h = ((h ^ (h >> shift)) * mul) & _M64
    return h ^ (h >> shift)


def to_hash_bucket(input, num_buckets, name=None):  # noqa: A002
    """Each string's legacy TF ``Hash64`` modulo ``num_buckets`` (int64); prefer
    ``to_hash_bucket_fast``.

    >>> import tapeflow as tf
    >>> tf.strings.to_hash_bucket(["Hello", "TensorFlow", "2.x"], 3).numpy()
    array([2, 0, 1])
    """
    n = _num_buckets(num_buckets)
    return _map(lambda s: _tf_hash64(s) % n, input, "to_hash_bucket", _dtypes.int64)
