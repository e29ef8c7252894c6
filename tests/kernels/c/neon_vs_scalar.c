/* Every convolution micro-kernel and the 2x2 max-pool twin of each instruction set this build
 * has and this CPU runs, against the scalar twins (_conv_ukernel_scalar.h, _pool_kernels.h) on
 * random arguments; the scalar twins against a long double reference.
 *
 * Cross-compiled for aarch64 and run under qemu-aarch64 it checks the NEON kernels
 * (tests/kernels/test_neon_qemu.py); built natively on x86-64 it checks the scalar twins
 * against the reference and the AVX2 / AVX-512 (emulated) tables against the twins.
 *
 *   cc -O3 -I miniconv tests/kernels/c/neon_vs_scalar.c -lm -o neon_vs_scalar
 *   ./neon_vs_scalar [cases per kernel, default 40] [seed]
 * Exit status 0 if every check passed, 1 if any failed (the first mismatches are printed).
 *
 * Tolerance. Where a kernel adds the same terms in the same order as its twin (dconv and its
 * tails, dconv_t, dconv_gwt: each output one chain of multiply-adds in (channel, tap) or position
 * order, blocks in the same fixed tree) it must give the twin's bits wherever the twin's
 * `a * b + c` is fused as the kernel's FMA is: on aarch64 with GCC (it contracts it to fmadd;
 * checked here, since a bit-identical result would fail otherwise). On x86-64 the twin is
 * compiled for baseline x86-64 (no FMA: two roundings per term), Clang on aarch64 leaves some
 * of the twin's products unfused, and dconv_gw sums each lane apart and adds the lanes at the
 * end on every ISA, so there the results may differ by rounding: allowed is
 * |kernel - twin| <= 2 (n + 3) u sum|terms|, n terms, u the unit roundoff (2^-24 float, 2^-53
 * double): each order is within (n + 3) u sum|terms| of the exact sum to first order, which the
 * twin must also be against the long double reference. Elements a kernel must not write are
 * compared bit for bit; the pool twins give the same values (signed zeros included), indices
 * and NaN flag.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "_conv_ukernels.h"
#include "_pool_kernels.h"

/* Where the twin gives the kernels' bits for the same order of terms: with GCC on aarch64 its
 * a * b + c is always one fmadd (-ffp-contract=fast), as the kernels' are; on x86-64 it is
 * never fused (baseline ISA), so only the scalar table itself matches it. Clang on aarch64 fuses
 * the NEON layer's vector expressions but not every scalar one (its unrolled single-block
 * loops add some products apart), so there every comparison is by tolerance. */
#if defined(__aarch64__) && defined(__clang__)
#define TWIN_SAME_BITS(isa) 0
#elif defined(__aarch64__)
#define TWIN_SAME_BITS(isa) 1
#else
#define TWIN_SAME_BITS(isa) ((isa) == MC_ISA_SCALAR)
#endif

static int n_cases = 40;
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static int n_kernels, n_exact, n_failed, n_printed;
static const char* isa_name = "scalar";

static uint64_t next_u64(void)   /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t rnd(size_t n) { return (size_t)(next_u64() % n); }

static double uniform(void) { return (double)(next_u64() >> 11) * 0x1p-52 - 1.0; }   /* [-1, 1) */

static int report_mismatch(void) { return n_printed++ < 12; }

static void tally(const char* name, int fails, int exact)
{
    n_kernels++;
    n_exact += exact && !fails;
    if (fails) n_failed++;
    printf("  %-6s %-28s %s, %s\n", isa_name, name, fails ? "FAILED" : "ok",
           exact ? "bit-identical to the twin" : "within the tolerance");
}

#define T float
#define SFX f32
#define EPS ((long double)FLT_EPSILON / 2)
#include "twin_checks_t.h"
#undef T
#undef SFX
#undef EPS
#define T double
#define SFX f64
#define EPS ((long double)DBL_EPSILON / 2)
#include "twin_checks_t.h"
#undef T
#undef SFX
#undef EPS

