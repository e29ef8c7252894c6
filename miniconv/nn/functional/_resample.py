"""Interpolation taps along one axis, as PyTorch's CPU kernels compute them (``UpSample.h``,
``cpu/UpSampleKernel.cpp``), on NumPy arrays: the bicubic taps of ``upsample_bicubic2d`` and the antialiased
(PIL-style) taps of ``_upsample_bilinear2d_aa`` / ``_upsample_bicubic2d_aa``; ``apply_taps`` resamples one axis
with them, ``taps_matrix`` gives the (out, in) matrix whose transpose is the backward.

# Notes:
# - Output position o along an axis reads ``sum_k w[k, o] * x[idx[k, o]]``; idx (K, out) int64, w (K, out).
# - PyTorch's kernels are compiled with fused multiply-adds: each tap is ``acc = fma(x, w, acc)`` (one rounding),
#   and some steps of the cubic polynomials are fused too (all of them in the antialiased filter, the first two
#   of cubic_convolution2 in the plain bicubic taps: which ones, found against torch 2.13's bits). ``fma``
#   reproduces that: float32 through float64 (the product is exact there), float64 through an error-free
#   product and sum.
# - The bicubic kernel starts its sum with the second tap (the one at floor(src)), then adds taps 0, 2, 3:
#   that order (found against torch 2.13) gives PyTorch's bits.
"""
import numpy as np
import scipy.sparse

CUBIC_ORDER = (1, 0, 2, 3)


def _two_prod(a, b):
    """a * b = p + e exactly (Dekker's product with Veltkamp's split), float64."""
    p = a * b
    c = 134217729.0 * a  # 2**27 + 1
    a_hi = c - (c - a)
    a_lo = a - a_hi
    c = 134217729.0 * b
    b_hi = c - (c - b)
    b_lo = b - b_hi
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def fma(a, b, c, dtype):
    """``a * b + c`` rounded once to ``dtype`` (float32 exactly up to a double rounding; float64 through an
    error-free product and sum, which rounds faithfully)."""
    dtype = np.dtype(dtype)
    if dtype != np.float64:
        return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(dtype)
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    p, e = _two_prod(a, b)
    s = p + c
    bp = s - p
    err = (p - (s - bp)) + (c - bp)  # two_sum's error
    return s + (e + err)


def compute_scale(in_size, out_size, scale, align_corners, dtype):
    """PyTorch's area_pixel_compute_scale in the kernel's type: 1/scale_factor (in double, then rounded) when
    one is given, else in/out; (in - 1)/(out - 1) with align_corners."""
    f = dtype.type
    if out_size <= 1 and align_corners:
        return f(0)
    if align_corners:
        return f((in_size - 1) / (out_size - 1))
    if scale is not None and scale > 0:
        return f(1.0 / scale)
    return f(in_size) / f(out_size)


def _cubic1(x, a, dtype, fused):
    """((A + 2) * x - (A + 3)) * x * x + 1; ``fused``: both additions are fused multiply-adds."""
    f = dtype.type
    if fused:
        return fma((fma(a + f(2), x, -(a + f(3)), dtype) * x).astype(dtype), x, f(1), dtype)
    return ((((a + f(2)) * x).astype(dtype) - (a + f(3))) * x * x + f(1)).astype(dtype)


def _cubic2(x, a, dtype, fused):
    """((A * x - 5A) * x + 8A) * x - 4A with its first two steps fused (all three if ``fused``)."""
    f = dtype.type
    v = fma(fma(a, x, -(f(5) * a), dtype), x, f(8) * a, dtype)
    return fma(v, x, -(f(4) * a), dtype) if fused else ((v * x).astype(dtype) - f(4) * a).astype(dtype)


def cubic_taps(in_size, out_size, scale, align_corners, dtype):
    """``upsample_bicubic2d``'s four taps per output (A = -0.75), indices clamped to the border."""
    dtype = np.dtype(dtype)
    f = dtype.type
    s = compute_scale(in_size, out_size, scale, align_corners, dtype)
    dst = np.arange(out_size)
    if align_corners:
        src = (s * dst.astype(dtype)).astype(dtype)
    else:  # scale * (dst + 0.5) - 0.5 evaluated in double, as the C++ expression's types make it
        src = (np.float64(s) * (dst + 0.5) - 0.5).astype(dtype)
    i0 = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), in_size - 1)  # floorf
    t = np.clip((src - i0.astype(dtype)).astype(dtype), f(0), f(1))
    a = f(-0.75)
    u = (f(1) - t).astype(dtype)
    w = np.stack([_cubic2((t + f(1)).astype(dtype), a, dtype, False), _cubic1(t, a, dtype, False),
                  _cubic1(u, a, dtype, False), _cubic2((u + f(1)).astype(dtype), a, dtype, False)])
    idx = np.clip(i0[None, :] + np.arange(-1, 3)[:, None], 0, in_size - 1)
    return idx, w.astype(dtype)


