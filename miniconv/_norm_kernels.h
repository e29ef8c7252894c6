/* Per-channel batch-norm coefficients for the fused training kernels (_norm.pxi), in double, with
 * the operations of the NumPy expressions the unfused path evaluates (nn/functional/normalization.py),
 * so both paths give the same bits:
 *
 *     invstd = 1.0 / sqrt(sq_dev_sum / count + eps)
 *     scale  = invstd * weight
 *     shift  = bias - mean * scale
 *
 * Contraction of `bias - mean * scale` into a fused multiply-add is turned off (GCC contracts by
 * default when -march allows FMA; NumPy rounds the product first).
 */
#ifndef MINICONV_NORM_KERNELS_H
#define MINICONV_NORM_KERNELS_H
#include <math.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

static void mc_bn_coefficients(double mean, double sq_dev_sum, double count, double eps, double weight,
                               double bias, double* invstd, double* scale, double* shift)
{
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
    double inv = 1.0 / sqrt(sq_dev_sum / count + eps);
    double sc = inv * weight;
    double prod = mean * sc;
    *invstd = inv;
    *scale = sc;
    *shift = bias - prod;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
