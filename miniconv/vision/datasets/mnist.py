"""The MNIST family with torchvision's item type: ``dataset[i]`` is ``(PIL image "L", int label)``.

MNIST and FashionMNIST are ``miniconv.data``'s classes (same files, same verification of each file
against its published checksum on every load), differing only in returning PIL images as
torchvision does. KMNIST verifies against torchvision's MD5 list. EMNIST's files come in one zip
(verified on download); its individual files have no published checksums, so on load they are
checked for IDX structure and any ``SHA256SUMS`` listing only.
"""
import os
import shutil
import string

import numpy as np

from ...data.datasets import mnist as _data
from .._pil import pil_image_module
from ._utils import download_and_extract_archive

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST"]


class _PILItems:
    """``__getitem__`` returning a PIL "L" image, as torchvision's MNIST does."""

    get_batch = None  # no whole-batch fast path: items are PIL images, collated per sample

    def __getitem__(self, index):
        Image = pil_image_module()
        img = Image.fromarray(np.ascontiguousarray(self.data._data[index]))
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class MNIST(_PILItems, _data.MNIST):
    __doc__ = _data.MNIST.__doc__.replace(
        "a uint8 numpy array (28, 28)\n            (numpy stands in for torchvision's PIL image)",
        "a PIL image (mode \"L\", 28x28)")


class FashionMNIST(_PILItems, _data.FashionMNIST):
    """Fashion-MNIST with PIL images (torchvision's item type)."""


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 28x28 images of 10 cursive Japanese characters, MNIST's format and sizes."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = {  # torchvision's MD5s of the published .gz files
        "train-images-idx3-ubyte.gz": ("bdb82020997e1d708af4cf47b453dcf7", None),
        "train-labels-idx1-ubyte.gz": ("e144d726b3acfaa3e44228e80efcd344", None),
        "t10k-images-idx3-ubyte.gz": ("5c965bf0a639b31b8f53240b1b52f4d7", None),
        "t10k-labels-idx1-ubyte.gz": ("7320c461ea6c1c855c0b718fb2a4b134", None),
    }
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST: ``split`` one of "byclass", "bymerge", "balanced", "letters", "digits", "mnist".

    Files ``emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte[.gz]`` in ``root/EMNIST/raw``
    (or ``root``). The images are stored transposed in the published files, and returned as stored,
    as torchvision does (``transforms.Lambda(lambda im: im.transpose(...))`` to turn them upright).
    """

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }
    split_sizes = {}

    def __init__(self, root=None, split=None, **kwargs):
        if split not in self.splits:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(repr(s) for s in self.splits)}}}.")
        self.split = split
        self.classes = self.classes_split_dict[split]
        super().__init__(root, **kwargs)

    def _file_names(self):
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _check_published(self, path, basename, data, raw):
        """No per-file checksums are published for EMNIST (the zip is verified when downloaded)."""

    def download(self):
        """Download the zip (MD5-verified), unpack the split's .gz files into ``root/EMNIST/raw``."""
        if all(self._find(n) is not None for n in self._file_names()):
            return
        download_and_extract_archive(self.url, self.raw_folder, "gzip.zip", self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                os.replace(os.path.join(gzip_folder, name), os.path.join(self.raw_folder, name))
        shutil.rmtree(gzip_folder)
