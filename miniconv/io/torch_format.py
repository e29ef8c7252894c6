"""Reading ``torch.save`` files (the zip format PyTorch writes since 1.6) without torch.

A ``torch.save`` file is a zip archive ``<name>/data.pkl`` (a protocol-2 pickle of the object),
``<name>/data/<key>`` (one member per storage: its raw bytes), ``<name>/byteorder`` (``little`` or
``big``), ``<name>/version``, ``<name>/.format_version``, ``<name>/.storage_alignment`` and
``<name>/.data/serialization_id``. In the pickle a tensor is
``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)``
where ``storage`` is a persistent id ``('storage', torch.FloatStorage, key, location, numel)``.

Here the pickle runs through :class:`miniconv.io.unpickler.RestrictedUnpickler` with an allowlist
that mirrors ``torch.load(weights_only=True)``: the rebuild functions, the storage types, dtypes,
``torch.Size``, ``torch.device``, ``OrderedDict``, ``Counter``, sets, bytes, bytearrays, complex
numbers (each name bound to a miniconv stand-in; torch is never imported). With
``weights_only=False`` every other name is imported as ``torch.load(weights_only=False)`` would,
except other names under ``torch`` (miniconv cannot build PyTorch objects): those are refused.

Each tensor becomes a miniconv Tensor holding a copy of its elements (views with offsets and
strides are resolved against their storage; tensors sharing a storage load as separate copies).
float16 tensors stay float16; bfloat16 ones become float32 (NumPy has no bfloat16); complex and quantized tensors,
sparse/nested/meta tensors are refused by name. Every bad file raises ``CheckpointError``.
"""
import pickle
import re
import struct
import zlib
import zipfile
from collections import Counter, OrderedDict

import numpy as np

from ..dtypes import dtype as dtype_cls
from ..dtypes import of_numpy
from .errors import CheckpointError, WeightsOnlyUnpicklingError
from .unpickler import Malformed, RestrictedUnpickler, _Stand, weights_only_message

# legacy storage class -> NumPy dtype code of its elements ("bf16": bfloat16, read as uint16)
STORAGE_DTYPES = {"FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2", "BFloat16Storage": "bf16",
                  "LongStorage": "<i8", "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1",
                  "ByteStorage": "u1", "BoolStorage": "?", "ComplexFloatStorage": "<c8",
                  "ComplexDoubleStorage": "<c16", "UntypedStorage": "u1"}
_QUANTIZED_STORAGES = ("QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage")
# torch dtype name -> NumPy dtype code ("bf16": bfloat16)
TORCH_DTYPES = {"float32": "<f4", "float64": "<f8", "float16": "<f2", "bfloat16": "bf16", "int64": "<i8",
                "int32": "<i4", "int16": "<i2", "int8": "i1", "uint8": "u1", "bool": "?", "uint16": "<u2",
                "uint32": "<u4", "uint64": "<u8", "complex64": "<c8", "complex128": "<c16"}
_TORCH_DTYPE_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64", "int": "int32",
                        "short": "int16", "cfloat": "complex64", "cdouble": "complex128"}
_UNSUPPORTED_REBUILDS = ("_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_meta_tensor_no_storage",
                         "_rebuild_nested_tensor", "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy",
                         "_rebuild_device_tensor_from_cpu_tensor")
_MAX_DIMS = 64
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
_MAX_PICKLE_BYTES = 1 << 31


class StorageType:
    """Stands for ``torch.FloatStorage`` and the other storage classes in a pickle."""

    def __init__(self, name):
        self.name = name
        self.code = STORAGE_DTYPES.get(name)

    def __repr__(self):
        return f"torch.{self.name}"


class Storage:
    """A loaded storage: a 1-d NumPy array (bfloat16 already widened to float32)."""

    def __init__(self, array, code):
        self.array = array
        self.code = code


class _Marker(_Stand):
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


