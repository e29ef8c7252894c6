# conv2d kernels, the public entry points: forward, gradient w.r.t. input, weight and bias.
#
# Each checks the arguments it relies on, picks an algorithm (_conv_plan) and hands the
# raw pointers to that algorithm's batch-level function:
#   direct  (_conv_direct.pxi)  C micro-kernels, AVX2/AVX-512/scalar chosen at run time; the
#                               default wherever it serves the shape
#   im2col  (_conv_im2col.pxi)  column tiles + BLAS GEMM; the fallback (shapes no other serves)
#   taps    (_conv_taps.pxi)    one BLAS GEMM per tap on padded planes; only when forced
#   gemm    (_conv_gemm.pxi)    large GEMMs over chunks of samples (1x1 without im2col); where
#                               the cost model (_conv_cost.pxi) finds it cheaper than direct
#   winograd (_conv_winograd.pxi) 3x3 stride 1 as F(2x2, 3x3): 16 GEMMs on transformed tiles,
#                               every pass; where the cost model finds it cheaper
# `algorithm` ('auto', 'direct', 'im2col', 'taps', 'gemm' or 'winograd') is passed by tests and
# benchmarks to run one algorithm; a forced algorithm that does not serve a shape falls back to
# im2col, except 'winograd', which falls back to the 'auto' choice (shapes it does not serve,
# non-finite data).
# conv2d_plan() names the algorithm (and direct family) a call runs, with the estimates.
#
# Notes: (measurements in docs/performance.md)
# - Parallelism: prange over (sample, group) pairs (direct, taps) or samples (im2col) for
#   forward and grad_input: each output element is written by exactly one thread.
#   grad_weight cuts the batch into chunks whose size depends on N only
#   (_conv_chunk_size), never on n_threads; one thread makes a chunk's partial sum in
#   sample order, the chunks are added in chunk order afterwards, so the bits are the
#   same for 1, 2 or 16 threads (for one instruction set of the direct kernels).
#   schedule='dynamic' (work items are >= 50 us): the result does not depend on which
#   thread takes an item, and on a shared machine a thread that is descheduled does not
#   hold back a fixed half of the work.
# - The wide layouts (direct, taps) compute junk columns that are dropped (forward) or
#   multiplied by zeros (gradients); a non-finite input value can therefore turn a weight
#   gradient NaN where PyTorch's would stay finite (only with inf/NaN inputs).
# - Scratch comes from a small pool of NumPy buffers kept between calls
#   (_conv_take_scratch / _conv_give_scratch), so a call never page-faults fresh scratch
#   in. A buffer is owned by one call at a time, so concurrent calls from several Python
#   threads never share scratch.
# - grad_bias accumulates in float64 (_conv_row_sum); conv2d_grad_weight can compute it in the
#   same pass (argument grad_b), with the same bits as conv2d_grad_bias.


