/* The float32 gate math of one recurrent time step, one batch row at a time (_rnn.pxi calls these
 * inside its prange over the batch rows).
 *
 * Why C: glibc's expf and tanhf are scalar calls (measured ~18 and ~47 ns each on the project's
 * machine), and an LSTM row needs three sigmoids and two tanh per element: the gate math took 5x
 * longer than the step's GEMM at hidden 128. Here exp is inlined (Cody-Waite range reduction and
 * Cephes' degree-6 polynomial, about 1 ulp), tanh is Cephes' odd polynomial below |x| = 0.625 and
 * 1 - 2 / (exp(2|x|) + 1) above, and every branch is a select, so GCC vectorises each row loop for
 * the baseline ISA (SSE2 on x86-64: no FMA, so the vector body and the scalar tail give the same bits).
 * `restrict`: the arrays of one call never overlap (the caller passes distinct buffers).
 * NaN propagates through every function; exp saturates (x > 88 -> exp(88), x < -87 -> exp(-87)),
 * which changes no sigmoid or tanh by more than float32's resolution.
 */
#ifndef MINICONV_RNN_GATES_H
#define MINICONV_RNN_GATES_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
/* evaluate both sides of every select (they cannot trap: no FP exceptions are enabled), so the row
   loops if-convert and vectorise */
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
#endif

/* The row loops are compiled twice on x86-64 with GCC or Clang: for the baseline ISA (suffix
   __default) and for AVX2 (__avx2, 8 floats a vector, a per-function target attribute). The
   unsuffixed functions call the variant mc_rnn_isa names: the widest the CPU runs, chosen when
   _rnn.pxi is imported (mc_rnn_best_isa), or the one a test forces (mc_rnn_select_isa), so both
   run in the tests on an AVX2 machine. FMA is not enabled in the AVX2 variant, so both do the
   same IEEE operations per element and give the same bits. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define MC_RNN_HAVE_AVX2 1
#define MC_RNN_AVX2 __attribute__((target("avx2")))
#else
#define MC_RNN_HAVE_AVX2 0
#endif

enum { MC_RNN_ISA_DEFAULT = 0, MC_RNN_ISA_AVX2 = 1 };
static int mc_rnn_isa = MC_RNN_ISA_DEFAULT;

/* 1 if this CPU runs variant isa */
static int mc_rnn_cpu_supports(int isa)
{
    if (isa == MC_RNN_ISA_DEFAULT) return 1;
#if MC_RNN_HAVE_AVX2
    if (isa == MC_RNN_ISA_AVX2) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    }
#endif
    return 0;
}

/* switch to variant isa: 0, or -1 (nothing changed) if the CPU cannot run it */
static int mc_rnn_select_isa(int isa)
{
    if (!mc_rnn_cpu_supports(isa)) return -1;
    mc_rnn_isa = isa;
    return 0;
}

static int mc_rnn_best_isa(void)
{
    return mc_rnn_cpu_supports(MC_RNN_ISA_AVX2) ? MC_RNN_ISA_AVX2 : MC_RNN_ISA_DEFAULT;
}

