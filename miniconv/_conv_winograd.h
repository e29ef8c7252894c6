/* Winograd F(2x2, 3x3) input and output transforms of one run of tiles (_conv_winograd.pxi).
 *
 * Plain C loops over the tiles of one tile row that the compiler vectorizes (restrict
 * pointers, unit-stride or stride-2 accesses, no intrinsics, so the same code on every
 * instruction set). Arithmetic in double, one rounding to the storage type at the end:
 *   input:  V = B^T d B of L tiles whose 4x4 windows start at column q0 + 2t (t < L) of rows
 *           r0..r3 (each W long; a row outside the plane is a row of zeros); columns outside
 *           [0, W) read 0. v[xi * vs + t] = V[xi] of tile t.
 *   output: Y = A^T M A (+ bias) of L tiles, M[xi] of tile t at m[xi * ms + t]; writes
 *           o0[2t], o0[2t + 1] and (o1 != NULL) o1[2t], o1[2t + 1] for the ncols first
 *           of those 2L columns (the partial tile at the right edge).
 * tmp: scratch of 4 * (2L + 2) doubles.
 */
#ifndef MINICONV_CONV_WINOGRAD_H
#define MINICONV_CONV_WINOGRAD_H

#include <stddef.h>
#include "_conv_ukernels.h"

#define MC_WN_DEFINE(T, SUF)                                                                  \
static inline void mc_wn_input_##SUF(const T *r0, const T *r1, const T *r2, const T *r3,      \
                                     ptrdiff_t W, ptrdiff_t q0, ptrdiff_t L,                  \
                                     T *restrict v, ptrdiff_t vs, double *restrict tmp)       \
{                                                                                             \
    ptrdiff_t n = 2 * L + 2, lo = q0 < 0 ? -q0 : 0, hi = W - q0 < n ? W - q0 : n, j, t, i;    \
    double *restrict a = tmp, *restrict b = tmp + n, *restrict c = tmp + 2 * n;               \
    double *restrict e = tmp + 3 * n;                                                         \
    if (hi < lo) hi = lo;                                                                     \
    /* rows of B^T d, column by column: d0 - d2, d1 + d2, d2 - d1, d1 - d3 */                 \
    for (j = 0; j < lo; j++) a[j] = b[j] = c[j] = e[j] = 0;                                   \
    for (j = lo; j < hi; j++) {                                                               \
        double d0 = r0[q0 + j], d1 = r1[q0 + j], d2 = r2[q0 + j], d3 = r3[q0 + j];            \
        a[j] = d0 - d2; b[j] = d1 + d2; c[j] = d2 - d1; e[j] = d1 - d3;                       \
    }                                                                                         \
    for (j = hi; j < n; j++) a[j] = b[j] = c[j] = e[j] = 0;                                   \
    /* then the same combinations along each row, tile t reading columns 2t .. 2t + 3 */      \
    for (i = 0; i < 4; i++) {                                                                 \
        const double *restrict x = tmp + i * n;                                               \
        T *restrict v0 = v + 4 * i * vs, *restrict v1 = v0 + vs;                              \
        T *restrict v2 = v1 + vs, *restrict v3 = v2 + vs;                                     \
        for (t = 0; t < L; t++) {                                                             \
            double x0 = x[2 * t], x1 = x[2 * t + 1], x2 = x[2 * t + 2], x3 = x[2 * t + 3];    \
            v0[t] = (T)(x0 - x2); v1[t] = (T)(x1 + x2);                                       \
            v2[t] = (T)(x2 - x1); v3[t] = (T)(x1 - x3);                                       \
        }                                                                                     \
    }                                                                                         \
}                                                                                             \
                                                                                              \
