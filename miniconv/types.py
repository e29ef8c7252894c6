"""``torch.types``: the type aliases annotations use (``Number``, ``Device``, ``_size``...)."""
import builtins
from typing import Union

from ._device import device as _device
from .dtypes import dtype as _dtype_cls
from .tensor import Tensor

__all__ = ["Device", "Number", "Storage"]

_int = builtins.int
_float = builtins.float
_bool = builtins.bool
_complex = builtins.complex
_TensorOrTensors = Union[Tensor, tuple]
_size = Union[tuple, list]
_dtype = _dtype_cls
Number = Union[_int, _float, _bool]
Device = Union[_device, str, _int, None]
Storage = object
