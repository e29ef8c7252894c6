"""Arithmetic and comparison: operators (+ - * / ** @ % //, comparisons, bitwise), their method spellings,
maximum/minimum, fmod/remainder, atan2, products (mm, bmm, dot, outer) and equality tests.

PyTorch's type promotion (``TensorBase._promote``) happens here, before the Function in ``miniconv.ops`` runs.
"""
import numbers

import numpy as np

from .. import ops
from .._args import check_broadcast, check_matmul, number_array
from ..dtypes import _builtin_bool, _infer_dtype, bool, get_default_dtype, int64, torch_dtype_name
from ._base import TensorBase, _number_tensor

_HALF = np.dtype(np.float16)
_F32_F64 = (np.dtype(np.float32), np.dtype(np.float64))
_REAL = (int, float, np.integer, np.floating)  # Python and NumPy real numbers (a bool counts as 0 or 1)

# C type names in PyTorch's overflow messages
C_TYPE_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
                "bool": "bool"}


def _check_int_range(number):
    """PyTorch takes a Python int operand as an int64 or a uint64 (up to 2**64 - 1), and refuses a larger one."""
    if not -0x8000000000000000 <= number <= 0xFFFFFFFFFFFFFFFF:
        raise OverflowError("int too big to convert" if number > 0 else "can't convert negative int to unsigned")


