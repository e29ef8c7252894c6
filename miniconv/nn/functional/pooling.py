"""Pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d."""
import numbers

import numpy as np

from ... import _kernels
from ..._config import threads_for
from ...autograd import ArrayFunction
from ...dtypes import computes_half_in_float32, torch_dtype_name as _torch_dtype_name
from ...autograd.composite import recomputed_backward
from ...ops.shape_index import IndexGrad, Stack
from ._args import _dtype_name, _float_arg, _pair, _tensor_arg



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
    for axis, size, k, p, s, d, out in (("row", H, kh, ph, sh, dh, OH), ("column", W, kw, pw, sw, dw, OW)):
        o = _first_window_without_taps(size, k, p, s, d, out)
        if o is not None:
            raise RuntimeError(
                f"{fn}(): the pooling window of output {axis} {o} covers only padding (input size {size}, "
                f"kernel_size={k}, stride={s}, padding={p}, dilation={d}); it has no input element to pool. "
                "Use less padding or dilation.")
    return (kh, kw, sh, sw, ph, pw, dh, dw), (OH, OW)


def _first_window_without_taps(size, k, pad, stride, dilation, out):
    """The first output position whose window (taps ``o*stride - pad + j*dilation``, j < k) has no tap
    inside [0, size), or None. PyTorch 2.13 returns -inf and an index outside the plane for such a
    window (and its backward writes out of bounds); miniconv refuses the call instead."""
    start = np.arange(out, dtype=np.int64) * stride - pad
    j = np.where(start < 0, -(start // dilation), 0)  # first tap index j with start + j*d >= 0
    empty = (j >= k) | (start + j * dilation >= size)
    return int(np.argmax(empty)) if empty.any() else None


def _index_dtype(plane_size):
    """The smallest of int16/int32/int64 that holds every flat index of a plane of ``plane_size``."""
    return np.int16 if plane_size < 2**15 else np.int32 if plane_size < 2**31 else np.int64


@computes_half_in_float32
class _MaxPool2d(ArrayFunction):
    @staticmethod
    def forward(ctx, x, params, out_hw, return_indices):
        ctx.return_indices = return_indices
        kh, kw, sh, sw, ph, pw, dh, dw = params
        lead, (H, W) = x.shape[:-2], x.shape[-2:]
        x3 = np.ascontiguousarray(x).reshape(-1, H, W)
        out = np.empty((x3.shape[0],) + out_hw, dtype=x.dtype)
        # the smallest index type that holds H*W is kept for backward (int16 up to 181 x 181 planes:
        # 3 MB instead of 6 for the README model's first pool at batch 256)
        idx = np.empty((x3.shape[0],) + out_hw, dtype=_index_dtype(H * W))
        _kernels.max_pool2d_forward(x3, out, idx, kh, kw, sh, sw, ph, pw, dh, dw, threads_for(x3.size))
        ctx.save_for_backward(idx)
        ctx.in_shape = x.shape
        if not ctx.return_indices:
            return out.reshape(lead + out_hw)
        idx64 = idx.astype(np.int64).reshape(lead + out_hw)  # users get int64, as from PyTorch
        ctx.mark_non_differentiable(idx64)
        return out.reshape(lead + out_hw), idx64

    @staticmethod
    def backward(ctx, g, *g_idx):  # g_idx: the (never used) gradient of the indices, with return_indices
        (idx,) = ctx.saved_tensors
        H, W = ctx.in_shape[-2:]
        g3 = np.ascontiguousarray(g).reshape(idx.shape)
        gi = np.empty(ctx.in_shape, dtype=g.dtype)  # owns its memory: the next node may overwrite it
        _kernels.max_pool2d_backward(g3, idx, gi.reshape(idx.shape[0], H * W), threads_for(gi.size))
        return gi, None, None, None

    @staticmethod
    def backward_graph(ctx, g, *g_idx):
        """create_graph=True: a scatter-add of g to each window's argmax (flat positions, a constant)."""
        (idx,) = ctx.saved_tensors
        H, W = ctx.in_shape[-2:]
        planes = idx.shape[0]
        flat = (idx.astype(np.int64) + (np.arange(planes, dtype=np.int64) * (H * W)).reshape(-1, 1, 1)).reshape(-1)
        gi = IndexGrad.apply(g.reshape(-1), (planes * H * W,), (flat,))
        return gi.reshape(ctx.in_shape), None, None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """Max over (kH x kW) windows of ``input`` (N, C, H, W) or (C, H, W).

    H_out = floor((H + 2*padding - dilation*(kH - 1) - 1) / stride + 1)  (ceil with ceil_mode, but
    the last window must start inside the input or the left padding). ``stride`` defaults to
    ``kernel_size``. With ``return_indices`` also returns the int64 flat index (h * W + w) of each
    maximum within its (H, W) plane.
    """
    if _int_via_double(input):  # PyTorch's CPU kernel pools int64 too (exact in float64 here)
        r = max_pool2d(input.double(), kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        return (r[0].long(), r[1]) if return_indices else r.long()
    params, out_hw = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    return _MaxPool2d.apply(input, params, out_hw, bool(return_indices))


def _int_via_double(input):  # noqa: A002
    """An int64 tensor whose values float64 holds exactly (|x| < 2**53): pooled as float64, then cast back."""
    if getattr(input, "dtype", None) != np.int64 or not hasattr(input, "_data"):
        return False
    return input._data.size == 0 or int(np.abs(input._data).max()) < 2**53


@computes_half_in_float32
class _AvgPool2d(ArrayFunction):
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

    @staticmethod
    def backward_graph(ctx, g):
        # linear in g and independent of x: the backward is an op whose own backward is the pooling again
        return _AvgPool2dGrad.apply(g, ctx), None, None, None, None


class _AvgPool2dGrad(ArrayFunction):
    """The gradient of avg_pool2d as an op (create_graph=True): its adjoint is avg_pool2d itself."""

    @staticmethod
    def forward(ctx, g, pool):
        ctx.pool, ctx.out_shape = pool, g.shape
        return _AvgPool2d.backward(pool, g)[0]

    @staticmethod
    def backward(ctx, gg):
        kh, kw, sh, sw, ph, pw, count_include_pad, divisor = ctx.pool.args
        H, W = gg.shape[-2:]
        x3 = np.ascontiguousarray(gg).reshape(-1, H, W)
        out = np.empty((x3.shape[0],) + ctx.out_shape[-2:], dtype=gg.dtype)
        _kernels.avg_pool2d_forward(x3, out, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, threads_for(x3.size))
        return out.reshape(ctx.out_shape), None

    @staticmethod
    def backward_graph(ctx, gg):
        return _AvgPool2dAdjoint.apply(gg, ctx), None


class _AvgPool2dAdjoint(ArrayFunction):
    """avg_pool2d with the parameters of a recorded pooling, whose backward is _AvgPool2dGrad again."""

    @staticmethod
    def forward(ctx, x, grad_node):
        ctx.grad_node = grad_node
        return _AvgPool2dGrad.backward(grad_node, x)[0]

    @staticmethod
    def backward(ctx, g):
        return _AvgPool2dGrad.forward(_AvgPool2dGrad(), g, ctx.grad_node.pool), None

    @staticmethod
    def backward_graph(ctx, g):
        return _AvgPool2dGrad.apply(g, ctx.grad_node.pool), None


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """Mean over (kH x kW) windows of ``input`` (N, C, H, W) or (C, H, W); output size as max_pool2d
    with dilation 1. The divisor is the window size including padding (count_include_pad=True),
    the number of input elements in the window (False), or ``divisor_override``."""
    if _int_via_double(input):  # as max_pool2d; the mean truncates toward zero, as PyTorch's integer division
        r = avg_pool2d(input.double(), kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        return r.trunc().long()
    params, out_hw = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError("divisor must be not zero")
    return _AvgPool2d.apply(input, params, out_hw, bool(count_include_pad), int(divisor_override or 0))


def _adaptive_windows(in_size, out_size):
    """PyTorch's adaptive windows: output cell o covers [floor(o*I/O), ceil((o+1)*I/O))."""
    return [((o * in_size) // out_size, -((-(o + 1) * in_size) // out_size)) for o in range(out_size)]


@computes_half_in_float32
class _AdaptiveAvgPool2d(ArrayFunction):
    """Mean over each window, one slice per output row, then one per output column: a NaN stays in
    the windows that contain it (the former 0/1-matrix products spread it everywhere)."""

    @staticmethod
    def forward(ctx, x, out_hw):
        rows, cols = _adaptive_windows(x.shape[-2], out_hw[0]), _adaptive_windows(x.shape[-1], out_hw[1])
        ctx.rows, ctx.cols, ctx.in_shape = rows, cols, x.shape
        tmp = np.empty(x.shape[:-2] + (out_hw[0], x.shape[-1]), dtype=x.dtype)
        for o, (a, b) in enumerate(rows):
            tmp[..., o, :] = x[..., a:b, :].mean(axis=-2)
        out = np.empty(x.shape[:-2] + out_hw, dtype=x.dtype)
        for o, (a, b) in enumerate(cols):
            out[..., o] = tmp[..., a:b].mean(axis=-1)
        return out

    @staticmethod
    def backward(ctx, g):
        shape = ctx.in_shape
        gtmp = np.zeros(shape[:-2] + (len(ctx.rows), shape[-1]), dtype=g.dtype)
        for o, (a, b) in enumerate(ctx.cols):
            gtmp[..., a:b] += (g[..., o] / (b - a))[..., None]
        gx = np.zeros(shape, dtype=g.dtype)
        for o, (a, b) in enumerate(ctx.rows):
            gx[..., a:b, :] += (gtmp[..., o, :] / (b - a))[..., None, :]
        return gx, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: the pooling again with Tensor slices and means (it is linear: the input's
        values do not matter), differentiated on the graph."""
        def fn(x, out_hw):
            tmp = Stack.apply(-2, *[x[..., a:b, :].mean(-2) for a, b in ctx.rows])
            return Stack.apply(-1, *[tmp[..., a:b].mean(-1) for a, b in ctx.cols])

        zeros = np.broadcast_to(np.zeros((), g._data.dtype), ctx.in_shape)
        return recomputed_backward(ctx, fn, (zeros, None), (g,))


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output size (OH, OW); an entry None keeps that input size.
    Output cell o covers input rows [floor(o*H/OH), ceil((o+1)*H/OH))."""
    _float_arg(input, "adaptive_avg_pool2d")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    size = (output_size, output_size) if isinstance(output_size, numbers.Integral) or output_size is None \
        else tuple(output_size)
    if len(size) == 2 and all(s == 1 or (s is None and input.shape[-2 + i] == 1) for i, s in enumerate(size)):
        # PyTorch's shortcut for a 1x1 output: the mean over H and W, with no size checks (an empty plane: nan)
        return input.mean((-2, -1), keepdim=True)
    for i in (input.ndim - 2, input.ndim - 1):  # PyTorch checks H and W only (not the channels)
        if input.shape[i] == 0:
            raise RuntimeError(
                "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                f"but input has sizes {list(input.shape)} with dimension {i} being empty"
            )
    if len(size) != 2:
        raise TypeError(f"adaptive_avg_pool2d(): output_size must be an int or a pair, got {output_size!r}")
    out_hw = tuple(int(input.shape[-2 + i]) if s is None else int(s) for i, s in enumerate(size))
    if any(s < 0 for s in out_hw):
        raise RuntimeError(f"adaptive_avg_pool2d(): elements of output_size must be greater than or equal to 0 "
                           f"but received {list(out_hw)}")
    return _AdaptiveAvgPool2d.apply(input, out_hw)


# -- adaptive_max_pool2d -------------------------------------------------
@computes_half_in_float32
class _AdaptiveMaxPool2d(ArrayFunction):
    """Max over each adaptive window with PyTorch's index rule (its AdaptiveMaxPoolKernel): the first
    maximum, or the last NaN of a window that holds one; the gradient goes to that one element."""

    @staticmethod
    def forward(ctx, x, out_hw, return_indices):
        lead, (h, w) = x.shape[:-2], x.shape[-2:]
        rows, cols = _adaptive_windows(h, out_hw[0]), _adaptive_windows(w, out_hw[1])
        x3 = x.reshape((-1, h, w))
        idx = np.empty((x3.shape[0],) + out_hw, np.int64)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                win = x3[:, r0:r1, c0:c1].reshape(x3.shape[0], (r1 - r0) * (c1 - c0))
                nan = np.isnan(win)
                k = np.where(nan.any(axis=1), win.shape[1] - 1 - np.argmax(nan[:, ::-1], axis=1),
                             np.argmax(win, axis=1)) if win.size else np.zeros(x3.shape[0], np.int64)
                idx[:, i, j] = (r0 + k // (c1 - c0)) * w + c0 + k % (c1 - c0)
        m = x3.shape[0]
        out = np.take_along_axis(x3.reshape(m, h * w), idx.reshape(m, out_hw[0] * out_hw[1]), axis=1)
        ctx.idx, ctx.in_shape = idx, x.shape
        out, idx = out.reshape(lead + out_hw), idx.reshape(lead + out_hw)
        if return_indices:
            ctx.mark_non_differentiable(idx)
            return out, idx
        return out

    @staticmethod
    def backward(ctx, g, *g_idx):  # g_idx: the (never used) gradient of the indices, with return_indices
        m = ctx.idx.shape[0]
        gx = np.zeros((m, ctx.in_shape[-2] * ctx.in_shape[-1]), dtype=g.dtype)
        k = ctx.idx.shape[1] * ctx.idx.shape[2]
        np.add.at(gx, (np.arange(m)[:, None], ctx.idx.reshape(m, k)), g.reshape(m, k))
        return gx.reshape(ctx.in_shape), None, None

    @staticmethod
    def backward_graph(ctx, g, *g_idx):
        """create_graph=True: a scatter-add of g to each window's argmax (flat positions, a constant)."""
        m, hw = ctx.idx.shape[0], ctx.in_shape[-2] * ctx.in_shape[-1]
        flat = (ctx.idx + (np.arange(m, dtype=np.int64) * hw).reshape(-1, 1, 1)).reshape(-1)
        return IndexGrad.apply(g.reshape(-1), (m * hw,), (flat,)).reshape(ctx.in_shape), None, None


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Max over PyTorch's adaptive windows [floor(o*H/OH), ceil((o+1)*H/OH)); ``return_indices=True`` also
    returns the int64 flat index (h * W + w) of each maximum in its input plane, as ``max_pool2d``."""
    _tensor_arg(input, "adaptive_max_pool2d")
    if input.ndim not in (3, 4):
        raise ValueError("Input dimension should be at least 3") if input.ndim < 3 else RuntimeError(
            f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                f"but input has sizes {list(input.shape)} with dimension {i} being empty"
            )
    if input.dtype.kind != "f":
        raise NotImplementedError(f"\"adaptive_max_pool2d\" not implemented for '{_torch_dtype_name(input.dtype)}'")
    size = (output_size, output_size) if isinstance(output_size, numbers.Integral) or output_size is None \
        else tuple(output_size)
    out_hw = tuple(int(input.shape[-2 + i]) if s is None else int(s) for i, s in enumerate(size))
    if any(s < 0 for s in out_hw):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out_hw)}: "
                           f"{list(input.shape[:-2]) + list(out_hw)}")
    return _AdaptiveMaxPool2d.apply(input, out_hw, bool(return_indices))
