"""Activations: relu (and in place), leaky_relu, sigmoid, tanh, softmax, log_softmax."""
import numpy as np

from ... import _kernels, _random, ops
from ..._random import default_generator
from ..._config import threads_for
from ...autograd import ArrayFunction
from ...autograd.composite import composite
from ...dtypes import computes_half_in_float32, torch_dtype_name as _torch_dtype_name
from ...functional import where as ops_where
from ...ops.activation_fused import Elu as _Elu, Gelu as _Gelu, Silu as _Silu
from ._args import _apply_inplace, _check_inplace_allowed, _float_arg, _tensor_arg



def relu(input, inplace=False):  # noqa: A002
    """max(input, 0) elementwise (``ops.ReLU``: the Cython prange kernel ``_kernels.relu_forward_mask``).

    ``inplace=True`` overwrites ``input``'s memory and returns ``input`` (see ``_apply_inplace``).
    """
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, _ReLUInplace.apply(input))
    return ops.ReLU.apply(input)

@computes_half_in_float32
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
@computes_half_in_float32
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

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the slope per element is a constant
        (x,) = ctx.saved_tensors
        return g * ctx.constant(np.where(x > 0, 1, ctx.slope).astype(x.dtype)), None


class _RReLU(_LeakyReLU):
    """rrelu: leaky_relu with the slope a number (evaluation) or one per element (training); saves the input."""


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """x if x > 0 else negative_slope * x, elementwise (floating point tensors, as PyTorch's CPU kernel)."""
    _tensor_arg(input, "leaky_relu")
    if input.dtype.kind != "f":
        raise NotImplementedError(f"\"leaky_relu_cpu\" not implemented for '{_torch_dtype_name(input.dtype)}'")
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, _SlopeInplace.apply(input, float(negative_slope), "LeakyReluBackward1"))
    return _LeakyReLU.apply(input, float(negative_slope))


# -- in-place forms that keep their result, as PyTorch's (EluBackward1, LeakyReluBackward1, ...) ----------
# Each writes into the input's memory and saves that memory as its result: the gradient is computed from
# the result, and changing the output in place before backward raises PyTorch's version error (the
# composed out-of-place forms would save the input, which the write destroys).
_NEG_SLOPE_MSG = ("In-place {} backward calculation is triggered with a negative slope which is not supported. This "
                  "is caused by calling in-place forward function with a negative slope, please call out-of-place "
                  "version instead.")


class _SlopeInplace(ArrayFunction):
    """leaky_relu_ / rrelu_: x where x > 0, else slope * x (slope a number or one per element)."""

    @staticmethod
    def forward(ctx, x, slope, torch_name):
        ctx.slope = slope if type(slope) is float else np.asarray(slope, x.dtype)
        ctx._torch_name = torch_name
        np.copyto(x, np.where(x > 0, x, x * np.asarray(ctx.slope, x.dtype)))
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, g):
        (r,) = ctx.saved_tensors
        if type(ctx.slope) is float and ctx.slope < 0:
            raise RuntimeError(_NEG_SLOPE_MSG.format("leakyReLu") + " File an issue at https://github.com/pytorch/"
                               "pytorch if you do require supporting in-place leakRelu backward calculation with "
                               "negative slope")
        return np.where(r > 0, g, g * np.asarray(ctx.slope, g.dtype)), None, None

    @staticmethod
    def backward_graph(ctx, g):
        (r,) = ctx.saved_tensors
        return g * ctx.constant(np.where(r > 0, 1, ctx.slope).astype(r.dtype)), None, None


