"""miniconv.save / miniconv.load: checkpoints as safetensors files with a JSON structure.

File format (version 3)
-----------------------
A checkpoint is a safetensors file (https://github.com/huggingface/safetensors), written by the
``safetensors`` package. Every Tensor, numpy array and numpy scalar in the saved object is one
tensor of the file; everything else (nested dicts with str or int keys, lists, tuples, numbers,
strings, bools, None) is JSON in the file's metadata:

* ``__metadata__["format"] = "pt"`` (what Hugging Face tools look for);
* ``__metadata__["miniconv"] = {"format": "miniconv", "version": 3, "root": <node>}`` as JSON;
* ``__metadata__["miniconv_crc32"]``: the CRC-32 of the **whole file** (the 8-byte header length, the
  JSON header with this metadata, every tensor's bytes), as 8 lowercase hex digits, computed with
  those digits written as ``00000000``. Any single flipped bit anywhere in the file fails it (CRC-32
  detects every error of up to 32 consecutive bits); it is checked before anything in the metadata
  is interpreted.

A ``<node>`` is a JSON ``null``/``true``/``false``/number/string for ``None``/bools/ints/floats/
strings (NaN and infinities as ``NaN``/``Infinity``, as Python's ``json`` writes them), or an object
with a ``"type"``:

* ``{"type": "dict" | "odict", "items": [[key, node], ...]}`` (str or int keys; ``odict`` loads as
  an ``OrderedDict``);
* ``{"type": "list" | "tuple", "items": [node, ...]}``;
* ``{"type": "tensor" | "ndarray" | "scalar", "key": "<tensor name in the file>"}``;
* ``{"type": "pickle", "key": "__miniconv_pickle__"}`` (the root only): an object beyond plain
  containers (a module, an optimizer, a dict holding one, a set, float keys...) saved whole as one
  pickle, see :mod:`miniconv.io.pickled`; ``load`` reads it only with ``weights_only=False`` or when
  it holds nothing but what PyTorch's weights-only rule admits.

Nesting is limited to :data:`MAX_DEPTH` levels on both sides: ``save`` refuses deeper plain objects
with a ``CheckpointError`` rather than write a file ``load`` would refuse.

Tensor names are the dotted path of the value in the saved object (``model.conv.weight`` for
``{"model": {"conv.weight": w}}``), so a plain state dict saved with ``miniconv.save(sd, path)`` has
exactly its own keys as names and PyTorch users load it with ``safetensors.torch.load_file(path)``
(see docs/api.md, "Checkpoints and PyTorch"). ``miniconv.load`` of a safetensors file without the
``miniconv`` metadata (e.g. written by ``safetensors.torch.save_file``) returns its flat
``{name: Tensor}`` dict.

Older files still load: version 2 (the same JSON, a CRC-32 per tensor in each tensor node, no
checksum over the header) and version 1 (``.npz`` archives, :mod:`miniconv.io.npz_legacy`).
``torch.save`` zip files load too (:mod:`miniconv.io.torch_format`), without torch.

Safety: with ``weights_only=True`` nothing from a file is ever executed. Header, shapes and offsets
are checked against the file size before anything is allocated; every bad file raises
:class:`CheckpointError` naming the file and the reason. Saving to a path is atomic
(:func:`miniconv.io.atomic_write_path`) and streams each array from its memory
(``safetensors.numpy.save_file``); saving to a file object builds the file in memory first.
Tensors sharing memory are stored (and loaded) as separate copies, except inside a pickled object.
"""
import io
import json
import os
import struct
import sys
import zlib
from collections import OrderedDict

import numpy as np

from . import npz_legacy, pickled, torch_format
from .errors import CheckpointError
from .safetensors_file import (
    CHECKSUM_KEY,
    CHECKSUM_PLACEHOLDER,
    DTYPES,
    as_tensor,
    checksum_span,
    read_header,
    read_tensors,
    to_storable,
    write_file,
    write_fileobj,
)

FORMAT_VERSION = 3
_META_KEY = "miniconv"
MAX_DEPTH = 200
_PICKLE_HINT = ("it holds pickle data without PyTorch's zip container (a pickle.dump file, or a renamed "
                "checkpoint of another library), which miniconv.load does not read: unpickling it could run code. "
                "PyTorch checkpoints (torch.save zip files) load with miniconv.load directly.")
_LEGACY_TORCH = ("a PyTorch checkpoint in the legacy format of PyTorch < 1.6 (torch.save with "
                 "_use_new_zipfile_serialization=False), which miniconv does not read. Re-save it with a current "
                 "PyTorch (torch.save(torch.load(f), f2)) to get the zip format miniconv.load reads.")


class _NotPlain(Exception):
    """The object holds something the JSON structure cannot: it is saved as a pickle."""


