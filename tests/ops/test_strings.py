"""tf.strings against TensorFlow's documented examples, its kernel tests and hand-computed
results: shapes 0-D/1-D/2-D, Unicode, empty strings, ragged results and errors."""
import os
import re
import string
import subprocess
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.api.strings import RaggedList
from tapeflow.errors import InvalidArgumentError

S = tf.strings
IAE = InvalidArgumentError


def val(t):
    """A tensor's value (a NumPy array, or a Python scalar/bytes for rank 0)."""
    assert isinstance(t, tf.Tensor)
    v = t.numpy()
    return v.item() if isinstance(v, np.generic) else v


def strs(t):
    """A string tensor as nested lists of ``bytes`` (rank 0: ``bytes``)."""
    assert isinstance(t, tf.Tensor) and t.dtype == tf.string
    v = t.numpy()
    return v.tolist() if isinstance(v, np.ndarray) else v


# -- input conversion ------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    "aB", b"aB", ["aB"], np.array(["aB"]), np.array([b"aB"]), tf.constant(["aB"]),
    tf.Variable(["aB"]), np.array("aB")])
def test_accepts_str_bytes_lists_arrays_and_tensors(value):
    assert strs(S.upper(value)) in (b"AB", [b"AB"])


def test_outputs_keep_the_input_shape():
    for shape in [(), (0,), (3,), (2, 3), (2, 0, 2)]:
        x = np.full(shape, "Ab", dtype=object)
        assert S.lower(x).shape == shape
        assert S.length(x).shape == shape


def test_rank0_outputs_are_scalars():
    assert val(S.lower("ABC")) == b"abc"
    assert val(S.length("ABC")) == 3 and S.length("ABC").dtype == tf.int32


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError, match="lower.*tf.string.*int32"):
        S.lower(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="length.*strings"):
        S.length([1, 2])
    with pytest.raises(ValueError, match="non-rectangular"):
        S.lower([["a", "b"], ["c"]])


# -- lower, upper, strip, length -------------------------------------------------------------
def test_lower_upper_are_ascii_only_by_default():
    x = ["CamelCase", "ÉTÉ été", "", "ß"]
    assert strs(S.lower(x)) == [b"camelcase", "ÉtÉ été".encode(), b"", "ß".encode()]
    assert strs(S.upper(x)) == [b"CAMELCASE", "ÉTÉ éTé".encode(), b"", "ß".encode()]


def test_lower_upper_utf8():
    x = [["ÉTÉ", "Straße"], ["ΑΒΓ", "a\xffB".encode("latin-1")]]
    assert strs(S.lower(x, encoding="utf-8")) == [
        ["été".encode(), "straße".encode()], ["αβγ".encode(), "a\ufffdb".encode()]]
    assert strs(S.upper(x, encoding="utf-8"))[0] == ["ÉTÉ".encode(), "STRASSE".encode()]


def test_lower_bad_encoding():
    with pytest.raises(IAE, match="only utf-8 or '' .*latin-1"):
        S.lower("a", encoding="latin-1")


def test_strip_removes_ascii_whitespace_only():
    x = [" \t\n\v\fa b\r ", "", "   ", "\xa0x\xa0"]
    assert strs(S.strip(x)) == [b"a b", b"", b"", "\xa0x\xa0".encode()]


def test_length_bytes_and_code_points():
    x = [["Hello", "TensorFlow"], ["\U0001F642", ""]]
    np.testing.assert_array_equal(val(S.length(x)), [[5, 10], [4, 0]])
    np.testing.assert_array_equal(val(S.length(x, unit="UTF8_CHAR")), [[5, 10], [1, 0]])
    assert S.length(x).dtype == tf.int32
    assert val(S.length("héllo", unit="UTF8_CHAR")) == 5


def test_bad_unit():
    with pytest.raises(IAE, match="'unit' of \"CHAR\" is not in the list"):
        S.length("a", unit="CHAR")
    with pytest.raises(IAE, match="unit"):
        S.substr("a", 0, 1, unit="bytes")


