"""Spatial transformers: affine_grid and grid_sample (bilinear / nearest; zeros, border, reflection padding),
composed from matmul, gather and elementwise Tensor ops, so gradients reach the input, the grid and theta."""
import warnings
from fractions import Fraction

import numpy as np

from ...functional import where
from ._args import _tensor_arg

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _linspace_from_neg_one(n, align_corners, dtype):
    """PyTorch's base-grid coordinates, bit for bit: its CPU linspace(-1, 1, n) computes the first half as
    fma(step, i, -1) and the second as fma(-step, n - 1 - i, 1) in the tensor's dtype (one rounding, emulated
    exactly with Fractions), then ``* (n - 1) / n`` without align_corners. The bits matter: at the identity
    transform the sampling points fall on pixel centres, where bilinear gradients jump from one side's
    difference to the other's, so one ulp decides which gradient the grid gets."""
    dtype = np.dtype(dtype)
    if n <= 1:
        return np.zeros(max(n, 1), dtype)[:n] if n == 0 else np.zeros(1, dtype)
    step = Fraction(float(dtype.type(2) / dtype.type(n - 1)))
    half = n // 2
    r = np.array([float(step * i - 1) if i < half else float(1 - step * (n - 1 - i)) for i in range(n)],
                 np.float64).astype(dtype)
    if not align_corners:
        r = r * dtype.type(n - 1) / dtype.type(n)
    return r.astype(dtype, copy=False)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) of the 2-D affine maps ``theta`` (N, 2, 3) for an output of ``size`` (N, C, H, W)."""
    _tensor_arg(theta, "affine_grid", "theta")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype.name}")
    size = list(size)
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
    elif len(size) == 5:
        raise NotImplementedError("affine_grid: 3-D (5-D size) grids are not supported by miniconv")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    n, _, h, w = size
    if theta.shape[0] != n:
        raise RuntimeError(f"Expected theta to have batch size {n}, but got {theta.shape[0]}")
    base = np.empty((h, w, 3), np.dtype(theta.dtype))
    base[..., 0] = _linspace_from_neg_one(w, align_corners, base.dtype)[None, :]
    base[..., 1] = _linspace_from_neg_one(h, align_corners, base.dtype)[:, None]
    base[..., 2] = 1
    grid = theta.new_tensor(base.reshape(1, h * w, 3)).matmul(theta.transpose(1, 2))
    return grid.reshape(n, h, w, 2)


def _unnormalize(coord, size, align_corners):
    return (coord + 1) / 2 * (size - 1) if align_corners else ((coord + 1) * size - 1) / 2


def _reflect(x, twice_low, twice_high):
    if twice_low == twice_high:
        return x * 0
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    d = (x - lo).abs()
    flips = (d.detach() / span).floor()
    extra = d - flips * span
    return where(flips.remainder(2) == 0, extra + lo, span - extra + lo)


def _clip(x, size):
    """x clamped to [0, size - 1] with PyTorch's gradient: 1 strictly inside, 0 on and beyond either edge
    (``clamp`` passes the gradient on the edges, where identity grids put the border pixels)."""
    inside = (x.detach() > 0) & (x.detach() < size - 1)
    return where(inside, x, x.detach().clamp(0, size - 1))


def _source(coord, size, padding_mode, align_corners):
    x = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        x = _clip(x, size)
    elif padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
        x = _clip(x, size)
    return x


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):  # noqa: A002
    """Sample ``input`` (N, C, H, W) at the normalised (x, y) locations of ``grid`` (N, Ho, Wo, 2) in [-1, 1]."""
    _tensor_arg(input, "grid_sample")
    _tensor_arg(grid, "grid_sample", "grid")
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample(mode='bicubic') is not supported by miniconv")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.ndim != 4:
        raise RuntimeError(f"grid_sampler(): miniconv supports 4-D input (N, C, H, W), got {input.ndim}-D input")
    if grid.ndim != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    n, c, h, w = input.shape
    ho, wo = grid.shape[1:3]
    x = _source(grid[..., 0], w, padding_mode, align_corners).reshape(n, 1, ho * wo)
    y = _source(grid[..., 1], h, padding_mode, align_corners).reshape(n, 1, ho * wo)
    flat = input.reshape(n, c, h * w)

    def tap(ix, iy):
        """input at integer (ix, iy) arrays (N, 1, P); 0 outside the image."""
        inside = (ix >= 0) & (ix <= w - 1) & (iy >= 0) & (iy <= h - 1)
        idx = (np.clip(iy, 0, h - 1) * w + np.clip(ix, 0, w - 1)).astype(np.int64)
        vals = flat.gather(2, flat.new_tensor(np.broadcast_to(idx, (n, c, ho * wo)).copy()).long())
        return where(flat.new_tensor(inside).bool(), vals, 0.0)

    if mode == "nearest":
        ix = np.rint(x.detach().numpy()).astype(np.int64)
        iy = np.rint(y.detach().numpy()).astype(np.int64)
        out = tap(ix, iy).reshape(n, c, ho, wo)
        if grid.requires_grad:  # PyTorch gives the grid a zero gradient in nearest mode (not none)
            out = out + where(grid.new_zeros((1,)).bool(), grid.sum(), 0.0)
        return out
    x0 = np.floor(x.detach().numpy())
    y0 = np.floor(y.detach().numpy())
    wx1 = x - x.new_tensor(x0)
    wy1 = y - y.new_tensor(y0)
    wx0, wy0 = 1 - wx1, 1 - wy1
    ix0, iy0 = x0.astype(np.int64), y0.astype(np.int64)
    out = (tap(ix0, iy0) * (wx0 * wy0) + tap(ix0 + 1, iy0) * (wx1 * wy0)
           + tap(ix0, iy0 + 1) * (wx0 * wy1) + tap(ix0 + 1, iy0 + 1) * (wx1 * wy1))
    return out.reshape(n, c, ho, wo)
