# Matrix multiply for Linear: row-major C = op(A) @ op(B), parallel over fixed row blocks of C.
#
# Notes:
# - Why not numpy.matmul: NumPy's OpenBLAS runs its own thread pool, whose workers spin for a while
#   after every call. In a training step they then compete with this extension's OpenMP threads for
#   the two cores, and the convolution kernels after a Linear layer ran ~2x slower (measured: conv
#   grad_input 18.4 -> 9.3 ms per call with NumPy's BLAS kept on one thread). Here every GEMM runs
#   single-threaded BLAS (the caller holds ``blas_single_thread()``) inside one OpenMP team.
# - Rows of C are cut into blocks of _MM_BLOCK rows whatever the thread count, and each block is
#   one BLAS call, so the result is the same bits for 1, 2 or 16 threads.
# - Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the operands swap places and
#   a row-major matrix is its own transpose seen column-major (see ``_gemm`` in _conv.pxi).

cdef Py_ssize_t _MM_BLOCK = 64


def matmul_rows(const floating[:, ::1] a,   # IN  (m, k), or (k, m) if trans_a
                const floating[:, ::1] b,   # IN  (k, n), or (n, k) if trans_b
                floating[:, ::1] c,         # OUT (m, n), fully overwritten
                bint trans_a, bint trans_b, int n_threads):
    """c = op(a) @ op(b) with op(x) = x.T when its flag is set; all arrays C-contiguous."""
    cdef Py_ssize_t m = c.shape[0], n = c.shape[1]
    cdef Py_ssize_t k = a.shape[0] if trans_a else a.shape[1]
    cdef Py_ssize_t am = a.shape[1] if trans_a else a.shape[0]
    cdef Py_ssize_t bk = b.shape[1] if trans_b else b.shape[0]
    cdef Py_ssize_t bn = b.shape[0] if trans_b else b.shape[1]
    if am != m or bn != n or bk != k:
        raise ValueError(f"matmul_rows: shapes do not match: op(a) {am}x{k}, op(b) {bk}x{bn}, c {m}x{n}")
    if max(m, n, k, a.shape[0], a.shape[1], b.shape[0], b.shape[1]) > 2**31 - 1:
        raise ValueError("matmul_rows: a dimension exceeds the 32-bit BLAS limit")
    if m == 0 or n == 0:
        return
    if k == 0:
        c[:, :] = 0
        return
    cdef Py_ssize_t n_blocks = (m + _MM_BLOCK - 1) // _MM_BLOCK
    cdef Py_ssize_t blk, r0, rows
    cdef Py_ssize_t lda = a.shape[1], ldb = b.shape[1]
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    cdef const floating* a_ptr = &a[0, 0]
    cdef const floating* b_ptr = &b[0, 0]
    cdef floating* c_ptr = &c[0, 0]
    for blk in prange(n_blocks, nogil=True, schedule='static', num_threads=n_threads):
        r0 = blk * _MM_BLOCK
        rows = min(_MM_BLOCK, m - r0)
        # column-major: C^T[:, r0:r0+rows] = op(B)^T @ op(A)^T[:, r0:r0+rows]
        _gemm(tb, ta, n, rows, k, b_ptr, ldb,
              (a_ptr + r0) if trans_a else (a_ptr + r0 * lda), lda,
              0, c_ptr + r0 * n, n)
