"""Shape and indexing: reshape, permute, expand, indexing, clone, cat/stack, split/unbind, take-along (sort/topk/gather),
scatter, index_select, masked_fill, tile.

Array level: each Function takes and returns NumPy arrays; argument checks and dtype promotion happen
in the Tensor methods (``miniconv/tensor/``) before ``apply``.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from .arith import Where


class Reshape(ArrayFunction):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors (see ArrayFunction)
        return g.reshape(ctx.shape), None


class Permute(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None

    @staticmethod
    def backward_graph(ctx, g):
        return g.permute(*ctx.inverse), None


class Expand(ArrayFunction):
    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums it back to the input's shape

    @staticmethod
    def backward_graph(ctx, g):
        return g, None


def _has_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (np.ndarray, list)) for i in items)


def _along_index(idx, dim):
    """An advanced index that reads (or, with ``np.add.at``, scatters to) ``idx[..., k, ...]`` along ``dim``
    and every other position as is: ``take_along_axis`` as a plain index tuple."""
    grids = np.indices(idx.shape, sparse=True)
    return tuple(idx if i == dim % idx.ndim else g for i, g in enumerate(grids))


class Index(ArrayFunction):
    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        out = a[index]
        return out if type(out) is np.ndarray else np.array(out)  # a basic index gives a view

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        if _has_advanced(ctx.index):
            np.add.at(out, ctx.index, g)  # repeated indices accumulate
        else:
            out[ctx.index] = g
        return out, None

    @staticmethod
    def backward_graph(ctx, g):
        return IndexGrad.apply(g, ctx.shape, ctx.index), None


class IndexGrad(ArrayFunction):
    """The backward of indexing as an op of its own (create_graph=True): zeros of the indexed tensor's
    shape with ``g`` added at ``index``; its own backward indexes again, so any order is differentiable."""

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _has_advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return np.array(gg[ctx.index], copy=True), None, None

    @staticmethod
    def backward_graph(ctx, gg):
        return Index.apply(gg, ctx.index), None, None


class Cat(ArrayFunction):
    """Concatenation along ``dim``. Inputs of shape (0,) are left out (PyTorch's legacy rule, checked in
    creation.cat) and get an empty gradient."""

    @staticmethod
    def forward(ctx, dim, *arrays):
        kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)]
        ctx.dim = dim
        ctx.skipped = [a.ndim == 1 and a.shape[0] == 0 for a in arrays]
        ctx.sizes = [a.shape[dim] for a in kept]
        if not kept:
            return np.zeros((0,), arrays[0].dtype)
        return np.concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, g):
        if not ctx.sizes:
            return (None,) + tuple(np.zeros((0,), g.dtype) for _ in ctx.skipped)
        parts = iter(np.split(g, np.cumsum(ctx.sizes)[:-1], axis=ctx.dim))
        return (None,) + tuple(np.zeros((0,), g.dtype) if skip else next(parts) for skip in ctx.skipped)

    @staticmethod
    def backward_graph(ctx, g):
        if not ctx.sizes:
            return (None,) + tuple(ctx.constant(np.zeros((0,), g._data.dtype)) for _ in ctx.skipped)
        out, start = [None], 0
        sizes = iter(ctx.sizes)
        for skip in ctx.skipped:
            if skip:
                out.append(ctx.constant(np.zeros((0,), g._data.dtype)))
                continue
            n = next(sizes)
            out.append(Index.apply(g, (slice(None),) * (ctx.dim % g.ndim) + (slice(start, start + n),)))
            start += n
        return tuple(out)


class Stack(ArrayFunction):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(np.moveaxis(g, ctx.dim, 0))

    @staticmethod
    def backward_graph(ctx, g):
        d = ctx.dim % g.ndim
        return (None,) + tuple(Index.apply(g, (slice(None),) * d + (k,)) for k in range(g._data.shape[d]))


class Split(ArrayFunction):
    """split / chunk / unbind: the pieces ``a[index[k]]`` (views of its array) as one node with one output per
    piece, as PyTorch's SplitBackward0 / SplitWithSizesBackward0 / UnbindBackward0 (``name``); ``index``: one
    basic index per piece, slices along ``dim`` (split) or integers (unbind: the dim removed). The gradient is
    the pieces' gradients put back in place (zeros for a piece that got none: PyTorch's cat / stack of them)."""

    @staticmethod
    def forward(ctx, a, dim, index, name):
        ctx._torch_name = name
        ctx.shape, ctx.dim, ctx.index, ctx.unbind = a.shape, dim, index, name == "UnbindBackward0"
        return tuple(a[i] for i in index)

    @staticmethod
    def backward(ctx, *grads):
        out = np.zeros(ctx.shape, grads[0].dtype)
        for i, g in zip(ctx.index, grads):
            out[i] = g
        return out, None, None, None

    @staticmethod
    def backward_graph(ctx, *grads):
        if ctx.unbind:
            return Stack.apply(ctx.dim, *grads), None, None, None
        return Cat.apply(ctx.dim, *grads), None, None, None


class TakeAlong(ArrayFunction):
    """``take_along_axis(a, index, dim)``: sort/topk/gather values; the gradient is scattered back."""

    @staticmethod
    def forward(ctx, a, index, dim):
        ctx.shape, ctx.index, ctx.dim = a.shape, index, dim
        return np.take_along_axis(a, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        idx = np.moveaxis(ctx.index, ctx.dim, -1)
        gm = np.moveaxis(g, ctx.dim, -1)
        om = np.moveaxis(out, ctx.dim, -1)
        lead = np.indices(idx.shape[:-1], sparse=True)
        np.add.at(om, tuple(x[..., None] for x in lead) + (idx,), gm)  # repeated indices accumulate
        return out, None, None

    @staticmethod
    def backward_graph(ctx, g):
        return IndexGrad.apply(g, ctx.shape, _along_index(ctx.index, ctx.dim)), None, None


class Scatter(ArrayFunction):
    """Out-of-place ``scatter(dim, index, src)`` / ``scatter_add``: a copy of ``a`` with ``src`` placed at ``index``."""

    @staticmethod
    def forward(ctx, a, dim, index, src, add):
        ctx.dim, ctx.index, ctx.add, ctx.src_shape = dim, index, add, np.shape(src)
        out = np.array(a, copy=True)
        om, im = np.moveaxis(out, dim, -1), np.moveaxis(index, dim, -1)
        sm = np.moveaxis(np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else
                         src[tuple(slice(0, s) for s in index.shape)], dim, -1)
        lead = tuple(x[..., None] for x in np.indices(im.shape[:-1], sparse=True))
        if add:
            np.add.at(om, lead + (im,), sm)
        else:
            om[lead + (im,)] = sm
        return out

    @staticmethod
    def backward(ctx, g):
        im = np.moveaxis(ctx.index, ctx.dim, -1)
        lead = tuple(x[..., None] for x in np.indices(im.shape[:-1], sparse=True))
        ga = g
        if not ctx.add:
            ga = np.array(g, copy=True)
            np.moveaxis(ga, ctx.dim, -1)[lead + (im,)] = 0
        gs = None
        if len(ctx.src_shape) > 0:
            taken = np.moveaxis(np.moveaxis(g, ctx.dim, -1)[lead + (im,)], -1, ctx.dim)
            gs = np.zeros(ctx.src_shape, dtype=g.dtype)
            gs[tuple(slice(0, s) for s in ctx.index.shape)] = taken
        return ga, None, None, gs, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: g with the overwritten positions zeroed (a constant mask) for ``a``, g gathered
        at ``index`` (then zero-padded to src's shape) for ``src``."""
        where = _along_index(ctx.index, ctx.dim)
        ga = g
        if not ctx.add:
            keep = np.ones(g._data.shape, bool)
            keep[where] = False
            ga = Where.apply(keep, g, np.zeros((), g._data.dtype))
        gs = None
        if len(ctx.src_shape) > 0:
            gs = Index.apply(g, where)
            if tuple(ctx.src_shape) != ctx.index.shape:
                gs = IndexGrad.apply(gs, ctx.src_shape, tuple(slice(0, s) for s in ctx.index.shape))
        return ga, None, None, gs, None


