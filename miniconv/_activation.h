/* float32 activations in one pass: sigmoid, SiLU and GELU (exact and tanh), forward and backward.
 *
 * Why: composed from NumPy passes (np.where over both branches of a stable sigmoid, scipy's scalar
 * erf for GELU) they ran 4-18x PyTorch's time; in a GELU MLP the activation cost more than its
 * matrix products. Each element here is computed in float64 from the float32 input and rounded
 * once, so the results are at least as close to float64 as PyTorch's float32 kernels:
 *   exp     Cody-Waite reduction by ln 2 (fdlibm's split constants), Taylor degree 10 on
 *           |r| <= ln2/2 by Estrin's scheme (relative error < 3e-12), 2^n from the exponent bits; inf above 709.7,
 *           0 below -745, NaN propagates (every branch is a select)
 *           (GELU's: degree 7, 6e-9, below erfc's own error)
 *   erfc    Numerical Recipes' Chebyshev fit erfcc (fractional error < 1.2e-7 for z >= 0;
 *           erfc(-z) = 2 - erfc(z)), which keeps GELU's small negative tail relative-accurate
 *           (PyTorch's erf, 1 - r t exp(-z^2), cancels there)
 *   tanh    1 - 2 / (exp(2u) + 1), +-1 beyond |u| > 20
 * Loops are written so that GCC vectorises them (no calls, selects only: no-trapping-math), for
 * the baseline ISA and for AVX2 (function-level target, chosen by the same switch as the
 * recurrent gate rows: mc_rnn_isa of _rnn_gates.h). No FMA contraction in either variant
 * (-ffp-contract=off below), so both give the same bits.
 */
#ifndef MINICONV_ACTIVATION_H
#define MINICONV_ACTIVATION_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "_rnn_gates.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math", "fp-contract=off")
#endif

/* exp(x); lo: the terms up to r^7 only (error < 6e-9 relative: below erfcc's 1.2e-7, for GELU),
 * else up to r^10 (< 3e-12). lo is a constant at every call, so each caller's loop is branch-free. */
