# "winograd" algorithm: 3x3 stride-1 convolutions as Winograd F(2x2, 3x3).
#
# Every 2x2 block of outputs of one (sample, output channel) is computed from the 4x4 input
# tile under it (tiles step by 2, overlapping by 2) with 16 multiplications per input channel
# instead of 36 (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
#   V = B^T d B    (4x4, per input tile d and input channel)     B^T = [1  0 -1  0]
#   U = G g G^T    (4x4, per 3x3 filter g: output x input ch.)         [0  1  1  0]
#   M[xi] = U[xi] @ V[xi]  for each of the 16 points xi:               [0 -1  1  0]
#           (K x C) @ (C x tiles), one BLAS GEMM each                  [0  1  0 -1]
#   Y = A^T M A    (2x2 outputs per tile)                        G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
#                                                                A^T = [1 1 1 0; 0 1 -1 -1]
# so the GEMMs do 16 * K * C multiply-adds per 4 outputs, 2.25x fewer than the 36 * K * C of
# the direct sum. Tiles are numbered over the batch (sample, tile row, tile column) and cut
# into blocks of NB tiles; a block's transformed input (16 x C x NB) and products (16 x K x NB)
# are one thread's scratch (NB is chosen so they are about _WN_BLOCK_BYTES, near the L2), so a
# small plane (4x4: 4 tiles) still gives GEMMs of NB columns. Tiles at the right and bottom
# edges whose 2x2 outputs are partly outside the output plane are computed whole and only the
# positions inside are written; input positions outside the plane (the zero padding, or past
# the end) read as 0.
#
# grad_input with stride 1 is the same computation on the output gradient with the weights
# flipped in both axes and transposed (o <-> c) and padding 2 - p (so p <= 2).
# grad_weight is not done here (the other algorithms serve it).
#
# Notes:
# - Precision: the transforms are computed in float64 from the float32 values and rounded
#   once (V and U are then the float32 roundings of the exact transforms, Y one rounding of
#   the float64 combination of M), and the channel sums of the GEMMs are cut into blocks of
#   _GM_SUM_BLOCK terms (_gm_gemm). With float32 transforms the 1- and 3-channel layers were
#   up to 1.4x further from float64 than PyTorch; with these, every zoo layer is within it
#   (docs/performance.md, tests/conv/test_conv_winograd.py).
# - Work items are the blocks, fixed by the shape (never by n_threads), and each output
#   element is written by the block that holds its tile: the same bits for any thread count.
# - Non-finite inputs: an inf or NaN spreads through a tile's transform to outputs whose
#   window does not contain it (inf - inf = NaN), where PyTorch's sum stays finite or inf; the
#   dispatch therefore checks the data (_wn_all_finite) and takes another algorithm then.
# - BLAS runs inside prange: the caller limits BLAS to one thread.

cdef enum:
    _ALGO_WINOGRAD = 4
    _WN_MIN_TILES = 16            # tiles per block at least (GEMM columns)
    _WN_MAX_TILES = 256
    _WN_MIN_BLOCKS = 8            # blocks are made smaller until there are this many (>= 16 tiles)
    _WN_MAX_U_BYTES = 64 << 20    # transformed weights larger: winograd does not serve

cdef Py_ssize_t _WN_BLOCK_BYTES = 512 << 10   # target of one block's V + M scratch


def _winograd_block_bytes(Py_ssize_t nbytes=0):
    """Target bytes of one block's scratch; with nbytes > 0 set it (for experiments);
    returns the old value."""
    global _WN_BLOCK_BYTES
    old = _WN_BLOCK_BYTES
    if nbytes > 0:
        _WN_BLOCK_BYTES = nbytes
    return old


cdef struct _WGeom:
    Py_ssize_t N, C, H, W, K, HO, WO, pt, pl   # the convolution run (C in, K out channels)
    Py_ssize_t TH, TW, T    # tile rows, tile columns, tiles per sample
    Py_ssize_t NT           # tiles of the batch
    Py_ssize_t NB, nblk     # tiles per block, blocks


