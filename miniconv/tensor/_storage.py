"""PyTorch's storages over miniconv's NumPy memory: ``tensor.storage()`` (``TypedStorage``),
``tensor.untyped_storage()`` (``UntypedStorage``, bytes) and ``tensor.storage_offset()``.

A tensor's storage is the whole allocation its array views: the NumPy array at the root of its ``.base`` chain
(the array ``torch.tensor(...)``, ``zeros`` or an op allocated), so ``points[1].storage_offset()`` is 2 for a
3 x 2 tensor, ``points.t()`` shares ``points``'s storage (same ``data_ptr()``), and writing through a storage
(``points.storage()[0] = 2.0``) changes every tensor on it, as in PyTorch. Where miniconv computed a copy
where PyTorch makes a view, the copy has its own storage.
"""
import warnings

import numpy as np

from .. import dtypes

_warned = {"typed": False}


def _root_bytes(arr):
    """(the bytes of the allocation ``arr`` views as a 1-D uint8 array, ``arr``'s byte offset in it)."""
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    if arr.size == 0 or not root.flags.c_contiguous or root.size == 0:
        if arr.flags.c_contiguous:
            return arr.reshape(-1).view(np.uint8), 0
        return np.ascontiguousarray(arr).reshape(-1).view(np.uint8), 0  # no shared allocation to show
    mem = root.reshape(-1).view(np.uint8)
    return mem, arr.ctypes.data - root.ctypes.data


def storage_offset(arr):
    _, offset = _root_bytes(arr)
    return offset // arr.itemsize


def _index(i, n, what):
    if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
        raise TypeError(f"can't index a {what} with {type(i).__name__}")
    if not -n <= i < n:
        raise IndexError(f"index {i} out of range for storage of size {n}")
    return int(i) % n if n else 0


class UntypedStorage:
    """Bytes of memory: ``UntypedStorage(n)`` (zeros) or a tensor's ``untyped_storage()``."""

    __module__ = "miniconv.storage"

    def __init__(self, size=0, *, device=None):
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"miniconv storages live on the CPU, got device {device}")
        if isinstance(size, np.ndarray):  # miniconv's own: a 1-D uint8 view of existing memory
            self._bytes = size
        elif isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 0:
            self._bytes = np.zeros(int(size), np.uint8)
        elif isinstance(size, (list, tuple)):
            self._bytes = np.array(size, dtype=np.uint8).reshape(-1)
        else:
            raise TypeError(f"UntypedStorage(): expected a non-negative size or a sequence of bytes, got {size!r}")

    device = property(lambda self: "cpu")
    is_cuda = property(lambda self: False)

    def nbytes(self):
        return self._bytes.size

    def size(self):
        return self._bytes.size

    __len__ = size

    def element_size(self):
        return 1

    def data_ptr(self):
        return self._bytes.ctypes.data if self._bytes.size else 0

    def __getitem__(self, i):
        if isinstance(i, slice):
            return UntypedStorage(self._bytes[i] if i.step in (None, 1) else self._bytes[i].copy())
        return int(self._bytes[_index(i, self._bytes.size, "storage")])

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            self._bytes[i] = value
        else:
            self._bytes[_index(i, self._bytes.size, "storage")] = value

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self):
        return self._bytes.tolist()

    def fill_(self, value):
        self._bytes[...] = value
        return self

    def copy_(self, other, non_blocking=False):
        src = other._bytes if isinstance(other, UntypedStorage) else _typed_bytes(other)
        if src.size != self._bytes.size:
            raise RuntimeError(f"size mismatch: copying {src.size} bytes into a storage of {self._bytes.size}")
        self._bytes[...] = src
        return self

    def clone(self):
        return UntypedStorage(self._bytes.copy())

    def cpu(self):
        return self

    def is_shared(self):
        return False

    def is_pinned(self, device="cuda"):
        return False

    def untyped(self):
        return self

    def __repr__(self):
        body = " " + "\n ".join(str(b) for b in self._bytes.tolist())
        return f"{body}\n[torch.storage.UntypedStorage(device=cpu) of size {self._bytes.size}]"

    __str__ = __repr__


