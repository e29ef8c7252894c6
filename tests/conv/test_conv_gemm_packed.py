"""The packed GEMM of the gemm conv algorithm (miniconv/_conv_gemm_ukernel.h), in every instruction
set this CPU runs (scalar twin, AVX2, the AVX-512 family emulated on AVX2), forced one at a time:
values and gradients against PyTorch (float64), every variant against the scalar twin, the same
bits for every tile shape that uses FMA (AVX2 6x16 and AVX-512 12x32 add the same terms in the
same order), the scalar twin against a NumPy replay of the order it promises (blocks of 64
terms, each from zero, chained), the same bits for 1, 2 and 3 threads, and the 'blas' GEMM
(one BLAS call per 64 terms) as an A/B switch.
"""
import numpy as np
import pytest

from miniconv import _kernels as K

from test_conv_gemm import CASES, TOL, kernel_passes, make, pair, plan, torch_passes
from test_conv_kernels import isa

torch = pytest.importorskip("torch")

ISAS = [i for i in K.conv_isas_supported() if i in ("scalar", "avx2", "avx512f_emu", "avx512f", "neon")]

# shapes that reach every loop of the packed GEMM: K over one block of 256 terms (several packed
# blocks), N over 1024 columns (several column blocks, 1x1 without copy on 40x40), M over 96
# rows, edge tiles in both directions, a 1-term sum, transposed operands in every pass
PACKED_CASES = dict(CASES, **{
    "K over a packing block": (2, 300, 20, 5, 5, (1, 1), 1, 0, 1, 1),
    "N over a column block": (1, 5, 7, 40, 40, (1, 1), 1, 0, 1, 1),
    "M over a row block": (2, 9, 200, 6, 6, (1, 1), 1, 0, 1, 1),
    "one term": (2, 1, 3, 5, 7, (1, 1), 1, 0, 1, 1),
    "3x3 stride 2 deep": (3, 40, 50, 9, 9, (3, 3), 2, 1, 1, 1),
})


@pytest.fixture
def packed():
    old = K._gemm_kernel("packed")
    yield
    K._gemm_kernel(old)


def run(cfg, dtype, isa_name, n_threads=2, seed=0):
    x, wt, b = make(cfg, dtype, seed)
    go, ref = torch_passes(x, wt, b, cfg)
    with isa(isa_name):
        ours = kernel_passes(x, wt, b, go, cfg, n_threads=n_threads)
    return ours, ref


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(PACKED_CASES))
def test_packed_gemm_matches_pytorch(name, dtype, isa_name, packed):
    cfg = PACKED_CASES[name]
    x, wt, b = make(cfg, dtype)
    go, _ = torch_passes(x, wt, b, cfg)
    for pass_name in ("forward", "grad_input", "grad_weight"):
        assert plan(pass_name, x, wt, go, cfg, "gemm")[0] == "gemm", pass_name
    ours, ref = run(cfg, dtype, isa_name)
    for what, a, r in zip(("output", "grad_input", "grad_weight", "grad_bias"), ours, ref):
        err = np.abs(a - r).max() / max(np.abs(r).max(), 1e-30)
        assert err <= TOL[dtype], f"{name} {isa_name} {what}: relative error {err:.2e}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["K over a packing block", "N over a column block",
                                  "M over a row block", "3x3 stride 2 deep", "long grad_weight spans",
                                  "1x1 groups"])
def test_every_variant_agrees_with_the_scalar_twin(name, dtype, packed):
    """The scalar twin rounds each product apart (no FMA on baseline x86-64): the variants may
    differ from it by rounding only."""
    cfg = PACKED_CASES[name]
    res = {i: run(cfg, dtype, i)[0] for i in ISAS}
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for i in ISAS:
        for what, a, r in zip(("output", "grad_input", "grad_weight"), res[i], res["scalar"]):
            np.testing.assert_allclose(a, r, **tol, err_msg=f"{name} {i} {what}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["K over a packing block", "M over a row block",
                                  "3x3 stride 2 deep", "long grad_weight spans", "1x1 stride 2 odd"])
def test_fma_variants_give_the_same_bits_whatever_the_tile(name, dtype, packed):
    """AVX2 (6 x 16 float tiles) and the AVX-512 family (12 x 32, emulated here) sum every
    element in the same order with FMA: the same bits."""
    fma = [i for i in ISAS if i in ("avx2", "avx512f_emu", "avx512f")]
    if len(fma) < 2:
        pytest.skip("needs two FMA variants (AVX2 and the AVX-512 family) on this CPU")
    cfg = PACKED_CASES[name]
    res = {i: run(cfg, dtype, i)[0] for i in fma}
    for i in fma[1:]:
        for what, a, r in zip(("output", "grad_input", "grad_weight"), res[i], res[fma[0]]):
            assert np.array_equal(a, r), f"{name} {i} {what} differs from {fma[0]}"


