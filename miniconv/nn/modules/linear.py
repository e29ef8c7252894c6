"""Linear (fully connected) layer and Identity."""
import math

from ..._device import _check_device
from .. import functional as F
from .. import init
from ..functional._args import parameter_data
from .module import Module, Parameter


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (as in PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002
        return input


class Linear(Module):
    """y = x @ weight.T + bias.

    Shapes: input (*, in_features) -> output (*, out_features); weight (out_features, in_features),
    bias (out_features,). Initialised as PyTorch: weight ~ kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features)).

    Example::

        >>> layer = Linear(20, 30)
        >>> layer(miniconv.randn(128, 20)).shape
        miniconv.Size([128, 30])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        self.in_features = in_features
        self.out_features = out_features
        # as PyTorch: a bad size is empty()'s TypeError/RuntimeError, an integer dtype the Parameter's RuntimeError
        self.weight = Parameter(parameter_data((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(parameter_data((out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
