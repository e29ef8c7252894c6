"""The winograd algorithm's AVX2 transforms and packed GEMM (miniconv/_conv_winograd.h).

- The AVX2 input/output transforms give the same bits as their plain C twins
  (_winograd_transforms('scalar')) on every pass, every conv instruction set this CPU runs,
  odd and even planes, padding 0/1/2, runs of tiles that are no multiple of 4, planes
  narrower than one vector group, batches whose blocks cut tile rows;
- the packed GEMM (U packed once per call) agrees with PyTorch float64 as the BLAS calls did,
  and its AVX2 and emulated AVX-512 micro-kernels give the same bits (sums in blocks of 32
  below 128 channels and of 64 from 128);
- the same bits for 1, 2 and 3 threads with every instruction set.
Per-ISA facts (the AVX2 transforms actually running) are asserted only where the CPU has AVX2.
"""
import numpy as np
import pytest

from miniconv import _kernels as K
from miniconv._config import blas_single_thread

torch = pytest.importorskip("torch")

ISAS = K.conv_isas_supported()


@pytest.fixture
def isa_and_switches():
    """Restore the instruction set and the winograd switches after each test."""
    isa = K.conv_isa()
    tr, gm = K._winograd_transforms(), K._winograd_gemm()
    yield
    K.conv_set_isa(isa)
    K._winograd_transforms(tr)
    K._winograd_gemm(gm)


def passes(x, wt, b, go, pad, n_threads=2):
    """forward, grad_input, grad_weight forced to winograd (outputs start as NaN)."""
    pt, pl = pad
    args = (1, 1, pt, pl, 1, 1, 1, n_threads)
    out = np.full(go.shape, np.nan, x.dtype)
    gi = np.full(x.shape, np.nan, x.dtype)
    gw = np.full(wt.shape, np.nan, x.dtype)
    with blas_single_thread():
        K.conv2d_forward(x, wt, b, out, *args, algorithm="winograd")
        K.conv2d_grad_input(go, wt, gi, *args, algorithm="winograd")
        K.conv2d_grad_weight(x, go, gw, *args, algorithm="winograd")
    return out, gi, gw


def torch64(x, wt, b, go, pad):
    """forward, grad_input, grad_weight of PyTorch in float64; pad = (top, bottom, left, right)."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wtt = torch.tensor(wt, dtype=torch.float64, requires_grad=True)
    pt, pb, pl, pr = pad
    y = torch.nn.functional.conv2d(torch.nn.functional.pad(xt, (pl, pr, pt, pb)), wtt,
                                   torch.tensor(b, dtype=torch.float64))
    y.backward(torch.tensor(go, dtype=torch.float64))
    return [t.detach().numpy() for t in (y, xt.grad, wtt.grad)]


def make(n, c, o, h, w, pad, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = (rng.standard_normal((o, c, 3, 3)) / np.sqrt(9 * c)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    ho, wo = h + pad[0] + pad[1] - 2, w + pad[2] + pad[3] - 2
    go = rng.standard_normal((n, o, ho, wo)).astype(dtype)
    return x, wt, b, go


# (n, c, o, h, w, padding (top, bottom, left, right))
SHAPES = {
    "32x32 pad 1": (2, 8, 8, 32, 32, (1, 1, 1, 1)),
    "odd plane": (2, 5, 7, 7, 9, (1, 1, 1, 1)),
    "pad 0": (3, 6, 10, 9, 7, (0, 0, 0, 0)),
    "pad 2": (2, 12, 6, 5, 6, (2, 2, 2, 2)),
    "asymmetric": (2, 4, 6, 7, 6, (2, 0, 1, 2)),
    "3x3 plane": (3, 5, 6, 3, 3, (1, 1, 1, 1)),
    "one tile row, 20 tiles": (1, 3, 4, 3, 40, (1, 1, 1, 1)),
    "wide, blocks cut rows": (2, 4, 4, 30, 70, (1, 1, 1, 1)),
    "14x14 (7 tiles a row)": (4, 9, 11, 14, 14, (1, 1, 1, 1)),
    "56x56 pad 0": (1, 3, 5, 56, 57, (0, 0, 0, 0)),
}


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_simd_transforms_same_bits_as_scalar_twins(shape, isa, isa_and_switches):
    n, c, o, h, w, pad = SHAPES[shape]
    x, wt, b, go = make(n, c, o, h, w, pad)
    K.conv_set_isa(isa)
    K._winograd_transforms("scalar")
    assert not K._winograd_simd_active()
    twin = passes(x, wt, b, go, (pad[0], pad[2]))
    K._winograd_transforms("simd")
    assert K._winograd_simd_active() == (isa != "scalar")
    simd = passes(x, wt, b, go, (pad[0], pad[2]))
    for name, a, t in zip(("forward", "grad_input", "grad_weight"), simd, twin):
        assert not np.isnan(a).any(), name
        assert np.array_equal(a, t), f"{name}: AVX2 transforms differ from the twins"


@pytest.mark.skipif("avx2" not in ISAS, reason="the AVX2 transforms need an AVX2 CPU")
def test_avx2_transforms_run_where_the_cpu_has_avx2(isa_and_switches):
    K.conv_set_isa("avx2")
    K._winograd_transforms("simd")
    assert K._winograd_simd_active()
    K.conv_set_isa("scalar")
    assert not K._winograd_simd_active()


@pytest.mark.parametrize("gemm", ["packed", "blas"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c,o", [(5, 7), (40, 24), (130, 20)])
def test_packed_and_blas_gemm_match_pytorch(c, o, dtype, gemm, isa_and_switches):
    pad = (1, 1, 1, 1)
    x, wt, b, go = make(2, c, o, 9, 10, pad, dtype, seed=c)
    K._winograd_gemm(gemm)
    ours = passes(x, wt, b, go, (1, 1))
    ref = torch64(x, wt, b, go, pad)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for a, r in zip(ours, ref):
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol * np.abs(r).max())


@pytest.mark.skipif("avx512f_emu" not in ISAS, reason="needs the emulated 16-lane family (AVX2)")
@pytest.mark.parametrize("c", [40, 160])
def test_avx2_and_16_lane_gemm_same_bits(c, isa_and_switches):
    """Blocks of 32 terms (40 channels) and of 64 (160): the 6x16 and 12x32 tiles sum each
    element in the same order."""
    x, wt, b, go = make(2, c, 20, 8, 9, (1, 1, 1, 1), seed=7)
    K.conv_set_isa("avx2")
    first = passes(x, wt, b, go, (1, 1))
    K.conv_set_isa("avx512f_emu")
    again = passes(x, wt, b, go, (1, 1))
    for name, a, t in zip(("forward", "grad_input", "grad_weight"), first, again):
        assert np.array_equal(a, t), name


@pytest.mark.parametrize("isa", ISAS)
def test_same_bits_for_any_thread_count(isa, isa_and_switches):
    x, wt, b, go = make(5, 24, 40, 13, 11, (1, 1, 1, 1), seed=3)
    K.conv_set_isa(isa)
    first = passes(x, wt, b, go, (1, 1), n_threads=1)
    for n_threads in (2, 3):
        again = passes(x, wt, b, go, (1, 1), n_threads=n_threads)
        for name, a, t in zip(("forward", "grad_input", "grad_weight"), first, again):
            assert np.array_equal(a, t), f"{name}, {n_threads} threads"


def test_switches_reject_unknown_names():
    with pytest.raises(ValueError, match="'simd' or 'scalar'"):
        K._winograd_transforms("avx9")
    with pytest.raises(ValueError, match="'packed' or 'blas'"):
        K._winograd_gemm("cublas")
