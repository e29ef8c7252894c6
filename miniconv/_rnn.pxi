# Recurrent layers (RNN, LSTM, GRU): the gates' elementwise math of one time step, fused, forward
# and backward. The matrix products around it (the input projection of all steps, the recurrent
# product of each step) go through rnn_matmul (the packed GEMM of _conv_gemm_ukernel.h); the caller is
# miniconv/nn/functional/rnn.py.
#
# Shapes (C-contiguous, one floating dtype; B = rows active at this step, H = hidden size):
#   LSTM  gx, gh (B, 4H) pre-activations in PyTorch's gate order i, f, g, o; c (B, H)
#   GRU   gx, gh (B, 3H) in the order r, z, n; gh holds h @ W_hh^T + b_hh, because the new gate
#         is n = tanh(gx_n + r * gh_n) (b_hn inside the product with r, as PyTorch)
#   RNN   gx, gh (B, H)
# gx already holds the input projection plus the biases that add to it (both for LSTM and RNN,
# b_ih for GRU).
#
# Notes:
# - prange over the batch rows, schedule static: one thread computes a whole row with the same
#   expressions whatever the thread count, so the results are the same bits for 1 or N threads.
# - The LSTM and GRU rows (and float32 tanh RNN rows) run in C (_rnn_gates.h, baseline and AVX2
#   variants, rnn_gates_set_isa);
#   float32 forward rows there use an inlined, vectorised exp and tanh (about 1 ulp)
#   instead of glibc's scalar expf/tanhf, which made the gate math cost more than the step's GEMM.
#   float64 rows use libm's exp and tanh; sigmoid(x) = 1 / (1 + exp(-x)) in both.
# - Every array's shape is checked in Python (``_rnn_shape``) before the nogil loop reads it.

from libc.math cimport exp, tanh

cdef extern from "_rnn_gates.h" nogil:
    void mc_lstm_forward_row_f32(const float* gx, const float* gh, float* c, float* gates, float* c_prev,
                                 float* tanh_c, float* h, Py_ssize_t H)
    void mc_gru_forward_row_f32(const float* gx, const float* gh, const float* h_prev, float* gates, float* h,
                                Py_ssize_t H)
    void mc_rnn_tanh_forward_row_f32(const float* gx, const float* gh, float* h, Py_ssize_t H)
    void mc_lstm_backward_row_f32(const float* gates, const float* c_prev, const float* tanh_c, const float* dh,
                                  float* dc, float* dgates, Py_ssize_t H)
    void mc_lstm_backward_row_f64(const double* gates, const double* c_prev, const double* tanh_c,
                                  const double* dh, double* dc, double* dgates, Py_ssize_t H)
    void mc_gru_backward_row_f32(const float* gates, const float* h_prev, const float* dh, float* dgx, float* dgh,
                                 float* dh_prev, Py_ssize_t H)
    void mc_gru_backward_row_f64(const double* gates, const double* h_prev, const double* dh, double* dgx,
                                 double* dgh, double* dh_prev, Py_ssize_t H)
    int mc_rnn_isa
    int mc_rnn_cpu_supports(int isa)
    int mc_rnn_select_isa(int isa)
    int mc_rnn_best_isa()


# The gate rows' instruction sets (_rnn_gates.h): 'default' (baseline x86-64, or any other
# architecture) and 'avx2'; the widest the CPU runs is chosen here, at import. Both give the
# same bits (no FMA in either); tests force each in turn.
_RNN_ISA_NAMES = ('default', 'avx2')


def rnn_gates_isa():
    """Name of the instruction set the recurrent gate rows use: 'default' or 'avx2'."""
    return _RNN_ISA_NAMES[mc_rnn_isa]


def rnn_gates_isas_supported():
    """The gate-row variants this build and CPU run (always includes 'default')."""
    return tuple(name for i, name in enumerate(_RNN_ISA_NAMES) if mc_rnn_cpu_supports(i))


def rnn_gates_set_isa(str name):
    """Force the gate rows' instruction set ('best': the widest this CPU runs); returns the
    previous. For tests and benchmarks; do not call it while a recurrent kernel runs."""
    previous = rnn_gates_isa()
    if name == 'best':
        mc_rnn_select_isa(mc_rnn_best_isa())
        return previous
    if name not in _RNN_ISA_NAMES:
        raise ValueError(f"unknown instruction set {name!r}; expected one of {_RNN_ISA_NAMES + ('best',)}")
    if mc_rnn_select_isa(_RNN_ISA_NAMES.index(name)) != 0:
        raise ValueError(f"this CPU cannot run the {name!r} gate rows; it supports {rnn_gates_isas_supported()}")
    return previous


