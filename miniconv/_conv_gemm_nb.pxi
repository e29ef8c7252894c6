# The gemm algorithm's 1x1 stride-1 unpadded forward and grad_input: the batch as one GEMM.
#
# Each image's plane is a (channels, P) matrix with contiguous rows, so the batch is one matrix of
# N*P columns that the GEMM reads in place (mc_gemm_nb in _conv_gemm_ukernel.h):
#   forward     out_n (OG, P)  = w_g (OG, CG) @ x_n (CG, P) + bias      (the bias in the GEMM)
#   grad_input  gin_n (CG, P)  = w_g^T (CG, OG) @ gout_n (OG, P)
# No samples are gathered and no tile is cut at a plane's end: a 7x7 or 14x14 plane gives the
# GEMM 8 * 49 or 8 * 196 columns of full tiles (one short tile at the very end), where one GEMM
# per plane (or per gathered chunk) had a short tile per plane. The weights are packed once per
# call, in slices of rows, by all threads. Work items: blocks of whole tiles, cut so every thread
# gets an equal share (_gm_nb_split). Every element is the same chain of 64-term blocks whatever
# the blocks, tiles and threads (the bits of _gemm_forward / _gemm_grad_input with S = 1).

cdef extern from "_conv_gemm_ukernel.h" nogil:
    size_t mc_gemm_a_bytes
    size_t mc_gemm_nb_nc
    size_t mc_gemm_nc
    int mc_gemm_nb_order
    size_t mc_gemm_nb_b_bytes
    int mc_gemm_order
    int mc_gemm_direct_b
    int mc_gemm_gi_pack_b
    size_t mc_gemm_b_bytes
    void mc_gemm_pack_a_rows_f32(const mc_gemm_kernels* g, size_t M, size_t K, size_t r0,
                                 size_t r1, const float* A, ptrdiff_t rsa, ptrdiff_t csa,
                                 float* apk)
    void mc_gemm_pack_a_rows_f64(const mc_gemm_kernels* g, size_t M, size_t K, size_t r0,
                                 size_t r1, const double* A, ptrdiff_t rsa, ptrdiff_t csa,
                                 double* apk)
    void mc_gemm_nb_f32(const mc_gemm_kernels* g, size_t M, size_t K, size_t P, size_t r0,
                        size_t r1, size_t j0, size_t j1, const float* apk, const float* B,
                        size_t rsb, size_t bimg, float* C, size_t ldc, size_t cimg,
                        const float* bias, float* work)
    void mc_gemm_nb_f64(const mc_gemm_kernels* g, size_t M, size_t K, size_t P, size_t r0,
                        size_t r1, size_t j0, size_t j1, const double* apk, const double* B,
                        size_t rsb, size_t bimg, double* C, size_t ldc, size_t cimg,
                        const double* bias, double* work)


def _gemm_batched(flag=None):
    """Whether the 1x1 no-copy forward and grad_input take the batch as one GEMM (the default) or
    one GEMM per chunk of samples, as before (for A/B timings; the bits are the same). With
    flag, set it; returns the previous value."""
    global _GM_BATCHED
    old = bool(_GM_BATCHED)
    if flag is not None:
        _GM_BATCHED = bool(flag)
    return old


def _gemm_blocking(a_bytes=None, nb_nc=None, nc=None):
    """Experiment switch: the packed GEMM's bytes of A per block (MC_GEMM_A_BYTES) and the
    batched 1x1 GEMM's columns per block (<= MC_GEMM_NC). Returns the previous pair; the bits
    are the same for any values (they only pick which elements one kernel call makes)."""
    global mc_gemm_a_bytes, mc_gemm_nb_nc, mc_gemm_nc
    old = (int(mc_gemm_a_bytes), int(mc_gemm_nb_nc), int(mc_gemm_nc))
    if a_bytes is not None:
        mc_gemm_a_bytes = max(4096, int(a_bytes))
    if nb_nc is not None:
        mc_gemm_nb_nc = max(1, min(int(nb_nc), 1024))
    if nc is not None:
        mc_gemm_nc = max(1, min(int(nc), 1024))
    return old


