/* The checks of neon_vs_scalar.c for one element type, included once per type with
 *   T    float or double          SFX  f32 or f64 (the kernels' name prefix)
 *   EPS  the type's unit roundoff
 * Each check runs one kernel of the selected instruction set's table against the scalar twin
 * (_conv_ukernel_scalar.h) on random arguments, and the scalar twin against a long double
 * reference, and compares every element of the output buffers (also the ones the kernel must
 * not write). */
#define CAT3_(a, b, c) a##b##c
#define CAT3(a, b, c) CAT3_(a, b, c)
#define FN(name) CAT3(name, _, SFX)
#define TWIN(tile) CAT3(mc_, SFX, CAT3(_dconv_, tile, __scalar))

static void FN(fill)(T* p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) p[i] = (T)uniform();
}

/* got against want, the twin: bit for bit if exact, else within the bound for two summation
 * orders of nterms terms of absolute sum mag; ref (long double) bounds the twin itself */
static int FN(close)(const char* what, size_t at, T got, T want, long double ref, long double mag,
                     size_t nterms, int exact)
{
    long double bound = 2.0L * (nterms + 3) * EPS * mag;
    int ok = exact ? memcmp(&got, &want, sizeof(T)) == 0 : fabsl((long double)got - want) <= bound;
    ok = ok && fabsl((long double)want - ref) <= bound / 2;
    if (!ok && report_mismatch())
        printf("  MISMATCH %s at %zu: got %.17Lg, twin %.17Lg, reference %.17Lg (%s, bound %.3Lg)\n",
               what, at, (long double)got, (long double)want, ref, exact ? "exact" : "tolerance",
               bound);
    return ok;
}

/* an element the kernel must not write */
static int FN(untouched)(const char* what, size_t at, T got, T want)
{
    int ok = memcmp(&got, &want, sizeof(T)) == 0;
    if (!ok && report_mismatch()) printf("  MISMATCH %s: wrote outside its tile at %zu\n", what, at);
    return ok;
}

/* dconv MR x NR (forward tiles, their tails, the depthwise wide tile) against the 4 x 1 / 1 x 1
 * twin called per position: the same sums in the same order */
static void FN(check_dconv)(const char* name, void (*fn)(size_t, const T*, const ptrdiff_t*,
                                                         const T*, const T*, T*, size_t),
                            int mr, int nr, int exact)
{
    static const size_t ks[] = {1, 2, 3, 9, 27, 31, 32, 33, 64, 65, 97, 288, 1000};
    enum { XLEN = 3000 };
    int c, fails = 0;
    for (c = 0; c < n_cases; c++) {
        size_t k = ks[c % (sizeof ks / sizeof ks[0])], i, ldo = (size_t)nr + rnd(5), n;
        int use_init = c % 3 != 2, m, j;
        T* x = malloc(XLEN * sizeof(T));
        ptrdiff_t* off = malloc(k * sizeof(ptrdiff_t));
        T* w = malloc(k * (size_t)mr * sizeof(T));
        T init[4];
        T *out = malloc((mr * ldo + 8) * sizeof(T)), *twin = malloc((mr * ldo + 8) * sizeof(T));
        T* before = malloc((mr * ldo + 8) * sizeof(T));
        FN(fill)(x, XLEN);
        FN(fill)(w, k * mr);
        FN(fill)(init, 4);
        FN(fill)(before, mr * ldo + 8);
        for (i = 0; i < k; i++) off[i] = (ptrdiff_t)rnd(XLEN - nr);   /* any stride, any alignment */
        memcpy(out, before, (mr * ldo + 8) * sizeof(T));
        memcpy(twin, before, (mr * ldo + 8) * sizeof(T));
        fn(k, x, off, w, use_init ? init : NULL, out, ldo);
        for (j = 0; j < nr; j++)
            (mr == 4 ? TWIN(4x1) : TWIN(1x1))(k, x + j, off, w, use_init ? init : NULL, twin + j, ldo);
        for (n = 0; n < mr * ldo + 8; n++) {
            m = (int)(n / ldo);
            j = (int)(n % ldo);
            if (m < mr && j < nr) {
                long double ref = use_init ? init[m] : before[n], mag = fabsl(ref);
                for (i = 0; i < k; i++) {
                    long double t = (long double)w[i * mr + m] * x[off[i] + j];
                    ref += t;
                    mag += fabsl(t);
                }
                fails += !FN(close)(name, n, out[n], twin[n], ref, mag, k + 1, exact);
            } else {
                fails += !FN(untouched)(name, n, out[n], before[n]);
            }
        }
        free(x); free(off); free(w); free(out); free(twin); free(before);
    }
    tally(name, fails, exact);
}

