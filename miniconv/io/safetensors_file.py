"""Flat ``{name: tensor}`` files in the safetensors format, through the ``safetensors`` package.

Writing to a path uses ``safetensors.numpy.save_file`` (the maintained reference writer; since
safetensors 0.8 it streams every array from its own memory, so saving needs no copy of the file in
memory) on the temporary file of :func:`atomic_write_path`. Writing to a file object goes through
``safetensors.numpy.save``, which returns the whole file as ``bytes``. Either way the header's
``__metadata__`` entries are then put in sorted key order (:func:`sort_metadata`), so the same state
always gives the same bytes.
Reading first checks the header against the file size here (:func:`read_header`): the header
length, the JSON, every entry's dtype, shape and data offsets, with element counts multiplied out
only while they stay within the file size, so a crafted file declaring 60,000 dimensions of 2**62
is refused in microseconds, before anything is allocated. Then the package reads the tensors
(``safe_open``), except BF16, which NumPy lacks: those bytes are widened to float32 here.
Every problem raises :class:`CheckpointError` naming the file and the reason.
"""
import json
import os
import struct
import zlib

import numpy as np

from .atomic import atomic_write_path
from .errors import CheckpointError

# safetensors dtype code -> numpy dtype (BF16 is read by hand, widened to float32)
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?", "C64": "<c8", "C128": "<c16"}
ITEMSIZE = {code: np.dtype(d).itemsize for code, d in DTYPES.items()} | {"BF16": 2}
MAX_HEADER_BYTES = 100 * 1024 * 1024  # the safetensors package's own limit
MAX_DIMS = 64
# A miniconv checkpoint's metadata entry holding the CRC-32 of the whole file (8 lowercase hex digits),
# computed with these 8 digits written as "00000000".
CHECKSUM_KEY = "miniconv_crc32"
CHECKSUM_PLACEHOLDER = "00000000"
_CHECKSUM_PATTERN = b'"' + CHECKSUM_KEY.encode() + b'":"'


_STORABLE = {(np.dtype(d).kind, np.dtype(d).itemsize) for d in DTYPES.values()}


def to_storable(name, arr, path):
    """``arr`` as a C-contiguous native-order array of a safetensors dtype, or CheckpointError."""
    if arr.dtype.fields is not None or (arr.dtype.kind, arr.dtype.itemsize) not in _STORABLE:
        raise CheckpointError(path, f"cannot store {name}: arrays of dtype {arr.dtype} are not supported")
    out = arr if arr.flags.c_contiguous else np.array(arr, order="C")  # (ascontiguousarray makes 0-d 1-d)
    return out if out.dtype.isnative else out.astype(out.dtype.newbyteorder("="))


def sort_metadata(header):
    """``header`` (a safetensors header as the package wrote it: compact JSON, then space padding)
    with its ``__metadata__`` entries in sorted key order; same length, same tensor entries.

    The package (0.8) writes the metadata in the iteration order of a Rust ``HashMap``, which changes
    from call to call (safetensors issue #584), so two saves of one state gave different bytes; it
    already writes the tensor entries in a fixed order. The JSON is rewritten only when Python's
    compact serialisation reproduces the package's bytes exactly (UTF-8, serde_json's escapes), so
    reordering the entries is the only change; otherwise ``header`` is returned as it is."""
    text = header.rstrip(b" ")
    obj = json.loads(text)
    meta = obj.get("__metadata__") if isinstance(obj, dict) else None
    if not isinstance(meta, dict) or list(meta) == sorted(meta):
        return header
    if _compact_json(obj) != text:
        return header
    obj["__metadata__"] = dict(sorted(meta.items()))  # keeps its place among the header's entries
    return _compact_json(obj) + header[len(text):]


def _compact_json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def write_fileobj(f, arrays, metadata):
    """Write a safetensors file holding ``arrays`` ({name: ndarray}) and ``metadata`` ({str: str}) to
    the binary file object ``f``. The package builds the whole file in memory (only for file objects:
    :func:`write_file` for paths); it is written from those bytes, its header sorted and, when the
    metadata holds :data:`CHECKSUM_KEY`, its checksum filled in (:func:`fill_checksum`)."""
    import safetensors.numpy

    data = bytearray(safetensors.numpy.save(arrays, metadata=metadata))
    (n,) = struct.unpack("<Q", data[:8])
    data[8:8 + n] = sort_metadata(bytes(data[8:8 + n]))
    span = checksum_span(bytes(data[8:8 + n]))
    if span is not None:
        data[8 + span:8 + span + 8] = b"%08x" % zlib.crc32(data)
    f.write(data)