mc_rnn_select_isa(mc_rnn_best_isa())


cdef int _rnn_shape(str fn, object arr, Py_ssize_t rows, Py_ssize_t cols, str name) except -1:
    """The loops index every array with the (rows, cols) of the step: prove each one has them."""
    if arr.shape[0] != rows or arr.shape[1] != cols:
        raise ValueError(f"{fn}: {name} has shape {tuple(arr.shape)[:2]}, expected {(rows, cols)}")
    return 0


cdef inline double _sigmoid(double x) noexcept nogil:
    return 1 / (1 + exp(-x))


def lstm_cell_forward(const floating[:, ::1] gx,   # IN  (B, 4H) x @ W_ih^T + b_ih + b_hh
                      const floating[:, ::1] gh,   # IN  (B, 4H) h_prev @ W_hh^T
                      floating[:, ::1] c,          # IN/OUT (B, H) c_prev in, c_new out
                      floating[:, ::1] gates,      # OUT (B, 4H) i, f, g, o after their activations
                      floating[:, ::1] c_prev,     # OUT (B, H) c_prev, kept for backward
                      floating[:, ::1] tanh_c,     # OUT (B, H) tanh(c_new)
                      floating[:, ::1] h,          # OUT (B, H) o * tanh(c_new)
                      int n_threads):
    """One LSTM step: i, f, o = sigmoid, g = tanh of gx + gh; c_new = f * c_prev + i * g;
    h = o * tanh(c_new)."""
    cdef Py_ssize_t B = c.shape[0], H = c.shape[1], b, j
    _rnn_shape("lstm_cell_forward", gx, B, 4 * H, "gx")
    _rnn_shape("lstm_cell_forward", gh, B, 4 * H, "gh")
    _rnn_shape("lstm_cell_forward", gates, B, 4 * H, "gates")
    _rnn_shape("lstm_cell_forward", c_prev, B, H, "c_prev")
    _rnn_shape("lstm_cell_forward", tanh_c, B, H, "tanh_c")
    _rnn_shape("lstm_cell_forward", h, B, H, "h")
    if B == 0 or H == 0:
        return
    for b in prange(B, nogil=True, schedule='static', num_threads=n_threads):
        if floating is float:
            mc_lstm_forward_row_f32(&gx[b, 0], &gh[b, 0], &c[b, 0], &gates[b, 0], &c_prev[b, 0], &tanh_c[b, 0],
                                    &h[b, 0], H)
        else:
            _lstm_forward_row_f64(&gx[b, 0], &gh[b, 0], &c[b, 0], &gates[b, 0], &c_prev[b, 0], &tanh_c[b, 0],
                                  &h[b, 0], H)


cdef void _lstm_forward_row_f64(const double* gx, const double* gh, double* c, double* gates, double* c_prev,
                                double* tanh_c, double* h, Py_ssize_t H) noexcept nogil:
    """mc_lstm_forward_row_f32 in float64, with libm's exp and tanh."""
    cdef Py_ssize_t j
    cdef double i, f, g, o, cp, cn, tc
    for j in range(H):
        i = _sigmoid(gx[j] + gh[j])
        f = _sigmoid(gx[H + j] + gh[H + j])
        g = tanh(gx[2 * H + j] + gh[2 * H + j])
        o = _sigmoid(gx[3 * H + j] + gh[3 * H + j])
        cp = c[j]
        cn = f * cp + i * g
        tc = tanh(cn)
        gates[j] = i
        gates[H + j] = f
        gates[2 * H + j] = g
        gates[3 * H + j] = o
        c_prev[j] = cp
        c[j] = cn
        tanh_c[j] = tc
        h[j] = o * tc


