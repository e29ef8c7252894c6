"""Read and write the safetensors format (https://github.com/huggingface/safetensors) by hand.

Layout: an 8-byte little-endian unsigned header length ``n``; ``n`` bytes of JSON
``{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}``;
then the raw little-endian, C-ordered tensor bytes (offsets relative to the end of the header).
Nothing is executed when reading, and every offset, size and dtype is checked first.
"""
import json
import math
import os
import struct

import numpy as np

from ..serialization import CheckpointError, atomic_write
from ..tensor import Tensor

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
           "U8": "u1", "BOOL": "?"}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024


def save_safetensors(tensors, path, metadata=None):
    """Write a flat ``{name: Tensor or ndarray}`` dict (e.g. ``model.state_dict()``) as safetensors, atomically."""
    if not isinstance(tensors, dict):
        raise TypeError(f"save_safetensors expects a dict of tensors, got {type(tensors).__name__}")
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("metadata must be a dict of str to str")
    header, arrays, offset = {}, [], 0
    for name, t in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise CheckpointError(f"save_safetensors: invalid tensor name {name!r}")
        arr = t._data if isinstance(t, Tensor) else t
        if not isinstance(arr, np.ndarray):
            raise CheckpointError(f"save_safetensors: {name!r} is a {type(t).__name__}, not a Tensor or array")
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<") if arr.dtype.itemsize > 1 else arr.dtype)
        code = _CODES.get(np.dtype(arr.dtype.str))
        if code is None:
            raise CheckpointError(f"save_safetensors: {name!r} has unsupported dtype {arr.dtype}")
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        arrays.append(arr)
        offset += arr.nbytes
    if metadata:
        header["__metadata__"] = dict(metadata)
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # the reference implementation pads the header to 8 bytes

    def write(out):
        out.write(struct.pack("<Q", len(blob)))
        out.write(blob)
        for arr in arrays:
            out.write(arr.tobytes())

    atomic_write(path, write)


def load_safetensors(path):
    """Read a safetensors file into ``{name: miniconv.Tensor}`` (file order). BF16 is widened to float32."""
    name = repr(os.fspath(path))
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise CheckpointError(f"{name} is not a safetensors file (shorter than its 8-byte header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(_MAX_HEADER, len(data) - 8):
        raise CheckpointError(f"{name} is not a safetensors file or is truncated (header length {n})")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise CheckpointError(f"{name} has a malformed safetensors header ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{name} has a malformed safetensors header (not a JSON object)")
    buffer = memoryview(data)[8 + n:]
    entries = []
    for key, info in header.items():
        if key == "__metadata__":
            continue
        try:
            dtype_code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
            ok = (isinstance(dtype_code, str) and isinstance(shape, list)
                  and all(isinstance(s, int) and s >= 0 for s in shape)
                  and isinstance(begin, int) and isinstance(end, int))
        except (TypeError, KeyError, ValueError):
            ok = False
        if not ok:
            raise CheckpointError(f"{name}: malformed safetensors entry for {key!r}")
        entries.append((begin, end, key, dtype_code, shape))
    out = {}
    expected_start = 0
    for begin, end, key, dtype_code, shape in sorted(entries):
        if dtype_code == "BF16":
            itemsize = 2
        elif dtype_code in _DTYPES:
            itemsize = np.dtype(_DTYPES[dtype_code]).itemsize
        else:
            raise CheckpointError(f"{name}: tensor {key!r} has unsupported dtype {dtype_code!r}")
        count = math.prod(shape)
        if begin != expected_start or end - begin != count * itemsize or end > len(buffer):
            raise CheckpointError(
                f"{name}: tensor {key!r} has data offsets [{begin}, {end}] that do not fit its shape {shape} "
                f"and the {len(buffer)}-byte buffer (truncated or corrupted file)"
            )
        expected_start = end
        raw = buffer[begin:end]
        if dtype_code == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32).reshape(shape)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[dtype_code]).reshape(shape)
            arr = arr.astype(arr.dtype.newbyteorder("="), copy=True)
        out[key] = Tensor(arr)
    if expected_start != len(buffer):
        raise CheckpointError(f"{name}: {len(buffer) - expected_start} unexpected bytes after the tensors (corrupted)")
    # keep the order of the header (the writer's order), not of the offsets
    return {k: out[k] for k in header if k != "__metadata__"}
