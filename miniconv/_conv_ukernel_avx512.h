/* AVX-512F micro-kernels (x86-64 only, per-function target attribute). The same skeleton as
 * the AVX2 ones with 16-float / 8-double vectors: tile 4 x 48 (float) / 4 x 24 (double).
 * NOT MEASURED: the machine the kernels were written on (Zen 3) has no AVX-512; they are
 * compiled everywhere, tested wherever the CPU has AVX-512F, and chosen only there. */
#ifndef MINICONV_CONV_UKERNEL_AVX512_H
#define MINICONV_CONV_UKERNEL_AVX512_H
#include <immintrin.h>
#include "_conv_ukernel_template.h"

#define MC_AVX512 __attribute__((target("avx512f,avx2,fma")))

/* halves added first (a fixed tree, the same for every call), then the AVX2 order */
MC_AVX512 static inline float mc_hsum_ps_avx512(__m512 v)
{
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

MC_AVX512 static inline double mc_hsum_pd_avx512(__m512d v)
{
    __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

MC_DEFINE_DCONV(mc_f32_dconv_4x48__avx512f, MC_AVX512, float, __m512, 16, 3, 4,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x48__avx512f, MC_AVX512, float, __m512, 16, 3, 1,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x24__avx512f, MC_AVX512, double, __m512d, 8, 3, 4,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x24__avx512f, MC_AVX512, double, __m512d, 8, 3, 1,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV(mc_f32_dconv_4x16__avx512f, MC_AVX512, float, __m512, 16, 1, 4,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x16__avx512f, MC_AVX512, float, __m512, 16, 1, 1,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x8__avx512f, MC_AVX512, double, __m512d, 8, 1, 4,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x8__avx512f, MC_AVX512, double, __m512d, 8, 1, 1,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV(mc_f32_dconv_4x32__avx512f, MC_AVX512, float, __m512, 16, 2, 4,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x32__avx512f, MC_AVX512, float, __m512, 16, 2, 1,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x16__avx512f, MC_AVX512, double, __m512d, 8, 2, 4,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x16__avx512f, MC_AVX512, double, __m512d, 8, 2, 1,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV(mc_f32_dconv_1x128__avx512f, MC_AVX512, float, __m512, 16, 8, 1,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_1x64__avx512f, MC_AVX512, double, __m512d, 8, 8, 1,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_4x3__avx512f, MC_AVX512, float, __m512, 16, 4,
                   _mm512_loadu_ps, _mm512_setzero_ps(), _mm512_fmadd_ps, mc_hsum_ps_avx512)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_1x3__avx512f, MC_AVX512, float, __m512, 16, 1,
                   _mm512_loadu_ps, _mm512_setzero_ps(), _mm512_fmadd_ps, mc_hsum_ps_avx512)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_4x3__avx512f, MC_AVX512, double, __m512d, 8, 4,
                   _mm512_loadu_pd, _mm512_setzero_pd(), _mm512_fmadd_pd, mc_hsum_pd_avx512)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_1x3__avx512f, MC_AVX512, double, __m512d, 8, 1,
                   _mm512_loadu_pd, _mm512_setzero_pd(), _mm512_fmadd_pd, mc_hsum_pd_avx512)
MC_DEFINE_DCONV_GWT(mc_f32_dconv_gwt_2x6__avx512f, MC_AVX512, float, __m512, 16, 2, 6, _mm512_loadu_ps,
                    _mm512_set1_ps, _mm512_fmadd_ps, _mm512_setzero_ps(), _mm512_add_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV_GWT(mc_f64_dconv_gwt_2x6__avx512f, MC_AVX512, double, __m512d, 8, 2, 6, _mm512_loadu_pd,
                    _mm512_set1_pd, _mm512_fmadd_pd, _mm512_setzero_pd(), _mm512_add_pd, _mm512_storeu_pd)
#endif
