"""The out-of-place results that in-place ops write into their tensor (``Tensor._commit_inplace``): fill,
copy_ and indexed assignment. The gradient of the overwritten values is zero.

Array level: each Function takes and returns NumPy arrays; argument checks and dtype promotion happen
in the Tensor methods (``miniconv/tensor/``) before ``apply``.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from .arith import Where
from .shape_index import Index


class Fill(ArrayFunction):
    """``a`` filled with ``value`` (a scalar or an array broadcast to ``a``'s shape)."""

    @staticmethod
    def forward(ctx, a, value):
        ctx.shape = a.shape
        out = np.empty_like(a)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g) if ctx.needs_input_grad[0] else None,
                g if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same on Tensors
        return (ArrayFunction.constant(np.zeros(g._data.shape, g._data.dtype)) if ctx.needs_input_grad[0] else None,
                g if ctx.needs_input_grad[1] else None)


class FillScalar(Fill):
    """``a.fill_(number)``: the number is not an input of PyTorch's node (FillBackward2)."""

    _hidden_inputs = (1,)


class Zero(Fill):
    """``a.zero_()``: PyTorch's ZeroBackward0, whose only input is ``a``."""

    _hidden_inputs = (1,)


class CopyFrom(ArrayFunction):
    """``src`` broadcast to ``a``'s shape and cast to its dtype (``a.copy_(src)``)."""

    @staticmethod
    def forward(ctx, a, src):
        out = np.empty_like(a)
        out[...] = src
        return out

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g) if ctx.needs_input_grad[0] else None,
                g if ctx.needs_input_grad[1] else None)  # the engine sums and casts to src's shape and dtype

    @staticmethod
    def backward_graph(ctx, g):
        return (ArrayFunction.constant(np.zeros(g._data.shape, g._data.dtype)) if ctx.needs_input_grad[0] else None,
                g if ctx.needs_input_grad[1] else None)


class IndexPut(ArrayFunction):
    """``a`` with ``a[index] = value`` (``Tensor.__setitem__``)."""

    @staticmethod
    def forward(ctx, a, value, index):
        ctx.index = index
        ctx.value_shape = np.shape(value)
        out = a.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, g):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = g.copy()
            ga[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            gv = np.asarray(g[ctx.index])
            if gv.shape != ctx.value_shape:  # value was broadcast into the region
                lead = gv.ndim - len(ctx.value_shape)
                if lead > 0:
                    gv = gv.sum(axis=tuple(range(lead)))
        return ga, gv, None

    @staticmethod
    def backward_graph(ctx, g):
        ga = gv = None
        if ctx.needs_input_grad[0]:
            keep = np.ones(g._data.shape, bool)
            keep[ctx.index] = False
            ga = Where.apply(keep, g, np.zeros((), g._data.dtype))
        if ctx.needs_input_grad[1]:
            gv = Index.apply(g, ctx.index)
            if tuple(gv._data.shape) != tuple(ctx.value_shape):  # value was broadcast into the region
                lead = gv.ndim - len(ctx.value_shape)
                if lead > 0:
                    gv = gv.sum(dim=tuple(range(lead)))
        return ga, gv, None
