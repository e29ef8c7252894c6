# Depthwise 3x3 convolutions (groups == channels, one output channel per group), float32:
# channels in the vector lanes, for every stride, padding and dilation.
#
# The wide direct path (_conv_direct.pxi) treats each (sample, channel) as one work item: it
# pads (and for a stride, phase-splits) a single plane and runs 1-channel tiles over it, so on
# small planes (MobileNetV2's 14x14 and 7x7 layers) the per-plane setup costs far more than
# the 9 multiply-adds per output; and grad_input with a stride went through im2col. Here one
# work item is one sample's block of _DW_CB = 16 channels: the block is transposed into a
# zero-padded position-major buffer (element (row, column, channel l) at (row * Wb + column)
# * 16 + l, 8 x 8 transposes through AVX2 registers where the variant runs AVX2 code), and
# the micro-kernels (_conv_ukernel_template.h: dw_fwd, dw_gi, dw_gw) work on whole vectors of
# channels:
#   forward    out[p, l] = bias[l] + sum_t w[t, l] * xb[pos[p] + off[t], l]   (gather)
#   grad_input strided: gib[pos[p] + off[t], l] += w[t, l] * go[p, l]        (scatter);
#              stride 1 is the forward of grad_out with the flipped kernel (_direct_grad_input)
#   grad_weight  sum over the chunk's samples, each a fixed tree of row blocks
# Every output element is computed by one work item in an order fixed by the shape, so the
# bits do not depend on the thread count; grad_weight (and grad_bias, the bits of
# conv2d_grad_bias) sums fixed chunks of the batch in sample order and adds them in chunk
# order, as the wide path does. The forward gives the bits of the wide 1-channel tiles (one
# running sum from the bias over the 9 taps, in tap order).

cdef enum:
    _DW_CB = 16   # channels per block: the buffers' channel pitch (a multiple of every vw_f32)
    _DW_WIDE_MIN_P = 1024   # stride 1 with more output positions: the wide path (see _dw_serves)

_dw_enabled = [True]   # tests and benchmarks switch the path off to compare with the wide one


def _dw_set_enabled(bint on):
    """Use (True) or bypass (False) the channels-in-lanes depthwise kernels; returns the
    previous setting. For tests and benchmarks; not thread-safe against running kernels."""
    previous = _dw_enabled[0]
    _dw_enabled[0] = bool(on)
    return previous


cdef bint _dw_serves(const mc_ukernels* uk, Py_ssize_t itemsize, Py_ssize_t groups,
                     const _DGeom* g):
    """True if the channels-in-lanes depthwise kernels compute this call: float32, one input
    and one output channel per group, a 3x3 kernel (9 taps <= MC_SUM_BLOCK: one running sum per
    output, as the wide path), and a stride or at most _DW_WIDE_MIN_P output positions. On
    large stride-1 planes the wide path's per-plane setup is paid back and it needs no
    transposes (measured, one thread, under load: 144 channels 56x56 fwd+bwd 13.5 ms wide,
    15.2 here; 192 channels 28x28 7.1 wide, 6.0 here; strided layers 2-3x faster here)."""
    return (itemsize == 4 and _dw_enabled[0] and uk.f32_dwf != NULL and groups > 1
            and g.CIN == 1 and g.COUT == 1 and g.KH == 3 and g.KW == 3
            and (g.sh > 1 or g.sw > 1 or g.HO * g.WO <= _DW_WIDE_MIN_P))


cdef struct _DWGeom:
    Py_ssize_t Hb, Wb          # rows and columns of the padded buffer (row r: input row r - pt)
    Py_ssize_t P, P8, HW       # output positions, rounded up to MC_DW_NP; input positions
    Py_ssize_t per_thread      # floats of scratch per thread


cdef _DWGeom _dw_geom(const _DGeom* g) noexcept nogil:
    cdef _DWGeom d
    d.Hb = max((g.HO - 1) * g.sh + 2 * g.dh + 1, g.pt + g.H)
    d.Wb = max((g.WO - 1) * g.sw + 2 * g.dw + 1, g.pl + g.W)
    d.P = g.HO * g.WO
    d.P8 = _round_up(d.P, MC_DW_NP)
    d.HW = g.H * g.W
    # planes-to-lanes copy of the input (or grad_out), padded buffer, output block, 9 x 16 sums
    d.per_thread = (max(d.HW, d.P8) + d.Hb * d.Wb + d.P8 + 9) * _DW_CB
    return d


