"""miniconv.save / miniconv.load: pickle-free, crash-safe checkpoints.

File format (version 1)
-----------------------
A checkpoint is an ordinary ``.npz`` file (a zip archive of ``.npy`` members, readable with
``numpy.load(path, allow_pickle=False)``) holding:

* ``__miniconv__.npy``: a uint8 array with the UTF-8 JSON header
  ``{"format": "miniconv", "version": 1, "root": <node>}``;
* ``a0.npy``, ``a1.npy``, ...: one member per stored array (numeric or bool dtypes only).

A ``<node>`` is a JSON ``null``/``true``/``false``/number/string for ``None``/bools/ints/floats/strings
(NaN and infinities are written as ``NaN``/``Infinity``, as Python's ``json`` does), or an object
with a ``"type"``:

* ``{"type": "dict" | "odict", "items": [[key, node], ...]}`` (keys are strings or ints, e.g. the
  integer parameter indices of an optimizer state dict; ``odict`` loads as an ``OrderedDict``);
* ``{"type": "list" | "tuple", "items": [node, ...]}``;
* ``{"type": "tensor" | "ndarray" | "scalar", "array": "a3", "dtype": "<f4", "shape": [2, 3]}``
  (``tensor`` loads as a :class:`miniconv.Tensor`, ``ndarray`` as a numpy array, ``scalar`` as a
  numpy scalar such as ``np.float32(1.5)``).

Safety: nothing is ever unpickled. Loading checks the zip structure, the header, that every array
member has exactly the dtype and shape the header announces and that its dtype is numeric, and the
zip CRC of every member. A pickle file renamed to ``.pt``/``.npz``, an npz with object arrays, a
PyTorch ``.pt`` file, a truncated or corrupted file all raise :class:`CheckpointError` (a
``ValueError``) with the file name. PyTorch files are read only by
:func:`miniconv.utils.load_torch_state_dict`, through ``torch.load(weights_only=True)``.

Crash safety: :func:`save` writes to a temporary file in the target's directory, flushes and
fsyncs it, renames it over the target with ``os.replace`` (atomic on POSIX) and fsyncs the
directory. A crash at any point leaves either the old or the new file whole (a stray
``.<name>.*.tmp`` file may remain after a crash; it is safe to delete).

Tensors sharing memory are stored (and loaded) as separate copies.
"""
import io
import json
import math
import os
import tempfile
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

_HEADER = "__miniconv__"
_FORMAT_VERSION = 1
_ARRAY_KINDS = "biufc"  # bool, signed/unsigned int, float, complex: nothing that needs pickle
_MAX_HEADER_BYTES = 64 * 1024 * 1024
_NPY_HEADER_SLACK = 64 * 1024  # room for the .npy member's own small header


class CheckpointError(ValueError):
    """A file that is not a valid miniconv checkpoint (or an object that cannot be stored)."""


# -- save -----------------------------------------------------------------------------------------
def save(obj, f):
    """Save ``obj`` to ``f`` (a path or a binary file object) without pickle.

    ``obj`` may nest dicts (str or int keys), lists and tuples of Tensors, numpy arrays, numpy
    scalars, ints, floats, strings, bools and None: model and optimizer state dicts, scheduler
    state, RNG states, epoch counters. When ``f`` is a path the write is atomic (see the module
    docstring). The path is used as given (no ``.npz`` suffix is added).

    Example::

        >>> miniconv.save({"model": model.state_dict(), "epoch": 3}, "ckpt.pt")
        >>> ckpt = miniconv.load("ckpt.pt")
    """
    arrays = {}
    root = _encode(obj, arrays, "obj")
    header = json.dumps({"format": "miniconv", "version": _FORMAT_VERSION, "root": root}).encode("utf-8")
    members = {_HEADER: np.frombuffer(header, dtype=np.uint8)}
    members.update(arrays)
    if hasattr(f, "write"):
        _write_npz(f, members)
    else:
        atomic_write(f, lambda out: _write_npz(out, members))


