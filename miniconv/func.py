"""``torch.func``: ``functional_call`` (a module called with some parameters/buffers replaced). The function
transforms (``grad``, ``vmap``, ``jacrev``, ...) are not provided."""
from .nn.utils.stateless import functional_call

__all__ = ["functional_call"]
