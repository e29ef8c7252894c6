"""Argument parsing shared by the functional ops and the Modules: one parser per argument, so that one mistake
gives one exception class and message through the Module and through its functional form (PyTorch's)."""
import numbers
import warnings

import numpy as np

from ..._device import _check_device
from ...autograd import is_grad_enabled
from ...creation import empty
from ...dtypes import torch_dtype_name as _dtype_name  # noqa: F401  (used by pooling, loss)
from ...tensor import Tensor


def _reduction(size_average, reduce, reduction, stacklevel=3):
    """PyTorch's legacy ``size_average`` / ``reduce`` pair -> a reduction string (with its warning);
    ``reduction`` itself when both are None. Either one given overrides ``reduction``, as in PyTorch."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=stacklevel)
    return ret


def _tensor_arg(x, fn, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _float_arg(x, fn, name="input"):
    _tensor_arg(x, fn, name)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{fn}(): expected a floating point tensor for '{name}', got dtype {x.dtype.name}")
    return x


def _int64(values):
    """``values`` (Python ints) as they reach PyTorch's C++ layer: beyond int64 is its ValueError."""
    for v in values:
        if not -(2**63) <= v < 2**63:
            raise ValueError("Overflow when unpacking long long")
    return values


def _pair(v, fn, name):
    """An int, (int,) or (int, int) -> (int, int), as PyTorch's ``_pair``."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    vals = (v, v) if isinstance(v, numbers.Integral) else tuple(v) if isinstance(v, (tuple, list)) else ()
    if len(vals) != 2 or any(isinstance(a, bool) or not isinstance(a, numbers.Integral) for a in vals):
        raise TypeError(f"{fn}(): argument '{name}' must be an int or a tuple of two ints, got {v!r}")
    return _int64((int(vals[0]), int(vals[1])))


def conv_tuple(value, n, name, fn):
    """An int or a sequence of 1 or ``n`` ints -> ``n`` Python ints: the one parser of the functional
    convolutions' stride, padding, output_padding and dilation, with PyTorch's exception classes."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return _int64((int(value),) * n)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
    for i, v in enumerate(value):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, but found element of type "
                            f"{type(v).__name__} at pos {i}")
    _int64([int(v) for v in value])
    if len(value) == 1:
        return (int(value[0]),) * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return tuple(int(v) for v in value)


def conv_groups(groups, fn):
    """``groups`` of a functional convolution: an int (TypeError otherwise), positive (RuntimeError)."""
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{fn}(): argument 'groups' must be int, not {type(groups).__name__}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    return int(groups)


def check_conv_weight_groups(weight_shape, groups):
    """PyTorch's checks of the weight's first dim against ``groups`` (its messages, brackets included)."""
    if weight_shape[0] < groups or weight_shape[0] == 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {max(groups, 1)} at dimension 0, "
                           f"but got weight of size {_size_str(weight_shape)} instead")
    if weight_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_size_str(weight_shape)}] instead")


# -- the convolution modules' constructor checks (PyTorch's _ConvNd.__init__) ----------------------
_PADDING_STRINGS = ("valid", "same")
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def ntuple(value, n):
    """PyTorch's ``_ntuple``: a sequence becomes a tuple, anything else is repeated ``n`` times. No checks:
    the values are checked by the functional form when the module's forward calls it, as in PyTorch."""
    if isinstance(value, (tuple, list, str)):
        return tuple(value)
    return (value,) * n


def check_conv_module_args(cls_name, in_channels, out_channels, groups, padding, stride, padding_mode, device,
                           transposed):
    """What PyTorch's conv modules check when constructed (ValueError), in its order."""
    if transposed and padding_mode != "zeros":
        raise ValueError(f'Only "zeros" padding mode is supported for {cls_name}')
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")
    if isinstance(padding, str):
        if padding not in _PADDING_STRINGS:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
    if padding_mode not in _PADDING_MODES:
        raise ValueError("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                         f"but got padding_mode='{padding_mode}'")
    _check_device(device)


def parameter_data(shape, dtype):
    """The data of a new Parameter: PyTorch's ``Parameter(torch.empty(shape, dtype=dtype))`` with its errors,
    a bad size (TypeError, or RuntimeError for a negative one) before an integer dtype (RuntimeError)."""
    data = empty(*shape, dtype=dtype)
    if data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return data


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
