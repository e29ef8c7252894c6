"""Differentiable neural-network ops as autograd Functions plus their functional wrappers.

Each section holds one family: the Function(s) with forward/backward next to each other, then
the public wrapper that validates arguments with PyTorch's meaning and messages. Hot loops
call ``miniconv._kernels``.
"""
import numbers
import warnings

import numpy as np

from .. import _kernels, ops
from .._config import blas_single_thread, threads_for
from .._random import default_generator
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor


def relu(input, inplace=False):  # noqa: A002
    """max(input, 0) elementwise (the Cython prange kernel in ``_kernels.relu_forward``).

    ``inplace=True`` overwrites ``input``'s memory and returns ``input`` (see ``_apply_inplace``).
    """
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, _ReLUInplace.apply(input))
    return ops.ReLU.apply(input)


# ---------------------------------------------------------------------------
# Convolution and padding  (conv2d, pad)
# ---------------------------------------------------------------------------
# Notes:
# - ``Conv2d`` is the only place that knows the kernels' calling convention: arrays are made
#   C-contiguous here, outputs preallocated, and padding reduced to (top, left); the kernels infer
#   bottom/right from the output size, so asymmetric 'same' padding costs nothing extra.
# - ``pad`` handles every mode with one idea: for each padded axis, output position j reads input
#   position ``source[j]`` (or nothing, for constant padding). The backward of such a gather is a
#   scatter-add; it is done as one slice copy for the interior plus one add per padded column.
# - Tiny convolutions run on one thread: below about 32k multiply-adds, waking an OpenMP team
#   costs more than the work (and far more when the cores are busy). The kernels give the same
#   bits for any thread count, so this changes speed only.



