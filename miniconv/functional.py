"""The ``torch.*`` functional forms: ``miniconv.sin(x)``, ``miniconv.max(x, 1)``, ``miniconv.flatten(x, 1)``, ...

Written out one by one (no generated names), each with PyTorch's signature. Each checks that its
input is a Tensor and calls the Tensor method of the same name, where the argument checks and the
one implementation live (``miniconv/tensor/``); ``where`` with numbers and ``einsum`` are here, the reductions
in ``functional_reduce.py`` (re-exported).
"""
import builtins

from . import ops
from .dtypes import result_type, torch_dtype_name
from .ops.linalg import einsum_equation
from .tensor import Tensor
from ._functional_check import _t  # noqa: F401  (functional_math & co. import it from here)
# the reductions and sorts live in functional_reduce.py; miniconv/__init__.py imports them from here
from .functional_reduce import (  # noqa: F401,F811,A004
    all, amax, amin, any, argmax, argmin, argsort, count_nonzero, cumprod, cumsum, floor_divide, logsumexp, max,
    mean, min, nansum, norm, prod, sort, std, std_mean, sum, topk, var, var_mean,
)


def is_tensor(obj):
    return isinstance(obj, Tensor)


# -- elementwise, one argument ---------------------------------------------------------------
def exp(input):  # noqa: A001,A002
    return _t(input, "exp").exp()


def log(input):  # noqa: A001,A002
    return _t(input, "log").log()


def sqrt(input):  # noqa: A001,A002
    return _t(input, "sqrt").sqrt()


def tanh(input):  # noqa: A001,A002
    return _t(input, "tanh").tanh()


def sigmoid(input):  # noqa: A001,A002
    return _t(input, "sigmoid").sigmoid()


def relu(input):  # noqa: A001,A002
    return _t(input, "relu").relu()


def abs(input):  # noqa: A001,A002
    return _t(input, "abs").abs()


def absolute(input):  # noqa: A001,A002
    return _t(input, "absolute").absolute()


def sin(input):  # noqa: A001,A002
    return _t(input, "sin").sin()


def cos(input):  # noqa: A001,A002
    return _t(input, "cos").cos()


def tan(input):  # noqa: A001,A002
    return _t(input, "tan").tan()


def asin(input):  # noqa: A001,A002
    return _t(input, "asin").asin()


def acos(input):  # noqa: A001,A002
    return _t(input, "acos").acos()


def atan(input):  # noqa: A001,A002
    return _t(input, "atan").atan()


def arcsin(input):  # noqa: A001,A002
    return _t(input, "arcsin").arcsin()


def arccos(input):  # noqa: A001,A002
    return _t(input, "arccos").arccos()


def arctan(input):  # noqa: A001,A002
    return _t(input, "arctan").arctan()


def sinh(input):  # noqa: A001,A002
    return _t(input, "sinh").sinh()


def cosh(input):  # noqa: A001,A002
    return _t(input, "cosh").cosh()


def exp2(input):  # noqa: A001,A002
    return _t(input, "exp2").exp2()


def expm1(input):  # noqa: A001,A002
    return _t(input, "expm1").expm1()


def log2(input):  # noqa: A001,A002
    return _t(input, "log2").log2()


def log10(input):  # noqa: A001,A002
    return _t(input, "log10").log10()


def log1p(input):  # noqa: A001,A002
    return _t(input, "log1p").log1p()


def rsqrt(input):  # noqa: A001,A002
    return _t(input, "rsqrt").rsqrt()


def erf(input):  # noqa: A001,A002
    return _t(input, "erf").erf()


def reciprocal(input):  # noqa: A001,A002
    return _t(input, "reciprocal").reciprocal()


def square(input):  # noqa: A001,A002
    return _t(input, "square").square()


def neg(input):  # noqa: A001,A002
    return _t(input, "neg").neg()


def negative(input):  # noqa: A001,A002
    return _t(input, "negative").negative()


def sign(input):  # noqa: A001,A002
    return _t(input, "sign").sign()


def floor(input):  # noqa: A001,A002
    return _t(input, "floor").floor()


def ceil(input):  # noqa: A001,A002
    return _t(input, "ceil").ceil()


def trunc(input):  # noqa: A001,A002
    return _t(input, "trunc").trunc()


def fix(input):  # noqa: A001,A002
    return _t(input, "fix").fix()


def frac(input):  # noqa: A001,A002
    return _t(input, "frac").frac()