def conv2d_forward(const floating[:, :, :, ::1] x,     # IN  (N, C, H, W)
                   const floating[:, :, :, ::1] w,     # IN  (O, C // groups, KH, KW)
                   const floating[::1] bias,           # IN  (O,) or length 0 = no bias
                   floating[:, :, :, ::1] out,         # OUT (N, O, HO, WO), fully overwritten
                   int stride_h, int stride_w, int pad_top, int pad_left,
                   int dil_h, int dil_w, int groups, int n_threads, str algorithm='auto'):
    """out[n, o] = bias[o] + sum over c in o's group, kh, kw of w[o, c, kh, kw] * x[n, c, window]."""
    _conv_check("conv2d_forward", x.shape[0], x.shape[1], w.shape[0], w.shape[1], out.shape[0],
                out.shape[1], stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups, n_threads)
    if bias.shape[0] != 0 and bias.shape[0] != w.shape[0]:
        raise ValueError(f"conv2d_forward: bias has {bias.shape[0]} elements, expected {w.shape[0]} or 0")
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t O = w.shape[0], CG = w.shape[1], KH = w.shape[2], KW = w.shape[3]
    cdef Py_ssize_t HO = out.shape[2], WO = out.shape[3]
    cdef Py_ssize_t OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef bint has_bias = bias.shape[0] != 0
    cdef Py_ssize_t n, o, p
    cdef const floating* bp = &bias[0] if has_bias else NULL
    cdef floating* outp
    cdef _DGeom geom
    cdef _GGeom gg
    cdef _WGeom wg
    if N == 0 or O == 0 or P == 0:
        return
    outp = &out[0, 0, 0, 0]
    if K == 0 or C == 0 or H == 0 or W == 0:   # nothing to convolve: out = bias
        for n in prange(N, nogil=True, schedule='static', num_threads=n_threads):
            for o in range(O):
                for p in range(P):
                    outp[(n * O + o) * P + p] = bp[o] if has_bias else 0
        return
    geom = _dgeom(CG, H, W, OG, HO, WO, KH, KW, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w)
    gg = _gm_geom(N, C, H, W, O, KH, KW, HO, WO, stride_h, stride_w, pad_top, pad_left, dil_h,
                  dil_w, groups, sizeof(floating), _GM_COLS_FORWARD)
    algo = _conv_plan(_PASS_FORWARD, algorithm, &geom, &gg, _dc_fits(&geom, sizeof(floating)),
                      stride_h == 1 and stride_w == 1 and
                      _taps_scratch(CG, OG, HO, WO, KH, KW, dil_h, dil_w) * sizeof(floating)
                      <= _CONV_TAPS_MAX_BYTES, sizeof(floating), NULL, True, n_threads)
    if algo == _ALGO_WINOGRAD and not (_wn_all_finite(&x[0, 0, 0, 0], N * C * H * W, n_threads)
                                       and _wn_all_finite(&w[0, 0, 0, 0], O * K, 1)):
        algo = _conv_plan(_PASS_FORWARD, algorithm, &geom, &gg, _dc_fits(&geom, sizeof(floating)),
                          False, sizeof(floating), NULL, False, n_threads)
    if algo == _ALGO_WINOGRAD:
        wg = _wn_geom(N, C, H, W, O, HO, WO, pad_top, pad_left, sizeof(floating))
        _winograd_forward(&x[0, 0, 0, 0], &w[0, 0, 0, 0], bp, outp, &wg, n_threads)
    elif algo == _ALGO_GEMM:
        _gemm_forward(&x[0, 0, 0, 0], &w[0, 0, 0, 0], bp, outp, &gg, n_threads)
    elif algo == _ALGO_DIRECT:
        _direct_forward(&x[0, 0, 0, 0], &w[0, 0, 0, 0], bp, outp, N, groups, &geom, n_threads)
    elif algo == _ALGO_TAPS:
        _taps_forward(&x[0, 0, 0, 0], &w[0, 0, 0, 0], bp, outp, N, C, H, W, O, KH, KW, HO, WO,
                      pad_top, pad_left, dil_h, dil_w, groups, n_threads)
    else:
        _im2col_forward(&x[0, 0, 0, 0], &w[0, 0, 0, 0], bp, outp, N, C, H, W, O, KH, KW, HO, WO,
                        stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups, n_threads)