INTERP_SIZE = {"bilinear": 2, "bicubic": 4, "lanczos": 6}


def _aa_filter(x, mode, a, dtype):
    x = np.abs(x)
    f = dtype.type
    if mode == "bilinear":
        return np.where(x < 1, (f(1) - x).astype(dtype), f(0))
    if mode == "lanczos":  # Lanczos-3, PIL's: sinc(x) * sinc(x / 3) on |x| < 3
        return np.where(x < 3, (np.sinc(x) * np.sinc(x / f(3))).astype(dtype), f(0))
    a = f(a)
    return np.where(x < 1, _cubic1(x, a, dtype, True), np.where(x < 2, _cubic2(x, a, dtype, True), f(0)))


def aa_taps(in_size, out_size, scale, align_corners, mode, dtype, antialias=True):
    """The antialiased taps of ``_upsample_{bilinear,bicubic,lanczos}2d_aa``: a filter (triangle, cubic with
    A = -0.5, or Lanczos-3) stretched by the scale when downsampling, its support ``interp_size / 2 * scale``,
    the weights normalised by their sum per output. Upsampling gives the plain mode's filter (but bicubic's A = -0.5).
    ``antialias=False``: the same construction unstretched, A = -0.75, ``align_corners`` centring on
    ``scale * i + 0.5`` (the weights of PyTorch's uint8 kernels without antialias: bilinear drops the taps
    outside the input, bicubic clamps them to the border).
    Returns (idx, w, unfused): PyTorch's compiled loop adds taps 1..unfused[o] as rounded products (its
    vectorised part, 128-bit vectors: 4 floats or 2 doubles a step) and the remaining ones with fused
    multiply-adds."""
    dtype = np.dtype(dtype)
    f = dtype.type
    s = compute_scale(in_size, out_size, scale, align_corners, dtype)
    interp_size = INTERP_SIZE[mode]
    stretch = antialias and s >= 1
    support = f(interp_size * 0.5 * s) if stretch else f(interp_size * 0.5)
    invscale = f(1.0 / np.float64(s)) if stretch else f(1)
    max_taps = int(np.ceil(support)) * 2 + 1 if antialias else interp_size
    delta = 0.5 if align_corners and not antialias else 0.0
    center = (np.float64(s) * (np.arange(out_size) + 0.5 - delta) + delta).astype(dtype)
    low = (center - support).astype(np.float64) + 0.5
    if not antialias and mode == "bicubic":  # four taps from floor(low), clamped to the border
        xmin = np.floor(low).astype(np.int64)
        xsize = np.full(out_size, max_taps)
    else:  # taps outside the input dropped (the rest renormalised)
        xmin = np.maximum(low.astype(np.int64), 0)
        xsize = np.clip(np.minimum(((center + support).astype(np.float64) + 0.5).astype(np.int64), in_size) - xmin,
                        0, max_taps)
    k = np.arange(max_taps)[:, None]
    pos = ((k + xmin[None, :]).astype(dtype) - center[None, :]).astype(np.float64)
    w = _aa_filter(((pos + 0.5) * np.float64(invscale)).astype(dtype), mode, -0.5 if antialias else -0.75, dtype)
    w = np.where(k < xsize[None, :], w, f(0)).astype(dtype)
    total = np.zeros(out_size, dtype)
    for j in range(max_taps):  # summed in order, as the kernel's loop
        total = (total + w[j]).astype(dtype)
    w = np.where(total != 0, w / np.where(total == 0, f(1), total), w).astype(dtype)
    lanes = 16 // dtype.itemsize  # 128-bit vectors
    return np.clip(xmin[None, :] + k, 0, in_size - 1), w, (xsize - 1) // lanes * lanes


def _quantize(w):
    """PyTorch's int16 weights: the largest precision (< 22 bits) for which the biggest weight stays below
    2**15, each weight rounded half away from zero (C casts truncate)."""
    wt_max = w.max() if w.size else 0.0
    precision = 0
    while precision < 22 and int(0.5 + wt_max * (1 << (precision + 1))) < (1 << 15):
        precision += 1
    v = w * (1 << precision)
    return np.where(v < 0, (-0.5 + v).astype(np.int64), (0.5 + v).astype(np.int64)), precision


