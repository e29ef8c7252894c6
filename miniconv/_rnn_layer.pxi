# Recurrent layers: one direction of one layer over a whole packed sequence, the time loop in C.
#
# The same work, in the same order, as the per-step loop of miniconv/nn/functional/rnn.py
# (_RecurrentLayer), which calls rnn_matmul and the *_cell_* kernels of _rnn.pxi once per step:
# the step's recurrent GEMM cut into the same blocks (_rnn_mm below is rnn_matmul's cut, W_hh^T
# made once per sequence and read in place where rnn_matmul packs it per call) and the
# same gate rows. So the results are the same bits as that loop, for any thread count; what goes
# is ~10 us of Python per step (slices, argument parsing, memoryview set-up), which on the small
# layers of tutorials (hidden 64-128, batch 32-64) cost as much as the step's arithmetic.
#
# Modes: 0 LSTM (no projection), 1 GRU, 2 RNN tanh, 3 RNN relu. Arrays (C-contiguous, one dtype;
# N packed rows, B state rows, H hidden, G gates: 4, 3, 1, 1):
#   gx (N, G*H) input projection (+ biases as _RecurrentLayer adds them), w_hh (G*H, H),
#   b_hh (G*H,) for GRU or empty, h (B, H) state in/out, c (B, H) LSTM cell in/out,
#   gh (B, G*H) scratch, h_prev_all (N, H), gates (N, 4H) LSTM/GRU, c_prev_all / tanh_c_all (N, H)
#   LSTM, y (N, H); offsets / sizes: the steps in the order this direction visits them.
# Every shape (_rnn_shape, _rnn.pxi) and every step's row range is checked here, before the nogil loop reads them.

cdef extern from "_conv_gemm_ukernel.h" nogil:
    # dst[k * ld + i] = src[i * rs + k] (i < ni, k < kc)
    void mc_gemm_transpose_f32(int wide, const float* src, ptrdiff_t rs, size_t ni, size_t kc, float* dst,
                               size_t ld)
    void mc_gemm_transpose_f64(int wide, const double* src, ptrdiff_t rs, size_t ni, size_t kc,
                               double* dst, size_t ld)
    int mc_gemm_wide_transpose(const mc_gemm_kernels* g)


cdef int _rl_check_steps(str fn, const Py_ssize_t[::1] offsets, const Py_ssize_t[::1] sizes,
                         Py_ssize_t N, Py_ssize_t B) except -1:
    cdef Py_ssize_t st
    if offsets.shape[0] != sizes.shape[0]:
        raise ValueError(f"{fn}: {offsets.shape[0]} offsets for {sizes.shape[0]} steps")
    for st in range(sizes.shape[0]):
        if sizes[st] < 0 or sizes[st] > B or offsets[st] < 0 or offsets[st] + sizes[st] > N:
            raise ValueError(f"{fn}: step {st} (rows {offsets[st]}..{offsets[st] + sizes[st]}) out of range "
                             f"for {N} rows and {B} states")
    return 0


cdef inline int _rl_threads(Py_ssize_t work, int n_threads, Py_ssize_t grain) noexcept nogil:
    return n_threads if work >= grain else 1


cdef inline void _rnn_mm(const floating* a, Py_ssize_t lda, const floating* b, Py_ssize_t ldb, floating* c,
                         Py_ssize_t ldc, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, bint trans_b, int n_threads,
                         Py_ssize_t grain, const mc_gemm_kernels* gk, floating* work, Py_ssize_t wk) noexcept nogil:
    """rnn_matmul's c (m, n) = a (m, k) @ op(b) with its blocks (k > 0, m > 0, n > 0; rows lda, ldb,
    ldc apart); work: wk elements per thread for n_threads threads."""
    cdef Py_ssize_t side = n if n > m else m
    cdef Py_ssize_t n_blocks = (side + _RNN_MIN_BLOCK - 1) // _RNN_MIN_BLOCK
    cdef Py_ssize_t blk
    cdef int nt
    if n_blocks > _MM_MAX_BLOCKS:
        n_blocks = _MM_MAX_BLOCKS
    nt = _rl_threads(m * n * k, n_threads, grain)
    if nt > n_blocks:
        nt = <int>n_blocks
    if nt <= 1:
        for blk in range(n_blocks):
            _rnn_gemm_block(gk, a, lda, b, ldb, c, ldc, m, n, k, trans_b, blk, n_blocks, work)
        return
    for blk in prange(n_blocks, schedule='static', num_threads=nt):
        _rnn_gemm_block(gk, a, lda, b, ldb, c, ldc, m, n, k, trans_b, blk, n_blocks,
                        work + omp_get_thread_num() * wk)


