/* Run-time choice of the convolution micro-kernels' instruction set.
 *
 * The default build targets baseline x86-64 (or any other architecture); the AVX2+FMA and
 * AVX-512F variants are compiled with per-function target attributes and one of them is
 * chosen once, when the extension is imported, from what the CPU (and the OS, which must
 * save the wider registers) supports: __builtin_cpu_supports. mc_select_isa() forces a
 * variant (for tests and benchmarks; it refuses one the CPU cannot run). The drivers copy
 * mc_uk at the start of each call, so a call runs one variant from start to end.
 * On aarch64 the NEON variant (_conv_ukernel_neon.h; NEON is part of the base ISA there) is
 * compiled in and chosen at import.
 */
#ifndef MINICONV_CONV_UKERNELS_H
#define MINICONV_CONV_UKERNELS_H
#include <stddef.h>
#include "_conv_ukernel_scalar.h"

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define MC_HAVE_X86_VARIANTS 1
#include "_conv_ukernel_avx2.h"
#include "_conv_ukernel_avx512.h"
#else
#define MC_HAVE_X86_VARIANTS 0
#endif

/* NEON (aarch64 with GCC or Clang, Apple Silicon included): part of the base ISA there */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
#define MC_HAVE_NEON_VARIANTS 1
#include "_conv_ukernel_neon.h"
#else
#define MC_HAVE_NEON_VARIANTS 0
#endif

/* MC_ISA_AVX512_EMU: the AVX-512 tile family compiled for AVX2 (_conv_ukernel_w16.h), never
 * chosen by default; tests force it so the 16-lane tile logic runs on AVX2-only CPUs. */
enum { MC_ISA_SCALAR = 0, MC_ISA_AVX2 = 1, MC_ISA_AVX512 = 2, MC_ISA_AVX512_EMU = 3, MC_ISA_NEON = 4,
       MC_N_ISA = 5 };

typedef void (*mc_f32_dconv_fn)(size_t, const float*, const ptrdiff_t*, const float*, const float*,
                                float*, size_t);
typedef void (*mc_f64_dconv_fn)(size_t, const double*, const ptrdiff_t*, const double*, const double*,
                                double*, size_t);
typedef void (*mc_f32_dconv_gw_fn)(size_t, size_t, const float*, size_t, size_t, const float*,
                                   size_t, const ptrdiff_t*, float*, size_t);
typedef void (*mc_f64_dconv_gw_fn)(size_t, size_t, const double*, size_t, size_t, const double*,
                                   size_t, const ptrdiff_t*, double*, size_t);

typedef void (*mc_f32_dconv_gwt_fn)(size_t, size_t, size_t, const float*, size_t, size_t,
                                    const float*, size_t, size_t, const ptrdiff_t*, float*);
typedef void (*mc_f64_dconv_gwt_fn)(size_t, size_t, size_t, const double*, size_t, size_t,
                                    const double*, size_t, size_t, const ptrdiff_t*, double*);

typedef void (*mc_f32_dconv_t_fn)(size_t, const float*, const ptrdiff_t*, const ptrdiff_t*,
                                  const float*, const float*, float*, size_t, size_t, size_t);

typedef void (*mc_f32_dw_fwd_fn)(size_t, const float*, const ptrdiff_t*, const ptrdiff_t*,
                                 const float*, const float*, float*, size_t);
typedef void (*mc_f32_dw_gi_fn)(size_t, const float*, const ptrdiff_t*, const ptrdiff_t*,
                                const float*, float*, size_t);
typedef void (*mc_f32_dw_gw_fn)(size_t, size_t, const float*, const float*, ptrdiff_t, ptrdiff_t,
                                const ptrdiff_t*, float*, size_t);

