"""Tensor methods PyTorch scripts use for conversions, device questions and printing: ``type``, the
``is_*`` properties and predicates, and ``format()`` of a tensor."""
from .. import ops
from ..dtypes import _check_dtype, legacy_type_name, type_arg_dtype


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
