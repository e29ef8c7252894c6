"""A few per-sample transforms with torchvision's names: ToTensor, Normalize, Compose, Lambda.

For MNIST-sized data it is much faster to normalise the whole array once (see
:class:`miniconv._data.datasets.MNIST`) than to transform each image in Python.
"""
import numpy as np

from ..tensor import Tensor


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


class ToTensor:
    """An (H, W) or (H, W, C) image array to a float32 (C, H, W) Tensor; uint8 is scaled to [0, 1]."""

    def __call__(self, pic):
        arr = pic._data if isinstance(pic, Tensor) else np.asarray(pic)
        if arr.ndim not in (2, 3):
            raise ValueError(f"pic should be 2 or 3 dimensional. Got {arr.ndim} dimensions.")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        out = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if out.dtype == np.uint8:
            return Tensor(out.astype(np.float32) / np.float32(255))
        return Tensor(out.astype(np.float32) if out.dtype.kind != "f" else out)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a (C, H, W) or (N, C, H, W) float Tensor."""

    def __init__(self, mean, std):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if np.any(self.std == 0):
            raise ValueError("std evaluated to zero after conversion to float64, leading to division by zero.")

    def __call__(self, x):
        arr = x._data if isinstance(x, Tensor) else np.asarray(x)
        if arr.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {arr.dtype}.")
        if arr.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got shape {list(arr.shape)}.")
        shape = (-1, 1, 1)
        mean = self.mean.astype(arr.dtype).reshape(shape)
        std = self.std.astype(arr.dtype).reshape(shape)
        return Tensor((arr - mean) / std)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Lambda:
    """Apply a user function."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Argument lambd should be callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)
