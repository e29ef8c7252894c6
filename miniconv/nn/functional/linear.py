"""Linear: linear (GEMM inside miniconv's OpenMP team)."""

import math

import numpy as np

from ..._config import check_blas_sizes
from ..._matmul import gemm
from ...autograd import ArrayFunction
from ...dtypes import computes_half_in_float32
from ._args import _dtype_name, _tensor_arg



# -- linear ----------------------------------------------------------------------------------
_matmul = gemm  # op(a) @ op(b) in miniconv's OpenMP team (miniconv/_matmul.py)


_WEIGHT_T = ("TBackward0", (1,))
_ADDMM, _ADDMM_VIEW = (2, 0, _WEIGHT_T), (2, ("ViewBackward0", (0,)), _WEIGHT_T)
_MM, _MM_VIEW = (0, _WEIGHT_T), (("ViewBackward0", (0,)), _WEIGHT_T)


@computes_half_in_float32
class _Linear(ArrayFunction):
    """y = x @ W.T + b for x of shape (*, in_features), W (out_features, in_features)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        rows = math.prod(x.shape[:-1])  # not reshape(-1, k): k may be 0
        out = _matmul(x.reshape(rows, x.shape[-1]), weight, trans_b=True)  # one GEMM for any leading dims
        out = out.reshape(x.shape[:-1] + (weight.shape[0],))
        ctx.bias_shape = None if bias is None else bias.shape
        # PyTorch's graph: addmm(bias, x, weight.t()) or mm(x, weight.t()), on x viewed as 2-D and the result
        # viewed back for more dims (autograd/node.py: _structure)
        if bias is not None:
            ctx._torch_name = "AddmmBackward0" if x.ndim == 2 else "ViewBackward0"
            ctx._structure = _ADDMM if x.ndim == 2 else (("AddmmBackward0", _ADDMM_VIEW),)
            out += bias  # any bias that broadcasts to the output's shape, e.g. (out,) or (1, out)
        else:
            ctx._torch_name = "MmBackward0" if x.ndim == 2 else "UnsafeViewBackward0"
            ctx._structure = _MM if x.ndim == 2 else (("MmBackward0", _MM_VIEW),)
        return out

    @staticmethod
    def _torch_saved_view(ctx, k, shape):
        """For the version error: PyTorch's addmm/mm save x (viewed as 2-D) if the weight requires grad and
        weight.t() if x does (autograd/node.py)."""
        if k > 1 or not ctx.needs_input_grad[1 - k]:
            return False
        if k == 1 and len(shape) == 2:
            return shape[::-1]
        if k == 0 and len(shape) > 2:
            return (math.prod(shape[:-1]), shape[-1])
        return None

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        rows = math.prod(g.shape[:-1])
        g2 = np.ascontiguousarray(g).reshape(rows, g.shape[-1])
        gx = _matmul(g2, weight).reshape(x.shape) if ctx.needs_input_grad[0] else None
        gw = _matmul(g2, x.reshape(rows, x.shape[-1]), trans_a=True) if ctx.needs_input_grad[1] else None
        gb = _sum_to(g, ctx.bias_shape) if ctx.needs_input_grad[2] else None
        return gx, gw, gb

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors (autograd.ArrayFunction)
        x, weight = ctx.saved_input(0), ctx.saved_input(1)
        if weight.ndim != 2:
            raise RuntimeError("miniconv: double backward is not implemented for Linear with a 1-D weight")
        n = ctx.needs_input_grad
        gx = g.matmul(weight) if n[0] else None
        gw = None
        if n[1]:
            g2 = g.reshape(-1, g._data.shape[-1])
            gw = g2.transpose(0, 1).matmul(x.reshape(-1, x._data.shape[-1]))
        return gx, gw, (g if n[2] else None)  # the engine sums g to the bias's shape


def _sum_to(g, shape):
    """Sum ``g`` over the dimensions that broadcasting added or stretched to reach it from ``shape``."""
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead else g
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g




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
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{w2.shape[1]}x{w2.shape[0]})")
    check_blas_sizes("linear", ("the number of input rows (the product of the leading dimensions)",
                                math.prod(input.shape[:-1])),
                     ("in_features", w2.shape[1]), ("out_features", w2.shape[0]))
    if input.ndim == 1:  # PyTorch computes (1, in) @ W.T + bias and drops the leading 1
        x2 = input.reshape(1, -1)
        out = linear(x2, w2, bias)
        out = out.reshape(out.shape[1:]) if weight.ndim == 2 else out.reshape(())
        if bias is None:  # PyTorch's matmul: unsqueeze, mm, squeeze
            for t, name in ((x2, "UnsqueezeBackward0"), (out, "SqueezeBackward4")):
                if t.grad_fn is not None:
                    t.grad_fn._torch_name = name
        return out
    if bias is not None:
        out_shape = tuple(input.shape[:-1]) + (w2.shape[0],)
        ok = bias.ndim <= len(out_shape)
        try:
            ok = ok and np.broadcast_shapes(tuple(bias.shape), out_shape) == out_shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"linear(): bias of shape {list(bias.shape)} cannot be expanded to the output shape "
                               f"{list(out_shape)}")
    out = _Linear.apply(input, w2, bias)
    return out.reshape(out.shape[:-1]) if weight.ndim == 1 else out
