# "im2col" algorithm: receptive fields copied into a per-thread column tile, one BLAS GEMM
# per tile. The fallback where neither the direct kernels nor the gemm algorithm serve a
# shape (planes beyond their scratch limits), and forced with algorithm='im2col' by tests
# and benchmarks. _im2col and _col2im_add are also the gemm algorithm's copies.
#
# For a block of output rows of one sample and one group, copy the receptive fields into a
# per-thread scratch tile col (K, rows*WO) (never an im2col of the whole batch) and do one
# GEMM. Tile target 1 MB (_CONV_TILE_BYTES): 256 KB tiles gave GEMMs of only 56 rows on
# 56x56 maps and were ~1.5x slower on case d; 1-8 MB were equal (measured on a Xeon).
# BLAS runs inside prange, so the caller limits BLAS to one thread
# (miniconv._config.blas_single_thread()).

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


cdef void _im2col(const floating* xs, floating* col,
                  Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t KH, Py_ssize_t KW,
                  Py_ssize_t r0, Py_ssize_t rt, Py_ssize_t WO,
                  Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                  Py_ssize_t dh, Py_ssize_t dw, Py_ssize_t ld) noexcept nogil:
    """col[(c, kh, kw), r*WO + wo] = xs[c, (r0+r)*sh + kh*dh - pt, wo*sw + kw*dw - pl] (0 outside).

    xs: one sample's channels of one group (CG, H, W); col: (CG*KH*KW, rt*WO), rows ld apart
    (ld >= rt*WO: the gemm algorithm puts several samples side by side in one row).
    With stride 1 and W == WO (e.g. 'same' padding) a col row is the input plane shifted by
    a constant: it is copied in one block and the wrapped-around border columns are zeroed.
    """
    cdef Py_ssize_t cl, kh, kw, r, ih, iw_off, lo, hi, wo, ih0, r_lo, r_hi, j0, j1
    cdef Py_ssize_t P = ld
    cdef bint block = sh == 1 and sw == 1 and W == WO
    cdef floating* d
    cdef const floating* src
    for cl in range(CG):
        for kh in range(KH):
            for kw in range(KW):
                iw_off = kw * dw - pl
                lo = min(_first_valid(iw_off, sw), WO)   # a tap left of every output: none valid
                hi = _end_valid(iw_off, sw, W, WO)
                if hi < lo:
                    hi = lo
                d = col + ((cl * KH + kh) * KW + kw) * P
                if block:
                    ih0 = r0 + kh * dh - pt
                    r_lo = min(rt, max(0, -ih0))
                    r_hi = max(r_lo, min(rt, H - ih0))
                    memset(d, 0, r_lo * WO * sizeof(floating))
                    memset(d + r_hi * WO, 0, (rt - r_hi) * WO * sizeof(floating))
                    if r_hi > r_lo and hi > lo:
                        j0 = r_lo * WO + lo
                        j1 = (r_hi - 1) * WO + hi
                        memcpy(d + j0, xs + cl * H * W + ih0 * W + iw_off + j0,
                               (j1 - j0) * sizeof(floating))
                    for r in range(r_lo, r_hi):
                        for wo in range(lo):
                            d[r * WO + wo] = 0
                        for wo in range(hi, WO):
                            d[r * WO + wo] = 0
                    continue
                for r in range(rt):
                    ih = (r0 + r) * sh + kh * dh - pt
                    if ih < 0 or ih >= H:
                        memset(d + r * WO, 0, WO * sizeof(floating))
                        continue
                    src = xs + (cl * H + ih) * W
                    for wo in range(lo):
                        d[r * WO + wo] = 0
                    if sw == 1:
                        memcpy(d + r * WO + lo, src + lo + iw_off, (hi - lo) * sizeof(floating))
                    else:
                        for wo in range(lo, hi):
                            d[r * WO + wo] = src[wo * sw + iw_off]
                    for wo in range(hi, WO):
                        d[r * WO + wo] = 0


