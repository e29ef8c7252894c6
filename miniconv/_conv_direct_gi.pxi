# "direct" grad_input for strided convolutions, by stride phases (no im2col, no col2im).
#
# With stride (sh, sw) and dilation 1, grad_in's rows ih = sh*i + rh and columns iw = sw*j + rw
# (one "phase" (rh, rw)) receive only the taps kh = kh0 + sh*a, kw = kw0 + sw*b with
# kh0 = (rh + pt) % sh, kw0 = (rw + pl) % sw (pt, pl: the forward's padding):
#     grad_in[c, sh*i + rh, sw*j + rw] = sum over o, a, b of
#         w[o, c, kh0 + sh*a, kw0 + sw*b] * grad_out[o, i + eh - a, j + ew - b],
#     eh = (rh + pt - kh0) / sh, ew = (rw + pl - kw0) / sw.
# With the sub-kernel flipped (a' = nh - 1 - a) that is a stride-1 forward convolution of
# grad_out (O channels) with an nh x nw kernel, nh = ceil((KH - kh0) / sh), padded by
# nh - 1 - eh on top and nw - 1 - ew on the left, giving the phase's ceil((H - rh) / sh) x
# ceil((W - rw) / sw) plane: the direct forward's driver (_dc_forward_group(_t), any family)
# computes it into per-thread scratch, and the phase's values are copied to their rows and
# columns of grad_in. The phases' kernels have 9 taps in all for 3x3/2 (2x2 + 2x1 + 1x2 + 1x1):
# the multiply-adds of the forward, none wasted on the zeros col2im-free scatter would add.
# Each element of grad_in is one phase's sum, in an order fixed by the shape (and instruction
# set): the bits do not depend on the thread count.

cdef enum:
    _DC_GI_MAX_PHASES = 16   # sh * sw served (strides up to 4 x 4)


cdef inline bint _dc_gi_strided(const _DGeom* g) noexcept nogil:
    return g.gsh > 1 or g.gsw > 1


