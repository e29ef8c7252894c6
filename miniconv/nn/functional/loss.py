"""Losses: nll_loss, cross_entropy, mse_loss."""
import warnings

import numpy as np

from ...autograd import ArrayFunction, is_grad_enabled
from ...autograd.composite import composite
from ...dtypes import computes_half_in_float32
from ...ops.shape_index import IndexGrad
from ...functional import where
from ...tensor import Tensor
from ._args import _dtype_name, _float_arg, _reduction, _tensor_arg
from .activation import log_softmax, logsigmoid



# -- losses ------------------------------------------------------------------------------------
_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


class _NllLoss(ArrayFunction):
    """-weight[t] * input[n, t] per element, for input (M, C) and integer target (M,)."""

    @staticmethod
    def forward(ctx, x2, t, weight, ignore_index, reduction):
        valid = t != ignore_index
        safe_t = np.where(valid, t, 0)
        w = (weight[safe_t] if weight is not None else np.ones(t.shape, dtype=x2.dtype)) * valid
        w = w.astype(x2.dtype, copy=False)
        # ignored rows contribute exactly 0, even when their log-probabilities are NaN or -inf
        # (a row of -inf logits), as in PyTorch
        losses = np.where(valid, -w * x2[np.arange(x2.shape[0]), safe_t], 0).astype(x2.dtype, copy=False)
        ctx.save_for_backward(safe_t, w)
        ctx.shape, ctx.reduction = x2.shape, reduction
        if reduction == "none":
            return losses
        total = losses.sum(dtype=np.float64)
        if reduction == "sum":
            return np.asarray(total, dtype=x2.dtype)
        ctx.wsum = w.sum(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / ctx.wsum, dtype=x2.dtype)  # all ignored: 0/0 = nan, as PyTorch

    @staticmethod
    def backward(ctx, g):
        safe_t, w = ctx.saved_tensors
        coef = -w * g if ctx.reduction == "none" else -w * g.reshape(())
        if ctx.reduction == "mean":
            if ctx.wsum == 0:  # every target ignored: the loss is nan (0/0), its gradient 0, as PyTorch
                coef = np.zeros_like(coef)
            else:
                coef = coef / np.asarray(ctx.wsum, dtype=w.dtype)
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx[np.arange(ctx.shape[0]), safe_t] = coef
        return gx, None, None, None, None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: linear in g, the weights are constants
        safe_t, w = ctx.saved_tensors
        coef = -w
        if ctx.reduction == "mean":
            coef = np.zeros_like(coef) if ctx.wsum == 0 else coef / np.asarray(ctx.wsum, dtype=w.dtype)
        gc = (g if ctx.reduction == "none" else g.reshape(())) * Tensor._wrap(coef)
        return IndexGrad.apply(gc, ctx.shape, (np.arange(ctx.shape[0]), safe_t)), None, None, None, None


def _class_input_target(fn, input, target):
    """Check an (N, C, d1, ...) / (C,) input against an (N, d1, ...) / () class-index target and
    return (input as (M, C) Tensor, target as (M,) array, output shape for reduction='none')."""
    _float_arg(input, fn)
    _tensor_arg(target, fn, "target")
    if target.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_dtype_name(target.dtype)}")
    if input.ndim == 0:
        raise ValueError(f"{fn}(): input must have at least 1 dimension (the class dimension), got a 0-D tensor")
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"Expected input batch_size (1) to match target batch_size ({target.shape[0]}).")
        return input.reshape(1, -1), target._data.reshape(1).astype(np.int64), ()
    if target.ndim == 0 or input.shape[0] != target.shape[0]:
        got = target.shape[0] if target.ndim else 0
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({got}).")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    C = input.shape[1]
    x2 = input if input.ndim == 2 else input.permute(0, *range(2, input.ndim), 1).reshape(-1, C)
    return x2, target._data.reshape(-1).astype(np.int64, copy=False), expected


def _check_targets(t, n_classes, ignore_index):
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        v = int(t[np.argmax(bad)])
        raise IndexError(f"Target {v} is out of bounds.")