/* dconv_gw MR x 3 (grad_weight, positions in the lanes) against the twin with the same MR */
static void FN(check_gw)(const char* name, void (*fn)(size_t, size_t, const T*, size_t, size_t,
                                                      const T*, size_t, const ptrdiff_t*, T*, size_t),
                         void (*twin_fn)(size_t, size_t, const T*, size_t, size_t, const T*,
                                         size_t, const ptrdiff_t*, T*, size_t),
                         int mr)
{
    int c, fails = 0;
    for (c = 0; c < n_cases; c++) {
        size_t nseg = 1 + rnd(4), len = 16 * (1 + rnd(24)), ldg = len + rnd(9);
        size_t gseg = mr * ldg + rnd(7), xseg = len + 200 + rnd(9), ldp = 3 + rnd(4);
        size_t s, i, n, q, m;
        ptrdiff_t off[3];
        T* g = malloc(nseg * gseg * sizeof(T));
        T* x = malloc(nseg * xseg * sizeof(T));
        T *part = malloc(mr * ldp * sizeof(T)), *twin = malloc(mr * ldp * sizeof(T));
        T* before = malloc(mr * ldp * sizeof(T));
        FN(fill)(g, nseg * gseg);
        FN(fill)(x, nseg * xseg);
        FN(fill)(before, mr * ldp);
        for (q = 0; q < 3; q++) off[q] = (ptrdiff_t)rnd(200);
        memcpy(part, before, mr * ldp * sizeof(T));
        memcpy(twin, before, mr * ldp * sizeof(T));
        fn(nseg, len, g, ldg, gseg, x, xseg, off, part, ldp);
        twin_fn(nseg, len, g, ldg, gseg, x, xseg, off, twin, ldp);
        for (n = 0; n < mr * ldp; n++) {
            m = n / ldp;
            q = n % ldp;
            if (q < 3) {
                long double ref = before[n], mag = fabsl(ref);
                for (s = 0; s < nseg; s++)
                    for (i = 0; i < len; i++) {
                        long double t = (long double)g[s * gseg + m * ldg + i] * x[s * xseg + off[q] + i];
                        ref += t;
                        mag += fabsl(t);
                    }
                /* lanes summed apart and added at the end: a different order than the twin's */
                fails += !FN(close)(name, n, part[n], twin[n], ref, mag, nseg * len + 1, 0);
            } else {
                fails += !FN(untouched)(name, n, part[n], before[n]);
            }
        }
        free(g); free(x); free(part); free(twin); free(before);
    }
    tally(name, fails, 0);
}

/* dconv_gwt (grad_weight, OB output channels in the lanes) against the 8-channel twin called
 * once per 8 of the OB channels (its g and part re-laid out for 8 channels) */
static void FN(check_gwt)(const char* name, void (*fn)(size_t, size_t, size_t, const T*, size_t,
                                                       size_t, const T*, size_t, size_t,
                                                       const ptrdiff_t*, T*),
                          int ob, int exact)
{
    enum { NK = 6 };
    int c, fails = 0;
    for (c = 0; c < n_cases; c++) {
        size_t nseg = 1 + rnd(3), nrows = 1 + rnd(4), rowlen = 1 + rnd(40), gpitch = rowlen + rnd(3);
        size_t pps = nrows * gpitch + rnd(3), gseg = pps * ob;   /* positions per segment */
        size_t xpitch = rowlen + 40 + rnd(5), xseg = nrows * xpitch + rnd(9);
        size_t s, r, j, q, l, h, nh = (size_t)ob / 8;
        ptrdiff_t off[NK];
        T* g = malloc(nseg * gseg * sizeof(T));
        T* g8 = malloc(nseg * pps * 8 * sizeof(T));
        T* x = malloc((nseg * xseg + 64) * sizeof(T));
        T *part = malloc(NK * ob * sizeof(T)), *before = malloc(NK * ob * sizeof(T));
        T twin[NK * 32], part8[NK * 8];
        FN(fill)(g, nseg * gseg);
        FN(fill)(x, nseg * xseg + 64);
        FN(fill)(before, NK * ob);
        for (q = 0; q < NK; q++) off[q] = (ptrdiff_t)rnd(40);
        memcpy(part, before, NK * ob * sizeof(T));
        fn(nseg, nrows, rowlen, g, gseg, gpitch, x, xseg, xpitch, off, part);
        for (h = 0; h < nh; h++) {
            for (s = 0; s < nseg * pps; s++)
                for (l = 0; l < 8; l++) g8[s * 8 + l] = g[s * ob + h * 8 + l];
            for (q = 0; q < NK; q++)
                for (l = 0; l < 8; l++) part8[q * 8 + l] = before[q * ob + h * 8 + l];
            CAT3(mc_, SFX, _dconv_gwt_8x6__scalar)(nseg, nrows, rowlen, g8, pps * 8, gpitch, x,
                                                   xseg, xpitch, off, part8);
            for (q = 0; q < NK; q++)
                for (l = 0; l < 8; l++) twin[q * ob + h * 8 + l] = part8[q * 8 + l];
        }
        for (q = 0; q < NK; q++)
            for (l = 0; l < (size_t)ob; l++) {
                long double ref = before[q * ob + l], mag = fabsl(ref);
                for (s = 0; s < nseg; s++)
                    for (r = 0; r < nrows; r++)
                        for (j = 0; j < rowlen; j++) {
                            long double t = (long double)g[s * gseg + (r * gpitch + j) * ob + l]
                                            * x[s * xseg + r * xpitch + off[q] + j];
                            ref += t;
                            mag += fabsl(t);
                        }
                fails += !FN(close)(name, q * ob + l, part[q * ob + l], twin[q * ob + l], ref,
                                    mag, nseg * nrows * rowlen + 1, exact);
            }
        free(g); free(g8); free(x); free(part); free(before);
    }
    tally(name, fails, exact);
}

#undef FN
#undef TWIN