def _conv_pair(value, name):
    """An int or a sequence of 2 ints -> a tuple of 2 Python ints (PyTorch's _pair + checks)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"conv2d(): argument '{name}' must be int or tuple of ints, not bool")
    if isinstance(value, numbers.Integral):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)):
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in value):
            raise TypeError(f"conv2d(): argument '{name}' must be int or tuple of ints, got {value!r}")
        if len(value) == 1:
            return (int(value[0]), int(value[0]))
        if len(value) == 2:
            return (int(value[0]), int(value[1]))
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the convolution "
            f"dimensions, but got {name}={list(value)}"
        )
    raise TypeError(f"conv2d(): argument '{name}' must be int or tuple of ints, not {type(value).__name__}")


def _same_padding(kernel_size, dilation):
    """(top, bottom, left, right) for padding='same' at stride 1: the extra pixel of an even
    effective kernel goes to the bottom/right, as in PyTorch."""
    pads = []
    for k, d in zip(kernel_size, dilation):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


def _conv_output_size(in_size, kernel, stride, pad_before, pad_after, dilation):
    """PyTorch's formula: floor((in + pad_before + pad_after - dilation*(kernel-1) - 1) / stride) + 1."""
    return (in_size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


class Conv2d(Function):
    """2-D cross-correlation on arrays: x (N, C, H, W) or (C, H, W), w (O, C/groups, KH, KW), b (O,) or None.

    ``padding`` is (top, bottom, left, right), already validated by :func:`conv2d`.
    """

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        x = np.ascontiguousarray(x)
        w = np.ascontiguousarray(w)
        n, _, h, wd = x.shape
        o, c_per_group, kh, kw = w.shape
        pt, pb, pl, pr = padding
        ho = _conv_output_size(h, kh, stride[0], pt, pb, dilation[0])
        wo = _conv_output_size(wd, kw, stride[1], pl, pr, dilation[1])
        out = np.empty((n, o, ho, wo), dtype=x.dtype)
        macs = out.size * c_per_group * kh * kw
        n_threads = threads_for(macs)
        args = (stride[0], stride[1], pt, pl, dilation[0], dilation[1], groups, n_threads)
        if c_per_group == 0:  # nothing to sum over: the output is the bias
            out[...] = 0 if b is None else b.reshape(1, o, 1, 1)
        elif out.size:
            bias = np.ascontiguousarray(b) if b is not None else np.empty(0, dtype=x.dtype)
            with blas_single_thread():
                _kernels.conv2d_forward(x, w, bias, out, *args)
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        ctx.conv_args = args
        ctx.x_shape, ctx.w_shape = x.shape, w.shape
        ctx.unbatched = unbatched
        return out[0] if unbatched else out

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        if ctx.unbatched:
            grad_out = grad_out[None]
        grad_out = np.ascontiguousarray(grad_out)
        # with an empty batch or no input channels there is nothing to differentiate: zero gradients
        run = grad_out.size > 0 and ctx.w_shape[1] > 0
        grad_x = grad_w = grad_b = None
        with blas_single_thread():
            if ctx.needs_input_grad[0]:
                grad_x = (np.empty if run else np.zeros)(ctx.x_shape, dtype=grad_out.dtype)
                if run:
                    _kernels.conv2d_grad_input(grad_out, w, grad_x, *ctx.conv_args)
                if ctx.unbatched:
                    grad_x = grad_x[0]
            if ctx.needs_input_grad[1]:
                grad_w = (np.empty if run else np.zeros)(ctx.w_shape, dtype=grad_out.dtype)
                if run:
                    _kernels.conv2d_grad_weight(x, grad_out, grad_w, *ctx.conv_args)
            if ctx.needs_input_grad[2]:
                grad_b = np.zeros(ctx.w_shape[0], dtype=grad_out.dtype)
                if grad_out.size:
                    _kernels.conv2d_grad_bias(grad_out, grad_b, ctx.conv_args[-1])
        return grad_x, grad_w, grad_b, None, None, None, None


def _size_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_conv2d_args(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    """Validate conv2d's arguments with PyTorch's messages; return (stride, pads, dilation, groups)
    with pads = (top, bottom, left, right)."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"conv2d(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"conv2d(): argument 'bias' must be Tensor or None, not {type(bias).__name__}")
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {_size_str(input.shape)}"
        )
    if weight.ndim != 4:
        raise RuntimeError(
            "conv2d(): expected weight to be 4-dimensional (out_channels, in_channels/groups, kH, kW), "
            f"but got weight of size {_size_str(weight.shape)}"
        )
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"conv2d(): expected a floating point input (float32 or float64), but got input of dtype {input.dtype}"
        )
    if weight.dtype != input.dtype:
        raise RuntimeError(f"Input type ({input.dtype}) and weight type ({weight.dtype}) should be the same")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({input.dtype}) and bias type ({bias.dtype}) should be the same")
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"conv2d(): argument 'groups' must be int, not {type(groups).__name__}")
    groups = int(groups)
    stride = _conv_pair(stride, "stride")
    dilation = _conv_pair(dilation, "dilation")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")

    o, c_per_group, kh, kw = weight.shape
    batched_shape = input.shape if input.ndim == 4 else (1,) + tuple(input.shape)
    if o == 0 or o % groups:
        what = "at least 1" if o == 0 else f"divisible by {groups}"
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be {what} at dimension 0, but got weight of size "
            f"{_size_str(weight.shape)} instead"
        )
    if batched_shape[1] != c_per_group * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_size_str(weight.shape)}, expected input"
            f"{_size_str(batched_shape)} to have {c_per_group * groups} channels, but got {batched_shape[1]} "
            "channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != o):
        raise RuntimeError(
            f"Given weight of size {_size_str(weight.shape)}, expected bias to be 1-dimensional with {o} elements, "
            f"but got bias of size {_size_str(bias.shape)} instead"
        )
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kh} kernel_width: {kw}")

    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_padding((kh, kw), dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        ph, pw = _conv_pair(padding, "padding")
        if ph < 0 or pw < 0:
            raise RuntimeError("negative padding is not supported")
        pads = (ph, ph, pw, pw)

    padded_h = batched_shape[2] + pads[0] + pads[1]
    padded_w = batched_shape[3] + pads[2] + pads[3]
    eff_kh, eff_kw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if padded_h < eff_kh or padded_w < eff_kw:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded_h} x {padded_w}). Kernel size: "
            f"({eff_kh} x {eff_kw}). Kernel size can't be greater than actual input size"
        )
    # The kernels hand per-sample GEMM sizes to BLAS as 32-bit ints: refuse what would overflow them.
    out_hw = ((padded_h - eff_kh) // stride[0] + 1) * ((padded_w - eff_kw) // stride[1] + 1)
    limit = 2**31 - 1
    if max(out_hw, c_per_group * kh * kw, batched_shape[2] * batched_shape[3], o) > limit:
        raise RuntimeError(
            f"conv2d(): per-image sizes exceed the 32-bit limit of the BLAS interface (output plane of {out_hw} "
            f"elements, {c_per_group * kh * kw} weights per output channel); split the input into smaller tiles"
        )
    return stride, pads, dilation, groups


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution (cross-correlation, as in every deep-learning library) over a batch of images.

    Shapes:
        input  (N, C_in, H_in, W_in), or unbatched (C_in, H_in, W_in)
        weight (C_out, C_in / groups, kH, kW)
        bias   (C_out,) or None
        output (N, C_out, H_out, W_out), or (C_out, H_out, W_out) for unbatched input, with
        H_out = floor((H_in + pad_top + pad_bottom - dilation[0] * (kH - 1) - 1) / stride[0] + 1)
        and W_out likewise.

    ``stride``, ``dilation``: int or (h, w), positive. ``padding``: int, (h, w) applied on both sides,
    ``'valid'`` (no padding) or ``'same'`` (output size = input size; stride 1 only; an even
    effective kernel puts its extra row/column of zeros at the bottom/right). ``groups`` splits the
    channels into independent convolutions (``groups == C_in`` is a depthwise convolution).

    Example::

        >>> x = miniconv.randn(8, 3, 32, 32)
        >>> w = miniconv.randn(16, 3, 3, 3, requires_grad=True)
        >>> F.conv2d(x, w, padding=1).shape
        miniconv.Size([8, 16, 32, 32])
    """
    stride, pads, dilation, groups = _check_conv2d_args(input, weight, bias, stride, padding, dilation, groups)
    return Conv2d.apply(input, weight, bias, stride, pads, dilation, groups)


def _pad_source(n, before, after, mode):
    """Input index read by each output position along one axis of size ``n`` (an int array of
    length ``before + n + after``; -1 marks a constant-filled position). Negative pads crop."""
    positions = np.arange(-before, n + after)
    if mode == "constant":
        return np.where((positions >= 0) & (positions < n), positions, -1)
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    if mode == "reflect":
        period = max(2 * (n - 1), 1)
        r = np.mod(positions, period)
        return np.where(r < n, r, period - r)
    # circular wraps within what is left after cropping, as PyTorch does
    lo, hi = max(-before, 0), n - max(-after, 0)
    return lo + np.mod(positions - lo, max(hi - lo, 1))


def _interior(n, before, length):
    """(output slice, input slice): the run of output positions that copy the input one-to-one."""
    start, stop = max(before, 0), max(min(before + n, length), max(before, 0))
    return slice(start, stop), slice(start - before, stop - before)


def _along(a, axis, index):
    """``a[..., index, ...]`` with ``index`` on ``axis`` (a view for a slice or an int)."""
    return a[(slice(None),) * axis + (index,)]


class Pad(Function):
    """Pad (or crop) the trailing axes of ``x``; ``pairs`` lists (before, after) from the last axis backwards."""

    @staticmethod
    def forward(ctx, x, pairs, mode, value):
        axes = [x.ndim - 1 - k for k in range(len(pairs))]
        sources = [_pad_source(x.shape[a], before, after, mode) for a, (before, after) in zip(axes, pairs)]
        # the block of the output that is a plain copy of the input, and the block of the input it copies
        inner_out, inner_in = [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for a, (before, _), src in zip(axes, pairs, sources):
            inner_out[a], inner_in[a] = _interior(x.shape[a], before, len(src))
        ctx.in_shape, ctx.mode = x.shape, mode
        ctx.axes, ctx.sources, ctx.inner = axes, sources, (tuple(inner_out), tuple(inner_in))
        if mode == "constant":
            shape = list(x.shape)
            for a, src in zip(axes, sources):
                shape[a] = len(src)
            out = np.full(shape, value, dtype=x.dtype)
            out[ctx.inner[0]] = x[ctx.inner[1]]
            return out
        out = x
        for a, src in zip(axes, sources):
            out = np.take(out, src, axis=a)
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx, grad):
        inner_out, inner_in = ctx.inner
        if ctx.mode == "constant":
            grad_in = np.zeros(ctx.in_shape, dtype=grad.dtype)
            grad_in[inner_in] = grad[inner_out]
            return grad_in, None, None, None
        # one axis at a time, undoing the forward's gathers in reverse order
        for a, src in reversed(list(zip(ctx.axes, ctx.sources))):
            shape = list(grad.shape)
            shape[a] = ctx.in_shape[a]
            grad_in = np.zeros(shape, dtype=grad.dtype)
            _along(grad_in, a, inner_in[a])[...] = _along(grad, a, inner_out[a])
            for j in range(len(src)):  # border positions read the input a second time
                if not inner_out[a].start <= j < inner_out[a].stop:
                    _along(grad_in, a, int(src[j]))[...] += _along(grad, a, j)
            grad = grad_in
        return grad, None, None, None


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad the last ``len(pad) // 2`` dimensions of ``input``, as ``torch.nn.functional.pad``.

    ``pad`` = (left, right, top, bottom, front, back): pairs for the last dimension first.
    Modes: ``'constant'`` (fill with ``value``, default 0; any number of dimensions; negative
    pads crop), ``'reflect'`` (mirror without repeating the edge; each pad must be smaller than
    the dimension), ``'replicate'`` (repeat the edge), ``'circular'`` (wrap around).
    The non-constant modes pad the last 1, 2 or 3 dimensions of a (N, C, ...) or (C, ...) input:
    ``len(pad)`` 2 for 2-D/3-D input, 4 for 3-D/4-D, 6 for 4-D/5-D.
    Output size along a padded dimension: ``size + before + after``. Differentiable.

    Example::

        >>> F.pad(miniconv.ones(1, 1, 2, 2), (1, 1, 0, 0)).shape
        miniconv.Size([1, 1, 2, 4])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Integral):
            raise TypeError(
                f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                f"{type(p).__name__} at pos {i}"
            )
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {input.ndim}"
        )
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]
    if mode == "constant":
        for k, (b, e) in enumerate(pairs):
            if input.shape[input.ndim - 1 - k] + b + e < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension.")
        return Pad.apply(input, pairs, mode, 0.0 if value is None else value)

    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if input.ndim not in (len(pairs) + 1, len(pairs) + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.")
    if input.dtype.kind != "f":
        raise RuntimeError(f'pad(): mode "{mode}" expects a floating point input, but got dtype {input.dtype}')
    for k, (b, e) in enumerate(pairs):
        dim = input.ndim - 1 - k
        n = input.shape[dim]
        if mode in ("reflect", "replicate") and n == 0:
            raise RuntimeError(
                f"pad(): mode '{mode}' needs a non-empty dimension {dim} to pad, but got input of size "
                f"{_size_str(input.shape)}"
            )
        if mode == "reflect" and (b >= n or e >= n):
            raise RuntimeError(
                f"Argument #{4 + 2 * k}: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({b}, {e}) at dimension {dim} of input {_size_str(input.shape)}"
            )
        if mode == "circular" and max(b, e) > n + min(b, 0) + min(e, 0):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + b + e < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension.")
    return Pad.apply(input, pairs, mode, None)


# ---------------------------------------------------------------------------
# end of convolution and padding
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Pooling, normalization, dropout, linear, activations, losses
# ---------------------------------------------------------------------------


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


def _check_inplace_allowed(input):
    if is_grad_enabled() and input.requires_grad and input.is_leaf:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _apply_inplace(input, out):
    """Make ``input`` hold ``out``'s values and take its place in the graph (PyTorch's ``op_``).

    Unlike PyTorch there is no version counter: if an earlier op saved ``input``'s array for
    its backward, that backward silently sees the overwritten values instead of an error.
    Use inplace where PyTorch allows it, e.g. a ReLU right after a conv, batch norm or linear.
    """
    _check_inplace_allowed(input)
    if out.data is not input.data:  # ops that computed into new memory (all but ReLU)
        np.copyto(input.data, out.data)
    if out.grad_fn is not None:
        input.grad_fn, input._output_nr, input._requires_grad = out.grad_fn, out._output_nr, True
    return input


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
class _LeakyReLU(Function):
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


class _LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        shifted = x - x.max(axis=dim, keepdims=True)  # exp never overflows
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True), None


