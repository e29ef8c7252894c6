"""Resampling: interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area; bilinear, bicubic and
lanczos antialiased), upsample*, pixel_shuffle, pixel_unshuffle, channel_shuffle. interpolate's nearest, linear, bicubic
and antialiased modes are one node (``_Resize``: gathers per axis forward, the transposed interpolation matrices
backward; the bicubic and antialiased taps in ``_resample``); the others are composed from indexing, reshape and
permute, whose Functions give the gradients."""
import math
import numbers
import warnings

import numpy as np

from ...autograd import ArrayFunction
from ...dtypes import torch_dtype_name
from ...autograd.composite import composite, recomputed_backward
from . import _resample
from ._args import _tensor_arg
from .pooling import adaptive_avg_pool2d

_ALIGN_MODES = "linear | bilinear | bicubic | trilinear"


def _nearest_index(in_size, out_size, scale, exact):
    dst = np.arange(out_size)
    if not exact and out_size == in_size:
        return dst
    if not exact and out_size == 2 * in_size:
        return dst >> 1
    s = _resample.compute_scale(in_size, out_size, scale, False, np.dtype(np.float32))
    pos = (dst.astype(np.float32) + np.float32(0.5)) * s if exact else dst.astype(np.float32) * s
    return np.minimum(np.floor(pos).astype(np.int64), in_size - 1)


def _take(x, axis, index):
    return x[(slice(None),) * axis + (index,)]