def clone(input, *, memory_format=None):  # noqa: A001,A002
    return _t(input, "clone").clone(memory_format=memory_format)


def detach(input):  # noqa: A001,A002
    return _t(input, "detach").detach()


def isnan(input):  # noqa: A001,A002
    return _t(input, "isnan").isnan()


def isinf(input):  # noqa: A001,A002
    return _t(input, "isinf").isinf()


def isfinite(input):  # noqa: A001,A002
    return _t(input, "isfinite").isfinite()


def logical_not(input):  # noqa: A001,A002
    return _t(input, "logical_not").logical_not()


def t(input):  # noqa: A001,A002
    return _t(input, "t").t()


def msort(input):  # noqa: A001,A002
    return _t(input, "msort").msort()


def numel(input):  # noqa: A001,A002
    return _t(input, "numel").numel()


def is_floating_point(input):  # noqa: A001,A002
    return _t(input, "is_floating_point").is_floating_point()



def round(input, *, decimals=0):  # noqa: A001,A002
    return _t(input, "round").round(decimals=decimals)


def clamp(input, min=None, max=None):  # noqa: A001,A002,F811
    """Clamp into [min, max]; bounds may be numbers or Tensors (broadcast)."""
    return _t(input, "clamp").clamp(min, max)


clip = clamp


# -- elementwise, two arguments ------------------------------------------------------------------
def add(input, other, *, alpha=1):  # noqa: A002
    return input._add_scaled(other, alpha) if isinstance(input, Tensor) else _t(other, "add", "other").__radd__(input)


def sub(input, other, *, alpha=1):  # noqa: A002
    return _t(input, "sub")._add_scaled(other, alpha, subtract=True)


subtract = sub


def mul(input, other):  # noqa: A002
    return _t(input, "mul") * other


multiply = mul


def div(input, other, *, rounding_mode=None):  # noqa: A002
    return _t(input, "div").div(other, rounding_mode=rounding_mode)


divide = true_divide = div


def pow(input, exponent):  # noqa: A001,A002
    if not isinstance(input, Tensor):
        return _t(exponent, "pow", "exponent").__rpow__(input)
    return input ** exponent


def atan2(input, other):  # noqa: A002
    return _t(input, "atan2").atan2(other)


arctan2 = atan2


def maximum(input, other):  # noqa: A002
    return _t(input, "maximum").maximum(other)


def minimum(input, other):  # noqa: A002
    return _t(input, "minimum").minimum(other)


def fmod(input, other):  # noqa: A002
    return _t(input, "fmod").fmod(other)


def remainder(input, other):  # noqa: A002
    return _t(input, "remainder").remainder(other)


def lerp(input, end, weight):  # noqa: A002
    return _t(input, "lerp").lerp(end, weight)


def where(condition, input=None, other=None):  # noqa: A002
    """``where(cond, x, y)`` picks from x where cond else y; ``where(cond)`` is ``nonzero(cond, as_tuple=True)``."""
    if input is None and other is None:
        return _t(condition, "where", "condition").nonzero(as_tuple=True)
    return Tensor._where(condition, input, other)


def eq(input, other):  # noqa: A002
    return _t(input, "eq") == other


def ne(input, other):  # noqa: A002
    return _t(input, "ne") != other


def lt(input, other):  # noqa: A002
    return _t(input, "lt") < other


def le(input, other):  # noqa: A002
    return _t(input, "le") <= other


def gt(input, other):  # noqa: A002
    return _t(input, "gt") > other


def ge(input, other):  # noqa: A002
    return _t(input, "ge") >= other


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def equal(input, other):  # noqa: A002
    return _t(input, "equal").equal(other)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return _t(input, "isclose").isclose(other, rtol, atol, equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return _t(input, "allclose").allclose(other, rtol, atol, equal_nan)


def logical_and(input, other):  # noqa: A002
    return _t(input, "logical_and").logical_and(other)


def logical_or(input, other):  # noqa: A002
    return _t(input, "logical_or").logical_or(other)


# -- shape and indexing -------------------------------------------------------------------------
def reshape(input, shape):  # noqa: A002
    return _t(input, "reshape").reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    return _t(input, "flatten").flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):  # noqa: A002
    return _t(input, "unflatten").unflatten(dim, sizes)


def permute(input, dims):  # noqa: A002
    return _t(input, "permute").permute(dims)


def transpose(input, dim0, dim1):  # noqa: A002
    return _t(input, "transpose").transpose(dim0, dim1)


