# conv2d kernels: forward, gradient w.r.t. input, weight and bias.
#
# Shapes (all C-contiguous, one floating dtype):
#   x (N, C, H, W), w (O, C // groups, KH, KW), bias (O,) or empty, out (N, O, HO, WO).
# Zero padding: only top/left are passed; bottom/right are implied by HO/WO (a window
# position outside the input reads 0), so asymmetric padding needs nothing special.
#
# Notes:
# - First version: direct loops. prange over batch samples for forward and grad_input
#   (each sample's output is written by exactly one thread).
# - grad_weight / grad_bias: the batch is cut into chunks whose size depends on N only
#   (never on n_threads); each chunk's partial sum is made by one thread in sample order,
#   and the chunks are added in chunk order afterwards -> identical bits for any thread count.

cdef enum:
    _CONV_MAX_CHUNKS = 16  # at most this many reduction chunks (see _conv_chunk_size)


cdef inline Py_ssize_t _first_valid(Py_ssize_t off, Py_ssize_t stride) noexcept nogil:
    """Smallest o >= 0 with o*stride + off >= 0."""
    if off >= 0:
        return 0
    return (-off + stride - 1) // stride


cdef inline Py_ssize_t _end_valid(Py_ssize_t off, Py_ssize_t stride, Py_ssize_t size,
                                  Py_ssize_t n_out) noexcept nogil:
    """Smallest o >= 0 with o*stride + off >= size, clipped to n_out."""
    cdef Py_ssize_t e
    if off >= size:
        return 0
    e = (size - off + stride - 1) // stride
    return e if e < n_out else n_out


def _conv_check(str fn, Py_ssize_t n, Py_ssize_t c, Py_ssize_t o, Py_ssize_t cg,
                Py_ssize_t out_n, Py_ssize_t out_o, int stride_h, int stride_w, int pad_top, int pad_left,
                int dil_h, int dil_w, int groups, int n_threads):
    """Cheap shape sanity checks shared by the conv kernels (raise ValueError)."""
    if stride_h < 1 or stride_w < 1:
        raise ValueError(f"{fn}: stride must be positive, got ({stride_h}, {stride_w})")
    if dil_h < 1 or dil_w < 1:
        raise ValueError(f"{fn}: dilation must be positive, got ({dil_h}, {dil_w})")
    if pad_top < 0 or pad_left < 0:
        raise ValueError(f"{fn}: padding must be non-negative, got ({pad_top}, {pad_left})")
    if groups < 1:
        raise ValueError(f"{fn}: groups must be positive, got {groups}")
    if n_threads < 1:
        raise ValueError(f"{fn}: n_threads must be positive, got {n_threads}")
    if o % groups != 0:
        raise ValueError(f"{fn}: out_channels={o} is not divisible by groups={groups}")
    if cg * groups != c:
        raise ValueError(f"{fn}: input has {c} channels but weight with {cg} channels per group "
                         f"and groups={groups} expects {cg * groups}")
    if out_n != n or out_o != o:
        raise ValueError(f"{fn}: output/grad_output has batch {out_n} and {out_o} channels, "
                         f"expected batch {n} and {o} channels")


