/* The 16-lane (float32) / 8-lane (float64) micro-kernel family: the bodies of
 * _conv_ukernel_template.h with one vector-operation layer per way of holding 64 bytes,
 * instantiated twice by MC_DEFINE_W16_FAMILY:
 *   __avx512f      GCC/Clang vector extensions (float __attribute__((vector_size(64)))) under
 *                  target("avx512f,avx2,fma"): one zmm register per vector (AVX-512 CPUs)
 *   __avx512f_emu  a pair of __m256 halves under target("avx2,fma"): the same tile logic
 *                  (tile sizes, tails, lane sums, layouts, the drivers' choices) runs, for
 *                  correctness, on any AVX2 CPU; only its speed needs AVX-512.
 * (GCC 12 lowers a 64-byte vector-extension body without AVX-512 to 128-bit moves and
 * separate multiplies and adds, so the emulated layer spells out its two FMA halves.)
 * Both layers execute the same operations per lane in the same order (every multiply-add one
 * fused FMA: `a * b + c` in one expression is contracted by GCC's default -ffp-contract=fast
 * for GNU C and Clang's "on"; checked in the disassembly), so they give the same bits. A
 * 4-lane (NEON, SSE) family is one more layer of the same macros with vector_size(16).
 */
#ifndef MINICONV_CONV_UKERNEL_W16_H
#define MINICONV_CONV_UKERNEL_W16_H
#include "_conv_ukernel_template.h"

typedef float mc_f32x16 __attribute__((vector_size(64)));
typedef double mc_f64x8 __attribute__((vector_size(64)));
/* unaligned, aliasing views for loads and stores of float / double arrays */
typedef float mc_f32x16u __attribute__((vector_size(64), aligned(4), __may_alias__));
typedef double mc_f64x8u __attribute__((vector_size(64), aligned(8), __may_alias__));

#define MC_W16_LOADU_F32(p) ((mc_f32x16)(*(const mc_f32x16u*)(p)))
#define MC_W16_LOADU_F64(p) ((mc_f64x8)(*(const mc_f64x8u*)(p)))
#define MC_W16_STOREU_F32(p, v) (*(mc_f32x16u*)(p) = (v))
#define MC_W16_STOREU_F64(p, v) (*(mc_f64x8u*)(p) = (v))
/* a - 0 is a for every a (-0.0 and NaN included): a broadcast */
#define MC_W16_SET1_F32(a) ((float)(a) - (mc_f32x16){0})
#define MC_W16_SET1_F64(a) ((double)(a) - (mc_f64x8){0})
#define MC_W16_FMADD_F32(a, b, c) ((a) * (b) + (c))
#define MC_W16_FMADD_F64(a, b, c) ((a) * (b) + (c))
#define MC_W16_ADD_F32(a, b) ((a) + (b))
#define MC_W16_ADD_F64(a, b) ((a) + (b))
#define MC_W16_ZERO_F32 ((mc_f32x16){0})
#define MC_W16_ZERO_F64 ((mc_f64x8){0})
/* lane sums in a fixed tree: halves first (h[i] = v[i] + v[i + 8]), then
 * ((h0 + h4) + (h2 + h6)) + ((h1 + h5) + (h3 + h7)), the AVX2 kernels' order */
#define MC_W16_HSUM_F32 mc_w16_hsum_f32
#define MC_W16_HSUM_F64 mc_w16_hsum_f64

