"""miniconv.save / miniconv.load: checkpoints as safetensors files with a JSON structure.

File format (version 2)
-----------------------
A checkpoint is a safetensors file (https://github.com/huggingface/safetensors), written by the
``safetensors`` package. Every Tensor, numpy array and numpy scalar in the saved object is one
tensor of the file; everything else (nested dicts with str or int keys, lists, tuples, numbers,
strings, bools, None) is JSON in the file's metadata:

* ``__metadata__["format"] = "pt"`` (what Hugging Face tools look for);
* ``__metadata__["miniconv"] = {"format": "miniconv", "version": 2, "root": <node>}`` as JSON.

A ``<node>`` is a JSON ``null``/``true``/``false``/number/string for ``None``/bools/ints/floats/
strings (NaN and infinities as ``NaN``/``Infinity``, as Python's ``json`` writes them), or an object
with a ``"type"``:

* ``{"type": "dict" | "odict", "items": [[key, node], ...]}`` (str or int keys; ``odict`` loads as
  an ``OrderedDict``);
* ``{"type": "list" | "tuple", "items": [node, ...]}``;
* ``{"type": "tensor" | "ndarray" | "scalar", "key": "<tensor name in the file>", "crc32": <int>}``
  (the CRC-32 of the tensor's bytes: safetensors itself has no checksum, and a flipped bit in a
  checkpoint must not load silently).

Tensor names are the dotted path of the value in the saved object (``model.conv.weight`` for
``{"model": {"conv.weight": w}}``), so a plain state dict saved with ``miniconv.save(sd, path)`` has
exactly its own keys as names and PyTorch users load it with ``safetensors.torch.load_file(path)``
(see docs/api.md, "Checkpoints and PyTorch"). ``miniconv.load`` of a safetensors file without the
``miniconv`` metadata (e.g. written by ``safetensors.torch.save_file``) returns its flat
``{name: Tensor}`` dict.

Version-1 checkpoints (``.npz`` archives, miniconv 0.1) still load (:mod:`miniconv.io.npz_legacy`).

Safety: nothing from a file is ever executed (no pickle). Header, shapes and offsets are checked
against the file size before anything is allocated; every bad file raises :class:`CheckpointError`
naming the file and the reason. Saving to a path is atomic (:func:`miniconv.io.atomic_write_path`) and
streams each array from its memory (``safetensors.numpy.save_file``); saving to a file object builds
the file in memory first.
Tensors sharing memory are stored (and loaded) as separate copies.
"""
import io
import json
import os
import zlib
from collections import OrderedDict

import numpy as np

from . import npz_legacy
from .errors import CheckpointError
from .safetensors_file import (
    DTYPES,
    as_tensor,
    read_header,
    read_tensors,
    to_storable,
    write_file,
    write_fileobj,
)

FORMAT_VERSION = 2
_META_KEY = "miniconv"
_MAX_DEPTH = 200
_PICKLE_HINT = ("it holds pickle data, which miniconv.load refuses to read (loading it could run code). "
                "For a PyTorch file use miniconv.utils.load_torch_state_dict (torch.load with weights_only=True).")


# -- save -----------------------------------------------------------------------------------------
def save(obj, f):
    """Save ``obj`` to ``f`` (a path or a binary file object) as a safetensors file, without pickle.

    ``obj`` may nest dicts (str or int keys), lists and tuples of Tensors, numpy arrays, numpy
    scalars, ints, floats, strings, bools and None: model and optimizer state dicts, scheduler
    state, RNG states, epoch counters. When ``f`` is a path the write is atomic. The path is used
    as given (no suffix is added); ``torch.save(sd, "model.pt")`` under ``import miniconv as torch``
    therefore writes a safetensors file named model.pt (PyTorch reads it with
    ``safetensors.torch.load_file``, not ``torch.load``; see docs/api.md).

    Example::

        >>> miniconv.save({"model": model.state_dict(), "epoch": 3}, "ckpt.pt")
        >>> ckpt = miniconv.load("ckpt.pt")
    """
    path = None if hasattr(f, "write") else os.fspath(f)
    arrays = {}
    root = _encode(obj, arrays, [], path)
    meta = {"format": "pt", _META_KEY: json.dumps({"format": "miniconv", "version": FORMAT_VERSION, "root": root})}
    if path is None:
        write_fileobj(f, arrays, meta)  # a file object: the package builds the file in memory
    else:
        write_file(path, arrays, meta)  # streamed from the arrays (no copy of the file in memory)