class ArithMixin:
    """Operators and binary math; results through ``self._binary`` (one broadcast check, PyTorch's promotion)."""

    def _operand(self, other):
        """Turn ``other`` into a Tensor, promoting like PyTorch: a Python float keeps a float
        tensor's dtype and makes an integer tensor float32."""
        if isinstance(other, TensorBase):
            return other
        if isinstance(other, (numbers.Number, np.number, np.bool_)) and not isinstance(other, np.ndarray):
            if type(other) is int:
                _check_int_range(other)
            if self.dtype.kind == "f":
                dt = self.dtype
            elif isinstance(other, (_builtin_bool, np.bool_)):
                dt = self.dtype
            elif isinstance(other, numbers.Integral):
                dt = self.dtype if self.dtype.kind in "iu" else int64
            else:
                dt = get_default_dtype()
            # -1 + uint8 tensor wraps around as in PyTorch (NumPy 2 would raise OverflowError)
            return _number_tensor(number_array(other, dt))  # marked: saved-tensor hooks never see it
        if isinstance(other, (list, tuple, np.ndarray)):
            return self._from_data(np.array(other, dtype=_infer_dtype(other)))
        raise TypeError(f"unsupported operand type for Tensor: {type(other).__name__}")

    def _binary(self, fn, other, reverse=False):
        # the hot path of every arithmetic operator: arrays' shapes and dtypes read once
        if not isinstance(other, TensorBase):
            ot = type(other)
            if (ot is float or ot is int) and self._data.dtype in _F32_F64:
                if ot is int:
                    _check_int_range(other)
                # a float32/float64 tensor and a Python number (not a bool): what _operand and number_array make
                # (the number as a 0-d array of the tensor's dtype), without the checks a 0-d operand of the
                # same dtype cannot fail (broadcast, promotion)
                if ot is float and not -3.5e38 < other < 3.5e38:  # (float32's range; also inf and NaN)
                    with np.errstate(over="ignore"):  # out of float32's range: inf, silently as in PyTorch
                        t = _number_tensor(np.asarray(other, dtype=self._data.dtype))
                else:
                    t = _number_tensor(np.asarray(other, dtype=self._data.dtype))
                return fn.apply(t, self) if reverse else fn.apply(self, t)
            if self._data.dtype == _HALF and (fn is ops.Mul or fn is ops.Div) and isinstance(other, _REAL):
                return self._half_scale(fn, other, reverse)
            other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        ad, bd = a._data, b._data
        if ad.shape != bd.shape:
            check_broadcast(ad.shape, bd.shape)
        if fn is ops.Div and ad.dtype.kind != "f" and bd.dtype.kind != "f":
            a, b = a.type(get_default_dtype()), b.type(get_default_dtype())
        elif ad.dtype != bd.dtype:
            if ad.dtype == _HALF and (fn is ops.Mul or fn is ops.Div) and not reverse and bd.ndim == 0 \
                    and bd.dtype.kind == "f" and not b._requires_grad:
                return a._half_scale(fn, bd, False)  # a float 0-d tensor scales float16 as a number does
            a, b = self._promote(a, b)  # PyTorch's type promotion (a 0-d tensor counts as a number of its category)
        return fn.apply(a, b)

    def _half_scale(self, fn, number, reverse):
        """float16 * number, float16 / number, number / float16: PyTorch's CPU keeps the number in float32
        (``ops.HalfScale``); ``number / x`` is its ``reciprocal() * number``."""
        x = self.reciprocal() if reverse else self
        if -3.5e38 < number < 3.5e38:
            scale = np.float32(number)
        else:
            with np.errstate(over="ignore"):  # beyond float32's range (or NaN): inf, silently as in PyTorch
                scale = np.float32(number)
        return ops.HalfScale.apply(x, scale, fn is ops.Div and not reverse)  # (a 0-d array too)

    def _add_scaled(self, other, alpha, subtract=False):
        """``self + alpha * other`` (``-`` with ``subtract``): ``add``/``sub``/``add_``/``sub_`` with ``alpha``.
        PyTorch computes float16 operands in float32, with alpha rounded to float16, and rounds once."""
        if isinstance(alpha, float) and not np.issubdtype(self._data.dtype, np.inexact) and not (
                isinstance(other, TensorBase) and np.issubdtype(other._data.dtype, np.inexact)) and not isinstance(
                other, float):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        if alpha != 1 and self._data.dtype == _HALF and isinstance(other, TensorBase) and other._data.dtype == _HALF:
            scaled = other.float() * float(np.float16(alpha))
            return (self.float() - scaled if subtract else self.float() + scaled).half()
        scaled = other if alpha == 1 else other * alpha
        return self - scaled if subtract else self + scaled

    def __add__(self, o):
        return self._binary(ops.Add, o)

    def __radd__(self, o):
        return self._binary(ops.Add, o)  # PyTorch's add(self, other): the tensor is input 0 of the node

    def __sub__(self, o):
        self._check_bool_sub(o)
        return self._binary(ops.Sub, o)

    def __rsub__(self, o):
        self._check_bool_sub(o)
        return self._binary(ops.RSub, o, True)

    def _check_bool_sub(self, other):
        """PyTorch refuses ``-`` with a bool tensor (it would not invert a mask)."""
        other_bool = isinstance(other, (_builtin_bool, np.bool_)) or (
            isinstance(other, TensorBase) and other.dtype == bool)
        if self.dtype == bool and other_bool:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        if self.dtype == bool or other_bool:
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")

    def __mul__(self, o):
        return self._binary(ops.Mul, o)

    def __rmul__(self, o):
        return self._binary(ops.Mul, o)  # PyTorch's mul(self, other): the tensor is input 0 of the node

    def __truediv__(self, o):
        return self._binary(ops.Div, o)

    def __rtruediv__(self, o):
        if isinstance(o, (numbers.Number, np.generic)):  # PyTorch's __rdiv__: the reciprocal, then the product
            return self.reciprocal() * o  # (its rounding and graph: MulBackward0 -> ReciprocalBackward0, saves 1/x)
        return self._binary(ops.Div, o, True)

    def __pow__(self, o):
        if isinstance(o, numbers.Number) and not isinstance(o, TensorBase):
            if type(o) is int:
                _check_int_range(o)
            if isinstance(o, numbers.Integral) and self.dtype.kind != "f":
                if self.dtype == bool and not isinstance(o, (_builtin_bool, np.bool_)):
                    return self.type(int64) ** o  # PyTorch's type promotion: bool ** int is int64
                if o < 0:
                    raise RuntimeError("Integers to negative integer powers are not allowed.")
                if not np.iinfo(self.dtype).min <= o <= np.iinfo(self.dtype).max:
                    raise RuntimeError(f"value cannot be converted to type {C_TYPE_NAMES.get(self.dtype.name)} "
                                       "without overflow")
            return ops.PowScalar.apply(self if self.dtype.kind == "f" or isinstance(o, numbers.Integral)
                                       else self.type(get_default_dtype()), o)
        return self._binary(ops.Pow, o)

    def __rpow__(self, o):
        return self._binary(ops.RPow, o, True)

    def __neg__(self):
        if self.dtype == bool:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                               "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()  # Python's abs(t), as PyTorch

    def __matmul__(self, o):
        if not isinstance(o, TensorBase):
            return NotImplemented  # PyTorch: `t @ 2` is Python's TypeError (unsupported operand type(s) for @)
        check_matmul(self, o)
        return ops.MatMul.apply(self, o)

    def __rmatmul__(self, o):
        return NotImplemented  # reached only for a non-Tensor left operand: TypeError, as PyTorch

    def matmul(self, other):
        if not isinstance(other, TensorBase):
            raise TypeError(f"matmul(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self @ other

    def add(self, other, *, alpha=1):
        return self._add_scaled(other, alpha)

    def sub(self, other, *, alpha=1):
        return self._add_scaled(other, alpha, subtract=True)

    mul = __mul__

    def pow(self, exponent):
        return self ** exponent

    # comparisons: no gradient, bool results
    def _compare(self, fn, other):
        if not isinstance(other, (TensorBase, numbers.Number, np.generic, np.ndarray, list, tuple)):
            return NotImplemented  # `t == None` is False, `t < None` a TypeError: Python's rules, as PyTorch
        if not isinstance(other, TensorBase):
            other = self._operand(other)
        check_broadcast(self.shape, other.shape)
        # compared in PyTorch's common dtype
        a, b = (self, other) if self.dtype == other.dtype else self._promote(self, other)
        return self._wrap(np.asarray(fn(a._data, b._data)))

    def __eq__(self, o):
        return self._compare(np.equal, o)

    def __ne__(self, o):
        return self._compare(np.not_equal, o)

    def __lt__(self, o):
        return self._compare(np.less, o)

    def __le__(self, o):
        return self._compare(np.less_equal, o)

    def __gt__(self, o):
        return self._compare(np.greater, o)

    def __ge__(self, o):
        return self._compare(np.greater_equal, o)

    def _compare_method(self, fn, other, name):
        out = self._compare(fn, other)
        if out is NotImplemented:
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor or Number, not "
                            f"{type(other).__name__}")
        return out

    def eq(self, other):
        return self._compare_method(np.equal, other, "eq")

    def ne(self, other):
        return self._compare_method(np.not_equal, other, "ne")

    def lt(self, other):
        return self._compare_method(np.less, other, "lt")

    def le(self, other):
        return self._compare_method(np.less_equal, other, "le")

    def gt(self, other):
        return self._compare_method(np.greater, other, "gt")

    def ge(self, other):
        return self._compare_method(np.greater_equal, other, "ge")

    def __invert__(self):
        if self.dtype != bool:
            return self._wrap(np.invert(self._data))
        return self._wrap(~self._data)

    def _bitwise(self, fn, name, other, reverse=False):
        if not isinstance(other, (TensorBase, numbers.Number, np.generic)):
            return NotImplemented
        a, b = self._promote(other, self) if reverse else self._promote(self, other)
        if a.dtype.kind == "f":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{torch_dtype_name(a.dtype)}'")
        check_broadcast(a.shape, b.shape)
        return self._wrap(np.asarray(fn(a._data, b._data)))

    def __and__(self, o):
        return self._bitwise(np.bitwise_and, "bitwise_and", o)

    def __rand__(self, o):
        return self._bitwise(np.bitwise_and, "bitwise_and", o, True)

    def __or__(self, o):
        return self._bitwise(np.bitwise_or, "bitwise_or", o)

    def __ror__(self, o):
        return self._bitwise(np.bitwise_or, "bitwise_or", o, True)

    def __xor__(self, o):
        return self._bitwise(np.bitwise_xor, "bitwise_xor", o)

    def __rxor__(self, o):
        return self._bitwise(np.bitwise_xor, "bitwise_xor", o, True)

    def negative(self):
        return -self

    neg = negative

    def _binary_float(self, fn, other, name):
        other = self._operand(other)
        a = self if (self.dtype.kind == "f" or other.dtype.kind == "f") else self._to_float()
        return a._binary(fn, other)

    def atan2(self, other):
        return self._binary_float(ops.Atan2, other, "atan2")

    arctan2 = atan2

    def maximum(self, other):
        if not isinstance(other, TensorBase):
            raise TypeError(f"maximum(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self._binary(ops.Maximum, other)

    def minimum(self, other):
        if not isinstance(other, TensorBase):
            raise TypeError(f"minimum(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self._binary(ops.Minimum, other)

    # -- integer-aware division: floor/trunc quotients and remainders ------------------------------------
    def _int_division(self, other, kind, reverse=False, rounded_grad=False):
        """``kind`` ('floor', 'trunc', 'remainder', 'fmod') of ``self`` by ``other`` (or of ``other`` by
        ``self``) in PyTorch's promoted dtype. Integer results are computed exactly in integers (no float
        round trip) and a zero divisor raises PyTorch's ZeroDivisionError; float quotients have no gradient
        (as ``floor_divide``), float remainders go through their Functions."""
        if not isinstance(other, TensorBase):
            other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        check_broadcast(a.shape, b.shape)
        if a.dtype != b.dtype:
            a, b = self._promote(a, b)
        dt = a.dtype
        if dt == bool:
            kernel = "remainder_cpu" if kind == "remainder" else "fmod_cpu" if kind == "fmod" else f"div_{kind}_cpu"
            raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
        if dt.kind == "f":
            if kind in ("remainder", "fmod"):
                return (ops.Remainder if kind == "remainder" else ops.Fmod).apply(a, b)
            if rounded_grad:  # div(rounding_mode=) has a (zero) gradient in PyTorch; `//` has none
                return ops.DivRounded.apply(a, b, kind)
            q = np.floor_divide(a._data, b._data) if kind == "floor" else np.trunc(a._data / b._data)
            return self._wrap(np.asarray(q, dtype=dt))
        x, y = a._data, b._data
        if y.size and not y.all():
            raise RuntimeError("ZeroDivisionError")
        if kind == "floor":
            out = np.floor_divide(x, y)
        elif kind == "remainder":
            out = np.remainder(x, y)
        else:  # trunc and fmod: round toward zero, from the floor quotient
            q = np.floor_divide(x, y)
            q = q + ((q * y != x) & ((x < 0) != (y < 0))).astype(dt)
            out = q if kind == "trunc" else x - q * y
        return self._wrap(np.asarray(out, dtype=dt))

    def fmod(self, other):
        return self._int_division(other, "fmod")

    def remainder(self, other):
        return self._int_division(other, "remainder")

    __mod__ = remainder

    def __rmod__(self, other):
        return self._int_division(other, "remainder", reverse=True)

    def __floordiv__(self, other):
        return self._int_division(other, "floor")

    def __rfloordiv__(self, other):
        return self._int_division(other, "floor", reverse=True)

    floor_divide = __floordiv__

    def div(self, other, *, rounding_mode=None):
        """``self / other``; ``rounding_mode='trunc'`` or ``'floor'`` rounds the quotient (integers stay
        integers, exactly)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                             f"'{rounding_mode}'")
        return self._int_division(other, rounding_mode, rounded_grad=True)

    divide = true_divide = div

    def mm(self, mat2):
        if self.ndim != 2:
            raise RuntimeError("self must be a matrix")
        if not isinstance(mat2, TensorBase) or mat2.ndim != 2:
            raise RuntimeError("mat2 must be a matrix")
        return self @ mat2

    def bmm(self, mat2):
        if self.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if not isinstance(mat2, TensorBase) or mat2.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        if self.shape[0] != mat2.shape[0] or self.shape[2] != mat2.shape[1]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{self.shape[0]}, {self.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
        out = self @ mat2
        if out.grad_fn is not None:  # one BmmBackward0 in PyTorch (matmul's expand/view nodes are not there)
            out.grad_fn._torch_name = "BmmBackward0"
            out.grad_fn._structure = None
        return out

    def dot(self, other):
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
        if self.shape[0] != other.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{self.shape[0]}] and src "
                               f"[{other.shape[0]}] to have the same number of elements, but got {self.shape[0]} and "
                               f"{other.shape[0]} elements respectively")
        return self @ other

    def outer(self, vec2):
        if self.ndim != 1 or vec2.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument self, but got {self.ndim}-D" if self.ndim != 1 else
                               f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        o = other._data if isinstance(other, TensorBase) else other
        return self._wrap(np.asarray(np.isclose(self._data, o, rtol=rtol, atol=atol, equal_nan=equal_nan)))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _builtin_bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def equal(self, other):
        return self.shape == other.shape and _builtin_bool(np.array_equal(self._data, other._data))

    def logical_not(self):
        return self._wrap(np.logical_not(self._data))

    def logical_and(self, other):
        return self._wrap(np.logical_and(self._data, other._data if isinstance(other, TensorBase) else other))

    def logical_or(self, other):
        return self._wrap(np.logical_or(self._data, other._data if isinstance(other, TensorBase) else other))

    greater, greater_equal, less, less_equal, not_equal = (
        lambda s, o: s > o, lambda s, o: s >= o, lambda s, o: s < o, lambda s, o: s <= o, lambda s, o: s != o)
