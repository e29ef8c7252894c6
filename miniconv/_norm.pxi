# Batch-norm kernels: per-channel statistics, the affine transform, backward reductions.
#
# The caller views its input as (N, C, L) C-contiguous: (N, C, H, W) with L = H*W for
# BatchNorm2d, (N, C, L) or (N, C, 1) for BatchNorm1d. Per-channel quantities are double.
#
# Notes:
# - Reductions (statistics, backward sums) run ``prange`` over channels: one thread owns a
#   channel and visits its N*L values in a fixed order, so results are the same bits for any
#   thread count without partial-sum buffers. Row totals are added in double.
# - Variance is two-pass (mean first, then the sum of squared deviations), which is stable
#   where ``E[x^2] - E[x]^2`` cancels catastrophically.
# - A row sum keeps eight independent accumulators in the data's precision (``_row_sum`` etc.):
#   one accumulator waits on the latency of every add; eight let the adds overlap and map onto
#   SIMD lanes (double accumulators with a float->double conversion per element ran at half the
#   speed; measurements in docs/performance.md). The order of additions is fixed by the data layout alone.
# - Elementwise passes (transform, grad input) run ``prange`` over the N*C planes, in the
#   data's precision with per-channel coefficients rounded to it (as PyTorch's CPU kernel),
#   so float32 loops vectorize.


# Row sums use eight independent accumulators in the data's precision (a fixed, thread-count
# independent order the compiler turns into SIMD registers without -ffast-math); each row's total is
# then added in double. A row is one (n, c) plane, so at most L values meet in one float lane
# accumulator (L / 8 of them), which keeps float32 error near 1e-6 relative, like PyTorch's CPU kernel.
cdef inline double _row_sum(const floating* x, Py_ssize_t n, floating shift) noexcept nogil:
    """sum(x[i] - shift) over a contiguous row."""
    cdef floating a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
    cdef Py_ssize_t i = 0
    while i + 8 <= n:
        a0 = a0 + (x[i] - shift)
        a1 = a1 + (x[i + 1] - shift)
        a2 = a2 + (x[i + 2] - shift)
        a3 = a3 + (x[i + 3] - shift)
        a4 = a4 + (x[i + 4] - shift)
        a5 = a5 + (x[i + 5] - shift)
        a6 = a6 + (x[i + 6] - shift)
        a7 = a7 + (x[i + 7] - shift)
        i = i + 8
    while i < n:
        a0 = a0 + (x[i] - shift)
        i = i + 1
    return (<double>(a0 + a4) + <double>(a1 + a5)) + (<double>(a2 + a6) + <double>(a3 + a7))


cdef inline double _row_sum_sq(const floating* x, Py_ssize_t n, floating shift) noexcept nogil:
    """sum((x[i] - shift)^2) over a contiguous row."""
    cdef floating a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
    cdef floating d0, d1, d2, d3, d4, d5, d6, d7
    cdef Py_ssize_t i = 0
    while i + 8 <= n:
        d0 = x[i] - shift
        d1 = x[i + 1] - shift
        d2 = x[i + 2] - shift
        d3 = x[i + 3] - shift
        d4 = x[i + 4] - shift
        d5 = x[i + 5] - shift
        d6 = x[i + 6] - shift
        d7 = x[i + 7] - shift
        a0 = a0 + d0 * d0
        a1 = a1 + d1 * d1
        a2 = a2 + d2 * d2
        a3 = a3 + d3 * d3
        a4 = a4 + d4 * d4
        a5 = a5 + d5 * d5
        a6 = a6 + d6 * d6
        a7 = a7 + d7 * d7
        i = i + 8
    while i < n:
        d0 = x[i] - shift
        a0 = a0 + d0 * d0
        i = i + 1
    return (<double>(a0 + a4) + <double>(a1 + a5)) + (<double>(a2 + a6) + <double>(a3 + a7))


cdef inline double _row_dot_centered(const floating* g, const floating* x, Py_ssize_t n,
                                     floating shift) noexcept nogil:
    """sum(g[i] * (x[i] - shift)) over contiguous rows."""
    cdef floating a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0
    cdef Py_ssize_t i = 0
    while i + 8 <= n:
        a0 = a0 + g[i] * (x[i] - shift)
        a1 = a1 + g[i + 1] * (x[i + 1] - shift)
        a2 = a2 + g[i + 2] * (x[i + 2] - shift)
        a3 = a3 + g[i + 3] * (x[i + 3] - shift)
        a4 = a4 + g[i + 4] * (x[i + 4] - shift)
        a5 = a5 + g[i + 5] * (x[i + 5] - shift)
        a6 = a6 + g[i + 6] * (x[i + 6] - shift)
        a7 = a7 + g[i + 7] * (x[i + 7] - shift)
        i = i + 8
    while i < n:
        a0 = a0 + g[i] * (x[i] - shift)
        i = i + 1
    return (<double>(a0 + a4) + <double>(a1 + a5)) + (<double>(a2 + a6) + <double>(a3 + a7))


