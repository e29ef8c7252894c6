"""Dropout: dropout, dropout2d."""
import warnings

import numpy as np

from ... import _random
from ..._random import default_generator
from ...autograd import ArrayFunction
from ._args import _apply_inplace, _float_arg



# -- dropout -----------------------------------------------------------------------------------
class _MaskScale(ArrayFunction):
    """out = x * mask, where ``mask`` (broadcastable to x) already holds 0 or 1/(1-p)."""

    _plain_args_listed = True  # PyTorch's node is a MulBackward0 whose second input is the mask tensor

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the mask is a constant
        return g * ctx.constant(ctx.mask), None


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(like, p, generator):
    """PyTorch's noise: ``empty_like(like).bernoulli_(1 - p)`` (one uniform double per element, in ``like``'s
    memory order), then ``div_(1 - p)`` in ``like``'s dtype; p == 1 draws nothing. On Intel CPUs PyTorch's MKL
    build draws bernoulli_ from MKL's stream instead, so its masks differ there."""
    if p == 1.0:
        return np.zeros(like.shape, dtype=like.dtype)
    keep = _random.bernoulli_scalar_(default_generator if generator is None else generator, like, 1.0 - p)
    return np.divide(keep, np.asarray(1.0 - p, like.dtype), dtype=like.dtype)


def dropout(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p); identity if not training."""
    _check_p(p)
    _float_arg(input, "dropout")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    out = _MaskScale.apply(input, _dropout_mask(input._data, p, generator))
    return _apply_inplace(input, out) if inplace else out


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Zero whole channels: each (n, c) plane of (N, C, H, W) with probability ``p``; scale
    the rest by 1/(1-p).

    As PyTorch 2.13 does (with a warning), a 3-D input is read as (N, C, L), not as an
    unbatched (C, H, W); any input of 2 or more dims gets one mask entry per (dim 0, dim 1).
    """
    _check_p(p)
    _float_arg(input, "dropout2d")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in "
            "an error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    out = _MaskScale.apply(input, _dropout_mask(np.empty(shape, input.dtype), p, generator))
    return _apply_inplace(input, out) if inplace else out
