"""The ``out=`` keyword of the ``torch.*`` functions: ``torch.add(x, y, out=result)``.

PyTorch's rules: the result is computed as without ``out=`` and written into ``out`` (which is returned);
a result dtype that cannot be cast to ``out``'s dtype without losing its kind (float into an integer
tensor) raises; an ``out`` of another shape is resized (with PyTorch's deprecation warning when it held
elements); ``out=`` refuses inputs or an ``out`` that require grad while grad mode is on. Functions
returning (values, indices) take a tuple of two tensors.
"""
import functools
import warnings

import numpy as np

from .autograd.grad_mode import is_grad_enabled, no_grad
from .dtypes import torch_dtype_name
from .tensor import Tensor


def _requires_grad(obj):
    if isinstance(obj, Tensor):
        return obj.requires_grad
    if isinstance(obj, (list, tuple)):
        return any(_requires_grad(o) for o in obj)
    return False


def _write_one(result, out, name):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    src = result._data
    if src.dtype != out.dtype and not np.can_cast(src.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"result type {torch_dtype_name(src.dtype)} can't be cast to the desired output type "
                           f"{torch_dtype_name(out.dtype)}")
    if tuple(out.shape) != tuple(src.shape):
        if out.numel() > 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does "
                f"not match the required output shape {list(src.shape)}. This behavior is deprecated, and in a "
                "future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning, stacklevel=4)
        out._data = np.empty(src.shape, dtype=out.dtype)
    np.copyto(out._data, src, casting="unsafe")
    out._bump_version()
    return out


def write_out(result, out, name):
    """Write ``result`` (a Tensor, or a tuple of them) into ``out``; returns ``out`` (or the tuple)."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
        written = [_write_one(r, o, name) for r, o in zip(result, out)]
        if hasattr(result, "_name"):  # (values, indices): PyTorch's ``return_types.<name>_out``
            return type(result)(*written, name=result._name + "_out")
        return tuple(written)
    return _write_one(result, out, name)


def with_out(fn, name=None):
    """``fn`` taking PyTorch's keyword-only ``out=`` (see the module docstring)."""
    name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if is_grad_enabled() and (_requires_grad(args) or _requires_grad(tuple(kwargs.values()))
                                  or _requires_grad(out)):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        with no_grad():
            result = fn(*args, **kwargs)
        return write_out(result, out, name)

    return wrapper


# the torch.* functions that take ``out=`` in PyTorch and not already in miniconv (sum, mean, std, var,
# max, min, cat, stack and the creation functions take it themselves)
OUT_FUNCTIONS = (
    "exp log sqrt tanh sigmoid abs absolute neg negative sin cos tan floor ceil round trunc fix frac sign sgn "
    "reciprocal rsqrt erf erfc erfinv exp2 expm1 log2 log10 log1p sinh cosh asin acos atan arcsin arccos arctan "
    "asinh acosh atanh square logical_not tril triu diag add sub subtract mul multiply div divide true_divide "
    "matmul mm bmm mv dot outer addmm baddbmm addmv addbmm addr maximum minimum remainder fmod atan2 arctan2 "
    "floor_divide eq ne lt le gt ge logical_and logical_or logical_xor hypot xlogy logaddexp kron prod amax "
    "amin logsumexp cumsum cumprod softmax log_softmax nansum nanmean pow clamp clip where lerp gather "
    "index_select masked_select cross sort topk kthvalue take_along_dim"
).split()


def install(namespace):
    """Give each function of ``OUT_FUNCTIONS`` found in ``namespace`` (a module's globals) the ``out=`` keyword."""
    for name in OUT_FUNCTIONS:
        fn = namespace.get(name)
        if fn is not None and not getattr(fn, "_takes_out", False):
            wrapped = with_out(fn, name)
            wrapped._takes_out = True
            namespace[name] = wrapped