static inline void mc_wn_output_##SUF(const T *restrict m, ptrdiff_t ms, ptrdiff_t L,         \
                                      T *restrict o0, T *restrict o1, ptrdiff_t ncols,        \
                                      double bias, double *restrict tmp)                      \
{                                                                                             \
    ptrdiff_t t, j;                                                                           \
    double *restrict y0 = tmp, *restrict y1 = tmp + 2 * L;                                    \
    for (t = 0; t < L; t++) {                                                                 \
        /* rows of A^T M: m0 + m1 + m2, m1 - m2 - m3; then the same along the row */          \
        double s0 = (double)m[t] + m[4 * ms + t] + m[8 * ms + t];                             \
        double s1 = (double)m[ms + t] + m[5 * ms + t] + m[9 * ms + t];                        \
        double s2 = (double)m[2 * ms + t] + m[6 * ms + t] + m[10 * ms + t];                   \
        double s3 = (double)m[3 * ms + t] + m[7 * ms + t] + m[11 * ms + t];                   \
        double u0 = (double)m[4 * ms + t] - m[8 * ms + t] - m[12 * ms + t];                   \
        double u1 = (double)m[5 * ms + t] - m[9 * ms + t] - m[13 * ms + t];                   \
        double u2 = (double)m[6 * ms + t] - m[10 * ms + t] - m[14 * ms + t];                  \
        double u3 = (double)m[7 * ms + t] - m[11 * ms + t] - m[15 * ms + t];                  \
        y0[2 * t] = s0 + s1 + s2 + bias; y0[2 * t + 1] = s1 - s2 - s3 + bias;                 \
        y1[2 * t] = u0 + u1 + u2 + bias; y1[2 * t + 1] = u1 - u2 - u3 + bias;                 \
    }                                                                                         \
    for (j = 0; j < ncols; j++) o0[j] = (T)y0[j];                                             \
    if (o1 != NULL)                                                                           \
        for (j = 0; j < ncols; j++) o1[j] = (T)y1[j];                                         \
}

MC_WN_DEFINE(float, f32)
MC_WN_DEFINE(double, f64)

/* grad_weight's transform of the output gradient: Z = A dY A^T (4x4) of L tiles whose 2x2
 * blocks start at column 2t of rows g0 and g1 (g1 NULL: the row is outside the plane); only
 * the ncols first of those 2L columns are read, the others are 0. In double, rounded once:
 * along each row (p, q) -> (p, p + q, p - q, -q), rows r0, r0 + r1, r0 - r1, -r1.
 * z[xi * zs + t] = Z[xi] of tile t. */
#define MC_WN_DEFINE_GOUT(T, SUF)                                                             \
static inline void mc_wn_gout_##SUF(const T *g0, const T *g1, ptrdiff_t ncols, ptrdiff_t L,   \
                                    T *restrict z, ptrdiff_t zs)                              \
{                                                                                             \
    ptrdiff_t t;                                                                              \
    for (t = 0; t < L; t++) {                                                                 \
        ptrdiff_t j = 2 * t;                                                                  \
        double a = g0[j], b = j + 1 < ncols ? g0[j + 1] : 0.0;                                \
        double c = g1 != NULL ? g1[j] : 0.0;                                                  \
        double d = g1 != NULL && j + 1 < ncols ? g1[j + 1] : 0.0;                             \
        double p[4], q[4];                                                                    \
        int i;                                                                                \
        p[0] = a; q[0] = b;                                                                   \
        p[1] = a + c; q[1] = b + d;                                                           \
        p[2] = a - c; q[2] = b - d;                                                           \
        p[3] = -c; q[3] = -d;                                                                 \
        for (i = 0; i < 4; i++) {                                                             \
            z[(4 * i) * zs + t] = (T)p[i];                                                    \
            z[(4 * i + 1) * zs + t] = (T)(p[i] + q[i]);                                       \
            z[(4 * i + 2) * zs + t] = (T)(p[i] - q[i]);                                       \
            z[(4 * i + 3) * zs + t] = (T)(-q[i]);                                             \
        }                                                                                     \
    }                                                                                         \
}
MC_WN_DEFINE_GOUT(float, f32)
MC_WN_DEFINE_GOUT(double, f64)
#undef MC_WN_DEFINE_GOUT

#undef MC_WN_DEFINE

