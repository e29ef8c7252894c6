# "gemm" algorithm: each pass as a few large BLAS GEMMs over chunks of samples.
#
# The direct micro-kernels waste work where planes are small (tiles of 24 positions on a 4x4
# plane, weights streamed once per 6-position tile) and the im2col algorithm makes one GEMM
# per sample, whose N dimension is the plane (16 columns on 4x4). Here a chunk of S samples
# is one matrix of S*P columns (P = HO*WO), S = ceil(target / P) with a target of 128-512
# columns per pass (_GM_COLS_*), so every GEMM is wide:
#   forward      out_chunk (OG, S*P)      = w_g (OG, K)     @ col_chunk (K, S*P)
#   grad_input   dcol_chunk (K, S*P)      = w_g^T (K, OG)   @ gout_chunk (OG, S*P), col2im'd
#   grad_weight  gw_g (OG, K)            += gout_chunk (OG, S*P) @ col_chunk^T, chunk after chunk
# col_chunk holds the receptive fields of the chunk's samples side by side (_im2col with the
# row pitch S*P); gout_chunk the output gradient rows likewise. A 1x1 convolution with stride
# 1 and no padding needs no copy at all: forward and grad_input multiply the whole batch as one
# GEMM of N*P columns read in place (_conv_gemm_nb.pxi), grad_weight on planes of >= target
# positions one sample per chunk (S = 1: x_n is the (C, P) matrix).
# The choice between this and the direct kernels is the cost model's (_conv_cost.pxi).
#
# Notes:
# - Work items are chunks of samples x groups x blocks of output rows (grad_input: blocks of
#   input channels; grad_weight: blocks of grad_w columns). The chunks depend on the shape
#   only; the blocks are split until there are _GM_MIN_ITEMS items, none below _GM_MIN_ROWS,
#   and with several threads further (_gm_block) until the items are a multiple of n_threads,
#   so no thread idles at the end of a phase (small planes, small batches: a grad_weight with
#   64 columns was one item). A block only picks which elements one GEMM call makes; every
#   element is the same chain of sums in any block, so the bits are the same for any thread
#   count. The copies of phase 1 are items too: gathers one per (chunk, group, sample), so a
#   single chunk of small planes is not gathered by one thread; the weights packed once per
#   block in the same loop.
# - A "pass" is the run of consecutive chunks whose gathered matrices fit _GM_PASS_BYTES;
#   phase 1 of a pass gathers (parallel over chunk x group), phase 2 multiplies (parallel
#   over items). grad_weight's items run over the pass's chunks in chunk order, each chunk's
#   sum added onto grad_w (it is grad_w for the very first chunk): a fixed order, no partial
#   arrays of O*K per chunk.
# - The GEMMs are our own (_conv_gemm_ukernel.h: packed panels, register tiles per instruction
#   set, a scalar twin): every element a chain of blocks of 64 terms, each block summed from
#   zero in registers. OpenBLAS sums each element in k-blocks of a few hundred terms, one
#   running FMA sum per block, further from float64 than PyTorch; the packed GEMM keeps the
#   order the algorithm had with one BLAS call per 64 terms (still there for A/B timings:
#   _gemm_kernel('blas')) without re-packing per call. The weights (forward, grad_input) are
#   packed once per call, grad_out once per chunk (grad_weight), so a work item packs only
#   what is its own. grad_weight's long position sums are cut into spans (_gm_gw_chunk).
#   Errors in docs/performance.md; tests/conv/test_conv_precision.py checks every zoo layer.
# - The GEMMs run inside prange, one thread each (BLAS, when switched to: the caller limits
#   it to one thread, miniconv._config.blas_single_thread()).

cdef enum:
    _ALGO_GEMM = 3
    _GM_PASS_BYTES = 32 << 20   # gathered matrices of one pass
    _GM_MAX_CHUNK_BYTES = 64 << 20   # one chunk's gathered matrices larger: gemm does not serve
    _GM_MIN_ROWS = 64           # rows (or columns) per block at least

