"""The core Tensor operations as autograd Functions: arithmetic, reductions, shape ops, indexing.

Each Function keeps its derivative right next to its forward. Gradients of broadcast inputs
are reduced back to the input's shape by the engine (``autograd._sum_to``), so the binary
ops below return the full-size gradient.
"""
import numpy as np

from . import _kernels
from ._config import threads_for
from .autograd import ArrayFunction


# ---------------------------------------------------------------------------
# Elementwise arithmetic
# ---------------------------------------------------------------------------
class Add(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if ctx.needs_input_grad[0] else None, g * a if ctx.needs_input_grad[1] else None)


class Div(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(ArrayFunction):
    """a ** b for a Tensor base and a Tensor (or array) exponent."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = g * b * np.power(a, b - 1) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0).astype(out.dtype)
        return ga, gb


class PowScalar(ArrayFunction):
    @staticmethod
    def forward(ctx, a, p):
        ctx.save_for_backward(a)
        ctx.p = p
        return np.power(a, np.asarray(p, dtype=a.dtype))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return np.zeros_like(a), None
        return g * p * np.power(a, np.asarray(p - 1, dtype=a.dtype)), None


class Neg(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g


def _matmul(a, b):
    """``np.matmul`` whose bits do not depend on the thread count (issue 11: ``Tensor @`` differed
    between thread counts because multi-threaded BLAS splits its sums by thread). 2-D float products
    go through ``_kernels.matmul_rows`` (fixed, shape-determined blocks; single-threaded BLAS inside);
    other float products run BLAS on one thread; integer products never use BLAS."""
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        return np.matmul(a, b)
    from ._config import blas_single_thread

    if a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype:
        a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
        c = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
        with blas_single_thread():
            _kernels.matmul_rows(a, b, c, False, False, threads_for(a.shape[0] * a.shape[1] * b.shape[1]))
        return c
    with blas_single_thread():
        return np.matmul(a, b)


class MatMul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if ctx.needs_input_grad[0] else None, g * a if ctx.needs_input_grad[1] else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if ctx.needs_input_grad[0]:
            ga = _matmul(g2, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = ga.reshape(ga.shape[:-2] + (ga.shape[-1],)).reshape(-1, a.shape[0]).sum(0)
        if ctx.needs_input_grad[1]:
            gb = _matmul(np.swapaxes(a2, -1, -2), g2)
            if b.ndim == 1:
                gb = gb.reshape(-1, b.shape[0]).sum(0)
        return ga, gb


# ---------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------
class Exp(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / a


class Sqrt(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return g / (2 * out)


class Tanh(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        # numerically stable for large |a|
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.where(a >= 0, 1 / (1 + np.exp(-a)), np.exp(a) / (1 + np.exp(a))).astype(a.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


class ReLU(ArrayFunction):
    """max(x, 0) with a Cython prange kernel (the core's OpenMP path)."""

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind != "f":
            out = np.maximum(a, 0)
            return out
        a = np.ascontiguousarray(a).reshape(a.shape)  # issue 11: ascontiguousarray makes a 0-d input 1-d
        out = np.empty_like(a)
        _kernels.relu_forward(a.reshape(-1), out.reshape(-1), threads_for(a.size))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if not out.flags.c_contiguous:  # an in-place ReLU on a strided view
            return np.where(out <= 0, np.zeros((), g.dtype), g)  # NaN passes g, as threshold_backward
        g = np.ascontiguousarray(g, dtype=out.dtype)
        gi = np.empty_like(out)
        _kernels.relu_backward(out.reshape(-1), g.reshape(-1), gi.reshape(-1), threads_for(out.size))
        return gi


class Clamp(ArrayFunction):
    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        out = a
        if lo is not None:
            out = np.maximum(out, np.asarray(lo, dtype=a.dtype))
        if hi is not None:
            out = np.minimum(out, np.asarray(hi, dtype=a.dtype))
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        mask = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            mask &= a >= ctx.lo
        if ctx.hi is not None:
            mask &= a <= ctx.hi
        return g * mask, None, None


class Abs(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * np.sign(a)


class Cast(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.src = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        if ctx.src.kind != "f":
            return None, None
        return g.astype(ctx.src), None


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------
def _expand_reduced(g, shape, dim, keepdim):
    """Broadcast a reduced gradient back to ``shape``."""
    if dim is not None and not keepdim:
        g = np.expand_dims(g, dim)
    return np.broadcast_to(g, shape)


class Sum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        # issue 11: integer and bool sums are int64 as in PyTorch (NumPy gives uint64 for unsigned)
        out = np.sum(a, axis=dim, keepdims=keepdim, dtype=np.int64 if a.dtype.kind in "biu" else None)
        return np.asarray(out)

    @staticmethod
    def backward(ctx, g):
        return np.ascontiguousarray(_expand_reduced(g, ctx.shape, ctx.dim, ctx.keepdim)), None, None


class Mean(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = a.shape, dim, keepdim
        n = a.size if dim is None else int(np.prod([a.shape[d] for d in dim]))
        ctx.n = n
        return np.asarray(np.mean(a, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        g = _expand_reduced(g, ctx.shape, ctx.dim, ctx.keepdim)
        return g / np.asarray(ctx.n, dtype=g.dtype), None, None


class Var(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, correction, keepdim):
        n = a.size if dim is None else int(np.prod([a.shape[d] for d in dim]))
        mean = np.mean(a, axis=dim, keepdims=True)
        ctx.save_for_backward(a, mean)
        ctx.dim, ctx.keepdim, ctx.denom = dim, keepdim, max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.var(a, axis=dim, ddof=correction, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        a, mean = ctx.saved_tensors
        g = _expand_reduced(g, a.shape, ctx.dim, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * 2 * (a - mean) / np.asarray(ctx.denom, dtype=a.dtype), None, None, None


class MaxAll(ArrayFunction):
    """max over all elements; ties share the gradient evenly (PyTorch's amax rule)."""

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(a.max())
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        mask = a == out
        return g * mask / mask.sum().astype(a.dtype)


class MaxDim(ArrayFunction):
    """(values, indices) of the max along ``dim``; the gradient goes to the returned index."""

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        idx = np.argmax(a, axis=dim)
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
        return out, None, None


# ---------------------------------------------------------------------------
# Shape and indexing
# ---------------------------------------------------------------------------
class Reshape(ArrayFunction):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Permute(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None


class Expand(ArrayFunction):
    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums it back to the input's shape


def _has_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) for i in items)


class Index(ArrayFunction):
    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        out = a[index]
        return np.array(out) if np.ndim(out) == 0 else out

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if _has_advanced(ctx.index):
            np.add.at(out, ctx.index, g)  # repeated indices accumulate
        else:
            out[ctx.index] = g
        return out, None


class Cat(ArrayFunction):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        splits = np.cumsum(ctx.sizes)[:-1]
        return (None,) + tuple(np.split(g, splits, axis=ctx.dim))


class Stack(ArrayFunction):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(np.moveaxis(g, ctx.dim, 0))


class Where(ArrayFunction):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=g.dtype)
        return None, np.where(cond, g, zero), np.where(cond, zero, g)
