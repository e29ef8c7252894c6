"""The ``torch.*`` forms of the matrix, structural and index ops (``miniconv.addmm``, ``miniconv.tril``,
``miniconv.roll``, ``miniconv.index_add``, ...) and the functions with no method (``broadcast_tensors``,
``cartesian_prod``, ``block_diag``, ``atleast_2d``, ``hsplit``, ``searchsorted``, ``cdist``, ...).

Written out one by one with PyTorch's signatures; the ones with a method call it (``miniconv/tensor/
_linalg.py``, ``_rearrange.py``), the others compose differentiable ops.
"""
import builtins
import numbers

import numpy as np

from . import creation
from .autograd.composite import composite
from ._args import check_broadcast
from .dtypes import refuse_half, result_type
from .functional import _t
from .tensor import Tensor


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002
    return _t(input, "addmm").addmm(mat1, mat2, beta=beta, alpha=alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    return _t(input, "addmv").addmv(mat, vec, beta=beta, alpha=alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    return _t(input, "addbmm").addbmm(batch1, batch2, beta=beta, alpha=alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    return _t(input, "baddbmm").baddbmm(batch1, batch2, beta=beta, alpha=alpha)


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    return _t(input, "addcmul").addcmul(tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    return _t(input, "addcdiv").addcdiv(tensor1, tensor2, value=value)


def mv(input, vec):  # noqa: A002
    return _t(input, "mv").mv(vec)


def vdot(input, other):  # noqa: A002
    return _t(input, "vdot").vdot(other)


def inner(input, other):  # noqa: A002
    return _t(input, "inner").inner(other)


def kron(input, other):  # noqa: A002
    return _t(input, "kron").kron(other)


def cross(input, other, dim=None):  # noqa: A002
    return _t(input, "cross").cross(other, dim)


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    return _t(input, "diagonal").diagonal(offset, dim1, dim2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    return _t(input, "diag_embed").diag_embed(offset, dim1, dim2)


def diag(input, diagonal=0):  # noqa: A002
    return _t(input, "diag").diag(diagonal)


def trace(input):  # noqa: A002
    return _t(input, "trace").trace()


def tril(input, diagonal=0):  # noqa: A002
    return _t(input, "tril").tril(diagonal)


def triu(input, diagonal=0):  # noqa: A002
    return _t(input, "triu").triu(diagonal)


def roll(input, shifts, dims=None):  # noqa: A002
    return _t(input, "roll").roll(shifts, dims)


def broadcast_to(input, size):  # noqa: A002
    return _t(input, "broadcast_to").broadcast_to(size)


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    return _t(input, "rot90").rot90(k, dims)


def fliplr(input):  # noqa: A002
    return _t(input, "fliplr").fliplr()


def flipud(input):  # noqa: A002
    return _t(input, "flipud").flipud()


def ravel(input):  # noqa: A002
    return _t(input, "ravel").ravel()


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    return _t(input, "diff").diff(n, dim, prepend, append)


def renorm(input, p, dim, maxnorm):  # noqa: A002
    return _t(input, "renorm").renorm(p, dim, maxnorm)


def dist(input, other, p=2):  # noqa: A002
    return _t(input, "dist").dist(other, p)


def index_add(input, dim, index, source, *, alpha=1):  # noqa: A002
    return _t(input, "index_add").index_add(dim, index, source, alpha=alpha)


def index_copy(input, dim, index, source):  # noqa: A002
    return _t(input, "index_copy").index_copy(dim, index, source)


def index_fill(input, dim, index, value):  # noqa: A002
    return _t(input, "index_fill").index_fill(dim, index, value)


def take(input, index):  # noqa: A002
    return _t(input, "take").take(index)


def take_along_dim(input, indices, dim=None):  # noqa: A002
    return _t(input, "take_along_dim").take_along_dim(indices, dim)


def masked_scatter(input, mask, source):  # noqa: A002
    return _t(input, "masked_scatter").masked_scatter(mask, source)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    return _t(input, "scatter_reduce").scatter_reduce(dim, index, src, reduce, include_self=include_self)



def split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    return _t(input, "split_with_sizes", "input").split_with_sizes(split_sizes, dim)


def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    return _t(input, "tensor_split", "input").tensor_split(indices_or_sections, dim)


def hsplit(input, sections):  # noqa: A002
    return _t(input, "hsplit", "input").hsplit(sections)


def vsplit(input, sections):  # noqa: A002
    return _t(input, "vsplit", "input").vsplit(sections)


def dsplit(input, sections):  # noqa: A002
    return _t(input, "dsplit", "input").dsplit(sections)


def tensordot(a, b, dims=2):
    return _t(a, "tensordot", "a")._tensordot(b, dims)


def broadcast_shapes(*shapes):
    shapes = [(s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]
    out = ()
    for i, s in enumerate(shapes):
        try:
            out = np.broadcast_shapes(out, s)
        except ValueError:
            raise RuntimeError(f"Attempting to broadcast a dimension of length {_clash(out, s)} at "
                               f"{_clash(out, s, at=True)}! Mismatching argument at index {i} had {s}; but expected "
                               f"shape should be broadcastable to {list(out)}") from None
    return creation.Size(out)


def _clash(shape, s, at=False):
    for j in builtins.range(1, len(s) + 1):
        if j <= len(shape) and s[-j] not in (1, shape[-j]) and shape[-j] != 1:
            return -j if at else s[-j]
    return None


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        check_broadcast(shape, t.shape)
        shape = np.broadcast_shapes(shape, tuple(t.shape))
    return tuple(t.expand(shape) for t in tensors)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """``repeat_interleave(x, repeats, dim)``; ``repeat_interleave(repeats)`` repeats each index ``i``
    ``repeats[i]`` times."""
    if repeats is None:
        if _t(input, "repeat_interleave").ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        idx = Tensor._wrap(np.arange(input.numel(), dtype=np.int64))
        return idx.repeat_interleave(input, 0)
    return _t(input, "repeat_interleave").repeat_interleave(repeats, dim, output_size=output_size)


def atleast_1d(*tensors):
    return _each(tensors, lambda t: t.reshape(1) if t.ndim == 0 else t)


def atleast_2d(*tensors):
    return _each(tensors, lambda t: t.reshape(1, -1) if t.ndim < 2 else t)


def atleast_3d(*tensors):
    def three(t):
        if t.ndim == 0:
            return t.reshape(1, 1, 1)
        if t.ndim == 1:
            return t.reshape(1, -1, 1)
        return t.unsqueeze(-1) if t.ndim == 2 else t
    return _each(tensors, three)


def _each(tensors, fn):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(fn(t) for t in tensors[0])
    return fn(tensors[0]) if len(tensors) == 1 else tuple(fn(t) for t in tensors)


def column_stack(tensors):
    return creation.hstack([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors])


def row_stack(tensors):
    return creation.vstack(tensors)


def dstack(tensors):
    return creation.cat(list(atleast_3d(list(tensors))), 2)


def block_diag(*tensors):
    mats = [t.reshape(1, -1) if t.ndim < 2 else t for t in tensors]
    for i, t in enumerate(mats):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
    if not mats:
        return creation.empty(1, 0)
    dtype = result_type(*mats) if len(mats) > 1 else mats[0].dtype
    cols = sum(t.shape[1] for t in mats)
    rows, left = [], 0
    for t in mats:
        r = t.shape[0]
        parts = [creation.zeros(r, left, dtype=dtype), t.type(dtype), creation.zeros(r, cols - left - t.shape[1],
                                                                                      dtype=dtype)]
        rows.append(creation.cat(parts, 1))
        left += t.shape[1]
    return creation.cat(rows, 0)


def cartesian_prod(*tensors):
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = creation.meshgrid(*tensors, indexing="ij")
    return creation.stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    import itertools
    if _t(input, "combinations").ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(builtins.range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return input[Tensor._wrap(idx)]


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if x1.ndim < 2 else 2} got: "
                           f"{(x1 if x1.ndim < 2 else x2).ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    refuse_half(x1.dtype, "cdist")

    def fn(x1, x2):
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        if p == 2:  # the gradient at a zero distance is 0, as PyTorch's
            sq = (diff * diff).sum(-1)
            zero = sq == 0
            return Tensor._where(zero, sq * 0, Tensor._where(zero, sq + 1, sq).sqrt())
        return diff.norm(p, -1)
    mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (x1.shape[-2] > 25 or x2.shape[-2] > 25)))
    if mm:  # PyTorch computes this case with differentiable ops (matmuls)
        return fn(x1, x2)
    return composite("CdistBackward0", fn, (x1, x2), double_backward_error=(
        NotImplementedError, "the derivative for '_cdist_backward' is not implemented.", "CdistBackwardBackward0"))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):  # noqa: A002
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = _t(sorted_sequence, "searchsorted", "sorted_sequence")._data
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, -1)
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    s = "right" if right else "left"
    if seq.ndim == 1:
        out = np.searchsorted(seq, vals, side=s)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        flat_s, flat_v = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(a, v, side=s) for a, v in zip(flat_s, flat_v)]).reshape(vals.shape)
    return Tensor._wrap(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    from .dtypes import get_default_dtype
    return creation.tensor(s, dtype=dtype or get_default_dtype(), device=device, requires_grad=requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """A new tensor of ``size``; miniconv's storage is C-contiguous, so the strides asked for are not kept."""
    return creation.empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def diagflat(input, offset=0):  # noqa: A002
    return _t(input, "diagflat").diagflat(offset)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    return _t(input, "addr").addr(vec1, vec2, beta=beta, alpha=alpha)


def matrix_power(input, n):  # noqa: A002
    return _t(input, "matrix_power").matrix_power(n)


def put(input, index, source, accumulate=False):  # noqa: A002
    return _t(input, "put").put(index, source, accumulate)


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    return _t(input, "index_put").index_put(indices, values, accumulate)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    r, c = np.nonzero(np.tri(row, col, offset, dtype=bool))
    return Tensor._wrap(np.stack([r, c]).astype(dtype or np.int64))


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    r, c = np.nonzero(~np.tri(row, col, offset - 1, dtype=bool))
    return Tensor._wrap(np.stack([r, c]).astype(dtype or np.int64))


def select(input, dim, index):  # noqa: A002
    return _t(input, "select").select(dim, index)


def rsub(input, other, *, alpha=1):  # noqa: A002
    return other - _t(input, "rsub") * alpha if alpha != 1 else other - _t(input, "rsub")


def inverse(input):  # noqa: A002
    return _t(input, "inverse").inverse()


def det(input):  # noqa: A002
    return _t(input, "det").det()


def logdet(input):  # noqa: A002
    return _t(input, "logdet").logdet()


def slogdet(input):  # noqa: A002
    return _t(input, "slogdet").slogdet()


def select_scatter(input, src, dim, index):  # noqa: A002
    return _t(input, "select_scatter").select_scatter(src, dim, index)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    return _t(input, "slice_scatter").slice_scatter(src, dim, start, end, step)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002
    return _t(input, "diagonal_scatter").diagonal_scatter(src, offset, dim1, dim2)


def chain_matmul(*matrices):
    """Deprecated in PyTorch (use ``linalg.multi_dot``): the product of the matrices, left to right."""
    out = matrices[0]
    for m in matrices[1:]:
        out = out.mm(m)
    return out


def unravel_index(indices, shape):
    if isinstance(indices, Tensor) and indices.dtype.kind not in "iu":
        raise TypeError("expected 'indices' to be integer dtype, but got " + str(indices.dtype))
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    n = int(np.prod(shape, dtype=np.int64))
    coords = np.unravel_index(idx % max(n, 1), shape)
    return tuple(Tensor._wrap(np.asarray(c, dtype=np.int64)) for c in coords)


def vander(x, N=None, increasing=False):  # noqa: N803
    if _t(x, "vander", "x").ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    x = x.type(np.int64) if x.dtype.kind in "bu" or x.dtype in (np.int8, np.int16, np.int32) else x
    powers = [x ** k if k else x * 0 + 1 for k in builtins.range(n)]
    out = creation.stack(powers, 1) if powers else x.new_empty((x.shape[0], 0))
    return out if increasing else out.flip([1])


def range(start, end, step=1, *, dtype=None, device=None, requires_grad=False):  # noqa: A001
    """Deprecated in PyTorch (``end`` included): ``arange(start, end + step / 2, step)``, with PyTorch's warning."""
    import warnings
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    from .dtypes import get_default_dtype
    n = int(np.floor((end - start) / step)) + 1
    vals = start + step * np.arange(max(n, 0), dtype=np.float64)
    return creation.tensor(vals, dtype=dtype or get_default_dtype(), requires_grad=requires_grad)
