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

#undef MC_WN_DEFINE

#endif
