"""torchvision.transforms.functional's names: each function takes a PIL image or a Tensor
(..., C, H, W) and dispatches to Pillow (``_functional_pil``) or to NumPy (``_functional_array``; resizing
through ``nn.functional.interpolate``, differentiable), as torchvision does; ``to_tensor``/``to_pil_image``
also take NumPy arrays (H, W[, C]).

Example::

    >>> F.resize(img, [24, 32])                 # PIL -> PIL through Pillow, Tensor -> Tensor
    >>> F.rotate(F.pil_to_tensor(img), 30.0, InterpolationMode.BILINEAR)
"""
import math
import numbers
import sys
import warnings
from enum import Enum

import numpy as np

from ... import dtypes
from ...nn import functional as nn_F
from ...tensor import Tensor
from .._pil import is_pil_image, pil_image_module
from . import _functional_array as F_a
from . import _functional_array_extra as F_x
from . import _functional_pil as F_pil


class InterpolationMode(Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_FROM_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
pil_modes_mapping = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0, InterpolationMode.BILINEAR: 2,
                     InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4, InterpolationMode.HAMMING: 5,
                     InterpolationMode.LANCZOS: 1}


def _interpolation(interpolation):
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        if interpolation not in _FROM_INT:
            raise ValueError(f"Interpolation mode {interpolation} is not supported")
        return _FROM_INT[interpolation]
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                        "constant")
    return interpolation


def _is_tensor(img):
    return isinstance(img, Tensor)


def _arr(img):
    return img._data


def _wrap(arr):
    return Tensor(np.ascontiguousarray(arr))


