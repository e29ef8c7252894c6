"""Arithmetic: +, -, *, /, **, neg, atan2, maximum/minimum, fmod/remainder, where, and the dtype cast.

Gradients of broadcast inputs are reduced back to the input's shape by the engine
(``autograd.engine.sum_to``), so the binary ops return the full-size gradient.

Array level: each Function takes and returns NumPy arrays; argument checks and dtype promotion happen
in the Tensor methods (``miniconv/tensor/``) before ``apply``.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..dtypes import _HALF, to_half


class Add(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors (see ArrayFunction)
        return g, g


class Sub(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_graph(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class RSub(Sub):
    """``number - tensor`` (PyTorch's rsub): the number, input 0, is not an input of PyTorch's node."""

    _hidden_inputs = (0,)


class DivRounded(ArrayFunction):
    """Float quotient rounded toward -inf (``mode='floor'``, Python's ``//``) or toward zero ('trunc'). Its
    gradient is zero almost everywhere, as PyTorch's."""

    @staticmethod
    def forward(ctx, a, b, mode):
        return np.floor_divide(a, b) if mode == "floor" else np.trunc(a / b)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), np.zeros_like(g), None


class Mul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if ctx.needs_input_grad[0] else None, g * a if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_graph(ctx, g):
        n = ctx.needs_input_grad
        return (g * ctx.saved_input(1) if n[0] else None, g * ctx.saved_input(0) if n[1] else None)


class HalfScale(ArrayFunction):
    """A float16 array times or divided by a Python number, as PyTorch's CPU kernels do it: the number stays
    in float32 ("opmath", not rounded to float16 first), the result is rounded once; the gradient likewise
    (PyTorch's MulBackward0 / DivBackward0)."""

    @staticmethod
    def forward(ctx, a, number, divide):
        ctx.number, ctx.divide = number, divide
        ctx._torch_name = "DivBackward0" if divide else "MulBackward0"
        return HalfScale.scale(a, number, divide)

    @staticmethod
    def scale(a, number, divide):
        a32 = a.astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return to_half(np.divide(a32, number) if divide else np.multiply(a32, number))

    @staticmethod
    def backward(ctx, g):
        return HalfScale.scale(g, ctx.number, ctx.divide), None, None


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

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved_input(0), ctx.saved_input(1)
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

    @staticmethod
    def backward_graph(ctx, g):
        a, b, out = ctx.saved_input(0), ctx.saved_input(1), ctx.saved_output()
        zero = np.zeros((), g._data.dtype)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = Where.apply(b._data == 0, zero, g * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            gb = g * Where.apply((a._data == 0) & (b._data >= 0), zero, out * a.log())
        return ga, gb


class RPow(Pow):
    """``number ** tensor`` (PyTorch's pow.Scalar): the number, input 0, is not an input of PyTorch's node."""

    _hidden_inputs = (0,)


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

    @staticmethod
    def backward_graph(ctx, g):
        a = ctx.saved_input(0)
        p = ctx.p
        if p == 0:
            return ctx.constant(np.zeros(a._data.shape, a._data.dtype)), None
        if p == 1:
            return g, None
        return g * p * (a ** (p - 1)), None


class Neg(ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g

    @staticmethod
    def backward_graph(ctx, g):
        return -g


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

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved_input(0), ctx.saved_input(1)
        d = a * a + b * b
        return g * b / d, -g * a / d


def _max_min_grads(g, a, b, a_loses, b_loses):
    """PyTorch's maximum/minimum backward: ties split the gradient, the losing side gets 0, and where a
    NaN makes every comparison false both inputs get the whole gradient."""
    shared = np.where(a == b, g / 2, g)
    zero = np.zeros((), g.dtype)
    return np.where(a_loses, zero, shared), np.where(b_loses, zero, shared)


def _max_min_grads_graph(g, a, b, a_loses, b_loses):
    """``_max_min_grads`` on a gradient Tensor: the masks come from the saved values and are constants."""
    shared = Where.apply(a == b, g * 0.5, g)
    zero = np.zeros((), g._data.dtype)
    return Where.apply(a_loses, zero, shared), Where.apply(b_loses, zero, shared)


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

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved_tensors
        return _max_min_grads_graph(g, a, b, a < b, a > b)


class Minimum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _max_min_grads(g, a, b, a > b, a < b)

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved_tensors
        return _max_min_grads_graph(g, a, b, a > b, a < b)


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

    @staticmethod
    def backward_graph(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=g._data.dtype)
        return None, Where.apply(cond, g, zero), Where.apply(cond, zero, g)


class Cast(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dtype):
        ctx.src = a.dtype
        return to_half(a) if dtype == _HALF else a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        if ctx.src.kind != "f":
            return None, None
        return to_half(g) if ctx.src == _HALF else g.astype(ctx.src), None

    @staticmethod
    def backward_graph(ctx, g):
        if ctx.src.kind != "f":
            return None, None
        return Cast.apply(g, ctx.src), None
