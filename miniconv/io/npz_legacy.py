"""Reader for version-1 checkpoints: ``.npz`` archives written by miniconv 0.1's ``save``.

Kept for one version of compatibility; nothing writes this format any more. A version-1 file is
a zip archive of ``.npy`` members: ``__miniconv__.npy`` (a uint8 array of UTF-8 JSON
``{"format": "miniconv", "version": 1, "root": <node>}``) and ``a0.npy``, ``a1.npy``, ... one per
array; array nodes are ``{"type": "tensor" | "ndarray" | "scalar", "array": "a3", "dtype": "<f4",
"shape": [2, 3]}``. Loading never unpickles; it checks the zip structure, the header, each member's
size against its declared dtype and shape before decompressing it (sizes multiplied out only while
they fit the archive), and the CRC of every member.
"""
import io
import json
import struct
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from .errors import CheckpointError

_HEADER = "__miniconv__"
_FORMAT_VERSION = 1
_ARRAY_KINDS = "biufc"
_MAX_HEADER_BYTES = 64 * 1024 * 1024
_NPY_HEADER_SLACK = 64 * 1024  # room for the .npy member's own small header
_MAX_DIMS = 64


def load_npz(fh, path):
    """The object stored in the version-1 checkpoint open as ``fh`` (``path`` names it in errors).

    Every problem raises CheckpointError: the checks below name what they catch, and whatever a crafted
    file still provokes in zipfile or NumPy (huge numbers, impossible sizes) is turned into one too."""
    try:
        return _load_from(fh, path)
    except CheckpointError:
        raise
    except (ValueError, TypeError, OverflowError, MemoryError, KeyError, IndexError, RecursionError, EOFError,
            OSError, zipfile.BadZipFile, zlib.error, struct.error, NotImplementedError, RuntimeError) as e:
        raise CheckpointError(path, f"corrupted or malformed version-1 checkpoint ({type(e).__name__}: "
                                    f"{str(e)[:200]})") from None


def _load_from(fh, name):
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
        raise CheckpointError(name, f"truncated or corrupted (bad zip archive: {e})") from None
    with zf:
        names = set(zf.namelist())
        if _HEADER + ".npy" not in names:
            raise CheckpointError(name, f"not a miniconv checkpoint (no {_HEADER} header)")
        raw = _read_member(zf, _HEADER, name, _MAX_HEADER_BYTES + _NPY_HEADER_SLACK)
        if raw.dtype != np.uint8 or raw.ndim != 1 or raw.size > _MAX_HEADER_BYTES:
            raise CheckpointError(name, "malformed header (expected a 1-d uint8 array of JSON)")
        try:
            header = json.loads(raw.tobytes().decode("utf-8"))
        except (ValueError, RecursionError) as e:  # ValueError: bad UTF-8 or JSON, integers of > 4300 digits
            raise CheckpointError(name, f"malformed header (invalid JSON: {str(e)[:200]})") from None
        if not isinstance(header, dict) or header.get("format") != "miniconv" or "root" not in header:
            raise CheckpointError(name, "malformed header (not a miniconv header)")
        if type(header.get("version")) is not int or header.get("version") != _FORMAT_VERSION:
            raise CheckpointError(name, f"checkpoint format version {str(header.get('version'))[:20]}; this reader "
                                        f"reads version {_FORMAT_VERSION}")
        return _decode(header["root"], zf, names, name, depth=0)


def _read_member(zf, member, name, max_bytes):
    """Read one ``.npy`` member without pickle, refusing members larger than ``max_bytes`` (zip bombs)."""
    try:
        size = zf.getinfo(member + ".npy").file_size
        if size > max_bytes:
            raise CheckpointError(name, f"member {member} is {size} bytes, more than the {max_bytes} its header entry allows "
                "(corrupted or malicious file)"
            )
        with zf.open(member + ".npy") as fp:
            data = fp.read(max_bytes + 1)  # reading it whole lets zipfile verify the CRC
        if len(data) > max_bytes:
            raise CheckpointError(name, f"member {member} decompresses to more than {max_bytes} bytes")
        _check_npy_header(data, member, name)
        return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except CheckpointError:
        raise
    except ValueError as e:
        # numpy says "Object arrays cannot be loaded when allow_pickle=False" for pickled members
        raise CheckpointError(name, f"member {member} cannot be read without pickle ({e}); refusing to load it") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, zlib.error, NotImplementedError, RuntimeError) as e:
        # NotImplementedError / RuntimeError: zipfile meeting flags (encryption, unknown methods) we never write
        raise CheckpointError(name, f"truncated or corrupted (member {member}: {e})") from None


