/* Portable C micro-kernels: the semantics every SIMD variant must reproduce (up to rounding),
 * and the fallback on CPUs without AVX2 and on other architectures (aarch64 builds this only).
 * Tile: 4 output channels (or 1 for depthwise) x 8 positions; tail tile 4 (or 1) x 1. */
#ifndef MINICONV_CONV_UKERNEL_SCALAR_H
#define MINICONV_CONV_UKERNEL_SCALAR_H
#include "_conv_ukernel_template.h"

#define MC_S_LOADU(p) (*(p))
#define MC_S_SET1(a) (a)
#define MC_S_FMADD(a, b, c) ((a) * (b) + (c))
#define MC_S_STOREU(p, v) (*(p) = (v))

MC_DEFINE_DCONV(mc_f32_dconv_4x8__scalar, , float, float, 1, 8, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f32_dconv_1x8__scalar, , float, float, 1, 8, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f64_dconv_4x8__scalar, , double, double, 1, 8, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f64_dconv_1x8__scalar, , double, double, 1, 8, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f32_dconv_4x1__scalar, , float, float, 1, 1, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f32_dconv_1x1__scalar, , float, float, 1, 1, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f64_dconv_4x1__scalar, , double, double, 1, 1, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f64_dconv_1x1__scalar, , double, double, 1, 1, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f32_dconv_4x2__scalar, , float, float, 1, 2, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f32_dconv_1x2__scalar, , float, float, 1, 2, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f64_dconv_4x2__scalar, , double, double, 1, 2, 4,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV(mc_f64_dconv_1x2__scalar, , double, double, 1, 2, 1,
                MC_S_LOADU, MC_S_SET1, MC_S_FMADD, MC_S_STOREU)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_4x3__scalar, , float, float, 1, 4,
                   MC_S_LOADU, 0.0f, MC_S_FMADD, MC_S_SET1)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_1x3__scalar, , float, float, 1, 1,
                   MC_S_LOADU, 0.0f, MC_S_FMADD, MC_S_SET1)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_4x3__scalar, , double, double, 1, 4,
                   MC_S_LOADU, 0.0, MC_S_FMADD, MC_S_SET1)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_1x3__scalar, , double, double, 1, 1,
                   MC_S_LOADU, 0.0, MC_S_FMADD, MC_S_SET1)
#define MC_S_ADD(a, b) ((a) + (b))
/* 8 "vectors" of one lane: 8 output channels per tile, like the AVX2 float tile's 2 x 8 lanes
 * in count, not in bits (no FMA here) */
MC_DEFINE_DCONV_GWT(mc_f32_dconv_gwt_8x6__scalar, , float, float, 1, 8, 6, MC_S_LOADU, MC_S_SET1,
                    MC_S_FMADD, 0.0f, MC_S_ADD, MC_S_STOREU)
MC_DEFINE_DCONV_GWT(mc_f64_dconv_gwt_8x6__scalar, , double, double, 1, 8, 6, MC_S_LOADU, MC_S_SET1,
                    MC_S_FMADD, 0.0, MC_S_ADD, MC_S_STOREU)
#endif