cdef _DGeom _dc_gi_phase(const _DGeom* g, Py_ssize_t rh, Py_ssize_t rw, Py_ssize_t* kh0,
                         Py_ssize_t* kw0) noexcept nogil:
    """The stride-1 forward geometry giving phase (rh, rw) of grad_in. g: the grad_input
    geometry (CIN = O/groups planes of HO x WO in, COUT = C/groups planes of H x W out, padding
    KH - 1 - pt, KW - 1 - pl) with the forward's strides gsh, gsw; dilation 1. kh0, kw0: the
    phase's first tap. The phase's kernel is (KH - kh0) / sh x (KW - kw0) / sw rounded up."""
    cdef Py_ssize_t pt = g.KH - 1 - g.pt, pl = g.KW - 1 - g.pl
    cdef Py_ssize_t nh, nw, eh, ew, hr, wr
    kh0[0] = (rh + pt) % g.gsh
    kw0[0] = (rw + pl) % g.gsw
    nh = (g.KH - kh0[0] + g.gsh - 1) // g.gsh
    nw = (g.KW - kw0[0] + g.gsw - 1) // g.gsw
    eh = (rh + pt - kh0[0]) // g.gsh
    ew = (rw + pl - kw0[0]) // g.gsw
    hr = max(0, (g.HO - rh + g.gsh - 1) // g.gsh)
    wr = max(0, (g.WO - rw + g.gsw - 1) // g.gsw)
    return _dgeom(g.CIN, g.H, g.W, g.COUT, hr, wr, nh, nw, 1, 1, nh - 1 - eh, nw - 1 - ew, 1, 1)


cdef void _dc_gi_layout(const _DGeom* g, _DGeom* common, _DGeom* pg, Py_ssize_t* kh0,
                       Py_ssize_t* kw0, Py_ssize_t* delta) noexcept nogil:
    """The phases of a strided grad_input sharing one set of padded planes of grad_out.
    common: the planes (CIN planes of Hq x Wq, padding pt, pl: the largest of the phases'),
    filled once per (sample, group); pg[ph] (ph = rh * gsw + rw): phase ph's forward, with the
    common row pitch and plane size; delta[ph]: where its own padded origin lies in the common
    planes (added to its offsets); kh0, kw0: its first tap."""
    cdef Py_ssize_t ph, nph = g.gsh * g.gsw, hp = 0, wp = 0
    common[0] = _dc_gi_phase(g, 0, 0, &kh0[0], &kw0[0])
    for ph in range(nph):
        pg[ph] = _dc_gi_phase(g, ph // g.gsw, ph % g.gsw, &kh0[ph], &kw0[ph])
        common.pt = max(common.pt, pg[ph].pt)
        common.pl = max(common.pl, pg[ph].pl)
    for ph in range(nph):     # rows and columns the phases read, in the common planes
        hp = max(hp, common.pt - pg[ph].pt + pg[ph].HO + pg[ph].KH - 1)
        wp = max(wp, common.pl - pg[ph].pl + pg[ph].WO + pg[ph].KW - 1)
    common.Hq, common.Wq = hp, wp
    common.PS = hp * wp + _DC_SLACK
    for ph in range(nph):
        delta[ph] = (common.pt - pg[ph].pt) * wp + common.pl - pg[ph].pl
        pg[ph].Hq, pg[ph].Wq, pg[ph].PS = hp, wp, common.PS
        pg[ph].L = (pg[ph].HO - 1) * wp + pg[ph].WO


cdef bint _dc_gi_serves(const _DGeom* g, Py_ssize_t itemsize) noexcept nogil:
    """True if the direct grad_input serves g: stride 1 within the scratch limit, or a stride
    of at most 4 x 4 with dilation 1, a kernel at least as large as the stride (every phase has
    taps) and every phase's scratch within the limit."""
    cdef Py_ssize_t fwd
    if not _dc_gi_strided(g):
        return _dc_fits(g, itemsize)
    if g.gsh > 4 or g.gsw > 4 or g.dh != 1 or g.dw != 1 or g.KH < g.gsh or g.KW < g.gsw:
        return False
    return _dc_gi_scratch(g, &fwd) * itemsize <= _DC_MAX_SCRATCH_BYTES


cdef Py_ssize_t _dc_gi_scratch(const _DGeom* g, Py_ssize_t* fwd) noexcept nogil:
    """Per-thread scratch of the strided grad_input: the largest phase forward's (fwd[0]; its
    planes are the common ones) plus one phase plane of output (COUT planes)."""
    cdef Py_ssize_t ph, out = 0
    cdef _DGeom common
    cdef _DGeom pg[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t kh0[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t kw0[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t delta[_DC_GI_MAX_PHASES]
    _dc_gi_layout(g, &common, pg, kh0, kw0, delta)
    fwd[0] = 0
    for ph in range(g.gsh * g.gsw):
        fwd[0] = max(fwd[0], _dc_fwd_scratch(&pg[ph]))
        out = max(out, _round_up(pg[ph].COUT, 32) * (pg[ph].HO * pg[ph].WO + MC_FWDT_NP))
    return fwd[0] + out


cdef int _direct_grad_input_strided(const floating* gop, const floating* wp, floating* gip,
                                    Py_ssize_t N, Py_ssize_t groups, const _DGeom* geom,
                                    int n_threads) except -1:
    """grad_in for a strided convolution by stride phases (see the top of this file). geom:
    as _direct_grad_input's, with gsh, gsw the strides (_dc_gi_serves true)."""
    cdef Py_ssize_t OG = geom.CIN, CG = geom.COUT, KH = geom.KH, KW = geom.KW, T = KH * KW
    cdef Py_ssize_t H = geom.HO, W = geom.WO, HWo = geom.H * geom.W
    cdef Py_ssize_t sh = geom.gsh, sw = geom.gsw, nph = sh * sw
    cdef mc_ukernels uk = mc_uk     # one instruction set for the whole call
    cdef _DGeom common
    cdef _DGeom pg[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t kh0s[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t kw0s[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t delta[_DC_GI_MAX_PHASES]
    cdef const floating* packed[_DC_GI_MAX_PHASES]
    cdef const ptrdiff_t* offs[_DC_GI_MAX_PHASES]
    cdef const ptrdiff_t* poss[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t packg[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t nbs[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t rhs[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t rws[_DC_GI_MAX_PHASES]
    cdef bint trs[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t ph, rh, rw, kh0, kw0, nh, nw, g, o, c, a, b, mr, Kp, fwd, per_thread
    cdef Py_ssize_t t, n, part, i, j, hr, wr
    dt = np.float32 if floating is float else np.float64
    keep = []
    cdef floating* pk
    cdef floating* wsub
    cdef Py_ssize_t[::1] ov
    _dc_gi_layout(geom, &common, pg, kh0s, kw0s, delta)
    for ph in range(nph):
        rh = ph // sw
        rw = ph % sw
        rhs[ph], rws[ph] = rh, rw
        kh0, kw0 = kh0s[ph], kw0s[ph]
        if pg[ph].HO * pg[ph].WO == 0:     # a plane shorter than the stride: no such rows
            nbs[ph], trs[ph], packg[ph] = 0, False, 0
            continue
        nh, nw, Kp = pg[ph].KH, pg[ph].KW, pg[ph].K
        trs[ph] = _dc_fwd_transposed(&pg[ph], &uk, sizeof(floating))
        mr = uk.obt_f32 if trs[ph] else _dc_mr(CG)
        packg[ph] = (CG + mr - 1) // mr * Kp * mr
        # wsub[g*CG + c, o, a', b'] = w[g*OG + o, c, kh0 + sh*(nh-1-a'), kw0 + sw*(nw-1-b')]
        wsub_arr = np.empty(max(1, groups * CG * Kp), dtype=dt)
        wsub = <floating*>cnp.PyArray_DATA(wsub_arr)
        for g in range(groups):
            for c in range(CG):
                for o in range(OG):
                    for a in range(nh):
                        for b in range(nw):
                            wsub[((g * CG + c) * OG + o) * nh * nw + a * nw + b] = wp[
                                ((g * OG + o) * CG + c) * T + (kh0 + sh * (nh - 1 - a)) * KW
                                + kw0 + sw * (nw - 1 - b)]
        pk_arr = np.empty(max(1, groups * packg[ph]), dtype=dt)
        pk = <floating*>cnp.PyArray_DATA(pk_arr)
        _dc_pack(wsub, pk, groups, CG, Kp, mr)
        packed[ph] = pk
        off_arr = _dc_offsets(&pg[ph], 1)
        ov = off_arr
        for i in range(ov.shape[0]):     # from the phase's origin to the common planes'
            ov[i] += delta[ph]
        offs[ph] = <const ptrdiff_t*>cnp.PyArray_DATA(off_arr)
        pos_arr = _dc_positions(&pg[ph]) if trs[ph] else off_arr
        poss[ph] = <const ptrdiff_t*>cnp.PyArray_DATA(pos_arr)
        nbs[ph] = (pos_arr.shape[0] // MC_FWDT_NP if trs[ph]
                   else _dc_fwd_nblocks(&pg[ph], &uk, sizeof(floating)))
        keep.append((pk_arr, off_arr, pos_arr))
    # the wide tiles start from a bias block: zeros (no bias in grad_in)
    zb_arr = np.zeros(_round_up(CG, 32), dtype=dt)
    cdef const floating* zb = <const floating*>cnp.PyArray_DATA(zb_arr)
    per_thread = _dc_gi_scratch(geom, &fwd)
    # work items: (sample, group), or (sample, group, phase) when there are fewer pairs than
    # threads; each item writes its own elements of grad_in
    cdef Py_ssize_t parts = nph if N * groups < n_threads else 1
    cdef Py_ssize_t per_part = nph // parts
    n_threads = <int>min(n_threads, N * groups * parts)
    scratch = _conv_take_scratch(n_threads * per_thread * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* sc
    cdef floating* tmp
    cdef floating* row
    cdef const floating* trow
    with nogil, parallel(num_threads=n_threads):
        sc = buf + omp_get_thread_num() * per_thread
        tmp = sc + fwd
        for t in prange(N * groups * parts, schedule='dynamic'):
            n = t // (groups * parts)
            g = t // parts % groups
            part = t % parts
            # the common planes, filled once for the item's phases
            _dc_fill_planes(gop + (n * groups + g) * OG * HWo, sc, &common)
            for ph in range(part * per_part, (part + 1) * per_part):
                if nbs[ph] == 0:
                    continue
                hr = pg[ph].HO
                wr = pg[ph].WO
                if floating is float and trs[ph]:
                    _dc_forward_group_t(NULL, tmp, packed[ph] + g * packg[ph], NULL, offs[ph],
                                        poss[ph], sc, &pg[ph], &uk, 0, nbs[ph])
                else:
                    _dc_forward_group(NULL, tmp, packed[ph] + g * packg[ph], zb, offs[ph], sc,
                                      &pg[ph], &uk, 0, nbs[ph])
                for c in range(CG):
                    for i in range(hr):
                        row = (gip + ((n * groups + g) * CG + c) * H * W + (sh * i + rhs[ph]) * W
                               + rws[ph])
                        trow = tmp + (c * hr + i) * wr
                        for j in range(wr):
                            row[j * sw] = trow[j]
    _conv_give_scratch(scratch)
    return 0