class _Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        e = np.exp(x - x.max(axis=dim, keepdims=True))
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


# -- linear ----------------------------------------------------------------------------------
def _matmul(a, b, trans_a=False, trans_b=False):
    """op(a) @ op(b) for 2-D arrays through ``_kernels.matmul_rows`` (single-threaded BLAS inside
    miniconv's OpenMP team; see the Notes in _linalg.pxi for why not ``np.matmul``)."""
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b, dtype=a.dtype)
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    n = b.shape[0] if trans_b else b.shape[1]
    c = np.empty((m, n), dtype=a.dtype)
    with blas_single_thread():
        _kernels.matmul_rows(a, b, c, trans_a, trans_b, threads_for(m * n * k))
    return c


class _Linear(Function):
    """y = x @ W.T + b for x of shape (*, in_features), W (out_features, in_features)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        out = _matmul(x.reshape(-1, x.shape[-1]), weight, trans_b=True)  # one GEMM for any leading dims
        if bias is not None:
            out += bias
        return out.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        g2 = g.reshape(-1, g.shape[-1])
        gx = _matmul(g2, weight).reshape(x.shape) if ctx.needs_input_grad[0] else None
        gw = _matmul(g2, x.reshape(-1, x.shape[-1]), trans_a=True) if ctx.needs_input_grad[1] else None
        gb = g2.sum(axis=0) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def _dtype_name(dt):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "uint8": "Byte",
            "int16": "Short", "int8": "Char", "bool": "Bool"}.get(np.dtype(dt).name, str(dt))


def linear(input, weight, bias=None):  # noqa: A002
    """y = input @ weight.T + bias.  input (*, in), weight (out, in), bias (out,) -> (*, out)."""
    _tensor_arg(input, "linear")
    _tensor_arg(weight, "linear", "weight")
    if input.ndim == 0 or weight.ndim not in (1, 2):
        raise RuntimeError(f"linear(): expected input of at least 1 dimension and a 1-D or 2-D weight, got "
                           f"input {list(input.shape)} and weight {list(weight.shape)}")
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != input.dtype):
        other = weight.dtype if input.dtype != weight.dtype else bias.dtype
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_dtype_name(input.dtype)} "
                           f"and {_dtype_name(other)}")
    w2 = weight if weight.ndim == 2 else weight.reshape(1, -1)
    if input.shape[-1] != w2.shape[1]:
        rows = int(np.prod(input.shape[:-1]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{w2.shape[1]}x{w2.shape[0]})")
    if bias is not None and tuple(bias.shape) not in ((w2.shape[0],), (1,), ()):
        raise RuntimeError(f"linear(): bias must have shape ({w2.shape[0]},), got {list(bias.shape)}")
    out = _Linear.apply(input, w2, bias)
    return out.reshape(out.shape[:-1]) if weight.ndim == 1 else out


# -- batch norm --------------------------------------------------------------------------------
def _as_ncl(x):
    """View a (N, C, *) array as C-contiguous (N, C, L)."""
    x = np.ascontiguousarray(x)
    return x.reshape(x.shape[0], x.shape[1], int(np.prod(x.shape[2:])))


class _BatchNorm(Function):
    """Batch norm over dims (0, 2, 3, ...) of (N, C, *) with the ``_kernels.batch_norm_*`` kernels.

    Training: normalise with the batch statistics (biased variance) and, if given, update the
    running buffers in place with the unbiased variance. Eval: normalise with the buffers.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        x3 = _as_ncl(x)
        nt = threads_for(x3.size)
        N, C, L = x3.shape
        count = N * L
        if count == 0:  # empty batch: empty output, buffers untouched (as PyTorch)
            ctx.training, ctx.shape = training, x.shape
            ctx.save_for_backward(x3, np.zeros(C), np.zeros(C), np.zeros(C))
            return np.empty_like(x)
        if training:
            mean = np.empty(C)
            sq = np.empty(C)
            _kernels.batch_norm_stats(x3, mean, sq, nt)
            invstd = 1.0 / np.sqrt(sq / count + eps)
            if running_mean is not None:
                running_mean[...] = (1 - momentum) * running_mean + momentum * mean
            if running_var is not None:
                unbiased = sq / (count - 1) if count > 1 else np.full(C, np.nan)
                running_var[...] = (1 - momentum) * running_var + momentum * unbiased
        else:
            mean = running_mean.astype(np.float64)
            invstd = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
        w = np.ones(C) if weight is None else weight.astype(np.float64)
        b = np.zeros(C) if bias is None else bias.astype(np.float64)
        scale = invstd * w
        out = np.empty_like(x3)
        _kernels.batch_norm_transform(x3, scale, b - mean * scale, out, nt)
        ctx.save_for_backward(x3, mean, invstd, w)
        ctx.training, ctx.shape = training, x.shape
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x3, mean, invstd, w = ctx.saved_tensors
        nt = threads_for(x3.size)
        g3 = _as_ncl(g.astype(x3.dtype, copy=False))
        N, C, L = x3.shape
        if x3.size == 0:
            return np.zeros(ctx.shape, g.dtype), np.zeros(C), np.zeros(C), None, None, None, None, None
        sum_dy, sum_dy_xmu = np.empty(C), np.empty(C)
        _kernels.batch_norm_backward_reduce(g3, x3, mean, sum_dy, sum_dy_xmu, nt)
        gx = None
        if ctx.needs_input_grad[0]:
            gx = np.empty_like(x3)
            if ctx.training:
                count = N * L
                _kernels.batch_norm_backward_input(
                    g3, x3, mean, sum_dy / count, sum_dy_xmu * invstd * invstd / count, invstd * w, gx, nt
                )
            else:
                _kernels.batch_norm_transform(g3, invstd * w, np.zeros(C), gx, nt)
            gx = gx.reshape(ctx.shape)
        gw = sum_dy_xmu * invstd if ctx.needs_input_grad[1] else None
        gb = sum_dy if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,  # noqa: A002
               momentum=0.1, eps=1e-5):
    """Normalise each channel of ``input`` (N, C, *) and apply ``weight * x_hat + bias``.

    training=True: use the batch's statistics and, when ``running_mean``/``running_var`` are
    given, update them in place: ``running = (1 - momentum) * running + momentum * batch_stat``
    (the variance update uses the unbiased batch variance). training=False: use the buffers.
    """
    _float_arg(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm(): expected at least 2D input (got {input.ndim}D input)")
    C = input.shape[1]
    if training:
        size = int(np.prod([s for i, s in enumerate(input.shape) if i != 1]))
        if size == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if not training and (running_mean is None or running_var is None):
        which = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{which} must be defined in evaluation mode")
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is None:
            continue
        _tensor_arg(t, "batch_norm", name)
        if t.numel() != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")
        if name.startswith("running") and not t.data.flags.c_contiguous:
            raise RuntimeError(f"batch_norm(): {name} must be contiguous (it is updated in place)")
    rm = None if running_mean is None else running_mean.data.reshape(C)
    rv = None if running_var is None else running_var.data.reshape(C)
    w = None if weight is None else weight.reshape(C)
    b = None if bias is None else bias.reshape(C)
    return _BatchNorm.apply(input, w, b, rm, rv, bool(training), float(momentum or 0.0), float(eps))


# -- pooling -----------------------------------------------------------------------------------
def _pool_output_size(size, k, pad, stride, dilation, ceil_mode):
    """PyTorch's ``pooling_output_shape``: floor (or ceil) division, and with ceil_mode the last
    window must start inside the input or the left padding."""
    out = (size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_args(fn, input, kernel_size, stride, padding, dilation, ceil_mode):
    """Validate a 2-D pooling call; return (x as (P, H, W) contiguous, batch shape, params)."""
    _tensor_arg(input, fn)
    if input.dtype.kind != "f":
        raise RuntimeError(f'"{fn}" not implemented for \'{_dtype_name(input.dtype)}\'')
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if any(s == 0 for s in input.shape[-3:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(input.shape)}")
    kh, kw = _pair(kernel_size, fn, "kernel_size")
    sh, sw = (kh, kw) if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else _pair(stride, fn, "stride")
    ph, pw = _pair(padding, fn, "padding")
    dh, dw = _pair(dilation, fn, "dilation")
    if sh == 0 or sw == 0:
        raise RuntimeError("stride should not be zero")
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sh < 0 or sw < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} dilationW: {dw}")
    if ph < 0 or pw < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(ph, pw)}")
    for p, k, d in ((ph, kh, dh), (pw, kw, dw)):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    if kh // 2 < ph or kw // 2 < pw:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {pw}, "
                           f"padH = {ph}, kW = {kw}, kH = {kh}")
    C, H, W = input.shape[-3:]
    OH = _pool_output_size(H, kh, ph, sh, dh, ceil_mode)
    OW = _pool_output_size(W, kw, pw, sw, dw, ceil_mode)
    if OH < 1 or OW < 1:
        raise RuntimeError(f"Given input size: ({C}x{H}x{W}). Calculated output size: ({C}x{OH}x{OW}). "
                           "Output size is too small")
    return (kh, kw, sh, sw, ph, pw, dh, dw), (OH, OW)