/* AVX2 variants of the float32 transforms (x86-64 with GCC or Clang; compiled with a target
 * attribute, run where the conv instruction set in use is AVX2 or an AVX-512 one: mc_wn_simd).
 * Four tiles per vector, one tile per lane: the float32 inputs converted to double
 * (_mm256_cvtps_pd, exact), the same additions and subtractions in the same order as the plain
 * C twins above, one conversion back (_mm256_cvtpd_ps rounds to nearest, as the C cast does):
 * the same bits as the twins (tests/kernels/test_winograd_simd.py). The input's columns are
 * de-interleaved in float32 (one permute per 8 columns: even columns to the low half, odd to
 * the high), so tile t + l's column k (< 4) of a row is lane l of one vector. Groups at the
 * plane's edges and the last group of a run (fewer than 4 tiles) load with masks (columns
 * outside the plane read 0 without being accessed) and store their tiles through the stack;
 * the output's last group likewise reads M through the stack. float64 data keeps the plain C transforms (no zoo layer runs in float64).
 * No AVX-512 variant: the transforms move 16 values per tile through memory and convert twice;
 * wider vectors would not shorten that, and no AVX-512 CPU is here to show otherwise. */
#if MC_HAVE_X86_VARIANTS

/* x[k] (k < 4), lane l: p[2l + k] in double (p[0 .. 9] read; with masks, the columns whose
 * mask lane is off read 0 and are not accessed) */
MC_AVX2 static inline void mc_wn_cols4__avx2(const float *p, __m256i idx, __m256d *x)
{
    __m256 a = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p), idx);
    __m256 b = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p + 2), idx);
    x[0] = _mm256_cvtps_pd(_mm256_castps256_ps128(a));
    x[1] = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    x[2] = _mm256_cvtps_pd(_mm256_castps256_ps128(b));
    x[3] = _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1));
}

MC_AVX2 static inline void mc_wn_cols4_masked__avx2(const float *p, __m256i idx, __m256i ma,
                                                    __m256i mb, __m256d *x)
{
    __m256 a = _mm256_permutevar8x32_ps(_mm256_maskload_ps(p, ma), idx);
    __m256 b = _mm256_permutevar8x32_ps(_mm256_maskload_ps(p + 2, mb), idx);
    x[0] = _mm256_cvtps_pd(_mm256_castps256_ps128(a));
    x[1] = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
    x[2] = _mm256_cvtps_pd(_mm256_castps256_ps128(b));
    x[3] = _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1));
}

