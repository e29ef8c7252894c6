"""Margin, embedding and likelihood losses: margin_ranking, hinge_embedding, cosine_embedding, soft_margin,
multilabel_soft_margin, multilabel_margin, multi_margin, triplet_margin (with or without a distance
function), poisson_nll, gaussian_nll. Each is PyTorch's formula composed from differentiable Tensor
ops (their Functions give the gradients); the index masks of the margin losses are plain arrays."""
import math
import numbers

import numpy as np

from ...autograd import no_grad
from ...autograd.composite import composite
from ...dtypes import refuse_half
from ...functional import minimum, where
from ...tensor import Tensor
from ._args import _reduction, _tensor_arg
from .activation import logsigmoid
from .distance import pairwise_distance


def _check(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _tensor_arg(t, "margin_ranking_loss", name)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """x where target is 1, max(0, margin - x) where target is -1 (any other target adds both)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)
    _tensor_arg(input, "hinge_embedding_loss")
    _tensor_arg(target, "hinge_embedding_loss", "target")
    margin_part = where(target != 1, (margin - input).clamp(min=0), 0.0)
    self_part = where(target != -1, input, 0.0)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """log(1 + exp(-target * input))."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)
    _tensor_arg(input, "soft_margin_loss")
    _tensor_arg(target, "soft_margin_loss", "target")
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                reduction="mean"):
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), (weighted,) averaged over the classes (last dim)."""
    reduction = _reduction(size_average, reduce, reduction)
    _tensor_arg(input, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where target is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _tensor_arg(t, "cosine_embedding_loss", name)
    td = target.ndim
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + eps
    mag2 = (input2 * input2).sum(td) + eps
    cos = prod / (mag1 * mag2).sqrt()
    out = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(out, reduction)


def _frames(fn, input, target, msg):  # noqa: A002
    """(input as (N, C), target, N, C) for the (C,) / (N, C) margin losses, with PyTorch's shape checks."""
    _tensor_arg(input, fn)
    _tensor_arg(target, fn, "target")
    nd = input.ndim
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    n, c = (1, 1 if nd == 0 else input.shape[0]) if nd <= 1 else tuple(input.shape)
    msg(n, c)
    if target.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name}")
    return input.reshape(n, c), n, c


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """sum over targets j and non-targets i of max(0, 1 - (x[y_j] - x[i])) / C; ``target`` lists class
    indices per sample, ended by the first -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)

    def check(n, c):
        ok = (target.ndim <= 1 and target.numel() == c) if input.ndim <= 1 else (
            target.ndim == 2 and tuple(target.shape) == (n, c))
        if not ok:
            raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                               f"{list(input.shape)}")
    x, n, c = _frames("multilabel_margin_loss", input, target, check)
    t = target.numpy().reshape(n, c)
    if ((t < -1) | (t >= c)).any():
        raise RuntimeError("target index is out of bounds")  # PyTorch checks this in its kernel
    valid = np.cumprod(t != -1, axis=1).astype(bool)  # slots before the first -1
    safe = np.where(valid, t, 0)
    is_target = np.zeros((n, c), bool)
    for row in range(n):
        is_target[row, safe[row][valid[row]]] = True
    xt = x.gather(1, x.new_tensor(safe).long())  # x[y_j] per slot
    z = (1 - xt.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)  # (N, slot j, class i)
    mask = x.new_tensor(valid[:, :, None] & ~is_target[:, None, :]).bool()
    loss = where(mask, z, 0.0).sum((1, 2)) / c
    if reduction == "none":
        return loss if input.ndim > 1 else loss.reshape(())
    return loss.sum() if reduction == "sum" else loss.mean()


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,  # noqa: A002
                      reduction="mean"):
    """sum over i != y of max(0, margin - x[y] + x[i]) ** p (times weight[y]) / C."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    refuse_half(input.dtype, "multi_margin_loss_cpu_kernel")

    def check(n, c):
        if not (target.ndim <= 1 and target.numel() == n):
            raise RuntimeError(
                f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples "
                f"(batch size). Expected target size [{n}], but got {list(target.shape)}. Input has shape "
                f"{list(input.shape)}.")
        if weight is not None and weight.numel() != c:
            raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    x, n, c = _frames("multi_margin_loss", input, target, check)
    t = target.numpy().reshape(n)
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    idx = x.new_tensor(t.reshape(n, 1)).long()
    other = x.new_tensor(np.arange(c)[None, :] != t[:, None]).bool()

    def fn(x, weight):
        z = (margin - x.gather(1, idx) + x).clamp(min=0)
        if p == 2:
            z = z * z
        if weight is not None:
            z = z * weight.reshape(-1)[idx.reshape(-1)].reshape(n, 1)
        loss = where(other, z, 0.0).sum(1) / c
        if reduction == "none":
            return loss if target.ndim > 0 else loss.reshape(())
        return loss.sum() if reduction == "sum" else loss.mean()
    # PyTorch's MultiMarginLossBackward0 (the weight enters linearly: not differentiated), with no derivative of
    # its backward
    return composite("MultiMarginLossBackward0", fn, (x, weight), listed=(0,), double_backward_error=(
        RuntimeError, "derivative for aten::multi_margin_loss_backward is not implemented",
        "torch::autograd::NotImplemented"))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with the p-norm pairwise distance."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _tensor_arg(t, "triplet_margin_loss", name)
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    d_p = pairwise_distance(anchor, positive, p, eps)
    d_n = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_n = minimum(d_n, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_p - d_n).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with any distance function (default: pairwise_distance)."""
    _check(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    dist = pairwise_distance if distance_function is None else distance_function
    d_p, d_n = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_n = minimum(d_n, dist(positive, negative))
    return _reduce((margin + d_p - d_n).clamp(min=0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,  # noqa: A002
                     reduce=None, reduction="mean"):
    """exp(x) - y * x (``log_input``) or x - y * log(x + eps); ``full`` adds Stirling's term where y > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check(reduction)
    _tensor_arg(input, "poisson_nll_loss")
    _tensor_arg(target, "poisson_nll_loss", "target")
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        big = target > 1
        t = where(big, target, 2.0)  # log is only taken where it is kept (no log(0) warning)
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """0.5 * (log(var) + (input - target) ** 2 / var) (+ 0.5 * log(2 pi) with ``full``); ``var`` is
    clamped to ``eps`` without changing its gradient, as PyTorch."""
    _tensor_arg(input, "gaussian_nll_loss")
    if isinstance(var, numbers.Real) and not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * input.new_ones(input.shape)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