# -- save -----------------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` (a path or a binary file object) as a safetensors file.

    Tensors, numpy arrays and scalars nested in dicts (str or int keys), lists and tuples with ints,
    floats, strings, bools and None (model and optimizer state dicts, scheduler state, RNG states,
    epoch counters) are stored without pickle: tensors as tensors of the file, the rest as JSON.
    Any other object (a whole module, an optimizer, a dict holding them, a set, ...) is stored whole
    as a pickle whose tensors are tensors of the file (as ``torch.save`` does); ``load`` then needs
    ``weights_only=False`` for it, as ``torch.load`` does. When ``f`` is a path the write is atomic.
    The path is used as given (no suffix is added); ``torch.save(sd, "model.pt")`` under
    ``import miniconv as torch`` therefore writes a safetensors file named model.pt (PyTorch reads it
    with ``safetensors.torch.load_file``; :func:`miniconv.io.save_torch` writes PyTorch's own format).
    The other arguments exist so that ``torch.save`` calls port unchanged; they change nothing.

    Raises:
        CheckpointError: something cannot be stored (a lambda, an object or string array, plain
            containers nested deeper than :data:`MAX_DEPTH` levels); nothing is written.

    Example::

        >>> miniconv.save({"model": model.state_dict(), "epoch": 3}, "ckpt.pt")
        >>> ckpt = miniconv.load("ckpt.pt")
    """
    path = None if hasattr(f, "write") else os.fspath(f)
    if path is not None and os.path.dirname(path) and not os.path.isdir(os.path.dirname(path)):
        raise RuntimeError(f"Parent directory {os.path.dirname(path)} does not exist.")  # PyTorch's check
    arrays = {}
    try:
        root = _encode(obj, arrays, [], path)
    except _NotPlain:
        arrays = {}
        data = pickled.dumps(obj, arrays, path)
        arrays[pickled.PICKLE_TENSOR] = np.frombuffer(data, dtype=np.uint8)
        root = {"type": "pickle", "key": pickled.PICKLE_TENSOR}
    try:
        text = json.dumps({"format": "miniconv", "version": FORMAT_VERSION, "root": root})
    except RecursionError:
        raise CheckpointError(path, "miniconv.save: the object is nested too deeply") from None
    meta = {"format": "pt", _META_KEY: text, CHECKSUM_KEY: CHECKSUM_PLACEHOLDER}
    if path is None:
        write_fileobj(f, arrays, meta)  # a file object: the package builds the file in memory
    else:
        write_file(path, arrays, meta)  # streamed from the arrays (no copy of the file in memory)


def _crc32(arr):
    """CRC-32 of an array's bytes in little-endian C order (version-2 files: one per tensor)."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    if flat.dtype.byteorder == ">":
        flat = flat.astype(flat.dtype.newbyteorder("<"))
    return zlib.crc32(flat.view(np.uint8))


def _where(keys):
    return "obj" + "".join(f"[{k!r}]" for k in keys)


def _encode(obj, arrays, keys, path):
    from ..nn import Parameter
    from ..tensor import Tensor

    if len(keys) > MAX_DEPTH:
        raise CheckpointError(path, f"miniconv.save: {_where(keys[:4])}... is nested deeper than {MAX_DEPTH} levels "
                                    "(or contains itself), more than miniconv.load reads")
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, Tensor) and type(obj) in (Tensor, Parameter):  # loads as a Tensor (as in version 2)
        return _encode_array(obj._data, "tensor", arrays, keys, path)
    if isinstance(obj, np.ndarray) and type(obj) is np.ndarray:
        return _encode_array(obj, "ndarray", arrays, keys, path)
    if isinstance(obj, np.generic):
        return _encode_array(np.asarray(obj), "scalar", arrays, keys, path)
    if type(obj) in (dict, OrderedDict):
        items = []
        for k, v in obj.items():
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (str, int, np.integer)):
                raise _NotPlain
            key = k if isinstance(k, str) else int(k)
            items.append([key, _encode(v, arrays, keys + [key], path)])
        return {"type": "odict" if type(obj) is OrderedDict else "dict", "items": items}
    if type(obj) in (list, tuple):
        kind = "tuple" if type(obj) is tuple else "list"
        return {"type": kind, "items": [_encode(v, arrays, keys + [i], path) for i, v in enumerate(obj)]}
    raise _NotPlain


def _encode_array(arr, kind, arrays, keys, path):
    stored = to_storable(_where(keys), arr, path)
    name = ".".join(str(k) for k in keys) or "tensor"
    if name in arrays or name in ("__metadata__", pickled.PICKLE_TENSOR):
        i = 1
        while f"{name}#{i}" in arrays:
            i += 1
        name = f"{name}#{i}"
    arrays[name] = stored
    return {"type": kind, "key": name}


