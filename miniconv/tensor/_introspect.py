"""Questions about a tensor's memory (``stride``, ``data_ptr``, ``element_size``, ``nbytes``, ``storage()``,
``storage_offset()``...), the
legacy ``new(...)`` constructor, ``share_memory_`` and ``resize_``/``resize_as_``.

miniconv's storage is the NumPy array ``_data``: strides and addresses are the array's (in elements
for ``stride()``, as PyTorch counts them).
"""
import numbers

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..dtypes import _check_dtype, _check_memory_format, bfloat16, float16
from ..multiprocessing import _sharing  # shared-memory arrays (no miniconv imports of its own)
from .._args import check_numpy_strides
from . import _base
from ._base import Size, TensorBase
from ._storage import storage_offset, typed_storage_of, untyped_storage_of


class IntrospectMixin:
    """Memory layout questions and storage resizing."""

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        if dim is None:
            return st
        if not -max(self.ndim, 1) <= dim < max(self.ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(self.ndim, 1)}, "
                             f"{max(self.ndim, 1) - 1}], but got {dim})")
        return st[dim] if self.ndim else 1

    def data_ptr(self):
        return self._data.ctypes.data if self._data.size else 0

    def element_size(self):
        return self._data.itemsize

    def storage(self):
        """The allocation this tensor views, as elements of its dtype (``TypedStorage``; PyTorch's warning)."""
        return typed_storage_of(self._data, self.dtype)

    def untyped_storage(self):
        """The allocation this tensor views, as bytes (``UntypedStorage``)."""
        return untyped_storage_of(self._data)

    def storage_offset(self):
        """Where this tensor starts in its storage, in elements."""
        return storage_offset(self._data)

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def nelement(self):
        return self._data.size

    def ndimension(self):
        return self._data.ndim

    @property
    def retains_grad(self):
        node = self.grad_fn
        return bool(node is not None and node._retained and self._output_nr in node._retained)

    @property
    def mT(self):  # noqa: N802
        if self.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def mH(self):  # noqa: N802  (real tensors: the conjugate transpose is the transpose)
        if self.ndim < 2:
            raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                               f"Got {self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    def new(self, *args, **kwargs):
        """The legacy constructor: ``t.new(2, 3)`` (uninitialized, here zeros), ``t.new([1, 2])``
        (data in ``t``'s dtype), ``t.new(ndarray)`` (the array itself when it has ``t``'s dtype, else a
        converted copy), ``t.new(other)`` (an alias of ``other`` of the same dtype), ``t.new()``."""
        kwargs.pop("device", None)
        if len(args) == 1 and isinstance(args[0], TensorBase):
            if args[0].dtype != self.dtype:
                raise TypeError(f"expected {self.dtype.name} (got {args[0].dtype})")
            return args[0].detach()
        if len(args) == 1 and isinstance(args[0], Size):
            return self.new_zeros(tuple(args[0]))
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            return self.new_tensor(args[0])
        if len(args) == 1 and isinstance(args[0], np.ndarray):  # a NumPy array: shared when it has t's dtype
            if args[0].dtype == np.dtype(self.dtype):
                check_numpy_strides(args[0])
                return _base.Tensor(args[0])
            return self.new_tensor(args[0])
        if len(args) == 1 and not isinstance(args[0], (numbers.Integral, Size)):  # PyTorch's wording
            if isinstance(args[0], str):
                raise TypeError("new(): invalid data type 'str'")
            kind = type(args[0])  # its C tp_name: "numpy.float64" for an extension type, "Foo" for a class
            heap = kind.__flags__ & (1 << 9)  # Py_TPFLAGS_HEAPTYPE
            kind = kind.__name__ if heap or kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
            raise TypeError(f"new(): data must be a sequence (got {kind})")
        return self.new_zeros(args if args else (0,))

    def share_memory_(self):
        """Moves the tensor's array into shared memory (no-op if it is there) and returns ``self``: processes
        started afterwards (fork) or receiving it through multiprocessing (spawn) update the same memory.
        Views made before the move keep the old array (PyTorch moves the storage under them too)."""
        _sharing.register(type(self))
        if self._base is not None:  # a view: its base's array moves, and this view is re-taken from it
            old = self._base._data
            offset = self._data.ctypes.data - old.ctypes.data
            self._base.share_memory_()
            if self._base._data is not old:
                self._data = np.ndarray(self._data.shape, self._data.dtype, buffer=self._base._data,
                                        offset=offset, strides=self._data.strides)
            return self
        if not _sharing.is_shared(self._data):
            self._data = _sharing.share_array(self._data)
        return self

    def is_shared(self):
        return _sharing.is_shared(self._data)

    def resize_(self, *sizes, memory_format=None):
        """PyTorch's storage semantics: the flat storage keeps its first elements; new elements are zeros
        (PyTorch leaves them uninitialized). The tensor's autograd history is not recorded."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) or (sizes and hasattr(sizes[0], "__len__")):
            sizes = tuple(sizes[0])
        for s in sizes:
            if not isinstance(s, numbers.Integral) or isinstance(s, bool):
                raise TypeError(f"resize_(): argument 'size' must be tuple of ints, but found element of type "
                                f"{type(s).__name__}")
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(sizes)}")
        if self.requires_grad and is_grad_enabled():
            raise RuntimeError("cannot resize variables that require grad")
        n = int(np.prod(sizes, dtype=np.int64))
        flat = self._data.reshape(-1)
        if n == flat.size and self._data.flags.c_contiguous:
            self._data = self._data.reshape(sizes)
        else:
            new = np.zeros(n, self._data.dtype)
            k = min(n, flat.size)
            new[:k] = flat[:k]
            self._data = new.reshape(sizes)
        self._bump_version()
        return self

    def resize_as_(self, other, memory_format=None):
        if not isinstance(other, TensorBase):
            raise TypeError(f"resize_as_(): argument 'the_template' must be Tensor, not {type(other).__name__}")
        return self.resize_(tuple(other.shape))

    def byte(self):
        return self.type(np.uint8)

    def char(self):
        return self.type(np.int8)

    def short(self):
        return self.type(np.int16)

    def half(self, memory_format=None):
        _check_memory_format(memory_format, "half")
        return self.type(float16)

    def bfloat16(self, memory_format=None):
        """bfloat16 is named by miniconv but is not a tensor dtype: the TypeError ``.to(torch.bfloat16)`` gives."""
        _check_dtype(bfloat16, "bfloat16")

    @property
    def H(self):  # noqa: N802  (real tensors: the conjugate transpose is the transpose)
        if self.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")
        return self.t()

    @property
    def output_nr(self):
        return self._output_nr if self.grad_fn is not None else 0

    def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
        """A new tensor of ``size`` (C-contiguous: miniconv does not keep other strides)."""
        return self.new_empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)

    def swapaxes_(self, axis0, axis1):
        return self.transpose_(axis0, axis1)

    swapdims_ = swapaxes_
