"""The Tensor path of torchvision's colour/blur/perspective ops (``_functional_tensor.py``: gaussian_blur,
invert, posterize, solarize, adjust_sharpness, autocontrast, equalize, perspective) on NumPy arrays
shaped (..., C, H, W), with the same casts, rounding and clamping as torchvision."""
import numpy as np

from ._functional_array import _back_to, _check_channels, _float_of, _linspace, apply_grid, assert_image, max_value


def _need_3d(img):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")


def _conv_depthwise(x, kernel):
    """A "valid" 2-D correlation of every (H, W) plane of float ``x`` with ``kernel`` (kh, kw), summed in
    float64 and rounded once to x's dtype (PyTorch's conv2d sums in its own dtype; differences are ulps)."""
    kh, kw = kernel.shape
    oh, ow = x.shape[-2] - kh + 1, x.shape[-1] - kw + 1
    acc = np.zeros(x.shape[:-2] + (oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            acc += float(kernel[i, j]) * x[..., i:i + oh, j:j + ow].astype(np.float64)
    return acc.astype(x.dtype)


def gaussian_kernel1d(kernel_size, sigma, dtype):
    half = (kernel_size - 1) * 0.5
    x = _linspace(-half, half, kernel_size, dtype)
    pdf = np.exp(dtype.type(-0.5) * (x / dtype.type(sigma)) ** 2).astype(dtype)
    return (pdf / pdf.sum(dtype=dtype)).astype(dtype)


def gaussian_blur(img, kernel_size, sigma):
    assert_image(img)
    dtype = img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)
    kx = gaussian_kernel1d(kernel_size[0], sigma[0], dtype)
    ky = gaussian_kernel1d(kernel_size[1], sigma[1], dtype)
    kernel = (ky[:, None] * kx[None, :]).astype(dtype)
    x = img.astype(dtype, copy=False)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    if py >= x.shape[-2] or px >= x.shape[-1]:
        dim = x.ndim - 1 if px >= x.shape[-1] else x.ndim - 2
        p = px if px >= x.shape[-1] else py
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension, but got: padding "
                           f"({p}, {p}) at dimension {dim} of input {list(x.shape)}")
    widths = [(0, 0)] * (x.ndim - 2) + [(py, py), (px, px)]
    out = _conv_depthwise(np.pad(x, widths, mode="reflect"), kernel)
    return _back_to(out, img.dtype)


def invert(img):
    assert_image(img)
    _need_3d(img)
    _check_channels(img, [1, 3])
    if img.dtype == np.bool_:
        return ~img
    return (img.dtype.type(max_value(img.dtype)) - img).astype(img.dtype)


def posterize(img, bits):
    assert_image(img)
    _need_3d(img)
    if img.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found torch.{img.dtype}")
    _check_channels(img, [1, 3])
    return img & np.uint8((-int(2 ** (8 - bits))) & 0xFF)


def solarize(img, threshold):
    assert_image(img)
    _need_3d(img)
    _check_channels(img, [1, 3])
    if threshold > max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return np.where(img >= threshold, invert(img), img)


def _blurred_degenerate_image(img):
    dtype = img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)
    kernel = np.ones((3, 3), dtype)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    tmp = _back_to(_conv_depthwise(img.astype(dtype, copy=False), kernel), img.dtype)
    out = img.copy()
    out[..., 1:-1, 1:-1] = tmp
    return out


def adjust_sharpness(img, factor):
    if factor < 0:
        raise ValueError(f"sharpness_factor ({factor}) is not non-negative.")
    assert_image(img)
    _check_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    ratio = float(factor)
    degenerate = _float_of(_blurred_degenerate_image(img))
    out = np.clip(ratio * _float_of(img) + (1.0 - ratio) * degenerate, 0, max_value(img.dtype))
    return out.astype(img.dtype)


def autocontrast(img):
    assert_image(img)
    _need_3d(img)
    _check_channels(img, [1, 3])
    bound = max_value(img.dtype)
    dtype = img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)
    minimum = img.min(axis=(-2, -1), keepdims=True).astype(dtype)
    maximum = img.max(axis=(-2, -1), keepdims=True).astype(dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (dtype.type(bound) / (maximum - minimum)).astype(dtype)
    eq = ~np.isfinite(scale)
    minimum[eq] = 0
    scale[eq] = 1
    return np.clip((img.astype(dtype) - minimum) * scale, 0, bound).astype(img.dtype)


def _scale_channel(chan):
    hist = np.bincount(chan.reshape(-1), minlength=256).astype(np.int64)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum()) // 255
    if step == 0:
        return chan
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[chan.astype(np.int64)].astype(np.uint8)


def equalize(img):
    assert_image(img)
    if not (3 <= img.ndim <= 4):
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found torch.{img.dtype}")
    _check_channels(img, [1, 3])
    flat = img.reshape((-1,) + img.shape[-3:])
    out = np.stack([np.stack([_scale_channel(x[c]) for c in range(x.shape[0])]) for x in flat])
    return out.reshape(img.shape)


def perspective(img, coeffs, interpolation="bilinear", fill=None):
    """torchvision's ``_perspective_grid`` + ``_apply_grid_transform``."""
    assert_image(img)
    if len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    channels = img.shape[-3] if img.ndim >= 3 else 1
    if fill is not None and isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {channels})")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    oh, ow = img.shape[-2:]
    dtype = img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)
    c = np.asarray(coeffs, np.float64).astype(dtype)
    theta1 = np.array([[c[0], c[1], c[2]], [c[3], c[4], c[5]]], dtype)
    xs = _linspace(0.5, ow + 0.5 - 1.0, ow, np.dtype(np.float32)).astype(dtype)
    ys = _linspace(0.5, oh + 0.5 - 1.0, oh, np.dtype(np.float32)).astype(dtype)
    x = np.broadcast_to(xs[None, :], (oh, ow)).reshape(-1, 1)
    y = np.broadcast_to(ys[:, None], (oh, ow)).reshape(-1, 1)
    r1 = (theta1.T / np.array([0.5 * ow, 0.5 * oh], dtype)).astype(dtype)  # (3, 2)
    g1 = (x * r1[0] + y * r1[1]) + r1[2]
    g2 = (x * c[6] + y * c[7]) + dtype.type(1.0)
    grid = (g1 / g2 - dtype.type(1.0)).astype(dtype)
    return apply_grid(img, grid, oh, ow, interpolation, fill)