def lstm_cell_backward(const floating[:, ::1] gates,   # IN  (B, 4H) from lstm_cell_forward
                       const floating[:, ::1] c_prev,  # IN  (B, H)
                       const floating[:, ::1] tanh_c,  # IN  (B, H)
                       const floating[:, ::1] dh,      # IN  (B, H) dL/dh of this step
                       floating[:, ::1] dc,            # IN/OUT (B, H) dL/dc_new in, dL/dc_prev out
                       floating[:, ::1] dgates,        # OUT (B, 4H) dL/d(gate pre-activations)
                       int n_threads):
    """Backward of one LSTM step through the gates (the matrix products are the caller's)."""
    cdef Py_ssize_t B = dc.shape[0], H = dc.shape[1], b, j
    _rnn_shape("lstm_cell_backward", gates, B, 4 * H, "gates")
    _rnn_shape("lstm_cell_backward", c_prev, B, H, "c_prev")
    _rnn_shape("lstm_cell_backward", tanh_c, B, H, "tanh_c")
    _rnn_shape("lstm_cell_backward", dh, B, H, "dh")
    _rnn_shape("lstm_cell_backward", dgates, B, 4 * H, "dgates")
    if B == 0 or H == 0:
        return
    for b in prange(B, nogil=True, schedule='static', num_threads=n_threads):
        if floating is float:
            mc_lstm_backward_row_f32(&gates[b, 0], &c_prev[b, 0], &tanh_c[b, 0], &dh[b, 0], &dc[b, 0],
                                     &dgates[b, 0], H)
        else:
            mc_lstm_backward_row_f64(&gates[b, 0], &c_prev[b, 0], &tanh_c[b, 0], &dh[b, 0], &dc[b, 0],
                                     &dgates[b, 0], H)


def gru_cell_forward(const floating[:, ::1] gx,      # IN  (B, 3H) x @ W_ih^T + b_ih
                     const floating[:, ::1] gh,      # IN  (B, 3H) h_prev @ W_hh^T + b_hh
                     const floating[:, ::1] h_prev,  # IN  (B, H)
                     floating[:, ::1] gates,         # OUT (B, 4H) r, z, n and gh_n, kept for backward
                     floating[:, ::1] h,             # OUT (B, H) (1 - z) * n + z * h_prev
                     int n_threads):
    """One GRU step: r, z = sigmoid(gx + gh), n = tanh(gx_n + r * gh_n), h = (1 - z) n + z h_prev."""
    cdef Py_ssize_t B = h.shape[0], H = h.shape[1], b, j
    _rnn_shape("gru_cell_forward", gx, B, 3 * H, "gx")
    _rnn_shape("gru_cell_forward", gh, B, 3 * H, "gh")
    _rnn_shape("gru_cell_forward", h_prev, B, H, "h_prev")
    _rnn_shape("gru_cell_forward", gates, B, 4 * H, "gates")
    if B == 0 or H == 0:
        return
    for b in prange(B, nogil=True, schedule='static', num_threads=n_threads):
        if floating is float:
            mc_gru_forward_row_f32(&gx[b, 0], &gh[b, 0], &h_prev[b, 0], &gates[b, 0], &h[b, 0], H)
        else:
            _gru_forward_row_f64(&gx[b, 0], &gh[b, 0], &h_prev[b, 0], &gates[b, 0], &h[b, 0], H)


cdef void _gru_forward_row_f64(const double* gx, const double* gh, const double* h_prev, double* gates, double* h,
                               Py_ssize_t H) noexcept nogil:
    """mc_gru_forward_row_f32 in float64, with libm's exp and tanh."""
    cdef Py_ssize_t j
    cdef double r, z, n, ghn
    for j in range(H):
        r = _sigmoid(gx[j] + gh[j])
        z = _sigmoid(gx[H + j] + gh[H + j])
        ghn = gh[2 * H + j]
        n = tanh(gx[2 * H + j] + r * ghn)
        gates[j] = r
        gates[H + j] = z
        gates[2 * H + j] = n
        gates[3 * H + j] = ghn
        h[j] = (1 - z) * n + z * h_prev[j]


def gru_cell_backward(const floating[:, ::1] gates,   # IN  (B, 4H) from gru_cell_forward
                      const floating[:, ::1] h_prev,  # IN  (B, H)
                      const floating[:, ::1] dh,      # IN  (B, H) dL/dh of this step
                      floating[:, ::1] dgx,           # OUT (B, 3H) dL/dgx
                      floating[:, ::1] dgh,           # OUT (B, 3H) dL/dgh
                      floating[:, ::1] dh_prev,       # OUT (B, H) the direct part z * dh (the caller adds dgh @ W_hh)
                      int n_threads):
    """Backward of one GRU step through the gates."""
    cdef Py_ssize_t B = dh.shape[0], H = dh.shape[1], b, j
    _rnn_shape("gru_cell_backward", gates, B, 4 * H, "gates")
    _rnn_shape("gru_cell_backward", h_prev, B, H, "h_prev")
    _rnn_shape("gru_cell_backward", dgx, B, 3 * H, "dgx")
    _rnn_shape("gru_cell_backward", dgh, B, 3 * H, "dgh")
    _rnn_shape("gru_cell_backward", dh_prev, B, H, "dh_prev")
    if B == 0 or H == 0:
        return
    for b in prange(B, nogil=True, schedule='static', num_threads=n_threads):
        if floating is float:
            mc_gru_backward_row_f32(&gates[b, 0], &h_prev[b, 0], &dh[b, 0], &dgx[b, 0], &dgh[b, 0], &dh_prev[b, 0], H)
        else:
            mc_gru_backward_row_f64(&gates[b, 0], &h_prev[b, 0], &dh[b, 0], &dgx[b, 0], &dgh[b, 0], &dh_prev[b, 0], H)


