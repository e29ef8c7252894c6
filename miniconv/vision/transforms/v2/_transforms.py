"""torchvision.transforms.v2's classes over miniconv's functional ops (see ``_transform.Transform`` for how
nested inputs are handled). Random parameters come from miniconv's default generator in the order
torchvision draws them (RandomChoice/RandomOrder use it too, as v2 does with ``torch.multinomial`` /
``torch.randperm``)."""
import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

from .... import _random, dtypes
from ...._random import default_generator
from ....tensor import Tensor
from ..._pil import is_pil_image
from ...tv_tensors import Image, TVTensor
from .. import functional as _F1
from ..transforms import _rand1, _randint, _randn, _randperm, _setup_size, _uniform
from . import functional as F
from ._transform import Transform, _RandomApplyTransform, is_pure_tensor, query_chw


def _is_ndarray(x):
    return isinstance(x, np.ndarray)


# -- containers ------------------------------------------------------------------------------------------
class Compose(Transform):
    def __init__(self, transforms):
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = transforms

    def forward(self, *inputs):
        needs_unpacking = len(inputs) > 1
        for transform in self.transforms:
            outputs = transform(*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs

    def extra_repr(self):
        return "\n".join(f"    {t}" for t in self.transforms)

    def __repr__(self):
        return f"{self.__class__.__name__}(\n{self.extra_repr()}\n)"


class RandomApply(Compose):
    def __init__(self, transforms, p=0.5):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables or a `nn.ModuleList`")
        super().__init__(transforms)
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.p = p

    def forward(self, *inputs):
        if _rand1() >= self.p:
            return inputs if len(inputs) > 1 else inputs[0]
        return super().forward(*inputs)


class RandomChoice(Transform):
    def __init__(self, transforms, p=None):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        if p is None:
            p = [1] * len(transforms)
        elif len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        super().__init__()
        self.transforms = transforms
        total = sum(p)
        self.p = [prob / total for prob in p]

    def forward(self, *inputs):
        idx = int(_random.multinomial(default_generator, np.asarray(self.p, np.float32), 1, False)[0])  # multinomial(p, 1)
        return self.transforms[idx](*inputs)


class RandomOrder(Transform):
    def __init__(self, transforms):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        super().__init__()
        self.transforms = transforms

    def forward(self, *inputs):
        needs_unpacking = len(inputs) > 1
        outputs = inputs if needs_unpacking else inputs[0]
        for idx in _randperm(len(self.transforms)).tolist():
            outputs = self.transforms[int(idx)](*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs


class Identity(Transform):
    def transform(self, inpt, params):
        return inpt


class Lambda(Transform):
    _transformed_types = (object,)

    def __init__(self, lambd, *types):
        super().__init__()
        self.lambd = lambd
        self.types = types or self._transformed_types

    def transform(self, inpt, params):
        return self.lambd(inpt) if isinstance(inpt, self.types) else inpt

    def extra_repr(self):
        extras = []
        name = getattr(self.lambd, "__name__", None)
        if name:
            extras.append(name)
        extras.append(f"types={[t.__name__ for t in self.types]}")
        return ", ".join(extras)


# -- conversions -------------------------------------------------------------------------------------------
class ToImage(Transform):
    """PIL images, arrays and plain Tensors to ``tv_tensors.Image`` (values and dtype unchanged)."""

    _transformed_types = (is_pure_tensor, is_pil_image, _is_ndarray)

    def transform(self, inpt, params):
        return F.to_image(inpt)


class PILToTensor(Transform):
    _transformed_types = (is_pil_image,)

    def transform(self, inpt, params):
        return F.pil_to_tensor(inpt)


class ToPILImage(Transform):
    _transformed_types = (is_pure_tensor, Image, _is_ndarray)

    def __init__(self, mode=None):
        super().__init__()
        self.mode = mode

    def transform(self, inpt, params):
        return F.to_pil_image(inpt, mode=self.mode)


class ToPureTensor(Transform):
    _transformed_types = (TVTensor,)

    def transform(self, inpt, params):
        return Tensor._wrap(inpt._data)


class ToTensor(Transform):
    _transformed_types = (is_pil_image, _is_ndarray)

    def __init__(self):
        warnings.warn("The transform `ToTensor()` is deprecated and will be removed in a future release. Instead, "
                      "please use `v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])`.Output is "
                      "equivalent up to float precision.")
        super().__init__()

    def transform(self, inpt, params):
        return _F1.to_tensor(inpt)


class ToDtype(Transform):
    """Images and plain Tensors to ``dtype`` (rescaled if ``scale``); ``dtype`` may be a {type: dtype} dict."""

    _transformed_types = (Tensor,)

    def __init__(self, dtype, scale=False):
        super().__init__()
        if not isinstance(dtype, dict) and not _is_dtype(dtype):
            raise ValueError(f"dtype must be a dict or a torch.dtype, got {type(dtype)} instead")
        self.dtype, self.scale = dtype, scale

    def transform(self, inpt, params):
        if not isinstance(self.dtype, dict):
            if not is_pure_tensor(inpt) and not isinstance(inpt, Image):
                return inpt
            dtype = self.dtype
        elif type(inpt) in self.dtype:
            dtype = self.dtype[type(inpt)]
        elif "others" in self.dtype:
            dtype = self.dtype["others"]
        else:
            raise ValueError(f"No dtype was specified for type {type(inpt)}. If you only need to convert the dtype "
                             "of images or videos, you can just pass e.g. dtype=torch.float32. If you're passing a "
                             'dict as dtype, you can use "others" as a catch-all key e.g. dtype={tv_tensors.Mask: '
                             'torch.int64, "others": None} to pass-through the rest of the inputs.')
        if dtype is None:
            if self.scale and (is_pure_tensor(inpt) or isinstance(inpt, Image)):
                warnings.warn("scale was set to True but no dtype was specified for images or videos: no scaling "
                              "will be done.")
            return inpt
        return F.to_dtype(inpt, dtype=dtype, scale=self.scale)


def _is_dtype(x):
    try:
        np.dtype(x)
    except TypeError:
        return False
    return not isinstance(x, (str, type(None)))


class ConvertImageDtype(Transform):
    """``ToDtype(dtype, scale=True)`` under v1's name."""

    def __init__(self, dtype=dtypes.float32):
        super().__init__()
        self.dtype = dtype

    def transform(self, inpt, params):
        if not (is_pure_tensor(inpt) or isinstance(inpt, Image)):
            return inpt
        return F.to_dtype(inpt, dtype=self.dtype, scale=True)


# -- misc ----------------------------------------------------------------------------------------------------
class Normalize(Transform):
    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean, self.std, self.inplace = list(mean), list(std), inplace

    def check_inputs(self, flat_inputs):
        if any(is_pil_image(x) for x in flat_inputs):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")

    def transform(self, inpt, params):
        return F.normalize(inpt, mean=self.mean, std=self.std, inplace=self.inplace)


class GaussianBlur(Transform):
    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        self.sigma = _setup_number_or_seq(sigma, "sigma")
        if not 0.0 < self.sigma[0] <= self.sigma[1]:
            raise ValueError(f"sigma values should be positive and of the form (min, max). Got {self.sigma}")

    def make_params(self, flat_inputs):
        sigma = _uniform(self.sigma[0], self.sigma[1])
        return dict(sigma=[sigma, sigma])

    def transform(self, inpt, params):
        return F.gaussian_blur(inpt, self.kernel_size, **params)


def _setup_number_or_seq(arg, name):
    if not isinstance(arg, (int, float, Sequence)):
        raise TypeError(f"{name} should be a number or a sequence of numbers. Got {type(arg)}")
    if isinstance(arg, Sequence) and len(arg) not in (1, 2):
        raise ValueError(f"If {name} is a sequence its length should be 1 or 2. Got {len(arg)}")
    if isinstance(arg, Sequence):
        for element in arg:
            if not isinstance(element, (int, float)):
                raise ValueError(f"{name} should be a sequence of numbers. Got {type(element)}")
    if isinstance(arg, (int, float)):
        arg = [float(arg), float(arg)]
    elif len(arg) == 1:
        arg = [float(arg[0]), float(arg[0])]
    elif len(arg) == 2:
        arg = list(map(float, arg))
    return arg


class RandomErasing(_RandomApplyTransform):
    """With probability ``p``, set a random box of each image to ``value`` (or N(0, 1) noise for "random")."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, inplace=False):
        super().__init__(p=p)
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        self.scale, self.ratio, self.inplace = scale, ratio, inplace
        if isinstance(value, (int, float)):
            self.value = [float(value)]
        elif isinstance(value, str):
            self.value = None
        else:
            self.value = [float(v) for v in value]
        self._log_ratio = np.log(np.asarray(self.ratio, np.float32))

    def make_params(self, flat_inputs):
        img_c, img_h, img_w = query_chw(flat_inputs)
        if self.value is not None and len(self.value) not in (1, img_c):
            raise ValueError("If value is a sequence, it should have either a single value or "
                             f"{img_c} (number of inpt channels)")
        area = img_h * img_w
        for _ in range(10):
            erase_area = area * _uniform(self.scale[0], self.scale[1])
            aspect_ratio = math.exp(_uniform(float(self._log_ratio[0]), float(self._log_ratio[1])))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if self.value is None:
                v = Tensor(_randn((img_c, h, w)))
            else:
                v = Tensor(np.asarray(self.value, np.float32)[:, None, None])
            return dict(i=_randint(0, img_h - h + 1), j=_randint(0, img_w - w + 1), h=h, w=w, v=v)
        return dict(i=0, j=0, h=img_h, w=img_w, v=None)

    def transform(self, inpt, params):
        if params["v"] is not None:
            return F.erase(inpt, **params, inplace=self.inplace)
        return inpt
