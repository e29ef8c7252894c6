"""Activations: relu (and in place), leaky_relu, sigmoid, tanh, softmax, log_softmax."""
import numpy as np

from ... import _kernels, ops
from ..._config import threads_for
from ...autograd import ArrayFunction
from ...dtypes import torch_dtype_name as _torch_dtype_name
from ...functional import where as ops_where
from ._args import _apply_inplace, _check_inplace_allowed, _float_arg, _tensor_arg



def relu(input, inplace=False):  # noqa: A002
    """max(input, 0) elementwise (``ops.ReLU``: the Cython prange kernel ``_kernels.relu_forward_mask``).

    ``inplace=True`` overwrites ``input``'s memory and returns ``input`` (see ``_apply_inplace``).
    """
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, _ReLUInplace.apply(input))
    return ops.ReLU.apply(input)

class _ReLUInplace(ops.ReLU):
    """ReLU that overwrites its input array (``F.relu(x, inplace=True)``, ``nn.ReLU(True)``): no new
    activation buffer and no copy. As ``ops.ReLU``, it saves a 1-byte mask for backward, not the
    float output: the overwritten activation can die as soon as the next op is done with it (at
    batch 256 the README model's two ReLUs kept 38.5 MB alive that way; the masks take 9.6 MB)."""

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind != "f":
            np.maximum(a, np.zeros((), a.dtype), out=a)
            return a
        keep = np.empty(a.shape, np.bool_)
        if a.flags.c_contiguous:
            flat = a.reshape(-1)
            _kernels.relu_forward_mask(flat, flat, keep.reshape(-1).view(np.uint8), threads_for(flat.size))
        else:  # a strided view
            np.maximum(a, np.zeros((), a.dtype), out=a)  # NaN stays NaN, as in the kernel
            np.less_equal(a, 0, out=keep)
            np.logical_not(keep, out=keep)  # a NaN output passes the gradient, as in the kernel
        ctx.save_for_backward(keep)
        ctx.watch_versions(a)
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
    """x if x > 0 else negative_slope * x, elementwise (floating point tensors, as PyTorch's CPU kernel)."""
    _tensor_arg(input, "leaky_relu")
    if input.dtype.kind != "f":
        raise NotImplementedError(f"\"leaky_relu_cpu\" not implemented for '{_torch_dtype_name(input.dtype)}'")
    out = _LeakyReLU.apply(input, float(negative_slope))
    return _apply_inplace(input, out) if inplace else out


def sigmoid(input):  # noqa: A002
    """1 / (1 + exp(-x)), elementwise (numerically stable)."""
    return _tensor_arg(input, "sigmoid").sigmoid()  # integer tensors become the default float dtype


def tanh(input):  # noqa: A002
    return _tensor_arg(input, "tanh").tanh()


def softmax(input, dim=None, dtype=None):  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim``, computed as exp(x - max) for stability (``ops.Softmax``)."""
    return _tensor_arg(input, "softmax").softmax(dim, dtype)


def log_softmax(input, dim=None, dtype=None):  # noqa: A002
    """x - logsumexp(x) along ``dim`` (never overflows: the max is subtracted first; ``ops.LogSoftmax``)."""
    return _tensor_arg(input, "log_softmax").log_softmax(dim, dtype)


# -- API breadth (issue 9): elu, gelu, silu, softplus, hardtanh, relu6, mish, softsign ------------------
# Composed from differentiable Tensor ops, so their gradients come from those ops' Functions.
def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    """x if x > 0 else alpha * (exp(x) - 1)."""
    _float_arg(input, "elu")
    out = ops_where(input > 0, input, alpha * (input.clamp(max=0).exp() - 1))
    return _apply_inplace(input, out) if inplace else out


def gelu(input, approximate="none"):  # noqa: A002
    """x * Phi(x) (``approximate='none'``, with erf) or the tanh approximation (``'tanh'``)."""
    _float_arg(input, "gelu")
    if approximate == "none":
        return input * 0.5 * (1 + (input * (1 / np.sqrt(2.0))).erf())
    if approximate == "tanh":
        return 0.5 * input * (1 + (np.sqrt(2 / np.pi) * (input + 0.044715 * input ** 3)).tanh())
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input, inplace=False):  # noqa: A002
    """x * sigmoid(x) (also called swish)."""
    _float_arg(input, "silu")
    out = input * input.sigmoid()
    return _apply_inplace(input, out) if inplace else out


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """log(1 + exp(beta * x)) / beta; linear where beta * x > threshold."""
    _float_arg(input, "softplus")
    bx = input * beta
    soft = (bx.clamp(max=threshold).exp().log1p()) / beta
    return ops_where(bx > threshold, input, soft)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    out = input.clamp(min_val, max_val)
    return _apply_inplace(input, out) if inplace else out


def relu6(input, inplace=False):  # noqa: A002
    return hardtanh(input, 0.0, 6.0, inplace)


def mish(input, inplace=False):  # noqa: A002
    out = input * softplus(input).tanh()
    return _apply_inplace(input, out) if inplace else out


def softsign(input):  # noqa: A002
    return input / (1 + input.abs())

