# Matrix multiply for Linear and Tensor @ / matmul: row-major C = op(A) @ op(B), parallel over
# fixed blocks of C; batched form for broadcast matmul. Also the BLAS thread guard used around
# every kernel that calls BLAS from inside its OpenMP team.
#
# Notes:
# - Why not numpy.matmul: NumPy's OpenBLAS runs its own thread pool, whose workers spin for a while
#   after every call. In a training step they then compete with this extension's OpenMP threads for
#   the two cores, and the convolution kernels after a Linear layer ran ~2x slower (measured: conv
#   grad_input 18.4 -> 9.3 ms per call with NumPy's BLAS kept on one thread). Here every GEMM runs
#   single-threaded BLAS (the caller holds ``blas_single_thread()``) inside one OpenMP team.
# - C is cut into blocks by its shape alone, whatever the thread count, and each block is one
#   BLAS call, so the result is the same bits for 1, 2 or 16 threads.
# - Batched products (``matmul_batched``) cut every matrix of the batch the same way and spread the
#   (matrix, block) pairs over the team: again one BLAS call per pair, fixed by the shapes.
# - Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the operands swap places and
#   a row-major matrix is its own transpose seen column-major (see ``_gemm`` in _conv_common.pxi).
# - Every size handed to BLAS must fit its 32-bit ints: the Python callers check that, in one place
#   (``_config.check_blas_sizes``), as for the convolution kernels.

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
    if m == 0 or n == 0:
        return
    if k == 0:
        c[:, :] = 0
        return
    cdef Py_ssize_t lda = a.shape[1], ldb = b.shape[1]
    cdef Py_ssize_t n_blocks = _mm_n_blocks(m, n)
    cdef Py_ssize_t blk
    cdef const floating* a_ptr = &a[0, 0]
    cdef const floating* b_ptr = &b[0, 0]
    cdef floating* c_ptr = &c[0, 0]
    for blk in prange(n_blocks, nogil=True, schedule='static', num_threads=n_threads):
        _mm_block(a_ptr, lda, b_ptr, ldb, c_ptr, m, n, k, trans_a, trans_b, blk, n_blocks)


cdef inline Py_ssize_t _mm_n_blocks(Py_ssize_t m, Py_ssize_t n) noexcept nogil:
    """How many blocks C (m, n) is cut into along its longer side: a function of the shape only."""
    cdef Py_ssize_t side = n if n > m else m
    cdef Py_ssize_t n_blocks = (side + _MM_MIN_BLOCK - 1) // _MM_MIN_BLOCK
    return n_blocks if n_blocks < _MM_MAX_BLOCKS else _MM_MAX_BLOCKS


cdef inline void _mm_block(const floating* a_ptr, Py_ssize_t lda, const floating* b_ptr, Py_ssize_t ldb,
                           floating* c_ptr, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                           bint trans_a, bint trans_b, Py_ssize_t blk, Py_ssize_t n_blocks) noexcept nogil:
    """Block ``blk`` of ``n_blocks`` of row-major C (m, n) = op(A) @ op(B): one BLAS call."""
    cdef bint by_cols = n > m
    cdef Py_ssize_t side = n if by_cols else m
    cdef Py_ssize_t block = (side + n_blocks - 1) // n_blocks
    cdef Py_ssize_t s0 = blk * block
    cdef Py_ssize_t size = min(block, side - s0)
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if size <= 0:
        return
    if by_cols:
        # column-major: C^T[s0:s0+size, :] = op(B)^T[s0:s0+size, :] @ op(A)^T
        _gemm(tb, ta, size, m, k, (b_ptr + s0 * ldb) if trans_b else (b_ptr + s0), ldb,
              a_ptr, lda, 0, c_ptr + s0, n)
    else:
        # column-major: C^T[:, s0:s0+size] = op(B)^T @ op(A)^T[:, s0:s0+size]
        _gemm(tb, ta, n, size, k, b_ptr, ldb,
              (a_ptr + s0) if trans_a else (a_ptr + s0 * lda), lda, 0, c_ptr + s0 * n, n)