def replay_blocks(w2, x2):
    """float32 (O, P) = w2 (O, K) @ x2 (K, P), the scalar twin's order: every product rounded,
    blocks of 64 terms each summed from zero in k order, the blocks chained."""
    O, Kt = w2.shape
    total = None
    for k0 in range(0, Kt, 64):
        blk = np.zeros((O, x2.shape[1]), np.float32)
        for k in range(k0, min(Kt, k0 + 64)):
            blk = blk + w2[:, k:k + 1] * x2[k:k + 1, :]
        total = blk if total is None else total + blk
    return total


def test_scalar_twin_sums_in_the_promised_order(packed):
    """Forward of a 1x1 convolution without copy (S = 1): out_n = w @ x_n, then the bias."""
    n, c, o, h, w = 2, 150, 10, 12, 12          # K = 150: blocks of 64, 64, 22; P = 144
    rng = np.random.default_rng(7)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    wt = rng.standard_normal((o, c, 1, 1)).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    assert K._gemm_layout("forward", x.shape, wt.shape, (h, w))["no_copy"]
    out = np.empty((n, o, h, w), np.float32)
    with isa("scalar"):
        K.conv2d_forward(x, wt, b, out, 1, 1, 0, 0, 1, 1, 1, 1, algorithm="gemm")
    for s in range(n):
        want = replay_blocks(wt[:, :, 0, 0], x[s].reshape(c, -1)) + b[:, None]
        assert np.array_equal(out[s].reshape(o, -1), want)


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("name", ["1x1 no copy", "N over a column block", "3x3 stride 2 deep",
                                  "long grad_weight spans", "M over a row block"])
def test_packed_same_bits_for_any_thread_count(name, isa_name, packed):
    cfg = PACKED_CASES[name]
    first, _ = run(cfg, np.float32, isa_name, n_threads=1, seed=3)
    for n_threads in (2, 3):
        again, _ = run(cfg, np.float32, isa_name, n_threads=n_threads, seed=3)
        for what, a, r in zip(("output", "grad_input", "grad_weight", "grad_bias"), again, first):
            assert np.array_equal(a, r), f"{name} {isa_name} {what}: {n_threads} threads changed the bits"


def test_blas_switch_gives_close_values_and_is_restored():
    cfg = PACKED_CASES["K over a packing block"]
    x, wt, b = make(cfg, np.float32)
    go, ref = torch_passes(x, wt, b, cfg)
    assert K._gemm_kernel() == "packed"
    old = K._gemm_kernel("blas")
    try:
        assert old == "packed" and K._gemm_kernel() == "blas"
        blas = kernel_passes(x, wt, b, go, cfg)
    finally:
        K._gemm_kernel(old)
    pk = kernel_passes(x, wt, b, go, cfg)
    for a, r, t in zip(pk, blas, ref):
        scale = np.abs(t).max()
        assert np.abs(a - r).max() <= 2e-5 * scale
    with pytest.raises(ValueError, match="unknown gemm kernel"):
        K._gemm_kernel("mkl")
    assert K._gemm_kernel() == "packed"


def test_packed_gemm_is_at_least_as_close_to_float64_as_the_blas_blocks():
    """A long 1x1 sum (K = 2048 per output, grad_input over 2048 output channels): the packed
    GEMM's chained blocks of 64 against the BLAS calls of 64 terms, both against float64."""
    cfg = (2, 2048, 2048, 4, 4, (1, 1), 1, 0, 1, 1)
    x, wt, b = make(cfg, np.float32, seed=11)
    go, ref = torch_passes(x, wt, b, cfg)
    pk = kernel_passes(x, wt, b, go, cfg)
    old = K._gemm_kernel("blas")
    try:
        blas = kernel_passes(x, wt, b, go, cfg)
    finally:
        K._gemm_kernel(old)
    for what, a, r, t in zip(("output", "grad_input", "grad_weight"), pk, blas, ref):
        e_pk = np.abs(a.astype(np.float64) - t).max()
        e_blas = np.abs(r.astype(np.float64) - t).max()
        assert e_pk <= 1.25 * e_blas + 1e-7, f"{what}: packed {e_pk:.3e} vs blas {e_blas:.3e}"