def rnn_cell_forward(const floating[:, ::1] gx,   # IN  (B, H) x @ W_ih^T + b_ih + b_hh
                     const floating[:, ::1] gh,   # IN  (B, H) h_prev @ W_hh^T
                     floating[:, ::1] h,          # OUT (B, H) tanh or relu of gx + gh
                     bint relu, int n_threads):
    """One Elman RNN step: h = tanh(gx + gh), or max(gx + gh, 0) with ``relu``."""
    cdef Py_ssize_t B = h.shape[0], H = h.shape[1], b, j
    _rnn_shape("rnn_cell_forward", gx, B, H, "gx")
    _rnn_shape("rnn_cell_forward", gh, B, H, "gh")
    if B == 0 or H == 0:
        return
    for b in prange(B, nogil=True, schedule='static', num_threads=n_threads):
        if floating is float:
            if relu:
                _relu_row(&gx[b, 0], &gh[b, 0], &h[b, 0], H)
            else:
                mc_rnn_tanh_forward_row_f32(&gx[b, 0], &gh[b, 0], &h[b, 0], H)
        else:
            if relu:
                _relu_row(&gx[b, 0], &gh[b, 0], &h[b, 0], H)
            else:
                _tanh_row_f64(&gx[b, 0], &gh[b, 0], &h[b, 0], H)


cdef void _relu_row(const floating* gx, const floating* gh, floating* h, Py_ssize_t H) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating v
    for j in range(H):
        v = gx[j] + gh[j]
        h[j] = 0 if v < 0 else v


cdef void _tanh_row_f64(const double* gx, const double* gh, double* h, Py_ssize_t H) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(H):
        h[j] = tanh(gx[j] + gh[j])


def rnn_cell_backward(const floating[:, ::1] h,    # IN  (B, H) the step's output
                      const floating[:, ::1] dh,   # IN  (B, H) dL/dh of this step
                      floating[:, ::1] dgates,     # OUT (B, H) dL/d(pre-activation)
                      bint relu, int n_threads):
    """Backward of one Elman RNN step: dh * (1 - h^2), or dh where h > 0 with ``relu`` (PyTorch's
    threshold_backward on the output)."""
    cdef Py_ssize_t B = h.shape[0], H = h.shape[1], b, j
    _rnn_shape("rnn_cell_backward", dh, B, H, "dh")
    _rnn_shape("rnn_cell_backward", dgates, B, H, "dgates")
    cdef floating v, d
    for b in prange(B, nogil=True, schedule='static', num_threads=n_threads):
        for j in range(H):
            v = h[b, j]
            d = dh[b, j]
            if relu:
                dgates[b, j] = 0 if v <= 0 else d
            else:
                dgates[b, j] = d * (1 - v * v)


cdef Py_ssize_t _RNN_MIN_BLOCK = 256