def write_file(path, arrays, metadata):
    """Write ``arrays`` ({name: C-contiguous native-order ndarray}, see :func:`to_storable`) and
    ``metadata`` as a safetensors file at ``path``, atomically. ``safetensors.numpy.save_file``
    writes the header and then each array straight from its buffer (the same bytes as
    :func:`write_fileobj`), so the only extra memory is the package's 1 MB write buffer; then the
    header is rewritten in place with its metadata sorted (:func:`sort_metadata`)."""
    import safetensors.numpy

    def write_to(tmp):
        safetensors.numpy.save_file(arrays, tmp, metadata=metadata)
        if metadata and len(metadata) > 1:
            with open(tmp, "r+b") as fh:
                (n,) = struct.unpack("<Q", fh.read(8))
                header = fh.read(n)
                fixed = sort_metadata(header)
                if fixed != header:
                    fh.seek(8)
                    fh.write(fixed)
                span = checksum_span(fixed)
                if span is not None:  # the CRC of the file as written (placeholder digits in place), then the digits
                    fh.flush()
                    crc = file_crc32(fh, os.fstat(fh.fileno()).st_size)
                    fh.seek(8 + span)
                    fh.write(b"%08x" % crc)

    atomic_write_path(path, write_to)


def read_header(path, fh, file_size, raw_header=None):
    """Validated ``(entries, metadata, data_start)`` of the safetensors file open as ``fh``
    (``raw_header``, a list, receives the header's bytes).

    ``entries`` maps names to ``(dtype_code, shape, begin, end)`` with offsets relative to
    ``data_start``; the entries tile the data area exactly, as the format requires.
    """
    fh.seek(0)
    head = fh.read(8)
    if len(head) < 8:
        raise CheckpointError(path, f"not a safetensors file: {file_size} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", head)
    if n > MAX_HEADER_BYTES or n > file_size - 8:
        raise CheckpointError(path, f"not a safetensors file, or truncated: header length {n} does not fit "
                                    f"the {file_size}-byte file")
    raw = fh.read(n)
    if raw_header is not None:
        raw_header.append(raw)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # ValueError: bad UTF-8, bad JSON, integers of > 4300 digits
        raise CheckpointError(path, f"malformed safetensors header ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(path, "malformed safetensors header (not a JSON object)")
    metadata = header.pop("__metadata__", None)
    if metadata is None:
        metadata = {}
    if not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise CheckpointError(path, "malformed safetensors header (__metadata__ must map strings to strings)")
    data_size = file_size - 8 - n
    entries = {}
    for key, info in header.items():
        entries[key] = _check_entry(path, key, info, data_size)
    position = 0
    for key, (_, _, begin, end) in sorted(entries.items(), key=lambda kv: kv[1][2:]):
        if begin != position:
            raise CheckpointError(path, f"tensor {key!r} starts at byte {begin} of the data, expected {position} "
                                        "(overlapping or gapped tensors: corrupted file)")
        position = end
    if position != data_size:
        raise CheckpointError(path, f"the tensors cover {position} bytes but the data area holds {data_size} "
                                    "(truncated or corrupted file)")
    return entries, metadata, 8 + n


def _check_entry(path, key, info, data_size):
    if not isinstance(info, dict):
        raise CheckpointError(path, f"malformed safetensors entry for {key!r} (not an object)")
    code, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(code, str) or code not in ITEMSIZE:
        raise CheckpointError(path, f"tensor {key!r} has unsupported dtype {str(code)[:20]!r}")
    if not isinstance(shape, list) or len(shape) > MAX_DIMS:
        raise CheckpointError(path, f"malformed safetensors entry for {key!r} (shape must be a list of at most "
                                    f"{MAX_DIMS} sizes)")
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(isinstance(o, int) and not isinstance(o, bool) and 0 <= o <= data_size for o in offsets)
            and offsets[0] <= offsets[1]):
        raise CheckpointError(path, f"malformed safetensors entry for {key!r} (data_offsets {str(offsets)[:60]} "
                                    f"outside the {data_size}-byte data area)")
    nbytes = ITEMSIZE[code]
    zero = False
    for d in shape:
        if not isinstance(d, int) or isinstance(d, bool) or d < 0:
            raise CheckpointError(path, f"malformed safetensors entry for {key!r} (bad size {str(d)[:30]} in shape)")
        if d == 0:
            zero = True
        elif not zero:
            nbytes *= d
            if nbytes > data_size:  # stop multiplying as soon as it cannot fit the file
                break
    if zero:
        nbytes = 0
    if nbytes != offsets[1] - offsets[0]:
        raise CheckpointError(path, f"tensor {key!r} of dtype {code} and shape {shape if len(shape) < 9 else '[...]'} "
                                    f"does not fit its data offsets {offsets} (truncated or corrupted file)")
    return code, tuple(shape), offsets[0], offsets[1]