def conv2d_grad_input(const floating[:, :, :, ::1] grad_out,  # IN  (N, O, HO, WO)
                      const floating[:, :, :, ::1] w,         # IN  (O, C // groups, KH, KW)
                      floating[:, :, :, ::1] grad_in,         # OUT (N, C, H, W), fully overwritten
                      int stride_h, int stride_w, int pad_top, int pad_left,
                      int dil_h, int dil_w, int groups, int n_threads, str algorithm='auto'):
    """grad_in = d loss / d x given grad_out = d loss / d out."""
    _conv_check("conv2d_grad_input", grad_in.shape[0], grad_in.shape[1], w.shape[0], w.shape[1],
                grad_out.shape[0], grad_out.shape[1], stride_h, stride_w, pad_top, pad_left,
                dil_h, dil_w, groups, n_threads)
    cdef Py_ssize_t N = grad_in.shape[0], C = grad_in.shape[1], H = grad_in.shape[2], W = grad_in.shape[3]
    cdef Py_ssize_t O = w.shape[0], CG = w.shape[1], KH = w.shape[2], KW = w.shape[3]
    cdef Py_ssize_t HO = grad_out.shape[2], WO = grad_out.shape[3]
    cdef Py_ssize_t OG = O // groups, K = CG * KH * KW, P = HO * WO
    cdef Py_ssize_t n
    cdef floating* gip
    cdef _DGeom geom
    cdef _GGeom gg
    cdef _WGeom wg
    cdef bint stride1 = stride_h == 1 and stride_w == 1
    if N == 0 or C == 0 or H == 0 or W == 0:
        return
    gip = &grad_in[0, 0, 0, 0]
    if O == 0 or P == 0 or K == 0:
        for n in prange(N, nogil=True, schedule='static', num_threads=n_threads):
            memset(gip + n * C * H * W, 0, C * H * W * sizeof(floating))
        return
    if (algorithm == 'auto' or algorithm == 'direct') and _dw_grad_input(
            &grad_out[0, 0, 0, 0], &w[0, 0, 0, 0], gip, N, C, H, W, O, HO, WO, KH, KW, stride_h,
            stride_w, pad_top, pad_left, dil_h, dil_w, groups, n_threads):
        return   # strided depthwise 3x3 (_conv_depthwise.pxi)
    # the forward convolution of grad_out that gives grad_in (stride 1; see _conv_direct.pxi)
    geom = _dgeom(OG, HO, WO, CG, H, W, KH, KW, 1, 1, (KH - 1) * dil_h - pad_top,
                  (KW - 1) * dil_w - pad_left, dil_h, dil_w)
    geom.gsh, geom.gsw = stride_h, stride_w   # strided: by stride phases (_conv_direct_gi.pxi)
    gg = _gm_geom(N, C, H, W, O, KH, KW, HO, WO, stride_h, stride_w, pad_top, pad_left, dil_h,
                  dil_w, groups, sizeof(floating), _GM_COLS_GRAD_INPUT)
    algo = _conv_plan(_PASS_GRAD_INPUT, algorithm, &geom, &gg,
                      _dc_gi_serves(&geom, sizeof(floating)),
                      stride1 and _taps_scratch(CG, OG, HO, WO, KH, KW, dil_h, dil_w)
                      * sizeof(floating) <= _CONV_TAPS_MAX_BYTES, sizeof(floating), NULL, True,
                      n_threads)
    if algo == _ALGO_WINOGRAD and not (
            _wn_all_finite(&grad_out[0, 0, 0, 0], N * O * P, n_threads)
            and _wn_all_finite(&w[0, 0, 0, 0], O * K, 1)):
        algo = _conv_plan(_PASS_GRAD_INPUT, algorithm, &geom, &gg,
                          _dc_gi_serves(&geom, sizeof(floating)), False, sizeof(floating),
                          NULL, False, n_threads)
    if algo == _ALGO_WINOGRAD:
        # the forward convolution of grad_out (O channels) giving grad_in (C), padding 2 - p
        wg = _wn_geom(N, O, HO, WO, C, H, W, 2 - pad_top, 2 - pad_left, sizeof(floating))
        _winograd_grad_input(&grad_out[0, 0, 0, 0], &w[0, 0, 0, 0], gip, &wg, n_threads)
    elif algo == _ALGO_GEMM:
        _gemm_grad_input(&grad_out[0, 0, 0, 0], &w[0, 0, 0, 0], gip, &gg, n_threads)
    elif algo == _ALGO_DIRECT:
        _direct_grad_input(&grad_out[0, 0, 0, 0], &w[0, 0, 0, 0], gip, N, groups, &geom, n_threads)
    elif algo == _ALGO_TAPS:
        _taps_grad_input(&grad_out[0, 0, 0, 0], &w[0, 0, 0, 0], gip, N, C, H, W, O, KH, KW, HO, WO,
                         pad_top, pad_left, dil_h, dil_w, groups, n_threads)
    else:
        _im2col_grad_input(&grad_out[0, 0, 0, 0], &w[0, 0, 0, 0], gip, N, C, H, W, O, KH, KW,
                           HO, WO, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups,
                           n_threads)


