"""Differentiable neural-network ops as autograd Functions plus their functional wrappers.

Each section holds one family: the Function(s) with forward/backward next to each other, then
the public wrapper that validates arguments with PyTorch's meaning and messages. Hot loops
call ``miniconv._kernels``.
"""
import numpy as np

from .. import _kernels, ops
from .._config import get_num_threads
from ..autograd import Function
from ..tensor import Tensor


def relu(input, inplace=False):  # noqa: A002
    """max(input, 0) elementwise (the Cython prange kernel in ``_kernels.relu_forward``)."""
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
import numbers  # noqa: E402

from .._config import blas_single_thread  # noqa: E402

_PARALLEL_MIN_WORK = 1 << 15  # multiply-adds; PyTorch's at::internal::GRAIN_SIZE is the same order


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
        n_threads = get_num_threads() if macs >= _PARALLEL_MIN_WORK else 1
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
                grad_x = np.zeros(ctx.x_shape, dtype=grad_out.dtype)
                if run:
                    _kernels.conv2d_grad_input(grad_out, w, grad_x, *ctx.conv_args)
                if ctx.unbatched:
                    grad_x = grad_x[0]
            if ctx.needs_input_grad[1]:
                grad_w = np.zeros(ctx.w_shape, dtype=grad_out.dtype)
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


# ---------------------------------------------------------------------------
# end of pooling ... losses
# ---------------------------------------------------------------------------
