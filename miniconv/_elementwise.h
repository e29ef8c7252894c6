/* Elementwise loops the Cython kernels call per chunk of a prange (_kernels.pyx).
 *
 * Written in C so that `restrict` tells the compiler the 1-byte mask cannot alias the float
 * arrays: the Cython form of the ReLU-with-mask loop could not be vectorised (a char store may
 * alias anything) and ran 5-20x slower than the plain ReLU. `out` may be `x` (in place), so
 * the two float pointers are not restrict-qualified against each other; GCC checks that
 * overlap at run time when it vectorises. Compiled for the baseline ISA (SSE2 on x86-64).
 */
#ifndef MINICONV_ELEMENTWISE_H
#define MINICONV_ELEMENTWISE_H
#include <stddef.h>

/* out[i] = max(x[i], 0) (NaN kept), keep[i] = !(x[i] <= 0) (a NaN passes the gradient) */
#define MC_DEFINE_RELU_MASK(NAME, T)                                                         \
    static void NAME(const T* x, T* out, unsigned char* __restrict__ keep, size_t n)       \
    {                                                                                        \
        size_t i;                                                                            \
        for (i = 0; i < n; i++) {                                                            \
            T v = x[i];                                                                      \
            keep[i] = (unsigned char)!(v <= (T)0);                                           \
            out[i] = v < (T)0 ? (T)0 : v;                                                    \
        }                                                                                    \
    }

MC_DEFINE_RELU_MASK(mc_relu_mask_f32, float)
MC_DEFINE_RELU_MASK(mc_relu_mask_f64, double)

/* out[i] = a[i] + b[i]; `out` may be `a` or `b` (in place), so nothing is restrict-qualified */
#define MC_DEFINE_ADD(NAME, T)                                                               \
    static void NAME(const T* a, const T* b, T* out, size_t n)                               \
    {                                                                                        \
        size_t i;                                                                            \
        for (i = 0; i < n; i++)                                                              \
            out[i] = a[i] + b[i];                                                            \
    }

MC_DEFINE_ADD(mc_add_f32, float)
MC_DEFINE_ADD(mc_add_f64, double)

#endif
