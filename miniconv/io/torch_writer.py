"""``save_torch``: write files that ``torch.load(weights_only=True)`` reads, without torch.

The file is PyTorch's zip format (see :mod:`miniconv.io.torch_format`): ``archive/data.pkl``, a
protocol-2 pickle emitted opcode by opcode here (never through Python's pickler, which would have
to import torch to name ``torch._utils._rebuild_tensor_v2``), and one stored (uncompressed) member
per storage, aligned to 64 bytes as ``torch.save`` aligns them (so ``torch.load(mmap=True)`` works).
The pickle holds only what the weights-only unpickler admits: dicts, OrderedDicts, lists, tuples,
sets, str, bytes, int, float, complex, bool, None, tensors (``_rebuild_tensor_v2``), Parameters
(``_rebuild_parameter``), ``miniconv.Size`` (as ``torch.Size``), dtypes and devices.
Tensors that view one NumPy buffer share one storage (with their offsets and strides), as PyTorch
saves views; other tensors get a C-contiguous copy. Same object, same bytes: the date of every
member is fixed and the serialization id is a digest of the content.
"""
import hashlib
import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from .atomic import atomic_write
from ..dtypes import dtype as dtype_cls
from .errors import CheckpointError

_STORAGE_NAMES = {"<f4": "FloatStorage", "<f8": "DoubleStorage", "<f2": "HalfStorage", "<i8": "LongStorage",
                  "<i4": "IntStorage", "<i2": "ShortStorage", "|i1": "CharStorage", "|u1": "ByteStorage",
                  "|b1": "BoolStorage"}
_DTYPE_NAMES = {"<f4": "float32", "<f8": "float64", "<f2": "float16", "<i8": "int64", "<i4": "int32",
                "<i2": "int16", "|i1": "int8", "|u1": "uint8", "|b1": "bool"}
_MAX_DEPTH = 200
_ALIGN = 64
_DATE = (1980, 1, 1, 0, 0, 0)


def _global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


