"""``torch.nn.parameter``: the module scripts import ``Parameter`` from (``from torch.nn.parameter import
Parameter``), with the lazy and buffer classes PyTorch keeps beside it."""
from .modules.lazy import UninitializedBuffer, UninitializedParameter, is_lazy
from .modules.module import Buffer, Parameter

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter", "is_lazy"]