def conv2d_forward(const floating[:, :, :, ::1] x,     # IN  (N, C, H, W)
                   const floating[:, :, :, ::1] w,     # IN  (O, C // groups, KH, KW)
                   const floating[::1] bias,           # IN  (O,) or length 0 = no bias
                   floating[:, :, :, ::1] out,         # OUT (N, O, HO, WO), fully overwritten
                   int stride_h, int stride_w, int pad_top, int pad_left,
                   int dil_h, int dil_w, int groups, int n_threads):
    """out[n, o] = bias[o] + sum over c in o's group, kh, kw of w[o, c, kh, kw] * x[n, c, window]."""
    _conv_check("conv2d_forward", x.shape[0], x.shape[1], w.shape[0], w.shape[1], out.shape[0], out.shape[1],
                stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups, n_threads)
    if bias.shape[0] != 0 and bias.shape[0] != w.shape[0]:
        raise ValueError(f"conv2d_forward: bias has {bias.shape[0]} elements, expected {w.shape[0]} or 0")
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t O = w.shape[0], CG = w.shape[1], KH = w.shape[2], KW = w.shape[3]
    cdef Py_ssize_t HO = out.shape[2], WO = out.shape[3]
    cdef Py_ssize_t OG = O // groups
    cdef bint has_bias = bias.shape[0] != 0
    cdef Py_ssize_t n, o, cl, c, kh, kw, ho, wo, ih, iw_off, wo_lo, wo_hi, ho_lo, ho_hi
    cdef floating wv, b
    if N == 0 or O == 0 or HO == 0 or WO == 0:
        return
    for n in prange(N, nogil=True, schedule='static', num_threads=n_threads):
        for o in range(O):
            b = bias[o] if has_bias else 0
            for ho in range(HO):
                for wo in range(WO):
                    out[n, o, ho, wo] = b
            for cl in range(CG):
                c = (o // OG) * CG + cl
                for kh in range(KH):
                    ho_lo = _first_valid(kh * dil_h - pad_top, stride_h)
                    ho_hi = _end_valid(kh * dil_h - pad_top, stride_h, H, HO)
                    for kw in range(KW):
                        wv = w[o, cl, kh, kw]
                        iw_off = kw * dil_w - pad_left
                        wo_lo = _first_valid(iw_off, stride_w)
                        wo_hi = _end_valid(iw_off, stride_w, W, WO)
                        for ho in range(ho_lo, ho_hi):
                            ih = ho * stride_h + kh * dil_h - pad_top
                            for wo in range(wo_lo, wo_hi):
                                out[n, o, ho, wo] += wv * x[n, c, ih, wo * stride_w + iw_off]


def conv2d_grad_input(const floating[:, :, :, ::1] grad_out,  # IN  (N, O, HO, WO)
                      const floating[:, :, :, ::1] w,         # IN  (O, C // groups, KH, KW)
                      floating[:, :, :, ::1] grad_in,         # OUT (N, C, H, W), fully overwritten
                      int stride_h, int stride_w, int pad_top, int pad_left,
                      int dil_h, int dil_w, int groups, int n_threads):
    """grad_in = d loss / d x given grad_out = d loss / d out."""
    _conv_check("conv2d_grad_input", grad_in.shape[0], grad_in.shape[1], w.shape[0], w.shape[1],
                grad_out.shape[0], grad_out.shape[1], stride_h, stride_w, pad_top, pad_left,
                dil_h, dil_w, groups, n_threads)
    cdef Py_ssize_t N = grad_in.shape[0], C = grad_in.shape[1], H = grad_in.shape[2], W = grad_in.shape[3]
    cdef Py_ssize_t O = w.shape[0], CG = w.shape[1], KH = w.shape[2], KW = w.shape[3]
    cdef Py_ssize_t HO = grad_out.shape[2], WO = grad_out.shape[3]
    cdef Py_ssize_t OG = O // groups
    cdef Py_ssize_t n, o, cl, c, kh, kw, ho, wo, ih, iw_off, wo_lo, wo_hi, ho_lo, ho_hi
    cdef floating wv
    if N == 0:
        return
    for n in prange(N, nogil=True, schedule='static', num_threads=n_threads):
        for c in range(C):
            for ih in range(H):
                for iw_off in range(W):
                    grad_in[n, c, ih, iw_off] = 0
        if HO == 0 or WO == 0:
            continue
        for o in range(O):
            for cl in range(CG):
                c = (o // OG) * CG + cl
                for kh in range(KH):
                    ho_lo = _first_valid(kh * dil_h - pad_top, stride_h)
                    ho_hi = _end_valid(kh * dil_h - pad_top, stride_h, H, HO)
                    for kw in range(KW):
                        wv = w[o, cl, kh, kw]
                        iw_off = kw * dil_w - pad_left
                        wo_lo = _first_valid(iw_off, stride_w)
                        wo_hi = _end_valid(iw_off, stride_w, W, WO)
                        for ho in range(ho_lo, ho_hi):
                            ih = ho * stride_h + kh * dil_h - pad_top
                            for wo in range(wo_lo, wo_hi):
                                grad_in[n, c, ih, wo * stride_w + iw_off] += wv * grad_out[n, o, ho, wo]


cdef inline Py_ssize_t _conv_chunk_size(Py_ssize_t N) noexcept nogil:
    """Samples per reduction chunk: a function of N only, so results never depend on n_threads."""
    return (N + _CONV_MAX_CHUNKS - 1) // _CONV_MAX_CHUNKS


def conv2d_grad_weight(const floating[:, :, :, ::1] x,         # IN  (N, C, H, W)
                       const floating[:, :, :, ::1] grad_out,  # IN  (N, O, HO, WO)
                       floating[:, :, :, ::1] grad_w,          # OUT (O, C // groups, KH, KW), overwritten
                       int stride_h, int stride_w, int pad_top, int pad_left,
                       int dil_h, int dil_w, int groups, int n_threads):
    """grad_w = d loss / d w, summed over the batch in fixed-size chunks (deterministic)."""
    _conv_check("conv2d_grad_weight", x.shape[0], x.shape[1], grad_w.shape[0], grad_w.shape[1],
                grad_out.shape[0], grad_out.shape[1], stride_h, stride_w, pad_top, pad_left,
                dil_h, dil_w, groups, n_threads)
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t O = grad_w.shape[0], CG = grad_w.shape[1], KH = grad_w.shape[2], KW = grad_w.shape[3]
    cdef Py_ssize_t HO = grad_out.shape[2], WO = grad_out.shape[3]
    cdef Py_ssize_t OG = O // groups
    cdef Py_ssize_t wsize = O * CG * KH * KW
    cdef Py_ssize_t chunk = _conv_chunk_size(N) if N > 0 else 1
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t k, n, o, cl, c, kh, kw, ho, wo, ih, iw_off, wo_lo, wo_hi, ho_lo, ho_hi, i
    cdef floating acc
    cdef floating[:, :, :, :, ::1] part
    grad_w[...] = 0
    if N == 0 or wsize == 0:
        return
    part = np.zeros((n_chunks, O, CG, KH, KW), dtype=np.asarray(grad_w).dtype)
    for k in prange(n_chunks, nogil=True, schedule='static', num_threads=n_threads):
        for n in range(k * chunk, min(N, (k + 1) * chunk)):
            for o in range(O):
                for cl in range(CG):
                    c = (o // OG) * CG + cl
                    for kh in range(KH):
                        ho_lo = _first_valid(kh * dil_h - pad_top, stride_h)
                        ho_hi = _end_valid(kh * dil_h - pad_top, stride_h, H, HO)
                        for kw in range(KW):
                            iw_off = kw * dil_w - pad_left
                            wo_lo = _first_valid(iw_off, stride_w)
                            wo_hi = _end_valid(iw_off, stride_w, W, WO)
                            acc = 0
                            for ho in range(ho_lo, ho_hi):
                                ih = ho * stride_h + kh * dil_h - pad_top
                                for wo in range(wo_lo, wo_hi):
                                    acc = acc + grad_out[n, o, ho, wo] * x[n, c, ih, wo * stride_w + iw_off]
                            part[k, o, cl, kh, kw] += acc
    for k in range(n_chunks):
        for o in range(O):
            for cl in range(CG):
                for kh in range(KH):
                    for kw in range(KW):
                        grad_w[o, cl, kh, kw] += part[k, o, cl, kh, kw]


def conv2d_grad_bias(const floating[:, :, :, ::1] grad_out,  # IN  (N, O, HO, WO)
                     floating[::1] grad_b,                   # OUT (O,), fully overwritten
                     int n_threads):
    """grad_b[o] = sum of grad_out[:, o] over batch and space (fixed chunks, deterministic)."""
    if n_threads < 1:
        raise ValueError(f"conv2d_grad_bias: n_threads must be positive, got {n_threads}")
    if grad_b.shape[0] != grad_out.shape[1]:
        raise ValueError(f"conv2d_grad_bias: grad_b has {grad_b.shape[0]} elements, "
                         f"expected {grad_out.shape[1]}")
    cdef Py_ssize_t N = grad_out.shape[0], O = grad_out.shape[1]
    cdef Py_ssize_t P = grad_out.shape[2] * grad_out.shape[3]
    cdef Py_ssize_t chunk = _conv_chunk_size(N) if N > 0 else 1
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t k, n, o, p
    cdef double acc
    cdef double[:, ::1] part
    grad_b[:] = 0
    if N == 0 or O == 0:
        return
    part = np.zeros((n_chunks, O), dtype=np.float64)
    cdef const floating* go = &grad_out[0, 0, 0, 0]
    for k in prange(n_chunks, nogil=True, schedule='static', num_threads=n_threads):
        for n in range(k * chunk, min(N, (k + 1) * chunk)):
            for o in range(O):
                acc = 0
                for p in range(P):
                    acc = acc + go[(n * O + o) * P + p]
                part[k, o] += acc
    for o in range(O):
        acc = 0
        for k in range(n_chunks):
            acc = acc + part[k, o]
        grad_b[o] = <floating>acc
