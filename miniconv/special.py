"""``torch.special``: the special functions under PyTorch's names. Most are the same functions as ``torch.*``
(``expit`` is ``sigmoid``, ``psi`` is ``digamma``, ``gammaln`` is ``lgamma``); ``entr``, ``ndtr``, ``log_ndtr``,
``ndtri``, ``erfcx``, ``i0e``, ``i1``, ``i1e`` are Functions of ``ops/special.py`` (SciPy's values, PyTorch's
derivatives); ``xlog1py`` and ``multigammaln`` compose differentiable ops. Integer inputs become the default
float dtype, as in PyTorch. The orthogonal polynomials, Bessel functions of the first/second kind, ``airy_ai``,
``zeta``, ``gammainc``/``gammaincc`` and ``spherical_bessel_j0`` are not provided."""
import math

from . import ops
from .dtypes import refuse_half
from .functional import exp2, expm1, log1p, logsumexp, round, sigmoid  # noqa: A004
from .functional_math import digamma, erfc, erfinv, i0, lgamma, logit, polygamma, sinc, xlogy
from .functional import erf
from .tensor import Tensor

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e",
           "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]

expit = sigmoid
psi = digamma
gammaln = lgamma


def _float(input, name):  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input._to_float()


def entr(input):  # noqa: A002
    """``-x log x`` (0 at 0, -inf for x < 0)."""
    return ops.Entr.apply(_float(input, "entr"))


def ndtr(input):  # noqa: A002
    """The standard normal CDF."""
    return ops.Ndtr.apply(_float(input, "ndtr"))


def log_ndtr(input):  # noqa: A002
    """``log(ndtr(x))``, accurate for very negative x."""
    return ops.LogNdtr.apply(_float(input, "log_ndtr"))


def ndtri(input):  # noqa: A002
    """The inverse of ``ndtr``."""
    refuse_half(getattr(input, "dtype", None), "ndtri_cpu")
    return ops.Ndtri.apply(_float(input, "ndtri"))


def erfcx(input):  # noqa: A002
    """The scaled complementary error function ``exp(x^2) erfc(x)``."""
    return ops.Erfcx.apply(_float(input, "erfcx"))


def i0e(input):  # noqa: A002
    """``exp(-|x|) i0(x)``."""
    return ops.I0e.apply(_float(input, "i0e"))


def i1(input):  # noqa: A002
    """The modified Bessel function of the first kind of order 1."""
    return ops.I1.apply(_float(input, "i1"))


def i1e(input):  # noqa: A002
    """``exp(-|x|) i1(x)``."""
    return ops.I1e.apply(_float(input, "i1e"))


def xlog1py(input, other):  # noqa: A002
    """``x * log1p(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), as ``xlogy``."""
    x, y = (input, other) if isinstance(input, Tensor) else (other.new_tensor(input), other)
    x, y = x._float_pair(y)
    l1p = y.log1p()
    at_zero = (x == 0) & ~y.isnan()
    return x * x._where(at_zero, x._where(l1p.isfinite(), l1p, 0), l1p)


def multigammaln(input, p):  # noqa: A002
    """The multivariate log-gamma function of dimension ``p``: ``sum_j lgamma(a - j/2) + p(p-1)/4 log(pi)``."""
    a = _float(input, "multigammaln")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    out = p * (p - 1) / 4 * math.log(math.pi)
    for j in range(p):
        out = (a - j / 2).lgamma() + out
    return out


def softmax(input, dim, *, dtype=None):  # noqa: A002
    return input.softmax(dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):  # noqa: A002
    return input.log_softmax(dim, dtype=dtype)


# NumPy's axis=/keepdims= for dim=/keepdim=, as PyTorch's parser accepts them (miniconv/_numpy_args.py)
from ._numpy_args import install as _install_numpy_aliases  # noqa: E402

_install_numpy_aliases(globals(), skip=())
