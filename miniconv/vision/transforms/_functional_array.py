"""The Tensor path of the transforms, on NumPy arrays shaped (..., C, H, W), uint8 or float.

Each function follows torchvision's ``_functional_tensor.py`` step by step (same casts, same rounding,
same clamping) so results equal torchvision's to float rounding. Resizing is not here: it is
``nn.functional.interpolate`` on Tensors (``functional._resize_tensor``), as torchvision's. Rotations and
affine maps sample on the grid torchvision builds for ``grid_sample(align_corners=False,
padding_mode="zeros")``.
"""

import numpy as np

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.int32): 2**31 - 1, np.dtype(np.int64): 2**63 - 1}


def max_value(dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return 1
    return _INT_MAX.get(dtype, 1.0)


def assert_image(img):
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def dimensions(img):
    assert_image(img)
    c = 1 if img.ndim == 2 else img.shape[-3]
    return [c, img.shape[-2], img.shape[-1]]


def _float_of(img):
    return img if img.dtype.kind == "f" else img.astype(np.float32)


def _back_to(img, dtype):
    """torchvision's ``_cast_squeeze_out``: round before casting to an integer dtype."""
    if img.dtype == dtype:
        return img
    if np.dtype(dtype).kind in "iu":
        img = np.round(img)
    return img.astype(dtype)


def convert_image_dtype(image, dtype):
    dtype = np.dtype(dtype)
    if image.dtype == dtype:
        return image
    if image.dtype.kind == "f":
        if dtype.kind == "f":
            return image.astype(dtype)
        if (image.dtype == np.float32 and dtype in (np.int32, np.int64)) or (
                image.dtype == np.float64 and dtype == np.int64):
            raise RuntimeError(f"The cast from torch.{image.dtype} to torch.{np.dtype(dtype).name} cannot be performed safely.")
        eps = 1e-3
        max_val = float(max_value(dtype))
        return (image * image.dtype.type(max_val + 1.0 - eps)).astype(dtype)
    input_max = float(max_value(image.dtype))
    if dtype.kind == "f":
        return image.astype(dtype) / dtype.type(input_max)
    output_max = float(max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return (image // factor).astype(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.astype(dtype) * dtype.type(factor)


# -- geometry without resampling ---------------------------------------------------------------------
def crop(img, top, left, height, width):
    h, w = img.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right].copy()


def parse_padding(padding):
    """torchvision's ``_parse_pad_padding``: int, [all], [lr, tb] or [l, t, r, b] -> [l, r, t, b]."""
    if isinstance(padding, int):
        pad_left = pad_right = pad_top = pad_bottom = padding
    elif len(padding) == 1:
        pad_left = pad_right = pad_top = pad_bottom = padding[0]
    elif len(padding) == 2:
        pad_left = pad_right = padding[0]
        pad_top = pad_bottom = padding[1]
    else:
        pad_left, pad_top, pad_right, pad_bottom = padding[0], padding[1], padding[2], padding[3]
    return [pad_left, pad_right, pad_top, pad_bottom]


def pad(img, padding, fill=0, padding_mode="constant"):
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, right, top, bottom = parse_padding(padding)
    # negative padding crops, as in torchvision
    h, w = img.shape[-2:]
    img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    left, right, top, bottom = (max(p, 0) for p in (left, right, top, bottom))
    widths = [(0, 0)] * (img.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return np.pad(img, widths, mode="constant", constant_values=np.asarray(fill).astype(img.dtype))
    if padding_mode == "reflect" and (max(top, bottom) >= img.shape[-2] or max(left, right) >= img.shape[-1]):
        raise RuntimeError(
            f"Padding size should be less than the corresponding input dimension, but got: padding "
            f"({left}, {right}) at dimension {img.ndim - 1} of input {list(img.shape)}"
        )
    return np.pad(img, widths, mode=padding_mode)


def hflip(img):
    return img[..., ::-1].copy()


def vflip(img):
    return img[..., ::-1, :].copy()


# -- resampling (resize: nn.functional.interpolate, see functional._resize_tensor) ------------------
def _linspace(start, end, steps, dtype):
    """torch.linspace's values as its CPU kernel computes them: ends and step rounded to ``dtype``, then
    ``start + step * i`` for the first half and ``end - step * (steps - 1 - i)`` for the second, each a
    fused multiply-add (one rounding; done here in float64, then rounded to ``dtype``)."""
    if steps == 1:
        return np.array([start], dtype)
    f = dtype.type
    start, end = f(start), f(end)
    step = f((end - start) / f(steps - 1))
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    wide = np.where(i < half, np.float64(start) + np.float64(step) * i,
                    np.float64(end) - np.float64(step) * (steps - 1 - i))
    return wide.astype(dtype)


def _affine_grid(theta, w, h, ow, oh):
    """torchvision's ``_gen_affine_grid``: sampling positions in [-1, 1] for each output pixel,
    ``[x, y, 1] @ (theta.T / [w/2, h/2])`` summed term by term in the image's float dtype as PyTorch does."""
    dtype = theta.dtype
    xs = _linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, ow, dtype)
    ys = _linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, oh, dtype)
    r = (theta.T / np.array([0.5 * w, 0.5 * h], dtype)).astype(dtype)  # (3, 2)
    x = np.broadcast_to(xs[None, :, None], (oh, ow, 1)).reshape(-1, 1)
    y = np.broadcast_to(ys[:, None, None], (oh, ow, 1)).reshape(-1, 1)
    return (x * r[0] + y * r[1]) + r[2]  # (oh*ow, 2)


def _grid_sample(x, grid, oh, ow, mode):
    """``grid_sample(align_corners=False, padding_mode="zeros")`` of (N, C, H, W) at ``grid`` (P, 2)."""
    n, c, h, w = x.shape
    ix = ((grid[:, 0] + 1) * w - 1) / 2
    iy = ((grid[:, 1] + 1) * h - 1) / 2
    flat = x.reshape(n, c, h * w)
    out = np.zeros((n, c, grid.shape[0]), x.dtype)

    def gather(yy, xx, weight):
        ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        idx = np.where(ok, yy * w + xx, 0)
        return flat[:, :, idx] * np.where(ok, weight, 0).astype(x.dtype)

    if mode == "nearest":
        out += gather(np.rint(iy).astype(np.int64), np.rint(ix).astype(np.int64), np.ones_like(ix))
    else:
        x0, y0 = np.floor(ix), np.floor(iy)
        tx, ty = ix - x0, iy - y0
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        out += gather(y0, x0, (1 - tx) * (1 - ty))
        out += gather(y0, x0 + 1, tx * (1 - ty))
        out += gather(y0 + 1, x0, (1 - tx) * ty)
        out += gather(y0 + 1, x0 + 1, tx * ty)
    return out.reshape(n, c, oh, ow)


def affine_output_size(matrix, w, h):
    """torchvision's ``_compute_affine_output_size`` (the canvas of ``rotate(expand=True)``)."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], np.float32)
    theta = np.asarray(matrix, np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    min_vals = new_pts.min(axis=0) + np.array((w * 0.5, h * 0.5), np.float32)
    max_vals = new_pts.max(axis=0) + np.array((w * 0.5, h * 0.5), np.float32)
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def grid_transform(img, matrix, interpolation, fill, out_size=None):
    """Sample ``img`` through the inverse affine ``matrix`` (torchvision's ``affine``/``rotate``)."""
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    h, w = img.shape[-2:]
    ow, oh = out_size if out_size is not None else (w, h)
    dtype = img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)
    theta = np.asarray(matrix, dtype=np.float64).astype(dtype).reshape(2, 3)
    return apply_grid(img, _affine_grid(theta, w, h, ow, oh), oh, ow, interpolation, fill)


def apply_grid(img, grid, oh, ow, interpolation, fill):
    """torchvision's ``_apply_grid_transform``: sample ``img`` at ``grid`` (oh*ow, 2) in [-1, 1], pixels
    from outside the image taking ``fill`` (through a mask channel, as torchvision does)."""
    h, w = img.shape[-2:]
    dtype = grid.dtype
    lead = img.shape[:-3]
    x = img.reshape((-1,) + img.shape[-3:]).astype(dtype, copy=False)
    if fill is not None:
        x = np.concatenate([x, np.ones((x.shape[0], 1, h, w), dtype)], axis=1)
    out = _grid_sample(x, grid, oh, ow, interpolation)
    if fill is not None:
        mask, out = out[:, -1:], out[:, :-1]
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.broadcast_to(np.asarray(fill_list, dtype).reshape(1, -1, 1, 1), out.shape)
        mask = np.broadcast_to(mask, out.shape)
        if interpolation == "nearest":
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return _back_to(out.reshape(lead + out.shape[1:]), img.dtype)


# -- colour ----------------------------------------------------------------------------------------------
def _blend(img1, img2, ratio):
    bound = max_value(img1.dtype)
    x1 = _float_of(img1)
    out = np.clip(ratio * x1 + (1.0 - ratio) * img2, 0, bound)
    return out.astype(img1.dtype)


def _check_channels(img, permitted):
    c = dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def rgb_to_grayscale(img, num_output_channels=1):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _check_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        x = _float_of(img)
        r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).astype(x.dtype).astype(img.dtype)[..., None, :, :]
    else:
        l_img = img.copy()
    if num_output_channels == 3:
        return np.ascontiguousarray(np.broadcast_to(l_img, img.shape))
    return l_img