def _check_weight(weight, n_classes, dtype):
    if weight is None:
        return None
    _tensor_arg(weight, "loss", "weight")
    if weight.ndim != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    return weight._data.astype(dtype, copy=False)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
             reduction="mean"):
    """Negative log-likelihood: loss_i = -weight[t_i] * input[i, t_i] for log-probabilities
    ``input`` (N, C) or (N, C, d1, ...) and class indices ``target`` (N) or (N, d1, ...).
    'mean' divides by the summed weights of the non-ignored targets. ``size_average`` / ``reduce``
    are PyTorch's deprecated spellings of ``reduction`` (either one given overrides it)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if isinstance(input, Tensor) and input.ndim >= 3:  # PyTorch's one NllLoss2DBackward0 node for (N, C, d1, ...)
        return composite("NllLoss2DBackward0", lambda x: _nll_loss(x, target, weight, ignore_index, reduction),
                         (input,))
    return _nll_loss(input, target, weight, ignore_index, reduction)


def _nll_loss(input, target, weight, ignore_index, reduction):  # noqa: A002
    x2, t, out_shape = _class_input_target("nll_loss", input, target)
    C = x2.shape[1]
    _check_targets(t, C, ignore_index)
    w = _check_weight(weight, C, x2.dtype)
    out = _NllLoss.apply(x2, t, w, int(ignore_index), reduction)
    if reduction == "none" and tuple(out.shape) != tuple(out_shape):  # (N, d1, ...) targets
        return out.reshape(out_shape)
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim (1, or 0 for unbatched input) followed by nll_loss.

    ``target`` is either class indices (int64, shape (N) or (N, d1, ...)) or class probabilities
    (float, same shape as ``input``). With label smoothing eps, index targets give
    (1 - eps) * nll + eps / C * sum_c(-weight_c * log p_c), reduced like PyTorch.
    ``size_average`` / ``reduce``: the deprecated spellings of ``reduction``.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _float_arg(input, "cross_entropy")
    _tensor_arg(target, "cross_entropy", "target")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    logp = log_softmax(input, class_dim)
    C = input.shape[class_dim]
    if tuple(target.shape) == tuple(input.shape) and target.dtype.kind == "f":
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    wshape = [1] * input.ndim
    wshape[class_dim] = C
    w = _check_weight(weight, C, input.dtype)
    smooth = logp if w is None else logp * Tensor._wrap(w.reshape(wshape))
    smooth = -smooth.sum(class_dim)
    keep = target._data != ignore_index
    # where, not a multiplication by the mask: an ignored row of -inf logits has NaN log-probabilities
    smooth = where(keep, smooth, 0.0)
    if reduction == "mean":
        t = target._data[keep]
        denom = float(w[t].sum()) if w is not None else float(keep.sum())
        # every target ignored: nan (0/0) with a zero gradient, as PyTorch
        smooth = smooth.sum() / denom if denom != 0 else smooth.sum() * 0.0 + float("nan")
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / C)


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim):
    C = logp.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / C
    w = _check_weight(weight, C, logp.dtype)
    prod = logp * target
    if w is not None:
        wshape = [1] * logp.ndim
        wshape[class_dim] = C
        prod = prod * Tensor._wrap(w.reshape(wshape))
    losses = -prod.sum(class_dim)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (logp.numel() / C)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    """Mean squared error (input - target)^2, reduced by 'mean' (default), 'sum' or 'none'. With
    ``weight`` (the input's shape): weight * (input - target)^2, 'mean' dividing by the summed weights."""
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted("mse_loss", input, target, weight, reduction, lambda d: d * d)
    _check_reduction(reduction)
    _float_arg(input, "mse_loss")
    _tensor_arg(target, "mse_loss", "target")
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=2,
        )
    if tuple(target.shape) == tuple(input.shape) and target.dtype == input.dtype:
        return _MseLoss.apply(input, target, reduction)  # one node, PyTorch's MseLossBackward0
    sq = (input - target) ** 2
    if reduction == "none":
        return sq
    return sq.sum() if reduction == "sum" else sq.mean()


