"""Sparse COO tensors as public scripts build them, stored dense.

miniconv has no sparse layout. Scripts such as pytorch/examples' ``gcn`` build an adjacency matrix with
``torch.sparse_coo_tensor(indices, values, size)``, convert with ``.to_sparse()`` and multiply with
``torch.spmm`` / ``torch.sparse.mm``; here those give dense tensors holding exactly the values the sparse ones
represent (duplicate coordinates summed, as ``coalesce`` does), so every later operation computes PyTorch's
numbers. The memory is that of a dense tensor, ``is_sparse`` is False and the layout is strided; the
sparse-only accessors (``indices()``, ``values()``, ``_nnz()``) are not provided.

Example::

    >>> i = miniconv.tensor([[0, 1, 1], [2, 0, 2]])
    >>> miniconv.sparse_coo_tensor(i, miniconv.tensor([3., 4., 5.]), (2, 3))
    tensor([[0., 0., 3.],
            [4., 0., 5.]])
"""
import numpy as np

from ._device import _check_device
from .creation import tensor as _tensor
from .creation import zeros as _zeros
from .dtypes import _check_dtype
from .tensor import Tensor


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False, requires_grad=False,
                      check_invariants=None, is_coalesced=None):
    """The dense tensor of ``size`` whose element at each column of ``indices`` (sparse_dim x nnz) is the sum of
    the ``values`` given for it; ``size`` defaults to one past the largest index of each sparse dimension."""
    _check_device(device)
    idx = np.asarray(indices._data if isinstance(indices, Tensor) else indices)
    vals = values if isinstance(values, Tensor) else _tensor(values)
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if idx.dtype.kind not in "iu":
        raise RuntimeError("indices must be an int64 tensor")
    nnz = idx.shape[1]
    if vals.ndim == 0 or vals.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                           f"values: {vals.shape[0] if vals.ndim else 1}")
    sparse_dim = idx.shape[0]
    if size is None:
        size = tuple(int(m) + 1 for m in idx.max(axis=1)) if nnz else (0,) * sparse_dim
        size = size + tuple(vals.shape[1:])
    size = tuple(int(s) for s in size)
    if len(size) != sparse_dim + vals.ndim - 1:
        raise RuntimeError(f"number of dimensions must be sparse_dim ({sparse_dim}) + dense_dim ({vals.ndim - 1}), "
                           f"but got {len(size)}")
    for d in range(sparse_dim):
        if nnz and idx[d].min() < 0:
            raise RuntimeError(f"found negative index {int(idx[d].min())} for dim {d}")
        if nnz and idx[d].max() >= size[d]:
            raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found index "
                               f"{int(idx[d].max())}")
    dt = vals.dtype if dtype is None else _check_dtype(dtype, "sparse_coo_tensor")
    vals = vals if vals.dtype == dt else vals.type(dt)
    coords = tuple(_tensor(idx[d].astype(np.int64)) for d in range(sparse_dim))
    out = _zeros(size, dtype=dt).index_put(coords, vals, accumulate=True)
    if requires_grad:
        out = out.detach().requires_grad_()
    return out


def mm(mat1, mat2):
    """``torch.sparse.mm``: the matrix product (both operands are dense here)."""
    return mat1.mm(mat2)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``torch.sparse.addmm``: ``beta * mat + alpha * (mat1 @ mat2)``."""
    return mat.addmm(mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):  # noqa: A001,A002
    """``torch.sparse.sum``: the sum over ``dim`` (all dimensions when None)."""
    out = input.sum() if dim is None else input.sum(dim)
    return out if dtype is None else out.type(dtype)


def spmm(input, mat2):  # noqa: A002
    """``torch.spmm``: the matrix product."""
    return input.mm(mat2)