def _output_size(input, size, scale_factor, recompute_scale_factor):  # noqa: A002
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(isinstance(s, numbers.Integral) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            return [int(s) for s in size], [None] * dim
        return [int(size)] * dim, [None] * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {list(input.shape[2:])} and "
                f"scale_factor of shape {scale_factor}. "
                "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                "scale_factor in (s1, s2, ...,sK) format.")
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dim
    out = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(dim)]
    return out, [None] * dim if recompute_scale_factor else scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,  # noqa: A002
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dimensions of an (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor``.

    Modes: ``'nearest'`` (PyTorch's floor rule), ``'nearest-exact'``, ``'linear'`` (3-D input),
    ``'bilinear'`` and ``'bicubic'`` (4-D input; cubic convolution with A = -0.75, border taps clamped),
    ``'trilinear'`` (5-D input; ``align_corners`` True or False for the four), ``'area'`` (adaptive average
    pooling), ``'lanczos'`` (4-D input, Lanczos-3, needs ``antialias=True``). ``antialias=True`` (bilinear,
    bicubic, lanczos): when downsampling, the filter is stretched over
    ``scale`` input pixels and its weights normalised per output pixel (PIL's resampling; torchvision's
    ``Resize`` on tensors). Interpolation runs one axis after another, last axis first.

    >>> x = miniconv.arange(16.).reshape(1, 1, 4, 4)
    >>> tuple(F.interpolate(x, size=(2, 2), mode="bicubic", antialias=True).shape)
    (1, 1, 2, 2)
    """
    _tensor_arg(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: " + _ALIGN_MODES)
    elif align_corners is None:
        align_corners = False
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    out_size, scales = _output_size(input, size, scale_factor, recompute_scale_factor or mode == "area")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    _needs = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in _needs and input.ndim in (3, 4, 5) and input.ndim != _needs[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_needs[mode]}D input")
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    known = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
    if not (mode in known and input.ndim in (3, 4, 5) or mode in ("bicubic", "lanczos") and input.ndim == 4):
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported"
            f" (got {input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | "
            f"area | nearest-exact (got {mode})")
    sizes_in = list(input.shape[2:])
    if any(o <= 0 for o in out_size) or any(i <= 0 for i in sizes_in):
        if input.ndim == 4:
            raise RuntimeError(f"Input and output sizes should be greater than 0, but got input (H: {sizes_in[0]}, "
                               f"W: {sizes_in[1]}) output (H: {out_size[0]}, W: {out_size[1]})")
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({', '.join(map(str, sizes_in))}) "
            f"and output ({', '.join(map(str, out_size))})")
    if mode == "area":
        if input.ndim == 3:
            return adaptive_avg_pool2d(input.unsqueeze(2), (1, out_size[0])).squeeze(2)
        if input.ndim == 5:
            from .volumetric import adaptive_avg_pool3d
            return adaptive_avg_pool3d(input, tuple(out_size))
        return adaptive_avg_pool2d(input, tuple(out_size))
    if mode in ("bicubic", "lanczos") or antialias:
        if input.shape[1] == 0:
            raise RuntimeError(f"Non-empty 4D data tensor expected but got a tensor with sizes {list(input.shape)}")
        if input.dtype.kind != "f" and input.dtype != np.uint8:
            kernel = "compute_index_ranges_weights" if antialias else "compute_indices_weights_cubic"
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_dtype_name(input.dtype)}'")
        if input.dtype == np.float16 and antialias:
            raise NotImplementedError("\"compute_index_ranges_weights\" not implemented for 'Half'")
    if input.dtype == np.uint8 and mode in ("bilinear", "bicubic", "lanczos"):  # PyTorch's int16 kernels
        return input.new_tensor(_resample.resize_uint8(input.numpy(), out_size, scales, align_corners, mode,
                                                       bool(antialias)))
    if input.dtype.kind != "f" and mode in ("linear", "bilinear", "trilinear"):
        kernel = "upsample_bilinear2d_channels_last" if mode == "bilinear" else "compute_indices_weights_linear"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_dtype_name(input.dtype)}'")
    d = input.ndim - 2
    name = _UPSAMPLE_NODE_NAMES[mode].format(d)  # PyTorch's node, one for the whole resize
    if antialias:
        mode = mode + "-aa"
        name = name.replace("2DBackward0", "2DAaBackward0")
    if input.dtype.kind != "f":  # integer nearest: no gradient, the composition's indexing
        return _resize(input, mode, out_size, scales, align_corners)
    return _Resize.apply(input, mode, tuple(out_size), tuple(scales), align_corners, name)


_UPSAMPLE_NODE_NAMES = {"nearest": "UpsampleNearest{}DBackward0", "nearest-exact": "UpsampleNearestExact{}DBackward0",
                        "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
                        "bicubic": "UpsampleBicubic2DBackward0", "lanczos": "UpsampleLanczos2DBackward0",
                        "trilinear": "UpsampleTrilinear3DBackward0"}


def _axis_taps(in_size, out_size, scale, mode, align_corners, dtype):
    """Output position o along one axis reads ``sum_k w[k, o] * x[idx[k, o]]``: (idx (K, out), w (K, out) or
    None for the nearest modes, the order PyTorch adds the taps in, the taps it adds unfused (see _resample)."""
    if mode in ("nearest", "nearest-exact"):
        return _nearest_index(in_size, out_size, scale, mode == "nearest-exact")[None], None, None, None
    if mode == "bicubic":
        return (*_resample.cubic_taps(in_size, out_size, scale, align_corners, dtype), _resample.CUBIC_ORDER, None)
    if mode.endswith("-aa"):
        idx, w, unfused = _resample.aa_taps(in_size, out_size, scale, align_corners, mode[:-3], dtype)
        return idx, w, None, unfused
    s = _resample.compute_scale(in_size, out_size, scale, align_corners, dtype)
    dst = np.arange(out_size).astype(dtype)
    src = s * dst if align_corners else np.maximum(s * (dst + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam1 = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return np.stack([i0, i0 + (i0 < in_size - 1)]), np.stack([dtype.type(1) - lam1, lam1]), None, None


def _resize_array(x, mode, out_size, scales, align_corners):
    """The resize on an array, one axis after another (last first, as PyTorch's kernels); returns it and the
    plan [(axis, in_size, idx, w)] the backward transposes. As PyTorch, the antialiased modes leave an axis
    whose size stays as it is (even with a scale_factor: their backward still resamples it), and the bicubic
    backward is a copy when no size changes."""
    plan = []
    dt = np.dtype(x.dtype)
    work = np.dtype(np.float32) if dt == np.float16 else dt  # the taps in PyTorch's opmath type
    for k in reversed(range(x.ndim - 2)):
        axis = k + 2
        idx, w, order, unfused = _axis_taps(x.shape[axis], out_size[k], scales[k], mode, align_corners, work)
        plan.append((axis, x.shape[axis], idx, w))
        if mode.endswith("-aa") and x.shape[axis] == out_size[k]:
            continue
        if w is None:
            x = np.take(x, idx[0], axis=axis)
        elif mode in ("linear", "bilinear", "trilinear"):  # w0 * x0 + w1 * x1, rounded after each step
            shape = [1] * x.ndim
            shape[axis] = out_size[k]
            x = (w[0].reshape(shape) * np.take(x, idx[0], axis=axis)
                 + w[1].reshape(shape) * np.take(x, idx[1], axis=axis)).astype(dt, copy=False)
        else:
            x = _resample.apply_taps(x, axis, idx, w, order, unfused)
    if mode == "bicubic" and all(in_size == out_size[axis - 2] for axis, in_size, *_ in plan):
        plan = []
    return x, plan


class _Resize(ArrayFunction):
    """interpolate's nearest, linear, bicubic and antialiased modes on arrays (``_resize_array``: a gather, or
    a weighted sum of gathers, per axis, the same arithmetic as PyTorch's kernels); the backward multiplies
    each axis by the transposed (out, in) interpolation matrix, first axis first."""

    @staticmethod
    def forward(ctx, x, mode, out_size, scales, align_corners, name):
        ctx._torch_name = name
        out, ctx.plan = _resize_array(x, mode, out_size, scales, align_corners)
        ctx.args, ctx.in_shape = (mode, out_size, scales, align_corners), x.shape
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        dt = g.dtype
        work = np.float32 if dt == np.float16 else dt
        g = g.astype(work, copy=False)
        for axis, in_size, idx, w in reversed(ctx.plan):
            m = _resample.taps_matrix(in_size, idx, np.ones(idx.shape) if w is None else w, work)
            g = _resample.apply_matrix_transposed(g, axis, m)
        return np.ascontiguousarray(g, dtype=dt), None, None, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: the resize again with Tensor ops (it is linear: the input's values do not matter),
        differentiated on the graph."""
        mode, out_size, scales, align_corners = ctx.args
        zeros = np.broadcast_to(np.zeros((), g._data.dtype), ctx.in_shape)

        def fn(x, *_):
            return _resize(x, mode, out_size, scales, align_corners)

        return recomputed_backward(ctx, fn, (zeros, None, None, None, None, None), (g,))


def _resize(x, mode, out_size, scales, align_corners):
    """The resize with Tensor ops (gathers and weighted sums, differentiable), axis by axis as ``_resize_array``."""
    dt = np.dtype(x.dtype)
    for k in reversed(range(x.ndim - 2)):  # last axis first, as PyTorch's kernels
        axis = k + 2
        if mode.endswith("-aa") and x.shape[axis] == out_size[k]:
            continue
        idx, w = _axis_taps(x.shape[axis], out_size[k], scales[k], mode, align_corners, dt)[:2]
        if w is None:
            x = _take(x, axis, idx[0])
            continue
        shape = [1] * x.ndim
        shape[axis] = out_size[k]
        terms = [x.new_tensor(w[j].reshape(shape)) * _take(x, axis, idx[j]) for j in range(len(idx))]
        x = terms[0]
        for t in terms[1:]:
            x = x + t
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """Deprecated spelling of ``interpolate`` (warns, as PyTorch)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r)."""
    _tensor_arg(input, "pixel_shuffle")
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    lead = tuple(input.shape[:-3])
    n = len(lead)

    def shuffle(x):
        x = x.reshape(lead + (c // (r * r), r, r, h, w))
        x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
        return x.reshape(lead + (c // (r * r), h * r, w * r))

    return composite("PixelShuffleBackward0", shuffle, (input,), saved=())


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W)."""
    _tensor_arg(input, "pixel_unshuffle")
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)"
                           f"={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)"
                           f"={w} is not divisible by {r}")
    lead = tuple(input.shape[:-3])
    n = len(lead)

    def unshuffle(x):
        x = x.reshape(lead + (c, h // r, r, w // r, r))
        x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
        return x.reshape(lead + (c * r * r, h // r, w // r))

    return composite("PixelUnshuffleBackward0", unshuffle, (input,), saved=())


def channel_shuffle(input, groups):  # noqa: A002
    """(N, g * k, *) -> channels regrouped as (N, k * g, *) (ShuffleNet's shuffle)."""
    _tensor_arg(input, "channel_shuffle")
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    n, rest = input.shape[0], tuple(input.shape[2:])
    return input.reshape((n, groups, c // groups) + rest).transpose(1, 2).reshape((n, c) + rest)