/* dconv_t (float32 forward, OBT output channels in the lanes, 6 positions) against the 8-channel
 * twin once per 8 channels; with np == 8 the two positions past the tile may be written (the
 * next tile overwrites them) */
static void check_dconv_t(const char* name, mc_f32_dconv_t_fn fn, int obt, int exact)
{
    static const size_t ks[] = {1, 5, 9, 31, 32, 33, 70, 288, 1000};
    static const size_t nps[] = {6, 8, 1, 2, 3, 4, 5};
    enum { XLEN = 4000, NP = 6 };
    int c, fails = 0;
    for (c = 0; c < n_cases; c++) {
        size_t k = ks[c % (sizeof ks / sizeof ks[0])], np = nps[c % 7], no = 1 + rnd((size_t)obt);
        size_t ldo = 8 + rnd(5), size = (size_t)obt * ldo + 8, i, j, l, h, n;
        int use_bias = c % 4 != 3;
        ptrdiff_t pos[NP], *off = malloc(k * sizeof(ptrdiff_t));
        float* x = malloc(XLEN * sizeof(float));
        float *w = malloc(k * obt * sizeof(float)), *w8 = malloc(k * 8 * sizeof(float));
        float bias[32], *out = malloc(size * sizeof(float)), *twin = malloc(size * sizeof(float));
        float* before = malloc(size * sizeof(float));
        fill_f32(x, XLEN);
        fill_f32(w, k * obt);
        fill_f32(bias, 32);
        fill_f32(before, size);
        for (j = 0; j < NP; j++) pos[j] = (ptrdiff_t)rnd(XLEN / 2);
        for (i = 0; i < k; i++) off[i] = (ptrdiff_t)rnd(XLEN / 2);
        memcpy(out, before, size * sizeof(float));
        memcpy(twin, before, size * sizeof(float));
        fn(k, x, pos, off, w, use_bias ? bias : NULL, out, ldo, np, no);
        for (h = 0; h * 8 < no; h++) {
            for (i = 0; i < k; i++)
                for (l = 0; l < 8; l++) w8[i * 8 + l] = w[i * obt + h * 8 + l];
            mc_f32_dconv_t6x8__scalar(k, x, pos, off, w8, use_bias ? bias + h * 8 : NULL,
                                      twin + h * 8 * ldo, ldo, np, no - h * 8 < 8 ? no - h * 8 : 8);
        }
        for (n = 0; n < size; n++) {
            l = n / ldo;
            j = n % ldo;
            if (l < no && j < np && j < NP) {
                long double ref = use_bias ? bias[l] : 0.0L, mag = fabsl(ref);
                for (i = 0; i < k; i++) {
                    long double t = (long double)w[i * obt + l] * x[pos[j] + off[i]];
                    ref += t;
                    mag += fabsl(t);
                }
                fails += !close_f32(name, n, out[n], twin[n], ref, mag, k + 1, exact);
            } else if (!(l < no && np == 8 && j < 8)) {
                fails += !untouched_f32(name, n, out[n], before[n]);
            }
        }
        free(off); free(x); free(w); free(w8); free(out); free(twin); free(before);
    }
    tally(name, fails, exact);
}

/* grad_weight's transposed copy (dst[p * 16 + l] = src[l * ldsrc + p], l < 8): the positions
 * the ISA's version reports done, and nothing else written */
static void check_transpose8_to16(void)
{
    int c, fails = 0;
    for (c = 0; c < n_cases; c++) {
        size_t P = 1 + rnd(70), ldsrc = P + rnd(5), done, p, l;
        float *src = malloc(8 * ldsrc * sizeof(float)), *dst = malloc(P * 16 * sizeof(float));
        float* before = malloc(P * 16 * sizeof(float));
        fill_f32(src, 8 * ldsrc);
        fill_f32(before, P * 16);
        memcpy(dst, before, P * 16 * sizeof(float));
        done = mc_f32_transpose8_to16(src, ldsrc, P, dst);
        if (done > P) fails++;
        for (p = 0; p < P; p++)
            for (l = 0; l < 16; l++)
                fails += !untouched_f32("transpose8_to16", p * 16 + l, dst[p * 16 + l],
                                        p < done && l < 8 ? src[l * ldsrc + p] : before[p * 16 + l]);
        free(src); free(dst); free(before);
    }
    tally("transpose8_to16", fails, 1);
}

