"""nn.Conv2d: PyTorch's ``torch.nn.Conv2d`` arguments, validation, initialisation and printing."""
import math
import numbers

import numpy as np

from ...creation import empty
from ...tensor import _check_device, _check_dtype
from .. import functional as F
from .. import init
from .module import Module, Parameter

__all__ = ["Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pair(value, name):
    """An int, (int,) or a pair of ints -> a tuple of 2 ints (PyTorch accepts all three)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:  # issue 11: Conv2d(stride=(2,))
        value = value[0]
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Conv2d: {name} must be an int or a tuple of 2 ints, got {value!r}")
    if isinstance(value, numbers.Integral):
        return (int(value), int(value))
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in value)
    ):
        return (int(value[0]), int(value[1]))
    raise TypeError(f"Conv2d: {name} must be an int or a tuple of 2 ints, got {value!r}")


class Conv2d(Module):
    r"""2-D convolution over a batch of images: ``F.conv2d`` with a learnable weight and bias.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: int or (kH, kW).
        stride: int or (sH, sW), default 1.
        padding: int or (pH, pW) zeros (or ``padding_mode`` values) added on both sides, or
            ``'valid'`` (none) or ``'same'`` (output size = input size; stride 1 only; for an even
            effective kernel ``dilation * (k - 1)`` the extra row/column goes to the bottom/right).
        dilation: int or (dH, dW), spacing between kernel taps, default 1.
        groups: split the channels into ``groups`` independent convolutions; must divide both
            channel counts (``groups == in_channels`` is a depthwise convolution).
        bias: learn an additive bias per output channel (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device: ``None`` or ``'cpu'`` (miniconv runs on the CPU only).
        dtype: ``miniconv.float32`` (default) or ``miniconv.float64``.

    Shapes:
        input  (N, C_in, H_in, W_in) or (C_in, H_in, W_in)
        output (N, C_out, H_out, W_out) or (C_out, H_out, W_out), where
        H_out = floor((H_in + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1) / stride[0] + 1)
        W_out = floor((W_in + 2 * padding[1] - dilation[1] * (kernel_size[1] - 1) - 1) / stride[1] + 1)

    Attributes:
        weight (C_out, C_in / groups, kH, kW) and bias (C_out,), initialised as PyTorch does:
        ``kaiming_uniform_(weight, a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the
        weight, and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias, fan_in = C_in / groups * kH * kW.

    Example::

        >>> conv = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        >>> conv
        Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> conv(miniconv.randn(8, 1, 28, 28)).shape
        miniconv.Size([8, 32, 28, 28])
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise TypeError(f"Conv2d: {name} must be an int, got {value!r}")
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(
                f"Conv2d: in_channels and out_channels must be positive, got {in_channels} and {out_channels}"
            )
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size = _pair(kernel_size, "kernel_size")
        stride = _pair(stride, "stride")
        dilation = _pair(dilation, "dilation")
        if min(kernel_size) <= 0:
            raise ValueError(f"Conv2d: kernel_size must be positive, got {kernel_size}")
        if min(stride) <= 0:
            raise ValueError(f"Conv2d: stride must be positive, got {stride}")
        if min(dilation) <= 0:
            raise ValueError(f"Conv2d: dilation must be positive, got {dilation}")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _pair(padding, "padding")
            if min(padding) < 0:
                raise ValueError(f"Conv2d: padding must be non-negative, got {padding}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, "
                f"but got padding_mode='{padding_mode}'"
            )
        if device is not None:
            _check_device(device)
        dtype = np.dtype(np.float32) if dtype is None else _check_dtype(dtype, "Conv2d")
        if dtype.kind != "f":
            raise TypeError(f"Conv2d: dtype must be a floating point type (float32 or float64), got {dtype}")

        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = int(groups)
        self.padding_mode = padding_mode
        # F.pad order (left, right, top, bottom) for the non-zero padding modes
        if padding == "same":
            (top, bottom, left, right) = F._same_padding(kernel_size, dilation)
            self.pad_left_right_top_bottom = (left, right, top, bottom)
        elif padding == "valid":
            self.pad_left_right_top_bottom = (0, 0, 0, 0)
        else:
            self.pad_left_right_top_bottom = (padding[1], padding[1], padding[0], padding[0])

        shape = (self.out_channels, self.in_channels // self.groups) + kernel_size
        self.weight = Parameter(empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) for the weight, U(+-1/sqrt(fan_in)) for the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input, weight, bias):  # noqa: A002
        """The convolution with an explicit weight and bias (PyTorch's hook for subclasses that
        transform the weight, e.g. weight standardisation)."""
        if self.padding_mode != "zeros" and any(self.pad_left_right_top_bottom):
            padded = F.pad(input, self.pad_left_right_top_bottom, mode=self.padding_mode)
            return F.conv2d(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
