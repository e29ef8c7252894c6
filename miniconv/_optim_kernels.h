/* The fused SGD update (_optim.pxi): one pass over a parameter, its gradient and its momentum
 * buffer, with the arithmetic of the NumPy expressions it replaces (optim/sgd.py), each
 * operation rounded to the data's precision in the same order:
 *
 *     g = -g                          if maximize
 *     g = g + wd * p                  if weight decay
 *     b = g (first step)              if momentum
 *       or b = momentum * b + damp1 * g     (damp1 = 1 - dampening)
 *     g = g + momentum * b  (nesterov) or b
 *     p = p - lr * g
 *
 * Contraction of a * b + c into one fused multiply-add (one rounding instead of two) is turned
 * off here, so the results are the NumPy expressions' bits on every instruction set (GCC
 * contracts by default when -march allows FMA). The four arrays never overlap: `restrict`.
 */
#ifndef MINICONV_OPTIM_KERNELS_H
#define MINICONV_OPTIM_KERNELS_H
#include <stddef.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__clang__)
#define MC_NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define MC_NO_CONTRACT
#endif

#define MC_DEFINE_SGD(NAME, T)                                                                  \
    static void NAME(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ b, size_t n,  \
                     T lr, T wd, T momentum, T damp1, int use_wd, int use_momentum,            \
                     int first, int nesterov, int maximize)                                    \
    {                                                                                           \
        MC_NO_CONTRACT                                                                          \
        size_t i;                                                                               \
        for (i = 0; i < n; i++) {                                                               \
            T gi = maximize ? -g[i] : g[i];                                                     \
            if (use_wd) {                                                                       \
                T d = wd * p[i];                                                                \
                gi = gi + d;                                                                    \
            }                                                                                   \
            if (use_momentum) {                                                                 \
                T bi;                                                                           \
                if (first) {                                                                    \
                    bi = gi;                                                                    \
                } else {                                                                        \
                    T old = momentum * b[i];                                                    \
                    T add = damp1 * gi;                                                         \
                    bi = old + add;                                                             \
                }                                                                               \
                b[i] = bi;                                                                      \
                if (nesterov) {                                                                 \
                    T mb = momentum * bi;                                                       \
                    gi = gi + mb;                                                               \
                } else {                                                                        \
                    gi = bi;                                                                    \
                }                                                                               \
            }                                                                                   \
            T step = lr * gi;                                                                   \
            p[i] = p[i] - step;                                                                 \
        }                                                                                       \
    }

MC_DEFINE_SGD(mc_sgd_f32, float)
MC_DEFINE_SGD(mc_sgd_f64, double)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
