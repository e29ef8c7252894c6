# The winograd algorithm's Python-level switches and layout query, for tests and benchmarks.
# Included at the end of _conv_winograd.pxi: the module globals they set are declared there.


def _winograd_sum_block(Py_ssize_t shallow=0, Py_ssize_t deep=0):
    """Channels per GEMM call below and from 128 channels; with values > 0 set them (for
    experiments); returns the old ones."""
    global _WN_SUM_SHALLOW, _WN_SUM_DEEP
    old = (_WN_SUM_SHALLOW, _WN_SUM_DEEP)
    if shallow > 0:
        _WN_SUM_SHALLOW = shallow
    if deep > 0:
        _WN_SUM_DEEP = deep
    return old


def _winograd_transforms(str name=None):
    """The float32 transforms in use, 'simd' (AVX2, where the conv instruction set has it) or
    'scalar' (the plain C twins); with name, switch to it (for tests and A/B timings) and
    return the previous setting."""
    global _WN_SIMD_OFF
    old = 'scalar' if _WN_SIMD_OFF else 'simd'
    if name is not None:
        if name not in ('simd', 'scalar'):
            raise ValueError(f"unknown winograd transforms {name!r}; expected 'simd' or 'scalar'")
        _WN_SIMD_OFF = name == 'scalar'
    return old


def _winograd_simd_active():
    """True if a float32 winograd call now runs the AVX2 transforms (the conv instruction set in
    use has AVX2 and the switch above is 'simd'); for tests."""
    return bool(_WN_SIMD_OFF == 0 and mc_wn_simd())


def _winograd_block_bytes(Py_ssize_t nbytes=0, Py_ssize_t min_blocks=0, Py_ssize_t gw_nbytes=0):
    """Target bytes of one block's scratch, the blocks wanted at least, and grad_weight's block
    target; with values > 0 set them (for experiments); returns the old ones."""
    global _WN_BLOCK_BYTES, _WN_MIN_BLOCKS, _WN_GW_BLOCK_BYTES
    old = (_WN_BLOCK_BYTES, _WN_MIN_BLOCKS, _WN_GW_BLOCK_BYTES)
    if nbytes > 0:
        _WN_BLOCK_BYTES = nbytes
    if min_blocks > 0:
        _WN_MIN_BLOCKS = min_blocks
    if gw_nbytes > 0:
        _WN_GW_BLOCK_BYTES = gw_nbytes
    return old


def _winograd_gw_runs(Py_ssize_t runs=0, Py_ssize_t part_bytes=0):
    """grad_weight's partial sums at most (runs of blocks, a function of the shape only) and
    their bytes at most; with values > 0 set them (for experiments); returns the old ones."""
    global _WN_GW_CHUNKS, _WN_GW_PART_BYTES
    old = (_WN_GW_CHUNKS, _WN_GW_PART_BYTES)
    if runs > 0:
        _WN_GW_CHUNKS = runs
    if part_bytes > 0:
        _WN_GW_PART_BYTES = part_bytes
    return old


def _winograd_gemm(str name=None):
    """The GEMM the winograd algorithm runs: 'packed' (_conv_gemm_ukernel.h with U packed once
    per call, the default) or 'blas' (BLAS calls, U packed again by BLAS for every block; for
    A/B timings and tests). With name, switch; returns the previous name."""
    global _WN_PACKED
    old = 'packed' if _WN_PACKED else 'blas'
    if name is not None:
        if name not in ('packed', 'blas'):
            raise ValueError(f"unknown winograd gemm {name!r}; expected 'packed' or 'blas'")
        _WN_PACKED = name == 'packed'
    return old


def _winograd_grad_weight_on(flag=None):
    """Whether winograd serves grad_weight at all; with flag, set it (for A/B timings and
    tests); returns the previous setting."""
    global _WN_GW_ON
    old = bool(_WN_GW_ON)
    if flag is not None:
        _WN_GW_ON = bool(flag)
    return old


def _winograd_layout(Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t K,
                     Py_ssize_t HO, Py_ssize_t WO, Py_ssize_t itemsize=4):
    """How the winograd algorithm cuts a convolution (for tests): a dict with 'tiles' (of the
    batch), 'tiles_per_block' and 'blocks', and grad_weight's 'grad_weight_blocks' and
    'grad_weight_runs' (its partial sums; fewer than the threads: the threads share blocks)."""
    cdef _WGeom g = _wn_geom(N, C, H, W, K, HO, WO, 0, 0, itemsize)
    cdef _WGeom gw = _wn_geom(N, C, H, W, K, HO, WO, 0, 0, itemsize, _WN_GW_BLOCK_BYTES)
    cdef Py_ssize_t per = _wn_gw_chunks(&gw, itemsize)
    return {'tiles': g.NT, 'tiles_per_block': g.NB, 'blocks': g.nblk,
            'grad_weight_blocks': gw.nblk, 'grad_weight_runs': (gw.nblk + per - 1) // per}
