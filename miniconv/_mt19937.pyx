# cython: language_level=3
"""PyTorch's CPU random number generator: its mt19937 engine and the sampling loops of its CPU kernels.

``MT19937`` holds the same state as ``at::CPUGeneratorImpl`` (aten/src/ATen/CPUGeneratorImpl.cpp): the
mt19937 words, ``left``/``next``, the seed, and the cached second sample of ``normal_distribution<double>``.
``random()`` is one 32-bit draw; ``random64()`` two draws, the first one the high word. The fill functions
reproduce PyTorch's CPU kernels draw for draw (aten/src/ATen/native/cpu/DistributionTemplates.h,
aten/src/ATen/core/DistributionsHelper.h and TransformationHelper.h):

* ``fill_uniform``: ``uniform_real_distribution`` -- float32 from one draw (its low 24 bits times 2**-24),
  float64 from ``random64()`` (low 53 bits times 2**-53), then ``x * (to - from) + from`` in that precision,
  and a value equal to ``to`` replaced by ``from``.
* ``fill_normal``: ``normal_fill`` (contiguous tensors of at least 16 elements): all uniforms first, then
  Box-Muller on blocks of 16 (lanes j and j + 8 share one pair); when the size is not a multiple of 16 the last
  16 elements are drawn again and transformed again. float32 follows the AVX2 kernel PyTorch runs on x86-64
  (``NormalFill16<float>`` with ``log256_ps``/``sincos256_ps`` from avx_mathfun.h), lane by lane in scalar C
  with the same operations; float64 follows the scalar ``NormalFill16<double>`` (libm log, cos, sin, fma).
* ``normal_serial``: ``normal_distribution<double>`` element by element (smaller or non-contiguous tensors),
  using and refilling the generator's cached second sample.
* ``randperm``: PyTorch's Fisher-Yates shuffles (``random() % (n - i)`` below n = 2**32 // 20, the
  inside-out variant with ``random64() % (i + 1)`` above).

# Notes:
# - The transcendental helpers are compiled without floating-point contraction (setup.py passes
#   -ffp-contract=off) so every multiply and add rounds as written; where PyTorch's compiled AVX2 kernel fuses a
#   multiply into the following add (GCC contracts the vector intrinsics into FMAs), the code below calls fmaf.
# - Draws are serial, as in PyTorch: the numbers do not depend on the thread count.
"""
import numpy as np

from libc.math cimport cos, fma, fmaf, log, log1p, sin, sqrt, sqrtf
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memcpy


cdef enum:
    N = 624
    M = 397

ctypedef fused floating:
    float
    double