MC_AVX2 static void mc_wn_input_f32__avx2(const float *r0, const float *r1, const float *r2,
                                          const float *r3, ptrdiff_t W, ptrdiff_t q0,
                                          ptrdiff_t L, float *MC_RESTRICT v, ptrdiff_t vs)
{
    const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const float *rows[4];
    float part[16][4];
    ptrdiff_t t, i, j, k;
    rows[0] = r0; rows[1] = r1; rows[2] = r2; rows[3] = r3;
    for (t = 0; t < L; t += 4) {
        ptrdiff_t c0 = q0 + 2 * t, nt = L - t < 4 ? L - t : 4;
        __m256d d[4][4], e[4][4];
        if (nt == 4 && c0 >= 0 && c0 + 10 <= W) {
            for (i = 0; i < 4; i++) mc_wn_cols4__avx2(rows[i] + c0, idx, d[i]);
        } else {
            /* columns c outside [0, W) read 0 (masked off, never accessed), as do those of no
               tile of the run (j >= 2 nt + 2): lane j of the first load is column c0 + j, of
               the second c0 + 2 + j */
            ptrdiff_t lo = -c0, hi = W - c0 < 2 * nt + 2 ? W - c0 : 2 * nt + 2;  /* j in [lo, hi) */
            __m256i jlo = _mm256_set1_epi32((int)(lo < -2 ? -2 : lo > 11 ? 11 : lo));
            __m256i jhi = _mm256_set1_epi32((int)(hi < -2 ? -2 : hi > 11 ? 11 : hi));
            __m256i lane2 = _mm256_add_epi32(lane, _mm256_set1_epi32(2));
            __m256i ma = _mm256_andnot_si256(_mm256_cmpgt_epi32(jlo, lane),
                                             _mm256_cmpgt_epi32(jhi, lane));
            __m256i mb = _mm256_andnot_si256(_mm256_cmpgt_epi32(jlo, lane2),
                                             _mm256_cmpgt_epi32(jhi, lane2));
            for (i = 0; i < 4; i++) mc_wn_cols4_masked__avx2(rows[i] + c0, idx, ma, mb, d[i]);
        }
        for (k = 0; k < 4; k++) {   /* rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3 */
            e[0][k] = _mm256_sub_pd(d[0][k], d[2][k]);
            e[1][k] = _mm256_add_pd(d[1][k], d[2][k]);
            e[2][k] = _mm256_sub_pd(d[2][k], d[1][k]);
            e[3][k] = _mm256_sub_pd(d[1][k], d[3][k]);
        }
        for (i = 0; i < 4; i++) {   /* then along each row */
            __m128 y0 = _mm256_cvtpd_ps(_mm256_sub_pd(e[i][0], e[i][2]));
            __m128 y1 = _mm256_cvtpd_ps(_mm256_add_pd(e[i][1], e[i][2]));
            __m128 y2 = _mm256_cvtpd_ps(_mm256_sub_pd(e[i][2], e[i][1]));
            __m128 y3 = _mm256_cvtpd_ps(_mm256_sub_pd(e[i][1], e[i][3]));
            if (nt == 4) {
                _mm_storeu_ps(v + (4 * i) * vs + t, y0);
                _mm_storeu_ps(v + (4 * i + 1) * vs + t, y1);
                _mm_storeu_ps(v + (4 * i + 2) * vs + t, y2);
                _mm_storeu_ps(v + (4 * i + 3) * vs + t, y3);
            } else {
                _mm_storeu_ps(part[4 * i], y0);
                _mm_storeu_ps(part[4 * i + 1], y1);
                _mm_storeu_ps(part[4 * i + 2], y2);
                _mm_storeu_ps(part[4 * i + 3], y3);
            }
        }
        if (nt < 4)
            for (k = 0; k < 16; k++)
                for (j = 0; j < nt; j++) v[k * vs + t + j] = part[k][j];
    }
}