def matmul_batched(const floating[::1] a,          # IN  matrices (m, k), or (k, m) if trans_a, flat
                   const cnp.int64_t[::1] a_offset,  # IN  element offset of matrix i of op(A) in a
                   const floating[::1] b,          # IN  matrices (k, n), or (n, k) if trans_b, flat
                   const cnp.int64_t[::1] b_offset,  # IN  element offset of matrix i of op(B) in b
                   floating[::1] c,                # OUT (batch, m, n) flat, fully overwritten
                   Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                   bint trans_a, bint trans_b, int n_threads):
    """c[i] = op(a[i]) @ op(b[i]) for i < batch = len(a_offset); a broadcast operand repeats an
    offset. Every offset plus one matrix is checked to fit in its array first."""
    cdef Py_ssize_t batch = a_offset.shape[0]
    if b_offset.shape[0] != batch or c.shape[0] != batch * m * n:
        raise ValueError("matmul_batched: batch sizes do not match")
    if m < 0 or n < 0 or k < 0:
        raise ValueError(f"matmul_batched: negative sizes m={m}, n={n}, k={k}")
    if batch == 0 or m == 0 or n == 0:
        return
    if k == 0:
        c[:] = 0
        return
    cdef Py_ssize_t j
    for j in range(batch):  # every matrix the BLAS calls read lies inside its array
        if a_offset[j] < 0 or a_offset[j] + m * k > a.shape[0]:
            raise ValueError(f"matmul_batched: matrix {j} of a (offset {a_offset[j]}) is outside its {a.shape[0]} elements")
        if b_offset[j] < 0 or b_offset[j] + k * n > b.shape[0]:
            raise ValueError(f"matmul_batched: matrix {j} of b (offset {b_offset[j]}) is outside its {b.shape[0]} elements")
    cdef Py_ssize_t lda = m if trans_a else k
    cdef Py_ssize_t ldb = k if trans_b else n
    cdef Py_ssize_t n_blocks = _mm_n_blocks(m, n)
    cdef Py_ssize_t item, i, blk
    cdef const floating* a_ptr = &a[0]
    cdef const floating* b_ptr = &b[0]
    cdef floating* c_ptr = &c[0]
    for item in prange(batch * n_blocks, nogil=True, schedule='static', num_threads=n_threads):
        i = item // n_blocks
        blk = item - i * n_blocks
        _mm_block(a_ptr + a_offset[i], lda, b_ptr + b_offset[i], ldb, c_ptr + i * m * n,
                  m, n, k, trans_a, trans_b, blk, n_blocks)


# -- BLAS on one thread inside miniconv's parallel regions -------------------------------------
ctypedef int (*_blas_get_fn)() noexcept nogil
ctypedef void (*_blas_set_fn)(int) noexcept nogil


cdef class BlasSingleThread:
    """Context manager: the BLAS library behind ``get_addr``/``set_addr`` (OpenBLAS's
    ``openblas_get_num_threads``/``openblas_set_num_threads``) runs on one thread inside it; its
    previous count comes back on exit. Reentrant (a depth count; callers hold the GIL). Built
    once by ``miniconv._config.blas_single_thread()``."""
    cdef _blas_get_fn get_threads
    cdef _blas_set_fn set_threads
    cdef int depth, previous

    def __init__(self, size_t get_addr, size_t set_addr):
        self.get_threads = <_blas_get_fn>get_addr
        self.set_threads = <_blas_set_fn>set_addr
        self.depth = 0
        self.previous = 1

    def __enter__(self):
        if self.depth == 0:
            self.previous = self.get_threads()
            if self.previous != 1:
                self.set_threads(1)
        self.depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        self.depth -= 1
        if self.depth == 0 and self.previous != 1:
            self.set_threads(self.previous)
        return False
