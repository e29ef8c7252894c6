"""Special functions of one tensor (erfc, erfinv, lgamma, digamma, sinc) with their derivatives.

Array level, as ``elementwise.py``: dtype rules are in ``miniconv/tensor/_special.py``.
"""
import numpy as np
import scipy.special

from ..autograd.function import ArrayFunction
from .elementwise import _Unary, _unary

Erfc = _unary("Erfc", scipy.special.erfc, lambda a, o: -2 / np.sqrt(np.pi) * np.exp(-a * a),
               lambda a, o: -2 / np.sqrt(np.pi) * (-a * a).exp())


# PyTorch's node saves the input and computes erfinv again (changing the output in place is allowed)
Erfinv = _unary("Erfinv", scipy.special.erfinv,
                lambda a, o: np.sqrt(np.pi) / 2 * np.exp(np.square(scipy.special.erfinv(a))),
                lambda a, o: float(np.sqrt(np.pi) / 2) * (a.erfinv() ** 2).exp())


Lgamma = _unary("Lgamma", scipy.special.gammaln, lambda a, o: scipy.special.digamma(a))


Digamma = _unary("Digamma", lambda a: np.where(a == 0, np.copysign(np.inf, -a), scipy.special.digamma(a)),
                 lambda a, o: scipy.special.polygamma(1, a))


def _sinc_grad(a, o):  # from the input alone, as PyTorch's node (which saves only it)
    x = np.pi * a
    safe = np.where(a == 0, 1, x)
    return np.where(a == 0, 0, (np.cos(safe) * np.pi - np.sinc(a) * np.pi) / safe)


Sinc = _unary("Sinc", np.sinc, _sinc_grad)


Asinh = _unary("Asinh", np.arcsinh, lambda a, o: 1 / np.sqrt(a * a + 1), lambda a, o: 1 / (a * a + 1).sqrt())


Acosh = _unary("Acosh", np.arccosh, lambda a, o: 1 / np.sqrt(a * a - 1), lambda a, o: 1 / (a * a - 1).sqrt())


Atanh = _unary("Atanh", np.arctanh, lambda a, o: 1 / (1 - a * a), lambda a, o: 1 / (1 - a * a))


I0 = _unary("I0", scipy.special.i0, lambda a, o: scipy.special.i1(a))


class Polygamma(_Unary.__base__):
    """``polygamma(n, a)``: the n-th derivative of digamma; its derivative is ``polygamma(n + 1, a)``."""

    @staticmethod
    def forward(ctx, a, n):
        ctx.n = n
        ctx.save_for_backward(a)
        with np.errstate(all="ignore"):
            out = scipy.special.digamma(a) if n == 0 else scipy.special.polygamma(n, a)
        return np.asarray(out).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return (g * scipy.special.polygamma(ctx.n + 1, a)).astype(g.dtype, copy=False), None


class GammaInc(_Unary.__base__):
    """``gammainc(a, x)``, the regularized lower incomplete gamma function (``torch.special.gammainc``;
    ``a`` and ``x`` already broadcast and of one dtype). Differentiable in ``x`` only, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        return np.asarray(scipy.special.gammainc(a, x)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        a, x = ctx.saved_tensors
        return None, (g * np.exp((a - 1) * np.log(x) - x - scipy.special.gammaln(a))).astype(g.dtype, copy=False)


# -- torch.special's functions of one tensor (derivatives as PyTorch's derivatives.yaml) ------------------------
_SQRT_2PI = np.sqrt(2 * np.pi)

Entr = _unary("Entr", scipy.special.entr, lambda a, o: -(np.log(a) + 1))


Ndtr = _unary("Ndtr", scipy.special.ndtr, lambda a, o: np.exp(-0.5 * a * a) / _SQRT_2PI)


LogNdtr = _unary("LogNdtr", scipy.special.log_ndtr, lambda a, o: np.exp(-0.5 * a * a - o) / _SQRT_2PI)


Ndtri = _unary("Ndtri", scipy.special.ndtri, lambda a, o: _SQRT_2PI * np.exp(0.5 * o * o))


Erfcx = _unary("Erfcx", scipy.special.erfcx, lambda a, o: 2 * a * o - 2 / np.sqrt(np.pi))


I0e = _unary("I0e", scipy.special.i0e, lambda a, o: scipy.special.i1e(a) - np.sign(a) * o)


def _i1_grad(a, o):
    safe = np.where(a == 0, 1, a)
    return np.where(a == 0, 0.5, scipy.special.i0(a) - o / safe)


I1 = _unary("I1", scipy.special.i1, _i1_grad)


def _i1e_grad(a, o):
    safe = np.where(a == 0, 1, a)
    return np.where(a == 0, 0.5, scipy.special.i0e(a) - o * (np.sign(a) + 1 / safe))


I1e = _unary("I1e", scipy.special.i1e, _i1e_grad)


class Frexp(ArrayFunction):
    """x = mantissa * 2 ** exponent with |mantissa| in [0.5, 1) (NumPy's frexp; the exponent int32, as PyTorch).
    The mantissa's gradient is the incoming one divided by 2 ** exponent, exactly (PyTorch's FrexpBackward0)."""

    @staticmethod
    def forward(ctx, x):
        m, e = np.frexp(x)
        ctx.exponent = e
        return m.astype(x.dtype, copy=False), e.astype(np.int32)

    @staticmethod
    def backward(ctx, g, _):
        return np.ldexp(g, -ctx.exponent).astype(g.dtype, copy=False)
