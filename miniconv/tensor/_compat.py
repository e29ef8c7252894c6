"""Tensor methods PyTorch scripts use for conversions, device questions and printing: ``type``, the
``is_*`` properties and predicates, ``format()`` of a tensor, ``to``/``float``/``clone``/... and the ``new_*``
constructors (tensors of this tensor's dtype)."""
import numpy as np

from .. import ops
from .._args import array_from_data, check_numpy_strides, size_arg, warn_list_of_ndarrays
from .._device import _check_device, _parse_to_args
from ..dtypes import (
    _check_dtype, _check_memory_format, check_half_value, float32, float64, int32, int64, legacy_type_name,
    type_arg_dtype,
)
from ..dtypes import bool as _bool_dtype
from . import _base
from ._base import TensorBase


class CompatMixin:
    def type(self, dtype=None, non_blocking=False, **kwargs):
        """``x.type()`` names the type (``'torch.FloatTensor'``); ``x.type(t)`` converts to ``t``: a dtype, a
        legacy class (``FloatTensor``) or its name. The tensor itself when the dtype is already ``t``'s."""
        if dtype is None:
            return legacy_type_name(self.dtype)
        dtype = _check_dtype(type_arg_dtype(dtype), "to")
        if dtype == self.dtype:
            return self
        return ops.Cast.apply(self, dtype)

    # -- devices and layouts: a CPU, strided, dense tensor --------------------------------------------
    is_cpu = property(lambda self: True)
    is_cuda = is_xpu = is_mps = is_meta = is_ipu = is_xla = is_mtia = is_maia = is_vulkan = \
        property(lambda self: False)
    is_mkldnn = is_nested = is_quantized = is_sparse = is_sparse_csr = property(lambda self: False)

    def is_complex(self):
        return False

    def is_conj(self):
        return False

    def is_neg(self):
        return False

    def is_pinned(self, device=None):
        return False

    def is_distributed(self):
        return False

    def is_inference(self):
        return False

    def is_signed(self):
        return self.dtype.kind in "fi"

    def is_nonzero(self):
        if self.numel() == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        return bool(self)

    def is_same_size(self, other):
        return tuple(self.shape) == tuple(other.shape)

    def is_set_to(self, tensor):
        return (self._data.__array_interface__ == tensor._data.__array_interface__
                and self._data.strides == tensor._data.strides)

    def is_coalesced(self):
        raise RuntimeError("is_coalesced expected sparse coordinate tensor layout but got Strided")

    # -- sparse layouts are stored dense (miniconv/sparse.py): the same values, PyTorch's numbers downstream --
    def to_sparse(self, *args, layout=None, blocksize=None, dense_dim=None):
        """A copy holding the same values (miniconv has no sparse layout); differentiable, as PyTorch's."""
        return self.clone()

    to_sparse_coo = to_sparse

    def to_dense(self, dtype=None, *, masked_grad=None):
        """The tensor itself (every miniconv tensor is dense), or a cast to ``dtype``."""
        return self if dtype is None else self.type(dtype)

    def coalesce(self):
        """The tensor itself: the dense form of a sparse tensor is already coalesced."""
        return self

    def __format__(self, format_spec):
        """A 0-d tensor formats as its value (``f'{loss:.4f}'``); others as ``object`` does (PyTorch)."""
        if self.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    # -- conversions ----------------------------------------------------------------
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (other's dtype) or keywords;
        a non-CPU device raises. ``copy=True`` always returns a new tensor."""
        fmt = kwargs.get("memory_format")
        dtype, copy = _parse_to_args("to", args, kwargs)
        _check_memory_format(fmt, "to", self.ndim)
        out = self if dtype is None else self.type(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        _check_device("cuda" if device is None or isinstance(device, int) else device)  # always raises

    def float(self):
        return self.type(float32)

    def double(self):
        return self.type(float64)

    def long(self):
        return self.type(int64)

    def int(self):
        return self.type(int32)

    def bool(self):
        return self.type(_bool_dtype)

    def clone(self, *, memory_format=None):
        _check_memory_format(memory_format, "clone", self._data.ndim)
        return ops.Clone.apply(self)

    def type_as(self, other):
        return self.type(other.dtype)

    # -- new tensors with this tensor's dtype (PyTorch's new_* methods) -------------------
    def _new_filled(self, size, fill_value, dtype, device, requires_grad, name):
        _check_device(device)
        shape = size_arg(size, None, name, new=True)
        dt = _check_dtype(self.dtype if dtype is None else dtype, name)
        check_half_value(fill_value, dt)
        return _base.Tensor(np.full(shape, fill_value, dtype=dt), requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new_filled(size, 0, dtype, device, requires_grad, "zeros")

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new_filled(size, 1, dtype, device, requires_grad, "ones")

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new_filled(size, 0, dtype, device, requires_grad, "empty")

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        if isinstance(fill_value, TensorBase):
            fill_value = fill_value.item()
        return self._new_filled((size,), fill_value, dtype, device, requires_grad, "full")

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        _check_device(device)
        if isinstance(data, TensorBase):
            data = data._data
        elif isinstance(data, np.ndarray):
            check_numpy_strides(data)
        elif isinstance(data, (list, tuple)):
            warn_list_of_ndarrays(data)
            if any(isinstance(d, TensorBase) for d in data):
                data = [d._data if isinstance(d, TensorBase) else d for d in data]
        return _base.Tensor(array_from_data(data, dtype or self.dtype), requires_grad=requires_grad)
