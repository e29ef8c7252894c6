"""Plain-NumPy helpers for the t31-t39 scripts (adapted public vision scripts; no torch import here, so the
same file serves both runs): small CIFAR-like image sets and deterministic starting weights, so that the two
libraries, whose random generators differ, start from the same point and see the same data."""
import numpy as np

from _helpers import mnist_subset, numpy_weights  # noqa: F401  (re-exported for the scripts)


def cifar_like(n, seed=0, classes=10, size=32):
    """(images, labels): float32 (n, 3, size, size) in [0, 1] whose class shifts the mean of one channel
    and the brightness of one quadrant (learnable in a few steps), int64 labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n).astype(np.int64)
    x = rng.uniform(0, 0.6, (n, 3, size, size)).astype(np.float32)
    h = size // 2
    for i, c in enumerate(y):
        x[i, c % 3] += 0.2
        x[i, :, (c // 3 % 2) * h:(c // 3 % 2) * h + h, (c // 6) * h:(c // 6) * h + h] += 0.2
    return x, y


def load_weights(lib, model, seed=0, scale=1.0):
    """Overwrite every floating parameter and buffer of ``model`` (library ``lib``) with ``numpy_weights``
    values: U(+-1/sqrt(fan_in)) weights, zero biases, unit norm scales; BatchNorm statistics reset."""
    named = [(n, p) for n, p in model.named_parameters()]
    with lib.no_grad():
        for (name, p), w in zip(named, numpy_weights([(n, tuple(p.shape)) for n, p in named], seed=seed)):
            p.copy_(lib.from_numpy(w * (scale if p.dim() > 1 else 1.0)))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.zero_()
            elif name.endswith("running_var"):
                b.fill_(1.0)



def mnist_root(root):
    """``root``/MNIST/raw/ holding the published files of $MINICONV_DATA decompressed, as torchvision's
    ``download=True`` leaves them (it then downloads nothing); miniconv reads and verifies the same files."""
    import gzip
    import os
    import shutil

    src = os.environ.get("MINICONV_DATA", "/work/shared/mnist")
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(src, name + ".gz"), "rb") as f, open(os.path.join(raw, name), "wb") as out:
            shutil.copyfileobj(f, out)
    return root
