"""FakeData: random images for smoke tests and benchmarks, the same image for the same index."""
import numpy as np

from ... import _random, dtypes
from ..._random import Generator
from ...data.dataset import Dataset
from ..transforms import functional as F

__all__ = ["FakeData"]


class FakeData(Dataset):
    """``size`` samples of ``(PIL image of image_size (C, H, W), label in [0, num_classes))``.

    Sample ``i`` is drawn as torchvision draws it, from the generator seeded with ``i + random_offset``
    (``randn(image_size)`` turned into a PIL image by ToPILImage, then ``randint(0, num_classes, (1,))``), so the
    values are torchvision's; the global generator is untouched.
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        self.size, self.image_size, self.num_classes = size, image_size, num_classes
        self.transform, self.target_transform, self.random_offset = transform, target_transform, random_offset
        self.root = None

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        g = Generator().manual_seed(index + self.random_offset)
        img = _random.randn(g, tuple(self.image_size), dtypes.get_default_dtype())
        target = int(_random.random_from_to_(g, np.empty(1, np.int64), self.num_classes, 0)[0])
        from ...tensor import Tensor

        img = F.to_pil_image(Tensor(img))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return self.size