def atomic_write(path, write):
    """Call ``write(binary_file)`` on a temporary file next to ``path``, fsync it, rename it to ``path``
    and fsync the directory: readers (and crashes) see either the old file or the new one, whole."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
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


def _write_npz(out, members):
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in members.items():
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(arr), allow_pickle=False)


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


def _encode(obj, arrays, where):
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, Tensor):
        return _encode_array(obj._data, "tensor", arrays, where)
    if isinstance(obj, np.ndarray):
        return _encode_array(obj, "ndarray", arrays, where)
    if isinstance(obj, np.generic):
        return _encode_array(np.asarray(obj), "scalar", arrays, where)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
                raise CheckpointError(
                    f"miniconv.save: dict keys must be str or int, got {type(k).__name__} key {k!r} in {where}"
                )
            key = k if isinstance(k, str) else int(k)
            items.append([key, _encode(v, arrays, f"{where}[{key!r}]")])
        return {"type": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {"type": kind, "items": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise CheckpointError(
        f"miniconv.save cannot store {where} of type {type(obj).__name__}: supported are dicts, lists, tuples, "
        "Tensors, numpy arrays and scalars, int, float, str, bool and None"
    )


def _encode_array(arr, kind, arrays, where):
    if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
        raise CheckpointError(f"miniconv.save cannot store {where}: arrays of dtype {arr.dtype} are not supported")
    name = f"a{len(arrays)}"
    arrays[name] = arr
    return {"type": kind, "array": name, "dtype": arr.dtype.str, "shape": list(arr.shape)}


# -- load -----------------------------------------------------------------------------------------
def load(f, map_location=None, weights_only=True):
    """Load an object written by :func:`save` from ``f`` (a path or a binary file object).

    Never executes code from the file. ``map_location`` may be None or ``'cpu'`` and
    ``weights_only`` must be True (both exist so ``torch.load`` calls port unchanged).

    Raises:
        CheckpointError: the file is not a valid miniconv checkpoint (pickle data, PyTorch file,
            truncated or corrupted archive, malformed header); the message names the file.
    """
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise ValueError(f"miniconv.load: map_location must be None or 'cpu', got {map_location!r}")
    if not weights_only:
        raise ValueError("miniconv.load never unpickles: weights_only=False is not supported")
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the given file object"
    if hasattr(f, "read"):
        return _load_from(f, name)
    with open(f, "rb") as fh:
        return _load_from(fh, name)


def _load_from(fh, name):
    magic = fh.read(4)
    fh.seek(0)
    if magic[:1] == b"\x80" or magic[:2] in (b"(d", b"(l", b"}q", b"]q"):
        raise CheckpointError(
            f"{name} holds pickle data, which miniconv.load refuses to read (loading it could run code). "
            "For a PyTorch file use miniconv.utils.load_torch_state_dict (torch.load with weights_only=True)."
        )
    if magic != b"PK\x03\x04":
        raise CheckpointError(f"{name} is not a miniconv checkpoint (not an .npz/zip archive; truncated or another format)")
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
        raise CheckpointError(f"{name} is truncated or corrupted (bad zip archive: {e})") from None
    with zf:
        names = set(zf.namelist())
        if _HEADER + ".npy" not in names:
            hint = ""
            if any(n.endswith("data.pkl") for n in names):
                hint = (
                    " It looks like a PyTorch file: read it with miniconv.utils.load_torch_state_dict "
                    "(torch.load with weights_only=True)."
                )
            raise CheckpointError(f"{name} is not a miniconv checkpoint (no {_HEADER} header).{hint}")
        raw = _read_member(zf, _HEADER, name, _MAX_HEADER_BYTES + _NPY_HEADER_SLACK)
        if raw.dtype != np.uint8 or raw.ndim != 1 or raw.size > _MAX_HEADER_BYTES:
            raise CheckpointError(f"{name} has a malformed header (expected a 1-d uint8 array of JSON)")
        try:
            header = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise CheckpointError(f"{name} has a malformed header (invalid JSON: {e})") from None
        if not isinstance(header, dict) or header.get("format") != "miniconv" or "root" not in header:
            raise CheckpointError(f"{name} has a malformed header (not a miniconv header)")
        if header.get("version") != _FORMAT_VERSION:
            raise CheckpointError(
                f"{name} has checkpoint format version {header.get('version')!r}; this miniconv reads version "
                f"{_FORMAT_VERSION}"
            )
        return _decode(header["root"], zf, names, name, depth=0)


def _read_member(zf, member, name, max_bytes):
    """Read one ``.npy`` member without pickle, refusing members larger than ``max_bytes`` (zip bombs)."""
    try:
        size = zf.getinfo(member + ".npy").file_size
        if size > max_bytes:
            raise CheckpointError(
                f"{name}: member {member} is {size} bytes, more than the {max_bytes} its header entry allows "
                "(corrupted or malicious file)"
            )
        with zf.open(member + ".npy") as fp:
            data = fp.read(max_bytes + 1)  # reading it whole lets zipfile verify the CRC
        if len(data) > max_bytes:
            raise CheckpointError(f"{name}: member {member} decompresses to more than {max_bytes} bytes")
        return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except CheckpointError:
        raise
    except ValueError as e:
        # numpy says "Object arrays cannot be loaded when allow_pickle=False" for pickled members
        raise CheckpointError(f"{name}: member {member} cannot be read without pickle ({e}); refusing to load it") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, zlib.error, NotImplementedError, RuntimeError) as e:
        # NotImplementedError / RuntimeError: zipfile meeting flags (encryption, unknown methods) we never write
        raise CheckpointError(f"{name} is truncated or corrupted (member {member}: {e})") from None


def _decode(node, zf, names, name, depth):
    if depth > 200:
        raise CheckpointError(f"{name} has a malformed header (nesting deeper than 200 levels)")
    if node is None or isinstance(node, (bool, str, int)):
        return node
    if isinstance(node, float):
        return node
    if not isinstance(node, dict) or "type" not in node:
        raise CheckpointError(f"{name} has a malformed header (unexpected entry {str(node)[:80]})")
    kind = node["type"]
    if kind in ("dict", "odict"):
        items = node.get("items")
        if not isinstance(items, list):
            raise CheckpointError(f"{name} has a malformed header (dict without items)")
        out = OrderedDict() if kind == "odict" else {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
                    and not isinstance(item[0], bool)):
                raise CheckpointError(f"{name} has a malformed header (bad dict item {str(item)[:80]})")
            out[item[0]] = _decode(item[1], zf, names, name, depth + 1)
        return out
    if kind in ("list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise CheckpointError(f"{name} has a malformed header ({kind} without items)")
        values = [_decode(v, zf, names, name, depth + 1) for v in items]
        return tuple(values) if kind == "tuple" else values
    if kind in ("tensor", "ndarray", "scalar"):
        member = node.get("array")
        if not isinstance(member, str) or member + ".npy" not in names or member == _HEADER:
            raise CheckpointError(f"{name} has a malformed header (array {member!r} is not in the archive)")
        try:
            dtype = np.dtype(node.get("dtype"))
            shape = [int(d) for d in node.get("shape")]
        except (TypeError, ValueError):
            raise CheckpointError(f"{name} has a malformed header (bad dtype or shape for array {member})") from None
        if dtype.kind not in _ARRAY_KINDS or any(d < 0 for d in shape):
            raise CheckpointError(f"{name} has a malformed header (dtype {dtype} / shape {shape} of array {member})")
        nbytes = math.prod(shape) * dtype.itemsize
        arr = _read_member(zf, member, name, nbytes + _NPY_HEADER_SLACK)
        if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
            raise CheckpointError(f"{name}: member {member} has unsupported dtype {arr.dtype}")
        if arr.dtype.str != node.get("dtype") or list(arr.shape) != node.get("shape"):
            raise CheckpointError(
                f"{name}: member {member} has dtype {arr.dtype.str} and shape {list(arr.shape)}, but the header "
                f"says {node.get('dtype')} and {node.get('shape')} (corrupted file)"
            )
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        if kind == "tensor":
            return Tensor(arr)
        if kind == "scalar":
            return arr[()]
        return arr
    raise CheckpointError(f"{name} has a malformed header (unknown entry type {str(kind)[:40]!r})")

