"""Elementwise functions of one tensor (exp, log, trig, rounding, relu, clamp, abs) and softmax/log_softmax.

Array level: each Function takes and returns NumPy arrays; argument checks and dtype promotion happen
in the Tensor methods (``miniconv/tensor/``) before ``apply``.
"""
import dis

import numpy as np
import scipy.special

from .. import _kernels
from .._config import threads_for
from ..autograd.function import ArrayFunction
from ..dtypes import computes_half_in_float32
from .activation_fused import act_forward
from .arith import Where


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

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors (see ArrayFunction)
        return g * ctx.saved_output()


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

    @staticmethod
    def backward_graph(ctx, g):
        return g / ctx.saved_input(0)


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

    @staticmethod
    def backward_graph(ctx, g):
        return g / (2 * ctx.saved_output())


@computes_half_in_float32
class Tanh(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if out.dtype == np.float32:  # PyTorch's kernel fuses 1 - y*y (one rounding): the same bits through float64
            return g * (1 - np.square(out, dtype=np.float64)).astype(np.float32)
        return g * (1 - out * out)

    @staticmethod
    def backward_graph(ctx, g):
        out = ctx.saved_output()
        if out._data.dtype == np.float32:  # the same bits as backward (1 - y*y loses digits near |y| = 1)
            wide = out.double()
            return g * (1 - wide * wide).float()
        return g * (1 - out * out)


@computes_half_in_float32
class Sigmoid(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.float32:  # one pass, in float64 (ops/activation_fused.py)
            out = act_forward("sigmoid", a)
            ctx.save_for_backward(out)
            return out
        # numerically stable for large |a|
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.where(a >= 0, 1 / (1 + np.exp(-a)), np.exp(a) / (1 + np.exp(a))).astype(a.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)

    @staticmethod
    def backward_graph(ctx, g):
        out = ctx.saved_output()
        return g * out * (1 - out)


@computes_half_in_float32
class ReLU(ArrayFunction):
    """max(x, 0) with a Cython prange kernel (the core's OpenMP path).

    Backward needs only where the output is positive (or NaN), so a 1-byte mask is saved rather
    than the float output (a quarter of the memory). The output's version is still
    checked (``watch_versions``): changing it in place before backward raises, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind != "f":
            out = np.maximum(a, 0)
            return out
        if a.size <= 65536 and True not in ctx.needs_input_grad:
            # no mask to save: one NumPy call (~1 us against the kernel's ~5 for 64 elements); zero
            # first, so -0.0 and NaN come back as they went in, bit for bit as PyTorch's relu
            return np.maximum(a.dtype.type(0), a, order="C")
        a = np.ascontiguousarray(a).reshape(a.shape)  # ascontiguousarray makes a 0-d input 1-d
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

    @staticmethod
    def backward_graph(ctx, g):
        (keep,) = ctx.saved_tensors  # where the output is positive: a constant of the second derivative
        return Where.apply(keep, g, np.zeros((), g._data.dtype))


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

    @staticmethod
    def backward_graph(ctx, g):
        (a,) = ctx.saved_tensors
        mask = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            mask &= a >= ctx.lo
        if ctx.hi is not None:
            mask &= a <= ctx.hi
        return Where.apply(mask, g, np.zeros((), g._data.dtype)), None, None


class Abs(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        # PyTorch's sgn(nan) is 0: a NaN input gets a zero gradient
        return g * np.nan_to_num(np.sign(a), nan=0.0)

    @staticmethod
    def backward_graph(ctx, g):
        (a,) = ctx.saved_tensors
        return g * ctx.constant(np.nan_to_num(np.sign(a), nan=0.0).astype(g._data.dtype))


class _Unary(ArrayFunction):
    """An elementwise function ``f`` with derivative ``df(a, out)``; subclasses set the two.

    Forward saves only what ``df`` reads (``_uses``: (0,) the input, (1,) the output, both, or neither for a
    constant derivative), which is what PyTorch's node saves (sin its input, tan its output, floor nothing):
    changing the other in place before backward is allowed, as in PyTorch, and saved-tensor hooks see only
    that. ``df`` and ``dfg`` get None for what was not saved; ``df`` None is a zero derivative (floor)."""

    _uses = (0, 1)

    @staticmethod
    def f(a):
        raise NotImplementedError

    df = None

    @staticmethod
    def forward(ctx, a):
        with np.errstate(all="ignore"):
            out = np.asarray(type(ctx).f(a)).astype(a.dtype, copy=False)
        uses = type(ctx)._uses
        ctx.save_for_backward(*[(a, out)[k] for k in uses])
        return out

    def _unpack_saved(ctx, saved):
        """(input, output) from what forward saved, None for what it did not."""
        pair = [None, None]
        for k, s in zip(type(ctx)._uses, saved):
            pair[k] = s
        return pair

    @staticmethod
    def backward(ctx, g):
        df = type(ctx).df
        if df is None:  # piecewise constant: PyTorch's zeros_like(grad)
            return np.zeros_like(g)
        a, out = ctx._unpack_saved(ctx.saved_tensors)
        with np.errstate(all="ignore"):
            return (g * df(a, out)).astype(g.dtype, copy=False)

    # dfg(a, out): the derivative with Tensor ops (a, out Tensors on the graph), for create_graph=True;
    # None: double backward is not implemented
    dfg = None

    @staticmethod
    def backward_graph(ctx, g):
        if type(ctx).df is None:
            return ctx.constant(np.zeros_like(g._data))
        dfg = type(ctx).dfg
        if dfg is None:
            raise RuntimeError(f"miniconv: double backward is not implemented for {ctx._op_name()}")
        uses = type(ctx)._uses
        return g * dfg(ctx.saved_input(0) if 0 in uses else None, ctx.saved_output() if 1 in uses else None)


def _uses(df):
    """Which of ``df(a, out)``'s arguments it reads: (0,) the input, (1,) the output, both, or none (a
    constant derivative: frac's 1)."""
    params = df.__code__.co_varnames[:2]
    loaded = {i.argval for i in dis.get_instructions(df) if i.opname.startswith("LOAD_FAST")}
    return tuple(k for k, p in enumerate(params) if p in loaded)


def _unary(name, f, df=None, dfg=None):
    """An elementwise op: ``f`` its function, ``df(a, out)`` its derivative (None: zero, for piecewise-constant
    functions), ``dfg`` the same derivative with Tensor ops (double backward). Saves what ``df`` reads."""
    uses = () if df is None else _uses(df)
    attrs = {"f": staticmethod(f), "df": None if df is None else staticmethod(df), "_uses": uses,
             "_result_saved_by_torch": uses == (1,)}
    if dfg is not None:
        attrs["dfg"] = staticmethod(dfg)
    return type(name, (_Unary,), attrs)


_erf = scipy.special.erf


Sin = _unary("Sin", np.sin, lambda a, o: np.cos(a),
             lambda a, o: a.cos())


Cos = _unary("Cos", np.cos, lambda a, o: -np.sin(a),
             lambda a, o: -a.sin())


Tan = _unary("Tan", np.tan, lambda a, o: 1 + o * o,
             lambda a, o: 1 + o * o)


Asin = _unary("Asin", np.arcsin, lambda a, o: 1 / np.sqrt(1 - a * a),
              lambda a, o: 1 / (1 - a * a).sqrt())


Acos = _unary("Acos", np.arccos, lambda a, o: -1 / np.sqrt(1 - a * a),
              lambda a, o: -1 / (1 - a * a).sqrt())


Atan = _unary("Atan", np.arctan, lambda a, o: 1 / (1 + a * a),
              lambda a, o: 1 / (1 + a * a))


Sinh = _unary("Sinh", np.sinh, lambda a, o: np.cosh(a),
              lambda a, o: a.cosh())


Cosh = _unary("Cosh", np.cosh, lambda a, o: np.sinh(a),
              lambda a, o: a.sinh())


Exp2 = _unary("Exp2", np.exp2, lambda a, o: o * np.log(2.0),
              lambda a, o: o * float(np.log(2.0)))


Expm1 = _unary("Expm1", np.expm1, lambda a, o: o + 1,
               lambda a, o: o + 1)


Log2 = _unary("Log2", np.log2, lambda a, o: 1 / (a * np.log(2.0)),
              lambda a, o: 1 / (a * float(np.log(2.0))))


Log10 = _unary("Log10", np.log10, lambda a, o: 1 / (a * np.log(10.0)),
               lambda a, o: 1 / (a * float(np.log(10.0))))


Log1p = _unary("Log1p", np.log1p, lambda a, o: 1 / (1 + a),
               lambda a, o: 1 / (1 + a))


Rsqrt = _unary("Rsqrt", lambda a: 1 / np.sqrt(a), lambda a, o: -0.5 * o * o * o,
               lambda a, o: -0.5 * o * o * o)


Square = _unary("Square", np.square, lambda a, o: 2 * a,
                lambda a, o: 2 * a)


Reciprocal = _unary("Reciprocal", lambda a: 1 / a, lambda a, o: -o * o,
                    lambda a, o: -o * o)


Erf = _unary("Erf", _erf, lambda a, o: 2 / np.sqrt(np.pi) * np.exp(-a * a),
             lambda a, o: float(2 / np.sqrt(np.pi)) * (-a * a).exp())


Frac = _unary("Frac", lambda a: a - np.trunc(a), lambda a, o: 1, lambda a, o: 1)  # PyTorch: grad as is


# piecewise-constant functions: zero gradient, as in PyTorch
Sign = _unary("Sign", lambda a: np.nan_to_num(np.sign(a), nan=0.0))  # sign(nan) = 0 as PyTorch


# sgn of a real tensor: sign, with a zero gradient too, but PyTorch's SgnBackward0 saves its input and its result
Sgn = type("Sgn", (Sign,), {"_uses": (0, 1)})


Floor = _unary("Floor", np.floor)


Ceil = _unary("Ceil", np.ceil)


Trunc = _unary("Trunc", np.trunc)


Round = _unary("Round", np.round)  # half to even, as PyTorch


class Logit(ArrayFunction):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when ``eps`` is given (PyTorch's LogitBackward0, which
    saves the input): the gradient is g / (x (1 - x)), NaN outside [0, 1] without eps, 0 outside the clamp.
    float16 as PyTorch's CPU kernel: the log in float32, the rest (and the gradient) in float16."""

    @staticmethod
    def forward(ctx, a, eps):
        ctx.save_for_backward(a)
        ctx.eps = eps
        x = a
        if eps is not None:
            lo = a.dtype.type(eps)
            x = np.clip(a, lo, a.dtype.type(1) - lo)  # PyTorch: hi = 1 - eps in the tensor's dtype
        with np.errstate(divide="ignore", invalid="ignore"):
            z = x / (1 - x)
            return np.log(z.astype(np.float32)).astype(a.dtype) if a.dtype == np.float16 else np.log(z)

    @staticmethod
    def _outside(ctx, a):
        if ctx.eps is None:
            return (a < 0) | (a > 1), np.nan
        lo = a.dtype.type(ctx.eps)
        return (a < lo) | (a > a.dtype.type(1) - lo), 0

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        outside, value = Logit._outside(ctx, a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(outside, value, g / (a * (1 - a))).astype(g.dtype, copy=False), None

    @staticmethod
    def backward_graph(ctx, g):
        a = ctx.saved_input(0)
        outside, value = Logit._outside(ctx, a._data)
        return Where.apply(outside, np.full((), value, g._data.dtype), g / (a * (1 - a))), None


class NanToNum(ArrayFunction):
    """NaN, +inf and -inf replaced (by 0 and the dtype's largest / lowest value unless given); the gradient
    flows where the input was finite (PyTorch's NanToNumBackward0, which saves the input)."""

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        ctx.save_for_backward(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * np.isfinite(a), None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        (a,) = ctx.saved_tensors
        return g * ctx.constant(np.isfinite(a)), None, None, None


class RoundDecimals(ArrayFunction):
    @staticmethod
    def forward(ctx, a, decimals):
        return np.round(a, decimals)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


@computes_half_in_float32
class Softmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        with np.errstate(invalid="ignore", divide="ignore"):
            e = np.exp(x - x.max(axis=dim, keepdims=True, initial=-np.inf))  # empty dims are fine
            total = e.sum(axis=dim, keepdims=True)
            if ctx.__dict__.get("_half_inputs") and dim % x.ndim != x.ndim - 1:
                # PyTorch's float16 softmax over a dim other than the last keeps exp in the (float16) output
                # and divides that by the float32 sum
                e = e.astype(np.float16).astype(np.float32)
            out = e / total
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True)), None

    @staticmethod
    def backward_graph(ctx, g):
        out = ctx.saved_output()
        return out * (g - (g * out).sum(dim=ctx.dim, keepdim=True)), None


@computes_half_in_float32
class LogSoftmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        with np.errstate(invalid="ignore", divide="ignore"):  # rows of -inf give nan, as in PyTorch
            shifted = x - x.max(axis=dim, keepdims=True, initial=-np.inf)  # exp never overflows; empty ok
            total = np.exp(shifted).sum(axis=dim, keepdims=True)
            if ctx.__dict__.get("_half_inputs") and x.ndim and dim % x.ndim == x.ndim - 1:
                total = total.astype(np.float16).astype(np.float32)  # PyTorch's last-dim kernel: a float16 sum
            out = shifted - np.log(total)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True), None

    @staticmethod
    def backward_graph(ctx, g):
        return g - ctx.saved_output().exp() * g.sum(dim=ctx.dim, keepdim=True), None


# ops whose PyTorch node saves the result: their in-place forms (exp_, sqrt_, tanh_, sigmoid_, relu_) check it
# (_unary sets it for the others saving only their output)
for _op in (Exp, Sqrt, Tanh, Sigmoid, ReLU):
    _op._result_saved_by_torch = True
