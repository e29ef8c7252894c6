# conv2d kernels: forward, gradient w.r.t. input, weight and bias.
#
# Shapes (all C-contiguous, one floating dtype):
#   x (N, C, H, W), w (O, C // groups, KH, KW), bias (O,) or empty, out (N, O, HO, WO).
# Zero padding: only top/left are passed; bottom/right are implied by HO/WO (a window
# position outside the input reads 0), so asymmetric padding needs nothing special.
# K = (C // groups) * KH * KW is the length of one receptive field ("column").
#
# Notes: (decisions measured on 2 shared Xeon cores; numbers in docs/performance.md)
# - Three algorithms, chosen per call by _conv_choose; all multiply with sgemm/dgemm from
#   scipy.linalg.cython_blas (OpenBLAS with AVX-512 kernels; our own loops are compiled for
#   baseline x86-64 and cannot compete) except the direct one. BLAS runs inside prange, so
#   the caller must limit BLAS to one thread (miniconv._config.blas_single_thread(), ~10 us).
#   * taps (forward and grad_input, stride 1, >= 16 input channels per group): one GEMM per
#     kernel tap straight on zero-padded input planes, no im2col copy at all (see the
#     section "taps path"). Measured against im2col at one thread: case b forward
#     21 vs 22 ms, grad_input 18 vs 25 ms; case d 74 vs 86 and 75 vs 82 ms. For grad_weight
#     it was slower (b 30 vs 23 ms: OpenBLAS re-packs the whole output gradient for each
#     of the nine taps), so grad_weight keeps im2col.
#   * im2col (everything else with >= 2 output channels per group): for a block of output
#     rows of one sample and one group, copy the receptive fields into a per-thread scratch
#     tile col (K, rows*WO) (never an im2col of the whole batch) and do one GEMM. It wins
#     even for one input channel (case a: 8 ms vs 30 ms direct). Tile target 1 MB
#     (_conv_tile_bytes): 256 KB tiles gave GEMMs of only 56 rows on 56x56 maps and were
#     ~1.5x slower on case d; 1-8 MB were equal.
#   * direct, for depthwise (one output channel per group): GEMM degenerates to a
#     matrix-vector product there (case e: 50 ms im2col vs 33 ms direct). The input plane is
#     copied into a zero-padded plane so the loops have no bounds tests; with stride 1 each
#     tap (or all nine taps of a 3x3 kernel at once) is one long vectorised loop over a
#     "wide" output (see the section "direct path").
#   The wide layouts compute Wp - WO junk columns per row that are dropped (forward) or
#   multiplied by zeros (gradients); a non-finite input value can therefore turn a weight
#   gradient NaN where PyTorch's would stay finite (only with inf/NaN inputs).
# - Parallelism: prange over samples (im2col) or (sample, group) pairs (taps, direct) for
#   forward and grad_input: each output element is written by exactly one thread.
#   grad_weight / grad_bias cut the batch into chunks whose size depends on N only
#   (_conv_chunk_size), never on n_threads; one thread makes a chunk's partial sum in
#   sample order, the chunks are added in chunk order afterwards, so the bits are the
#   same for 1, 2 or 16 threads. schedule='dynamic' (work items are >= 50 us): the result
#   does not depend on which thread takes an item, and on a shared machine a thread that
#   is descheduled does not hold back a fixed half of the work.
# - Small reductions (chunk sums, grad_bias of < 16M elements) run on one thread: waking
#   the second thread costs more than the sum on a busy machine.
# - Scratch comes from a small pool of NumPy buffers kept between calls
#   (_conv_take_scratch / _conv_give_scratch), so a call never page-faults fresh scratch
#   in. A buffer is owned by one call at a time, so concurrent calls from several Python
#   threads never share scratch. (Measured: no difference once glibc's dynamic mmap
#   threshold has adapted; it saves the faults of the first calls.)
# - grad_bias accumulates in float64 with 8 independent partial sums (a single running
#   sum is latency-bound and loses float32 precision over ~10^6 terms).

from scipy.linalg.cython_blas cimport sgemm, dgemm

cdef enum:
    _CONV_MAX_CHUNKS = 16            # at most this many reduction chunks per call

cdef Py_ssize_t _conv_tile_bytes = 1024 * 1024    # target size of one thread's im2col tile


def _conv_set_tile_bytes(Py_ssize_t nbytes):
    """Set the target im2col tile size (for benchmarking); returns the previous value."""
    global _conv_tile_bytes
    previous = _conv_tile_bytes
    _conv_tile_bytes = max(1, nbytes)
    return previous


# Algorithm choice: 'auto' (by shape), or forced 'im2col' / 'taps' / 'direct' (tests use
# this to check every path on every configuration; benchmarks to compare them).
_conv_algorithm = 'auto'
cdef Py_ssize_t _conv_gemm_min_og = 2          # fewer output channels per group: direct
cdef Py_ssize_t _conv_taps_min_cg = 16         # fewer input channels per group: im2col
cdef Py_ssize_t _conv_taps_max_bytes = 16 << 20  # per-thread padded planes larger: im2col

