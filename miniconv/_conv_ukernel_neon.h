/* NEON micro-kernels (aarch64 only, where Advanced SIMD with FMA is part of the base ISA, so no
 * target attribute and no run-time test are needed): the bodies of _conv_ukernel_template.h
 * with one 16-byte vector-operation layer, float32 4 lanes and float64 2 lanes, every
 * multiply-add one fused fmla (the scalar twin's `a * b + c` is contracted to fmadd in the same
 * way on aarch64, so kernels that add in the twin's order give its bits).
 *
 * Tiles, sized for the 32 q registers (GCC 12 -O3 inner loops read in the disassembly; the
 * counts per loop step are in docs/performance.md, "NEON"):
 *   dconv     4 x 20 floats / 4 x 10 doubles: 20 accumulators + 5 input vectors + 4 weights
 *             (GCC keeps each broadcast weight in its own register and multiplies by element)
 *             = 29 registers. 4 x 24 needs 34, and GCC then keeps 2 accumulators on the stack,
 *             a store and a load in their FMA chains at every step. Tails of 2 and 1 vectors;
 *             1 x 32 / 1 x 16 (8 vectors, 8 accumulator chains) for depthwise.
 *   dconv_gw  4 x 3 and 1 x 3 (12 + 3 + 1 registers), lanes added at the end by a fixed tree
 *   dconv_gwt 4 x 6: 16 float / 8 double output channels in the lanes (the AVX2 counts), 24
 *             accumulators + 4 + 6 broadcasts: GCC keeps 2 accumulators on the stack. That
 *             costs nothing where 24 FMAs take longer than the store-load round trip (2 FMA
 *             pipes: Neoverse N1, Cortex-A7x); on 4-pipe cores (Neoverse V1/V2, Apple M) a
 *             2 x 6 tile (8 channels, no spill) may be faster: to be measured there.
 *   dconv_t   6 positions x 16 channels (float32) in two passes of 8 channels, 12 accumulators
 *             + 2 weight vectors + 6 inputs, leaving through 4 x 4 transposes (vtrnq) straight
 *             into the output rows
 *
 * -DMC_TEST_BREAK (the test driver's self-check only, tests/kernels/c/neon_vs_scalar.c): lane 3
 * of every float32 multiply-add is scaled by 1 + 2^-10, so the driver must report mismatches.
 */
#ifndef MINICONV_CONV_UKERNEL_NEON_H
#define MINICONV_CONV_UKERNEL_NEON_H
#include <arm_neon.h>
#include "_conv_ukernel_template.h"

#define MC_NEON_LOADU_F32(p) vld1q_f32(p)
#define MC_NEON_LOADU_F64(p) vld1q_f64(p)
#define MC_NEON_STOREU_F32(p, v) vst1q_f32((p), (v))
#define MC_NEON_STOREU_F64(p, v) vst1q_f64((p), (v))
#define MC_NEON_SET1_F32(a) vdupq_n_f32(a)
#define MC_NEON_SET1_F64(a) vdupq_n_f64(a)
/* c + a * b with one rounding: GCC (-ffp-contract=fast, its default for GNU C) and Clang
 * (-ffp-contract=on) contract the expression into one fmla (checked in the disassembly). Not
 * vfmaq_f32: GCC 12 treats the aarch64 FMA builtins as touching memory (the FP state), so it
 * stores every accumulator to the stack after every multiply-add of the loop. */
#ifndef MC_TEST_BREAK
#define MC_NEON_FMADD_F32(a, b, c) ((a) * (b) + (c))
#else
static inline float32x4_t mc_neon_broken_fma_f32(float32x4_t a, float32x4_t b, float32x4_t c)
{
    float32x4_t r = a * b + c;
    return vsetq_lane_f32(vgetq_lane_f32(r, 3) * (1.0f + 0x1p-10f), r, 3);
}
#define MC_NEON_FMADD_F32(a, b, c) mc_neon_broken_fma_f32((a), (b), (c))
#endif
#define MC_NEON_FMADD_F64(a, b, c) ((a) * (b) + (c))
#define MC_NEON_ADD_F32(a, b) vaddq_f32((a), (b))
#define MC_NEON_ADD_F64(a, b) vaddq_f64((a), (b))
#define MC_NEON_ZERO_F32 vdupq_n_f32(0.0f)
#define MC_NEON_ZERO_F64 vdupq_n_f64(0.0)

