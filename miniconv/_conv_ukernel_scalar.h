/* Portable C micro-kernels: the semantics every SIMD variant must reproduce (up to rounding),
 * and the fallback on CPUs without AVX2 (or NEON, _conv_ukernel_neon.h) and on other architectures.
 * Tile: 4 output channels (or 1 for depthwise) x 8 positions; tail tile 4 (or 1) x 1. */
#ifndef MINICONV_CONV_UKERNEL_SCALAR_H
#define MINICONV_CONV_UKERNEL_SCALAR_H
#include "_conv_ukernel_template.h"

#define MC_S_LOADU(p) (*(p))
#define MC_S_SET1(a) (a)
#define MC_S_FMADD(a, b, c) ((a) * (b) + (c))
#define MC_S_STOREU(p, v) (*(p) = (v))
#define MC_S_ADD(a, b) ((a) + (b))

MC_DEFINE_DCONV(mc_f32_dconv_4x8__scalar, , float, float, 1, 8, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f32_dconv_1x8__scalar, , float, float, 1, 8, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f64_dconv_4x8__scalar, , double, double, 1, 8, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f64_dconv_1x8__scalar, , double, double, 1, 8, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f32_dconv_4x1__scalar, , float, float, 1, 1, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f32_dconv_1x1__scalar, , float, float, 1, 1, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f64_dconv_4x1__scalar, , double, double, 1, 1, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f64_dconv_1x1__scalar, , double, double, 1, 1, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f32_dconv_4x2__scalar, , float, float, 1, 2, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f32_dconv_1x2__scalar, , float, float, 1, 2, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f64_dconv_4x2__scalar, , double, double, 1, 2, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV(mc_f64_dconv_1x2__scalar, , double, double, 1, 2, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU, MC_S_ADD)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_4x3__scalar, , float, float, 1, 4,
                   MC_S_LOADU, 0.0f, MC_S_FMADD, MC_S_SET1)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_1x3__scalar, , float, float, 1, 1,
                   MC_S_LOADU, 0.0f, MC_S_FMADD, MC_S_SET1)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_4x3__scalar, , double, double, 1, 4,
                   MC_S_LOADU, 0.0, MC_S_FMADD, MC_S_SET1)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_1x3__scalar, , double, double, 1, 1,
                   MC_S_LOADU, 0.0, MC_S_FMADD, MC_S_SET1)
/* 8 "vectors" of one lane: 8 output channels per tile, like the AVX2 float tile's 2 x 8 lanes
 * in count, not in bits (no FMA here) */
MC_DEFINE_DCONV_GWT(mc_f32_dconv_gwt_8x6__scalar, , float, float, 1, 8, 6, MC_S_LOADU, MC_S_SET1,
                    MC_S_FMADD, 0.0f, MC_S_ADD, MC_S_STOREU)
MC_DEFINE_DCONV_GWT(mc_f64_dconv_gwt_8x6__scalar, , double, double, 1, 8, 6, MC_S_LOADU, MC_S_SET1,
                    MC_S_FMADD, 0.0, MC_S_ADD, MC_S_STOREU)
/* depthwise 3x3, channels in the lanes: one channel per call (_conv_ukernel_template.h) */
MC_DEFINE_DW_FWD(mc_f32_dw_fwd__scalar, , float, float, MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DW_GI(mc_f32_dw_gi__scalar, , float, float, MC_S_LOADU, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DW_GW(mc_f32_dw_gw__scalar, , float, float, MC_S_LOADU, MC_S_FMADD, 0.0f, MC_S_ADD, MC_S_STOREU)
/* dconv_t 6x8, the forward with output channels in the lanes (float32 only):
 *   out[l * ldo + j] = bias[l] + sum_{i < k} w[i * 8 + l] * x[pos[j] + off[i]]
 * for j < min(np, 6) positions and l < no (<= 8) output channels; bias NULL: 0. np == 8
 * allows (SIMD twins) storing 8 positions, the last 2 junk that the next tile overwrites. The
 * sum is made in blocks of MC_SUM_BLOCK pairs added in dconv's fixed tree, then added to the
 * bias, as dconv does (so both give the same bits where dconv runs over the same pairs in
 * one call). The AVX2 twin has 16 channels. */
static void mc_f32_dconv_t6x8__scalar(size_t k, const float* MC_RESTRICT x,
                                      const ptrdiff_t* MC_RESTRICT pos,
                                      const ptrdiff_t* MC_RESTRICT off,
                                      const float* MC_RESTRICT w, const float* MC_RESTRICT bias,
                                      float* MC_RESTRICT out, size_t ldo, size_t np, size_t no)
{
    float acc[48];
    float st[MC_SUM_LEVELS][48];
    size_t i, i0, i1, j, l, nblk = 0;
    int one = k <= MC_SUM_BLOCK;   /* one block: one running sum from the bias (dconv's rule) */
    for (i0 = 0; i0 < k; i0 = i1) {
        i1 = k - i0 > MC_SUM_BLOCK ? i0 + MC_SUM_BLOCK : k;
        for (j = 0; j < 48; j++) acc[j] = one && bias ? bias[j % 8] : 0.0f;
        for (i = i0; i < i1; i++) {
            for (j = 0; j < 6; j++) {
                float v = x[pos[j] + off[i]];
                for (l = 0; l < 8; l++) acc[j * 8 + l] = w[l] * v + acc[j * 8 + l];
            }
            w += 8;
        }
        if (one) break;
        MC_SUM_PUSH(st, acc, nblk, 48, MC_S_ADD);
        nblk++;
    }
    if (k == 0)
        for (j = 0; j < 48; j++) acc[j] = bias ? bias[j % 8] : 0.0f;
    else if (!one) {
        MC_SUM_FINISH(st, acc, nblk, 48, MC_S_ADD);
        for (j = 0; j < 48; j++) acc[j] = (bias ? bias[j % 8] : 0.0f) + acc[j];
    }
    for (l = 0; l < no && l < 8; l++)
        for (j = 0; j < np && j < 6; j++) out[l * ldo + j] = acc[j * 8 + l];
}
#endif