def resize_uint8(x, out_size, scales, align_corners, mode, antialias):
    """PyTorch's native uint8 resize (``UpSampleKernel.cpp``: ``_compute_index_ranges_int16_weights`` and the
    uint8 horizontal/vertical passes), used by ``interpolate`` on uint8 bilinear/bicubic input and by
    torchvision's v2 on CPU: per axis, the taps of ``aa_taps`` in double, rounded to int16 fixed point; each
    output an integer dot product plus half an LSB, shifted down and clamped to [0, 255]; the width pass first
    (into uint8), then the height pass, each skipped when its size stays. ``x`` (..., H, W)."""
    for axis, n, scale in ((-1, out_size[1], scales[1]), (-2, out_size[0], scales[0])):
        in_size = x.shape[axis]
        if n == in_size:
            continue
        idx, w, _ = aa_taps(in_size, n, scale, align_corners, mode, np.float64, antialias)
        wi, precision = _quantize(w)
        xm = np.moveaxis(x, axis, -1).astype(np.int64)
        acc = np.full(xm.shape[:-1] + (n,), 1 << (precision - 1) if precision > 0 else 0, np.int64)
        for k in range(len(idx)):
            acc += xm[..., idx[k]] * wi[k]
        x = np.moveaxis(np.clip(acc >> precision, 0, 255).astype(np.uint8), -1, axis)
    return np.ascontiguousarray(x)


def apply_taps(x, axis, idx, w, order=None, unfused=None):
    """Resample array ``x`` along ``axis``: ``sum_k w[k] * x[idx[k]]`` as a chain of fused multiply-adds in
    ``order`` (default: taps in order; taps 1..unfused[o] of output o added unfused, see ``aa_taps``).
    float16 is computed in float32 (PyTorch's opmath) and rounded back."""
    dtype = np.dtype(x.dtype)
    work = np.dtype(np.float32) if dtype == np.float16 else dtype
    order = list(range(len(idx)) if order is None else order)
    shape = [1] * x.ndim
    shape[axis] = idx.shape[1]
    xk = np.take(x, idx[order[0]], axis=axis).astype(work, copy=False)
    out = (xk * w[order[0]].astype(work).reshape(shape)).astype(work, copy=False)
    wide = np.empty(out.shape, np.float64) if work == np.float32 else None  # float32 fma through float64
    for k in order[1:]:
        xk = np.take(x, idx[k], axis=axis).astype(work, copy=False)
        wk = w[k].astype(work).reshape(shape)
        plain = None if unfused is None else (k <= unfused).reshape(shape)
        if plain is not None and plain.all():
            out += xk * wk
            continue
        if wide is None:
            fused = fma(xk, wk, out, work)
        else:  # in place: x * w + acc exactly in float64, rounded once to float32
            np.multiply(xk, wk.astype(np.float64), out=wide)
            wide += out
            fused = wide.astype(np.float32)
        out = fused if plain is None or not plain.any() else np.where(plain, out + xk * wk, fused)
    return out.astype(dtype, copy=False)


def taps_matrix(in_size, idx, w, dtype):
    """The (out, in) matrix of the taps: row o holds the weights output o gives each input (clamped taps add).
    Dense when small, else scipy's CSR (K nonzeros a row: the backward's cost then grows with K, not in)."""
    out_size = idx.shape[1]
    rows = np.broadcast_to(np.arange(out_size), idx.shape).ravel()
    if out_size * in_size <= 1 << 16:
        m = np.zeros((out_size, in_size), dtype)
        np.add.at(m, (rows, idx.ravel()), w.ravel().astype(dtype))
        return m
    return scipy.sparse.csr_matrix((w.ravel().astype(dtype), (rows, idx.ravel())), shape=(out_size, in_size))


def apply_matrix_transposed(g, axis, m):
    """``g`` (the gradient of a resized array) times the (out, in) matrix ``m`` along ``axis``: each input
    position gets ``sum_o m[o, i] * g[o]``. One 2-D product (BLAS) for the whole array."""
    if axis == g.ndim - 1:
        out = np.asarray(g.reshape(-1, g.shape[-1]) @ m)
        return out.reshape(g.shape[:-1] + (m.shape[1],))
    moved = np.moveaxis(g, axis, 0)
    out = np.asarray(m.T @ np.ascontiguousarray(moved).reshape(m.shape[0], -1))
    return np.moveaxis(out.reshape((m.shape[1],) + moved.shape[1:]), 0, axis)