def rnn_layer_forward(int mode, const floating[:, ::1] gx, const floating[:, ::1] w_hh,
                      const floating[::1] b_hh, floating[:, ::1] h, floating[:, ::1] c,
                      floating[:, ::1] gh, floating[:, ::1] h_prev_all, floating[:, ::1] gates,
                      floating[:, ::1] c_prev_all, floating[:, ::1] tanh_c_all, floating[:, ::1] y,
                      const Py_ssize_t[::1] offsets, const Py_ssize_t[::1] sizes,
                      int n_threads, Py_ssize_t grain):
    """The forward time loop of one layer and direction (see the top of this file)."""
    cdef str fn = "rnn_layer_forward"
    if mode < 0 or mode > 3:
        raise ValueError(f"{fn}: unknown mode {mode}")
    cdef Py_ssize_t G = (4, 3, 1, 1)[mode]
    cdef Py_ssize_t N = gx.shape[0], B = h.shape[0], H = h.shape[1], GH = G * H
    cdef bint relu = mode == 3, has_bhh = b_hh.shape[0] != 0
    _rnn_shape(fn, gx, N, GH, "gx")
    _rnn_shape(fn, w_hh, GH, H, "w_hh")
    _rnn_shape(fn, gh, B, GH, "gh")
    _rnn_shape(fn, h_prev_all, N, H, "h_prev_all")
    _rnn_shape(fn, y, N, H, "y")
    if mode <= 1:
        _rnn_shape(fn, gates, N, 4 * H, "gates")
    if mode == 0:
        _rnn_shape(fn, c, B, H, "c")
        _rnn_shape(fn, c_prev_all, N, H, "c_prev_all")
        _rnn_shape(fn, tanh_c_all, N, H, "tanh_c_all")
    if has_bhh and (mode != 1 or b_hh.shape[0] != GH):
        raise ValueError(f"{fn}: b_hh of {b_hh.shape[0]} elements, expected {GH} and mode GRU")
    _rl_check_steps(fn, offsets, sizes, N, B)
    if N == 0 or B == 0 or H == 0:
        return
    cdef Py_ssize_t st, s, b, r, j, row_bytes = H * sizeof(floating)
    cdef int nt
    cdef mc_gemm_kernels gk = mc_gemm_kernels_now()
    cdef Py_ssize_t wk = <Py_ssize_t>mc_gemm_work_elems()
    cdef int n_thr = <int>max(1, n_threads)
    # W_hh^T (H, GH) once for the whole sequence, read in place by the steps' GEMMs (the same bits
    # as rnn_matmul packing it at every step); it and the product gh with padded rows (_rnn_padded_ld)
    cdef Py_ssize_t ldw = _rnn_padded_ld(GH, sizeof(floating))
    scratch = _conv_take_scratch((n_thr * wk + H * ldw + B * ldw) * sizeof(floating))
    cdef floating* work = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* wt = work + n_thr * wk
    cdef floating* ghp = wt + H * ldw
    with nogil:
        if floating is float:
            mc_gemm_transpose_f32(mc_gemm_wide_transpose(&gk), &w_hh[0, 0], H, GH, H, wt, ldw)
        else:
            mc_gemm_transpose_f64(0, &w_hh[0, 0], H, GH, H, wt, ldw)
        for st in range(sizes.shape[0]):
            s = offsets[st]
            b = sizes[st]
            if b == 0:
                continue
            memcpy(&h_prev_all[s, 0], &h[0, 0], b * row_bytes)
            _rnn_mm(&h_prev_all[s, 0], H, wt, ldw, ghp, ldw, b, GH, H, False, n_thr, grain, &gk, work, wk)
            nt = _rl_threads(b * H * 4, n_threads, grain)
            if mode == 0:
                for r in prange(b, schedule='static', num_threads=nt):
                    if floating is float:
                        mc_lstm_forward_row_f32(&gx[s + r, 0], ghp + r * ldw, &c[r, 0], &gates[s + r, 0],
                                                &c_prev_all[s + r, 0], &tanh_c_all[s + r, 0], &y[s + r, 0], H)
                    else:
                        _lstm_forward_row_f64(&gx[s + r, 0], ghp + r * ldw, &c[r, 0], &gates[s + r, 0],
                                              &c_prev_all[s + r, 0], &tanh_c_all[s + r, 0], &y[s + r, 0], H)
            elif mode == 1:
                if has_bhh:
                    for r in range(b):
                        for j in range(GH):
                            ghp[r * ldw + j] = ghp[r * ldw + j] + b_hh[j]
                for r in prange(b, schedule='static', num_threads=nt):
                    if floating is float:
                        mc_gru_forward_row_f32(&gx[s + r, 0], ghp + r * ldw, &h_prev_all[s + r, 0], &gates[s + r, 0],
                                               &y[s + r, 0], H)
                    else:
                        _gru_forward_row_f64(&gx[s + r, 0], ghp + r * ldw, &h_prev_all[s + r, 0], &gates[s + r, 0],
                                             &y[s + r, 0], H)
            else:
                for r in prange(b, schedule='static', num_threads=nt):
                    if relu:
                        _relu_row(&gx[s + r, 0], ghp + r * ldw, &y[s + r, 0], H)
                    elif floating is float:
                        mc_rnn_tanh_forward_row_f32(&gx[s + r, 0], ghp + r * ldw, &y[s + r, 0], H)
                    else:
                        _tanh_row_f64(&gx[s + r, 0], ghp + r * ldw, &y[s + r, 0], H)
            memcpy(&h[0, 0], &y[s, 0], b * row_bytes)
    _conv_give_scratch(scratch)