MC_AVX2 static void mc_wn_output_f32__avx2(const float *MC_RESTRICT m, ptrdiff_t ms, ptrdiff_t L,
                                           float *MC_RESTRICT o0, float *MC_RESTRICT o1,
                                           ptrdiff_t ncols, double bias)
{
    const __m256d b = _mm256_set1_pd(bias);
    float part[16][4], row[2][8];
    ptrdiff_t t, j, nc;
    int k, xi;
    for (t = 0; t < L; t += 4) {
        ptrdiff_t nt = L - t < 4 ? L - t : 4, ms_ = ms;
        const float *mp = m + t;
        __m256d s[4], u[4], y00, y01, y10, y11;
        __m128 f0, f1;
        if (nt < 4) {   /* M of fewer than 4 tiles: zeros in the other lanes */
            for (xi = 0; xi < 16; xi++)
                for (j = 0; j < 4; j++) part[xi][j] = j < nt ? m[xi * ms + t + j] : 0.0f;
            mp = part[0];
            ms_ = 4;
        }
        for (k = 0; k < 4; k++) {   /* rows of A^T M: m0 + m1 + m2, m1 - m2 - m3 */
            __m256d a0 = _mm256_cvtps_pd(_mm_loadu_ps(mp + k * ms_));
            __m256d a1 = _mm256_cvtps_pd(_mm_loadu_ps(mp + (4 + k) * ms_));
            __m256d a2 = _mm256_cvtps_pd(_mm_loadu_ps(mp + (8 + k) * ms_));
            __m256d a3 = _mm256_cvtps_pd(_mm_loadu_ps(mp + (12 + k) * ms_));
            s[k] = _mm256_add_pd(_mm256_add_pd(a0, a1), a2);
            u[k] = _mm256_sub_pd(_mm256_sub_pd(a1, a2), a3);
        }
        y00 = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(s[0], s[1]), s[2]), b);
        y01 = _mm256_add_pd(_mm256_sub_pd(_mm256_sub_pd(s[1], s[2]), s[3]), b);
        y10 = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(u[0], u[1]), u[2]), b);
        y11 = _mm256_add_pd(_mm256_sub_pd(_mm256_sub_pd(u[1], u[2]), u[3]), b);
        nc = ncols - 2 * t < 8 ? ncols - 2 * t : 8;
        /* outputs 2t .. 2t + 7 of a row: y*0 and y*1 of the 4 tiles interleaved */
        f0 = _mm256_cvtpd_ps(y00);
        f1 = _mm256_cvtpd_ps(y01);
        if (nc == 8) {
            _mm_storeu_ps(o0 + 2 * t, _mm_unpacklo_ps(f0, f1));
            _mm_storeu_ps(o0 + 2 * t + 4, _mm_unpackhi_ps(f0, f1));
        } else {
            _mm_storeu_ps(row[0], _mm_unpacklo_ps(f0, f1));
            _mm_storeu_ps(row[0] + 4, _mm_unpackhi_ps(f0, f1));
            for (j = 0; j < nc; j++) o0[2 * t + j] = row[0][j];
        }
        if (o1 != NULL) {
            f0 = _mm256_cvtpd_ps(y10);
            f1 = _mm256_cvtpd_ps(y11);
            if (nc == 8) {
                _mm_storeu_ps(o1 + 2 * t, _mm_unpacklo_ps(f0, f1));
                _mm_storeu_ps(o1 + 2 * t + 4, _mm_unpackhi_ps(f0, f1));
            } else {
                _mm_storeu_ps(row[1], _mm_unpacklo_ps(f0, f1));
                _mm_storeu_ps(row[1] + 4, _mm_unpackhi_ps(f0, f1));
                for (j = 0; j < nc; j++) o1[2 * t + j] = row[1][j];
            }
        }
    }
}
/* grad_weight's Z = A dY A^T (mc_wn_gout_f32's AVX2 twin): four tiles per vector, the 2x2
 * blocks' columns de-interleaved as in the input transform, the same double additions and
 * subtractions, negation by the sign bit (as the C unary minus: -0.0 stays -0.0), one
 * rounding; groups that reach past ncols or L go to the plain C twin. The same bits. */
MC_AVX2 static void mc_wn_gout_f32__avx2(const float *g0, const float *g1, ptrdiff_t ncols,
                                         ptrdiff_t L, float *MC_RESTRICT z, ptrdiff_t zs)
{
    const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const __m256d sign = _mm256_set1_pd(-0.0);
    ptrdiff_t t = 0;
    int i;
    for (; t + 4 <= L && 2 * t + 8 <= ncols; t += 4) {
        __m256 r0 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(g0 + 2 * t), idx);
        __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(r0));
        __m256d b = _mm256_cvtps_pd(_mm256_extractf128_ps(r0, 1));
        __m256d c = _mm256_setzero_pd(), d = _mm256_setzero_pd(), p[4], q[4];
        if (g1 != NULL) {
            __m256 r1 = _mm256_permutevar8x32_ps(_mm256_loadu_ps(g1 + 2 * t), idx);
            c = _mm256_cvtps_pd(_mm256_castps256_ps128(r1));
            d = _mm256_cvtps_pd(_mm256_extractf128_ps(r1, 1));
        }
        p[0] = a; q[0] = b;
        p[1] = _mm256_add_pd(a, c); q[1] = _mm256_add_pd(b, d);
        p[2] = _mm256_sub_pd(a, c); q[2] = _mm256_sub_pd(b, d);
        p[3] = _mm256_xor_pd(c, sign); q[3] = _mm256_xor_pd(d, sign);
        for (i = 0; i < 4; i++) {
            _mm_storeu_ps(z + (4 * i) * zs + t, _mm256_cvtpd_ps(p[i]));
            _mm_storeu_ps(z + (4 * i + 1) * zs + t, _mm256_cvtpd_ps(_mm256_add_pd(p[i], q[i])));
            _mm_storeu_ps(z + (4 * i + 2) * zs + t, _mm256_cvtpd_ps(_mm256_sub_pd(p[i], q[i])));
            _mm_storeu_ps(z + (4 * i + 3) * zs + t, _mm256_cvtpd_ps(_mm256_xor_pd(q[i], sign)));
        }
    }
    if (t < L)
        mc_wn_gout_f32(g0 + 2 * t, g1 != NULL ? g1 + 2 * t : NULL, ncols - 2 * t, L - t, z + t, zs);
}
#endif


