"""Layer normalization of float32 tensors as one node (PyTorch's NativeLayerNormBackward0) over
the row kernels of ``_layer_norm.h`` (sums and outputs in float64, rounded once). The gradient of
the gradient (``create_graph=True``) is the same math written with Tensor ops."""
import numpy as np

from .. import _kernels
from .._config import threads_for
from ..autograd.function import ArrayFunction
from ..dtypes import computes_half_in_float32


def _vec(a):
    return None if a is None else np.ascontiguousarray(a, dtype=np.float32).reshape(-1)


@computes_half_in_float32
class NativeLayerNorm(ArrayFunction):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last ``k`` dimensions."""

    _listed_inputs = (0, 1, 2)   # PyTorch lists input, weight and bias (None or not)

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        shape = x.shape
        d = int(np.prod(shape[len(shape) - k:], dtype=np.int64))
        rows = int(np.prod(shape[:len(shape) - k], dtype=np.int64))
        x2 = np.ascontiguousarray(x).reshape(rows, d)
        y = np.empty((rows, d), np.float32)
        mean = np.empty(rows, np.float64)
        rstd = np.empty(rows, np.float64)
        w = _vec(weight)
        _kernels.layer_norm_forward_f32(x2, w, _vec(bias), y, mean, rstd, float(eps), threads_for(x2.size))
        if ctx.__dict__.get("_half_inputs"):  # PyTorch keeps a float16 input's mean and rstd in float16
            mean, rstd = (v.astype(np.float16).astype(np.float64) for v in (mean, rstd))
        ctx.save_for_backward(x2, w, mean, rstd)
        ctx.meta = (shape, k, eps, weight is not None, bias is not None, shape[len(shape) - k:])
        return y.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        x2, w, mean, rstd = ctx.saved_tensors
        shape, k, eps, has_w, has_b, wshape = ctx.meta
        need = ctx.needs_input_grad
        g2 = np.ascontiguousarray(np.broadcast_to(g, shape), dtype=np.float32).reshape(x2.shape)
        dx = np.empty(x2.shape, np.float32) if need[0] else None
        dw = np.empty(x2.shape[1], np.float32) if has_w and need[1] else None
        db = np.empty(x2.shape[1], np.float32) if has_b and need[2] else None
        _kernels.layer_norm_backward_f32(x2, g2, w, mean, rstd, dx, dw, db, threads_for(x2.size))
        return (None if dx is None else dx.reshape(shape), None if dw is None else dw.reshape(wshape),
                None if db is None else db.reshape(wshape), None, None)

    @staticmethod
    def backward_graph(ctx, g):
        shape, k, eps, has_w, has_b, wshape = ctx.meta
        x = ctx.saved_input(0)
        dims = tuple(range(len(shape) - k, len(shape)))
        lead = tuple(range(len(shape) - k))
        mean = x.mean(dims, keepdim=True)
        xc = x - mean
        rstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
        xhat = xc * rstd
        gw = g * ctx.saved_input(1) if has_w else g
        dx = rstd * (gw - gw.mean(dims, keepdim=True) - xhat * (gw * xhat).mean(dims, keepdim=True))
        dw = (g * xhat).sum(lead) if has_w else None
        db = g.sum(lead) if has_b else None
        return dx, dw, db, None, None
