"""Elementwise functions of one tensor (exp, log, trig, rounding, relu, clamp, abs, ...), lerp, where,
the NaN/inf tests, and softmax / log_softmax as methods.

Integer and bool inputs of the float functions become the default float dtype, as in PyTorch.
"""
import numpy as np

from .. import ops
from .._args import check_broadcast, softmax_dim
from ..autograd.composite import composite
from ..dtypes import _infer_dtype, check_half_value, get_default_dtype, half_via_float32, torch_dtype_name
from ._base import TensorBase


class ElementwiseMixin:
    """One Function per function in ``miniconv.ops.elementwise``; here: dtype rules and argument checks."""

    @staticmethod
    def _where(condition, input, other):  # noqa: A002
        """``where(condition, input, other)`` for Tensors, numbers or arrays, in their promoted dtype
        (``where(c, int_tensor, 0.5)`` is float32, as in PyTorch)."""
        cond = condition._data if isinstance(condition, TensorBase) else np.asarray(condition)
        a, b = (TensorBase._from_data(np.array(x, dtype=_infer_dtype(x))) if isinstance(x, (list, tuple, np.ndarray))
                else x for x in (input, other))
        a, b = TensorBase._promote(a, b)
        check_broadcast(a.shape, b.shape)
        check_broadcast(cond.shape, np.broadcast_shapes(a.shape, b.shape))
        return ops.Where.apply(cond.astype(np.bool_), a, b)

    def _float_only(self, name):
        if self.dtype.kind != "f":
            raise TypeError(f"{name}(): expected a floating point tensor, got dtype {self.dtype.name}")
        return self

    def exp(self):
        return ops.Exp.apply(self._to_float())  # ints promote, as PyTorch

    def log(self):
        return ops.Log.apply(self._to_float())  # ints promote, as PyTorch

    def sqrt(self):
        return ops.Sqrt.apply(self._to_float())  # ints promote, as PyTorch

    def tanh(self):
        return ops.Tanh.apply(self._to_float())  # ints promote, as PyTorch

    def sigmoid(self):
        return ops.Sigmoid.apply(self._to_float())  # ints promote, as PyTorch

    def relu(self):
        return ops.ReLU.apply(self)

    def abs(self):
        if self.dtype == bool:
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        return ops.Abs.apply(self)

    def clamp(self, min=None, max=None):  # noqa: A002
        """Clamp into [min, max]; bounds may be numbers or Tensors (broadcast). The result has PyTorch's
        promoted dtype: ``int_tensor.clamp(0.5)`` is float32, a 0-d float64 bound keeps a float32 tensor."""
        if min is None and max is None:
            raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
        bounds = [b for b in (min, max) if b is not None]
        for b in bounds:
            check_half_value(b, self._data.dtype)
        x, *bounds = self._promote(self, *bounds)
        lo, hi = (bounds.pop(0) if min is not None else None), (bounds.pop(0) if max is not None else None)
        if not isinstance(min, TensorBase) and not isinstance(max, TensorBase):
            return ops.Clamp.apply(x, None if lo is None else lo._data, None if hi is None else hi._data)
        # where a bound equals x the gradient goes to x (PyTorch's clamp_backward), not half to each
        # as maximum/minimum split ties; a NaN in x or in a bound propagates as in PyTorch (and a NaN x
        # gets no gradient: PyTorch's mask is min <= x <= max)
        if x.requires_grad and x.dtype.kind == "f":
            x = self._where(x.isnan(), x.detach(), x)
        if lo is not None:
            x = self._where((x < lo) | lo.isnan(), lo, x)
        if hi is not None:
            x = self._where((x > hi) | hi.isnan(), hi, x)
        return x

    clip = clamp

    def _to_float(self):
        """Integer/bool tensors become the default float dtype (PyTorch's rule for sin, exp, ...)."""
        if self.dtype.kind == "f":
            return self
        return self.type(get_default_dtype())

    def sin(self):
        return ops.Sin.apply(self._to_float())

    def cos(self):
        return ops.Cos.apply(self._to_float())

    def tan(self):
        return ops.Tan.apply(self._to_float())

    def asin(self):
        return ops.Asin.apply(self._to_float())

    def acos(self):
        return ops.Acos.apply(self._to_float())

    def atan(self):
        return ops.Atan.apply(self._to_float())

    def sinh(self):
        return ops.Sinh.apply(self._to_float())

    def cosh(self):
        return ops.Cosh.apply(self._to_float())

    def exp2(self):
        return ops.Exp2.apply(self._to_float())

    def expm1(self):
        return ops.Expm1.apply(self._to_float())

    def log2(self):
        return ops.Log2.apply(self._to_float())

    def log10(self):
        return ops.Log10.apply(self._to_float())

    def log1p(self):
        return ops.Log1p.apply(self._to_float())

    def rsqrt(self):
        return ops.Rsqrt.apply(self._to_float())

    def erf(self):
        return ops.Erf.apply(self._to_float())

    def reciprocal(self):
        return ops.Reciprocal.apply(self._to_float())

    arcsin, arccos, arctan = asin, acos, atan

    def square(self):
        if self.dtype.kind == "f":
            return ops.Square.apply(self)
        x = self._data.astype(np.int64) if self.dtype == bool else self._data  # bool ** 2 is int64 in PyTorch
        return self._wrap(np.square(x))

    def _rounding(self, fn, name):
        if self.dtype.kind != "f":
            return self._wrap(np.array(self._data, copy=True))  # integers are already whole
        return fn.apply(self)

    def sign(self):
        if self.dtype.kind == "f":
            return ops.Sign.apply(self)
        return self._wrap(self._data.copy() if self.dtype == bool else np.sign(self._data))

    def floor(self):
        return self._rounding(ops.Floor, "floor")

    def ceil(self):
        return self._rounding(ops.Ceil, "ceil")

    def trunc(self):
        return self._rounding(ops.Trunc, "trunc")

    fix = trunc

    def round(self, decimals=0):
        if decimals != 0:
            return ops.RoundDecimals.apply(self._float_only("round"), decimals)
        return self._rounding(ops.Round, "round")

    def frac(self):
        if self.dtype.kind != "f":
            raise NotImplementedError(f"\"frac_cpu\" not implemented for '{torch_dtype_name(self.dtype)}'")
        return ops.Frac.apply(self)

    def absolute(self):
        return self.abs()

    @half_via_float32
    def lerp(self, end, weight):
        """``self + weight * (end - self)``."""
        for name, t in (("end", end), ("weight", weight)):  # no type promotion, as PyTorch
            if name == "weight" and isinstance(t, TensorBase) and t.ndim == 0:
                weight = t.type(self.dtype)  # except for a 0-d weight, which counts as a number
            elif isinstance(t, TensorBase) and t.dtype != self.dtype:
                names = {"float32": "float", "float64": "double", "int64": "long"}
                raise RuntimeError(f"expected dtype {names.get(self.dtype.name, self.dtype.name)} for `{name}` but "
                                   f"got dtype {names.get(t.dtype.name, t.dtype.name)}")
        # PyTorch's two-sided formula: exact at weight 1 even when |self| >> |end|
        diff = end - self
        if isinstance(weight, TensorBase):
            return self._where(weight.abs() < 0.5, self + weight * diff, end - diff * (1 - weight))
        return self + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)

    def where(self, condition, other):
        return self._where(condition, self, other)

    def isnan(self):
        return self._wrap(np.isnan(self._data))

    def isinf(self):
        return self._wrap(np.isinf(self._data))

    def isfinite(self):
        return self._wrap(np.isfinite(self._data))

    def is_floating_point(self):
        return self.dtype.kind == "f"

    def hardshrink(self, lambd=0.5):
        """x where |x| > lambd, else 0 (``F.hardshrink``); one node, PyTorch's HardshrinkBackward0."""
        if self.dtype.kind != "f":
            raise NotImplementedError(f"\"hardshrink_cpu\" not implemented for '{torch_dtype_name(self.dtype)}'")
        return composite("HardshrinkBackward0", lambda x: x._where((x > lambd) | (x < -lambd), x, 0.0), (self,))

    def prelu(self, weight):
        """x where x > 0, else weight * x (``F.prelu``); ``weight`` has 1 element or one per channel (dim 1)."""
        if weight.ndim > 1:
            raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
        if self.dtype != weight.dtype:
            raise RuntimeError(f"prelu: Type promoting not supported. Got {torch_dtype_name(self.dtype)} and "
                               f"{torch_dtype_name(weight.dtype)}")
        if self.dtype.kind != "f":
            raise NotImplementedError(f"\"prelu_cpu\" not implemented for '{torch_dtype_name(self.dtype)}'")
        n = weight.numel()
        if n != 1:
            if self.ndim == 0:
                raise RuntimeError("Not allow zero-dim input tensor.")
            channels = self.shape[1] if self.ndim >= 2 else 1
            if n != channels:
                raise RuntimeError(
                    f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} and "
                    f"channel size = {channels}.")
        if weight.ndim != self.ndim:  # PyTorch views the weight as (1, C, 1, ...) before its kernel
            weight = weight.reshape([1 if d != 1 else n for d in range(self.ndim)])
        return composite("PreluKernelBackward0", lambda x, w: x._where(x > 0, x, w * x), (self, weight))

    def softmax(self, dim, dtype=None):
        return self._softmax(ops.Softmax, "softmax", dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return self._softmax(ops.LogSoftmax, "log_softmax", dim, dtype)

    def _softmax(self, fn, name, dim, dtype):
        """softmax / log_softmax along ``dim`` (``fn`` is ops.Softmax or ops.LogSoftmax)."""
        x = self if dtype is None else self.type(dtype)
        d = softmax_dim(name, dim, x.ndim)  # the dim is checked first, as PyTorch
        if x.dtype.kind != "f":
            if x._data.size == 0:  # no kernel runs on an empty tensor, so PyTorch returns one
                return self._wrap(np.empty_like(x._data))
            kernel = "lastdim_kernel_impl" if d == max(x.ndim, 1) - 1 else "kernel_impl"
            raise NotImplementedError(f"\"{name}_{kernel}\" not implemented for '{torch_dtype_name(x.dtype)}'")
        if x.ndim == 0:
            return fn.apply(x.reshape(1), 0).reshape(())
        return fn.apply(x, d)
