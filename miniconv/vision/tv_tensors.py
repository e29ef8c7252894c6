"""torchvision.tv_tensors' ``Image``: a Tensor subclass that marks a tensor as an image (..., C, H, W) for
``transforms.v2`` (which then transforms it, and passes plain tensors beside it through). As in
torchvision, most operations on an Image return a plain Tensor; the v2 transforms and v2.functional
return an Image for an Image.

Example::

    >>> img = tv_tensors.Image(pil_image)          # uint8 (C, H, W)
    >>> out = v2.Resize(16)(img)                   # still an Image
"""
import numpy as np

from ..tensor import Tensor
from ._pil import is_pil_image

__all__ = ["TVTensor", "Image", "wrap"]


class TVTensor(Tensor):
    """The base of torchvision's tensor kinds (only Image is provided)."""


class Image(TVTensor):
    """An image tensor (..., C, H, W); built from a Tensor, an array-like or a PIL image (2-D data gets C = 1)."""

    def __init__(self, data, *, dtype=None, device=None, requires_grad=None):
        if is_pil_image(data):
            from .transforms.functional import pil_to_tensor

            data = pil_to_tensor(data)
        arr = data._data if isinstance(data, Tensor) else np.asarray(data)
        if dtype is not None:
            arr = arr.astype(np.dtype(dtype))
        if arr.ndim < 2:
            raise ValueError(f"Tensor must be 2D or higher, got {arr.ndim}D tensor.")
        if arr.ndim == 2:
            arr = arr[None]
        super().__init__(arr)
        if requires_grad or (requires_grad is None and isinstance(data, Tensor) and data.requires_grad):
            self.requires_grad_(True)

    def __repr__(self):
        return "Image(" + Tensor.__repr__(Tensor._wrap(self._data))[len("tensor("):]


def wrap(wrappee, *, like):
    """``wrappee`` (a Tensor) as the same tv_tensor kind as ``like``."""
    return type(like)(wrappee)
