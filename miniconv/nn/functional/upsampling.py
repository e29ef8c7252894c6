"""Resampling: interpolate (nearest, nearest-exact, linear, bilinear, trilinear, area), upsample*, pixel_shuffle,
pixel_unshuffle, channel_shuffle. interpolate's nearest and linear modes are one node (``_Resize``: gathers per
axis forward, the transposed interpolation matrices backward); the others are composed from indexing, reshape
and permute, whose Functions give the gradients."""
import math
import numbers
import warnings

import numpy as np

from ...autograd import ArrayFunction
from ...autograd.composite import composite, recomputed_backward
from ._args import _tensor_arg
from .pooling import adaptive_avg_pool2d

_ALIGN_MODES = "linear | bilinear | bicubic | trilinear"


def _source_scale(in_size, out_size, scale, align_corners, dtype):
    """PyTorch's area_pixel_compute_scale in the op's accumulation type."""
    if align_corners:
        return dtype.type((in_size - 1) / (out_size - 1)) if out_size > 1 else dtype.type(0)
    if scale is not None and scale > 0:
        return dtype.type(1.0) / dtype.type(scale)
    return dtype.type(in_size) / dtype.type(out_size)


def _nearest_index(in_size, out_size, scale, exact):
    dst = np.arange(out_size)
    if not exact and out_size == in_size:
        return dst
    if not exact and out_size == 2 * in_size:
        return dst >> 1
    s = _source_scale(in_size, out_size, scale, False, np.dtype(np.float32))
    pos = (dst.astype(np.float32) + np.float32(0.5)) * s if exact else dst.astype(np.float32) * s
    return np.minimum(np.floor(pos).astype(np.int64), in_size - 1)


def _take(x, axis, index):
    return x[(slice(None),) * axis + (index,)]