/* lanes added as (0 + 2) + (1 + 3), the same for every call (the AVX2 tree's pattern) */
static inline float mc_hsum_f32__neon(float32x4_t v)
{
    float32x2_t h = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(h, 0) + vget_lane_f32(h, 1);
}

static inline double mc_hsum_f64__neon(float64x2_t v)
{
    return vgetq_lane_f64(v, 0) + vgetq_lane_f64(v, 1);
}

#define MC_NEON_DCONV_F32(NAME, NV, MR)                                                    \
    MC_DEFINE_DCONV(NAME, , float, float32x4_t, 4, NV, MR, MC_NEON_LOADU_F32,              \
                    MC_NEON_SET1_F32, MC_NEON_FMADD_F32, MC_NEON_STOREU_F32, MC_NEON_ADD_F32)
#define MC_NEON_DCONV_F64(NAME, NV, MR)                                                    \
    MC_DEFINE_DCONV(NAME, , double, float64x2_t, 2, NV, MR, MC_NEON_LOADU_F64,             \
                    MC_NEON_SET1_F64, MC_NEON_FMADD_F64, MC_NEON_STOREU_F64, MC_NEON_ADD_F64)

MC_NEON_DCONV_F32(mc_f32_dconv_4x20__neon, 5, 4)
MC_NEON_DCONV_F32(mc_f32_dconv_1x20__neon, 5, 1)
MC_NEON_DCONV_F32(mc_f32_dconv_4x8__neon, 2, 4)
MC_NEON_DCONV_F32(mc_f32_dconv_1x8__neon, 2, 1)
MC_NEON_DCONV_F32(mc_f32_dconv_4x4__neon, 1, 4)
MC_NEON_DCONV_F32(mc_f32_dconv_1x4__neon, 1, 1)
MC_NEON_DCONV_F32(mc_f32_dconv_1x32__neon, 8, 1)
MC_NEON_DCONV_F64(mc_f64_dconv_4x10__neon, 5, 4)
MC_NEON_DCONV_F64(mc_f64_dconv_1x10__neon, 5, 1)
MC_NEON_DCONV_F64(mc_f64_dconv_4x4__neon, 2, 4)
MC_NEON_DCONV_F64(mc_f64_dconv_1x4__neon, 2, 1)
MC_NEON_DCONV_F64(mc_f64_dconv_4x2__neon, 1, 4)
MC_NEON_DCONV_F64(mc_f64_dconv_1x2__neon, 1, 1)
MC_NEON_DCONV_F64(mc_f64_dconv_1x16__neon, 8, 1)

MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_4x3__neon, , float, float32x4_t, 4, 4, MC_NEON_LOADU_F32,
                   MC_NEON_ZERO_F32, MC_NEON_FMADD_F32, mc_hsum_f32__neon)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_1x3__neon, , float, float32x4_t, 4, 1, MC_NEON_LOADU_F32,
                   MC_NEON_ZERO_F32, MC_NEON_FMADD_F32, mc_hsum_f32__neon)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_4x3__neon, , double, float64x2_t, 2, 4, MC_NEON_LOADU_F64,
                   MC_NEON_ZERO_F64, MC_NEON_FMADD_F64, mc_hsum_f64__neon)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_1x3__neon, , double, float64x2_t, 2, 1, MC_NEON_LOADU_F64,
                   MC_NEON_ZERO_F64, MC_NEON_FMADD_F64, mc_hsum_f64__neon)
MC_DEFINE_DCONV_GWT(mc_f32_dconv_gwt_4x6__neon, , float, float32x4_t, 4, 4, 6, MC_NEON_LOADU_F32,
                    MC_NEON_SET1_F32, MC_NEON_FMADD_F32, MC_NEON_ZERO_F32, MC_NEON_ADD_F32,
                    MC_NEON_STOREU_F32)
