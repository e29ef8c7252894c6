"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (kernels in ``_pool.pxi``)."""
from .. import functional as F
from .module import Module


class MaxPool2d(Module):
    """Max over (kH x kW) windows of (N, C, H, W) or (C, H, W) input.

    H_out = floor((H + 2*padding - dilation*(kernel_size - 1) - 1) / stride + 1)
    (ceil instead of floor with ceil_mode=True, as long as the last window starts inside the
    input or the left padding). ``stride`` defaults to ``kernel_size``; padding must be at most
    half the effective kernel size. ``return_indices=True`` also returns the flat index
    (h * W + w) of each maximum within its plane.

    Example::

        >>> MaxPool2d(2)(miniconv.randn(1, 32, 28, 28)).shape
        miniconv.Size([1, 32, 14, 14])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):  # noqa: A002
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over (kH x kW) windows; output size as MaxPool2d with dilation 1.

    The divisor is the window size including zero padding (count_include_pad=True), the number
    of input elements in the window (False), or ``divisor_override`` when given.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed (OH, OW) output for any input size; None keeps that input size.

    Output cell (i, j) averages rows [floor(i*H/OH), ceil((i+1)*H/OH)) and the matching columns.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


# -- more pooling layers --------------------------------------------------------------------
class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (OH, OW), with PyTorch's adaptive windows."""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"
