/* Packed GEMM for the gemm conv algorithm (_conv_gemm.pxi), written once as macros and
 * instantiated per data type and instruction set, the micro-kernel tile in the name:
 *
 *   C (M x N, row-major, ldc) = A (M x K) @ B (K x N)          accumulate = 0
 *   C                         = C + A @ B                     accumulate = 1
 *
 * A and B are read through a row stride and a column stride each (rsa, csa, rsb, csb), so a
 * transposed operand is just other strides. The loops are BLIS's five around the micro-kernel:
 * N in blocks of MC_GEMM_NC columns, K in blocks of MC_GEMM_KC terms (B's block packed into
 * panels of NR columns, k-major), M in blocks of MC_GEMM_MC rows (A's block packed into panels
 * of MR rows, k-major), then every NR-column panel (kept in L1) against every MR-row panel
 * (streamed from L2). Edge panels are zero-padded; an edge tile is computed into a stack tile
 * and its valid part copied out.
 *
 * gemm MRxNR: the micro-kernel, MR x NR accumulators (NR = NV vectors of VW lanes) in
 * registers; per term NV loads of B and MR broadcasts of A (XNNPACK's "broadcast" GEMM).
 *
 * Sums (the same for every tile shape and instruction set, any thread count): each element is
 * a chain of block sums. The K terms are cut into blocks of MC_SUM_BLOCK (64; MC_GEMM_KC is a
 * multiple of it, so the blocks do not depend on the K blocking), each block summed from zero
 * in one running FMA sum in k order, in registers; the block is then added to C:
 *   C = ((b_0 + b_1) + b_2) + ...          accumulate = 0
 *   C = (((C + b_0) + b_1) + b_2) + ...    accumulate = 1
 * This is the order the gemm algorithm had with one BLAS call per block of 64 terms (beta = 1
 * after the first), without re-packing per call and with the blocks kept in registers: a
 * running sum of 64 float32 terms is as close to float64 as PyTorch's (docs/performance.md,
 * tests/conv/test_conv_precision.py). The scalar twin (__scalar) adds the same terms in the
 * same order, without FMA on baseline x86-64 (two roundings per term).
 *
 * Tiles: AVX2 6 x 16 float / 6 x 8 double (12 ymm accumulators, 2 loads, 1 broadcast of 16
 * registers); AVX-512 12 x 32 / 12 x 16 (24 zmm accumulators; the same family compiled for
 * AVX2, __avx512f_emu, runs the tile logic on AVX2 CPUs for the tests); NEON 6 x 8 / 6 x 4;
 * scalar 4 x 8. Measured: docs/performance.md, "A packed GEMM for the gemm algorithm".
 */
#ifndef MINICONV_CONV_GEMM_UKERNEL_H
#define MINICONV_CONV_GEMM_UKERNEL_H
#include <stddef.h>
#include <string.h>
#include "_conv_ukernels.h"

#ifndef MC_GEMM_KC
#define MC_GEMM_KC 256
#endif
#ifndef MC_GEMM_MC
#define MC_GEMM_MC 96
#endif
#ifndef MC_GEMM_NC
#define MC_GEMM_NC 1024
#endif
#define MC_GEMM_MAX_TILE (12 * 32)
#ifndef MC_GEMM_A_BYTES
#define MC_GEMM_A_BYTES (96 * 1024)
#endif
/* experiment switches (run time): bytes of packed A per block, columns per block of mc_gemm_nb */
static size_t mc_gemm_a_bytes = MC_GEMM_A_BYTES;
static size_t mc_gemm_nb_nc = MC_GEMM_NC;
static size_t mc_gemm_nc = MC_GEMM_NC;
static int mc_gemm_nb_order = 1;   /* mc_gemm_nb's tile order (experiment switch) */
static size_t mc_gemm_nb_b_bytes = 128 * 1024;   /* mc_gemm_nb's B block (experiment switch) */
static int mc_gemm_direct_b = 1;   /* mc_gemm reads contiguous B panels in place (switch) */
static int mc_gemm_gi_pack_b = 1;   /* ... except in the gemm grad_input (switch) */
static int mc_gemm_order = 0;   /* mc_gemm's default tile order (experiment switch) */
static int mc_gemm_gw_order = 1;   /* its order in the grad_weight GEMMs (experiment switch) */
static size_t mc_gemm_b_bytes = 128 * 1024;   /* mc_gemm's B block in order 1 (experiment switch) */
#ifndef MC_GEMM_DIRECT_B
#define MC_GEMM_DIRECT_B 1
#endif