# Target GEMM columns (positions) per chunk of samples, per pass. Measured on the zoo's
# small-plane layers (one thread): the forward is fastest near 128 (the column chunk, K x 128,
# stays in L2 between im2col and BLAS's packing), grad_input near 512 (its A operand is only
# the output gradient), grad_weight is flat between 128 and 512 at one thread; at two threads
# (2026-12-07, after its row blocks) 512 was faster than 256 on 7 of 8 small-plane layers
# (ResNet-50's 1x1 on 28/14/7 planes, 3x3 on 8/4 planes; ~5 %, fewer gathers and k blocks).
cdef Py_ssize_t _GM_COLS_FORWARD = 128
cdef Py_ssize_t _GM_COLS_GRAD_INPUT = 512
cdef Py_ssize_t _GM_COLS_GRAD_WEIGHT = 512
cdef Py_ssize_t _GM_MIN_ITEMS = 8   # split blocks until this many work items (shape only)
# A 1x1 stride-1 plane of at least this many positions is a chunk of its own, read in place:
# gathering three 14x14 planes into one chunk of 588 columns cost more (the copy of x and of
# the output gradient, ~20 % of the pass) than the extra chunk sums of one GEMM per sample
# (ResNet-50's 1x1 grad_weight on 14x14 planes at one thread: 1.24-1.27 -> 1.12-1.15x PyTorch;
# on 7x7 planes gathering still pays, 0.89 against 0.96).
cdef Py_ssize_t _GM_NOCOPY_COLS = 128


cdef struct _GGeom:
    Py_ssize_t N, C, H, W, O, KH, KW, HO, WO, sh, sw, pt, pl, dh, dw, groups
    Py_ssize_t CG, OG, T, K, P, HW
    bint nocopy       # 1x1, stride 1, no padding: x_n is the (C, P) matrix itself
    Py_ssize_t S      # samples per chunk (the last chunk may have fewer)
    Py_ssize_t nch    # chunks
    Py_ssize_t cpp    # chunks per pass


