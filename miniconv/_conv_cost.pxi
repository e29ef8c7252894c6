# conv2d's algorithm choice: the cost model per (shape, pass, instruction set), _conv_plan (which
# the public kernels of _conv_dispatch.pxi call) and conv2d_plan (the choice named, for tests
# and benchmarks). Moved out of _conv_dispatch.pxi unchanged.

# ---------------------------------------------------------------------------
# The algorithm choice: a cost model per (shape, pass, instruction set)
# ---------------------------------------------------------------------------
# Every candidate's time is estimated in "multiply-adds at peak" (MAC units): work done at a
# fraction e of the FMA peak costs work / e, copying one element costs _CM_COPY.
#
#   direct  NG * (computed / _CM_E_DIRECT + COUT*K * _CM_W_DIRECT / S + planes * _CM_COPY)
#           computed = the multiply-adds the tiles do, waste included: output channels rounded
#           up to the tile (4 wide, 16 in the lanes), positions rounded up to the tiles (wide:
#           the padded row pitch and tile tails, _dc_fwd_end; lanes: multiples of 6), pairs
#           rounded up for grad_weight; the family is the one the direct code takes
#           (_dc_fwd_transposed, _dc_gw_transposed). COUT*K*_CM_W_DIRECT: per (sample,
#           group) the weights are re-read and re-packed (forward), the partial sums
#           reloaded (grad_weight, per call of S samples): what makes small planes slow.
#           planes: the zero-padded planes filled per (sample, group).
#   gemm    useful / eff(m, n, k) + copies * _CM_COPY, useful = N*G*OG*K*P exactly, and
#           eff(m, n, k) = _CM_E_GEMM * m/(m + _CM_HALF_M) * n/(n + _CM_HALF_N) * k/(k + _CM_HALF_K)
#           for the GEMMs the algorithm makes (column-major m x n += k terms); copies: the
#           im2col columns (none for the 1x1 no-copy case: forward and grad_input are then one
#           GEMM over the batch, _cm_gemm_nb), the gathered grad_out rows, the
#           output scattered back, col2im, and grad_weight's C updated once per chunk.
#   im2col  the same formula with im2col's per-sample row tiles (m = rows*WO) and its copies.
#   winograd  3x3 stride 1, every pass: its GEMMs and transforms (_cm_winograd).
#   depthwise (one input and one output channel per group) direct: the taps at _CM_E_DW per
#           position plus a copy of the input plane; no GEMM serves it well (gemm measured
#           2.5-36x slower on the zoo's depthwise layers).
# Threads: each estimate is in thread-time at nt threads, nt x the busiest thread's time, so
# estimates at different counts compare like work at one thread. Each parallel phase's work is
# cut into the items the algorithm makes (direct: (sample, group) pairs, or parts of a pair's
# positions when there are fewer pairs than threads, grad_weight: chunks of the batch and then
# a serial chunk sum; gemm: phase 1 gathers + packing, phase 2 chunk x group x block items with
# the blocks _gm_block makes at nt; im2col: samples) and priced ceil(items / nt) * nt / items
# times its work (_cm_par); copies cost _CM_COPY_MT times more when threads share memory.
# grad_weight's direct calls batch min(S, chunk) samples (never across chunks).
# 'auto' takes the cheapest of direct, gemm and winograd where they serve the shape, im2col where none
# does (its estimate is reported, not used: its GEMMs sum hundreds of terms in one running sum,
# further from float64 than PyTorch, where gemm's are cut into blocks); taps only when forced.
# The constants were fitted to forced-algorithm timings of the layer zoo (docs/performance.md,
# "The gemm algorithm and the cost model").

cdef enum:
    _PASS_FORWARD = 0
    _PASS_GRAD_INPUT = 1
    _PASS_GRAD_WEIGHT = 2

_CONV_PASSES = ('forward', 'grad_input', 'grad_weight')
_CONV_ALGORITHM_CHOICES = ('auto', 'direct', 'im2col', 'taps', 'gemm', 'winograd')