MC_DEFINE_DCONV_GWT(mc_f64_dconv_gwt_4x6__neon, , double, float64x2_t, 2, 4, 6, MC_NEON_LOADU_F64,
                    MC_NEON_SET1_F64, MC_NEON_FMADD_F64, MC_NEON_ZERO_F64, MC_NEON_ADD_F64,
                    MC_NEON_STOREU_F64)

/* out[l * ldo + j] = r[j][l] for the 4 x 4 block r0..r3 (positions j, channels l in the lanes),
 * then positions 4 and 5 from r4, r5: np >= 6 stores the 6 positions of the first no (<= 4)
 * channels exactly (4 + 2 floats: no junk store is needed), else np floats through a stack copy. */
static inline void mc_transpose6x4_store__neon(float32x4_t r0, float32x4_t r1, float32x4_t r2,
                                               float32x4_t r3, float32x4_t r4, float32x4_t r5,
                                               float* out, size_t ldo, size_t np, size_t no)
{
    float32x4x2_t t01 = vtrnq_f32(r0, r1), t23 = vtrnq_f32(r2, r3), t45 = vtrnq_f32(r4, r5);
    float32x4_t c[4];
    float32x2_t d[4];
    size_t l, j;
    c[0] = vcombine_f32(vget_low_f32(t01.val[0]), vget_low_f32(t23.val[0]));
    c[1] = vcombine_f32(vget_low_f32(t01.val[1]), vget_low_f32(t23.val[1]));
    c[2] = vcombine_f32(vget_high_f32(t01.val[0]), vget_high_f32(t23.val[0]));
    c[3] = vcombine_f32(vget_high_f32(t01.val[1]), vget_high_f32(t23.val[1]));
    d[0] = vget_low_f32(t45.val[0]);
    d[1] = vget_low_f32(t45.val[1]);
    d[2] = vget_high_f32(t45.val[0]);
    d[3] = vget_high_f32(t45.val[1]);
    if (np >= 6) {
        for (l = 0; l < no && l < 4; l++) {
            vst1q_f32(out + l * ldo, c[l]);
            vst1_f32(out + l * ldo + 4, d[l]);
        }
    } else {
        float tmp[6];
        for (l = 0; l < no && l < 4; l++) {
            vst1q_f32(tmp, c[l]);
            vst1_f32(tmp + 4, d[l]);
            for (j = 0; j < np; j++) out[l * ldo + j] = tmp[j];
        }
    }
}

/* dconv_t 6x16 (semantics: mc_f32_dconv_t6x8__scalar): 6 positions x 16 output channels, made
 * as two passes over the pairs of 8 channels each (the second skipped when no <= 8): 12
 * accumulators + 2 weight vectors + 6 input values = 20 registers. One pass of 24 accumulators
 * needs 34 (GCC keeps one register per broadcast input), and GCC 12 then keeps 2 accumulators
 * on the stack, a store and a load in their FMA chains at every pair. Blocks of pairs in
 * dconv's fixed tree, then the bias: each output's sum is the twin's, term for term. */
