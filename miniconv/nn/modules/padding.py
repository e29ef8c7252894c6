"""Padding layers: Zero/Constant/Reflection/Replication/CircularPad1d and 2d, all through ``F.pad``."""
from .. import functional as F
from .module import Module


def _ntuple(padding, n):
    """An int -> n copies; a sequence is kept as given (``F.pad`` checks its length), as PyTorch's _ntuple."""
    if isinstance(padding, (tuple, list)):
        return tuple(padding)
    return (padding,) * n


class _ConstantPadNd(Module):
    _n = 2

    def __init__(self, padding, value):
        super().__init__()
        self.padding = _ntuple(padding, self._n)
        self.value = value

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``: ``padding`` = int or (left, right)."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``: ``padding`` = int or (left, right, top, bottom)."""
    _n = 4


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _ModePadNd(Module):
    _n, _mode = 2, "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, self._n)

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Mirror the last dimension without repeating the edge; input (C, W) or (N, C, W)."""


class ReflectionPad2d(_ModePadNd):
    """Mirror the last two dimensions without repeating the edge; input (C, H, W) or (N, C, H, W)."""
    _n = 4


class ReplicationPad1d(_ModePadNd):
    """Repeat the edge value along the last dimension."""
    _mode = "replicate"


class ReplicationPad2d(_ModePadNd):
    """Repeat the edge values along the last two dimensions."""
    _n, _mode = 4, "replicate"


class CircularPad1d(_ModePadNd):
    """Wrap the last dimension around; input (C, W) or (N, C, W)."""
    _mode = "circular"

    def forward(self, input):  # noqa: A002
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")
        return super().forward(input)


class CircularPad2d(_ModePadNd):
    """Wrap the last two dimensions around; input (C, H, W) or (N, C, H, W)."""
    _n, _mode = 4, "circular"

    def forward(self, input):  # noqa: A002
        if input.dim() not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.dim()}D input)")
        return super().forward(input)


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``: ``padding`` = int or a 6-tuple."""
    _n = 6


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad3d(_ModePadNd):
    _n = 6


class ReplicationPad3d(_ModePadNd):
    _n, _mode = 6, "replicate"


class CircularPad3d(_ModePadNd):
    _n, _mode = 6, "circular"

    def forward(self, input):  # noqa: A002
        if input.dim() not in (4, 5):
            raise ValueError(f"expected 4D or 5D input (got {input.dim()}D input)")
        return super().forward(input)