cdef enum:
    _ALGO_DIRECT = 0
    _ALGO_IM2COL = 1
    _ALGO_TAPS = 2


def _conv_set_algorithm(str name):
    """Force the conv algorithm ('auto', 'im2col', 'taps' or 'direct'); returns the previous one.

    'taps' needs stride 1 and falls back to 'im2col' otherwise.
    """
    global _conv_algorithm
    if name not in ('auto', 'im2col', 'taps', 'direct'):
        raise ValueError(f"unknown conv algorithm {name!r}")
    previous, _conv_algorithm = _conv_algorithm, name
    return previous


cdef int _conv_choose(Py_ssize_t og, Py_ssize_t cg, int sh, int sw,
                      Py_ssize_t taps_scratch_bytes, bint for_grad_weight):
    """Which algorithm a call uses (see the Notes at the top of this file)."""
    cdef bint taps_ok = sh == 1 and sw == 1
    if _conv_algorithm == 'direct':
        return _ALGO_DIRECT
    if _conv_algorithm == 'im2col':
        return _ALGO_IM2COL
    if _conv_algorithm == 'taps':
        return _ALGO_TAPS if taps_ok else _ALGO_IM2COL
    if og < _conv_gemm_min_og:
        return _ALGO_DIRECT
    if (taps_ok and not for_grad_weight and cg >= _conv_taps_min_cg
            and taps_scratch_bytes <= _conv_taps_max_bytes):
        return _ALGO_TAPS
    return _ALGO_IM2COL


_conv_scratch_pool = []            # largest first; only touched with the GIL held
cdef Py_ssize_t _CONV_POOL_KEEP_MAX = 64 << 20   # bigger scratch is freed after the call


def _conv_take_scratch(Py_ssize_t nbytes):
    """A byte buffer of at least nbytes, reused from earlier calls when possible.

    Only single list operations are used (pop, append), each atomic under the GIL, so two
    Python threads calling kernels at once never get the same buffer.
    """
    try:
        buf = _conv_scratch_pool.pop(0)
    except IndexError:
        buf = None
    if buf is not None:
        if buf.nbytes >= nbytes:
            return buf
        _conv_scratch_pool.append(buf)
    return np.empty(max(nbytes, 64), dtype=np.uint8)


def _conv_give_scratch(buf):
    """Return a buffer to the pool (keeps the few largest ones up to 64 MB)."""
    if buf.nbytes > _CONV_POOL_KEEP_MAX:
        return
    _conv_scratch_pool.append(buf)
    _conv_scratch_pool.sort(key=lambda b: -b.nbytes)
    del _conv_scratch_pool[4:]


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


cdef inline Py_ssize_t _conv_chunk_size(Py_ssize_t N) noexcept nogil:
    """Samples per reduction chunk: a function of N only, so results never depend on n_threads."""
    if N <= 0:
        return 1
    return (N + _CONV_MAX_CHUNKS - 1) // _CONV_MAX_CHUNKS


cdef inline void _gemm(char ta, char tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                       const floating* a, Py_ssize_t lda, const floating* b, Py_ssize_t ldb,
                       floating beta, floating* c, Py_ssize_t ldc) noexcept nogil:
    """Column-major C = op(A) @ op(B) + beta*C (BLAS convention, alpha = 1)."""
    cdef int m_ = <int>m, n_ = <int>n, k_ = <int>k
    cdef int lda_ = <int>lda, ldb_ = <int>ldb, ldc_ = <int>ldc
    cdef floating one = 1
    if floating is float:
        sgemm(&ta, &tb, &m_, &n_, &k_, &one, <float*>a, &lda_, <float*>b, &ldb_, &beta, c, &ldc_)
    else:
        dgemm(&ta, &tb, &m_, &n_, &k_, &one, <double*>a, &lda_, <double*>b, &ldb_, &beta, c, &ldc_)


