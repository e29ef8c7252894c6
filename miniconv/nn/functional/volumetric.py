"""3-D (volumetric) convolution and pooling over (N, C, D, H, W) input, built on the 2-D kernels.

* ``conv3d``: for each kernel depth kd, the input depths ``kd*dilation + s*o`` of every output depth o
  form one batch of N*D_out images, convolved in 2-D with the weight's kd-th slice; the KD results are
  summed. Every step is a differentiable miniconv op, so gradients (and double backward) follow.
* ``conv_transpose3d``: zero insertion, padding and a conv3d with the flipped, transposed weight, as
  ``conv_transpose2d`` does in 2-D.
* Pooling over a box window is separable: ``max``/``avg``/adaptive pooling over (H, W) of every depth
  slice, then over D (a 2-D pool with a (k, 1) window on the (D, H_out*W_out) plane). Max pooling this
  way keeps PyTorch's choice among equal maxima (the first in (d, h, w) order); the averages divide by
  the product of the per-axis counts, which is PyTorch's box count with and without padding.
"""
import numpy as np

from ...autograd.composite import composite
from ...dtypes import refuse_half
from ...tensor import Tensor
from ._args import check_conv_weight_groups, conv_groups, conv_tuple, _size_str
from .conv import _cat_zeros, _same_padding, conv2d
from .padding import pad as _pad
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "conv3d", "conv_transpose3d", "max_pool3d"]


def _tensors(fn, **named):
    for name, t in named.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(t).__name__}")


