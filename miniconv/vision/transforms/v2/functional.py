"""torchvision.transforms.v2.functional: the v1 functional ops (``transforms.functional``) under v2's
names and rules: PIL images go through Pillow, Tensors through NumPy, a ``tv_tensors.Image`` comes back
as an Image; ``interpolation`` may also be a string ("bilinear"); ``to_image``/``to_dtype`` replace
``to_tensor``; uint8 bilinear/bicubic resizing follows PyTorch's native uint8 kernel (int16 weights), as
torchvision's v2 does on CPU.

Example::

    >>> F.resize(F.to_image(pil), [16, 16])       # an Image (uint8)
    >>> F.to_dtype(img, miniconv.float32, scale=True)
"""
import functools
import warnings

import numpy as np

from .... import dtypes
from ....nn.functional import _resample
from ....tensor import Tensor
from ..._pil import is_pil_image
from ...tv_tensors import Image
from .. import _functional_array as F_a
from .. import functional as _F
from ..functional import InterpolationMode
from . import _color_array as _C

_STRING_TO_MODE = {m.value: m for m in InterpolationMode}


def _check_interpolation(interpolation):
    if isinstance(interpolation, str):
        if interpolation not in _STRING_TO_MODE:
            raise ValueError(f"Invalid interpolation mode: '{interpolation}'. "
                             f"Supported string values are: {list(_STRING_TO_MODE.keys())}.")
        return _STRING_TO_MODE[interpolation]
    return _F._interpolation(interpolation)


def _kernel(v1_fn):
    """A v2 functional over a v1 one: an Image in gives an Image out (each element of a tuple result)."""

    @functools.wraps(v1_fn)
    def fn(inpt, *args, **kwargs):
        out = v1_fn(inpt, *args, **kwargs)
        if isinstance(inpt, Image):
            if isinstance(out, tuple):
                return tuple(Image(o) for o in out)
            return Image(out)
        return out

    return fn


def _plain(inpt):
    return Tensor._wrap(inpt._data) if isinstance(inpt, Image) else inpt


# -- conversions ---------------------------------------------------------------------------------------
def to_image(inpt):
    """A PIL image, an (H, W[, C]) array or a Tensor as a ``tv_tensors.Image`` (C, H, W), values unchanged."""
    if isinstance(inpt, np.ndarray):
        arr = np.atleast_3d(inpt)
        return Image(Tensor(np.ascontiguousarray(arr.transpose(2, 0, 1))))
    if is_pil_image(inpt):
        return Image(_F.pil_to_tensor(inpt))
    if isinstance(inpt, Tensor):
        return Image(inpt)
    raise TypeError(f"Input can either be a pure Tensor, a numpy array, or a PIL image, but got {type(inpt)} "
                    "instead.")


def to_dtype(inpt, dtype=dtypes.float32, scale=False):
    """Change a Tensor's dtype; with ``scale`` the values are rescaled between the dtypes' ranges
    (uint8 255 <-> float 1.0) as torchvision's v2 does (int -> float multiplies by 1 / max)."""
    arr = inpt._data
    dtype = np.dtype(dtype)
    if arr.dtype == dtype:
        return inpt
    if not scale:
        out = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        if dtype.kind == "f":
            out = arr.astype(dtype)
        else:
            if (arr.dtype == np.float32 and dtype in (np.int32, np.int64)) or (
                    arr.dtype == np.float64 and dtype == np.int64):
                raise RuntimeError(f"The conversion from torch.{arr.dtype} to torch.{np.dtype(dtype).name} cannot be performed "
                                   "safely.")
            out = (arr * arr.dtype.type(float(F_a.max_value(dtype)) + 1.0 - 1e-3)).astype(dtype)
    elif dtype.kind == "f":
        out = arr.astype(dtype) * dtype.type(1.0 / F_a.max_value(arr.dtype))
    else:
        bits = {np.dtype(np.uint8): 8, np.dtype(np.int8): 7, np.dtype(np.int16): 15, np.dtype(np.int32): 31,
                np.dtype(np.int64): 63}
        shift = abs(bits[arr.dtype] - bits[dtype])
        if bits[arr.dtype] > bits[dtype]:
            out = (arr >> shift).astype(dtype)
        else:
            out = arr.astype(dtype) << shift
    out = Tensor(np.ascontiguousarray(out))
    return Image(out) if isinstance(inpt, Image) else out


def convert_image_dtype(image, dtype=dtypes.float32):
    return to_dtype(image, dtype, scale=True)


def to_tensor(inpt):
    warnings.warn("The function `to_tensor(...)` is deprecated and will be removed in a future release. Instead, "
                  "please use `to_image(...)` followed by `to_dtype(..., dtype=torch.float32, scale=True)`.")
    return _F.to_tensor(inpt)


to_pil_image = _F.to_pil_image
pil_to_tensor = _F.pil_to_tensor
get_dimensions = _F.get_dimensions


def get_size(inpt):
    """[height, width]."""
    _, h, w = _F.get_dimensions(inpt)
    return [h, w]


def get_num_channels(inpt):
    return _F.get_dimensions(inpt)[0]


