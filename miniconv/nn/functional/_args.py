"""Argument parsing shared by the functional ops and the Modules (one error per mistake)."""
import numbers

import numpy as np

from ...autograd import is_grad_enabled
from ...tensor import Tensor



def _tensor_arg(x, fn, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _float_arg(x, fn, name="input"):
    _tensor_arg(x, fn, name)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{fn}(): expected a floating point tensor for '{name}', got dtype {x.dtype}")
    return x


def _pair(v, fn, name):
    """An int, (int,) or (int, int) -> (int, int), as PyTorch's ``_pair``."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    vals = (v, v) if isinstance(v, numbers.Integral) else tuple(v) if isinstance(v, (tuple, list)) else ()
    if len(vals) != 2 or any(isinstance(a, bool) or not isinstance(a, numbers.Integral) for a in vals):
        raise TypeError(f"{fn}(): argument '{name}' must be an int or a tuple of two ints, got {v!r}")
    return int(vals[0]), int(vals[1])


def _conv_pair(value, name, fn="conv2d"):
    """An int or a sequence of 1 or 2 ints -> a tuple of 2 Python ints (PyTorch's _pair + checks).

    The one parser for convolution arguments: ``nn.Conv2d``, ``nn.ConvTranspose2d`` and ``F.conv2d`` /
    ``F.conv_transpose2d`` all call it, so the same mistake gives the same exception and message.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}(): argument '{name}' must be int or tuple of ints, not bool")
    if isinstance(value, numbers.Integral):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)):
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in value):
            raise TypeError(f"{fn}(): argument '{name}' must be int or tuple of ints, got {value!r}")
        if len(value) == 1:
            return (int(value[0]), int(value[0]))
        if len(value) == 2:
            return (int(value[0]), int(value[1]))
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the convolution "
            f"dimensions, but got {name}={list(value)}"
        )
    raise TypeError(f"{fn}(): argument '{name}' must be int or tuple of ints, not {type(value).__name__}")


def _check_inplace_allowed(input):
    """PyTorch's rules for an in-place op, checked before a kernel writes into ``input``."""
    if is_grad_enabled():
        input._check_inplace_grad()


def _apply_inplace(input, out):
    """Make ``input`` hold ``out``'s values and take its place in the graph (PyTorch's ``op_``).

    ``out`` is either a new result (copied into ``input``) or ``input``'s own memory written by an
    in-place kernel (``_ReLUInplace``). Goes through ``Tensor._commit_inplace``: the version counter
    is bumped, so a backward that needs ``input``'s old values raises instead of using the new ones.
    """
    return input._commit_inplace(out)


def _size_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _dtype_name(dt):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "uint8": "Byte",
            "int16": "Short", "int8": "Char", "bool": "Bool"}.get(np.dtype(dt).name, str(dt))
