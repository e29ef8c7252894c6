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
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x24__avx2_fma3, MC_AVX2, float, __m256, 8, 3, 1,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x12__avx2_fma3, MC_AVX2, double, __m256d, 4, 3, 4,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x12__avx2_fma3, MC_AVX2, double, __m256d, 4, 3, 1,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd)
MC_DEFINE_DCONV(mc_f32_dconv_4x8__avx2_fma3, MC_AVX2, float, __m256, 8, 1, 4,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x8__avx2_fma3, MC_AVX2, float, __m256, 8, 1, 1,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x4__avx2_fma3, MC_AVX2, double, __m256d, 4, 1, 4,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x4__avx2_fma3, MC_AVX2, double, __m256d, 4, 1, 1,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd)
MC_DEFINE_DCONV(mc_f32_dconv_4x16__avx2_fma3, MC_AVX2, float, __m256, 8, 2, 4,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps)
MC_DEFINE_DCONV(mc_f32_dconv_1x16__avx2_fma3, MC_AVX2, float, __m256, 8, 2, 1,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps)
MC_DEFINE_DCONV(mc_f64_dconv_4x8__avx2_fma3, MC_AVX2, double, __m256d, 4, 2, 4,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd)
MC_DEFINE_DCONV(mc_f64_dconv_1x8__avx2_fma3, MC_AVX2, double, __m256d, 4, 2, 1,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd)
MC_DEFINE_DCONV(mc_f32_dconv_1x64__avx2_fma3, MC_AVX2, float, __m256, 8, 8, 1,
                _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps)
MC_DEFINE_DCONV(mc_f64_dconv_1x32__avx2_fma3, MC_AVX2, double, __m256d, 4, 8, 1,
                _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd)
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
/* depthwise 3x3, channels in the lanes: 8 channels per call (_conv_ukernel_template.h) */
MC_DEFINE_DW_FWD(mc_f32_dw_fwd__avx2_fma3, MC_AVX2, float, __m256, _mm256_loadu_ps, _mm256_set1_ps,
                 _mm256_fmadd_ps, _mm256_storeu_ps)
MC_DEFINE_DW_GI(mc_f32_dw_gi__avx2_fma3, MC_AVX2, float, __m256, _mm256_loadu_ps, _mm256_fmadd_ps,
                _mm256_storeu_ps)
MC_DEFINE_DW_GW(mc_f32_dw_gw__avx2_fma3, MC_AVX2, float, __m256, _mm256_loadu_ps, _mm256_fmadd_ps,
                _mm256_setzero_ps(), _mm256_add_ps, _mm256_storeu_ps)
/* dconv_t 6x16 (see _conv_ukernel_scalar.h for the semantics): 6 positions x 16 output
 * channels in 12 accumulators, blocks of pairs in dconv's fixed tree, then the bias; per pair 2 weight vectors
 * and 6 broadcasts of input values. The tile leaves through two 8x8 transposes (rows 6 and 7
 * zero) straight into the output rows: with np == 8, 8-float stores whose last 2 floats the
 * next tile overwrites; else np floats through a stack copy (vmaskmovps stores are slow on
 * Zen). Nothing is copied afterwards. */
