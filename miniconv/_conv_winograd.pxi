# "winograd" algorithm: 3x3 stride-1 convolutions as Winograd F(2x2, 3x3).
#
# Every 2x2 block of outputs of one (sample, output channel) is computed from the 4x4 input
# tile under it (tiles step by 2, overlapping by 2) with 16 multiplications per input channel
# instead of 36 (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
#   V = B^T d B    (4x4, per input tile d and input channel)     B^T = [1  0 -1  0]
#   U = G g G^T    (4x4, per 3x3 filter g: output x input ch.)         [0  1  1  0]
#   M[xi] = U[xi] @ V[xi]  for each of the 16 points xi:               [0 -1  1  0]
#           (K x C) @ (C x tiles), one GEMM each                       [0  1  0 -1]
#   Y = A^T M A    (2x2 outputs per tile)                        G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
#                                                                A^T = [1 1 1 0; 0 1 -1 -1]
# so the GEMMs do 16 * K * C multiply-adds per 4 outputs, 2.25x fewer than the 36 * K * C of
# the direct sum. Tiles are numbered over the batch (sample, tile row, tile column) and cut
# into blocks of NB tiles; a block's transformed input (C x 16 x NB) and products (K x 16 x NB)
# are one thread's scratch (NB is chosen so they are about _WN_BLOCK_BYTES), so a small plane
# (4x4: 4 tiles) still gives GEMMs of NB columns. Tiles at the right and bottom edges whose
# 2x2 outputs are partly outside the output plane are computed whole and only the positions
# inside are written; input positions outside the plane (the zero padding, or past the end)
# read as 0. The transforms of one run of tiles in a tile row are in _conv_winograd.h: plain C
# loops (the scalar twins, and the float64 path) and AVX2 versions with the same bits, four
# tiles per vector, chosen per call from the conv instruction set (mc_wn_simd;
# _winograd_transforms('scalar') forces the twins). The GEMMs are the packed GEMM of
# _conv_gemm_ukernel.h: U[xi] packed once per call as its A operand (_wn_weights writes it in
# that layout), V[xi]'s rows read in place; _winograd_gemm('blas') switches back to BLAS calls.
#
# grad_input with stride 1 is the same computation on the output gradient with the weights
# flipped in both axes and transposed (o <-> c) and padding 2 - p (so p <= 2).
# grad_weight (_winograd_grad_weight): dW = G^T [sum over tiles of Z[xi] V[xi]] G with
# Z = A dY A^T of each 2x2 block of grad_out, 16 GEMMs per block of tiles with the tiles as
# the terms, per-run partial sums added in float64 (see there).
#
# Notes:
# - Scratch is point-major per channel (V[c][xi][tile]): with V[xi][c][tile] the transforms
#   wrote 16 streams a power of two apart (L1 set conflicts), 2.5x slower on 64 channels.
# - Rows of V and M are 16 NB + one cache line long (VP): with a pitch of 16 NB (a multiple
#   of 4 KB for NB = 64) the GEMM's column panels, one row per channel, fell into a few cache
#   sets and the packed GEMM was slower than BLAS with its own packing.
# - Blocks of ~512 KB (V + M, about L2): U is packed once per call, so small blocks cost no
#   re-packing (with BLAS, which packs U[xi] again for every call, blocks of ~4 MB were
#   needed: U of a 512x512 layer is 16 MB). NB is a multiple of 16 (whole GEMM panels).
# - Precision: the transforms are computed in float64 from the float32 values and rounded
#   once (V and U are then the float32 roundings of the exact transforms, Y one rounding of
#   the float64 combination of M), and the channel sums are GEMM calls of 32 channels (64 from
#   128 channels on, where PyTorch's own error is larger) chained onto M (the packed GEMM's
#   micro-kernels with blocks of 32 or 64 terms; _wn_gemm's BLAS calls of 32 / 64 channels):
#   the running sum within a block dominates the error. With float32 transforms the 1- and
#   3-channel layers were up to 1.45x further from float64 than PyTorch, with 64-channel calls
#   ResNet-50's 64-64 56x56 grad_input 1.5x; as built, every zoo layer it serves is within
#   PyTorch's error x 1.10 + 3e-8 (docs/performance.md, tests/conv/test_conv_winograd.py).
#   Planes under 3x3 are not served: a window covers at most 4 inputs there (nothing saved)
#   and the tiles' zero border cost precision (VGG-16's 512-512 2x2 grad_input: 1.24x).
# - Work items are the blocks, fixed by the shape (never by n_threads), and each output
#   element is written by the block that holds its tile: the same bits for any thread count.
# - Non-finite inputs: an inf or NaN spreads through a tile's transform to outputs whose
#   window does not contain it (inf - inf = NaN), where PyTorch's sum stays finite or inf; the
#   dispatch therefore checks the data (_wn_all_finite) and takes another algorithm then
#   (grad_weight: checks its result instead, see conv2d_grad_weight).
# - BLAS (the 'blas' switch) runs inside prange: the caller limits BLAS to one thread.

