/* float32 layer normalization over the last D elements of each row, forward and backward, one row
 * at a time (the Cython caller runs rows in parallel and reduces grad_weight / grad_bias over fixed
 * blocks of rows, so the bits do not depend on the thread count).
 *
 * Sums in float64 (mean, the variance by two passes, the backward's two row means), every output
 * computed in float64 and rounded once: at least as close to float64 as PyTorch's float32 kernel.
 * The loops vectorise for the baseline ISA (float64 lanes); no FMA contraction.
 */
#ifndef MINICONV_LAYER_NORM_H
#define MINICONV_LAYER_NORM_H
#include <math.h>
#include <stddef.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* y = (x - mean) * rstd * w + b (w, b may be NULL); mean and rstd of the row returned */
static void mc_ln_forward_row_f32(const float* x, const float* w, const float* b, float* y, size_t D,
                                  double eps, double* mean_out, double* rstd_out)
{
    size_t i;
    double s = 0.0, q = 0.0, mean, rstd;
    for (i = 0; i < D; i++) s += (double)x[i];
    mean = s / (double)D;
    for (i = 0; i < D; i++) {
        double d = (double)x[i] - mean;
        q += d * d;
    }
    rstd = 1.0 / sqrt(q / (double)D + eps);
    if (w && b)
        for (i = 0; i < D; i++) y[i] = (float)(((double)x[i] - mean) * rstd * (double)w[i] + (double)b[i]);
    else if (w)
        for (i = 0; i < D; i++) y[i] = (float)(((double)x[i] - mean) * rstd * (double)w[i]);
    else if (b)
        for (i = 0; i < D; i++) y[i] = (float)(((double)x[i] - mean) * rstd + (double)b[i]);
    else
        for (i = 0; i < D; i++) y[i] = (float)(((double)x[i] - mean) * rstd);
    *mean_out = mean;
    *rstd_out = rstd;
}

/* dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w (g if w is NULL),
 * xhat = (x - mean) * rstd, with the row's saved mean and rstd */
static void mc_ln_backward_row_f32(const float* x, const float* g, const float* w, double mean,
                                   double rstd, float* dx, size_t D)
{
    size_t i;
    double a = 0.0, c = 0.0, ma, mc;
    for (i = 0; i < D; i++) {
        double gw = w ? (double)g[i] * (double)w[i] : (double)g[i];
        a += gw;
        c += gw * (((double)x[i] - mean) * rstd);
    }
    ma = a / (double)D;
    mc = c / (double)D;
    for (i = 0; i < D; i++) {
        double gw = w ? (double)g[i] * (double)w[i] : (double)g[i];
        double xh = ((double)x[i] - mean) * rstd;
        dx[i] = (float)(rstd * (gw - ma - xh * mc));
    }
}

/* dw[i] += sum over the rows r0..r1 of g * xhat, db[i] += sum of g (either may be NULL), in
 * float64 accumulators acc_w / acc_b (D each) */
static void mc_ln_param_rows_f32(const float* x, const float* g, const double* mean, const double* rstd,
                                 size_t r0, size_t r1, size_t D, double* acc_w, double* acc_b)
{
    size_t r, i;
    for (r = r0; r < r1; r++) {
        const float* xr = x + r * D;
        const float* gr = g + r * D;
        double m = mean[r], s = rstd[r];
        if (acc_w)
            for (i = 0; i < D; i++) acc_w[i] += (double)gr[i] * (((double)xr[i] - m) * s);
        if (acc_b)
            for (i = 0; i < D; i++) acc_b[i] += (double)gr[i];
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
