"""Rearranging and index-driven ops scripts meet: roll, repeat_interleave, broadcast_to, unfold, rot90,
fliplr/flipud, ravel, diff, renorm, dist, index_add/index_copy/index_fill, take, take_along_dim,
scatter_reduce, masked_scatter.

Each composes differentiable ops (index_select, Index, scatter_add, where, cat, ...), so the gradients are
theirs; the index checks are PyTorch's.
"""
import numbers

import numpy as np

from .. import ops
from .._args import check_index_range, normalize_dims
from ..autograd.composite import composite  # composed ops recorded as PyTorch's one node
from ..dtypes import int64, torch_dtype_name
from ._base import TensorBase


def _dim(d, ndim, name):
    return normalize_dims(d, max(ndim, 1), name)[0]


def _cat(tensors, dim):
    return ops.Cat.apply(dim, *tensors)


class RearrangeMixin:
    """Rearrangements and index_* ops."""

    def roll(self, shifts, dims=None):
        if dims is None:
            if not isinstance(shifts, numbers.Integral):
                if len(shifts) != 1:
                    raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
                shifts = shifts[0]
            return self.flatten().roll(shifts, 0).reshape(self.shape)
        shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
        dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
        if len(shifts) != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        out = self
        for s, d in zip(shifts, dims):
            d = _dim(d, self.ndim, "roll")
            n = out.shape[d] if out.ndim else 1
            if n == 0 or s % n == 0:
                out = out.clone() if out is self else out
                continue
            s %= n
            out = _cat([out.narrow(d, n - s, s), out.narrow(d, 0, n - s)], d)
        return out

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        x = self.flatten() if dim is None else self
        d = 0 if dim is None else _dim(dim, self.ndim, "repeat_interleave")
        if x.ndim == 0:
            x = x.reshape(1)
        n = x.shape[d]
        if isinstance(repeats, TensorBase):
            if repeats.dtype.kind not in "iu":
                raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
            reps = repeats._data.reshape(-1)
            if reps.size == 1:
                reps = np.full(n, reps[0])
            elif reps.size != n:
                raise RuntimeError("repeats must have the same size as input along dim, but got repeats.size(0) = "
                                   f"{reps.size} and input.size({d}) = {n}")
        else:
            reps = np.full(n, repeats, dtype=np.int64)
        if (reps < 0).any():
            raise RuntimeError("repeats can not be negative")
        return x.index_select(d, self._wrap(np.repeat(np.arange(n), reps)))

    def broadcast_to(self, size):
        return self.expand(size)

    def unfold(self, dimension, size, step):
        d = _dim(dimension, self.ndim, "unfold")
        length = self.shape[d] if self.ndim else 1
        if size > length:
            raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
        if step <= 0:
            raise RuntimeError(f"step is {step} but must be > 0")
        x = self.reshape(1) if self.ndim == 0 else self
        count = (length - size) // step + 1
        idx = (np.arange(count)[:, None] * step + np.arange(size)).reshape(-1)
        out = x.index_select(d, self._wrap(idx))
        out = out.reshape(tuple(x.shape[:d]) + (count, size) + tuple(x.shape[d + 1:]))
        out = out.movedim(d + 1, -1)
        return out.reshape(size) if self.ndim == 0 else out

    def rot90(self, k=1, dims=(0, 1)):
        if len(dims) != 2:
            raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
        if self.ndim < 2:
            raise RuntimeError(f"expected total dims >= 2, but got total dims = {self.ndim}")
        d0, d1 = (_dim(d, self.ndim, "rot90") for d in dims)
        if d0 == d1:
            raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
        k %= 4
        if k == 1:
            return self.flip([d1]).transpose(d0, d1)
        if k == 2:
            return self.flip([d0, d1])
        if k == 3:
            return self.flip([d0]).transpose(d0, d1)
        return self.clone()

    def fliplr(self):
        if self.ndim < 2:
            raise RuntimeError("Input must be >= 2-d.")
        return self.flip([1])

    def flipud(self):
        if self.ndim < 1:
            raise RuntimeError("Input must be >= 1-d.")
        return self.flip([0])

    def ravel(self):
        return self.reshape(-1)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        if self.ndim == 0:
            raise RuntimeError("diff expects input to be at least one-dimensional")
        d = _dim(dim, self.ndim, "diff")
        x = self
        if prepend is not None or append is not None:
            x = _cat([t for t in (prepend, self, append) if t is not None], d)
        for _ in range(n):
            length = x.shape[d]
            if length == 0:
                break
            a, b = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
            x = a.logical_xor(b) if x.dtype == bool else a - b
        return x

    def renorm(self, p, dim, maxnorm):
        d = _dim(dim, self.ndim, "renorm")
        if self.ndim <= 1:
            raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {self.ndim} dimensions")
        if p <= 0:
            raise RuntimeError(f"renorm: non-positive-norm not supported")
        if maxnorm < 0:
            raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
        norms = self.norm(p, [i for i in range(self.ndim) if i != d], keepdim=True)
        factor = self._where(norms > maxnorm, maxnorm / (norms + 1e-7), norms * 0 + 1)
        return self * factor

    def dist(self, other, p=2):
        """The p-norm of ``self - other`` (broadcast), recorded as PyTorch's one ``DistBackward0`` node."""
        return composite("DistBackward0", lambda a, b: (a - b).norm(p), (self, other))

    # -- index_* family ----------------------------------------------------------------------
    def _index_along(self, dim, index, name, source=None):
        """(dim, index array) checked as PyTorch checks ``index_add``/``index_copy``/``index_fill``."""
        d = _dim(dim, self.ndim, name)
        if not isinstance(index, TensorBase):
            raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
        if index.dtype != int64 and not (name != "index_copy" and index.dtype == np.int32):
            raise RuntimeError(f"{name}(): Expected dtype int64 for index" if name != "index_fill" else
                               "index_fill_(): Expected dtype int64 for index.")
        if index.ndim > 1:
            raise IndexError(f"{name}(): Index is supposed to be a vector")
        idx = index._data.reshape(-1).astype(np.int64)
        size = self.shape[d] if self.ndim else 1
        if name == "index_copy" and idx.size and idx.min() < 0:
            raise IndexError(f"index_copy_(): index {idx.min()} is out of bounds for dimension {d} with size {size}")
        if idx.size and (idx.max() >= size or idx.min() < -size):
            bad = idx.max() if idx.max() >= size else idx.min()
            raise IndexError(f"index out of range in self" if name != "index_fill" else
                             f"index {bad} is out of bounds for dimension {d} with size {size}")
        if source is not None:
            if source.dtype != self.dtype:
                raise RuntimeError(f"{name}(): self ({torch_dtype_name(self.dtype)}) and source "
                                   f"({torch_dtype_name(source.dtype)}) must have the same scalar type")
            want = list(self.shape)
            if want:
                want[d] = idx.size
            if list(source.shape) != want and not (source.ndim == 0 and idx.size == 1):
                raise RuntimeError(f"{name}(): Source/destination tensor must have same slice shapes. "
                                   f"Destination slice shape: {list(self.shape)} at dimension {d} and source slice "
                                   f"shape: {list(source.shape)} at dimension {d}.")
        return d, idx % max(size, 1)

    def _broadcast_index(self, d, idx, shape):
        view = [1] * len(shape)
        view[d] = idx.size
        return self._wrap(np.ascontiguousarray(np.broadcast_to(idx.reshape(view), shape)))

    def index_add(self, dim, index, source, *, alpha=1):
        d, idx = self._index_along(dim, index, "index_add", source)
        src = source if alpha == 1 else source * alpha
        if self.ndim == 0:
            return self + src.reshape(())
        return self.scatter_add(d, self._broadcast_index(d, idx, tuple(src.shape)), src)

    def index_copy(self, dim, index, source):
        d, idx = self._index_along(dim, index, "index_copy", source)
        if self.ndim == 0:
            return source.reshape(()).clone()
        return self.scatter(d, self._broadcast_index(d, idx, tuple(source.shape)), source)

    def index_fill(self, dim, index, value):
        d, idx = self._index_along(dim, index, "index_fill")
        mask = np.zeros(self.shape[d] if self.ndim else 1, bool)
        mask[idx] = True
        view = [1] * self.ndim
        if self.ndim:
            view[d] = mask.size
        if isinstance(value, TensorBase):
            if value.ndim != 0:
                raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value.ndim} dimension(s).")
            value = value.type(self.dtype)
        else:
            value = self._wrap(np.asarray(value, dtype=self._data.dtype))
        return self._where(mask.reshape(view), value, self)

    def take(self, index):
        if not isinstance(index, TensorBase) or index.dtype != int64:
            raise RuntimeError("take(): Expected a long tensor for index, but got "
                               f"{index.dtype if isinstance(index, TensorBase) else type(index).__name__}")
        idx = index._data
        n = self._data.size
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = idx.max() if idx.max() >= n else idx.min()
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
        return ops.Index.apply(self.reshape(-1), (idx,))

    def take_along_dim(self, indices, dim=None):
        if dim is None:
            return self.reshape(-1).gather(0, indices.reshape(-1))
        d = _dim(dim, self.ndim, "take_along_dim")
        if indices.ndim != self.ndim:
            raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                               f"dimensions, but got {self.ndim} dimensions for input, and {indices.ndim} "
                               "dimensions for indices")
        shape = list(np.broadcast_shapes(tuple(s for i, s in enumerate(self.shape) if i != d),
                                         tuple(s for i, s in enumerate(indices.shape) if i != d)))
        xs, ix = list(shape), list(shape)
        xs.insert(d, self.shape[d])
        ix.insert(d, indices.shape[d])
        return self.expand(xs).gather(d, indices.expand(ix))

    def masked_scatter(self, mask, source):
        if not isinstance(mask, TensorBase) or mask.dtype != bool:
            raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                               f"{mask.dtype if isinstance(mask, TensorBase) else type(mask).__name__}")
        if source.dtype != self.dtype:
            raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                               f"{torch_dtype_name(self.dtype)} and {torch_dtype_name(source.dtype)}")
        shape = np.broadcast_shapes(self.shape, mask.shape)
        m = np.broadcast_to(mask._data, shape)
        k = int(m.sum())
        if k > source.numel():
            raise RuntimeError("Number of elements of source < number of ones in mask")
        pos = np.zeros(shape, np.int64)
        pos[m] = np.arange(k)
        picked = ops.Index.apply(source.reshape(-1), (pos.reshape(-1),)).reshape(shape)
        return self._where(m, picked, self.expand(shape))

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """``reduce`` in sum/prod/mean/amax/amin. The values are computed on arrays; the gradient is that
        of PyTorch for sum, mean, amax/amin (shared equally among the elements equal to the result) and
        prod (out / element, for nonzero elements)."""
        reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's older names
        if self.ndim == 1 and isinstance(index, TensorBase) and index.ndim == 0:  # a 0-d index counts as 1-d
            index = index.reshape(1)
            src = src.reshape(1) if isinstance(src, TensorBase) and src.ndim == 0 else src
        if reduce not in ("sum", "prod", "mean", "amax", "amin"):
            raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
        idx = self._index_arg(index, "scatter_reduce")
        d = _dim(dim, self.ndim, "scatter_reduce")
        if src.dtype != self.dtype:
            raise RuntimeError("scatter_reduce(): Expected self.dtype to be equal to src.dtype")
        if idx.ndim != self.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
        check_index_range(idx, self.shape[d] if self.ndim else 1, d)
        region = tuple(slice(0, s) for s in idx.shape)
        s = ops.Index.apply(src, region) if tuple(src.shape) != idx.shape else src
        ones = self._wrap(np.ones(idx.shape, self._data.dtype))
        count = self._wrap(np.zeros(self.shape, self._data.dtype)).scatter_add(d, index, ones)
        base = self if include_self else self._where(count._data > 0, self._zero_like(), self)
        if reduce in ("sum", "mean"):
            out = base.scatter_add(d, index, s)
            if reduce == "mean":
                n = count + (1 if include_self else 0)
                n = self._where(n._data == 0, n * 0 + 1, n)
                out = out / n if self.dtype.kind == "f" else out.div(n, rounding_mode="floor")
            return out
        arr = base._data.copy()
        full = list(np.indices(idx.shape, sparse=True))
        full[d] = idx
        full = tuple(full)
        if not include_self:  # touched positions start from the reduction's identity
            dt = arr.dtype
            big = np.inf if dt.kind == "f" else (True if dt == bool else np.iinfo(dt).max)
            small = -np.inf if dt.kind == "f" else (False if dt == bool else np.iinfo(dt).min)
            arr[full] = {"prod": 1, "amax": small, "amin": big}[reduce]
        {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce].at(arr, full, s._data)
        r = self._wrap(arr)
        if not (self.requires_grad or s.requires_grad) or self.dtype.kind != "f":
            return r
        rg = r.gather(d, index)
        if reduce == "prod":  # d out / d x = out / x
            contrib_s = (rg.detach() / s.detach()) * s
            contrib = (r.detach() / base.detach() * base if include_self else base * 0).scatter_add(d, index, contrib_s)
            return contrib + (r - contrib).detach()
        hit_s = (s.detach() == rg).type(self.dtype)
        hit_b = (base.detach() == r) if include_self else (base.detach() == r) & (count == 0)  # untouched: self
        hit_b = hit_b.type(self.dtype)
        ties = (hit_b * 1).scatter_add(d, index, hit_s)
        contrib = (base * hit_b).scatter_add(d, index, s * hit_s) / self._where(ties._data == 0, ties * 0 + 1, ties)
        return contrib + (r - contrib).detach()

    def _zero_like(self):
        return self._wrap(np.zeros((), self._data.dtype))

    # -- splitting ------------------------------------------------------------------------------
    def split_with_sizes(self, split_sizes, dim=0):
        return self.split(list(split_sizes), dim)

    def tensor_split(self, indices_or_sections, dim=0):
        d = _dim(dim, self.ndim, "tensor_split")
        if self.ndim == 0:
            raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
        n = self.shape[d]
        if isinstance(indices_or_sections, TensorBase):
            indices_or_sections = (indices_or_sections.item() if indices_or_sections.ndim == 0
                                   else indices_or_sections.tolist())
        if isinstance(indices_or_sections, numbers.Integral):
            k = int(indices_or_sections)
            if k <= 0:
                raise RuntimeError(f"number of sections must be larger than 0, got {k}")
            q, r = divmod(n, k)
            bounds = np.cumsum([0] + [q + 1] * r + [q] * (k - r))
        else:
            bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        out = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            a = min(a, n)
            out.append(self.narrow(d, int(a), int(max(b, a) - a)))
        return tuple(out)

    def _nsplit(self, sections, dim, name, min_dims):
        if self.ndim < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                               f"with {self.ndim} dimensions!")
        if isinstance(sections, numbers.Integral):
            if sections == 0 or self.shape[dim] % sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                                   f"dimension {self.shape[dim]} is not divisible by the split_size {sections}!")
        return self.tensor_split(sections, dim)

    def hsplit(self, sections):
        return self._nsplit(sections, 1 if self.ndim > 1 else 0, "hsplit", 1)

    def vsplit(self, sections):
        return self._nsplit(sections, 0, "vsplit", 2)

    def dsplit(self, sections):
        return self._nsplit(sections, 2, "dsplit", 3)

    def put(self, index, source, accumulate=False):
        if not isinstance(index, TensorBase) or index.dtype != int64:
            raise RuntimeError("put_(): Expected a long tensor for index, but got "
                               f"{index.dtype if isinstance(index, TensorBase) else type(index).__name__}")
        if source.dtype != self.dtype:
            raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                               f"self.dtype = {torch_dtype_name(self.dtype)} and source.dtype = "
                               f"{torch_dtype_name(source.dtype)}")
        if index.numel() != source.numel():
            raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                               f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
        n = self.numel()
        idx = index._data.reshape(-1)
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = idx.max() if idx.max() >= n else idx.min()
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
        flat = self.reshape(-1)
        out = flat.index_add(0, self._wrap(idx % max(n, 1)), source.reshape(-1)) if accumulate else \
            flat.index_copy(0, self._wrap(idx % max(n, 1)), source.reshape(-1))
        return out.reshape(self.shape)

    def index_put(self, indices, values, accumulate=False):
        if not isinstance(indices, (tuple, list)):
            raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
        index = tuple(indices)
        if accumulate:
            arr_idx = tuple(i._data if isinstance(i, TensorBase) else i for i in index)
            region = self[index]
            pos = np.arange(self.numel()).reshape(self.shape)[arr_idx].reshape(-1)
            vals = values.expand(region.shape).reshape(-1) if values.shape != region.shape else values.reshape(-1)
            return self.reshape(-1).index_add(0, self._wrap(pos.astype(np.int64)), vals).reshape(self.shape)
        out = self.clone()
        out[index] = values
        return out

    def sum_to_size(self, *size):
        if len(size) == 1 and not isinstance(size[0], numbers.Integral):
            size = tuple(size[0])
        size = tuple(size)
        try:
            np.broadcast_shapes(size, tuple(self.shape))
            ok = np.broadcast_shapes(size, tuple(self.shape)) == tuple(self.shape)
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(self.shape)}}}.".replace(
                "{[", "{").replace("]}", "}"))
        lead = self.ndim - len(size)
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and self.shape[lead + i] != 1)
        return self.sum(dims, keepdim=True).reshape(size) if dims else self.clone()

    # -- *_scatter: the input with a region replaced by ``src`` (differentiable in both) -------------
    def _region_scatter(self, src, region_of):
        """``self`` with ``region_of(positions)`` replaced by ``src`` (``region_of`` indexes an array of
        ``self``'s shape)."""
        pos = np.arange(self.numel()).reshape(self.shape)
        where = np.ascontiguousarray(region_of(pos))
        if tuple(src.shape) != where.shape:
            raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                               f"{list(src.shape)}, slice size = {list(where.shape)}")
        if src.dtype != self.dtype:
            src = src.type(self.dtype)
        flat = self.reshape(-1).index_copy(0, self._wrap(where.reshape(-1).astype(np.int64)), src.reshape(-1))
        return flat.reshape(self.shape)

    def select_scatter(self, src, dim, index):
        d = _dim(dim, self.ndim, "select_scatter")
        return self._region_scatter(src, lambda p: np.take(p, index, axis=d))

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        d = _dim(dim, self.ndim, "slice_scatter")
        sl = (slice(None),) * d + (slice(start, end, step),)
        return self._region_scatter(src, lambda p: p[sl])

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        d1, d2 = _dim(dim1, self.ndim, "diagonal_scatter"), _dim(dim2, self.ndim, "diagonal_scatter")
        return self._region_scatter(src, lambda p: np.diagonal(p, offset, d1, d2))