def _check_image(img):
    if not (_is_tensor(img) or is_pil_image(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def get_dimensions(img):
    """[channels, height, width] of a PIL image or Tensor."""
    if _is_tensor(img):
        return F_a.dimensions(_arr(img))
    return F_pil.dimensions(img)


def get_image_size(img):
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


# -- conversions -----------------------------------------------------------------------------------
def to_tensor(pic):
    """A PIL image or an (H, W[, C]) array to a (C, H, W) Tensor; uint8 data becomes float in [0, 1]."""
    if not (is_pil_image(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray) and pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    default_float = dtypes.get_default_dtype()
    if isinstance(pic, np.ndarray):
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        arr = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if arr.dtype == np.uint8:
            return Tensor(arr.astype(default_float) / default_float.type(255))
        return Tensor(arr)
    mode_to_nptype = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}
    arr = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        arr = 255 * arr
    arr = arr.reshape(pic.size[1], pic.size[0], F_pil.dimensions(pic)[0])
    arr = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if arr.dtype == np.uint8:
        return Tensor(arr.astype(default_float) / default_float.type(255))
    return Tensor(arr)


def pil_to_tensor(pic):
    """A PIL image to a (C, H, W) Tensor of its own dtype (uint8 for "L"/"RGB"), not rescaled."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    arr = arr.reshape(pic.size[1], pic.size[0], F_pil.dimensions(pic)[0])
    return Tensor(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def to_pil_image(pic, mode=None):
    """A (C, H, W) Tensor or an (H, W[, C]) array to a PIL image; floats are scaled by 255."""
    if _is_tensor(pic):
        pic = _arr(pic)
        if pic.ndim == 3:
            pic = pic.transpose(1, 2, 0)
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = pic[:, :, None]
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    npimg = pic
    if npimg.dtype.kind == "f" and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16" if sys.byteorder == "little" else "I;16B",
                    np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 4: ["RGBA", "CMYK", "RGBX"], 3: ["RGB", "YCbCr", "HSV"]}[npimg.shape[2]]
        if mode is not None and mode not in permitted:
            what = {2: "2D", 4: "4D", 3: "3D"}[npimg.shape[2]]
            raise ValueError(f"Only modes {permitted} are supported for {what} inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    Image = pil_image_module()
    return _fromarray(Image, npimg, mode)


def _fromarray(Image, npimg, mode):
    """``Image.fromarray(npimg, mode)`` with Pillow's old meaning (the bytes read as ``mode``), which
    Pillow 11.3 deprecated; torchvision builds the image the same way, through ``frombuffer``."""
    arr = np.ascontiguousarray(npimg)
    return Image.frombuffer(mode, (arr.shape[1], arr.shape[0]), arr.tobytes(), "raw", mode, 0, 1)


def convert_image_dtype(image, dtype=dtypes.float32):
    """Convert a Tensor image's dtype, rescaling values (uint8 255 <-> float 1.0)."""
    if not _is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    return _wrap(F_a.convert_image_dtype(_arr(image), dtype))


def normalize(tensor, mean, std, inplace=False):
    """``(tensor - mean[c]) / std[c]`` per channel of a float (..., C, H, W) Tensor."""
    if not _is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    arr = _arr(tensor)
    out = F_a.normalize(arr, mean, std, inplace)
    if inplace:
        tensor._bump_version()
        return tensor
    return Tensor(out)


# -- geometry ------------------------------------------------------------------------------------
def _compute_resized_output_size(image_size, size, max_size=None):
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if len(size) == 1:
        requested = size[0]
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` ((h, w), or an int for the smaller edge keeping the aspect ratio)."""
    interpolation = _interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                             "size should be an int or a sequence of length 1 in torchscript mode.")
    _check_image(img)
    _, image_height, image_width = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    output_size = _compute_resized_output_size((image_height, image_width), list(size), max_size)
    if [image_height, image_width] == output_size:
        return img
    if not _is_tensor(img):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
        return F_pil.resize(img, output_size, pil_modes_mapping[interpolation])
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT, InterpolationMode.BILINEAR,
                             InterpolationMode.BICUBIC):
        raise ValueError("Interpolation mode should be either NEAREST, NEAREST_EXACT, BILINEAR or BICUBIC for "
                         "Tensor input")
    return _resize_tensor(img, output_size, interpolation.value, antialias)


def _resize_tensor(img, size, interpolation, antialias):
    """torchvision's ``_functional_tensor.resize``: ``F.interpolate`` on float32 (integer images cast, bicubic
    uint8 clamped to [0, 255], then rounded back), ``align_corners=False``, ``antialias`` for bilinear and bicubic
    only (None means False). Differentiable for float images, as torchvision's. Leading dimensions beyond
    (N, C, H, W) are flattened into N (torchvision's v1 takes (C, H, W) or (N, C, H, W) only)."""
    antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
    shape, out_dtype = tuple(img.shape), img.dtype
    x = img.unsqueeze(0) if img.ndim < 4 else img.reshape((-1,) + shape[-3:]) if img.ndim > 4 else img
    if out_dtype not in (dtypes.float32, dtypes.float64):
        x = x.to(dtypes.float32)
    align_corners = False if interpolation in ("bilinear", "bicubic") else None
    out = nn_F.interpolate(x, size=list(size), mode=interpolation, align_corners=align_corners, antialias=antialias)
    if interpolation == "bicubic" and out_dtype == dtypes.uint8:
        out = out.clamp(min=0, max=255)
    out = out.squeeze(0) if img.ndim < 4 else out.reshape(shape[:-2] + tuple(out.shape[-2:])) if img.ndim > 4 else out
    if out_dtype != out.dtype:
        out = (out.round() if not out_dtype.is_floating_point else out).to(out_dtype)
    return out


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad each border: ``padding`` int, (lr, tb) or (l, t, r, b); modes constant, edge, reflect, symmetric."""
    _check_image(img)
    if not _is_tensor(img):
        return F_pil.pad(img, padding, fill, padding_mode)
    return _wrap(F_a.pad(_arr(img), padding, fill, padding_mode))


def crop(img, top, left, height, width):
    """The box at (top, left) of (height, width); out-of-image parts are zero."""
    _check_image(img)
    if not _is_tensor(img):
        return F_pil.crop(img, top, left, height, width)
    h, w = img.shape[-2:]
    if 0 <= top and 0 <= left and top + height <= h and left + width <= w:  # a view, as torchvision's slicing
        return img[..., top:top + height, left:left + width]
    return _wrap(F_a.crop(_arr(img), top, left, height, width))


def center_crop(img, output_size):
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    _check_image(img)
    return _wrap(F_a.hflip(_arr(img))) if _is_tensor(img) else F_pil.hflip(img)


def vflip(img):
    _check_image(img)
    return _wrap(F_a.vflip(_arr(img))) if _is_tensor(img) else F_pil.vflip(img)


def _get_inverse_affine_matrix(center, angle, translate, scale, shear, inverted=True):
    """torchvision's affine matrix (rotation about ``center``, then shear, scale, translation), inverted
    for sampling: output pixel -> input position."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        matrix = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
        matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
        matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
        matrix[2] += cx
        matrix[5] += cy
    else:
        matrix = [x * scale for x in [a, b, 0.0, c, d, 0.0]]
        matrix[2] += matrix[0] * (-cx) + matrix[1] * (-cy)
        matrix[5] += matrix[3] * (-cx) + matrix[4] * (-cy)
        matrix[2] += cx + tx
        matrix[5] += cy + ty
    return matrix


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default: the image centre)."""
    interpolation = _interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_image(img)
    if not _is_tensor(img):
        return F_pil.rotate(img, angle, pil_modes_mapping[interpolation], expand, center, fill)
    center_f = [0.0, 0.0]
    if center is not None:
        _, height, width = get_dimensions(img)
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    arr = _arr(img)
    out_size = F_a.affine_output_size(matrix, arr.shape[-1], arr.shape[-2]) if expand else None
    return _wrap(F_a.grid_transform(arr, matrix, interpolation.value, fill, out_size))


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate by ``angle``, translate, scale and shear (degrees), keeping the image centre fixed."""
    interpolation = _interpolation(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    angle = float(angle)
    translate = list(translate)
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _check_image(img)
    _, height, width = get_dimensions(img)
    if not _is_tensor(img):
        if center is None:
            center = [width * 0.5, height * 0.5]
        matrix = _get_inverse_affine_matrix(center, angle, translate, scale, shear)
        return F_pil.affine(img, matrix, pil_modes_mapping[interpolation], fill)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = _get_inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale, shear)
    return _wrap(F_a.grid_transform(_arr(img), matrix, interpolation.value, fill))


# -- colour --------------------------------------------------------------------------------------------
def _colour(name, img, factor):
    _check_image(img)
    if _is_tensor(img):
        return _wrap(getattr(F_a, name)(_arr(img), factor))
    return getattr(F_pil, name)(img, factor)


def adjust_brightness(img, brightness_factor):
    return _colour("adjust_brightness", img, brightness_factor)


def adjust_contrast(img, contrast_factor):
    return _colour("adjust_contrast", img, contrast_factor)


def adjust_saturation(img, saturation_factor):
    return _colour("adjust_saturation", img, saturation_factor)


def adjust_hue(img, hue_factor):
    return _colour("adjust_hue", img, hue_factor)


def rgb_to_grayscale(img, num_output_channels=1):
    _check_image(img)
    if not _is_tensor(img):
        return F_pil.to_grayscale(img, num_output_channels)
    return _wrap(F_a.rgb_to_grayscale(_arr(img), num_output_channels))


def to_grayscale(img, num_output_channels=1):
    if is_pil_image(img):
        return F_pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def erase(img, i, j, h, w, v, inplace=False):
    """Set the box (i, j, h, w) of a Tensor image to ``v`` (a Tensor or number broadcast to it)."""
    if not _is_tensor(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    arr = _arr(img) if inplace else _arr(img).copy()
    arr[..., i:i + h, j:j + w] = _arr(v) if _is_tensor(v) else v
    return img if inplace else Tensor(arr)


# -- five/ten crops, perspective, blur and the AutoAugment colour ops ---------------------------------------
def _crop_size(size):
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return size


def five_crop(img, size):
    """(top-left, top-right, bottom-left, bottom-right, center) crops of ``size``."""
    size = _crop_size(size)
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(image_height, image_width)}")
    tl = crop(img, 0, 0, crop_height, crop_width)
    tr = crop(img, 0, image_width - crop_width, crop_height, crop_width)
    bl = crop(img, image_height - crop_height, 0, crop_height, crop_width)
    br = crop(img, image_height - crop_height, image_width - crop_width, crop_height, crop_width)
    return tl, tr, bl, br, center_crop(img, [crop_height, crop_width])


def ten_crop(img, size, vertical_flip=False):
    """The five crops, then the five crops of the flipped image."""
    size = _crop_size(size)
    first_five = five_crop(img, size)
    img = vflip(img) if vertical_flip else hflip(img)
    return first_five + five_crop(img, size)


def _get_perspective_coeffs(startpoints, endpoints):
    """(a, b, c, d, e, f, g, h) mapping output (x, y) to input ((ax+by+c)/(gx+hy+1), (dx+ey+f)/(gx+hy+1)),
    solved in float64 and rounded to float32 as torchvision does."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    a = np.zeros((8, 8), np.float64)
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b = np.asarray(startpoints, np.float64).reshape(8)
    res = np.linalg.lstsq(a, b, rcond=None)[0].astype(np.float32)
    return [float(v) for v in res]


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Warp the four ``startpoints`` corners onto ``endpoints`` ([[x, y]] top-left, top-right, bottom-right,
    bottom-left)."""
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    interpolation = _interpolation(interpolation)
    if not _is_tensor(img):
        _check_image(img)
        Image = pil_image_module()
        return img.transform(img.size, Image.PERSPECTIVE, coeffs, pil_modes_mapping[interpolation],
                             **F_pil.parse_fill(fill, img))
    return _wrap(F_x.perspective(_arr(img), coeffs, interpolation.value, fill))


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a ``kernel_size`` Gaussian (reflect-padded borders); PIL images go through uint8 tensors."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    if _is_tensor(img):
        return _wrap(F_x.gaussian_blur(_arr(img), kernel_size, sigma))
    _check_image(img)
    out = F_x.gaussian_blur(_arr(pil_to_tensor(img)), kernel_size, sigma)
    return to_pil_image(Tensor(out), mode=img.mode)


def _pil_op(img, name, *args):
    _check_image(img)
    from PIL import ImageOps

    return getattr(ImageOps, name)(img, *args)


def invert(img):
    if _is_tensor(img):
        return _wrap(F_x.invert(_arr(img)))
    return _pil_op(img, "invert")


def posterize(img, bits):
    """Keep the ``bits`` high bits of each channel (uint8 images)."""
    if not (0 <= bits <= 8):
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    if _is_tensor(img):
        return _wrap(F_x.posterize(_arr(img), bits))
    return _pil_op(img, "posterize", bits)


def solarize(img, threshold):
    """Invert the pixels at or above ``threshold``."""
    if _is_tensor(img):
        return _wrap(F_x.solarize(_arr(img), threshold))
    return _pil_op(img, "solarize", threshold)


def adjust_sharpness(img, sharpness_factor):
    if _is_tensor(img):
        return _wrap(F_x.adjust_sharpness(_arr(img), sharpness_factor))
    _check_image(img)
    from PIL import ImageEnhance

    return ImageEnhance.Sharpness(img).enhance(sharpness_factor)


def autocontrast(img):
    """Stretch each channel so its lowest value becomes 0 and its highest the maximum."""
    if _is_tensor(img):
        return _wrap(F_x.autocontrast(_arr(img)))
    return _pil_op(img, "autocontrast")


def equalize(img):
    """Histogram-equalize each channel (uint8 images)."""
    if _is_tensor(img):
        return _wrap(F_x.equalize(_arr(img)))
    return _pil_op(img, "equalize")
