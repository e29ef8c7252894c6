# The gemm algorithm's Python-level switches and layout query, for tests and benchmarks (A/B
# timings of its variants; none changes the bits but _gemm_kernel('blas') and _gemm_sum_block).
# Included at the end of _conv_gemm.pxi: the module globals they set are declared there.


def _gemm_sum_block(Py_ssize_t k=0):
    """Terms per BLAS call along k (the 'blas' GEMM); with k > 0 set it (for experiments);
    returns the old value."""
    global _GM_SUM_BLOCK
    old = _GM_SUM_BLOCK
    if k > 0:
        _GM_SUM_BLOCK = k
    return old


def _gemm_kernel(str name=None):
    """The GEMM the gemm algorithm runs: 'packed' (_conv_gemm_ukernel.h, the default) or 'blas'
    (one BLAS call per _GM_SUM_BLOCK terms, as before the packed GEMM; for A/B timings and
    tests). With name, switch; returns the previous name."""
    global _GM_PACKED
    old = 'packed' if _GM_PACKED else 'blas'
    if name is not None:
        if name not in ('packed', 'blas'):
            raise ValueError(f"unknown gemm kernel {name!r}; expected 'packed' or 'blas'")
        _GM_PACKED = name == 'packed'
    return old


def _gemm_split_threads(flag=None):
    """Whether the gemm algorithm cuts its blocks for the thread count (_gm_block; the default)
    or by the shape only, as before (for A/B timings; the bits are the same). With flag, set
    it; returns the previous value."""
    global _GM_SPLIT_THREADS
    old = bool(_GM_SPLIT_THREADS)
    if flag is not None:
        _GM_SPLIT_THREADS = bool(flag)
    return old


def _gemm_gw_cols_only(flag=None):
    """Whether grad_weight's work items are always blocks of grad_w's columns, as before (for
    A/B timings; the bits are the same). With flag, set it; returns the previous value."""
    global _GM_GW_COLS_ONLY
    old = bool(_GM_GW_COLS_ONLY)
    if flag is not None:
        _GM_GW_COLS_ONLY = bool(flag)
    return old


def _gemm_cols(dict new=None):
    """The target columns per chunk {pass: columns}; with new, set those given (benchmarks
    only) and return the previous ones."""
    global _GM_COLS_FORWARD, _GM_COLS_GRAD_INPUT, _GM_COLS_GRAD_WEIGHT
    old = {'forward': _GM_COLS_FORWARD, 'grad_input': _GM_COLS_GRAD_INPUT,
           'grad_weight': _GM_COLS_GRAD_WEIGHT}
    if new:
        if set(new) - set(old) or min(new.values()) < 1:
            raise ValueError(f"expected positive columns for passes of {tuple(old)}, got {new}")
        _GM_COLS_FORWARD = new.get('forward', _GM_COLS_FORWARD)
        _GM_COLS_GRAD_INPUT = new.get('grad_input', _GM_COLS_GRAD_INPUT)
        _GM_COLS_GRAD_WEIGHT = new.get('grad_weight', _GM_COLS_GRAD_WEIGHT)
    return old


def _gemm_layout(str pass_name, x_shape, w_shape, out_hw, stride=(1, 1), padding=(0, 0),
                 dilation=(1, 1), Py_ssize_t groups=1, Py_ssize_t itemsize=4):
    """How the gemm algorithm cuts one pass of this shape (for tests): a dict with
    'samples_per_chunk', 'chunks', 'chunks_per_pass' and 'no_copy' (1x1, stride 1, no
    padding: the arrays themselves are the GEMM operands; forward and grad_input always, the
    batch as one GEMM, _conv_gemm_nb.pxi; grad_weight with one sample per chunk)."""
    cols = {'forward': _GM_COLS_FORWARD, 'grad_input': _GM_COLS_GRAD_INPUT,
            'grad_weight': _GM_COLS_GRAD_WEIGHT}
    if pass_name not in cols:
        raise ValueError(f"unknown pass {pass_name!r}; expected one of {tuple(cols)}")
    cdef _GGeom g = _gm_geom(x_shape[0], x_shape[1], x_shape[2], x_shape[3], w_shape[0],
                             w_shape[2], w_shape[3], out_hw[0], out_hw[1], stride[0], stride[1],
                             padding[0], padding[1], dilation[0], dilation[1], groups, itemsize,
                             cols[pass_name])
    return {'samples_per_chunk': g.S, 'chunks': g.nch, 'chunks_per_pass': g.cpp,
            'no_copy': bool(g.nocopy and (g.S == 1 or (pass_name != 'grad_weight' and _GM_PACKED
                                                              and _GM_BATCHED)))}