# -- substr ----------------------------------------------------------------------------------
def test_substr_tf_doc_examples():
    assert strs(S.substr([b"Hello", b"World"], 1, 3)) == [b"ell", b"orl"]
    words = [[b"ten", b"eleven", b"twelve"], [b"thirteen", b"fourteen", b"fifteen"],
             [b"sixteen", b"seventeen", b"eighteen"]]
    pos = [[1, 2, 3], [1, 2, 3], [1, 2, 3]]
    size = [[2, 3, 4], [4, 3, 2], [5, 5, 5]]
    assert strs(S.substr(words, pos, size)) == [
        [b"en", b"eve", b"lve"], [b"hirt", b"urt", b"te"], [b"ixtee", b"vente", b"hteen"]]
    words.append([b"nineteen", b"twenty", b"twentyone"])
    assert strs(S.substr(words, [1, 2, 3], [1, 2, 3])) == [
        [b"e", b"ev", b"lve"], [b"h", b"ur", b"tee"], [b"i", b"ve", b"hte"],
        [b"i", b"en", b"nty"]]
    assert strs(S.substr(b"thirteen", [1, 5, 7], [3, 2, 1])) == [b"hir", b"ee", b"n"]


def test_substr_negative_positions_and_lengths():
    assert val(S.substr("Hello", -3, 2)) == b"ll"
    assert val(S.substr("Hello", -3, -1)) == b"llo"      # byte mode: to the end
    assert val(S.substr("Hello", 5, 3)) == b""
    assert val(S.substr("", 0, 1)) == b""


def test_substr_utf8_chars():
    x = "héllo\U0001F642"
    def cut(pos, size):
        return val(S.substr(x, pos, size, unit="UTF8_CHAR")).decode()
    assert cut(1, 3) == "éll"
    assert cut(0, 100) == x
    assert cut(6, 1) == ""
    assert cut(-2, 1) == "o"
    assert cut(-2, 5) == "o\U0001F642"
    assert cut(1, -1) == ""                                # utf-8 mode: empty
    assert strs(S.substr(["ab", "ü"], 0, 1, unit="UTF8_CHAR")) == [b"a", "ü".encode()]


def test_substr_errors():
    with pytest.raises(IAE, match=r"pos 3 out of range for string b'ab' at index 1"):
        S.substr(["abc", "ab"], 3, 1)
    with pytest.raises(IAE, match=r"pos -4 out of range"):
        S.substr("abc", -4, 1)
    with pytest.raises(IAE, match=r"pos 3 out of range for string at index 0"):
        S.substr("éé", 3, 1, unit="UTF8_CHAR")
    with pytest.raises(IAE, match=r"pos and len should have the same shape.*\[2\] vs\. \[\]"):
        S.substr(["a", "b"], [0, 0], 1)
    with pytest.raises(IAE, match=r"Incompatible shapes: \[3\] vs\. \[2\]"):
        S.substr(["a", "b", "c"], [0, 0], [1, 1])


# -- regex_replace / regex_full_match --------------------------------------------------------
def test_regex_replace_tf_doc_examples():
    assert val(S.regex_replace("Text with tags.<br /><b>contains html</b>", "<[^>]+>", " ")) \
        == b"Text with tags.  contains html "
    x = [["The quick", "brown fox"], ["", "jumps"]]
    assert strs(S.regex_replace(x, "[aeiou]", "")) == [[b"Th qck", b"brwn fx"], [b"", b"jmps"]]


def test_regex_replace_rewrite_groups():
    assert val(S.regex_replace("2024-01-31", r"(\d+)-(\d+)-(\d+)", r"\3/\2/\1")) == b"31/01/2024"
    assert val(S.regex_replace("abc", "b", r"[\0]")) == b"a[b]c"
    assert val(S.regex_replace("abc", "b", r"\\")) == b"a\\c"
    assert val(S.regex_replace("ab", "(x)?b", r"<\1>")) == b"a<>"       # unmatched group: ""
    # RE2 leaves the text unchanged when the rewrite names a missing group
    assert val(S.regex_replace("abc", "(b)", r"\2")) == b"abc"


def test_regex_replace_first_only():
    assert val(S.regex_replace("aaa", "a", "b", replace_global=False)) == b"baa"
    assert val(S.regex_replace("xyz", "a", "b", replace_global=False)) == b"xyz"


def test_regex_replace_empty_matches_follow_re2():
    # RE2 skips an empty match right after the previous match; Python's re.sub keeps it.
    assert val(S.regex_replace("abxd", "x*", "-")) == b"-a-b-d-"
    assert val(S.regex_replace("abc", "", "-")) == b"-a-b-c-"
    assert val(S.regex_replace("", "x*", "-")) == b"-"
    assert val(S.regex_replace("é", "", "-")) == "-é-".encode()    # skips whole characters


