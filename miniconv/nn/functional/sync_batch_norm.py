"""Batch norm whose training statistics are those of the batch over every rank of a process group.

Forward: each rank computes its per-channel count, mean and sum of squared deviations (float64); one
``all_gather_into_tensor`` brings every rank's triple to every rank, and each combines them in rank order
with Chan's parallel-variance formula, so all ranks normalise with the same bits. Backward: the per-channel
sums ``sum(dy)`` and ``sum(dy * (x - mean))`` are all-reduced for the input gradient; the weight and bias
gradients stay local, as in PyTorch (DDP then averages them across ranks, which gives the gradient of the
concatenated batch). The communication goes through :mod:`miniconv.distributed`'s collectives (checked
across ranks, bounded by the group's timeout). ``nn.SyncBatchNorm`` decides when to use this.
"""
import numpy as np

from ... import _kernels
from ... import distributed as dist
from ..._config import threads_for
from ...autograd import ArrayFunction
from ...tensor import Tensor
from ._args import _float_arg
from .normalization import _as_ncl

__all__ = ["sync_batch_norm"]


class _SyncBatchNormFunction(ArrayFunction):
    """Training-mode batch norm over (N, C, *) with statistics combined across the ranks of ``group``."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, group):
        x3 = _as_ncl(x)
        nt = threads_for(x3.size)
        N, C, L = x3.shape
        local = np.zeros((1 + 2 * C,), np.float64)  # count, mean (C), sum of squared deviations (C)
        if N * L > 0:
            _kernels.batch_norm_stats(x3, local[1:1 + C], local[1 + C:], nt)
            local[0] = N * L
        gathered = np.empty((group.size(), 1 + 2 * C), np.float64)
        dist.all_gather_into_tensor(Tensor._wrap(gathered), Tensor._wrap(local), group=group)
        count, mean, m2 = 0.0, np.zeros(C), np.zeros(C)
        for row in gathered:  # rank order: the same result on every rank
            n_b, mean_b, m2_b = row[0], row[1:1 + C], row[1 + C:]
            if n_b == 0:
                continue
            total = count + n_b
            delta = mean_b - mean
            mean = mean + delta * (n_b / total)
            m2 = m2 + m2_b + delta * delta * (count * n_b / total)
            count = total
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.shape}")
        invstd = 1.0 / np.sqrt(m2 / count + eps)
        if running_mean is not None:
            running_mean[...] = (1 - momentum) * running_mean + momentum * mean
        if running_var is not None:
            running_var[...] = (1 - momentum) * running_var + momentum * (m2 / (count - 1))
        w = np.ones(C) if weight is None else weight.astype(np.float64)
        b = np.zeros(C) if bias is None else bias.astype(np.float64)
        scale = invstd * w
        out = np.empty_like(x3)
        if x3.size:
            _kernels.batch_norm_transform(x3, scale, b - mean * scale, out, nt)
        ctx.save_for_backward(x3, mean, invstd, w)
        ctx.shape, ctx.count, ctx.group = x.shape, count, group
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x3, mean, invstd, w = ctx.saved_tensors
        nt = threads_for(x3.size)
        g3 = _as_ncl(g.astype(x3.dtype, copy=False))
        C = x3.shape[1]
        sums = np.zeros(2 * C)  # sum_dy, sum_dy_xmu (local)
        if x3.size:
            _kernels.batch_norm_backward_reduce(g3, x3, mean, sums[:C], sums[C:], nt)
        local_sum_dy, local_sum_dy_xmu = sums[:C].copy(), sums[C:].copy()
        gx = None
        if ctx.needs_input_grad[0]:
            dist.all_reduce(Tensor._wrap(sums), group=ctx.group)  # every rank takes part: the same graph everywhere
            gx = np.empty_like(x3)
            if x3.size:
                _kernels.batch_norm_backward_input(
                    g3, x3, mean, sums[:C] / ctx.count, sums[C:] * invstd * invstd / ctx.count, invstd * w, gx, nt
                )
            gx = gx.reshape(ctx.shape)
        gw = local_sum_dy_xmu * invstd if ctx.needs_input_grad[1] else None
        gb = local_sum_dy if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None


def sync_batch_norm(input, running_mean, running_var, weight, bias, momentum, eps, group):  # noqa: A002
    """Training-mode batch norm of ``input`` (N, C, *) with the statistics of every rank's batch in ``group``
    (a ProcessGroup of more than one rank); ``running_mean``/``running_var`` (Tensors or None) are updated in
    place with ``momentum``."""
    _float_arg(input, "batch_norm")
    if eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    C = input.shape[1]
    rm = None if running_mean is None else running_mean._data.reshape(C)
    rv = None if running_var is None else running_var._data.reshape(C)
    w = None if weight is None else weight.reshape(C)
    b = None if bias is None else bias.reshape(C)
    return _SyncBatchNormFunction.apply(input, w, b, rm, rv, float(momentum or 0.0), float(eps), group)