def _check_npy_header(data, member, name):
    """The .npy member's own header must describe no more bytes than the member holds (NumPy would
    allocate the array it declares before reading)."""
    fp = io.BytesIO(data)
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise CheckpointError(name, f"member {member} has an unsupported .npy version {version}")
    if dtype.hasobject:
        raise CheckpointError(name, f"member {member} cannot be read without pickle (object array); refusing to load it")
    n = dtype.itemsize
    for d in shape:
        n *= d
        if n > len(data):
            break
    if 0 not in shape and n > len(data) - fp.tell():
        raise CheckpointError(name, f"member {member} declares shape {shape[:8]} of {dtype}, more than its "
                                    f"{len(data)} bytes (truncated or corrupted file)")


def _decode(node, zf, names, name, depth):
    if depth > 200:
        raise CheckpointError(name, "malformed header (nesting deeper than 200 levels)")
    if node is None or isinstance(node, (bool, str, int)):
        return node
    if isinstance(node, float):
        return node
    if not isinstance(node, dict) or "type" not in node:
        raise CheckpointError(name, f"malformed header (unexpected entry {str(node)[:80]})")
    kind = node["type"]
    if kind in ("dict", "odict"):
        items = node.get("items")
        if not isinstance(items, list):
            raise CheckpointError(name, "malformed header (dict without items)")
        out = OrderedDict() if kind == "odict" else {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
                    and not isinstance(item[0], bool)):
                raise CheckpointError(name, f"malformed header (bad dict item {str(item)[:80]})")
            out[item[0]] = _decode(item[1], zf, names, name, depth + 1)
        return out
    if kind in ("list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise CheckpointError(name, f"malformed header ({kind} without items)")
        values = [_decode(v, zf, names, name, depth + 1) for v in items]
        return tuple(values) if kind == "tuple" else values
    if kind in ("tensor", "ndarray", "scalar"):
        member = node.get("array")
        if not isinstance(member, str) or member + ".npy" not in names or member == _HEADER:
            raise CheckpointError(name, f"malformed header (array {member!r} is not in the archive)")
        declared_dtype, shape = node.get("dtype"), node.get("shape")
        if not (isinstance(declared_dtype, str) and len(declared_dtype) <= 8 and isinstance(shape, list)
                and len(shape) <= _MAX_DIMS and all(type(d) is int for d in shape)):
            raise CheckpointError(name, f"malformed header (bad dtype or shape for array {member})")
        try:
            dtype = np.dtype(declared_dtype)
        except (TypeError, ValueError):
            raise CheckpointError(name, f"malformed header (bad dtype for array {member})") from None
        if dtype.kind not in _ARRAY_KINDS or len(shape) > _MAX_DIMS or any(d < 0 for d in shape):
            raise CheckpointError(name, f"malformed header (dtype {dtype} / shape {shape} of array {member})")
        nbytes = _declared_nbytes(shape, dtype.itemsize, zf.getinfo(member + ".npy").file_size)
        arr = _read_member(zf, member, name, nbytes + _NPY_HEADER_SLACK)
        if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
            raise CheckpointError(name, f"member {member} has unsupported dtype {arr.dtype}")
        if arr.dtype.str != node.get("dtype") or list(arr.shape) != node.get("shape"):
            raise CheckpointError(name, f"member {member} has dtype {arr.dtype.str} and shape {list(arr.shape)}, but the header "
                f"says {node.get('dtype')} and {node.get('shape')} (corrupted file)"
            )
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        if kind == "tensor":
            from ..tensor import Tensor

            return Tensor(arr)
        if kind == "scalar":
            return arr[()]
        return arr
    raise CheckpointError(name, f"malformed header (unknown entry type {str(kind)[:40]!r})")



def _declared_nbytes(shape, itemsize, member_size):
    """Bytes the header declares for an array, multiplied out only while it stays within what the
    member can hold (so 60,000 dimensions of 2**62 cost nothing); any larger value is refused by
    ``_read_member``'s size check anyway."""
    if 0 in shape:
        return 0
    n = itemsize
    for d in shape:
        n *= d
        if n > member_size:
            return n
    return n
