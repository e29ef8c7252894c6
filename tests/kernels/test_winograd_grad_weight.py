"""grad_weight by Winograd F(2x2, 3x3) (miniconv/_conv_winograd.pxi, _winograd_grad_weight).

dW = G^T [sum over tiles of (A dY A^T) (B^T d B)] G, the same user code run on PyTorch:
- values against PyTorch float64 (float32 and float64 data, odd/even planes, padding 0/1/2 and
  asymmetric, partial tiles at the right and bottom edges, one channel, many blocks);
- every zoo layer it serves: float32 error against float64 no larger than PyTorch float32's
  (the criterion of tests/conv/test_conv_precision.py), and a long batch sum;
- the same bits for 1, 2 and 3 threads; grad_b fused in the same call has conv2d_grad_bias's bits;
- inf/NaN data takes another algorithm; through miniconv.nn.functional.conv2d and backward with
  winograd forced (cost scale ~0) and as 'auto' picks, against PyTorch;
- the cost model's picks and the switch that turns it off.
"""
import importlib.util
import pathlib

import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F
from miniconv import _kernels as K
from miniconv._config import blas_single_thread

torch = pytest.importorskip("torch")

_ZOO = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "layer_zoo.py"
_spec = importlib.util.spec_from_file_location("layer_zoo_winograd_gw", _ZOO)
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)

SLACK, FLOOR = 1.10, 3e-8


@pytest.fixture(scope="module", autouse=True)
def _torch_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def grad_weight(x, go, pad, n_threads=2, algorithm="winograd", grad_b=None):
    gw = np.full((go.shape[1], x.shape[1], 3, 3), np.nan, x.dtype)
    with blas_single_thread():
        K.conv2d_grad_weight(x, go, gw, 1, 1, pad[0], pad[1], 1, 1, 1, n_threads,
                             algorithm=algorithm, grad_b=grad_b)
    return gw


def torch_grad_weight(x, go, pad, dtype):
    """pad = (top, bottom, left, right)."""
    xt = torch.tensor(x, dtype=dtype)
    wt = torch.zeros((go.shape[1], x.shape[1], 3, 3), dtype=dtype, requires_grad=True)
    pt, pb, pl, pr = pad
    y = torch.nn.functional.conv2d(torch.nn.functional.pad(xt, (pl, pr, pt, pb)), wt)
    y.backward(torch.tensor(go, dtype=dtype))
    return wt.grad.numpy().astype(np.float64)


def rel(a, ref):
    return float(np.linalg.norm(np.asarray(a, np.float64) - ref) / np.linalg.norm(ref))


def plan(x, go, pad, algorithm="auto"):
    return K.conv2d_plan("grad_weight", x.shape, (go.shape[1], x.shape[1], 3, 3), go.shape[2:],
                         (1, 1), pad, dtype=x.dtype, algorithm=algorithm)


# (n, c, o, h, w, padding (top, bottom, left, right))
CASES = {
    "even plane pad 1": (2, 8, 8, 8, 8, (1, 1, 1, 1)),
    "odd plane pad 1": (2, 5, 7, 7, 9, (1, 1, 1, 1)),
    "pad 0 odd": (3, 6, 10, 9, 7, (0, 0, 0, 0)),
    "pad 2": (2, 12, 6, 5, 6, (2, 2, 2, 2)),
    "asymmetric padding": (2, 4, 6, 7, 6, (2, 0, 1, 2)),
    "one input channel": (2, 1, 6, 9, 9, (1, 1, 1, 1)),
    "smallest plane 3x3": (3, 5, 6, 3, 3, (1, 1, 1, 1)),
    "many blocks": (16, 20, 12, 30, 30, (1, 1, 1, 1)),
    "channels over a sum block": (2, 70, 130, 6, 6, (1, 1, 1, 1)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_values_match_pytorch(case, dtype):
    n, c, o, h, w, pad = CASES[case]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    go = rng.standard_normal((n, o, h + pad[0] + pad[1] - 2, w + pad[2] + pad[3] - 2)).astype(dtype)
    assert plan(x, go, (pad[0], pad[2]), "winograd")[0] == "winograd"
    ours = grad_weight(x, go, (pad[0], pad[2]))
    ref = torch_grad_weight(x, go, pad, torch.float64)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol * np.abs(ref).max())


def served(d):
    return (d["k"] == (3, 3) and d["stride"] == (1, 1) and d["groups"] == 1
            and max(d["pad"]) <= 2 and min(d["hw"]) >= 3 and min(zoo.out_hw(d)) >= 3)


ZOO = [(f"{net}: {name}", zoo.with_batch(d, 2)) for net, layers in zoo.LAYERS.items()
       for name, d in layers if served(d)]


def zoo_case(d, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((d["n"], d["cin"]) + tuple(d["hw"])).astype(np.float32)
    go = rng.standard_normal((d["n"], d["cout"]) + zoo.out_hw(d)).astype(np.float32)
    return x, go


def error_check(d):
    x, go = zoo_case(d)
    p = d["pad"][0]
    ours = grad_weight(x, go, (p, p))
    ref = torch_grad_weight(x, go, (p, p, p, p), torch.float64)
    theirs = torch_grad_weight(x, go, (p, p, p, p), torch.float32)
    return rel(ours, ref), rel(theirs, ref)


@pytest.mark.parametrize("name,d", ZOO, ids=[n for n, _ in ZOO])
def test_zoo_layer_error_within_pytorchs(name, d):
    e_ours, e_torch = error_check(d)
    assert e_ours <= SLACK * e_torch + FLOOR, f"{name}: miniconv {e_ours:.2e} > torch {e_torch:.2e}"


def test_long_batch_sum_within_pytorchs():
    """ResNet-18's 64-64 32x32 layer at batch 32: 8192 tiles summed per weight."""
    e_ours, e_torch = error_check(zoo._layer(32, 64, 64, 32, 3))
    assert e_ours <= SLACK * e_torch + FLOOR, (e_ours, e_torch)


@pytest.mark.parametrize("isa", K.conv_isas_supported())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 24, 40, 9, 9), (16, 20, 12, 30, 30), (64, 32, 32, 4, 4)])
def test_same_bits_for_any_thread_count(shape, dtype, isa):
    n, c, o, h, w = shape
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    go = rng.standard_normal((n, o, h, w)).astype(dtype)
    previous = K.conv_set_isa(isa)
    try:
        first = grad_weight(x, go, (1, 1), n_threads=1)
        for n_threads in (2, 3):
            assert np.array_equal(first, grad_weight(x, go, (1, 1), n_threads=n_threads)), n_threads
    finally:
        K.conv_set_isa(previous)