def conv2d_grad_weight(const floating[:, :, :, ::1] x,         # IN  (N, C, H, W)
                       const floating[:, :, :, ::1] grad_out,  # IN  (N, O, HO, WO)
                       floating[:, :, :, ::1] grad_w,          # OUT (O, C // groups, KH, KW), overwritten
                       int stride_h, int stride_w, int pad_top, int pad_left,
                       int dil_h, int dil_w, int groups, int n_threads, str algorithm='auto',
                       floating[::1] grad_b=None):             # OUT (O,) or None, overwritten
    """grad_w = d loss / d w, summed over the batch in fixed-size chunks (deterministic).

    With grad_b, also the bias gradient (the bits of conv2d_grad_bias): the direct algorithm
    sums each grad_out row while it copies it anyway, saving a pass over grad_out.
    """
    _conv_check("conv2d_grad_weight", x.shape[0], x.shape[1], grad_w.shape[0], grad_w.shape[1],
                grad_out.shape[0], grad_out.shape[1], stride_h, stride_w, pad_top, pad_left,
                dil_h, dil_w, groups, n_threads)
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t O = grad_w.shape[0], CG = grad_w.shape[1], KH = grad_w.shape[2], KW = grad_w.shape[3]
    cdef Py_ssize_t HO = grad_out.shape[2], WO = grad_out.shape[3]
    cdef Py_ssize_t OG = O // groups, K = CG * KH * KW, P = HO * WO
    if grad_b is not None and grad_b.shape[0] != O:
        raise ValueError(f"conv2d_grad_weight: grad_b has {grad_b.shape[0]} elements, expected {O}")
    cdef floating* gwp
    cdef _DGeom geom
    cdef _GGeom gg
    cdef _WGeom wg
    if O * K == 0 or N == 0 or P == 0 or H == 0 or W == 0:
        if O * K > 0:
            memset(&grad_w[0, 0, 0, 0], 0, O * K * sizeof(floating))
        if grad_b is not None:
            conv2d_grad_bias(grad_out, grad_b, n_threads)
        return
    gwp = &grad_w[0, 0, 0, 0]
    geom = _dgeom(CG, H, W, OG, HO, WO, KH, KW, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w)
    gg = _gm_geom(N, C, H, W, O, KH, KW, HO, WO, stride_h, stride_w, pad_top, pad_left, dil_h,
                  dil_w, groups, sizeof(floating), _GM_COLS_GRAD_WEIGHT)
    algo = _conv_plan(_PASS_GRAD_WEIGHT, algorithm, &geom, &gg, _dc_fits(&geom, sizeof(floating)),
                      stride_h == 1 and stride_w == 1 and
                      _taps_scratch(CG, OG, HO, WO, KH, KW, dil_h, dil_w) * sizeof(floating)
                      <= _CONV_TAPS_MAX_BYTES, sizeof(floating), NULL, True, n_threads)
    if algo == _ALGO_DIRECT:
        _direct_grad_weight(&x[0, 0, 0, 0], &grad_out[0, 0, 0, 0], gwp,
                            &grad_b[0] if grad_b is not None else NULL, N, groups, &geom, n_threads)
        return
    if grad_b is not None:
        conv2d_grad_bias(grad_out, grad_b, n_threads)
    if algo == _ALGO_WINOGRAD:
        wg = _wn_geom(N, C, H, W, O, HO, WO, pad_top, pad_left, sizeof(floating),
                      _WN_GW_BLOCK_BYTES)
        _winograd_grad_weight(&x[0, 0, 0, 0], &grad_out[0, 0, 0, 0], gwp, &wg, n_threads)
        # Non-finite data (see _conv_winograd.pxi) is checked on the result, not on x and
        # grad_out (two passes over the layer's largest arrays): an inf or NaN that a direct sum
        # reads is in some tile's transform, every GEMM term with it is inf or NaN (0 * inf too),
        # and the inverse transform reads every point, so grad_w is then not all finite either.
        if _wn_all_finite(gwp, O * K, 1):
            return
        algo = _conv_plan(_PASS_GRAD_WEIGHT, algorithm, &geom, &gg, _dc_fits(&geom, sizeof(floating)),
                          False, sizeof(floating), NULL, False, n_threads)
        if algo == _ALGO_DIRECT:
            _direct_grad_weight(&x[0, 0, 0, 0], &grad_out[0, 0, 0, 0], gwp, NULL, N, groups, &geom,
                                n_threads)
            return
    if algo == _ALGO_GEMM:
        _gemm_grad_weight(&x[0, 0, 0, 0], &grad_out[0, 0, 0, 0], gwp, &gg, n_threads)
    elif algo == _ALGO_TAPS:
        _taps_grad_weight(&x[0, 0, 0, 0], &grad_out[0, 0, 0, 0], gwp, N, C, H, W, O, KH, KW, HO, WO,
                          pad_top, pad_left, dil_h, dil_w, groups, n_threads)
    else:
        _im2col_grad_weight(&x[0, 0, 0, 0], &grad_out[0, 0, 0, 0], gwp, N, C, H, W, O, KH, KW,
                            HO, WO, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups,
                            n_threads)