cdef void _im2col(const floating* xs, floating* col,
                  Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t KH, Py_ssize_t KW,
                  Py_ssize_t r0, Py_ssize_t rt, Py_ssize_t WO,
                  Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                  Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """col[(c, kh, kw), r*WO + wo] = xs[c, (r0+r)*sh + kh*dh - pt, wo*sw + kw*dw - pl] (0 outside).

    xs: one sample's channels of one group (CG, H, W); col: (CG*KH*KW, rt*WO).
    With stride 1 and W == WO (e.g. 'same' padding) a col row is the input plane shifted by
    a constant: it is copied in one block and the wrapped-around border columns are zeroed.
    """
    cdef Py_ssize_t cl, kh, kw, r, ih, iw_off, lo, hi, wo, ih0, r_lo, r_hi, j0, j1
    cdef Py_ssize_t P = rt * WO
    cdef bint block = sh == 1 and sw == 1 and W == WO
    cdef floating* d
    cdef const floating* src
    for cl in range(CG):
        for kh in range(KH):
            for kw in range(KW):
                iw_off = kw * dw - pl
                lo = _first_valid(iw_off, sw)
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
                      Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """The adjoint of _im2col: gs[c, ih, iw] += col[(c, kh, kw), r*WO + wo] for inside positions.

    In the block case (stride 1, W == WO) the border columns of col that fall outside the
    input are zeroed first (col is scratch), then each col row is added in one flat loop.
    """
    cdef Py_ssize_t cl, kh, kw, r, ih, iw_off, lo, hi, wo, ih0, r_lo, r_hi, j, j0, j1, off
    cdef Py_ssize_t P = rt * WO
    cdef bint block = sh == 1 and sw == 1 and W == WO
    cdef floating* s
    cdef floating* g
    for cl in range(CG):
        for kh in range(KH):
            for kw in range(KW):
                iw_off = kw * dw - pl
                lo = _first_valid(iw_off, sw)
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
    cdef Py_ssize_t rows = _conv_tile_bytes // max(1, K * WO * itemsize)
    return max(1, min(rows, HO))


# ---------------------------------------------------------------------------
# direct path, one (sample, group) at a time
#
# The input channel is first copied into a zero-padded plane pad (Hp, Wp) holding exactly
# the region the windows read, so the loops need no bounds tests. For stride 1 a kernel
# tap is then ONE long loop over a "wide" output of row length Wp (the Wp - WO extra
# columns are junk, never copied out): out_wide[i] += w * pad[i + kh*dh*Wp + kw*dw].
# Strided convolutions use the same planes row by row.
# ---------------------------------------------------------------------------

cdef inline Py_ssize_t _padded_extent(Py_ssize_t n_out, Py_ssize_t stride, Py_ssize_t k,
                                      Py_ssize_t dil) noexcept nogil:
    return (n_out - 1) * stride + dil * (k - 1) + 1


cdef void _pad_plane(const floating* xc, floating* pad, Py_ssize_t H, Py_ssize_t W,
                     Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t pt, Py_ssize_t pl) noexcept nogil:
    """pad[r, q] = xc[r - pt, q - pl] inside the input, 0 outside."""
    cdef Py_ssize_t r, ih
    cdef Py_ssize_t lo = min(pl, Wp), hi = min(Wp, pl + W)
    cdef floating* prow
    if hi < lo:
        hi = lo
    for r in range(Hp):
        prow = pad + r * Wp
        ih = r - pt
        if ih < 0 or ih >= H:
            memset(prow, 0, Wp * sizeof(floating))
            continue
        memset(prow, 0, lo * sizeof(floating))
        memcpy(prow + lo, xc + ih * W + (lo - pl), (hi - lo) * sizeof(floating))
        memset(prow + hi, 0, (Wp - hi) * sizeof(floating))


cdef void _widen(const floating* gos, floating* wide, Py_ssize_t OG, Py_ssize_t HO,
                 Py_ssize_t WO, Py_ssize_t Wp) noexcept nogil:
    """wide[o, ho, q] = gos[o, ho, q] for q < WO, 0 for WO <= q < Wp."""
    cdef Py_ssize_t o, ho
    for o in range(OG):
        for ho in range(HO):
            memcpy(wide + (o * HO + ho) * Wp, gos + (o * HO + ho) * WO, WO * sizeof(floating))
            memset(wide + (o * HO + ho) * Wp + WO, 0, (Wp - WO) * sizeof(floating))


cdef inline floating _dot(const floating* a, const floating* b, Py_ssize_t n) noexcept nogil:
    """sum a[i] * b[i] with 8 independent partial sums (vectorisable, fixed order)."""
    cdef floating lanes[8]
    cdef floating s = 0
    cdef Py_ssize_t i, j, n8 = n - n % 8
    for j in range(8):
        lanes[j] = 0
    for i in range(0, n8, 8):
        for j in range(8):
            lanes[j] += a[i + j] * b[i + j]
    for i in range(n8, n):
        s += a[i] * b[i]
    for j in range(8):
        s += lanes[j]
    return s


cdef void _direct_forward_group(const floating* xs, const floating* ws, const floating* bs,
                                floating* outs, floating* scratch,
                                Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t OG,
                                Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                                Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                                Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """outs (OG, HO, WO) = bs + conv of one sample's group xs (CG, H, W) with ws (OG, CG, KH, KW).

    scratch: Hp*Wp + OG*HO*Wp elements.
    """
    cdef Py_ssize_t Hp = _padded_extent(HO, sh, KH, dh), Wp = _padded_extent(WO, sw, KW, dw)
    cdef Py_ssize_t L = (HO - 1) * Wp + WO
    cdef bint flat = sh == 1 and sw == 1
    cdef floating* pad = scratch
    cdef floating* acc = scratch + Hp * Wp
    cdef floating* a
    cdef floating* orow
    cdef const floating* src
    cdef const floating* wk
    cdef Py_ssize_t o, cl, kh, kw, ho, wo, i, r1, r2
    cdef floating wv, b
    for o in range(OG):
        b = bs[o] if bs != NULL else 0
        if flat:
            for i in range(L):
                acc[o * HO * Wp + i] = b
        else:
            for i in range(HO * WO):
                outs[o * HO * WO + i] = b
    for cl in range(CG):
        _pad_plane(xs + cl * H * W, pad, H, W, Hp, Wp, pt, pl)
        for o in range(OG):
            wk = ws + (o * CG + cl) * KH * KW
            if flat and KH == 3 and KW == 3:
                # all nine taps in one pass: the accumulator is loaded and stored once
                a = acc + o * HO * Wp
                r1 = dh * Wp
                r2 = 2 * dh * Wp
                for i in range(L):
                    a[i] += (wk[0] * pad[i] + wk[1] * pad[i + dw] + wk[2] * pad[i + 2 * dw]
                             + wk[3] * pad[i + r1] + wk[4] * pad[i + r1 + dw] + wk[5] * pad[i + r1 + 2 * dw]
                             + wk[6] * pad[i + r2] + wk[7] * pad[i + r2 + dw] + wk[8] * pad[i + r2 + 2 * dw])
                continue
            for kh in range(KH):
                for kw in range(KW):
                    wv = ws[((o * CG + cl) * KH + kh) * KW + kw]
                    if flat:
                        a = acc + o * HO * Wp
                        src = pad + kh * dh * Wp + kw * dw
                        for i in range(L):
                            a[i] += wv * src[i]
                    else:
                        for ho in range(HO):
                            orow = outs + (o * HO + ho) * WO
                            src = pad + (ho * sh + kh * dh) * Wp + kw * dw
                            for wo in range(WO):
                                orow[wo] += wv * src[wo * sw]
    if flat:
        for o in range(OG):
            for ho in range(HO):
                memcpy(outs + (o * HO + ho) * WO, acc + o * HO * Wp + ho * Wp, WO * sizeof(floating))


cdef void _direct_grad_input_group(const floating* gos, const floating* ws, floating* gis,
                                   floating* scratch,
                                   Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t OG,
                                   Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                                   Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                                   Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """gis (CG, H, W) = gradient of one sample's group input, from gos (OG, HO, WO).

    The gradient is accumulated in a padded plane gpad (the adjoint of the forward loops)
    and the input region is cropped out of it. For stride 1 the output gradient is first
    laid out "wide" (row length Wp, zeros in the extra columns) with M zeros in front and
    zeros behind, so that gpad[j] = sum over taps of w * wide[M + j - tap offset] needs no
    bounds tests; a 3x3 kernel then does all nine taps in one gather pass.
    scratch: _direct_scratch(...) elements.
    """
    cdef Py_ssize_t Hp = _padded_extent(HO, sh, KH, dh), Wp = _padded_extent(WO, sw, KW, dw)
    cdef Py_ssize_t L = (HO - 1) * Wp + WO
    cdef Py_ssize_t M = (KH - 1) * dh * Wp + (KW - 1) * dw
    cdef Py_ssize_t WS = M + Hp * Wp          # stride between the wide planes of two o
    cdef bint flat = sh == 1 and sw == 1
    cdef floating* gpad = scratch
    cdef floating* base = scratch + Hp * Wp
    cdef floating* dst
    cdef floating* girow
    cdef const floating* src
    cdef const floating* wk
    cdef const floating* q
    cdef Py_ssize_t o, cl, kh, kw, ho, wo, i, ih, r, j, r1, r2
    cdef Py_ssize_t ncopy = max(0, min(W, Wp - pl))
    cdef floating wv
    if flat:
        for o in range(OG):
            memset(base + o * WS, 0, M * sizeof(floating))
            _widen(gos + o * HO * WO, base + o * WS + M, 1, HO, WO, Wp)
            memset(base + o * WS + M + HO * Wp, 0, (WS - M - HO * Wp) * sizeof(floating))
    for cl in range(CG):
        memset(gpad, 0, Hp * Wp * sizeof(floating))
        for o in range(OG):
            if flat and KH == 3 and KW == 3:
                # q[j] is wide[j - (2*dh*Wp + 2*dw)], i.e. the tap (2, 2) term; tap (kh, kw)
                # reads (2 - kh)*dh*Wp + (2 - kw)*dw further on
                wk = ws + (o * CG + cl) * 9
                q = base + o * WS
                r1 = dh * Wp
                r2 = 2 * dh * Wp
                for j in range(Hp * Wp):
                    gpad[j] += (wk[8] * q[j] + wk[7] * q[j + dw] + wk[6] * q[j + 2 * dw]
                                + wk[5] * q[j + r1] + wk[4] * q[j + r1 + dw] + wk[3] * q[j + r1 + 2 * dw]
                                + wk[2] * q[j + r2] + wk[1] * q[j + r2 + dw] + wk[0] * q[j + r2 + 2 * dw])
                continue
            for kh in range(KH):
                for kw in range(KW):
                    wv = ws[((o * CG + cl) * KH + kh) * KW + kw]
                    if flat:
                        dst = gpad + kh * dh * Wp + kw * dw
                        src = base + o * WS + M
                        for i in range(L):
                            dst[i] += wv * src[i]
                    else:
                        for ho in range(HO):
                            dst = gpad + (ho * sh + kh * dh) * Wp + kw * dw
                            src = gos + (o * HO + ho) * WO
                            for wo in range(WO):
                                dst[wo * sw] += wv * src[wo]
        for ih in range(H):
            girow = gis + (cl * H + ih) * W
            r = ih + pt
            if r >= Hp:
                memset(girow, 0, W * sizeof(floating))
                continue
            memcpy(girow, gpad + r * Wp + pl, ncopy * sizeof(floating))
            memset(girow + ncopy, 0, (W - ncopy) * sizeof(floating))


cdef void _direct_grad_weight_group(const floating* xs, const floating* gos, floating* parts,
                                    floating* scratch,
                                    Py_ssize_t CG, Py_ssize_t H, Py_ssize_t W, Py_ssize_t OG,
                                    Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO,
                                    Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                                    Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """parts (OG, CG, KH, KW) += weight gradient of one sample's group.

    scratch: Hp*Wp + max(OG*HO*Wp, WO) elements.
    """
    cdef Py_ssize_t Hp = _padded_extent(HO, sh, KH, dh), Wp = _padded_extent(WO, sw, KW, dw)
    cdef Py_ssize_t L = (HO - 1) * Wp + WO
    cdef bint flat = sh == 1 and sw == 1
    cdef floating* pad = scratch
    cdef floating* wide = scratch + Hp * Wp
    cdef floating* rowacc = wide
    cdef const floating* src
    cdef const floating* gorow
    cdef Py_ssize_t o, cl, kh, kw, ho, wo
    cdef floating s
    if flat:
        _widen(gos, wide, OG, HO, WO, Wp)
    for cl in range(CG):
        _pad_plane(xs + cl * H * W, pad, H, W, Hp, Wp, pt, pl)
        for o in range(OG):
            for kh in range(KH):
                for kw in range(KW):
                    if flat:
                        s = _dot(wide + o * HO * Wp, pad + kh * dh * Wp + kw * dw, L)
                    else:
                        for wo in range(WO):
                            rowacc[wo] = 0
                        for ho in range(HO):
                            gorow = gos + (o * HO + ho) * WO
                            src = pad + (ho * sh + kh * dh) * Wp + kw * dw
                            for wo in range(WO):
                                rowacc[wo] += gorow[wo] * src[wo * sw]
                        s = 0
                        for wo in range(WO):
                            s += rowacc[wo]
                    parts[((o * CG + cl) * KH + kh) * KW + kw] += s


cdef inline Py_ssize_t _direct_scratch(Py_ssize_t HO, Py_ssize_t WO, Py_ssize_t OG,
                                       Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t KH,
                                       Py_ssize_t KW, Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    """Elements of per-thread scratch the direct functions need."""
    cdef Py_ssize_t Hp = _padded_extent(HO, sh, KH, dh), Wp = _padded_extent(WO, sw, KW, dw)
    cdef Py_ssize_t M = (KH - 1) * dh * Wp + (KW - 1) * dw
    return Hp * Wp + max(OG * (M + Hp * Wp), WO)


# ---------------------------------------------------------------------------
# "taps" path (stride 1): one GEMM per kernel tap on zero-padded planes, no im2col
#
# With stride 1 the receptive fields of tap (kh, kw) are the padded input planes shifted
# by off = kh*dh*Wp + kw*dw, read along a "wide" output of row length Wp (as in the direct
# path). That shifted view is already a BLAS matrix (CG, L) with leading dimension Hp*Wp,
# so  out_wide (OG, L) = sum over taps of w_tap (OG, CG) @ xpad[:, off:off+L]  needs no
# im2col copy, and the gradients are the same sums transposed. The Wp - WO junk columns
# of the wide output are dropped (forward) or zero (backward). wt holds the weight
# repacked tap-major, wt[tap, o, c], so that each w_tap is a plain (O, CG) matrix.
# ---------------------------------------------------------------------------

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


def _conv_check(str fn, Py_ssize_t n, Py_ssize_t c, Py_ssize_t o, Py_ssize_t cg,
                Py_ssize_t out_n, Py_ssize_t out_o, int stride_h, int stride_w, int pad_top,
                int pad_left, int dil_h, int dil_w, int groups, int n_threads):
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


def _conv_check_blas_sizes(str fn, Py_ssize_t k, Py_ssize_t p, Py_ssize_t o):
    """BLAS takes 32-bit ints: refuse sizes that would overflow them."""
    if max(k, p, o) >= 2**31 - 1:
        raise ValueError(f"{fn}: tensor too large for the BLAS-based kernel "
                         f"(column length {k}, output pixels {p}, channels {o})")


# ---------------------------------------------------------------------------
# forward
# ---------------------------------------------------------------------------

def conv2d_forward(const floating[:, :, :, ::1] x,     # IN  (N, C, H, W)
                   const floating[:, :, :, ::1] w,     # IN  (O, C // groups, KH, KW)
                   const floating[::1] bias,           # IN  (O,) or length 0 = no bias
                   floating[:, :, :, ::1] out,         # OUT (N, O, HO, WO), fully overwritten
                   int stride_h, int stride_w, int pad_top, int pad_left,
                   int dil_h, int dil_w, int groups, int n_threads):
    """out[n, o] = bias[o] + sum over c in o's group, kh, kw of w[o, c, kh, kw] * x[n, c, window]."""
    _conv_check("conv2d_forward", x.shape[0], x.shape[1], w.shape[0], w.shape[1], out.shape[0],
                out.shape[1], stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups, n_threads)
    if bias.shape[0] != 0 and bias.shape[0] != w.shape[0]:
        raise ValueError(f"conv2d_forward: bias has {bias.shape[0]} elements, expected {w.shape[0]} or 0")
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t O = w.shape[0], CG = w.shape[1], KH = w.shape[2], KW = w.shape[3]
    cdef Py_ssize_t HO = out.shape[2], WO = out.shape[3]
    cdef Py_ssize_t OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef bint has_bias = bias.shape[0] != 0
    _conv_check_blas_sizes("conv2d_forward", K, P, O)
    cdef Py_ssize_t n, o, g, t, r0, rt, p, RT, per_thread
    cdef floating beta
    cdef floating* col
    cdef floating* op
    cdef floating* buf
    cdef floating* wt
    cdef Py_ssize_t taps_scratch
    cdef int algo
    cdef const floating* xp = NULL
    cdef const floating* wp = NULL
    cdef const floating* bp = NULL
    cdef floating* outp
    if N == 0 or O == 0 or P == 0:
        return
    outp = &out[0, 0, 0, 0]
    if C > 0 and H > 0 and W > 0:
        xp = &x[0, 0, 0, 0]
    if K > 0:
        wp = &w[0, 0, 0, 0]
    if has_bias:
        bp = &bias[0]
    cdef int n_thr_samples = <int>min(n_threads, N)
    if K == 0 or C == 0 or H == 0 or W == 0:   # nothing to convolve: out = bias
        for n in prange(N, nogil=True, schedule='dynamic', num_threads=n_threads):
            for o in range(O):
                for p in range(P):
                    outp[(n * O + o) * P + p] = bp[o] if has_bias else 0
        return
    taps_scratch = _taps_scratch(CG, OG, HO, WO, KH, KW, dil_h, dil_w)
    algo = _conv_choose(OG, CG, stride_h, stride_w, taps_scratch * sizeof(floating), False)
    if algo == _ALGO_TAPS:
        per_thread = taps_scratch
        n_threads = <int>min(n_threads, N * groups)
        scratch = _conv_take_scratch((n_threads * per_thread + O * K) * sizeof(floating))
        buf = <floating*>cnp.PyArray_DATA(scratch)
        wt = buf + n_threads * per_thread
        _repack_tap_major(wp, wt, O, CG, KH * KW)
        with nogil, parallel(num_threads=n_threads):
            col = buf + omp_get_thread_num() * per_thread
            for t in prange(N * groups, schedule='dynamic'):
                n = t // groups
                g = t % groups
                _taps_forward_group(xp + (n * C + g * CG) * H * W, wt + g * OG * CG, O * CG,
                                    bp + g * OG if has_bias else NULL, outp + (n * O + g * OG) * P,
                                    col, CG, H, W, OG, KH, KW, HO, WO, pad_top, pad_left,
                                    dil_h, dil_w)
        _conv_give_scratch(scratch)
        return
    if algo == _ALGO_DIRECT:
        per_thread = _direct_scratch(HO, WO, OG, stride_h, stride_w, KH, KW, dil_h, dil_w)
        n_threads = <int>min(n_threads, N * groups)
        scratch = _conv_take_scratch(n_threads * per_thread * sizeof(floating))
        buf = <floating*>cnp.PyArray_DATA(scratch)
        with nogil, parallel(num_threads=n_threads):
            col = buf + omp_get_thread_num() * per_thread
            for t in prange(N * groups, schedule='dynamic'):
                n = t // groups
                g = t % groups
                _direct_forward_group(xp + (n * C + g * CG) * H * W, wp + g * OG * K,
                                      bp + g * OG if has_bias else NULL, outp + (n * O + g * OG) * P,
                                      col, CG, H, W, OG, KH, KW, HO, WO, stride_h, stride_w,
                                      pad_top, pad_left, dil_h, dil_w)
        _conv_give_scratch(scratch)
        return
    n_threads = n_thr_samples
    RT = _rows_per_tile(K, WO, HO, sizeof(floating))
    per_thread = K * RT * WO
    scratch = _conv_take_scratch(n_threads * per_thread * sizeof(floating))
    buf = <floating*>cnp.PyArray_DATA(scratch)
    with nogil, parallel(num_threads=n_threads):
        col = buf + omp_get_thread_num() * per_thread
        for n in prange(N, schedule='dynamic'):
            for g in range(groups):
                for t in range((HO + RT - 1) // RT):
                    r0 = t * RT
                    rt = min(RT, HO - r0)
                    _im2col(xp + (n * C + g * CG) * H * W, col, CG, H, W, KH, KW, r0, rt, WO,
                            stride_h, stride_w, pad_top, pad_left, dil_h, dil_w)
                    op = outp + ((n * O + g * OG) * HO + r0) * WO
                    beta = 0
                    if has_bias:
                        beta = 1
                        for o in range(OG):
                            for p in range(rt * WO):
                                op[o * P + p] = bp[g * OG + o]
                    # row-major out_tile (OG, rt*WO) = w_g (OG, K) @ col (K, rt*WO)
                    _gemm(c'N', c'N', rt * WO, OG, K, col, rt * WO, wp + g * OG * K, K,
                          beta, op, P)
    _conv_give_scratch(scratch)


# ---------------------------------------------------------------------------
# gradient w.r.t. the input
# ---------------------------------------------------------------------------

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
    cdef Py_ssize_t OG = O // groups, K = CG * KH * KW, P = HO * WO
    _conv_check_blas_sizes("conv2d_grad_input", K, P, O)
    cdef Py_ssize_t n, g, t, r0, rt, RT, per_thread
    cdef floating* col
    cdef floating* buf
    cdef floating* wt
    cdef Py_ssize_t taps_scratch
    cdef int algo
    cdef floating* gip
    cdef const floating* gop
    cdef const floating* wp
    if N == 0 or C == 0 or H == 0 or W == 0:
        return
    gip = &grad_in[0, 0, 0, 0]
    cdef int n_thr_samples = <int>min(n_threads, N)
    if O == 0 or P == 0 or K == 0:
        for n in prange(N, nogil=True, schedule='dynamic', num_threads=n_threads):
            memset(gip + n * C * H * W, 0, C * H * W * sizeof(floating))
        return
    gop = &grad_out[0, 0, 0, 0]
    wp = &w[0, 0, 0, 0]
    taps_scratch = _taps_scratch(CG, OG, HO, WO, KH, KW, dil_h, dil_w)
    algo = _conv_choose(OG, CG, stride_h, stride_w, taps_scratch * sizeof(floating), False)
    if algo == _ALGO_TAPS:
        per_thread = taps_scratch
        n_threads = <int>min(n_threads, N * groups)
        scratch = _conv_take_scratch((n_threads * per_thread + O * K) * sizeof(floating))
        buf = <floating*>cnp.PyArray_DATA(scratch)
        wt = buf + n_threads * per_thread
        _repack_tap_major(wp, wt, O, CG, KH * KW)
        with nogil, parallel(num_threads=n_threads):
            col = buf + omp_get_thread_num() * per_thread
            for t in prange(N * groups, schedule='dynamic'):
                n = t // groups
                g = t % groups
                _taps_grad_input_group(gop + (n * O + g * OG) * P, wt + g * OG * CG, O * CG,
                                       gip + (n * C + g * CG) * H * W, col, CG, H, W, OG, KH, KW,
                                       HO, WO, pad_top, pad_left, dil_h, dil_w)
        _conv_give_scratch(scratch)
        return
    if algo == _ALGO_DIRECT:
        per_thread = _direct_scratch(HO, WO, OG, stride_h, stride_w, KH, KW, dil_h, dil_w)
        n_threads = <int>min(n_threads, N * groups)
        scratch = _conv_take_scratch(n_threads * per_thread * sizeof(floating))
        buf = <floating*>cnp.PyArray_DATA(scratch)
        with nogil, parallel(num_threads=n_threads):
            col = buf + omp_get_thread_num() * per_thread
            for t in prange(N * groups, schedule='dynamic'):
                n = t // groups
                g = t % groups
                _direct_grad_input_group(gop + (n * O + g * OG) * P, wp + g * OG * K,
                                         gip + (n * C + g * CG) * H * W, col, CG, H, W, OG, KH, KW,
                                         HO, WO, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w)
        _conv_give_scratch(scratch)
        return
    n_threads = n_thr_samples
    RT = _rows_per_tile(K, WO, HO, sizeof(floating))
    per_thread = K * RT * WO
    scratch = _conv_take_scratch(n_threads * per_thread * sizeof(floating))
    buf = <floating*>cnp.PyArray_DATA(scratch)
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
                                stride_h, stride_w, pad_top, pad_left, dil_h, dil_w)
    _conv_give_scratch(scratch)


# ---------------------------------------------------------------------------
# gradient w.r.t. the weight
# ---------------------------------------------------------------------------

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
    cdef Py_ssize_t OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t wsize = O * K
    _conv_check_blas_sizes("conv2d_grad_weight", K, P, O)
    cdef Py_ssize_t chunk = _conv_chunk_size(N)
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t k, n, g, t, r0, rt, RT, per_thread, i, i0, i1, T
    cdef int n_thr
    cdef floating acc
    cdef floating* col
    cdef floating* part
    cdef floating* gwp
    cdef const floating* xp
    cdef const floating* gop
    if wsize == 0:
        return
    gwp = &grad_w[0, 0, 0, 0]
    memset(gwp, 0, wsize * sizeof(floating))
    if N == 0 or P == 0 or H == 0 or W == 0:
        return
    xp = &x[0, 0, 0, 0]
    gop = &grad_out[0, 0, 0, 0]
    n_thr = <int>min(n_threads, n_chunks)
    cdef Py_ssize_t taps_scratch = _taps_scratch(CG, OG, HO, WO, KH, KW, dil_h, dil_w)
    cdef int algo = _conv_choose(OG, CG, stride_h, stride_w, taps_scratch * sizeof(floating), True)
    RT = _rows_per_tile(K, WO, HO, sizeof(floating))
    if algo == _ALGO_IM2COL:
        per_thread = K * RT * WO
    elif algo == _ALGO_TAPS:
        per_thread = taps_scratch
    else:
        per_thread = _direct_scratch(HO, WO, OG, stride_h, stride_w, KH, KW, dil_h, dil_w)
    scratch = _conv_take_scratch((n_chunks * wsize + n_thr * per_thread) * sizeof(floating))
    part = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* buf = part + n_chunks * wsize
    memset(part, 0, n_chunks * wsize * sizeof(floating))
    with nogil, parallel(num_threads=n_thr):
        col = buf + omp_get_thread_num() * per_thread
        for k in prange(n_chunks, schedule='dynamic'):
            for n in range(k * chunk, min(N, (k + 1) * chunk)):
                if algo == _ALGO_TAPS:
                    # the chunk's partial sum is kept tap-major: part[k, tap, o, c]
                    for g in range(groups):
                        _taps_grad_weight_group(xp + (n * C + g * CG) * H * W,
                                                gop + (n * O + g * OG) * P,
                                                part + k * wsize + g * OG * CG, O * CG, col,
                                                CG, H, W, OG, KH, KW, HO, WO, pad_top, pad_left,
                                                dil_h, dil_w)
                elif algo == _ALGO_IM2COL:
                    for g in range(groups):
                        for t in range((HO + RT - 1) // RT):
                            r0 = t * RT
                            rt = min(RT, HO - r0)
                            _im2col(xp + (n * C + g * CG) * H * W, col, CG, H, W, KH, KW, r0, rt,
                                    WO, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w)
                            # row-major part_g (OG, K) += grad_out_tile (OG, rt*WO) @ col^T
                            _gemm(c'T', c'N', K, OG, rt * WO, col, rt * WO,
                                  gop + ((n * O + g * OG) * HO + r0) * WO, P, 1,
                                  part + k * wsize + g * OG * K, K)
                else:
                    for g in range(groups):
                        _direct_grad_weight_group(xp + (n * C + g * CG) * H * W,
                                                  gop + (n * O + g * OG) * P,
                                                  part + k * wsize + g * OG * K, col, CG, H, W, OG,
                                                  KH, KW, HO, WO, stride_h, stride_w, pad_top,
                                                  pad_left, dil_h, dil_w)
    # add the chunks in chunk order; split the weight elements between threads when the
    # sum is big enough to pay for waking them (on a busy machine that costs milliseconds)
    n_thr = <int>min(n_threads, max(1, wsize // 4096)) if n_chunks * wsize >= (1 << 22) else 1
    T = KH * KW
    for i0 in prange(0, wsize, 4096, nogil=True, schedule='dynamic', num_threads=n_thr):
        i1 = min(i0 + 4096, wsize)
        for k in range(n_chunks):
            if algo == _ALGO_TAPS:   # part[k, tap, o, c] -> grad_w[o, c, tap]
                for i in range(i0, i1):
                    gwp[i] += part[k * wsize + ((i % T) * O + i // (CG * T)) * CG + (i // T) % CG]
            else:
                for i in range(i0, i1):
                    gwp[i] += part[k * wsize + i]
    _conv_give_scratch(scratch)


# ---------------------------------------------------------------------------
# gradient w.r.t. the bias
# ---------------------------------------------------------------------------

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
    cdef Py_ssize_t chunk = _conv_chunk_size(N)
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t k, n, o, p, j
    cdef double acc
    cdef double lanes[8]
    cdef double[:, ::1] part
    cdef const floating* row
    if O == 0:
        return
    grad_b[:] = 0
    if N == 0 or P == 0:
        return
    part = np.zeros((n_chunks, O), dtype=np.float64)
    cdef const floating* go = &grad_out[0, 0, 0, 0]
    # one pass over grad_out is memory-bound: extra threads only pay for big tensors
    cdef int n_thr = <int>min(n_threads, n_chunks) if N * O * P >= (1 << 24) else 1
    for k in prange(n_chunks, nogil=True, schedule='dynamic', num_threads=n_thr):
        for n in range(k * chunk, min(N, (k + 1) * chunk)):
            for o in range(O):
                row = go + (n * O + o) * P
                for j in range(8):
                    lanes[j] = 0
                for p in range(0, P - 7, 8):
                    for j in range(8):
                        lanes[j] += row[p + j]
                acc = 0
                for p in range(P - P % 8, P):
                    acc = acc + row[p]
                for j in range(8):
                    acc = acc + lanes[j]
                part[k, o] += acc
    for o in range(O):
        acc = 0
        for k in range(n_chunks):
            acc = acc + part[k, o]
        grad_b[o] = <floating>acc
