"""Reductions: sum, mean, var/std, max/min (all and along a dim), amax/amin, prod, logsumexp, cumsum/cumprod,
vector norms.

Array level: each Function takes and returns NumPy arrays; argument checks and dtype promotion happen
in the Tensor methods (``miniconv/tensor/``) before ``apply``.
"""
import math
import warnings

import numpy as np

from ..autograd.composite import recomputed_backward
from ..autograd.function import ArrayFunction
from ..dtypes import _HALF, computes_half_in_float32, to_half
from .arith import Where
from .shape_index import Cat, Index, IndexGrad, _along_index


def _expand_reduced_graph(g, shape, dim, keepdim):
    """``_expand_reduced`` with Tensor ops (create_graph=True)."""
    if dim is None and not keepdim:
        g = g.reshape((1,) * len(shape))
    elif dim is not None and not keepdim:
        for d in sorted(d % len(shape) for d in dim):
            g = g.unsqueeze(d)
    return g.expand(*shape) if tuple(g._data.shape) != tuple(shape) else g


def _expand_reduced(g, shape, dim, keepdim):
    """Broadcast a reduced gradient back to ``shape``."""
    if dim is not None and not keepdim:
        g = np.expand_dims(g, dim)
    return np.broadcast_to(g, shape)


class Sum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx._torch_name = "SumBackward0" if dim is None else "SumBackward1"
        # integer and bool sums are int64 as in PyTorch (NumPy gives uint64 for unsigned)
        if a.dtype == _HALF:  # PyTorch accumulates float16 in float32 and rounds once (NumPy: in float16)
            return np.asarray(to_half(np.sum(a, axis=dim, keepdims=keepdim, dtype=np.float32)))
        # np.add.reduce: what np.sum calls for an ndarray, without its Python wrapper (~1.5 us)
        out = np.add.reduce(a, axis=dim, dtype=np.int64 if a.dtype.kind in "biu" else None, keepdims=keepdim)
        return out if type(out) is np.ndarray else np.asarray(out)

    @staticmethod
    def backward(ctx, g):
        return np.ascontiguousarray(_expand_reduced(g, ctx.shape, ctx.dim, ctx.keepdim)), None, None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors (see ArrayFunction)
        return _expand_reduced_graph(g, ctx.shape, ctx.dim, ctx.keepdim), None, None