class _MseLoss(ArrayFunction):
    """(x - t)^2 reduced by ``reduction``, for x and t of one shape and dtype; gradients +-2 (x - t) g (/ N)."""

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        ctx.reduction = reduction
        d = x - t
        sq = d * d
        if reduction == "none":
            return sq
        total = sq.sum(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):  # mean of nothing: nan, as PyTorch
            return np.asarray(total if reduction == "sum" else total / sq.size, dtype=x.dtype)

    @staticmethod
    def _scale(ctx, size):
        return 2 / size if ctx.reduction == "mean" and size else 2

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        d = x - t
        gx = (np.asarray(_MseLoss._scale(ctx, d.size), dtype=d.dtype) * d) * g
        return (gx if ctx.needs_input_grad[0] else None), (-gx if ctx.needs_input_grad[1] else None), None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors
        d = ctx.saved_input(0) - ctx.saved_input(1)
        gx = d * _MseLoss._scale(ctx, d.numel()) * g
        return (gx if ctx.needs_input_grad[0] else None), (-gx if ctx.needs_input_grad[1] else None), None


# -- l1, smooth_l1, huber, binary cross-entropy (plain and with logits), kl_div -----
def _reduce(losses, reduction):
    _check_reduction(reduction)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _check_weighted_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def _weighted(fn, input, target, weight, reduction, pointwise):  # noqa: A002
    """PyTorch's weighted mse/l1: weight * pointwise(input - target); 'mean' divides by weight.sum()."""
    _float_arg(input, fn)
    _tensor_arg(target, fn, "target")
    _tensor_arg(weight, fn, "weight")
    _warn_broadcast(input, target, stacklevel=4)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    _check_weighted_reduction(reduction)
    losses = pointwise(input - target) * weight
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.sum() / weight.sum()


def _warn_broadcast(input, target, stacklevel=3):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=stacklevel,
        )


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    """|input - target|, reduced; with ``weight`` as mse_loss."""
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted("l1_loss", input, target, weight, reduction, lambda d: d.abs())
    _check_reduction(reduction)
    _float_arg(input, "l1_loss")
    _tensor_arg(target, "l1_loss", "target")
    _warn_broadcast(input, target)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):  # noqa: A002
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _float_arg(input, "smooth_l1_loss")
    _tensor_arg(target, "smooth_l1_loss", "target")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_broadcast(input, target)
    if beta == 0:  # PyTorch's l1_loss
        return _reduce((input - target).abs(), reduction)
    return composite("SmoothL1LossBackward0", lambda x, t: _smooth_l1(x, t, beta, reduction), (input, target))