TENSOR_TYPE = _Marker("torch.Tensor")
PARAMETER_TYPE = _Marker("torch.nn.parameter.Parameter")


def _np_dtype(code):
    return np.dtype("<f4") if code == "bf16" else np.dtype(code)


def _user_dtype(name):
    """The value a pickled ``torch.<name>`` dtype loads as: the NumPy dtype miniconv uses for it
    (bfloat16 -> float32, as its tensors load), or for dtypes NumPy lacks a ``'torch.<name>'`` string."""
    code = TORCH_DTYPES.get(_TORCH_DTYPE_ALIASES.get(name, name))
    return f"torch.{name}" if code is None else of_numpy(_np_dtype(code).newbyteorder("="))


# -- rebuild functions (stand-ins for torch._utils._rebuild_*) -------------------------------------------------
def _check_int(x, what):
    if type(x) is not int or x < 0:
        raise Malformed(f"malformed tensor record ({what} {str(x)[:40]} is not a non-negative int)")
    return x


def _view(storage, offset, size, stride):
    """A C-contiguous copy of the tensor ``(offset, size, stride)`` of ``storage``, bounds checked."""
    if not isinstance(storage, Storage):
        raise Malformed("malformed tensor record (its storage is not a storage)")
    _check_int(offset, "storage offset")
    if not (isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride) <= _MAX_DIMS):
        raise Malformed("malformed tensor record (size and stride must be tuples of the same length)")
    size = tuple(_check_int(s, "size") for s in size)
    stride = tuple(_check_int(s, "stride") for s in stride)
    base = storage.array
    if 0 in size:
        if any(s >= 2 ** 62 for s in size):
            raise Malformed(f"malformed tensor record (size {str(size)[:80]})")
        return np.empty(size, dtype=base.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= base.size:
        raise Malformed(f"malformed tensor record (elements up to {last} of a storage of {base.size})")
    item = base.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(base[offset:], shape=size, strides=tuple(s * item for s in stride),
                                           writeable=False)
    return np.array(view, order="C", copy=True)


def _tensor(arr, requires_grad):
    from ..tensor import Tensor

    if arr.dtype.kind == "c":
        raise CheckpointError(None, f"a complex tensor ({arr.dtype}): miniconv has no complex dtypes")
    try:
        t = Tensor(arr)
    except TypeError as e:
        raise CheckpointError(None, f"a tensor miniconv cannot hold ({e})") from None
    if requires_grad is True:
        if t.dtype.kind != "f":
            raise Malformed("malformed tensor record (requires_grad on a tensor that is not floating point)")
        t.requires_grad_(True)
    elif requires_grad is not False:
        raise Malformed("malformed tensor record (requires_grad must be a bool)")
    return t


def _check_hooks(hooks):
    if hooks is not None and not (isinstance(hooks, dict) and not hooks):
        raise Malformed("malformed tensor record (backward hooks are not an empty OrderedDict)")


def rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor(_view(storage, storage_offset, size, stride), False)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                      metadata=None):
    _check_hooks(backward_hooks)
    return _tensor(_view(storage, storage_offset, size, stride), requires_grad)


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    _check_hooks(backward_hooks)
    if not isinstance(storage, Storage):
        raise Malformed("malformed tensor record (its storage is not a storage)")
    if not isinstance(dtype, (np.dtype, dtype_cls)):
        raise CheckpointError(None, f"a tensor of dtype {dtype}, which miniconv does not have")
    dtype = np.dtype(dtype)
    raw = storage.array
    if raw.dtype != np.uint8:
        raise Malformed("malformed tensor record (_rebuild_tensor_v3 on a typed storage)")
    if raw.size % dtype.itemsize:
        raise Malformed("malformed tensor record (storage size is not a multiple of the dtype's)")
    typed = Storage(raw.view(dtype.newbyteorder("<")).astype(dtype.newbyteorder("="), copy=False), dtype.str)
    return _tensor(_view(typed, storage_offset, size, stride), requires_grad)


