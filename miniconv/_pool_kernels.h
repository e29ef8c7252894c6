/* 2x2, stride-2 max pool of one float32 plane with int16 flat indices (the usual CNN pool on
 * planes under 2**15 elements, e.g. MNIST's 28x28): scalar C, AVX2 and NEON twins, chosen by the
 * caller from the conv kernels' instruction set (mc_uk.isa), so forcing 'scalar' runs the twin.
 *
 *   out[oh, ow] = max of x[2oh, 2ow], x[2oh, 2ow+1], x[2oh+1, 2ow], x[2oh+1, 2ow+1]
 *   idx[oh, ow] = the flat index h * W + w of the first maximum in that order
 *
 * with strict '>' comparisons, as _pool.pxi's general loop. NaN is not handled here: the return
 * value is nonzero if the plane holds one in a window, and the caller redoes the plane with the
 * general rule (NaN wins). The caller guarantees 2 * OH <= H and 2 * OW <= W and H * W < 2**15. */
#ifndef MINICONV_POOL_KERNELS_H
#define MINICONV_POOL_KERNELS_H
#include <stddef.h>
#include "_conv_ukernels.h"

/* output rows [oh0, OH), columns [ow0, OW) */
static int mc_maxpool2x2s2_f32_i16__scalar(const float* x, ptrdiff_t W, float* out, short* idx,
                                           ptrdiff_t oh0, ptrdiff_t OH, ptrdiff_t ow0, ptrdiff_t OW)
{
    ptrdiff_t oh, ow;
    int has_nan = 0;
    for (oh = oh0; oh < OH; oh++) {
        const float* r0 = x + 2 * oh * W;
        const float* r1 = r0 + W;
        for (ow = ow0; ow < OW; ow++) {
            float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
            float best = a;
            ptrdiff_t k = 0;
            has_nan |= (a != a) | (b != b) | (c != c) | (d != d);
            if (b > best) { best = b; k = 1; }
            if (c > best) { best = c; k = W; }
            if (d > best) { best = d; k = W + 1; }
            out[oh * OW + ow] = best;
            idx[oh * OW + ow] = (short)(2 * oh * W + 2 * ow + k);
        }
    }
    return has_nan;
}

#if MC_HAVE_X86_VARIANTS
/* even and odd elements of lo:hi (16 floats) in order */
MC_AVX2 static inline __m256 mc_evens_avx2(__m256 lo, __m256 hi)
{
    __m256 t = _mm256_shuffle_ps(lo, hi, 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), 0xD8));
}

MC_AVX2 static inline __m256 mc_odds_avx2(__m256 lo, __m256 hi)
{
    __m256 t = _mm256_shuffle_ps(lo, hi, 0xDD);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), 0xD8));
}

MC_AVX2 static int mc_maxpool2x2s2_f32_i16__avx2(const float* x, ptrdiff_t W, float* out,
                                                 short* idx, ptrdiff_t OH, ptrdiff_t OW)
{
    const __m256i lanes2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i k1 = _mm256_set1_epi32(1), kw = _mm256_set1_epi32((int)W);
    const __m256i kw1 = _mm256_set1_epi32((int)W + 1);
    __m256 nan = _mm256_setzero_ps();
    static const int ones[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    ptrdiff_t oh, ow, j, nrow = OH;
    int has_nan = 0;
    /* 4 <= OW < 8 (MNIST's 14x14 -> 7x7): one vector per row, its second half loaded with a
       mask (the 2 * OW - 8 inputs there), its 8th output written over the next row's first
       (rewritten right after); the last row goes through the scalar twin */
    __m256i hmask = _mm256_loadu_si256((const __m256i*)(ones + 8 - (OW < 8 ? 2 * OW - 8 : 8)));
    if (OW < 4) return mc_maxpool2x2s2_f32_i16__scalar(x, W, out, idx, 0, OH, 0, OW);
    if (OW < 8) nrow = OH - 1;
    for (oh = 0; oh < nrow; oh++) {
        const float* r0 = x + 2 * oh * W;
        const float* r1 = r0 + W;
        for (j = 0; j < OW; j += 8) {
            /* a row's last 8 outputs overlap the previous vector when OW % 8 != 0 (the same
               values are written twice) */
            ow = j + 8 <= OW || OW < 8 ? j : OW - 8;
            __m256 l0 = _mm256_loadu_ps(r0 + 2 * ow), l1 = _mm256_loadu_ps(r1 + 2 * ow), h0, h1;
            if (OW >= 8) {
                h0 = _mm256_loadu_ps(r0 + 2 * ow + 8);
                h1 = _mm256_loadu_ps(r1 + 2 * ow + 8);
            } else {
                h0 = _mm256_maskload_ps(r0 + 2 * ow + 8, hmask);
                h1 = _mm256_maskload_ps(r1 + 2 * ow + 8, hmask);
            }
            __m256 a = mc_evens_avx2(l0, h0), b = mc_odds_avx2(l0, h0);
            __m256 c = mc_evens_avx2(l1, h1), d = mc_odds_avx2(l1, h1);
            __m256 best = a, m;
            __m256i k = _mm256_setzero_si256(), flat;
            nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
            nan = _mm256_or_ps(nan, _mm256_cmp_ps(c, d, _CMP_UNORD_Q));
            m = _mm256_cmp_ps(b, best, _CMP_GT_OQ);
            best = _mm256_blendv_ps(best, b, m);
            k = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(k), _mm256_castsi256_ps(k1), m));
            m = _mm256_cmp_ps(c, best, _CMP_GT_OQ);
            best = _mm256_blendv_ps(best, c, m);
            k = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(k), _mm256_castsi256_ps(kw), m));
            m = _mm256_cmp_ps(d, best, _CMP_GT_OQ);
            best = _mm256_blendv_ps(best, d, m);
            k = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(k), _mm256_castsi256_ps(kw1), m));
            _mm256_storeu_ps(out + oh * OW + ow, best);
            flat = _mm256_add_epi32(_mm256_add_epi32(_mm256_set1_epi32((int)(2 * oh * W + 2 * ow)),
                                                     lanes2), k);
            _mm_storeu_si128((__m128i*)(idx + oh * OW + ow),
                             _mm_packs_epi32(_mm256_castsi256_si128(flat),
                                             _mm256_extracti128_si256(flat, 1)));
        }
    }
    has_nan = _mm256_movemask_ps(nan) != 0;
    if (nrow < OH)
        has_nan |= mc_maxpool2x2s2_f32_i16__scalar(x, W, out, idx, nrow, OH, 0, OW);
    return has_nan;
}
#endif

