# Matrix multiply for Linear: row-major C = op(A) @ op(B), parallel over fixed blocks of C.
#
# Notes:
# - Why not numpy.matmul: NumPy's OpenBLAS runs its own thread pool, whose workers spin for a while
#   after every call. In a training step they then compete with this extension's OpenMP threads for
#   the two cores, and the convolution kernels after a Linear layer ran ~2x slower (measured: conv
#   grad_input 18.4 -> 9.3 ms per call with NumPy's BLAS kept on one thread). Here every GEMM runs
#   single-threaded BLAS (the caller holds ``blas_single_thread()``) inside one OpenMP team.
# - C is cut into blocks by its shape alone, whatever the thread count, and each block is one
#   BLAS call, so the result is the same bits for 1, 2 or 16 threads.
# - Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the operands swap places and
#   a row-major matrix is its own transpose seen column-major (see ``_gemm`` in _conv.pxi).

cdef Py_ssize_t _MM_MIN_BLOCK = 64
cdef Py_ssize_t _MM_MAX_BLOCKS = 8


def matmul_rows(const floating[:, ::1] a,   # IN  (m, k), or (k, m) if trans_a
                const floating[:, ::1] b,   # IN  (k, n), or (n, k) if trans_b
                floating[:, ::1] c,         # OUT (m, n), fully overwritten
                bint trans_a, bint trans_b, int n_threads):
    """c = op(a) @ op(b) with op(x) = x.T when its flag is set; all arrays C-contiguous.

    C is cut along its longer side into at most 8 blocks of at least 64 rows (or columns); each
    block is one BLAS call that packs its slice of one operand and the whole other one, so cutting
    the longer side re-packs the smaller operand. The cut depends on the shapes only.
    """
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
    cdef bint by_cols = n > m
    cdef Py_ssize_t side = n if by_cols else m
    cdef Py_ssize_t n_blocks = min(_MM_MAX_BLOCKS, (side + _MM_MIN_BLOCK - 1) // _MM_MIN_BLOCK)
    cdef Py_ssize_t block = (side + n_blocks - 1) // n_blocks
    cdef Py_ssize_t blk, s0, size
    cdef Py_ssize_t lda = a.shape[1], ldb = b.shape[1]
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    cdef const floating* a_ptr = &a[0, 0]
    cdef const floating* b_ptr = &b[0, 0]
    cdef floating* c_ptr = &c[0, 0]
    for blk in prange(n_blocks, nogil=True, schedule='static', num_threads=n_threads):
        s0 = blk * block
        size = min(block, side - s0)
        if size <= 0:
            continue
        if by_cols:
            # column-major: C^T[s0:s0+size, :] = op(B)^T[s0:s0+size, :] @ op(A)^T
            _gemm(tb, ta, size, m, k, (b_ptr + s0 * ldb) if trans_b else (b_ptr + s0), ldb,
                  a_ptr, lda, 0, c_ptr + s0, n)
        else:
            # column-major: C^T[:, s0:s0+size] = op(B)^T @ op(A)^T[:, s0:s0+size]
            _gemm(tb, ta, n, size, k, b_ptr, ldb,
                  (a_ptr + s0) if trans_a else (a_ptr + s0 * lda), lda, 0, c_ptr + s0 * n, n)
