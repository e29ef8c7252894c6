"""PyTorch's native uint8 antialiased resize (``UpSampleKernel.cpp``: ``_compute_index_ranges_int16_weights``
and the uint8 horizontal/vertical passes), which torchvision's v2 uses for uint8 bilinear/bicubic images on
CPU: per axis, PIL's filter weights in float64, normalized, rounded to int16 at the largest precision
(<= 22 bits) the biggest weight allows; each output is an integer dot product plus half an LSB, shifted
down and clamped to [0, 255]; the width pass runs first (into uint8), then the height pass."""
import numpy as np

from ....nn.functional import _resample
from ....tensor import Tensor
from .. import functional as F_v1


def _quantize(first, w):
    """int16 weights at the largest precision (< 22 bits) for which the biggest weight stays below 2**15."""
    wt_max = w.max() if w.size else 0.0
    precision = 0
    while precision < 22:
        if int(0.5 + wt_max * (1 << (precision + 1))) >= (1 << 15):
            break
        precision += 1
    v = w * (1 << precision)
    wi = np.where(v < 0, (-0.5 + v).astype(np.int64), (0.5 + v).astype(np.int64))  # C casts truncate toward 0
    return first, wi, precision


def _weights(in_size, out_size, mode):
    """(first input index (out,), int16 weights (out, K) as int64, precision bits), antialiased taps: the
    float taps of ``_upsample_*2d_aa`` computed in double (``nn.functional._resample``), then quantized."""
    idx, w, _ = _resample.aa_taps(in_size, out_size, None, False, mode, np.float64)
    return _quantize(idx[0], w.T)


def _weights_bilinear_plain(in_size, out_size, mode):
    """Bilinear taps without antialias (``align_corners=False``): two per output, the source clamped at 0."""
    scale = in_size / out_size
    first = np.zeros(out_size, np.int64)
    w = np.zeros((out_size, 2), np.float64)
    for i in range(out_size):
        src = max(scale * (i + 0.5) - 0.5, 0.0)
        i0 = int(src)
        lam = src - i0
        first[i] = i0
        if i0 + 1 > in_size - 1:
            w[i, 0] = 1.0
        else:
            w[i, 0], w[i, 1] = 1.0 - lam, lam
    return _quantize(first, w)


def _pass(x, axis, out_size, mode, weights=_weights):
    in_size = x.shape[axis]
    first, w, precision = weights(in_size, out_size, mode)
    xm = np.moveaxis(x, axis, -1).astype(np.int64)
    acc = np.full(xm.shape[:-1] + (out_size,), 1 << (precision - 1) if precision > 0 else 0, np.int64)
    for k in range(w.shape[1]):
        idx = np.minimum(first + k, in_size - 1)
        acc += xm[..., idx] * w[:, k]
    out = np.clip(acc >> precision, 0, 255).astype(np.uint8)
    return np.moveaxis(out, -1, axis)


def resize(img, size, mode, antialias):
    """uint8 ``img`` (..., C, H, W) resized to ``size`` = [h, w]. Bicubic without antialias is PyTorch's float
    path here (its uint8 kernel differs by one level on a few values)."""
    if not antialias and mode != "bilinear":
        return F_v1._resize_tensor(Tensor(img), size, mode, False).numpy()
    weights = _weights if antialias else _weights_bilinear_plain
    oh, ow = size
    out = img
    if ow != img.shape[-1]:
        out = _pass(out, -1, ow, mode, weights)
    if oh != img.shape[-2]:
        out = _pass(out, -2, oh, mode, weights)
    return np.ascontiguousarray(out)
