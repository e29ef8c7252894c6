"""The 1x1 stride-1 unpadded convolution's forward and grad_input as one GEMM over the batch
(miniconv/_conv_gemm_nb.pxi, mc_gemm_nb in _conv_gemm_ukernel.h): the images' columns side by side,
panels and tiles that span two images packed / made in a stack tile, the bias added by the
micro-kernel, items cut for the thread count.

Checked here: the same bits as one GEMM per image or per gathered chunk (K._gemm_batched(False),
the path before), for every instruction set this build runs (AVX-512 through its emulated family
on AVX2, the scalar twin); the same bits at 1, 2 and 3 threads; values against PyTorch."""
import numpy as np
import pytest

from miniconv import _kernels as K

torch = pytest.importorskip("torch")

ISAS = [i for i in K.conv_isas_supported() if i in ("scalar", "avx2", "avx512f_emu", "avx512f", "neon")]

# (N, C, O, H, W, groups): planes smaller than a tile, planes ending mid-tile, a plane of one
# position, K over one packing block (256 terms), rows over one row block, groups, one image
CASES = {
    "7x7 deep": (4, 96, 40, 7, 7, 1),
    "14x14": (3, 24, 70, 14, 14, 1),
    "3x5 odd": (5, 13, 29, 3, 5, 1),
    "1x1 plane": (7, 9, 11, 1, 1, 1),
    "K over a block": (2, 300, 20, 5, 5, 1),
    "many rows": (2, 9, 530, 4, 4, 1),
    "groups": (3, 12, 18, 6, 5, 3),
    "one image": (1, 17, 23, 9, 9, 1),
    "wide plane": (2, 6, 10, 40, 33, 1),
}


@pytest.fixture(autouse=True)
def packed_gemm():
    old = K._gemm_kernel("packed")
    old_b = K._gemm_batched(True)
    yield
    K._gemm_kernel(old)
    K._gemm_batched(old_b)


def make(case, dtype, seed=0):
    n, c, o, h, w, g = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((o, c // g, 1, 1)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    go = rng.standard_normal((n, o, h, w)).astype(dtype)
    return x, wt, b, go


def passes(x, wt, b, go, groups, n_threads, batched=True, isa="best"):
    """(output with bias, output without, grad_input) through the gemm algorithm."""
    out = np.empty(go.shape, x.dtype)
    out_nb = np.empty(go.shape, x.dtype)
    gi = np.empty_like(x)
    args = (1, 1, 0, 0, 1, 1, groups, n_threads)
    old_b = K._gemm_batched(batched)
    old_isa = K.conv_set_isa(isa)
    try:
        K.conv2d_forward(x, wt, b, out, *args, algorithm="gemm")
        K.conv2d_forward(x, wt, np.empty(0, x.dtype), out_nb, *args, algorithm="gemm")
        K.conv2d_grad_input(go, wt, gi, *args, algorithm="gemm")
    finally:
        K._gemm_batched(old_b)
        K.conv_set_isa(old_isa)
    return out, out_nb, gi


def test_batched_path_is_taken():
    """Forward and grad_input of a 7x7 plane copy nothing (one GEMM over the batch); before,
    the plane was gathered into chunks of samples."""
    x_shape, w_shape = (8, 96, 7, 7), (40, 96, 1, 1)
    for p in ("forward", "grad_input"):
        assert K._gemm_layout(p, x_shape, w_shape, (7, 7))["no_copy"], p
        old = K._gemm_batched(False)
        try:
            assert not K._gemm_layout(p, x_shape, w_shape, (7, 7))["no_copy"], p
        finally:
            K._gemm_batched(old)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_same_bits_as_one_gemm_per_image(name, dtype, isa):
    case = CASES[name]
    x, wt, b, go = make(case, dtype)
    new = passes(x, wt, b, go, case[5], 2, True, isa)
    old = passes(x, wt, b, go, case[5], 2, False, isa)
    for what, a, r in zip(("output", "output without bias", "grad_input"), new, old):
        assert np.array_equal(a, r), f"{name} {isa} {what}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_same_bits_for_any_thread_count(name, dtype):
    case = CASES[name]
    x, wt, b, go = make(case, dtype, seed=1)
    one = passes(x, wt, b, go, case[5], 1)
    for nt in (2, 3):
        other = passes(x, wt, b, go, case[5], nt)
        for what, a, r in zip(("output", "output without bias", "grad_input"), other, one):
            assert np.array_equal(a, r), f"{name} {nt} threads {what}"


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name, isa):
    case = CASES[name]
    g = case[5]
    x, wt, b, go = make(case, np.float64, seed=2)
    out, out_nb, gi = passes(x, wt, b, go, g, 2, True, isa)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, torch.tensor(wt), torch.tensor(b), groups=g)
    ty.backward(torch.tensor(go))
    ref_nb = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(wt), groups=g)
    np.testing.assert_allclose(out, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(out_nb, ref_nb.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gi, tx.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_float32_through_autograd_matches_pytorch():
    """The public path (miniconv.nn.functional.conv2d, 'auto') on a 14x14 pointwise layer."""
    import miniconv
    import miniconv.nn.functional as F
    x, wt, b, go = make((4, 64, 96, 14, 14, 1), np.float32, seed=3)
    mx = miniconv.tensor(x, requires_grad=True)
    mw = miniconv.tensor(wt, requires_grad=True)
    mb = miniconv.tensor(b, requires_grad=True)
    my = F.conv2d(mx, mw, mb)
    my.backward(miniconv.tensor(go))
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(wt, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb)
    ty.backward(torch.tensor(go))
    for a, r in ((my, ty), (mx.grad, tx.grad), (mw.grad, tw.grad), (mb.grad, tb.grad)):
        a, r = a.detach().numpy(), r.detach().numpy()
        assert np.abs(a - r).max() <= 1e-4 * max(1.0, np.abs(r).max())
