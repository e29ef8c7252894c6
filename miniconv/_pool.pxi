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
# - Sums of average pooling accumulate in double (PyTorch's CPU acc_type for float is double).
from libc.math cimport INFINITY


def max_pool2d_forward(const floating[:, :, ::1] x,     # IN  (P, H, W)
                       floating[:, :, ::1] out,         # OUT (P, OH, OW)
                       long long[:, :, ::1] indices,    # OUT (P, OH, OW) flat index into H*W
                       int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                       int n_threads):
    """Max over each (kh x kw) window (dilated by dh, dw) of each plane."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, ih0, iw0, ih1, iw1, best_idx
    cdef floating v, best
    cdef bint inside
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        for oh in range(OH):
            ih0 = oh * sh - ph
            ih1 = ih0 + (kh - 1) * dh + 1
            if ih1 > H:
                ih1 = H
            while ih0 < 0:
                ih0 = ih0 + dh
            for ow in range(OW):
                iw0 = ow * sw - pw
                iw1 = iw0 + (kw - 1) * dw + 1
                if iw1 > W:
                    iw1 = W
                while iw0 < 0:
                    iw0 = iw0 + dw
                best_idx = ih0 * W + iw0
                best = -INFINITY
                ih = ih0
                while ih < ih1:
                    iw = iw0
                    while iw < iw1:
                        v = x[p, ih, iw]
                        if v > best or v != v:
                            best = v
                            best_idx = ih * W + iw
                        iw = iw + dw
                    ih = ih + dh
                out[p, oh, ow] = best
                indices[p, oh, ow] = best_idx


def max_pool2d_backward(const floating[:, :, ::1] grad_out,   # IN  (P, OH, OW)
                        const long long[:, :, ::1] indices,   # IN  (P, OH, OW) from the forward
                        floating[:, ::1] grad_in,             # OUT (P, H*W), zero-filled by the caller
                        int n_threads):
    """grad_in[p, indices[p, o]] += grad_out[p, o]; one thread owns a whole plane."""
    cdef Py_ssize_t P = grad_out.shape[0], OH = grad_out.shape[1], OW = grad_out.shape[2]
    cdef Py_ssize_t p, oh, ow
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        for oh in range(OH):
            for ow in range(OW):
                grad_in[p, indices[p, oh, ow]] += grad_out[p, oh, ow]


cdef inline Py_ssize_t _avg_window(Py_ssize_t o, int k, int s, int pad, Py_ssize_t size,
                                   Py_ssize_t* start, Py_ssize_t* end) noexcept nogil:
    """Clip the window of output ``o`` to the input; return its length counting padding."""
    cdef Py_ssize_t i0 = o * s - pad
    cdef Py_ssize_t i1 = i0 + k
    if i1 > size + pad:
        i1 = size + pad
    cdef Py_ssize_t padded = i1 - i0
    if i0 < 0:
        i0 = 0
    if i1 > size:
        i1 = size
    start[0] = i0
    end[0] = i1
    return padded


def avg_pool2d_forward(const floating[:, :, ::1] x,   # IN  (P, H, W)
                       floating[:, :, ::1] out,       # OUT (P, OH, OW)
                       int kh, int kw, int sh, int sw, int ph, int pw,
                       bint count_include_pad, long long divisor_override,   # 0 = none
                       int n_threads):
    """Mean over each window; the divisor follows PyTorch (count_include_pad, divisor_override)."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t OH = out.shape[1], OW = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, ih0, ih1, iw0, iw1, hpad, wpad
    cdef double acc, divide
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        for oh in range(OH):
            hpad = _avg_window(oh, kh, sh, ph, H, &ih0, &ih1)
            for ow in range(OW):
                wpad = _avg_window(ow, kw, sw, pw, W, &iw0, &iw1)
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
    cdef Py_ssize_t p, oh, ow, ih, iw, ih0, ih1, iw0, iw1, hpad, wpad
    cdef double divide
    cdef floating g
    for p in prange(P, nogil=True, schedule='static', num_threads=n_threads):
        for oh in range(OH):
            hpad = _avg_window(oh, kh, sh, ph, H, &ih0, &ih1)
            for ow in range(OW):
                wpad = _avg_window(ow, kw, sw, pw, W, &iw0, &iw1)
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
