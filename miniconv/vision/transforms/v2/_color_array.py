"""v2's colour kernels for Tensors (``transforms/v2/functional/_color.py``), on NumPy arrays (..., C, H, W).
They compute differently from v1's: ``a.add_(b, alpha=k)`` is a fused multiply-add in PyTorch's CPU kernel
(done here in float64 and rounded once), grayscale is not truncated before blending, HSV uses
multiplications by 1/6, uint8 <-> float goes through ``to_dtype`` (x * (1/255)); uint8 results are then
truncated as ``.to(uint8)`` does."""
import numpy as np

from .. import _functional_array as F_a
from .._functional_array_extra import _conv_depthwise

_F32 = np.float32


def _fma(a, b, alpha):
    """``a + alpha * b`` rounded once to float32 (PyTorch's vectorised add with alpha)."""
    return (a.astype(np.float64) + np.float64(_F32(alpha)) * b.astype(np.float64)).astype(a.dtype)


def _work(img):
    return img if img.dtype.kind == "f" else img.astype(_F32)


def _finish(out, img):
    out = np.clip(out, 0, F_a.max_value(img.dtype))
    return out if img.dtype.kind == "f" else out.astype(img.dtype)


def _check(img):
    c = img.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {c}")


def blend(img1, img2, ratio):
    x1 = (_work(img1) * _work(img1).dtype.type(ratio)).astype(_work(img1).dtype)
    return _finish(_fma(x1, _work(img2), 1.0 - float(ratio)), img1)


def grayscale_float(img):
    x = _work(img)
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    out = _fma(_fma((r * x.dtype.type(0.2989)).astype(x.dtype), g, 0.587), b, 0.114)
    return out[..., None, :, :]


def rgb_to_grayscale(img, num_output_channels):
    if img.shape[-3] == 1:
        out = img.copy()
    else:
        out = grayscale_float(img).astype(img.dtype)
    if num_output_channels == 3:
        out = np.ascontiguousarray(np.broadcast_to(out, out.shape[:-3] + (3,) + out.shape[-2:]))
    return out


def adjust_brightness(img, factor):
    if factor < 0:
        raise ValueError(f"brightness_factor ({factor}) is not non-negative.")
    _check(img)
    x = _work(img)
    return _finish((x * x.dtype.type(factor)).astype(x.dtype), img)


def adjust_saturation(img, factor):
    if factor < 0:
        raise ValueError(f"saturation_factor ({factor}) is not non-negative.")
    _check(img)
    if img.shape[-3] == 1:
        return img
    gray = grayscale_float(img)
    if img.dtype.kind != "f":
        gray = np.floor(gray)
    return blend(img, gray, factor)


def adjust_contrast(img, factor):
    if factor < 0:
        raise ValueError(f"contrast_factor ({factor}) is not non-negative.")
    _check(img)
    if img.shape[-3] == 3:
        gray = grayscale_float(img)
        if img.dtype.kind != "f":
            gray = np.floor(gray)
    else:
        gray = _work(img)
    mean = gray.mean(axis=(-3, -2, -1), keepdims=True, dtype=np.float64).astype(gray.dtype)
    return blend(img, mean, factor)


def _rgb_to_hsv(x):
    r, g = x[..., 0, :, :], x[..., 1, :, :]
    minc, maxc = x.min(axis=-3), x.max(axis=-3)
    eqc = maxc == minc
    ones = np.ones_like(maxc)
    s = maxc - minc
    s = (s / np.where(eqc, ones, maxc)).astype(x.dtype)
    divisor = np.where(eqc, ones, maxc - minc)[..., None, :, :]
    rgbc = ((maxc[..., None, :, :] - x) / divisor).astype(x.dtype)
    rc, gc, bc = rgbc[..., 0, :, :], rgbc[..., 1, :, :], rgbc[..., 2, :, :]
    neq_r = maxc != r
    eq_g = maxc == g
    hg = ((rc + x.dtype.type(2.0)) - bc) * (eq_g & neq_r)
    hr = (bc - gc) * (~neq_r)
    hb = ((gc + x.dtype.type(4.0)) - rc) * (neq_r & ~eq_g)
    h = ((hr + hg) + hb).astype(x.dtype)
    h = np.fmod((h * x.dtype.type(1.0 / 6.0)).astype(x.dtype) + x.dtype.type(1.0), x.dtype.type(1.0))
    return h.astype(x.dtype), s, maxc


