"""nn.Conv2d: PyTorch's ``torch.nn.Conv2d`` arguments, validation, initialisation and printing."""
import math
import numbers

import numpy as np

from ...creation import empty
from ...dtypes import get_default_dtype
from ..._device import _check_device
from ...dtypes import _check_dtype
from .. import functional as F
from ..functional._args import _conv_pair
from .. import init
from .module import Module, Parameter

__all__ = ["Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pair(value, name):
    """The shared parser in ``nn/functional/_args.py``: the Module and ``F.conv2d`` word a mistake alike."""
    return _conv_pair(value, name)



def _conv_extra_repr(m):
    """PyTorch's ``_ConvNd.extra_repr``: the fields that differ from their defaults, in its order."""
    s = f"{m.in_channels}, {m.out_channels}, kernel_size={m.kernel_size}, stride={m.stride}"
    if m.padding != (0,) * len(m.padding):
        s += f", padding={m.padding}"
    if m.dilation != (1,) * len(m.dilation):
        s += f", dilation={m.dilation}"
    output_padding = getattr(m, "output_padding", ())
    if output_padding != (0,) * len(output_padding):
        s += f", output_padding={output_padding}"
    if m.groups != 1:
        s += f", groups={m.groups}"
    if m.bias is None:
        s += ", bias=False"
    if getattr(m, "padding_mode", "zeros") != "zeros":
        s += f", padding_mode={m.padding_mode}"
    return s

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
        dtype = get_default_dtype() if dtype is None else _check_dtype(dtype, "Conv2d")
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
        return _conv_extra_repr(self)


# -- API breadth (issue 9): Conv1d and ConvTranspose2d -------------------------------------------
class Conv1d(Module):
    """1-D convolution over (N, C_in, L): weight (C_out, C_in / groups, k), bias (C_out,); runs on the
    conv2d kernels. L_out = floor((L + 2p - d(k-1) - 1)/s + 1). Initialised as PyTorch."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_device(device)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, "
                f"but got padding_mode='{padding_mode}'"
            )
        one = lambda v: (int(v[0]) if isinstance(v, (tuple, list)) else int(v),)  # noqa: E731
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = one(kernel_size), one(stride), one(dilation)
        self.padding = padding if isinstance(padding, str) else one(padding)
        self.padding_mode = padding_mode
        dt = get_default_dtype() if dtype is None else _check_dtype(dtype, "Conv1d")
        self.weight = Parameter(empty(out_channels, in_channels // groups, self.kernel_size[0], dtype=dt))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        Conv2d.reset_parameters(self)

    def forward(self, input):  # noqa: A002
        if self.padding_mode != "zeros":  # issue 11: padded with F.pad first, as Conv2d (and PyTorch)
            if self.padding == "same":
                total = self.dilation[0] * (self.kernel_size[0] - 1)
                pads = (total // 2, total - total // 2)
            else:
                pads = (0, 0) if self.padding == "valid" else self.padding * 2
            if any(pads):
                input = F.pad(input, pads, mode=self.padding_mode)  # noqa: A001
                return F.conv1d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        return _conv_extra_repr(self)


class ConvTranspose2d(Module):
    """Transposed 2-D convolution ("deconvolution"), the gradient of Conv2d w.r.t. its input.

    weight (C_in, C_out / groups, kH, kW); H_out = (H_in - 1) s - 2p + d(kH - 1) + output_padding + 1.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_device(device)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = _pair(stride, "stride"), _pair(padding, "padding")
        self.output_padding, self.dilation = _pair(output_padding, "output_padding"), _pair(dilation, "dilation")
        self.padding_mode = padding_mode
        dt = get_default_dtype() if dtype is None else _check_dtype(dtype, "ConvTranspose2d")
        self.weight = Parameter(empty(in_channels, out_channels // groups, *self.kernel_size, dtype=dt))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        Conv2d.reset_parameters(self)

    def forward(self, input, output_size=None):  # noqa: A002
        if output_size is not None:
            raise NotImplementedError("ConvTranspose2d(output_size=...) is not supported by miniconv; "
                                      "use output_padding")
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)

    def extra_repr(self):
        return _conv_extra_repr(self)