def conv2d_grad_bias(const floating[:, :, :, ::1] grad_out,  # IN  (N, O, HO, WO)
                     floating[::1] grad_b,                   # OUT (O,), fully overwritten
                     int n_threads):
    """grad_b[o] = sum of grad_out[:, o] over batch and space (fixed chunks, deterministic).

    The same bits as the grad_b that conv2d_grad_weight computes along the way.
    """
    if n_threads < 1:
        raise ValueError(f"conv2d_grad_bias: n_threads must be positive, got {n_threads}")
    if grad_b.shape[0] != grad_out.shape[1]:
        raise ValueError(f"conv2d_grad_bias: grad_b has {grad_b.shape[0]} elements, "
                         f"expected {grad_out.shape[1]}")
    cdef Py_ssize_t N = grad_out.shape[0], O = grad_out.shape[1]
    cdef Py_ssize_t P = grad_out.shape[2] * grad_out.shape[3]
    cdef Py_ssize_t chunk = _conv_chunk_size(N)
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t k, n, o
    if O == 0:
        return
    grad_b[:] = 0
    if N == 0 or P == 0:
        return
    part_arr = np.zeros((n_chunks, O), dtype=np.float64)
    cdef double* part = <double*>cnp.PyArray_DATA(part_arr)
    cdef const floating* go = &grad_out[0, 0, 0, 0]
    # one pass over grad_out is memory-bound: extra threads only pay for big tensors
    cdef int n_thr = <int>min(n_threads, n_chunks) if N * O * P >= (1 << 24) else 1
    for k in prange(n_chunks, nogil=True, schedule='dynamic', num_threads=n_thr):
        for n in range(k * chunk, min(N, (k + 1) * chunk)):
            for o in range(O):
                part[k * O + o] += _conv_row_sum(go + (n * O + o) * P, P)
    _conv_bias_from_chunks(part, &grad_b[0], n_chunks, O)


cdef void _conv_bias_from_chunks(const double* part, floating* grad_b, Py_ssize_t n_chunks,
                                 Py_ssize_t O) noexcept nogil:
    """grad_b[o] = sum over chunks k, in chunk order, of part[k, o]."""
    cdef Py_ssize_t k, o
    cdef double acc
    for o in range(O):
        acc = 0
        for k in range(n_chunks):
            acc = acc + part[k * O + o]
        grad_b[o] = <floating>acc
