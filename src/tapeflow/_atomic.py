"""Atomic file writes: a file is written under a temporary name in its own folder, then
renamed over the target, so an interrupted save never leaves a half-written file (and
never destroys the previous one)."""
import os
import uuid

__all__ = ["write_atomically"]


def write_atomically(path, write):
    """Calls ``write(tmp_path)`` to write the whole file, then renames it to ``path``.

    The temporary file is created with the umask's usual permissions (``tempfile.mkstemp``
    would leave the final file readable by its owner only) and removed if ``write`` fails.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> write_atomically(target, lambda tmp: open(tmp, "w").write("done"))
    >>> open(target).read()
    'done'
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, ".%s.%s.tmp" % (name, uuid.uuid4().hex[:12]))
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
