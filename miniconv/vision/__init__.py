"""torchvision's names for CNN work: ``from miniconv.vision import datasets, transforms, models, utils``
stands in for ``from torchvision import datasets, transforms, models, utils``. Pillow (the ``vision``
extra) is needed only for PIL images and image files."""
from . import datasets, models, ops, transforms, utils

__all__ = ["datasets", "models", "ops", "transforms", "utils"]