class _EluInplace(ArrayFunction):
    """elu_ / celu_ / selu_: scale * x where x > 0, else alpha * scale * (exp(x * input_scale) - 1). The
    gradient from the result r: scale where r > 0, else input_scale * (r + alpha * scale)."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale, torch_name):
        ctx.coefs = (alpha, scale, input_scale)
        ctx._torch_name = torch_name
        t = x.dtype.type
        neg = np.expm1(x * t(input_scale)) * t(alpha * scale)
        np.copyto(x, np.where(x > 0, x * t(scale), neg))
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, g):
        (r,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        if alpha < 0:
            raise RuntimeError(_NEG_SLOPE_MSG.format("elu"))
        t = g.dtype.type
        return np.where(r > 0, g * t(scale), g * t(input_scale) * (r + t(alpha * scale))), None, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: the same gradient from the result as a Tensor whose grad_fn is this node, so the
        gradient of the gradient flows back through the result into the input (PyTorch's EluBackward1 with
        elu_backward's is_result=True)."""
        (r,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefs
        if alpha < 0:
            raise RuntimeError(_NEG_SLOPE_MSG.format("elu"))
        result = ctx.output_from(r)
        positive = ctx.constant(r > 0)
        return ops_where(positive, g * scale, g * input_scale * (result + alpha * scale)), None, None, None, None


class _Hardtanh(ArrayFunction):
    """min(max(x, min_val), max_val); the gradient passes where min_val < x < max_val only (PyTorch's
    hardtanh_backward: 0 at both ends, where clamp's gradient is 1). Saves that mask; out of place the
    input's version is watched (PyTorch saves the input), in place nothing is (PyTorch's hardtanh_ does not
    check its result either)."""

    @staticmethod
    def forward(ctx, x, min_val, max_val, inplace):
        ctx._torch_name = "HardtanhBackward0"
        keep = (x > min_val) & (x < max_val)
        ctx.save_for_backward(keep)
        t = x.dtype.type
        if inplace:
            np.clip(x, t(min_val), t(max_val), out=x)
            return x
        ctx.watch_versions(x)
        return np.clip(x, t(min_val), t(max_val))

    @staticmethod
    def backward(ctx, g):
        (keep,) = ctx.saved_tensors
        return np.where(keep, g, np.zeros((), g.dtype)), None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        (keep,) = ctx.saved_tensors
        return g * ctx.constant(keep.astype(g._data.dtype)), None, None, None


def _elu_inplace(input, alpha, scale, input_scale, torch_name):
    _check_inplace_allowed(input)
    return _apply_inplace(input, _EluInplace.apply(input, float(alpha), scale, input_scale, torch_name))


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


# -- elu, gelu, silu, softplus, hardtanh, relu6, mish, softsign ------------------
# Composed from differentiable Tensor ops, so their gradients come from those ops' Functions.
def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    """x if x > 0 else alpha * (exp(x) - 1)."""
    _float_arg(input, "elu")
    if inplace:
        return _elu_inplace(input, alpha, 1.0, 1.0, "EluBackward1")
    return _Elu.apply(input, alpha)  # one EluBackward0 node (ops/activation_fused.py)


def gelu(input, approximate="none"):  # noqa: A002
    """x * Phi(x) (``approximate='none'``, with erf) or the tanh approximation (``'tanh'``)."""
    _float_arg(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _Gelu.apply(input, approximate)  # one GeluBackward0 node (ops/activation_fused.py)


def silu(input, inplace=False):  # noqa: A002
    """x * sigmoid(x) (also called swish)."""
    _float_arg(input, "silu")
    out = _Silu.apply(input)  # one SiluBackward0 node (ops/activation_fused.py)
    return _apply_inplace(input, out) if inplace else out


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """log(1 + exp(beta * x)) / beta; linear where beta * x > threshold."""
    _float_arg(input, "softplus")
    return composite("SoftplusBackward0", lambda x: _softplus(x, beta, threshold), (input,))


def _softplus(x, beta, threshold):
    bx = x * beta
    soft = (bx.clamp(max=threshold).exp().log1p()) / beta
    return ops_where(bx > threshold, x, soft)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype.kind != "f":
        out = input.clamp(min_val, max_val)
        return _apply_inplace(input, out) if inplace else out
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, _Hardtanh.apply(input, float(min_val), float(max_val), True))
    return _Hardtanh.apply(input, float(min_val), float(max_val), False)


def relu6(input, inplace=False):  # noqa: A002
    return hardtanh(input, 0.0, 6.0, inplace)


def mish(input, inplace=False):  # noqa: A002
    out = composite("MishBackward0", lambda x: x * _softplus(x, 1.0, 20.0).tanh(), (input,), inplace=inplace)
    return _apply_inplace(input, out) if inplace else out


def softsign(input):  # noqa: A002
    return input / (1 + input.abs())



# -- more activations: composed from differentiable Tensor ops (their gradients come from those ops) ---------
def _maybe_inplace(input, out, inplace):
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, out)
    return out


def hardswish(input, inplace=False):  # noqa: A002
    """x * relu6(x + 3) / 6."""
    _float_arg(input, "hardswish")
    out = composite("HardswishBackward0", lambda x: x * (x + 3).clamp(0, 6) / 6, (input,), inplace=inplace)
    return _maybe_inplace(input, out, inplace)


def hardsigmoid(input, inplace=False):  # noqa: A002
    """relu6(x + 3) / 6."""
    _float_arg(input, "hardsigmoid")
    out = composite("HardsigmoidBackward0", lambda x: (x + 3).clamp(0, 6) / 6, (input,), inplace=inplace,
                    double_backward_error=(RuntimeError, "derivative for aten::hardsigmoid_backward is not implemented",
                                           "torch::autograd::NotImplemented"))
    return _maybe_inplace(input, out, inplace)


def hardshrink(input, lambd=0.5):  # noqa: A002
    """x where |x| > lambd, else 0 (``Tensor.hardshrink``)."""
    return _tensor_arg(input, "hardshrink").hardshrink(lambd)


