/* AVX-512F micro-kernels (x86-64 only, per-function target attribute). The same skeleton as
 * the AVX2 ones with 16-float / 8-double vectors: tile 4 x 48 (float) / 4 x 24 (double).
 * NOT MEASURED: the machine the kernels were written on (Zen 3) has no AVX-512; they are
 * compiled everywhere, tested wherever the CPU has AVX-512F, and chosen only there. */
#ifndef MINICONV_CONV_UKERNEL_AVX512_H
#define MINICONV_CONV_UKERNEL_AVX512_H
#include <immintrin.h>
#include "_conv_ukernel_template.h"

#define MC_AVX512 __attribute__((target("avx512f,avx2,fma")))

MC_DEFINE_DCONV(mc_f32_dconv_4x48__avx512f, MC_AVX512, float, __m512, 16, 3, 4,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x48__avx512f, MC_AVX512, float, __m512, 16, 3, 1,
                _mm512_loadu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x24__avx512f, MC_AVX512, double, __m512d, 8, 3, 4,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x24__avx512f, MC_AVX512, double, __m512d, 8, 3, 1,
                _mm512_loadu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_storeu_pd)
MC_DEFINE_DCONV_GW(mc_f32_dconv_gw_4x3__avx512f, MC_AVX512, float, __m512, 16,
                   _mm512_loadu_ps, _mm512_setzero_ps(), _mm512_fmadd_ps, _mm512_storeu_ps)
MC_DEFINE_DCONV_GW(mc_f64_dconv_gw_4x3__avx512f, MC_AVX512, double, __m512d, 8,
                   _mm512_loadu_pd, _mm512_setzero_pd(), _mm512_fmadd_pd, _mm512_storeu_pd)
#endif