cdef void _col2im_add(floating* col, floating* gs,
                      Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t KH, Py_ssize_t KW,
                      Py_ssize_t r0, Py_ssize_t rt, Py_ssize_t WO,
                      Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                      Py_ssize_t dh, Py_ssize_t dw, Py_ssize_t ld) noexcept nogil:
    """The adjoint of _im2col: gs[c, ih, iw] += col[(c, kh, kw), r*WO + wo] for inside positions
    (col rows ld apart).

    In the block case (stride 1, W == WO) the border columns of col that fall outside the
    input are zeroed first (col is scratch), then each col row is added in one flat loop.
    """
    cdef Py_ssize_t cl, kh, kw, r, ih, iw_off, lo, hi, wo, ih0, r_lo, r_hi, j, j0, j1
    cdef Py_ssize_t P = ld
    cdef bint block = sh == 1 and sw == 1 and W == WO
    cdef floating* s
    cdef floating* g
    for cl in range(CG):
        for kh in range(KH):
            for kw in range(KW):
                iw_off = kw * dw - pl
                lo = min(_first_valid(iw_off, sw), WO)   # a tap left of every output: none valid
                hi = _end_valid(iw_off, sw, W, WO)
                s = col + ((cl * KH + kh) * KW + kw) * P
                if block:
                    if hi <= lo:
                        continue
                    ih0 = r0 + kh * dh - pt
                    r_lo = min(rt, max(0, -ih0))
                    r_hi = max(r_lo, min(rt, H - ih0))
                    if r_hi <= r_lo:
                        continue
                    for r in range(r_lo, r_hi):
                        for wo in range(lo):
                            s[r * WO + wo] = 0
                        for wo in range(hi, WO):
                            s[r * WO + wo] = 0
                    j0 = r_lo * WO + lo
                    j1 = (r_hi - 1) * WO + hi
                    g = gs + cl * H * W + ih0 * W + iw_off + j0
                    for j in range(j1 - j0):
                        g[j] += s[j0 + j]
                    continue
                for r in range(rt):
                    ih = (r0 + r) * sh + kh * dh - pt
                    if ih < 0 or ih >= H:
                        continue
                    g = gs + (cl * H + ih) * W + iw_off
                    if sw == 1:
                        for wo in range(lo, hi):
                            g[wo] += s[r * WO + wo]
                    else:
                        for wo in range(lo, hi):
                            g[wo * sw] += s[r * WO + wo]


cdef inline Py_ssize_t _rows_per_tile(Py_ssize_t K, Py_ssize_t WO, Py_ssize_t HO,
                                      Py_ssize_t itemsize) noexcept nogil:
    """Output rows per im2col tile: about _CONV_TILE_BYTES of columns, at least one row."""
    cdef Py_ssize_t rows = _CONV_TILE_BYTES // max(1, K * WO * itemsize)
    return max(1, min(rows, HO))


