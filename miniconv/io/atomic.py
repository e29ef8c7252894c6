"""Crash-safe file writes: temporary file next to the target, fsync, rename, fsync the directory.

Notes:
- The temporary file is ``.<name>.<pid>.<random>.miniconv-tmp`` in the target's directory (a
  rename is atomic only within one file system). A kill -9 between its creation and the rename
  leaves it behind; the next write to the same path deletes every such file whose writer process
  no longer exists (files of live writers, e.g. a concurrent save, are left alone).
- :func:`atomic_write` hands ``write`` a file object. :func:`atomic_write_path` serves writers
  that take a file *name* (``safetensors.numpy.save_file``, which streams every array from its own
  memory, so a checkpoint needs no in-memory copy of the whole file). Such a writer may make
  temporary files of its own next to the name it is given (safetensors 0.8 writes a ``.tmpXXXXXX``
  file and renames it onto the name), so it gets a name inside a private temporary *directory*
  ``.<name>.<pid>.<random>.miniconv-tmp/``: whatever a kill -9 leaves behind stays in there and
  goes with the directory on the next write.
- The file gets mode 0o666 minus the umask, as ``open(path, "w")`` and ``torch.save`` give
  (``tempfile.mkstemp`` would give 0o600). When the target already exists its permission bits
  are kept, as overwriting it in place would.
"""
import os
import secrets
import shutil
import stat

_SUFFIX = ".miniconv-tmp"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


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
    """Temporary files (or directories) of interrupted writes to ``path`` whose writer process is gone."""
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


def _prepare(path):
    """(target path, its directory, its permission bits or None, a fresh temporary name), after
    removing the stale temporary files of earlier interrupted writes to ``path``."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    for old in stale_temp_files(path):
        try:
            if os.path.isdir(old) and not os.path.islink(old):
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.unlink(old)
        except OSError:
            pass
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    tmp = os.path.join(directory, f"{_temp_prefix(path)}{os.getpid()}.{secrets.token_hex(4)}{_SUFFIX}")
    return path, directory, mode, tmp


def atomic_write(path, write):
    """Call ``write(binary_file)`` on a temporary file next to ``path``, fsync it, rename it to
    ``path`` and fsync the directory: readers (and crashes) see either the old file or the new one,
    whole. Stale temporary files of earlier interrupted writes to ``path`` are removed first."""
    given = path
    path, directory, mode, tmp = _prepare(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
    except OSError as e:  # a missing or read-only directory: the error ``open(path, "wb")`` gives, naming path
        raise type(e)(e.errno, e.strerror, os.fspath(given)) from None
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


def atomic_write_path(path, write_to):
    """As :func:`atomic_write`, for a writer that takes a file name: ``write_to(name)`` writes the
    new file at ``name`` (inside a private temporary directory next to ``path``; the writer may
    truncate the empty file found there or rename a file of its own onto it). The result gets the
    permission bits :func:`atomic_write` gives, is fsynced and renamed to ``path``."""
    path, directory, mode, tmpdir = _prepare(path)
    os.mkdir(tmpdir, 0o700)
    try:
        tmp = os.path.join(tmpdir, os.path.basename(path))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
        want = stat.S_IMODE(os.fstat(fd).st_mode) if mode is None else mode  # 0o666 minus the umask
        os.close(fd)
        write_to(tmp)
        fd = os.open(tmp, os.O_RDONLY | _CLOEXEC)  # the writer's file: maybe no longer the one made above
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) != want:
                os.fchmod(fd, want)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    _fsync_directory(directory)
    try:
        os.rmdir(tmpdir)
    except OSError:
        pass


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