MC_AVX2 static inline void mc_transpose8_store_avx2(__m256 r0, __m256 r1, __m256 r2, __m256 r3,
                                                    __m256 r4, __m256 r5, float* out, size_t ldo,
                                                    size_t np, size_t no)
{
    __m256 z = _mm256_setzero_ps();
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(z, z), t7 = t6;
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    __m256 c[8];
    size_t l;
    c[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    c[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    c[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    c[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    c[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    c[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    c[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    c[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
    if (np == 8) {
        for (l = 0; l < no && l < 8; l++) _mm256_storeu_ps(out + l * ldo, c[l]);
    } else {
        float tmp[8];
        size_t j;
        for (l = 0; l < no && l < 8; l++) {
            _mm256_storeu_ps(tmp, c[l]);
            for (j = 0; j < np && j < 6; j++) out[l * ldo + j] = tmp[j];
        }
    }
}

MC_AVX2 static void mc_f32_dconv_t6x16__avx2_fma3(size_t k, const float* MC_RESTRICT x,
                                                  const ptrdiff_t* MC_RESTRICT pos,
                                                  const ptrdiff_t* MC_RESTRICT off,
                                                  const float* MC_RESTRICT w,
                                                  const float* MC_RESTRICT bias,
                                                  float* MC_RESTRICT out, size_t ldo, size_t np,
                                                  size_t no)
{
    const float* x0 = x + pos[0];
    const float* x1 = x + pos[1];
    const float* x2 = x + pos[2];
    const float* x3 = x + pos[3];
    const float* x4 = x + pos[4];
    const float* x5 = x + pos[5];
    /* a[2 j + h]: position j, channels 8 h .. 8 h + 7; blocks in dconv's fixed tree */
    __m256 a[12], st[MC_SUM_LEVELS][12];
    size_t i, i0, i1, nblk = 0;
    int e;
    __m256 b0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    __m256 b1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
    int one = k <= MC_SUM_BLOCK;   /* one block: one running sum from the bias (dconv's rule) */
    for (i0 = 0; i0 < k; i0 = i1) {
        i1 = k - i0 > MC_SUM_BLOCK ? i0 + MC_SUM_BLOCK : k;
        for (e = 0; e < 12; e += 2) {
            a[e] = one ? b0 : _mm256_setzero_ps();
            a[e + 1] = one ? b1 : _mm256_setzero_ps();
        }
        for (i = i0; i < i1; i++) {
            const ptrdiff_t o = off[i];
            __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8), v;
            v = _mm256_set1_ps(x0[o]); a[0] = _mm256_fmadd_ps(v, w0, a[0]); a[1] = _mm256_fmadd_ps(v, w1, a[1]);
            v = _mm256_set1_ps(x1[o]); a[2] = _mm256_fmadd_ps(v, w0, a[2]); a[3] = _mm256_fmadd_ps(v, w1, a[3]);
            v = _mm256_set1_ps(x2[o]); a[4] = _mm256_fmadd_ps(v, w0, a[4]); a[5] = _mm256_fmadd_ps(v, w1, a[5]);
            v = _mm256_set1_ps(x3[o]); a[6] = _mm256_fmadd_ps(v, w0, a[6]); a[7] = _mm256_fmadd_ps(v, w1, a[7]);
            v = _mm256_set1_ps(x4[o]); a[8] = _mm256_fmadd_ps(v, w0, a[8]); a[9] = _mm256_fmadd_ps(v, w1, a[9]);
            v = _mm256_set1_ps(x5[o]); a[10] = _mm256_fmadd_ps(v, w0, a[10]); a[11] = _mm256_fmadd_ps(v, w1, a[11]);
            w += 16;
        }
        if (one) break;
        MC_SUM_PUSH(st, a, nblk, 12, _mm256_add_ps);
        nblk++;
    }
    if (k == 0) {
        for (e = 0; e < 12; e += 2) {
            a[e] = b0;
            a[e + 1] = b1;
        }
    } else if (!one) {
        MC_SUM_FINISH(st, a, nblk, 12, _mm256_add_ps);
        for (e = 0; e < 12; e += 2) {
            a[e] = _mm256_add_ps(b0, a[e]);
            a[e + 1] = _mm256_add_ps(b1, a[e + 1]);
        }
    }
    mc_transpose8_store_avx2(a[0], a[2], a[4], a[6], a[8], a[10], out, ldo, np, no);
    if (no > 8)
        mc_transpose8_store_avx2(a[1], a[3], a[5], a[7], a[9], a[11], out + 8 * ldo, ldo, np, no - 8);
}
/* dst[p * 16 + l] = src[l * ldsrc + p] for 8 channels l (dst and src already offset to the
 * first of them) and positions p in [0, P - P % 8): grad_weight's transposed copy of the output
 * gradient (dconv_gwt's layout), 8 x 8 blocks through registers; the caller copies the last
 * P % 8 positions. */
MC_AVX2 static void mc_f32_transpose8_to16__avx2_fma3(const float* MC_RESTRICT src, size_t ldsrc,
                                                      size_t P, float* MC_RESTRICT dst)
{
    size_t p, l;
    for (p = 0; p + 8 <= P; p += 8) {
        __m256 r[8], t[8], u[8];
        for (l = 0; l < 8; l++) r[l] = _mm256_loadu_ps(src + l * ldsrc + p);
        t[0] = _mm256_unpacklo_ps(r[0], r[1]); t[1] = _mm256_unpackhi_ps(r[0], r[1]);
        t[2] = _mm256_unpacklo_ps(r[2], r[3]); t[3] = _mm256_unpackhi_ps(r[2], r[3]);
        t[4] = _mm256_unpacklo_ps(r[4], r[5]); t[5] = _mm256_unpackhi_ps(r[4], r[5]);
        t[6] = _mm256_unpacklo_ps(r[6], r[7]); t[7] = _mm256_unpackhi_ps(r[6], r[7]);
        u[0] = _mm256_shuffle_ps(t[0], t[2], 0x44); u[1] = _mm256_shuffle_ps(t[0], t[2], 0xEE);
        u[2] = _mm256_shuffle_ps(t[1], t[3], 0x44); u[3] = _mm256_shuffle_ps(t[1], t[3], 0xEE);
        u[4] = _mm256_shuffle_ps(t[4], t[6], 0x44); u[5] = _mm256_shuffle_ps(t[4], t[6], 0xEE);
        u[6] = _mm256_shuffle_ps(t[5], t[7], 0x44); u[7] = _mm256_shuffle_ps(t[5], t[7], 0xEE);
        _mm256_storeu_ps(dst + (p + 0) * 16, _mm256_permute2f128_ps(u[0], u[4], 0x20));
        _mm256_storeu_ps(dst + (p + 1) * 16, _mm256_permute2f128_ps(u[1], u[5], 0x20));
        _mm256_storeu_ps(dst + (p + 2) * 16, _mm256_permute2f128_ps(u[2], u[6], 0x20));
        _mm256_storeu_ps(dst + (p + 3) * 16, _mm256_permute2f128_ps(u[3], u[7], 0x20));
        _mm256_storeu_ps(dst + (p + 4) * 16, _mm256_permute2f128_ps(u[0], u[4], 0x31));
        _mm256_storeu_ps(dst + (p + 5) * 16, _mm256_permute2f128_ps(u[1], u[5], 0x31));
        _mm256_storeu_ps(dst + (p + 6) * 16, _mm256_permute2f128_ps(u[2], u[6], 0x31));
        _mm256_storeu_ps(dst + (p + 7) * 16, _mm256_permute2f128_ps(u[3], u[7], 0x31));
    }
}
/* dst[l * lddst + p] = src[p * 16 + l] for 8 channels l (src and dst already offset to the
 * first of them) and positions p in [0, P - P % 8): the inverse of mc_f32_transpose8_to16 (the
 * depthwise kernels' output back to channel planes); the caller copies the last P % 8. */
MC_AVX2 static void mc_f32_transpose16_to8__avx2_fma3(const float* MC_RESTRICT src, size_t P,
                                                      float* MC_RESTRICT dst, size_t lddst)
{
    size_t p, l;
    for (p = 0; p + 8 <= P; p += 8) {
        __m256 r[8], t[8], u[8];
        for (l = 0; l < 8; l++) r[l] = _mm256_loadu_ps(src + (p + l) * 16);
        t[0] = _mm256_unpacklo_ps(r[0], r[1]); t[1] = _mm256_unpackhi_ps(r[0], r[1]);
        t[2] = _mm256_unpacklo_ps(r[2], r[3]); t[3] = _mm256_unpackhi_ps(r[2], r[3]);
        t[4] = _mm256_unpacklo_ps(r[4], r[5]); t[5] = _mm256_unpackhi_ps(r[4], r[5]);
        t[6] = _mm256_unpacklo_ps(r[6], r[7]); t[7] = _mm256_unpackhi_ps(r[6], r[7]);
        u[0] = _mm256_shuffle_ps(t[0], t[2], 0x44); u[1] = _mm256_shuffle_ps(t[0], t[2], 0xEE);
        u[2] = _mm256_shuffle_ps(t[1], t[3], 0x44); u[3] = _mm256_shuffle_ps(t[1], t[3], 0xEE);
        u[4] = _mm256_shuffle_ps(t[4], t[6], 0x44); u[5] = _mm256_shuffle_ps(t[4], t[6], 0xEE);
        u[6] = _mm256_shuffle_ps(t[5], t[7], 0x44); u[7] = _mm256_shuffle_ps(t[5], t[7], 0xEE);
        _mm256_storeu_ps(dst + 0 * lddst + p, _mm256_permute2f128_ps(u[0], u[4], 0x20));
        _mm256_storeu_ps(dst + 1 * lddst + p, _mm256_permute2f128_ps(u[1], u[5], 0x20));
        _mm256_storeu_ps(dst + 2 * lddst + p, _mm256_permute2f128_ps(u[2], u[6], 0x20));
        _mm256_storeu_ps(dst + 3 * lddst + p, _mm256_permute2f128_ps(u[3], u[7], 0x20));
        _mm256_storeu_ps(dst + 4 * lddst + p, _mm256_permute2f128_ps(u[0], u[4], 0x31));
        _mm256_storeu_ps(dst + 5 * lddst + p, _mm256_permute2f128_ps(u[1], u[5], 0x31));
        _mm256_storeu_ps(dst + 6 * lddst + p, _mm256_permute2f128_ps(u[2], u[6], 0x31));
        _mm256_storeu_ps(dst + 7 * lddst + p, _mm256_permute2f128_ps(u[3], u[7], 0x31));
    }
}
#endif
