"""SyncBatchNorm: batch norm whose statistics are those of the batch over *all* ranks.

Forward (training, process group of more than one rank): each rank computes its per-channel count,
mean and sum of squared deviations (float64); one ``all_gather`` brings every rank's triple to every
rank, and each combines them in rank order with Chan's parallel-variance formula, so all ranks
normalise with the same bits. Backward: the per-channel sums ``sum(dy)`` and ``sum(dy * (x - mean))``
are all-reduced for the input gradient; the weight and bias gradients stay local, as in PyTorch (DDP
then averages them across ranks, which gives the gradient of the concatenated batch).

Eval mode, or no process group / a single rank: plain ``F.batch_norm``, as PyTorch falls back.
"""
import numpy as np

from ... import _kernels
from ... import distributed as dist
from ..._config import threads_for
from ...autograd import ArrayFunction
from .. import functional as F
from ..functional._args import _float_arg
from ..functional.normalization import _as_ncl
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


def _allreduce_sum(comm, arr):
    from mpi4py import MPI

    comm.Allreduce(MPI.IN_PLACE, arr, MPI.SUM)


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
        group.comm.Allgather(local, gathered)
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
            _allreduce_sum(ctx.group.comm, sums)  # every rank takes part: the same graph on every rank
            gx = np.empty_like(x3)
            if x3.size:
                _kernels.batch_norm_backward_input(
                    g3, x3, mean, sums[:C] / ctx.count, sums[C:] * invstd * invstd / ctx.count, invstd * w, gx, nt
                )
            gx = gx.reshape(ctx.shape)
        gw = local_sum_dy_xmu * invstd if ctx.needs_input_grad[1] else None
        gb = local_sum_dy if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C, *) input whose training statistics cover the whole batch of every rank.

    Same arguments, buffers and formula as :class:`BatchNorm2d`, plus ``process_group`` (default: the
    default group). Use :meth:`convert_sync_batchnorm` to turn a model's BatchNorm layers into it.

    Example (under ``mpiexec -n 2``)::

        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        >>> model = nn.parallel.DistributedDataParallel(model)
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):  # noqa: A002
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):  # noqa: A002
        self._check_input_dim(input)
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        running_mean = self.running_mean if not self.training or self.track_running_stats else None
        running_var = self.running_var if not self.training or self.track_running_stats else None
        group = None
        if bn_training and self.training and dist.is_initialized():
            group = dist._group(self.process_group)
            if group.size() == 1:
                group = None
        if group is None:
            return F.batch_norm(input, running_mean, running_var, self.weight, self.bias, bn_training, factor,
                                self.eps)
        _float_arg(input, "batch_norm")
        C = input.shape[1]
        if self.eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {self.eps}")
        rm = None if running_mean is None else running_mean._data.reshape(C)
        rv = None if running_var is None else running_var._data.reshape(C)
        w = None if self.weight is None else self.weight.reshape(C)
        b = None if self.bias is None else self.bias.reshape(C)
        return _SyncBatchNormFunction.apply(input, w, b, rm, rv, float(factor or 0.0), float(self.eps), group)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """Replace every BatchNorm1d/2d layer of ``module`` by a SyncBatchNorm sharing its parameters and
        buffers; returns the converted module (a new object if ``module`` itself is a BatchNorm layer)."""
        output = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            output = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                   module.track_running_stats, process_group, bias=module.bias is not None)
            if module.affine:
                output.weight = module.weight
                output.bias = module.bias
            output.running_mean = module.running_mean
            output.running_var = module.running_var
            output.num_batches_tracked = module.num_batches_tracked
            output.training = module.training
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output