cdef extern from *:
    """
    #define MC_PI 3.14159265358979323846
    /* PyTorch's AVX2 NormalFill16<float> with avx_mathfun.h's log256_ps and sincos256_ps, the multiplies that
       its compiled kernel fuses into the following add written as FMAs. Compiled for AVX2+FMA with a target
       attribute and used only when the CPU has both (mc_cpu_has_avx2_fma); _normal_fill_16 below is its scalar
       twin and gives the same bits. */
    #if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    #include <immintrin.h>
    #define MC_AVX2 __attribute__((target("avx2,fma")))
    MC_AVX2 static inline __m256 mc_log256(__m256 x) {
        const __m256 one = _mm256_set1_ps(1.0f);
        x = _mm256_max_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x00800000)));
        __m256i imm0 = _mm256_srli_epi32(_mm256_castps_si256(x), 23);
        x = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(~0x7f800000)));
        x = _mm256_or_ps(x, _mm256_set1_ps(0.5f));
        imm0 = _mm256_sub_epi32(imm0, _mm256_set1_epi32(0x7f));
        __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(imm0), one);
        __m256 mask = _mm256_cmp_ps(x, _mm256_set1_ps((float)0.707106781186547524), _CMP_LT_OS);
        __m256 tmp = _mm256_and_ps(x, mask);
        x = _mm256_sub_ps(x, one);
        e = _mm256_sub_ps(e, _mm256_and_ps(one, mask));
        x = _mm256_add_ps(x, tmp);
        __m256 z = _mm256_mul_ps(x, x);
        __m256 y = _mm256_fmadd_ps(_mm256_set1_ps((float)7.0376836292E-2), x, _mm256_set1_ps((float)-1.1514610310E-1));
        y = _mm256_fmadd_ps(y, x, _mm256_set1_ps((float)1.1676998740E-1));
        y = _mm256_fmadd_ps(y, x, _mm256_set1_ps((float)-1.2420140846E-1));
        y = _mm256_fmadd_ps(y, x, _mm256_set1_ps((float)1.4249322787E-1));
        y = _mm256_fmadd_ps(y, x, _mm256_set1_ps((float)-1.6668057665E-1));
        y = _mm256_fmadd_ps(y, x, _mm256_set1_ps((float)2.0000714765E-1));
        y = _mm256_fmadd_ps(y, x, _mm256_set1_ps((float)-2.4999993993E-1));
        y = _mm256_fmadd_ps(y, x, _mm256_set1_ps((float)3.3333331174E-1));
        y = _mm256_mul_ps(y, x);
        y = _mm256_fmadd_ps(y, z, _mm256_mul_ps(e, _mm256_set1_ps((float)-2.12194440e-4)));
        y = _mm256_fnmadd_ps(z, _mm256_set1_ps(0.5f), y);
        x = _mm256_add_ps(x, y);
        return _mm256_fmadd_ps(e, _mm256_set1_ps((float)0.693359375), x);
    }
    MC_AVX2 static inline void mc_sincos256(__m256 x, __m256* s, __m256* c) {
        __m256 sign_sin = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000)));
        x = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(~(int)0x80000000)));
        __m256 y = _mm256_mul_ps(x, _mm256_set1_ps((float)1.27323954473516));
        __m256i j = _mm256_cvttps_epi32(y);
        j = _mm256_add_epi32(j, _mm256_set1_epi32(1));
        j = _mm256_and_si256(j, _mm256_set1_epi32(~1));
        y = _mm256_cvtepi32_ps(j);
        __m256i swap = _mm256_slli_epi32(_mm256_and_si256(j, _mm256_set1_epi32(4)), 29);
        __m256 poly = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)),
                                                             _mm256_setzero_si256()));
        x = _mm256_fmadd_ps(y, _mm256_set1_ps(-0.78515625f), x);
        x = _mm256_fmadd_ps(y, _mm256_set1_ps((float)-2.4187564849853515625e-4), x);
        x = _mm256_fmadd_ps(y, _mm256_set1_ps((float)-3.77489497744594108e-8), x);
        __m256i jc = _mm256_sub_epi32(j, _mm256_set1_epi32(2));
        jc = _mm256_slli_epi32(_mm256_andnot_si256(jc, _mm256_set1_epi32(4)), 29);
        __m256 sign_cos = _mm256_castsi256_ps(jc);
        sign_sin = _mm256_xor_ps(sign_sin, _mm256_castsi256_ps(swap));
        __m256 z = _mm256_mul_ps(x, x);
        y = _mm256_fmadd_ps(_mm256_set1_ps((float)2.443315711809948E-005), z, _mm256_set1_ps((float)-1.388731625493765E-003));
        y = _mm256_fmadd_ps(y, z, _mm256_set1_ps((float)4.166664568298827E-002));
        y = _mm256_mul_ps(y, z);
        y = _mm256_fmsub_ps(y, z, _mm256_mul_ps(z, _mm256_set1_ps(0.5f)));
        y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
        __m256 y2 = _mm256_fmadd_ps(_mm256_set1_ps((float)-1.9515295891E-4), z, _mm256_set1_ps((float)8.3321608736E-3));
        y2 = _mm256_fmadd_ps(y2, z, _mm256_set1_ps((float)-1.6666654611E-1));
        y2 = _mm256_mul_ps(y2, z);
        y2 = _mm256_fmadd_ps(y2, x, x);
        __m256 ysin2 = _mm256_and_ps(poly, y2);
        __m256 ysin1 = _mm256_andnot_ps(poly, y);
        y2 = _mm256_sub_ps(y2, ysin2);
        y = _mm256_sub_ps(y, ysin1);
        *s = _mm256_xor_ps(_mm256_add_ps(ysin1, ysin2), sign_sin);
        *c = _mm256_xor_ps(_mm256_add_ps(y, y2), sign_cos);
    }
    MC_AVX2 static void mc_normal_fill_16_avx2(float* data, float mean, float std) {
        const __m256 u1 = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_loadu_ps(data));
        const __m256 u2 = _mm256_loadu_ps(data + 8);
        const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), mc_log256(u1)));
        const __m256 theta = _mm256_mul_ps(_mm256_set1_ps((float)(2.0f * MC_PI)), u2);
        __m256 s, c;
        mc_sincos256(theta, &s, &c);
        _mm256_storeu_ps(data, _mm256_fmadd_ps(_mm256_mul_ps(radius, c), _mm256_set1_ps(std), _mm256_set1_ps(mean)));
        _mm256_storeu_ps(data + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, s), _mm256_set1_ps(std), _mm256_set1_ps(mean)));
    }
    /* uniform_real_distribution's transform, x * (to - from) + from fused as PyTorch's compiled kernel fuses it,
       with a value equal to `to` replaced by `from`; bits are the draws (random() or random64()) */
    MC_AVX2 static void mc_uniform_f32_fma(const uint32_t* bits, float* out, long long n, float from, float range,
                                           float to) {
        for (long long i = 0; i < n; i++) {
            float x = __builtin_fmaf((float)(bits[i] & 0xffffffu) * (1.0f / 16777216.0f), range, from);
            out[i] = x == to ? from : x;
        }
    }
    MC_AVX2 static void mc_uniform_f64_fma(const uint64_t* bits, double* out, long long n, double from,
                                           double range, double to) {
        for (long long i = 0; i < n; i++) {
            double x = __builtin_fma((double)(bits[i] & 0x1fffffffffffffull) * (1.0 / 9007199254740992.0), range,
                                     from);
            out[i] = x == to ? from : x;
        }
    }
    static int mc_cpu_has_avx2_fma(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    #else
    static void mc_uniform_f32_fma(const uint32_t* bits, float* out, long long n, float from, float range, float to) {
        (void)bits; (void)out; (void)n; (void)from; (void)range; (void)to;
    }
    static void mc_uniform_f64_fma(const uint64_t* bits, double* out, long long n, double from, double range,
                                   double to) {
        (void)bits; (void)out; (void)n; (void)from; (void)range; (void)to;
    }
    static void mc_normal_fill_16_avx2(float* data, float mean, float std) { (void)data; (void)mean; (void)std; }
    static int mc_cpu_has_avx2_fma(void) { return 0; }
    #endif
    """
    double MC_PI
    void mc_normal_fill_16_avx2(float* data, float mean, float std) noexcept nogil
    void mc_uniform_f32_fma(const uint32_t* bits, float* out, long long n, float from_, float range,
                            float to) noexcept nogil
    void mc_uniform_f64_fma(const uint64_t* bits, double* out, long long n, double from_, double range,
                            double to) noexcept nogil
    int mc_cpu_has_avx2_fma() noexcept nogil


