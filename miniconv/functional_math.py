"""The ``torch.*`` forms of the special functions, order statistics and counting ops (``miniconv.erfinv(x)``,
``miniconv.median(x, 1)``, ``miniconv.bincount(x)``, ...), plus torch's constants, ``finfo``/``iinfo``,
seeding and the determinism switch.

Written out one by one with PyTorch's signatures; each checks its input and calls the Tensor method
of the same name (``miniconv/tensor/_special.py``, ``_stats.py``), where the one implementation lives.
"""
import math

import numpy as np

from ._random import default_generator
from .functional import _t

pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
newaxis = None


def erfc(input):  # noqa: A002
    return _t(input, "erfc").erfc()


def erfinv(input):  # noqa: A002
    return _t(input, "erfinv").erfinv()


def lgamma(input):  # noqa: A002
    return _t(input, "lgamma").lgamma()


def digamma(input):  # noqa: A002
    return _t(input, "digamma").digamma()


def sinc(input):  # noqa: A002
    return _t(input, "sinc").sinc()


def logit(input, eps=None):  # noqa: A002
    return _t(input, "logit").logit(eps)


def deg2rad(input):  # noqa: A002
    return _t(input, "deg2rad").deg2rad()


def rad2deg(input):  # noqa: A002
    return _t(input, "rad2deg").rad2deg()


def positive(input):  # noqa: A002
    return _t(input, "positive").positive()


def signbit(input):  # noqa: A002
    return _t(input, "signbit").signbit()


def sgn(input):  # noqa: A002
    return _t(input, "sgn").sgn()


def xlogy(input, other):  # noqa: A002
    return _t(input, "xlogy").xlogy(other)


def hypot(input, other):  # noqa: A002
    return _t(input, "hypot").hypot(other)


def copysign(input, other):  # noqa: A002
    return _t(input, "copysign").copysign(other)


def heaviside(input, values):  # noqa: A002
    return _t(input, "heaviside").heaviside(values)


def fmax(input, other):  # noqa: A002
    return _t(input, "fmax").fmax(other)


def fmin(input, other):  # noqa: A002
    return _t(input, "fmin").fmin(other)


def float_power(input, exponent):  # noqa: A002
    return _t(input, "float_power").float_power(exponent)


def logaddexp(input, other):  # noqa: A002
    return _t(input, "logaddexp").logaddexp(other)


def logaddexp2(input, other):  # noqa: A002
    return _t(input, "logaddexp2").logaddexp2(other)


def clamp_min(input, min):  # noqa: A002
    return _t(input, "clamp_min").clamp_min(min)


def clamp_max(input, max):  # noqa: A002
    return _t(input, "clamp_max").clamp_max(max)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    return _t(input, "nan_to_num").nan_to_num(nan, posinf, neginf)


def bitwise_and(input, other):  # noqa: A002
    return _t(input, "bitwise_and").bitwise_and(other)


def bitwise_or(input, other):  # noqa: A002
    return _t(input, "bitwise_or").bitwise_or(other)


def bitwise_xor(input, other):  # noqa: A002
    return _t(input, "bitwise_xor").bitwise_xor(other)


def bitwise_not(input):  # noqa: A002
    return _t(input, "bitwise_not").bitwise_not()


def bitwise_left_shift(input, other):  # noqa: A002
    return _t(input, "bitwise_left_shift").bitwise_left_shift(other)


def bitwise_right_shift(input, other):  # noqa: A002
    return _t(input, "bitwise_right_shift").bitwise_right_shift(other)


def logical_xor(input, other):  # noqa: A002
    return _t(input, "logical_xor").logical_xor(other)


def median(input, dim=None, keepdim=False):  # noqa: A002
    return _t(input, "median").median(dim, keepdim)


def nanmedian(input, dim=None, keepdim=False):  # noqa: A002
    return _t(input, "nanmedian").nanmedian(dim, keepdim)


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    return _t(input, "mode").mode(dim, keepdim)


def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    return _t(input, "kthvalue").kthvalue(k, dim, keepdim)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    return _t(input, "quantile").quantile(q, dim, keepdim, interpolation=interpolation)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    return _t(input, "nanquantile").nanquantile(q, dim, keepdim, interpolation=interpolation)


def cummax(input, dim):  # noqa: A002
    return _t(input, "cummax").cummax(dim)


def cummin(input, dim):  # noqa: A002
    return _t(input, "cummin").cummin(dim)


def logcumsumexp(input, dim):  # noqa: A002
    return _t(input, "logcumsumexp").logcumsumexp(dim)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    return _t(input, "unique_consecutive").unique_consecutive(return_inverse, return_counts, dim)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    return _t(input, "histc").histc(bins, min, max)


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    return _t(input, "histogram").histogram(bins, range=range, weight=weight, density=density)