def test_regex_re2_syntax():
    assert val(S.regex_replace("ab\n", "b$", "X")) == b"ab\n"          # $ is the end of text
    assert val(S.regex_replace("ab\nb", "(?m)b$", "X")) == b"aX\nX"
    assert val(S.regex_replace("ab", r"b\z", "X")) == b"aX"
    assert val(S.regex_replace("a.b*", r"\Q.b*\E", "!")) == b"a!"
    assert val(S.regex_replace("ab12 c3", "[[:digit:]]+", "#")) == b"ab# c#"
    assert val(S.regex_replace("ab12", "[^[:alpha:]]", "")) == b"ab"
    assert val(S.regex_replace("ab", "(?<x>b)", r"[\1]")) == b"a[b]"
    assert val(S.regex_replace("aé", r"\x{e9}", "e")) == b"ae"
    assert val(S.regex_replace("[a]", "[[]", "(")) == b"(a]"
    assert val(S.regex_replace("AbC", "(?i)[a-c]", "x")) == b"xxx"


def test_regex_is_ascii_and_utf8_aware_like_re2():
    assert val(S.regex_replace("café 1٣", r"\w", "w")) == "wwwé w٣".encode()
    assert val(S.regex_replace("héllo", ".", "-")) == b"-----"
    bad = b"a\xffb"   # invalid UTF-8 survives untouched
    assert val(S.regex_replace(bad, "b", "c")) == b"a\xffc"


def test_regex_errors():
    with pytest.raises(IAE, match=r"Invalid pattern: \(, error:"):
        S.regex_replace("a", "(", "")
    with pytest.raises(IAE, match=r"Invalid pattern: \\pL"):
        S.regex_full_match("a", r"\pL")
    with pytest.raises(IAE, match="Invalid pattern.*unsupported character class"):
        S.regex_replace("a", "[[:^alpha:]]", "")
    with pytest.raises(IAE, match=r"Invalid rewrite pattern: \\n"):
        S.regex_replace("a", "a", r"\n")
    with pytest.raises(IAE, match=r"Pattern must be scalar, but received \[2\]"):
        S.regex_replace("a", ["a", "b"], "")
    with pytest.raises(IAE, match=r"Rewrite must be scalar"):
        S.regex_replace("a", "a", ["a", "b"])


def test_regex_full_match():
    x = ["TF lib", "lib TF"]
    np.testing.assert_array_equal(val(S.regex_full_match(x, ".*lib$")), [True, False])
    np.testing.assert_array_equal(val(S.regex_full_match(x, ".*TF$")), [False, True])
    out = S.regex_full_match([["abc", ""], ["abcd", "ab"]], "a.c|")
    assert out.dtype == tf.bool
    np.testing.assert_array_equal(val(out), [[True, True], [False, False]])
    assert val(S.regex_full_match("x\n", "x$")) is False


# -- join, reduce_join -----------------------------------------------------------------------
def test_join():
    assert val(S.join(["abc", "def"])) == b"abcdef"
    assert strs(S.join([["a", "b"], "-", tf.constant(["c", "d"])], separator=" ")) == \
        [b"a - c", b"b - d"]
    assert strs(S.join([[["a"], ["b"]], "!"])) == [[b"a!"], [b"b!"]]
    assert strs(S.join([tf.constant([], dtype=tf.string), "x"])) == []


def test_join_errors():
    with pytest.raises(IAE, match=r"Input shapes do not match: \[2\] vs\. \[3\]"):
        S.join([["a", "b"], ["a", "b", "c"]])
    with pytest.raises(TypeError, match="join"):
        S.join([tf.constant([1, 2]), "a"])
    with pytest.raises(TypeError, match="list of string tensors"):
        S.join("abc")


def test_reduce_join_tf_doc_examples():
    x = [["abc", "123"], ["def", "456"]]
    assert val(S.reduce_join(x)) == b"abc123def456"
    assert strs(S.reduce_join(x, axis=-1)) == [b"abc123", b"def456"]
    assert strs(S.reduce_join(x, axis=-1, separator=" ")) == [b"abc 123", b"def 456"]
    a = [["a", "b"], ["c", "d"]]
    assert strs(S.reduce_join(a, 0)) == [b"ac", b"bd"]
    assert strs(S.reduce_join(a, 0, keepdims=True)) == [[b"ac", b"bd"]]
    assert strs(S.reduce_join(a, 1, keepdims=True)) == [[b"ab"], [b"cd"]]
    assert strs(S.reduce_join(a, 0, separator=".")) == [b"a.c", b"b.d"]
    assert val(S.reduce_join(a, [0, 1])) == b"acbd"
    assert val(S.reduce_join(a, [1, 0])) == b"abcd"
    assert strs(S.reduce_join(a, [])) == [[b"a", b"b"], [b"c", b"d"]]