static inline void mc_f32_dconv_t6x8_half__neon(size_t k, const float* const* xp,
                                                const ptrdiff_t* MC_RESTRICT off,
                                                const float* MC_RESTRICT w,
                                                const float* MC_RESTRICT bias,
                                                float* MC_RESTRICT out, size_t ldo, size_t np,
                                                size_t no)
{
    /* a[2 j + h]: position j, channels 4 h .. 4 h + 3 of these 8; w rows of 16, this half's 8 */
    float32x4_t a[12], st[MC_SUM_LEVELS][12], b[2];
    size_t i, i0, i1, nblk = 0;
    int e, j, h;
    int one = k <= MC_SUM_BLOCK;   /* one block: one running sum from the bias (dconv's rule) */
    for (h = 0; h < 2; h++) b[h] = bias ? vld1q_f32(bias + 4 * h) : vdupq_n_f32(0.0f);
    for (i0 = 0; i0 < k; i0 = i1) {
        i1 = k - i0 > MC_SUM_BLOCK ? i0 + MC_SUM_BLOCK : k;
        for (e = 0; e < 12; e++) a[e] = one ? b[e % 2] : vdupq_n_f32(0.0f);
        for (i = i0; i < i1; i++) {
            const ptrdiff_t o = off[i];
            float32x4_t w0 = vld1q_f32(w + 16 * i), w1 = vld1q_f32(w + 16 * i + 4);
            for (j = 0; j < 6; j++) {
                float32x4_t v = vdupq_n_f32(xp[j][o]);
                a[2 * j] = MC_NEON_FMADD_F32(v, w0, a[2 * j]);
                a[2 * j + 1] = MC_NEON_FMADD_F32(v, w1, a[2 * j + 1]);
            }
        }
        if (one) break;
        MC_SUM_PUSH(st, a, nblk, 12, vaddq_f32);
        nblk++;
    }
    if (k == 0) {
        for (e = 0; e < 12; e++) a[e] = b[e % 2];
    } else if (!one) {
        MC_SUM_FINISH(st, a, nblk, 12, vaddq_f32);
        for (e = 0; e < 12; e++) a[e] = vaddq_f32(b[e % 2], a[e]);
    }
    mc_transpose6x4_store__neon(a[0], a[2], a[4], a[6], a[8], a[10], out, ldo, np, no);
    if (no > 4)
        mc_transpose6x4_store__neon(a[1], a[3], a[5], a[7], a[9], a[11], out + 4 * ldo, ldo, np,
                                    no - 4);
}

static void mc_f32_dconv_t6x16__neon(size_t k, const float* MC_RESTRICT x,
                                     const ptrdiff_t* MC_RESTRICT pos,
                                     const ptrdiff_t* MC_RESTRICT off, const float* MC_RESTRICT w,
                                     const float* MC_RESTRICT bias, float* MC_RESTRICT out,
                                     size_t ldo, size_t np, size_t no)
{
    const float* xp[6];
    int j;
    for (j = 0; j < 6; j++) xp[j] = x + pos[j];
    mc_f32_dconv_t6x8_half__neon(k, xp, off, w, bias, out, ldo, np, no < 8 ? no : 8);
    if (no > 8)
        mc_f32_dconv_t6x8_half__neon(k, xp, off, w + 8, bias ? bias + 8 : NULL, out + 8 * ldo,
                                     ldo, np, no - 8);
}

/* dst[p * 16 + l] = src[l * ldsrc + p] for 8 channels l and positions p in [0, P - P % 4)
 * (grad_weight's transposed copy of the output gradient, dconv_gwt's layout), 4 x 4 blocks
 * through registers; returns the positions done (the caller copies the rest). */
static size_t mc_f32_transpose8_to16__neon(const float* MC_RESTRICT src, size_t ldsrc, size_t P,
                                           float* MC_RESTRICT dst)
{
    size_t p, q;
    for (p = 0; p + 4 <= P; p += 4) {
        for (q = 0; q < 8; q += 4) {
            const float* s = src + q * ldsrc + p;
            float32x4x2_t t01 = vtrnq_f32(vld1q_f32(s), vld1q_f32(s + ldsrc));
            float32x4x2_t t23 = vtrnq_f32(vld1q_f32(s + 2 * ldsrc), vld1q_f32(s + 3 * ldsrc));
            float* d = dst + p * 16 + q;
            vst1q_f32(d, vcombine_f32(vget_low_f32(t01.val[0]), vget_low_f32(t23.val[0])));
            vst1q_f32(d + 16, vcombine_f32(vget_low_f32(t01.val[1]), vget_low_f32(t23.val[1])));
            vst1q_f32(d + 32, vcombine_f32(vget_high_f32(t01.val[0]), vget_high_f32(t23.val[0])));
            vst1q_f32(d + 48, vcombine_f32(vget_high_f32(t01.val[1]), vget_high_f32(t23.val[1])));
        }
    }
    return P - P % 4;
}
#endif
