# Pieces shared by the conv2d algorithms: argument checks, the scratch pool, reduction
# chunks, the algorithm ids (chosen by the cost model in _conv_cost.pxi), BLAS, and the
# zero-padded planes of the taps algorithm.
#
# Shapes (all C-contiguous, one floating dtype):
#   x (N, C, H, W), w (O, C // groups, KH, KW), bias (O,) or empty, out (N, O, HO, WO).
# Zero padding: only top/left are passed; bottom/right are implied by HO/WO (a window
# position outside the input reads 0), so asymmetric padding needs nothing special.
# K = (C // groups) * KH * KW is the length of one receptive field ("column").

from scipy.linalg.cython_blas cimport sgemm, dgemm

cdef enum:
    _CONV_MAX_CHUNKS = 16            # at most this many reduction chunks per call
    _CONV_TILE_BYTES = 1024 * 1024   # target size of one thread's im2col tile
    _CONV_TAPS_MAX_BYTES = 16 << 20  # per-thread padded planes larger: taps is not used
    _CONV_REDUCE_BLOCK = 4096        # weight elements per work item when adding chunks

cdef enum:
    _ALGO_DIRECT = 0
    _ALGO_IM2COL = 1
    _ALGO_TAPS = 2

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


cdef inline Py_ssize_t _conv_chunk_size(Py_ssize_t N) noexcept nogil:
    """Samples per reduction chunk: a function of N only, so results never depend on n_threads."""
    if N <= 0:
        return 1
    return (N + _CONV_MAX_CHUNKS - 1) // _CONV_MAX_CHUNKS


cdef void _conv_add_chunks(const floating* part, floating* gw, Py_ssize_t n_chunks,
                           Py_ssize_t wsize, int n_threads) noexcept nogil:
    """gw[i] = sum over chunks k in chunk order of part[k * wsize + i].

    The weight elements are split between threads only when the sum is big enough to pay
    for waking them (on a busy machine that costs milliseconds).
    """
    cdef Py_ssize_t i, i0, i1, k
    cdef int n_thr = 1
    if n_chunks * wsize >= (1 << 22):
        n_thr = <int>min(n_threads, max(1, wsize // _CONV_REDUCE_BLOCK))
    for i0 in prange(0, wsize, _CONV_REDUCE_BLOCK, schedule='static', num_threads=n_thr):
        i1 = min(i0 + _CONV_REDUCE_BLOCK, wsize)
        for i in range(i0, i1):
            gw[i] = 0
        for k in range(n_chunks):
            for i in range(i0, i1):
                gw[i] += part[k * wsize + i]


cdef inline double _conv_row_sum(const floating* row, Py_ssize_t P) noexcept nogil:
    """sum(row[:P]) in float64 with 8 independent partial sums (a single running sum is
    latency-bound and loses float32 precision over ~10^6 terms), in a fixed order.
    The partial sums are locals here: inside a prange body a C array would be shared."""
    cdef double lanes[8]
    cdef double acc = 0
    cdef Py_ssize_t p, j
    for j in range(8):
        lanes[j] = 0
    for p in range(0, P - 7, 8):
        for j in range(8):
            lanes[j] += row[p + j]
    for p in range(P - P % 8, P):
        acc = acc + row[p]
    for j in range(8):
        acc = acc + lanes[j]
    return acc


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


cdef void _pad_plane(const floating* xc, floating* pad, Py_ssize_t H, Py_ssize_t W,
                     Py_ssize_t Hp, Py_ssize_t Wp, Py_ssize_t pt, Py_ssize_t pl) noexcept nogil:
    """pad[r, q] = xc[r - pt, q - pl] inside the input, 0 outside (pt, pl >= 0)."""
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


def _conv_check(str fn, Py_ssize_t n, Py_ssize_t c, Py_ssize_t o, Py_ssize_t cg,
                Py_ssize_t out_n, Py_ssize_t out_o, int stride_h, int stride_w, int pad_top,
                int pad_left, int dil_h, int dil_w, int groups, int n_threads):
    """Cheap shape sanity checks shared by the conv kernels (raise ValueError).

    nn.functional has already raised PyTorch's errors; these guard direct calls of the
    kernels, whose pointer arithmetic relies on them.
    """
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