class _Emitter:
    def __init__(self, path):
        self.path = path
        self.out = bytearray(b"\x80\x02")
        self.storages = {}  # id(root array) -> (key, root array)
        self.keep = []

    def where(self, keys):
        return "obj" + "".join(f"[{k!r}]" for k in keys)

    def emit(self, obj, keys):  # noqa: C901  (one branch per type)
        from ..tensor import Tensor, Size
        from .._device import device

        if len(keys) > _MAX_DEPTH:
            raise CheckpointError(self.path, f"save_torch: {self.where(keys[:5])}... is nested deeper than "
                                             f"{_MAX_DEPTH} levels (or refers to itself)")
        out = self.out
        if obj is None:
            out += b"N"
        elif obj is True or obj is False:
            out += b"\x88" if obj else b"\x89"
        elif type(obj) is int:
            if 0 <= obj < 256:
                out += b"K" + bytes([obj])
            elif 0 <= obj < 65536:
                out += b"M" + struct.pack("<H", obj)
            elif -2 ** 31 <= obj < 2 ** 31:
                out += b"J" + struct.pack("<i", obj)
            else:
                data = pickle.encode_long(obj)
                if len(data) > 255:
                    raise CheckpointError(self.path, f"save_torch: the integer at {self.where(keys)} is too large")
                out += b"\x8a" + bytes([len(data)]) + data
        elif type(obj) is float:
            out += b"G" + struct.pack(">d", obj)
        elif type(obj) is str:
            data = obj.encode("utf-8", "surrogatepass")
            out += b"X" + struct.pack("<I", len(data)) + data
        elif type(obj) is bytes:
            out += _global("_codecs", "encode")
            self.emit(obj.decode("latin1"), keys)
            self.emit("latin1", keys)
            out += b"\x86R"
        elif type(obj) is complex:
            out += _global("__builtin__", "complex")
            self.emit(obj.real, keys)
            self.emit(obj.imag, keys)
            out += b"\x86R"
        elif isinstance(obj, Tensor):
            self.tensor(obj, keys)
        elif isinstance(obj, Size):
            out += _global("torch", "Size")
            self.emit(tuple(int(d) for d in obj), keys)
            out += b"\x85R"
        elif isinstance(obj, (np.dtype, dtype_cls)):
            obj = np.dtype(obj)
            name = _DTYPE_NAMES.get(obj.newbyteorder("<").str if obj.byteorder != "|" else obj.str)
            if name is None:
                raise CheckpointError(self.path, f"save_torch: dtype {obj} at {self.where(keys)} has no PyTorch name")
            out += _global("torch", name)
        elif isinstance(obj, device):
            out += _global("torch", "device")
            self.emit(obj.type, keys)
            if obj.index is None:
                out += b"\x85R"
            else:
                self.emit(obj.index, keys)
                out += b"\x86R"
        elif type(obj) in (tuple, list, set):
            self.sequence(obj, keys)
        elif type(obj) in (dict, OrderedDict):
            if type(obj) is OrderedDict:
                out += _global("collections", "OrderedDict") + b")R"
            else:
                out += b"}"
            items = list(obj.items())
            for start in range(0, len(items), 1000):
                out += b"("
                for k, v in items[start:start + 1000]:
                    if not (k is None or type(k) in (str, int, float, bool, tuple)):
                        raise CheckpointError(self.path, f"save_torch: dict key {k!r} of type {type(k).__name__} "
                                                         f"in {self.where(keys)} (use str, int, float or tuple keys)")
                    self.emit(k, keys)
                    self.emit(v, keys + [k])
                self.out += b"u"
        else:
            raise CheckpointError(
                self.path, f"save_torch cannot store {self.where(keys)} of type {type(obj).__name__}: "
                           "torch.load(weights_only=True) reads only tensors, dicts, lists, tuples, sets, "
                           "numbers, strings, bytes, None, torch.Size, dtypes and devices")

    def sequence(self, obj, keys):
        out = self.out
        if type(obj) is tuple:
            if not obj:
                out += b")"
                return
            if len(obj) > 3:
                out += b"("
            for i, v in enumerate(obj):
                self.emit(v, keys + [i])
            self.out += b"t" if len(obj) > 3 else {1: b"\x85", 2: b"\x86", 3: b"\x87"}[len(obj)]
            return
        if type(obj) is set:
            out += _global("__builtin__", "set")
        out += b"]"
        items = list(obj)
        for start in range(0, len(items), 1000):
            self.out += b"("
            for i, v in enumerate(items[start:start + 1000]):
                self.emit(v, keys + [start + i])
            self.out += b"e"
        if type(obj) is set:
            self.out += b"\x85R"

    def storage(self, arr):
        """(key, element offset, element strides) of ``arr`` in a storage to write."""
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        item = arr.dtype.itemsize
        start = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        share = (arr.size > 0 and root.flags.c_contiguous and root.dtype == arr.dtype and start >= 0
                 and start % item == 0 and all(s >= 0 and s % item == 0 for s in arr.strides)
                 and start + sum((n - 1) * s for n, s in zip(arr.shape, arr.strides)) + item <= root.nbytes)
        if share:
            strides = tuple(s // item for s in arr.strides)
        else:
            root = np.array(arr, order="C", copy=True)
            start = 0
            strides = tuple(int(np.prod(root.shape[i + 1:], dtype=np.int64)) for i in range(root.ndim))
        entry = self.storages.get(id(root))
        if entry is None:
            entry = self.storages[id(root)] = (str(len(self.storages)), root)
            self.keep.append(root)
        return entry[0], start // item, strides, root.size

    def tensor(self, t, keys):
        from ..nn import Parameter

        arr = t._data
        code = arr.dtype.newbyteorder("<").str if arr.dtype.itemsize > 1 else arr.dtype.str
        name = _STORAGE_NAMES.get(code)
        if name is None:
            raise CheckpointError(self.path, f"save_torch cannot store {self.where(keys)}: dtype {arr.dtype}")
        param = isinstance(t, Parameter)
        out = self.out
        if param:
            out += _global("torch._utils", "_rebuild_parameter") + b"("
        key, offset, strides, numel = self.storage(arr)
        out += _global("torch._utils", "_rebuild_tensor_v2") + b"((X\x07\x00\x00\x00storage"
        out += _global("torch", name)
        self.emit(key, keys)
        self.emit("cpu", keys)
        self.emit(numel, keys)
        self.out += b"tQ"
        self.emit(offset, keys)
        self.emit(tuple(int(d) for d in arr.shape), keys)
        self.emit(strides, keys)
        self.emit(bool(t.requires_grad) and not param, keys)
        self.out += _global("collections", "OrderedDict") + b")RtR"
        if param:
            self.emit(bool(t.requires_grad), keys)
            self.out += _global("collections", "OrderedDict") + b")RtR"


def _zinfo(name):
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0
    info.create_system = 3
    return info


def _write_member(zf, out, name, data, align):
    info = _zinfo(name)
    size = len(data)
    if align:
        zip64 = size * 1.05 > zipfile.ZIP64_LIMIT
        header = 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
        pad = (-(out.tell() + header)) % _ALIGN
        info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    zf.writestr(info, data)


def _write_archive(out, pickled, storages):
    serial = hashlib.sha1(pickled)
    for key, root in storages:
        serial.update(key.encode() + memoryview(np.ascontiguousarray(root).reshape(-1).view(np.uint8)))
    serial_id = str(int(serial.hexdigest(), 16) % 10 ** 40).zfill(40).encode()
    with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_member(zf, out, "archive/data.pkl", pickled, align=True)
        _write_member(zf, out, "archive/.format_version", b"1", align=False)
        _write_member(zf, out, "archive/.storage_alignment", str(_ALIGN).encode(), align=False)
        _write_member(zf, out, "archive/byteorder", b"little", align=False)
        for key, root in storages:
            little = root.astype(root.dtype.newbyteorder("<"), copy=False) if root.dtype.itemsize > 1 else root
            _write_member(zf, out, f"archive/data/{key}", memoryview(little.reshape(-1).view(np.uint8)), align=True)
        _write_member(zf, out, "archive/version", b"3\n", align=False)
        _write_member(zf, out, "archive/.data/serialization_id", serial_id, align=False)


def save_torch(obj, f):
    """Write ``obj`` (a state dict, or nested dicts/lists/tuples of tensors, numbers and strings) to ``f``
    (a path or a binary file object) in PyTorch's own format: ``torch.load(f, weights_only=True)`` reads it,
    and so does :func:`miniconv.load`. Does not need torch. Writing to a path is atomic.

    Tensors become ``torch.Tensor`` (Parameters ``torch.nn.Parameter``) of the same dtype, shape and values;
    ``miniconv.Size`` becomes ``torch.Size``, dtypes ``torch.<dtype>``, devices ``torch.device``.
    Anything ``torch.load(weights_only=True)`` would refuse (modules, optimizers, NumPy arrays, functions)
    raises :class:`CheckpointError` naming where it is, and nothing is written.

    Example::

        >>> miniconv.io.save_torch(model.state_dict(), "model.pth")
        >>> torch_model.load_state_dict(torch.load("model.pth"))         # in PyTorch
    """
    path = None if hasattr(f, "write") else os.fspath(f)
    if path is not None and os.path.dirname(path) and not os.path.isdir(os.path.dirname(path)):
        raise RuntimeError(f"Parent directory {os.path.dirname(path)} does not exist.")  # as torch.save
    em = _Emitter(path)
    em.emit(obj, [])
    em.out += b"."
    pickled = bytes(em.out)
    storages = list(em.storages.values())
    if path is None:
        buf = io.BytesIO()
        _write_archive(buf, pickled, storages)
        f.write(buf.getbuffer())
    else:
        atomic_write(path, lambda out: _write_archive(out, pickled, storages))