static inline float mc_rnn_expf(float x)
{
    float xc = x > 88.0f ? 88.0f : (x < -87.0f ? -87.0f : x); /* NaN compares false: stays NaN */
    /* n = round(x / ln2) by the 1.5 * 2^23 trick (no roundps on SSE2) */
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * (r * r) + r + 1.0f;
    int32_t ni = (int32_t)n;
    uint32_t bits = (uint32_t)(ni + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

static inline float mc_rnn_sigmoidf(float x)
{
    return 1.0f / (1.0f + mc_rnn_expf(-x));
}

static inline float mc_rnn_tanhf(float x)
{
    float ax = x < 0.0f ? -x : x;
    float big = 1.0f - 2.0f / (mc_rnn_expf(2.0f * ax) + 1.0f);
    big = x < 0.0f ? -big : big;
    float z = x * x;
    float small = -5.70498872745e-3f;
    small = small * z + 2.06390887954e-2f;
    small = small * z - 5.37397155531e-2f;
    small = small * z + 1.33314422036e-1f;
    small = small * z - 3.33332819422e-1f;
    small = small * z * x + x;
    return ax < 0.625f ? small : big;
}

/* LSTM: gates i, f, g, o of gx + gh (each H wide); c updated in place; c_prev, tanh_c, h written. */
#define MC_DEFINE_LSTM_FORWARD_ROW(NAME, ATTR)                                               \
ATTR static void NAME(const float* __restrict__ gx, const float* __restrict__ gh,            \
                                    float* __restrict__ c, float* __restrict__ gates,        \
                                    float* __restrict__ c_prev, float* __restrict__ tanh_c,  \
                                    float* __restrict__ h, ptrdiff_t H)                      \
{                                                                                            \
    ptrdiff_t j;                                                                             \
    for (j = 0; j < H; j++) {                                                                \
        float i = mc_rnn_sigmoidf(gx[j] + gh[j]);                                            \
        float f = mc_rnn_sigmoidf(gx[H + j] + gh[H + j]);                                    \
        float g = mc_rnn_tanhf(gx[2 * H + j] + gh[2 * H + j]);                               \
        float o = mc_rnn_sigmoidf(gx[3 * H + j] + gh[3 * H + j]);                            \
        float cp = c[j];                                                                     \
        float cn = f * cp + i * g;                                                           \
        float tc = mc_rnn_tanhf(cn);                                                         \
        gates[j] = i;                                                                        \
        gates[H + j] = f;                                                                    \
        gates[2 * H + j] = g;                                                                \
        gates[3 * H + j] = o;                                                                \
        c_prev[j] = cp;                                                                      \
        c[j] = cn;                                                                           \
        tanh_c[j] = tc;                                                                      \
        h[j] = o * tc;                                                                       \
    }                                                                                        \
}
MC_DEFINE_LSTM_FORWARD_ROW(mc_lstm_forward_row_f32__default, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_LSTM_FORWARD_ROW(mc_lstm_forward_row_f32__avx2, MC_RNN_AVX2)
#endif

/* GRU: r, z = sigmoid(gx + gh), n = tanh(gx_n + r * gh_n); gates = r, z, n, gh_n; h written. */
#define MC_DEFINE_GRU_FORWARD_ROW(NAME, ATTR)                                                    \
ATTR static void NAME(const float* __restrict__ gx, const float* __restrict__ gh,                \
                                   const float* __restrict__ h_prev, float* __restrict__ gates,  \
                                   float* __restrict__ h, ptrdiff_t H)                           \
{                                                                                                \
    ptrdiff_t j;                                                                                 \
    for (j = 0; j < H; j++) {                                                                    \
        float r = mc_rnn_sigmoidf(gx[j] + gh[j]);                                                \
        float z = mc_rnn_sigmoidf(gx[H + j] + gh[H + j]);                                        \
        float ghn = gh[2 * H + j];                                                               \
        float n = mc_rnn_tanhf(gx[2 * H + j] + r * ghn);                                         \
        gates[j] = r;                                                                            \
        gates[H + j] = z;                                                                        \
        gates[2 * H + j] = n;                                                                    \
        gates[3 * H + j] = ghn;                                                                  \
        h[j] = (1.0f - z) * n + z * h_prev[j];                                                   \
    }                                                                                            \
}
MC_DEFINE_GRU_FORWARD_ROW(mc_gru_forward_row_f32__default, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_GRU_FORWARD_ROW(mc_gru_forward_row_f32__avx2, MC_RNN_AVX2)
#endif

/* Elman RNN with tanh: h = tanh(gx + gh). */
#define MC_DEFINE_RNN_TANH_FORWARD_ROW(NAME, ATTR)                                 \
ATTR static void NAME(const float* __restrict__ gx, const float* __restrict__ gh,  \
                                        float* __restrict__ h, ptrdiff_t H)        \
{                                                                                  \
    ptrdiff_t j;                                                                   \
    for (j = 0; j < H; j++)                                                        \
        h[j] = mc_rnn_tanhf(gx[j] + gh[j]);                                        \
}
MC_DEFINE_RNN_TANH_FORWARD_ROW(mc_rnn_tanh_forward_row_f32__default, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_RNN_TANH_FORWARD_ROW(mc_rnn_tanh_forward_row_f32__avx2, MC_RNN_AVX2)
#endif

/* LSTM backward through the gates: dgates (4H) from the saved gates, c_prev, tanh(c_new), dh, and
   dc (dL/dc_new in, dL/dc_prev out). No transcendental functions: one body for both dtypes. */
#define MC_DEFINE_LSTM_BACKWARD_ROW(NAME, T, ATTR)                                                   \
    ATTR static void NAME(const T* __restrict__ gates, const T* __restrict__ c_prev,          \
                                const T* __restrict__ tanh_c, const T* __restrict__ dh,              \
                                T* __restrict__ dc, T* __restrict__ dgates, ptrdiff_t H)             \
    {                                                                                                \
        ptrdiff_t j;                                                                                 \
        for (j = 0; j < H; j++) {                                                                    \
            T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];           \
            T tc = tanh_c[j], d = dh[j];                                                             \
            T dct = dc[j] + d * o * (1 - tc * tc);                                                   \
            dgates[j] = dct * g * i * (1 - i);                                                       \
            dgates[H + j] = dct * c_prev[j] * f * (1 - f);                                           \
            dgates[2 * H + j] = dct * i * (1 - g * g);                                               \
            dgates[3 * H + j] = d * tc * o * (1 - o);                                                \
            dc[j] = dct * f;                                                                         \
        }                                                                                            \
    }

MC_DEFINE_LSTM_BACKWARD_ROW(mc_lstm_backward_row_f32__default, float, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_LSTM_BACKWARD_ROW(mc_lstm_backward_row_f32__avx2, float, MC_RNN_AVX2)
#endif
MC_DEFINE_LSTM_BACKWARD_ROW(mc_lstm_backward_row_f64__default, double, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_LSTM_BACKWARD_ROW(mc_lstm_backward_row_f64__avx2, double, MC_RNN_AVX2)
#endif

/* GRU backward through the gates: dgx, dgh (3H each) and the direct part z * dh of dh_prev. */
#define MC_DEFINE_GRU_BACKWARD_ROW(NAME, T, ATTR)                                                    \
    ATTR static void NAME(const T* __restrict__ gates, const T* __restrict__ h_prev,          \
                                const T* __restrict__ dh, T* __restrict__ dgx, T* __restrict__ dgh,  \
                                T* __restrict__ dh_prev, ptrdiff_t H)                                \
    {                                                                                                \
        ptrdiff_t j;                                                                                 \
        for (j = 0; j < H; j++) {                                                                    \
            T r = gates[j], z = gates[H + j], n = gates[2 * H + j], ghn = gates[3 * H + j];         \
            T d = dh[j];                                                                             \
            T dn = d * (1 - z) * (1 - n * n);                                                        \
            T dz = d * (h_prev[j] - n) * z * (1 - z);                                                \
            T dr = dn * ghn * r * (1 - r);                                                           \
            dgx[j] = dr;                                                                             \
            dgx[H + j] = dz;                                                                         \
            dgx[2 * H + j] = dn;                                                                     \
            dgh[j] = dr;                                                                             \
            dgh[H + j] = dz;                                                                         \
            dgh[2 * H + j] = dn * r;                                                                 \
            dh_prev[j] = d * z;                                                                      \
        }                                                                                            \
    }

MC_DEFINE_GRU_BACKWARD_ROW(mc_gru_backward_row_f32__default, float, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_GRU_BACKWARD_ROW(mc_gru_backward_row_f32__avx2, float, MC_RNN_AVX2)
#endif
MC_DEFINE_GRU_BACKWARD_ROW(mc_gru_backward_row_f64__default, double, )
#if MC_RNN_HAVE_AVX2
MC_DEFINE_GRU_BACKWARD_ROW(mc_gru_backward_row_f64__avx2, double, MC_RNN_AVX2)
#endif

/* The entry points _rnn.pxi calls: the variant mc_rnn_isa names. */
#if MC_RNN_HAVE_AVX2
#define MC_RNN_CALL(NAME, ARGS) \
    do { if (mc_rnn_isa == MC_RNN_ISA_AVX2) NAME##__avx2 ARGS; else NAME##__default ARGS; } while (0)
#else
#define MC_RNN_CALL(NAME, ARGS) NAME##__default ARGS
#endif

static void mc_lstm_forward_row_f32(const float* gx, const float* gh, float* c, float* gates,
                                    float* c_prev, float* tanh_c, float* h, ptrdiff_t H)
{ MC_RNN_CALL(mc_lstm_forward_row_f32, (gx, gh, c, gates, c_prev, tanh_c, h, H)); }
static void mc_gru_forward_row_f32(const float* gx, const float* gh, const float* h_prev,
                                   float* gates, float* h, ptrdiff_t H)
{ MC_RNN_CALL(mc_gru_forward_row_f32, (gx, gh, h_prev, gates, h, H)); }
static void mc_rnn_tanh_forward_row_f32(const float* gx, const float* gh, float* h, ptrdiff_t H)
{ MC_RNN_CALL(mc_rnn_tanh_forward_row_f32, (gx, gh, h, H)); }
#define MC_RNN_BACKWARD_ENTRIES(T, S)                                                                \
    static void mc_lstm_backward_row_##S(const T* gates, const T* c_prev, const T* tanh_c,          \
                                         const T* dh, T* dc, T* dgates, ptrdiff_t H)                 \
    { MC_RNN_CALL(mc_lstm_backward_row_##S, (gates, c_prev, tanh_c, dh, dc, dgates, H)); }          \
    static void mc_gru_backward_row_##S(const T* gates, const T* h_prev, const T* dh, T* dgx,       \
                                        T* dgh, T* dh_prev, ptrdiff_t H)                             \
    { MC_RNN_CALL(mc_gru_backward_row_##S, (gates, h_prev, dh, dgx, dgh, dh_prev, H)); }
MC_RNN_BACKWARD_ENTRIES(float, f32)
MC_RNN_BACKWARD_ENTRIES(double, f64)

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

#endif