# -- load -----------------------------------------------------------------------------------------
def _check_map_location(map_location):
    from .._device import device

    def is_cpu(loc):
        if loc is None:
            return True
        try:
            return device(loc).type == "cpu"
        except (TypeError, RuntimeError):
            return False

    if callable(map_location) and not isinstance(map_location, (str, device)):
        return  # PyTorch calls it with (storage, location); everything loads on the CPU here
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for loc in targets:
        if not is_cpu(loc):
            raise RuntimeError(f"miniconv runs on the CPU only; map_location {map_location!r} is not supported "
                               "(use 'cpu' or leave it out)")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object saved with :func:`save` (or ``torch.save``) from ``f`` (a path or a binary file object).

    Reads miniconv checkpoints (format versions 3, 2 and 1), plain safetensors files (returned as a flat
    ``{name: Tensor}`` dict) and ``torch.save`` zip files (PyTorch >= 1.6, without torch: tensors become
    miniconv Tensors, bfloat16 becomes float32).

    ``weights_only`` (default True, as in PyTorch >= 2.6): only tensors, plain containers, numbers,
    strings and what ``torch.load(weights_only=True)`` admits (``OrderedDict``, sets, ``Size``, dtypes,
    devices, objects allowlisted with ``miniconv.serialization.add_safe_globals``) load; anything else
    raises ``pickle.UnpicklingError`` (as a :class:`~miniconv.io.errors.WeightsOnlyUnpicklingError`,
    also a ``CheckpointError``) with PyTorch's message. ``weights_only=False`` loads whole objects
    (modules, optimizers) with Python's unpickler, which **can run arbitrary code from the file**:
    use it only for files from a trusted source, as in PyTorch.

    ``map_location``: None, ``'cpu'``, ``device('cpu')``, a dict mapping to ``'cpu'``, or a function
    (ignored: everything loads on the CPU); a GPU target raises RuntimeError. ``mmap`` is accepted and
    ignored (files are read into memory). ``pickle_module`` may only be None or ``pickle``.

    Raises:
        CheckpointError: the file is not a valid checkpoint (truncated or corrupted, a failed checksum,
            malformed header, sizes that do not fit the file, a pickle without PyTorch's container); it
            names the file (``.path``) and the reason (``.reason``).
    """
    import pickle

    _check_map_location(map_location)
    if pickle_module is not None and pickle_module is not pickle:
        raise TypeError("miniconv.load: pickle_module must be None or the pickle module")
    if weights_only is None:
        weights_only = pickle_module is None
    elif weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    unknown = set(pickle_load_args) - {"encoding"}
    if unknown:
        raise TypeError(f"miniconv.load() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    weights_only = bool(weights_only)
    if hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, bytes):
            raise TypeError("miniconv.load: the file object must be opened in binary mode")
        return _load_from(io.BytesIO(data), None, len(data), data, weights_only)
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return _load_from(fh, path, os.fstat(fh.fileno()).st_size, None, weights_only)


def _load_from(fh, path, size, in_memory, weights_only):
    magic = fh.read(16)
    fh.seek(0)
    if magic[8:9] != b"{":  # a safetensors file: 8-byte header length, then the JSON header
        if torch_format.legacy_torch_file(magic):
            raise CheckpointError(path, _LEGACY_TORCH)
        if magic[:1] == b"\x80" or magic[:2] in (b"(d", b"(l", b"}q", b"]q"):
            raise CheckpointError(path, _PICKLE_HINT)
        if magic[:4] == b"PK\x03\x04":
            return _load_zip(fh, path, weights_only)
        if len(magic) >= 9:
            raise CheckpointError(path, "not a miniconv checkpoint (neither a safetensors file, a version-1 .npz "
                                        "archive nor a PyTorch zip file; truncated or another format)")
    raw = []
    entries, metadata, start = read_header(path, fh, size, raw)
    if in_memory is None:
        arrays = read_tensors(path, entries, start)
    else:
        arrays = _tensors_from_bytes(in_memory, entries, start)
    has_checksum = CHECKSUM_KEY in metadata
    if has_checksum:  # before anything in the metadata is interpreted
        _verify_checksum(path, raw[0], metadata[CHECKSUM_KEY], in_memory, entries, arrays)
    if _META_KEY not in metadata:  # a plain safetensors file: its flat dict
        return {k: as_tensor(path, k, arrays[k]) for k in entries}
    try:
        header = json.loads(metadata[_META_KEY])
    except (ValueError, RecursionError) as e:  # ValueError: invalid JSON, integers of more than 4300 digits
        raise CheckpointError(path, f"malformed miniconv metadata (invalid JSON: {str(e)[:200]})") from None
    if not isinstance(header, dict) or header.get("format") != "miniconv" or "root" not in header:
        raise CheckpointError(path, "malformed miniconv metadata (not a miniconv header)")
    version = header.get("version")
    if type(version) is not int or version not in (2, FORMAT_VERSION):
        raise CheckpointError(path, f"checkpoint format version {str(version)[:20]}; this miniconv reads versions "
                                    f"1 to {FORMAT_VERSION}")
    if version >= 3 and not has_checksum:
        raise CheckpointError(path, f"a version-{version} checkpoint without its {CHECKSUM_KEY} checksum "
                                    "(corrupted file)")
    root = header["root"]
    if isinstance(root, dict) and root.get("type") == "pickle" and version >= 3:
        key = root.get("key")
        if key != pickled.PICKLE_TENSOR or key not in arrays or arrays[key].dtype != np.uint8:
            raise CheckpointError(path, "malformed miniconv metadata (the pickled object is not in the file)")
        return pickled.loads(arrays[key], arrays, path, weights_only)
    try:
        return _decode(root, arrays, path, 0, version)
    except RecursionError:
        raise CheckpointError(path, "malformed miniconv metadata (nested too deeply)") from None


def _load_zip(fh, path, weights_only):
    import zipfile

    try:
        zf = zipfile.ZipFile(fh)
        names = zf.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, KeyError,
            struct.error, OverflowError, MemoryError) as e:
        raise CheckpointError(path, f"truncated or corrupted (bad zip archive: {e})") from None
    with zf:
        if "__miniconv__.npy" in names:
            fh.seek(0)
            return npz_legacy.load_npz(fh, path)
        if not any(n.endswith("/data.pkl") for n in names):
            raise CheckpointError(path, "not a miniconv checkpoint (a zip archive with neither a __miniconv__ header "
                                        "nor the data.pkl of a PyTorch file)")
        return torch_format.load_torch_zip(zf, path, weights_only)


def _verify_checksum(path, header, value, in_memory, entries, arrays):
    """The CRC-32 of the whole file: the 8-byte length and the header (its checksum digits read as
    ``00000000``), then the data area, taken from the loaded arrays in file order (the entries tile it
    exactly, as read_header checked), so the file is not read a second time."""
    span = checksum_span(header)
    if span is None or len(value) != 8 or value.strip("0123456789abcdef"):
        raise CheckpointError(path, f"malformed {CHECKSUM_KEY} checksum entry (corrupted file)")
    crc = zlib.crc32(struct.pack("<Q", len(header)) + header[:span])
    crc = zlib.crc32(CHECKSUM_PLACEHOLDER.encode(), crc)
    crc = zlib.crc32(header[span + 8:], crc)
    if in_memory is not None:
        crc = zlib.crc32(memoryview(in_memory)[8 + len(header):], crc)
    else:
        for key, (code, _, _, _) in sorted(entries.items(), key=lambda kv: kv[1][2]):
            arr = arrays[key]
            if code == "BF16":  # read_tensors widened it to float32: its top 16 bits are the file's bytes
                arr = (arr.view(np.uint32) >> 16).astype("<u2")
            elif arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and sys.byteorder == "big"):
                arr = arr.astype(arr.dtype.newbyteorder("<"))
            crc = zlib.crc32(np.ascontiguousarray(arr).reshape(-1).view(np.uint8), crc)
    if crc != int(value, 16):
        raise CheckpointError(path, f"the file fails its CRC-32 check (stored {value}, computed {crc:08x}): "
                                    "corrupted or truncated file")


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


def _decode(node, arrays, path, depth, version):
    if depth > MAX_DEPTH:
        raise CheckpointError(path, f"malformed miniconv metadata (nesting deeper than {MAX_DEPTH} levels)")
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
            out[item[0]] = _decode(item[1], arrays, path, depth + 1, version)
        return out
    if kind in ("list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise CheckpointError(path, f"malformed miniconv metadata ({kind} without items)")
        values = [_decode(v, arrays, path, depth + 1, version) for v in items]
        return tuple(values) if kind == "tuple" else values
    if kind in ("tensor", "ndarray", "scalar"):
        key = node.get("key")
        if not isinstance(key, str) or key not in arrays or key == pickled.PICKLE_TENSOR:
            raise CheckpointError(path, f"malformed miniconv metadata (tensor {str(key)[:80]!r} is not in the file)")
        arr = arrays[key]
        crc = node.get("crc32")
        if version == 2 and crc is not None and crc != _crc32(arr):  # version 2: the only checksum is the tensor's own
            raise CheckpointError(path, f"tensor {key!r} fails its CRC-32 check (corrupted file)")
        if kind == "tensor":
            return as_tensor(path, key, arr)
        if kind == "scalar":
            if arr.ndim != 0:
                raise CheckpointError(path, f"malformed miniconv metadata (scalar {key!r} has shape {list(arr.shape)})")
            return arr[()]
        return arr
    raise CheckpointError(path, f"malformed miniconv metadata (unknown entry type {str(kind)[:40]!r})")
