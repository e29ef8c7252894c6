"""Tensors in shared memory, as ``torch.multiprocessing`` shares them (Hogwild training: several processes
update one model's Parameters in place).

``share_memory_()`` moves a tensor's array into an anonymous shared mapping (``memfd_create`` + ``mmap
MAP_SHARED``). A process forked later inherits the mapping, so its in-place updates are seen by every other;
a process started with ``spawn`` or ``forkserver`` receives the tensor through multiprocessing's pickler, which
for a shared tensor sends a duplicate of the file descriptor (``multiprocessing.reduction.DupFd``), not the
values, and maps the same memory on arrival. Tensors that are not shared pickle by value, as before.

Notes:
- Only the array moves: the Tensor object, its autograd attributes and its identity stay (Parameters held by
  an optimizer keep working). Views made before the move still look at the old array; PyTorch moves the
  storage under every view, which miniconv (views hold their own NumPy views) does not.
- The pickler reducer is registered for a tensor's class the first time one of that class is shared: importing
  miniconv changes nothing in the multiprocessing module.
"""
import mmap
import os
import weakref
from multiprocessing import reduction

import numpy as np

__all__ = ["share_array", "is_shared", "register"]

# id(shared array) -> its _Mapping, held while the array lives (the mapping closes its descriptor after)
_LIVE = {}


def _register(arr, mapping):
    _LIVE[id(arr)] = mapping
    weakref.finalize(arr, _LIVE.pop, id(arr), None)


class _Mapping:
    """Owns one shared mapping and its descriptor; NumPy arrays over it keep it alive through ``.base``."""

    def __init__(self, fd, size):
        self.fd = fd
        self.size = size
        self.mm = mmap.mmap(fd, max(size, 1), flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        self.address = np.frombuffer(self.mm, dtype=np.uint8).ctypes.data  # a temporary export, released
        weakref.finalize(self, _close, self.mm, fd)


def _close(mm, fd):
    try:
        mm.close()
    except BufferError:  # an exported buffer outlived us (interpreter shutdown): the OS reclaims it
        pass
    os.close(fd)


def _new_mapping(nbytes):
    fd = os.memfd_create("miniconv-shared", os.MFD_CLOEXEC) if hasattr(os, "memfd_create") else None
    if fd is None:  # no memfd: an unlinked temporary file in shared memory, the same to the processes
        import tempfile

        fd, path = tempfile.mkstemp(prefix="miniconv-shared-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        os.unlink(path)
    os.ftruncate(fd, max(nbytes, 1))
    return _Mapping(fd, nbytes)


def _array_over(mapping, dtype, shape, strides, offset):
    """An array over the mapping. NumPy gives every view of it the byte array ``buf`` as ``.base``, so
    ``buf`` is what is registered: any array found above it in a ``.base`` chain is in shared memory."""
    buf = np.frombuffer(mapping.mm, dtype=np.uint8)
    _register(buf, mapping)
    return np.ndarray(shape, dtype=dtype, buffer=buf, offset=offset, strides=strides)


def share_array(arr):
    """A C-contiguous copy of ``arr`` in a new shared mapping."""
    arr = np.ascontiguousarray(arr)
    mapping = _new_mapping(arr.nbytes)
    out = _array_over(mapping, arr.dtype, arr.shape, None, 0)
    out[...] = arr
    return out


def _mapping_of(arr):
    """The shared mapping ``arr`` (or the array it is a view of) lives in, else None."""
    a = arr
    while a is not None:
        m = _LIVE.get(id(a))
        if m is not None:
            return m, a
        a = a.base if isinstance(a.base, np.ndarray) else None
    return None


def is_shared(arr):
    return _mapping_of(arr) is not None


class _SharedArray:
    """What travels through the pickler in place of a shared array: a descriptor, its layout."""

    def __init__(self, arr):
        mapping, _ = _mapping_of(arr)
        self.fd = reduction.DupFd(mapping.fd)
        self.size = mapping.size
        self.layout = (arr.dtype.str, arr.shape, arr.strides, arr.ctypes.data - mapping.address)

    def __reduce__(self):
        return _rebuild_array, (self.fd, self.size, self.layout)


def _rebuild_array(dup, size, layout):
    mapping = _Mapping(dup.detach(), size)
    dtype, shape, strides, offset = layout
    return _array_over(mapping, np.dtype(dtype), shape, strides, offset)


def _reduce_tensor(t):
    """Default pickling, except that an array in shared memory travels as a descriptor."""
    rebuild, args, state, *rest = t.__reduce_ex__(4)
    arr = getattr(t, "_data", None)
    if isinstance(state, dict) and isinstance(arr, np.ndarray) and is_shared(arr):
        state = dict(state, _data=_SharedArray(arr))
    return (rebuild, args, state, *rest)


_REGISTERED = set()


def register(cls):
    """Send ``cls`` instances through multiprocessing's pickler with ``_reduce_tensor`` (idempotent)."""
    if cls not in _REGISTERED:
        reduction.ForkingPickler.register(cls, _reduce_tensor)
        _REGISTERED.add(cls)