# -- geometry ------------------------------------------------------------------------------------------
def resize(inpt, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` ([h, w], or the smaller edge); ``size=None`` makes the longer edge ``max_size``."""
    interpolation = _check_interpolation(interpolation)
    _, h, w = _F.get_dimensions(inpt)
    if size is None:
        out_hw = _size_from_max(h, w, max_size)
    else:
        size_list = [size] if isinstance(size, int) else list(size)
        if len(size_list) not in (1, 2):
            raise ValueError(f"size can be an integer, a sequence of one or two integers, or None, but got {size} "
                             "instead.")
        out_hw = _F._compute_resized_output_size((h, w), size_list, max_size)
    if not isinstance(inpt, Tensor):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
        return _F.resize(inpt, out_hw, interpolation, None, True)  # warned above
    arr = inpt._data
    if arr.dtype == np.uint8 and interpolation in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC) and \
            list(out_hw) != [h, w] and arr.size > 0:
        out = Tensor(_resample.resize_uint8(arr, out_hw, (None, None), False, interpolation.value, bool(antialias)))
    else:
        out = _F.resize(_plain(inpt), out_hw, interpolation, None, bool(antialias))
    return Image(out) if isinstance(inpt, Image) else out


def _size_from_max(h, w, max_size):
    """v2's ``size=None``: the longer edge becomes ``max_size``, keeping the aspect ratio."""
    if not isinstance(max_size, int):
        raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = int(max_size * short / long), max_size
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resized_crop(inpt, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(inpt, top, left, height, width), size, interpolation, antialias=antialias)


def rotate(inpt, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    return _kernel(_F.rotate)(inpt, angle, _check_interpolation(interpolation), expand, center, fill)


def affine(inpt, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    return _kernel(_F.affine)(inpt, angle, translate, scale, shear, _check_interpolation(interpolation), fill,
                              center)


def perspective(inpt, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    return _kernel(_F.perspective)(inpt, startpoints, endpoints, _check_interpolation(interpolation), fill)


def pad(inpt, padding, fill=None, padding_mode="constant"):
    return _kernel(_F.pad)(inpt, padding, 0 if fill is None else fill, padding_mode)


crop = _kernel(_F.crop)
center_crop = _kernel(_F.center_crop)
horizontal_flip = hflip = _kernel(_F.hflip)
vertical_flip = vflip = _kernel(_F.vflip)
five_crop = _kernel(_F.five_crop)
ten_crop = _kernel(_F.ten_crop)

# -- colour and misc ---------------------------------------------------------------------------------------
def _colour(name, v1_fn):
    """PIL images through v1's Pillow path, Tensors through v2's own kernels."""

    def fn(inpt, factor):
        if not isinstance(inpt, Tensor):
            return v1_fn(inpt, factor)
        out = Tensor(np.ascontiguousarray(getattr(_C, name)(inpt._data, factor)))
        return Image(out) if isinstance(inpt, Image) else out

    fn.__name__ = fn.__qualname__ = name
    return fn


adjust_brightness = _colour("adjust_brightness", _F.adjust_brightness)
adjust_contrast = _colour("adjust_contrast", _F.adjust_contrast)
adjust_saturation = _colour("adjust_saturation", _F.adjust_saturation)
adjust_hue = _colour("adjust_hue", _F.adjust_hue)
adjust_sharpness = _colour("adjust_sharpness", _F.adjust_sharpness)


def autocontrast(inpt):
    if not isinstance(inpt, Tensor):
        return _F.autocontrast(inpt)
    if inpt.ndim < 3:
        return _F.autocontrast(inpt)  # v1's error
    out = Tensor(_C.autocontrast(inpt._data))
    return Image(out) if isinstance(inpt, Image) else out
invert = _kernel(_F.invert)
posterize = _kernel(_F.posterize)
solarize = _kernel(_F.solarize)
equalize = _kernel(_F.equalize)
gaussian_blur = _kernel(_F.gaussian_blur)


def rgb_to_grayscale(inpt, num_output_channels=1):
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}.")
    if not isinstance(inpt, Tensor):
        return _F.rgb_to_grayscale(inpt, num_output_channels)
    if inpt.ndim < 3 or inpt.shape[-3] not in (1, 3):
        return _F.rgb_to_grayscale(inpt, num_output_channels)  # v1's checks and messages
    out = Tensor(_C.rgb_to_grayscale(inpt._data, num_output_channels))
    return Image(out) if isinstance(inpt, Image) else out


to_grayscale = rgb_to_grayscale


def grayscale_to_rgb(inpt):
    if is_pil_image(inpt):
        return inpt.convert("RGB")
    if inpt.shape[-3] >= 3:
        return inpt
    return rgb_to_grayscale(inpt, 3)


def normalize(inpt, mean, std, inplace=False):
    if is_pil_image(inpt):
        raise TypeError("F.normalize() is not supported for type PIL.Image.Image")  # torchvision has no PIL kernel
    return _kernel(_F.normalize)(inpt, mean, std, inplace) if not inplace else _F.normalize(inpt, mean, std, True)


def erase(inpt, i, j, h, w, v, inplace=False):
    if is_pil_image(inpt):
        warnings.warn("F.erase() is currently passing through inputs of type PIL.Image.Image. "
                      "This will likely change in the future.")
        return inpt
    return _kernel(_F.erase)(inpt, i, j, h, w, v, inplace) if not inplace else _F.erase(inpt, i, j, h, w, v, True)
