"""Order statistics and counting: median/nanmedian, mode, kthvalue, quantile/nanquantile, cummax/cummin,
logcumsumexp, unique/unique_consecutive, histc, histogram, bincount, cov/corrcoef.

Values that select an element (median, kthvalue, mode, cummax, quantile) are gathered from the input
with differentiable ops, so the gradient flows to the selected elements as in PyTorch; the counting ops
return integer tensors (no gradient).
"""
import numbers

import numpy as np

from .. import ops
from .._args import normalize_dims
from .._spacing import linspace_values
from ..dtypes import torch_dtype_name
from ._base import TensorBase
from ._reduce import ValuesIndices


class MinMax(tuple):
    """(min, max) with attribute access, like ``torch.return_types.aminmax``."""

    def __new__(cls, lo, hi):
        return super().__new__(cls, (lo, hi))

    min = property(lambda self: self[0])  # noqa: A003
    max = property(lambda self: self[1])  # noqa: A003


class Histogram(tuple):
    """(hist, bin_edges) with attribute access, like ``torch.return_types.histogram``."""

    def __new__(cls, hist, bin_edges):
        return super().__new__(cls, (hist, bin_edges))

    hist = property(lambda self: self[0])
    bin_edges = property(lambda self: self[1])


_C_TYPE_NAMES = {"float32": "float", "float64": "double"}


def _dim(d, ndim, name):
    return normalize_dims(d, max(ndim, 1), name)[0]