class _MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, params, out_hw):
        kh, kw, sh, sw, ph, pw, dh, dw = params
        lead, (H, W) = x.shape[:-2], x.shape[-2:]
        x3 = np.ascontiguousarray(x).reshape(-1, H, W)
        out = np.empty((x3.shape[0],) + out_hw, dtype=x.dtype)
        idx = np.empty((x3.shape[0],) + out_hw, dtype=np.int64)
        _kernels.max_pool2d_forward(x3, out, idx, kh, kw, sh, sw, ph, pw, dh, dw, threads_for(x3.size))
        ctx.save_for_backward(idx)
        ctx.in_shape = x.shape
        idx = idx.reshape(lead + out_hw)
        ctx.mark_non_differentiable(idx)
        return out.reshape(lead + out_hw), idx

    @staticmethod
    def backward(ctx, g, g_idx):
        (idx,) = ctx.saved_tensors
        H, W = ctx.in_shape[-2:]
        g3 = np.ascontiguousarray(g).reshape(idx.shape)
        gi = np.empty((idx.shape[0], H * W), dtype=g.dtype)
        _kernels.max_pool2d_backward(g3, idx, gi, threads_for(gi.size))
        return gi.reshape(ctx.in_shape), None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """Max over (kH x kW) windows of ``input`` (N, C, H, W) or (C, H, W).

    H_out = floor((H + 2*padding - dilation*(kH - 1) - 1) / stride + 1)  (ceil with ceil_mode, but
    the last window must start inside the input or the left padding). ``stride`` defaults to
    ``kernel_size``. With ``return_indices`` also returns the int64 flat index (h * W + w) of each
    maximum within its (H, W) plane.
    """
    params, out_hw = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    out, idx = _MaxPool2d.apply(input, params, out_hw)
    return (out, idx) if return_indices else out