# Fitted (benchmarks/bench_layers.py --algorithms --json, 228 rows of the zoo at one thread,
# Zen 3 AVX2, under load) to minimise the zoo's total time with the model's picks; only their
# ratios matter (costs are compared, never converted to seconds), e_gemm fixed at 0.85.
cdef double _CM_E_DIRECT = 0.667   # fraction of peak of the direct tiles on what they compute
cdef double _CM_W_DIRECT = 36.1    # per weight (or grad_w) element per (sample, group)
cdef double _CM_E_GEMM = 0.85      # the packed GEMM on large, well-shaped products
cdef double _CM_HALF_M = 6.7       # GEMM dimensions at which the efficiency halves
cdef double _CM_HALF_N = 31.4
cdef double _CM_HALF_K = 3.2
cdef double _CM_COPY = 26.6        # per element of im2col / gather / scatter / col2im
# The forward's lanes family (dconv_t; also every phase of the strided grad_input) priced on
# its own: it streams each weight once per tile of positions anyway, and it runs nearer the
# peak than the wide tiles (priced with e_direct, its small-plane layers, 3x3/2 on 16x16 and
# 8x8, came out up to 3x their time). Fitted (benchmarks/fit_winograd_cost.py --only --also
# w_direct_t e_direct_t: the zoo's total with the model's picks, the other constants fixed) to
# bench_layers.py --algorithms at one thread (quiet machine, 2026-12-07 09:13), the strided
# grad_input rows scaled by the direct/gemm ratios of benchmarks/bench_pass_ab.py (under load);
# it moves three picks, all 3x3/2, to direct (64-128 32 forward and grad_input, 128-128 56
# grad_input) and no 1x1 or stride-1 pick.
cdef double _CM_W_DIRECT_T = 64.9  # as _CM_W_DIRECT, for the forward's lanes family
cdef double _CM_E_DIRECT_T = 0.811 # as _CM_E_DIRECT, for the forward's lanes family
# Set by hand (2026-12-07; the timings at 2 threads were taken under load, too noisy to fit):
cdef double _CM_COPY_MT = 1.0      # copies' cost factor with several threads (shared memory)
cdef double _CM_E_DW = 0.08        # depthwise direct kernels, per multiply-add
cdef double _CM_INF = 1e300
# The pick may not depend on a call's thread count: the algorithms sum in different orders, and
# the bits of a result never depend on the thread count (docs/architecture.md). So 'auto' takes
# the cheapest by the sum of the thread-time estimates at 1 and _CM_PLAN_THREADS threads: an
# algorithm that leaves a thread idle at 2 threads pays for it, at any count.
# _CM_PICK_PER_CALL (_conv_cost_pick('per_call'), benchmarks and tests only) prices at the
# call's count instead: faster picks where 1 and 2 threads disagree, other bits per count.
cdef int _CM_PLAN_THREADS = 2
cdef bint _CM_PICK_PER_CALL = False


def _conv_cost_pick(str mode=None):
    """How 'auto' prices: 'fixed' (1 and 2 threads summed, the same pick at any thread count;
    the default) or 'per_call' (at the call's thread count: the bits then depend on it; for
    measurements). With mode, switch; returns the previous mode."""
    global _CM_PICK_PER_CALL
    old = 'per_call' if _CM_PICK_PER_CALL else 'fixed'
    if mode is not None:
        if mode not in ('fixed', 'per_call'):
            raise ValueError(f"unknown pick mode {mode!r}; expected 'fixed' or 'per_call'")
        _CM_PICK_PER_CALL = mode == 'per_call'
    return old