def _set_state(t, state):
    if state is None or (isinstance(state, dict) and not state):
        return t
    if not isinstance(state, dict):
        raise Malformed("malformed tensor record (its Python state is not a dict)")
    for k, v in state.items():
        if type(k) is not str or k.startswith("_") or hasattr(type(t), k):
            raise Malformed(f"malformed tensor record (state attribute {str(k)[:40]!r} would replace a Tensor's own)")
        setattr(t, k, v)
    return t


def rebuild_parameter(data, requires_grad, backward_hooks):
    from ..nn import Parameter
    from ..tensor import Tensor

    _check_hooks(backward_hooks)
    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise Malformed("malformed parameter record")
    if requires_grad and data.dtype.kind != "f":
        raise Malformed("malformed parameter record (requires_grad on a tensor that is not floating point)")
    return Parameter(data.detach(), requires_grad=requires_grad)


def _new_parameter(data=None, requires_grad=True):
    """``torch.nn.Parameter(*args)`` as the NEWOBJ opcode of older pickles calls it."""
    from ..tensor import Tensor

    if data is None:
        data = _tensor(np.empty(0, np.float32), False)
    if not isinstance(data, Tensor):
        raise Malformed("malformed parameter record")
    return rebuild_parameter(data, requires_grad, None)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(rebuild_parameter(data, requires_grad, backward_hooks), state)


def rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDS or type(args) is not tuple:
        raise Malformed("malformed tensor record (_rebuild_from_type_v2 of something else than a tensor)")
    t = func(*args)
    if new_type is PARAMETER_TYPE:
        t = rebuild_parameter(t, t.requires_grad, None)
    elif new_type is not TENSOR_TYPE:
        raise pickle.UnpicklingError(f"Tensor subclass {new_type} is not supported by miniconv.load")
    return _set_state(t, state)


def _unsupported(name):
    def f(*args):
        raise CheckpointError(None, f"the file holds a tensor rebuilt by torch._utils.{name} (sparse, quantized, "
                                    "nested, meta or device tensors), which miniconv does not support")
    f.__name__ = name
    return f


def _get_layout(name):
    if name != "torch.strided":
        raise CheckpointError(None, f"layout {str(name)[:40]}: miniconv has only dense (strided) tensors")
    return name