/* the 2x2 stride-2 max pool with int16 indices: the ISA's twin (chosen by mc_uk.isa) against the
 * scalar twin on planes with ties, +-inf, signed zeros and NaN */
static void check_maxpool(void)
{
    static const int shapes[][2] = {{28, 28}, {14, 14}, {9, 8}, {6, 14}, {5, 31}, {4, 16},
                                    {7, 33}, {6, 6}, {3, 11}, {2, 2}, {2, 9}, {40, 64}};
    int c, fails = 0;
    for (c = 0; c < n_cases; c++) {
        int H = c < 12 ? shapes[c][0] : 2 + (int)rnd(40), W = c < 12 ? shapes[c][1] : 2 + (int)rnd(60);
        int OH = H / 2, OW = W / 2, kind = c % 6, n, flag, flag_twin;
        float* x = malloc((size_t)H * W * sizeof(float));
        float *out = malloc((size_t)OH * OW * sizeof(float)), *twin = malloc((size_t)OH * OW * sizeof(float));
        short *idx = malloc((size_t)OH * OW * sizeof(short)), *idx_twin = malloc((size_t)OH * OW * sizeof(short));
        fill_f32(x, (size_t)H * W);
        for (n = 0; n < H * W; n++) {
            if (kind == 1) x[n] = roundf(x[n] * 2.0f);                   /* ties */
            if (kind == 2 && rnd(7) == 0) x[n] = rnd(2) ? INFINITY : -INFINITY;
            if (kind == 3) x[n] = rnd(2) ? 0.0f : -0.0f;                  /* signed zeros only */
            if (kind == 4) x[n] = -INFINITY;
        }
        if (kind == 5) x[rnd((size_t)H * W)] = NAN;
        flag = mc_maxpool2x2s2_f32_i16(x, W, out, idx, OH, OW);
        flag_twin = mc_maxpool2x2s2_f32_i16__scalar(x, W, twin, idx_twin, 0, OH, 0, OW);
        if (flag != flag_twin) {
            fails++;
            if (report_mismatch()) printf("  MISMATCH maxpool %dx%d: NaN flag %d, twin %d\n", H, W, flag, flag_twin);
        }
        if (memcmp(out, twin, (size_t)OH * OW * sizeof(float)) != 0
            || memcmp(idx, idx_twin, (size_t)OH * OW * sizeof(short)) != 0) {
            fails++;
            if (report_mismatch()) printf("  MISMATCH maxpool %dx%d (kind %d): values or indices\n", H, W, kind);
        }
        /* the twin itself: the first maximum in window order, strict '>' */
        for (n = 0; n < OH * OW && kind != 5; n++) {
            int oh = n / OW, ow = n % OW, q, best = 2 * oh * W + 2 * ow;
            int cand[4] = {best, best + 1, best + W, best + W + 1};
            for (q = 1; q < 4; q++)
                if (x[cand[q]] > x[best]) best = cand[q];
            if (twin[n] != x[best] || idx_twin[n] != best) {
                fails++;
                if (report_mismatch()) printf("  MISMATCH maxpool twin %dx%d at %d\n", H, W, n);
            }
        }
        free(x); free(out); free(twin); free(idx); free(idx_twin);
    }
    tally("maxpool2x2s2_f32_i16", fails, 1);
}

