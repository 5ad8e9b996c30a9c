"""RE2, as ``tf.strings`` uses it, on Python's ``re``: the pattern translation, RE2's rewrite
strings (``\\0``-``\\9``, ``\\\\``) and its global-replace rule (see ``tf.strings``' module
docstring for what still differs)."""
import functools
import re as _re

from ..errors import InvalidArgumentError

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z",
    "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f"}


def _from_re2(pattern):
    """Translates the RE2 constructs Python's ``re`` spells differently (module docstring)."""
    multiline = _re.search(r"\(\?[a-zA-Z]*m", pattern) is not None
    out, i, n = [], 0, len(pattern)
    in_class = class_start = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1:i + 2]
            if nxt == "Q":   # \Q...\E quotes literal text
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                out.append(_re.escape(pattern[i + 2:end]))
                i = end + 2
            elif nxt == "x" and pattern.startswith("{", i + 2):
                end = pattern.index("}", i + 3)
                out.append("\\U%08x" % int(pattern[i + 3:end], 16))
                i = end + 1
            else:
                out.append("\\Z" if nxt == "z" and not in_class else c + nxt)
                i += 2
            class_start = False
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
                out.append(c)
            elif pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                posix = _POSIX_CLASSES.get(pattern[i + 2:end]) if end > 0 else None
                if posix is None:
                    raise _re.error("unsupported character class %s"
                                    % (pattern[i:end + 2] if end > 0 else pattern[i:]))
                out.append(posix)
                i = end + 1
            else:   # escaped so that Python does not read a nested set or a set operation
                out.append("\\" + c if c in "[&~|" else c)
            class_start = False
            i += 1
            continue
        if c == "[":
            in_class = class_start = True
            caret = pattern.startswith("^", i + 1)
            out.append("[^" if caret else "[")
            i += 2 if caret else 1
            continue
        if c == "$" and not multiline:
            out.append("\\Z")   # RE2's $ is the end of the text; Python's also matches before "\n"
        elif pattern.startswith("(?<", i) and pattern[i + 3:i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_re2(pattern):
    try:
        return _re.compile(_from_re2(pattern), _re.ASCII)
    except (_re.error, ValueError, OverflowError) as e:
        raise InvalidArgumentError("Invalid pattern: %s, error: %s" % (pattern, e)) from None


@functools.lru_cache(maxsize=256)
def rewrite_pieces(rewrite):
    """RE2's rewrite string as literal text and group numbers (``\\0``-``\\9``, ``\\\\``)."""
    pieces, literal, i = [], [], 0
    while i < len(rewrite):
        c = rewrite[i]
        if c != "\\":
            literal.append(c)
            i += 1
            continue
        nxt = rewrite[i + 1:i + 2]
        if nxt == "\\":
            literal.append("\\")
        elif nxt and nxt in "0123456789":
            pieces.append("".join(literal))
            literal = []
            pieces.append(int(nxt))
        else:
            # RE2 logs "invalid rewrite pattern" and writes a partial result; raise instead.
            raise InvalidArgumentError(
                "Invalid rewrite pattern: %s (a backslash must be followed by a digit 0-9 or "
                "another backslash)" % rewrite)
        i += 2
    pieces.append("".join(literal))
    return tuple(p for p in pieces if p != "")


def expand(match, pieces):
    return "".join(p if isinstance(p, str) else (match.group(p) or "") for p in pieces)


def replace_all(rx, text, pieces):
    """RE2::GlobalReplace: like ``re.sub``, except that an empty match right after the
    previous match is skipped (``re.sub`` keeps it since Python 3.7)."""
    out, pos, last_end = [], 0, -1
    while pos <= len(text):
        m = rx.search(text, pos)
        if m is None:
            break
        start, end = m.span()
        out.append(text[pos:start])
        if start == end == last_end:
            out.append(text[pos:pos + 1])
            pos += 1
            continue
        out.append(expand(m, pieces))
        pos = last_end = end
    out.append(text[pos:])
    return "".join(out)
