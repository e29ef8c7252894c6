/* The two convolution micro-kernels, written once as macros and instantiated per data type
 * and instruction set (scalar C, AVX2+FMA, AVX-512F) in _conv_ukernel_<isa>.h.
 *
 * Both work on input planes that were zero-padded (and, for strided convolutions, split
 * into stride phases) by the Cython driver in _conv_direct.pxi, so they have no bounds
 * tests and no edge cases: every tile is full, and the driver drops the results that
 * fall outside the output. Positions are "wide": output row ho, column wo is position
 * ho * Wq + wo, where Wq >= WO is the width of a padded input plane; the Wq - WO extra
 * columns of each row are junk that the driver never copies out.
 *
 * dconv MRxNR (forward, and grad_input as a forward on flipped weights):
 *   out[m * ldo + j] = base + sum_{i < k} w[i * MR + m] * x[off[i] + j],  m < MR, j < NR
 *   w is packed: k rows of MR weights (one row per (input channel, tap) pair); off[i] is
 *   where that pair's shifted plane starts. The sum is made in blocks added in a fixed tree
 *   (MC_SUM_PUSH below), then added to base: init[m] (the bias; the first block of input
 *   channels) or, init NULL, what out holds (the later blocks): the driver
 *   calls the kernel once per block of input channels (so a block's input stays in L1 while
 *   every output channel block runs over it).
 *   The MR x NR accumulators stay in registers; each step loads NR inputs once and
 *   broadcasts MR weights (the "broadcast" kernels of XNNPACK's f32-gemm).
 *
 * dconv_gw MRx3 (grad_weight; MR = 4, or 1 for depthwise), over nseg segments (samples):
 *   part[m * ldp + q] += sum_{s < nseg, i < len} g[s * gseg + m * ldg + i] * x[s * xseg + off[q] + i]
 *   for m < MR, q < 3; len is a multiple of 16 (the widest vector). Several samples per call
 *   make the sums long enough on small planes (14x14) to pay for the final lane sums. Each sum is kept in one vector register
 *   and its lanes are added by a fixed shuffle tree (HSUM) at the end, so the result
 *   depends only on the instruction set.
 *
 * dconv_gwt NOxNK (grad_weight with output channels in the vector lanes; OB = NO * VW channels):
 *   part[q * OB + l] += sum_{s < nseg, r < nrows, j < rowlen}
 *                         g[s * gseg + (r * gpitch + j) * OB + l] * x[s * xseg + r * xpitch + off[q] + j]
 *   for q < NK, l < OB. g is the output gradient transposed to (position, channel) blocks of OB
 *   channels, real positions only, so no junk position is computed and no lanes are added at
 *   the end: each lane sums whole rows into blocks of >= MC_SUM_BLOCK positions, in position
 *   order, and the blocks are added in the fixed tree described below. Per position: NO vector loads
 *   of g, NK broadcasts of x, NO x NK FMAs (XNNPACK's "broadcast" GEMM with the batch as the
 *   reduction). The driver uses it where the output channels fill the lanes (not depthwise).
 *
 * The last tile of a plane is a full one, one of 2 vectors or one of 1 vector, whichever
 * covers the positions left with the least work (a 1-vector tile has too few accumulator
 * chains to keep both FMA units busy, so it runs at half speed).
 *
 * dconv_t (the forward with output channels in the lanes, real positions only, float32):
 * MC_DEFINE_DCONV_T below for the 16-lane family (its tile leaves lane by lane); AVX2's leaves
 * through in-register transposes (_conv_ukernel_avx2.h; the scalar twin in
 * _conv_ukernel_scalar.h). Depthwise 3x3 with channels in the lanes: MC_DEFINE_DW_* below.
 */
#ifndef MINICONV_CONV_UKERNEL_TEMPLATE_H
#define MINICONV_CONV_UKERNEL_TEMPLATE_H
#include <stddef.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define MC_RESTRICT __restrict
#else
#define MC_RESTRICT __restrict__
#endif

