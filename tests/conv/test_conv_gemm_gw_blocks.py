"""The gemm algorithm's grad_weight work items: with several threads and more output channels
than grad_w columns (1x1 layers that widen), one block of rows per thread instead of blocks of
columns. The blocks only choose which elements one GEMM call makes, so the bits must equal the
column blocks' and the one-thread result on every instruction set; values as PyTorch's."""
import numpy as np
import pytest

from miniconv import _kernels as K
from miniconv._config import blas_single_thread

torch = pytest.importorskip("torch")

# (n, c, o, h, kernel, stride, padding): 1x1 widening layers (rows split), a 3x3 gathered
# layer with more rows than columns is not possible (K = 9 C), so a 1x1 stride-2 (gathered)
CASES = [(2, 24, 144, 9, 1, 1, 0), (3, 16, 70, 7, 1, 1, 0), (2, 8, 40, 9, 1, 2, 0),
         (2, 64, 64, 6, 1, 1, 0), (2, 5, 7, 6, 3, 1, 1)]


def _gw(x, go, case, n_threads, cols_only):
    n, c, o, h, k, s, p = case
    gw = np.empty((o, c, k, k), x.dtype)
    previous = K._gemm_gw_cols_only(cols_only)
    try:
        with blas_single_thread():
            K.conv2d_grad_weight(x, go, gw, s, s, p, p, 1, 1, 1, n_threads, "gemm")
    finally:
        K._gemm_gw_cols_only(previous)
    return gw


def _data(case, dtype):
    n, c, o, h, k, s, p = case
    ho = (h + 2 * p - k) // s + 1
    rng = np.random.default_rng(4)
    return (rng.standard_normal((n, c, h, h)).astype(dtype),
            rng.standard_normal((n, o, ho, ho)).astype(dtype))


@pytest.mark.parametrize("isa", K.conv_isas_supported())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_row_blocks_have_the_column_blocks_bits(case, dtype, isa):
    x, go = _data(case, dtype)
    previous = K.conv_set_isa(isa)
    try:
        first = _gw(x, go, case, 1, True)
        for n_threads in (2, 3):
            assert np.array_equal(first, _gw(x, go, case, n_threads, False)), n_threads
            assert np.array_equal(first, _gw(x, go, case, n_threads, True)), n_threads
    finally:
        K.conv_set_isa(previous)


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_values_match_pytorch(case):
    n, c, o, h, k, s, p = case
    x, go = _data(case, np.float64)
    ours = _gw(x, go, case, 2, False)
    ref = torch.ops.aten.convolution_backward(
        torch.from_numpy(go), torch.from_numpy(x), torch.zeros(o, c, k, k, dtype=torch.float64),
        None, (s, s), (p, p), (1, 1), False, (0, 0), 1, (False, True, False))[1].numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_switches_set_and_restore():
    assert K._gemm_gw_cols_only() is False
    assert K._gemm_gw_cols_only(True) is False
    assert K._gemm_gw_cols_only(False) is True
    old = K._gemm_cols({"forward": 256})
    try:
        assert K._gemm_cols()["forward"] == 256
        assert K._gemm_layout("forward", (8, 16, 8, 8), (16, 16, 3, 3), (8, 8))["samples_per_chunk"] == 4
    finally:
        K._gemm_cols(old)
    assert K._gemm_cols() == old
    with pytest.raises(ValueError, match="positive columns"):
        K._gemm_cols({"forward": 0})
    with pytest.raises(ValueError, match="positive columns"):
        K._gemm_cols({"backward": 64})
