"""rms_norm: x / sqrt(mean(x ** 2 over the last dims) + eps) (times weight), composed from Tensor ops."""
import numpy as np

from ._args import _tensor_arg


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dims; ``eps`` defaults to the
    dtype's machine epsilon, as PyTorch."""
    _tensor_arg(input, "rms_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    n = len(shape)
    if n == 0 or tuple(input.shape[input.ndim - n:]) != shape or input.ndim < n:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps) if input.dtype.kind == "f" else float(np.finfo(np.float32).eps)
    dims = tuple(range(input.ndim - n, input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out