class _AvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, params, out_hw, count_include_pad, divisor):
        kh, kw, sh, sw, ph, pw = params[:6]
        lead, (H, W) = x.shape[:-2], x.shape[-2:]
        x3 = np.ascontiguousarray(x).reshape(-1, H, W)
        out = np.empty((x3.shape[0],) + out_hw, dtype=x.dtype)
        _kernels.avg_pool2d_forward(x3, out, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, threads_for(x3.size))
        ctx.args = (kh, kw, sh, sw, ph, pw, count_include_pad, divisor)
        ctx.in_shape = x.shape
        return out.reshape(lead + out_hw)

    @staticmethod
    def backward(ctx, g):
        H, W = ctx.in_shape[-2:]
        g3 = np.ascontiguousarray(g).reshape((-1,) + g.shape[-2:])
        gi = np.zeros((g3.shape[0], H, W), dtype=g.dtype)
        _kernels.avg_pool2d_backward(g3, gi, *ctx.args, threads_for(gi.size))
        return gi.reshape(ctx.in_shape), None, None, None, None


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """Mean over (kH x kW) windows of ``input`` (N, C, H, W) or (C, H, W); output size as max_pool2d
    with dilation 1. The divisor is the window size including padding (count_include_pad=True),
    the number of input elements in the window (False), or ``divisor_override``."""
    params, out_hw = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError("divisor must be not zero")
    return _AvgPool2d.apply(input, params, out_hw, bool(count_include_pad), int(divisor_override or 0))