cdef _WGeom _wn_geom(Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t K,
                     Py_ssize_t HO, Py_ssize_t WO, Py_ssize_t pt, Py_ssize_t pl,
                     Py_ssize_t itemsize) noexcept nogil:
    """The tiles and blocks of one Winograd convolution (a function of the shape only)."""
    cdef _WGeom g
    cdef Py_ssize_t nb
    g.N, g.C, g.H, g.W, g.K, g.HO, g.WO, g.pt, g.pl = N, C, H, W, K, HO, WO, pt, pl
    g.TH, g.TW = (HO + 1) // 2, (WO + 1) // 2
    g.T = g.TH * g.TW
    g.NT = N * g.T
    nb = _WN_BLOCK_BYTES // max(1, 16 * (C + K) * itemsize)
    nb = max(<Py_ssize_t>_WN_MIN_TILES, min(<Py_ssize_t>_WN_MAX_TILES, nb))
    nb = min(nb, max(<Py_ssize_t>_WN_MIN_TILES, (g.NT + _WN_MIN_BLOCKS - 1) // _WN_MIN_BLOCKS))
    g.NB = (nb + 3) // 4 * 4
    g.nblk = (g.NT + g.NB - 1) // g.NB
    return g


cdef bint _wn_serves(Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt,
                     Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw, Py_ssize_t groups,
                     Py_ssize_t C, Py_ssize_t O, Py_ssize_t itemsize) noexcept nogil:
    """True for the shapes this algorithm computes: 3x3, stride 1, dilation 1, one group,
    padding 0 to 2 (grad_input pads by 2 - p), transformed weights under _WN_MAX_U_BYTES."""
    return (KH == 3 and KW == 3 and sh == 1 and sw == 1 and dh == 1 and dw == 1 and groups == 1
            and 0 <= pt <= 2 and 0 <= pl <= 2 and 16 * C * O * itemsize <= _WN_MAX_U_BYTES)


cdef bint _wn_all_finite(const floating* a, Py_ssize_t n, int n_threads) noexcept nogil:
    """True if a[:n] has no inf or NaN (x - x is 0 exactly for finite x, NaN otherwise)."""
    cdef Py_ssize_t chunk = 1 << 16, nchunks = (n + chunk - 1) // chunk, k, i
    cdef int bad = 0
    cdef double acc
    for k in prange(nchunks, schedule='static', num_threads=n_threads):
        acc = 0
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            acc = acc + (a[i] - a[i])
        if acc != 0 or acc != acc:
            bad += 1
    return bad == 0


cdef void _wn_weights(const floating* wp, floating* up, Py_ssize_t O, Py_ssize_t CI,
                      bint grad_input, int n_threads) noexcept nogil:
    """U[xi] = G g G^T for every filter g = w[o, c] (O, CI, 3, 3), in float64, rounded once.
    Forward: up[xi, o, c] (K = O rows); grad_input: g flipped in both axes, up[xi, c, o]."""
    cdef Py_ssize_t o, c, i, a, idx, sxi = O * CI
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
                idx = c * O + o
            else:
                g00, g01, g02 = g[0], g[1], g[2]
                g10, g11, g12 = g[3], g[4], g[5]
                g20, g21, g22 = g[6], g[7], g[8]
                idx = o * CI + c
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


cdef inline void _wn_v_row(double d0, double d1, double d2, double d3, floating* v,
                           Py_ssize_t s) noexcept nogil:
    """One row of V = (B^T d) B: v[b * s] for b = 0..3."""
    v[0] = <floating>(d0 - d2)
    v[s] = <floating>(d1 + d2)
    v[2 * s] = <floating>(d2 - d1)
    v[3 * s] = <floating>(d1 - d3)


cdef inline double _wn_ld(const floating* r, Py_ssize_t q, Py_ssize_t W) noexcept nogil:
    return r[q] if 0 <= q < W else 0


cdef void _wn_input_row(const floating* xc, const floating* zrow, const _WGeom* g,
                        Py_ssize_t ty, Py_ssize_t tx0, Py_ssize_t tx1, floating* v,
                        Py_ssize_t vs) noexcept nogil:
    """V of the tiles (ty, tx0..tx1-1) of one input plane xc (H, W): v[xi * vs + tx - tx0].
    zrow: W zeros (the rows outside the plane)."""
    cdef Py_ssize_t W = g.W, ih = 2 * ty - g.pt, tx, q, lo, hi
    cdef const floating* r0 = xc + ih * W if 0 <= ih < g.H else zrow
    cdef const floating* r1 = xc + (ih + 1) * W if 0 <= ih + 1 < g.H else zrow
    cdef const floating* r2 = xc + (ih + 2) * W if 0 <= ih + 2 < g.H else zrow
    cdef const floating* r3 = xc + (ih + 3) * W if 0 <= ih + 3 < g.H else zrow
    cdef double a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, e0, e1, e2, e3
    # tiles whose 4 columns 2tx - pl .. 2tx - pl + 3 are all inside [0, W)
    lo = min(tx1, max(tx0, (g.pl + 1) // 2))
    hi = lo
    if W - 4 + g.pl >= 0:
        hi = max(lo, min(tx1, (W - 4 + g.pl) // 2 + 1))
    for tx in range(tx0, tx1):
        q = 2 * tx - g.pl
        if lo <= tx < hi:
            # rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3 (exact in float64)
            a0 = <double>r0[q] - r2[q]
            a1 = <double>r0[q + 1] - r2[q + 1]
            a2 = <double>r0[q + 2] - r2[q + 2]
            a3 = <double>r0[q + 3] - r2[q + 3]
            b0 = <double>r1[q] + r2[q]
            b1 = <double>r1[q + 1] + r2[q + 1]
            b2 = <double>r1[q + 2] + r2[q + 2]
            b3 = <double>r1[q + 3] + r2[q + 3]
            c0 = <double>r2[q] - r1[q]
            c1 = <double>r2[q + 1] - r1[q + 1]
            c2 = <double>r2[q + 2] - r1[q + 2]
            c3 = <double>r2[q + 3] - r1[q + 3]
            e0 = <double>r1[q] - r3[q]
            e1 = <double>r1[q + 1] - r3[q + 1]
            e2 = <double>r1[q + 2] - r3[q + 2]
            e3 = <double>r1[q + 3] - r3[q + 3]
        else:
            a0 = _wn_ld(r0, q, W) - _wn_ld(r2, q, W)
            a1 = _wn_ld(r0, q + 1, W) - _wn_ld(r2, q + 1, W)
            a2 = _wn_ld(r0, q + 2, W) - _wn_ld(r2, q + 2, W)
            a3 = _wn_ld(r0, q + 3, W) - _wn_ld(r2, q + 3, W)
            b0 = _wn_ld(r1, q, W) + _wn_ld(r2, q, W)
            b1 = _wn_ld(r1, q + 1, W) + _wn_ld(r2, q + 1, W)
            b2 = _wn_ld(r1, q + 2, W) + _wn_ld(r2, q + 2, W)
            b3 = _wn_ld(r1, q + 3, W) + _wn_ld(r2, q + 3, W)
            c0 = _wn_ld(r2, q, W) - _wn_ld(r1, q, W)
            c1 = _wn_ld(r2, q + 1, W) - _wn_ld(r1, q + 1, W)
            c2 = _wn_ld(r2, q + 2, W) - _wn_ld(r1, q + 2, W)
            c3 = _wn_ld(r2, q + 3, W) - _wn_ld(r1, q + 3, W)
            e0 = _wn_ld(r1, q, W) - _wn_ld(r3, q, W)
            e1 = _wn_ld(r1, q + 1, W) - _wn_ld(r3, q + 1, W)
            e2 = _wn_ld(r1, q + 2, W) - _wn_ld(r3, q + 2, W)
            e3 = _wn_ld(r1, q + 3, W) - _wn_ld(r3, q + 3, W)
        _wn_v_row(a0, a1, a2, a3, v + tx - tx0, vs)
        _wn_v_row(b0, b1, b2, b3, v + 4 * vs + tx - tx0, vs)
        _wn_v_row(c0, c1, c2, c3, v + 8 * vs + tx - tx0, vs)
        _wn_v_row(e0, e1, e2, e3, v + 12 * vs + tx - tx0, vs)


cdef void _wn_output_row(const floating* m, Py_ssize_t ms, floating* oc, const _WGeom* g,
                         Py_ssize_t ty, Py_ssize_t tx0, Py_ssize_t tx1, double bias) noexcept nogil:
    """Y = A^T M A + bias for the tiles (ty, tx0..tx1-1) of one output plane oc (HO, WO),
    M[xi] at m[xi * ms + tx - tx0]; only positions inside the plane are written."""
    cdef Py_ssize_t WO = g.WO, oh = 2 * ty, tx, j, full = min(tx1, WO // 2)
    cdef bint two_rows = oh + 1 < g.HO
    cdef floating* o0 = oc + oh * WO
    cdef floating* o1 = oc + (oh + 1) * WO if two_rows else o0
    cdef double s0, s1, s2, s3, u0, u1, u2, u3
    for tx in range(tx0, tx1):
        j = tx - tx0
        # rows of A^T M: m0 + m1 + m2, m1 - m2 - m3
        s0 = <double>m[j] + m[4 * ms + j] + m[8 * ms + j]
        s1 = <double>m[ms + j] + m[5 * ms + j] + m[9 * ms + j]
        s2 = <double>m[2 * ms + j] + m[6 * ms + j] + m[10 * ms + j]
        s3 = <double>m[3 * ms + j] + m[7 * ms + j] + m[11 * ms + j]
        u0 = <double>m[4 * ms + j] - m[8 * ms + j] - m[12 * ms + j]
        u1 = <double>m[5 * ms + j] - m[9 * ms + j] - m[13 * ms + j]
        u2 = <double>m[6 * ms + j] - m[10 * ms + j] - m[14 * ms + j]
        u3 = <double>m[7 * ms + j] - m[11 * ms + j] - m[15 * ms + j]
        o0[2 * tx] = <floating>(s0 + s1 + s2 + bias)
        if two_rows:
            o1[2 * tx] = <floating>(u0 + u1 + u2 + bias)
        if tx < full:
            o0[2 * tx + 1] = <floating>(s1 - s2 - s3 + bias)
            if two_rows:
                o1[2 * tx + 1] = <floating>(u1 - u2 - u3 + bias)


cdef int _wn_conv(const floating* xp, const floating* up, const floating* bp, floating* outp,
                  const _WGeom* g, int n_threads) except -1:
    """out (N, K, HO, WO) = Winograd conv of x (N, C, H, W) with the transformed weights up
    (16, K, C), plus bias (bp NULL: none). Blocks of g.NB tiles, one thread each."""
    cdef Py_ssize_t C = g.C, K = g.K, NB = g.NB, T = g.T, TW = g.TW
    cdef Py_ssize_t vsz = 16 * C * NB, msz = 16 * K * NB       # per thread
    cdef Py_ssize_t blk, t0, t1, nb, s, n, r, ty, tx0, tx1, c, k, xi
    cdef int n_thr = <int>max(1, min(n_threads, g.nblk))
    cdef floating* vt
    cdef floating* mt
    scratch = _conv_take_scratch((g.W + n_thr * (vsz + msz)) * sizeof(floating))
    cdef floating* zrow = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* tbuf = zrow + g.W
    memset(zrow, 0, g.W * sizeof(floating))
    with nogil, parallel(num_threads=n_thr):
        vt = tbuf + omp_get_thread_num() * (vsz + msz)
        mt = vt + vsz
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
                for c in range(C):
                    _wn_input_row(xp + (n * C + c) * g.H * g.W, zrow, g, ty, tx0, tx1,
                                  vt + c * NB + (s - t0), C * NB)
                s = s + tx1 - tx0
            # M[xi] (row-major K x nb) = U[xi] (K x C) @ V[xi] (C x nb)
            for xi in range(16):
                _gm_gemm(c'N', c'N', nb, K, C, vt + xi * C * NB, NB, up + xi * K * C, C, 0,
                         mt + xi * K * NB, NB)
            s = t0
            while s < t1:
                n = s // T
                r = s % T
                ty = r // TW
                tx0 = r % TW
                tx1 = min(TW, tx0 + t1 - s)
                for k in range(K):
                    _wn_output_row(mt + k * NB + (s - t0), K * NB,
                                   outp + (n * K + k) * g.HO * g.WO, g, ty, tx0, tx1,
                                   bp[k] if bp != NULL else 0)
                s = s + tx1 - tx0
    _conv_give_scratch(scratch)
    return 0


cdef int _winograd_forward(const floating* xp, const floating* wp, const floating* bp,
                           floating* outp, const _WGeom* g, int n_threads) except -1:
    """out = conv(x, w) + bias, w (K, C, 3, 3)."""
    scratch = _conv_take_scratch(16 * g.K * g.C * sizeof(floating))
    cdef floating* up = <floating*>cnp.PyArray_DATA(scratch)
    _wn_weights(wp, up, g.K, g.C, False, n_threads)
    _wn_conv(xp, up, bp, outp, g, n_threads)
    _conv_give_scratch(scratch)
    return 0


cdef int _winograd_grad_input(const floating* gop, const floating* wp, floating* gip,
                              const _WGeom* g, int n_threads) except -1:
    """grad_in = conv(grad_out, w flipped and transposed), w (O, C, 3, 3); g is the geometry
    of that convolution (C = O in, K = C out channels, padding 2 - p)."""
    scratch = _conv_take_scratch(16 * g.K * g.C * sizeof(floating))
    cdef floating* up = <floating*>cnp.PyArray_DATA(scratch)
    _wn_weights(wp, up, g.C, g.K, True, n_threads)
    _wn_conv(gop, up, NULL, gip, g, n_threads)
    _conv_give_scratch(scratch)
    return 0


def _winograd_layout(Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t K,
                     Py_ssize_t HO, Py_ssize_t WO, Py_ssize_t itemsize=4):
    """How the winograd algorithm cuts a convolution (for tests): a dict with 'tiles' (of the
    batch), 'tiles_per_block' and 'blocks'."""
    cdef _WGeom g = _wn_geom(N, C, H, W, K, HO, WO, 0, 0, itemsize)
    return {'tiles': g.NT, 'tiles_per_block': g.NB, 'blocks': g.nblk}