typedef struct {
    int isa;
    int nr_f32, nr_f64;                  /* positions per forward tile */
    int vw_f32, vw_f64;                  /* vector width: positions per tail tile */
    mc_f32_dconv_fn f32_4, f32_1;        /* 4 or 1 output channels x nr_f32 positions */
    mc_f32_dconv_fn f32_4t, f32_1t;      /* the same x vw_f32 positions (a plane's last tile) */
    mc_f32_dconv_fn f32_4m, f32_1m;      /* the same x 2 vw_f32 positions (a plane's last tile) */
    mc_f64_dconv_fn f64_4, f64_1, f64_4t, f64_1t, f64_4m, f64_1m;
    mc_f32_dconv_gw_fn f32_gw, f32_gw1;  /* 4 or 1 output channels x 3 (channel, tap) pairs */
    mc_f64_dconv_gw_fn f64_gw, f64_gw1;
    int ob_f32, ob_f64;                  /* output channels per dconv_gwt tile */
    mc_f32_dconv_gwt_fn f32_gwt;         /* OB output channels x MC_GWT_NK (channel, tap) pairs */
    mc_f64_dconv_gwt_fn f64_gwt;
    int nr1_f32, nr1_f64;                /* positions per 1-channel (depthwise) tile */
    mc_f32_dconv_fn f32_1w;              /* 1 output channel x nr1_f32 positions (8 vectors) */
    mc_f64_dconv_fn f64_1w;
    int obt_f32;                         /* output channels per dconv_t tile */
    mc_f32_dconv_t_fn f32_t;             /* MC_FWDT_NP positions x obt_f32 output channels
                                            (float32; 16 AVX2, 32 AVX-512, 8 scalar), or NULL:
                                            the wide dconv only */
    /* added after the fields above (MC_UKERNELS leaves them NULL; mc_set_dw fills them):
     * depthwise 3x3 with channels in the lanes, vw_f32 channels per call, float32; NULL: the
     * drivers use the wide 1-channel tiles */
    mc_f32_dw_fwd_fn f32_dwf;
    mc_f32_dw_gi_fn f32_dwgi;
    mc_f32_dw_gw_fn f32_dwgw;
} mc_ukernels;

enum { MC_GWT_NK = 6 };                  /* (channel, tap) pairs per dconv_gwt tile, every ISA */
enum { MC_FWDT_NP = MC_DCONV_T_NP };     /* positions per dconv_t tile, every ISA */

#define MC_UKERNELS(ISA, NR32, NR64, VW32, VW64, T4_32, T1_32, T2_32, T4_64, T1_64, T2_64,   \
                    OB32, OB64, GWT, W32, W64, OBT, FT, SUFFIX)                               \
    {ISA, NR32, NR64, VW32, VW64,                                                             \
     mc_f32_dconv_4x##T4_32##SUFFIX, mc_f32_dconv_1x##T4_32##SUFFIX,                          \
     mc_f32_dconv_4x##T1_32##SUFFIX, mc_f32_dconv_1x##T1_32##SUFFIX,                          \
     mc_f32_dconv_4x##T2_32##SUFFIX, mc_f32_dconv_1x##T2_32##SUFFIX,                          \
     mc_f64_dconv_4x##T4_64##SUFFIX, mc_f64_dconv_1x##T4_64##SUFFIX,                          \
     mc_f64_dconv_4x##T1_64##SUFFIX, mc_f64_dconv_1x##T1_64##SUFFIX,                          \
     mc_f64_dconv_4x##T2_64##SUFFIX, mc_f64_dconv_1x##T2_64##SUFFIX,                          \
     mc_f32_dconv_gw_4x3##SUFFIX, mc_f32_dconv_gw_1x3##SUFFIX,                                \
     mc_f64_dconv_gw_4x3##SUFFIX, mc_f64_dconv_gw_1x3##SUFFIX,                                \
     OB32, OB64, mc_f32_dconv_gwt_##GWT##SUFFIX, mc_f64_dconv_gwt_##GWT##SUFFIX,              \
     W32, W64, mc_f32_dconv_1x##W32##SUFFIX, mc_f64_dconv_1x##W64##SUFFIX,                   \
     OBT, FT}