def _adaptive_matrix(in_size, out_size, dtype):
    """(out, in) 0/1 matrix of PyTorch's adaptive windows [floor(o*I/O), ceil((o+1)*I/O)), and the
    window lengths."""
    o = np.arange(out_size)
    start = (o * in_size) // out_size
    end = -((-(o + 1) * in_size) // out_size)
    i = np.arange(in_size)
    m = ((i >= start[:, None]) & (i < end[:, None])).astype(dtype)
    return m, (end - start).astype(dtype)


class _AdaptiveAvgPool2d(Function):
    """out = A_h @ x @ A_w.T / (len_h * len_w): the windows are separable, so two matmuls."""

    @staticmethod
    def forward(ctx, x, out_hw):
        ah, lh = _adaptive_matrix(x.shape[-2], out_hw[0], x.dtype)
        aw, lw = _adaptive_matrix(x.shape[-1], out_hw[1], x.dtype)
        div = lh[:, None] * lw[None, :]
        ctx.save_for_backward(ah, aw, div)
        return np.matmul(np.matmul(ah, x), aw.T) / div

    @staticmethod
    def backward(ctx, g):
        ah, aw, div = ctx.saved_tensors
        return np.matmul(np.matmul(ah.T, g / div), aw), None


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output size (OH, OW); an entry None keeps that input size.
    Output cell o covers input rows [floor(o*H/OH), ceil((o+1)*H/OH))."""
    _float_arg(input, "adaptive_avg_pool2d")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                f"but input has sizes {list(input.shape)} with dimension {i} being empty"
            )
    size = (output_size, output_size) if isinstance(output_size, numbers.Integral) or output_size is None \
        else tuple(output_size)
    if len(size) != 2:
        raise TypeError(f"adaptive_avg_pool2d(): output_size must be an int or a pair, got {output_size!r}")
    out_hw = tuple(int(input.shape[-2 + i]) if s is None else int(s) for i, s in enumerate(size))
    if any(s < 0 for s in out_hw):
        raise RuntimeError(f"adaptive_avg_pool2d(): elements of output_size must be greater than or equal to 0 "
                           f"but received {list(out_hw)}")
    return _AdaptiveAvgPool2d.apply(input, out_hw)


# -- dropout -----------------------------------------------------------------------------------
class _MaskScale(Function):
    """out = x * mask, where ``mask`` (broadcastable to x) already holds 0 or 1/(1-p)."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(shape, p, dtype, generator):
    """Keep each entry with probability 1-p; kept entries carry the scale 1/(1-p)."""
    rng = (generator or default_generator).numpy_generator
    if p == 1.0:
        return np.zeros(shape, dtype=dtype)
    keep = rng.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64) >= p
    return keep.astype(dtype) * np.asarray(1.0 / (1.0 - p), dtype=dtype)


