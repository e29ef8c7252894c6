"""Special and two-operand elementwise functions that scripts meet: erfc, erfinv, lgamma, digamma, sinc,
logit, xlogy, hypot, copysign, heaviside, fmax/fmin, signbit, deg2rad/rad2deg, float_power, logaddexp,
clamp_min/clamp_max, nan_to_num, the named bitwise functions and logical_xor.

Differentiable ones are a Function of ``miniconv.ops.special`` or compose differentiable ops (so their
gradients are those of the ops, with PyTorch's conventions where a ``where`` picks a branch).
"""
import math

import numpy as np

from .. import ops
from .._args import check_broadcast
from ..dtypes import float64, torch_dtype_name
from ._base import TensorBase
from ._decomp import _named

_Frexp = _named("frexp", ("mantissa", "exponent"))


def _node_named(out, name):
    """``out`` with its node named as PyTorch's (the op PyTorch records is the same math as miniconv's node)."""
    if out.grad_fn is not None:
        out.grad_fn._torch_name = name
    return out


class SpecialMixin:
    """Special functions; each spelling (method, ``torch.*``, in-place) calls the one method here."""

    def erfc(self):
        return ops.Erfc.apply(self._to_float())

    def erfinv(self):
        return ops.Erfinv.apply(self._to_float())

    def lgamma(self):
        return ops.Lgamma.apply(self._to_float())

    def digamma(self):
        return ops.Digamma.apply(self._to_float())

    def sinc(self):
        return ops.Sinc.apply(self._to_float())

    def logit(self, eps=None):
        return ops.Logit.apply(self._to_float(), None if eps is None else float(eps))

    def deg2rad(self):
        return _node_named(self._to_float() * (math.pi / 180), "Deg2RadBackward0")  # a product by a constant

    def rad2deg(self):
        return _node_named(self._to_float() * (180 / math.pi), "Rad2DegBackward0")

    def positive(self):
        if self.dtype == bool:
            raise TypeError("The `+` operator, on a bool tensor is not supported.")
        return self

    def signbit(self):
        return self._wrap(np.signbit(self._data) if self.dtype != bool else np.zeros(self.shape, bool))

    def _float_pair(self, other):
        """``self`` and ``other`` promoted, then made float (integers become the default float)."""
        a, b = self._promote(self, other)
        return a._to_float(), b._to_float()

    def xlogy(self, other):
        x, y = self._float_pair(other)
        logy = y.log()
        at_zero = (x == 0) & ~y.isnan()  # 0 * log(y) is 0 there, with a finite gradient, as PyTorch
        return x * self._where(at_zero, self._where(logy.isfinite(), logy, 0), logy)

    def hypot(self, other):
        x, y = self._promote(self, other)
        if x.dtype.kind != "f":
            raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{torch_dtype_name(x.dtype)}'")
        return (x * x + y * y).sqrt()

    def copysign(self, other):
        x, y = self._float_pair(other)
        neg = self._wrap(np.signbit(y._data) if y.dtype != bool else np.zeros(y.shape, bool))
        # minus a +0 that carries y's zero gradient (PyTorch gives y a zero gradient, not none)
        return self._where(neg, -x.abs(), x.abs()) - (y.sign() * 0).abs()

    def heaviside(self, values):
        if not isinstance(values, TensorBase):
            raise TypeError(f"heaviside(): argument 'values' must be Tensor, not {type(values).__name__}")
        if values.dtype != self.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
        x = self._data
        return self._wrap(np.heaviside(x, values._data).astype(x.dtype) if x.dtype.kind == "f"
                          else np.where(x == 0, values._data, x > 0).astype(x.dtype))

    def fmax(self, other):
        x, y = self._promote(self, other)
        return self._where(x.isnan() | (x < y), y, x) if x.dtype.kind == "f" else x.maximum(y)

    def fmin(self, other):
        x, y = self._promote(self, other)
        return self._where(x.isnan() | (x > y), y, x) if x.dtype.kind == "f" else x.minimum(y)

    def float_power(self, exponent):
        x = self.type(float64)
        e = exponent.type(float64) if isinstance(exponent, TensorBase) else float(exponent)
        return x ** e

    def _float_only_pair(self, other, name):
        x, y = self._promote(self, other)
        if x.dtype.kind != "f":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{torch_dtype_name(x.dtype)}'")
        return x, y

    def logaddexp(self, other):
        x, y = self._float_only_pair(other, "logaddexp")
        m = x.maximum(y).detach()
        m = self._where(m.isinf(), m * 0, m)
        return m + ((x - m).exp() + (y - m).exp()).log()

    def logaddexp2(self, other):
        x, y = self._float_only_pair(other, "logaddexp2")
        m = x.maximum(y).detach()
        m = self._where(m.isinf(), m * 0, m)
        return m + ((x - m).exp2() + (y - m).exp2()).log2()

    def frexp(self):
        """(mantissa, exponent) with ``self = mantissa * 2 ** exponent``; the mantissa is differentiable."""
        if self.dtype.kind != "f":
            raise RuntimeError("torch.frexp() only supports floating-point dtypes")
        return _Frexp(*ops.Frexp.apply(self))

    @property
    def real(self):
        """A real tensor's real part: the tensor itself (miniconv has no complex dtypes)."""
        return self

    def clamp_min(self, min):  # noqa: A002
        out = self.clamp(min=min)
        if out.grad_fn is not None and not hasattr(min, "_data"):  # PyTorch's node for a number bound
            out.grad_fn._torch_name = "ClampMinBackward0"
        return out

    def clamp_max(self, max):  # noqa: A002
        out = self.clamp(max=max)
        if out.grad_fn is not None and not hasattr(max, "_data"):
            out.grad_fn._torch_name = "ClampMaxBackward0"
        return out

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        if self.dtype.kind != "f":
            return self.clone()
        return ops.NanToNum.apply(self, nan, posinf, neginf)

    def bitwise_and(self, other):
        return self._bitwise(np.bitwise_and, "bitwise_and", other)

    def bitwise_or(self, other):
        return self._bitwise(np.bitwise_or, "bitwise_or", other)

    def bitwise_xor(self, other):
        return self._bitwise(np.bitwise_xor, "bitwise_xor", other)

    def bitwise_not(self):
        if self.dtype.kind == "f":
            raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{torch_dtype_name(self.dtype)}'")
        return ~self

    def bitwise_left_shift(self, other):
        self._no_bool_shift(other, "lshift")
        return self._bitwise(np.left_shift, "lshift", other)

    def _no_bool_shift(self, other, name):
        if self.dtype == bool and (not isinstance(other, TensorBase) or other.dtype == bool):
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")

    def bitwise_right_shift(self, other):
        self._no_bool_shift(other, "rshift")
        return self._bitwise(np.right_shift, "rshift", other)

    def logical_xor(self, other):
        return self._wrap(np.logical_xor(self._data, other._data if isinstance(other, TensorBase) else other))

    def subtract(self, other, *, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def multiply(self, other):
        return self * other

    def sgn(self):
        return ops.Sgn.apply(self) if self.dtype.kind == "f" else self.sign()


    def asinh(self):
        return ops.Asinh.apply(self._to_float())

    def acosh(self):
        return ops.Acosh.apply(self._to_float())

    def atanh(self):
        return ops.Atanh.apply(self._to_float())

    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def isposinf(self):
        return self._wrap(np.isposinf(self._data) if self.dtype.kind == "f" else np.zeros(self.shape, bool))

    def isneginf(self):
        return self._wrap(np.isneginf(self._data) if self.dtype.kind == "f" else np.zeros(self.shape, bool))

    def isreal(self):
        return self._wrap(np.ones(self.shape, bool))

    def _isin(self, test_elements, *, assume_unique=False, invert=False):
        t = test_elements._data if isinstance(test_elements, TensorBase) else np.asarray(test_elements)
        return self._wrap(np.isin(self._data, t, invert=invert))

    def _int_pair(self, other, name):
        a, b = self._promote(self, other)
        if a.dtype.kind not in "iu" or a.dtype == bool:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{torch_dtype_name(a.dtype)}'")
        check_broadcast(a.shape, b.shape)
        return a._data, b._data

    def gcd(self, other):
        a, b = self._int_pair(other, "gcd")
        return self._wrap(np.asarray(np.gcd(a, b)))

    def lcm(self, other):
        a, b = self._int_pair(other, "lcm")
        return self._wrap(np.asarray(np.lcm(a, b)))

    def i0(self):
        return ops.I0.apply(self._to_float())

    def polygamma(self, n):
        if n < 0:
            raise RuntimeError("polygamma(n, x) does not support negative n.")
        return ops.Polygamma.apply(self._to_float(), int(n))

    def ldexp(self, other):
        x = self._to_float()
        return x * (2.0 ** other if not isinstance(other, TensorBase) else other.type(x.dtype).exp2())

    def nextafter(self, other):
        x, y = self._promote(self, other)
        if x.dtype.kind != "f":
            raise NotImplementedError(f"\"nextafter_cpu\" not implemented for '{torch_dtype_name(x.dtype)}'")
        return self._wrap(np.asarray(np.nextafter(x._data, y._data)))

    def apply_(self, callable):  # noqa: A002
        """Apply a Python function to every element, in place (slow; CPU tensors only, as PyTorch)."""
        out = np.vectorize(callable, otypes=[self._data.dtype])(self._data) if self._data.size else self._data
        return self._commit_inplace(self._wrap(np.asarray(out, dtype=self._data.dtype)))

    def map_(self, tensor, callable):  # noqa: A002
        other = np.broadcast_to(tensor._data, self.shape)
        out = np.vectorize(callable, otypes=[self._data.dtype])(self._data, other) if self._data.size else self._data
        return self._commit_inplace(self._wrap(np.asarray(out, dtype=self._data.dtype)))