#define MC_DEFINE_GEMM_UKR(NAME, ATTR, T, V, VW, NV, MR, LOADU, SET1, FMADD, STOREU, ADD, ZERO) \
    ATTR static void NAME(size_t kc, const T* MC_RESTRICT a, const T* MC_RESTRICT b,           \
                          size_t ldb, T* MC_RESTRICT c, size_t ldc, int first,                 \
                          const T* MC_RESTRICT bias)                                           \
    {                                                                                          \
        V acc[MR * NV];                                                                        \
        size_t k0, k1, k;                                                                      \
        int m, v;                                                                              \
        for (k0 = 0; k0 < kc; k0 = k1) {                                                       \
            k1 = kc - k0 > MC_SUM_BLOCK ? k0 + MC_SUM_BLOCK : kc;                              \
            const int addb = bias != NULL && k1 == kc;                                         \
            for (m = 0; m < MR * NV; m++) acc[m] = ZERO;                                       \
            for (k = k0; k < k1; k++) {                                                        \
                V bv[NV];                                                                      \
                for (v = 0; v < NV; v++) bv[v] = LOADU(b + v * VW);                            \
                for (m = 0; m < MR; m++) {                                                     \
                    V av = SET1(a[m]);                                                         \
                    for (v = 0; v < NV; v++)                                                   \
                        acc[m * NV + v] = FMADD(av, bv[v], acc[m * NV + v]);                   \
                }                                                                              \
                a += MR;                                                                       \
                b += ldb;                                                                      \
            }                                                                                  \
            if (first && k0 == 0) {                                                            \
                if (addb)                                                                      \
                    for (m = 0; m < MR; m++)                                                   \
                        for (v = 0; v < NV; v++)                                               \
                            STOREU(c + m * ldc + v * VW, ADD(acc[m * NV + v], SET1(bias[m]))); \
                else                                                                           \
                    for (m = 0; m < MR; m++)                                                   \
                        for (v = 0; v < NV; v++) STOREU(c + m * ldc + v * VW, acc[m * NV + v]); \
            } else {                                                                           \
                for (m = 0; m < MR; m++)                                                       \
                    for (v = 0; v < NV; v++) {                                                 \
                        V t = ADD(LOADU(c + m * ldc + v * VW), acc[m * NV + v]);               \
                        if (addb) t = ADD(t, SET1(bias[m]));                                   \
                        STOREU(c + m * ldc + v * VW, t);                                       \
                    }                                                                          \
            }                                                                                  \
        }                                                                                      \
    }

/* (kc, a panel, b panel, ldb, c, ldc, first, bias: added to row m's finished sums, or NULL) */
typedef void (*mc_f32_gemm_ukr_fn)(size_t, const float*, const float*, size_t, float*, size_t, int,
                                   const float*);
typedef void (*mc_f64_gemm_ukr_fn)(size_t, const double*, const double*, size_t, double*, size_t,
                                   int, const double*);

typedef struct {
    int isa;
    int mr_f32, nr_f32;
    mc_f32_gemm_ukr_fn f32;
    int mr_f64, nr_f64;
    mc_f64_gemm_ukr_fn f64;
    int order;   /* mc_gemm's tile order within a block: 0 down the rows under one column panel,
                  * 1 along the column panels for one row panel (set by the caller; same bits) */
    int pack_b;  /* 1: mc_gemm packs B panels whose rows are contiguous too (set by the caller) */
} mc_gemm_kernels;

/* scalar twin: 4 x 8 ("vectors" of one lane) */
MC_DEFINE_GEMM_UKR(mc_f32_gemm_4x8__scalar, , float, float, 1, 8, 4, MC_S_LOADU, MC_S_SET1,
                   MC_S_FMADD, MC_S_STOREU, MC_S_ADD, 0.0f)
MC_DEFINE_GEMM_UKR(mc_f64_gemm_4x8__scalar, , double, double, 1, 8, 4, MC_S_LOADU, MC_S_SET1,
                   MC_S_FMADD, MC_S_STOREU, MC_S_ADD, 0.0)

#if MC_HAVE_X86_VARIANTS
MC_DEFINE_GEMM_UKR(mc_f32_gemm_6x16__avx2_fma3, MC_AVX2, float, __m256, 8, 2, 6, _mm256_loadu_ps,
                   _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps, _mm256_add_ps,
                   _mm256_setzero_ps())
MC_DEFINE_GEMM_UKR(mc_f64_gemm_6x8__avx2_fma3, MC_AVX2, double, __m256d, 4, 2, 6, _mm256_loadu_pd,
                   _mm256_set1_pd, _mm256_fmadd_pd, _mm256_storeu_pd, _mm256_add_pd,
                   _mm256_setzero_pd())
