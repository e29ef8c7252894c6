# Layer normalization over the last D elements of each row, float32 (_layer_norm.h): rows in
# parallel (each row computed alone), grad_weight / grad_bias summed in float64 over fixed blocks
# of rows (their number a function of the row count only) and the blocks added in order: the same
# bits for any thread count. The caller is miniconv/ops/layer_norm_fused.py.

cdef extern from "_layer_norm.h" nogil:
    void mc_ln_forward_row_f32(const float* x, const float* w, const float* b, float* y, size_t D,
                               double eps, double* mean_out, double* rstd_out)
    void mc_ln_backward_row_f32(const float* x, const float* g, const float* w, double mean, double rstd,
                                float* dx, size_t D)
    void mc_ln_param_rows_f32(const float* x, const float* g, const double* mean, const double* rstd,
                              size_t r0, size_t r1, size_t D, double* acc_w, double* acc_b)

cdef Py_ssize_t _LN_PARAM_BLOCKS = 16     # blocks of rows for grad_weight / grad_bias at most


def layer_norm_forward_f32(const float[:, ::1] x, const float[::1] w, const float[::1] b,
                           float[:, ::1] y, double[::1] mean, double[::1] rstd, double eps, int n_threads):
    """y = (x - mean) / sqrt(var + eps) * w + b row by row (w, b: None or D elements)."""
    cdef Py_ssize_t R = x.shape[0], D = x.shape[1], r
    _same_lengths("layer_norm_forward_f32", R, y.shape[0], "y")
    _same_lengths("layer_norm_forward_f32", D, y.shape[1], "y's rows")
    _same_lengths("layer_norm_forward_f32", R, mean.shape[0], "mean")
    _same_lengths("layer_norm_forward_f32", R, rstd.shape[0], "rstd")
    if w is not None:
        _same_lengths("layer_norm_forward_f32", D, w.shape[0], "w")
    if b is not None:
        _same_lengths("layer_norm_forward_f32", D, b.shape[0], "b")
    if R == 0 or D == 0:
        return
    cdef const float* wp = &w[0] if w is not None else NULL
    cdef const float* bp = &b[0] if b is not None else NULL
    for r in prange(R, nogil=True, schedule='static', num_threads=n_threads if R > 1 else 1):
        mc_ln_forward_row_f32(&x[r, 0], wp, bp, &y[r, 0], D, eps, &mean[r], &rstd[r])


def layer_norm_backward_f32(const float[:, ::1] x, const float[:, ::1] g, const float[::1] w,
                            const double[::1] mean, const double[::1] rstd, float[:, ::1] dx,
                            float[::1] dw, float[::1] db, int n_threads):
    """dx (None: skipped), dw = sum of g * xhat over the rows, db = sum of g (None: skipped)."""
    cdef Py_ssize_t R = x.shape[0], D = x.shape[1], r, blk, i, nblk, per
    _same_lengths("layer_norm_backward_f32", R, g.shape[0], "g")
    _same_lengths("layer_norm_backward_f32", D, g.shape[1], "g's rows")
    _same_lengths("layer_norm_backward_f32", R, mean.shape[0], "mean")
    _same_lengths("layer_norm_backward_f32", R, rstd.shape[0], "rstd")
    if w is not None:
        _same_lengths("layer_norm_backward_f32", D, w.shape[0], "w")
    if dx is not None:
        _same_lengths("layer_norm_backward_f32", R, dx.shape[0], "dx")
        _same_lengths("layer_norm_backward_f32", D, dx.shape[1], "dx's rows")
    if dw is not None:
        _same_lengths("layer_norm_backward_f32", D, dw.shape[0], "dw")
    if db is not None:
        _same_lengths("layer_norm_backward_f32", D, db.shape[0], "db")
    if D == 0:
        return
    cdef const float* wp = &w[0] if w is not None else NULL
    if dx is not None and R > 0:
        for r in prange(R, nogil=True, schedule='static', num_threads=n_threads if R > 1 else 1):
            mc_ln_backward_row_f32(&x[r, 0], &g[r, 0], wp, mean[r], rstd[r], &dx[r, 0], D)
    if dw is None and db is None:
        return
    nblk = max(1, min(_LN_PARAM_BLOCKS, R))
    per = (R + nblk - 1) // nblk if R > 0 else 0
    acc_arr = np.zeros((2, nblk, D), dtype=np.float64)
    cdef double[:, :, ::1] acc = acc_arr
    cdef bint want_w = dw is not None, want_b = db is not None
    if R > 0:
        for blk in prange(nblk, nogil=True, schedule='static', num_threads=n_threads if nblk > 1 else 1):
            mc_ln_param_rows_f32(&x[0, 0], &g[0, 0], &mean[0], &rstd[0], min(R, blk * per),
                                 min(R, (blk + 1) * per), D, &acc[0, blk, 0] if want_w else NULL,
                                 &acc[1, blk, 0] if want_b else NULL)
    cdef double sw, sb
    for i in range(D):
        sw = 0.0
        sb = 0.0
        for blk in range(nblk):
            sw = sw + acc[0, blk, i]
            sb = sb + acc[1, blk, i]
        if want_w:
            dw[i] = <float>sw
        if want_b:
            db[i] = <float>sb