cdef extern from "_conv_winograd.h" nogil:
    void mc_wn_input_f32(const float* r0, const float* r1, const float* r2, const float* r3,
                         ptrdiff_t W, ptrdiff_t q0, ptrdiff_t L, float* v, ptrdiff_t vs,
                         double* tmp)
    void mc_wn_input_f64(const double* r0, const double* r1, const double* r2, const double* r3,
                         ptrdiff_t W, ptrdiff_t q0, ptrdiff_t L, double* v, ptrdiff_t vs,
                         double* tmp)
    void mc_wn_output_f32(const float* m, ptrdiff_t ms, ptrdiff_t L, float* o0, float* o1,
                          ptrdiff_t ncols, double bias, double* tmp)
    void mc_wn_output_f64(const double* m, ptrdiff_t ms, ptrdiff_t L, double* o0, double* o1,
                          ptrdiff_t ncols, double bias, double* tmp)
    int mc_wn_simd()
    mc_gemm_kernels mc_wn_gemm_kernels(int block32)
    void mc_wn_gout_f32(const float* g0, const float* g1, ptrdiff_t ncols, ptrdiff_t L, float* z,
                        ptrdiff_t zs)
    void mc_wn_gout_f64(const double* g0, const double* g1, ptrdiff_t ncols, ptrdiff_t L,
                        double* z, ptrdiff_t zs)
    void mc_wn_gout_f32_v(int simd, const float* g0, const float* g1, ptrdiff_t ncols, ptrdiff_t L,
                          float* z, ptrdiff_t zs)
    enum: MC_GEMM_KC
    void mc_wn_input_f32_v(int simd, const float* r0, const float* r1, const float* r2,
                           const float* r3, ptrdiff_t W, ptrdiff_t q0, ptrdiff_t L, float* v,
                           ptrdiff_t vs, double* tmp)
    void mc_wn_output_f32_v(int simd, const float* m, ptrdiff_t ms, ptrdiff_t L, float* o0,
                            float* o1, ptrdiff_t ncols, double bias, double* tmp)

cdef enum:
    _ALGO_WINOGRAD = 4
    _WN_MIN_TILES = 16            # tiles per block at least (GEMM columns)
    _WN_MAX_TILES = 256
    _WN_MAX_U_BYTES = 64 << 20    # transformed weights larger: winograd does not serve

cdef Py_ssize_t _WN_BLOCK_BYTES = 512 << 10   # target of one block's V + M scratch
cdef Py_ssize_t _WN_MIN_BLOCKS = 4            # blocks made smaller until this many (>= 16 tiles)
cdef Py_ssize_t _WN_SUM_SHALLOW = 32          # channels per GEMM call below _WN_DEEP channels
cdef Py_ssize_t _WN_SUM_DEEP = 64             # and from _WN_DEEP on (see _wn_gemm)
cdef Py_ssize_t _WN_DEEP = 128


cdef inline Py_ssize_t _wn_sum_block(Py_ssize_t C) noexcept nogil:
    return _WN_SUM_DEEP if C >= _WN_DEEP else _WN_SUM_SHALLOW


cdef int _WN_SIMD_OFF = 0      # 1: the plain C transforms whatever the instruction set


cdef struct _WGeom:
    Py_ssize_t N, C, H, W, K, HO, WO, pt, pl   # the convolution run (C in, K out channels)
    Py_ssize_t TH, TW, T    # tile rows, tile columns, tiles per sample
    Py_ssize_t NT           # tiles of the batch
    Py_ssize_t NB, nblk     # tiles per block, blocks


