"""More pooling: the 1-D pools as 2-D pools over a height of 1 (exact: the same windows, and a flat
index h * W + w is w), the *_with_indices spellings, lp_pool1d/2d and local_response_norm (PyTorch's
own compositions of avg_pool and pow)."""
import numbers

import numpy as np

from ._args import _tensor_arg
from .activation import relu
from .padding import pad
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d


def _single(v, fn, name):
    if isinstance(v, (tuple, list)):
        if len(v) != 1 or not isinstance(v[0], numbers.Integral):
            raise RuntimeError(f"{fn}() {name} must be an int or a tuple of one int, got {v!r}")
        return int(v[0])
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(v).__name__}")
    return int(v)


def _check_1d(fn, input):  # noqa: A002
    _tensor_arg(input, fn)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{fn}() Expected 2D or 3D input tensor, but got {list(input.shape)}")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """Max over windows of the last dimension of an (N, C, L) or (C, L) input."""
    _check_1d("max_pool1d", input)
    k = _single(kernel_size, "max_pool1d", "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        _single(stride, "max_pool1d", "stride")
    p, d = _single(padding, "max_pool1d", "padding"), _single(dilation, "max_pool1d", "dilation")
    r = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    return (r[0].squeeze(-2), r[1].squeeze(-2)) if return_indices else r.squeeze(-2)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    """Mean over windows of the last dimension of an (N, C, L) or (C, L) input."""
    _check_1d("avg_pool1d", input)
    k = _single(kernel_size, "avg_pool1d", "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        _single(stride, "avg_pool1d", "stride")
    p = _single(padding, "avg_pool1d", "padding")
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad).squeeze(-2)


def _single_size(output_size, fn):
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise RuntimeError(f"{fn}: output_size must be 1")
        output_size = output_size[0]
    return output_size


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    _tensor_arg(input, "adaptive_avg_pool1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
    size = _single_size(output_size, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    _tensor_arg(input, "adaptive_max_pool1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
    size = _single_size(output_size, "adaptive_max_pool1d")
    r = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    return (r[0].squeeze(-2), r[1].squeeze(-2)) if return_indices else r.squeeze(-2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):  # noqa: A002
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):  # noqa: A002
    return adaptive_max_pool2d(input, output_size, True)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """(sum over each window of x ** p) ** (1 / p), as PyTorch: avg_pool2d of x ** p times the window size."""
    _tensor_arg(input, "lp_pool2d")
    kw, kh = (kernel_size, kernel_size) if isinstance(kernel_size, numbers.Integral) else tuple(kernel_size)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """(sum over each window of x ** p) ** (1 / p) along the last dimension."""
    _tensor_arg(input, "lp_pool1d")
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kernel_size).pow(1.0 / norm_type)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """x / (k + alpha * mean of x**2 over ``size`` neighbouring channels) ** beta (AlexNet's LRN)."""
    _tensor_arg(input, "local_response_norm")
    dim = input.ndim
    if dim < 3:
        # PyTorch's message has a run of spaces in the middle (a line continuation inside its f-string)
        raise ValueError(f"Expected 3D or higher dimensionality{' ' * 26}input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    sizes = tuple(input.shape)
    div = div.reshape(sizes[0], 1, sizes[1], -1)  # (N, 1, C, rest): the channel window runs along H
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).reshape(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


def _unpool_output_size(input, kernel_size, stride, padding, output_size):  # noqa: A002
    """PyTorch's _unpool_output_size: the default size, or ``output_size`` checked against it."""
    n = len(kernel_size)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == n + 2:
        output_size = output_size[2:]
    if len(output_size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length "
                         f"of '{len(output_size)}'")
    for d in range(n):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
    return output_size


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _max_unpool(input, indices, out_hw, fn):  # noqa: A002
    _tensor_arg(input, fn)
    _tensor_arg(indices, fn, "indices")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
                           f"{input.ndim} dimensions.")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    if indices.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype.name}")
    oh, ow = out_hw
    lead = tuple(input.shape[:-2])
    idx = indices.reshape(lead + (-1,))
    flat = idx.numpy() if not idx.requires_grad else idx.detach().numpy()
    if flat.size and (flat.min() < 0 or flat.max() >= oh * ow):
        bad = int(flat.max() if flat.max() >= oh * ow else flat.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {oh}x{ow}")
    out = input.new_zeros(lead + (oh * ow,)).scatter(-1, idx, input.reshape(lead + (-1,)))
    return out.reshape(lead + (oh, ow))


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Partial inverse of ``max_pool2d``: each value goes back to the flat position its index names, zeros
    elsewhere; the gradient of a value is the output gradient at that position."""
    k = _tuple(kernel_size, 2)
    s = _tuple(stride, 2) if stride is not None else k
    p = _tuple(padding, 2)
    out_hw = _unpool_output_size(input, k, s, p, output_size)
    return _max_unpool(input, indices, out_hw, "max_unpool2d")


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Partial inverse of ``max_pool1d`` (as ``max_unpool2d`` over a height of 1)."""
    k = _tuple(kernel_size, 1)
    s = _tuple(stride, 1) if stride is not None else k
    p = _tuple(padding, 1)
    out = _unpool_output_size(input, k, s, p, output_size)
    return _max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), (out[0], 1), "max_unpool1d").squeeze(-1)