/* Blocked sums in a fixed tree (dconv, dconv_t). The k (channel, tap) pairs of a call are cut
 * into blocks of MC_SUM_BLOCK; each block is one running FMA sum per output, started at zero;
 * the block sums are added pairwise as a binary counter does: after block b (counting from
 * 1), the partial sums on the levels of b's trailing one bits are merged into it, oldest on
 * the left, and it goes on the next level; at the end the levels left are added from the
 * lowest. The tree depends only on k, so the bits depend on the shape and the instruction
 * set, never on the thread count. A call of at most MC_SUM_BLOCK pairs with a bias (init) is
 * one running sum started at the bias (K = 9 for a 1-channel 3x3 pays nothing); without (a
 * later block of input channels) it starts at zero and is added to out at the end, so
 * chained blocks stay blocks.
 *
 * Block size 64. The float32 error against float64 of a block sum grows as sqrt(block size)
 * and dominates the tree's: relative errors on the zoo layers (batch 2, float64 reference;
 * tests/conv/test_conv_precision.py) with blocks of 32 / 64 / one running sum, as a fraction
 * of PyTorch float32's on this AVX2 machine: 3x3 512-512 4x4 grad_input 0.43 / 0.53 / 3.8,
 * forward 0.11 / 0.14 / 1.0; 1x1 1024-256 14x14 grad_input 0.76 / 1.00 / 1.9; grad_weight of
 * the 1x1 64-64 56x56 layer 0.72 / 0.92 / 1.24; no layer above 1.00 with 64 (the test allows
 * 1.1 + 3e-8 absolute, 1.13-1.8 on these layers). Blocks of 128 would pass near the limit only. The cost: one vector
 * add, load and store per accumulator per block (~25 cycles per block of 6 x 16 outputs on
 * Zen 3, ~12 % of b's forward with blocks of 32, ~6 % with 64; thread CPU time of the
 * dconv_t tile alone). (-DMC_SUM_BLOCK=1000000 at build time: one running sum per call, the
 * order before the blocked sums, for A/B.) */
#ifndef MC_SUM_BLOCK          /* -DMC_SUM_BLOCK=1000000 at build time: one running sum per call */
#define MC_SUM_BLOCK 64
#endif
#define MC_SUM_LEVELS 26     /* k < MC_SUM_BLOCK * 2^25 */

/* st[level][e] for e < N: push acc (block number cnt, from 0) into the tree */
#define MC_SUM_PUSH(st, acc, cnt, N, ADD)                                                     \
    do {                                                                                      \
        size_t c_ = (cnt);                                                                    \
        int l_ = 0, e_;                                                                       \
        while (c_ & 1) {                                                                      \
            for (e_ = 0; e_ < (N); e_++) (acc)[e_] = ADD((st)[l_][e_], (acc)[e_]);            \
            c_ >>= 1;                                                                         \
            l_++;                                                                             \
        }                                                                                     \
        for (e_ = 0; e_ < (N); e_++) (st)[l_][e_] = (acc)[e_];                                \
    } while (0)

/* acc = the sum of the levels left after nblk blocks (nblk >= 1), lowest level first */
#define MC_SUM_FINISH(st, acc, nblk, N, ADD)                                                  \
    do {                                                                                      \
        size_t c_ = (nblk);                                                                   \
        int l_ = 0, e_, first_ = 1;                                                           \
        for (; c_; c_ >>= 1, l_++) {                                                          \
            if (!(c_ & 1)) continue;                                                          \
            for (e_ = 0; e_ < (N); e_++)                                                      \
                (acc)[e_] = first_ ? (st)[l_][e_] : ADD((st)[l_][e_], (acc)[e_]);             \
            first_ = 0;                                                                       \
        }                                                                                     \
    } while (0)