def test_reduce_join_edge_cases():
    assert val(S.reduce_join("x")) == b"x"
    assert val(S.reduce_join(tf.constant([], dtype=tf.string))) == b""
    assert strs(S.reduce_join(np.full((2, 0), "a", dtype=object), axis=1)) == [b"", b""]
    x = np.array([[["a", "b"], ["c", "d"]], [["e", "f"], ["g", "h"]]])
    assert strs(S.reduce_join(x, axis=[2, 0], separator=",")) == [b"a,b,e,f", b"c,d,g,h"]
    with pytest.raises(IAE, match="Invalid reduction dimension 2 for input with 2 dimensions"):
        S.reduce_join([["a"]], 2)
    with pytest.raises(IAE, match="Duplicate reduction dimension 1"):
        S.reduce_join([["a"]], [1, -1])


# -- split, bytes_split, RaggedList ----------------------------------------------------------
def test_split_tf_doc_examples():
    out = S.split("hello world")
    assert isinstance(out, tf.Tensor) and strs(out) == [b"hello", b"world"]
    ragged = S.split(["hello world", "a b c"])
    assert isinstance(ragged, RaggedList)
    assert ragged == [[b"hello", b"world"], [b"a", b"b", b"c"]]
    assert strs(S.split("1<>2<><>3", sep="<>")) == [b"1", b"2", b"", b"3"]


def test_split_whitespace_like_str_split():
    nbsp = "x\xa0y"   # a no-break space is not ASCII whitespace
    assert S.split(["  a \t b\n", "", "   ", nbsp]) == [[b"a", b"b"], [], [], [nbsp.encode()]]
    assert S.split(["a,,b", ""], sep=",") == [[b"a", b"", b"b"], [b""]]
    assert S.split(["a b"], sep="") == [[b"a", b"b"]]             # "" means whitespace


def test_split_maxsplit():
    assert strs(S.split("a,b,c", sep=",", maxsplit=1)) == [b"a", b"b,c"]
    assert strs(S.split(" a  b c ", maxsplit=1)) == [b"a", b"b c "]
    assert strs(S.split(" a b ", maxsplit=0)) == [b" a b "]
    # TF appends the (empty) rest once maxsplit tokens were split off; Python does not
    assert strs(S.split("a b ", maxsplit=2)) == [b"a", b"b", b""]
    assert strs(S.split("a", maxsplit=2)) == [b"a"]


def test_split_2d_and_ragged_inputs():
    out = S.split(tf.constant([["a b", "c"], ["", "d e f"]]))
    assert out == [[[b"a", b"b"], [b"c"]], [[], [b"d", b"e", b"f"]]]
    dense = out.to_tensor()
    assert dense.shape == (2, 2, 3)
    assert strs(dense)[1] == [[b"", b"", b""], [b"d", b"e", b"f"]]
    assert S.split(S.split(["a-b c"]), sep="-") == [[[b"a", b"b"], [b"c"]]]
    assert strs(S.split(tf.constant("", dtype=tf.string))) == []


def test_ragged_list_methods():
    words = S.split(["hello world", "a b c", ""])
    assert words.dtype == tf.string
    assert type(words.to_list()) is list and words.to_list() == words
    flat = words.flat_values
    assert flat.shape == (5,) and strs(flat) == [b"hello", b"world", b"a", b"b", b"c"]
    assert strs(words.to_tensor(default_value="-")) == [
        [b"hello", b"world", b"-"], [b"a", b"b", b"c"], [b"-", b"-", b"-"]]
    assert strs(words.to_tensor(shape=[2, 4])) == [[b"hello", b"world", b"", b""],
                                                    [b"a", b"b", b"c", b""]]
    assert strs(S.split(["a b"]).to_tensor(shape=[None, 1])) == [[b"a"]]
    # elementwise ops keep the nesting
    assert S.upper(words) == [[b"HELLO", b"WORLD"], [b"A", b"B", b"C"], []]
    lengths = S.length(words)
    assert lengths == [[5, 5], [1, 1, 1], []] and lengths.dtype == tf.int32
    with pytest.raises(TypeError, match="RaggedList"):
        S.substr(words, 0, 1)


def test_bytes_split():
    assert strs(S.bytes_split("hello")) == [b"h", b"e", b"l", b"l", b"o"]
    assert S.bytes_split(["hello", "123"]) == [[b"h", b"e", b"l", b"l", b"o"], [b"1", b"2", b"3"]]
    assert S.bytes_split(["é", ""]) == [[b"\xc3", b"\xa9"], []]
    assert strs(S.bytes_split("")) == []


