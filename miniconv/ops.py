"""The core Tensor operations as autograd Functions: arithmetic, reductions, shape ops, indexing.

Each Function keeps its derivative right next to its forward. Gradients of broadcast inputs
are reduced back to the input's shape by the engine (``autograd.engine.sum_to``), so the binary
ops below return the full-size gradient.
"""
import numpy as np
import scipy.special

from . import _kernels
from ._config import threads_for
from .autograd.function import ArrayFunction


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


def _integer_power(a, b):
    """PyTorch's integer pow (its ``powi``): wraps around on overflow as NumPy does, and a negative exponent
    gives 1 for a base of 1, +-1 for a base of -1 (by the exponent's parity) and 0 for any other base, where
    NumPy raises ValueError."""
    if b.dtype.kind != "i" or not (b < 0).any():
        return np.power(a, b)
    neg = b < 0
    out = np.power(a, np.where(neg, 0, b).astype(b.dtype))
    at_neg = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0)).astype(out.dtype)
    return np.where(neg, at_neg, out)


class Pow(ArrayFunction):
    """a ** b for a Tensor base and a Tensor (or array) exponent of the same dtype."""

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype.kind != "f":
            return _integer_power(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # PyTorch's pow_backward_self / pow_backward_exponent: d/da is 0 where b == 0 (also at a == 0);
        # d/db is 0 where a == 0 and b >= 0, else out * log(a) (nan for a negative base, as PyTorch)
        a, b, out = ctx.saved_tensors
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ctx.needs_input_grad[0]:
                ga = np.where(b == 0, np.zeros((), g.dtype), g * b * np.power(a, b - 1))
            if ctx.needs_input_grad[1]:
                gb = g * np.where((a == 0) & (b >= 0), np.zeros((), out.dtype), out * np.log(a))
        return ga, gb


def _pow_scalar(a, p):
    """``a ** p`` for a float array and a number, with PyTorch's special case: p = -0.5 is 1 / sqrt(a) (its
    rsqrt kernel: nan for -inf, -inf for -0.0, where C's pow gives 0 and inf)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == -0.5:
            return np.asarray(1 / np.sqrt(a))
        return np.power(a, np.asarray(p, dtype=a.dtype))


class PowScalar(ArrayFunction):
    @staticmethod
    def forward(ctx, a, p):
        ctx.save_for_backward(a)
        ctx.p = p
        return _pow_scalar(a, p) if a.dtype.kind == "f" else np.power(a, np.asarray(p, dtype=a.dtype))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return np.zeros_like(a), None
        return g * p * _pow_scalar(a, p - 1), None


class Neg(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g


from . import _matmul  # issue 12: matmul in miniconv's OpenMP team


class MatMul(ArrayFunction):
    """a @ b with PyTorch's matmul semantics through miniconv's GEMM kernels (``_matmul.py``): the
    same bits for any thread count."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _matmul.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _matmul.matmul_backward(a, b, g, ctx.needs_input_grad[0], ctx.needs_input_grad[1])


class LogSoftmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        with np.errstate(invalid="ignore", divide="ignore"):  # rows of -inf give nan, as in PyTorch
            shifted = x - x.max(axis=dim, keepdims=True, initial=-np.inf)  # exp never overflows; empty ok
            out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True), None


class Softmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        with np.errstate(invalid="ignore", divide="ignore"):
            e = np.exp(x - x.max(axis=dim, keepdims=True, initial=-np.inf))  # empty dims are fine
            out = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True)), None


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
    """max(x, 0) with a Cython prange kernel (the core's OpenMP path).

    Backward needs only where the output is positive (or NaN), so a 1-byte mask is saved rather
    than the float output (a quarter of the memory; issue 12). The output's version is still
    checked (``watch_versions``): changing it in place before backward raises, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind != "f":
            out = np.maximum(a, 0)
            return out
        a = np.ascontiguousarray(a).reshape(a.shape)  # issue 11: ascontiguousarray makes a 0-d input 1-d
        out = np.empty_like(a)
        keep = np.empty(a.shape, np.bool_)
        _kernels.relu_forward_mask(a.reshape(-1), out.reshape(-1), keep.reshape(-1).view(np.uint8),
                                   threads_for(a.size))
        ctx.save_for_backward(keep)
        ctx.watch_versions(out)
        return out

    _overwrites_grads = True

    @staticmethod
    def backward(ctx, g):
        (keep,) = ctx.saved_tensors
        if ctx._grads_owned and ctx._grads_owned[0]:
            gi = g  # an array only the engine holds (autograd.engine.sole_owner): written in place
        else:
            g = np.ascontiguousarray(g)
            gi = np.empty_like(g)
        _kernels.relu_backward_mask(keep.reshape(-1).view(np.uint8), g.reshape(-1), gi.reshape(-1),
                                    threads_for(g.size))
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
        # PyTorch's sgn(nan) is 0: a NaN input gets a zero gradient (issue 11)
        return g * np.nan_to_num(np.sign(a), nan=0.0)


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
    """Variance (``take_sqrt=False``) or standard deviation over ``dim``. float32 input is reduced in float64
    and rounded at the end, as PyTorch's CPU kernel (its Welford accumulator is double): the squares of
    values near 1e30 then do not overflow, and ``std`` of them is finite even where ``var`` is not."""

    @staticmethod
    def forward(ctx, a, dim, correction, keepdim, take_sqrt):
        n = a.size if dim is None else int(np.prod([a.shape[d] for d in dim]))
        wide = a.astype(np.float64) if a.dtype == np.float32 else a
        mean = np.mean(wide, axis=dim, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.var(wide, axis=dim, ddof=correction, keepdims=keepdim)
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
        # PyTorch's evenly_distribute_backward: a NaN result shares the gradient among the NaNs
        mask = np.isnan(a) if np.isnan(out) else a == out
        return mask * (g / mask.sum().astype(a.dtype))


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
        return out if type(out) is np.ndarray else np.array(out)  # a basic index gives a view

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if _has_advanced(ctx.index):
            np.add.at(out, ctx.index, g)  # repeated indices accumulate
        else:
            out[ctx.index] = g
        return out, None


# ---------------------------------------------------------------------------
# In-place support: the out-of-place result an in-place op writes into its tensor
# (``Tensor._commit_inplace``); the gradient of the overwritten values is zero
# ---------------------------------------------------------------------------
class Fill(ArrayFunction):
    """``a`` filled with ``value`` (a scalar or an array broadcast to ``a``'s shape)."""

    @staticmethod
    def forward(ctx, a, value):
        ctx.shape = a.shape
        out = np.empty_like(a)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g) if ctx.needs_input_grad[0] else None,
                g if ctx.needs_input_grad[1] else None)


class CopyFrom(ArrayFunction):
    """``src`` broadcast to ``a``'s shape and cast to its dtype (``a.copy_(src)``)."""

    @staticmethod
    def forward(ctx, a, src):
        out = np.empty_like(a)
        out[...] = src
        return out

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g) if ctx.needs_input_grad[0] else None,
                g if ctx.needs_input_grad[1] else None)  # the engine sums and casts to src's shape and dtype


class IndexPut(ArrayFunction):
    """``a`` with ``a[index] = value`` (``Tensor.__setitem__``)."""

    @staticmethod
    def forward(ctx, a, value, index):
        ctx.index = index
        ctx.value_shape = np.shape(value)
        out = a.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, g):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = g.copy()
            ga[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            gv = np.asarray(g[ctx.index])
            if gv.shape != ctx.value_shape:  # value was broadcast into the region
                lead = gv.ndim - len(ctx.value_shape)
                if lead > 0:
                    gv = gv.sum(axis=tuple(range(lead)))
        return ga, gv, None


class Cat(ArrayFunction):
    """Concatenation along ``dim``. Inputs of shape (0,) are left out (PyTorch's legacy rule, checked in
    creation.cat) and get an empty gradient."""

    @staticmethod
    def forward(ctx, dim, *arrays):
        kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)]
        ctx.dim = dim
        ctx.skipped = [a.ndim == 1 and a.shape[0] == 0 for a in arrays]
        ctx.sizes = [a.shape[dim] for a in kept]
        if not kept:
            return np.zeros((0,), arrays[0].dtype)
        return np.concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if not ctx.sizes:
            return (None,) + tuple(np.zeros((0,), g.dtype) for _ in ctx.skipped)
        parts = iter(np.split(g, np.cumsum(ctx.sizes)[:-1], axis=ctx.dim))
        return (None,) + tuple(np.zeros((0,), g.dtype) if skip else next(parts) for skip in ctx.skipped)


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