def _linear_along(x, axis, out_size, scale, align_corners):
    """Linear interpolation of ``x`` along ``axis`` with PyTorch's source indices and weights."""
    i0, w0, i1, w1 = _axis_weights(x.shape[axis], out_size, scale, "linear", align_corners, np.dtype(x.dtype))
    shape = [1] * x.ndim
    shape[axis] = out_size
    return x.new_tensor(w0.reshape(shape)) * _take(x, axis, i0) + x.new_tensor(w1.reshape(shape)) * _take(x, axis, i1)


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
    ``'bilinear'`` (4-D input), ``'trilinear'`` (5-D input; ``align_corners`` True or False for the three),
    ``'area'`` (adaptive average pooling). Linear modes interpolate one axis after another, last axis first.
    """
    _tensor_arg(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: " + _ALIGN_MODES)
    elif align_corners is None:
        align_corners = False
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by miniconv")
    _needs = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in _needs and input.ndim in (3, 4, 5) and input.ndim != _needs[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_needs[mode]}D input")
    if input.ndim not in (3, 4, 5) or mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear",
                                                   "area"):
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported"
            f" (got {input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | "
            f"area | nearest-exact (got {mode})" if input.ndim not in (3, 4, 5) else
            f"miniconv's interpolate supports the modes nearest, nearest-exact, linear, bilinear, trilinear and "
            f"area (got {mode})")
    out_size, scales = _output_size(input, size, scale_factor, recompute_scale_factor or mode == "area")
    for o, i in zip(out_size, input.shape[2:]):
        if o <= 0 or i <= 0:
            raise RuntimeError(
                f"Input and output sizes should be greater than 0, but got input ({', '.join(map(str, input.shape[2:]))}) "
                f"and output ({', '.join(map(str, out_size))})")
    if mode == "area":
        if input.ndim == 3:
            return adaptive_avg_pool2d(input.unsqueeze(2), (1, out_size[0])).squeeze(2)
        if input.ndim == 5:
            from .volumetric import adaptive_avg_pool3d
            return adaptive_avg_pool3d(input, tuple(out_size))
        return adaptive_avg_pool2d(input, tuple(out_size))
    if input.dtype.kind != "f" and mode in ("linear", "bilinear", "trilinear"):
        raise NotImplementedError(f"\"upsample_{mode}{input.ndim - 2}d_out_frame\" not implemented for '"
                                  f"{input.dtype.name}'")
    d = input.ndim - 2
    name = _UPSAMPLE_NODE_NAMES[mode].format(d)  # PyTorch's node, one for the whole resize
    if input.dtype.kind != "f":  # integer nearest: no gradient, the composition's indexing
        return _resize(input, mode, out_size, scales, align_corners)
    return _Resize.apply(input, mode, tuple(out_size), tuple(scales), align_corners, name)


_UPSAMPLE_NODE_NAMES = {"nearest": "UpsampleNearest{}DBackward0", "nearest-exact": "UpsampleNearestExact{}DBackward0",
                        "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
                        "trilinear": "UpsampleTrilinear3DBackward0"}


def _axis_weights(in_size, out_size, scale, mode, align_corners, dtype):
    """Output position o along one axis reads ``w0[o] * x[i0[o]] + w1[o] * x[i1[o]]`` (PyTorch's indices and
    weights; nearest modes: one index, w1 None)."""
    if mode in ("nearest", "nearest-exact"):
        return _nearest_index(in_size, out_size, scale, mode == "nearest-exact"), None, None, None
    s = _source_scale(in_size, out_size, scale, align_corners, dtype)
    dst = np.arange(out_size).astype(dtype)
    src = s * dst if align_corners else np.maximum(s * (dst + dtype.type(0.5)) - dtype.type(0.5), dtype.type(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam1 = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return i0, (dtype.type(1) - lam1), i0 + (i0 < in_size - 1), lam1


class _Resize(ArrayFunction):
    """interpolate's nearest and linear modes on arrays, one axis after another (last first, as PyTorch's
    kernels): a gather (and a weighted sum of two gathers) per axis, the same arithmetic as ``_resize``; the
    backward multiplies each axis by the transposed (out, in) interpolation matrix, first axis first."""

    @staticmethod
    def forward(ctx, x, mode, out_size, scales, align_corners, name):
        ctx._torch_name = name
        dt = np.dtype(x.dtype)
        plan = []
        for k in reversed(range(x.ndim - 2)):
            axis = k + 2
            i0, w0, i1, w1 = _axis_weights(x.shape[axis], out_size[k], scales[k], mode, align_corners, dt)
            plan.append((axis, x.shape[axis], i0, w0, i1, w1))
            if w0 is None:
                x = np.take(x, i0, axis=axis)
            else:
                shape = [1] * x.ndim
                shape[axis] = out_size[k]
                x = w0.reshape(shape) * np.take(x, i0, axis=axis) + w1.reshape(shape) * np.take(x, i1, axis=axis)
        ctx.plan, ctx.args = plan, (mode, out_size, scales, align_corners)
        return x

    @staticmethod
    def backward(ctx, g):
        for axis, in_size, i0, w0, i1, w1 in reversed(ctx.plan):
            m = np.zeros((len(i0), in_size), g.dtype)  # m[o, i]: the weight of input i in output o
            rows = np.arange(len(i0))
            if w0 is None:
                np.add.at(m, (rows, i0), 1)
            else:
                np.add.at(m, (rows, i0), w0)
                np.add.at(m, (rows, i1), w1)
            g = np.moveaxis(np.moveaxis(g, axis, -1) @ m, -1, axis)
        return np.ascontiguousarray(g), None, None, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: the resize again with Tensor ops (it is linear: the input's values do not matter),
        differentiated on the graph."""
        mode, out_size, scales, align_corners = ctx.args
        shape = list(g._data.shape)
        for axis, in_size, *_ in ctx.plan:
            shape[axis] = in_size
        zeros = np.broadcast_to(np.zeros((), g._data.dtype), shape)

        def fn(x, *_):
            return _resize(x, mode, out_size, scales, align_corners)

        return recomputed_backward(ctx, fn, (zeros, None, None, None, None, None), (g,))


def _resize(x, mode, out_size, scales, align_corners):
    shape = x.shape
    for k in reversed(range(x.ndim - 2)):  # last axis first, as PyTorch's kernels
        axis = k + 2
        if mode in ("nearest", "nearest-exact"):
            x = _take(x, axis, _nearest_index(shape[axis], out_size[k], scales[k], mode == "nearest-exact"))
        else:
            x = _linear_along(x, axis, out_size[k], scales[k], align_corners)
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
