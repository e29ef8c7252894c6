/* AVX2 + FMA micro-kernels (x86-64 only; compiled with a per-function target attribute, so the
 * rest of the extension stays baseline x86-64 and these run only if the CPU has AVX2 and FMA).
 * Tile 4 x 24 (float) / 4 x 12 (double): 12 ymm accumulators + 3 input vectors + 1 broadcast
 * of the 16 ymm registers. Measured on Zen 3 (one core, peak ~97 GFLOP/s): see
 * docs/performance.md, "Direct convolution micro-kernels". */
#ifndef MINICONV_CONV_UKERNEL_AVX2_H
#define MINICONV_CONV_UKERNEL_AVX2_H
#include <immintrin.h>
#include "_conv_ukernel_template.h"

#define MC_AVX2 __attribute__((target("avx2,fma")))

/* lanes added as ((0+4) + (2+6)) + ((1+5) + (3+7)), the same for every call */
MC_AVX2 static inline float mc_hsum_ps_avx2(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

MC_AVX2 static inline double mc_hsum_pd_avx2(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

MC_DEFINE_DCONV(mc_f32_dconv_4x24__avx2_fma3, MC_AVX2, float, __m256, 8, 3, 4,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x24__avx2_fma3, MC_AVX2, float, __m256, 8, 3, 1,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x12__avx2_fma3, MC_AVX2, double, __m256d, 4, 3, 4,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x12__avx2_fma3, MC_AVX2, double, __m256d, 4, 3, 1,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
MC_DEFINE_DCONV(mc_f32_dconv_4x8__avx2_fma3, MC_AVX2, float, __m256, 8, 1, 4,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x8__avx2_fma3, MC_AVX2, float, __m256, 8, 1, 1,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x4__avx2_fma3, MC_AVX2, double, __m256d, 4, 1, 4,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x4__avx2_fma3, MC_AVX2, double, __m256d, 4, 1, 1,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
MC_DEFINE_DCONV(mc_f32_dconv_4x16__avx2_fma3, MC_AVX2, float, __m256, 8, 2, 4,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x16__avx2_fma3, MC_AVX2, float, __m256, 8, 2, 1,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x8__avx2_fma3, MC_AVX2, double, __m256d, 4, 2, 4,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x8__avx2_fma3, MC_AVX2, double, __m256d, 4, 2, 1,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_4x3__avx2_fma3, MC_AVX2, float, __m256, 8, 4,
                   _mm256_loadu_ps, _mm256_setzero_ps(), _mm256_fmadd_ps, mc_hsum_ps_avx2)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_1x3__avx2_fma3, MC_AVX2, float, __m256, 8, 1,
                   _mm256_loadu_ps, _mm256_setzero_ps(), _mm256_fmadd_ps, mc_hsum_ps_avx2)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_4x3__avx2_fma3, MC_AVX2, double, __m256d, 4, 4,
                   _mm256_loadu_pd, _mm256_setzero_pd(), _mm256_fmadd_pd, mc_hsum_pd_avx2)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_1x3__avx2_fma3, MC_AVX2, double, __m256d, 4, 1,
                   _mm256_loadu_pd, _mm256_setzero_pd(), _mm256_fmadd_pd, mc_hsum_pd_avx2)
MC_DEFINE_DCONV_GWT(mc_f32_dconv_gwt_2x6__avx2_fma3, MC_AVX2, float, __m256, 8, 2, 6, _mm256_loadu_ps,
                    _mm256_set1_ps, _mm256_fmadd_ps, _mm256_setzero_ps(), _mm256_add_ps, _mm256_storeu_ps)
MC_DEFINE_DCONV_GWT(mc_f64_dconv_gwt_2x6__avx2_fma3, MC_AVX2, double, __m256d, 4, 2, 6, _mm256_loadu_pd,
                    _mm256_set1_pd, _mm256_fmadd_pd, _mm256_setzero_pd(), _mm256_add_pd, _mm256_storeu_pd)
#endif
