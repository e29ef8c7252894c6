"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose2d`` on one ``_ConvNd`` base, as PyTorch's
``torch/nn/modules/conv.py``.

The base validates once, with PyTorch's meaning and exception classes (``nn/functional/_args.py``): what
PyTorch checks in the constructor (groups, padding strings, padding modes, the weight's shape and dtype)
raises there; what PyTorch checks only at forward time (stride, padding and dilation values, the kernel
size, tuple lengths) is checked by the functional form the forward calls, so a Module and its functional
form raise the same exception for the same mistake.
"""
import math

from .. import functional as F
from .. import init
from ..functional._args import check_conv_module_args, ntuple, parameter_data
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: arguments, validation, weight and bias, initialisation,
    ``extra_repr``. Subclasses set ``n_dims`` and, for the forward, call their functional form."""

    n_dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, device, dtype, output_padding=0):
        super().__init__()
        n = self.n_dims
        kernel_size, stride, dilation = ntuple(kernel_size, n), ntuple(stride, n), ntuple(dilation, n)
        if not isinstance(padding, str) or self.transposed:
            padding = ntuple(padding, n)  # a transposed conv takes no padding string (its forward says so)
        check_conv_module_args(type(self).__name__, in_channels, out_channels, groups, padding, stride,
                               padding_mode, device, self.transposed)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.groups = groups
        self.padding_mode = padding_mode
        if self.transposed:
            self.output_padding = ntuple(output_padding, n)
        # F.pad's order (last dim first: left, right[, top, bottom]) for the non-zero padding modes; a 1-tuple
        # kernel_size or padding stays a 1-tuple, as PyTorch's _pair leaves it (its forward then refuses it)
        if padding == "same":
            pads = F._same_padding(kernel_size, dilation)  # (before, after) per dim, first dim first
            self.pad_for_padding_mode = tuple(p for i in reversed(range(n)) for p in pads[2 * i:2 * i + 2])
        elif padding == "valid":
            self.pad_for_padding_mode = (0,) * 2 * n
        else:
            self.pad_for_padding_mode = tuple(p for p in reversed(padding) for _ in range(2))
        shape = ((in_channels, out_channels // groups) if self.transposed else
                 (out_channels, in_channels // groups)) + tuple(kernel_size)
        self.weight = Parameter(parameter_data(shape, dtype))
        if bias:
            self.bias = Parameter(parameter_data((out_channels,), dtype))
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

    def extra_repr(self):
        """PyTorch's ``_ConvNd.extra_repr``: the fields that differ from their defaults, in its order."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        output_padding = getattr(self, "output_padding", ())
        if output_padding != (0,) * len(output_padding):
            s += f", output_padding={output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) or (C_in, L) input: ``F.conv1d`` with a learnable weight and bias.

    Same arguments as :class:`Conv2d` with one value per argument; weight (C_out, C_in / groups, k),
    bias (C_out,); L_out = floor((L + 2p - d(k-1) - 1)/s + 1). Runs on the conv2d kernels.

    Example::

        >>> Conv1d(4, 8, 3, padding=1)(miniconv.randn(2, 4, 16)).shape
        miniconv.Size([2, 8, 16])
    """

    n_dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input):  # noqa: A002
        if self.padding_mode != "zeros":
            padded = F.pad(input, self.pad_for_padding_mode, mode=self.padding_mode)
            return F.conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
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

    As in PyTorch, the constructor checks groups, padding strings, the padding mode and the weight's
    shape and dtype; stride, padding and dilation values are checked when ``forward`` calls ``F.conv2d``.

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
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)

    @property
    def pad_left_right_top_bottom(self):
        return self.pad_for_padding_mode

    def forward(self, input):  # noqa: A002
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input, weight, bias):  # noqa: A002
        """The convolution with an explicit weight and bias (PyTorch's hook for subclasses that
        transform the weight, e.g. weight standardisation)."""
        if self.padding_mode != "zeros":  # as PyTorch, padded first even by zero amounts (same errors)
            padded = F.pad(input, self.pad_for_padding_mode, mode=self.padding_mode)
            return F.conv2d(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution ("deconvolution"), the gradient of Conv2d w.r.t. its input.

    weight (C_in, C_out / groups, kH, kW); H_out = (H_in - 1) s - 2p + d(kH - 1) + output_padding + 1.
    Only ``padding_mode='zeros'``, as in PyTorch.

    Example::

        >>> ConvTranspose2d(8, 4, 2, stride=2)(miniconv.randn(1, 8, 7, 7)).shape
        miniconv.Size([1, 4, 14, 14])
    """

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding=output_padding)

    def forward(self, input, output_size=None):  # noqa: A002
        output_padding = _output_padding(input, output_size, self.stride, self.padding, self.kernel_size,
                                         self.dilation, self.output_padding, 2)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class ConvTranspose1d(_ConvNd):
    """Transposed 1-D convolution over (N, C_in, L) or (C_in, L): ``F.conv_transpose1d`` with a learnable weight
    (C_in, C_out / groups, k) and bias; L_out = (L - 1) s - 2p + d(k - 1) + output_padding + 1."""

    n_dims = 1
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding=output_padding)

    def forward(self, input, output_size=None):  # noqa: A002
        output_padding = _output_padding(input, output_size, self.stride, self.padding, self.kernel_size,
                                         self.dilation, self.output_padding, 1)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


def _output_padding(input, output_size, stride, padding, kernel_size, dilation, output_padding, n):  # noqa: A002
    """PyTorch's ``_ConvTransposeNd._output_padding``: the output padding that makes the output ``output_size``."""
    if output_size is None:
        return output_padding
    has_batch = input.dim() == n + 2
    output_size = [int(v) for v in output_size]
    if len(output_size) not in (n, n + 1 + has_batch):
        raise ValueError(f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or "
                         f"{n + 1 + has_batch} elements (got {len(output_size)})")
    output_size = output_size[-n:]
    out = []
    for d in range(n):
        in_size = input.shape[d + input.dim() - n]
        min_size = (in_size - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel_size[d] - 1) + 1
        max_size = min_size + stride[d] - 1
        if not min_size <= output_size[d] <= max_size:
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range from "
                             f"{[(input.shape[i + input.dim() - n] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel_size[i] - 1) + 1 for i in range(n)]} "  # noqa: E501
                             f"to {[(input.shape[i + input.dim() - n] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel_size[i] - 1) + stride[i] for i in range(n)]} "  # noqa: E501
                             f"(for an input of {type(input.shape)(input.shape[input.dim() - n:])})")
        out.append(output_size[d] - min_size)
    return tuple(out)
