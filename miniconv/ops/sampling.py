"""Random draws with reparameterised gradients (``torch._standard_gamma``, ``torch._sample_dirichlet``): the
samples are NumPy's (from the generator passed in), the gradients are the implicit-reparameterisation ones,
``dx/dalpha = -(dF/dalpha) / f`` with ``F``, ``f`` the Gamma(alpha, 1) CDF and density at the sample ``x``."""
import numpy as np
import scipy.special as sp

from ..autograd.function import ArrayFunction


def standard_gamma_grad(x, alpha):
    """``dx/dalpha`` of a Gamma(alpha, 1) sample ``x`` held at a fixed CDF value (float64 arrays).

    ``dF/dalpha`` is a fourth-order (Richardson) central difference of SciPy's regularized incomplete gamma
    function, taken on whichever tail (``gammainc`` or ``gammaincc``) is smaller so its relative accuracy
    holds in both tails; the density is computed in logs."""
    x = np.asarray(x, np.float64)
    alpha = np.asarray(alpha, np.float64)
    upper = sp.gammainc(alpha, x) > 0.5
    sign = np.where(upper, -1.0, 1.0)

    def tail(a):
        return np.where(upper, sp.gammaincc(a, x), sp.gammainc(a, x))

    h = 1e-3 * alpha
    d1 = (tail(alpha + h) - tail(alpha - h)) / (2 * h)
    d2 = (tail(alpha + h / 2) - tail(alpha - h / 2)) / h
    dcdf = sign * (4 * d2 - d1) / 3
    log_pdf = (alpha - 1) * np.log(x) - x - sp.gammaln(alpha)
    return -dcdf / np.exp(log_pdf)


class StandardGamma(ArrayFunction):
    """Gamma(alpha, 1) samples of ``alpha``'s shape; differentiable in ``alpha``."""

    @staticmethod
    def forward(ctx, alpha, generator):
        x = generator.standard_gamma(np.asarray(alpha, np.float64))
        x = np.maximum(x, np.finfo(alpha.dtype).tiny).astype(alpha.dtype)
        ctx.save_for_backward(x, alpha)
        return x

    @staticmethod
    def backward(ctx, g):
        x, alpha = ctx.saved_tensors
        return (g * standard_gamma_grad(x, alpha)).astype(g.dtype, copy=False), None


class SampleDirichlet(ArrayFunction):
    """Dirichlet samples (normalised Gamma draws over the last dim) of ``concentration``'s shape;
    the gradient flows through the Gamma draws and the normalisation."""

    @staticmethod
    def forward(ctx, conc, generator):
        gam = generator.standard_gamma(np.asarray(conc, np.float64))
        gam = np.maximum(gam, np.finfo(np.float64).tiny)
        total = gam.sum(-1, keepdims=True)
        x = gam / total
        ctx.save_for_backward(gam, total, conc)
        tiny = np.finfo(conc.dtype).tiny
        return np.clip(x, tiny, 1 - np.finfo(conc.dtype).eps).astype(conc.dtype)

    @staticmethod
    def backward(ctx, g):
        gam, total, conc = ctx.saved_tensors
        x = gam / total
        inner = g - (g * x).sum(-1, keepdims=True)
        return (standard_gamma_grad(gam, conc) / total * inner).astype(g.dtype, copy=False), None