# -- Unicode ---------------------------------------------------------------------------------
def test_unicode_decode_encode_tf_doc_examples():
    x = [s.encode("utf8") for s in ("G\xf6\xf6dnight", "\U0001f60a")]
    points = S.unicode_decode(x, "UTF-8")
    assert points.to_list() == [[71, 246, 246, 100, 110, 105, 103, 104, 116], [128522]]
    assert points.dtype == tf.int32
    out = S.unicode_encode(points, "UTF-8")
    assert strs(out) == [b"G\xc3\xb6\xc3\xb6dnight", b"\xf0\x9f\x98\x8a"]
    assert S.unicode_split(x, "UTF-8").to_list() == [
        [b"G", b"\xc3\xb6", b"\xc3\xb6", b"d", b"n", b"i", b"g", b"h", b"t"],
        [b"\xf0\x9f\x98\x8a"]]


def test_unicode_decode_shapes():
    out = S.unicode_decode("héllo", "UTF-8")
    assert isinstance(out, tf.Tensor) and out.dtype == tf.int32
    np.testing.assert_array_equal(val(out), [104, 233, 108, 108, 111])
    assert S.unicode_decode([["ab", ""], ["c", "d"]], "UTF-8") == [[[97, 98], []], [[99], [100]]]
    assert val(S.unicode_decode("", "UTF-8")).shape == (0,)


def test_unicode_decode_errors_policy():
    bad = [b"a\xffb", b"\xe2\x82"]
    assert S.unicode_decode(bad, "UTF-8") == [[97, 0xFFFD, 98], [0xFFFD]]
    assert S.unicode_decode(bad, "UTF-8", replacement_char=63) == [[97, 63, 98], [63]]
    assert S.unicode_decode(bad, "UTF-8", errors="ignore") == [[97, 98], []]
    with pytest.raises(IAE, match="Invalid formatting on input string"):
        S.unicode_decode(bad, "UTF-8", errors="strict")
    out = S.unicode_decode("a\x01\tb", "UTF-8", replace_control_characters=True)
    np.testing.assert_array_equal(val(out), [97, 0xFFFD, 0xFFFD, 98])
    np.testing.assert_array_equal(val(S.unicode_decode(b"\x00a\xd8\x3d\xde\x0a",
                                                       "UTF-16-BE")), [97, 0x1F60A])


def test_unicode_encode_shapes_and_errors():
    assert val(S.unicode_encode([104, 105], "UTF-8")) == b"hi"
    out = S.unicode_encode(tf.constant([[[104, 105]], [[106, 107]]]), "UTF-16-BE")
    assert out.shape == (2, 1) and strs(out) == [[b"\x00h\x00i"], [b"\x00j\x00k"]]
    assert val(S.unicode_encode([0x1F60A], "UTF-32-BE")) == b"\x00\x01\xf6\x0a"
    assert strs(S.unicode_encode([[104, 0x110000, 0xD800, 0xFFFF], [-1, 105]], "UTF-8")) == [
        "h\ufffd\ufffd\ufffd".encode(), "\ufffdi".encode()]
    assert strs(S.unicode_encode([[104, -5, 105]], "UTF-8", errors="ignore")) == [b"hi"]
    assert strs(S.unicode_encode([[104, -5]], "UTF-8", replacement_char=63)) == [b"h?"]
    assert S.unicode_encode([[[104], [105, 106]], [[]]], "UTF-8") == [[b"h", b"ij"], [b""]]
    with pytest.raises(IAE, match="Code point is out of range for Unicode"):
        S.unicode_encode([0x110000], "UTF-8", errors="strict")
    with pytest.raises(ValueError, match="rank must be at least 1"):
        S.unicode_encode(104, "UTF-8")


def test_unicode_bad_arguments():
    with pytest.raises(IAE, match='Invalid encoding "utf8": Should be one of: UTF-8'):
        S.unicode_encode([104], "utf8")
    with pytest.raises(IAE, match="Could not create converter for input encoding: nope"):
        S.unicode_decode("a", "nope")
    with pytest.raises(IAE, match="errors policy must be one of"):
        S.unicode_decode("a", "UTF-8", errors="skip")
    with pytest.raises(IAE, match="replacement_char out of unicode codepoint range"):
        S.unicode_split("a", "UTF-8", replacement_char=0x110000)


def test_unicode_split():
    assert strs(S.unicode_split("Gö\U0001F60A", "UTF-8")) == [
        b"G", "ö".encode(), "\U0001F60A".encode()]
    assert S.unicode_split([b"a\xff"], "UTF-8") == [[b"a", "\ufffd".encode()]]
    assert S.unicode_split([["ab"], [""]], "UTF-8") == [[[b"a", b"b"]], [[]]]