static inline double mc_act_exp_k(double x, const int lo)
{
    const double magic = 6755399441055744.0; /* 1.5 * 2^52: adds round to an integer */
    double xc = x > 709.0 ? 709.0 : (x < -744.0 ? -744.0 : x);
    double n = (xc * 1.4426950408889634 + magic) - magic;
    double r = (xc - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    /* sum of r^k / k!, Estrin's scheme: a short dependency chain, so the vector loop is not
       latency-bound */
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double p01 = 1.0 + r, p23 = 0.5 + r * 1.66666666666666666667e-01;
    double p45 = 4.16666666666666666667e-02 + r * 8.33333333333333333333e-03;
    double p67 = 1.38888888888888888889e-03 + r * 1.98412698412698412698e-04;
    double p89 = 2.48015873015873015873e-05 + r * 2.75573192239858906526e-06;
    double p10 = 2.75573192239858906526e-07;
    double p = lo ? (p01 + r2 * p23) + r4 * (p45 + r2 * p67)
                  : (p01 + r2 * p23) + r4 * (p45 + r2 * p67) + r8 * (p89 + r2 * p10);
    /* 2^n in two halves (n down to -1073 does not fit one exponent); integers from the
       magic-number sums' bits (64-bit adds and shifts only: vectorisable on SSE2 and AVX2) */
    double h1 = (n * 0.5 + magic) - magic, h2 = n - h1;
    double t1 = h1 + magic, t2 = h2 + magic;
    int64_t k1, k2;
    memcpy(&k1, &t1, sizeof k1);
    memcpy(&k2, &t2, sizeof k2);
    uint64_t b1 = (uint64_t)(k1 - (int64_t)0x4338000000000000LL + 1023) << 52;
    uint64_t b2 = (uint64_t)(k2 - (int64_t)0x4338000000000000LL + 1023) << 52;
    double s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    double y = p * s1 * s2;
    y = x > 709.7 ? __builtin_inf() : y;
    return x < -745.0 ? 0.0 : y;
}

static inline double mc_act_exp(double x) { return mc_act_exp_k(x, 0); }
static inline double mc_act_exp_lo(double x) { return mc_act_exp_k(x, 1); }

static inline double mc_act_sigmoid(double x) { return 1.0 / (1.0 + mc_act_exp(-x)); }

static inline double mc_act_tanh(double u)
{
    double au = u < 0.0 ? -u : u;
    double t = 1.0 - 2.0 / (mc_act_exp(2.0 * au) + 1.0);
    t = au > 20.0 ? 1.0 : t;
    return u < 0.0 ? -t : t;
}

/* erfc(z), all z (NaN -> NaN) */
static inline double mc_act_erfc(double x)
{
    double z = x < 0.0 ? -x : x;
    double t = 1.0 / (1.0 + 0.5 * z);
    /* -1.26551223 + t (1.00002368 + t (0.37409196 + ... + t 0.17087277)), by Estrin's scheme */
    double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
    double q01 = -1.26551223 + t * 1.00002368, q23 = 0.37409196 + t * 0.09678418;
    double q45 = -0.18628806 + t * 0.27886807, q67 = -1.13520398 + t * 1.48851587;
    double q89 = -0.82215223 + t * 0.17087277;
    double p = (q01 + t2 * q23) + t4 * (q45 + t2 * q67) + t8 * q89;
    double r = t * mc_act_exp_lo(-z * z + p);
    return x < 0.0 ? 2.0 - r : r;
}

#define MC_ACT_SQRT1_2 0.70710678118654752440
#define MC_ACT_INV_SQRT_2PI 0.39894228040143267794
#define MC_ACT_GELU_BETA 0.79788456080286535588   /* sqrt(2 / pi) */
#define MC_ACT_GELU_KAPPA 0.044715

#define MC_DEFINE_ACTIVATIONS(SUF, ATTR)                                                         \
    ATTR static void mc_sigmoid_f32##SUF(const float* x, float* __restrict__ y, size_t n)       \
    {                                                                                            \
        size_t i;                                                                                \
        for (i = 0; i < n; i++) y[i] = (float)mc_act_sigmoid((double)x[i]);                     \
    }                                                                                            \
    ATTR static void mc_silu_f32##SUF(const float* x, float* __restrict__ y, size_t n)          \
    {                                                                                            \
        size_t i;                                                                                \
        for (i = 0; i < n; i++) {                                                                \
            double v = x[i];                                                                     \
            y[i] = (float)(v * mc_act_sigmoid(v));                                               \
        }                                                                                        \
    }                                                                                            \
    /* dx = g * s * (1 + x * (1 - s)), s = sigmoid(x) */                                        \
    ATTR static void mc_silu_bwd_f32##SUF(const float* g, const float* x, float* __restrict__ dx, \
                                          size_t n)                                              \
    {                                                                                            \
        size_t i;                                                                                \
        for (i = 0; i < n; i++) {                                                                \
            double v = x[i], s = mc_act_sigmoid(v);                                              \
            dx[i] = (float)((double)g[i] * (s * (1.0 + v * (1.0 - s))));                         \
        }                                                                                        \
    }                                                                                            \
    /* exact: x * Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2 */                                    \
    ATTR static void mc_gelu_f32##SUF(const float* x, float* __restrict__ y, size_t n)          \
    {                                                                                            \
        size_t i;                                                                                \
        for (i = 0; i < n; i++) {                                                                \
            double v = x[i];                                                                     \
            y[i] = (float)(v * (0.5 * mc_act_erfc(-v * MC_ACT_SQRT1_2)));                        \
        }                                                                                        \
    }                                                                                            \
    /* dx = g * (Phi(x) + x phi(x)) */                                                         \
    ATTR static void mc_gelu_bwd_f32##SUF(const float* g, const float* x, float* __restrict__ dx, \
                                          size_t n)                                              \
    {                                                                                            \
        size_t i;                                                                                \
        for (i = 0; i < n; i++) {                                                                \
            double v = x[i];                                                                     \
            double cdf = 0.5 * mc_act_erfc(-v * MC_ACT_SQRT1_2);                                 \
            double pdf = MC_ACT_INV_SQRT_2PI * mc_act_exp_lo(-0.5 * v * v);                         \
            dx[i] = (float)((double)g[i] * (cdf + v * pdf));                                     \
        }                                                                                        \
    }                                                                                            \
    /* tanh: x (1 + tanh(beta (x + kappa x^3))) / 2 */                                         \
    ATTR static void mc_gelu_tanh_f32##SUF(const float* x, float* __restrict__ y, size_t n)     \
    {                                                                                            \
        size_t i;                                                                                \
        for (i = 0; i < n; i++) {                                                                \
            double v = x[i];                                                                     \
            double th = mc_act_tanh(MC_ACT_GELU_BETA * (v + MC_ACT_GELU_KAPPA * v * v * v));    \
            y[i] = (float)(0.5 * v * (1.0 + th));                                                \
        }                                                                                        \
    }                                                                                            \
    ATTR static void mc_gelu_tanh_bwd_f32##SUF(const float* g, const float* x,                  \
                                               float* __restrict__ dx, size_t n)                 \
    {                                                                                            \
        size_t i;                                                                                \
        for (i = 0; i < n; i++) {                                                                \
            double v = x[i], v2 = v * v;                                                         \
            double th = mc_act_tanh(MC_ACT_GELU_BETA * (v + MC_ACT_GELU_KAPPA * v2 * v));       \
            double d = 0.5 * (1.0 + th)                                                          \
                       + 0.5 * v * (1.0 - th * th) * MC_ACT_GELU_BETA                            \
                             * (1.0 + 3.0 * MC_ACT_GELU_KAPPA * v2);                             \
            dx[i] = (float)((double)g[i] * d);                                                   \
        }                                                                                        \
    }

MC_DEFINE_ACTIVATIONS(__default, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_ACTIVATIONS(__avx2, MC_RNN_AVX2)
#define MC_ACT_PICK(NAME) (mc_rnn_isa == MC_RNN_ISA_AVX2 ? NAME##__avx2 : NAME##__default)
#else
#define MC_ACT_PICK(NAME) (NAME##__default)
#endif

/* op: 0 sigmoid, 1 silu, 2 gelu, 3 gelu tanh (forward: y = f(x)); backward ops: dx = g f'(x) */
static void mc_act_forward_f32(int op, const float* x, float* y, size_t n)
{
    if (op == 0) MC_ACT_PICK(mc_sigmoid_f32)(x, y, n);
    else if (op == 1) MC_ACT_PICK(mc_silu_f32)(x, y, n);
    else if (op == 2) MC_ACT_PICK(mc_gelu_f32)(x, y, n);
    else MC_ACT_PICK(mc_gelu_tanh_f32)(x, y, n);
}

static void mc_act_backward_f32(int op, const float* g, const float* x, float* dx, size_t n)
{
    if (op == 1) MC_ACT_PICK(mc_silu_bwd_f32)(g, x, dx, n);
    else if (op == 2) MC_ACT_PICK(mc_gelu_bwd_f32)(g, x, dx, n);
    else MC_ACT_PICK(mc_gelu_tanh_bwd_f32)(g, x, dx, n);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