def dropout(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p); identity if not training."""
    _check_p(p)
    _float_arg(input, "dropout")
    if not training or p == 0.0:
        return input
    out = _MaskScale.apply(input, _dropout_mask(input.shape, p, input.dtype, generator))
    return _apply_inplace(input, out) if inplace else out


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Zero whole channels: each (n, c) plane of (N, C, H, W) with probability ``p``; scale
    the rest by 1/(1-p).

    As PyTorch 2.13 does (with a warning), a 3-D input is read as (N, C, L), not as an
    unbatched (C, H, W); any input of 2 or more dims gets one mask entry per (dim 0, dim 1).
    """
    _check_p(p)
    _float_arg(input, "dropout2d")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in "
            "an error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    out = _MaskScale.apply(input, _dropout_mask(shape, p, input.dtype, generator))
    return _apply_inplace(input, out) if inplace else out


# -- losses ------------------------------------------------------------------------------------
_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


class _NLLLoss(Function):
    """-weight[t] * input[n, t] per element, for input (M, C) and integer target (M,)."""

    @staticmethod
    def forward(ctx, x2, t, weight, ignore_index, reduction):
        valid = t != ignore_index
        safe_t = np.where(valid, t, 0)
        w = (weight[safe_t] if weight is not None else np.ones(t.shape, dtype=x2.dtype)) * valid
        w = w.astype(x2.dtype, copy=False)
        losses = -w * x2[np.arange(x2.shape[0]), safe_t]
        ctx.save_for_backward(safe_t, w)
        ctx.shape, ctx.reduction = x2.shape, reduction
        if reduction == "none":
            return losses
        total = losses.sum(dtype=np.float64)
        if reduction == "sum":
            return np.asarray(total, dtype=x2.dtype)
        ctx.wsum = w.sum(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / ctx.wsum, dtype=x2.dtype)  # all ignored: 0/0 = nan, as PyTorch

    @staticmethod
    def backward(ctx, g):
        safe_t, w = ctx.saved_tensors
        coef = -w * g if ctx.reduction == "none" else -w * g.reshape(())
        if ctx.reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                coef = coef / np.asarray(ctx.wsum, dtype=w.dtype)
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx[np.arange(ctx.shape[0]), safe_t] = coef
        return gx, None, None, None, None