def read_tensors(path, entries, data_start, names=None):
    """``{name: ndarray}`` (native byte order, writable) for the validated ``entries``."""
    from safetensors import safe_open

    out = {}
    wanted = list(entries) if names is None else names
    try:
        with safe_open(os.fspath(path), framework="numpy") as f:
            for key in wanted:
                code, shape, begin, end = entries[key]
                if code == "BF16":
                    with open(path, "rb") as fh:
                        fh.seek(data_start + begin)
                        bits = np.frombuffer(fh.read(end - begin), dtype="<u2").astype(np.uint32) << 16
                    out[key] = bits.view(np.float32).reshape(shape)
                    continue
                arr = f.get_tensor(key)
                out[key] = np.array(arr, dtype=arr.dtype.newbyteorder("="), copy=True).reshape(shape)
    except CheckpointError:
        raise
    except Exception as e:  # SafetensorError and friends: the header check should have caught them
        raise CheckpointError(path, f"the safetensors package refused the file ({type(e).__name__}: {e})") from None
    return out


def save_safetensors(tensors, path, metadata=None):
    """Write a flat ``{name: Tensor or ndarray}`` dict (e.g. ``model.state_dict()``) as a safetensors
    file, atomically. PyTorch reads it with ``safetensors.torch.load_file(path)``."""
    from ..tensor import Tensor

    if not isinstance(tensors, dict):
        raise TypeError(f"save_safetensors expects a dict of tensors, got {type(tensors).__name__}")
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("metadata must be a dict of str to str")
    arrays = {}
    for name, t in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise CheckpointError(path, f"invalid tensor name {name!r} for save_safetensors")
        arr = t._data if isinstance(t, Tensor) else t
        if not isinstance(arr, np.ndarray):
            raise CheckpointError(path, f"save_safetensors: {name!r} is a {type(t).__name__}, not a Tensor or array")
        arrays[name] = to_storable(repr(name), arr, path)
    write_file(path, arrays, metadata or None)


def load_safetensors(path):
    """Read a safetensors file into ``{name: miniconv.Tensor}``, in the file's header order.
    BF16 is widened to float32. Any bad file raises :class:`CheckpointError`."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        entries, _, start = read_header(path, fh, size)
    arrays = read_tensors(path, entries, start)
    return {k: as_tensor(path, k, arrays[k]) for k in entries}


def as_tensor(path, key, arr):
    """``Tensor(arr)``, or CheckpointError for dtypes miniconv tensors do not have (e.g. complex)."""
    from ..tensor import Tensor

    try:
        return Tensor(arr)
    except TypeError as e:
        raise CheckpointError(path, f"tensor {key!r} cannot become a miniconv Tensor ({e})") from None


def checksum_span(header):
    """Offset in ``header`` (the JSON bytes after the 8-byte length) of the 8 checksum digits, or None
    when the entry is not there exactly once. Inside a JSON string every quote is escaped, so the
    pattern ``"miniconv_crc32":"`` can only be the metadata entry itself."""
    i = header.find(_CHECKSUM_PATTERN)
    if i < 0 or header.find(_CHECKSUM_PATTERN, i + 1) >= 0:
        return None
    start = i + len(_CHECKSUM_PATTERN)
    if header[start + 8:start + 9] != b'"':
        return None
    return start


def file_crc32(fh, size, span=None):
    """CRC-32 of the first ``size`` bytes of ``fh``, with the 8 bytes at ``span`` (if given) read as
    the placeholder digits; streamed in 1 MB pieces."""
    fh.seek(0)
    crc, pos = 0, 0
    while pos < size:
        chunk = fh.read(min(1 << 20, size - pos))
        if not chunk:
            break
        if span is not None and pos < span + 8 and span < pos + len(chunk):
            chunk = bytearray(chunk)
            for i in range(max(span, pos), min(span + 8, pos + len(chunk))):
                chunk[i - pos] = ord("0")
        crc = zlib.crc32(chunk, crc)
        pos += len(chunk)
    return crc
