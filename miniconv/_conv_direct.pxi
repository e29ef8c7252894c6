# "direct" algorithm: C micro-kernels (_conv_ukernels.h) on zero-padded planes, no im2col.
#
# For one (sample, group) the driver copies the input channels into zero-padded planes, split
# into stride phases: plane (c, a, b) holds padded rows a, a + sh, a + 2 sh, ... and columns
# b, b + sw, ... (one plane per channel when the stride is 1). Kernel tap (kh, kw) then reads
# plane (kh*dh % sh, kw*dw % sw) shifted by (kh*dh // sh) rows and (kw*dw // sw) columns, so
# every (channel, tap) pair is a plain pointer offset, off[c * KH*KW + tap], and the output
# in "wide" layout (row pitch Wq, the Wq - WO extra columns junk) is
#     out_wide[o, i] = bias[o] + sum_k w[o, k] * planes[off[k] + i].
# The micro-kernel computes a register tile of MR output channels x NR positions of that sum
# over all k; the driver copies the tile's real positions to the output.
#
# grad_input with stride 1 is the same computation on the output gradient with the weight
# flipped in both spatial axes and transposed (o <-> c), padded by (KH-1)*dh - pt on top and
# (KW-1)*dw - pl on the left (negative: that many rows/columns are cropped instead).
# grad_weight is  gw[o, k] = sum_i go_wide[o, i] * planes[off[k] + i]  with junk columns of
# go_wide set to zero, in blocks of positions, per sample.
#
# Each plane is followed by _DC_SLACK zeros, so the last tile, which runs past the last position
# (and the grad_weight kernel, which reads a multiple of 16 positions) stays inside scratch;
# junk positions read real (finite) input values or those zeros, never outside the planes.

cdef extern from "_conv_ukernels.h" nogil:
    ctypedef void (*mc_f32_dconv_fn)(size_t, const float*, const ptrdiff_t*, const float*,
                                     const float*, float*, size_t) noexcept nogil
    ctypedef void (*mc_f64_dconv_fn)(size_t, const double*, const ptrdiff_t*, const double*,
                                     const double*, double*, size_t) noexcept nogil
    ctypedef void (*mc_f32_dconv_gw_fn)(size_t, size_t, const float*, size_t, size_t,
                                        const float*, size_t, const ptrdiff_t*, float*,
                                        size_t) noexcept nogil
    ctypedef void (*mc_f64_dconv_gw_fn)(size_t, size_t, const double*, size_t, size_t,
                                        const double*, size_t, const ptrdiff_t*, double*,
                                        size_t) noexcept nogil
    ctypedef void (*mc_f32_dconv_gwt_fn)(size_t, size_t, size_t, const float*, size_t, size_t,
                                         const float*, size_t, size_t, const ptrdiff_t*,
                                         float*) noexcept nogil
    ctypedef void (*mc_f64_dconv_gwt_fn)(size_t, size_t, size_t, const double*, size_t, size_t,
                                         const double*, size_t, size_t, const ptrdiff_t*,
                                         double*) noexcept nogil
    ctypedef void (*mc_f32_dconv_t_fn)(size_t, const float*, const ptrdiff_t*, const ptrdiff_t*,
                                       const float*, const float*, float*, size_t, size_t,
                                       size_t) noexcept nogil
    ctypedef void (*mc_f32_dw_fwd_fn)(size_t, const float*, const ptrdiff_t*, const ptrdiff_t*,
                                      const float*, const float*, float*, size_t) noexcept nogil
    ctypedef void (*mc_f32_dw_gi_fn)(size_t, const float*, const ptrdiff_t*, const ptrdiff_t*,
                                     const float*, float*, size_t) noexcept nogil
    ctypedef void (*mc_f32_dw_gw_fn)(size_t, size_t, const float*, const float*, ptrdiff_t,
                                     ptrdiff_t, const ptrdiff_t*, float*, size_t) noexcept nogil
    ctypedef struct mc_ukernels:
        int isa
        int nr_f32
        int nr_f64
        int vw_f32
        int vw_f64
        mc_f32_dconv_fn f32_4
        mc_f32_dconv_fn f32_1
        mc_f32_dconv_fn f32_4t
        mc_f32_dconv_fn f32_1t
        mc_f32_dconv_fn f32_4m
        mc_f32_dconv_fn f32_1m
        mc_f64_dconv_fn f64_4
        mc_f64_dconv_fn f64_1
        mc_f64_dconv_fn f64_4t
        mc_f64_dconv_fn f64_1t
        mc_f64_dconv_fn f64_4m
        mc_f64_dconv_fn f64_1m
        mc_f32_dconv_gw_fn f32_gw
        mc_f32_dconv_gw_fn f32_gw1
        mc_f64_dconv_gw_fn f64_gw
        mc_f64_dconv_gw_fn f64_gw1
        int ob_f32
        int ob_f64
        mc_f32_dconv_gwt_fn f32_gwt
        mc_f64_dconv_gwt_fn f64_gwt
        int nr1_f32
        int nr1_f64
        mc_f32_dconv_fn f32_1w
        mc_f64_dconv_fn f64_1w
        int obt_f32
        mc_f32_dconv_t_fn f32_t
        mc_f32_dw_fwd_fn f32_dwf
        mc_f32_dw_gi_fn f32_dwgi
        mc_f32_dw_gw_fn f32_dwgw
    mc_ukernels mc_uk
    void mc_f32_planes_to_lanes16(int isa, const float* src, size_t ldsrc, size_t nch, size_t P,
                                  float* dst)
    void mc_f32_lanes16_to_planes(int isa, const float* src, size_t nch, size_t P, float* dst,
                                  size_t lddst)
    int mc_cpu_supports(int isa)
    size_t mc_f32_transpose8_to16(const float* src, size_t ldsrc, size_t P, float* dst)
    int mc_select_isa(int isa)
    int mc_best_isa()
    int MC_HAVE_X86_VARIANTS
    int MC_HAVE_NEON_VARIANTS
    enum:
        MC_GWT_NK
        MC_FWDT_NP
        MC_DW_NP
    enum:
        MC_ISA_SCALAR
        MC_ISA_AVX2
        MC_ISA_AVX512
        MC_ISA_AVX512_EMU
        MC_ISA_NEON