class IndexSelect(ArrayFunction):
    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.shape, ctx.dim, ctx.index = a.shape, dim, index
        return np.take(a, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, dtype=g.dtype)
        om = np.moveaxis(out, ctx.dim, 0)
        np.add.at(om, ctx.index, np.moveaxis(g, ctx.dim, 0))
        return out, None, None

    @staticmethod
    def backward_graph(ctx, g):
        return IndexGrad.apply(g, ctx.shape, (slice(None),) * ctx.dim + (ctx.index,)), None, None


class MaskedFill(ArrayFunction):
    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.mask = mask
        return np.where(mask, np.asarray(value, dtype=a.dtype), a)

    @staticmethod
    def backward(ctx, g):
        return np.where(ctx.mask, np.zeros((), g.dtype), g), None, None

    @staticmethod
    def backward_graph(ctx, g):
        return Where.apply(ctx.mask, np.zeros((), g._data.dtype), g), None, None


class MaskedFillTensor(ArrayFunction):
    """``masked_fill(mask, value)`` with a 0-dim value tensor that requires grad: the value gets
    the sum of the gradient where the mask is set (PyTorch's MaskedFillBackward1)."""

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx._torch_name = "MaskedFillBackward1"
        ctx.mask, ctx.vdtype = mask, value.dtype
        return np.where(mask, value.astype(a.dtype), a)

    @staticmethod
    def backward(ctx, g):
        zero = np.zeros((), g.dtype)
        gv = np.where(ctx.mask, g, zero).sum(dtype=np.float64).astype(ctx.vdtype)
        return np.where(ctx.mask, zero, g), None, np.asarray(gv)


class Tile(ArrayFunction):
    """``repeat(*sizes)`` (PyTorch's meaning: np.tile); the gradient sums the copies."""

    @staticmethod
    def forward(ctx, a, reps):
        ctx.in_shape = (1,) * (len(reps) - a.ndim) + a.shape
        ctx.reps, ctx.orig = reps, a.shape
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx, g):
        split = []
        for r, s in zip(ctx.reps, ctx.in_shape):
            split += [r, s]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(ctx.reps), 2))).reshape(ctx.orig), None

    @staticmethod
    def backward_graph(ctx, g):
        split = []
        for r, s in zip(ctx.reps, ctx.in_shape):
            split += [r, s]
        return g.reshape(split).sum(dim=tuple(range(0, 2 * len(ctx.reps), 2))).reshape(ctx.orig), None


class Clone(ArrayFunction):
    """A C-contiguous copy (``clone()``, ``contiguous()`` of a strided tensor)."""

    @staticmethod
    def forward(ctx, a):
        return np.array(a, copy=True, order="C")

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def backward_graph(ctx, g):
        return g


class NoDerivative(ArrayFunction):
    """``out`` (already computed) recorded on the graph of ``inputs`` with no derivative: a backward through
    it raises PyTorch's "derivative for aten::<name> is not implemented" (``scatter`` with ``reduce=``)."""

    @staticmethod
    def forward(ctx, name, out, *inputs):
        ctx.op_name = name
        return out

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"derivative for aten::{ctx.op_name} is not implemented")