def _conv_cost_constants(dict new=None):
    """The cost model's constants {name: value}; with new, set those given (for fitting them,
    benchmarks only) and return the previous ones."""
    global _CM_E_DIRECT, _CM_W_DIRECT, _CM_E_GEMM, _CM_HALF_M, _CM_HALF_N, _CM_HALF_K, _CM_COPY
    global _CM_COPY_MT, _CM_E_DW, _CM_W_DIRECT_T, _CM_E_DIRECT_T
    old = {"e_direct": _CM_E_DIRECT, "w_direct": _CM_W_DIRECT, "e_gemm": _CM_E_GEMM,
           "half_m": _CM_HALF_M, "half_n": _CM_HALF_N, "half_k": _CM_HALF_K, "copy": _CM_COPY,
           "copy_mt": _CM_COPY_MT, "e_dw": _CM_E_DW, "w_direct_t": _CM_W_DIRECT_T,
           "e_direct_t": _CM_E_DIRECT_T}
    if new:
        unknown = set(new) - set(old)
        if unknown:
            raise ValueError(f"unknown cost model constants {sorted(unknown)}")
        _CM_E_DIRECT = new.get("e_direct", _CM_E_DIRECT)
        _CM_W_DIRECT = new.get("w_direct", _CM_W_DIRECT)
        _CM_E_GEMM = new.get("e_gemm", _CM_E_GEMM)
        _CM_HALF_M = new.get("half_m", _CM_HALF_M)
        _CM_HALF_N = new.get("half_n", _CM_HALF_N)
        _CM_HALF_K = new.get("half_k", _CM_HALF_K)
        _CM_COPY = new.get("copy", _CM_COPY)
        _CM_COPY_MT = new.get("copy_mt", _CM_COPY_MT)
        _CM_E_DW = new.get("e_dw", _CM_E_DW)
        _CM_W_DIRECT_T = new.get("w_direct_t", _CM_W_DIRECT_T)
        _CM_E_DIRECT_T = new.get("e_direct_t", _CM_E_DIRECT_T)
    return old


cdef inline double _cm_eff(double m, double n, double k) noexcept nogil:
    return _CM_E_GEMM * m / (m + _CM_HALF_M) * n / (n + _CM_HALF_N) * k / (k + _CM_HALF_K)