# -- ngrams ----------------------------------------------------------------------------------
def test_ngrams_tf_doc_examples():
    assert strs(S.ngrams(["A", "B", "C", "D"], 2)) == [b"A B", b"B C", b"C D"]
    assert strs(S.ngrams(["TF", "and", "keras"], 1)) == [b"TF", b"and", b"keras"]


def test_ngrams_dense_2d_widths_and_separator():
    x = [["a", "b", "c"], ["d", "e", "f"]]
    out = S.ngrams(x, [1, 3], separator="_")
    assert out.shape == (2, 4)
    assert strs(out) == [[b"a", b"b", b"c", b"a_b_c"], [b"d", b"e", b"f", b"d_e_f"]]
    assert S.ngrams(x, 4).shape == (2, 0)


def test_ngrams_padding_and_short_sequences():
    # padding_width defaults to width - 1; 1-grams are never padded
    assert strs(S.ngrams(["a", "b"], 3, pad_values=("<", ">"))) == [
        b"< < a", b"< a b", b"a b >", b"b > >"]
    assert strs(S.ngrams(["a", "b"], [1, 2], pad_values="#", padding_width=1)) == [
        b"a", b"b", b"# a", b"a b", b"b #"]
    assert strs(S.ngrams(["a"], 3)) == []
    assert strs(S.ngrams(["a"], 3, preserve_short_sequences=True)) == [b"a"]
    assert strs(S.ngrams(["a"], 4, pad_values="#", padding_width=1,
                         preserve_short_sequences=True)) == [b"# a #"]


def test_ngrams_ragged():
    assert S.ngrams([["a", "b", "c"], ["d"]], 2) == [[b"a b", b"b c"], []]
    assert S.ngrams(S.split(["a b c", "d", ""]), 2, preserve_short_sequences=True) == [
        [b"a b", b"b c"], [b"d"], []]


def test_ngrams_errors():
    with pytest.raises(ValueError, match="ngram_widths must be greater than 0"):
        S.ngrams(["a"], 0)
    with pytest.raises(ValueError, match="padding_width must be greater than 0"):
        S.ngrams(["a"], 2, pad_values="#", padding_width=0)
    with pytest.raises(ValueError, match="pad_values must be provided"):
        S.ngrams(["a"], 2, padding_width=1)
    with pytest.raises(TypeError, match="pad_values must be a string"):
        S.ngrams(["a"], 2, pad_values=1)
    with pytest.raises(ValueError, match="rank>0"):
        S.ngrams("a", 1)


# -- to_number, as_string, format ------------------------------------------------------------
# Good and bad pairs from TF's string_to_number_op_test.py.
@pytest.mark.parametrize("dtype,good", [
    (tf.float32, [("0", 0), ("3", 3), ("-1", -1), ("1.12", 1.12), ("0xF", 15),
                  ("   -10.5", -10.5), ("3.40282e+38", 3.40282e+38),
                  ("3.40283e+38", np.inf), ("-3.40283e+38", -np.inf), ("INF", np.inf)]),
    (tf.float64, [("0", 0), ("1.12", 1.12), ("0xF", 15), ("3.40283e+38", 3.40283e+38),
                  ("-3.40283e+38", -3.40283e+38), ("INF", np.inf), (" 1e-3 ", 1e-3)]),
    (tf.int32, [("0", 0), ("3", 3), ("-1", -1), ("    -10", -10),
                ("-2147483648", -2147483648), ("2147483647", 2147483647)]),
    (tf.int64, [("    -10", -10), ("-2147483649", -2147483649), ("2147483648", 2147483648)]),
])
def test_to_number_good(dtype, good):
    strings, expected = zip(*good)
    out = S.to_number(list(strings), out_type=dtype)
    assert out.dtype == dtype
    np.testing.assert_allclose(val(out), np.array(expected, dtype=dtype.as_numpy_dtype))


@pytest.mark.parametrize("dtype,bad", [
    (tf.float32, "10foobar"), (tf.float32, ""), (tf.float32, "  "), (tf.float32, "1 2"),
    (tf.float64, "--1"), (tf.float64, "0x"), (tf.float64, "1e"),
    (tf.int32, "-2147483649"), (tf.int32, "2147483648"), (tf.int32, "2.9"),
    (tf.int32, "10foobar"), (tf.int64, "2.9"), (tf.int64, "0x10"), (tf.int64, "é")])