static void check_isa(int isa, const char* name)
{
    mc_ukernels u;
    int fused = TWIN_SAME_BITS(isa);   /* bit-identical where the order is the same */
    if (mc_select_isa(isa) != 0) return;
    u = mc_uk;
    isa_name = name;
    printf("%s: tiles %d x %d floats, %d x %d doubles; depthwise 1 x %d / 1 x %d\n", name, 4,
           u.nr_f32, 4, u.nr_f64, u.nr1_f32, u.nr1_f64);
    check_dconv_f32("f32 dconv 4 x nr", u.f32_4, 4, u.nr_f32, fused);
    check_dconv_f32("f32 dconv 1 x nr", u.f32_1, 1, u.nr_f32, fused);
    check_dconv_f32("f32 dconv 4 x 2vw (tail)", u.f32_4m, 4, 2 * u.vw_f32, fused);
    check_dconv_f32("f32 dconv 1 x 2vw (tail)", u.f32_1m, 1, 2 * u.vw_f32, fused);
    check_dconv_f32("f32 dconv 4 x vw (tail)", u.f32_4t, 4, u.vw_f32, fused);
    check_dconv_f32("f32 dconv 1 x vw (tail)", u.f32_1t, 1, u.vw_f32, fused);
    check_dconv_f32("f32 dconv 1 x nr1 (dw)", u.f32_1w, 1, u.nr1_f32, fused);
    check_dconv_f64("f64 dconv 4 x nr", u.f64_4, 4, u.nr_f64, fused);
    check_dconv_f64("f64 dconv 1 x nr", u.f64_1, 1, u.nr_f64, fused);
    check_dconv_f64("f64 dconv 4 x 2vw (tail)", u.f64_4m, 4, 2 * u.vw_f64, fused);
    check_dconv_f64("f64 dconv 1 x 2vw (tail)", u.f64_1m, 1, 2 * u.vw_f64, fused);
    check_dconv_f64("f64 dconv 4 x vw (tail)", u.f64_4t, 4, u.vw_f64, fused);
    check_dconv_f64("f64 dconv 1 x vw (tail)", u.f64_1t, 1, u.vw_f64, fused);
    check_dconv_f64("f64 dconv 1 x nr1 (dw)", u.f64_1w, 1, u.nr1_f64, fused);
    check_gw_f32("f32 dconv_gw 4 x 3", u.f32_gw, mc_f32_dconv_gw_4x3__scalar, 4);
    check_gw_f32("f32 dconv_gw 1 x 3", u.f32_gw1, mc_f32_dconv_gw_1x3__scalar, 1);
    check_gw_f64("f64 dconv_gw 4 x 3", u.f64_gw, mc_f64_dconv_gw_4x3__scalar, 4);
    check_gw_f64("f64 dconv_gw 1 x 3", u.f64_gw1, mc_f64_dconv_gw_1x3__scalar, 1);
    check_gwt_f32("f32 dconv_gwt ob x 6", u.f32_gwt, u.ob_f32, fused);
    check_gwt_f64("f64 dconv_gwt ob x 6", u.f64_gwt, u.ob_f64, fused);
    if (u.f32_t != NULL)
        check_dconv_t("f32 dconv_t 6 x obt", u.f32_t, u.obt_f32, fused);
    check_transpose8_to16();
    check_maxpool();
}

int main(int argc, char** argv)
{
    static const char* names[MC_N_ISA] = {"scalar", "avx2", "avx512f", "avx512f_emu", "neon"};
    int isa;
    if (argc > 1) n_cases = atoi(argv[1]);
    if (argc > 2) rng_state = strtoull(argv[2], NULL, 0);
    if (n_cases < 1) n_cases = 1;
    for (isa = 0; isa < MC_N_ISA; isa++)
        if (mc_cpu_supports(isa)) check_isa(isa, names[isa]);
    printf("%d kernels checked (%d cases each), %d bit-identical to the scalar twin, %d failed%s\n",
           n_kernels, n_cases, n_exact, n_failed,
#ifdef MC_TEST_BREAK
           " (built with MC_TEST_BREAK: a float32 lane is perturbed on purpose)"
#else
           ""
#endif
    );
    mc_select_isa(mc_best_isa());
    return n_failed ? 1 : 0;
}
