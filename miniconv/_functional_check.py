"""The one argument check of the ``torch.*`` functional forms (functional.py, functional_reduce.py, ...)."""
from .tensor import Tensor


def _t(x, fn, name="input"):
    """``x`` if it is a Tensor, else PyTorch's TypeError naming the function and the argument."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}")
    return x