# ===========================================================================
# -- API breadth (issue 9) --
# Math functions, reductions and tensor ops added for PyTorch's API breadth. Array level, like the
# rest of this file; argument checking and dtype promotion happen in tensor.py / _functions.py.
# ===========================================================================
class _Unary(ArrayFunction):
    """An elementwise function ``f`` with derivative ``df(a, out)``; subclasses set the two."""

    @staticmethod
    def f(a):
        raise NotImplementedError

    @staticmethod
    def df(a, out):
        raise NotImplementedError

    @staticmethod
    def forward(ctx, a):
        with np.errstate(all="ignore"):
            out = np.asarray(type(ctx).f(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return (g * type(ctx).df(a, out)).astype(g.dtype, copy=False)


def _unary(name, f, df):
    return type(name, (_Unary,), {"f": staticmethod(f), "df": staticmethod(df)})


_erf = scipy.special.erf


Sin = _unary("Sin", np.sin, lambda a, o: np.cos(a))
Cos = _unary("Cos", np.cos, lambda a, o: -np.sin(a))
Tan = _unary("Tan", np.tan, lambda a, o: 1 + o * o)
Asin = _unary("Asin", np.arcsin, lambda a, o: 1 / np.sqrt(1 - a * a))
Acos = _unary("Acos", np.arccos, lambda a, o: -1 / np.sqrt(1 - a * a))
Atan = _unary("Atan", np.arctan, lambda a, o: 1 / (1 + a * a))
Sinh = _unary("Sinh", np.sinh, lambda a, o: np.cosh(a))
Cosh = _unary("Cosh", np.cosh, lambda a, o: np.sinh(a))
Exp2 = _unary("Exp2", np.exp2, lambda a, o: o * np.log(2.0))
Expm1 = _unary("Expm1", np.expm1, lambda a, o: o + 1)
Log2 = _unary("Log2", np.log2, lambda a, o: 1 / (a * np.log(2.0)))
Log10 = _unary("Log10", np.log10, lambda a, o: 1 / (a * np.log(10.0)))
Log1p = _unary("Log1p", np.log1p, lambda a, o: 1 / (1 + a))
Rsqrt = _unary("Rsqrt", lambda a: 1 / np.sqrt(a), lambda a, o: -0.5 * o * o * o)
Square = _unary("Square", np.square, lambda a, o: 2 * a)
Reciprocal = _unary("Reciprocal", lambda a: 1 / a, lambda a, o: -o * o)
Erf = _unary("Erf", _erf, lambda a, o: 2 / np.sqrt(np.pi) * np.exp(-a * a))
Frac = _unary("Frac", lambda a: a - np.trunc(a), lambda a, o: np.ones_like(a))
# piecewise-constant functions: zero gradient, as in PyTorch
Sign = _unary("Sign", lambda a: np.nan_to_num(np.sign(a), nan=0.0), lambda a, o: np.zeros_like(a))  # sign(nan) = 0 as PyTorch
Floor = _unary("Floor", np.floor, lambda a, o: np.zeros_like(a))
Ceil = _unary("Ceil", np.ceil, lambda a, o: np.zeros_like(a))
Trunc = _unary("Trunc", np.trunc, lambda a, o: np.zeros_like(a))
Round = _unary("Round", np.round, lambda a, o: np.zeros_like(a))  # half to even, as PyTorch


class RoundDecimals(ArrayFunction):
    @staticmethod
    def forward(ctx, a, decimals):
        return np.round(a, decimals)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class Atan2(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            d = a * a + b * b
            return g * b / d, -g * a / d


def _max_min_grads(g, a, b, a_loses, b_loses):
    """PyTorch's maximum/minimum backward: ties split the gradient, the losing side gets 0, and where a
    NaN makes every comparison false both inputs get the whole gradient."""
    shared = np.where(a == b, g / 2, g)
    zero = np.zeros((), g.dtype)
    return np.where(a_loses, zero, shared), np.where(b_loses, zero, shared)


class Maximum(ArrayFunction):
    """Elementwise max; on ties each input gets half the gradient (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _max_min_grads(g, a, b, a < b, a > b)


class Minimum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _max_min_grads(g, a, b, a > b, a < b)


class _Remainder(ArrayFunction):
    """a - q(a / b) * b for a rounding ``q``; d/da = 1, d/db = -q(a / b)."""

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls.f(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return g, -g * cls.q(a / b)


class Fmod(_Remainder):
    """C-style remainder (sign of the dividend)."""

    f, q = staticmethod(np.fmod), staticmethod(np.trunc)


class Remainder(_Remainder):
    """Python-style remainder (sign of the divisor)."""

    f, q = staticmethod(np.remainder), staticmethod(np.floor)


def _prod_except_self(a, axis):
    """Product of all other elements along ``axis`` for each element (exact with zeros)."""
    n = a.shape[axis]
    ones = np.ones_like(np.take(a, [0], axis=axis))
    left = np.concatenate([ones, np.cumprod(np.take(a, range(n - 1), axis=axis), axis=axis)], axis=axis)
    rev = np.flip(a, axis)
    right = np.flip(np.concatenate([ones, np.cumprod(np.take(rev, range(n - 1), axis=axis), axis=axis)],
                                   axis=axis), axis)
    return left * right


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


class CumSum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return np.cumsum(a, axis=dim, dtype=a.dtype if a.dtype.kind == "f" else np.int64)

    @staticmethod
    def backward(ctx, g):
        return np.flip(np.cumsum(np.flip(g, ctx.dim), axis=ctx.dim), ctx.dim), None


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


class TakeAlong(ArrayFunction):
    """``take_along_axis(a, index, dim)``: sort/topk/gather values; the gradient is scattered back."""

    @staticmethod
    def forward(ctx, a, index, dim):
        ctx.shape, ctx.index, ctx.dim = a.shape, index, dim
        return np.take_along_axis(a, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        idx = np.moveaxis(ctx.index, ctx.dim, -1)
        gm = np.moveaxis(g, ctx.dim, -1)
        om = np.moveaxis(out, ctx.dim, -1)
        lead = np.indices(idx.shape[:-1], sparse=True)
        np.add.at(om, tuple(x[..., None] for x in lead) + (idx,), gm)  # repeated indices accumulate
        return out, None, None


class Scatter(ArrayFunction):
    """Out-of-place ``scatter(dim, index, src)`` / ``scatter_add``: a copy of ``a`` with ``src`` placed at ``index``."""

    @staticmethod
    def forward(ctx, a, dim, index, src, add):
        ctx.dim, ctx.index, ctx.add, ctx.src_shape = dim, index, add, np.shape(src)
        out = np.array(a, copy=True)
        om, im = np.moveaxis(out, dim, -1), np.moveaxis(index, dim, -1)
        sm = np.moveaxis(np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else
                         src[tuple(slice(0, s) for s in index.shape)], dim, -1)
        lead = tuple(x[..., None] for x in np.indices(im.shape[:-1], sparse=True))
        if add:
            np.add.at(om, lead + (im,), sm)
        else:
            om[lead + (im,)] = sm
        return out

    @staticmethod
    def backward(ctx, g):
        im = np.moveaxis(ctx.index, ctx.dim, -1)
        lead = tuple(x[..., None] for x in np.indices(im.shape[:-1], sparse=True))
        ga = g
        if not ctx.add:
            ga = np.array(g, copy=True)
            np.moveaxis(ga, ctx.dim, -1)[lead + (im,)] = 0
        gs = None
        if len(ctx.src_shape) > 0:
            taken = np.moveaxis(np.moveaxis(g, ctx.dim, -1)[lead + (im,)], -1, ctx.dim)
            gs = np.zeros(ctx.src_shape, dtype=g.dtype)
            gs[tuple(slice(0, s) for s in ctx.index.shape)] = taken
        return ga, None, None, gs, None


class IndexSelect(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.shape, ctx.dim, ctx.index = a.shape, dim, index
        return np.take(a, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        om = np.moveaxis(out, ctx.dim, 0)
        np.add.at(om, ctx.index, np.moveaxis(g, ctx.dim, 0))
        return out, None, None


class MaskedFill(ArrayFunction):
    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.mask = mask
        return np.where(mask, np.asarray(value, dtype=a.dtype), a)

    @staticmethod
    def backward(ctx, g):
        return np.where(ctx.mask, np.zeros((), g.dtype), g), None, None


class Tile(ArrayFunction):
    """``repeat(*sizes)`` (PyTorch's meaning: np.tile); the gradient sums the copies."""

    @staticmethod
    def forward(ctx, a, reps):
        ctx.in_shape = (1,) * (len(reps) - a.ndim) + a.shape
        ctx.reps, ctx.orig = reps, a.shape
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx, g):
        split = []
        for r, s in zip(ctx.reps, ctx.in_shape):
            split += [r, s]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(ctx.reps), 2))).reshape(ctx.orig), None


