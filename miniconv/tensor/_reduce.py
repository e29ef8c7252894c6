"""Reductions: sum, mean, var/std, max/min (all, along a dim, or against another tensor), argmax/argmin,
prod, amax/amin, logsumexp, cumsum/cumprod, all/any/count_nonzero, norm, sort/argsort/topk.

NumPy's ``axis=`` / ``keepdims=`` are accepted for ``dim=`` / ``keepdim=`` as PyTorch does (``numpy_aliases``).
"""
import numbers

import numpy as np

from .. import ops
from .._args import normalize_dims, numpy_aliases, reduce_dims
from ..dtypes import int64, torch_dtype_name
from ._base import TensorBase


class ValuesIndices(tuple):
    """(values, indices) with attribute access, like ``torch.return_types.max`` / ``sort`` / ``topk``."""

    def __new__(cls, values, indices, name="max"):
        self = super().__new__(cls, (values, indices))
        self._name = name
        return self

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"miniconv.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


class ReduceMixin:
    """Each reduction checks its dims (``normalize_dims``) and calls one Function of ``miniconv.ops.reduce``."""

    @numpy_aliases
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        x = self if dtype is None else self.type(dtype)
        return ops.Sum.apply(x, reduce_dims(dim, self.ndim, "sum"), keepdim)

    @numpy_aliases
    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind == "f":
            x = x.masked_fill(x.isnan(), 0.0)
        return x.sum(dim, keepdim)

    @numpy_aliases
    def mean(self, dim=None, keepdim=False, *, dtype=None):
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind != "f":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {torch_dtype_name(x.dtype)}"
            )
        return ops.Mean.apply(x, reduce_dims(dim, self.ndim, "mean"), keepdim)

    def _var(self, name, dim, unbiased, keepdim, correction):
        if self.dtype.kind != "f":
            raise RuntimeError("std and var only support floating point and complex dtypes")
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        return ops.Var.apply(self, reduce_dims(dim, self.ndim, name), correction, keepdim, name == "std")

    @numpy_aliases
    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self._var("var", dim, unbiased, keepdim, correction)

    @numpy_aliases
    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self._var("std", dim, unbiased, keepdim, correction)

    @numpy_aliases
    def max(self, dim=None, keepdim=False):
        """``max()`` -> scalar tensor; ``max(dim)`` -> (values, indices); ``max(other)`` -> ``maximum(other)``
        (ties split the gradient, NaN propagates), as in PyTorch."""
        if isinstance(dim, TensorBase):
            return self.maximum(dim)
        return self._extreme(dim, keepdim, False)

    @numpy_aliases
    def min(self, dim=None, keepdim=False):
        """``min()``, ``min(dim)`` -> (values, indices), ``min(other)`` -> ``minimum(other)``."""
        if isinstance(dim, TensorBase):
            return self.minimum(dim)
        return self._extreme(dim, keepdim, True)

    def _extreme(self, dim, keepdim, is_min):
        """max/min of all elements, or (values, indices) along ``dim``."""
        name = "min" if is_min else "max"
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            return ops.MaxAll.apply(self, is_min)
        d = self._argmax_dim(dim, name)  # 0-d and empty tensors as PyTorch
        if d is None:
            return ValuesIndices(self.clone(), self._wrap(np.zeros((), np.int64)), name=name)
        values, indices = ops.MaxDim.apply(self, d, keepdim, is_min)
        return ValuesIndices(values, indices, name=name)

    def _argmax_dim(self, dim, name):
        """The checked axis of max/min/argmax/argmin(dim), or None for a 0-d tensor (the result is the element
        itself, index 0); an empty reduced dimension is PyTorch's IndexError."""
        if dim is None:
            if self._data.size == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            return None
        (d,) = normalize_dims(dim, self.ndim, name)
        if self.ndim == 0:
            return None
        if self.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return d

    @numpy_aliases
    def argmax(self, dim=None, keepdim=False):
        if self.dtype == bool:
            raise RuntimeError("argmax(): does not support bool input")
        d = self._argmax_dim(dim, "argmax")
        if d is None:
            return self._wrap(np.asarray(np.argmax(self._data), dtype=np.int64))
        return self._wrap(np.argmax(self._data, axis=d, keepdims=keepdim).astype(np.int64))

    @numpy_aliases
    def argmin(self, dim=None, keepdim=False):
        if self.dtype == bool:
            raise RuntimeError("argmin(): does not support bool input")
        d = self._argmax_dim(dim, "argmin")
        if d is None:
            return self._wrap(np.asarray(np.argmin(self._data), dtype=np.int64))
        return self._wrap(np.argmin(self._data, axis=d, keepdims=keepdim).astype(np.int64))

    @numpy_aliases
    def prod(self, dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self.type(dtype)
        if dim is not None and not isinstance(dim, numbers.Integral):
            raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
        d = None if dim is None else (reduce_dims(dim, self.ndim, "prod") or (None,))[0]
        if x.dtype.kind != "f":
            return self._wrap(np.asarray(np.prod(x._data, axis=d, keepdims=keepdim)).astype(np.int64))
        return ops.Prod.apply(x, d, keepdim)

    def _amax(self, dim, keepdim, is_min):
        name = "amin" if is_min else "amax"
        if self._data.size == 0 and dim is not None and not isinstance(dim, numbers.Integral):
            for d in dim:  # PyTorch checks each dim's size before it looks for repeats
                (d,) = normalize_dims(d, self.ndim, name)
                if self.shape[d] == 0:
                    raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        dims = reduce_dims(dim, self.ndim, name)
        if self._data.size == 0 and dims is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                             "Specify the reduction dim with the 'dim' argument.")
        for d in dims or ():
            if self.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return ops.AMax.apply(self, dims, keepdim, is_min)

    @numpy_aliases
    def amax(self, dim=(), keepdim=False):
        return self._amax(dim, keepdim, False)

    @numpy_aliases
    def amin(self, dim=(), keepdim=False):
        return self._amax(dim, keepdim, True)

    @numpy_aliases
    def logsumexp(self, dim, keepdim=False):
        if dim is None:
            raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
        dims = reduce_dims(dim, self.ndim, "logsumexp")
        if dims is None and self.ndim and self._data.size and not keepdim:
            # PyTorch reduces an empty dim list to a kept shape of ones, then fails to write it into the
            # 0-d result: its error, for the same call
            ones = ", ".join(["1"] * self.ndim)
            raise RuntimeError(f"output with shape [] doesn't match the broadcast shape [{ones}]")
        return ops.LogSumExp.apply(self._to_float(), dims, keepdim)

    @numpy_aliases
    def cumsum(self, dim, dtype=None):
        x = self if dtype is None else self.type(dtype)
        d = normalize_dims(dim, self.ndim, "cumsum")[0]
        if self.ndim == 0:  # a 0-d tensor stays 0-d (NumPy's cumsum would flatten it to 1 element)
            return x.clone() if x.dtype.kind == "f" or dtype is not None else x.type(int64)
        return ops.CumSum.apply(x, d)

    @numpy_aliases
    def cumprod(self, dim, dtype=None):
        x = self if dtype is None else self.type(dtype)
        d = normalize_dims(dim, self.ndim, "cumprod")[0]
        if self.ndim == 0:
            return x.clone() if x.dtype.kind == "f" or dtype is not None else x.type(int64)
        return ops.CumProd.apply(x, d)

    def _logical_reduce(self, fn, name, dim, keepdim):
        d = normalize_dims(dim, self.ndim, name)  # an empty dim list reduces nothing here (PyTorch's all/any)
        d = () if self.ndim == 0 and d else d
        out = np.asarray(fn(self._data, axis=d, keepdims=keepdim))
        # uint8 in, uint8 out (PyTorch keeps that legacy rule); every other dtype gives bool
        return self._wrap(out.astype(np.uint8) if self.dtype == np.uint8 else out)

    @numpy_aliases
    def all(self, dim=None, keepdim=False):
        return self._logical_reduce(np.all, "all", dim, keepdim)

    @numpy_aliases
    def any(self, dim=None, keepdim=False):
        return self._logical_reduce(np.any, "any", dim, keepdim)

    def count_nonzero(self, dim=None):
        d = reduce_dims(dim, self.ndim, "count_nonzero")
        return self._wrap(np.asarray(np.count_nonzero(self._data, axis=d), dtype=np.int64))

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):  # Python in PyTorch: no axis=/keepdims=
        """``norm()`` (2-norm of all elements), ``norm(p, dim)``; p a number, inf or 'fro'."""
        if p == "fro" or p is None:
            p = 2
        if p == "nuc":  # the matrix nuclear norm (tensor/_decomp.py)
            return (self if dtype is None else self.type(dtype))._nuclear_norm(dim, keepdim)
        if isinstance(p, str):
            raise RuntimeError(f"norm(): p={p!r} is not supported (a number, inf, 'fro' or 'nuc')")
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                               f"Got {torch_dtype_name(x.dtype)}")
        dims = reduce_dims(dim, self.ndim, "norm")
        if float(p) < 0 or np.isinf(p):  # max/min over nothing has no identity, as PyTorch
            if self._data.size == 0 and (dims is None or any(self.shape[d] == 0 for d in dims)):
                raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because "
                                   "the operation does not have an identity")
        return ops.VectorNorm.apply(x, float(p), dims, keepdim)

    @numpy_aliases
    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) sorted along ``dim``; ties keep their order."""
        d = normalize_dims(dim, self.ndim, "sort")[0] if self.ndim else normalize_dims(dim, 0, "sort") and None
        if d is None:
            return ValuesIndices(self.clone(), self._wrap(np.zeros((), np.int64)), name="sort")
        if not descending:
            idx = np.argsort(self._data, axis=d, kind="stable")
        else:  # stable descending without negating (wrong for unsigned and most-negative values): sort the
            # reversed array ascending, reverse the order, map the positions back; NaN comes first, as PyTorch
            n = self._data.shape[d]
            idx = n - 1 - np.flip(np.argsort(np.flip(self._data, d), axis=d, kind="stable"), d)
        return ValuesIndices(ops.TakeAlong.apply(self, idx, d), self._wrap(idx.astype(np.int64)), name="sort")

    @numpy_aliases
    def argsort(self, dim=-1, descending=False, stable=False):
        return self.sort(dim, descending, stable).indices

    def msort(self):
        return self.sort(0).values

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        if self.dtype == bool:
            raise RuntimeError("topk does not support bool dtypes on CPU")
        d = normalize_dims(dim, self.ndim, "topk")[0]
        n = self.shape[d] if self.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError("selected index k out of range")
        if self.ndim == 0:  # k is 0 or 1 here; NumPy has no axis 0 of a 0-d array
            return ValuesIndices(self.clone(), self._wrap(np.zeros((), np.int64)), name="topk")
        s = self.sort(d, descending=largest)
        idx = s.indices._data.take(range(k), axis=d)
        return ValuesIndices(ops.TakeAlong.apply(self, idx, d), self._wrap(idx), name="topk")
