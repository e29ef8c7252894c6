"""The packed GEMM's block sizes (``_kernels._gemm_blocking``: bytes of A per block, columns per block of
the batched 1x1 GEMM and of the general GEMM) only pick which elements one micro-kernel call makes: the
gemm algorithm's three passes give the same bits for any blocking, at one and two threads."""
import numpy as np
import pytest

from miniconv import _kernels as K

SHAPES = [  # (N, C, H, W, O, k, stride, pad): 1x1 batched (planes cut across images), 1x1 strided, 3x3
    (3, 40, 7, 7, 50, 1, 1, 0),
    (2, 24, 9, 9, 30, 1, 2, 0),
    (2, 16, 8, 8, 20, 3, 1, 1),
]


def _passes(x, w, go, s, p, nt):
    out = np.empty((x.shape[0], w.shape[0]) + go.shape[2:], np.float32)
    K.conv2d_forward(x, w, np.empty(0, np.float32), out, s, s, p, p, 1, 1, 1, nt, "gemm")
    gi = np.empty_like(x)
    K.conv2d_grad_input(go, w, gi, s, s, p, p, 1, 1, 1, nt, "gemm")
    gw = np.empty_like(w)
    K.conv2d_grad_weight(x, go, gw, s, s, p, p, 1, 1, 1, nt, "gemm")
    return out, gi, gw


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