static mc_ukernels mc_uk = MC_UKERNELS(MC_ISA_SCALAR, 8, 8, 1, 1, 8, 1, 2, 8, 1, 2, 8, 8, 8x6, 8, 8,
                                       8, mc_f32_dconv_t6x8__scalar, __scalar);

/* The depthwise kernels of variant isa (fields after MC_UKERNELS's). */
static void mc_set_dw(mc_ukernels* s, int isa)
{
    s->f32_dwf = mc_f32_dw_fwd__scalar;
    s->f32_dwgi = mc_f32_dw_gi__scalar;
    s->f32_dwgw = mc_f32_dw_gw__scalar;
#if MC_HAVE_X86_VARIANTS
    if (isa == MC_ISA_AVX2) {
        s->f32_dwf = mc_f32_dw_fwd__avx2_fma3;
        s->f32_dwgi = mc_f32_dw_gi__avx2_fma3;
        s->f32_dwgw = mc_f32_dw_gw__avx2_fma3;
    }
    if (isa == MC_ISA_AVX512) {
        s->f32_dwf = mc_f32_dw_fwd__avx512f;
        s->f32_dwgi = mc_f32_dw_gi__avx512f;
        s->f32_dwgw = mc_f32_dw_gw__avx512f;
    }
    if (isa == MC_ISA_AVX512_EMU) {
        s->f32_dwf = mc_f32_dw_fwd__avx512f_emu;
        s->f32_dwgi = mc_f32_dw_gi__avx512f_emu;
        s->f32_dwgw = mc_f32_dw_gw__avx512f_emu;
    }
#else
    (void)isa;
#endif
}