def _gemm_nb_order(order=None, b_bytes=None):
    """Experiment switch: the batched 1x1 GEMM's tile order within a block (0: down the rows
    under one column panel; 1, the default: along the column panels for one row panel) and the
    bytes of its B blocks (columns per block: b_bytes / (4 or 8 * min(K, 256)), at most the
    nb_nc of _gemm_blocking). Returns the previous pair; the bits are the same for any values."""
    global mc_gemm_nb_order, mc_gemm_nb_b_bytes
    old = (int(mc_gemm_nb_order), int(mc_gemm_nb_b_bytes))
    if order is not None:
        mc_gemm_nb_order = 1 if order else 0
    if b_bytes is not None:
        mc_gemm_nb_b_bytes = max(1, int(b_bytes))
    return old


def _gemm_order(order=None, b_bytes=None, gw_order=None):
    """Experiment switch: the general packed GEMM's tile order within a block (0: down the rows
    under one column panel; 1: along the column panels for one row panel, in column blocks of
    about b_bytes of B), by default and in the grad_weight GEMMs (gemm and Winograd). Returns
    the previous triple; the bits are the same for any values."""
    global mc_gemm_order, mc_gemm_b_bytes, mc_gemm_gw_order
    old = (int(mc_gemm_order), int(mc_gemm_b_bytes), int(mc_gemm_gw_order))
    if order is not None:
        mc_gemm_order = 1 if order else 0
    if b_bytes is not None:
        mc_gemm_b_bytes = max(1, int(b_bytes))
    if gw_order is not None:
        mc_gemm_gw_order = 1 if gw_order else 0
    return old


def _gemm_direct_b(flag=None, gi=None):
    """Experiment switch: whether the general packed GEMM reads B panels whose rows are contiguous
    in place (flag, the default) or packs them like the others, and whether the gemm algorithm's
    grad_input still packs them (gi, the default). Returns the previous pair; the bits are the
    same either way."""
    global mc_gemm_direct_b, mc_gemm_gi_pack_b
    old = (bool(mc_gemm_direct_b), bool(mc_gemm_gi_pack_b))
    if flag is not None:
        mc_gemm_direct_b = 1 if flag else 0
    if gi is not None:
        mc_gemm_gi_pack_b = 1 if gi else 0
    return old


cdef enum:
    _GM_NB_COLS = 2048          # batch columns per work item at most (several threads)
    _GM_NB_MIN_SHARE = 512      # columns per thread at least to cut columns (else rows)


cdef inline Py_ssize_t _gm_nb_mr(const _GPack* pk, Py_ssize_t itemsize) noexcept nogil:
    return pk.gk.mr_f32 if itemsize == 4 else pk.gk.mr_f64


cdef inline Py_ssize_t _gm_nb_nr(const _GPack* pk, Py_ssize_t itemsize) noexcept nogil:
    return pk.gk.nr_f32 if itemsize == 4 else pk.gk.nr_f64


