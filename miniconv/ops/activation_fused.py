"""SiLU and GELU as single nodes (PyTorch's SiluBackward0 / GeluBackward0), and float32 sigmoid.

float32 arrays go through the one-pass kernels of ``_activation.h`` (computed in float64, rounded
once: at least as close to float64 as PyTorch's float32); float64 arrays through NumPy in
float64. The gradient of the gradient (``create_graph=True``) is the same math on Tensors.
"""
import math

import numpy as np
import scipy.special

from .. import _kernels
from .._config import threads_for
from ..autograd.function import ArrayFunction
from ..dtypes import computes_half_in_float32
from .arith import Where

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_BETA = math.sqrt(2.0 / math.pi)
_KAPPA = 0.044715


def _flat32(a):
    return np.ascontiguousarray(a, dtype=np.float32).reshape(-1)


def act_forward(name, a):
    """f(a) for a float32 array through the kernel (any shape, any strides)."""
    out = np.empty(a.shape, np.float32)
    _kernels.act_forward_f32(name, _flat32(a), out.reshape(-1), threads_for(a.size))
    return out


def _act_backward(name, g, a):
    dx = np.empty(a.shape, np.float32)
    _kernels.act_backward_f32(name, _flat32(np.broadcast_to(g, a.shape)), _flat32(a), dx.reshape(-1),
                              threads_for(a.size))
    return dx


def _sigmoid64(a):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


@computes_half_in_float32
class Silu(ArrayFunction):
    """x * sigmoid(x)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        if a.dtype == np.float32:
            return act_forward("silu", a)
        with np.errstate(invalid="ignore"):
            return (a * _sigmoid64(a)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        if a.dtype == np.float32 and g.dtype == np.float32:
            return _act_backward("silu", g, a)
        s = _sigmoid64(a)
        with np.errstate(invalid="ignore"):
            return (g * (s * (1 + a * (1 - s)))).astype(a.dtype, copy=False)

    @staticmethod
    def backward_graph(ctx, g):
        x = ctx.saved_input(0)
        s = x.sigmoid()
        return g * (s * (1 + x * (1 - s)))


@computes_half_in_float32
class Gelu(ArrayFunction):
    """x * Phi(x) (approximate 'none') or x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 ('tanh')."""

    @staticmethod
    def forward(ctx, a, approximate):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if a.dtype == np.float32:
            return act_forward("gelu" if approximate == "none" else "gelu_tanh", a)
        with np.errstate(invalid="ignore", over="ignore"):
            if approximate == "none":
                return (a * (0.5 * scipy.special.erfc(-a * _SQRT1_2))).astype(a.dtype, copy=False)
            return (0.5 * a * (1 + np.tanh(_BETA * (a + _KAPPA * a ** 3)))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        if a.dtype == np.float32 and g.dtype == np.float32:
            return _act_backward("gelu" if ctx.approximate == "none" else "gelu_tanh", g, a), None
        with np.errstate(invalid="ignore", over="ignore"):
            if ctx.approximate == "none":
                d = 0.5 * scipy.special.erfc(-a * _SQRT1_2) + a * _INV_SQRT_2PI * np.exp(-0.5 * a * a)
            else:
                th = np.tanh(_BETA * (a + _KAPPA * a ** 3))
                d = 0.5 * (1 + th) + 0.5 * a * (1 - th * th) * _BETA * (1 + 3 * _KAPPA * a * a)
            return (g * d).astype(a.dtype, copy=False), None

    @staticmethod
    def backward_graph(ctx, g):
        x = ctx.saved_input(0)
        if ctx.approximate == "none":
            d = 0.5 * (1 + (x * _SQRT1_2).erf()) + x * _INV_SQRT_2PI * (-0.5 * x * x).exp()
        else:
            th = (_BETA * (x + _KAPPA * x * x * x)).tanh()
            d = 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * _BETA * (1 + 3 * _KAPPA * x * x)
        return g * d, None


@computes_half_in_float32
class Elu(ArrayFunction):
    """x if x > 0 else alpha * expm1(x), one node (PyTorch's EluBackward0) instead of the five of the composed
    form it replaces (where / clamp / exp / sub / mul); its gradient g * alpha * exp(x) for x <= 0."""

    @staticmethod
    def forward(ctx, a, alpha):
        ctx.save_for_backward(a)
        ctx.alpha = alpha
        neg = np.minimum(a, 0)
        ctx.exp_neg = np.exp(neg)
        with np.errstate(invalid="ignore"):  # expm1 as PyTorch's kernel (closer to its bits than exp(x) - 1)
            return np.where(a > 0, a, alpha * np.expm1(neg)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return np.where(a > 0, g, (g * ctx.alpha) * ctx.exp_neg).astype(a.dtype, copy=False), None

    @staticmethod
    def backward_graph(ctx, g):
        x = ctx.saved_input(0)
        return Where.apply(x._data > 0, g, (g * ctx.alpha) * x.clamp(max=0).exp()), None