class Mean(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        ctx._torch_name = "MeanBackward0" if dim is None else "MeanBackward1"
        n = a.size if dim is None else math.prod([a.shape[d] for d in dim])
        ctx.n = n
        if n == 0:  # NaN, without NumPy's "Mean of empty slice" warning (PyTorch is silent)
            return np.asarray(np.sum(a, axis=dim, keepdims=keepdim) / np.asarray(0, a.dtype))
        return np.asarray(np.mean(a, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        g = _expand_reduced(g, ctx.shape, ctx.dim, ctx.keepdim)
        return g / np.asarray(ctx.n, dtype=g.dtype), None, None

    @staticmethod
    def backward_graph(ctx, g):
        return _expand_reduced_graph(g, ctx.shape, ctx.dim, ctx.keepdim) / ctx.n, None, None


@computes_half_in_float32
class Var(ArrayFunction):
    """Variance (``take_sqrt=False``) or standard deviation over ``dim``. float32 input is reduced in float64
    and rounded at the end, as PyTorch's CPU kernel (its Welford accumulator is double): the squares of
    values near 1e30 then do not overflow, and ``std`` of them is finite even where ``var`` is not."""

    @staticmethod
    def forward(ctx, a, dim, correction, keepdim, take_sqrt):
        n = a.size if dim is None else math.prod([a.shape[d] for d in dim])
        wide = a.astype(np.float64) if a.dtype == np.float32 else a
        if n - correction <= 0:
            warnings.warn(f"{'std' if take_sqrt else 'var'}(): degrees of freedom is <= 0. Correction should be "
                          "strictly less than the reduction factor (input numel divided by output numel).",
                          UserWarning, stacklevel=4)
        # NumPy's var, written out so that no slice (empty, or with <= 0 degrees of freedom) warns
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            mean = np.sum(wide, axis=dim, keepdims=True) / np.asarray(n, wide.dtype)
            dev = wide - mean
            out = np.sum(dev * dev, axis=dim, keepdims=keepdim) / np.asarray(max(n - correction, 0), wide.dtype)
            out = np.asarray(np.sqrt(out) if take_sqrt else out).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, mean.astype(a.dtype, copy=False), out)
        ctx.dim, ctx.keepdim, ctx.denom = dim, keepdim, n - correction  # negative as in PyTorch (gradient -0, not nan)
        ctx.take_sqrt = take_sqrt
        return out

    @staticmethod
    def backward(ctx, g):
        a, mean, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.take_sqrt:  # PyTorch's std_backward: where the std is 0 the gradient is 0 (not 0 * inf = nan)
                g = np.where(out == 0, np.zeros((), out.dtype), g / (2 * out))
            g = _expand_reduced(g, a.shape, ctx.dim, ctx.keepdim)
            return g * 2 * (a - mean) / np.asarray(ctx.denom, dtype=a.dtype), None, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        a = ctx.saved_input(0)
        if ctx.take_sqrt:
            out = ctx.saved_output()
            g = Where.apply(out._data == 0, np.zeros((), g._data.dtype), g / (2 * out))
        dims = ctx.dim if ctx.dim is not None else tuple(range(a.ndim))
        g = _expand_reduced_graph(g, a._data.shape, ctx.dim, ctx.keepdim)
        return g * 2 * (a - a.mean(dim=dims, keepdim=True)) / ctx.denom, None, None, None, None


class MaxAll(ArrayFunction):
    """max (or, with ``is_min``, min) over all elements; ties share the gradient evenly (PyTorch's amax
    rule). Computed directly, never as ``-max(-x)``, which is wrong for unsigned and most-negative values."""

    @staticmethod
    def forward(ctx, a, is_min=False):
        out = np.asarray(a.min() if is_min else a.max())
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        # PyTorch's evenly_distribute_backward: a NaN result shares the gradient among the NaNs
        mask = np.isnan(a) if np.isnan(out) else a == out
        return mask * (g / mask.sum().astype(a.dtype)), None

    @staticmethod
    def backward_graph(ctx, g):
        a, out = ctx.saved_tensors
        mask = (np.isnan(a) if np.isnan(out) else a == out).astype(g._data.dtype)
        return g * ctx.constant(mask / mask.sum()), None


class MaxDim(ArrayFunction):
    """(values, indices) of the max (``is_min``: min) along ``dim``; the gradient goes to the returned index."""

    @staticmethod
    def forward(ctx, a, dim, keepdim, is_min=False):
        idx = np.argmin(a, axis=dim) if is_min else np.argmax(a, axis=dim)
        idx_k = np.expand_dims(idx, dim)
        vals = np.take_along_axis(a, idx_k, axis=dim)
        ctx.shape, ctx.dim = a.shape, dim
        ctx.save_for_backward(idx_k)
        if not keepdim:
            vals = np.squeeze(vals, dim)
            idx_out = idx
        else:
            idx_out = idx_k
        idx_out = idx_out.astype(np.int64)
        ctx.keepdim = keepdim
        ctx.mark_non_differentiable(idx_out)
        return vals, idx_out

    @staticmethod
    def backward(ctx, g, g_idx):
        (idx_k,) = ctx.saved_tensors
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.dim)
        out = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(out, idx_k, g, axis=ctx.dim)
        return out, None, None, None

    @staticmethod
    def backward_graph(ctx, g, g_idx):
        (idx_k,) = ctx.saved_tensors
        if not ctx.keepdim:
            g = g.unsqueeze(ctx.dim)
        return IndexGrad.apply(g, ctx.shape, _along_index(idx_k, ctx.dim)), None, None, None


def _prod_except_self(a, axis):
    """Product of all other elements along ``axis`` for each element (exact with zeros)."""
    n = a.shape[axis]
    ones = np.ones_like(np.take(a, [0], axis=axis))
    left = np.concatenate([ones, np.cumprod(np.take(a, range(n - 1), axis=axis), axis=axis)], axis=axis)
    rev = np.flip(a, axis)
    right = np.flip(np.concatenate([ones, np.cumprod(np.take(rev, range(n - 1), axis=axis), axis=axis)],
                                   axis=axis), axis)
    return left * right


def _prod_except_self_graph(x, dim):
    """``_prod_except_self`` with Tensor ops (create_graph=True, inputs holding a zero): products of the slices
    before and after each slice along ``dim``, built as chains of multiplications."""
    n = x.shape[dim]
    slices = [Index.apply(x, (slice(None),) * dim + (slice(k, k + 1),)) for k in range(n)]
    before, after = [None] * n, [None] * n
    acc = None
    for k in range(n):
        before[k] = acc
        acc = slices[k] if acc is None else acc * slices[k]
    acc = None
    for k in reversed(range(n)):
        after[k] = acc
        acc = slices[k] if acc is None else acc * slices[k]
    ones = np.ones(slices[0].shape, x._data.dtype)
    parts = [b * c if b is not None and c is not None else b if b is not None else c if c is not None
             else ArrayFunction.constant(ones) for b, c in zip(before, after)]
    return Cat.apply(dim, *parts)


class Prod(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.save_for_backward(a)
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.asarray(np.prod(a, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        if a.size == 0:
            return np.zeros_like(a), None, None
        if ctx.dim is None:
            others = _prod_except_self(a.reshape(-1), 0).reshape(a.shape)
            return g * others, None, None
        g = g if ctx.keepdim else np.expand_dims(g, ctx.dim)
        return g * _prod_except_self(a, ctx.dim), None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: PyTorch's ``grad * result / input`` without zeros; with a zero, the products of
        the other slices built as chains of multiplications."""
        (a,) = ctx.saved_tensors
        x = ctx.saved_input(0)
        if a.size == 0:
            return ctx.constant(np.zeros_like(a)), None, None
        dim = ctx.dim
        if dim is None:
            x, dim = x.reshape(-1), 0
        g = g if ctx.keepdim or ctx.dim is None else g.unsqueeze(dim)
        if np.all(a != 0):
            out = ctx.output_from(np.asarray(np.prod(a, axis=ctx.dim, keepdims=ctx.keepdim)))
            out = out if ctx.keepdim or ctx.dim is None else out.unsqueeze(dim)
            return (g * out / x).reshape(a.shape), None, None
        return (g * _prod_except_self_graph(x, dim)).reshape(a.shape), None, None


class AMax(ArrayFunction):
    """amax/amin over ``dims`` (tuple or None); ties share the gradient evenly."""

    @staticmethod
    def forward(ctx, a, dims, keepdim, is_min):
        out = np.asarray((np.amin if is_min else np.amax)(a, axis=dims, keepdims=True))
        ctx.save_for_backward(a, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out if keepdim else np.asarray(np.squeeze(out, axis=dims) if dims is not None else out.reshape(()))

    @staticmethod
    def backward(ctx, g, *_):
        a, out = ctx.saved_tensors
        g = g.reshape(out.shape)
        mask = (a == out).astype(g.dtype)
        count = mask.sum(axis=ctx.dims, keepdims=True)
        return g * mask / count, None, None, None

    @staticmethod
    def backward_graph(ctx, g, *_):  # the tie-sharing mask is a constant
        a, out = ctx.saved_tensors
        mask = (a == out).astype(g._data.dtype)
        return g.reshape(out.shape) * ctx.constant(mask / mask.sum(axis=ctx.dims, keepdims=True)), None, None, None


class LogSumExp(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dims, keepdim):
        m = np.amax(a, axis=dims, keepdims=True) if a.size else np.zeros((1,) * a.ndim, a.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(a - m), axis=dims, keepdims=True)) + m
        ctx.save_for_backward(a, out)
        ctx.dims = dims
        return np.asarray(out if keepdim else (np.squeeze(out, axis=dims) if dims is not None else out.reshape(())))

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g.reshape(out.shape) * np.exp(a - out), None, None

    @staticmethod
    def backward_graph(ctx, g):
        a = ctx.saved_input(0)
        _, out = ctx.saved_tensors
        lse = ctx.output_from(out.reshape(ctx.output_meta[0][0])).reshape(out.shape)  # the output, on the graph
        return g.reshape(out.shape) * (a - lse).exp(), None, None


class CumSum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        if a.dtype == _HALF:  # accumulated in float32, each output rounded, as PyTorch
            return to_half(np.cumsum(a, axis=dim, dtype=np.float32))
        return np.cumsum(a, axis=dim, dtype=a.dtype if a.dtype.kind == "f" else np.int64)

    @staticmethod
    def backward(ctx, g):
        acc = np.float32 if g.dtype == _HALF else None
        out = np.flip(np.cumsum(np.flip(g, ctx.dim), axis=ctx.dim, dtype=acc), ctx.dim)
        return out.astype(g.dtype, copy=False), None

    @staticmethod
    def backward_graph(ctx, g):
        return g.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None


class CumProd(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim):
        out = np.cumprod(a, axis=dim, dtype=a.dtype if a.dtype.kind == "f" else np.int64)
        ctx.save_for_backward(a, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        d = ctx.dim
        if a.size <= 1 or a.shape[d] == 1:  # PyTorch's cumprod_backward: the gradient itself
            return np.array(g, copy=True), None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            fast = np.flip(np.cumsum(np.flip(g * out, d), axis=d), d) / a
        if np.all(a != 0):
            return fast, None
        # slices holding a zero (PyTorch's slice-by-slice rule), exactly: d out_j / d a_i =
        # prod_{k <= j, k != i} a_k for j >= i; the other slices keep the division formula
        n = a.shape[d]
        am, gm = np.moveaxis(a, d, -1), np.moveaxis(g, d, -1)
        res = np.empty_like(am)
        for i in range(n):
            b = am.copy()
            b[..., i] = 1
            c = np.cumprod(b, axis=-1)
            res[..., i] = np.sum((gm * c)[..., i:], axis=-1)
        has_zero = (am == 0).any(axis=-1, keepdims=True)
        return np.moveaxis(np.where(has_zero, res, np.moveaxis(fast, d, -1)), -1, d), None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: PyTorch's reversed cumsum of ``grad * result`` over the input without zeros;
        with a zero, the cumulative product again as a chain of multiplications, differentiated on the graph."""
        a, _ = ctx.saved_tensors
        d = ctx.dim
        if a.size <= 1 or a.shape[d] == 1:
            return g, None
        if np.all(a != 0):
            return (g * ctx.saved_output()).flip(d).cumsum(d).flip(d) / ctx.saved_input(0), None

        def chain(x, dim):
            outs = [Index.apply(x, (slice(None),) * dim + (slice(0, 1),))]
            for k in range(1, x.shape[dim]):
                outs.append(outs[-1] * Index.apply(x, (slice(None),) * dim + (slice(k, k + 1),)))
            return Cat.apply(dim, *outs)

        return recomputed_backward(ctx, chain, (a, d), (g,))


class VectorNorm(ArrayFunction):
    """``linalg.vector_norm(a, ord, dims, keepdim)``; the gradient at a zero vector is 0, as PyTorch."""

    @staticmethod
    def forward(ctx, a, ord, dims, keepdim):  # noqa: A002
        x = np.abs(a)
        n = x.size if dims is None else math.prod([x.shape[d] for d in dims])
        if n == 1 and ord != 0:
            out = x  # as PyTorch, a norm of one element is its absolute value (1e30 squared overflows)
        elif ord == np.inf:
            out = (np.amax(x, axis=dims, keepdims=True) if x.size else  # the kept dims keep their size
                   np.zeros([1 if dims is None or i in dims else s for i, s in enumerate(x.shape)], x.dtype))
        elif ord == -np.inf:
            out = np.amin(x, axis=dims, keepdims=True)
        elif ord == 0:
            out = np.sum(x != 0, axis=dims, keepdims=True).astype(a.dtype)
        elif ord == 1:
            out = np.sum(x, axis=dims, keepdims=True)
        elif ord == 2:
            with np.errstate(over="ignore"):  # float32 squares past 3.4e38 are inf, as in PyTorch
                out = np.sqrt(np.sum(x * x, axis=dims, keepdims=True))
        else:
            with np.errstate(divide="ignore"):
                out = np.power(np.sum(np.power(x, ord), axis=dims, keepdims=True), 1.0 / ord)
        out = out.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        ctx.ord, ctx.dims = ord, dims
        return np.asarray(out if keepdim else (np.squeeze(out, axis=dims) if dims is not None else out.reshape(())))

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        g = g.reshape(out.shape)
        p = ctx.ord
        if p == 0:
            return None, None, None, None  # PyTorch: the 0-"norm" (a count) has no gradient
        sgn = np.where(np.isnan(a), 0, np.sign(a))  # PyTorch's sgn(nan) is 0
        with np.errstate(all="ignore"):
            if p == 1:
                gi = g * sgn
            elif p in (np.inf, -np.inf):  # PyTorch's rule: every element equal to the norm, or NaN, shares it
                mask = ((np.abs(a) == out) | np.isnan(a)).astype(a.dtype)
                gi = sgn * (g / mask.sum(axis=ctx.dims, keepdims=True)) * mask
            elif p == 2:
                gi = np.where(out == 0, 0, g * a / out)
            else:
                gi = np.where(out == 0, 0, g * a * np.power(np.abs(a), p - 2) / np.power(out, p - 1))
        return gi.astype(a.dtype, copy=False), None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        # backward's formulas with Tensor ops: for ord 1 and +-inf the sign and the mask of the elements equal
        # to the norm are constants (piecewise linear); for other orders the norm is recomputed with Tensor ops
        # so that its own derivatives follow (0 at a zero vector)
        a_arr, out = ctx.saved_tensors
        p = ctx.ord
        g = g.reshape(out.shape)
        if p == 0:
            return None, None, None, None
        sgn = np.where(np.isnan(a_arr), 0, np.sign(a_arr))
        if p == 1:
            return g * ctx.constant(sgn.astype(a_arr.dtype)), None, None, None
        if p in (np.inf, -np.inf):
            mask = ((np.abs(a_arr) == out) | np.isnan(a_arr)).astype(a_arr.dtype)
            return g * ctx.constant(sgn * mask / mask.sum(axis=ctx.dims, keepdims=True)), None, None, None
        a = ctx.saved_input(0)
        dims = ctx.dims if ctx.dims is not None else tuple(range(a.ndim))
        zero = np.zeros((), g._data.dtype)
        if p == 2:
            norm = (a * a).sum(dim=dims, keepdim=True).sqrt() if a.ndim else a.abs()
            safe_norm = Where.apply(out == 0, np.ones((), out.dtype), norm)
            return Where.apply(out == 0, zero, g * a / safe_norm), None, None, None
        norm = a.abs().pow(p).sum(dim=dims, keepdim=True).pow(1.0 / p) if a.ndim else a.abs()
        safe_norm = Where.apply(out == 0, np.ones((), out.dtype), norm)
        gi = g * a * a.abs().pow(p - 2) / safe_norm.pow(p - 1)
        return Where.apply(out == 0, zero, gi), None, None, None
