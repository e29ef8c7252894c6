"""The gemm conv algorithm (miniconv/_conv_gemm.pxi) and the cost model that picks it.

The same convolution run on PyTorch (float64, the reference) and on miniconv's kernels with
algorithm='gemm': values and the three gradients, on 1x1 convolutions (stride 1 without any
copy, stride 2, groups, padding), small planes with padding / stride / dilation / groups,
float64, a batch of one, odd sizes; the same bits for 1, 2 and 3 threads; and 'auto' running
what conv2d_plan says it runs.
"""
import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F
from miniconv import _kernels as K
from miniconv._config import blas_single_thread

torch = pytest.importorskip("torch")

# (n, c, o, h, w, (kh, kw), stride, pad, dilation, groups)
CASES = {
    "1x1 no copy": (2, 8, 16, 24, 24, (1, 1), 1, 0, 1, 1),
    "1x1 small plane": (3, 16, 24, 9, 9, (1, 1), 1, 0, 1, 1),
    "1x1 stride 2 odd": (3, 16, 32, 9, 11, (1, 1), 2, 0, 1, 1),
    "1x1 groups": (2, 8, 12, 10, 10, (1, 1), 1, 0, 1, 2),
    "1x1 padded": (2, 8, 8, 6, 6, (1, 1), 1, 1, 1, 1),
    "3x3 4x4 deep": (5, 24, 40, 4, 4, (3, 3), 1, 1, 1, 1),
    "3x3 stride 2 odd": (3, 10, 18, 7, 9, (3, 3), 2, 1, 1, 1),
    "3x3 dilation 2": (2, 6, 10, 8, 8, (3, 3), 1, 2, 2, 1),
    "3x3 groups stride 2": (4, 12, 18, 6, 6, (3, 3), 2, 1, 1, 3),
    "depthwise": (3, 8, 8, 6, 6, (3, 3), 1, 1, 1, 8),
    "5x3 kernel": (2, 4, 6, 7, 5, (5, 3), 1, (2, 1), 1, 1),
    "batch of one": (1, 32, 16, 5, 5, (3, 3), 1, 1, 1, 1),
    "K over a sum block": (2, 100, 70, 5, 5, (3, 3), 1, 1, 1, 1),
    "long grad_weight spans": (3, 4, 8, 40, 40, (3, 3), 1, 1, 1, 1),
}
TOL = {np.float32: 2e-5, np.float64: 1e-12}


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def make(cfg, dtype, seed=0):
    n, c, o, h, w, k, s, p, d, g = cfg
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = (rng.standard_normal((o, c // g) + k) / np.sqrt(c // g * k[0] * k[1])).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    return x, wt, b


def torch_passes(x, wt, b, cfg, go=None):
    """y, grad_x, grad_w, grad_b from PyTorch in float64 (go: grad_output, random if None)."""
    _, _, _, _, _, _, s, p, d, g = cfg
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wtt = torch.tensor(wt, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, wtt, bt, pair(s), pair(p), pair(d), g)
    if go is None:
        go = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(x.dtype)
    y.backward(torch.tensor(go, dtype=torch.float64))
    return go, [t.detach().numpy() for t in (y, xt.grad, wtt.grad, bt.grad)]


def kernel_passes(x, wt, b, go, cfg, n_threads=2, algorithm="gemm"):
    _, _, _, _, _, _, s, p, d, g = cfg
    (sh, sw), (ph, pw), (dh, dw) = pair(s), pair(p), pair(d)
    args = (sh, sw, ph, pw, dh, dw, g, n_threads)
    out = np.full(go.shape, np.nan, x.dtype)
    gi, gw, gb = np.full_like(x, np.nan), np.full_like(wt, np.nan), np.full_like(b, np.nan)
    with blas_single_thread():
        K.conv2d_forward(x, wt, b, out, *args, algorithm=algorithm)
        K.conv2d_grad_input(go, wt, gi, *args, algorithm=algorithm)
        K.conv2d_grad_weight(x, go, gw, *args, algorithm=algorithm, grad_b=gb)
    return [out, gi, gw, gb]


def plan(pass_name, x, wt, go, cfg, algorithm="auto", n_threads=2):
    """What conv2d_plan says runs (at kernel_passes' default of 2 threads)."""
    _, _, _, _, _, _, s, p, d, g = cfg
    return K.conv2d_plan(pass_name, x.shape, wt.shape, go.shape[2:], pair(s), pair(p), pair(d), g,
                         x.dtype, algorithm, n_threads)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_gemm_matches_pytorch(name, dtype):
    cfg = CASES[name]
    x, wt, b = make(cfg, dtype)
    go, ref = torch_passes(x, wt, b, cfg)
    for pass_name in ("forward", "grad_input", "grad_weight"):
        assert plan(pass_name, x, wt, go, cfg, "gemm")[0] == "gemm", pass_name
    ours = kernel_passes(x, wt, b, go, cfg)
    for what, a, r in zip(("output", "grad_input", "grad_weight", "grad_bias"), ours, ref):
        err = np.abs(a - r).max() / max(np.abs(r).max(), 1e-30)
        assert err <= TOL[dtype], f"{name} {what}: relative error {err:.2e}"


def test_no_copy_only_for_unpadded_stride_one_1x1():
    """The 1x1 stride-1 unpadded case multiplies the arrays themselves; padding or a stride
    goes through the column copy (and still matches PyTorch, test above)."""
    def layout(cfg):
        n, c, o, h, w, k, s, p, d, g = cfg
        x_shape, w_shape = (n, c, h, w), (o, c // g) + k
        ho = (h + 2 * pair(p)[0] - pair(d)[0] * (k[0] - 1) - 1) // pair(s)[0] + 1
        wo = (w + 2 * pair(p)[1] - pair(d)[1] * (k[1] - 1) - 1) // pair(s)[1] + 1
        return [K._gemm_layout(ps, x_shape, w_shape, (ho, wo), pair(s), pair(p), pair(d), g)["no_copy"]
                for ps in ("forward", "grad_input", "grad_weight")]
    assert layout(CASES["1x1 no copy"]) == [True, True, True]
    # forward and grad_input take the batch as one GEMM on any plane; grad_weight gathers
    # small planes into chunks
    assert layout(CASES["1x1 small plane"]) == [True, True, False]
    for name in ("1x1 padded", "1x1 stride 2 odd", "3x3 4x4 deep"):
        assert layout(CASES[name]) == [False, False, False], name


def test_small_planes_are_batched():
    """On a 4x4 plane a chunk holds enough samples for >= 128 GEMM columns."""
    lay = K._gemm_layout("forward", (64, 512, 4, 4), (512, 512, 3, 3), (4, 4), (1, 1), (1, 1))
    assert lay["samples_per_chunk"] * 16 >= 128
    assert lay["chunks"] * lay["samples_per_chunk"] >= 64


@pytest.mark.parametrize("name", ["1x1 no copy", "1x1 stride 2 odd", "3x3 4x4 deep",
                                  "3x3 groups stride 2", "long grad_weight spans", "batch of one"])
def test_gemm_same_bits_for_any_thread_count(name):
    cfg = CASES[name]
    x, wt, b = make(cfg, np.float32, seed=3)
    go, _ = torch_passes(x, wt, b, cfg)
    first = kernel_passes(x, wt, b, go, cfg, n_threads=1)
    for n_threads in (2, 3):
        again = kernel_passes(x, wt, b, go, cfg, n_threads=n_threads)
        for what, a, r in zip(("output", "grad_input", "grad_weight", "grad_bias"), again, first):
            assert np.array_equal(a, r), f"{name} {what}: {n_threads} threads changed the bits"


def test_gemm_several_passes_same_bits_and_values():
    """A batch whose gathered columns exceed one pass (32 MB): passes are cut by the shape, so
    the bits do not depend on the thread count, and the values match im2col's."""
    cfg = (16, 256, 64, 16, 16, (3, 3), 1, 1, 1, 1)
    x, wt, b = make(cfg, np.float32, seed=4)
    lay = K._gemm_layout("forward", x.shape, wt.shape, (16, 16), (1, 1), (1, 1))
    assert lay["chunks"] > lay["chunks_per_pass"]
    go = np.random.default_rng(5).standard_normal((16, 64, 16, 16)).astype(np.float32)
    one = kernel_passes(x, wt, b, go, cfg, n_threads=1)
    two = kernel_passes(x, wt, b, go, cfg, n_threads=2)
    ref = kernel_passes(x, wt, b, go, cfg, n_threads=2, algorithm="im2col")
    for a, c, r in zip(one, two, ref):
        assert np.array_equal(a, c)
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4 * np.abs(r).max())


# layers of the zoo whose small planes the model gives to gemm, and large-plane ones it keeps on
# the direct kernels (n, c, o, hw, k, stride, pad); 3x3 stride-1 ones from 64 channels on go to
# winograd (test_conv_winograd.py), the 2x2 plane (which winograd does not serve) to gemm
GEMM_LAYERS = [(64, 512, 512, 2, 3, 1, 1), (64, 256, 512, 8, 3, 2, 1), (8, 1024, 2048, 14, 1, 2, 0),
               (8, 2048, 512, 7, 1, 1, 0)]
DIRECT_LAYERS = [(256, 32, 64, 14, 3, 1, 1), (64, 3, 64, 32, 3, 1, 1)]


def _plan_layer(layer, pass_name):
    n, c, o, hw, k, s, p = layer
    ho = (hw + 2 * p - k) // s + 1
    return K.conv2d_plan(pass_name, (n, c, hw, hw), (o, c, k, k), (ho, ho), (s, s), (p, p))


@pytest.mark.parametrize("pass_name", ["forward", "grad_input", "grad_weight"])
def test_cost_model_picks(pass_name):
    for layer in GEMM_LAYERS:
        name, costs = _plan_layer(layer, pass_name)
        assert name == "gemm", (layer, pass_name, costs)
    for layer in DIRECT_LAYERS:
        name, costs = _plan_layer(layer, pass_name)
        assert name.startswith("direct"), (layer, pass_name, costs)


@pytest.mark.parametrize("pass_name", ["forward", "grad_input", "grad_weight"])
def test_plan_is_the_cheaper_estimate(pass_name):
    """'auto' takes the cheaper of direct and gemm (im2col only where neither serves)."""
    for layer in GEMM_LAYERS + DIRECT_LAYERS + [(8, 3, 64, 224, 7, 2, 3), (8, 96, 96, 112, 3, 2, 1)]:
        name, costs = _plan_layer(layer, pass_name)
        served = {a: c for a, c in costs.items() if c is not None and a != "im2col"}
        assert name.split("-")[0] == min(served, key=served.get), (layer, costs)


def test_plan_falls_back_to_im2col_when_gemm_does_not_fit():
    """A stride-2 grad_input (no direct kernel) whose one-sample columns exceed gemm's 64 MB."""
    name, costs = K.conv2d_plan("grad_input", (1, 256, 512, 512), (64, 256, 3, 3), (256, 256),
                                (2, 2), (1, 1))
    assert name == "im2col" and costs["gemm"] is None and costs["direct"] is None


@pytest.mark.parametrize("name", ["3x3 4x4 deep", "1x1 no copy", "3x3 stride 2 odd"])
def test_auto_runs_the_planned_algorithm(name):
    """'auto' gives the bits of the algorithm conv2d_plan names, for each pass."""
    cfg = CASES[name]
    x, wt, b = make(cfg, np.float32, seed=6)
    go, _ = torch_passes(x, wt, b, cfg)
    auto = kernel_passes(x, wt, b, go, cfg, algorithm="auto")
    for i, pass_name in enumerate(("forward", "grad_input", "grad_weight")):
        forced = kernel_passes(x, wt, b, go, cfg, algorithm=plan(pass_name, x, wt, go, cfg)[0].split("-")[0])
        assert np.array_equal(auto[i], forced[i]), pass_name


def test_functional_conv2d_through_gemm_matches_pytorch():
    """nn.functional.conv2d on a layer the model gives to gemm: values and gradients as PyTorch's."""
    x, wt, b = make((8, 64, 128, 4, 4, (3, 3), 2, 1, 1, 1), np.float32)
    assert K.conv2d_plan("forward", x.shape, wt.shape, (2, 2), (2, 2), (1, 1))[0] == "gemm"
    xm, wm, bm = (miniconv.tensor(a, requires_grad=True) for a in (x, wt, b))
    xt, wtt, bt = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    ym = F.conv2d(xm, wm, bm, stride=2, padding=1)
    yt = torch.nn.functional.conv2d(xt, wtt, bt, stride=2, padding=1)
    (ym * ym).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    for a, t in ((xm, xt), (wm, wtt), (bm, bt)):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_unknown_algorithm_and_pass_raise():
    x, wt, b = make(CASES["1x1 small plane"], np.float32)
    out = np.empty((3, 24, 9, 9), np.float32)
    with pytest.raises(ValueError, match="unknown conv algorithm 'gem'"):
        K.conv2d_forward(x, wt, b, out, 1, 1, 0, 0, 1, 1, 1, 1, algorithm="gem")
    with pytest.raises(ValueError, match="unknown pass 'backward'"):
        K.conv2d_plan("backward", x.shape, wt.shape, (9, 9))