/* The emulated layer: two AVX2 halves per vector (x86 with GCC or Clang only). */
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define MC_W16E_ATTR __attribute__((target("avx2,fma"), always_inline))
typedef struct { __m256 lo, hi; } mc_f32x16e;
typedef struct { __m256d lo, hi; } mc_f64x8e;
MC_W16E_ATTR static inline mc_f32x16e mc_w16e_loadu_f32(const float* p)
{ mc_f32x16e r; r.lo = _mm256_loadu_ps(p); r.hi = _mm256_loadu_ps(p + 8); return r; }
MC_W16E_ATTR static inline mc_f64x8e mc_w16e_loadu_f64(const double* p)
{ mc_f64x8e r; r.lo = _mm256_loadu_pd(p); r.hi = _mm256_loadu_pd(p + 4); return r; }
MC_W16E_ATTR static inline void mc_w16e_storeu_f32(float* p, mc_f32x16e v)
{ _mm256_storeu_ps(p, v.lo); _mm256_storeu_ps(p + 8, v.hi); }
MC_W16E_ATTR static inline void mc_w16e_storeu_f64(double* p, mc_f64x8e v)
{ _mm256_storeu_pd(p, v.lo); _mm256_storeu_pd(p + 4, v.hi); }
MC_W16E_ATTR static inline mc_f32x16e mc_w16e_set1_f32(float a)
{ mc_f32x16e r; r.lo = r.hi = _mm256_set1_ps(a); return r; }
MC_W16E_ATTR static inline mc_f64x8e mc_w16e_set1_f64(double a)
{ mc_f64x8e r; r.lo = r.hi = _mm256_set1_pd(a); return r; }
MC_W16E_ATTR static inline mc_f32x16e mc_w16e_fmadd_f32(mc_f32x16e a, mc_f32x16e b, mc_f32x16e c)
{ c.lo = _mm256_fmadd_ps(a.lo, b.lo, c.lo); c.hi = _mm256_fmadd_ps(a.hi, b.hi, c.hi); return c; }
MC_W16E_ATTR static inline mc_f64x8e mc_w16e_fmadd_f64(mc_f64x8e a, mc_f64x8e b, mc_f64x8e c)
{ c.lo = _mm256_fmadd_pd(a.lo, b.lo, c.lo); c.hi = _mm256_fmadd_pd(a.hi, b.hi, c.hi); return c; }
MC_W16E_ATTR static inline mc_f32x16e mc_w16e_add_f32(mc_f32x16e a, mc_f32x16e b)
{ a.lo = _mm256_add_ps(a.lo, b.lo); a.hi = _mm256_add_ps(a.hi, b.hi); return a; }
MC_W16E_ATTR static inline mc_f64x8e mc_w16e_add_f64(mc_f64x8e a, mc_f64x8e b)
{ a.lo = _mm256_add_pd(a.lo, b.lo); a.hi = _mm256_add_pd(a.hi, b.hi); return a; }
MC_W16E_ATTR static inline mc_f32x16e mc_w16e_zero_f32(void)
{ mc_f32x16e r; r.lo = r.hi = _mm256_setzero_ps(); return r; }
MC_W16E_ATTR static inline mc_f64x8e mc_w16e_zero_f64(void)
{ mc_f64x8e r; r.lo = r.hi = _mm256_setzero_pd(); return r; }
/* the same tree as mc_w16_hsum: halves, then ((h0 + h4) + (h2 + h6)) + ((h1 + h5) + (h3 + h7)) */
MC_W16E_ATTR static inline float mc_w16e_hsum_f32(mc_f32x16e v)
{
    __m256 h = _mm256_add_ps(v.lo, v.hi);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
MC_W16E_ATTR static inline double mc_w16e_hsum_f64(mc_f64x8e v)
{
    __m256d h = _mm256_add_pd(v.lo, v.hi);
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}
#define MC_W16E_LOADU_F32 mc_w16e_loadu_f32
#define MC_W16E_LOADU_F64 mc_w16e_loadu_f64
#define MC_W16E_STOREU_F32 mc_w16e_storeu_f32
#define MC_W16E_STOREU_F64 mc_w16e_storeu_f64
#define MC_W16E_SET1_F32 mc_w16e_set1_f32
#define MC_W16E_SET1_F64 mc_w16e_set1_f64
#define MC_W16E_FMADD_F32 mc_w16e_fmadd_f32
#define MC_W16E_FMADD_F64 mc_w16e_fmadd_f64
#define MC_W16E_ADD_F32 mc_w16e_add_f32
#define MC_W16E_ADD_F64 mc_w16e_add_f64
#define MC_W16E_ZERO_F32 mc_w16e_zero_f32()
#define MC_W16E_ZERO_F64 mc_w16e_zero_f64()
#define MC_W16E_HSUM_F32 mc_w16e_hsum_f32
#define MC_W16E_HSUM_F64 mc_w16e_hsum_f64
#endif

#define MC_DEFINE_W16_HSUM(ATTR)                                                      \
    ATTR static inline float mc_w16_hsum_f32(mc_f32x16 v)                             \
    {                                                                                         \
        float h[8];                                                                           \
        int i;                                                                                \
        for (i = 0; i < 8; i++) h[i] = v[i] + v[i + 8];                                       \
        return ((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7]));             \
    }                                                                                         \
    ATTR static inline double mc_w16_hsum_f64(mc_f64x8 v)                             \
    {                                                                                         \
        double h[4];                                                                          \
        int i;                                                                                \
        for (i = 0; i < 4; i++) h[i] = v[i] + v[i + 4];                                       \
        return (h[0] + h[2]) + (h[1] + h[3]);                                                 \
    }

/* Tiles (float / double): forward 4 x 48 / 4 x 24 (12 accumulators), tails of 2 and 1
 * vectors, 1 x 128 / 1 x 64 for depthwise; forward with output channels in the lanes 6 x 32
 * (float, 12 accumulators); grad_weight 4 x 3 and 1 x 3 (lanes summed at the end), 2 x 6 with
 * output channels in the lanes (32 / 16 channels); depthwise 3x3 with channels in the lanes
 * (16 channels per call). */