def adjust_brightness(img, factor):
    if factor < 0:
        raise ValueError(f"brightness_factor ({factor}) is not non-negative.")
    _check_channels(img, [1, 3])
    return _blend(img, np.zeros((), _float_of(img).dtype), factor)


def adjust_contrast(img, factor):
    if factor < 0:
        raise ValueError(f"contrast_factor ({factor}) is not non-negative.")
    _check_channels(img, [3, 1])
    dtype = img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)
    gray = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
    mean = gray.astype(dtype).mean(axis=(-3, -2, -1), keepdims=True, dtype=np.float64).astype(dtype)
    return _blend(img, mean, factor)


def adjust_saturation(img, factor):
    if factor < 0:
        raise ValueError(f"saturation_factor ({factor}) is not non-negative.")
    _check_channels(img, [1, 3])
    if img.shape[-3] == 1:
        return img
    return _blend(img, _float_of(rgb_to_grayscale(img)), factor)


def _rgb2hsv(img):
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_divisor = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_divisor, (maxc - g) / cr_divisor, (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0).astype(img.dtype)
    return h, s, maxc


def _hsv2rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(h.shape[:-2] + (3,) + h.shape[-2:], h.dtype)
    for k, chans in enumerate(table):
        sel = i == k
        for c in range(3):
            out[..., c, :, :] += np.where(sel, chans[c], 0)
    return out


def adjust_hue(img, factor):
    if not (-0.5 <= factor <= 0.5):
        raise ValueError(f"hue_factor ({factor}) is not in [-0.5, 0.5].")
    _check_channels(img, [1, 3])
    if img.shape[-3] == 1:
        return img
    orig = img.dtype
    x = convert_image_dtype(img, np.float32)
    h, s, v = _rgb2hsv(x)
    h = np.mod(h + np.float32(factor), np.float32(1.0)).astype(np.float32)
    return convert_image_dtype(_hsv2rgb(h, s, v), orig)


def normalize(x, mean, std, inplace=False):
    if x.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got torch.{x.dtype}.")
    if x.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"torch.Size({list(x.shape)})")
    mean = np.asarray(mean, dtype=x.dtype)
    std = np.asarray(std, dtype=x.dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to torch.{x.dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.reshape(-1, 1, 1)
    if std.ndim == 1:
        std = std.reshape(-1, 1, 1)
    if inplace:
        x -= mean
        x /= std
        return x
    return (x - mean) / std