def _encode(text, encoding="utf-8"):
    """``_codecs.encode`` as protocol-2 pickles use it for bytes: ``(str, 'latin1')`` only."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise Malformed("malformed pickle data (_codecs.encode is only used for latin-1 bytes)")
    return text.encode("latin1")


def _bytearray(data=b""):
    if not isinstance(data, (bytes, list)):
        raise Malformed("malformed pickle data (bytearray from something else than bytes or a list)")
    return bytearray(data)


_REBUILDS = {rebuild_tensor, rebuild_tensor_v2, rebuild_tensor_v3, rebuild_parameter, rebuild_parameter_with_state}


def allowed_globals():
    """``{"torch.name": stand-in}``: what ``torch.load(weights_only=True)`` admits, bound to miniconv objects."""
    import miniconv

    rc = {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
          "torch.nn.parameter.Parameter": PARAMETER_TYPE, "torch.serialization._get_layout": _get_layout,
          "torch.Size": miniconv.Size, "torch.Tensor": TENSOR_TYPE, "torch._tensor.Tensor": TENSOR_TYPE,
          "torch.device": miniconv.device, "_codecs.encode": _encode, "builtins.bytearray": _bytearray,
          "builtins.set": set, "builtins.complex": complex,
          "torch._utils._rebuild_tensor": rebuild_tensor, "torch._utils._rebuild_tensor_v2": rebuild_tensor_v2,
          "torch._utils._rebuild_tensor_v3": rebuild_tensor_v3, "torch._utils._rebuild_parameter": rebuild_parameter,
          "torch._utils._rebuild_parameter_with_state": rebuild_parameter_with_state,
          "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2}
    for name in _UNSUPPORTED_REBUILDS:
        rc[f"torch._utils.{name}"] = _unsupported(name)
    for name in list(TORCH_DTYPES) + list(_TORCH_DTYPE_ALIASES) + ["float8_e4m3fn", "float8_e5m2", "qint8", "quint8",
                                                                     "qint32", "complex32"]:
        rc[f"torch.{name}"] = _user_dtype(name)
    for name in list(STORAGE_DTYPES) + list(_QUANTIZED_STORAGES):
        rc[f"torch.{name}"] = StorageType(name)
    rc["torch.storage.UntypedStorage"] = rc["torch.UntypedStorage"]
    rc["torch.storage.TypedStorage"] = StorageType("TypedStorage")
    return rc


# -- the zip archive ------------------------------------------------------------------------------------------
def _check_names(zf, path):
    """The archive's record prefix (``archive`` for ``archive/data.pkl``); refuses unsafe member names."""
    prefixes = set()
    for name in zf.namelist():
        parts = name.split("/")
        if (not name or name.startswith("/") or "\\" in name or "\x00" in name or ":" in parts[0]
                or any(p in ("", ".", "..") for p in parts[:-1]) or parts[-1] in (".", "..")):
            raise CheckpointError(path, f"unsafe member name {name[:100]!r} in the zip archive (corrupted or "
                                        "malicious file)")
        prefixes.add(parts[0] if len(parts) > 1 else "")
    if len(prefixes) != 1 or "" in prefixes:
        raise CheckpointError(path, "not a PyTorch checkpoint (its zip members are not all in one folder)")
    return prefixes.pop()


def _read_member(zf, name, path, expected=None, limit=None):
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise CheckpointError(path, f"member {name!r} is missing from the archive (truncated or corrupted file)") from None
    if expected is not None and info.file_size != expected:
        raise CheckpointError(path, f"member {name!r} holds {info.file_size} bytes, but its tensor record needs "
                                    f"{expected} (corrupted file)")
    if limit is not None and info.file_size > limit:
        raise CheckpointError(path, f"member {name!r} declares {info.file_size} bytes, more than its data can hold")
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)  # read whole: zipfile checks the CRC
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError, OverflowError,
            struct.error, zlib.error, MemoryError) as e:  # zipfile meeting crafted offsets, sizes and flags
        raise CheckpointError(path, f"truncated or corrupted (member {name!r}: {type(e).__name__}: {e})") from None
    if len(data) != info.file_size:
        raise CheckpointError(path, f"truncated or corrupted (member {name!r})")
    return data


def _size_limit(info):
    """How many bytes a member may decompress to: as stored, or a compression ratio no checkpoint reaches."""
    return info.compress_size if info.compress_type == zipfile.ZIP_STORED else 1024 * info.compress_size + 4096


def is_torchscript(zf):
    return any(n.endswith("/constants.pkl") for n in zf.namelist())