def _hsv_to_rgb(h, s, v):
    dt = h.dtype.type
    h6 = (h * dt(6)).astype(h.dtype)
    i = np.floor(h6)
    f = h6 - i
    i = i.astype(np.int32) % 6
    sxf = s * f
    one_minus_s = dt(1.0) - s
    q = np.clip((dt(1.0) - sxf) * v, 0.0, 1.0).astype(h.dtype)
    t = np.clip((sxf + one_minus_s) * v, 0.0, 1.0).astype(h.dtype)
    p = np.clip(one_minus_s * v, 0.0, 1.0).astype(h.dtype)
    vpqt = np.stack((v, p, q, t), axis=-3)
    select = np.array([[0, 2, 1, 1, 3, 0], [3, 0, 0, 2, 1, 1], [1, 1, 3, 0, 0, 2]])
    idx = select[:, i]  # (3, ..., H, W)
    idx = np.moveaxis(idx, 0, -3)
    return np.take_along_axis(vpqt, idx, axis=-3)


def adjust_hue(img, factor):
    if not (-0.5 <= factor <= 0.5):
        raise ValueError(f"hue_factor ({factor}) is not in [-0.5, 0.5].")
    _check(img)
    if img.shape[-3] == 1 or img.size == 0:
        return img
    x = img.astype(_F32) if img.dtype.kind == "f" else (img.astype(_F32) * _F32(1.0 / F_a.max_value(img.dtype)))
    h, s, v = _rgb_to_hsv(x.astype(_F32))
    h = np.mod(h + _F32(factor), _F32(1.0)).astype(_F32)
    out = _hsv_to_rgb(h, s, v)
    if img.dtype.kind == "f":
        return out.astype(img.dtype)
    return (out * _F32(float(F_a.max_value(img.dtype)) + 1.0 - 1e-3)).astype(img.dtype)


def adjust_sharpness(img, factor):
    c, h, w = img.shape[-3:]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor can have 1 or 3 channels, but found {c}")
    if factor < 0:
        raise ValueError(f"sharpness_factor ({factor}) is not non-negative.")
    if img.size == 0 or h <= 2 or w <= 2:
        return img
    x = _work(img).copy()
    a, b = 1.0 / 13.0, 5.0 / 13.0
    kernel = np.array([[a, a, a], [a, b, a], [a, a, a]], x.dtype)
    blurred = _conv_depthwise(x, kernel)
    if img.dtype.kind != "f":
        blurred = np.round(blurred)
    view = x[..., 1:-1, 1:-1]
    x[..., 1:-1, 1:-1] = _fma(view, (blurred - view).astype(x.dtype), 1.0 - factor)
    return _finish(x, img)


def autocontrast(img):
    """v2's: ``(x - min) / ((max - min) * (1 / bound))`` per channel."""
    c = img.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {c}")
    if img.size == 0:
        return img
    bound = F_a.max_value(img.dtype)
    x = _work(img)
    minimum = x.min(axis=(-2, -1), keepdims=True)
    maximum = x.max(axis=(-2, -1), keepdims=True)
    eq = maximum == minimum
    inv_scale = ((maximum - minimum) * x.dtype.type(1.0 / bound)).astype(x.dtype)
    minimum = np.where(eq, x.dtype.type(0.0), minimum)
    inv_scale = np.where(eq, x.dtype.type(1.0), inv_scale)
    out = ((x - minimum) / inv_scale).astype(x.dtype)
    return np.clip(out, 0, bound).astype(img.dtype)
