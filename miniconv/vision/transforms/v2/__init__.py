"""torchvision.transforms.v2 with miniconv Tensors: ``from miniconv.vision.transforms import v2``.

v2 transforms take any nested structure of inputs (``(img, label)``, dicts, lists): PIL images and
``tv_tensors.Image`` are transformed with one set of random parameters, a plain Tensor only when the
sample has no image (the first one), other values (labels, strings) pass through. Only images are
supported as tv_tensors (no bounding boxes, masks, videos or key points).

Example::

    >>> tf = v2.Compose([v2.ToImage(), v2.RandomResizedCrop(224), v2.RandomHorizontalFlip(),
    ...                  v2.ToDtype(miniconv.float32, scale=True), v2.Normalize(mean, std)])
    >>> img, label = tf(pil_img, 3)
"""
from .. import InterpolationMode
from .. import autoaugment as _aa
from . import functional
from ._augment import CutMix, MixUp
from ._auto_augment import AutoAugment, RandAugment, TrivialAugmentWide
from ._geometry import (
    CenterCrop, ColorJitter, FiveCrop, Grayscale, Pad, RandomAdjustSharpness, RandomAffine, RandomAutocontrast,
    RandomCrop, RandomEqualize, RandomGrayscale, RandomHorizontalFlip, RandomInvert, RandomPerspective,
    RandomPosterize, RandomResizedCrop, RandomRotation, RandomSolarize, RandomVerticalFlip, Resize, TenCrop,
)
from ._transform import Transform
from ._transforms import (
    Compose, ConvertImageDtype, GaussianBlur, Identity, Lambda, Normalize, PILToTensor, RandomApply, RandomChoice,
    RandomErasing, RandomOrder, ToDtype, ToImage, ToPILImage, ToPureTensor, ToTensor,
)

AutoAugmentPolicy = _aa.AutoAugmentPolicy

__all__ = ["functional", "InterpolationMode", "Transform", "Compose", "RandomApply", "RandomChoice", "RandomOrder",
           "Identity", "Lambda", "ToImage", "ToDtype", "ToPureTensor", "PILToTensor", "ToPILImage", "ToTensor",
           "ConvertImageDtype", "Normalize", "GaussianBlur", "RandomErasing", "Resize", "CenterCrop",
           "RandomResizedCrop", "RandomCrop", "Pad", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation",
           "RandomAffine", "RandomPerspective", "FiveCrop", "TenCrop", "Grayscale", "RandomGrayscale", "ColorJitter",
           "RandomInvert", "RandomAutocontrast", "RandomEqualize", "RandomPosterize", "RandomSolarize",
           "RandomAdjustSharpness", "MixUp", "CutMix", "AutoAugmentPolicy", "AutoAugment", "RandAugment",
           "TrivialAugmentWide"]