class Einsum(ArrayFunction):
    """``einsum(equation, *operands)`` (explicit ``->`` form); gradient of each operand is an einsum."""

    @staticmethod
    def forward(ctx, equation, *arrays):
        ctx.equation = equation
        ctx.save_for_backward(*arrays)
        return np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, g):
        arrays = ctx.saved_tensors
        ins, out = ctx.equation.split("->")
        subs = ins.split(",")
        grads = [None]
        for k, (s, a) in enumerate(zip(subs, arrays)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [(subs[j], arrays[j]) for j in range(len(arrays)) if j != k]
            avail = set(out).union(*[set(o) for o, _ in others]) if others else set(out)
            kept = "".join(c for c in dict.fromkeys(s) if c in avail)
            eq = ",".join([out] + [o for o, _ in others]) + "->" + kept
            gk = np.einsum(eq, g, *[x for _, x in others])
            # letters summed only inside operand k: broadcast back; repeated letters (diagonals) via einsum
            full = np.einsum(kept + "->" + kept, gk)
            shape = {c: a.shape[i] for i, c in enumerate(s)}
            expand = "".join(dict.fromkeys(s))
            fullarr = np.broadcast_to(np.expand_dims(full, tuple(i for i, c in enumerate(expand) if c not in kept)),
                                      [shape[c] for c in expand]) if len(expand) != len(kept) else full
            if len(set(s)) != len(s):  # a repeated letter (a diagonal): place values on it
                res = np.zeros(a.shape, dtype=g.dtype)
                np.einsum(f"{s}->{expand}", res)[...] = fullarr
                grads.append(res)
            else:
                perm = [expand.index(c) for c in s]
                grads.append(np.ascontiguousarray(np.transpose(fullarr, perm)).astype(g.dtype, copy=False))
        return tuple(grads)


class VectorNorm(ArrayFunction):
    """``linalg.vector_norm(a, ord, dims, keepdim)``; the gradient at a zero vector is 0, as PyTorch."""

    @staticmethod
    def forward(ctx, a, ord, dims, keepdim):  # noqa: A002
        x = np.abs(a)
        n = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        if n == 1 and ord != 0:
            out = x  # issue 11: as PyTorch, a norm of one element is its absolute value (1e30 squared overflows)
        elif ord == np.inf:
            out = (np.amax(x, axis=dims, keepdims=True) if x.size else  # issue 11: the kept dims keep their size
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


