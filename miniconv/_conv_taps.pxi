# "taps" algorithm (stride 1): one BLAS GEMM per kernel tap on zero-padded planes, no im2col.
# Used only when forced (algorithm='taps'): the direct micro-kernels replaced it by default.
#
# With stride 1 the receptive fields of tap (kh, kw) are the padded input planes shifted
# by off = kh*dh*Wp + kw*dw, read along a "wide" output of row length Wp (as in the direct
# path). That shifted view is already a BLAS matrix (CG, L) with leading dimension Hp*Wp,
# so  out_wide (OG, L) = sum over taps of w_tap (OG, CG) @ xpad[:, off:off+L]  needs no
# im2col copy, and the gradients are the same sums transposed. The Wp - WO junk columns
# of the wide output are dropped (forward) or zero (backward). wt holds the weight
# repacked tap-major, wt[tap, o, c], so that each w_tap is a plain (O, CG) matrix.

cdef void _taps_forward_group(const floating* xs, const floating* wt_g, Py_ssize_t tap_stride,
                              const floating* bs, floating* outs, floating* scratch,
                              Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t OG,
                              Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                              Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh,
                              Py_ssize_t dw) noexcept nogil:
    """outs (OG, HO, WO) = bs + conv of xs (CG, H, W); scratch: _taps_scratch(...) elements."""
    cdef Py_ssize_t Hp = HO + dh * (KH - 1), Wp = WO + dw * (KW - 1)
    cdef Py_ssize_t HW = Hp * Wp, Lw = HO * Wp, L = (HO - 1) * Wp + WO
    cdef floating* xpad = scratch
    cdef floating* acc = scratch + CG * HW
    cdef Py_ssize_t cl, o, ho, kh, kw, i
    cdef floating b
    for cl in range(CG):
        _pad_plane(xs + cl * H * W, xpad + cl * HW, H, W, Hp, Wp, pt, pl)
    for o in range(OG):
        b = bs[o] if bs != NULL else 0
        for i in range(L):
            acc[o * Lw + i] = b
    for kh in range(KH):
        for kw in range(KW):
            # row-major acc (OG, L) += w_tap (OG, CG) @ xpad_shifted (CG, L)
            _gemm(c'N', c'N', L, OG, CG, xpad + kh * dh * Wp + kw * dw, HW,
                  wt_g + (kh * KW + kw) * tap_stride, CG, 1, acc, Lw)
    for o in range(OG):
        for ho in range(HO):
            memcpy(outs + (o * HO + ho) * WO, acc + o * Lw + ho * Wp, WO * sizeof(floating))


cdef void _taps_grad_input_group(const floating* gos, const floating* wt_g, Py_ssize_t tap_stride,
                                 floating* gis, floating* scratch,
                                 Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t OG,
                                 Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                                 Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh,
                                 Py_ssize_t dw) noexcept nogil:
    """gis (CG, H, W) = input gradient of one sample's group from gos (OG, HO, WO)."""
    cdef Py_ssize_t Hp = HO + dh * (KH - 1), Wp = WO + dw * (KW - 1)
    cdef Py_ssize_t HW = Hp * Wp, Lw = HO * Wp, L = (HO - 1) * Wp + WO
    cdef floating* gpad = scratch
    cdef floating* wide = scratch + CG * HW
    cdef floating* girow
    cdef Py_ssize_t cl, kh, kw, ih, r
    cdef Py_ssize_t ncopy = max(0, min(W, Wp - pl))
    _widen(gos, wide, OG, HO, WO, Wp)
    memset(gpad, 0, CG * HW * sizeof(floating))
    for kh in range(KH):
        for kw in range(KW):
            # row-major gpad_shifted (CG, L) += w_tap^T (CG, OG) @ wide (OG, L)
            _gemm(c'N', c'T', L, CG, OG, wide, Lw, wt_g + (kh * KW + kw) * tap_stride, CG, 1,
                  gpad + kh * dh * Wp + kw * dw, HW)
    for cl in range(CG):
        for ih in range(H):
            girow = gis + (cl * H + ih) * W
            r = ih + pt
            if r >= Hp:
                memset(girow, 0, W * sizeof(floating))
                continue
            memcpy(girow, gpad + cl * HW + r * Wp + pl, ncopy * sizeof(floating))
            memset(girow + ncopy, 0, (W - ncopy) * sizeof(floating))


cdef void _taps_grad_weight_group(const floating* xs, const floating* gos, floating* part_g,
                                  Py_ssize_t tap_stride, floating* scratch,
                                  Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t OG,
                                  Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                                  Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh,
                                  Py_ssize_t dw) noexcept nogil:
    """part_g[tap] (OG, CG) += weight gradient of one sample's group (tap-major layout)."""
    cdef Py_ssize_t Hp = HO + dh * (KH - 1), Wp = WO + dw * (KW - 1)
    cdef Py_ssize_t HW = Hp * Wp, Lw = HO * Wp, L = (HO - 1) * Wp + WO
    cdef floating* xpad = scratch
    cdef floating* wide = scratch + CG * HW
    cdef Py_ssize_t cl, kh, kw
    for cl in range(CG):
        _pad_plane(xs + cl * H * W, xpad + cl * HW, H, W, Hp, Wp, pt, pl)
    _widen(gos, wide, OG, HO, WO, Wp)
    for kh in range(KH):
        for kw in range(KW):
            # row-major part_tap (OG, CG) += wide (OG, L) @ xpad_shifted^T (L, CG)
            _gemm(c'T', c'N', CG, OG, L, xpad + kh * dh * Wp + kw * dw, HW, wide, Lw, 1,
                  part_g + (kh * KW + kw) * tap_stride, CG)