def _typed_bytes(storage):
    if not isinstance(storage, TypedStorage):
        raise TypeError(f"expected a storage, got {type(storage).__name__}")
    return storage._array.view(np.uint8)


class TypedStorage:
    """Elements of one dtype over an :class:`UntypedStorage` (what ``tensor.storage()`` returns)."""

    __module__ = "miniconv.storage"

    def __init__(self, *args, dtype=None, device=None, wrap_storage=None):
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"miniconv storages live on the CPU, got device {device}")
        self.dtype = dtypes.get_default_dtype() if dtype is None else dtype
        np_dtype = np.dtype(self.dtype)
        if wrap_storage is not None:
            if args:
                raise RuntimeError("TypedStorage(): no positional arguments are accepted with wrap_storage")
            mem = wrap_storage._bytes
            if mem.size % np_dtype.itemsize:
                raise RuntimeError(f"TypedStorage(): the untyped storage's {mem.size} bytes are not a multiple "
                                   f"of the element size {np_dtype.itemsize}")
            self._array = mem.view(np_dtype)
        elif len(args) == 1 and isinstance(args[0], (int, np.integer)) and not isinstance(args[0], bool):
            self._array = np.zeros(int(args[0]), np_dtype)
        elif len(args) == 1 and isinstance(args[0], (list, tuple)):
            self._array = np.array(args[0], dtype=np_dtype).reshape(-1)
        elif not args:
            self._array = np.zeros(0, np_dtype)
        else:
            raise TypeError("TypedStorage(): expected a size, a sequence of elements or wrap_storage=")

    @classmethod
    def _of(cls, arr, dtype):
        s = cls.__new__(cls)
        s.dtype, s._array = dtype, arr
        return s

    device = property(lambda self: "cpu")
    is_cuda = property(lambda self: False)

    def size(self):
        return self._array.size

    __len__ = size

    def element_size(self):
        return self._array.itemsize

    def nbytes(self):
        return self._array.nbytes

    def data_ptr(self):
        return self._array.ctypes.data if self._array.size else 0

    def untyped(self):
        return UntypedStorage(self._array.view(np.uint8))

    _untyped_storage = property(untyped)

    def __getitem__(self, i):
        if isinstance(i, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        return self._array[_index(i, self._array.size, "storage")].item()

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            self._array[i] = value
            return
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"can't index a storage with {type(i).__name__}")
        n = self._array.size
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of bounds for dimension 0 with size {n}")
        self._array[i] = value

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self):
        return self._array.tolist()

    def fill_(self, value):
        self._array[...] = value
        return self

    def copy_(self, other, non_blocking=False):
        src = other._array if isinstance(other, TypedStorage) else other._bytes.view(self._array.dtype)
        if src.size != self._array.size:
            raise RuntimeError(f"size mismatch: copying {src.size} elements into a storage of {self._array.size}")
        self._array[...] = src
        return self

    def clone(self):
        return TypedStorage._of(self._array.copy(), self.dtype)

    def cpu(self):
        return self

    def is_shared(self):
        return False

    def is_pinned(self, device="cuda"):
        return False

    def __repr__(self):
        body = " " + "\n ".join(str(v) for v in self._array.tolist())
        return (f"{body}\n[torch.storage.TypedStorage(dtype=torch.{np.dtype(self._array.dtype).name}, "
                f"device=cpu) of size {self._array.size}]")

    __str__ = __repr__


def typed_storage_of(arr, dtype):
    """``tensor.storage()``: the allocation as elements of the tensor's dtype (PyTorch's one-time warning)."""
    if not _warned["typed"]:
        _warned["typed"] = True
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
                      "only storage class. This should only matter to you if you are using storages directly.  To "
                      "access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()",
                      UserWarning, stacklevel=3)
    mem, _ = _root_bytes(arr)
    usable = mem.size - mem.size % arr.itemsize
    return TypedStorage._of(mem[:usable].view(arr.dtype), dtype)


def untyped_storage_of(arr):
    return UntypedStorage(_root_bytes(arr)[0])
