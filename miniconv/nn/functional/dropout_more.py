"""More dropout: dropout1d (whole channels of (N, C, L) input), alpha_dropout and feature_alpha_dropout
(SELU's self-normalising dropout, PyTorch's formula). Masks come through ``dropout`` of a ones tensor of the
noise's shape: the same draws as PyTorch's (one bernoulli per channel or element)."""
import numpy as np

from ...autograd.composite import composite
from ...dtypes import refuse_half
from ._args import _apply_inplace, _check_inplace_allowed, _tensor_arg
from .dropout import _check_p, dropout

_ALPHA = 1.7580993408473766  # -SELU's scale * alpha: the value a dropped unit takes before the affine correction


def _keep(input, shape, p):  # noqa: A002
    """A 0/1 float tensor of ``shape``: 1 with probability 1 - p."""
    return (dropout(input.new_ones(shape), p, True) != 0).to(input.dtype)


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p; scale the rest by 1 / (1 - p)."""
    _check_p(p)
    _tensor_arg(input, "dropout1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional "
            "batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0:
        return input
    x = input if input.ndim == 3 else input.unsqueeze(0)
    out = x * dropout(x.new_ones(tuple(x.shape[:2]) + (1,)), p, True)
    out = out if input.ndim == 3 else out.squeeze(0)
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, out)
    return out


def _alpha(input, p, training, inplace, noise_shape, fn):  # noqa: A002
    _check_p(p)
    _tensor_arg(input, fn)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        out = input * 0.0
    else:
        keep = _keep(input, noise_shape, p)
        a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5
        b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
        out = input * (keep * a) + b
    if inplace:
        _check_inplace_allowed(input)
        return _apply_inplace(input, out)
    return out


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """Dropout that keeps SELU activations at zero mean and unit variance: dropped units take SELU's
    negative saturation value, then an affine map restores the moments (PyTorch's constants)."""
    return _alpha(input, p, training, inplace, tuple(input.shape), "alpha_dropout")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """``alpha_dropout`` of whole channels (dimension 1) of an (N, C, *) input."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if input.ndim >= 2 else tuple(input.shape)
    return _alpha(input, p, training, inplace, shape, "feature_alpha_dropout")


def pdist(input, p=2):  # noqa: A002
    """The p-norm distance between every pair of rows i < j of an (N, M) input: N * (N - 1) / 2 values."""
    _tensor_arg(input, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    refuse_half(input.dtype, "pdist")
    i, j = np.triu_indices(input.shape[0], 1)
    return composite("PdistBackward0", lambda x: (x[i] - x[j]).norm(p, dim=1), (input,), double_backward_error=(
        NotImplementedError, "the derivative for '_pdist_backward' is not implemented.", "PdistBackwardBackward0"))


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + Gumbel noise) / tau) along ``dim``; ``hard=True`` returns the one-hot of the
    maximum with the soft sample's gradient (straight-through), as PyTorch. Noise from the generator, drawn as PyTorch draws it."""
    _tensor_arg(logits, "gumbel_softmax", "logits")
    gumbels = -logits.detach().new_empty(tuple(logits.shape)).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.detach().argmax(dim, keepdim=True)
    y_hard = logits.new_zeros(tuple(logits.shape)).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