def test_to_number_bad_string_is_named(dtype, bad):
    message = "StringToNumberOp could not correctly convert string: " + re.escape(bad)
    with pytest.raises(IAE, match=message + "$"):
        S.to_number(["1", bad], out_type=dtype)


def test_to_number_nan_shapes_and_out_type():
    assert np.isnan(val(S.to_number("nan")))
    assert S.to_number("1.5").dtype == tf.float32 and val(S.to_number("1.5")) == 1.5
    np.testing.assert_array_equal(val(S.to_number([["1", "2"]], tf.int32)), [[1, 2]])
    with pytest.raises(TypeError, match="out_type must be one of"):
        S.to_number("1", out_type=tf.uint8)


def test_as_string():
    assert strs(S.as_string([3, 2])) == [b"3", b"2"]
    assert strs(S.as_string([3.1415926, 2.71828], precision=2)) == [b"3.14", b"2.72"]
    assert val(S.as_string(0.5)) == b"0.500000"                     # %f
    assert strs(S.as_string([1234.5, 1e-5], shortest=True)) == [b"1234.5", b"1e-05"]
    assert val(S.as_string(1e10, scientific=True, precision=1)) == b"1.0e+10"
    assert strs(S.as_string([[True, False]])) == [[b"true", b"false"]]
    assert val(S.as_string(tf.constant(2**40, dtype=tf.int64))) == b"1099511627776"
    assert val(S.as_string(tf.constant(1 + 2j, dtype=tf.complex64), precision=1)) == \
        b"(1.0,2.0)"
    assert val(S.as_string("text")) == b"text"
    assert val(S.as_string("ab", width=4)) == b"  ab"


def test_as_string_width_and_fill_from_tf_kernel_tests():
    x = tf.constant([-42, 0, 42], dtype=tf.int64)
    assert strs(S.as_string(x, width=4, fill=" ")) == [b" -42", b"   0", b"  42"]
    assert strs(S.as_string(x, width=4, fill="-")) == [b"-42 ", b"0   ", b"42  "]
    assert strs(S.as_string(x, width=4, fill="0")) == [b"-042", b"0000", b"0042"]
    assert strs(S.as_string(x, width=4)) == [b" -42", b"   0", b"  42"]
    assert strs(S.as_string(x, fill="+")) == [b"-42", b"+0", b"+42"]


def test_as_string_errors():
    with pytest.raises(IAE, match='Fill argument not supported: "s"'):
        S.as_string([1], fill="s")
    with pytest.raises(IAE, match="Fill string must be one or fewer characters"):
        S.as_string([1], fill="00")
    with pytest.raises(IAE, match="precision not supported for datatype int32"):
        S.as_string([1], precision=2)
    with pytest.raises(IAE, match="scientific and shortest format not supported for datatype "
                                  "int32"):
        S.as_string([1], scientific=True)
    with pytest.raises(IAE, match="Cannot select both scientific and shortest notation"):
        S.as_string([1.0], scientific=True, shortest=True)


def test_format_tf_doc_examples():
    assert val(S.format("tensor: {}, suffix", tf.range(5))) == b"tensor: [0 1 2 3 4], suffix"
    assert val(S.format("a: {}, b: {}, suffix", (tf.range(2), tf.range(1, 4, 2)))) == \
        b"a: [0 1], b: [1 3], suffix"
    assert val(S.format("tensor: {}, suffix", tf.range(10))) == \
        b"tensor: [0 1 2 ... 7 8 9], suffix"
    expected = (b"first: [[0 1 2 ... 7 8 9]\n"
                b" [10 11 12 ... 17 18 19]\n"
                b" [20 21 22 ... 27 28 29]\n"
                b" ...\n"
                b" [70 71 72 ... 77 78 79]\n"
                b" [80 81 82 ... 87 88 89]\n"
                b" [90 91 92 ... 97 98 99]], second: [0 1 2 ... 7 8 9], suffix")
    out = S.format("first: {}, second: {}, suffix",
                   (tf.reshape(tf.range(100), [10, 10]), tf.range(10)))
    assert val(out) == expected