def test_fused_grad_bias_has_conv2d_grad_bias_bits():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 16, 12, 12)).astype(np.float32)
    go = rng.standard_normal((4, 24, 12, 12)).astype(np.float32)
    gb = np.full(24, np.nan, np.float32)
    grad_weight(x, go, (1, 1), grad_b=gb)
    ref = np.empty(24, np.float32)
    K.conv2d_grad_bias(go, ref, 2)
    assert np.array_equal(gb, ref)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_data_takes_another_algorithm(bad):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 8, 8, 8)).astype(np.float32)
    go = rng.standard_normal((2, 8, 8, 8)).astype(np.float32)
    x[0, 3, 4, 4] = bad
    ours = grad_weight(x, go, (1, 1))
    ref = torch_grad_weight(x, go, (1, 1, 1, 1), torch.float64)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    ok = np.isfinite(ref)
    np.testing.assert_allclose(ours[ok], ref[ok], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("scale", [1e-30, None], ids=["forced", "auto"])
def test_functional_conv2d_through_autograd_matches_pytorch(scale):
    """F.conv2d + backward with winograd on every pass (cost scale ~0) or as the cost model
    picks: output and all three gradients against PyTorch float64."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 128, 16, 16)).astype(np.float32)
    wt = (rng.standard_normal((128, 128, 3, 3)) / 34).astype(np.float32)
    b = rng.standard_normal(128).astype(np.float32)
    old = K._winograd_cost_constants({"wn_scale": scale} if scale else None)
    try:
        if scale:
            for p in ("forward", "grad_input", "grad_weight"):
                assert K.conv2d_plan(p, x.shape, wt.shape, (16, 16), (1, 1), (1, 1))[0] == "winograd"
        xm = miniconv.tensor(x, requires_grad=True)
        wm = miniconv.tensor(wt, requires_grad=True)
        bm = miniconv.tensor(b, requires_grad=True)
        ym = F.conv2d(xm, wm, bm, padding=1)
        (ym * ym).sum().backward()
    finally:
        K._winograd_cost_constants(old)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wtt = torch.tensor(wt, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wtt, bt, padding=1)
    (yt * yt).sum().backward()
    for a, r in ((ym, yt), (xm.grad, xt.grad), (wm.grad, wtt.grad), (bm.grad, bt.grad)):
        r = r.detach().numpy()
        np.testing.assert_allclose(a.detach().numpy(), r, rtol=1e-4, atol=1e-4 * np.abs(r).max())


def test_cost_model_picks_winograd_grad_weight_on_deep_layers_and_switch_turns_it_off():
    """Measured faster (docs/performance.md): 128-512 channels on the zoo's 16x16 .. 4x4
    planes; not served with the switch off."""
    for cin, cout, hw in ((128, 128, 16), (256, 256, 8), (512, 512, 4)):
        x, go = np.empty((64, cin, hw, hw), np.float32), np.empty((64, cout, hw, hw), np.float32)
        assert plan(x, go, (1, 1))[0] == "winograd", (cin, cout, hw)
    old = K._winograd_grad_weight_on(False)
    try:
        name, costs = plan(x, go, (1, 1))
        assert name != "winograd" and costs["winograd"] is None
        assert plan(x, go, (1, 1), "winograd")[0] == name
    finally:
        K._winograd_grad_weight_on(old)