def softshrink(input, lambd=0.5):  # noqa: A002
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0."""
    _float_arg(input, "softshrink")
    if lambd < 0:
        top, name = ("1.79769e+308", "Double") if input.dtype == np.float64 else ("3.40282e+38", "Float")
        raise RuntimeError(f"lambda must be in range [0, {top}] for input dtype {name}, but found {lambd:g}")
    return composite("SoftshrinkBackward0", lambda x: ops_where(x > lambd, x - lambd,
                                                                ops_where(x < -lambd, x + lambd, 0.0)), (input,))


def tanhshrink(input):  # noqa: A002
    """x - tanh(x)."""
    return _tensor_arg(input, "tanhshrink") - input.tanh()


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """x where x > threshold, else value."""
    _tensor_arg(input, "threshold")
    out = composite("ThresholdBackward1" if inplace else "ThresholdBackward0",
                    lambda x: ops_where(x > threshold, x, float(value)), (input,), inplace=inplace)
    return _maybe_inplace(input, out, inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):  # noqa: A002
    """scale * elu(x, alpha) with the self-normalising constants."""
    _float_arg(input, "selu")
    if inplace:
        return _elu_inplace(input, _SELU_ALPHA, _SELU_SCALE, 1.0, "EluBackward1")
    return composite("EluBackward0", lambda x: _SELU_SCALE * ops_where(
        x > 0, x, _SELU_ALPHA * (x.clamp(max=0).exp() - 1)), (input,))


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    _float_arg(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    if inplace:
        return _elu_inplace(input, alpha, 1.0, 1.0 / alpha, "CeluBackward1")
    return composite("CeluBackward0", lambda x: ops_where(x > 0, x, alpha * ((x.clamp(max=0) / alpha).exp() - 1)),
                     (input,))


def glu(input, dim=-1):  # noqa: A002
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    _tensor_arg(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.ndim}, {input.ndim - 1}], "
                         f"but got {dim})")
    d = dim % input.ndim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return composite("GluBackward0", lambda x: _glu(x, d), (input,))


def _glu(x, d):
    a, b = x.chunk(2, d)
    return a * b.sigmoid()


def logsigmoid(input):  # noqa: A002
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), which never overflows; one node (PyTorch's
    LogSigmoidBackward0) with the gradient sigmoid(-x) everywhere, 1/2 at x = 0 (a composite of min and |x|
    took one side of their kinks there)."""
    _float_arg(input, "logsigmoid")
    return _LogSigmoid.apply(input)


@computes_half_in_float32
class _LogSigmoid(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return (g / (1 + np.exp(x))).astype(x.dtype, copy=False)

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: differentiable again (second derivative -s(x) s(-x))
        return g * (-ctx.saved_input(0)).sigmoid()


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """softmax(-x) along ``dim``."""
    return softmax(-_tensor_arg(input, "softmin"), dim, dtype)


def prelu(input, weight):  # noqa: A002
    """x where x > 0, else weight * x; ``weight`` has 1 element or one per channel (dim 1) (``Tensor.prelu``)."""
    _tensor_arg(input, "prelu")
    _tensor_arg(weight, "prelu", "weight")
    return input.prelu(weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):  # noqa: A002
    """Leaky ReLU with a slope drawn uniformly from [lower, upper] per element (training) or fixed at
    (lower + upper) / 2 (evaluation). Training draws as PyTorch's CPU kernel: one uniform double in
    [lower, upper] (bounds rounded to the input's precision) for each element <= 0, in order."""
    _float_arg(input, "rrelu")
    if not training:
        if inplace:
            _check_inplace_allowed(input)
            return _apply_inplace(input, _SlopeInplace.apply(input, (lower + upper) / 2, "RreluWithNoiseBackward1"))
        return _RReLU.apply(input, (lower + upper) / 2)  # x = 0 takes the slope, as PyTorch
    slopes = input.detach().new_ones(input.shape)
    data = input.detach()._data
    opmath = np.float64 if data.dtype == np.float64 else np.float32
    draws = _random.uniform_doubles(default_generator, int(np.count_nonzero(data <= 0)), float(opmath(lower)),
                                    float(opmath(upper)))
    slopes._data[data <= 0] = draws.astype(opmath)
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, _SlopeInplace.apply(input, slopes._data, "RreluWithNoiseBackward1"))
    return _RReLU.apply(input, slopes._data)


def relu_(input):  # noqa: A002
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):  # noqa: A002
    return elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):  # noqa: A002
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):  # noqa: A002
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):  # noqa: A002
    return globals()["threshold"](input, threshold, value, inplace=True)


def selu_(input):  # noqa: A002
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):  # noqa: A002
    return celu(input, alpha, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):  # noqa: A002
    return rrelu(input, lower, upper, training, inplace=True)