def _smooth_l1(input, target, beta, reduction):  # noqa: A002
    d = (input - target).abs()
    dq = d.clamp(max=beta)  # the unused quadratic branch stays finite (an inf d gave a nan gradient)
    return _reduce(where(d < beta, 0.5 * dq * dq / beta, d - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta); with ``weight`` (the input's shape)
    the pointwise losses are multiplied by it before the reduction ('mean' divides by their count)."""
    if weight is not None:
        _tensor_arg(weight, "huber_loss", "weight")
        if tuple(weight.shape) != tuple(input.shape):
            raise ValueError("Weights and input must have the same size.")
        _check_weighted_reduction(reduction)
        losses = huber_loss(input, target, reduction="none", delta=delta) * weight
        return _reduce(losses, reduction)
    _check_reduction(reduction)
    _float_arg(input, "huber_loss")
    _tensor_arg(target, "huber_loss", "target")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_broadcast(input, target)
    return composite("HuberLossBackward0", lambda x, t: _huber(x, t, delta, reduction), (input, target))


def _huber(input, target, delta, reduction):  # noqa: A002
    d = (input - target).abs()
    dq = d.clamp(max=delta)  # as smooth_l1_loss
    return _reduce(where(d <= delta, 0.5 * dq * dq, delta * (d - 0.5 * delta)), reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)) with each log clamped at -100, as PyTorch."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _float_arg(input, "binary_cross_entropy")
    _tensor_arg(target, "binary_cross_entropy", "target")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    x = input._data
    if np.any((x < 0) | (x > 1)) or np.any(np.isnan(x)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if target.dtype != input.dtype:
        target = target.type(input.dtype)
    if weight is not None and weight.requires_grad:  # the composite form differentiates the weight too
        return _reduce(_BinaryCrossEntropy.apply(input, target, None, "none") * weight, reduction)
    w = None if weight is None else np.broadcast_to(weight._data.astype(input.dtype, copy=False), input.shape)
    return _BinaryCrossEntropy.apply(input, target, w, reduction)  # one node: BinaryCrossEntropyBackward0


@computes_half_in_float32
class _BinaryCrossEntropy(ArrayFunction):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100, reduced by ``reduction``, with PyTorch's
    gradients: w (x - t) / max(x (1 - x), 1e-12) for the input (finite where x is exactly 0 or 1, where the
    clamped logs' 0 * inf would be nan) and -w logit(x) for the target. ``w`` is a constant array or None."""

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        ctx.save_for_backward(x, t)
        ctx.w, ctx.reduction = w, reduction
        with np.errstate(divide="ignore"):
            lo = np.asarray(-100, dtype=x.dtype)
            losses = -(t * np.maximum(np.log(x), lo) + (1 - t) * np.maximum(np.log1p(-x), lo))
        if w is not None:
            losses = losses * w
        if reduction == "none":
            return losses
        total = losses.sum(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total if reduction == "sum" else total / losses.size, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        if ctx.reduction != "none":
            g = np.broadcast_to(g / x.size if ctx.reduction == "mean" and x.size else g, x.shape)
        if ctx.w is not None:
            g = g * ctx.w
        gx = gt = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[0]:
                gx = g * (x - t) / np.maximum((1 - x) * x, np.asarray(1e-12, dtype=x.dtype))
            if ctx.needs_input_grad[1]:
                gt = g * -(np.log(x) - np.log1p(-x))
        return gx, gt, None, None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors
        x, t = ctx.saved_input(0), ctx.saved_input(1)
        if ctx.reduction != "none":
            g = (g / x.numel() if ctx.reduction == "mean" and x.numel() else g).expand(tuple(x.shape))
        if ctx.w is not None:
            g = g * Tensor._wrap(ctx.w)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - t) / ((1 - x) * x).clamp_min(1e-12)
        if ctx.needs_input_grad[1]:
            gt = g * -(x.log() - (-x).log1p())
        return gx, gt, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                     reduction="mean", pos_weight=None):
    """BCE on sigmoid(input), computed stably as PyTorch's fused op: (1 - t) x - (1 + (pw - 1) t) log_sigmoid(x),
    times ``weight``, reduced; one node (BinaryCrossEntropyWithLogitsBackward0). Input and target of different
    float dtypes are promoted; ``weight`` and ``pos_weight`` cannot require grad (PyTorch's RuntimeError)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _float_arg(input, "binary_cross_entropy_with_logits")
    _tensor_arg(target, "binary_cross_entropy_with_logits", "target")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None and t.requires_grad and is_grad_enabled():
            raise RuntimeError(f"The function 'binary_cross_entropy_with_logits' is not differentiable with respect "
                               f"to argument '{name}'. This input cannot have requires_grad True.")
    dtype = np.promote_types(input.dtype, target.dtype) if target.dtype.kind == "f" else input.dtype
    if input.dtype != dtype:
        input = input.type(dtype)  # noqa: A001
    if target.dtype != dtype:
        target = target.type(dtype)
    w = None if weight is None else np.broadcast_to(weight._data.astype(dtype, copy=False), input.shape)
    pw = None if pos_weight is None else np.broadcast_to(pos_weight._data.astype(dtype, copy=False), input.shape)
    return _BinaryCrossEntropyWithLogits.apply(input, target, w, pw, reduction)


@computes_half_in_float32
class _BinaryCrossEntropyWithLogits(ArrayFunction):
    """PyTorch's fused form, one node: w ((1 - t) x - lw log_sigmoid(x)) with lw = 1 + (pw - 1) t, reduced;
    gradients w (lw sigmoid(x) - pw t) for the input and -w (x + (pw - 1) log_sigmoid(x)) for the target
    (pw = 1 when there is no pos_weight). ``w`` and ``pw`` are constant arrays or None."""

    @staticmethod
    def _log_sigmoid(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def forward(ctx, x, t, w, pw, reduction):
        ctx.save_for_backward(x, t)
        ctx.w, ctx.pw, ctx.reduction = w, pw, reduction
        ls = _BinaryCrossEntropyWithLogits._log_sigmoid(x)
        losses = (1 - t) * x - (ls if pw is None else (1 + (pw - 1) * t) * ls)
        if w is not None:
            losses = losses * w
        if reduction == "none":
            return losses.astype(x.dtype, copy=False)
        total = losses.sum(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):  # mean of nothing: nan, as PyTorch
            return np.asarray(total if reduction == "sum" else total / losses.size, dtype=x.dtype)

    @staticmethod
    def _scaled(ctx, g, size):
        if ctx.reduction == "mean" and size:
            g = g / size
        return g if ctx.w is None else g * (ctx.w if isinstance(g, np.ndarray) else Tensor._wrap(ctx.w))

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        g = _BinaryCrossEntropyWithLogits._scaled(ctx, np.broadcast_to(g, x.shape), x.size)
        gx = gt = None
        with np.errstate(over="ignore"):
            sig = 1 / (1 + np.exp(-x))
        if ctx.needs_input_grad[0]:
            gx = g * (sig - t if ctx.pw is None else (1 + (ctx.pw - 1) * t) * sig - ctx.pw * t)
        if ctx.needs_input_grad[1]:
            gt = -g * (x if ctx.pw is None else x + (ctx.pw - 1) * _BinaryCrossEntropyWithLogits._log_sigmoid(x))
        return (None if gx is None else gx.astype(x.dtype, copy=False),
                None if gt is None else gt.astype(x.dtype, copy=False), None, None, None)

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math on Tensors
        x, t = ctx.saved_input(0), ctx.saved_input(1)
        g = _BinaryCrossEntropyWithLogits._scaled(ctx, g.expand(tuple(x.shape)), x.numel())
        pw = None if ctx.pw is None else Tensor._wrap(ctx.pw)
        gx = g * (x.sigmoid() - t if pw is None else (1 + (pw - 1) * t) * x.sigmoid() - pw * t)
        gt = -g * (x if pw is None else x + (pw - 1) * logsigmoid(x))
        return (gx if ctx.needs_input_grad[0] else None), (gt if ctx.needs_input_grad[1] else None), None, None, None


class _XlogySelf(ArrayFunction):
    """t * log(t), 0 where t == 0 (NaN for t < 0), with the gradient PyTorch's autograd gives
    ``xlogy(t, t)``: the two partials log(t) (0 where t == 0) and t / t (NaN at 0), so a zero
    target gets a NaN gradient in kl_div, as in PyTorch."""

    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t == 0, np.zeros((), t.dtype), t * np.log(t)).astype(t.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (t,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            d_first = np.where(t == 0, np.zeros((), t.dtype), np.log(t))  # masked where x == 0 and y <= 0
            return (g * (d_first + t / t)).astype(g.dtype, copy=False)

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same partials on Tensors (xlogy's derivatives)
        t = ctx.saved_input(0)
        return g * (where(ctx.constant(ctx.saved_tensors[0] == 0), 0.0, t.log()) + t / t)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    """target * (log(target) - input) pointwise (input holds log-probabilities); 'batchmean' divides
    the sum by the batch size (the mathematically correct KL divergence). 'mean' (the default) warns,
    as PyTorch, that it divides by every element, not by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2)
    _float_arg(input, "kl_div")
    _tensor_arg(target, "kl_div", "target")
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        losses = target.exp() * (target - input)
    else:  # PyTorch's composite: xlogy(target, target) - target * input
        losses = _XlogySelf.apply(target) - target * input
    if reduction == "batchmean":
        return losses.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(losses, reduction)