class StatsMixin:
    """Order statistics and counting."""

    def _select_sorted(self, dim, keepdim, pick, name, nan_aware=False):
        """values/indices of the element at sorted position ``pick(counts)`` along ``dim`` (stable sort)."""
        if dim is None:
            flat = self.reshape(-1)
            if flat.numel() == 0:
                return self._wrap(np.full((), np.nan, self._data.dtype))
            r = flat._select_sorted(0, False, pick, name, nan_aware)[0]
            if not (self.requires_grad and self.dtype.kind == "f"):
                return r
            # the gradient is shared equally by the elements equal to the result, as PyTorch
            hit = (flat.isnan() if r.isnan().item() else flat == r).detach().type(flat.dtype)
            contrib = (self._where(hit._data, flat, 0) * hit).sum() / hit.sum()
            return contrib + (r - contrib).detach()
        d = _dim(dim, self.ndim, name)
        if self.dtype == bool:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
        x = self.reshape(1) if self.ndim == 0 else self
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        arr = np.moveaxis(x._data, d, -1)
        order = np.argsort(arr, axis=-1, kind="stable")  # NaN sort last
        nans = np.isnan(arr).sum(-1, keepdims=True) if arr.dtype.kind == "f" else np.zeros(arr.shape[:-1] + (1,), int)
        n = arr.shape[-1]
        pos = pick(n - nans if nan_aware else np.full_like(nans, n))
        if not nan_aware and arr.dtype.kind == "f":  # a NaN in the row is the result (the first NaN)
            pos = np.where(nans > 0, n - nans, pos)
        pos = np.clip(pos, 0, n - 1)
        idx = np.moveaxis(np.take_along_axis(order, pos, -1), -1, d)
        index = self._wrap(idx.astype(np.int64))
        values = x.gather(d, index)
        if not keepdim:
            values, index = values.squeeze(d), index.squeeze(d)
        if self.ndim == 0:
            values, index = values.reshape(()), index.reshape(())
        return ValuesIndices(values, index, name=name)

    def median(self, dim=None, keepdim=False):
        return self._select_sorted(dim, keepdim, lambda c: (c - 1) // 2, "median")

    def nanmedian(self, dim=None, keepdim=False):
        return self._select_sorted(dim, keepdim, lambda c: np.maximum(c - 1, 0) // 2, "nanmedian", nan_aware=True)

    def kthvalue(self, k, dim=-1, keepdim=False):
        d = _dim(dim, self.ndim, "kthvalue")
        size = self.shape[d] if self.ndim else 1
        if not 1 <= k <= size:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
        return self._select_sorted(d, keepdim, lambda c: np.full_like(c, k - 1), "kthvalue")

    def mode(self, dim=-1, keepdim=False):
        d = _dim(dim, self.ndim, "mode")
        x = self.reshape(1) if self.ndim == 0 else self
        arr = np.moveaxis(x._data, d, -1)
        flat = arr.reshape(-1, arr.shape[-1])
        vals_idx = np.zeros(flat.shape[0], np.int64)
        for r, row in enumerate(flat):
            uniq, inv, counts = np.unique(row, return_inverse=True, return_counts=True)
            best = np.argmax(counts)  # the smallest of the most frequent values, as PyTorch
            vals_idx[r] = np.nonzero(inv == best)[0][-1]  # its last position
        idx = np.moveaxis(vals_idx.reshape(arr.shape[:-1] + (1,)), -1, d)
        index = self._wrap(idx)
        values = x.gather(d, index)
        if not keepdim:
            values, index = values.squeeze(d), index.squeeze(d)
        if self.ndim == 0:
            values, index = values.reshape(()), index.reshape(())
        return ValuesIndices(values, index, name="mode")

    def _cum_extreme(self, dim, larger, name):
        d = _dim(dim, self.ndim, name)
        x = self.reshape(1) if self.ndim == 0 else self
        arr = np.moveaxis(x._data, d, -1)
        idx = np.zeros(arr.shape, np.int64)
        best = arr[..., 0].copy() if arr.shape[-1] else arr[..., :0]
        cur = np.zeros(arr.shape[:-1], np.int64)
        isf = arr.dtype.kind == "f"
        for i in range(arr.shape[-1]):
            v = arr[..., i]
            take = (v >= best) if larger else (v <= best)
            if isf:
                take = (take | np.isnan(v)) & ~np.isnan(best) | (np.isnan(v) & np.isnan(best))
            cur = np.where(take, i, cur)
            best = np.where(take, v, best)
            idx[..., i] = cur
        index = self._wrap(np.ascontiguousarray(np.moveaxis(idx, -1, d)))
        values = x.gather(d, index)
        if self.ndim == 0:
            values, index = values.reshape(()), index.reshape(())
        return ValuesIndices(values, index, name=name)

    def cummax(self, dim):
        return self._cum_extreme(dim, True, "cummax")

    def cummin(self, dim):
        return self._cum_extreme(dim, False, "cummin")

    def logcumsumexp(self, dim):
        d = _dim(dim, self.ndim, "logcumsumexp")
        x = self._to_float()
        if x.numel() == 0:
            return x.clone()
        m = x.amax(d, keepdim=True).detach() if x.ndim else x.detach()
        m = self._where(m.isinf() | m.isnan(), m * 0, m)
        return (x - m).exp().cumsum(d).log() + m

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return self._quantile(q, dim, keepdim, interpolation, False)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return self._quantile(q, dim, keepdim, interpolation, True)

    def _quantile(self, q, dim, keepdim, interpolation, ignore_nan):
        name = "nanquantile" if ignore_nan else "quantile"
        if self.dtype.kind != "f" or self._data.dtype == np.float16:
            raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
        if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
            raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                               f"but got {interpolation}")
        qs = q._data if isinstance(q, TensorBase) else np.asarray(q, dtype=self._data.dtype)
        if isinstance(q, TensorBase) and q.dtype != self.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        if qs.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if ((qs < 0) | (qs > 1)).any():
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else _dim(dim, self.ndim, name)
        if x.ndim == 0:
            x = x.reshape(1)
        if x.numel() == 0:
            raise IndexError(f"{name}() input tensor must be non-empty")
        s = x.sort(d)[0].movedim(d, -1)  # NaN last
        n = s.shape[-1]
        nan = s.isnan()._data
        valid = n - nan.sum(-1, keepdims=True) if ignore_nan else np.full(s.shape[:-1] + (1,), n)
        rank = qs.reshape(-1) * (valid - 1)  # (..., len(q))
        lo, hi = np.floor(rank), np.ceil(rank)
        if interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        elif interpolation == "nearest":
            lo = hi = np.round(rank)
        lo_i = np.clip(lo, 0, n - 1).astype(np.int64)
        hi_i = np.clip(hi, 0, n - 1).astype(np.int64)
        a, b = s.gather(-1, self._wrap(lo_i)), s.gather(-1, self._wrap(hi_i))
        if interpolation == "midpoint":
            w = np.where(hi_i > lo_i, 0.5, 0.0).astype(self._data.dtype)
        else:
            w = (rank - lo).astype(self._data.dtype)
        out = a + (b - a) * self._wrap(w) if interpolation in ("linear", "midpoint") else a
        bad = (nan.any(-1, keepdims=True) if not ignore_nan else valid == 0) & np.ones(out.shape, bool)
        out = self._where(bad, float("nan"), out).type(self.dtype)
        out = out.movedim(-1, 0)  # q first, as PyTorch
        if keepdim:
            if dim is None:
                out = out.reshape((out.shape[0],) + (1,) * self.ndim)
            else:
                out = out.unsqueeze(d + 1)
        return out.squeeze(0) if qs.ndim == 0 else out

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        arr = self._data
        if dim is None:
            u, inv, counts = np.unique(arr.reshape(-1), return_inverse=True, return_counts=True)
            inv = inv.reshape(arr.shape)
        else:
            d = _dim(dim, self.ndim, "unique")
            u, inv, counts = np.unique(arr, return_inverse=True, return_counts=True, axis=d)
            inv = inv.reshape(-1)
        out = [self._wrap(u)]
        if return_inverse:
            out.append(self._wrap(inv.astype(np.int64)))
        if return_counts:
            out.append(self._wrap(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        arr = self._data
        d = 0 if dim is None else _dim(dim, self.ndim, "unique_consecutive")
        a = arr.reshape(-1) if dim is None else np.moveaxis(arr, d, 0)
        n = a.shape[0]
        if n == 0:
            starts = np.zeros(0, np.int64)
        else:
            change = np.ones(n, bool)
            change[1:] = (a[1:] != a[:-1]).reshape(n - 1, -1).any(1)
            starts = np.nonzero(change)[0]
        u = a[starts] if dim is None else np.moveaxis(a[starts], 0, d)
        out = [self._wrap(np.ascontiguousarray(u))]
        if return_inverse:
            inv = np.cumsum(np.ones(n, bool) if n == 0 else change) - 1
            out.append(self._wrap(inv.reshape(arr.shape if dim is None else (n,)).astype(np.int64)))
        if return_counts:
            out.append(self._wrap(np.diff(np.append(starts, n)).astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    def histc(self, bins=100, min=0, max=0):  # noqa: A002
        if self.dtype.kind != "f":
            raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{torch_dtype_name(self.dtype)}'")
        if bins <= 0:
            raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
        arr = self._data.reshape(-1)
        lo, hi = float(min), float(max)
        if lo == hi and arr.size:
            lo, hi = float(arr.min()), float(arr.max())
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        if lo > hi:
            raise RuntimeError("torch.histc(): max must be larger than min")
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histc(): range of [{lo}, {hi}] is not finite")
        inside = arr[(arr >= lo) & (arr <= hi)]
        pos = ((inside - lo) * bins / (hi - lo)).astype(np.int64)
        pos = np.minimum(pos, bins - 1)
        return self._wrap(np.bincount(pos, minlength=bins).astype(self._data.dtype))

    def histogram(self, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
        """(hist, bin_edges) of the flattened input: ``bins`` equal bins over ``range`` (default: the data's
        min and max) or the given edges; each bin holds its left edge, the last one both. PyTorch's
        bin edges (its linspace) and bin choice; ``weight`` adds each element's weight instead of 1."""
        x = self._data.reshape(-1)
        if x.dtype.kind != "f":
            raise NotImplementedError(f"\"histogramdd\" not implemented for '{torch_dtype_name(x.dtype)}'")
        cname = _C_TYPE_NAMES.get(x.dtype.name, x.dtype.name)
        if isinstance(bins, TensorBase):
            edges = bins._data
            if edges.dtype != x.dtype:
                raise RuntimeError(
                    "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input "
                    f"with dtype {cname} and bins for dimension 0 with dtype "
                    f"{_C_TYPE_NAMES.get(edges.dtype.name, edges.dtype.name)}")
            if edges.ndim != 1:
                raise RuntimeError("torch.histogramdd: bins tensor should have one dimension, but got "
                                   f"{edges.ndim} dimensions in the bins tensor for dimension 0")
            if edges.size == 0:
                raise RuntimeError("torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
                                   "elements in the bins tensor for dimension 0")
            edges = np.array(edges, copy=True)
        else:
            if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
                raise TypeError(f"histogram(): argument 'bins' must be Tensor or int, not {type(bins).__name__}")
            if bins <= 0:
                raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
            if range is not None:
                if len(range) != 2:
                    raise RuntimeError("torch.histogramdd: for a 1-dimensional histogram range should have 2 "
                                       f"elements, but got {len(range)}")
                lo, hi = float(range[0]), float(range[1])
            elif x.size:
                lo, hi = float(x.min()), float(x.max())
            else:
                lo, hi = 0.0, 1.0
            if not (np.isfinite(lo) and np.isfinite(hi)):
                raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is not finite")
            if lo > hi:
                raise RuntimeError("torch.histogramdd: min should not exceed max, but got min "
                                   f"{lo:g} max {hi:g} for dimension 0")
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            edges = linspace_values(lo, hi, int(bins) + 1, x.dtype).astype(x.dtype)
        w = None
        if weight is not None:
            w = weight._data.reshape(-1)
            if w.dtype != x.dtype:
                raise RuntimeError(
                    "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have "
                    f"the same dtype, but got input({cname}), and weight({_C_TYPE_NAMES.get(w.dtype.name, w.dtype.name)})")
            if w.size != x.size:
                raise RuntimeError(
                    "torch.histogramdd: if weight tensor is provided it should have the same shape as the input "
                    f"tensor excluding its innermost dimension, but got input with shape [{x.size}, 1] and weight "
                    f"with shape [{w.size}]")
        n_bins = edges.size - 1
        keep = (x >= edges[0]) & (x <= edges[-1])
        pos = np.searchsorted(edges, x[keep], side="right") - 1
        pos[pos == n_bins] = n_bins - 1
        hist = np.zeros(n_bins, x.dtype)
        np.add.at(hist, pos, 1 if w is None else w[keep])  # in element order, in the input's dtype
        if density:
            hist = hist / hist.sum(dtype=x.dtype) / np.diff(edges)
        out = self._wrap(hist.astype(x.dtype, copy=False)), self._wrap(edges)
        if self.requires_grad or (weight is not None and weight.requires_grad):
            inputs = (self,) if weight is None else (self, weight)
            out = tuple(ops.shape_index.NoDerivative.apply("histogram", o, *inputs) for o in out)
        return Histogram(*out)

    def bincount(self, weights=None, minlength=0):
        if self.ndim != 1 or self.dtype.kind not in "iub" or self.dtype == bool:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        arr = self._data
        if arr.size and arr.min() < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        if minlength < 0:
            raise RuntimeError("minlength should be >= 0")
        if weights is None:
            return self._wrap(np.bincount(arr, minlength=minlength).astype(np.int64))
        if weights.shape != self.shape:
            raise RuntimeError("weights should be 1-d and have the same length as input")
        w = weights._data
        out_dtype = w.dtype if w.dtype.kind == "f" and w.dtype != np.float16 else np.float64  # (PyTorch: Half -> Double)
        return self._wrap(np.bincount(arr, weights=w, minlength=minlength).astype(out_dtype))

    def cov(self, *, correction=1, fweights=None, aweights=None):
        if self.ndim > 2:
            raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                               f"{self.ndim} dimensions")
        x = self._to_float()
        x = x.reshape(1, -1) if x.ndim < 2 else x
        n = x.shape[1]
        w = None
        if fweights is not None:
            w = fweights.type(x.dtype)
        if aweights is not None:
            w = aweights.type(x.dtype) if w is None else w * aweights.type(x.dtype)
        if w is None:
            mean = x.mean(1, keepdim=True)
            wsum = n
            norm = n - correction
        else:
            wsum = w.sum()
            mean = (x * w).sum(1, keepdim=True) / wsum
            norm = wsum - correction * ((w * aweights.type(x.dtype)).sum() / wsum if aweights is not None else 1)
        xc = x - mean
        prod = (xc * w).mm(xc.t()) if w is not None else xc.mm(xc.t())
        out = prod / norm if not isinstance(norm, (int, float)) or norm > 0 else prod / max(norm, 0)
        return out.squeeze() if self.ndim < 2 else out

    def corrcoef(self):
        c = self.cov()
        if c.ndim == 0:
            return c / c
        dg = c.diagonal()
        std = dg.sqrt()
        out = c / std.unsqueeze(1) / std.unsqueeze(0)
        return out.clamp(-1, 1)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind != "f":
            raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                               f"{torch_dtype_name(x.dtype)}")
        kept = ~x.isnan()
        return x.nansum(dim, keepdim) / kept.sum(dim, keepdim)

    def aminmax(self, *, dim=None, keepdim=False):
        if self.numel() == 0 and dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        lo = self.amin(() if dim is None else dim, keepdim)
        hi = self.amax(() if dim is None else dim, keepdim)
        return MinMax(lo, hi)

    # trapezoid, cumulative_trapezoid: torch.* functions only (no Tensor method in PyTorch)
    def _trapezoid(self, x=None, *, dx=None, dim=-1):
        d = _dim(dim, self.ndim, "trapezoid")
        n = self.shape[d] if self.ndim else 0
        if n == 0:
            return self.sum(d) * 0 if self.ndim else self * 0
        y = self.narrow(d, 1, n - 1) + self.narrow(d, 0, n - 1)
        if x is None:
            return (y.sum(d) * ((1 if dx is None else dx) / 2))
        if x.ndim == 1:
            shape = [1] * self.ndim
            shape[d] = x.shape[0]
            x = x.reshape(shape)
        dxs = x.diff(dim=d if x.ndim == self.ndim else -1)
        return (y * dxs).sum(d) / 2

    def _cumulative_trapezoid(self, x=None, *, dx=None, dim=-1):
        d = _dim(dim, self.ndim, "cumulative_trapezoid")
        n = self.shape[d]
        y = self.narrow(d, 1, max(n - 1, 0)) + self.narrow(d, 0, max(n - 1, 0))
        if x is None:
            return (y * ((1 if dx is None else dx) / 2)).cumsum(d)
        if x.ndim == 1:
            shape = [1] * self.ndim
            shape[d] = x.shape[0]
            x = x.reshape(shape)
        return (y * x.diff(dim=d)).cumsum(d) / 2

    def _gradient(self, spacing=1, dim=None, edge_order=1):
        """``torch.gradient``: second-order central differences inside, first- or second-order one-sided
        differences at the ends, along each dim in ``dim`` (all dims by default), with a uniform ``spacing``
        (a number, or one per dim) or coordinates (one 1-D tensor per dim); PyTorch's formulas and checks."""
        if self.dtype == np.uint8:
            raise RuntimeError("torch.gradient does not support uint8 input.")
        dims = list(range(self.ndim)) if dim is None else [dim] if isinstance(dim, numbers.Integral) else list(dim)
        if spacing is None:
            spacing = 1.0
        if isinstance(spacing, TensorBase) and spacing.ndim == 0:
            spacing = spacing.item()
        coords = None
        if isinstance(spacing, numbers.Number):
            spacing = [spacing] * len(dims)
        else:
            spacing = list(spacing)
            if len(spacing) != len(dims):
                if dim is None:
                    raise RuntimeError(
                        "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
                        f"'self.dim() = {self.ndim}', since dim argument was not given, but got a list of length "
                        f"{len(spacing)}")
                raise RuntimeError(
                    "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments "
                    f"to have the same length, but got a spacing argument of length {len(spacing)} and a dim "
                    f"argument of length {len(dims)}.")
            if any(isinstance(h, TensorBase) for h in spacing):
                for i, h in enumerate(spacing):
                    if not isinstance(h, TensorBase):
                        raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(h).__name__}")
                coords = spacing
        if edge_order not in (1, 2):
            raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
        if dim is not None:
            normalize_dims(dims, self.ndim, "gradient")  # PyTorch's IndexError / repeated-dim error
        dims = [d % max(self.ndim, 1) for d in dims]
        if any(self.shape[d] < edge_order + 1 for d in dims):
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        out = []
        for i, d in enumerate(dims):
            n = self.shape[d]

            def sl(start, stop, d=d, n=n):  # at::slice(self, d, start, stop)
                start, stop = start % n if start < 0 else start, n if stop is None else stop % n if stop < 0 else stop
                return self.narrow(d, start, stop - start)

            if coords is None:
                h = spacing[i]
                center = (sl(2, None) - sl(0, -2)) / h / 2
                if edge_order == 1:
                    first, last = (sl(1, 2) - sl(0, 1)) / h, (sl(-1, None) - sl(-2, -1)) / h
                else:
                    first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / h
                    last = (0.5 * sl(-3, -2) - 2 * sl(-2, -1) + 1.5 * sl(-1, None)) / h
            else:
                x = coords[i]
                if x.ndim != 1:
                    raise RuntimeError("torch.gradient expected each element of spacing to have one dimension, but "
                                       f"got an element with {x.ndim} dimensions!")
                shape = [1] * self.ndim
                shape[d] = -1
                dx = x.diff(1, 0)
                dx1, dx2 = dx[:-1], dx[1:]
                a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
                b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
                c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
                center = a * sl(0, -2) + b * sl(1, -1) + c * sl(2, None)
                if edge_order == 1:
                    first, last = (sl(1, 2) - sl(0, 1)) / dx[0], (sl(-1, None) - sl(-2, -1)) / dx[-1]
                else:
                    a = -(2.0 * dx[0] + dx[1]) / (dx[0] * (dx[0] + dx[1]))
                    b = (dx[0] + dx[1]) / (dx[0] * dx[1])
                    c = (-dx[0]) / (dx[1] * (dx[0] + dx[1]))
                    first = a * sl(0, 1) + b * sl(1, 2) + c * sl(2, 3)
                    a = dx[-1] / (dx[-2] * (dx[-1] + dx[-2]))
                    b = -(dx[-1] + dx[-2]) / (dx[-1] * dx[-2])
                    c = (2 * dx[-1] + dx[-2]) / (dx[-1] * (dx[-1] + dx[-2]))
                    last = a * sl(-3, -2) + b * sl(-2, -1) + c * sl(-1, None)
            out.append(ops.Cat.apply(d, first, center, last))
        return tuple(out)