cdef inline Py_ssize_t _taps_scratch(Py_ssize_t CG, Py_ssize_t OG, Py_ssize_t HO, Py_ssize_t WO,
                                     Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t dh,
                                     Py_ssize_t dw) noexcept nogil:
    """Elements of per-thread scratch the taps functions need: padded planes + wide output."""
    cdef Py_ssize_t Hp = HO + dh * (KH - 1), Wp = WO + dw * (KW - 1)
    return CG * Hp * Wp + OG * HO * Wp


cdef void _repack_tap_major(const floating* w, floating* wt, Py_ssize_t O, Py_ssize_t CG,
                            Py_ssize_t T) noexcept nogil:
    """wt[tap, o, c] = w[o, c, tap] (T = KH*KW taps)."""
    cdef Py_ssize_t o, c, t
    for o in range(O):
        for c in range(CG):
            for t in range(T):
                wt[(t * O + o) * CG + c] = w[(o * CG + c) * T + t]


cdef int _taps_forward(const floating* xp, const floating* wp, const floating* bp,
                       floating* outp, Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                       Py_ssize_t O, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                       int pt, int pl, int dh, int dw, Py_ssize_t groups,
                       int n_threads) except -1:
    """out = conv(x, w) + bias (bp NULL: no bias), stride 1; one (sample, group) per work item."""
    cdef Py_ssize_t CG = C // groups, OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t per_thread = _taps_scratch(CG, OG, HO, WO, KH, KW, dh, dw), t, n, g
    cdef floating* col
    n_threads = <int>min(n_threads, N * groups)
    scratch = _conv_take_scratch((n_threads * per_thread + O * K) * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* wt = buf + n_threads * per_thread
    _repack_tap_major(wp, wt, O, CG, KH * KW)
    with nogil, parallel(num_threads=n_threads):
        col = buf + omp_get_thread_num() * per_thread
        for t in prange(N * groups, schedule='dynamic'):
            n = t // groups
            g = t % groups
            _taps_forward_group(xp + (n * C + g * CG) * H * W, wt + g * OG * CG, O * CG,
                                bp + g * OG if bp != NULL else NULL, outp + (n * O + g * OG) * P,
                                col, CG, H, W, OG, KH, KW, HO, WO, pt, pl, dh, dw)
    _conv_give_scratch(scratch)
    return 0


cdef int _taps_grad_input(const floating* gop, const floating* wp, floating* gip,
                          Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                          Py_ssize_t O, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO,
                          Py_ssize_t WO, int pt, int pl, int dh, int dw, Py_ssize_t groups,
                          int n_threads) except -1:
    """grad_in for stride 1; one (sample, group) per work item."""
    cdef Py_ssize_t CG = C // groups, OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t per_thread = _taps_scratch(CG, OG, HO, WO, KH, KW, dh, dw), t, n, g
    cdef floating* col
    n_threads = <int>min(n_threads, N * groups)
    scratch = _conv_take_scratch((n_threads * per_thread + O * K) * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* wt = buf + n_threads * per_thread
    _repack_tap_major(wp, wt, O, CG, KH * KW)
    with nogil, parallel(num_threads=n_threads):
        col = buf + omp_get_thread_num() * per_thread
        for t in prange(N * groups, schedule='dynamic'):
            n = t // groups
            g = t % groups
            _taps_grad_input_group(gop + (n * O + g * OG) * P, wt + g * OG * CG, O * CG,
                                   gip + (n * C + g * CG) * H * W, col, CG, H, W, OG, KH, KW,
                                   HO, WO, pt, pl, dh, dw)
    _conv_give_scratch(scratch)
    return 0


cdef int _taps_grad_weight(const floating* xp, const floating* gop, floating* gwp,
                           Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                           Py_ssize_t O, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO,
                           Py_ssize_t WO, int pt, int pl, int dh, int dw, Py_ssize_t groups,
                           int n_threads) except -1:
    """grad_w for stride 1: chunk partial sums kept tap-major, part[k, tap, o, c]."""
    cdef Py_ssize_t CG = C // groups, OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t per_thread = _taps_scratch(CG, OG, HO, WO, KH, KW, dh, dw)
    cdef Py_ssize_t wsize = O * K, chunk = _conv_chunk_size(N), T = KH * KW
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t k, n, g, i
    cdef floating* col
    cdef int n_thr = <int>min(n_threads, n_chunks)
    scratch = _conv_take_scratch(((n_chunks + 1) * wsize + n_thr * per_thread) * sizeof(floating))
    cdef floating* part = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* gw_t = part + n_chunks * wsize
    cdef floating* buf = gw_t + wsize
    memset(part, 0, n_chunks * wsize * sizeof(floating))
    with nogil, parallel(num_threads=n_thr):
        col = buf + omp_get_thread_num() * per_thread
        for k in prange(n_chunks, schedule='dynamic'):
            for n in range(k * chunk, min(N, (k + 1) * chunk)):
                for g in range(groups):
                    _taps_grad_weight_group(xp + (n * C + g * CG) * H * W, gop + (n * O + g * OG) * P,
                                            part + k * wsize + g * OG * CG, O * CG, col,
                                            CG, H, W, OG, KH, KW, HO, WO, pt, pl, dh, dw)
    _conv_add_chunks(part, gw_t, n_chunks, wsize, n_threads)
    for i in range(wsize):   # gw_t[tap, o, c] -> grad_w[o, c, tap]
        gwp[i] = gw_t[((i % T) * O + i // (CG * T)) * CG + (i // T) % CG]
    _conv_give_scratch(scratch)
    return 0
