"""torchvision.utils' ``make_grid`` and ``save_image``: a batch of images tiled into one image."""
import math
import os

import numpy as np

from ..tensor import Tensor
from ._pil import pil_image_module

__all__ = ["make_grid", "save_image"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch (B, C, H, W) (or a list of (C, H, W)) into one (3 or C, H', W') Tensor, ``nrow`` per row,
    ``padding`` pixels of ``pad_value`` between; ``normalize`` maps [min, max] (or ``value_range``) to [0, 1]."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    arr = np.stack([t._data for t in tensor]) if isinstance(tensor, list) else tensor._data
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        if arr.shape[0] == 1:
            arr = np.concatenate([arr, arr, arr], 0)
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = np.concatenate([arr, arr, arr], 1)
    if normalize is True:
        arr = arr.copy()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def norm_range(t):
            low, high = value_range if value_range is not None else (float(t.min()), float(t.max()))
            np.clip(t, low, high, out=t)
            t -= t.dtype.type(low)
            t /= t.dtype.type(max(high - low, 1e-5))

        if scale_each is True:
            for t in arr:
                norm_range(t)
        else:
            norm_range(arr)
    if arr.shape[0] == 1:
        return Tensor(np.ascontiguousarray(arr[0]))
    nmaps = arr.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(arr.shape[2] + padding), int(arr.shape[3] + padding)
    grid = np.full((arr.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=arr.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = arr[k]
            k += 1
    return Tensor(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a Tensor image (or a batch, through ``make_grid(**kwargs)``) with Pillow; values in [0, 1]
    are scaled to 0..255 and rounded. A path is written atomically (temporary file, then rename)."""
    Image = pil_image_module()
    grid = make_grid(tensor, **kwargs)._data
    ndarr = np.clip(grid * grid.dtype.type(255) + grid.dtype.type(0.5), 0, 255).transpose(1, 2, 0).astype(np.uint8)
    im = Image.fromarray(np.ascontiguousarray(ndarr))
    if isinstance(fp, (str, os.PathLike)):
        from ..io.atomic import atomic_write

        path = os.fspath(fp)
        if format is None:
            ext = os.path.splitext(path)[1].lower()
            format = Image.registered_extensions().get(ext)
            if format is None:
                raise ValueError(f"unknown file extension: {ext!r} (pass format='PNG' or similar)")
        atomic_write(path, lambda out: im.save(out, format=format))
    else:
        im.save(fp, format=format)