#if MC_HAVE_NEON_VARIANTS
/* 4 outputs per vector: vld2q_f32 splits 8 inputs of a row into its even and odd columns; a
   row's last 4 outputs overlap the previous vector when OW % 4 != 0 (the same values are
   written twice); OW < 4 goes through the scalar twin. Reads stay inside the rows (2 OW <= W). */
static int mc_maxpool2x2s2_f32_i16__neon(const float* x, ptrdiff_t W, float* out, short* idx,
                                         ptrdiff_t OH, ptrdiff_t OW)
{
    const int32x4_t lanes2 = {0, 2, 4, 6};
    const int32x4_t k1 = vdupq_n_s32(1), kw = vdupq_n_s32((int)W), kw1 = vdupq_n_s32((int)W + 1);
    uint32x4_t ordered = vdupq_n_u32(0xFFFFFFFFu);
    ptrdiff_t oh, ow, j;
    if (OW < 4) return mc_maxpool2x2s2_f32_i16__scalar(x, W, out, idx, 0, OH, 0, OW);
    for (oh = 0; oh < OH; oh++) {
        const float* r0 = x + 2 * oh * W;
        const float* r1 = r0 + W;
        for (j = 0; j < OW; j += 4) {
            ow = j + 4 <= OW ? j : OW - 4;
            float32x4x2_t t0 = vld2q_f32(r0 + 2 * ow), t1 = vld2q_f32(r1 + 2 * ow);
            float32x4_t a = t0.val[0], b = t0.val[1], c = t1.val[0], d = t1.val[1], best = a;
            int32x4_t k = vdupq_n_s32(0), flat;
            uint32x4_t m;
            ordered = vandq_u32(ordered, vandq_u32(vceqq_f32(a, a), vceqq_f32(b, b)));
            ordered = vandq_u32(ordered, vandq_u32(vceqq_f32(c, c), vceqq_f32(d, d)));
            m = vcgtq_f32(b, best);
            best = vbslq_f32(m, b, best);
            k = vbslq_s32(m, k1, k);
            m = vcgtq_f32(c, best);
            best = vbslq_f32(m, c, best);
            k = vbslq_s32(m, kw, k);
            m = vcgtq_f32(d, best);
            best = vbslq_f32(m, d, best);
            k = vbslq_s32(m, kw1, k);
            vst1q_f32(out + oh * OW + ow, best);
            flat = vaddq_s32(vaddq_s32(vdupq_n_s32((int)(2 * oh * W + 2 * ow)), lanes2), k);
            vst1_s16(idx + oh * OW + ow, vmovn_s32(flat));
        }
    }
    return vminvq_u32(ordered) == 0;
}
#endif

/* The variant for the conv kernels' instruction set (AVX2 and wider: the AVX2 twin; NEON: the
   NEON twin). */
static int mc_maxpool2x2s2_f32_i16(const float* x, ptrdiff_t W, float* out, short* idx,
                                   ptrdiff_t OH, ptrdiff_t OW)
{
#if MC_HAVE_X86_VARIANTS
    if (mc_uk.isa >= MC_ISA_AVX2)
        return mc_maxpool2x2s2_f32_i16__avx2(x, W, out, idx, OH, OW);
#endif
#if MC_HAVE_NEON_VARIANTS
    if (mc_uk.isa == MC_ISA_NEON) return mc_maxpool2x2s2_f32_i16__neon(x, W, out, idx, OH, OW);
#endif
    return mc_maxpool2x2s2_f32_i16__scalar(x, W, out, idx, 0, OH, 0, OW);
}
#endif