def bincount(input, weights=None, minlength=0):  # noqa: A002
    return _t(input, "bincount").bincount(weights, minlength)


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    return _t(input, "cov").cov(correction=correction, fweights=fweights, aweights=aweights)


def corrcoef(input):  # noqa: A002
    return _t(input, "corrcoef").corrcoef()



def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The sorted distinct values (``sorted=False`` also sorts, as PyTorch's CPU kernel does)."""
    return _t(input, "unique").unique(sorted, return_inverse, return_counts, dim)


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` -> ``to`` in an in-place op (same kind or up the
    bool < integer < float ladder)."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2}
    return order[np.dtype(from_).kind] <= order[np.dtype(to).kind]


class finfo:  # noqa: N801
    """Machine limits of a floating dtype (``miniconv.finfo(miniconv.float32).eps``)."""

    def __init__(self, type=None):  # noqa: A002
        from .dtypes import get_default_dtype
        dt = np.dtype(get_default_dtype() if type is None else type)
        if dt.kind != "f":
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(dt)
        self.bits, self.eps, self.max, self.min = info.bits, float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = dt.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """Limits of an integer dtype (``miniconv.iinfo(miniconv.int64).max``)."""

    def __init__(self, type):  # noqa: A002
        dt = np.dtype(type)
        if dt.kind not in "iub":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(np.uint8 if dt.kind == "b" else dt)
        self.bits, self.max, self.min = info.bits, int(info.max), int(info.min)
        self.dtype = dt.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def seed():
    """Seed the default generator with a non-deterministic seed and return it."""
    return default_generator.seed()


def initial_seed():
    """The seed of the default generator (the non-deterministic one it started from, until seeded)."""
    return default_generator.initial_seed()


_deterministic = {"on": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Stored for :func:`are_deterministic_algorithms_enabled`; miniconv's kernels are always deterministic
    (fixed reduction order whatever the thread count), so the flag changes nothing."""
    if not isinstance(mode, bool):
        raise RuntimeError(f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__}")
    _deterministic["on"], _deterministic["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled():
    return _deterministic["on"]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic["warn_only"]


def asinh(input):  # noqa: A002
    return _t(input, "asinh").asinh()


def acosh(input):  # noqa: A002
    return _t(input, "acosh").acosh()


def atanh(input):  # noqa: A002
    return _t(input, "atanh").atanh()


def arcsinh(input):  # noqa: A002
    return _t(input, "arcsinh").arcsinh()


def arccosh(input):  # noqa: A002
    return _t(input, "arccosh").arccosh()


def arctanh(input):  # noqa: A002
    return _t(input, "arctanh").arctanh()


def isposinf(input):  # noqa: A002
    return _t(input, "isposinf").isposinf()


def isneginf(input):  # noqa: A002
    return _t(input, "isneginf").isneginf()


def isreal(input):  # noqa: A002
    return _t(input, "isreal").isreal()


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    return _t(elements, "isin", "elements")._isin(test_elements, assume_unique=assume_unique, invert=invert)


def gcd(input, other):  # noqa: A002
    return _t(input, "gcd").gcd(other)


def lcm(input, other):  # noqa: A002
    return _t(input, "lcm").lcm(other)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    return _t(input, "nanmean").nanmean(dim, keepdim, dtype=dtype)


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    return _t(input, "aminmax").aminmax(dim=dim, keepdim=keepdim)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    return _t(y, "trapezoid", "y")._trapezoid(x, dx=dx, dim=dim)


def trapz(y, x=None, *, dx=None, dim=-1):
    return _t(y, "trapz", "y")._trapezoid(x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    return _t(y, "cumulative_trapezoid", "y")._cumulative_trapezoid(x, dx=dx, dim=dim)


def gradient(input, *, spacing=1, dim=None, edge_order=1):  # noqa: A002
    return _t(input, "gradient")._gradient(spacing, dim, edge_order)


def i0(input):  # noqa: A002
    return _t(input, "i0").i0()


def polygamma(n, input):  # noqa: A002
    return _t(input, "polygamma").polygamma(n)


def ldexp(input, other):  # noqa: A002
    return _t(input, "ldexp").ldexp(other)


def nextafter(input, other):  # noqa: A002
    return _t(input, "nextafter").nextafter(other)


def frexp(input):  # noqa: A002
    """(mantissa, exponent) with ``input = mantissa * 2 ** exponent`` (``Tensor.frexp``)."""
    return _t(input, "frexp").frexp()


def real(input):  # noqa: A002
    """The real part: a real tensor itself (miniconv has no complex dtypes)."""
    return _t(input, "real").real
