"""Padding: pad (constant, reflect, replicate, circular), differentiable."""
import numbers

import numpy as np

from ...autograd import ArrayFunction
from ...ops.shape_index import IndexGrad
from ...tensor import Tensor
from ._args import _size_str



def _pad_source(n, before, after, mode):
    """Input index read by each output position along one axis of size ``n`` (an int array of
    length ``before + n + after``; -1 marks a constant-filled position). Negative pads crop."""
    positions = np.arange(-before, n + after)
    if mode == "constant":
        return np.where((positions >= 0) & (positions < n), positions, -1)
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    if mode == "reflect":
        period = max(2 * (n - 1), 1)
        r = np.mod(positions, period)
        return np.where(r < n, r, period - r)
    # circular wraps within what is left after cropping, as PyTorch does
    lo, hi = max(-before, 0), n - max(-after, 0)
    return lo + np.mod(positions - lo, max(hi - lo, 1))


def _interior(n, before, length):
    """(output slice, input slice): the run of output positions that copy the input one-to-one."""
    start, stop = max(before, 0), max(min(before + n, length), max(before, 0))
    return slice(start, stop), slice(start - before, stop - before)


def _along(a, axis, index):
    """``a[..., index, ...]`` with ``index`` on ``axis`` (a view for a slice or an int)."""
    return a[(slice(None),) * axis + (index,)]


# PyTorch's node per mode ({} the number of padded dimensions); its circular pad is slices and copies
_PAD_NODE_NAMES = {"constant": "ConstantPadNdBackward0", "reflect": "ReflectionPad{}DBackward0",
                   "replicate": "ReplicationPad{}DBackward0", "circular": "PadBackward0"}


class Pad(ArrayFunction):
    """Pad (or crop) the trailing axes of ``x``; ``pairs`` lists (before, after) from the last axis backwards."""

    @staticmethod
    def forward(ctx, x, pairs, mode, value):
        axes = [x.ndim - 1 - k for k in range(len(pairs))]
        sources = [_pad_source(x.shape[a], before, after, mode) for a, (before, after) in zip(axes, pairs)]
        # the block of the output that is a plain copy of the input, and the block of the input it copies
        inner_out, inner_in = [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for a, (before, _), src in zip(axes, pairs, sources):
            inner_out[a], inner_in[a] = _interior(x.shape[a], before, len(src))
        ctx.in_shape, ctx.mode = x.shape, mode
        ctx._torch_name = _PAD_NODE_NAMES[mode].format(len(pairs))
        ctx.axes, ctx.sources, ctx.inner = axes, sources, (tuple(inner_out), tuple(inner_in))
        if mode == "constant":
            shape = list(x.shape)
            for a, src in zip(axes, sources):
                shape[a] = len(src)
            out = np.full(shape, value, dtype=x.dtype)
            out[ctx.inner[0]] = x[ctx.inner[1]]
            return out
        out = x
        for a, src in zip(axes, sources):
            out = np.take(out, src, axis=a)
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx, grad):
        inner_out, inner_in = ctx.inner
        if ctx.mode == "constant":
            grad_in = np.zeros(ctx.in_shape, dtype=grad.dtype)
            grad_in[inner_in] = grad[inner_out]
            return grad_in, None, None, None
        # one axis at a time, undoing the forward's gathers in reverse order
        for a, src in reversed(list(zip(ctx.axes, ctx.sources))):
            shape = list(grad.shape)
            shape[a] = ctx.in_shape[a]
            grad_in = np.zeros(shape, dtype=grad.dtype)
            _along(grad_in, a, inner_in[a])[...] = _along(grad, a, inner_out[a])
            for j in range(len(src)):  # border positions read the input a second time
                if not inner_out[a].start <= j < inner_out[a].stop:
                    _along(grad_in, a, int(src[j]))[...] += _along(grad, a, j)
            grad = grad_in
        return grad, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: every output element is a copy of one input element (or the constant), so
        the gradient is a scatter-add through the flat source index of each output element."""
        n = int(np.prod(ctx.in_shape, dtype=np.int64))
        idx = np.arange(n).reshape(ctx.in_shape)
        if ctx.mode == "constant":
            inner_out, inner_in = ctx.inner
            src = idx[inner_in].reshape(-1)
            picked = g[inner_out].reshape(-1)
        else:
            for a, s in zip(ctx.axes, ctx.sources):
                idx = np.take(idx, s, axis=a)
            src, picked = idx.reshape(-1), g.reshape(-1)
        return IndexGrad.apply(picked, (n,), (src,)).reshape(ctx.in_shape), None, None, None


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad the last ``len(pad) // 2`` dimensions of ``input``, as ``torch.nn.functional.pad``.

    ``pad`` = (left, right, top, bottom, front, back): pairs for the last dimension first.
    Modes: ``'constant'`` (fill with ``value``, default 0; any number of dimensions; negative
    pads crop), ``'reflect'`` (mirror without repeating the edge; each pad must be smaller than
    the dimension), ``'replicate'`` (repeat the edge), ``'circular'`` (wrap around).
    The non-constant modes pad the last 1, 2 or 3 dimensions of a (N, C, ...) or (C, ...) input:
    ``len(pad)`` 2 for 2-D/3-D input, 4 for 3-D/4-D, 6 for 4-D/5-D.
    Output size along a padded dimension: ``size + before + after``. Differentiable.

    Example::

        >>> F.pad(miniconv.ones(1, 1, 2, 2), (1, 1, 0, 0)).shape
        miniconv.Size([1, 1, 2, 4])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Integral):
            raise TypeError(
                f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                f"{type(p).__name__} at pos {i}"
            )
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {input.ndim}"
        )
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]
    if mode == "constant":
        for k, (b, e) in enumerate(pairs):
            if input.shape[input.ndim - 1 - k] + b + e < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension.")
        return Pad.apply(input, pairs, mode, 0.0 if value is None else value)

    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if input.ndim not in (len(pairs) + 1, len(pairs) + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.")
    if input.dtype.kind != "f":
        raise RuntimeError(f'pad(): mode "{mode}" expects a floating point input, but got dtype {input.dtype.name}')
    # PyTorch refuses an empty reflect/replicate result only when every padded dimension would be
    # empty (one padded dimension: W < 1; two: H < 1 and W < 1), e.g. (1, 1, 1) padded (0, 0, 0, -1)
    # gives (1, 0, 1) but padded (0, -1) raises
    all_empty = all(input.shape[input.ndim - 1 - k] + b + e < 1 for k, (b, e) in enumerate(pairs))
    for k, (b, e) in enumerate(pairs):
        dim = input.ndim - 1 - k
        n = input.shape[dim]
        if mode in ("reflect", "replicate") and n == 0:
            raise RuntimeError(
                f"pad(): mode '{mode}' needs a non-empty dimension {dim} to pad, but got input of size "
                f"{_size_str(input.shape)}"
            )
        if mode == "reflect" and (b >= n or e >= n):
            raise RuntimeError(
                f"Argument #{4 + 2 * k}: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({b}, {e}) at dimension {dim} of input {_size_str(input.shape)}"
            )
        if mode == "circular" and max(b, e) > n + min(b, 0) + min(e, 0):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode in ("reflect", "replicate") and all_empty and n + b + e < 1:  # as PyTorch
            letter = "WHD"[k]
            raise RuntimeError(f"input ({letter}: {n}) is too small. Calculated output {letter}: {n + b + e}")
        if n + b + e < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension.")
    return Pad.apply(input, pairs, mode, None)
