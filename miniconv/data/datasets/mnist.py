"""MNIST and Fashion-MNIST, read from the gzipped IDX files with SHA256 verification.

Where the files are looked for (the first directory holding them wins):

1. ``<root>/<ClassName>/raw/`` (torchvision's layout; downloads go here),
2. ``<root>/`` itself (a flat folder such as ``../shared/mnist``),

where ``root`` is the ``root`` argument, else the ``MINICONV_DATA`` environment variable.
Each file may be gzipped (``train-images-idx3-ubyte.gz``) or already decompressed.

Verification, on every load: if the folder has a ``SHA256SUMS`` file listing the file, the file must
match it; then the file must be the known published file: its SHA256 equals the standard mirrors'
``.gz`` or (MNIST) its decompressed bytes equal the standard IDX payload, so a re-compressed copy of
the same data is accepted. Truncated or corrupted files (bad gzip stream, bad IDX magic number, a size
that does not match the header, wrong counts or labels, checksum mismatch) raise
:class:`CorruptDataError` naming the file.

Downloads happen only with ``download=True`` and only for missing files: each file is streamed to
a temporary file in the target folder, fsynced, checked against its SHA256 and renamed into place.
"""
import hashlib
import math
import os
import struct
import zlib
from urllib.request import urlopen

import numpy as np

from ...io.atomic import atomic_write
from ...tensor import Tensor
from ..dataset import Dataset

_IDX_DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
# refuse (decompressed or downloaded) files larger than this; EMNIST's zip (562 MB) and its byclass
# training images (547 MB decompressed) are the largest files read here
_MAX_BYTES = 1024 * 1024 * 1024


class CorruptDataError(ValueError):
    """A data file that is truncated, corrupted, or not the expected file."""


