/* The packed GEMM of the gemm conv algorithm (_conv_gemm_ukernel.h) in every instruction set this
 * build has and this CPU runs, against its scalar twin, on random shapes (edges, several K, M and
 * N blocks, every combination of transposed operands, C accumulated or overwritten, A packed
 * ahead or not); the scalar twin against a long double reference. Elements of C outside the
 * product (the row gap of ldc) must keep their bits.
 *
 * Cross-compiled for aarch64 and run under qemu-aarch64 it checks the NEON variant
 * (tests/kernels/test_gemm_ukernel_c.py); built natively on x86-64 the AVX2 and AVX-512
 * (emulated) variants.
 *
 *   cc -O3 -I miniconv tests/kernels/c/gemm_vs_scalar.c -lm -o gemm_vs_scalar
 *   ./gemm_vs_scalar [cases per variant, default 30] [seed]
 * Exit status 0 if every check passed, 1 if any failed.
 *
 * Tolerance: a variant adds the same terms in the same order as the twin (blocks of 64 from zero,
 * chained); it gives the twin's bits where the twin's `a * b + c` is fused as the variant's FMA
 * is (GCC on aarch64: checked bit for bit), else (baseline x86-64, no FMA) the two may differ by
 * rounding: |variant - twin| <= 2 (K + 3) u sum|terms| (u: 2^-24 float, 2^-53 double); the twin
 * must be within (K + 3) u sum|terms| of the long double sum.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "_conv_gemm_ukernel.h"

#if defined(__aarch64__) && defined(__GNUC__) && !defined(__clang__)
#define MC_TWIN_FUSED 1
#else
#define MC_TWIN_FUSED 0
#endif

static uint64_t rng_state = 88172645463325252ull;
static double urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}
static size_t irand(size_t lo, size_t hi) { return lo + (size_t)((urand() + 1.0) / 2.0 * (double)(hi - lo + 1)) % (hi - lo + 1); }

static int failures = 0;

#define MC_DEFINE_CHECK(T, SUF, U)                                                                   \
    static int check_##SUF(const mc_gemm_kernels* g, const mc_gemm_kernels* twin, int cases,         \
                           int* exact_out)                                                           \
    {                                                                                                \
        int c, ok = 1, exact = 1;                                                                    \
        for (c = 0; c < cases; c++) {                                                                \
            size_t M = irand(1, c % 5 == 0 ? 200 : 40), N = irand(1, c % 7 == 0 ? 1100 : 70);       \
            size_t K = irand(1, c % 3 == 0 ? 700 : 90), ldc = N + irand(0, 3), i, j, k;             \
            int tr = c % 4, acc = (c / 4) % 2, pre = (c / 8) % 2;                                    \
            ptrdiff_t rsa = tr & 1 ? 1 : (ptrdiff_t)K, csa = tr & 1 ? (ptrdiff_t)M : 1;              \
            ptrdiff_t rsb = tr & 2 ? 1 : (ptrdiff_t)N, csb = tr & 2 ? (ptrdiff_t)K : 1;              \
            T* A = malloc(M * K * sizeof(T));                                                        \
            T* B = malloc(K * N * sizeof(T));                                                        \
            T* C0 = malloc(M * ldc * sizeof(T));                                                     \
            T* Cv = malloc(M * ldc * sizeof(T));                                                     \
            T* Ct = malloc(M * ldc * sizeof(T));                                                     \
            T* wv = malloc(mc_gemm_work_elems() * sizeof(T));                                        \
            T* wt = malloc(mc_gemm_work_elems() * sizeof(T));                                        \
            T* apv = pre ? malloc(mc_gemm_packed_a_elems_##SUF(g, M, K) * sizeof(T)) : NULL;         \
            T* apt = pre ? malloc(mc_gemm_packed_a_elems_##SUF(twin, M, K) * sizeof(T)) : NULL;      \
            for (i = 0; i < M * K; i++) A[i] = (T)urand();                                          \
            for (i = 0; i < K * N; i++) B[i] = (T)urand();                                          \
            for (i = 0; i < M * ldc; i++) C0[i] = (T)urand();                                       \
            memcpy(Cv, C0, M * ldc * sizeof(T));                                                     \
            memcpy(Ct, C0, M * ldc * sizeof(T));                                                     \
            if (pre) {                                                                               \
                mc_gemm_pack_a_full_##SUF(g, M, K, A, rsa, csa, apv);                                \
                mc_gemm_pack_a_full_##SUF(twin, M, K, A, rsa, csa, apt);                             \
            }                                                                                        \
            mc_gemm_##SUF(g, M, N, K, A, rsa, csa, apv, B, rsb, csb, Cv, ldc, acc, wv);              \
            mc_gemm_##SUF(twin, M, N, K, A, rsa, csa, apt, B, rsb, csb, Ct, ldc, acc, wt);           \
            for (i = 0; i < M; i++) {                                                                \
                for (j = N; j < ldc; j++)                                                            \
                    if (memcmp(&Cv[i * ldc + j], &C0[i * ldc + j], sizeof(T)) ||                     \
                        memcmp(&Ct[i * ldc + j], &C0[i * ldc + j], sizeof(T))) {                     \
                        if (ok) printf("MISMATCH: gap element (%zu, %zu) written\n", i, j);          \
                        ok = 0;                                                                      \
                    }                                                                                \
                for (j = 0; j < N; j++) {                                                            \
                    long double ref = acc ? (long double)C0[i * ldc + j] : 0, mag = fabsl(ref);     \
                    long double bound;                                                               \
                    for (k = 0; k < K; k++) {                                                        \
                        long double t = (long double)A[i * rsa + k * csa] * B[k * rsb + j * csb];    \
                        ref += t;                                                                    \
                        mag += fabsl(t);                                                             \
                    }                                                                                \
                    bound = (long double)(K + 3) * U * mag;                                          \
                    if (fabsl((long double)Ct[i * ldc + j] - ref) > bound) {                         \
                        if (ok) printf("MISMATCH: twin %g vs reference %Lg\n",                       \
                                       (double)Ct[i * ldc + j], ref);                               \
                        ok = 0;                                                                      \
                    }                                                                                \
                    if (Cv[i * ldc + j] != Ct[i * ldc + j]) exact = 0;                               \
                    if (fabsl((long double)Cv[i * ldc + j] - Ct[i * ldc + j]) > 2 * bound ||         \
                        (MC_TWIN_FUSED && Cv[i * ldc + j] != Ct[i * ldc + j])) {                     \
                        if (ok) printf("MISMATCH: %zux%zux%zu tr %d acc %d pre %d at (%zu, %zu): "   \
                                       "%.17g vs twin %.17g\n", M, N, K, tr, acc, pre, i, j,         \
                                       (double)Cv[i * ldc + j], (double)Ct[i * ldc + j]);           \
                        ok = 0;                                                                      \
                    }                                                                                \
                }                                                                                    \
            }                                                                                        \
            free(A); free(B); free(C0); free(Cv); free(Ct); free(wv); free(wt); free(apv); free(apt); \
        }                                                                                            \
        *exact_out = exact;                                                                          \
        return ok;                                                                                   \
    }

MC_DEFINE_CHECK(float, f32, 5.9604644775390625e-8L)
MC_DEFINE_CHECK(double, f64, 1.1102230246251565e-16L)

static const char* NAMES[MC_N_ISA] = {"scalar", "avx2", "avx512f", "avx512f_emu", "neon"};

int main(int argc, char** argv)
{
    int cases = argc > 1 ? atoi(argv[1]) : 30, isa, checked = 0;
    if (argc > 2) rng_state = strtoull(argv[2], NULL, 0) | 1;
    mc_gemm_kernels twin = mc_gemm_kernels_for(MC_ISA_SCALAR);
    for (isa = 0; isa < MC_N_ISA; isa++) {
        mc_gemm_kernels g;
        int ok, exact;
        if (!mc_cpu_supports(isa)) continue;
        g = mc_gemm_kernels_for(isa);
        if (g.isa != isa) continue;   /* not compiled in */
        printf("%s: gemm tiles %d x %d floats, %d x %d doubles\n", NAMES[isa], g.mr_f32, g.nr_f32,
               g.mr_f64, g.nr_f64);
        ok = check_f32(&g, &twin, cases, &exact);
        printf("  %s f32 gemm %s, %s\n", NAMES[isa], ok ? "ok" : "FAILED",
               exact ? "bit-identical" : "within tolerance");
        failures += !ok;
        ok = check_f64(&g, &twin, cases, &exact);
        printf("  %s f64 gemm %s, %s\n", NAMES[isa], ok ? "ok" : "FAILED",
               exact ? "bit-identical" : "within tolerance");
        failures += !ok;
        checked++;
    }
    printf("%d variants checked, %d failed\n", checked, failures);
    return failures ? 1 : 0;
}