cdef void _rnn_gemm_block(const mc_gemm_kernels* gk, const floating* a, Py_ssize_t lda,
                          const floating* b, Py_ssize_t ldb, floating* c, Py_ssize_t ldc, Py_ssize_t m,
                          Py_ssize_t n, Py_ssize_t k, bint trans_b, Py_ssize_t blk, Py_ssize_t n_blocks,
                          floating* work) noexcept nogil:
    """Block ``blk`` of ``n_blocks`` (rows or columns: along the longer side) of row-major c (m, n;
    rows ldc apart) = a (m, k) @ op(b), in the packed GEMM of _conv_gemm_ukernel.h (k, m, n >= 1; work: its
    mc_gemm_work_elems() elements, this thread's). Every element is the same chain of 64-term
    block sums whatever the blocks, and whether op(b) is read in place (b not transposed) or packed
    (transposed): the bits depend on the shapes only."""
    cdef bint by_cols = n > m
    cdef Py_ssize_t side = n if by_cols else m
    cdef Py_ssize_t block = (side + n_blocks - 1) // n_blocks
    cdef Py_ssize_t s0 = blk * block
    cdef Py_ssize_t size = min(block, side - s0)
    cdef ptrdiff_t rsb = 1 if trans_b else ldb
    cdef ptrdiff_t csb = ldb if trans_b else 1
    if size <= 0:
        return
    if by_cols:
        if floating is float:
            mc_gemm_f32(gk, m, size, k, a, lda, 1, NULL, b + s0 * csb, rsb, csb, c + s0, ldc, 0, work)
        else:
            mc_gemm_f64(gk, m, size, k, a, lda, 1, NULL, b + s0 * csb, rsb, csb, c + s0, ldc, 0, work)
    else:
        if floating is float:
            mc_gemm_f32(gk, size, n, k, a + s0 * lda, lda, 1, NULL, b, rsb, csb, c + s0 * ldc, ldc, 0, work)
        else:
            mc_gemm_f64(gk, size, n, k, a + s0 * lda, lda, 1, NULL, b, rsb, csb, c + s0 * ldc, ldc, 0, work)


cdef inline Py_ssize_t _rnn_padded_ld(Py_ssize_t n, Py_ssize_t itemsize) noexcept nogil:
    """A row stride >= n for a matrix the GEMM reads or writes in place: whole cache lines, an odd
    number of them, so that its rows fall in different L1 sets (rows 4 KB apart all map to one set:
    measured on an LSTM step's GEMM at 4 * hidden = 1024, 60 -> 86 GFLOP/s with W_hh^T and the
    product padded so). Strides only: no sum changes."""
    cdef Py_ssize_t line = 64 // itemsize
    cdef Py_ssize_t ld = (n + line - 1) // line * line
    if (ld // line) % 2 == 0:
        ld += line
    return ld


def rnn_matmul(const floating[:, ::1] a,   # IN  (m, k)
               const floating[:, ::1] b,   # IN  (k, n), or (n, k) if trans_b
               floating[:, ::1] c,         # OUT (m, n), fully overwritten
               bint trans_b, int n_threads):
    """c = a @ op(b) for the recurrent layers' products (the input projection of all steps, the
    recurrent product of each step, the input gradient): the packed GEMM of _conv_gemm_ukernel.h
    (_rnn_gemm_block) cut into blocks of at least 256 along C's longer side, one per thread. The
    C time loop (_rnn_layer.pxi) makes the same calls with W_hh transposed once per sequence
    instead of packed again at every step (OpenBLAS packed it at every step: a fifth of an LSTM's
    time at hidden 128). Every element is a chain of 64-term block sums, so the bits depend on
    the shapes only, not on the blocks or the thread count."""
    cdef Py_ssize_t m = c.shape[0], n = c.shape[1], k = a.shape[1]
    cdef Py_ssize_t bk = b.shape[1] if trans_b else b.shape[0]
    cdef Py_ssize_t bn = b.shape[0] if trans_b else b.shape[1]
    if a.shape[0] != m or bn != n or bk != k:
        raise ValueError(f"rnn_matmul: shapes do not match: a {a.shape[0]}x{k}, op(b) {bk}x{bn}, c {m}x{n}")
    if m == 0 or n == 0:
        return
    if k == 0:
        c[:, :] = 0
        return
    cdef Py_ssize_t side = n if n > m else m
    cdef Py_ssize_t n_blocks = min((side + _RNN_MIN_BLOCK - 1) // _RNN_MIN_BLOCK, _MM_MAX_BLOCKS)
    cdef Py_ssize_t blk
    cdef int nt = <int>max(1, min(n_threads, n_blocks))
    cdef mc_gemm_kernels gk = mc_gemm_kernels_now()
    cdef Py_ssize_t wk = <Py_ssize_t>mc_gemm_work_elems()
    scratch = _conv_take_scratch(nt * wk * sizeof(floating))
    cdef floating* work = <floating*>cnp.PyArray_DATA(scratch)
    cdef const floating* a_ptr = &a[0, 0]
    cdef const floating* b_ptr = &b[0, 0]
    cdef floating* c_ptr = &c[0, 0]
    for blk in prange(n_blocks, nogil=True, schedule='static', num_threads=nt):
        _rnn_gemm_block(&gk, a_ptr, a.shape[1], b_ptr, b.shape[1], c_ptr, n, m, n, k, trans_b, blk, n_blocks,
                        work + omp_get_thread_num() * wk)
    _conv_give_scratch(scratch)