#define MC_DEFINE_W16_FAMILY(ATTR, SUFFIX, VF, VD, OPS)                                                    \
    MC_DEFINE_DCONV(mc_f32_dconv_4x48##SUFFIX, ATTR, float, VF, 16, 3, 4,              \
                    OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32)       \
    MC_DEFINE_DCONV(mc_f32_dconv_1x48##SUFFIX, ATTR, float, VF, 16, 3, 1,              \
                    OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32)       \
    MC_DEFINE_DCONV(mc_f32_dconv_4x32##SUFFIX, ATTR, float, VF, 16, 2, 4,              \
                    OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32)       \
    MC_DEFINE_DCONV(mc_f32_dconv_1x32##SUFFIX, ATTR, float, VF, 16, 2, 1,              \
                    OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32)       \
    MC_DEFINE_DCONV(mc_f32_dconv_4x16##SUFFIX, ATTR, float, VF, 16, 1, 4,              \
                    OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32)       \
    MC_DEFINE_DCONV(mc_f32_dconv_1x16##SUFFIX, ATTR, float, VF, 16, 1, 1,              \
                    OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32)       \
    MC_DEFINE_DCONV(mc_f32_dconv_1x128##SUFFIX, ATTR, float, VF, 16, 8, 1,             \
                    OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32)       \
    MC_DEFINE_DCONV(mc_f64_dconv_4x24##SUFFIX, ATTR, double, VD, 8, 3, 4,               \
                    OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64)       \
    MC_DEFINE_DCONV(mc_f64_dconv_1x24##SUFFIX, ATTR, double, VD, 8, 3, 1,               \
                    OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64)       \
    MC_DEFINE_DCONV(mc_f64_dconv_4x16##SUFFIX, ATTR, double, VD, 8, 2, 4,               \
                    OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64)       \
    MC_DEFINE_DCONV(mc_f64_dconv_1x16##SUFFIX, ATTR, double, VD, 8, 2, 1,               \
                    OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64)       \
    MC_DEFINE_DCONV(mc_f64_dconv_4x8##SUFFIX, ATTR, double, VD, 8, 1, 4,                \
                    OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64)       \
    MC_DEFINE_DCONV(mc_f64_dconv_1x8##SUFFIX, ATTR, double, VD, 8, 1, 1,                \
                    OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64)       \
    MC_DEFINE_DCONV(mc_f64_dconv_1x64##SUFFIX, ATTR, double, VD, 8, 8, 1,               \
                    OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64)       \
    MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_4x3##SUFFIX, ATTR, float, VF, 16, 4,            \
                       OPS##_LOADU_F32, OPS##_ZERO_F32, OPS##_FMADD_F32,                       \
                       OPS##_HSUM_F32)                                               \
    MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_1x3##SUFFIX, ATTR, float, VF, 16, 1,            \
                       OPS##_LOADU_F32, OPS##_ZERO_F32, OPS##_FMADD_F32,                       \
                       OPS##_HSUM_F32)                                               \
    MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_4x3##SUFFIX, ATTR, double, VD, 8, 4,             \
                       OPS##_LOADU_F64, OPS##_ZERO_F64, OPS##_FMADD_F64,                       \
                       OPS##_HSUM_F64)                                               \
    MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_1x3##SUFFIX, ATTR, double, VD, 8, 1,             \
                       OPS##_LOADU_F64, OPS##_ZERO_F64, OPS##_FMADD_F64,                       \
                       OPS##_HSUM_F64)                                               \
    MC_DEFINE_DCONV_GWT(mc_f32_dconv_gwt_2x6##SUFFIX, ATTR, float, VF, 16, 2, 6,       \
                        OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_ZERO_F32,     \
                        OPS##_ADD_F32, OPS##_STOREU_F32)                                        \
    MC_DEFINE_DCONV_GWT(mc_f64_dconv_gwt_2x6##SUFFIX, ATTR, double, VD, 8, 2, 6,        \
                        OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_ZERO_F64,     \
                        OPS##_ADD_F64, OPS##_STOREU_F64)                                        \
    MC_DEFINE_DCONV_T(mc_f32_dconv_t6x32##SUFFIX, ATTR, VF, 16, 2, OPS##_LOADU_F32, OPS##_SET1_F32,  \
                      OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32, OPS##_ZERO_F32)               \
    MC_DEFINE_DW_FWD(mc_f32_dw_fwd##SUFFIX, ATTR, float, VF, OPS##_LOADU_F32, OPS##_SET1_F32,          \
                     OPS##_FMADD_F32, OPS##_STOREU_F32)                                                \
    MC_DEFINE_DW_GI(mc_f32_dw_gi##SUFFIX, ATTR, float, VF, OPS##_LOADU_F32, OPS##_FMADD_F32,           \
                    OPS##_STOREU_F32)                                                                  \
    MC_DEFINE_DW_GW(mc_f32_dw_gw##SUFFIX, ATTR, float, VF, OPS##_LOADU_F32, OPS##_FMADD_F32,           \
                    OPS##_ZERO_F32, OPS##_ADD_F32, OPS##_STOREU_F32)

#endif
