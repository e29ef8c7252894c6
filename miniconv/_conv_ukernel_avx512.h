/* AVX-512F micro-kernels (x86-64 only, per-function target attribute): the 16-lane family of
 * _conv_ukernel_w16.h compiled for AVX-512F, one zmm register per vector. Tile 4 x 48 (float) /
 * 4 x 24 (double). The same family compiled for AVX2 (suffix __avx512f_emu) runs the same tile
 * logic with the same bits on any AVX2 CPU, so the tests exercise it everywhere; only the
 * speed needs an AVX-512 CPU (not measured on the Zen 3 the kernels were written on). */
#ifndef MINICONV_CONV_UKERNEL_AVX512_H
#define MINICONV_CONV_UKERNEL_AVX512_H
#include "_conv_ukernel_w16.h"

#define MC_AVX512 __attribute__((target("avx512f,avx2,fma")))

MC_DEFINE_W16_HSUM(MC_AVX512)
MC_DEFINE_W16_FAMILY(MC_AVX512, __avx512f, mc_f32x16, mc_f64x8, MC_W16)
MC_DEFINE_W16_FAMILY(MC_AVX2, __avx512f_emu, mc_f32x16e, mc_f64x8e, MC_W16E)
#endif
