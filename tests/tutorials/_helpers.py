"""Plain-NumPy helpers shared by the tutorial scripts (no torch import here, so the same file
serves both runs): a small real-MNIST subset read from the IDX files, and deterministic weights."""
import gzip
import os

import numpy as np

_CACHE = {}


def _read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def mnist_subset(n_train=1000, n_test=500):
    """(x_train, y_train, x_test, y_test) as NumPy arrays: float32 images (N, 1, 28, 28) normalised
    with MNIST's mean/std, int64 labels. Taken from the 10k test file of $MINICONV_DATA (fast to read)."""
    if "t10k" not in _CACHE:
        root = os.environ.get("MINICONV_DATA", "/work/shared/mnist")
        images = _read_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz"))
        labels = _read_idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz"))
        _CACHE["t10k"] = (images, labels)
    images, labels = _CACHE["t10k"]
    x = ((images.astype(np.float32) / 255 - 0.1307) / 0.3081)[:, None]
    y = labels.astype(np.int64)
    return x[:n_train], y[:n_train], x[n_train:n_train + n_test], y[n_train:n_train + n_test]


def numpy_weights(named_shapes, seed=0):
    """Deterministic initial weights for (name, shape) pairs: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
    weights, zeros for biases, ones for norm scales, so both libraries start from the same point."""
    rng = np.random.default_rng(seed)
    out = []
    for name, shape in named_shapes:
        shape = tuple(shape)
        if name.endswith("bias") or len(shape) == 0:
            out.append(np.zeros(shape, np.float32))
        elif len(shape) == 1:
            out.append(np.ones(shape, np.float32))
        else:
            fan_in = int(np.prod(shape[1:]))
            b = 1 / np.sqrt(fan_in)
            out.append(rng.uniform(-b, b, shape).astype(np.float32))
    return out


def mnist_scaled(n, img_size=28):
    """(images, labels) as NumPy arrays for scripts that load MNIST with ``Resize(img_size), ToTensor(),
    Normalize([0.5], [0.5])``: the first ``n`` images of mnist_subset in [-1, 1], padded with the background
    value to 32x32 when ``img_size`` is 32 (standing in for the resize)."""
    x, y, _, _ = mnist_subset(n, 0)
    x = (x * 0.3081 + 0.1307 - 0.5) / 0.5
    if img_size == 32:
        x = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    return x.astype(np.float32), y


class RecordingSummaryWriter:
    """Stands in for torch.utils.tensorboard.SummaryWriter (the tensorboard package is not a test dependency):
    every ``add_*`` call is appended to ``log`` as [method, tag or model class, value summary, global_step]."""

    def __init__(self, log_dir=None, log=None):
        self.log_dir, self.log = log_dir, ([] if log is None else log)

    def __getattr__(self, name):
        if not name.startswith("add_"):
            raise AttributeError(name)

        def add(tag, value=None, global_step=None, *args, **kwargs):
            if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:  # a tensor: its sum and shape
                value = [float(value.sum()), list(value.shape)]
            elif isinstance(value, (list, tuple)):
                value = [float(v) for v in value]
            elif value is not None and not isinstance(value, (str, dict)):
                value = float(value)
            self.log.append([name, tag if isinstance(tag, str) else type(tag).__name__, value, global_step])
        return add

    def flush(self):
        pass

    def close(self):
        pass