cdef inline double _cm_par(double work, Py_ssize_t items, int nt) noexcept nogil:
    """work cut into `items` equal work items over nt threads (dynamic schedule), priced as
    nt x the busiest thread's share: work when the items divide evenly, nt x work for one item
    (every cost is in thread-time, so estimates at any thread count compare as at one)."""
    if nt <= 1:
        return work
    items = max(1, items)
    return work * nt * ((items + nt - 1) // nt) / items


cdef inline double _cm_copy(int nt) noexcept nogil:
    """Cost of copying one element at nt threads (they share the memory bandwidth)."""
    return _CM_COPY * (_CM_COPY_MT if nt > 1 else 1.0)


cdef double _cm_direct(int pass_, const _DGeom* g, Py_ssize_t NG, Py_ssize_t itemsize,
                       const mc_ukernels* uk, bint* lanes, Py_ssize_t N=1,
                       int nt=1) noexcept nogil:
    """Estimated cost of the direct algorithm (see above) at nt threads, NG = N * groups work
    items (forward, grad_input), chunks of the batch (grad_weight); lanes: the family it takes."""
    cdef double computed, per_sample, S = 1, copy = _cm_copy(nt)
    cdef Py_ssize_t P = g.HO * g.WO, mr = _dc_mr(g.COUT), chunk, n_chunks, nb, parts = 1
    if g.CIN == 1 and g.COUT == 1 and NG > N:
        # depthwise (_conv_depthwise.pxi or 1-channel wide tiles): taps per position, planes
        lanes[0] = False
        return _cm_par(NG * (<double>P * g.KH * g.KW / _CM_E_DW + <double>g.H * g.W * copy),
                       N, nt)
    if pass_ == _PASS_GRAD_WEIGHT:
        lanes[0] = _dc_gw_transposed(g, uk, itemsize)
        if lanes[0]:
            computed = (<double>_round_up(g.COUT, _dc_ob(uk, itemsize))
                        * _round_up(g.K, MC_GWT_NK) * P)
        else:
            computed = <double>_round_up(g.COUT, mr) * _round_up(g.K, 3) * _round_up(g.L, 16)
        # one thread per chunk of the batch, samples in calls of S (never across chunks);
        # the chunks' partial sums then added in chunk order
        chunk = _conv_chunk_size(N)
        n_chunks = (N + chunk - 1) // chunk
        S = min(_dc_gw_samples(g), chunk)
        per_sample = (computed / _CM_E_DIRECT + <double>g.COUT * g.K * _CM_W_DIRECT / S
                      + <double>g.CIN * g.nph * g.PS * copy)
        return (_cm_par(NG * per_sample, n_chunks, nt)
                + _cm_par(<double>n_chunks * (NG // N) * g.COUT * g.K * copy, 1, nt))
    if pass_ == _PASS_GRAD_INPUT and _dc_gi_strided(g):
        return _cm_direct_gi_strided(g, NG, itemsize, uk, lanes, nt)
    lanes[0] = _dc_fwd_transposed(g, uk, itemsize)
    if lanes[0]:
        computed = <double>_round_up(g.COUT, uk.obt_f32) * _round_up(P, MC_FWDT_NP) * g.K
        nb = (P + MC_FWDT_NP - 1) // MC_FWDT_NP
    else:
        computed = <double>_round_up(g.COUT, mr) * _dc_fwd_end(g, uk, itemsize) * g.K
        nb = _dc_fwd_nblocks(g, uk, itemsize)
    if NG < nt:     # a pair's position blocks cut into parts, each filling the planes
        parts = min(nb, (nt + NG - 1) // NG)
        parts = (nb + (nb + parts - 1) // parts - 1) // ((nb + parts - 1) // parts)
    per_sample = (computed / (_CM_E_DIRECT_T if lanes[0] else _CM_E_DIRECT)
                  + <double>g.COUT * g.K * (_CM_W_DIRECT_T if lanes[0] else _CM_W_DIRECT)
                  + <double>g.CIN * g.nph * g.PS * copy * parts)
    return _cm_par(NG * per_sample, NG * parts, nt)


cdef double _cm_direct_gi_strided(const _DGeom* g, Py_ssize_t NG, Py_ssize_t itemsize,
                                 const mc_ukernels* uk, bint* lanes, int nt) noexcept nogil:
    """The direct strided grad_input (_conv_direct_gi.pxi): per (sample, group) the common
    planes filled once, every phase's forward as _cm_direct prices it, and the copy of its
    plane into grad_in."""
    cdef Py_ssize_t ph, P, nph = g.gsh * g.gsw
    cdef double per_sample, computed, copy = _cm_copy(nt)
    cdef bint tr
    cdef _DGeom common
    cdef _DGeom pg[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t kh0[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t kw0[_DC_GI_MAX_PHASES]
    cdef Py_ssize_t delta[_DC_GI_MAX_PHASES]
    _dc_gi_layout(g, &common, pg, kh0, kw0, delta)
    per_sample = <double>common.CIN * common.PS * copy
    for ph in range(nph):
        P = pg[ph].HO * pg[ph].WO
        if P == 0:
            continue
        tr = _dc_fwd_transposed(&pg[ph], uk, itemsize)
        if ph == 0:
            lanes[0] = tr
        if tr:
            computed = <double>_round_up(pg[ph].COUT, uk.obt_f32) * _round_up(P, MC_FWDT_NP) * pg[ph].K
        else:
            computed = (<double>_round_up(pg[ph].COUT, _dc_mr(pg[ph].COUT))
                        * _dc_fwd_end(&pg[ph], uk, itemsize) * pg[ph].K)
        per_sample += (computed / (_CM_E_DIRECT_T if tr else _CM_E_DIRECT)
                       + <double>pg[ph].COUT * pg[ph].K * (_CM_W_DIRECT_T if tr else _CM_W_DIRECT)
                       + <double>pg[ph].COUT * P * copy)
    return _cm_par(NG * per_sample, NG * (nph if NG < nt else 1), nt)


cdef double _cm_gemm(int pass_, const _GGeom* g, int nt=1) noexcept nogil:
    """Estimated cost of the gemm algorithm (see above), for its blocks and chunks at nt
    threads: phase 1 (gathers, packing) and phase 2 (the GEMMs) each split over their items."""
    cdef double useful = <double>g.N * g.groups * g.OG * g.K * g.P
    cdef double cols = <double>g.S * g.P, copies = 0, copy = _cm_copy(nt)
    cdef double col_elems = <double>g.N * g.C * g.T * g.P      # im2col of the whole batch
    cdef double out_elems = <double>g.N * g.O * g.P
    cdef double w_elems = <double>g.O * g.K
    cdef bint nocopy = g.nocopy and g.S == 1
    cdef Py_ssize_t OB, CB, KB, G = g.groups, cpp = min(g.cpp, g.nch)
    if g.nocopy and _GM_PACKED and _GM_BATCHED and pass_ != _PASS_GRAD_WEIGHT:
        # 1x1 no-copy forward / grad_input: the batch as one GEMM (_conv_gemm_nb.pxi)
        if pass_ == _PASS_FORWARD:
            return _cm_gemm_nb(g, g.OG, g.K, 4, nt)
        return _cm_gemm_nb(g, g.CG, g.OG, 4, nt)
    if pass_ == _PASS_FORWARD:
        OB = _gm_block(g.OG, g.nch * G, 16, nt)
        if not nocopy:
            copies = out_elems
        return (_cm_par((0 if nocopy else col_elems) * copy + w_elems * copy,
                        (0 if nocopy else cpp * G * g.S) + G * ((g.OG + OB - 1) // OB), nt)
                + _cm_par(useful / _cm_eff(cols, OB, g.K) + copies * copy,
                          cpp * G * ((g.OG + OB - 1) // OB), nt))
    if pass_ == _PASS_GRAD_INPUT:
        CB = _gm_block(g.CG, g.nch * G, max(1, (16 + g.T - 1) // g.T), nt)
        if not nocopy:
            copies += 2 * col_elems      # col2im reads the columns and adds into grad_in
        return (_cm_par((out_elems if g.S > 1 else 0) * copy + w_elems * copy,
                        (cpp * g.S if g.S > 1 else 0) + G * ((g.CG + CB - 1) // CB), nt)
                + _cm_par(useful / _cm_eff(cols, CB * g.T, g.OG) + copies * copy,
                          cpp * G * ((g.CG + CB - 1) // CB), nt))
    _gm_gw_blocks(g, nt, &OB, &KB)
    if not nocopy:
        copies += col_elems
    if g.S > 1:
        copies += out_elems
    return (_cm_par(copies * copy, cpp * G * g.S, nt)
            + _cm_par(useful / _cm_eff(KB, OB, cols) + 2.0 * g.nch * w_elems * copy,
                      G * ((g.K + KB - 1) // KB) * ((g.OG + OB - 1) // OB), nt))


# winograd: SCALE * (the 16 GEMMs of each block, NB x K += C terms with _cm_eff as gemm's,
# + per tile and channel the input transform (16 values formed and stored) and the output's
# (16 read, 4 written) + the transformed weights packed once per call + the weight transform).
# grad_weight: the GEMMs K x C += nb tiles, the input and output-gradient transforms, both
# operands packed per block, the partial sums read by the inverse transform (_cm_winograd).
# Fitted (benchmarks/fit_winograd_cost.py: the zoo's total time with the model's picks) to
# forced-algorithm timings of the zoo's 3x3 stride-1 layers (bench_layers.py --algorithms, one
# thread, thread CPU time, under load, 2026-12-07; the other constants as they were); the
# grad_weight constants kept their first guesses (the fit did not move them). See
# docs/performance.md, "Winograd: AVX2 transforms, packed GEMM, grad_weight".
cdef double _CM_WN_IN = 919.1      # per input tile and channel
cdef double _CM_WN_OUT = 1277.0    # per output tile and channel
cdef double _CM_WN_PACK = 137.3    # per transformed weight element packed (once per call)
cdef double _CM_WN_W = 6.85        # per filter (weight transform; grad_weight: per partial sum)
cdef double _CM_WN_SCALE = 0.746
cdef double _CM_WN_GOUT = 600.0    # per output-gradient tile and channel (grad_weight)
cdef double _CM_WN_GWPACK = 10.0   # per element of Z and V packed (grad_weight)


def _winograd_cost_constants(dict new=None):
    """The winograd cost constants {name: value}; with new, set those given (benchmarks only)
    and return the previous ones."""
    global _CM_WN_IN, _CM_WN_OUT, _CM_WN_PACK, _CM_WN_W, _CM_WN_SCALE, _CM_WN_GOUT, _CM_WN_GWPACK
    old = {"wn_in": _CM_WN_IN, "wn_out": _CM_WN_OUT, "wn_pack": _CM_WN_PACK, "wn_w": _CM_WN_W,
           "wn_scale": _CM_WN_SCALE, "wn_gout": _CM_WN_GOUT, "wn_gwpack": _CM_WN_GWPACK}
    if new:
        unknown = set(new) - set(old)
        if unknown:
            raise ValueError(f"unknown winograd cost constants {sorted(unknown)}")
        _CM_WN_IN = new.get("wn_in", _CM_WN_IN)
        _CM_WN_OUT = new.get("wn_out", _CM_WN_OUT)
        _CM_WN_PACK = new.get("wn_pack", _CM_WN_PACK)
        _CM_WN_W = new.get("wn_w", _CM_WN_W)
        _CM_WN_SCALE = new.get("wn_scale", _CM_WN_SCALE)
        _CM_WN_GOUT = new.get("wn_gout", _CM_WN_GOUT)
        _CM_WN_GWPACK = new.get("wn_gwpack", _CM_WN_GWPACK)
    return old


cdef double _cm_winograd(int pass_, const _GGeom* g, Py_ssize_t itemsize) noexcept nogil:
    """Estimated cost of the winograd algorithm (see above)."""
    cdef _WGeom wg
    if pass_ == _PASS_GRAD_INPUT:   # the convolution of grad_out (O channels) giving grad_in (C)
        wg = _wn_geom(g.N, g.O, g.HO, g.WO, g.C, g.H, g.W, 2 - g.pt, 2 - g.pl, itemsize)
    elif pass_ == _PASS_GRAD_WEIGHT:
        wg = _wn_geom(g.N, g.C, g.H, g.W, g.O, g.HO, g.WO, g.pt, g.pl, itemsize,
                      _WN_GW_BLOCK_BYTES)
    else:
        wg = _wn_geom(g.N, g.C, g.H, g.W, g.O, g.HO, g.WO, g.pt, g.pl, itemsize)
    if pass_ == _PASS_GRAD_WEIGHT:
        # K x C += Z (K x nb) @ V^T (nb x C) per block and point, both operands packed per
        # call; the partial sums read once more by the inverse transform
        return _CM_WN_SCALE * (
            16.0 * wg.NT * wg.K * wg.C / _cm_eff(wg.K, wg.C, min(wg.NB, 32))
            + <double>wg.NT * (wg.C * _CM_WN_IN + wg.K * _CM_WN_GOUT)
            + 16.0 * wg.NT * (wg.K + wg.C) * _CM_WN_GWPACK
            + 16.0 * wg.K * wg.C * (<double>(wg.nblk + _wn_gw_chunks(&wg, itemsize) - 1)
                                    // _wn_gw_chunks(&wg, itemsize)) * _CM_WN_W)
    return _CM_WN_SCALE * (
        16.0 * wg.NT * wg.K * wg.C / _cm_eff(wg.NB, wg.K, min(wg.C, _wn_sum_block(wg.C)))
        + <double>wg.NT * (wg.C * _CM_WN_IN + wg.K * _CM_WN_OUT)
        + 16.0 * wg.K * wg.C * _CM_WN_PACK + <double>wg.K * wg.C * _CM_WN_W)


cdef double _cm_im2col(int pass_, const _GGeom* g, Py_ssize_t itemsize, int nt=1) noexcept nogil:
    """Estimated cost of the im2col algorithm at nt threads: one GEMM per row tile of one
    sample, samples (grad_weight: chunks of the batch) over the threads."""
    cdef double useful = <double>g.N * g.groups * g.OG * g.K * g.P
    cdef double m = <double>_rows_per_tile(g.K, g.WO, g.HO, itemsize) * g.WO
    cdef double col_elems = <double>g.N * g.C * g.T * g.P
    cdef double tiles = <double>g.N * ((g.HO + <Py_ssize_t>(m / g.WO) - 1) // <Py_ssize_t>(m / g.WO))
    cdef double copy = _cm_copy(nt)
    cdef Py_ssize_t chunk = _conv_chunk_size(g.N)
    if pass_ == _PASS_FORWARD:
        return _cm_par(useful / _cm_eff(m, g.OG, g.K) + col_elems * copy, g.N, nt)
    if pass_ == _PASS_GRAD_INPUT:
        return _cm_par(useful / _cm_eff(m, g.K, g.OG) + 2 * col_elems * copy, g.N, nt)
    return _cm_par(useful / _cm_eff(g.K, g.OG, m) + col_elems * copy
                   + 2.0 * tiles * g.O * g.K * copy, (g.N + chunk - 1) // chunk, nt)


cdef int _conv_plan(int pass_, str algorithm, const _DGeom* dg, const _GGeom* gg, bint direct_ok,
                    bint taps_ok, Py_ssize_t itemsize, double* costs,
                    bint data_finite=True, int n_threads=1) except -1:
    """The algorithm one call uses (_ALGO_*). 'auto': the cheapest by the cost model of direct
    (where direct_ok), gemm (where one chunk's matrices fit) and winograd (where it serves the
    shape and pass, and data_finite), else im2col. A forced 'direct', 'gemm' or 'taps' falls
    back to im2col where it does not serve the shape, a forced 'winograd' to the 'auto' choice.
    costs (or NULL): receives the estimates of direct, im2col, taps (never estimated), gemm,
    winograd. n_threads: the threads the call runs on (direct, gemm and im2col are priced for
    how they split their work over them)."""
    cdef mc_ukernels uk = mc_uk
    cdef bint lanes = False
    cdef bint gemm_ok = _gm_fits(gg, itemsize)
    cdef bint wino_ok = (data_finite and (pass_ != _PASS_GRAD_WEIGHT or _WN_GW_ON)
                         and _wn_serves(gg.KH, gg.KW, gg.sh, gg.sw, gg.pt, gg.pl, gg.dh, gg.dw,
                                        gg.groups, gg.C, gg.O, gg.H, gg.W, gg.HO, gg.WO,
                                        itemsize))
    cdef double c_direct = _CM_INF, c_gemm = _CM_INF, c_wino = _CM_INF, c_im2col
    if algorithm == 'winograd' and costs == NULL:
        if wino_ok:
            return _ALGO_WINOGRAD
        algorithm = 'auto'
    if algorithm != 'auto' and costs == NULL:
        if algorithm == 'direct':
            return _ALGO_DIRECT if direct_ok else _ALGO_IM2COL
        if algorithm == 'gemm':
            return _ALGO_GEMM if gemm_ok else _ALGO_IM2COL
        if algorithm == 'taps':
            return _ALGO_TAPS if taps_ok else _ALGO_IM2COL
        if algorithm == 'im2col':
            return _ALGO_IM2COL
        raise ValueError(f"unknown conv algorithm {algorithm!r}; expected one of "
                         f"{_CONV_ALGORITHM_CHOICES}")
    # the thread counts priced: the call's (_CM_PICK_PER_CALL), else 1 and _CM_PLAN_THREADS
    # summed, whatever the call's count (the pick, and so the bits, the same for any count)
    cdef int nt_a = n_threads if _CM_PICK_PER_CALL else 1
    cdef int nt_b = 0 if _CM_PICK_PER_CALL else _CM_PLAN_THREADS
    if direct_ok:
        c_direct = _cm_direct(pass_, dg, gg.N * gg.groups, itemsize, &uk, &lanes, gg.N, nt_a)
        if nt_b:
            c_direct += _cm_direct(pass_, dg, gg.N * gg.groups, itemsize, &uk, &lanes, gg.N, nt_b)
    if gemm_ok:
        c_gemm = _cm_gemm(pass_, gg, nt_a) + (_cm_gemm(pass_, gg, nt_b) if nt_b else 0)
    if wino_ok:
        c_wino = _cm_winograd(pass_, gg, itemsize)
        c_wino *= 2 if nt_b else 1      # thread-time: the same at any count (even items)
    c_im2col = _cm_im2col(pass_, gg, itemsize, nt_a) + (_cm_im2col(pass_, gg, itemsize, nt_b)
                                                        if nt_b else 0)
    if costs != NULL:
        costs[0], costs[1], costs[2], costs[3] = c_direct, c_im2col, _CM_INF, c_gemm
        costs[4] = c_wino
        if algorithm != 'auto':
            return _conv_plan(pass_, algorithm, dg, gg, direct_ok, taps_ok, itemsize, NULL,
                              data_finite, n_threads)
    if wino_ok and c_wino < c_direct and c_wino < c_gemm:
        return _ALGO_WINOGRAD
    if direct_ok and c_direct <= c_gemm:
        return _ALGO_DIRECT
    return _ALGO_GEMM if gemm_ok else _ALGO_IM2COL


def conv2d_plan(str pass_name, x_shape, w_shape, out_hw, stride=(1, 1), padding=(0, 0),
                dilation=(1, 1), int groups=1, dtype=np.float32, str algorithm='auto',
                int n_threads=1):
    """(name, costs): the algorithm conv2d_<pass_name> runs for these shapes, and the cost
    model's estimates (MAC units; None where the algorithm does not serve the shape).

    name is 'direct-wide' or 'direct-lanes' (the direct family: positions or output channels
    in the vector lanes), 'gemm', 'winograd', 'im2col' or 'taps'. padding is (top, left), as the
    kernels take it. For tests and benchmarks; the kernels call the same function (which also
    leave winograd for another algorithm when the data holds inf or NaN). n_threads: as the
    kernels' argument. The estimates are in thread-time (threads x the busiest thread's time),
    the ones the pick compares: summed over 1 and 2 threads whatever n_threads is (the
    default), at n_threads under _conv_cost_pick('per_call').
    """
    if n_threads < 1:
        raise ValueError(f"conv2d_plan: n_threads must be positive, got {n_threads}")
    if pass_name not in _CONV_PASSES:
        raise ValueError(f"unknown pass {pass_name!r}; expected one of {_CONV_PASSES}")
    cdef int pass_ = _CONV_PASSES.index(pass_name)
    if (min(*x_shape, *w_shape, *out_hw) < 1 or groups < 1 or min(*stride, *dilation) < 1
            or min(padding) < 0 or w_shape[0] % groups or x_shape[1] != w_shape[1] * groups):
        raise ValueError(f"conv2d_plan: no convolution to plan for x {tuple(x_shape)}, w {tuple(w_shape)}, "
                         f"out {tuple(out_hw)}, stride {tuple(stride)}, padding {tuple(padding)}, dilation "
                         f"{tuple(dilation)}, groups {groups} (every size and step must be positive, the "
                         "channels divisible by groups; empty convolutions need no plan)")
    cdef Py_ssize_t N = x_shape[0], C = x_shape[1], H = x_shape[2], W = x_shape[3]
    cdef Py_ssize_t O = w_shape[0], CG = w_shape[1], KH = w_shape[2], KW = w_shape[3]
    cdef Py_ssize_t HO = out_hw[0], WO = out_hw[1], OG = O // groups
    cdef Py_ssize_t sh = stride[0], sw = stride[1], pt = padding[0], pl = padding[1]
    cdef Py_ssize_t dh = dilation[0], dw = dilation[1]
    cdef Py_ssize_t itemsize = np.dtype(dtype).itemsize
    cdef double costs[5]
    cdef _DGeom dg
    cdef mc_ukernels uk = mc_uk
    cdef bint lanes = False, stride1 = sh == 1 and sw == 1
    if pass_ == _PASS_GRAD_INPUT:
        dg = _dgeom(OG, HO, WO, CG, H, W, KH, KW, 1, 1, (KH - 1) * dh - pt, (KW - 1) * dw - pl, dh, dw)
        dg.gsh, dg.gsw = sh, sw
    else:
        dg = _dgeom(CG, H, W, OG, HO, WO, KH, KW, sh, sw, pt, pl, dh, dw)
    cdef _GGeom gg = _gm_geom(N, C, H, W, O, KH, KW, HO, WO, sh, sw, pt, pl, dh, dw, groups, itemsize,
                              (_GM_COLS_FORWARD, _GM_COLS_GRAD_INPUT, _GM_COLS_GRAD_WEIGHT)[pass_])
    cdef bint direct_ok = (_dc_gi_serves(&dg, itemsize) if pass_ == _PASS_GRAD_INPUT
                           else _dc_fits(&dg, itemsize))
    cdef bint taps_ok = stride1 and _taps_scratch(CG, OG, HO, WO, KH, KW, dh, dw) * itemsize <= _CONV_TAPS_MAX_BYTES
    cdef int algo = _conv_plan(pass_, algorithm, &dg, &gg, direct_ok, taps_ok, itemsize, costs,
                               True, n_threads)
    names = ('direct', 'im2col', 'taps', 'gemm', 'winograd')
    est = {names[i]: (None if costs[i] >= _CM_INF else costs[i]) for i in (0, 1, 3, 4)}
    if algo == _ALGO_DIRECT:
        _cm_direct(pass_, &dg, N * groups, itemsize, &uk, &lanes, N, n_threads)
        return ('direct-lanes' if lanes else 'direct-wide'), est
    return names[algo], est