/* 1 if the AVX2 transforms are to run: the conv instruction set in use (mc_uk, conv_set_isa)
 * has AVX2, else 0 (the plain C twins). */
static inline int mc_wn_simd(void)
{
#if MC_HAVE_X86_VARIANTS
    return mc_uk.isa == MC_ISA_AVX2 || mc_uk.isa == MC_ISA_AVX512 || mc_uk.isa == MC_ISA_AVX512_EMU;
#else
    return 0;
#endif
}

/* The float32 transforms of variant simd (mc_wn_simd's answer, taken once per call). */
static inline void mc_wn_input_f32_v(int simd, const float *r0, const float *r1, const float *r2,
                                     const float *r3, ptrdiff_t W, ptrdiff_t q0, ptrdiff_t L,
                                     float *v, ptrdiff_t vs, double *tmp)
{
#if MC_HAVE_X86_VARIANTS
    if (simd) {
        mc_wn_input_f32__avx2(r0, r1, r2, r3, W, q0, L, v, vs);
        return;
    }
#endif
    (void)simd;
    mc_wn_input_f32(r0, r1, r2, r3, W, q0, L, v, vs, tmp);
}

static inline void mc_wn_output_f32_v(int simd, const float *m, ptrdiff_t ms, ptrdiff_t L,
                                      float *o0, float *o1, ptrdiff_t ncols, double bias,
                                      double *tmp)
{
#if MC_HAVE_X86_VARIANTS
    if (simd) {
        mc_wn_output_f32__avx2(m, ms, L, o0, o1, ncols, bias);
        return;
    }
#endif
    (void)simd;
    mc_wn_output_f32(m, ms, L, o0, o1, ncols, bias, tmp);
}

static inline void mc_wn_gout_f32_v(int simd, const float *g0, const float *g1, ptrdiff_t ncols,
                                    ptrdiff_t L, float *z, ptrdiff_t zs)
{
#if MC_HAVE_X86_VARIANTS
    if (simd) {
        mc_wn_gout_f32__avx2(g0, g1, ncols, L, z, zs);
        return;
    }
#endif
    (void)simd;
    mc_wn_gout_f32(g0, g1, ncols, L, z, zs);
}

/* The GEMMs M[xi] = U[xi] @ V[xi]: the packed GEMM of _conv_gemm_ukernel.h (U packed once per
 * call, V's rows read in place), with the channel sums cut into blocks of 64 terms (its
 * micro-kernels as they are) or of 32 (the same micro-kernels instantiated again below with
 * MC_SUM_BLOCK 32), each block one running sum from zero, chained onto M in channel order:
 * the order the BLAS calls of 32 / 64 channels had (_conv_winograd.pxi, _wn_gemm). */
#include "_conv_gemm_ukernel.h"
#pragma push_macro("MC_SUM_BLOCK")
#undef MC_SUM_BLOCK
#define MC_SUM_BLOCK 32
MC_DEFINE_GEMM_UKR(mc_f32_gemm_4x8_b32__scalar, , float, float, 1, 8, 4, MC_S_LOADU, MC_S_SET1,
                   MC_S_FMADD, MC_S_STOREU, MC_S_ADD, 0.0f)
MC_DEFINE_GEMM_UKR(mc_f64_gemm_4x8_b32__scalar, , double, double, 1, 8, 4, MC_S_LOADU, MC_S_SET1,
                   MC_S_FMADD, MC_S_STOREU, MC_S_ADD, 0.0)
