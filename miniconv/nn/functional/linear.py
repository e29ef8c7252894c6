"""Linear: linear (GEMM inside miniconv's OpenMP team)."""

import numpy as np

from ... import _kernels
from ..._config import blas_single_thread, threads_for
from ...autograd import ArrayFunction
from ._args import _dtype_name, _tensor_arg



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


class _Linear(ArrayFunction):
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