def _class_input_target(fn, input, target):
    """Check an (N, C, d1, ...) / (C,) input against an (N, d1, ...) / () class-index target and
    return (input as (M, C) Tensor, target as (M,) array, output shape for reduction='none')."""
    _float_arg(input, fn)
    _tensor_arg(target, fn, "target")
    if target.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_dtype_name(target.dtype)}")
    if input.ndim == 0:
        raise ValueError(f"{fn}(): input must have at least 1 dimension (the class dimension), got a 0-D tensor")
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"Expected input batch_size (1) to match target batch_size ({target.shape[0]}).")
        return input.reshape(1, -1), target.data.reshape(1).astype(np.int64), ()
    if target.ndim == 0 or input.shape[0] != target.shape[0]:
        got = target.shape[0] if target.ndim else 0
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({got}).")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    C = input.shape[1]
    x2 = input if input.ndim == 2 else input.permute(0, *range(2, input.ndim), 1).reshape(-1, C)
    return x2, target.data.reshape(-1).astype(np.int64, copy=False), expected


def _check_targets(t, n_classes, ignore_index):
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        v = int(t[np.argmax(bad)])
        raise IndexError(f"Target {v} is out of bounds. Class-index targets must be in [0, {n_classes - 1}] "
                         f"(the input has {n_classes} classes) or equal ignore_index={ignore_index}.")


def _check_weight(weight, n_classes, dtype):
    if weight is None:
        return None
    _tensor_arg(weight, "loss", "weight")
    if weight.ndim != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    return weight.data.astype(dtype, copy=False)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):  # noqa: A002
    """Negative log-likelihood: loss_i = -weight[t_i] * input[i, t_i] for log-probabilities
    ``input`` (N, C) or (N, C, d1, ...) and class indices ``target`` (N) or (N, d1, ...).
    'mean' divides by the summed weights of the non-ignored targets."""
    _check_reduction(reduction)
    x2, t, out_shape = _class_input_target("nll_loss", input, target)
    C = x2.shape[1]
    _check_targets(t, C, ignore_index)
    w = _check_weight(weight, C, x2.dtype)
    out = _NLLLoss.apply(x2, t, w, int(ignore_index), reduction)
    return out.reshape(out_shape) if reduction == "none" else out


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",  # noqa: A002
                  label_smoothing=0.0):
    """log_softmax over the class dim (1, or 0 for unbatched input) followed by nll_loss.

    ``target`` is either class indices (int64, shape (N) or (N, d1, ...)) or class probabilities
    (float, same shape as ``input``). With label smoothing eps, index targets give
    (1 - eps) * nll + eps / C * sum_c(-weight_c * log p_c), reduced like PyTorch.
    """
    _check_reduction(reduction)
    _float_arg(input, "cross_entropy")
    _tensor_arg(target, "cross_entropy", "target")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    logp = log_softmax(input, class_dim)
    C = input.shape[class_dim]
    if tuple(target.shape) == tuple(input.shape) and target.dtype.kind == "f":
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    wshape = [1] * input.ndim
    wshape[class_dim] = C
    w = _check_weight(weight, C, input.dtype)
    smooth = logp if w is None else logp * Tensor._wrap(w.reshape(wshape))
    smooth = -smooth.sum(class_dim)
    keep = target.data != ignore_index
    smooth = smooth * Tensor._wrap(keep.astype(input.dtype))
    if reduction == "mean":
        t = target.data[keep]
        denom = float(w[t].sum()) if w is not None else float(keep.sum())
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / C)


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim):
    C = logp.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / C
    w = _check_weight(weight, C, logp.dtype)
    prod = logp * target
    if w is not None:
        wshape = [1] * logp.ndim
        wshape[class_dim] = C
        prod = prod * Tensor._wrap(w.reshape(wshape))
    losses = -prod.sum(class_dim)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (logp.numel() / C)


def mse_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean squared error (input - target)^2, reduced by 'mean' (default), 'sum' or 'none'."""
    _check_reduction(reduction)
    _float_arg(input, "mse_loss")
    _tensor_arg(target, "mse_loss", "target")
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=2,
        )
    sq = (input - target) ** 2
    if reduction == "none":
        return sq
    return sq.sum() if reduction == "sum" else sq.mean()


# ---------------------------------------------------------------------------
# end of pooling ... losses
# ---------------------------------------------------------------------------
