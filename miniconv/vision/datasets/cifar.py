"""CIFAR-10 and CIFAR-100 from the python archives (``cifar-10-python.tar.gz``), as torchvision reads them.

The batches are pickles. They are read by :class:`RestrictedUnpickler`, which builds only dicts,
lists, tuples, strings, bytes, numbers and NumPy arrays: the only globals it resolves are NumPy's
array and dtype reconstructors, so a pickle naming anything else (``os.system``, ``builtins.eval``,
...) is refused before any of it runs. Each file is checked against torchvision's published MD5
before it is unpickled.
"""
import io
import os
import pickle

import numpy as np

from ...data.dataset import Dataset
from .._pil import pil_image_module
from ._utils import CorruptDataError, check_integrity, download_and_extract_archive

__all__ = ["CIFAR10", "CIFAR100", "RestrictedUnpickler", "restricted_load"]


def _reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct as fn
    except ImportError:  # NumPy < 2
        from numpy.core.multiarray import _reconstruct as fn
    return fn


def _latin1_bytes(text, encoding):
    """``_codecs.encode`` restricted to what pickles of bytes use: a str to latin-1 bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("refusing _codecs.encode with arguments other than (str, 'latin1')")
    return text.encode("latin1")


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler for data files: it resolves only NumPy's ndarray/dtype reconstruction and refuses every
    other global and every persistent id, so loading a file never imports or calls anything else."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(
                f"refusing to load global '{module}.{name}': this data file may only hold dicts, lists, strings, "
                "bytes, numbers and NumPy arrays")
        if name == "_reconstruct":
            return _reconstruct()
        if name == "encode":  # Python 3 writes bytes as _codecs.encode(text, "latin1") in protocols < 3
            return _latin1_bytes
        return np.ndarray if name == "ndarray" else np.dtype

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("refusing a persistent id in a data file")


def restricted_load(data, encoding="latin1"):
    """Unpickle ``data`` (bytes) with :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()


def _load_batch(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        entry = restricted_load(raw)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        raise CorruptDataError(f"{path}: not a CIFAR batch file ({type(e).__name__}: {e})") from None
    if not isinstance(entry, dict):
        raise CorruptDataError(f"{path}: expected a dict in the batch file, got {type(entry).__name__}")
    return entry


class CIFAR10(Dataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

    Args:
        root (str): folder holding ``cifar-10-batches-py/`` (or ``cifar-10-python.tar.gz`` with
            ``download=True``, which also fetches it from the Toronto mirror, MD5-verified).
        train (bool): the five training batches (True) or the test batch.
        transform, target_transform (callable, optional): applied to the PIL image / int label.
        download (bool): download and unpack the archive if the batches are missing or corrupted.

    Attributes: ``data`` (uint8 NumPy array (N, 32, 32, 3)), ``targets`` (list of int), ``classes``,
    ``class_to_idx``. ``dataset[i]`` is ``(PIL image "RGB", label)``.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root = os.path.expanduser(os.fspath(root))
        self.train, self.transform, self.target_transform = train, transform, target_transform
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        data, targets = [], []
        for file_name, _ in self.train_list if self.train else self.test_list:
            path = os.path.join(self.root, self.base_folder, file_name)
            entry = _load_batch(path)
            images = entry.get("data")
            labels = entry.get("labels", entry.get("fine_labels"))
            if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 2 \
                    or images.shape[1] != 3 * 32 * 32:
                raise CorruptDataError(f"{path}: 'data' is not a uint8 array of shape (N, 3072)")
            if not isinstance(labels, list) or len(labels) != images.shape[0] \
                    or not all(isinstance(v, int) for v in labels):
                raise CorruptDataError(f"{path}: labels are not a list of {images.shape[0]} ints")
            data.append(images)
            targets.extend(labels)
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self.targets = targets
        self._load_meta()

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        classes = _load_batch(path).get(self.meta["key"])
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise CorruptDataError(f"{path}: '{self.meta['key']}' is not a list of strings")
        self.classes = classes
        self.class_to_idx = {c: i for i, c in enumerate(classes)}

    def __getitem__(self, index):
        img, target = self.data[index], self.targets[index]
        img = pil_image_module().fromarray(np.ascontiguousarray(img))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        return all(check_integrity(os.path.join(self.root, self.base_folder, name), md5)
                   for name, md5 in self.train_list + self.test_list)

    def download(self):
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, self.filename, self.tgz_md5)

    def __repr__(self):
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Root location: "
                f"{self.root}\n    Split: {'Train' if self.train is True else 'Test'}")


class CIFAR100(CIFAR10):
    """CIFAR-100: as CIFAR-10 with 100 classes (``targets`` are the fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
