"""The nodes that in-place writes through views need (PyTorch's CopySlices and regenerated view nodes): a write
into a view of ``base`` gives ``base`` a ``CopySlices`` node; a view whose base got a new history gets a
``ViewRegen`` node (tensor/_inplace.py and tensor/_base.py create them)."""
import numpy as np

from .function import ArrayFunction


class CopySlices(ArrayFunction):
    """``base`` with the region ``view_fn(base)`` replaced by ``value`` (an in-place write through
    a view). Inputs: base's previous history, value's history. The gradient of base is the
    incoming gradient with that region zeroed; the gradient of value is the region."""

    def __init__(self, view_fn):
        self.view_fn = view_fn

    @staticmethod
    def backward(ctx, g):
        gb = None
        if ctx.needs_input_grad[0]:
            gb = np.array(g, copy=True)
            ctx.view_fn(gb)[...] = 0
        return gb, np.array(ctx.view_fn(g), copy=True)

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: a constant mask and a gather through flat indices
        gb = None
        if ctx.needs_input_grad[0]:
            keep = np.ones(g._data.shape, g._data.dtype)
            ctx.view_fn(keep)[...] = 0
            gb = g * ArrayFunction.constant(keep)
        idx = np.array(ctx.view_fn(np.arange(g._data.size).reshape(g._data.shape)), copy=True)
        return gb, g.reshape(-1)[ArrayFunction.constant(idx)]


class ViewRegen(ArrayFunction):
    """The history of a view whose base got a new history (an in-place op on the base or on
    another view of it): the view is ``view_fn(base)``, so its gradient is scattered into zeros of
    the base's shape."""

    def __init__(self, view_fn, base_shape):
        self.view_fn = view_fn
        self.base_shape = base_shape

    def name(self):
        return "AsStridedBackward0"

    @staticmethod
    def backward(ctx, g):
        z = np.zeros(ctx.base_shape, dtype=g.dtype)
        region = ctx.view_fn(z)
        if not region.flags.writeable:
            raise RuntimeError("miniconv cannot backpropagate through an expanded view whose base was modified "
                               "in place; clone() the expanded tensor first")
        region[...] = g
        return (z,)

    @staticmethod
    def backward_graph(ctx, g):
        # the region's flat positions in the base; scattered with index_put(accumulate) semantics
        idx = np.array(ctx.view_fn(np.arange(int(np.prod(ctx.base_shape))).reshape(ctx.base_shape)), copy=True)
        n = int(np.prod(ctx.base_shape))
        return (_ScatterAdd.apply(g.reshape(-1), n, idx.reshape(-1)).reshape(ctx.base_shape),)


class _ScatterAdd(ArrayFunction):
    """zeros(n) with ``g`` added at the flat positions ``idx`` (ViewRegen's differentiable backward)."""

    @staticmethod
    def forward(ctx, g, n, idx):
        ctx.idx = idx
        out = np.zeros(n, g.dtype)
        np.add.at(out, idx, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.idx], None, None

    @staticmethod
    def backward_graph(ctx, gg):
        return gg[ArrayFunction.constant(ctx.idx)], None, None
