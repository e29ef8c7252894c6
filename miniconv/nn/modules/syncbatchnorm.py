"""SyncBatchNorm: batch norm whose statistics are those of the batch over *all* ranks.

Training with a process group of more than one rank: ``nn/functional/sync_batch_norm.py`` (the math and the
communication live there).

Eval mode, or no process group / a single rank: plain ``F.batch_norm``, as PyTorch falls back.
"""
from ... import distributed as dist
from .. import functional as F
from ..functional.sync_batch_norm import sync_batch_norm
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


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
        return sync_batch_norm(input, running_mean, running_var, self.weight, self.bias, factor, self.eps, group)

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
