# Pooling kernels: max-pool and average-pool, forward and backward.
#
# Every kernel works on a stack of independent planes: the caller reshapes a batch
# (N, C, H, W) to (N*C, H, W) (C-contiguous), so one plane is one (sample, channel).
# ``prange`` runs over the planes with a static schedule; a plane is read and written by
# exactly one thread, so the backward scatter (``grad_in[p, idx] += g``) has no data race
# and results are the same bits for any thread count.
#
# Notes:
# - Window bounds follow PyTorch's CPU kernels (aten/src/ATen/native/cpu/MaxPoolKernel.cpp,
#   AvgPoolKernel.cpp): a window starts at ``o * stride - pad``; taps outside the input are
#   skipped (padding never wins a max, and counts in an average only with count_include_pad).
# - Max pool: the first maximum in row-major window order wins; NaN always wins (PyTorch's
#   ``val > maxval || isnan(val)``). Indices are flat positions ``h * W + w`` in the plane.
# - Max-pool indices are int16 when the plane has fewer than 2**15 elements (a quarter of the memory
#   kept for backward; 28x28 MNIST planes), int32 below 2**31, else int64 (fused type ``pool_index``);
#   the Python wrapper hands users int64.
# - A window that covers only padding has no tap: the Python wrapper refuses such calls before
#   the kernel runs (PyTorch 2.13 returns -inf with an index outside the plane there, and its
#   backward then writes out of bounds). The kernel is safe anyway: such a window gives -inf and
#   index -1, and the backward skips indices outside the plane.
# - 2x2 windows (the usual CNN pool) have an unrolled, branch-light path (see
#   ``_max_pool2d_forward_2x2``); it gives the same values and indices as the general loop.
#   Measured on (256, 32, 28, 28) float32, one thread: ~5 ms, vs ~25 ms for the general
#   loop and ~30 ms for PyTorch 2.13's max_pool2d (mispredicted branches on random data).
#   For float32 planes with int16 indices and stride 2 (MNIST's pools) a C kernel does it,
#   AVX2 with a scalar twin (_pool_kernels.h): 9.5 -> 1.8 ms there (same values and indices).
# - Sums of average pooling accumulate in double (PyTorch's CPU acc_type for float is double).
from libc.math cimport INFINITY

cdef extern from "_pool_kernels.h" nogil:
    int mc_maxpool2x2s2_f32_i16(const float* x, ptrdiff_t W, float* out, short* idx,
                                ptrdiff_t OH, ptrdiff_t OW)

ctypedef fused pool_index:
    short
    int
    long long


cdef void _max_pool_plane(const floating[:, :, ::1] x, floating[:, :, ::1] out,
                          pool_index[:, :, ::1] indices, Py_ssize_t p,
                          int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) noexcept nogil:
    """Max pool of plane ``p`` with PyTorch's general rule (any padding, dilation, NaN)."""
    cdef Py_ssize_t H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t oh, ow, ih, iw, ih0, iw0, ih1, iw1, best_idx
    cdef floating v, best
    for oh in range(OH):
        ih0 = oh * sh - ph
        ih1 = min(ih0 + (kh - 1) * dh + 1, H)
        while ih0 < 0:
            ih0 = ih0 + dh
        for ow in range(OW):
            iw0 = ow * sw - pw
            iw1 = min(iw0 + (kw - 1) * dw + 1, W)
            while iw0 < 0:
                iw0 = iw0 + dw
            best_idx = -1  # stays -1 only for a window without taps (refused in Python)
            best = -INFINITY
            ih = ih0
            while ih < ih1:
                iw = iw0
                while iw < iw1:
                    v = x[p, ih, iw]
                    if v > best or v != v or best_idx < 0:
                        best = v
                        best_idx = ih * W + iw
                    iw = iw + dw
                ih = ih + dh
            out[p, oh, ow] = best
            indices[p, oh, ow] = <pool_index>best_idx


cdef int _pool_check(str fn, Py_ssize_t P, Py_ssize_t P_out, int kh, int kw, int sh, int sw,
                     int dh, int dw) except -1:
    """The pool kernels give each of the P planes to one thread: both sides must have them all;
    windows are clipped to the plane, which needs positive sizes, strides and dilations."""
    if P_out != P:
        raise ValueError(f"{fn}: the input side has {P} planes, the output side {P_out}")
    if min(kh, kw, sh, sw, dh, dw) < 1:
        raise ValueError(f"{fn}: kernel size, stride and dilation must be positive, got "
                         f"({kh}, {kw}), ({sh}, {sw}), ({dh}, {dw})")
    return 0


