"""Connectionist Temporal Classification loss (``F.ctc_loss``, ``nn.CTCLoss``), as PyTorch computes it.

The forward variables alpha and the backward variables beta run in log space over the extended label
sequence (blank, l1, blank, l2, ..., blank), vectorised over the batch, one time step per iteration;
the loss of a sample is -log p(l | x). The gradient is PyTorch's: ``exp(lp) - exp(lcab + nll - lp)``
per (t, n, c), where lcab is the log of sum over the extended positions s labelled c of
alpha[t, s] * beta[t, s] — the gradient with respect to the logits under a log_softmax, which PyTorch
returns as the gradient of ``log_probs`` (equal to the true one when ``log_probs`` is a log_softmax:
the log_softmax backward passes it through unchanged). Computed in float64 and returned in the input's
dtype; no double backward, as PyTorch's native kernel."""
import numbers

import numpy as np

from ...autograd import ArrayFunction
from ...dtypes import refuse_half
from ...tensor import Tensor

__all__ = ["ctc_loss"]

_NEG = -np.inf


def _lengths(v, name):
    if isinstance(v, Tensor):
        arr = v.detach().numpy()
    else:
        arr = np.asarray(v)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.floor(arr))):
        raise RuntimeError(f"{name} must be integral")
    return arr.astype(np.int64).reshape(-1)


