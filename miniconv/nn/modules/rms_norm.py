"""RMSNorm layer (forward calls ``F.rms_norm``)."""
import numpy as np

from ..._device import _check_device
from ...dtypes import get_default_dtype
from .. import functional as F
from .module import Module, Parameter


class RMSNorm(Module):
    """x / sqrt(mean(x ** 2) + eps) * weight over the trailing ``normalized_shape`` dims; weight starts at 1."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        if device is not None:
            _check_device(device)
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            dt = np.dtype(get_default_dtype() if dtype is None else dtype)
            self.weight = Parameter(np.ones(self.normalized_shape, dt))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(**self.__dict__)
