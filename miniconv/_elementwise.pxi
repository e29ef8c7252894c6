# Elementwise sums of two arrays, for the autograd engine (gradients that meet at a node).
#
# Notes:
# - Fixed chunks of 64K elements over the threads, the loop in C (_elementwise.h, vectorised):
#   each element is one IEEE addition, so the bits are NumPy's ``a + b`` for any thread count.
# - ``out`` may be ``a`` (the engine adds into a gradient array only it holds, no new array).


def add_arrays(const floating[::1] a,   # IN
               const floating[::1] b,   # IN
               floating[::1] out,       # OUT  (may alias a or b)
               int n_threads):
    """out[i] = a[i] + b[i]."""
    cdef Py_ssize_t n = a.shape[0]
    _same_lengths("add_arrays", n, b.shape[0], "b")
    _same_lengths("add_arrays", n, out.shape[0], "out")
    if n == 0:
        return
    cdef Py_ssize_t chunk = 1 << 16, nchunks = (n + chunk - 1) // chunk, k, s
    cdef const floating* ap = &a[0]
    cdef const floating* bp = &b[0]
    cdef floating* op = &out[0]
    if nchunks < 2:
        n_threads = 1
    for k in prange(nchunks, nogil=True, schedule='static', num_threads=n_threads):
        s = k * chunk
        if floating is float:
            mc_add_f32(ap + s, bp + s, op + s, min(chunk, n - s))
        else:
            mc_add_f64(ap + s, bp + s, op + s, min(chunk, n - s))


# float32 sigmoid, SiLU and GELU in one pass each (_activation.h: computed in float64 and rounded
# once; the baseline or AVX2 loop as rnn_gates_set_isa chose). Fixed chunks over the threads,
# every element computed alone: the same bits for any thread count.

cdef extern from "_activation.h" nogil:
    void mc_act_forward_f32(int op, const float* x, float* y, size_t n)
    void mc_act_backward_f32(int op, const float* g, const float* x, float* dx, size_t n)

_ACT_OPS = {"sigmoid": 0, "silu": 1, "gelu": 2, "gelu_tanh": 3}


def act_forward_f32(str name, const float[::1] x, float[::1] y, int n_threads):
    """y = f(x) for f in sigmoid, silu, gelu, gelu_tanh."""
    if name not in _ACT_OPS:
        raise ValueError(f"act_forward_f32: unknown activation {name!r}; expected one of {sorted(_ACT_OPS)}")
    cdef int op = _ACT_OPS[name]
    cdef Py_ssize_t n = x.shape[0]
    _same_lengths("act_forward_f32", n, y.shape[0], "y")
    if n == 0:
        return
    cdef Py_ssize_t chunk = 1 << 14, nchunks = (n + chunk - 1) // chunk, k, s
    cdef const float* xp = &x[0]
    cdef float* yp = &y[0]
    if nchunks < 2:
        n_threads = 1
    for k in prange(nchunks, nogil=True, schedule='static', num_threads=n_threads):
        s = k * chunk
        mc_act_forward_f32(op, xp + s, yp + s, min(chunk, n - s))


def act_backward_f32(str name, const float[::1] g, const float[::1] x, float[::1] dx, int n_threads):
    """dx = g * f'(x) for f in silu, gelu, gelu_tanh."""
    if name not in ("silu", "gelu", "gelu_tanh"):
        raise ValueError(f"act_backward_f32: unknown activation {name!r}; expected 'silu', 'gelu' or 'gelu_tanh'")
    cdef int op = _ACT_OPS[name]
    cdef Py_ssize_t n = x.shape[0]
    _same_lengths("act_backward_f32", n, g.shape[0], "g")
    _same_lengths("act_backward_f32", n, dx.shape[0], "dx")
    if n == 0:
        return
    cdef Py_ssize_t chunk = 1 << 14, nchunks = (n + chunk - 1) // chunk, k, s
    cdef const float* gp = &g[0]
    cdef const float* xp = &x[0]
    cdef float* dp = &dx[0]
    if nchunks < 2:
        n_threads = 1
    for k in prange(nchunks, nogil=True, schedule='static', num_threads=n_threads):
        s = k * chunk
        mc_act_backward_f32(op, gp + s, xp + s, dp + s, min(chunk, n - s))
