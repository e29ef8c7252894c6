"""The ``torch.*`` spellings of in-place ops (``miniconv.relu_(x)``, ``miniconv.clamp_(x, 0)``, ...).

Written out one by one; each calls the Tensor method of the same name (one implementation, in
``miniconv/tensor/``).
"""
from .functional import _t


def abs_(input):  # noqa: A002
    return _t(input, "abs_").abs_()


def acos_(input):  # noqa: A002
    return _t(input, "acos_").acos_()


def acosh_(input):  # noqa: A002
    return _t(input, "acosh_").acosh_()


def addmv_(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    return _t(input, "addmv_").addmv_(mat, vec, beta=beta, alpha=alpha)


def arccos_(input):  # noqa: A002
    return _t(input, "arccos_").arccos_()


def arccosh_(input):  # noqa: A002
    return _t(input, "arccosh_").arccosh_()


def arcsin_(input):  # noqa: A002
    return _t(input, "arcsin_").arcsin_()


def arcsinh_(input):  # noqa: A002
    return _t(input, "arcsinh_").arcsinh_()


def arctan_(input):  # noqa: A002
    return _t(input, "arctan_").arctan_()


def arctanh_(input):  # noqa: A002
    return _t(input, "arctanh_").arctanh_()


def asin_(input):  # noqa: A002
    return _t(input, "asin_").asin_()


def asinh_(input):  # noqa: A002
    return _t(input, "asinh_").asinh_()


def atan_(input):  # noqa: A002
    return _t(input, "atan_").atan_()


def atanh_(input):  # noqa: A002
    return _t(input, "atanh_").atanh_()


def ceil_(input):  # noqa: A002
    return _t(input, "ceil_").ceil_()


def clamp_(input, min=None, max=None):  # noqa: A002
    return _t(input, "clamp_").clamp_(min, max)


def clamp_max_(input, max):  # noqa: A002
    return _t(input, "clamp_max_").clamp_max_(max)


def clamp_min_(input, min):  # noqa: A002
    return _t(input, "clamp_min_").clamp_min_(min)


def clip_(input, min=None, max=None):  # noqa: A002
    return _t(input, "clip_").clip_(min, max)


def cos_(input):  # noqa: A002
    return _t(input, "cos_").cos_()


def cosh_(input):  # noqa: A002
    return _t(input, "cosh_").cosh_()


def deg2rad_(input):  # noqa: A002
    return _t(input, "deg2rad_").deg2rad_()


def detach_(input):  # noqa: A002
    return _t(input, "detach_").detach_()


def erf_(input):  # noqa: A002
    return _t(input, "erf_").erf_()


def erfc_(input):  # noqa: A002
    return _t(input, "erfc_").erfc_()


def exp2_(input):  # noqa: A002
    return _t(input, "exp2_").exp2_()


def exp_(input):  # noqa: A002
    return _t(input, "exp_").exp_()


def expm1_(input):  # noqa: A002
    return _t(input, "expm1_").expm1_()


def fill_(input, value):  # noqa: A002
    return _t(input, "fill_").fill_(value)


def fix_(input):  # noqa: A002
    return _t(input, "fix_").fix_()


def floor_(input):  # noqa: A002
    return _t(input, "floor_").floor_()


def frac_(input):  # noqa: A002
    return _t(input, "frac_").frac_()


def gcd_(input, other):  # noqa: A002
    return _t(input, "gcd_").gcd_(other)


def i0_(input):  # noqa: A002
    return _t(input, "i0_").i0_()


def index_put_(input, indices, values, accumulate=False):  # noqa: A002
    return _t(input, "index_put_").index_put_(indices, values, accumulate)


def lcm_(input, other):  # noqa: A002
    return _t(input, "lcm_").lcm_(other)


def ldexp_(input, other):  # noqa: A002
    return _t(input, "ldexp_").ldexp_(other)


def log10_(input):  # noqa: A002
    return _t(input, "log10_").log10_()


def log1p_(input):  # noqa: A002
    return _t(input, "log1p_").log1p_()


def log2_(input):  # noqa: A002
    return _t(input, "log2_").log2_()


def log_(input):  # noqa: A002
    return _t(input, "log_").log_()


def logit_(input, eps=None):  # noqa: A002
    return _t(input, "logit_").logit_(eps)


def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    return _t(input, "nan_to_num_").nan_to_num_(nan, posinf, neginf)


def neg_(input):  # noqa: A002
    return _t(input, "neg_").neg_()


def negative_(input):  # noqa: A002
    return _t(input, "negative_").negative_()


def rad2deg_(input):  # noqa: A002
    return _t(input, "rad2deg_").rad2deg_()


def reciprocal_(input):  # noqa: A002
    return _t(input, "reciprocal_").reciprocal_()


def relu_(input):  # noqa: A002
    return _t(input, "relu_").relu_()


def resize_as_(input, other, memory_format=None):  # noqa: A002
    return _t(input, "resize_as_").resize_as_(other, memory_format)


def round_(input, decimals=0):  # noqa: A002
    return _t(input, "round_").round_(decimals)


def rsqrt_(input):  # noqa: A002
    return _t(input, "rsqrt_").rsqrt_()


def sigmoid_(input):  # noqa: A002
    return _t(input, "sigmoid_").sigmoid_()


def sin_(input):  # noqa: A002
    return _t(input, "sin_").sin_()


def sinc_(input):  # noqa: A002
    return _t(input, "sinc_").sinc_()


def sinh_(input):  # noqa: A002
    return _t(input, "sinh_").sinh_()


def sqrt_(input):  # noqa: A002
    return _t(input, "sqrt_").sqrt_()


def square_(input):  # noqa: A002
    return _t(input, "square_").square_()


def tan_(input):  # noqa: A002
    return _t(input, "tan_").tan_()


def tanh_(input):  # noqa: A002
    return _t(input, "tanh_").tanh_()


def trunc_(input):  # noqa: A002
    return _t(input, "trunc_").trunc_()


def xlogy_(input, other):  # noqa: A002
    return _t(input, "xlogy_").xlogy_(other)


def zero_(input):  # noqa: A002
    return _t(input, "zero_").zero_()
