"""Crash-safe file writes: temporary file next to the target, fsync, rename, fsync the directory.

Notes:
- The temporary file is ``.<name>.<pid>.<random>.miniconv-tmp`` in the target's directory (a
  rename is atomic only within one file system). A kill -9 between its creation and the rename
  leaves it behind; the next :func:`atomic_write` to the same path deletes every such file whose
  writer process no longer exists (files of live writers, e.g. a concurrent save, are left alone).
- The file is created with mode 0o666 minus the umask, as ``open(path, "w")`` and ``torch.save``
  do (``tempfile.mkstemp`` would give 0o600). When the target already exists its permission bits
  are kept, as overwriting it in place would.
"""
import os
import secrets
import stat

_SUFFIX = ".miniconv-tmp"


def _temp_prefix(path):
    return "." + os.path.basename(path) + "."


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but is not ours
    return True


def stale_temp_files(path):
    """Temporary files of interrupted writes to ``path`` whose writer process is gone."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    prefix = _temp_prefix(path)
    stale = []
    try:
        names = os.listdir(directory)
    except OSError:
        return stale
    for name in names:
        if not (name.startswith(prefix) and name.endswith(_SUFFIX)):
            continue
        middle = name[len(prefix):-len(_SUFFIX)].split(".")
        if len(middle) != 2 or not middle[0].isdigit():
            continue
        if not _pid_alive(int(middle[0])):
            stale.append(os.path.join(directory, name))
    return stale


def atomic_write(path, write):
    """Call ``write(binary_file)`` on a temporary file next to ``path``, fsync it, rename it to
    ``path`` and fsync the directory: readers (and crashes) see either the old file or the new one,
    whole. Stale temporary files of earlier interrupted writes to ``path`` are removed first."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    for old in stale_temp_files(path):
        try:
            os.unlink(old)
        except OSError:
            pass
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    tmp = os.path.join(directory, f"{_temp_prefix(path)}{os.getpid()}.{secrets.token_hex(4)}{_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            if mode is not None:
                os.fchmod(out.fileno(), mode)
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. platforms that cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