def rnn_layer_backward(int mode, const floating[:, ::1] gates, const floating[:, ::1] c_prev_all,
                       const floating[:, ::1] tanh_c_all, const floating[:, ::1] h_prev_all,
                       const floating[:, ::1] y, const floating[:, ::1] w_hh, const floating[:, ::1] dy,
                       floating[:, ::1] dh, floating[:, ::1] dc, floating[:, ::1] dg, floating[:, ::1] dgh,
                       floating[:, ::1] dh_direct, const Py_ssize_t[::1] offsets,
                       const Py_ssize_t[::1] sizes, int n_threads, Py_ssize_t grain):
    """The backward time loop of one layer and direction: dh (B, H) holds dL/dh_n in and dL/dh0
    out, dc (LSTM) dL/dc_n in and dL/dc0 out; dg (N, G*H) receives the gate gradients (input side),
    dgh (GRU) the recurrent side's; dh_direct (B, H) is GRU's scratch. offsets / sizes: the steps
    in the order backward visits them (the reverse of forward's)."""
    cdef str fn = "rnn_layer_backward"
    if mode < 0 or mode > 3:
        raise ValueError(f"{fn}: unknown mode {mode}")
    cdef Py_ssize_t G = (4, 3, 1, 1)[mode]
    cdef Py_ssize_t N = dy.shape[0], B = dh.shape[0], H = dh.shape[1], GH = G * H
    cdef bint relu = mode == 3
    _rnn_shape(fn, dy, N, H, "dy")
    _rnn_shape(fn, w_hh, GH, H, "w_hh")
    _rnn_shape(fn, dg, N, GH, "dg")
    if mode <= 1:
        _rnn_shape(fn, gates, N, 4 * H, "gates")
    if mode == 0:
        _rnn_shape(fn, dc, B, H, "dc")
        _rnn_shape(fn, c_prev_all, N, H, "c_prev_all")
        _rnn_shape(fn, tanh_c_all, N, H, "tanh_c_all")
    elif mode == 1:
        _rnn_shape(fn, dgh, N, GH, "dgh")
        _rnn_shape(fn, h_prev_all, N, H, "h_prev_all")
        _rnn_shape(fn, dh_direct, B, H, "dh_direct")
    else:
        _rnn_shape(fn, y, N, H, "y")
    _rl_check_steps(fn, offsets, sizes, N, B)
    if N == 0 or B == 0 or H == 0:
        return
    cdef Py_ssize_t st, s, b, r, j
    cdef int nt
    cdef floating v, d
    cdef mc_gemm_kernels gk = mc_gemm_kernels_now()
    cdef Py_ssize_t wk = <Py_ssize_t>mc_gemm_work_elems()
    cdef int n_thr = <int>max(1, n_threads)
    # W_hh (GH, H) and the product dh with padded rows (_rnn_padded_ld), read and written in place
    cdef Py_ssize_t ldw = _rnn_padded_ld(H, sizeof(floating))
    scratch = _conv_take_scratch((n_thr * wk + GH * ldw + B * ldw) * sizeof(floating))
    cdef floating* work = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* wp = work + n_thr * wk
    cdef floating* dhp = wp + GH * ldw
    with nogil:
        for r in range(GH):
            memcpy(wp + r * ldw, &w_hh[r, 0], H * sizeof(floating))
        for r in range(B):
            memcpy(dhp + r * ldw, &dh[r, 0], H * sizeof(floating))
        for st in range(sizes.shape[0]):
            s = offsets[st]
            b = sizes[st]
            if b == 0:
                continue
            for r in range(b):
                for j in range(H):
                    dhp[r * ldw + j] = dhp[r * ldw + j] + dy[s + r, j]
            nt = _rl_threads(b * H * 4, n_threads, grain)
            if mode == 0:
                for r in prange(b, schedule='static', num_threads=nt):
                    if floating is float:
                        mc_lstm_backward_row_f32(&gates[s + r, 0], &c_prev_all[s + r, 0], &tanh_c_all[s + r, 0],
                                                 dhp + r * ldw, &dc[r, 0], &dg[s + r, 0], H)
                    else:
                        mc_lstm_backward_row_f64(&gates[s + r, 0], &c_prev_all[s + r, 0], &tanh_c_all[s + r, 0],
                                                 dhp + r * ldw, &dc[r, 0], &dg[s + r, 0], H)
                _rnn_mm(&dg[s, 0], GH, wp, ldw, dhp, ldw, b, H, GH, False, n_thr, grain, &gk, work, wk)
            elif mode == 1:
                for r in prange(b, schedule='static', num_threads=nt):
                    if floating is float:
                        mc_gru_backward_row_f32(&gates[s + r, 0], &h_prev_all[s + r, 0], dhp + r * ldw, &dg[s + r, 0],
                                                &dgh[s + r, 0], &dh_direct[r, 0], H)
                    else:
                        mc_gru_backward_row_f64(&gates[s + r, 0], &h_prev_all[s + r, 0], dhp + r * ldw, &dg[s + r, 0],
                                                &dgh[s + r, 0], &dh_direct[r, 0], H)
                _rnn_mm(&dgh[s, 0], GH, wp, ldw, dhp, ldw, b, H, GH, False, n_thr, grain, &gk, work, wk)
                for r in range(b):
                    for j in range(H):
                        dhp[r * ldw + j] = dhp[r * ldw + j] + dh_direct[r, j]
            else:
                for r in prange(b, schedule='static', num_threads=nt):
                    for j in range(H):
                        v = y[s + r, j]
                        d = dhp[r * ldw + j]
                        if relu:
                            dg[s + r, j] = 0 if v <= 0 else d
                        else:
                            dg[s + r, j] = d * (1 - v * v)
                _rnn_mm(&dg[s, 0], GH, wp, ldw, dhp, ldw, b, H, GH, False, n_thr, grain, &gk, work, wk)
        for r in range(B):
            memcpy(&dh[r, 0], dhp + r * ldw, H * sizeof(floating))
    _conv_give_scratch(scratch)