cdef _WGeom _wn_geom(Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t K,
                     Py_ssize_t HO, Py_ssize_t WO, Py_ssize_t pt, Py_ssize_t pl,
                     Py_ssize_t itemsize, Py_ssize_t block_bytes=0) noexcept nogil:
    """The tiles and blocks of one Winograd convolution (a function of the shape only);
    block_bytes: the target of one block's scratch (0: _WN_BLOCK_BYTES)."""
    cdef _WGeom g
    cdef Py_ssize_t nb
    g.N, g.C, g.H, g.W, g.K, g.HO, g.WO, g.pt, g.pl = N, C, H, W, K, HO, WO, pt, pl
    g.TH, g.TW = (HO + 1) // 2, (WO + 1) // 2
    g.T = g.TH * g.TW
    g.NT = N * g.T
    nb = (block_bytes if block_bytes > 0 else _WN_BLOCK_BYTES) // max(1, 16 * (C + K) * itemsize)
    nb = max(<Py_ssize_t>_WN_MIN_TILES, min(<Py_ssize_t>_WN_MAX_TILES, nb))
    nb = min(nb, max(<Py_ssize_t>_WN_MIN_TILES, (g.NT + _WN_MIN_BLOCKS - 1) // _WN_MIN_BLOCKS))
    g.NB = (nb + 15) // 16 * 16     # whole column panels of the GEMM (16 wide on AVX2)
    g.nblk = (g.NT + g.NB - 1) // g.NB
    return g


cdef bint _wn_serves(Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt,
                     Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw, Py_ssize_t groups,
                     Py_ssize_t C, Py_ssize_t O, Py_ssize_t H, Py_ssize_t W, Py_ssize_t HO,
                     Py_ssize_t WO, Py_ssize_t itemsize) noexcept nogil:
    """True for the shapes this algorithm computes: 3x3, stride 1, dilation 1, one group,
    padding 0 to 2 (grad_input pads by 2 - p), input and output planes at least 3x3 (on a
    smaller plane a window covers at most 4 inputs: nothing is saved, and the tile's zero
    border costs precision), transformed weights under _WN_MAX_U_BYTES."""
    return (KH == 3 and KW == 3 and sh == 1 and sw == 1 and dh == 1 and dw == 1 and groups == 1
            and 0 <= pt <= 2 and 0 <= pl <= 2 and min(H, W) >= 3 and min(HO, WO) >= 3
            and 16 * C * O * itemsize <= _WN_MAX_U_BYTES)


cdef bint _wn_all_finite(const floating* a, Py_ssize_t n, int n_threads) noexcept nogil:
    """True if a[:n] has no inf or NaN (x - x is 0 exactly for finite x, NaN otherwise)."""
    cdef Py_ssize_t chunk = 1 << 16, nchunks = (n + chunk - 1) // chunk, k, i
    cdef int bad = 0, ok
    for k in prange(nchunks, schedule='static', num_threads=n_threads):
        ok = 1
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            ok = ok & (a[i] - a[i] == 0)
        if not ok:
            bad += 1
    return bad == 0


cdef struct _WPack:
    # the GEMMs of one call: packed (_conv_gemm_ukernel.h, U[xi] packed as its A operand,
    # one instruction set for the whole call) or BLAS (U[xi] row-major K x C)
    bint packed
    mc_gemm_kernels gk
    Py_ssize_t mr, Mp, apk, work     # rows per panel, K rounded up to mr, elements per U[xi]
                                     # packed, work space per thread (elements)


cdef bint _WN_PACKED = True


cdef _WPack _wn_pack_info(Py_ssize_t K, Py_ssize_t C, Py_ssize_t itemsize) noexcept:
    """How one call with K rows (output channels) and C terms runs its GEMMs."""
    cdef _WPack pk
    pk.packed = _WN_PACKED
    pk.gk = mc_wn_gemm_kernels(_wn_sum_block(C) <= 32)
    pk.mr = pk.gk.mr_f32 if itemsize == 4 else pk.gk.mr_f64
    pk.Mp = (K + pk.mr - 1) // pk.mr * pk.mr
    pk.apk = pk.Mp * C if pk.packed else K * C
    pk.work = <Py_ssize_t>mc_gemm_work_elems() if pk.packed else 0
    return pk


cdef inline Py_ssize_t _wn_u_index(const _WPack* pk, Py_ssize_t K, Py_ssize_t C, Py_ssize_t o,
                                   Py_ssize_t c) noexcept nogil:
    """Where U[xi][o, c] goes in the xi-th part of the transformed weights: row-major (BLAS)
    or the packed GEMM's A layout (mc_gemm_pack_a_full: blocks of MC_GEMM_KC terms, panels of
    mr rows, term-major inside a panel)."""
    cdef Py_ssize_t pc, kc
    if not pk.packed:
        return o * C + c
    pc = c // MC_GEMM_KC * MC_GEMM_KC
    kc = min(<Py_ssize_t>MC_GEMM_KC, C - pc)
    return pc * pk.Mp + (o // pk.mr) * kc * pk.mr + (c - pc) * pk.mr + o % pk.mr


cdef void _wn_weights(const floating* wp, floating* up, Py_ssize_t O, Py_ssize_t CI,
                      bint grad_input, const _WPack* pk, int n_threads) noexcept nogil:
    """U[xi] = G g G^T for every filter g = w[o, c] (O, CI, 3, 3), in float64, rounded once.
    Forward: U[xi][o, c] (K = O rows); grad_input: g flipped in both axes, U[xi][c, o]; U[xi]
    at up + xi * pk.apk, laid out by _wn_u_index (rows past K of the packed panels zero)."""
    cdef Py_ssize_t o, c, i, a, idx, sxi = pk.apk
    if pk.packed and pk.Mp != (CI if grad_input else O):
        memset(up, 0, 16 * pk.apk * sizeof(floating))
    cdef const floating* g
    cdef double g00, g01, g02, g10, g11, g12, g20, g21, g22
    cdef double h00, h01, h02, h10, h11, h12, h20, h21, h22, h30, h31, h32
    for o in prange(O, schedule='static', num_threads=n_threads):
        for c in range(CI):
            g = wp + (o * CI + c) * 9
            if grad_input:
                g00, g01, g02 = g[8], g[7], g[6]
                g10, g11, g12 = g[5], g[4], g[3]
                g20, g21, g22 = g[2], g[1], g[0]
                idx = _wn_u_index(pk, CI, O, c, o)
            else:
                g00, g01, g02 = g[0], g[1], g[2]
                g10, g11, g12 = g[3], g[4], g[5]
                g20, g21, g22 = g[6], g[7], g[8]
                idx = _wn_u_index(pk, O, CI, o, c)
            # h = G g (4x3), then U = h G^T (4x4)
            h00, h01, h02 = g00, g01, g02
            h10 = 0.5 * (g00 + g10 + g20)
            h11 = 0.5 * (g01 + g11 + g21)
            h12 = 0.5 * (g02 + g12 + g22)
            h20 = 0.5 * (g00 - g10 + g20)
            h21 = 0.5 * (g01 - g11 + g21)
            h22 = 0.5 * (g02 - g12 + g22)
            h30, h31, h32 = g20, g21, g22
            _wn_u_row(h00, h01, h02, up + idx, sxi)
            _wn_u_row(h10, h11, h12, up + 4 * sxi + idx, sxi)
            _wn_u_row(h20, h21, h22, up + 8 * sxi + idx, sxi)
            _wn_u_row(h30, h31, h32, up + 12 * sxi + idx, sxi)


cdef inline void _wn_u_row(double h0, double h1, double h2, floating* u,
                           Py_ssize_t s) noexcept nogil:
    u[0] = <floating>h0
    u[s] = <floating>(0.5 * (h0 + h1 + h2))
    u[2 * s] = <floating>(0.5 * (h0 - h1 + h2))
    u[3 * s] = <floating>h2


cdef inline void _wn_input(const floating* r0, const floating* r1, const floating* r2,
                           const floating* r3, Py_ssize_t W, Py_ssize_t q0, Py_ssize_t L,
                           floating* v, Py_ssize_t vs, double* tmp, int simd) noexcept nogil:
    if floating is float:
        mc_wn_input_f32_v(simd, r0, r1, r2, r3, W, q0, L, v, vs, tmp)
    else:
        mc_wn_input_f64(r0, r1, r2, r3, W, q0, L, v, vs, tmp)


cdef inline void _wn_output(const floating* m, Py_ssize_t ms, Py_ssize_t L, floating* o0,
                            floating* o1, Py_ssize_t ncols, double bias,
                            double* tmp, int simd) noexcept nogil:
    if floating is float:
        mc_wn_output_f32_v(simd, m, ms, L, o0, o1, ncols, bias, tmp)
    else:
        mc_wn_output_f64(m, ms, L, o0, o1, ncols, bias, tmp)


cdef void _wn_gemm(Py_ssize_t nb, Py_ssize_t K, Py_ssize_t C, const floating* v, Py_ssize_t ldv,
                   const floating* u, floating* m, Py_ssize_t ldm) noexcept nogil:
    """Column-major m (nb x K) = v (nb x C) @ u^T, u row-major (K, C): the channels in GEMM
    calls of _wn_sum_block(C) terms chained onto m (as _gm_gemm does with _GM_SUM_BLOCK)."""
    cdef Py_ssize_t c0 = 0, cn, blk = _wn_sum_block(C)
    while c0 < C:
        cn = min(blk, C - c0)
        _gemm(c'N', c'N', nb, K, cn, v + c0 * ldv, ldv, u + c0, C, 0 if c0 == 0 else 1, m, ldm)
        c0 += cn


cdef int _wn_conv(const floating* xp, const floating* up, const floating* bp, floating* outp,
                  const _WGeom* g, const _WPack* pk, int n_threads) except -1:
    """out (N, K, HO, WO) = Winograd conv of x (N, C, H, W) with the transformed weights up
    (16 parts of pk.apk: _wn_weights), plus bias (bp NULL: none). Blocks of g.NB tiles, one
    thread each."""
    cdef Py_ssize_t C = g.C, K = g.K, NB = g.NB, T = g.T, TW = g.TW
    # rows of V (per channel) and M (per output channel) 16 NB long plus one cache line, so
    # that the GEMM's column panels (one row per channel) do not fall into a few cache sets
    cdef Py_ssize_t VP = 16 * NB + 64 // sizeof(floating)
    cdef Py_ssize_t vsz = C * VP, msz = K * VP + pk.work   # per thread
    cdef Py_ssize_t tsz = 8 * min(TW, NB) + 8                   # doubles per thread
    cdef Py_ssize_t blk, t0, t1, nb, s, n, r, ty, tx0, tx1, c, k, xi, ih, oh, L
    cdef int n_thr = <int>max(1, min(n_threads, g.nblk))
    cdef int simd = _WN_SIMD_OFF == 0 and mc_wn_simd()
    cdef floating* vt
    cdef floating* mt
    cdef double* tt
    cdef const floating* xc
    cdef floating* oc
    scratch = _conv_take_scratch((g.W + n_thr * (vsz + msz)) * sizeof(floating))
    tscratch = _conv_take_scratch(n_thr * tsz * sizeof(double))
    cdef floating* zrow = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* tbuf = zrow + g.W
    cdef double* tmps = <double*>cnp.PyArray_DATA(tscratch)
    memset(zrow, 0, g.W * sizeof(floating))
    with nogil, parallel(num_threads=n_thr):
        vt = tbuf + omp_get_thread_num() * (vsz + msz)
        mt = vt + vsz
        tt = tmps + omp_get_thread_num() * tsz
        for blk in prange(g.nblk, schedule='dynamic'):
            t0 = blk * NB
            t1 = min(g.NT, t0 + NB)
            nb = t1 - t0
            # V of the block's tiles, run by run of tiles in one tile row
            s = t0
            while s < t1:
                n = s // T
                r = s % T
                ty = r // TW
                tx0 = r % TW
                tx1 = min(TW, tx0 + t1 - s)
                ih = 2 * ty - g.pt
                L = tx1 - tx0
                for c in range(C):
                    xc = xp + (n * C + c) * g.H * g.W
                    _wn_input(xc + ih * g.W if 0 <= ih < g.H else zrow,
                              xc + (ih + 1) * g.W if 0 <= ih + 1 < g.H else zrow,
                              xc + (ih + 2) * g.W if 0 <= ih + 2 < g.H else zrow,
                              xc + (ih + 3) * g.W if 0 <= ih + 3 < g.H else zrow,
                              g.W, 2 * tx0 - g.pl, L, vt + c * VP + (s - t0), NB, tt, simd)
                s = s + tx1 - tx0
            # M[xi] (K x nb, row pitch VP) = U[xi] (K x C) @ V[xi] (C x nb, row pitch VP)
            for xi in range(16):
                if pk.packed:
                    if floating is float:
                        mc_gemm_f32(&pk.gk, K, nb, C, NULL, 0, 0, up + xi * pk.apk,
                                    vt + xi * NB, VP, 1, mt + xi * NB, VP, 0, mt + K * VP)
                    else:
                        mc_gemm_f64(&pk.gk, K, nb, C, NULL, 0, 0, up + xi * pk.apk,
                                    vt + xi * NB, VP, 1, mt + xi * NB, VP, 0, mt + K * VP)
                else:
                    _wn_gemm(nb, K, C, vt + xi * NB, VP, up + xi * pk.apk, mt + xi * NB, VP)
            s = t0
            while s < t1:
                n = s // T
                r = s % T
                ty = r // TW
                tx0 = r % TW
                tx1 = min(TW, tx0 + t1 - s)
                oh = 2 * ty
                L = tx1 - tx0
                for k in range(K):
                    oc = outp + ((n * K + k) * g.HO + oh) * g.WO + 2 * tx0
                    _wn_output(mt + k * VP + (s - t0), NB, L, oc,
                               oc + g.WO if oh + 1 < g.HO else NULL,
                               min(2 * L, g.WO - 2 * tx0), bp[k] if bp != NULL else 0, tt, simd)
                s = s + tx1 - tx0
    _conv_give_scratch(tscratch)
    _conv_give_scratch(scratch)
    return 0


cdef int _winograd_forward(const floating* xp, const floating* wp, const floating* bp,
                           floating* outp, const _WGeom* g, int n_threads) except -1:
    """out = conv(x, w) + bias, w (K, C, 3, 3)."""
    cdef _WPack pk = _wn_pack_info(g.K, g.C, sizeof(floating))
    scratch = _conv_take_scratch(16 * pk.apk * sizeof(floating))
    cdef floating* up = <floating*>cnp.PyArray_DATA(scratch)
    _wn_weights(wp, up, g.K, g.C, False, &pk, n_threads)
    _wn_conv(xp, up, bp, outp, g, &pk, n_threads)
    _conv_give_scratch(scratch)
    return 0


cdef int _winograd_grad_input(const floating* gop, const floating* wp, floating* gip,
                              const _WGeom* g, int n_threads) except -1:
    """grad_in = conv(grad_out, w flipped and transposed), w (O, C, 3, 3); g is the geometry
    of that convolution (C = O in, K = C out channels, padding 2 - p)."""
    cdef _WPack pk = _wn_pack_info(g.K, g.C, sizeof(floating))
    scratch = _conv_take_scratch(16 * pk.apk * sizeof(floating))
    cdef floating* up = <floating*>cnp.PyArray_DATA(scratch)
    _wn_weights(wp, up, g.C, g.K, True, &pk, n_threads)
    _wn_conv(gop, up, NULL, gip, g, &pk, n_threads)
    _conv_give_scratch(scratch)
    return 0


cdef bint _WN_GW_ON = True    # grad_weight served (the cost model decides where)


cdef Py_ssize_t _WN_GW_CHUNKS = 6            # grad_weight's partial sums at most (see below)
cdef Py_ssize_t _WN_GW_PART_BYTES = 32 << 20  # and their bytes at most
# grad_weight's blocks: larger (the tiles are the GEMMs' terms; each block's GEMMs read and
# write the K x C partial sums once)
cdef Py_ssize_t _WN_GW_BLOCK_BYTES = 4 << 20


cdef Py_ssize_t _wn_gw_chunks(const _WGeom* g, Py_ssize_t itemsize) noexcept nogil:
    """Blocks per partial sum of grad_weight (a function of the shape only)."""
    cdef Py_ssize_t nch = max(1, min(min(_WN_GW_CHUNKS, g.nblk),
                                     _WN_GW_PART_BYTES // max(1, 16 * (g.K * g.C + 16) * itemsize)))
    return (g.nblk + nch - 1) // nch


cdef inline void _wn_gw_one(const floating* part, Py_ssize_t nch, Py_ssize_t stride,
                            floating* gw) noexcept nogil:
    """gw (3x3) = G^T M G, M[xi] the sum of part[(ch * 16 + xi) * stride] over the partial
    sums ch in order, in float64, rounded once."""
    cdef double m[16]
    cdef double h[12]
    cdef Py_ssize_t xi, ch, b, i
    for xi in range(16):
        m[xi] = part[xi * stride]
        for ch in range(1, nch):
            m[xi] += part[(ch * 16 + xi) * stride]
    for b in range(4):    # h = G^T M (3x4)
        h[b] = m[b] + 0.5 * (m[4 + b] + m[8 + b])
        h[4 + b] = 0.5 * (m[4 + b] - m[8 + b])
        h[8 + b] = 0.5 * (m[4 + b] + m[8 + b]) + m[12 + b]
    for i in range(3):    # gw = h G (3x3)
        gw[3 * i] = <floating>(h[4 * i] + 0.5 * (h[4 * i + 1] + h[4 * i + 2]))
        gw[3 * i + 1] = <floating>(0.5 * (h[4 * i + 1] - h[4 * i + 2]))
        gw[3 * i + 2] = <floating>(0.5 * (h[4 * i + 1] + h[4 * i + 2]) + h[4 * i + 3])


cdef void _wn_gw_v(const floating* xp, const _WGeom* g, Py_ssize_t t0, Py_ssize_t t1,
                   Py_ssize_t c0, Py_ssize_t c1, const floating* zrow, floating* vt,
                   Py_ssize_t VP, double* tt, int simd) noexcept nogil:
    """V (B^T d B) of the block's tiles [t0, t1) for the input channels [c0, c1): run by run
    of tiles in one tile row; channel c's 16 points NB apart from vt + c * VP."""
    cdef Py_ssize_t s = t0, n, r, ty, tx0, tx1, ih, L, c
    cdef const floating* xc
    while s < t1:
        n = s // g.T
        r = s % g.T
        ty = r // g.TW
        tx0 = r % g.TW
        tx1 = min(g.TW, tx0 + t1 - s)
        ih = 2 * ty - g.pt
        L = tx1 - tx0
        for c in range(c0, c1):
            xc = xp + (n * g.C + c) * g.H * g.W
            _wn_input(xc + ih * g.W if 0 <= ih < g.H else zrow,
                      xc + (ih + 1) * g.W if 0 <= ih + 1 < g.H else zrow,
                      xc + (ih + 2) * g.W if 0 <= ih + 2 < g.H else zrow,
                      xc + (ih + 3) * g.W if 0 <= ih + 3 < g.H else zrow,
                      g.W, 2 * tx0 - g.pl, L, vt + c * VP + (s - t0), g.NB, tt, simd)
        s = s + L


cdef void _wn_gw_z(const floating* gop, const _WGeom* g, Py_ssize_t t0, Py_ssize_t t1,
                   Py_ssize_t k0, Py_ssize_t k1, floating* zt, Py_ssize_t VP, int simd) noexcept nogil:
    """Z (A dY A^T) of the block's tiles [t0, t1) for the output channels [k0, k1) (float32:
    the AVX2 transform where simd, the same bits)."""
    cdef Py_ssize_t s = t0, n, r, ty, tx0, tx1, oh, L, k
    cdef const floating* gc
    while s < t1:
        n = s // g.T
        r = s % g.T
        ty = r // g.TW
        tx0 = r % g.TW
        tx1 = min(g.TW, tx0 + t1 - s)
        oh = 2 * ty
        L = tx1 - tx0
        for k in range(k0, k1):
            gc = gop + ((n * g.K + k) * g.HO + oh) * g.WO + 2 * tx0
            if floating is float:
                mc_wn_gout_f32_v(simd, gc, gc + g.WO if oh + 1 < g.HO else NULL,
                                 min(2 * L, g.WO - 2 * tx0), L, zt + k * VP + (s - t0), g.NB)
            else:
                mc_wn_gout_f64(gc, gc + g.WO if oh + 1 < g.HO else NULL,
                               min(2 * L, g.WO - 2 * tx0), L, zt + k * VP + (s - t0), g.NB)
        s = s + L


cdef int _winograd_grad_weight(const floating* xp, const floating* gop, floating* gwp,
                               const _WGeom* g, int n_threads) except -1:
    """grad_w (K, C, 3, 3) of the convolution g (x (N, C, H, W), grad_out (N, K, HO, WO)):
    dW = G^T [sum over tiles of Z[xi] V[xi]] G, Z = A dY A^T of each 2x2 block of grad_out,
    V = B^T d B of the 4x4 input tile under it (the forward's), one GEMM per point xi
    (K x C += Z[xi] (K x nb) @ V[xi]^T (nb x C), the tiles the terms, in blocks of 32 chained
    onto the partial sum). The blocks of tiles are cut into consecutive runs, fixed by the
    shape (_wn_gw_chunks), each one thread's float32 partial sum in block order; the partial
    sums are added in float64 in run order by the inverse transform: the same bits for any
    thread count. With fewer runs than threads (wide layers: a partial sum of 512 x 512
    channels is 16 MB, so one or two), the threads share each block instead: its V and Z
    channel by channel, then its 16 GEMMs one point each (the same calls, the same bits)."""
    cdef Py_ssize_t C = g.C, K = g.K, NB = g.NB
    cdef Py_ssize_t OC = g.K * g.C + 64 // sizeof(floating)    # the points' partial sums apart by
                                                               # K C and a cache line (read together)
    cdef Py_ssize_t VP = 16 * NB + 64 // sizeof(floating)
    cdef Py_ssize_t per = _wn_gw_chunks(g, sizeof(floating))
    cdef Py_ssize_t nch = (g.nblk + per - 1) // per
    cdef Py_ssize_t wk = <Py_ssize_t>mc_gemm_work_elems()
    cdef Py_ssize_t tsz = 8 * min(g.TW, NB) + 8
    cdef Py_ssize_t vsz = C * VP + K * VP + wk                 # per thread: V, Z, GEMM work
    cdef Py_ssize_t ch, blk, t0, t1, nb, xi, o, c, i
    cdef bint share = n_threads > 1 and nch < n_threads
    cdef int n_thr = n_threads if share else <int>max(1, min(n_threads, nch))
    cdef int simd = _WN_SIMD_OFF == 0 and mc_wn_simd()
    cdef mc_gemm_kernels gk = mc_wn_gemm_kernels(1)
    gk = mc_gemm_kernels_gw(gk)
    cdef floating* vt
    cdef floating* zt
    cdef floating* pt
    cdef floating* wt
    cdef double* tt
    scratch = _conv_take_scratch((g.W + (vsz + (n_thr - 1) * wk if share else n_thr * vsz))
                                 * sizeof(floating))
    pscratch = _conv_take_scratch(nch * 16 * OC * sizeof(floating))
    tscratch = _conv_take_scratch(n_thr * tsz * sizeof(double))
    cdef floating* zrow = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* tbuf = zrow + g.W
    cdef floating* part = <floating*>cnp.PyArray_DATA(pscratch)
    cdef double* tmps = <double*>cnp.PyArray_DATA(tscratch)
    cdef floating* vs = tbuf                 # (share) the block's V, Z and each thread's GEMM work
    cdef floating* zs = tbuf + C * VP
    cdef floating* works = zs + K * VP
    cdef floating* ps
    memset(zrow, 0, g.W * sizeof(floating))
    if share:
        for ch in range(nch):
            ps = part + ch * 16 * OC
            for blk in range(ch * per, min(g.nblk, (ch + 1) * per)):
                t0 = blk * NB
                t1 = min(g.NT, t0 + NB)
                nb = t1 - t0
                with nogil, parallel(num_threads=n_thr):
                    tt = tmps + omp_get_thread_num() * tsz
                    wt = works + omp_get_thread_num() * wk
                    for i in prange(C + K, schedule='static'):
                        if i < C:
                            _wn_gw_v(xp, g, t0, t1, i, i + 1, zrow, vs, VP, tt, simd)
                        else:
                            _wn_gw_z(gop, g, t0, t1, i - C, i - C + 1, zs, VP, simd)
                    for xi in prange(16, schedule='dynamic'):
                        if floating is float:
                            mc_gemm_f32(&gk, K, C, nb, zs + xi * NB, VP, 1, NULL, vs + xi * NB,
                                        1, VP, ps + xi * OC, C, blk != ch * per, wt)
                        else:
                            mc_gemm_f64(&gk, K, C, nb, zs + xi * NB, VP, 1, NULL, vs + xi * NB,
                                        1, VP, ps + xi * OC, C, blk != ch * per, wt)
    else:
        with nogil, parallel(num_threads=n_thr):
            vt = tbuf + omp_get_thread_num() * vsz
            zt = vt + C * VP
            tt = tmps + omp_get_thread_num() * tsz
            for ch in prange(nch, schedule='dynamic'):
                pt = part + ch * 16 * OC
                for blk in range(ch * per, min(g.nblk, (ch + 1) * per)):
                    t0 = blk * NB
                    t1 = min(g.NT, t0 + NB)
                    nb = t1 - t0
                    _wn_gw_v(xp, g, t0, t1, 0, C, zrow, vt, VP, tt, simd)
                    _wn_gw_z(gop, g, t0, t1, 0, K, zt, VP, simd)
                    # the partial sum's M[xi] (K x C) (+)= Z[xi] (K x nb) @ V[xi]^T (nb x C)
                    for xi in range(16):
                        if floating is float:
                            mc_gemm_f32(&gk, K, C, nb, zt + xi * NB, VP, 1, NULL, vt + xi * NB,
                                        1, VP, pt + xi * OC, C, blk != ch * per, zt + K * VP)
                        else:
                            mc_gemm_f64(&gk, K, C, nb, zt + xi * NB, VP, 1, NULL, vt + xi * NB,
                                        1, VP, pt + xi * OC, C, blk != ch * per, zt + K * VP)
    for o in prange(K, nogil=True, schedule='static', num_threads=n_threads):
        for c in range(C):
            _wn_gw_one(part + o * C + c, nch, OC, gwp + (o * C + c) * 9)
    _conv_give_scratch(tscratch)
    _conv_give_scratch(pscratch)
    _conv_give_scratch(scratch)
    return 0


include "_conv_winograd_switches.pxi"