#define MC_DEFINE_GEMM_W16(ATTR, SUFFIX, VF, VD, OPS)                                            \
    MC_DEFINE_GEMM_UKR(mc_f32_gemm_12x32##SUFFIX, ATTR, float, VF, 16, 2, 12, OPS##_LOADU_F32,   \
                       OPS##_SET1_F32, OPS##_FMADD_F32, OPS##_STOREU_F32, OPS##_ADD_F32,         \
                       OPS##_ZERO_F32)                                                           \
    MC_DEFINE_GEMM_UKR(mc_f64_gemm_12x16##SUFFIX, ATTR, double, VD, 8, 2, 12, OPS##_LOADU_F64,   \
                       OPS##_SET1_F64, OPS##_FMADD_F64, OPS##_STOREU_F64, OPS##_ADD_F64,         \
                       OPS##_ZERO_F64)
MC_DEFINE_GEMM_W16(MC_AVX512, __avx512f, mc_f32x16, mc_f64x8, MC_W16)
MC_DEFINE_GEMM_W16(MC_AVX2, __avx512f_emu, mc_f32x16e, mc_f64x8e, MC_W16E)
#endif

#if MC_HAVE_NEON_VARIANTS
MC_DEFINE_GEMM_UKR(mc_f32_gemm_6x8__neon, , float, float32x4_t, 4, 2, 6, MC_NEON_LOADU_F32,
                   MC_NEON_SET1_F32, MC_NEON_FMADD_F32, MC_NEON_STOREU_F32, MC_NEON_ADD_F32,
                   MC_NEON_ZERO_F32)
MC_DEFINE_GEMM_UKR(mc_f64_gemm_6x4__neon, , double, float64x2_t, 2, 2, 6, MC_NEON_LOADU_F64,
                   MC_NEON_SET1_F64, MC_NEON_FMADD_F64, MC_NEON_STOREU_F64, MC_NEON_ADD_F64,
                   MC_NEON_ZERO_F64)
#endif

/* The micro-kernels of variant isa (MC_ISA_*; the scalar twin for one not compiled in). */
static mc_gemm_kernels mc_gemm_kernels_for(int isa)
{
    mc_gemm_kernels g = {MC_ISA_SCALAR, 4, 8, mc_f32_gemm_4x8__scalar, 4, 8, mc_f64_gemm_4x8__scalar};
#if MC_HAVE_X86_VARIANTS
    if (isa == MC_ISA_AVX2) {
        mc_gemm_kernels s = {isa, 6, 16, mc_f32_gemm_6x16__avx2_fma3, 6, 8, mc_f64_gemm_6x8__avx2_fma3};
        g = s;
    }
    if (isa == MC_ISA_AVX512) {
        mc_gemm_kernels s = {isa, 12, 32, mc_f32_gemm_12x32__avx512f, 12, 16, mc_f64_gemm_12x16__avx512f};
        g = s;
    }
    if (isa == MC_ISA_AVX512_EMU) {
        mc_gemm_kernels s = {isa, 12, 32, mc_f32_gemm_12x32__avx512f_emu, 12, 16,
                             mc_f64_gemm_12x16__avx512f_emu};
        g = s;
    }
#endif
#if MC_HAVE_NEON_VARIANTS
    if (isa == MC_ISA_NEON) {
        mc_gemm_kernels s = {isa, 6, 8, mc_f32_gemm_6x8__neon, 6, 4, mc_f64_gemm_6x4__neon};
        g = s;
    }
#endif
    g.order = mc_gemm_order;
    g.pack_b = 0;
    return g;
}

/* g for the grad_weight GEMMs (gemm and Winograd): their tile order (mc_gemm_gw_order). */
static inline mc_gemm_kernels mc_gemm_kernels_gw(mc_gemm_kernels g)
{
    g.order = mc_gemm_gw_order;
    return g;
}

/* g for the gemm algorithm's grad_input GEMMs: grad_out's rows packed (mc_gemm_gi_pack_b). */
static inline mc_gemm_kernels mc_gemm_kernels_gi(mc_gemm_kernels g)
{
    g.pack_b = mc_gemm_gi_pack_b;
    return g;
}

/* The micro-kernels of the variant the conv kernels use now (mc_uk). */
static mc_gemm_kernels mc_gemm_kernels_now(void) { return mc_gemm_kernels_for(mc_uk.isa); }

/* Elements of work space mc_gemm_f32 / mc_gemm_f64 need (packed panels and an edge tile). */
static size_t mc_gemm_work_elems(void)
{
    return (size_t)MC_GEMM_KC * MC_GEMM_NC + (size_t)MC_GEMM_MC * MC_GEMM_KC + MC_GEMM_MAX_TILE;
}

/* dst[k * ld + i] = src[i * rs + k] for i < ni, k < kc: the packing of an operand whose terms
 * (k) are contiguous. 4 x 4 blocks through SSE registers on x86 (the baseline ISA: data movement
 * only, no bits change), then 2 x 4 blocks, the rest one element at a time (measured: a 6-row
 * panel, 256 terms, 1.57x faster than with its last two rows one element at a time). */
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define MC_GEMM_SSE_TRANSPOSE 1
#else
#define MC_GEMM_SSE_TRANSPOSE 0
#endif
static void mc_gemm_transpose4_f32(const float* src, ptrdiff_t rs, size_t ni, size_t kc, float* dst,
                                   size_t ld)
{
    size_t i0 = 0, i, k;
#if MC_GEMM_SSE_TRANSPOSE
    for (; i0 + 4 <= ni; i0 += 4) {
        const float* s0 = src + (ptrdiff_t)i0 * rs;
        for (k = 0; k + 4 <= kc; k += 4) {
            __m128 r0 = _mm_loadu_ps(s0 + k), r1 = _mm_loadu_ps(s0 + rs + k);
            __m128 r2 = _mm_loadu_ps(s0 + 2 * rs + k), r3 = _mm_loadu_ps(s0 + 3 * rs + k);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            _mm_storeu_ps(dst + k * ld + i0, r0);
            _mm_storeu_ps(dst + (k + 1) * ld + i0, r1);
            _mm_storeu_ps(dst + (k + 2) * ld + i0, r2);
            _mm_storeu_ps(dst + (k + 3) * ld + i0, r3);
        }
        for (; k < kc; k++)
            for (i = i0; i < i0 + 4; i++) dst[k * ld + i] = src[(ptrdiff_t)i * rs + k];
    }
    /* two rows left (the AVX2 tile's 6 = 4 + 2): pairs interleaved, 8 bytes per term */
    for (; i0 + 2 <= ni; i0 += 2) {
        const float* s0 = src + (ptrdiff_t)i0 * rs;
        for (k = 0; k + 4 <= kc; k += 4) {
            __m128 r0 = _mm_loadu_ps(s0 + k), r1 = _mm_loadu_ps(s0 + rs + k);
            __m128 lo = _mm_unpacklo_ps(r0, r1), hi = _mm_unpackhi_ps(r0, r1);
            _mm_storel_pi((__m64*)(dst + k * ld + i0), lo);
            _mm_storeh_pi((__m64*)(dst + (k + 1) * ld + i0), lo);
            _mm_storel_pi((__m64*)(dst + (k + 2) * ld + i0), hi);
            _mm_storeh_pi((__m64*)(dst + (k + 3) * ld + i0), hi);
        }
        for (; k < kc; k++)
            for (i = i0; i < i0 + 2; i++) dst[k * ld + i] = src[(ptrdiff_t)i * rs + k];
    }
#endif
    for (i = i0; i < ni; i++)
        for (k = 0; k < kc; k++) dst[k * ld + i] = src[(ptrdiff_t)i * rs + k];
}

/* The same with 8 x 8 blocks through AVX2 registers first (the B panels of 16 rows: 1.47x
 * faster than 4 x 4 blocks in a C harness), run where the GEMM's instruction set has AVX2. */
#if MC_HAVE_X86_VARIANTS
MC_AVX2 static void mc_gemm_transpose8_f32__avx2(const float* src, ptrdiff_t rs, size_t ni,
                                                 size_t kc, float* dst, size_t ld)
{
    size_t i0 = 0, k;
    for (; i0 + 8 <= ni; i0 += 8) {
        const float* s = src + (ptrdiff_t)i0 * rs;
        for (k = 0; k + 8 <= kc; k += 8) {
            __m256 r0 = _mm256_loadu_ps(s + k), r1 = _mm256_loadu_ps(s + rs + k);
            __m256 r2 = _mm256_loadu_ps(s + 2 * rs + k), r3 = _mm256_loadu_ps(s + 3 * rs + k);
            __m256 r4 = _mm256_loadu_ps(s + 4 * rs + k), r5 = _mm256_loadu_ps(s + 5 * rs + k);
            __m256 r6 = _mm256_loadu_ps(s + 6 * rs + k), r7 = _mm256_loadu_ps(s + 7 * rs + k);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
            __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
            __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
            __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
            __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
            __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
            __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            _mm256_storeu_ps(dst + (k + 0) * ld + i0, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(dst + (k + 1) * ld + i0, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(dst + (k + 2) * ld + i0, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(dst + (k + 3) * ld + i0, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(dst + (k + 4) * ld + i0, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(dst + (k + 5) * ld + i0, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(dst + (k + 6) * ld + i0, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(dst + (k + 7) * ld + i0, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        if (k < kc) mc_gemm_transpose4_f32(s + k, rs, 8, kc - k, dst + k * ld + i0, ld);
    }
    if (i0 < ni) mc_gemm_transpose4_f32(src + (ptrdiff_t)i0 * rs, rs, ni - i0, kc, dst + i0, ld);
}
#endif

/* wide: the GEMM's instruction set has AVX2 (mc_gemm_wide_transpose) */
static void mc_gemm_transpose_f32(int wide, const float* src, ptrdiff_t rs, size_t ni, size_t kc,
                                  float* dst, size_t ld)
{
#if MC_HAVE_X86_VARIANTS
    if (wide) {
        mc_gemm_transpose8_f32__avx2(src, rs, ni, kc, dst, ld);
        return;
    }
#endif
    (void)wide;
    mc_gemm_transpose4_f32(src, rs, ni, kc, dst, ld);
}

static int mc_gemm_wide_transpose(const mc_gemm_kernels* g)
{
#if MC_HAVE_X86_VARIANTS
    return g->isa == MC_ISA_AVX2 || g->isa == MC_ISA_AVX512 || g->isa == MC_ISA_AVX512_EMU;
#else
    (void)g;
    return 0;
#endif
}

static void mc_gemm_transpose_f64(int wide, const double* src, ptrdiff_t rs, size_t ni, size_t kc,
                                  double* dst, size_t ld)
{
    size_t i, k;
    for (i = 0; i < ni; i++)
        for (k = 0; k < kc; k++) dst[k * ld + i] = src[(ptrdiff_t)i * rs + k];
    (void)wide;
}

#define MC_DEFINE_GEMM_DRIVER(T, SUF)                                                           \
    /* ap[p * kc * mr + k * mr + i] = A[p * mr + i, k] (i < mr, 0 beyond mc) */                 \
    static void mc_gemm_pack_a_##SUF(int wide, size_t mr, size_t mc, size_t kc, const T* A,     \
                                     ptrdiff_t rsa, ptrdiff_t csa, T* ap)                                      \
    {                                                                                           \
        size_t i0, i, k;                                                                        \
        for (i0 = 0; i0 < mc; i0 += mr) {                                                       \
            size_t mi = mc - i0 < mr ? mc - i0 : mr;                                            \
            T* d = ap + i0 * kc;                                                                \
            if (csa == 1) {                                                                     \
                mc_gemm_transpose_##SUF(wide, A + (ptrdiff_t)i0 * rsa, rsa, mi, kc, d, mr);           \
            } else {                                                                            \
                for (k = 0; k < kc; k++) {                                                      \
                    const T* s = A + (ptrdiff_t)k * csa + (ptrdiff_t)i0 * rsa;                  \
                    for (i = 0; i < mi; i++) d[k * mr + i] = s[(ptrdiff_t)i * rsa];             \
                }                                                                               \
            }                                                                                   \
            for (i = mi; i < mr; i++)                                                           \
                for (k = 0; k < kc; k++) d[k * mr + i] = 0;                                     \
        }                                                                                       \
    }                                                                                           \
    /* bp[p * kc * nr + k * nr + j] = B[k, p * nr + j] (j < nr, 0 beyond nc) */                 \
    static void mc_gemm_pack_b_##SUF(int wide, size_t nr, size_t nc, size_t kc, const T* B,     \
                                     ptrdiff_t rsb, ptrdiff_t csb, T* bp)                                      \
    {                                                                                           \
        size_t j0, j, k;                                                                        \
        for (j0 = 0; j0 < nc; j0 += nr) {                                                       \
            size_t nj = nc - j0 < nr ? nc - j0 : nr;                                            \
            T* d = bp + j0 * kc;                                                                \
            if (csb == 1) {                                                                     \
                for (k = 0; k < kc; k++) {                                                      \
                    const T* s = B + (ptrdiff_t)k * rsb + j0;                                   \
                    for (j = 0; j < nj; j++) d[k * nr + j] = s[j];                              \
                    for (j = nj; j < nr; j++) d[k * nr + j] = 0;                                \
                }                                                                               \
            } else if (rsb == 1) {                                                              \
                mc_gemm_transpose_##SUF(wide, B + (ptrdiff_t)j0 * csb, csb, nj, kc, d, nr);           \
                for (k = 0; k < kc; k++)                                                        \
                    for (j = nj; j < nr; j++) d[k * nr + j] = 0;                                \
            } else {                                                                            \
                for (j = 0; j < nj; j++) {                                                      \
                    const T* s = B + (ptrdiff_t)(j0 + j) * csb;                                 \
                    for (k = 0; k < kc; k++) d[k * nr + j] = s[(ptrdiff_t)k * rsb];             \
                }                                                                               \
                for (k = 0; k < kc; k++)                                                        \
                    for (j = nj; j < nr; j++) d[k * nr + j] = 0;                                \
            }                                                                                   \
        }                                                                                       \
    }                                                                                           \
    /* apk[pc * Mp + p * kc * mr + k * mr + i] = A[p * mr + i, pc + k]: all of A packed for */  \
    /* mc_gemm (Mp = M rounded up to mr; mc_gemm_packed_a_elems_* elements) */                 \
    static size_t mc_gemm_packed_a_elems_##SUF(const mc_gemm_kernels* g, size_t M, size_t K)    \
    {                                                                                           \
        size_t mr = (size_t)g->mr_##SUF;                                                        \
        return (M + mr - 1) / mr * mr * K;                                                      \
    }                                                                                           \
    /* rows [r0, r1) of that layout only (r0 a multiple of mr, r1 one or M): slices of the */  \
    /* rows packed by several threads */                                                        \
    static void mc_gemm_pack_a_rows_##SUF(const mc_gemm_kernels* g, size_t M, size_t K,         \
                                          size_t r0, size_t r1, const T* A, ptrdiff_t rsa,      \
                                          ptrdiff_t csa, T* apk)                                \
    {                                                                                           \
        size_t mr = (size_t)g->mr_##SUF, Mp = (M + mr - 1) / mr * mr, pc, kc;                   \
        if (r1 > M) r1 = M;                                                                     \
        if (r0 >= r1) return;                                                                   \
        for (pc = 0; pc < K; pc += MC_GEMM_KC) {                                                \
            kc = K - pc < MC_GEMM_KC ? K - pc : MC_GEMM_KC;                                     \
            mc_gemm_pack_a_##SUF(mc_gemm_wide_transpose(g), mr, r1 - r0, kc,                       \
                                 A + (ptrdiff_t)r0 * rsa + (ptrdiff_t)pc * csa,                  \
                                 rsa, csa, apk + pc * Mp + r0 * kc);                            \
        }                                                                                       \
    }                                                                                           \
    static void mc_gemm_pack_a_full_##SUF(const mc_gemm_kernels* g, size_t M, size_t K,         \
                                          const T* A, ptrdiff_t rsa, ptrdiff_t csa, T* apk)     \
    {                                                                                           \
        mc_gemm_pack_a_rows_##SUF(g, M, K, 0, M, A, rsa, csa, apk);                              \
    }                                                                                           \
    /* C (M x N, ldc) = (accumulate ? C : 0) + A @ B in chained blocks (see the top); A read */ \
    /* from apk if not NULL (mc_gemm_pack_a_full_*), else packed here; work: */                \
    /* mc_gemm_work_elems() elements. M, N, K >= 1. */                                          \
    static void mc_gemm_##SUF(const mc_gemm_kernels* g, size_t M, size_t N, size_t K,           \
                              const T* A, ptrdiff_t rsa, ptrdiff_t csa, const T* apk,           \
                              const T* B, ptrdiff_t rsb, ptrdiff_t csb, T* C, size_t ldc,       \
                              int accumulate, T* work)                                          \
    {                                                                                           \
        const size_t mr = (size_t)g->mr_##SUF, nr = (size_t)g->nr_##SUF;                        \
        const size_t Mp = (M + mr - 1) / mr * mr;                                               \
        const int direct_b = MC_GEMM_DIRECT_B && mc_gemm_direct_b && !g->pack_b && csb == 1 && rsb > 0; \
        const int wide = mc_gemm_wide_transpose(g);                                             \
        const T* ablk;                                                                          \
        T* bp = work;                                                                           \
        T* ap = work + (size_t)MC_GEMM_KC * MC_GEMM_NC;                                         \
        T* tile = ap + (size_t)MC_GEMM_MC * MC_GEMM_KC;                                         \
        size_t jc, pc, ic, jr, ir, nc, kc, mc, i, j, t;                                         \
        /* columns per block: at most mc_gemm_nc; in order 1 a B block (kc x ncb) of about      \
         * mc_gemm_b_bytes, read from L2 once per row panel */                                  \
        size_t ncb = mc_gemm_nc;                                                                \
        if (g->order) {                                                                         \
            ncb = mc_gemm_b_bytes / ((K < MC_GEMM_KC ? K : MC_GEMM_KC) * sizeof(T)) / nr * nr;  \
            if (ncb < nr) ncb = nr;                                                             \
            if (ncb > mc_gemm_nc) ncb = mc_gemm_nc;                                             \
        }                                                                                       \
        for (jc = 0; jc < N; jc += ncb) {                                                       \
            nc = N - jc < ncb ? N - jc : ncb;                                                   \
            for (pc = 0; pc < K; pc += MC_GEMM_KC) {                                            \
                int first = !accumulate && pc == 0;                                             \
                kc = K - pc < MC_GEMM_KC ? K - pc : MC_GEMM_KC;                                 \
                /* rows of A per block: MC_GEMM_MC packed here; A packed ahead: as many as */   \
                /* fit MC_GEMM_A_BYTES (L2), so B's panels are read fewer times */              \
                size_t mcb = MC_GEMM_MC;                                                        \
                if (apk) {                                                                      \
                    mcb = mc_gemm_a_bytes / (kc * sizeof(T)) / mr * mr;                         \
                    if (mcb < MC_GEMM_MC) mcb = MC_GEMM_MC;                                     \
                }                                                                               \
                const T* bsrc = B + (ptrdiff_t)pc * rsb + (ptrdiff_t)jc * csb;                 \
                if (!direct_b)                                                                  \
                    mc_gemm_pack_b_##SUF(wide, nr, nc, kc, bsrc, rsb, csb, bp);                 \
                else if (nc % nr)   /* the edge panel only */                                   \
                    mc_gemm_pack_b_##SUF(wide, nr, nc % nr, kc, bsrc + nc / nr * nr, rsb, csb,  \
                                         bp + nc / nr * nr * kc);                               \
                for (ic = 0; ic < M; ic += mcb) {                                               \
                    mc = M - ic < mcb ? M - ic : mcb;                                           \
                    if (apk) {                                                                  \
                        ablk = apk + pc * Mp + ic * kc;                                         \
                    } else {                                                                    \
                        mc_gemm_pack_a_##SUF(wide, mr, mc, kc,                                  \
                                             A + (ptrdiff_t)ic * rsa + (ptrdiff_t)pc * csa,     \
                                             rsa, csa, ap);                                     \
                        ablk = ap;                                                              \
                    }                                                                           \
                    const size_t ntj = (nc + nr - 1) / nr, nti = (mc + mr - 1) / mr;            \
                    for (t = 0; t < ntj * nti; t++) {                                           \
                        /* order 0: down the rows under one panel; 1: along the panels */       \
                        jr = (g->order ? t % ntj : t / nti) * nr;                               \
                        ir = (g->order ? t / ntj : t % nti) * mr;                               \
                        size_t nj = nc - jr < nr ? nc - jr : nr;                                \
                        {                                                                       \
                            size_t mi = mc - ir < mr ? mc - ir : mr;                            \
                            T* cp = C + (ic + ir) * ldc + jc + jr;                              \
                            const T* bpan = bp + jr * kc;                                       \
                            size_t ldb = nr;                                                    \
                            if (direct_b && nj == nr) {                                         \
                                bpan = bsrc + jr;                                               \
                                ldb = (size_t)rsb;                                              \
                            }                                                                   \
                            if (mi == mr && nj == nr) {                                         \
                                g->SUF(kc, ablk + ir * kc, bpan, ldb, cp, ldc, first, NULL);    \
                                continue;                                                       \
                            }                                                                   \
                            if (!first)                                                         \
                                for (i = 0; i < mi; i++)                                        \
                                    for (j = 0; j < nj; j++) tile[i * nr + j] = cp[i * ldc + j]; \
                            g->SUF(kc, ablk + ir * kc, bpan, ldb, tile, nr, first, NULL);       \
                            for (i = 0; i < mi; i++)                                            \
                                for (j = 0; j < nj; j++) cp[i * ldc + j] = tile[i * nr + j];    \
                        }                                                                       \
                    }                                                                           \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
    }

MC_DEFINE_GEMM_DRIVER(float, f32)
MC_DEFINE_GEMM_DRIVER(double, f64)

/* The batch as one GEMM (the 1x1 stride-1 unpadded convolution: every image's plane is a K x P
 * matrix with contiguous rows):
 *
 *   C_n (M x P, row-major, ldc) = A (M x K) @ B_n (K x P)  (+ bias[i] on row i)
 *
 * for every image n, its columns side by side as one matrix of nimg * P columns: column j is
 * image j / P's column j % P, B_n = B + n * bimg (rows rsb apart), C_n = C + n * cimg. One call
 * makes rows [r0, r1) (r0 a multiple of mr) and batch columns [j0, j1). Small planes (7x7,
 * 14x14) so give full NR-wide tiles but for one at the very end (P = 196 on 16-wide tiles:
 * 12.25 tiles per image; 8 images: 98 tiles), and the threads' shares can be equal blocks of
 * whole tiles. An NR-column panel within one image is read in place, one spanning two images
 * (or the short last one) is packed; a tile spanning two images is made in the stack tile and
 * copied out to both. A is packed ahead (mc_gemm_pack_a_full / _rows). Sums: as mc_gemm with
 * accumulate = 0 (every element the same chain of 64-term blocks whatever the blocks and
 * tiles); the bias added to each finished element, as a separate pass would. */
#define MC_DEFINE_GEMM_NB(T, SUF)                                                               \
    /* the columns [q0, q0 + nq) of the batch, a panel or a tile, as runs within one image */  \
    static size_t mc_gemm_nb_runs_##SUF(size_t P, size_t j, size_t nq, size_t* img, size_t* pos, \
                                        size_t* len)                                            \
    {                                                                                           \
        size_t r = 0, q = 0;                                                                    \
        while (q < nq) {                                                                        \
            img[r] = (j + q) / P;                                                               \
            pos[r] = (j + q) % P;                                                               \
            len[r] = P - pos[r] < nq - q ? P - pos[r] : nq - q;                                 \
            q += len[r++];                                                                      \
        }                                                                                       \
        return r;                                                                               \
    }                                                                                           \
    static void mc_gemm_nb_##SUF(const mc_gemm_kernels* g, size_t M, size_t K, size_t P,        \
                                 size_t r0, size_t r1, size_t j0, size_t j1, const T* apk,      \
                                 const T* B, size_t rsb, size_t bimg, T* C, size_t ldc,         \
                                 size_t cimg, const T* bias, T* work)                           \
    {                                                                                           \
        const size_t mr = (size_t)g->mr_##SUF, nr = (size_t)g->nr_##SUF;                        \
        const size_t Mp = (M + mr - 1) / mr * mr;                                               \
        T* bp = work;                                                                           \
        T* tile = work + (size_t)MC_GEMM_KC * MC_GEMM_NC + (size_t)MC_GEMM_MC * MC_GEMM_KC;     \
        size_t img[MC_GEMM_MAX_TILE], pos[MC_GEMM_MAX_TILE], len[MC_GEMM_MAX_TILE];             \
        size_t jc, pc, ic, jr, ir, nc, kc, mc, mcb, i, k, q, r, nrun, t;                        \
        if (r1 > M) r1 = M;                                                                     \
        /* columns per block: a B block (kc x ncb) of about mc_gemm_nb_b_bytes, read from L2 once\
         * per row panel (order 1); at most mc_gemm_nb_nc */                                    \
        size_t ncb = mc_gemm_nb_b_bytes / ((K < MC_GEMM_KC ? K : MC_GEMM_KC) * sizeof(T)) / nr * nr;\
        if (ncb < nr) ncb = nr;                                                                 \
        if (ncb > mc_gemm_nb_nc) ncb = mc_gemm_nb_nc;                                           \
        for (jc = j0; jc < j1; jc += ncb) {                                                     \
            nc = j1 - jc < ncb ? j1 - jc : ncb;                                                 \
            for (pc = 0; pc < K; pc += MC_GEMM_KC) {                                            \
                const int first = pc == 0;                                                      \
                kc = K - pc < MC_GEMM_KC ? K - pc : MC_GEMM_KC;                                 \
                const int last = pc + kc == K;                                                  \
                mcb = mc_gemm_a_bytes / (kc * sizeof(T)) / mr * mr;                             \
                if (mcb < MC_GEMM_MC) mcb = MC_GEMM_MC;                                         \
                /* panels not read in place: across two images, or the short last one */       \
                for (jr = 0; jr < nc; jr += nr) {                                               \
                    size_t nj = nc - jr < nr ? nc - jr : nr, j = jc + jr;                       \
                    if (nj == nr && j % P + nr <= P) continue;                                  \
                    T* d = bp + jr * kc;                                                        \
                    nrun = mc_gemm_nb_runs_##SUF(P, j, nj, img, pos, len);                      \
                    for (k = 0; k < kc; k++) {                                                  \
                        for (r = 0, q = 0; r < nrun; q += len[r++]) {                           \
                            const T* s = B + img[r] * bimg + (pc + k) * rsb + pos[r];           \
                            for (i = 0; i < len[r]; i++) d[k * nr + q + i] = s[i];              \
                        }                                                                       \
                        for (i = nj; i < nr; i++) d[k * nr + i] = 0;                            \
                    }                                                                           \
                }                                                                               \
                for (ic = r0; ic < r1; ic += mcb) {                                             \
                    mc = r1 - ic < mcb ? r1 - ic : mcb;                                         \
                    const T* ablk = apk + pc * Mp + ic * kc;                                    \
                    const size_t ntj = (nc + nr - 1) / nr, nti = (mc + mr - 1) / mr;            \
                    for (t = 0; t < ntj * nti; t++) {                                           \
                        /* order 0: down the rows under one panel; 1: along the panels */       \
                        jr = (mc_gemm_nb_order ? t % ntj : t / nti) * nr;                       \
                        ir = (mc_gemm_nb_order ? t / ntj : t % nti) * mr;                       \
                        size_t nj = nc - jr < nr ? nc - jr : nr, j = jc + jr;                   \
                        const int inplace = nj == nr && j % P + nr <= P;                        \
                        const T* bpan = inplace ? B + (j / P) * bimg + pc * rsb + j % P         \
                                                : bp + jr * kc;                                 \
                        const size_t ldb = inplace ? rsb : nr;                                  \
                        nrun = inplace ? 1 : mc_gemm_nb_runs_##SUF(P, j, nj, img, pos, len);    \
                        {                                                                       \
                            size_t mi = mc - ir < mr ? mc - ir : mr, row = ic + ir;             \
                            if (inplace && mi == mr) {                                          \
                                T* cp = C + (j / P) * cimg + row * ldc + j % P;                 \
                                g->SUF(kc, ablk + ir * kc, bpan, ldb, cp, ldc, first,           \
                                       last && bias ? bias + row : NULL);                       \
                                continue;                                                       \
                            }                                                                   \
                            if (inplace) {                                                      \
                                nrun = 1;                                                       \
                                img[0] = j / P;                                                 \
                                pos[0] = j % P;                                                 \
                                len[0] = nr;                                                    \
                            }                                                                   \
                            if (!first)                                                         \
                                for (r = 0, q = 0; r < nrun; q += len[r++])                     \
                                    for (i = 0; i < mi; i++)                                    \
                                        memcpy(tile + i * nr + q,                               \
                                               C + img[r] * cimg + (row + i) * ldc + pos[r],    \
                                               len[r] * sizeof(T));                             \
                            g->SUF(kc, ablk + ir * kc, bpan, ldb, tile, nr, first,              \
                                   last && bias && mi == mr ? bias + row : NULL);               \
                            if (last && bias && mi < mr)                                        \
                                for (i = 0; i < mi; i++)                                        \
                                    for (q = 0; q < nj; q++)                                    \
                                        tile[i * nr + q] = tile[i * nr + q] + bias[row + i];    \
                            for (r = 0, q = 0; r < nrun; q += len[r++])                         \
                                for (i = 0; i < mi; i++)                                        \
                                    memcpy(C + img[r] * cimg + (row + i) * ldc + pos[r],        \
                                           tile + i * nr + q, len[r] * sizeof(T));              \
                        }                                                                       \
                    }                                                                           \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
    }

MC_DEFINE_GEMM_NB(float, f32)
MC_DEFINE_GEMM_NB(double, f64)

#endif