def max_pool2d_forward(const floating[:, :, ::1] x,     # IN  (P, H, W)
                       floating[:, :, ::1] out,         # OUT (P, OH, OW)
                       pool_index[:, :, ::1] indices,   # OUT (P, OH, OW) flat index into H*W
                       int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                       int n_threads):
    """Max over each (kh x kw) window (dilated by dh, dw) of each plane."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    _pool_check("max_pool2d_forward", P, out.shape[0], kh, kw, sh, sw, dh, dw)
    _same_shape("max_pool2d_forward", (P, OH, OW), (indices.shape[0], indices.shape[1], indices.shape[2]), "indices")
    cdef Py_ssize_t p
    if (kh == 2 and kw == 2 and ph == 0 and pw == 0 and dh == 1 and dw == 1
            and (OH - 1) * sh + 2 <= H and (OW - 1) * sw + 2 <= W):
        _max_pool2d_forward_2x2(x, out, indices, sh, sw, n_threads)
        return
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        _max_pool_plane(x, out, indices, p, kh, kw, sh, sw, ph, pw, dh, dw)


cdef void _max_pool2d_forward_2x2(const floating[:, :, ::1] x, floating[:, :, ::1] out,
                                  pool_index[:, :, ::1] indices, int sh, int sw,
                                  int n_threads) noexcept nogil:
    """max_pool2d_forward for 2x2 windows that lie inside the input (no padding, no dilation).

    The four taps are unrolled so the compiler turns the comparisons into conditional moves;
    the general loop over a window costs ~5-10x more here, mostly in mispredicted branches on
    random data. NaN is only noticed (one flag per plane); a plane holding a NaN is redone
    with the general rule, so values and indices always match PyTorch's.
    """
    cdef Py_ssize_t P = x.shape[0], W = x.shape[2]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw
    cdef floating a, b, c, d, best
    cdef int has_nan, best_k, w = <int>W
    if floating is float and pool_index is short and sh == 2 and sw == 2 and OH > 0 and OW > 0:
        # the MNIST case: a C kernel (AVX2 or its scalar twin, _pool_kernels.h), same values
        # and indices as the loop below
        for p in prange(P, schedule='static', num_threads=n_threads):
            if mc_maxpool2x2s2_f32_i16(&x[p, 0, 0], W, &out[p, 0, 0], &indices[p, 0, 0], OH, OW):
                _max_pool_plane(x, out, indices, p, 2, 2, sh, sw, 0, 0, 1, 1)
        return
    for p in prange(P, schedule='static', num_threads=n_threads):
        has_nan = 0
        for oh in range(OH):
            ih = oh * sh
            for ow in range(OW):
                iw = ow * sw
                a = x[p, ih, iw]
                b = x[p, ih, iw + 1]
                c = x[p, ih + 1, iw]
                d = x[p, ih + 1, iw + 1]
                has_nan = has_nan | (a != a) | (b != b) | (c != c) | (d != d)
                best = a
                best_k = 0
                if b > best:
                    best = b
                    best_k = 1
                if c > best:
                    best = c
                    best_k = w
                if d > best:
                    best = d
                    best_k = w + 1
                out[p, oh, ow] = best
                indices[p, oh, ow] = <pool_index>(ih * W + iw + best_k)
        if has_nan:
            _max_pool_plane(x, out, indices, p, 2, 2, sh, sw, 0, 0, 1, 1)


def max_pool2d_backward(const floating[:, :, ::1] grad_out,   # IN  (P, OH, OW)
                        const pool_index[:, :, ::1] indices,  # IN  (P, OH, OW) from the forward
                        floating[:, ::1] grad_in,             # OUT (P, H*W), fully overwritten
                        int n_threads):
    """grad_in[p, indices[p, o]] += grad_out[p, o]; one thread owns a whole plane, zeroes it
    (while it is in that thread's cache) and scatters into it."""
    cdef Py_ssize_t P = grad_out.shape[0], OH = grad_out.shape[1], OW = grad_out.shape[2]
    cdef Py_ssize_t HW = grad_in.shape[1]
    _same_shape("max_pool2d_backward", (P, OH, OW), (indices.shape[0], indices.shape[1], indices.shape[2]), "indices")
    _same_shape("max_pool2d_backward", (P,), (grad_in.shape[0],), "grad_in's planes")
    cdef Py_ssize_t p, oh, ow, i
    if HW == 0:
        return
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        memset(&grad_in[p, 0], 0, HW * sizeof(floating))
        for oh in range(OH):
            for ow in range(OW):
                i = indices[p, oh, ow]
                if 0 <= i < HW:  # always true for indices from max_pool2d_forward with taps
                    grad_in[p, i] += grad_out[p, oh, ow]


def avg_pool2d_forward(const floating[:, :, ::1] x,   # IN  (P, H, W)
                       floating[:, :, ::1] out,       # OUT (P, OH, OW)
                       int kh, int kw, int sh, int sw, int ph, int pw,
                       bint count_include_pad, long long divisor_override,   # 0 = none
                       int n_threads):
    """Mean over each window; the divisor follows PyTorch (count_include_pad, divisor_override)."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    _pool_check("avg_pool2d_forward", P, out.shape[0], kh, kw, sh, sw, 1, 1)
    cdef Py_ssize_t p, oh, ow, ih, iw, ih0, ih1, iw0, iw1, hpad, wpad
    cdef double acc, divide
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        for oh in range(OH):
            # window rows [ih0, ih1) clipped to the input; hpad = its length counting padding
            ih0 = oh * sh - ph
            ih1 = min(ih0 + kh, H + ph)
            hpad = ih1 - ih0
            ih0 = max(ih0, 0)
            ih1 = min(ih1, H)
            for ow in range(OW):
                iw0 = ow * sw - pw
                iw1 = min(iw0 + kw, W + pw)
                wpad = iw1 - iw0
                iw0 = max(iw0, 0)
                iw1 = min(iw1, W)
                if ih0 >= ih1 or iw0 >= iw1:
                    out[p, oh, ow] = 0
                    continue
                acc = 0
                for ih in range(ih0, ih1):
                    for iw in range(iw0, iw1):
                        acc = acc + x[p, ih, iw]
                if divisor_override != 0:
                    divide = divisor_override
                elif count_include_pad:
                    divide = hpad * wpad
                else:
                    divide = (ih1 - ih0) * (iw1 - iw0)
                out[p, oh, ow] = <floating>(acc / divide)


def avg_pool2d_backward(const floating[:, :, ::1] grad_out,   # IN  (P, OH, OW)
                        floating[:, :, ::1] grad_in,          # OUT (P, H, W), zero-filled by the caller
                        int kh, int kw, int sh, int sw, int ph, int pw,
                        bint count_include_pad, long long divisor_override,
                        int n_threads):
    """Spread each output gradient evenly (by the forward's divisor) over its window."""
    cdef Py_ssize_t P = grad_in.shape[0], H = grad_in.shape[1], W = grad_in.shape[2]
    cdef Py_ssize_t OH = grad_out.shape[1], OW = grad_out.shape[2]
    _pool_check("avg_pool2d_backward", P, grad_out.shape[0], kh, kw, sh, sw, 1, 1)
    cdef Py_ssize_t p, oh, ow, ih, iw, ih0, ih1, iw0, iw1, hpad, wpad
    cdef double divide
    cdef floating g
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        for oh in range(OH):
            ih0 = oh * sh - ph
            ih1 = min(ih0 + kh, H + ph)
            hpad = ih1 - ih0
            ih0 = max(ih0, 0)
            ih1 = min(ih1, H)
            for ow in range(OW):
                iw0 = ow * sw - pw
                iw1 = min(iw0 + kw, W + pw)
                wpad = iw1 - iw0
                iw0 = max(iw0, 0)
                iw1 = min(iw1, W)
                if ih0 >= ih1 or iw0 >= iw1:
                    continue
                if divisor_override != 0:
                    divide = divisor_override
                elif count_include_pad:
                    divide = hpad * wpad
                else:
                    divide = (ih1 - ih0) * (iw1 - iw0)
                g = <floating>(grad_out[p, oh, ow] / divide)
                for ih in range(ih0, ih1):
                    for iw in range(iw0, iw1):
                        grad_in[p, ih, iw] += g