cdef object _dw_tables(const _DGeom* g, const _DWGeom* d):
    """(pos, off): pos[p] = buffer offset of output position p's window (p < P8, the last
    repeated), off[t] = offset of tap t = kh * 3 + kw from it."""
    pos = np.empty(d.P8, dtype=np.intp)
    off = np.empty(9, dtype=np.intp)
    cdef Py_ssize_t[::1] ps = pos
    cdef Py_ssize_t[::1] of = off
    cdef Py_ssize_t p, q, t
    for p in range(d.P8):
        q = min(p, d.P - 1)
        ps[p] = ((q // g.WO) * g.sh * d.Wb + (q % g.WO) * g.sw) * _DW_CB
    for t in range(9):
        of[t] = ((t // 3) * g.dh * d.Wb + (t % 3) * g.dw) * _DW_CB
    return pos, off


cdef void _dw_pack(const float* src, float* dst, Py_ssize_t C, Py_ssize_t stride) noexcept nogil:
    """dst[(b * stride + t) * 16 + l] = src[(16 b + l) * stride + t] (0 past C): per-channel rows
    of `stride` values (9 taps, or 1 bias) into blocks of 16 channels."""
    cdef Py_ssize_t b, t, l
    for b in range((C + _DW_CB - 1) // _DW_CB):
        for t in range(stride):
            for l in range(_DW_CB):
                dst[(b * stride + t) * _DW_CB + l] = (src[(b * _DW_CB + l) * stride + t]
                                                      if b * _DW_CB + l < C else 0)


cdef void _dw_fill(const float* src, Py_ssize_t nch, float* tmp, float* xb, const _DGeom* g,
                   const _DWGeom* d, int isa) noexcept nogil:
    """xb = the zero-padded position-major buffer of nch channel planes src (H x W, pitch HW)."""
    cdef Py_ssize_t r, ih, q0, q1
    cdef float* row
    if nch < _DW_CB:
        memset(tmp, 0, d.HW * _DW_CB * sizeof(float))
    mc_f32_planes_to_lanes16(isa, src, d.HW, nch, d.HW, tmp)
    q0 = min(max(0, g.pl), d.Wb)
    q1 = max(q0, min(d.Wb, g.pl + g.W))
    for r in range(d.Hb):
        row = xb + r * d.Wb * _DW_CB
        ih = r - g.pt
        if ih < 0 or ih >= g.H:
            memset(row, 0, d.Wb * _DW_CB * sizeof(float))
            continue
        memset(row, 0, q0 * _DW_CB * sizeof(float))
        memcpy(row + q0 * _DW_CB, tmp + (ih * g.W + q0 - g.pl) * _DW_CB, (q1 - q0) * _DW_CB * sizeof(float))
        memset(row + q1 * _DW_CB, 0, (d.Wb - q1) * _DW_CB * sizeof(float))


cdef int _dw_forward(const float* xp, const float* wp, const float* bp, float* outp,
                     Py_ssize_t N, Py_ssize_t C, const _DGeom* g, const mc_ukernels* uk,
                     int n_threads) except -1:
    """out (N, C, HO, WO) = bias + depthwise conv of x (N, C, H, W) with w (C, 1, 3, 3)."""
    cdef _DWGeom d = _dw_geom(g)
    cdef Py_ssize_t nb = (C + _DW_CB - 1) // _DW_CB, VW = uk.vw_f32
    cdef Py_ssize_t t, n, b, c0, nch, v
    cdef int isa = uk.isa
    cdef mc_f32_dw_fwd_fn fwd = uk.f32_dwf
    pos_arr, off_arr = _dw_tables(g, &d)
    cdef const ptrdiff_t* pos = <const ptrdiff_t*>cnp.PyArray_DATA(pos_arr)
    cdef const ptrdiff_t* off = <const ptrdiff_t*>cnp.PyArray_DATA(off_arr)
    n_threads = <int>min(n_threads, N * nb)
    scratch = _conv_take_scratch((n_threads * d.per_thread + nb * 10 * _DW_CB) * sizeof(float))
    cdef float* buf = <float*>cnp.PyArray_DATA(scratch)
    cdef float* wpk = buf + n_threads * d.per_thread
    cdef float* bpk = wpk + nb * 9 * _DW_CB
    cdef float* tmp
    cdef float* xb
    cdef float* ob
    _dw_pack(wp, wpk, C, 9)
    if bp != NULL:
        _dw_pack(bp, bpk, C, 1)
    with nogil, parallel(num_threads=n_threads):
        tmp = buf + omp_get_thread_num() * d.per_thread
        xb = tmp + max(d.HW, d.P8) * _DW_CB
        ob = xb + d.Hb * d.Wb * _DW_CB
        for t in prange(N * nb, schedule='dynamic'):
            n = t // nb
            b = t % nb
            c0 = b * _DW_CB
            nch = min(<Py_ssize_t>_DW_CB, C - c0)
            _dw_fill(xp + (n * C + c0) * d.HW, nch, tmp, xb, g, &d, isa)
            for v in range(_DW_CB // VW):
                fwd(d.P8, xb + v * VW, pos, off, wpk + b * 9 * _DW_CB + v * VW,
                    bpk + b * _DW_CB + v * VW if bp != NULL else NULL, ob + v * VW, _DW_CB)
            mc_f32_lanes16_to_planes(isa, ob, nch, d.P, outp + (n * C + c0) * d.P, d.P)
    _conv_give_scratch(scratch)
    return 0


cdef bint _dw_grad_input(const floating* gop, const floating* wp, floating* gip, Py_ssize_t N,
                         Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t O, Py_ssize_t HO,
                         Py_ssize_t WO, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                         Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
                         Py_ssize_t groups, int n_threads) except -1:
    """grad_in (N, C, H, W) of a strided depthwise 3x3 convolution by the scatter kernel; False
    (nothing done) where it does not serve the call: stride 1 (the forward of grad_out with the
    flipped kernel serves it), other kernels, float64. Called by conv2d_grad_input."""
    cdef mc_ukernels uk = mc_uk
    cdef _DGeom g = _dgeom(1, H, W, 1, HO, WO, KH, KW, sh, sw, pt, pl, dh, dw)
    if floating is double:
        return False
    else:
        if (sh == 1 and sw == 1) or O != C or groups != C or pt < 0 or pl < 0:
            return False
        if not _dw_serves(&uk, sizeof(float), groups, &g):
            return False
        _dw_grad_input_run(gop, wp, gip, N, C, &g, &uk, n_threads)
        return True


cdef int _dw_grad_input_run(const float* gop, const float* wp, float* gip, Py_ssize_t N,
                            Py_ssize_t C, const _DGeom* g, const mc_ukernels* uk,
                            int n_threads) except -1:
    cdef _DWGeom d = _dw_geom(g)
    cdef Py_ssize_t nb = (C + _DW_CB - 1) // _DW_CB, VW = uk.vw_f32
    cdef Py_ssize_t t, n, b, c0, nch, v, ih
    cdef int isa = uk.isa
    cdef mc_f32_dw_gi_fn gi = uk.f32_dwgi
    pos_arr, off_arr = _dw_tables(g, &d)
    cdef const ptrdiff_t* pos = <const ptrdiff_t*>cnp.PyArray_DATA(pos_arr)
    cdef const ptrdiff_t* off = <const ptrdiff_t*>cnp.PyArray_DATA(off_arr)
    n_threads = <int>min(n_threads, N * nb)
    scratch = _conv_take_scratch((n_threads * d.per_thread + nb * 9 * _DW_CB) * sizeof(float))
    cdef float* buf = <float*>cnp.PyArray_DATA(scratch)
    cdef float* wpk = buf + n_threads * d.per_thread
    cdef float* tmp
    cdef float* gib
    cdef float* gb
    _dw_pack(wp, wpk, C, 9)
    with nogil, parallel(num_threads=n_threads):
        tmp = buf + omp_get_thread_num() * d.per_thread
        gib = tmp + max(d.HW, d.P8) * _DW_CB
        gb = gib + d.Hb * d.Wb * _DW_CB
        for t in prange(N * nb, schedule='dynamic'):
            n = t // nb
            b = t % nb
            c0 = b * _DW_CB
            nch = min(<Py_ssize_t>_DW_CB, C - c0)
            if nch < _DW_CB:
                memset(gb, 0, d.P * _DW_CB * sizeof(float))
            mc_f32_planes_to_lanes16(isa, gop + (n * C + c0) * d.P, d.P, nch, d.P, gb)
            memset(gib, 0, d.Hb * d.Wb * _DW_CB * sizeof(float))
            for v in range(_DW_CB // VW):
                gi(d.P, gb + v * VW, pos, off, wpk + b * 9 * _DW_CB + v * VW, gib + v * VW, _DW_CB)
            for ih in range(g.H):
                memcpy(tmp + ih * g.W * _DW_CB, gib + ((ih + g.pt) * d.Wb + g.pl) * _DW_CB,
                       g.W * _DW_CB * sizeof(float))
            mc_f32_lanes16_to_planes(isa, tmp, nch, d.HW, gip + (n * C + c0) * d.HW, d.HW)
    _conv_give_scratch(scratch)
    return 0


cdef int _dw_grad_weight(const float* xp, const float* gop, float* gwp, float* gbp,
                         Py_ssize_t N, Py_ssize_t C, const _DGeom* g, const mc_ukernels* uk,
                         int n_threads) except -1:
    """grad_w (C, 1, 3, 3) (and grad_b (C,) if gbp is not NULL) of a depthwise convolution.
    Work items are (chunk of the batch, block of 16 channels); a chunk's samples are summed in
    order, each sample's sum over positions in the dw_gw kernel's fixed tree; the chunks are
    added in chunk order (_conv_add_chunks), so the bits do not depend on n_threads."""
    cdef _DWGeom d = _dw_geom(g)
    cdef Py_ssize_t nb = (C + _DW_CB - 1) // _DW_CB, VW = uk.vw_f32
    cdef Py_ssize_t chunk = _conv_chunk_size(N)
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t wsize = C * 9
    cdef Py_ssize_t t, k, n, b, c0, nch, v, l, tap
    cdef int isa = uk.isa
    cdef mc_f32_dw_gw_fn gw = uk.f32_dwgw
    pos_arr, off_arr = _dw_tables(g, &d)
    cdef const ptrdiff_t* off = <const ptrdiff_t*>cnp.PyArray_DATA(off_arr)
    cdef int n_thr = <int>min(n_threads, n_chunks * nb)
    scratch = _conv_take_scratch((n_chunks * wsize + n_thr * d.per_thread) * sizeof(float))
    cdef float* part = <float*>cnp.PyArray_DATA(scratch)
    cdef float* buf = part + n_chunks * wsize
    part_b_arr = np.zeros(n_chunks * C if gbp != NULL else 0, dtype=np.float64)
    cdef double* part_b = <double*>cnp.PyArray_DATA(part_b_arr) if gbp != NULL else NULL
    cdef float* tmp
    cdef float* xb
    cdef float* gb
    cdef float* acc
    with nogil, parallel(num_threads=n_thr):
        tmp = buf + omp_get_thread_num() * d.per_thread
        xb = tmp + max(d.HW, d.P8) * _DW_CB
        gb = xb + d.Hb * d.Wb * _DW_CB
        acc = gb + d.P8 * _DW_CB
        for t in prange(n_chunks * nb, schedule='dynamic'):
            k = t // nb
            b = t % nb
            c0 = b * _DW_CB
            nch = min(<Py_ssize_t>_DW_CB, C - c0)
            memset(acc, 0, 9 * _DW_CB * sizeof(float))
            for n in range(k * chunk, min(N, (k + 1) * chunk)):
                _dw_fill(xp + (n * C + c0) * d.HW, nch, tmp, xb, g, &d, isa)
                if nch < _DW_CB:
                    memset(gb, 0, d.P * _DW_CB * sizeof(float))
                mc_f32_planes_to_lanes16(isa, gop + (n * C + c0) * d.P, d.P, nch, d.P, gb)
                for v in range(_DW_CB // VW):
                    gw(g.HO, g.WO, gb + v * VW, xb + v * VW, g.sh * d.Wb * _DW_CB, g.sw * _DW_CB,
                       off, acc + v * VW, _DW_CB)
                if part_b != NULL:
                    for l in range(nch):
                        part_b[k * C + c0 + l] += _conv_row_sum(gop + (n * C + c0 + l) * d.P, d.P)
            for l in range(nch):
                for tap in range(9):
                    part[k * wsize + (c0 + l) * 9 + tap] = acc[tap * _DW_CB + l]
    _conv_add_chunks(part, gwp, n_chunks, wsize, n_threads)
    if gbp != NULL:
        _conv_bias_from_chunks(part_b, gbp, n_chunks, C)
    _conv_give_scratch(scratch)
    return 0


def _depthwise_lanes_used(Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t HO, Py_ssize_t WO,
                          Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                          Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
                          Py_ssize_t itemsize):
    """True if a depthwise convolution (groups = C) of this shape runs on the channels-in-lanes
    kernels with the current instruction set (forward and grad_weight; grad_input too when
    strided, or as the flipped forward when that one is served) (for tests)."""
    cdef _DGeom g = _dgeom(1, H, W, 1, HO, WO, KH, KW, sh, sw, pt, pl, dh, dw)
    cdef mc_ukernels uk = mc_uk
    return _dw_serves(&uk, itemsize, C, &g)
