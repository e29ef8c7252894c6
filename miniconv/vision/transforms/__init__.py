"""torchvision.transforms (v1) with miniconv Tensors: ``from miniconv.vision import transforms``."""
from . import functional
from .functional import InterpolationMode
from .transforms import (
    CenterCrop, ColorJitter, Compose, ConvertImageDtype, Grayscale, Lambda, Normalize, Pad, PILToTensor,
    RandomAffine, RandomCrop, RandomErasing, RandomHorizontalFlip, RandomResizedCrop, RandomRotation,
    RandomVerticalFlip, Resize, ToPILImage, ToTensor,
)
from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from .transforms_extra import (
    FiveCrop, GaussianBlur, RandomAdjustSharpness, RandomApply, RandomAutocontrast, RandomChoice, RandomEqualize,
    RandomGrayscale, RandomInvert, RandomOrder, RandomPerspective, RandomPosterize, RandomSolarize, RandomTransforms,
    TenCrop,
)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Lambda", "Resize", "CenterCrop", "Pad", "RandomCrop",
           "RandomResizedCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "RandomAffine",
           "ColorJitter", "Grayscale", "RandomErasing",
           "RandomApply", "RandomChoice", "RandomOrder", "RandomTransforms", "RandomGrayscale", "GaussianBlur",
           "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness", "RandomAutocontrast",
           "RandomEqualize", "FiveCrop", "TenCrop", "RandomPerspective",
           "AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide"]