cdef int _im2col_forward(const floating* xp, const floating* wp, const floating* bp,
                         floating* outp, Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                         Py_ssize_t O, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                         int sh, int sw, int pt, int pl, int dh, int dw, Py_ssize_t groups,
                         int n_threads) except -1:
    """out = conv(x, w) + bias (bp NULL: no bias); one sample per work item."""
    cdef Py_ssize_t CG = C // groups, OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t RT = _rows_per_tile(K, WO, HO, sizeof(floating)), per_thread = K * RT * WO
    cdef Py_ssize_t n, g, t, r0, rt, o, p
    cdef floating beta
    cdef floating* col
    cdef floating* op
    n_threads = <int>min(n_threads, N)
    scratch = _conv_take_scratch(n_threads * per_thread * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    with nogil, parallel(num_threads=n_threads):
        col = buf + omp_get_thread_num() * per_thread
        for n in prange(N, schedule='dynamic'):
            for g in range(groups):
                for t in range((HO + RT - 1) // RT):
                    r0 = t * RT
                    rt = min(RT, HO - r0)
                    _im2col(xp + (n * C + g * CG) * H * W, col, CG, H, W, KH, KW, r0, rt, WO,
                            sh, sw, pt, pl, dh, dw, rt * WO)
                    op = outp + ((n * O + g * OG) * HO + r0) * WO
                    beta = 0
                    if bp != NULL:
                        beta = 1
                        for o in range(OG):
                            for p in range(rt * WO):
                                op[o * P + p] = bp[g * OG + o]
                    # row-major out_tile (OG, rt*WO) = w_g (OG, K) @ col (K, rt*WO)
                    _gemm(c'N', c'N', rt * WO, OG, K, col, rt * WO, wp + g * OG * K, K,
                          beta, op, P)
    _conv_give_scratch(scratch)
    return 0


cdef int _im2col_grad_input(const floating* gop, const floating* wp, floating* gip,
                            Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                            Py_ssize_t O, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO,
                            Py_ssize_t WO, int sh, int sw, int pt, int pl, int dh, int dw,
                            Py_ssize_t groups, int n_threads) except -1:
    """grad_in = the adjoint of im2col applied to w^T @ grad_out; one sample per work item."""
    cdef Py_ssize_t CG = C // groups, OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t RT = _rows_per_tile(K, WO, HO, sizeof(floating)), per_thread = K * RT * WO
    cdef Py_ssize_t n, g, t, r0, rt
    cdef floating* col
    n_threads = <int>min(n_threads, N)
    scratch = _conv_take_scratch(n_threads * per_thread * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    with nogil, parallel(num_threads=n_threads):
        col = buf + omp_get_thread_num() * per_thread
        for n in prange(N, schedule='dynamic'):
            memset(gip + n * C * H * W, 0, C * H * W * sizeof(floating))
            for g in range(groups):
                for t in range((HO + RT - 1) // RT):
                    r0 = t * RT
                    rt = min(RT, HO - r0)
                    # row-major col (K, rt*WO) = w_g^T (K, OG) @ grad_out_tile (OG, rt*WO)
                    _gemm(c'N', c'T', rt * WO, K, OG, gop + ((n * O + g * OG) * HO + r0) * WO, P,
                          wp + g * OG * K, K, 0, col, rt * WO)
                    _col2im_add(col, gip + (n * C + g * CG) * H * W, CG, H, W, KH, KW, r0, rt, WO,
                                sh, sw, pt, pl, dh, dw, rt * WO)
    _conv_give_scratch(scratch)
    return 0


cdef int _im2col_grad_weight(const floating* xp, const floating* gop, floating* gwp,
                             Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                             Py_ssize_t O, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO,
                             Py_ssize_t WO, int sh, int sw, int pt, int pl, int dh, int dw,
                             Py_ssize_t groups, int n_threads) except -1:
    """grad_w: per chunk of samples, GEMMs of grad_out tiles with column tiles (see _conv_add_chunks)."""
    cdef Py_ssize_t CG = C // groups, OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t RT = _rows_per_tile(K, WO, HO, sizeof(floating)), per_thread = K * RT * WO
    cdef Py_ssize_t wsize = O * K, chunk = _conv_chunk_size(N)
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t k, n, g, t, r0, rt
    cdef floating* col
    cdef int n_thr = <int>min(n_threads, n_chunks)
    scratch = _conv_take_scratch((n_chunks * wsize + n_thr * per_thread) * sizeof(floating))
    cdef floating* part = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* buf = part + n_chunks * wsize
    memset(part, 0, n_chunks * wsize * sizeof(floating))
    with nogil, parallel(num_threads=n_thr):
        col = buf + omp_get_thread_num() * per_thread
        for k in prange(n_chunks, schedule='dynamic'):
            for n in range(k * chunk, min(N, (k + 1) * chunk)):
                for g in range(groups):
                    for t in range((HO + RT - 1) // RT):
                        r0 = t * RT
                        rt = min(RT, HO - r0)
                        _im2col(xp + (n * C + g * CG) * H * W, col, CG, H, W, KH, KW, r0, rt,
                                WO, sh, sw, pt, pl, dh, dw, rt * WO)
                        # row-major part_g (OG, K) += grad_out_tile (OG, rt*WO) @ col^T
                        _gemm(c'T', c'N', K, OG, rt * WO, col, rt * WO,
                              gop + ((n * O + g * OG) * HO + r0) * WO, P, 1,
                              part + k * wsize + g * OG * K, K)
    _conv_add_chunks(part, gwp, n_chunks, wsize, n_threads)
    _conv_give_scratch(scratch)
    return 0
