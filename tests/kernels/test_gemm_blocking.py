"""The packed GEMM's block sizes (``_kernels._gemm_blocking``: bytes of A per block, columns per block of
the batched 1x1 GEMM and of the general GEMM) and tile orders (``_gemm_nb_order``, ``_gemm_order``: down
the rows under one column panel, or along the column panels, with column blocks sized by bytes of B) only
pick which elements one micro-kernel call makes, and when (``_gemm_direct_b``: whether B panels with
contiguous rows are read in place or packed first only changes where they are read from): the gemm algorithm's three passes (and
Winograd's grad_weight GEMMs) give the same bits for any blocking and order, at one and two threads."""
import numpy as np
import pytest

from miniconv import _kernels as K

SHAPES = [  # (N, C, H, W, O, k, stride, pad): 1x1 batched (planes cut across images), 1x1 strided, 3x3
    (3, 40, 7, 7, 50, 1, 1, 0),
    (2, 24, 9, 9, 30, 1, 2, 0),
    (2, 16, 8, 8, 20, 3, 1, 1),
]


def _passes(x, w, go, s, p, nt, algo="gemm"):
    out = np.empty((x.shape[0], w.shape[0]) + go.shape[2:], x.dtype)
    K.conv2d_forward(x, w, np.empty(0, x.dtype), out, s, s, p, p, 1, 1, 1, nt, algo)
    gi = np.empty_like(x)
    K.conv2d_grad_input(go, w, gi, s, s, p, p, 1, 1, 1, nt, algo)
    gw = np.empty_like(w)
    K.conv2d_grad_weight(x, go, gw, s, s, p, p, 1, 1, 1, nt, algo)
    return out, gi, gw


def _operands(shape, dtype=np.float32):
    n, c, h, wd, o, k, s, p = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, wd)).astype(dtype)
    w = rng.standard_normal((o, c, k, k)).astype(dtype)
    ho, wo = (h + 2 * p - k) // s + 1, (wd + 2 * p - k) // s + 1
    go = rng.standard_normal((n, o, ho, wo)).astype(dtype)
    return x, w, go, s, p


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("nt", [1, 2])
def test_blocking_does_not_change_bits(shape, nt):
    n, c, h, wd, o, k, s, p = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, wd), dtype=np.float32)
    w = rng.standard_normal((o, c, k, k), dtype=np.float32)
    ho, wo = (h + 2 * p - k) // s + 1, (wd + 2 * p - k) // s + 1
    go = rng.standard_normal((n, o, ho, wo), dtype=np.float32)
    default = K._gemm_blocking()
    try:
        ref = _passes(x, w, go, s, p, nt)
        for blocking in [(4096, 16, 16), (8192, 48, 32), (1 << 20, 1024, 1024)]:
            assert K._gemm_blocking(*blocking) is not None
            for a, b in zip(_passes(x, w, go, s, p, nt), ref):
                np.testing.assert_array_equal(a, b)
    finally:
        K._gemm_blocking(*default)
    assert K._gemm_blocking() == default


def test_blocking_switch_bounds():
    default = K._gemm_blocking()
    try:
        K._gemm_blocking(1, 0, 10 ** 6)
        assert K._gemm_blocking() == (4096, 1, 1024)
    finally:
        K._gemm_blocking(*default)


ORDER_SHAPES = [  # sums over more than one 256-term block (C = 300, 3x3 C = 40), several column blocks
    (3, 300, 9, 9, 50, 1, 1, 0),
    (2, 40, 10, 10, 70, 3, 1, 1),
    (2, 24, 12, 12, 40, 3, 2, 1),
]


@pytest.mark.parametrize("shape", ORDER_SHAPES)
@pytest.mark.parametrize("nt", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tile_order_does_not_change_bits(shape, nt, dtype):
    x, w, go, s, p = _operands(shape, dtype)
    nb_default, default, direct_default = K._gemm_nb_order(), K._gemm_order(), K._gemm_direct_b()
    algos = ["gemm", "winograd"] if shape[5] == 3 and shape[6] == 1 else ["gemm"]
    try:
        for algo in algos:
            ref = _passes(x, w, go, s, p, nt, algo)
            # order 0, then order 1 with B blocks of one panel (16 columns), a few and many panels;
            # B panels with contiguous rows read in place or packed (everywhere, or in grad_input only)
            for order, b_bytes, direct in [(0, 1 << 20, (True, False)), (1, 1, (False, False)),
                                           (1, 4096, (True, True)), (1, 1 << 20, (False, True))]:
                K._gemm_nb_order(order, b_bytes)
                K._gemm_order(order, b_bytes, order)
                K._gemm_direct_b(*direct)
                for a, b in zip(_passes(x, w, go, s, p, nt, algo), ref):
                    np.testing.assert_array_equal(a, b)
    finally:
        K._gemm_nb_order(*nb_default)
        K._gemm_order(*default)
        K._gemm_direct_b(*direct_default)
    assert K._gemm_nb_order() == nb_default and K._gemm_order() == default
    assert K._gemm_direct_b() == direct_default


def test_tile_order_defaults():
    """Along the column panels in the batched 1x1 GEMM and the grad_weight GEMMs (the B block stays in
    L2 while each row panel sweeps it: measured faster in docs/performance.md), down the rows elsewhere."""
    assert K._gemm_nb_order() == (1, 128 * 1024)
    assert K._gemm_order() == (0, 128 * 1024, 1)
    # B panels read in place, except grad_out's rows in the gemm grad_input (packed: measured faster)
    assert K._gemm_direct_b() == (True, True)