cdef _GGeom _gm_geom(Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t O,
                     Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t HO, Py_ssize_t WO, Py_ssize_t sh,
                     Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
                     Py_ssize_t groups, Py_ssize_t itemsize, Py_ssize_t target_cols) noexcept nogil:
    """The chunks and passes of the gemm algorithm for one shape; target_cols: columns per
    chunk to aim for (_GM_COLS_*)."""
    cdef _GGeom g
    cdef Py_ssize_t chunk_bytes
    g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.HO, g.WO = N, C, H, W, O, KH, KW, HO, WO
    g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, g.groups = sh, sw, pt, pl, dh, dw, groups
    g.CG, g.OG, g.T = C // groups, O // groups, KH * KW
    g.K, g.P, g.HW = g.CG * g.T, HO * WO, H * W
    g.nocopy = (KH == 1 and KW == 1 and sh == 1 and sw == 1 and pt == 0 and pl == 0
                and HO == H and WO == W)
    if g.nocopy and g.P >= min(target_cols, _GM_NOCOPY_COLS):
        g.S = 1
    else:
        g.S = max(1, min(N, (target_cols + g.P - 1) // max(1, g.P)))
    g.nch = (N + g.S - 1) // g.S
    # gathered per chunk: the columns of every group and the output gradient rows
    chunk_bytes = max(1, (C * g.T + O) * g.S * g.P * itemsize)
    g.cpp = max(1, min(g.nch, _GM_PASS_BYTES // chunk_bytes))
    return g


cdef bint _gm_fits(const _GGeom* g, Py_ssize_t itemsize) noexcept nogil:
    """True if one chunk's gathered matrices stay under _GM_MAX_CHUNK_BYTES."""
    return (g.C * g.T + g.O) * g.S * g.P * itemsize <= _GM_MAX_CHUNK_BYTES


cdef extern from "_conv_gemm_ukernel.h" nogil:
    ctypedef struct mc_gemm_kernels:
        int isa
        int mr_f32, nr_f32, mr_f64, nr_f64
        int order
        int pack_b
    int mc_gemm_gw_order
    mc_gemm_kernels mc_gemm_kernels_now()
    mc_gemm_kernels mc_gemm_kernels_gw(mc_gemm_kernels g)
    mc_gemm_kernels mc_gemm_kernels_gi(mc_gemm_kernels g)
    size_t mc_gemm_work_elems()
    size_t mc_gemm_packed_a_elems_f32(const mc_gemm_kernels* g, size_t M, size_t K)
    size_t mc_gemm_packed_a_elems_f64(const mc_gemm_kernels* g, size_t M, size_t K)
    void mc_gemm_pack_a_full_f32(const mc_gemm_kernels* g, size_t M, size_t K, const float* A,
                                 ptrdiff_t rsa, ptrdiff_t csa, float* apk)
    void mc_gemm_pack_a_full_f64(const mc_gemm_kernels* g, size_t M, size_t K, const double* A,
                                 ptrdiff_t rsa, ptrdiff_t csa, double* apk)
    void mc_gemm_f32(const mc_gemm_kernels* g, size_t M, size_t N, size_t K, const float* A,
                     ptrdiff_t rsa, ptrdiff_t csa, const float* apk, const float* B,
                     ptrdiff_t rsb, ptrdiff_t csb, float* C, size_t ldc, int accumulate,
                     float* work)
    void mc_gemm_f64(const mc_gemm_kernels* g, size_t M, size_t N, size_t K, const double* A,
                     ptrdiff_t rsa, ptrdiff_t csa, const double* apk, const double* B,
                     ptrdiff_t rsb, ptrdiff_t csb, double* C, size_t ldc, int accumulate,
                     double* work)


cdef Py_ssize_t _GM_SUM_BLOCK = 64    # terms per BLAS call along k (the 'blas' GEMM)
cdef bint _GM_PACKED = True           # the packed GEMM of _conv_gemm_ukernel.h, else BLAS
cdef bint _GM_BATCHED = True          # 1x1 no-copy forward / grad_input: _conv_gemm_nb.pxi


cdef struct _GPack:
    # the packed GEMM of one call: its micro-kernels (one instruction set for the whole call)
    # and the work space per thread (elements); packed False: BLAS
    mc_gemm_kernels gk
    bint packed
    Py_ssize_t work


cdef _GPack _gm_pack_info() noexcept:
    cdef _GPack pk
    pk.gk = mc_gemm_kernels_now()
    pk.packed = _GM_PACKED
    pk.work = <Py_ssize_t>mc_gemm_work_elems() if _GM_PACKED else 0
    return pk


cdef Py_ssize_t _gm_apk_elems(const _GPack* pk, Py_ssize_t M, Py_ssize_t K,
                              Py_ssize_t itemsize) noexcept nogil:
    """Elements of an A operand (M x K) packed once for several GEMMs; 0 with BLAS."""
    if not pk.packed:
        return 0
    if itemsize == 4:
        return <Py_ssize_t>mc_gemm_packed_a_elems_f32(&pk.gk, M, K)
    return <Py_ssize_t>mc_gemm_packed_a_elems_f64(&pk.gk, M, K)


cdef void _gm_pack_a(const _GPack* pk, char tb, Py_ssize_t n, Py_ssize_t k, const floating* b,
                     Py_ssize_t ldb, floating* apk) noexcept nogil:
    """Pack, for later _gm_gemm calls with the same tb, b, ldb, n, k (k: the whole sum or more),
    op(b)^T (n x k: the A operand of the packed GEMM) into apk (_gm_apk_elems(n, k) elements)."""
    cdef ptrdiff_t rsa = ldb if tb == c'N' else 1, csa = 1 if tb == c'N' else ldb
    if floating is float:
        mc_gemm_pack_a_full_f32(&pk.gk, n, k, b, rsa, csa, apk)
    else:
        mc_gemm_pack_a_full_f64(&pk.gk, n, k, b, rsa, csa, apk)


cdef void _gm_gemm(char ta, char tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                   const floating* a, Py_ssize_t lda, const floating* b, Py_ssize_t ldb,
                   floating beta, floating* c, Py_ssize_t ldc, const _GPack* pk,
                   const floating* apk, floating* work) noexcept nogil:
    """Column-major c (m x n) = op(a) @ op(b) (beta 0) or c + op(a) @ op(b) (beta 1), every
    element a chain of block sums of 64 terms, each block summed from zero.
    Packed (pk.packed): the GEMM of _conv_gemm_ukernel.h on the row-major view (c^T = op(b)^T
    @ op(a)^T, so op(b)^T is its A, read from apk if not NULL: _gm_pack_a), work: pk.work
    elements of this thread's. BLAS: k cut into calls of _GM_SUM_BLOCK terms, the first with
    beta and the others adding onto c (OpenBLAS's own k-blocks are a few hundred terms long,
    and one running sum of 256 terms is already further from float64 than PyTorch; measured
    in docs/performance.md)."""
    cdef Py_ssize_t k0 = 0, kn
    cdef ptrdiff_t rsa, csa, rsb, csb
    if pk.packed:
        rsa = ldb if tb == c'N' else 1
        csa = 1 if tb == c'N' else ldb
        rsb = lda if ta == c'N' else 1
        csb = 1 if ta == c'N' else lda
        if floating is float:
            mc_gemm_f32(&pk.gk, n, m, k, b, rsa, csa, apk, a, rsb, csb, c, ldc, beta != 0, work)
        else:
            mc_gemm_f64(&pk.gk, n, m, k, b, rsa, csa, apk, a, rsb, csb, c, ldc, beta != 0, work)
        return
    while k0 < k:
        kn = min(_GM_SUM_BLOCK, k - k0)
        _gemm(ta, tb, m, n, kn, a + (k0 * lda if ta == c'N' else k0), lda,
              b + (k0 if tb == c'N' else k0 * ldb), ldb, beta if k0 == 0 else 1, c, ldc)
        k0 += kn


cdef enum:
    _GM_SPAN_BLOCKS = 16    # grad_weight: blocks of _GM_SUM_BLOCK terms chained per span


cdef void _gm_gw_chunk(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const floating* a,
                       Py_ssize_t lda, const floating* b, Py_ssize_t ldb, bint first,
                       floating* c, Py_ssize_t ldc, floating* t1, floating* t2, const _GPack* pk,
                       const floating* bpk, Py_ssize_t mp, floating* work) noexcept nogil:
    """Column-major c (m x n) = (first) or += A^T (m x k) @ B (k x n), A and B stored k-major
    (the positions of one chunk along k): spans of _GM_SPAN_BLOCKS * _GM_SUM_BLOCK terms are
    summed by _gm_gemm into t1, the spans chained into t2, then t2 is added to c (or is c).
    The chunk's sum is formed on its own before it joins the chain of chunks in c, so a long
    batch of large planes (tens of thousands of positions) is not one chain of blocks.
    t1, t2: m * n scratch each; pk, work: as _gm_gemm; bpk (or NULL): B packed by _gm_pack_a
    for all k terms (n rounded up to the tile rows = mp)."""
    cdef Py_ssize_t span = (64 if pk.packed else _GM_SUM_BLOCK) * _GM_SPAN_BLOCKS, k0 = 0, kn, i, j
    cdef floating* dst
    while k0 < k:
        kn = min(span, k - k0)
        if k0 == 0 and kn == k and first:     # one span, the first chunk: straight into c
            _gm_gemm(c'T', c'N', m, n, kn, a, lda, b, ldb, 0, c, ldc, pk, bpk, work)
            return
        dst = t2 if k0 == 0 else t1
        _gm_gemm(c'T', c'N', m, n, kn, a + k0, lda, b + k0, ldb, 0, dst, m, pk,
                 bpk + k0 * mp if bpk != NULL else NULL, work)
        if k0 > 0:
            for i in range(m * n):
                t2[i] = t2[i] + t1[i]
        k0 += kn
    for j in range(n):
        if first:
            for i in range(m):
                c[j * ldc + i] = t2[j * m + i]
        else:
            for i in range(m):
                c[j * ldc + i] = c[j * ldc + i] + t2[j * m + i]


cdef bint _GM_SPLIT_THREADS = True   # _gm_block cuts blocks for the thread count


cdef inline Py_ssize_t _gm_block(Py_ssize_t rows, Py_ssize_t outer, Py_ssize_t unit,
                                 int n_threads=1) noexcept nogil:
    """Rows per block (a multiple of unit, except the whole): rows are split into as many
    blocks as bring outer * blocks up to _GM_MIN_ITEMS, none smaller than _GM_MIN_ROWS; with
    several threads, into more (none under unit rows) until the items are a multiple of
    n_threads where the rows allow, so no thread idles at the end of a phase. The blocks never
    change an element's sum (each is a chain over k whatever the tiles): the bits are the same
    for any n_threads."""
    cdef Py_ssize_t nb = max(1, min((_GM_MIN_ITEMS + outer - 1) // outer, rows // _GM_MIN_ROWS))
    if not _GM_SPLIT_THREADS:
        n_threads = 1
    cdef Py_ssize_t b = ((rows + nb - 1) // nb + unit - 1) // unit * unit, want
    if n_threads > 1 and (outer * ((rows + b - 1) // b)) % n_threads != 0:
        want = nb
        while want < rows // unit:
            want += 1
            b = ((rows + want - 1) // want + unit - 1) // unit * unit
            if (outer * ((rows + b - 1) // b)) % n_threads == 0:
                return max(1, min(rows, b))
        b = ((rows + nb - 1) // nb + unit - 1) // unit * unit
    return max(1, min(rows, b))


cdef void _gm_gather_cols(const floating* xp, floating* colp, const _GGeom* g, Py_ssize_t n0,
                          Py_ssize_t ns, Py_ssize_t s, Py_ssize_t grp) noexcept nogil:
    """Sample n0 + s's share of colp (K, ns*P), the receptive fields of samples n0..n0+ns-1,
    group grp, side by side: its P columns (one work item per sample)."""
    _im2col(xp + ((n0 + s) * g.C + grp * g.CG) * g.HW, colp + s * g.P, g.CG, g.H, g.W,
            g.KH, g.KW, 0, g.HO, g.WO, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, ns * g.P)


cdef void _gm_gather_rows(const floating* src, floating* dst, Py_ssize_t rows, Py_ssize_t stride,
                          Py_ssize_t P, Py_ssize_t ns, Py_ssize_t s) noexcept nogil:
    """Sample s's share of dst (rows, ns*P)[r, s*P + p] = src[s*stride + r*P + p] (rows of ns
    samples side by side): its P columns of every row."""
    cdef Py_ssize_t r, cols = ns * P
    for r in range(rows):
        memcpy(dst + r * cols + s * P, src + s * stride + r * P, P * sizeof(floating))


cdef int _gemm_forward(const floating* xp, const floating* wp, const floating* bp,
                       floating* outp, const _GGeom* g, int n_threads) except -1:
    """out = conv(x, w) + bias (bp NULL: no bias)."""
    if g.nocopy and _GM_PACKED and _GM_BATCHED:
        return _gemm_nb(wp, False, xp, g.C * g.HW, outp, g.O * g.P, bp, g.OG, g.K, g.P, g.N,
                        g.groups, n_threads)
    cdef Py_ssize_t K = g.K, P = g.P, OG = g.OG, G = g.groups
    cdef bint gather = not (g.nocopy and g.S == 1)
    cdef Py_ssize_t OB = _gm_block(OG, g.nch * G, 16, n_threads), nob = (OG + OB - 1) // OB
    cdef Py_ssize_t colsz = G * K * g.S * P if gather else 0      # per chunk
    cdef _GPack pk = _gm_pack_info()
    cdef Py_ssize_t tile = (OB * g.S * P if gather else 0) + pk.work   # per thread
    cdef Py_ssize_t wpk = _gm_apk_elems(&pk, OB, K, sizeof(floating))  # per block of w rows
    cdef Py_ssize_t ps, c0, c1, it, k, grp, ob, n0, ns, cols, o0, on, s, o, p, ngat, npk, j
    cdef int n_thr = <int>max(1, min(n_threads, g.cpp * G * nob))
    cdef floating* tl
    cdef floating* work
    cdef floating* colp
    cdef floating* dst
    cdef const floating* src
    cdef const floating* wpb
    cdef floating bv
    scratch = _conv_take_scratch(max(1, g.cpp * colsz + n_thr * tile + G * nob * wpk)
                                 * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* tiles = buf + g.cpp * colsz
    cdef floating* wpacked = tiles + n_thr * tile
    for ps in range((g.nch + g.cpp - 1) // g.cpp):
        c0 = ps * g.cpp
        c1 = min(g.nch, c0 + g.cpp)
        # phase 1: the chunks' columns gathered and (first pass) the weights packed once for
        # every chunk, blocks of OB rows per group: items of one parallel loop (a copy, the
        # same bits whichever thread makes it)
        ngat = (c1 - c0) * G * g.S if gather else 0      # (chunk, group, sample) items
        npk = G * nob if ps == 0 and wpk > 0 else 0
        with nogil, parallel(num_threads=n_thr):
            tl = tiles + omp_get_thread_num() * tile
            work = tl + (tile - pk.work)
            if ngat + npk > 0:
                for it in prange(ngat + npk, schedule='dynamic'):
                    if it < ngat:
                        j = it // g.S
                        n0 = (c0 + j // G) * g.S
                        if it % g.S < min(g.S, g.N - n0):
                            _gm_gather_cols(xp, buf + j * K * g.S * P, g, n0, min(g.S, g.N - n0),
                                            it % g.S, j % G)
                    else:
                        o0 = (it - ngat) % nob * OB
                        _gm_pack_a(&pk, c'N', min(OB, OG - o0), K,
                                   wp + ((it - ngat) // nob * OG + o0) * K, K,
                                   wpacked + (it - ngat) * wpk)
            for it in prange((c1 - c0) * G * nob, schedule='dynamic'):
                k = c0 + it // (G * nob)
                grp = it // nob % G
                ob = it % nob
                n0 = k * g.S
                ns = min(g.S, g.N - n0)
                cols = ns * P
                o0 = ob * OB
                on = min(OB, OG - o0)
                wpb = wpacked + (grp * nob + ob) * wpk if wpk > 0 else NULL
                if gather:
                    # row-major tile (on, cols) = w rows (on, K) @ col (K, cols)
                    colp = buf + ((k - c0) * G + grp) * K * g.S * P
                    _gm_gemm(c'N', c'N', cols, on, K, colp, cols, wp + (grp * OG + o0) * K, K, 0,
                             tl, cols, &pk, wpb, work)
                    for s in range(ns):
                        for o in range(on):
                            dst = outp + ((n0 + s) * g.O + grp * OG + o0 + o) * P
                            src = tl + o * cols + s * P
                            if bp != NULL:
                                bv = bp[grp * OG + o0 + o]
                                for p in range(P):
                                    dst[p] = src[p] + bv
                            else:
                                memcpy(dst, src, P * sizeof(floating))
                else:
                    dst = outp + (n0 * g.O + grp * OG + o0) * P
                    _gm_gemm(c'N', c'N', P, on, K, xp + (n0 * g.C + grp * g.CG) * g.HW, P,
                             wp + (grp * OG + o0) * K, K, 0, dst, P, &pk, wpb, work)
                    if bp != NULL:
                        for o in range(on):
                            bv = bp[grp * OG + o0 + o]
                            for p in range(P):
                                dst[o * P + p] = dst[o * P + p] + bv
    _conv_give_scratch(scratch)
    return 0


cdef int _gemm_grad_input(const floating* gop, const floating* wp, floating* gip,
                          const _GGeom* g, int n_threads) except -1:
    """grad_in = col2im(w^T @ grad_out), per chunk of samples and block of input channels."""
    if g.nocopy and _GM_PACKED and _GM_BATCHED:
        return _gemm_nb(wp, True, gop, g.O * g.P, gip, g.C * g.HW, NULL, g.CG, g.OG, g.P, g.N,
                        g.groups, n_threads)
    cdef Py_ssize_t K = g.K, P = g.P, OG = g.OG, CG = g.CG, T = g.T, G = g.groups, HW = g.HW
    cdef bint direct_out = g.nocopy and g.S == 1
    cdef bint gather = g.S > 1
    cdef Py_ssize_t CB = _gm_block(CG, g.nch * G, max(1, (16 + T - 1) // T), n_threads)
    cdef Py_ssize_t ncb = (CG + CB - 1) // CB
    cdef Py_ssize_t gsz = g.O * g.S * P if gather else 0          # per chunk
    cdef _GPack pk = _gm_pack_info()
    pk.gk = mc_gemm_kernels_gi(pk.gk)      # grad_out's rows packed (streamed from L2 in place)
    cdef Py_ssize_t tile = (0 if direct_out else CB * T * g.S * P) + pk.work  # per thread
    cdef Py_ssize_t wpk = _gm_apk_elems(&pk, CB * T, OG, sizeof(floating))   # per block
    cdef Py_ssize_t ps, c0, c1, it, k, grp, cb, n0, ns, cols, ci0, cn, s, ldg, ngat, npk, j
    cdef int n_thr = <int>max(1, min(n_threads, g.cpp * G * ncb))
    cdef floating* tl
    cdef floating* work
    cdef const floating* gsrc
    cdef const floating* wpb
    cdef floating* gi
    scratch = _conv_take_scratch(max(1, g.cpp * gsz + n_thr * tile + G * ncb * wpk)
                                 * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* tiles = buf + g.cpp * gsz
    cdef floating* wpacked = tiles + n_thr * tile
    for ps in range((g.nch + g.cpp - 1) // g.cpp):
        c0 = ps * g.cpp
        c1 = min(g.nch, c0 + g.cpp)
        # phase 1: the output gradient rows gathered and (first pass) w^T packed once for every
        # chunk, blocks of CB input channels per group (as in _gemm_forward)
        ngat = (c1 - c0) * g.S if gather else 0      # (chunk, sample) items
        npk = G * ncb if ps == 0 and wpk > 0 else 0
        with nogil, parallel(num_threads=n_thr):
            tl = tiles + omp_get_thread_num() * tile
            work = tl + (tile - pk.work)
            if ngat + npk > 0:
                for it in prange(ngat + npk, schedule='dynamic'):
                    if it < ngat:
                        j = it // g.S
                        n0 = (c0 + j) * g.S
                        if it % g.S < min(g.S, g.N - n0):
                            _gm_gather_rows(gop + n0 * g.O * P, buf + j * gsz, g.O, g.O * P, P,
                                            min(g.S, g.N - n0), it % g.S)
                    else:
                        ci0 = (it - ngat) % ncb * CB
                        _gm_pack_a(&pk, c'T', min(CB, CG - ci0) * T, OG,
                                   wp + (it - ngat) // ncb * OG * K + ci0 * T, K,
                                   wpacked + (it - ngat) * wpk)
            for it in prange((c1 - c0) * G * ncb, schedule='dynamic'):
                k = c0 + it // (G * ncb)
                grp = it // ncb % G
                cb = it % ncb
                n0 = k * g.S
                ns = min(g.S, g.N - n0)
                cols = ns * P
                ci0 = cb * CB
                cn = min(CB, CG - ci0)
                if gather:
                    gsrc = buf + (k - c0) * gsz + grp * OG * cols
                    ldg = cols
                else:
                    gsrc = gop + (n0 * g.O + grp * OG) * P
                    ldg = P
                wpb = wpacked + (grp * ncb + cb) * wpk if wpk > 0 else NULL
                if direct_out:
                    # row-major grad_in rows (cn, P) = w[:, channels]^T (cn, OG) @ grad_out (OG, P)
                    _gm_gemm(c'N', c'T', P, cn, OG, gsrc, ldg, wp + grp * OG * K + ci0, K, 0,
                             gip + (n0 * g.C + grp * CG + ci0) * HW, P, &pk, wpb, work)
                else:
                    # row-major dcol (cn*T, cols) = w[:, pairs]^T @ grad_out (OG, cols)
                    _gm_gemm(c'N', c'T', cols, cn * T, OG, gsrc, ldg, wp + grp * OG * K + ci0 * T,
                             K, 0, tl, cols, &pk, wpb, work)
                    for s in range(ns):
                        gi = gip + ((n0 + s) * g.C + grp * CG + ci0) * HW
                        memset(gi, 0, cn * HW * sizeof(floating))
                        _col2im_add(tl + s * P, gi, cn, g.H, g.W, g.KH, g.KW, 0, g.HO, g.WO,
                                    g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, cols)
    _conv_give_scratch(scratch)
    return 0


cdef bint _GM_GW_COLS_ONLY = False   # grad_weight: always blocks of columns (A/B timings)


cdef void _gm_gw_blocks(const _GGeom* g, int n_threads, Py_ssize_t* OB,
                        Py_ssize_t* KB) noexcept nogil:
    """grad_weight's blocks of grad_w rows (OB) and columns (KB): with several threads and
    more rows than columns, the rows in one block per thread (every row block transposes the
    columns again), else the columns (_gm_block). The bits are the same for any blocks."""
    if n_threads > 1 and g.OG > g.K and not _GM_GW_COLS_ONLY:
        OB[0] = min(g.OG, ((g.OG + n_threads - 1) // n_threads + 15) // 16 * 16)
        KB[0] = g.K
    else:
        OB[0] = g.OG
        KB[0] = _gm_block(g.K, g.groups, 16, n_threads)


cdef int _gemm_grad_weight(const floating* xp, const floating* gop, floating* gwp,
                           const _GGeom* g, int n_threads) except -1:
    """grad_w = sum over chunks, in chunk order, of grad_out_chunk @ col_chunk^T. Work items:
    blocks of grad_w's rows (output channels) where they outnumber its columns (1x1 layers
    that widen: each item then reads only its rows of grad_out, the larger operand), else
    blocks of its columns (_gm_gw_blocks)."""
    cdef Py_ssize_t K = g.K, P = g.P, OG = g.OG, G = g.groups
    cdef bint gather_x = not (g.nocopy and g.S == 1)
    cdef bint gather_g = g.S > 1
    cdef Py_ssize_t OB, KB
    _gm_gw_blocks(g, n_threads, &OB, &KB)
    cdef Py_ssize_t nob = (OG + OB - 1) // OB, nkb = (K + KB - 1) // KB
    cdef Py_ssize_t colsz = G * K * g.S * P if gather_x else 0    # per chunk
    cdef Py_ssize_t gsz = g.O * g.S * P if gather_g else 0        # per chunk
    cdef Py_ssize_t ps, c0, c1, it, k, grp, ob, kb, n0, ns, cols, o0, on, k0, kn, lda, ldg, j
    cdef int n_thr = <int>max(1, min(n_threads, max(G * nob * nkb, g.cpp * G)))
    cdef _GPack pk = _gm_pack_info()
    pk.gk = mc_gemm_kernels_gw(pk.gk)      # along the column panels: the B block stays in L2
    cdef Py_ssize_t tsz = KB * OB                                 # per thread, twice
    cdef Py_ssize_t thr = 2 * tsz + pk.work                       # per thread
    # grad_out rows packed once per chunk, group and block of rows for every block of grad_w
    # columns (mp: per term of the sum, the block's rows rounded up to whole tiles)
    cdef Py_ssize_t mp = _gm_apk_elems(&pk, OB, 1, sizeof(floating)), mpo
    cdef Py_ssize_t gpk = mp * g.S * P                            # per chunk, group, row block
    cdef const floating* a
    cdef const floating* b
    cdef const floating* bpk
    cdef floating* t1
    cdef floating* work
    scratch = _conv_take_scratch(max(1, g.cpp * (colsz + gsz + G * nob * gpk) + n_thr * thr)
                                 * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* gbuf = buf + g.cpp * colsz
    cdef floating* tbuf = gbuf + g.cpp * gsz
    cdef floating* gpacked = tbuf + n_thr * thr
    for ps in range((g.nch + g.cpp - 1) // g.cpp):
        c0 = ps * g.cpp
        c1 = min(g.nch, c0 + g.cpp)
        with nogil, parallel(num_threads=n_thr):
            t1 = tbuf + omp_get_thread_num() * thr
            work = t1 + 2 * tsz
            if gather_x or gather_g:
                # (chunk, group, sample) items: each sample's columns and grad_out rows
                for it in prange((c1 - c0) * G * g.S, schedule='dynamic'):
                    j = it // g.S
                    k = c0 + j // G
                    grp = j % G
                    n0 = k * g.S
                    ns = min(g.S, g.N - n0)
                    if it % g.S < ns:
                        if gather_x:
                            _gm_gather_cols(xp, buf + j * K * g.S * P, g, n0, ns, it % g.S, grp)
                        if gather_g:
                            _gm_gather_rows(gop + (n0 * g.O + grp * OG) * P,
                                            gbuf + (k - c0) * gsz + grp * OG * ns * P, OG,
                                            g.O * P, P, ns, it % g.S)
            if gpk > 0:
                # then grad_out's rows packed per (chunk, group, row block), from the gathered rows
                for it in prange((c1 - c0) * G * nob, schedule='dynamic'):
                    k = c0 + it // (G * nob)
                    grp = it // nob % G
                    o0 = it % nob * OB
                    on = min(OB, OG - o0)
                    n0 = k * g.S
                    ns = min(g.S, g.N - n0)
                    if gather_g:
                        _gm_pack_a(&pk, c'N', on, ns * P,
                                   gbuf + (k - c0) * gsz + (grp * OG + o0) * ns * P, ns * P,
                                   gpacked + it * gpk)
                    else:
                        _gm_pack_a(&pk, c'N', on, P, gop + (n0 * g.O + grp * OG + o0) * P, P,
                                   gpacked + it * gpk)
            for it in prange(G * nob * nkb, schedule='dynamic'):
                grp = it // (nob * nkb)
                ob = it // nkb % nob
                kb = it % nkb
                o0 = ob * OB
                on = min(OB, OG - o0)
                k0 = kb * KB
                kn = min(KB, K - k0)
                for k in range(c0, c1):
                    n0 = k * g.S
                    ns = min(g.S, g.N - n0)
                    cols = ns * P
                    if gather_x:
                        a = buf + ((k - c0) * G + grp) * K * g.S * P + k0 * cols
                        lda = cols
                    else:
                        a = xp + (n0 * g.C + grp * g.CG + k0) * g.HW
                        lda = P
                    if gather_g:
                        b = gbuf + (k - c0) * gsz + (grp * OG + o0) * cols
                        ldg = cols
                    else:
                        b = gop + (n0 * g.O + grp * OG + o0) * P
                        ldg = P
                    # row-major grad_w block (on, kn) (+)= grad_out rows (on, cols) @ col rows^T
                    mpo = _gm_apk_elems(&pk, on, 1, sizeof(floating))
                    _gm_gw_chunk(kn, on, cols, a, lda, b, ldg, k == 0,
                                 gwp + (grp * OG + o0) * K + k0, K, t1, t1 + tsz, &pk,
                                 gpacked + (((k - c0) * G + grp) * nob + ob) * gpk
                                 if gpk > 0 else NULL, mpo, work)
    _conv_give_scratch(scratch)
    return 0


include "_conv_gemm_nb.pxi"
include "_conv_gemm_switches.pxi"