def _crc32(arr):
    """CRC-32 of an array's bytes in little-endian C order (without copying contiguous arrays)."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    if flat.dtype.byteorder == ">":
        flat = flat.astype(flat.dtype.newbyteorder("<"))
    return zlib.crc32(flat.view(np.uint8))


def _where(keys):
    return "obj" + "".join(f"[{k!r}]" for k in keys)


def _encode(obj, arrays, keys, path):
    from ..tensor import Tensor

    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, Tensor):
        return _encode_array(obj._data, "tensor", arrays, keys, path)
    if isinstance(obj, np.ndarray):
        return _encode_array(obj, "ndarray", arrays, keys, path)
    if isinstance(obj, np.generic):
        return _encode_array(np.asarray(obj), "scalar", arrays, keys, path)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
                raise CheckpointError(path, f"miniconv.save: dict keys must be str or int, got {type(k).__name__} "
                                            f"key {k!r} in {_where(keys)}")
            key = k if isinstance(k, str) else int(k)
            items.append([key, _encode(v, arrays, keys + [key], path)])
        return {"type": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {"type": kind, "items": [_encode(v, arrays, keys + [i], path) for i, v in enumerate(obj)]}
    raise CheckpointError(
        path, f"miniconv.save cannot store {_where(keys)} of type {type(obj).__name__}: supported are dicts, lists, "
              "tuples, Tensors, numpy arrays and scalars, int, float, str, bool and None")


def _encode_array(arr, kind, arrays, keys, path):
    stored = to_storable(_where(keys), arr, path)
    name = ".".join(str(k) for k in keys) or "tensor"
    if name in arrays or name == "__metadata__":
        i = 1
        while f"{name}#{i}" in arrays:
            i += 1
        name = f"{name}#{i}"
    arrays[name] = stored
    return {"type": kind, "key": name, "crc32": _crc32(stored)}


# -- load -----------------------------------------------------------------------------------------
def load(f, map_location=None, weights_only=True):
    """Load an object written by :func:`save` from ``f`` (a path or a binary file object).

    Never executes code from the file. ``map_location`` may be None or ``'cpu'`` and
    ``weights_only`` must be True (both exist so ``torch.load`` calls port unchanged). Reads
    version-2 checkpoints (safetensors), version-1 checkpoints (``.npz``, miniconv 0.1) and plain
    safetensors files (returned as a flat ``{name: Tensor}`` dict).

    Raises:
        CheckpointError: the file is not a valid checkpoint (pickle data, PyTorch file, truncated
            or corrupted, malformed header, sizes that do not fit the file); it names the file
            (``.path``) and the reason (``.reason``).
    """
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise ValueError(f"miniconv.load: map_location must be None or 'cpu', got {map_location!r}")
    if not weights_only:
        raise ValueError("miniconv.load never unpickles: weights_only=False is not supported")
    if hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, bytes):
            raise TypeError("miniconv.load: the file object must be opened in binary mode")
        return _load_from(io.BytesIO(data), None, len(data), in_memory=data)
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return _load_from(fh, path, os.fstat(fh.fileno()).st_size, in_memory=None)


def _load_from(fh, path, size, in_memory):
    magic = fh.read(9)
    fh.seek(0)
    if magic[8:9] != b"{":  # a safetensors file: 8-byte header length, then the JSON header
        if magic[:1] == b"\x80" or magic[:2] in (b"(d", b"(l", b"}q", b"]q"):
            raise CheckpointError(path, _PICKLE_HINT)
        if magic[:4] == b"PK\x03\x04":
            return npz_legacy.load_npz(fh, path)
        if len(magic) == 9:
            raise CheckpointError(path, "not a miniconv checkpoint (neither a safetensors file nor a version-1 "
                                        ".npz archive; truncated or another format)")
    entries, metadata, start = read_header(path, fh, size)
    if in_memory is None:
        arrays = read_tensors(path, entries, start)
    else:
        arrays = _tensors_from_bytes(in_memory, entries, start)
    if _META_KEY not in metadata:  # a plain safetensors file: its flat dict
        return {k: as_tensor(path, k, arrays[k]) for k in entries}
    try:
        header = json.loads(metadata[_META_KEY])
    except (json.JSONDecodeError, RecursionError) as e:
        raise CheckpointError(path, f"malformed miniconv metadata (invalid JSON: {e})") from None
    if not isinstance(header, dict) or header.get("format") != "miniconv" or "root" not in header:
        raise CheckpointError(path, "malformed miniconv metadata (not a miniconv header)")
    if header.get("version") != FORMAT_VERSION:
        raise CheckpointError(path, f"checkpoint format version {str(header.get('version'))[:20]}; this miniconv "
                                    f"reads versions 1 and {FORMAT_VERSION}")
    return _decode(header["root"], arrays, path, 0)


def _tensors_from_bytes(data, entries, start):
    out = {}
    for key, (code, shape, begin, end) in entries.items():
        raw = data[start + begin:start + end]
        if code == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            out[key] = bits.view(np.float32).reshape(shape)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[code]).reshape(shape)
            out[key] = arr.astype(arr.dtype.newbyteorder("="), copy=True)
    return out


def _decode(node, arrays, path, depth):
    if depth > _MAX_DEPTH:
        raise CheckpointError(path, f"malformed miniconv metadata (nesting deeper than {_MAX_DEPTH} levels)")
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if not isinstance(node, dict) or "type" not in node:
        raise CheckpointError(path, f"malformed miniconv metadata (unexpected entry {str(node)[:80]})")
    kind = node["type"]
    if kind in ("dict", "odict"):
        items = node.get("items")
        if not isinstance(items, list):
            raise CheckpointError(path, "malformed miniconv metadata (dict without items)")
        out = OrderedDict() if kind == "odict" else {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
                    and not isinstance(item[0], bool)):
                raise CheckpointError(path, f"malformed miniconv metadata (bad dict item {str(item)[:80]})")
            out[item[0]] = _decode(item[1], arrays, path, depth + 1)
        return out
    if kind in ("list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise CheckpointError(path, f"malformed miniconv metadata ({kind} without items)")
        values = [_decode(v, arrays, path, depth + 1) for v in items]
        return tuple(values) if kind == "tuple" else values
    if kind in ("tensor", "ndarray", "scalar"):
        key = node.get("key")
        if not isinstance(key, str) or key not in arrays:
            raise CheckpointError(path, f"malformed miniconv metadata (tensor {str(key)[:80]!r} is not in the file)")
        arr = arrays[key]
        crc = node.get("crc32")
        if crc is not None and crc != _crc32(arr):
            raise CheckpointError(path, f"tensor {key!r} fails its CRC-32 check (corrupted file)")
        if kind == "tensor":
            return as_tensor(path, key, arr)
        if kind == "scalar":
            if arr.ndim != 0:
                raise CheckpointError(path, f"malformed miniconv metadata (scalar {key!r} has shape {list(arr.shape)})")
            return arr[()]
        return arr
    raise CheckpointError(path, f"malformed miniconv metadata (unknown entry type {str(kind)[:40]!r})")