def _batched(input, fn):  # noqa: A002
    if input.ndim not in (4, 5):
        raise RuntimeError(f"Expected 4D (unbatched) or 5D (batched) input to {fn}, but got input of size: "
                           f"{list(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """3-D convolution: input (N, C_in, D, H, W) or unbatched (C_in, D, H, W), weight
    (C_out, C_in / groups, kD, kH, kW); D_out = floor((D + 2p - d(kD-1) - 1)/s + 1), H and W alike.
    ``padding`` may be ``'same'`` (stride 1) or ``'valid'``."""
    # one ConvolutionBackward0 node, as PyTorch's (the 2-D convolutions per depth tap inside it)
    return composite("ConvolutionBackward0", lambda x, w, b: _conv3d(x, w, b, stride, padding, dilation, groups),
                     (input, weight, bias), listed=(0, 1, 2), saved=(0, 1))


def _conv3d(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    _tensors("conv3d", input=input, weight=weight)
    if weight.ndim != 5:
        raise RuntimeError(f"Expected 5-dimensional weight for conv3d, but got weight of size "
                           f"{list(weight.shape)}")
    x, unbatched = _batched(input, "conv3d")
    st = conv_tuple(stride, 3, "stride", "conv3d")
    dl = conv_tuple(dilation, 3, "dilation", "conv3d")
    groups = conv_groups(groups, "conv3d")
    check_conv_weight_groups(tuple(weight.shape), groups)
    if min(st) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dl) <= 0:
        raise RuntimeError("dilation should be greater than zero")
    n, c = x.shape[0], x.shape[1]
    if weight.shape[1] * groups != c:
        raise RuntimeError(f"Given groups={groups}, weight of size {_size_str(weight.shape)}, expected "
                           f"input{_size_str(input.shape)} to have {weight.shape[1] * groups} channels, but got "
                           f"{c} channels instead")
    kd, kh, kw = weight.shape[2:]
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and max(st) != 1:
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        pads = _same_padding((kd, kh, kw), dl) if padding == "same" else (0,) * 6
    else:
        p = conv_tuple(padding, 3, "padding", "conv3d")
        if min(p) < 0:
            raise RuntimeError("negative padding is not supported")
        pads = (p[0], p[0], p[1], p[1], p[2], p[2])
    if any(pads):   # (front, back, top, bottom, left, right) -> F.pad's last-dim-first order
        x = _pad(x, (pads[4], pads[5], pads[2], pads[3], pads[0], pads[1]))
    d, h, w = x.shape[2:]
    do = (d - dl[0] * (kd - 1) - 1) // st[0] + 1
    ho = (h - dl[1] * (kh - 1) - 1) // st[1] + 1
    wo = (w - dl[2] * (kw - 1) - 1) // st[2] + 1
    if min(do, ho, wo) <= 0:
        raise RuntimeError(f"Calculated padded input size per channel: ({d} x {h} x {w}). Kernel size: "
                           f"({dl[0] * (kd - 1) + 1} x {dl[1] * (kh - 1) + 1} x {dl[2] * (kw - 1) + 1}). "
                           "Kernel size can't be greater than actual input size")
    out = None
    for k in range(kd):
        start = k * dl[0]
        xs = x[:, :, start: start + st[0] * (do - 1) + 1: st[0]]
        xs = xs.permute(0, 2, 1, 3, 4).reshape(n * do, c, h, w)
        y = conv2d(xs, weight[:, :, k], None, st[1:], 0, dl[1:], groups)
        out = y if out is None else out + y
    o = weight.shape[0]
    out = out.reshape(n, do, o, ho, wo).permute(0, 2, 1, 3, 4).contiguous()
    if bias is not None:
        out = out + bias.reshape(1, o, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """Transposed 3-D convolution, weight (C_in, C_out / groups, kD, kH, kW);
    D_out = (D - 1) s - 2p + d(kD - 1) + output_padding + 1, H and W alike."""
    return composite("ConvolutionBackward0", lambda x, w, b: _conv_transpose3d(x, w, b, stride, padding,
                                                                               output_padding, groups, dilation),
                     (input, weight, bias), listed=(0, 1, 2), saved=(0, 1))


def _conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation):  # noqa: A002
    _tensors("conv_transpose3d", input=input, weight=weight)
    x, unbatched = _batched(input, "conv_transpose3d")
    st, pd, op, dl = (conv_tuple(v, 3, name, "conv_transpose3d")
                      for v, name in ((stride, "stride"), (padding, "padding"), (output_padding, "output_padding"),
                                      (dilation, "dilation")))
    groups = conv_groups(groups, "conv_transpose3d")
    if min(pd) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(op) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if min(st) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dl) <= 0:
        raise RuntimeError("dilation should be greater than zero")
    if weight.ndim != 5 or weight.shape[0] != x.shape[1]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[0] if weight.ndim else '?'} channels, but got "
                           f"{x.shape[1]} channels instead")
    check_conv_weight_groups(tuple(weight.shape), groups)
    if any(o >= max(s, d) for o, s, d in zip(op, st, dl)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding: {list(op)} stride: {list(st)} dilation: {list(dl)}")
    ks = weight.shape[2:]
    for axis in (4, 3, 2):   # zero insertion along W, H, D
        s = st[axis - 2]
        if s > 1:
            size = x.shape[axis]
            x = _cat_zeros(x.unsqueeze(axis + 1), s - 1, dim=axis + 1)
            shape = list(x.shape[:axis]) + [size * s] + list(x.shape[axis + 2:])
            x = x.reshape(*shape)
            x = x[(slice(None),) * axis + (slice(0, (size - 1) * s + 1),)]
    before = [dl[i] * (ks[i] - 1) - pd[i] for i in range(3)]
    after = [before[i] + op[i] for i in range(3)]
    x = _pad(x, (max(before[2], 0), max(after[2], 0), max(before[1], 0), max(after[1], 0),
                 max(before[0], 0), max(after[0], 0)))
    crop = tuple(slice(max(-before[i], 0), x.shape[i + 2] - max(-after[i], 0)) for i in range(3))
    x = x[(slice(None), slice(None)) + crop]
    cin, cout_g = weight.shape[0], weight.shape[1]
    wt = weight.reshape(groups, cin // groups, cout_g, *ks).permute(0, 2, 1, 3, 4, 5)
    wt = wt.reshape(groups * cout_g, cin // groups, *ks).flip(2, 3, 4)
    out = conv3d(x.contiguous(), wt.contiguous(), bias, 1, 0, dl, groups)
    return out.squeeze(0) if unbatched else out


def _triple(v, name, fn):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            v = tuple(v) * 3
        if len(v) != 3:
            raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of three ints")
        return tuple(int(a) for a in v)
    return (int(v),) * 3


def _depth_plane(y, n, c, d):
    """(N, C*D, Ho, Wo) -> (N*C, 1, D, Ho*Wo): depth as the rows of a 2-D plane."""
    ho, wo = y.shape[-2], y.shape[-1]
    return y.reshape(n * c, 1, d, ho * wo), ho, wo


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """Max over (kD x kH x kW) windows of (N, C, D, H, W) or (C, D, H, W) input; ``return_indices``
    gives the flat index d*H*W + h*W + w of each maximum in its input volume."""
    if return_indices:
        return _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)
    return composite("MaxPool3DWithIndicesBackward0",
                     lambda x: _max_pool3d(x, kernel_size, stride, padding, dilation, ceil_mode, False), (input,))


def _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):  # noqa: A002
    _tensors("max_pool3d", input=input)
    x, unbatched = _batched(input, "max_pool3d")
    k = _triple(kernel_size, "kernel_size", "max_pool3d")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else \
        _triple(stride, "stride", "max_pool3d")
    p = _triple(padding, "padding", "max_pool3d")
    dl = _triple(dilation, "dilation", "max_pool3d")
    n, c, d, h, w = x.shape
    first = max_pool2d(x.reshape(n, c * d, h, w), k[1:], s[1:], p[1:], dl[1:], ceil_mode, return_indices)
    y, idx_hw = first if return_indices else (first, None)
    plane, ho, wo = _depth_plane(y, n, c, d)
    second = max_pool2d(plane, (k[0], 1), (s[0], 1), (p[0], 0), (dl[0], 1), ceil_mode, return_indices)
    out, idx_d = second if return_indices else (second, None)
    do = out.shape[2]
    out = out.reshape(n, c, do, ho, wo)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    depth = idx_d.numpy().reshape(n * c, do, ho * wo) // (ho * wo)
    hw = np.take_along_axis(idx_hw.numpy().reshape(n * c, d, ho * wo), depth, axis=1)
    flat = (depth * (h * w) + hw).reshape(n, c, do, ho, wo).astype(np.int64)
    idx = Tensor._wrap(flat[0] if unbatched else flat)
    return out, idx


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """Mean over (kD x kH x kW) windows of (N, C, D, H, W) or (C, D, H, W) input, with PyTorch's
    divisor (the window, the part inside the input when count_include_pad=False, or divisor_override)."""
    refuse_half(getattr(input, "dtype", None), "avg_pool3d_out_frame")
    return composite("AvgPool3DBackward0", lambda x: _avg_pool3d(x, kernel_size, stride, padding, ceil_mode,
                                                                 count_include_pad, divisor_override), (input,))


def _avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):  # noqa: A002
    _tensors("avg_pool3d", input=input)
    x, unbatched = _batched(input, "avg_pool3d")
    k = _triple(kernel_size, "kernel_size", "avg_pool3d")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else \
        _triple(stride, "stride", "avg_pool3d")
    p = _triple(padding, "padding", "avg_pool3d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    n, c, d, h, w = x.shape
    sum_only = divisor_override is not None
    y = avg_pool2d(x.reshape(n, c * d, h, w), k[1:], s[1:], p[1:], ceil_mode, count_include_pad,
                   1 if sum_only else None)
    plane, ho, wo = _depth_plane(y, n, c, d)
    out = avg_pool2d(plane, (k[0], 1), (s[0], 1), (p[0], 0), ceil_mode, count_include_pad,
                     divisor_override if sum_only else None)
    out = out.reshape(n, c, out.shape[2], ho, wo)
    return out.squeeze(0) if unbatched else out


def _adaptive_size(output_size, x, fn):
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 3:
            raise ValueError(f"{fn}: output_size must be 3")
        return tuple(x.shape[2 + i] if v is None else int(v) for i, v in enumerate(output_size))
    return (int(output_size),) * 3


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """Average pooling of (N, C, D, H, W) input to (N, C, oD, oH, oW) with PyTorch's adaptive windows."""
    _tensors("adaptive_avg_pool3d", input=input)
    x, unbatched = _batched(input, "adaptive_avg_pool3d")
    od, oh, ow = _adaptive_size(output_size, x, "adaptive_avg_pool3d")
    n, c, d, h, w = x.shape
    y = adaptive_avg_pool2d(x.reshape(n, c * d, h, w), (oh, ow))
    plane, ho, wo = _depth_plane(y, n, c, d)
    out = adaptive_avg_pool2d(plane, (od, ho * wo)).reshape(n, c, od, ho, wo)
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool3d(input, output_size, return_indices=False):  # noqa: A002
    """Max over PyTorch's adaptive windows of (N, C, D, H, W) input; ``return_indices`` gives the flat
    index d*H*W + h*W + w of each maximum."""
    _tensors("adaptive_max_pool3d", input=input)
    x, unbatched = _batched(input, "adaptive_max_pool3d")
    od, oh, ow = _adaptive_size(output_size, x, "adaptive_max_pool3d")
    n, c, d, h, w = x.shape
    first = adaptive_max_pool2d(x.reshape(n, c * d, h, w), (oh, ow), return_indices)
    y, idx_hw = first if return_indices else (first, None)
    plane, ho, wo = _depth_plane(y, n, c, d)
    second = adaptive_max_pool2d(plane, (od, ho * wo), return_indices)
    out, idx_d = second if return_indices else (second, None)
    out = out.reshape(n, c, od, ho, wo)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    depth = idx_d.numpy().reshape(n * c, od, ho * wo) // (ho * wo)
    hw = np.take_along_axis(idx_hw.numpy().reshape(n * c, d, ho * wo), depth, axis=1)
    flat = (depth * (h * w) + hw).reshape(n, c, od, ho, wo).astype(np.int64)
    return out, Tensor._wrap(flat[0] if unbatched else flat)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):  # noqa: A002
    return adaptive_max_pool3d(input, output_size, True)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """(sum over each (kD x kH x kW) window of x ** p) ** (1 / p), as PyTorch: avg_pool3d of x ** p
    times the window size."""
    _tensors("lp_pool3d", input=input)
    kd, kh, kw = _triple(kernel_size, "kernel_size", "lp_pool3d")
    out = avg_pool3d(input.pow(norm_type), (kd, kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kd * kh * kw).pow(1.0 / norm_type)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Partial inverse of ``max_pool3d``: each value goes to the flat position d*H*W + h*W + w its index
    names in the (D, H, W) output volume, zeros elsewhere."""
    from .pooling_more import _max_unpool, _unpool_output_size
    _tensors("max_unpool3d", input=input, indices=indices)
    if input.ndim not in (4, 5):
        raise RuntimeError(f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
                           f"{input.ndim} dimensions.")
    k = _triple(kernel_size, "kernel_size", "max_unpool3d")
    s = k if stride is None else _triple(stride, "stride", "max_unpool3d")
    p = _triple(padding, "padding", "max_unpool3d")
    od, oh, ow = _unpool_output_size(input, k, s, p, output_size)
    lead = tuple(input.shape[:-3])
    flat_in = input.reshape(lead + (input.shape[-3] * input.shape[-2], input.shape[-1]))
    flat_idx = indices.reshape(lead + (indices.shape[-3] * indices.shape[-2], indices.shape[-1])) \
        if indices.ndim == input.ndim else indices
    out = _max_unpool(flat_in, flat_idx, (od * oh, ow), "max_unpool3d")
    return out.reshape(lead + (od, oh, ow))


def dropout3d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels (each (n, c) volume of (N, C, D, H, W), or each c of (C, D, H, W)) with
    probability ``p``; scale the rest by 1 / (1 - p)."""
    import warnings
    from .dropout import _check_p, dropout
    from ._args import _apply_inplace, _check_inplace_allowed
    _check_p(p)
    _tensors("dropout3d", input=input)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will result "
                      "in an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    if not training or p == 0:
        return input
    batched = input.ndim == 5
    x = input if batched or input.ndim != 4 else input.unsqueeze(0)
    mask_shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    out = x * dropout(x.new_ones(mask_shape), p, True)
    out = out if batched or input.ndim != 4 else out.squeeze(0)
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, out)
    return out


__all__ += ["adaptive_max_pool3d_with_indices", "dropout3d", "lp_pool3d", "max_pool3d_with_indices", "max_unpool3d"]
