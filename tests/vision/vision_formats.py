"""Writers of small dataset files in the exact on-disk formats torchvision reads (NumPy, Pillow and
SciPy only, so the same code runs beside torch 2.13 and beside torchvision): IDX for the MNIST family
(EMNIST's names included), CIFAR's python archives (pickled batches in a tar.gz), SVHN's .mat, and a
class-folder tree of PNG/JPEG files. Everything is drawn from fixed seeds."""
import gzip
import io
import os
import pickle
import struct
import tarfile

import numpy as np


def _idx_bytes(arr):
    code = {np.dtype(np.uint8): 0x08}[arr.dtype]
    return struct.pack(">HBB", 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write_idx(path, arr, compress=False):
    data = _idx_bytes(np.ascontiguousarray(arr))
    if compress:
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)


def mnist_like_arrays(seed, n, n_classes, first_label=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(first_label, first_label + n_classes, size=n).astype(np.uint8)
    return images, labels


def write_mnist_family(root):
    """root/{MNIST,FashionMNIST,KMNIST}/raw/{train,t10k}-*-ubyte and root/EMNIST/raw/emnist-<split>-*."""
    for k, name in enumerate(["MNIST", "FashionMNIST", "KMNIST"]):
        raw = os.path.join(root, name, "raw")
        os.makedirs(raw, exist_ok=True)
        for split, n in (("train", 7), ("t10k", 5)):
            images, labels = mnist_like_arrays(100 + 10 * k + len(split), n, 10)
            write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), images)
            write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels)
    raw = os.path.join(root, "EMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for split, n_classes, first in (("letters", 26, 1), ("balanced", 47, 0)):
        for part, n in (("train", 6), ("test", 4)):
            images, labels = mnist_like_arrays(200 + n_classes + len(part), n, n_classes, first)
            write_idx(os.path.join(raw, f"emnist-{split}-{part}-images-idx3-ubyte"), images)
            write_idx(os.path.join(raw, f"emnist-{split}-{part}-labels-idx1-ubyte"), labels)


def _py2_style_pickle(obj):
    """A protocol-2 pickle naming ``numpy.core.multiarray`` as the published CIFAR files (NumPy 1) do."""
    data = pickle.dumps(obj, protocol=2)
    return data.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


def _cifar_batch(rng, n, n_classes, label_key, label):
    entry = {"batch_label": label, "data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
             label_key: [int(v) for v in rng.integers(0, n_classes, size=n)],
             "filenames": [f"img_{i}.png" for i in range(n)]}
    if label_key == "fine_labels":
        entry["coarse_labels"] = [int(v) // 5 for v in entry["fine_labels"]]
    return entry


def write_cifar_archive(root, which="cifar10"):
    """root/cifar-10-python.tar.gz (or cifar-100-python.tar.gz) holding the batches folder."""
    rng = np.random.default_rng(10 if which == "cifar10" else 100)
    files = {}
    if which == "cifar10":
        folder, archive = "cifar-10-batches-py", "cifar-10-python.tar.gz"
        for i in range(1, 6):
            files[f"data_batch_{i}"] = _cifar_batch(rng, 3, 10, "labels", f"training batch {i} of 5")
        files["test_batch"] = _cifar_batch(rng, 4, 10, "labels", "testing batch 1 of 1")
        files["batches.meta"] = {"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                                 "horse", "ship", "truck"], "num_cases_per_batch": 10000,
                                 "num_vis": 3072}
    else:
        folder, archive = "cifar-100-python", "cifar-100-python.tar.gz"
        files["train"] = _cifar_batch(rng, 6, 100, "fine_labels", "training batch 1 of 1")
        files["test"] = _cifar_batch(rng, 3, 100, "fine_labels", "testing batch 1 of 1")
        files["meta"] = {"fine_label_names": [f"class_{i:02d}" for i in range(100)],
                         "coarse_label_names": [f"super_{i:02d}" for i in range(20)]}
    path = os.path.join(root, archive)
    with tarfile.open(path, "w:gz") as tar:
        for name, obj in files.items():
            data = _py2_style_pickle(obj)
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return path, folder


def write_svhn(root, split="train", n=5):
    import scipy.io

    rng = np.random.default_rng(7 + len(split))
    x = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
    y = rng.integers(1, 11, size=(n, 1)).astype(np.uint8)  # 10 stands for the digit 0
    path = os.path.join(root, f"{split}_32x32.mat")
    scipy.io.savemat(path, {"X": x, "y": y})
    return path


def write_image_folder(root):
    """root/{cat,dog,zebra}/... PNG (RGB, L, RGBA) and JPEG files, a sub-folder, and a non-image file."""
    from PIL import Image

    rng = np.random.default_rng(5)

    def img(shape, mode):
        return Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8), mode)

    layout = {
        "cat/b.png": ((9, 11, 3), "RGB"), "cat/a.PNG": ((8, 6), "L"), "cat/sub/c.jpg": ((16, 16, 3), "RGB"),
        "dog/x.png": ((7, 7, 4), "RGBA"), "dog/y.jpeg": ((12, 10, 3), "RGB"),
        "zebra/z.png": ((5, 9, 3), "RGB"),
    }
    for rel, (shape, mode) in layout.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        img(shape, mode).save(path)
    with open(os.path.join(root, "dog", "notes.txt"), "w") as f:
        f.write("not an image\n")
    return root


def write_all(root):
    write_mnist_family(root)
    write_cifar_archive(root, "cifar10")
    write_cifar_archive(root, "cifar100")
    write_svhn(root, "train")
    write_svhn(root, "test", n=3)
    write_image_folder(os.path.join(root, "folder"))