def _lse(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = np.logaddexp(out, x)
    return out


def _ctc(lp, targets, in_len, tgt_len, blank):
    """(nll per sample, log alpha, log beta, extended labels) for log_probs lp (T, N, C) float64."""
    T, N, C = lp.shape
    S = int(tgt_len.max()) if N else 0
    L = 2 * S + 1
    ext = np.full((N, L), blank, dtype=np.int64)
    ext[:, 1::2] = targets[:, :S] if S else ext[:, 1::2]
    for n in range(N):
        ext[n, 2 * tgt_len[n] + 1:] = blank
    # the skip from s-2 to s is allowed where l'_s is a label differing from l'_{s-2}
    skip = np.zeros((N, L), dtype=bool)
    if L > 2:
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    valid = np.arange(L)[None, :] < (2 * tgt_len[:, None] + 1)
    rows = np.arange(N)[:, None]
    emit = lambda t: lp[t][rows, ext]   # noqa: E731  (N, L): log prob of l'_s at time t
    alpha = np.full((T, N, L), _NEG)
    if T:
        alpha[0, :, 0] = lp[0, :, blank]
        if L > 1:
            alpha[0, :, 1] = np.where(tgt_len > 0, lp[0][np.arange(N), ext[:, 1]], _NEG)
        alpha[0][~valid] = _NEG
    for t in range(1, T):
        prev = alpha[t - 1]
        a1 = np.concatenate([np.full((N, 1), _NEG), prev[:, :-1]], 1)
        a2 = np.concatenate([np.full((N, 2), _NEG), prev[:, :-2]], 1)[:, :L]
        cur = _lse(prev, a1, np.where(skip, a2, _NEG)) + emit(t)
        cur[~valid] = _NEG
        alpha[t] = np.where((t < in_len)[:, None], cur, prev)
    last = np.maximum(in_len - 1, 0)
    end = 2 * tgt_len
    a_end = alpha[last, np.arange(N), end]
    a_pre = np.where(tgt_len > 0, alpha[last, np.arange(N), np.maximum(end - 1, 0)], _NEG)
    nll = -np.logaddexp(a_end, a_pre)
    beta = np.full((T, N, L), _NEG)
    for t in range(T - 1, -1, -1):
        start = t == last    # samples whose last frame is t start their recursion here
        nxt = beta[t + 1] if t + 1 < T else np.full((N, L), _NEG)
        b1 = np.concatenate([nxt[:, 1:], np.full((N, 1), _NEG)], 1)
        skip_next = np.concatenate([skip[:, 2:], np.zeros((N, 2), dtype=bool)], 1)[:, :L]
        b2 = np.concatenate([nxt[:, 2:], np.full((N, 2), _NEG)], 1)[:, :L]
        cur = _lse(nxt, b1, np.where(skip_next, b2, _NEG)) + emit(t)
        init = np.full((N, L), _NEG)
        init[np.arange(N), end] = lp[t][np.arange(N), blank]
        has = tgt_len > 0
        init[np.arange(N)[has], (end - 1)[has]] = lp[t][np.arange(N)[has], ext[np.arange(N)[has], (end - 1)[has]]]
        cur = np.where(start[:, None], init, np.where((t < last)[:, None], cur, _NEG))
        cur[~valid] = _NEG
        beta[t] = cur
    return nll, alpha, beta, ext


class CTCLoss(ArrayFunction):
    """Per-sample CTC negative log likelihood (N,) of log_probs (T, N, C)."""

    @staticmethod
    def forward(ctx, log_probs, targets, in_len, tgt_len, blank, zero_infinity):
        lp = log_probs.astype(np.float64)
        nll, alpha, beta, ext = _ctc(lp, targets, in_len, tgt_len, blank)
        inf = ~np.isfinite(nll)
        if zero_infinity:
            nll = np.where(inf, 0.0, nll)
        ctx.state = (lp, nll, alpha, beta, ext, in_len, inf if zero_infinity else np.zeros_like(inf), log_probs.dtype)
        return nll.astype(log_probs.dtype)

    @staticmethod
    def backward(ctx, g):
        lp, nll, alpha, beta, ext, in_len, zeroed, dtype = ctx.state
        T, N, C = lp.shape
        lcab = np.full((T, N, C), _NEG)
        ab = alpha + beta
        n_idx = np.arange(N)
        for s in range(ext.shape[1]):
            c = ext[:, s]
            lcab[:, n_idx, c] = np.logaddexp(lcab[:, n_idx, c], ab[:, :, s])
        with np.errstate(over="ignore", invalid="ignore"):
            grad = np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)
        grad[np.arange(T)[:, None] >= in_len[None, :]] = 0.0
        grad[:, zeroed] = 0.0
        grad = np.nan_to_num(grad, nan=0.0) if not np.all(np.isfinite(nll)) else grad
        grad *= np.asarray(g, dtype=np.float64)[None, :, None]
        return (grad.astype(dtype),) + (None,) * 5


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of ``log_probs`` (T, N, C) (or unbatched (T, C)) against ``targets`` (N, S) padded or 1-D
    concatenated; ``input_lengths`` and ``target_lengths`` per sample (tensors or sequences). reduction
    'mean' divides each loss by its target length (at least 1) and averages over the batch."""
    from .loss import _check_reduction
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"ctc_loss(): argument 'log_probs' must be Tensor, not {type(log_probs).__name__}")
    _check_reduction(reduction)
    refuse_half(log_probs.dtype, "ctc_loss_cpu")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(f"ctc_loss(): log_probs must be 2-D (T, C) or 3-D (T, N, C), got {lp.ndim}-D")
    T, N, C = lp.shape
    if not isinstance(blank, numbers.Integral) or not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    in_len = _lengths(input_lengths, "input_lengths")
    tgt_len = _lengths(target_lengths, "target_lengths")
    if in_len.size != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_len.size != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if in_len.size and in_len.max() > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(in_len.max())} "
                           "(while checking arguments for ctc_loss_allocate_outputs)")
    if (in_len < 0).any() or (tgt_len < 0).any():
        raise RuntimeError("ctc_loss(): lengths must be non-negative")
    tg = targets.detach().numpy() if isinstance(targets, Tensor) else np.asarray(targets)
    tg = tg.astype(np.int64)
    if unbatched:
        tg = tg.reshape(1, -1)
    if tg.ndim == 1:   # concatenated targets
        if tg.size < tgt_len.sum():
            raise RuntimeError(f"Expected tensor to have size at least {int(tgt_len.sum())} at dimension 0, but got "
                               f"size {tg.size} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        padded = np.full((N, max(int(tgt_len.max()) if N else 0, 1)), blank, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(tgt_len)])
        for n in range(N):
            padded[n, :tgt_len[n]] = tg[offsets[n]:offsets[n + 1]]
        tg = padded
    elif N and tg.shape[1] < tgt_len.max():
        raise RuntimeError(f"Expected tensor to have size at least {int(tgt_len.max())} at dimension 1, but got size "
                           f"{tg.shape[1]} for argument #2 'targets' (while checking arguments for "
                           "ctc_loss_allocate_outputs)")
    used = np.concatenate([tg[n, :tgt_len[n]] for n in range(N)]) if N else np.zeros(0, np.int64)
    if used.size and (used.min() < 0 or used.max() >= C):
        raise RuntimeError(f"ctc_loss(): target labels must be in [0, {C}), got {int(used.min())}..{int(used.max())}")
    loss = CTCLoss.apply(lp, tg, in_len, tgt_len, int(blank), bool(zero_infinity))
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    denom = Tensor(np.maximum(tgt_len, 1).astype(np.dtype(loss.dtype)))
    return (loss / denom).mean()
