"""Batch normalization: BatchNorm1d and BatchNorm2d (kernels in ``_norm.pxi``)."""
import numpy as np

from ...autograd.grad_mode import no_grad
from ..._device import _check_device
from ...dtypes import _check_dtype, get_default_dtype
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional._args import parameter_data
from .module import Module, Parameter


class _BatchNorm(Module):
    """Shared code of BatchNorm1d/2d; subclasses only check the input's number of dims."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}(): num_features must be a positive int, got {num_features!r}")
        _check_device(device)
        dtype = get_default_dtype() if dtype is None else _check_dtype(dtype, type(self).__name__)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            # an integer dtype is the Parameter's RuntimeError, as in PyTorch (without affine it is accepted)
            self.weight = Parameter(parameter_data((num_features,), dtype))
            if bias:
                self.bias = Parameter(parameter_data((num_features,), dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():  # in place: the buffers keep their identity (and any views of them)
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):  # noqa: A002
        raise NotImplementedError

    def forward(self, input):  # noqa: A002
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        # batch statistics in training, and in eval when there are no running buffers
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # buffers are passed only when they are to be updated (training) or used (eval)
        pass_buffers = not self.training or self.track_running_stats
        out = F.batch_norm(
            input,
            self.running_mean if pass_buffers else None,
            self.running_var if pass_buffers else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )
        if use_batch_stats and pass_buffers:  # the kernel updated the running buffers in place
            for buf in (self.running_mean, self.running_var):
                if buf is not None:
                    buf._bump_version()
        return out

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input, per channel C.

    y = (x - mean) / sqrt(var + eps) * weight + bias, with the batch's mean and biased variance in
    training (the running buffers are updated with the unbiased variance) and the running
    buffers in eval. ``momentum=None`` uses a cumulative average of all batches seen.
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) input, per channel C (statistics over N, H and W).

    Same formula and buffers as :class:`BatchNorm1d`.

    Example::

        >>> bn = BatchNorm2d(32)
        >>> bn(miniconv.randn(8, 32, 14, 14)).shape
        miniconv.Size([8, 32, 14, 14])
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")
