"""Activations: relu (and in place), leaky_relu, sigmoid, tanh, softmax, log_softmax."""
import warnings

import numpy as np

from ... import _kernels, ops
from ..._config import threads_for
from ...autograd import ArrayFunction
from ._args import _apply_inplace, _check_inplace_allowed, _float_arg



def relu(input, inplace=False):  # noqa: A002
    """max(input, 0) elementwise (the Cython prange kernel in ``_kernels.relu_forward``).

    ``inplace=True`` overwrites ``input``'s memory and returns ``input`` (see ``_apply_inplace``).
    """
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, _ReLUInplace.apply(input))
    return ops.ReLU.apply(input)

class _ReLUInplace(ops.ReLU):
    """ReLU that overwrites its input array (``F.relu(x, inplace=True)``, ``nn.ReLU(True)``):
    no new activation buffer and no copy; the output is saved for ``ops.ReLU.backward``."""

    @staticmethod
    def forward(ctx, a):
        if a.flags.c_contiguous and a.dtype.kind == "f":
            flat = a.reshape(-1)
            _kernels.relu_forward(flat, flat, threads_for(flat.size))
        else:
            np.maximum(a, np.zeros((), a.dtype), out=a)  # NaN stays NaN, as in the kernel
        ctx.save_for_backward(a)
        return a


# -- activations ---------------------------------------------------------------------------
class _LeakyReLU(ArrayFunction):
    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * np.asarray(slope, dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, g, g * np.asarray(ctx.slope, dtype=g.dtype)), None


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """x if x > 0 else negative_slope * x, elementwise."""
    out = _LeakyReLU.apply(_float_arg(input, "leaky_relu"), float(negative_slope))
    return _apply_inplace(input, out) if inplace else out


def sigmoid(input):  # noqa: A002
    """1 / (1 + exp(-x)), elementwise (numerically stable)."""
    return _float_arg(input, "sigmoid").sigmoid()


def tanh(input):  # noqa: A002
    return _float_arg(input, "tanh").tanh()


def _softmax_dim(name, dim, ndim):
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. "
            "Change the call to include dim=X as an argument.",
            stacklevel=3,
        )
        return 0 if ndim in (0, 1, 3) else 1
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % max(ndim, 1)


class _LogSoftmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        with np.errstate(invalid="ignore", divide="ignore"):  # rows of -inf give nan, as in PyTorch
            shifted = x - x.max(axis=dim, keepdims=True, initial=-np.inf)  # exp never overflows; empty ok
            out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True), None


class _Softmax(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dim):
        with np.errstate(invalid="ignore", divide="ignore"):
            e = np.exp(x - x.max(axis=dim, keepdims=True, initial=-np.inf))  # empty dims are fine
            out = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True)), None


def _softmax_input(input, name, dim, dtype):
    _float_arg(input, name)
    if dtype is not None:
        input = input.type(dtype)
    if input.ndim == 0:
        if dim is not None:
            _softmax_dim(name, dim, 0)  # a 0-d tensor has dims -1 and 0 only, as in PyTorch
        input = input.reshape(1)
        return input, 0, True
    return input, _softmax_dim(name, dim, input.ndim), False


def softmax(input, dim=None, dtype=None):  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim``, computed as exp(x - max) for stability."""
    x, d, scalar = _softmax_input(input, "softmax", dim, dtype)
    out = _Softmax.apply(x, d)
    return out.reshape(()) if scalar else out


def log_softmax(input, dim=None, dtype=None):  # noqa: A002
    """x - logsumexp(x) along ``dim`` (never overflows: the max is subtracted first)."""
    x, d, scalar = _softmax_input(input, "log_softmax", dim, dtype)
    out = _LogSoftmax.apply(x, d)
    return out.reshape(()) if scalar else out