# -- IDX files ------------------------------------------------------------------------------------
def read_idx(path):
    """Read an IDX file (gzipped or not) into a numpy array with the dtype and shape of its header.

    Example::

        >>> images = read_idx("train-images-idx3-ubyte.gz")   # uint8, shape (60000, 28, 28)
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read(_MAX_BYTES + 1)
    if len(data) > _MAX_BYTES:
        raise CorruptDataError(f"{path}: file larger than {_MAX_BYTES} bytes, refusing to read it")
    return _parse_idx(_maybe_decompress(data, path), path)


def _maybe_decompress(data, name):
    if data[:2] != b"\x1f\x8b":
        if name.endswith(".gz"):
            raise CorruptDataError(f"{name}: not a gzip file (bad gzip header); the file is corrupted")
        return data
    out = []
    total = 0
    rest = data
    try:
        while rest[:2] == b"\x1f\x8b":  # a gzip file may hold several members
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = d.decompress(rest, _MAX_BYTES + 1 - total)
            total += len(chunk)
            if total > _MAX_BYTES or d.unconsumed_tail:
                raise CorruptDataError(f"{name}: decompresses to more than {_MAX_BYTES} bytes, refusing it")
            if not d.eof:
                raise CorruptDataError(f"{name}: the gzip stream ends early (the file is truncated)")
            out.append(chunk)
            rest = d.unused_data
    except zlib.error as e:
        raise CorruptDataError(f"{name}: corrupted gzip data ({e})") from None
    if rest.strip(b"\x00"):
        raise CorruptDataError(f"{name}: unexpected bytes after the gzip stream (the file is corrupted)")
    return b"".join(out)


def _parse_idx(raw, name):
    if len(raw) < 4:
        raise CorruptDataError(f"{name}: too short for an IDX header ({len(raw)} bytes; the file is truncated)")
    zero, code, ndim = raw[0] << 8 | raw[1], raw[2], raw[3]
    if zero != 0 or code not in _IDX_DTYPES or ndim == 0:
        magic = struct.unpack(">I", raw[:4])[0]
        raise CorruptDataError(f"{name}: bad IDX magic number 0x{magic:08x} (not an IDX file, or corrupted)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise CorruptDataError(f"{name}: IDX header cut short (the file is truncated)")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_DTYPES[code]
    expected = math.prod(dims) * dtype.itemsize
    if len(raw) - header != expected:
        raise CorruptDataError(
            f"{name}: the IDX header announces shape {list(dims)} ({expected} bytes of data) but the file holds "
            f"{len(raw) - header} bytes (truncated or corrupted)"
        )
    arr = np.frombuffer(raw, dtype=dtype, count=expected // dtype.itemsize, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _hash_name(expected):
    """The hash a published checksum is written in: 32 hex digits are MD5 (torchvision's lists), else SHA256."""
    return "md5" if len(expected) == 32 else "sha256"


def _matches(data, expected):
    return hashlib.new(_hash_name(expected), data).hexdigest() == expected


def _read_sha256sums(folder):
    """``{filename: sha256}`` from ``folder/SHA256SUMS`` (``sha256sum`` output), or {} if absent."""
    path = os.path.join(folder, "SHA256SUMS")
    sums = {}
    if not os.path.isfile(path):
        return sums
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and len(parts[0]) == 64:
                sums[parts[1].lstrip("*").strip()] = parts[0].lower()
    return sums


# -- datasets ---------------------------------------------------------------------------------------
class MNIST(Dataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28, labels 0-9.

    Args:
        root (str, optional): the data folder (see the module docstring); default: the
            ``MINICONV_DATA`` environment variable.
        train (bool): the training split (True) or the test split (False).
        download (bool): download missing files from the standard mirrors into ``root/MNIST/raw``.
        transform (callable, optional): applied to each image, a uint8 numpy array (28, 28)
            (numpy stands in for torchvision's PIL image), e.g. ``transforms.Compose([ToTensor(),
            Normalize((0.1307,), (0.3081,))])`` gives float32 (1, 28, 28) Tensors.
        target_transform (callable, optional): applied to each label (a Python int).

    Attributes:
        data (Tensor): uint8, (N, 28, 28), all images.
        targets (Tensor): int64, (N,), all labels.

    ``dataset[i]`` is ``(image, label)``. Without transforms, a DataLoader gathers whole batches with
    one indexing call (uint8 (B, 28, 28) images, int64 (B,) labels).

    Fast path: normalise all images once instead of per image in Python::

        train = MNIST(train=True)                                   # root from MINICONV_DATA
        x = ((train.data.float() / 255 - 0.1307) / 0.3081).unsqueeze(1)   # float32 (60000, 1, 28, 28)
        loader = DataLoader(TensorDataset(x, train.targets), batch_size=256, shuffle=True)
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    # file -> (SHA256 of the .gz served by the mirrors, SHA256 of the decompressed IDX file or None)
    resources = {
        "train-images-idx3-ubyte.gz": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                                       "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "train-labels-idx1-ubyte.gz": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                                       "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        "t10k-images-idx3-ubyte.gz": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                                      "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        "t10k-labels-idx1-ubyte.gz": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                                      "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    }
    split_sizes = {True: 60000, False: 10000}
    image_shape = (28, 28)
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, download=False, transform=None, target_transform=None):
        name = type(self).__name__
        if not isinstance(train, bool):
            raise TypeError(f"{name}: train must be a bool, got {type(train).__name__}")
        for arg, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name}: {arg} must be callable or None, got {type(fn).__name__}")
        if root is None:
            root = os.environ.get("MINICONV_DATA") or None
        if root is None:
            raise RuntimeError(
                f"{name}: no data folder given. Pass root='path/to/folder' or set the environment variable "
                f"MINICONV_DATA to the folder holding {', '.join(self.resources)} "
                "(add download=True to fetch missing files into it)."
            )
        self.root = os.path.expanduser(os.fspath(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

        images_name, labels_name = self._file_names()
        images_path = self._find(images_name)
        labels_path = self._find(labels_name)
        if images_path is None or labels_path is None:
            if not download:
                missing = [f"{n}.gz" for n, p in ((images_name, images_path), (labels_name, labels_path)) if p is None]
                raise FileNotFoundError(
                    f"{name}: {', '.join(missing)} not found in {self.raw_folder} or {self.root}. Point root (or "
                    "MINICONV_DATA) at the folder holding the files, or pass download=True to download them."
                )
            self.download()
            images_path = self._find(images_name)
            labels_path = self._find(labels_name)
        images = self._load_verified(images_path, images_name)
        labels = self._load_verified(labels_path, labels_name)
        self._check_contents(images, labels, images_path, labels_path)
        self.data = Tensor(images)
        self.targets = Tensor(labels.astype(np.int64))

    # -- files ------------------------------------------------------------------------------------
    def _file_names(self):
        """Base names (without .gz) of the split's image and label files."""
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    def _find(self, basename):
        for folder in (self.raw_folder, self.root):
            for filename in (basename + ".gz", basename):
                path = os.path.join(folder, filename)
                if os.path.isfile(path):
                    return path
        return None

    def _load_verified(self, path, basename):
        with open(path, "rb") as f:
            data = f.read(_MAX_BYTES + 1)
        if len(data) > _MAX_BYTES:
            raise CorruptDataError(f"{path}: file larger than {_MAX_BYTES} bytes, refusing to read it")
        digest = _sha256(data)
        listed = _read_sha256sums(os.path.dirname(path)).get(os.path.basename(path))
        if listed is not None and listed != digest:
            raise CorruptDataError(
                f"{path}: checksum mismatch: SHA256SUMS lists {listed} but the file's SHA256 is {digest} "
                "(the file is corrupted or was replaced)"
            )
        raw = _maybe_decompress(data, path)
        arr = _parse_idx(raw, path)
        self._check_published(path, basename, data, raw)
        return arr

    def _check_published(self, path, basename, data, raw):
        """Raise unless ``data`` (or its decompressed ``raw`` bytes) is the published file ``basename``."""
        gz_sum, raw_sum = self.resources[basename + ".gz"]
        if _matches(data, gz_sum) or (raw_sum is not None and _matches(raw, raw_sum)):
            return
        algo = _hash_name(gz_sum).upper()
        raise CorruptDataError(
            f"{path}: checksum mismatch: this is not the published {type(self).__name__} file {basename}.gz "
            f"(file {algo} {hashlib.new(algo.lower(), data).hexdigest()}, expected {gz_sum}"
            + (f", or decompressed {_hash_name(raw_sum).upper()} {raw_sum}" if raw_sum else "")
            + "). Delete it and pass download=True, or point root at the right files."
        )

    def _check_contents(self, images, labels, images_path, labels_path):
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != self.image_shape:
            raise CorruptDataError(
                f"{images_path}: expected uint8 images of shape (N, {self.image_shape[0]}, {self.image_shape[1]}), "
                f"got {images.dtype} {list(images.shape)}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise CorruptDataError(f"{labels_path}: expected a 1-d uint8 label array, got {labels.dtype} {list(labels.shape)}")
        expected = self.split_sizes.get(self.train)
        if expected is not None and images.shape[0] != expected:
            raise CorruptDataError(f"{images_path}: expected {expected} images, found {images.shape[0]}")
        if images.shape[0] != labels.shape[0]:
            raise CorruptDataError(
                f"{labels_path}: {labels.shape[0]} labels for {images.shape[0]} images in {images_path}"
            )
        if labels.size and int(labels.max()) >= len(self.classes):
            raise CorruptDataError(f"{labels_path}: label {int(labels.max())} out of range [0, {len(self.classes)})")

    def download(self):
        """Download the files that are missing (all four) into ``root/<ClassName>/raw``, verified."""
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, (gz_sha, _) in self.resources.items():
            if self._find(filename[: -len(".gz")]) is not None:
                continue
            errors = []
            for mirror in self.mirrors:
                url = mirror + filename
                try:
                    _download(url, os.path.join(self.raw_folder, filename), gz_sha)
                    break
                except (OSError, ValueError) as e:  # URLError/HTTPError are OSErrors
                    errors.append(f"  {url}: {e}")
            else:
                raise RuntimeError(f"Error downloading {filename}; tried:\n" + "\n".join(errors))

    # -- samples ------------------------------------------------------------------------------------
    def __getitem__(self, index):
        img = self.data._data[index]
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def get_batch(self, indices):
        """Images and labels at ``indices``: one indexing call without transforms, else per sample."""
        if self.transform is None and self.target_transform is None:
            return Tensor._wrap(self.data._data[indices]), Tensor._wrap(self.targets._data[indices])
        from ..dataset import collate_items

        return collate_items(self, indices)

    def __len__(self):
        return self.data.shape[0]

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform}")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): 28x28 images of 10 clothing classes, the same format and API as MNIST.

    Files are verified against the SHA256 of the official ``.gz`` files; downloads go to
    ``root/FashionMNIST/raw``.
    """

    mirrors = [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ]
    resources = {
        "train-images-idx3-ubyte.gz": ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", None),
        "train-labels-idx1-ubyte.gz": ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", None),
        "t10k-images-idx3-ubyte.gz": ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", None),
        "t10k-labels-idx1-ubyte.gz": ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", None),
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


def _download(url, dest, expected_sha256):
    """Stream ``url`` into ``dest``, verified, through ``miniconv.io.atomic_write`` (temp file,
    fsync, rename, fsync the folder): a failed or corrupt download never leaves a partial file.
    ``expected_sha256`` may also be an MD5 (32 hex digits), as torchvision lists for some datasets."""

    def write(out):
        h = hashlib.new(_hash_name(expected_sha256))
        total = 0
        with urlopen(url, timeout=60) as response:
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > _MAX_BYTES:
                    raise CorruptDataError(f"download larger than {_MAX_BYTES} bytes, aborted")
                h.update(chunk)
                out.write(chunk)
        if h.hexdigest() != expected_sha256:
            raise CorruptDataError(f"downloaded file has {h.name.upper()} {h.hexdigest()}, expected {expected_sha256}")

    atomic_write(dest, write)