#define MC_DEFINE_DCONV(NAME, ATTR, T, V, VW, NV, MR, LOADU, SET1, FMADD, STOREU, ADD)        \
    ATTR static void NAME(size_t k, const T* MC_RESTRICT x, const ptrdiff_t* MC_RESTRICT off, \
                          const T* MC_RESTRICT w, const T* MC_RESTRICT init,                  \
                          T* MC_RESTRICT out, size_t ldo)                                     \
    {                                                                                         \
        V acc[MR * NV];                                                                       \
        V st[MC_SUM_LEVELS][MR * NV];                                                         \
        size_t i, i0, i1, nblk = 0;                                                           \
        int m, v;                                                                             \
        if (k <= MC_SUM_BLOCK) { /* one block, in registers, from the bias or from zero */   \
            for (m = 0; m < MR; m++)                                                          \
                for (v = 0; v < NV; v++)                                                      \
                    acc[m * NV + v] = init ? SET1(init[m]) : SET1((T)0);                      \
            for (i = 0; i < k; i++) {                                                         \
                const T* xp = x + off[i];                                                     \
                V xv[NV];                                                                     \
                for (v = 0; v < NV; v++) xv[v] = LOADU(xp + v * VW);                          \
                for (m = 0; m < MR; m++) {                                                    \
                    V wv = SET1(w[m]);                                                        \
                    for (v = 0; v < NV; v++)                                                  \
                        acc[m * NV + v] = FMADD(wv, xv[v], acc[m * NV + v]);                  \
                }                                                                             \
                w += MR;                                                                      \
            }                                                                                 \
            for (m = 0; m < MR; m++)                                                          \
                for (v = 0; v < NV; v++)                                                      \
                    STOREU(out + m * ldo + v * VW,                                            \
                           init ? acc[m * NV + v]                                             \
                                : ADD(LOADU(out + m * ldo + v * VW), acc[m * NV + v]));       \
            return;                                                                           \
        }                                                                                     \
        for (i0 = 0; i0 < k; i0 = i1) {                                                       \
            i1 = k - i0 > MC_SUM_BLOCK ? i0 + MC_SUM_BLOCK : k;                               \
            for (m = 0; m < MR * NV; m++) acc[m] = SET1((T)0);                                \
            for (i = i0; i < i1; i++) {                                                       \
                const T* xp = x + off[i];                                                     \
                V xv[NV];                                                                     \
                for (v = 0; v < NV; v++) xv[v] = LOADU(xp + v * VW);                          \
                for (m = 0; m < MR; m++) {                                                    \
                    V wv = SET1(w[m]);                                                        \
                    for (v = 0; v < NV; v++)                                                  \
                        acc[m * NV + v] = FMADD(wv, xv[v], acc[m * NV + v]);                  \
                }                                                                             \
                w += MR;                                                                      \
            }                                                                                 \
            MC_SUM_PUSH(st, acc, nblk, MR * NV, ADD);                                         \
            nblk++;                                                                           \
        }                                                                                     \
        if (nblk == 0)                                                                        \
            for (m = 0; m < MR * NV; m++) acc[m] = SET1((T)0);                                \
        else                                                                                  \
            MC_SUM_FINISH(st, acc, nblk, MR * NV, ADD);                                       \
        for (m = 0; m < MR; m++)                                                              \
            for (v = 0; v < NV; v++)                                                          \
                STOREU(out + m * ldo + v * VW,                                                \
                       ADD(init ? SET1(init[m]) : LOADU(out + m * ldo + v * VW),              \
                           acc[m * NV + v]));                                                 \
    }

