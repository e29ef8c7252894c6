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