cdef enum:
    _DC_SLACK = 128          # zeros after each plane: > the forward's overrun (< nr1 <= 128
                             # positions past L) and grad_weight's rounding of L up to 16
    _DC_TILES_PER_BLOCK = 8  # forward: positions per block = 8 tiles
    _DC_FWD_L1 = 30 << 10    # forward: bytes of input one block of input channels reads
    _DC_FWD_MAX_KB = 8       # forward: at most this many blocks of input channels
    _DC_GW_BLOCK = 512       # grad_weight: positions per block (a multiple of 16)
    _DC_GW_KTILES = 4        # grad_weight: (channel, tap) triples reused per block of go rows
    _DC_GWT_L1 = 16 << 10    # grad_weight, transposed: bytes of output gradient per block

# 'avx512f_emu': the AVX-512 tile family (16 float lanes) compiled for AVX2, each vector two
# ymm halves: the same tile logic and bits as 'avx512f', runnable on AVX2 CPUs (for tests;
# never the default). 'neon': aarch64 only (_conv_ukernel_neon.h), chosen there at import.
_ISA_NAMES = ('scalar', 'avx2', 'avx512f', 'avx512f_emu', 'neon')


def conv_isa():
    """Name of the instruction set the direct convolution kernels use: 'scalar', 'avx2',
    'avx512f', 'avx512f_emu' (forced only) or 'neon'."""
    return _ISA_NAMES[mc_uk.isa]


def conv_isas_compiled():
    """The kernel variants this build contains: 'scalar' and the three x86 ones on x86-64 (GCC or
    Clang), 'scalar' and 'neon' on aarch64, else 'scalar'."""
    if MC_HAVE_X86_VARIANTS:
        return _ISA_NAMES[:4]
    return ('scalar', 'neon') if MC_HAVE_NEON_VARIANTS else _ISA_NAMES[:1]


def conv_isas_supported():
    """The kernel variants this CPU can run (always includes 'scalar'; 'avx512f_emu' wherever
    AVX2 runs)."""
    return tuple(name for i, name in enumerate(_ISA_NAMES) if mc_cpu_supports(i))


def conv_isas_tested_by():
    """{variant compiled in: the variant this CPU runs whose tile logic covers it}: the variant
    itself if the CPU runs it; 'avx512f' is covered by 'avx512f_emu' on AVX2-only CPUs."""
    supported = conv_isas_supported()
    cover = {}
    for name in conv_isas_compiled():
        if name in supported:
            cover[name] = name
        elif name == 'avx512f' and 'avx512f_emu' in supported:
            cover[name] = 'avx512f_emu'
    return cover


def conv_set_isa(str name):
    """Force the direct kernels' instruction set ('best' = the widest this CPU runs); returns the previous.

    For tests and benchmarks: results are bit-identical for any thread count with one
    instruction set, but differ in the last bits between instruction sets. Do not call it
    while another thread is inside a conv kernel.
    """
    previous = conv_isa()
    if name == 'best':
        mc_select_isa(mc_best_isa())
        return previous
    if name not in _ISA_NAMES:
        raise ValueError(f"unknown instruction set {name!r}; expected one of {_ISA_NAMES + ('best',)}")
    if mc_select_isa(_ISA_NAMES.index(name)) != 0:
        raise ValueError(f"this CPU cannot run the {name!r} kernels; it supports {conv_isas_supported()}")
    return previous


def _conv_isa_from_env():
    """At import: the widest instruction set the CPU runs, or MINICONV_CONV_ISA if set (a name
    or 'best'); an unknown or unsupported name warns and keeps the widest."""
    mc_select_isa(mc_best_isa())
    name = os.environ.get("MINICONV_CONV_ISA", "").strip().lower()
    if name:
        try:
            conv_set_isa(name)
        except ValueError as e:
            warnings.warn(f"MINICONV_CONV_ISA={name!r} ignored: {e}", RuntimeWarning, stacklevel=2)


_conv_isa_from_env()


cdef struct _DGeom:
    Py_ssize_t CIN, H, W       # input planes of one (sample, group)
    Py_ssize_t COUT, HO, WO    # output planes
    Py_ssize_t KH, KW, sh, sw, pt, pl, dh, dw   # pt, pl < 0 crop (grad_input)
    Py_ssize_t Hq, Wq          # rows and row pitch of one phase plane
    Py_ssize_t PS              # elements from one phase plane to the next (Hq*Wq + spill + slack)
    Py_ssize_t nph             # phases per channel, sh * sw
    Py_ssize_t L               # wide output positions, (HO - 1) * Wq + WO
    Py_ssize_t K               # (channel, tap) pairs, CIN * KH * KW
    Py_ssize_t gsh, gsw        # grad_input only: the forward's strides (_conv_direct_gi.pxi)


