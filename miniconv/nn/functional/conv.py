"""Convolutions: conv2d (the Cython kernels in ``_kernels``; see the notes below), conv1d (conv2d's kernels on
height-1 views) and conv_transpose2d (composed on conv2d). Arguments are checked with PyTorch's exceptions by the parsers in ``_args.py``, which the
conv Modules reach through these functions."""
import numpy as np

from ... import _kernels
from ...dtypes import computes_half_in_float32
from ..._config import blas_single_thread, check_blas_sizes, threads_for
from ...autograd import ArrayFunction
from ...autograd.composite import composite, recomputed_backward
from ...tensor import Tensor
from ...creation import cat, zeros
from ._args import check_conv_weight_groups, conv_groups, conv_tuple, _size_str
from .padding import pad as _pad



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



def _same_padding(kernel_size, dilation):
    """(before, after) per spatial dim, first dim first ((top, bottom, left, right) in 2-D), for
    padding='same' at stride 1: the extra pixel of an even effective kernel goes to the far side, as in
    PyTorch."""
    pads = []
    for k, d in zip(kernel_size, dilation):
        total = d * (k - 1)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


def _conv_output_size(in_size, kernel, stride, pad_before, pad_after, dilation):
    """PyTorch's formula: floor((in + pad_before + pad_after - dilation*(kernel-1) - 1) / stride) + 1."""
    return (in_size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


@computes_half_in_float32
class Conv2d(ArrayFunction):
    """2-D cross-correlation on arrays: x (N, C, H, W) or (C, H, W), w (O, C/groups, KH, KW), b (O,) or None.

    ``padding`` is (top, bottom, left, right), already validated by :func:`conv2d`.
    """

    _listed_inputs = (0, 1, 2)  # PyTorch's ConvolutionBackward0 lists the bias, None or not

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        x_in, w_in = x, w
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
        if not (ctx.needs_input_grad[0] and ctx.needs_input_grad[1]):  # PyTorch's node saves both: both checked
            ctx.watch_versions(*ctx._watched, *((x_in,) if not ctx.needs_input_grad[1] else ()),
                               *((w_in,) if not ctx.needs_input_grad[0] else ()))
        ctx.conv_args, ctx.padding = args, padding
        ctx.x_shape, ctx.w_shape = x.shape, w.shape
        ctx.unbatched = unbatched
        return out[0] if unbatched else out

    @staticmethod
    def _torch_saved_view(ctx, k, shape):  # for the version error: PyTorch saves an unbatched input unsqueezed
        return (1,) + tuple(shape) if k == 0 and ctx.unbatched else None

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
                    # The direct kernel sums every weight tap against grad_out's zero border, so an inf
                    # or NaN weight would give 0 * inf = NaN where PyTorch skips the tap: such (rare)
                    # weights take the im2col path, which only touches taps inside the plane.
                    algorithm = "auto" if np.isfinite(w).all() else "im2col"
                    _kernels.conv2d_grad_input(grad_out, w, grad_x, *ctx.conv_args, algorithm=algorithm)
                if ctx.unbatched:
                    grad_x = grad_x[0]
            if ctx.needs_input_grad[2]:
                grad_b = np.zeros(ctx.w_shape[0], dtype=grad_out.dtype)
            # grad_b comes out of the grad_weight pass when both are wanted (the same bits as
            # conv2d_grad_bias, one pass over grad_out less)
            fused_b = grad_b if grad_b is not None and run else None
            if ctx.needs_input_grad[1]:
                grad_w = (np.empty if run else np.zeros)(ctx.w_shape, dtype=grad_out.dtype)
                if run:
                    _kernels.conv2d_grad_weight(x, grad_out, grad_w, *ctx.conv_args, grad_b=fused_b)
                    # The direct kernel's vector tails multiply input values just outside a plane by a
                    # zero gradient; an inf or NaN there turns 0 * inf into NaN where PyTorch gets a
                    # number. Only non-finite inputs can do that, and they make grad_w non-finite, so
                    # checking the small grad_w is enough: recompute such a case with im2col.
                    if not np.isfinite(grad_w).all():
                        _kernels.conv2d_grad_weight(x, grad_out, grad_w, *ctx.conv_args, algorithm="im2col",
                                                    grad_b=fused_b)
            else:
                fused_b = None
            if grad_b is not None and fused_b is None and grad_out.size:
                _kernels.conv2d_grad_bias(grad_out, grad_b, ctx.conv_args[-1])
        return grad_x, grad_w, grad_b, None, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: the two gradients are convolutions of Tensors, so they are differentiable
        again. grad_input is conv_transpose2d(g, w); grad_weight[o, c, i, j] = sum over n, p, q of
        g[n, o, p, q] * x_padded[n, c, p*s + i*d, q*s + j*d], a conv2d of x (channels as batch) with g
        (batch as channels), stride and dilation swapped, cropped to the kernel's size (per group)."""
        sh, sw, pt, pl, dh, dw, groups, _ = ctx.conv_args
        _, pb, _, pr = ctx.padding
        kh, kw = ctx.w_shape[2], ctx.w_shape[3]
        need = ctx.needs_input_grad
        g4 = g.unsqueeze(0) if ctx.unbatched else g
        grad_x = grad_w = grad_b = None
        if need[0]:
            # conv_transpose2d without padding gives the gradient of the padded input (output_padding
            # makes it exactly that size: the rows strides never reach); crop the padding off
            h, wd = ctx.x_shape[2], ctx.x_shape[3]
            ho, wo = g4._data.shape[2], g4._data.shape[3]
            extra = (h + pt + pb - ((ho - 1) * sh + dh * (kh - 1) + 1),
                     wd + pl + pr - ((wo - 1) * sw + dw * (kw - 1) + 1))
            full = conv_transpose2d(g4, ctx.saved_input(1), None, (sh, sw), 0, extra, groups, (dh, dw))
            if pt or pb or pl or pr:  # contiguous, as PyTorch's gradient (user code may .view() it)
                full = full[:, :, pt:pt + h, pl:pl + wd].contiguous()
            grad_x = full
            grad_x = grad_x.squeeze(0) if ctx.unbatched else grad_x
        if need[1]:
            x = ctx.saved_input(0)
            x = x.unsqueeze(0) if ctx.unbatched else x
            cg, og = ctx.w_shape[1], ctx.w_shape[0] // groups
            parts = []
            for k in range(groups):  # one convolution per group: its input channels against its outputs
                xk = x[:, k * cg:(k + 1) * cg] if groups > 1 else x
                gk = g4[:, k * og:(k + 1) * og] if groups > 1 else g4
                r = Conv2d.apply(xk.transpose(0, 1), gk.transpose(0, 1), None, (dh, dw), ctx.padding, (sh, sw), 1)
                parts.append(r[:, :, :kh, :kw].transpose(0, 1))
            grad_w = parts[0] if groups == 1 else cat(parts, 0)
        if need[2]:
            grad_b = g4.sum(dim=(0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None, None




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
            f"conv2d(): expected a floating point input (float32 or float64), but got input of dtype {input.dtype.name}"
        )
    if weight.dtype != input.dtype:
        raise RuntimeError(f"Input type ({input.dtype.name}) and weight type ({weight.dtype.name}) should be the same")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({input.dtype.name}) and bias type ({bias.dtype.name}) should be the same")
    stride = conv_tuple(stride, 2, "stride", "conv2d")
    dilation = conv_tuple(dilation, 2, "dilation", "conv2d")
    if not isinstance(padding, str):
        padding = conv_tuple(padding, 2, "padding", "conv2d")
        if min(padding) < 0:
            raise RuntimeError("negative padding is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    groups = conv_groups(groups, "conv2d")

    o, c_per_group, kh, kw = weight.shape
    batched_shape = input.shape if input.ndim == 4 else (1,) + tuple(input.shape)
    check_conv_weight_groups(tuple(weight.shape), groups)
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
        pads = (padding[0], padding[0], padding[1], padding[1])

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
    check_blas_sizes("conv2d", ("the output plane H_out * W_out", out_hw),
                     ("the input plane H * W", batched_shape[2] * batched_shape[3]),
                     ("C_in / groups * kH * kW (weights per output channel)", c_per_group * kh * kw),
                     ("out_channels", o))
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


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution: input (N, C_in, L) or (C_in, L), weight (C_out, C_in / groups, k); runs as
    conv2d on a height-1 image (which checks the values, as PyTorch's does on its 2-D view).
    L_out = floor((L + 2p - d(k-1) - 1)/s + 1)."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"conv1d(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d(): weight should be 3-D (C_out, C_in / groups, k), got {list(weight.shape)}")
    (s,) = conv_tuple(stride, 1, "stride", "conv1d")
    (d,) = conv_tuple(dilation, 1, "dilation", "conv1d")
    p = padding if isinstance(padding, str) else (0, conv_tuple(padding, 1, "padding", "conv1d")[0])
    check_conv_weight_groups(tuple(weight.shape), conv_groups(groups, "conv1d"))
    if input.ndim == 2:  # PyTorch: the unbatched input with a batch dimension of 1
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    # conv2d's checks (and messages) on the height-1 views, then one ConvolutionBackward0 node, as PyTorch's
    args = _check_conv2d_args(Tensor._wrap(input._data[:, :, None]), Tensor._wrap(weight._data[:, :, None]), bias,
                              (1, s), p, (1, d), groups)
    return _Conv1d.apply(input, weight, bias, *args)


class _Conv1d(Conv2d):
    """conv1d as Conv2d's kernels on height-1 views of the arrays (x (N, C, L), w (O, C/groups, k))."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        ctx.watch_versions(x, w)  # Conv2d saves the height-1 views
        ctx.conv_meta = (stride, padding, dilation, groups)
        return Conv2d.forward(ctx, x[:, :, None], w[:, :, None], b, stride, padding, dilation, groups)[:, :, 0]

    @staticmethod
    def backward(ctx, g):
        gx, gw, gb = Conv2d.backward(ctx, g[:, :, None])[:3]
        return (None if gx is None else gx[:, :, 0], None if gw is None else gw[:, :, 0], gb,
                None, None, None, None)

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: conv1d again as conv2d on Tensors, differentiated on the graph. Conv2d saved only
        what the first-order gradients need (x for the weight's, w for the input's); the gradient it did not
        save an operand for does not depend on that operand (the convolution is bilinear), so zeros stand in."""
        x4, w4 = ctx.saved_tensors
        x = np.zeros(ctx.x_shape[:2] + ctx.x_shape[3:], g._data.dtype) if x4 is None else x4[:, :, 0]
        w = np.zeros(ctx.w_shape[:2] + ctx.w_shape[3:], g._data.dtype) if w4 is None else w4[:, :, 0]
        b = None if ctx.next_edges[2] is None else np.zeros(ctx.w_shape[0], g._data.dtype)

        def fn(x, w, b, stride, padding, dilation, groups):
            return Conv2d.apply(x.unsqueeze(-2), w.unsqueeze(-2), b, stride, padding, dilation, groups).squeeze(-2)

        return recomputed_backward(ctx, fn, (x, w, b) + ctx.conv_meta, (g,))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input), as PyTorch.

    weight (C_in, C_out / groups, kH, kW); H_out = (H_in - 1) s - 2p + d(kH - 1) + output_padding + 1.
    Computed as: insert ``stride - 1`` zeros between input pixels, pad by ``d(k-1) - p`` (plus
    ``output_padding`` at the bottom/right), then conv2d with the spatially flipped, transposed
    weight; every step is a differentiable op, so the gradients follow.
    """
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"conv_transpose2d(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of "
                           f"size: {list(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    st, pd, op, dl = (conv_tuple(v, 2, n, "conv_transpose2d")
                      for v, n in ((stride, "stride"), (padding, "padding"), (output_padding, "output_padding"),
                                   (dilation, "dilation")))
    groups = conv_groups(groups, "conv_transpose2d")
    if min(pd) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(op) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if min(st) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dl) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dl[0]}, "
                           f"dilation_width: {dl[1]}")
    if weight.ndim == 4:
        check_conv_weight_groups(tuple(weight.shape), groups)
        if min(weight.shape[2:]) <= 0:
            raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {weight.shape[2]} "
                               f"kernel_width: {weight.shape[3]}")
        if weight.numel() == 0:
            raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {list(weight.shape)}")
    if weight.ndim != 4 or weight.shape[0] != x.shape[1]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(input.shape)} "
                           f"to have {weight.shape[0] if weight.ndim else '?'} channels, but got {x.shape[1]} "
                           "channels instead")
    if any(o >= max(s, d) for o, s, d in zip(op, st, dl)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: {st[0]} "
                           f"stride_width: {st[1]} dilation_height: {dl[0]} dilation_width: {dl[1]}")
    n, c, h, w = x.shape
    if (h == 0 or w == 0) and n and c:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{list(input.shape)}")
    out = composite("ConvolutionBackward0", lambda x, w, b: _conv_transpose2d(x, w, b, st, pd, op, dl, groups),
                    (x, weight, bias), listed=(0, 1, 2), saved=(0, 1))
    return out.squeeze(0) if unbatched else out


def _conv_transpose2d(x, weight, bias, st, pd, op, dl, groups):
    n, c, h, w = x.shape
    kh, kw = weight.shape[2], weight.shape[3]
    # 1. zero insertion: (N, C, H, W) -> (N, C, (H-1)*sh+1, (W-1)*sw+1)
    if st[1] > 1:
        x = x.unsqueeze(-1)
        x = _cat_zeros(x, st[1] - 1).reshape(n, c, h, w * st[1])[..., : (w - 1) * st[1] + 1]
    if st[0] > 1:
        wc = x.shape[-1]
        x = x.unsqueeze(-2)
        x = _cat_zeros(x, st[0] - 1, dim=-2).reshape(n, c, h * st[0], wc)[..., : (h - 1) * st[0] + 1, :]
    # 2. padding d(k-1) - p on each side (+ output_padding at the end); negative means crop
    ph = [dl[0] * (kh - 1) - pd[0], dl[0] * (kh - 1) - pd[0] + op[0]]
    pw = [dl[1] * (kw - 1) - pd[1], dl[1] * (kw - 1) - pd[1] + op[1]]
    x = _pad(x, (max(pw[0], 0), max(pw[1], 0), max(ph[0], 0), max(ph[1], 0)))
    H, W = x.shape[-2], x.shape[-1]
    x = x[..., max(-ph[0], 0): H - max(-ph[1], 0), max(-pw[0], 0): W - max(-pw[1], 0)]
    # 3. weight (C_in, C_out/g, kh, kw) -> (C_out, C_in/g, kh, kw), flipped
    cin, cout_g = weight.shape[0], weight.shape[1]
    wt = weight.reshape(groups, cin // groups, cout_g, kh, kw).permute(0, 2, 1, 3, 4)
    wt = wt.reshape(groups * cout_g, cin // groups, kh, kw).flip(2, 3)
    return conv2d(x.contiguous(), wt.contiguous(), bias, 1, 0, dl, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """Transposed 1-D convolution: input (N, C_in, L) or (C_in, L), weight (C_in, C_out / groups, k); runs as
    conv_transpose2d on a height-1 image. L_out = (L - 1) s - 2p + d(k - 1) + output_padding + 1."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"conv_transpose1d(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv_transpose1d, but got input of "
                           f"size: {list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional weight for conv_transpose1d, but got weight of size "
                           f"{list(weight.shape)}")
    (s,), (p,), (op,), (d,) = (conv_tuple(v, 1, n, "conv_transpose1d")
                               for v, n in ((stride, "stride"), (padding, "padding"),
                                            (output_padding, "output_padding"), (dilation, "dilation")))
    if input.ndim == 2:  # PyTorch: the unbatched input with a batch dimension of 1
        return conv_transpose1d(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups,
                                dilation).squeeze(0)
    return composite("ConvolutionBackward0", lambda x, w, b: conv_transpose2d(
        x.unsqueeze(-2), w.unsqueeze(-2), b, (1, s), (0, p), (0, op), groups, (1, d)).squeeze(-2),
        (input, weight, bias), listed=(0, 1, 2), saved=(0, 1))


def _cat_zeros(x, k, dim=-1):
    """``x`` with ``k`` zeros appended along ``dim`` (the zero insertion of a strided transposed conv)."""
    shape = list(x.shape)
    shape[dim] = k
    return cat([x, zeros(*shape, dtype=x.dtype)], dim)