swapaxes = swapdims = transpose


def movedim(input, source, destination):  # noqa: A002
    return _t(input, "movedim").movedim(source, destination)


moveaxis = movedim


def unsqueeze(input, dim):  # noqa: A002
    return _t(input, "unsqueeze").unsqueeze(dim)


def squeeze(input, dim=None):  # noqa: A002
    return _t(input, "squeeze").squeeze(dim)


def flip(input, dims):  # noqa: A002
    return _t(input, "flip").flip(dims)


def split(tensor, split_size_or_sections, dim=0):
    return _t(tensor, "split", "tensor").split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):  # noqa: A002
    return _t(input, "chunk").chunk(chunks, dim)


def unbind(input, dim=0):  # noqa: A002
    return _t(input, "unbind").unbind(dim)


def narrow(input, dim, start, length):  # noqa: A002
    return _t(input, "narrow").narrow(dim, start, length)


def gather(input, dim, index, *, sparse_grad=False):  # noqa: A002
    return _t(input, "gather").gather(dim, index)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    return _t(input, "scatter").scatter(dim, index, src, value, reduce)


def scatter_add(input, dim, index, src):  # noqa: A002
    return _t(input, "scatter_add").scatter_add(dim, index, src)


def index_select(input, dim, index):  # noqa: A002
    return _t(input, "index_select").index_select(dim, index)


def masked_fill(input, mask, value):  # noqa: A002
    return _t(input, "masked_fill").masked_fill(mask, value)


def masked_select(input, mask):  # noqa: A002
    return _t(input, "masked_select").masked_select(mask)


def nonzero(input, *, as_tuple=False):  # noqa: A002
    return _t(input, "nonzero").nonzero(as_tuple=as_tuple)


def argwhere(input):  # noqa: A002
    return _t(input, "argwhere").nonzero()


def tile(input, dims):  # noqa: A002
    return _t(input, "tile").tile(dims)


def matmul(input, other):  # noqa: A002
    x = _t(input, "matmul")
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return x.matmul(other)


def mm(input, mat2):  # noqa: A002
    return _t(input, "mm").mm(mat2)


def bmm(input, mat2):  # noqa: A002
    return _t(input, "bmm").bmm(mat2)


def dot(input, other):  # noqa: A002
    return _t(input, "dot").dot(other)


def outer(input, vec2):  # noqa: A002
    return _t(input, "outer").outer(vec2)


ger = outer


def softmax(input, dim, dtype=None):  # noqa: A002
    return _t(input, "softmax").softmax(dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):  # noqa: A002
    return _t(input, "log_softmax").log_softmax(dim, dtype=dtype)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``, ``einsum('bi,bi->b', x, y)``, ``einsum('ii', a)``.

    Explicit (``->``) and implicit forms, ``...`` (ellipsis) for leading/trailing batch dims.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq, ins = einsum_equation(equation, len(operands),
                              [op.ndim if isinstance(op, Tensor) else 0 for op in operands])
    sizes = {}
    for i, (s, op) in enumerate(zip(ins, operands)):
        _t(op, "einsum", "operands")
        if len(s) != op.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                               f"number of dimensions ({op.ndim}) for operand {i} and no ellipsis was given")
        for c, n in zip(s, op.shape):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                if c in equation:  # a subscript the user wrote (not one standing for an ellipsis dim)
                    raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not "
                                       f"broadcast with previously seen size {sizes[c]}")
                raise RuntimeError("einsum(): operands do not broadcast with remapped shapes (original->remapped)")
    dts = [o.dtype for o in operands]
    if len(set(dts)) > 1:
        # PyTorch: a contraction over an index that two operands share with a size other than 1 (its bmm path)
        # needs one dtype, unless an operand is empty (then the last operand's dtype wins); other products
        # promote as ``*`` does
        out = eq.split("->")[1]
        contracted = builtins.any(
            c not in out and builtins.sum(c in s and o.shape[s.index(c)] != 1 for s, o in zip(ins, operands)) > 1
            for c in set("".join(ins)))
        if contracted and builtins.all(o.numel() for o in operands):
            other = next(d for d in dts if d != dts[0])
            raise RuntimeError(f"expected scalar type {torch_dtype_name(dts[0])} but found {torch_dtype_name(other)}")
        dt = dts[-1] if contracted else result_type(*operands)
        operands = [o if o.dtype == dt else o.type(dt) for o in operands]
    return ops.Einsum.apply(eq, *operands)