#define MC_DEFINE_DCONV_GW(NAME, ATTR, T, V, VW, MR, LOADU, ZERO, FMADD, HSUM)                \
    ATTR static void NAME(size_t nseg, size_t len, const T* MC_RESTRICT g, size_t ldg,        \
                          size_t gseg, const T* MC_RESTRICT x, size_t xseg,                   \
                          const ptrdiff_t* MC_RESTRICT off, T* MC_RESTRICT part, size_t ldp)  \
    {                                                                                         \
        V a[MR][3];                                                                           \
        size_t s, i;                                                                          \
        int m, q;                                                                             \
        for (m = 0; m < MR; m++)                                                              \
            for (q = 0; q < 3; q++) a[m][q] = ZERO;                                           \
        for (s = 0; s < nseg; s++) {                                                          \
            const T* gs = g + s * gseg;                                                       \
            const T* x0 = x + s * xseg + off[0];                                              \
            const T* x1 = x + s * xseg + off[1];                                              \
            const T* x2 = x + s * xseg + off[2];                                              \
            for (i = 0; i < len; i += VW) {                                                   \
                V u = LOADU(x0 + i), v = LOADU(x1 + i), w = LOADU(x2 + i);                    \
                for (m = 0; m < MR; m++) {                                                    \
                    V gv = LOADU(gs + m * ldg + i);                                           \
                    a[m][0] = FMADD(gv, u, a[m][0]);                                          \
                    a[m][1] = FMADD(gv, v, a[m][1]);                                          \
                    a[m][2] = FMADD(gv, w, a[m][2]);                                          \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
        for (m = 0; m < MR; m++)                                                              \
            for (q = 0; q < 3; q++) part[m * ldp + q] += HSUM(a[m][q]);                       \
    }

#define MC_DEFINE_DCONV_GWT(NAME, ATTR, T, V, VW, NO, NK, LOADU, SET1, FMADD, ZERO, ADD, STOREU) \
    ATTR static void NAME(size_t nseg, size_t nrows, size_t rowlen, const T* MC_RESTRICT g,     \
                          size_t gseg, size_t gpitch, const T* MC_RESTRICT x, size_t xseg,      \
                          size_t xpitch, const ptrdiff_t* MC_RESTRICT off, T* MC_RESTRICT part) \
    {                                                                                           \
        /* rows of positions gathered into blocks of >= MC_SUM_BLOCK positions, the block */    \
        /* sums added in dconv's fixed tree (shape-dependent only) */                           \
        V a[NK * NO];                                                                           \
        V st[MC_SUM_LEVELS][NK * NO];                                                           \
        size_t s, r, j, cnt = 0, nblk = 0;                                                      \
        int q, v;                                                                               \
        for (q = 0; q < NK * NO; q++) a[q] = ZERO;                                              \
        for (s = 0; s < nseg; s++) {                                                            \
            for (r = 0; r < nrows; r++) {                                                       \
                const T* gp = g + s * gseg + r * gpitch * (NO * VW);                            \
                const T* xr = x + s * xseg + r * xpitch;                                        \
                for (j = 0; j < rowlen; j++) {                                                  \
                    V gv[NO];                                                                   \
                    for (v = 0; v < NO; v++) gv[v] = LOADU(gp + v * VW);                        \
                    for (q = 0; q < NK; q++) {                                                  \
                        V b = SET1(xr[off[q] + j]);                                             \
                        for (v = 0; v < NO; v++) a[q * NO + v] = FMADD(b, gv[v], a[q * NO + v]); \
                    }                                                                           \
                    gp += NO * VW;                                                              \
                }                                                                               \
                cnt += rowlen;                                                                  \
                if (cnt >= MC_SUM_BLOCK) {                                                      \
                    MC_SUM_PUSH(st, a, nblk, NK * NO, ADD);                                     \
                    nblk++;                                                                     \
                    cnt = 0;                                                                    \
                    for (q = 0; q < NK * NO; q++) a[q] = ZERO;                                  \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
        if (cnt > 0) {                                                                          \
            MC_SUM_PUSH(st, a, nblk, NK * NO, ADD);                                             \
            nblk++;                                                                             \
        }                                                                                       \
        if (nblk > 0) MC_SUM_FINISH(st, a, nblk, NK * NO, ADD);                                 \
        for (q = 0; q < NK * NO; q++)                                                           \
            STOREU(part + q * VW, ADD(LOADU(part + q * VW), a[q]));                             \
    }

/* dconv_t 6 x (NV VW), width-generic (the 16-lane family; AVX2 and scalar have their own in
 * _conv_ukernel_avx2.h and _conv_ukernel_scalar.h, which give the same bits per lane): the
 * forward with output channels in the lanes, float32,
 *   out[l * ldo + j] = bias[l] + sum_{i < k} w[i * OB + l] * x[pos[j] + off[i]],  OB = NV * VW
 * for j < min(np, 6) positions and l < no output channels; bias NULL: 0. 6 x NV accumulators;
 * per pair NV weight vectors and 6 broadcasts of input values; the blocks of MC_SUM_BLOCK
 * pairs in dconv's fixed tree, then the bias, as dconv (the same bits where dconv runs over
 * the same pairs in one call). The tile leaves through a stack copy, one lane at a time (the
 * in-register transposes are per instruction set; the stores are ~1/10 of the work at
 * K = 288). */
#define MC_DCONV_T_NP 6
#define MC_DEFINE_DCONV_T(NAME, ATTR, V, VW, NV, LOADU, SET1, FMADD, STOREU, ADD, ZERO)           \
    ATTR static void NAME(size_t k, const float* MC_RESTRICT x, const ptrdiff_t* MC_RESTRICT pos,  \
                          const ptrdiff_t* MC_RESTRICT off, const float* MC_RESTRICT w,            \
                          const float* MC_RESTRICT bias, float* MC_RESTRICT out, size_t ldo,       \
                          size_t np, size_t no)                                                    \
    {                                                                                              \
        const float* xp[MC_DCONV_T_NP];                                                            \
        V a[MC_DCONV_T_NP * NV], bv[NV];                                                           \
        V st[MC_SUM_LEVELS][MC_DCONV_T_NP * NV];                                                   \
        float tile[MC_DCONV_T_NP][NV * VW];                                                        \
        size_t i, i0, i1, nblk = 0, j, l;                                                          \
        int v, one = k <= MC_SUM_BLOCK;                                                            \
        for (j = 0; j < MC_DCONV_T_NP; j++) xp[j] = x + pos[j];                                    \
        for (v = 0; v < NV; v++) bv[v] = bias ? LOADU(bias + v * VW) : ZERO;                       \
        for (i0 = 0; i0 < k; i0 = i1) {                                                            \
            i1 = k - i0 > MC_SUM_BLOCK ? i0 + MC_SUM_BLOCK : k;                                    \
            for (j = 0; j < MC_DCONV_T_NP; j++)                                                    \
                for (v = 0; v < NV; v++) a[j * NV + v] = one ? bv[v] : ZERO;                       \
            for (i = i0; i < i1; i++) {                                                            \
                const ptrdiff_t o = off[i];                                                        \
                V wv[NV];                                                                          \
                for (v = 0; v < NV; v++) wv[v] = LOADU(w + v * VW);                                \
                for (j = 0; j < MC_DCONV_T_NP; j++) {                                              \
                    V b = SET1(xp[j][o]);                                                          \
                    for (v = 0; v < NV; v++) a[j * NV + v] = FMADD(b, wv[v], a[j * NV + v]);       \
                }                                                                                  \
                w += NV * VW;                                                                      \
            }                                                                                      \
            if (one) break;                                                                        \
            MC_SUM_PUSH(st, a, nblk, MC_DCONV_T_NP * NV, ADD);                                     \
            nblk++;                                                                                \
        }                                                                                          \
        if (k == 0) {                                                                              \
            for (j = 0; j < MC_DCONV_T_NP; j++)                                                    \
                for (v = 0; v < NV; v++) a[j * NV + v] = bv[v];                                    \
        } else if (!one) {                                                                         \
            MC_SUM_FINISH(st, a, nblk, MC_DCONV_T_NP * NV, ADD);                                   \
            for (j = 0; j < MC_DCONV_T_NP; j++)                                                    \
                for (v = 0; v < NV; v++) a[j * NV + v] = ADD(bv[v], a[j * NV + v]);               \
        }                                                                                          \
        for (j = 0; j < MC_DCONV_T_NP; j++)                                                        \
            for (v = 0; v < NV; v++) STOREU(&tile[j][v * VW], a[j * NV + v]);                      \
        if (np > MC_DCONV_T_NP) np = MC_DCONV_T_NP;                                                \
        if (no > NV * VW) no = NV * VW;                                                            \
        for (l = 0; l < no; l++)                                                                   \
            for (j = 0; j < np; j++) out[l * ldo + j] = tile[j][l];                                \
    }

/* Depthwise 3x3 kernels with channels in the vector lanes (float32; groups == channels, one
 * output channel per group). The driver (_conv_depthwise.pxi) transposes one sample's block of
 * cb channels into position-major buffers ("NHWC" tiles: element (position, channel l) at
 * position * cb + l), zero-padded for the input; each call handles the VW channels at the
 * pointers it is given (the driver offsets them by whole vectors within the block).
 *
 * dw_fwd: out[p * cb + l] = bias[l] + sum_{t < 9} w[t * cb + l] * x[pos[p] + off[t] + l],
 *   p < np (a multiple of MC_DW_NP; the driver pads pos by repeating the last position and
 *   drops those), bias NULL: 0. One running sum per output from the bias, taps in order:
 *   dconv's rule for K = 9 <= MC_SUM_BLOCK, so the bits are those of the wide 1-channel tile.
 * dw_gi:  gi[pos[p] + off[t] + l] += w[t * cb + l] * g[p * cb + l] for p < np, t < 9 in that
 *   order (grad_input of a strided depthwise convolution as a scatter: at most 9 terms per
 *   element, in a fixed order).
 * dw_gw:  part[t * cb + l] += sum_{r < nrows, j < ncols} g[(r * ncols + j) * cb + l]
 *                                                      * x[r * xrow + j * xcol + off[t] + l]
 *   the rows gathered into blocks of >= MC_SUM_BLOCK positions added in dconv's fixed tree. */
enum { MC_DW_NP = 8 };   /* positions per dw_fwd tile (8 accumulator chains) */

#define MC_DEFINE_DW_FWD(NAME, ATTR, T, V, LOADU, SET1, FMADD, STOREU)                        \
    ATTR static void NAME(size_t np, const T* MC_RESTRICT x, const ptrdiff_t* MC_RESTRICT pos, \
                          const ptrdiff_t* MC_RESTRICT off, const T* MC_RESTRICT w,             \
                          const T* MC_RESTRICT bias, T* MC_RESTRICT out, size_t cb)             \
    {                                                                                           \
        size_t p;                                                                               \
        int j, t;                                                                               \
        V b = bias ? LOADU(bias) : SET1((T)0);                                                  \
        for (p = 0; p < np; p += MC_DW_NP) {                                                    \
            V a[MC_DW_NP];                                                                      \
            for (j = 0; j < MC_DW_NP; j++) a[j] = b;                                            \
            for (t = 0; t < 9; t++) {                                                           \
                V wv = LOADU(w + t * cb);                                                       \
                const T* xt = x + off[t];                                                       \
                for (j = 0; j < MC_DW_NP; j++) a[j] = FMADD(wv, LOADU(xt + pos[p + j]), a[j]);  \
            }                                                                                   \
            for (j = 0; j < MC_DW_NP; j++) STOREU(out + (p + j) * cb, a[j]);                    \
        }                                                                                       \
    }

#define MC_DEFINE_DW_GI(NAME, ATTR, T, V, LOADU, FMADD, STOREU)                                \
    ATTR static void NAME(size_t np, const T* MC_RESTRICT g, const ptrdiff_t* MC_RESTRICT pos, \
                          const ptrdiff_t* MC_RESTRICT off, const T* MC_RESTRICT w, T* gi,      \
                          size_t cb)                                                            \
    {                                                                                           \
        V wv[9];                                                                                \
        size_t p;                                                                               \
        int t;                                                                                  \
        for (t = 0; t < 9; t++) wv[t] = LOADU(w + t * cb);                                      \
        for (p = 0; p < np; p++) {                                                              \
            V gv = LOADU(g + p * cb);                                                           \
            T* q = gi + pos[p];                                                                 \
            for (t = 0; t < 9; t++) STOREU(q + off[t], FMADD(wv[t], gv, LOADU(q + off[t])));    \
        }                                                                                       \
    }

#define MC_DEFINE_DW_GW(NAME, ATTR, T, V, LOADU, FMADD, ZERO, ADD, STOREU)                     \
    ATTR static void NAME(size_t nrows, size_t ncols, const T* MC_RESTRICT g,                   \
                          const T* MC_RESTRICT x, ptrdiff_t xrow, ptrdiff_t xcol,               \
                          const ptrdiff_t* MC_RESTRICT off, T* MC_RESTRICT part, size_t cb)     \
    {                                                                                           \
        V a[9];                                                                                 \
        V st[MC_SUM_LEVELS][9];                                                                 \
        size_t r, j, cnt = 0, nblk = 0;                                                         \
        int t;                                                                                  \
        for (t = 0; t < 9; t++) a[t] = ZERO;                                                    \
        for (r = 0; r < nrows; r++) {                                                           \
            const T* gr = g + r * ncols * cb;                                                   \
            const T* xr = x + r * xrow;                                                         \
            for (j = 0; j < ncols; j++) {                                                       \
                V gv = LOADU(gr + j * cb);                                                      \
                const T* xj = xr + j * xcol;                                                    \
                for (t = 0; t < 9; t++) a[t] = FMADD(gv, LOADU(xj + off[t]), a[t]);             \
            }                                                                                   \
            cnt += ncols;                                                                       \
            if (cnt >= MC_SUM_BLOCK) {                                                          \
                MC_SUM_PUSH(st, a, nblk, 9, ADD);                                               \
                nblk++;                                                                         \
                cnt = 0;                                                                        \
                for (t = 0; t < 9; t++) a[t] = ZERO;                                            \
            }                                                                                   \
        }                                                                                       \
        if (cnt > 0) {                                                                          \
            MC_SUM_PUSH(st, a, nblk, 9, ADD);                                                   \
            nblk++;                                                                             \
        }                                                                                       \
        if (nblk > 0) MC_SUM_FINISH(st, a, nblk, 9, ADD);                                       \
        for (t = 0; t < 9; t++) STOREU(part + t * cb, ADD(LOADU(part + t * cb), a[t]));        \
    }

#endif