#if MC_HAVE_X86_VARIANTS
MC_DEFINE_GEMM_UKR(mc_f32_gemm_6x16_b32__avx2_fma3, MC_AVX2, float, __m256, 8, 2, 6,
                   _mm256_loadu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps,
                   _mm256_add_ps, _mm256_setzero_ps())
MC_DEFINE_GEMM_UKR(mc_f64_gemm_6x8_b32__avx2_fma3, MC_AVX2, double, __m256d, 4, 2, 6,
                   _mm256_loadu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd,
                   _mm256_add_pd, _mm256_setzero_pd())
#define MC_WN_DEFINE_GEMM_W16(ATTR, SUFFIX, VF, VD, OPS)                                          \
    MC_DEFINE_GEMM_UKR(mc_f32_gemm_12x32_b32##SUFFIX, ATTR, float, VF, 16, 2, 12,                 \
                       OPS##_LOADU_F32, OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32,        \
                       OPS##_ADD_F32, OPS##_ZERO_F32)                                             \
    MC_DEFINE_GEMM_UKR(mc_f64_gemm_12x16_b32##SUFFIX, ATTR, double, VD, 8, 2, 12,                 \
                       OPS##_LOADU_F64, OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64,        \
                       OPS##_ADD_F64, OPS##_ZERO_F64)
MC_WN_DEFINE_GEMM_W16(MC_AVX512, __avx512f, mc_f32x16, mc_f64x8, MC_W16)
MC_WN_DEFINE_GEMM_W16(MC_AVX2, __avx512f_emu, mc_f32x16e, mc_f64x8e, MC_W16E)
#undef MC_WN_DEFINE_GEMM_W16
#endif
#if MC_HAVE_NEON_VARIANTS
MC_DEFINE_GEMM_UKR(mc_f32_gemm_6x8_b32__neon, , float, float32x4_t, 4, 2, 6, MC_NEON_LOADU_F32,
                   MC_NEON_SET1_F32, MC_NEON_FMADD_F32, MC_NEON_STOREU_F32, MC_NEON_ADD_F32,
                   MC_NEON_ZERO_F32)
MC_DEFINE_GEMM_UKR(mc_f64_gemm_6x4_b32__neon, , double, float64x2_t, 2, 2, 6, MC_NEON_LOADU_F64,
                   MC_NEON_SET1_F64, MC_NEON_FMADD_F64, MC_NEON_STOREU_F64, MC_NEON_ADD_F64,
                   MC_NEON_ZERO_F64)
#endif
#pragma pop_macro("MC_SUM_BLOCK")

/* The micro-kernels of the conv instruction set in use (mc_uk), with sums in blocks of 32
 * terms (block32) or of 64. */
static mc_gemm_kernels mc_wn_gemm_kernels(int block32)
{
    mc_gemm_kernels g = mc_gemm_kernels_now();
    if (!block32) return g;
    g.f32 = mc_f32_gemm_4x8_b32__scalar;
    g.f64 = mc_f64_gemm_4x8_b32__scalar;
#if MC_HAVE_X86_VARIANTS
    if (g.isa == MC_ISA_AVX2) {
        g.f32 = mc_f32_gemm_6x16_b32__avx2_fma3;
        g.f64 = mc_f64_gemm_6x8_b32__avx2_fma3;
    }
    if (g.isa == MC_ISA_AVX512) {
        g.f32 = mc_f32_gemm_12x32_b32__avx512f;
        g.f64 = mc_f64_gemm_12x16_b32__avx512f;
    }
    if (g.isa == MC_ISA_AVX512_EMU) {
        g.f32 = mc_f32_gemm_12x32_b32__avx512f_emu;
        g.f64 = mc_f64_gemm_12x16_b32__avx512f_emu;
    }
#endif
#if MC_HAVE_NEON_VARIANTS
    if (g.isa == MC_ISA_NEON) {
        g.f32 = mc_f32_gemm_6x8_b32__neon;
        g.f64 = mc_f64_gemm_6x4_b32__neon;
    }
#endif
    return g;
}

#endif