# the AVX2 kernel is used when the CPU has it (tests turn it off to check the scalar twin against it)
use_avx2 = bool(mc_cpu_has_avx2_fma())
cdef bint _use_avx2 = use_avx2


def set_use_avx2(bint flag):
    """Turn the AVX2 NormalFill16 on (when the CPU has AVX2 and FMA) or off (the scalar twin); returns the
    previous setting."""
    global _use_avx2, use_avx2
    previous = _use_avx2
    _use_avx2 = flag and mc_cpu_has_avx2_fma()
    use_avx2 = bool(_use_avx2)
    return previous


cdef inline uint32_t _twist(uint32_t u, uint32_t v) noexcept nogil:
    cdef uint32_t mixed = (u & 0x80000000u) | (v & 0x7fffffffu)
    return (mixed >> 1) ^ (0x9908b0dfu if (v & 1u) else 0u)


cdef class MT19937:
    """The engine and the cached normal samples of one PyTorch CPU generator."""
    cdef uint32_t state[N]
    cdef int left
    cdef uint32_t next_
    cdef uint64_t seed_
    cdef bint seeded
    cdef public object next_double_normal   # None or a float (normal_distribution<double>'s second sample)
    cdef public object next_float_normal    # None or a float (kept for the state layout; CPU kernels never set it)

    def __init__(self, uint64_t seed=5489):
        self.manual_seed(seed)

    def manual_seed(self, uint64_t seed):
        """``mt19937(seed)``: the state from the low 32 bits, the whole seed remembered; caches cleared."""
        cdef int j
        self.seed_ = seed
        self.seeded = True
        self.state[0] = <uint32_t>(seed & 0xffffffffu)
        for j in range(1, N):
            self.state[j] = <uint32_t>(1812433253u * (self.state[j - 1] ^ (self.state[j - 1] >> 30)) + <uint32_t>j)
        self.left = 1
        self.next_ = 0
        self.next_double_normal = None
        self.next_float_normal = None

    def initial_seed(self):
        return self.seed_

    def get_pod(self):
        """(seed, left, seeded, next, state words as a uint32 array)."""
        words = np.empty(N, np.uint32)
        cdef uint32_t[::1] w = words
        memcpy(&w[0], self.state, N * sizeof(uint32_t))
        return self.seed_, self.left, bool(self.seeded), self.next_, words

    def set_pod(self, uint64_t seed, int left, bint seeded, uint32_t next_, const uint32_t[::1] words):
        """Load a state; the caller has checked it (``seeded``, ``0 < left <= 624``, ``next <= 624``)."""
        self.seed_ = seed
        self.left = left
        self.seeded = seeded
        self.next_ = next_
        memcpy(self.state, &words[0], N * sizeof(uint32_t))

    def clone(self):
        cdef MT19937 other = MT19937.__new__(MT19937)
        memcpy(other.state, self.state, N * sizeof(uint32_t))
        other.left, other.next_, other.seed_, other.seeded = self.left, self.next_, self.seed_, self.seeded
        other.next_double_normal, other.next_float_normal = self.next_double_normal, self.next_float_normal
        return other

    # -- the engine ----------------------------------------------------------------------------
    cdef void _next_state(self) noexcept nogil:
        cdef uint32_t* p = self.state
        cdef int j
        self.left = N
        self.next_ = 0
        for j in range(N - M):
            p[j] = p[j + M] ^ _twist(p[j], p[j + 1])
        for j in range(N - M, N - 1):
            p[j] = p[j + M - N] ^ _twist(p[j], p[j + 1])
        p[N - 1] = p[M - 1] ^ _twist(p[N - 1], p[0])

    cdef inline uint32_t random(self) noexcept nogil:
        cdef uint32_t y
        self.left -= 1
        if self.left == 0:
            self._next_state()
        y = self.state[self.next_]
        self.next_ += 1
        y ^= (y >> 11)
        y ^= (y << 7) & 0x9d2c5680u
        y ^= (y << 15) & 0xefc60000u
        y ^= (y >> 18)
        return y

    cdef inline uint64_t random64(self) noexcept nogil:
        cdef uint64_t hi = self.random()
        cdef uint64_t lo = self.random()
        return (hi << 32) | lo

    # -- raw draws -----------------------------------------------------------------------------
    def random_u32(self, Py_ssize_t n):
        """``n`` draws of ``random()`` (uint32)."""
        out = np.empty(n, np.uint32)
        cdef uint32_t[::1] o = out
        cdef Py_ssize_t i
        with nogil:
            for i in range(n):
                o[i] = self.random()
        return out

    def random_u64(self, Py_ssize_t n):
        """``n`` draws of ``random64()`` (uint64)."""
        out = np.empty(n, np.uint64)
        cdef uint64_t[::1] o = out
        cdef Py_ssize_t i
        with nogil:
            for i in range(n):
                o[i] = self.random64()
        return out

    # -- uniform -------------------------------------------------------------------------------
    def fill_uniform(self, floating[::1] out, double from_, double to_):  # OUT
        """``uniform_kernel``: ``out[i]`` in ``[from, to)`` in PyTorch's order and rounding."""
        cdef Py_ssize_t i, j, m, n = out.shape[0]
        cdef float ff = <float>from_, ft = <float>to_, fr = ft - ff, fx
        cdef double dr = to_ - from_, dx
        cdef uint32_t bits32[1024]
        cdef uint64_t bits64[1024]
        with nogil:
            i = 0
            while i < n:  # draws in blocks, then the transform (with the CPU's FMA when it has one)
                m = min(1024, n - i)
                if floating is float:
                    for j in range(m):
                        bits32[j] = self.random()
                    if _use_avx2:
                        mc_uniform_f32_fma(bits32, &out[i], m, ff, fr, ft)
                    else:
                        for j in range(m):
                            fx = fmaf(<float>(bits32[j] & 0xffffffu) * <float>(1.0 / 16777216.0), fr, ff)
                            out[i + j] = ff if fx == ft else fx
                else:
                    for j in range(m):
                        bits64[j] = self.random64()
                    if _use_avx2:
                        mc_uniform_f64_fma(bits64, &out[i], m, from_, dr, to_)
                    else:
                        for j in range(m):
                            dx = fma(<double>(bits64[j] & 0x1fffffffffffffu) * (1.0 / 9007199254740992.0), dr, from_)
                            out[i + j] = from_ if dx == to_ else dx
                i += m

    def uniform_f64(self, Py_ssize_t n):
        """``n`` draws of ``uniform_real_distribution<double>(0, 1)`` (bernoulli with a double p, exponential,
        geometric, cauchy, log-normal's uniforms, multinomial)."""
        out = np.empty(n, np.float64)
        cdef double[::1] o = out
        cdef Py_ssize_t i
        with nogil:
            for i in range(n):
                o[i] = <double>(self.random64() & 0x1fffffffffffffu) * (1.0 / 9007199254740992.0)
        return out

    def uniform_f32(self, Py_ssize_t n):
        """``n`` draws of ``uniform_real_distribution<float>(0, 1)`` (bernoulli with a float p)."""
        out = np.empty(n, np.float32)
        cdef float[::1] o = out
        cdef Py_ssize_t i
        with nogil:
            for i in range(n):
                o[i] = <float>(self.random() & 0xffffffu) * <float>(1.0 / 16777216.0)
        return out

    # -- normal --------------------------------------------------------------------------------
    def fill_normal(self, floating[::1] out, double mean, double std):  # OUT
        """``normal_fill`` (``out`` has at least 16 elements)."""
        cdef Py_ssize_t i, n = out.shape[0]
        cdef floating* data = &out[0]
        cdef floating fm = <floating>mean, fs = <floating>std
        if n < 16:
            raise ValueError("fill_normal needs at least 16 elements")
        with nogil:
            _fill_uniform01(self, data, n)
            i = 0
            while i + 16 <= n:
                _normal_fill_16_best(data + i, fm, fs)
                i += 16
            if n % 16 != 0:
                _fill_uniform01(self, data + n - 16, 16)
                _normal_fill_16_best(data + n - 16, fm, fs)

    def normal_serial(self, double[::1] out, double mean, double std):  # OUT
        """``normal_distribution<double>(mean, std)`` per element, with the generator's cached second sample."""
        cdef Py_ssize_t i = 0, n = out.shape[0]
        cdef double u1, u2, r, theta
        if n == 0:
            return
        if self.next_double_normal is not None:
            out[0] = fma(<double>self.next_double_normal, std, mean)
            self.next_double_normal = None
            i = 1
        while i < n:
            u1 = <double>(self.random64() & 0x1fffffffffffffu) * (1.0 / 9007199254740992.0)
            u2 = <double>(self.random64() & 0x1fffffffffffffu) * (1.0 / 9007199254740992.0)
            r = sqrt(-2.0 * log1p(-u2))
            theta = 2.0 * MC_PI * u1
            out[i] = fma(r * cos(theta), std, mean)
            i += 1
            if i < n:  # the second sample is the next element's, taken from the cache
                out[i] = fma(r * sin(theta), std, mean)
                i += 1
            else:
                self.next_double_normal = r * sin(theta)

    # -- integers ------------------------------------------------------------------------------
    def randperm(self, int64_t[::1] out):  # OUT
        """``randperm_cpu`` into ``out`` (its length is n)."""
        cdef int64_t n = out.shape[0], i, z, save
        with nogil:
            if n < <int64_t>(4294967295u // 20):
                for i in range(n):
                    out[i] = i
                for i in range(n - 1):
                    z = <int64_t>(self.random() % <uint32_t>(n - i))
                    save = out[i]
                    out[i] = out[z + i]
                    out[z + i] = save
            else:
                for i in range(n):
                    z = <int64_t>(self.random64() % <uint64_t>(i + 1))
                    out[i] = out[z]
                    out[z] = i


cdef void _fill_uniform01(MT19937 g, floating* data, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        if floating is float:
            data[i] = <float>(g.random() & 0xffffffu) * <float>(1.0 / 16777216.0)
        else:
            data[i] = <double>(g.random64() & 0x1fffffffffffffu) * (1.0 / 9007199254740992.0)


# -- NormalFill16 ------------------------------------------------------------------------------
cdef inline float _bits_to_float(uint32_t b) noexcept nogil:
    cdef float f
    memcpy(&f, &b, 4)
    return f


cdef inline uint32_t _float_to_bits(float f) noexcept nogil:
    cdef uint32_t b
    memcpy(&b, &f, 4)
    return b


cdef inline float _log_avx(float x) noexcept nogil:
    """``log256_ps`` (avx_mathfun.h) on one lane, for x > 0."""
    cdef uint32_t ix
    cdef int32_t imm0
    cdef float e, tmp, z, y
    x = x if x > _bits_to_float(0x00800000u) else _bits_to_float(0x00800000u)
    ix = _float_to_bits(x)
    imm0 = <int32_t>(ix >> 23) - 0x7f
    x = _bits_to_float((ix & ~0x7f800000u) | _float_to_bits(0.5))
    e = <float>imm0 + 1.0
    if x < <float>0.707106781186547524:
        tmp = x
        x = x - 1.0
        e = e - 1.0
    else:
        tmp = 0.0
        x = x - 1.0
    x = x + tmp
    z = x * x
    y = fmaf(<float>7.0376836292E-2, x, <float>-1.1514610310E-1)
    y = fmaf(y, x, <float>1.1676998740E-1)
    y = fmaf(y, x, <float>-1.2420140846E-1)
    y = fmaf(y, x, <float>1.4249322787E-1)
    y = fmaf(y, x, <float>-1.6668057665E-1)
    y = fmaf(y, x, <float>2.0000714765E-1)
    y = fmaf(y, x, <float>-2.4999993993E-1)
    y = fmaf(y, x, <float>3.3333331174E-1)
    y = y * x
    y = fmaf(y, z, e * <float>-2.12194440e-4)
    y = fmaf(-z, <float>0.5, y)
    x = x + y
    return fmaf(e, <float>0.693359375, x)


cdef inline void _sincos_avx(float x, float* s, float* c) noexcept nogil:
    """``sincos256_ps`` (avx_mathfun.h) on one lane."""
    cdef uint32_t sign_sin = _float_to_bits(x) & 0x80000000u, sign_cos
    cdef int32_t j
    cdef float y, z, y2, ysin1, ysin2
    cdef bint poly
    x = _bits_to_float(_float_to_bits(x) & 0x7fffffffu)
    y = x * <float>1.27323954473516
    j = <int32_t>y
    j = (j + 1) & ~1
    y = <float>j
    sign_sin ^= (<uint32_t>(j & 4)) << 29
    poly = (j & 2) == 0
    x = fmaf(y, <float>-0.78515625, x)
    x = fmaf(y, <float>-2.4187564849853515625e-4, x)
    x = fmaf(y, <float>-3.77489497744594108e-8, x)
    sign_cos = (<uint32_t>(~(j - 2) & 4)) << 29
    z = x * x
    y = fmaf(<float>2.443315711809948E-005, z, <float>-1.388731625493765E-003)
    y = fmaf(y, z, <float>4.166664568298827E-002)
    y = y * z
    y = fmaf(y, z, -(z * <float>0.5))
    y = y + 1.0
    y2 = fmaf(<float>-1.9515295891E-4, z, <float>8.3321608736E-3)
    y2 = fmaf(y2, z, <float>-1.6666654611E-1)
    y2 = y2 * z
    y2 = fmaf(y2, x, x)
    ysin2 = y2 if poly else 0.0
    ysin1 = 0.0 if poly else y
    y2 = y2 - ysin2
    y = y - ysin1
    s[0] = _bits_to_float(_float_to_bits(ysin1 + ysin2) ^ sign_sin)
    c[0] = _bits_to_float(_float_to_bits(y + y2) ^ sign_cos)


cdef inline void _normal_fill_16_best(floating* data, floating mean, floating std) noexcept nogil:
    if floating is float:
        if _use_avx2:
            mc_normal_fill_16_avx2(data, mean, std)
            return
    _normal_fill_16(data, mean, std)


cdef inline void _normal_fill_16(floating* data, floating mean, floating std) noexcept nogil:
    cdef int j
    cdef float fu1, fr, ftheta, fs, fc
    cdef double du1, dr, dtheta
    for j in range(8):
        if floating is float:
            fu1 = <float>1.0 - data[j]
            fr = sqrtf(<float>-2.0 * _log_avx(fu1))
            ftheta = <float>(2.0 * MC_PI) * data[j + 8]
            _sincos_avx(ftheta, &fs, &fc)
            data[j] = fmaf(fr * fc, std, mean)
            data[j + 8] = fmaf(fr * fs, std, mean)
        else:
            du1 = 1.0 - data[j]
            dr = sqrt(-2.0 * log(du1))
            dtheta = 2.0 * MC_PI * data[j + 8]
            data[j] = fma(dr * cos(dtheta), std, mean)
            data[j + 8] = fma(dr * sin(dtheta), std, mean)