def batch_norm_stats(const floating[:, :, ::1] x,   # IN  (N, C, L)
                     double[::1] mean,              # OUT (C,)
                     double[::1] sq_dev_sum,        # OUT (C,) sum over N*L of (x - mean)^2
                     int n_threads):
    """Per-channel mean and sum of squared deviations (two passes, double accumulation)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], L = x.shape[2]
    _same_shape("batch_norm_stats", (C,), (mean.shape[0],), "mean")
    _same_shape("batch_norm_stats", (C,), (sq_dev_sum.shape[0],), "sq_dev_sum")
    if N * L == 0 and C > 0:
        raise ValueError("batch_norm_stats: no values per channel (N * L == 0)")
    cdef Py_ssize_t n, c
    cdef double acc, m
    for c in prange(C, nogil=True, schedule='static', num_threads=n_threads):
        # shift by the channel's first value so the float lanes sum small deviations
        m = x[0, c, 0]
        acc = 0
        for n in range(N):
            acc = acc + _row_sum(&x[n, c, 0], L, <floating>m)
        m = m + acc / (N * L)
        acc = 0
        for n in range(N):
            acc = acc + _row_sum_sq(&x[n, c, 0], L, <floating>m)
        mean[c] = m
        sq_dev_sum[c] = acc


def batch_norm_transform(const floating[:, :, ::1] x,   # IN  (N, C, L)
                         const double[::1] scale,       # IN  (C,)
                         const double[::1] shift,       # IN  (C,)
                         floating[:, :, ::1] out,       # OUT (N, C, L), may alias x
                         int n_threads):
    """out[n, c, l] = x[n, c, l] * scale[c] + shift[c] (PyTorch's alpha/beta form of batch norm)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], L = x.shape[2]
    _same_shape("batch_norm_transform", (C,), (scale.shape[0],), "scale")
    _same_shape("batch_norm_transform", (C,), (shift.shape[0],), "shift")
    _same_shape("batch_norm_transform", (N, C, L), (out.shape[0], out.shape[1], out.shape[2]), "out")
    cdef Py_ssize_t plane, n, c, l
    cdef floating a, b
    for plane in prange(N * C, nogil=True, schedule='static', num_threads=n_threads):
        n = plane // C
        c = plane % C
        a = <floating>scale[c]
        b = <floating>shift[c]
        for l in range(L):
            out[n, c, l] = x[n, c, l] * a + b


def batch_norm_backward_reduce(const floating[:, :, ::1] grad,   # IN  (N, C, L) dL/dy
                               const floating[:, :, ::1] x,      # IN  (N, C, L)
                               const double[::1] mean,           # IN  (C,) the mean used forward
                               double[::1] sum_dy,               # OUT (C,) sum of dy
                               double[::1] sum_dy_xmu,           # OUT (C,) sum of dy * (x - mean)
                               int n_threads):
    """The two per-channel sums every batch-norm gradient is built from."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], L = x.shape[2]
    _same_shape("batch_norm_backward_reduce", (N, C, L), (grad.shape[0], grad.shape[1], grad.shape[2]), "grad")
    _same_shape("batch_norm_backward_reduce", (C,), (mean.shape[0],), "mean")
    _same_shape("batch_norm_backward_reduce", (C,), (sum_dy.shape[0],), "sum_dy")
    _same_shape("batch_norm_backward_reduce", (C,), (sum_dy_xmu.shape[0],), "sum_dy_xmu")
    cdef Py_ssize_t n, c
    cdef double s, sx, m
    for c in prange(C, nogil=True, schedule='static', num_threads=n_threads):
        s = 0
        sx = 0
        m = mean[c]
        for n in range(N):
            s = s + _row_sum(&grad[n, c, 0], L, 0)
            sx = sx + _row_dot_centered(&grad[n, c, 0], &x[n, c, 0], L, <floating>m)
        sum_dy[c] = s
        sum_dy_xmu[c] = sx


def batch_norm_backward_input(const floating[:, :, ::1] grad,   # IN  (N, C, L) dL/dy
                              const floating[:, :, ::1] x,      # IN  (N, C, L)
                              const double[::1] mean,           # IN  (C,) batch mean
                              const double[::1] mean_dy,        # IN  (C,) sum_dy / (N*L)
                              const double[::1] proj,           # IN  (C,) sum_dy_xmu * invstd^2 / (N*L)
                              const double[::1] scale,          # IN  (C,) invstd * weight
                              floating[:, :, ::1] grad_in,      # OUT (N, C, L) dL/dx
                              int n_threads):
    """Training-mode dL/dx = (dy - mean(dy) - (x - mean) * proj) * invstd * weight."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], L = x.shape[2]
    _same_shape("batch_norm_backward_input", (N, C, L), (grad.shape[0], grad.shape[1], grad.shape[2]), "grad")
    _same_shape("batch_norm_backward_input", (N, C, L), (grad_in.shape[0], grad_in.shape[1], grad_in.shape[2]), "grad_in")
    for name, arr in (("mean", mean), ("mean_dy", mean_dy), ("proj", proj), ("scale", scale)):
        _same_shape("batch_norm_backward_input", (C,), (arr.shape[0],), name)
    cdef Py_ssize_t plane, n, c, l
    cdef floating m, md, k, a
    for plane in prange(N * C, nogil=True, schedule='static', num_threads=n_threads):
        n = plane // C
        c = plane % C
        m = <floating>mean[c]
        md = <floating>mean_dy[c]
        k = <floating>proj[c]
        a = <floating>scale[c]
        for l in range(L):
            grad_in[n, c, l] = (grad[n, c, l] - md - (x[n, c, l] - m) * k) * a