def test_format_values():
    assert val(S.format("{}", tf.constant([[1.5, 2.0], [0.1, 3.0]]))) == b"[[1.5 2]\n [0.1 3]]"
    assert val(S.format("{}", tf.zeros([2, 1, 2]))) == b"[[[0 0]]\n\n [[0 0]]]"
    assert val(S.format("{} {}", (tf.constant(1e-7), tf.constant(16777217.0)))) == \
        b"1e-07 16777216"
    assert val(S.format("{}", tf.constant(0.1, dtype=tf.float64))) == b"0.1"
    assert val(S.format("{}", tf.constant([True, False]))) == b"[1 0]"
    assert val(S.format("{} {}", (tf.constant(['a"b', "c\n"]), "x"))) == b'["a\\"b" "c\\n"] "x"'
    assert val(S.format("{}", tf.range(10), summarize=-1)) == b"[0 1 2 3 4 5 6 7 8 9]"
    assert val(S.format("{}", tf.range(5), summarize=1)) == b"[0 ... 4]"
    assert val(S.format("<>", tf.range(2), placeholder="<>")) == b"[0 1]"
    assert val(S.format("no placeholder", [])) == b"no placeholder"
    with pytest.raises(IAE, match="num placeholders in template and num inputs must match: "
                                  "2 vs. 1"):
        S.format("{} {}", tf.range(2))


# -- hash buckets ----------------------------------------------------------------------------
def test_hash_buckets_match_tf_docs():
    words = ["Hello", "TensorFlow", "2.x"]
    fast = S.to_hash_bucket_fast(words, 3)
    assert fast.dtype == tf.int64
    np.testing.assert_array_equal(val(fast), [0, 2, 2])
    np.testing.assert_array_equal(val(S.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2])),
                                  [2, 0])
    np.testing.assert_array_equal(val(S.to_hash_bucket(words, 3)), [2, 0, 1])


def test_hash_buckets_shapes_and_keras_hashing_agree():
    x = [["A", "B", ""], ["é" * 40, "C", "A"]]
    out = S.to_hash_bucket_fast(x, 1000)
    assert out.shape == (2, 3)
    layer = tf.keras.layers.Hashing(num_bins=1000)
    np.testing.assert_array_equal(val(out), layer(tf.constant(x)).numpy())
    salted = tf.keras.layers.Hashing(num_bins=7, salt=[133, 137])
    np.testing.assert_array_equal(val(S.to_hash_bucket_strong(x, 7, [133, 137])),
                                  salted(tf.constant(x)).numpy())
    assert val(S.to_hash_bucket("x", 5)) in range(5)
    assert S.to_hash_bucket_fast(S.split(["a b", ""]), 4) == \
        [val(S.to_hash_bucket_fast(["a", "b"], 4)).tolist(), []]


@pytest.mark.parametrize("op", [
    lambda n: S.to_hash_bucket_fast(["a"], n), lambda n: S.to_hash_bucket(["a"], n),
    lambda n: S.to_hash_bucket_strong(["a"], n, [1, 2])])
def test_hash_buckets_need_a_positive_bucket_count(op):
    for n in (0, -3):
        with pytest.raises(IAE, match="'num_buckets' of %d must be at least minimum 1" % n):
            op(n)


def test_hash_bucket_strong_key_must_have_two_elements():
    with pytest.raises(IAE, match="Key must have 2 elements"):
        S.to_hash_bucket_strong(["a"], 3, [1])


# -- TextVectorization with a tf.strings standardize (the TF text-classification tutorial) ----
def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, "[%s]" % re.escape(string.punctuation), "")


def test_text_vectorization_with_tutorial_custom_standardization():
    layer = tf.keras.layers.TextVectorization(
        standardize=custom_standardization, max_tokens=10000, output_mode="int",
        output_sequence_length=6)
    corpus = ["The movie was GREAT!<br />Loved it.", "Terrible movie... the worst.",
              "great, (great) acting"]
    layer.adapt(tf.data.Dataset.from_tensor_slices(corpus).batch(2))
    vocab = layer.get_vocabulary()
    assert vocab[:3] == ["", "[UNK]", "great"]                  # by frequency: 3, 2, 2, 1 ...
    assert set(vocab[3:5]) == {"the", "movie"}
    assert set(vocab[5:]) == {"was", "loved", "it", "terrible", "worst", "acting"}
    assert "<br" not in "".join(vocab) and "great!" not in vocab
    ids = {w: i for i, w in enumerate(vocab)}
    out = layer(tf.constant([["The GREAT movie!<br />"], ["worst acting, ever"]]))
    assert out.dtype == tf.int64 and out.shape == (2, 6)
    np.testing.assert_array_equal(out.numpy(), [
        [ids["the"], ids["great"], ids["movie"], 0, 0, 0],
        [ids["worst"], ids["acting"], 1, 0, 0, 0]])


# -- namespace -------------------------------------------------------------------------------
def test_tf_strings_loads_lazily():
    code = "import sys, tapeflow; print('tapeflow.api.strings' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=os.path.dirname(tf.__path__[0]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.strip() == "False"