def load_torch_zip(zf, path, weights_only):
    """The object in the ``torch.save`` archive ``zf`` (an open ``zipfile.ZipFile``)."""
    prefix = _check_names(zf, path)
    names = set(zf.namelist())
    if f"{prefix}/constants.pkl" in names:
        raise CheckpointError(path, "a TorchScript archive (torch.jit.save), which miniconv cannot load: it holds "
                                    "a compiled program, not just tensors")
    if f"{prefix}/data.pkl" not in names:
        raise CheckpointError(path, "not a PyTorch checkpoint (no data.pkl in the zip archive)")
    byteorder = "little"
    if f"{prefix}/byteorder" in names:
        byteorder = _read_member(zf, f"{prefix}/byteorder", path, limit=16).decode("latin1")
        if byteorder not in ("little", "big"):
            raise CheckpointError(path, f"unknown byte order {byteorder[:16]!r} in the archive")
    storages = {}

    def persistent_load(pid):
        if type(pid) is not tuple or len(pid) != 5 or pid[0] not in ("storage", b"storage"):
            raise pickle.UnpicklingError(f"Only persistent_load of storage is allowed, but got {str(pid)[:80]}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, StorageType) or type(key) is not str or not _KEY.match(key) \
                or type(numel) is not int or numel < 0:
            raise Malformed(f"malformed storage record {str(pid)[:120]}")
        if storage_type.code is None:
            raise CheckpointError(path, f"a {storage_type} (quantized or typeless): miniconv cannot load it")
        if key in storages:
            if storages[key].code != storage_type.code:
                raise Malformed(f"storage {key!r} is used with two element types")
            return storages[key]
        dtype = np.dtype("<u2" if storage_type.code == "bf16" else storage_type.code)
        name = f"{prefix}/data/{key}"
        info = zf.getinfo(name) if name in names else None
        limit = None if info is None else _size_limit(info)
        raw = _read_member(zf, name, path, expected=numel * dtype.itemsize, limit=limit)
        arr = np.frombuffer(raw, dtype=dtype if byteorder == "little" else dtype.newbyteorder(">"))
        if storage_type.code == "bf16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        else:
            arr = arr.astype(dtype.newbyteorder("="), copy=True)
        storages[key] = Storage(arr, storage_type.code)
        return storages[key]

    info = zf.getinfo(f"{prefix}/data.pkl")
    data = _read_member(zf, f"{prefix}/data.pkl", path, limit=min(_size_limit(info), _MAX_PICKLE_BYTES))
    allowed = allowed_globals()
    return run_pickle(data, path, weights_only, allowed, persistent_load, torch_file=True)


def run_pickle(data, path, weights_only, allowed, persistent_load, torch_file):
    """Unpickle ``data`` with the weights-only interpreter, or (``weights_only=False``) with Python's
    unpickler in which the names of ``allowed`` still map to their stand-ins."""
    special = {("new", PARAMETER_TYPE): _new_parameter}
    try:
        if weights_only:
            return RestrictedUnpickler(data, allowed, persistent_load, special_build=special).load()
        return _FullUnpickler(data, allowed, persistent_load, torch_file).load()
    except WeightsOnlyUnpicklingError:
        raise
    except CheckpointError as e:
        raise CheckpointError(path, e.reason) from None
    except Malformed as e:
        raise CheckpointError(path, str(e)) from None
    except pickle.UnpicklingError as e:
        if weights_only:
            raise WeightsOnlyUnpicklingError(path, weights_only_message(str(e))) from None
        raise CheckpointError(path, f"malformed pickle data ({e})") from None
    except EOFError:
        raise CheckpointError(path, "malformed pickle data (truncated)") from None


class _FullUnpickler(pickle.Unpickler):
    """Python's unpickler (``weights_only=False``: it runs whatever the file names), with PyTorch's
    tensor names bound to miniconv's stand-ins and other PyTorch objects refused."""

    def __init__(self, data, allowed, persistent_load, torch_file):
        import io

        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._allowed = allowed
        self._pl = persistent_load
        self._torch_file = torch_file

    def persistent_load(self, pid):
        return self._pl(pid)

    def find_class(self, module, name):
        full = f"{module}.{name}"
        if full in self._allowed:
            value = self._allowed[full]
            if value is PARAMETER_TYPE:
                from ..nn import Parameter
                return Parameter
            return value
        if self._torch_file and (module == "torch" or module.startswith("torch.")):
            raise CheckpointError(None, f"the file holds a PyTorch object ({full}) that miniconv cannot rebuild; "
                                        "save its state_dict() instead, or load it with PyTorch")
        return super().find_class(module, name)


def legacy_torch_file(magic):
    """Whether ``magic`` (the first bytes of a file) starts PyTorch's legacy (pre-1.6, non-zip) format."""
    return magic.startswith(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19")


