"""SVHN (Street View House Numbers) from the cropped-digits ``.mat`` files, read with SciPy."""
import os

import numpy as np

from ...data.dataset import Dataset
from .._pil import pil_image_module
from ._utils import CorruptDataError, check_integrity, download_url

__all__ = ["SVHN"]


class SVHN(Dataset):
    """SVHN digits, 32x32 RGB: ``split`` "train" (73,257), "test" (26,032) or "extra" (531,131).

    Reads ``root/<split>_32x32.mat`` (MD5-verified against torchvision's list); label 10 (the digit 0 in
    the files) becomes 0, as in torchvision. Attributes: ``data`` uint8 (N, 3, 32, 32), ``labels`` int64 (N,).
    """

    split_list = {
        "train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "train_32x32.mat",
                  "e26dedcc434d2e4c54c9b2d4a06d8373"],
        "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "test_32x32.mat",
                 "eb5a983be6a315427106f1b164d9cef3"],
        "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat", "extra_32x32.mat",
                  "a93ce644f1a588dc4d68dda5feec44a7"],
    }

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        if split not in self.split_list:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(repr(s) for s in self.split_list)}}}.")
        self.root = os.path.expanduser(os.fspath(root))
        self.split, self.transform, self.target_transform = split, transform, target_transform
        self.url, self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        import scipy.io as sio

        path = os.path.join(self.root, self.filename)
        try:
            loaded = sio.loadmat(path)
        except (ValueError, TypeError, OSError) as e:
            raise CorruptDataError(f"{path}: not a readable .mat file ({e})") from None
        x, y = loaded.get("X"), loaded.get("y")
        if not isinstance(x, np.ndarray) or x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
            raise CorruptDataError(f"{path}: 'X' is not a uint8 array of shape (32, 32, 3, N)")
        if not isinstance(y, np.ndarray) or y.size != x.shape[3]:
            raise CorruptDataError(f"{path}: 'y' does not hold one label per image")
        self.labels = y.astype(np.int64).reshape(-1)
        np.place(self.labels, self.labels == 10, 0)
        self.data = np.transpose(x, (3, 2, 0, 1))

    def __getitem__(self, index):
        img, target = self.data[index], int(self.labels[index])
        img = pil_image_module().fromarray(np.ascontiguousarray(np.transpose(img, (1, 2, 0))))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        return check_integrity(os.path.join(self.root, self.filename), self.file_md5)

    def download(self):
        download_url(self.url, self.root, self.filename, self.file_md5)