cdef void _gm_nb_split(Py_ssize_t M, Py_ssize_t NP, Py_ssize_t mr, Py_ssize_t nr, Py_ssize_t G,
                       int nt, Py_ssize_t* RB, Py_ssize_t* JB) noexcept nogil:
    """Rows (RB, a multiple of mr or M) and batch columns (JB, a multiple of nr or NP) per work
    item of a batched GEMM (M rows, NP = N*P columns, G groups) at nt threads: one item per
    group at one thread or when the groups divide among the threads; else the columns cut into
    a multiple of nt blocks of whole tiles (<= _GM_NB_COLS each) when every thread gets
    _GM_NB_MIN_SHARE columns, the rows into nt blocks otherwise."""
    cdef Py_ssize_t nb
    RB[0] = max(1, M)       # (never 0: the cost model prices empty shapes too)
    JB[0] = max(1, NP)
    if nt <= 1 or G % nt == 0:
        return
    if NP >= nt * _GM_NB_MIN_SHARE:
        nb = nt * ((NP + nt * _GM_NB_COLS - 1) // (nt * _GM_NB_COLS))
        JB[0] = min(NP, ((NP + nb - 1) // nb + nr - 1) // nr * nr)
    else:
        RB[0] = max(1, min(M, ((M + nt - 1) // nt + mr - 1) // mr * mr))


cdef int _gemm_nb(const floating* ap, bint a_t, const floating* bp_, Py_ssize_t bimg,
                  floating* cp, Py_ssize_t cimg, const floating* bias, Py_ssize_t M,
                  Py_ssize_t K, Py_ssize_t P, Py_ssize_t N, Py_ssize_t G, int n_threads) except -1:
    """For every group grp and image n: C_n,grp (M, P) = A_grp (M, K) @ B_n,grp (K, P) (+ bias),
    A_grp = ap + grp*M*K, row-major (M, K), or (a_t) the transpose of the row-major (K, M)
    ap + grp*K*M; B_n,grp = bp_ + n*bimg + grp*K*P, C_n,grp = cp + n*cimg + grp*M*P (rows of P
    contiguous elements); bias + grp*M per row (or NULL)."""
    cdef _GPack pk = _gm_pack_info()
    cdef Py_ssize_t mr = _gm_nb_mr(&pk, sizeof(floating)), nr = _gm_nb_nr(&pk, sizeof(floating))
    cdef Py_ssize_t NP = N * P, RB, JB, nrb, njb, it, grp, r0, j0, ns, SR
    _gm_nb_split(M, NP, mr, nr, G, n_threads, &RB, &JB)
    nrb = (M + RB - 1) // RB
    njb = (NP + JB - 1) // JB
    # the packing: slices of whole tile rows, 2 per thread (one with one thread)
    ns = 1 if n_threads <= 1 else 2 * n_threads
    SR = min(M, ((M + ns - 1) // ns + mr - 1) // mr * mr)
    ns = (M + SR - 1) // SR
    cdef Py_ssize_t apk_sz = _gm_apk_elems(&pk, M, K, sizeof(floating))
    cdef int n_thr = <int>max(1, min(n_threads, max(G * ns, G * nrb * njb)))
    scratch = _conv_take_scratch(max(1, G * apk_sz + n_thr * pk.work) * sizeof(floating))
    cdef floating* apk = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* works = apk + G * apk_sz
    cdef floating* work
    cdef ptrdiff_t rsa = 1 if a_t else K, csa = M if a_t else 1
    with nogil, parallel(num_threads=n_thr):
        work = works + omp_get_thread_num() * pk.work
        for it in prange(G * ns, schedule='dynamic'):
            grp = it // ns
            r0 = it % ns * SR
            if floating is float:
                mc_gemm_pack_a_rows_f32(&pk.gk, M, K, r0, r0 + SR, ap + grp * M * K, rsa, csa,
                                        apk + grp * apk_sz)
            else:
                mc_gemm_pack_a_rows_f64(&pk.gk, M, K, r0, r0 + SR, ap + grp * M * K, rsa, csa,
                                        apk + grp * apk_sz)
        for it in prange(G * nrb * njb, schedule='dynamic'):
            grp = it // (nrb * njb)
            r0 = it // njb % nrb * RB
            j0 = it % njb * JB
            if floating is float:
                mc_gemm_nb_f32(&pk.gk, M, K, P, r0, min(M, r0 + RB), j0, min(NP, j0 + JB),
                               apk + grp * apk_sz, bp_ + grp * K * P, P, bimg,
                               cp + grp * M * P, P, cimg, bias + grp * M if bias != NULL else NULL,
                               work)
            else:
                mc_gemm_nb_f64(&pk.gk, M, K, P, r0, min(M, r0 + RB), j0, min(NP, j0 + JB),
                               apk + grp * apk_sz, bp_ + grp * K * P, P, bimg,
                               cp + grp * M * P, P, cimg, bias + grp * M if bias != NULL else NULL,
                               work)
    _conv_give_scratch(scratch)
    return 0


cdef double _cm_gemm_nb(const _GGeom* g, Py_ssize_t M, Py_ssize_t K, Py_ssize_t itemsize,
                        int nt) noexcept nogil:
    """Cost-model estimate of _gemm_nb (M rows of K terms per group) at nt threads: the weights
    packed in slices, then the items' GEMMs (batch columns x rows, see _cm_gemm)."""
    cdef _GPack pk
    pk.gk = mc_gemm_kernels_now()
    cdef Py_ssize_t mr = _gm_nb_mr(&pk, itemsize), nr = _gm_nb_nr(&pk, itemsize)
    cdef Py_ssize_t NP = g.N * g.P, RB, JB, ns = 1 if nt <= 1 else 2 * nt
    _gm_nb_split(M, NP, mr, nr, g.groups, nt, &RB, &JB)
    cdef double useful = <double>g.N * g.groups * g.OG * g.K * g.P
    return (_cm_par(<double>g.O * g.K * _cm_copy(nt), g.groups * ns, nt)
            + _cm_par(useful / _cm_eff(JB, RB, K),
                      g.groups * ((M + RB - 1) // RB) * ((NP + JB - 1) // JB), nt))
