"""Plain numpy float64 reference for the conv2d kernels (written for clarity, not speed).

Independent of the kernels (``miniconv/_conv_*.pxi``, ``_conv_ukernel*.h``): the input is zero-padded explicitly into a bigger
array, and each kernel tap (kh, kw) reads a strided window of that padded array.

Shapes: x (N, C, H, W), w (O, C // groups, KH, KW), bias (O,) or None,
out / grad_out (N, O, HO, WO) with HO = (H + pt + pb - dil_h*(KH-1) - 1) // stride_h + 1.
``padding`` is (top, bottom, left, right); bottom/right may differ from top/left.
"""
import numpy as np


def output_size(size, pad_before, pad_after, kernel, stride, dilation):
    """PyTorch's H_out formula: floor((size + pads - dilation*(kernel-1) - 1) / stride) + 1."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def _pad(x, padding):
    pt, pb, pl, pr = padding
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + pt + pb, w + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + w] = x
    return xp


def _window(xp, kh, kw, ho, wo, stride, dilation):
    """The (N, C, HO, WO) view of padded input that kernel tap (kh, kw) multiplies."""
    sh, sw = stride
    dh, dw = dilation
    r0, c0 = kh * dh, kw * dw
    return xp[:, :, r0:r0 + sh * (ho - 1) + 1:sh, c0:c0 + sw * (wo - 1) + 1:sw]


def _sizes(x_shape, w_shape, stride, padding, dilation):
    pt, pb, pl, pr = padding
    ho = output_size(x_shape[2], pt, pb, w_shape[2], stride[0], dilation[0])
    wo = output_size(x_shape[3], pl, pr, w_shape[3], stride[1], dilation[1])
    return ho, wo


def conv2d_forward(x, w, bias, stride, padding, dilation, groups):
    """out[n, o] = bias[o] + sum_{c in group(o), kh, kw} w[o, c, kh, kw] * xpad[n, c, window]."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    n, _, _, _ = x.shape
    o_total, cg, k_h, k_w = w.shape
    og = o_total // groups
    ho, wo = _sizes(x.shape, w.shape, stride, padding, dilation)
    xp = _pad(x, padding)
    out = np.zeros((n, o_total, ho, wo))
    for g in range(groups):
        cs, os_ = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        for kh in range(k_h):
            for kw in range(k_w):
                win = _window(xp[:, cs], kh, kw, ho, wo, stride, dilation)
                out[:, os_] += np.einsum("nchw,oc->nohw", win, w[os_, :, kh, kw])
    if bias is not None:
        out += np.asarray(bias, np.float64)[None, :, None, None]
    return out


def conv2d_grad_input(grad_out, w, x_shape, stride, padding, dilation, groups):
    """d out / d x: every window read in the forward pass scatters its gradient back."""
    grad_out = np.asarray(grad_out, np.float64)
    w = np.asarray(w, np.float64)
    n, c, h, wd = x_shape
    o_total, cg, k_h, k_w = w.shape
    og = o_total // groups
    ho, wo = grad_out.shape[2:]
    pt, pb, pl, pr = padding
    gxp = np.zeros((n, c, h + pt + pb, wd + pl + pr))
    for g in range(groups):
        cs, os_ = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        for kh in range(k_h):
            for kw in range(k_w):
                win = _window(gxp[:, cs], kh, kw, ho, wo, stride, dilation)  # a view: += writes through
                win += np.einsum("nohw,oc->nchw", grad_out[:, os_], w[os_, :, kh, kw])
    return gxp[:, :, pt:pt + h, pl:pl + wd].copy()


def conv2d_grad_weight(x, grad_out, w_shape, stride, padding, dilation, groups):
    """d out / d w[o, c, kh, kw] = sum over n, ho, wo of grad_out * the window of tap (kh, kw)."""
    x = np.asarray(x, np.float64)
    grad_out = np.asarray(grad_out, np.float64)
    o_total, cg, k_h, k_w = w_shape
    og = o_total // groups
    ho, wo = grad_out.shape[2:]
    xp = _pad(x, padding)
    gw = np.zeros(w_shape)
    for g in range(groups):
        cs, os_ = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        for kh in range(k_h):
            for kw in range(k_w):
                win = _window(xp[:, cs], kh, kw, ho, wo, stride, dilation)
                gw[os_, :, kh, kw] = np.einsum("nohw,nchw->oc", grad_out[:, os_], win)
    return gw


def conv2d_grad_bias(grad_out):
    """d out / d bias[o] = sum of grad_out over batch and space."""
    return np.asarray(grad_out, np.float64).sum(axis=(0, 2, 3))