/* 1 if this CPU (and OS) can run the variant, else 0. */
static int mc_cpu_supports(int isa)
{
    if (isa == MC_ISA_SCALAR) return 1;
#if MC_HAVE_X86_VARIANTS
    __builtin_cpu_init();
    if (isa == MC_ISA_AVX2 || isa == MC_ISA_AVX512_EMU)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (isa == MC_ISA_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2")
               && __builtin_cpu_supports("fma");
#endif
#if MC_HAVE_NEON_VARIANTS
    if (isa == MC_ISA_NEON) return 1;
#endif
    return 0;
}

/* Switch to a variant; returns 0, or -1 (and changes nothing) if the CPU cannot run it. */
static int mc_select_isa(int isa)
{
    if (isa < 0 || isa >= MC_N_ISA || !mc_cpu_supports(isa)) return -1;
    if (isa == MC_ISA_SCALAR) {
        mc_ukernels s = MC_UKERNELS(MC_ISA_SCALAR, 8, 8, 1, 1, 8, 1, 2, 8, 1, 2, 8, 8, 8x6, 8, 8,
                                    8, mc_f32_dconv_t6x8__scalar, __scalar);
        mc_set_dw(&s, isa);
        mc_uk = s;
    }
#if MC_HAVE_X86_VARIANTS
    if (isa == MC_ISA_AVX2) {
        mc_ukernels s = MC_UKERNELS(MC_ISA_AVX2, 24, 12, 8, 4, 24, 8, 16, 12, 4, 8, 16, 8, 2x6, 64, 32,
                                    16, mc_f32_dconv_t6x16__avx2_fma3, __avx2_fma3);
        mc_set_dw(&s, isa);
        mc_uk = s;
    }
    if (isa == MC_ISA_AVX512) {
        mc_ukernels s = MC_UKERNELS(MC_ISA_AVX512, 48, 24, 16, 8, 48, 16, 32, 24, 8, 16, 32, 16, 2x6, 128, 64,
                                    32, mc_f32_dconv_t6x32__avx512f, __avx512f);
        mc_set_dw(&s, isa);
        mc_uk = s;
    }
    if (isa == MC_ISA_AVX512_EMU) {
        mc_ukernels s = MC_UKERNELS(MC_ISA_AVX512_EMU, 48, 24, 16, 8, 48, 16, 32, 24, 8, 16, 32, 16, 2x6,
                                    128, 64, 32, mc_f32_dconv_t6x32__avx512f_emu, __avx512f_emu);
        mc_set_dw(&s, isa);
        mc_uk = s;
    }
#endif
#if MC_HAVE_NEON_VARIANTS
    if (isa == MC_ISA_NEON) {
        mc_ukernels s = MC_UKERNELS(MC_ISA_NEON, 20, 10, 4, 2, 20, 4, 8, 10, 2, 4, 16, 8, 4x6, 32, 16,
                                    16, mc_f32_dconv_t6x16__neon, __neon);
        mc_uk = s;
    }
#endif
    return 0;
}

/* dst[p * 16 + l] = src[l * ldsrc + p], l < 8, for the positions p < P - P % 8 (AVX2) or
 * P - P % 4 (NEON) it did (float32 16-channel tiles), returned; 0 if the caller is to copy everything itself. */
static size_t mc_f32_transpose8_to16(const float* src, size_t ldsrc, size_t P, float* dst)
{
#if MC_HAVE_X86_VARIANTS
    if (mc_uk.isa == MC_ISA_AVX2) {
        mc_f32_transpose8_to16__avx2_fma3(src, ldsrc, P, dst);
        return P - P % 8;
    }
#endif
#if MC_HAVE_NEON_VARIANTS
    if (mc_uk.isa == MC_ISA_NEON) return mc_f32_transpose8_to16__neon(src, ldsrc, P, dst);
#endif
    (void)src; (void)ldsrc; (void)dst;
    return 0;
}

/* dst[p * 16 + l] = src[l * ldsrc + p] for l < nch (<= 16) and p < P: channel planes into a
 * 16-channel position-major block (the depthwise buffers). 8 x 8 blocks through AVX2
 * registers wherever the variant in use runs AVX2 code (data movement only: no bits change). */
static void mc_f32_planes_to_lanes16(int isa, const float* src, size_t ldsrc, size_t nch, size_t P,
                                     float* dst)
{
    size_t l0 = 0, l, p, done;
    for (; l0 < nch; l0 += 8) {
        size_t n = nch - l0 < 8 ? nch - l0 : 8;
        done = 0;
#if MC_HAVE_X86_VARIANTS
        if (isa != MC_ISA_SCALAR && n == 8) {
            mc_f32_transpose8_to16__avx2_fma3(src + l0 * ldsrc, ldsrc, P, dst + l0);
            done = P - P % 8;
        }
#else
        (void)isa;
#endif
        for (l = l0; l < l0 + n; l++)
            for (p = done; p < P; p++) dst[p * 16 + l] = src[l * ldsrc + p];
    }
}

/* dst[l * lddst + p] = src[p * 16 + l] for l < nch (<= 16) and p < P: the inverse. */
static void mc_f32_lanes16_to_planes(int isa, const float* src, size_t nch, size_t P, float* dst,
                                     size_t lddst)
{
    size_t l0 = 0, l, p, done;
    for (; l0 < nch; l0 += 8) {
        size_t n = nch - l0 < 8 ? nch - l0 : 8;
        done = 0;
#if MC_HAVE_X86_VARIANTS
        if (isa != MC_ISA_SCALAR && n == 8) {
            mc_f32_transpose16_to8__avx2_fma3(src + l0, P, dst + l0 * lddst, lddst);
            done = P - P % 8;
        }
#else
        (void)isa;
#endif
        for (l = l0; l < l0 + n; l++)
            for (p = done; p < P; p++) dst[l * lddst + p] = src[p * 16 + l];
    }
}

/* The widest variant this CPU runs natively (never the emulated one). */
static int mc_best_isa(void)
{
    int isa;
    if (mc_cpu_supports(MC_ISA_NEON)) return MC_ISA_NEON;
    for (isa = MC_ISA_AVX512; isa > MC_ISA_SCALAR; isa--)
        if (mc_cpu_supports(isa)) return isa;
    return MC_ISA_SCALAR;
}
#endif