cdef _DGeom _dgeom(Py_ssize_t CIN, Py_ssize_t H, Py_ssize_t W, Py_ssize_t COUT, Py_ssize_t HO,
                   Py_ssize_t WO, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                   Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    cdef _DGeom g
    cdef Py_ssize_t Hp = (HO - 1) * sh + (KH - 1) * dh + 1   # padded rows the windows read
    cdef Py_ssize_t Wp = (WO - 1) * sw + (KW - 1) * dw + 1
    g.CIN, g.H, g.W, g.COUT, g.HO, g.WO = CIN, H, W, COUT, HO, WO
    g.KH, g.KW, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw = KH, KW, sh, sw, pt, pl, dh, dw
    g.Hq = (Hp + sh - 1) // sh
    g.Wq = (Wp + sw - 1) // sw
    g.PS = g.Hq * g.Wq + _DC_SLACK
    if sw == 1 and pl > 0:
        # Rows share their zero columns: a row is pl zeros then the input row, and the
        # right padding a window reads (up to Wp - Wq columns past the row) is the next
        # row's left zeros, so Wq = Wp - pl (not below W + pl, where the input row must
        # fit, nor below WO, where the output row must). k3 pad 1: the pitch is W + 1 instead of W + 2, one junk column per output
        # row instead of two (14x14 maps: 6.7 % junk instead of 12.5 %). The last row's
        # spill of Wp - Wq reads lands in zeros past the plane.
        g.Wq = max(Wp - pl, min(W + pl, Wp), WO)
        g.PS = g.Hq * g.Wq + (Wp - g.Wq) + _DC_SLACK
    g.nph = sh * sw
    g.L = (HO - 1) * g.Wq + WO
    g.K = CIN * KH * KW
    g.gsh = g.gsw = 1
    return g


cdef inline Py_ssize_t _round_up(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return (a + b - 1) // b * b


cdef inline Py_ssize_t _dc_nr(const mc_ukernels* uk, Py_ssize_t itemsize,
                              Py_ssize_t mr) noexcept nogil:
    """Positions per full forward tile of mr output channels (1: depthwise, 8 vectors)."""
    if mr == 1:
        return uk.nr1_f32 if itemsize == 4 else uk.nr1_f64
    return uk.nr_f32 if itemsize == 4 else uk.nr_f64


cdef inline Py_ssize_t _dc_vw(const mc_ukernels* uk, Py_ssize_t itemsize) noexcept nogil:
    """Vector width: positions per tail tile, lanes per grad_weight accumulator."""
    return uk.vw_f32 if itemsize == 4 else uk.vw_f64


cdef object _dc_offsets(const _DGeom* g, Py_ssize_t k_multiple):
    """off[c * KH*KW + kh*KW + kw]: where pair (c, tap) starts in the planes; padded to a multiple
    of k_multiple by repeating the last offset (those results are dropped)."""
    cdef Py_ssize_t K = g.K, T = g.KH * g.KW, c, kh, kw, rh, rw, k
    off = np.empty(max(1, _round_up(K, k_multiple)), dtype=np.intp)
    cdef Py_ssize_t[::1] o = off
    for c in range(g.CIN):
        for kh in range(g.KH):
            rh = kh * g.dh
            for kw in range(g.KW):
                rw = kw * g.dw
                o[c * T + kh * g.KW + kw] = ((c * g.nph + (rh % g.sh) * g.sw + rw % g.sw) * g.PS
                                             + (rh // g.sh) * g.Wq + rw // g.sw)
    for k in range(K, off.shape[0]):
        o[k] = o[K - 1]
    return off


cdef void _dc_fill_planes(const floating* src, floating* planes, const _DGeom* g) noexcept nogil:
    """planes[c, a, b][r, q] = src[c, r*sh + a - pt, q*sw + b - pl], 0 outside src; slack zeroed."""
    cdef Py_ssize_t c, a, b, r, q, ih, iw0, lo, hi
    cdef floating* p
    cdef const floating* srow
    for c in range(g.CIN):
        for a in range(g.sh):
            for b in range(g.sw):
                p = planes + (c * g.nph + a * g.sw + b) * g.PS
                # columns q with 0 <= q*sw + b - pl < W
                iw0 = b - g.pl
                lo = 0 if iw0 >= 0 else min(g.Wq, (-iw0 + g.sw - 1) // g.sw)
                hi = 0 if iw0 >= g.W else min(g.Wq, (g.W - iw0 + g.sw - 1) // g.sw)
                if hi < lo:
                    hi = lo
                for r in range(g.Hq):
                    ih = r * g.sh + a - g.pt
                    if ih < 0 or ih >= g.H:
                        memset(p + r * g.Wq, 0, g.Wq * sizeof(floating))
                        continue
                    srow = src + (c * g.H + ih) * g.W + iw0
                    memset(p + r * g.Wq, 0, lo * sizeof(floating))
                    if g.sw == 1:
                        memcpy(p + r * g.Wq + lo, srow + lo, (hi - lo) * sizeof(floating))
                    else:
                        for q in range(lo, hi):
                            p[r * g.Wq + q] = srow[q * g.sw]
                    memset(p + r * g.Wq + hi, 0, (g.Wq - hi) * sizeof(floating))
                memset(p + g.Hq * g.Wq, 0, (g.PS - g.Hq * g.Wq) * sizeof(floating))


cdef void _dc_pack(const floating* w, floating* packed, Py_ssize_t groups, Py_ssize_t COUT,
                   Py_ssize_t K, Py_ssize_t mr) noexcept nogil:
    """Packed weights: per group, ceil(COUT/mr) blocks of K rows of mr weights (see
    _conv_ukernel_template.h) from w (groups*COUT, K). Channels past COUT get zeros; the
    driver drops their outputs."""
    cdef Py_ssize_t nblk = (COUT + mr - 1) // mr
    cdef Py_ssize_t g, blk, m, k, o
    cdef floating* p
    for g in range(groups):
        for blk in range(nblk):
            p = packed + (g * nblk + blk) * K * mr
            for m in range(mr):
                o = blk * mr + m
                for k in range(K):
                    p[k * mr + m] = w[(g * COUT + o) * K + k] if o < COUT else 0


cdef inline Py_ssize_t _dc_mr(Py_ssize_t COUT) noexcept nogil:
    """Output channels per register tile: 4, or 1 for one or two (depthwise)."""
    return 4 if COUT >= 3 else 1


cdef inline Py_ssize_t _dc_fwd_kc(const _DGeom* g, Py_ssize_t span, Py_ssize_t itemsize) noexcept nogil:
    """Input channels per block of the forward: as equal blocks as possible, each reading at
    most about _DC_FWD_L1 bytes of input for one block of `span` positions (so that the block
    stays in the 32 KB L1 while every output channel block runs over it). b (14x14, 32
    channels) gets one block, d (56x56, 64 channels) three."""
    cdef Py_ssize_t reach = (g.KH - 1) * g.dh // g.sh * g.Wq + (g.KW - 1) * g.dw // g.sw
    cdef Py_ssize_t per_channel = g.nph * (span + reach) * itemsize
    cdef Py_ssize_t nkb = max(1, (g.CIN * per_channel + _DC_FWD_L1 - 1) // _DC_FWD_L1)
    # at most _DC_FWD_MAX_KB blocks: their sums are added one after the other (each block's
    # own sum is a fixed tree, _conv_ukernel_template.h), and a long chain of them would undo
    # the tree's precision (AVX-512 tiles, 1x1 with 2048 channels: ~200 blocks of 10 channels)
    nkb = min(nkb, _DC_FWD_MAX_KB)
    return max(1, (g.CIN + nkb - 1) // nkb)


cdef Py_ssize_t _dc_fwd_scratch(const _DGeom* g) noexcept nogil:
    """Elements of per-thread scratch the forward needs, in either layout and any instruction
    set (the widest tiles: 4 channels x 48 positions, 1 channel x 128; OB <= 32)."""
    cdef Py_ssize_t tiles = (_round_up(g.COUT, 4) * 48 if _dc_mr(g.COUT) == 4 else g.COUT * 128)
    return g.CIN * g.nph * g.PS + max(tiles * _DC_TILES_PER_BLOCK,
                                      _round_up(g.COUT, 32) * _round_up(g.HO * g.WO, MC_FWDT_NP))


cdef inline Py_ssize_t _dc_fwd_end(const _DGeom* g, const mc_ukernels* uk,
                                   Py_ssize_t itemsize) noexcept nogil:
    """Where the forward's last tile ends: full tiles of nr positions, then for the r < nr
    positions left one tile of nr (r > 2 vw), of 2 vw (r > vw) or of vw. A one-vector tile
    runs at half the speed of the others (MR = 4 accumulator chains cannot cover the FMA
    latency; docs/performance.md), so b's 209 positions take 9 tiles of 24 rather than 8 and
    three tails. 1-channel (depthwise) tiles have 8 vectors, one accumulator each; a shorter
    one would be latency-bound, so their planes end with a full tile. The tile that runs past
    L reads at most nr - 1 positions into _DC_SLACK."""
    cdef Py_ssize_t mr = _dc_mr(g.COUT)
    cdef Py_ssize_t nr = _dc_nr(uk, itemsize, mr), vw = _dc_vw(uk, itemsize)
    cdef Py_ssize_t full = g.L // nr * nr, r = g.L - full
    if mr == 1:
        return _round_up(g.L, nr)
    if r > 2 * vw:
        return full + nr
    if r > vw:
        return full + 2 * vw
    return full + vw if r > 0 else full


cdef inline Py_ssize_t _dc_fwd_nblocks(const _DGeom* g, const mc_ukernels* uk,
                                       Py_ssize_t itemsize) noexcept nogil:
    """Position blocks of one (sample, group) in the forward."""
    cdef Py_ssize_t PB = _dc_nr(uk, itemsize, _dc_mr(g.COUT)) * _DC_TILES_PER_BLOCK
    return (_dc_fwd_end(g, uk, itemsize) + PB - 1) // PB


cdef inline void _dc_copy(floating* dst, const floating* src,
                          Py_ssize_t n) noexcept nogil:
    """dst[:n] = src[:n] inline: output rows are short (14 floats in b), where a memcpy call
    costs more than the copy."""
    cdef Py_ssize_t i
    for i in range(n):
        dst[i] = src[i]


cdef inline bint _dc_fwd_transposed(const _DGeom* g, const mc_ukernels* uk,
                                    Py_ssize_t itemsize) noexcept nogil:
    """True if the forward uses dconv_t (output channels in the lanes, real positions only)
    rather than dconv (positions in the lanes, junk columns computed and dropped): when the
    instruction set has it (float32: 16 channels AVX2, 32 the AVX-512 family, 8 the scalar
    twin) and it computes at least 5 %
    fewer multiply-adds (output channels rounded up to whole tiles), or no more when one
    channel block's weights (K x OBT) stay in L1. Both add blocks of pairs in the same tree
    and then the bias, so the choice does not change the bits where dconv takes all input
    channels in one block (b, a). b (14x14, 64 outputs): 198 positions x 64
    instead of 216 x 64, 20.9 ms instead of 23.4 (grad_input 21.6 instead of 23.7); a (one
    input channel, K = 9): 4.9 ms instead of 5.5 (no tile copy-out); d (56x56, 1.7 % junk)
    stays wide, where dconv_t measured 87.0 ms against 85.6 (its 37 KB of weights per
    channel block do not stay in L1). Not depthwise."""
    if itemsize != 4 or uk.f32_t == NULL or _dc_mr(g.COUT) != 4:
        return False
    cdef Py_ssize_t cost_t = _round_up(g.COUT, uk.obt_f32) * _round_up(g.HO * g.WO, MC_FWDT_NP)
    cdef Py_ssize_t cost_w = _round_up(g.COUT, 4) * _dc_fwd_end(g, uk, itemsize)
    cdef bint weights_in_l1 = g.K * uk.obt_f32 * itemsize <= _DC_FWD_L1
    return 20 * cost_t <= 19 * cost_w or (weights_in_l1 and cost_t <= cost_w)


cdef object _dc_positions(const _DGeom* g):
    """pos[p] = ho * Wq + wo for the real output positions p = ho * WO + wo, padded to a
    multiple of MC_FWDT_NP by repeating the last (the kernel does not store those)."""
    cdef Py_ssize_t P = g.HO * g.WO, p, q
    pos = np.empty(max(1, _round_up(P, MC_FWDT_NP)), dtype=np.intp)
    cdef Py_ssize_t[::1] o = pos
    for p in range(o.shape[0]):
        q = min(p, P - 1)
        o[p] = q // g.WO * g.Wq + q % g.WO
    return pos


cdef void _dc_forward_group_t(const float* src, float* dst, const float* packed,
                              const float* bias, const ptrdiff_t* off, const ptrdiff_t* pos,
                              float* planes, const _DGeom* g, const mc_ukernels* uk,
                              Py_ssize_t t0, Py_ssize_t t1) noexcept nogil:
    """dst (COUT, HO, WO) = bias + conv of src (CIN, H, W) (one group, float32) for the output
    positions of tiles [t0, t1) of MC_FWDT_NP real positions (pos, _dc_positions). packed:
    blocks of OBT output channels (_dc_pack with mr = OBT); bias: padded to whole blocks, or
    NULL. For each tile, every channel block runs over all K pairs and stores the tile's
    real positions and channels into dst itself."""
    cdef Py_ssize_t OBT = uk.obt_f32, NP = MC_FWDT_NP, P = g.HO * g.WO
    cdef Py_ssize_t ob, t, nst
    if src != NULL:     # NULL: the caller filled the planes
        _dc_fill_planes(src, planes, g)
    for t in range(t0, t1):
        # 8 floats per row may be stored (2 junk) when the next tile, which overwrites them
        # later in this loop, is in this range and the row goes on that far; else exactly
        # the real positions (so threads working on neighbouring ranges never share a float)
        nst = 8 if t + 1 < t1 and t * NP + 8 <= P else min(NP, P - t * NP)
        for ob in range((g.COUT + OBT - 1) // OBT):
            uk.f32_t(g.K, planes, pos + t * NP, off, packed + ob * g.K * OBT,
                     bias + ob * OBT if bias != NULL else NULL, dst + ob * OBT * P + t * NP, P,
                     nst, min(OBT, g.COUT - ob * OBT))


cdef void _dc_forward_group(const floating* src, floating* dst, const floating* packed,
                            const floating* bias, const ptrdiff_t* off, floating* scratch,
                            const _DGeom* g, const mc_ukernels* uk, Py_ssize_t pb0,
                            Py_ssize_t pb1) noexcept nogil:
    """dst (COUT, HO, WO) = bias + conv of src (CIN, H, W) with packed weights (one group),
    for the output positions of position blocks [pb0, pb1) (the output rows they cover).

    Positions in blocks of PB = _DC_TILES_PER_BLOCK full tiles (the last block may end with
    one tile of 2 vectors or 1, _dc_fwd_end). For each block: for each block of input
    channels, every output channel block runs over it (that input stays in L1), its tiles
    starting at the bias (bias: padded to whole channel blocks, never NULL) in the first
    input block; then the real positions are copied to the output rows.
    """
    cdef Py_ssize_t mr = _dc_mr(g.COUT)
    cdef Py_ssize_t nr = _dc_nr(uk, sizeof(floating), mr), vw = _dc_vw(uk, sizeof(floating))
    cdef Py_ssize_t PB = nr * _DC_TILES_PER_BLOCK
    cdef Py_ssize_t nblk = (g.COUT + mr - 1) // mr, T = g.KH * g.KW
    cdef Py_ssize_t kc = _dc_fwd_kc(g, PB, sizeof(floating)) * T
    cdef Py_ssize_t Lr = _dc_fwd_end(g, uk, sizeof(floating))
    cdef floating* planes = scratch
    cdef floating* tiles = scratch + g.CIN * g.nph * g.PS
    cdef floating* tile
    cdef const floating* wb
    cdef const floating* init
    cdef Py_ssize_t pb, p0, p1, blk, kb, k0, kn, j, o, i, end, ho, ho0, cnt
    if src != NULL:     # NULL: the caller filled the planes (scratch's first elements)
        _dc_fill_planes(src, planes, g)
    for pb in range(pb0, pb1):
        p0 = pb * PB
        p1 = min(p0 + PB, Lr)
        end = min(p1, g.L)
        for kb in range((g.K + kc - 1) // kc):
            k0 = kb * kc
            kn = min(kc, g.K - k0)
            for blk in range(nblk):
                wb = packed + blk * g.K * mr + k0 * mr
                tile = tiles + blk * mr * PB - p0
                init = bias + blk * mr if kb == 0 else NULL
                j = p0
                while j + nr <= p1:
                    if floating is float:
                        (uk.f32_4 if mr == 4 else uk.f32_1w)(kn, planes + j, off + k0, wb, init, tile + j, PB)
                    else:
                        (uk.f64_4 if mr == 4 else uk.f64_1w)(kn, planes + j, off + k0, wb, init, tile + j, PB)
                    j += nr
                if p1 - j == 2 * vw:
                    if floating is float:
                        (uk.f32_4m if mr == 4 else uk.f32_1m)(kn, planes + j, off + k0, wb, init, tile + j, PB)
                    else:
                        (uk.f64_4m if mr == 4 else uk.f64_1m)(kn, planes + j, off + k0, wb, init, tile + j, PB)
                elif p1 - j == vw:
                    if floating is float:
                        (uk.f32_4t if mr == 4 else uk.f32_1t)(kn, planes + j, off + k0, wb, init, tile + j, PB)
                    else:
                        (uk.f64_4t if mr == 4 else uk.f64_1t)(kn, planes + j, off + k0, wb, init, tile + j, PB)
        # copy the real positions of the tile rows to the output rows: output row ho holds
        # positions [ho*Wq, ho*Wq + WO); the block covers [p0, end)
        ho0 = p0 // g.Wq
        for o in range(g.COUT):
            ho = ho0
            while ho * g.Wq < end:
                i = max(p0, ho * g.Wq)
                cnt = min(end, ho * g.Wq + g.WO) - i
                if cnt > 0:
                    _dc_copy(dst + (o * g.HO + ho) * g.WO + (i - ho * g.Wq), tiles + o * PB + (i - p0), cnt)
                ho += 1


cdef inline Py_ssize_t _dc_gw_samples(const _DGeom* g) noexcept nogil:
    """Samples per grad_weight micro-kernel call: up to 4, as long as the sums stay <= 2048 positions."""
    return max(1, min(4, 2048 // _round_up(g.L, 16)))


cdef inline Py_ssize_t _dc_ob(const mc_ukernels* uk, Py_ssize_t itemsize) noexcept nogil:
    """Output channels per dconv_gwt tile."""
    return uk.ob_f32 if itemsize == 4 else uk.ob_f64


cdef inline bint _dc_gw_transposed(const _DGeom* g, const mc_ukernels* uk,
                                   Py_ssize_t itemsize) noexcept nogil:
    """True if grad_weight uses dconv_gwt (output channels in the lanes, real positions only)
    rather than dconv_gw (positions in the lanes, junk columns and rounding included): when
    its multiply-adds, output channels rounded up to whole OB tiles, are at most 5/4 of the
    wide kernel's (dconv_gwt runs ~20 % faster per multiply-add: no lane sums; measured in
    docs/performance.md). Not for depthwise (one output channel per group)."""
    cdef Py_ssize_t mr = _dc_mr(g.COUT)
    cdef Py_ssize_t cost_t = (_round_up(g.COUT, _dc_ob(uk, itemsize)) * _round_up(g.K, MC_GWT_NK)
                              * g.HO * g.WO)
    cdef Py_ssize_t cost_w = _round_up(g.COUT, mr) * _round_up(g.K, 3) * _round_up(g.L, 16)
    return mr == 4 and 4 * cost_t <= 5 * cost_w


def _direct_fwd_layout(Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t O, Py_ssize_t HO,
                       Py_ssize_t WO, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                       Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
                       Py_ssize_t itemsize):
    """'transposed' or 'wide': the layout the direct forward uses for one group of C input and
    O output channels with the current instruction set (for tests)."""
    cdef _DGeom g = _dgeom(C, H, W, O, HO, WO, KH, KW, sh, sw, pt, pl, dh, dw)
    cdef mc_ukernels uk = mc_uk
    return 'transposed' if _dc_fwd_transposed(&g, &uk, itemsize) else 'wide'


def _direct_gw_layout(Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t O, Py_ssize_t HO,
                      Py_ssize_t WO, Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t sh, Py_ssize_t sw,
                      Py_ssize_t pt, Py_ssize_t pl, Py_ssize_t dh, Py_ssize_t dw,
                      Py_ssize_t itemsize):
    """'transposed' or 'wide': the layout the direct grad_weight uses for one group of C input
    and O output channels with the current instruction set (for tests)."""
    cdef _DGeom g = _dgeom(C, H, W, O, HO, WO, KH, KW, sh, sw, pt, pl, dh, dw)
    cdef mc_ukernels uk = mc_uk
    return 'transposed' if _dc_gw_transposed(&g, &uk, itemsize) else 'wide'


cdef Py_ssize_t _dc_gw_scratch(const _DGeom* g) noexcept nogil:
    """Elements of per-thread scratch _dc_grad_weight_samples needs, for either layout and any
    instruction set (OB <= 32)."""
    cdef Py_ssize_t OR = _round_up(g.COUT, _dc_mr(g.COUT)), OT = _round_up(g.COUT, 32)
    cdef Py_ssize_t S = _dc_gw_samples(g)
    return (S * g.CIN * g.nph * g.PS
            + max(S * OR * _round_up(g.L, 16), S * OT * g.HO * g.WO)
            + max(OR * _round_up(g.K, 3), OT * _round_up(g.K, MC_GWT_NK)))


cdef void _dc_gw_fill(const floating* src, Py_ssize_t src_stride, const floating* gos,
                      Py_ssize_t gos_stride, Py_ssize_t S, double* part_b, floating* planes,
                      floating* gbuf, bint transposed, Py_ssize_t OB, const _DGeom* g) noexcept nogil:
    """The S samples' padded input planes, and their output gradient in the kernel's layout:
    transposed, gbuf[ob, s, p, l] = gos[s, ob*OB + l, p] (real positions p, channels past COUT
    zero); else wide, gbuf[s, o, ho*Wq + wo] = gos[s, o, ho, wo] (junk columns, the tail and
    padding rows zero). part_b[o] += the sums of the output gradient rows, in sample order."""
    cdef Py_ssize_t PLN = g.CIN * g.nph * g.PS, P = g.HO * g.WO
    cdef Py_ssize_t LW = _round_up(g.L, 16), OR = _round_up(g.COUT, _dc_mr(g.COUT))
    cdef Py_ssize_t OT = _round_up(g.COUT, OB), s, o, ho, p, l, done
    cdef const floating* gs
    cdef floating* d
    for s in range(S):
        _dc_fill_planes(src + s * src_stride, planes + s * PLN, g)
        gs = gos + s * gos_stride
        if transposed:
            o = 0
            if floating is float and OB == 16:
                # whole groups of 8 channels through AVX2 8x8 transposes where that is the ISA
                # in use (the positions it did are returned; the loop below does the rest)
                while o + 8 <= g.COUT:
                    done = mc_f32_transpose8_to16(gs + o * P, P, P,
                                                  gbuf + ((o // OB) * S + s) * P * OB + o % OB)
                    for l in range(o, o + 8):
                        d = gbuf + ((l // OB) * S + s) * P * OB + l % OB
                        for p in range(done, P):
                            d[p * OB] = gs[l * P + p]
                    o += 8
            for o in range(o, OT):
                d = gbuf + ((o // OB) * S + s) * P * OB + o % OB
                if o < g.COUT:
                    for p in range(P):
                        d[p * OB] = gs[o * P + p]
                else:
                    for p in range(P):
                        d[p * OB] = 0
        else:
            d = gbuf + s * OR * LW
            memset(d, 0, OR * LW * sizeof(floating))
            for o in range(g.COUT):
                for ho in range(g.HO):
                    memcpy(d + o * LW + ho * g.Wq, gs + (o * g.HO + ho) * g.WO, g.WO * sizeof(floating))
        if part_b != NULL:
            for o in range(g.COUT):
                part_b[o] += _conv_row_sum(gs + o * P, P)


cdef void _dc_grad_weight_samples(const floating* src, Py_ssize_t src_stride, const floating* gos,
                                  Py_ssize_t gos_stride, Py_ssize_t S, floating* part,
                                  double* part_b, const ptrdiff_t* off, floating* scratch,
                                  const _DGeom* g, const mc_ukernels* uk) noexcept nogil:
    """part (COUT, K) += weight gradient of S samples of one group: sample s has input
    src + s*src_stride (CIN, H, W) and output gradient gos + s*gos_stride (COUT, HO, WO).
    part_b (COUT,) += the sums of the output gradient rows, in sample order (if not NULL).
    off has round_up(K, MC_GWT_NK) entries.

    Transposed layout (dconv_gwt, _dc_gw_transposed): blocks of output rows (columns, for
    very wide rows) whose output gradient for the S samples and one tile of OB channels takes
    about _DC_GWT_L1 bytes; for each, every OB-channel tile (it stays in L1) runs over all
    (channel, tap) pairs, MC_GWT_NK at a time (the input streams from L2).
    Wide layout (dconv_gw): blocks of _DC_GW_BLOCK positions; in each, every tile of mr (4,
    or 1 for depthwise) output channels runs over _DC_GW_KTILES triples of pairs at a time.
    Each micro-kernel call sums over the S samples; the sums go to acc (rounded up to whole
    tiles) and are added to part at the end. The order of every sum is fixed by the shape
    and the instruction set.
    """
    cdef bint transposed = _dc_gw_transposed(g, uk, sizeof(floating))
    cdef Py_ssize_t OB = _dc_ob(uk, sizeof(floating)), P = g.HO * g.WO
    cdef Py_ssize_t mr = _dc_mr(g.COUT)
    cdef Py_ssize_t LW = _round_up(g.L, 16), OR = _round_up(g.COUT, mr), OT = _round_up(g.COUT, OB)
    cdef Py_ssize_t K3 = _round_up(g.K, 3), K6 = _round_up(g.K, MC_GWT_NK)
    cdef Py_ssize_t PLN = g.CIN * g.nph * g.PS, WSZ = OR * LW
    cdef floating* planes = scratch
    cdef floating* gbuf = scratch + S * PLN
    cdef floating* acc = gbuf + (S * OT * P if transposed else S * WSZ)
    cdef Py_ssize_t qb, q0, n, kb, kt0, kt1, ob, kt, k0, o, k, rb, cb, r0, c0
    _dc_gw_fill(src, src_stride, gos, gos_stride, S, part_b, planes, gbuf, transposed, OB, g)
    if transposed:
        memset(acc, 0, OT * K6 * sizeof(floating))
        rb = max(1, _DC_GWT_L1 // (S * g.WO * OB * sizeof(floating)))
        cb = g.WO if rb > 1 else max(1, min(g.WO, _DC_GWT_L1 // (S * OB * sizeof(floating))))
        for qb in range((g.HO + rb - 1) // rb):
            r0 = qb * rb
            for kb in range((g.WO + cb - 1) // cb):
                c0 = kb * cb
                for ob in range(OT // OB):
                    for kt in range(K6 // MC_GWT_NK):
                        k0 = kt * MC_GWT_NK
                        if floating is float:
                            uk.f32_gwt(S, min(rb, g.HO - r0), min(cb, g.WO - c0),
                                       gbuf + (ob * S * P + r0 * g.WO + c0) * OB, P * OB, g.WO,
                                       planes + r0 * g.Wq + c0, PLN, g.Wq, off + k0,
                                       acc + (ob * K6 + k0) * OB)
                        else:
                            uk.f64_gwt(S, min(rb, g.HO - r0), min(cb, g.WO - c0),
                                       gbuf + (ob * S * P + r0 * g.WO + c0) * OB, P * OB, g.WO,
                                       planes + r0 * g.Wq + c0, PLN, g.Wq, off + k0,
                                       acc + (ob * K6 + k0) * OB)
        for o in range(g.COUT):
            for k in range(g.K):
                part[o * g.K + k] += acc[((o // OB) * K6 + k) * OB + o % OB]
        return
    memset(acc, 0, OR * K3 * sizeof(floating))
    for qb in range((LW + _DC_GW_BLOCK - 1) // _DC_GW_BLOCK):
        q0 = qb * _DC_GW_BLOCK
        n = min(<Py_ssize_t>_DC_GW_BLOCK, LW - q0)
        for ob in range(OR // mr):
            for kb in range((K3 + 3 * _DC_GW_KTILES - 1) // (3 * _DC_GW_KTILES)):
                kt0 = kb * 3 * _DC_GW_KTILES
                kt1 = min(K3, kt0 + 3 * _DC_GW_KTILES)
                for kt in range((kt1 - kt0) // 3):
                    k0 = kt0 + 3 * kt
                    if floating is float:
                        (uk.f32_gw if mr == 4 else uk.f32_gw1)(
                            S, n, gbuf + mr * ob * LW + q0, LW, WSZ, planes + q0, PLN, off + k0,
                            acc + mr * ob * K3 + k0, K3)
                    else:
                        (uk.f64_gw if mr == 4 else uk.f64_gw1)(
                            S, n, gbuf + mr * ob * LW + q0, LW, WSZ, planes + q0, PLN, off + k0,
                            acc + mr * ob * K3 + k0, K3)
    for o in range(g.COUT):
        for k in range(g.K):
            part[o * g.K + k] += acc[o * K3 + k]


cdef enum:
    _DC_MAX_SCRATCH_BYTES = 64 << 20   # per thread; larger problems use im2col


cdef bint _dc_fits(const _DGeom* g, Py_ssize_t itemsize) noexcept nogil:
    """True if one thread's scratch for g stays under _DC_MAX_SCRATCH_BYTES."""
    return max(_dc_fwd_scratch(g), _dc_gw_scratch(g)) * itemsize <= _DC_MAX_SCRATCH_BYTES


cdef int _direct_forward(const floating* xp, const floating* wp, const floating* bp,
                         floating* outp, Py_ssize_t N, Py_ssize_t groups, const _DGeom* geom,
                         int n_threads) except -1:
    """out = conv(x, w) + bias (bp NULL: no bias) with the direct kernels, one (sample, group)
    per work item. x (N, groups*CIN, H, W), w (groups*COUT, CIN, KH, KW) as geom describes."""
    cdef Py_ssize_t CG = geom.CIN, OG = geom.COUT, K = geom.K
    cdef Py_ssize_t HW = geom.H * geom.W, P = geom.HO * geom.WO
    cdef mc_ukernels uk = mc_uk     # one instruction set for the whole call
    if floating is float:
        if _dw_serves(&uk, sizeof(float), groups, geom):   # depthwise 3x3: _conv_depthwise.pxi
            return _dw_forward(xp, wp, bp, outp, N, groups, geom, &uk, n_threads)
    cdef bint transposed = _dc_fwd_transposed(geom, &uk, sizeof(floating))
    cdef Py_ssize_t mr = uk.obt_f32 if transposed else _dc_mr(OG)
    cdef Py_ssize_t pack_g = (OG + mr - 1) // mr * K * mr
    cdef Py_ssize_t per_thread = _dc_fwd_scratch(geom), t, n, g, part
    off_arr = _dc_offsets(geom, 1)
    cdef const ptrdiff_t* off = <const ptrdiff_t*>cnp.PyArray_DATA(off_arr)
    pos_arr = _dc_positions(geom) if transposed else off_arr
    cdef const ptrdiff_t* pos = <const ptrdiff_t*>cnp.PyArray_DATA(pos_arr)
    # the kernels start from the bias of a whole channel block: padded with zeros per group
    # (dconv_t takes NULL for no bias, dconv a block of zeros)
    bias_arr = np.zeros((groups, pack_g // K), dtype=np.float32 if floating is float else np.float64)
    if bp != NULL:
        bias_arr[:, :OG] = np.asarray(<const floating[:groups * OG]>bp).reshape(groups, OG)
    cdef const floating* bpt = <const floating*>cnp.PyArray_DATA(bias_arr)
    cdef floating* sc
    # Work items are (sample, group, part): with fewer (sample, group) pairs than threads (a
    # batch of one at inference) each pair's position blocks are cut into `parts` ranges so
    # every thread works; each thread fills the pair's planes itself. Every output element is
    # computed the same way whatever the split, so the bits do not depend on n_threads.
    cdef Py_ssize_t nb = (pos_arr.shape[0] // MC_FWDT_NP if transposed
                          else _dc_fwd_nblocks(geom, &uk, sizeof(floating)))
    cdef Py_ssize_t parts = 1
    if N * groups < n_threads:
        parts = min(nb, (n_threads + N * groups - 1) // (N * groups))
    cdef Py_ssize_t per_part = (nb + parts - 1) // parts
    parts = (nb + per_part - 1) // per_part
    n_threads = <int>min(n_threads, N * groups * parts)
    scratch = _conv_take_scratch((n_threads * per_thread + groups * pack_g) * sizeof(floating))
    cdef floating* buf = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* packed = buf + n_threads * per_thread
    _dc_pack(wp, packed, groups, OG, K, mr)
    with nogil, parallel(num_threads=n_threads):
        sc = buf + omp_get_thread_num() * per_thread
        for t in prange(N * groups * parts, schedule='dynamic'):
            n = t // (groups * parts)
            g = t // parts % groups
            part = t % parts
            if floating is float and transposed:
                _dc_forward_group_t(xp + (n * groups + g) * CG * HW, outp + (n * groups + g) * OG * P,
                                    packed + g * pack_g, bpt + g * (pack_g // K) if bp != NULL else NULL,
                                    off, pos, sc, geom, &uk, part * per_part,
                                    min(nb, (part + 1) * per_part))
            else:
                _dc_forward_group(xp + (n * groups + g) * CG * HW, outp + (n * groups + g) * OG * P,
                                  packed + g * pack_g, bpt + g * (pack_g // K), off, sc,
                                  geom, &uk, part * per_part, min(nb, (part + 1) * per_part))
    _conv_give_scratch(scratch)
    return 0


cdef int _direct_grad_input(const floating* gop, const floating* wp, floating* gip,
                            Py_ssize_t N, Py_ssize_t groups, const _DGeom* geom,
                            int n_threads) except -1:
    """grad_in for stride 1: the direct forward of grad_out with flipped, transposed weights.

    geom describes that forward: CIN = O // groups planes of HO x WO in, COUT = C // groups
    planes of H x W out, padding (KH-1)*dh - pt, (KW-1)*dw - pl. With geom.gsh or gsw > 1
    (the forward's strides), by stride phases (_conv_direct_gi.pxi).
    """
    if _dc_gi_strided(geom):
        return _direct_grad_input_strided(gop, wp, gip, N, groups, geom, n_threads)
    cdef Py_ssize_t OG = geom.CIN, CG = geom.COUT, T = geom.KH * geom.KW
    cdef Py_ssize_t g, o, c, t
    wf_arr = np.empty(max(1, groups * CG * OG * T), dtype=np.float32 if floating is float else np.float64)
    cdef floating* wf = <floating*>cnp.PyArray_DATA(wf_arr)
    # wf[g*CG + c, o, tap] = w[g*OG + o, c, T-1-tap]
    for g in range(groups):
        for c in range(CG):
            for o in range(OG):
                for t in range(T):
                    wf[((g * CG + c) * OG + o) * T + t] = wp[((g * OG + o) * CG + c) * T + T - 1 - t]
    return _direct_forward(gop, wf, <const floating*>NULL, gip, N, groups, geom, n_threads)


cdef int _direct_grad_weight(const floating* xp, const floating* gop, floating* gwp,
                             floating* gbp, Py_ssize_t N, Py_ssize_t groups, const _DGeom* geom,
                             int n_threads) except -1:
    """grad_w = sum over the batch of each (sample, group)'s weight gradient; also grad_b
    (the bits of conv2d_grad_bias) if gbp is not NULL.

    The batch is cut into chunks of _conv_chunk_size(N) samples (a function of N only); one
    thread sums a chunk in sample order into its own partial array, and the partials are
    added in chunk order, so the bits do not depend on n_threads.
    """
    cdef Py_ssize_t CG = geom.CIN, OG = geom.COUT, K = geom.K
    cdef Py_ssize_t HW = geom.H * geom.W, P = geom.HO * geom.WO
    cdef Py_ssize_t wsize = groups * OG * K
    cdef Py_ssize_t chunk = _conv_chunk_size(N)
    cdef Py_ssize_t n_chunks = (N + chunk - 1) // chunk
    cdef Py_ssize_t per_thread = _dc_gw_scratch(geom), k, n, g
    cdef Py_ssize_t S = _dc_gw_samples(geom), n1, j
    cdef mc_ukernels uk = mc_uk     # one instruction set for the whole call
    if floating is float:
        if _dw_serves(&uk, sizeof(float), groups, geom):   # depthwise 3x3: _conv_depthwise.pxi
            return _dw_grad_weight(xp, gop, gwp, gbp, N, groups, geom, &uk, n_threads)
    off_arr = _dc_offsets(geom, MC_GWT_NK)   # a multiple of 3 too
    cdef const ptrdiff_t* off = <const ptrdiff_t*>cnp.PyArray_DATA(off_arr)
    cdef floating* sc
    cdef int n_thr = <int>min(n_threads, n_chunks)
    scratch = _conv_take_scratch((n_chunks * wsize + n_thr * per_thread) * sizeof(floating))
    cdef floating* part = <floating*>cnp.PyArray_DATA(scratch)
    cdef floating* buf = part + n_chunks * wsize
    memset(part, 0, n_chunks * wsize * sizeof(floating))
    part_b_arr = np.zeros(n_chunks * groups * OG if gbp != NULL else 0, dtype=np.float64)
    cdef double* part_b = <double*>cnp.PyArray_DATA(part_b_arr) if gbp != NULL else NULL
    with nogil, parallel(num_threads=n_thr):
        sc = buf + omp_get_thread_num() * per_thread
        for k in prange(n_chunks, schedule='dynamic'):
            # the chunk's samples in groups of S (the last group may be smaller), in order
            n1 = min(N, (k + 1) * chunk)
            for j in range((n1 - k * chunk + S - 1) // S):
                n = k * chunk + j * S
                for g in range(groups):
                    _dc_grad_weight_samples(xp + (n * groups + g) * CG * HW, groups * CG * HW,
                                            gop + (n * groups + g) * OG * P, groups * OG * P,
                                            min(S, n1 - n), part + k * wsize + g * OG * K,
                                            part_b + (k * groups + g) * OG if gbp != NULL else NULL,
                                            off, sc, geom, &uk)
    _conv_add_chunks(part, gwp, n_chunks, wsize, n_threads)
    if gbp != NULL:
        _conv_bias_from_chunks(part_b, gbp, n_chunks, groups * OG)
    _conv_give_scratch(scratch)
    return 0
