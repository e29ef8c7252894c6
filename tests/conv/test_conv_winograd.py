"""The winograd conv algorithm (miniconv/_conv_winograd.pxi, F(2x2, 3x3)) forced on its shapes.

The same convolution run on PyTorch and on miniconv's kernels with algorithm='winograd':
- every layer of the layer zoo it serves (3x3, stride 1, one group), forward and grad_input:
  float32 error against PyTorch's float64 no larger than PyTorch's float32 error (the criterion
  of test_conv_precision.py);
- values against PyTorch float64 on odd and even planes, padding 0/1/2 (and asymmetric),
  a batch of one, channel counts that are no multiple of 8, float64, bias or none;
- the same bits for 1, 2 and 3 threads; inf/NaN data and unserved shapes taking another
  algorithm; the cost model's choice.
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
_spec = importlib.util.spec_from_file_location("layer_zoo_winograd", _ZOO)
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)

SLACK, FLOOR = 1.10, 3e-8


def served(d):
    """3x3, stride 1, one group, padding <= 2, planes of at least 3x3 (on 2x2 planes a 3x3
    window covers at most 4 inputs: winograd saves nothing there and does not serve them)."""
    return (d["k"] == (3, 3) and d["stride"] == (1, 1) and d["groups"] == 1
            and max(d["pad"]) <= 2 and min(d["hw"]) >= 3 and min(zoo.out_hw(d)) >= 3)


ZOO = [(f"{net}: {name}", zoo.with_batch(d, 2)) for net, layers in zoo.LAYERS.items()
       for name, d in layers if served(d)]


@pytest.fixture(scope="module", autouse=True)
def _torch_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def rel(a, ref):
    a = np.asarray(a, np.float64)
    return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))


def kernels(x, wt, b, go, pad, n_threads=2, algorithm="winograd"):
    """forward and grad_input with miniconv's kernels (outputs start as NaN: fully written)."""
    pt, pl = pad
    args = (1, 1, pt, pl, 1, 1, 1, n_threads)
    out = np.full(go.shape, np.nan, x.dtype)
    gi = np.full(x.shape, np.nan, x.dtype)
    with blas_single_thread():
        K.conv2d_forward(x, wt, np.empty(0, x.dtype) if b is None else b, out, *args,
                         algorithm=algorithm)
        K.conv2d_grad_input(go, wt, gi, *args, algorithm=algorithm)
    return out, gi


def torch_passes(x, wt, b, go, pad, dtype):
    """forward and grad_input of PyTorch; pad = (top, bottom, left, right)."""
    xt = torch.tensor(x, dtype=dtype, requires_grad=True)
    wtt = torch.tensor(wt, dtype=dtype)
    bt = None if b is None else torch.tensor(b, dtype=dtype)
    pt, pb, pl, pr = pad
    xp = torch.nn.functional.pad(xt, (pl, pr, pt, pb))
    y = torch.nn.functional.conv2d(xp, wtt, bt)
    y.backward(torch.tensor(go, dtype=dtype))
    return [t.detach().numpy().astype(np.float64) for t in (y, xt.grad)]


def plan(pass_name, x, wt, go, pad, algorithm="auto"):
    return K.conv2d_plan(pass_name, x.shape, wt.shape, go.shape[2:], (1, 1), pad,
                         dtype=x.dtype, algorithm=algorithm)


@pytest.mark.parametrize("name,d", ZOO, ids=[n for n, _ in ZOO])
def test_zoo_layer_error_within_pytorchs(name, d):
    rng = np.random.default_rng(0)
    n, cin, cout = d["n"], d["cin"], d["cout"]
    (h, w), (p, _) = d["hw"], d["pad"]
    x = rng.standard_normal((n, cin, h, w)).astype(np.float32)
    wt = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(cin * 9)).astype(np.float32)
    go = rng.standard_normal((n, cout) + zoo.out_hw(d)).astype(np.float32)
    for pass_name in ("forward", "grad_input"):
        assert plan(pass_name, x, wt, go, (p, p), "winograd")[0] == "winograd", pass_name
    ours = kernels(x, wt, None, go, (p, p))
    ref = torch_passes(x, wt, None, go, (p, p, p, p), torch.float64)
    theirs = torch_passes(x, wt, None, go, (p, p, p, p), torch.float32)
    bad = []
    for pass_name, a, t, r in zip(("forward", "grad_input"), ours, theirs, ref):
        e_ours, e_torch = rel(a, r), rel(t, r)
        if e_ours > SLACK * e_torch + FLOOR:
            bad.append(f"{pass_name}: miniconv {e_ours:.2e} > torch {e_torch:.2e}")
    assert not bad, f"{name}: " + "; ".join(bad)


# (n, c, o, h, w, padding (top, bottom, left, right))
CASES = {
    "even plane pad 1": (2, 8, 8, 8, 8, (1, 1, 1, 1)),
    "odd plane pad 1": (2, 5, 7, 7, 9, (1, 1, 1, 1)),
    "pad 0 odd": (3, 6, 10, 9, 7, (0, 0, 0, 0)),
    "pad 0 even": (2, 9, 5, 6, 10, (0, 0, 0, 0)),
    "pad 2": (2, 12, 6, 5, 6, (2, 2, 2, 2)),
    "asymmetric padding": (2, 4, 6, 7, 6, (2, 0, 1, 2)),
    "batch of one": (1, 20, 13, 11, 11, (1, 1, 1, 1)),
    "one input channel": (2, 1, 6, 9, 9, (1, 1, 1, 1)),
    "channels over a sum block": (2, 100, 70, 6, 6, (1, 1, 1, 1)),
    "smallest plane 3x3": (3, 5, 6, 3, 3, (1, 1, 1, 1)),
    "3x5 valid": (2, 7, 5, 5, 7, (0, 0, 0, 0)),
    "wide plane": (1, 3, 4, 5, 40, (1, 1, 1, 1)),
    "many tiles, several blocks per row": (2, 4, 4, 30, 70, (1, 1, 1, 1)),
}
TOL = {np.float32: 2e-5, np.float64: 1e-12}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_values_match_pytorch(case, bias, dtype):
    n, c, o, h, w, pad = CASES[case]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((o, c, 3, 3)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if bias else None
    ho, wo = h + pad[0] + pad[1] - 2, w + pad[2] + pad[3] - 2
    go = rng.standard_normal((n, o, ho, wo)).astype(dtype)
    for pass_name in ("forward", "grad_input"):
        assert plan(pass_name, x, wt, go, (pad[0], pad[2]), "winograd")[0] == "winograd"
    ours = kernels(x, wt, b, go, (pad[0], pad[2]))
    ref = torch_passes(x, wt, b, go, pad, torch.float64)
    for a, r in zip(ours, ref):
        scale = max(1.0, float(np.abs(r).max()))
        np.testing.assert_allclose(a, r, rtol=TOL[dtype], atol=TOL[dtype] * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 24, 40, 9, 9), (1, 16, 16, 23, 21), (64, 32, 32, 4, 4)])
def test_same_bits_for_any_thread_count(shape, dtype):
    n, c, o, h, w = shape
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((o, c, 3, 3)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    go = rng.standard_normal((n, o, h, w)).astype(dtype)
    first = kernels(x, wt, b, go, (1, 1), n_threads=1)
    for n_threads in (2, 3):
        again = kernels(x, wt, b, go, (1, 1), n_threads=n_threads)
        for a, b_ in zip(first, again):
            assert np.array_equal(a, b_), f"{n_threads} threads changed the bits"


def test_blocks_depend_on_the_shape_only():
    lay = K._winograd_layout(64, 64, 32, 32, 64, 32, 32)
    assert lay["tiles"] == 64 * 16 * 16
    assert lay["blocks"] * lay["tiles_per_block"] >= lay["tiles"]
    assert (lay["blocks"] - 1) * lay["tiles_per_block"] < lay["tiles"]


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_data_takes_another_algorithm(bad):
    """inf - inf inside a tile's transform would turn outputs NaN that PyTorch keeps finite or
    inf: such data is computed by the 'auto' choice among the other algorithms."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 8, 8, 8)).astype(np.float32)
    wt = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    go = rng.standard_normal((2, 8, 8, 8)).astype(np.float32)
    x[0, 3, 4, 4] = bad
    go[1, 2, 3, 5] = bad
    ours = kernels(x, wt, None, go, (1, 1))
    ref = torch_passes(x, wt, None, go, (1, 1, 1, 1), torch.float64)
    for a, r in zip(ours, ref):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(r))
        np.testing.assert_array_equal(np.isinf(a), np.isinf(r))
        ok = np.isfinite(r)
        np.testing.assert_allclose(a[ok], r[ok], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride,pad,dil,groups,k,hw", [
    (2, 1, 1, 1, 3, 9), (1, 3, 1, 1, 3, 9), (1, 2, 2, 1, 3, 9), (1, 1, 1, 2, 3, 9),
    (1, 2, 1, 1, 5, 9), (1, 0, 1, 1, 1, 9), (1, 1, 1, 1, 3, 2), (1, 0, 1, 1, 3, 4)])
def test_unserved_shapes_fall_back(stride, pad, dil, groups, k, hw):
    """A forced 'winograd' where it does not serve the shape runs the 'auto' choice, and the
    values still match PyTorch's."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, hw, hw))
    wt = rng.standard_normal((6, 4 // groups, k, k))
    ho = (hw + 2 * pad - dil * (k - 1) - 1) // stride + 1
    go = rng.standard_normal((2, 6, ho, ho))
    args = (stride, stride, pad, pad, dil, dil, groups, 2)
    for pass_name in ("forward", "grad_input", "grad_weight"):
        forced = K.conv2d_plan(pass_name, x.shape, wt.shape, (ho, ho), (stride, stride),
                               (pad, pad), (dil, dil), groups, np.float64, "winograd")
        auto = K.conv2d_plan(pass_name, x.shape, wt.shape, (ho, ho), (stride, stride),
                             (pad, pad), (dil, dil), groups, np.float64)
        assert forced[0] == auto[0] != "winograd" and auto[1]["winograd"] is None
    out, gi = np.empty(go.shape), np.empty(x.shape)
    with blas_single_thread():
        K.conv2d_forward(x, wt, np.empty(0), out, *args, algorithm="winograd")
        K.conv2d_grad_input(go, wt, gi, *args, algorithm="winograd")
    xt = torch.tensor(x, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, torch.tensor(wt), None, stride, pad, dil, groups)
    y.backward(torch.tensor(go))
    np.testing.assert_allclose(out, y.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gi, xt.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_grad_weight_is_served_unless_switched_off():
    """grad_weight is served too (tests/kernels/test_winograd_grad_weight.py); with the switch
    off it is left to the other algorithms."""
    x, wt = np.empty((64, 256, 8, 8), np.float32), np.empty((256, 256, 3, 3), np.float32)
    name, costs = K.conv2d_plan("grad_weight", x.shape, wt.shape, (8, 8), (1, 1), (1, 1))
    assert costs["winograd"] is not None
    old = K._winograd_grad_weight_on(False)
    try:
        name, costs = K.conv2d_plan("grad_weight", x.shape, wt.shape, (8, 8), (1, 1), (1, 1))
        assert name != "winograd" and costs["winograd"] is None
        assert K.conv2d_plan("grad_weight", x.shape, wt.shape, (8, 8), (1, 1), (1, 1),
                             algorithm="winograd")[0] == name
    finally:
        K._winograd_grad_weight_on(old)


def test_unknown_algorithm_names_winograd():
    x, wt, out = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.empty((1, 3, 5, 5))
    with pytest.raises(ValueError, match="'winograd'"):
        K.conv2d_forward(x, wt, np.empty(0), out, 1, 1, 1, 1, 1, 1, 1, 1, algorithm="nope")


def test_cost_model_picks_winograd_on_deep_small_plane_layers():
    """The layers where it was measured faster (docs/performance.md): 3x3 stride-1 convs with
    >= 128 channels on the zoo's 16x16 .. 2x2 planes; and never where it does not serve."""
    for cin, cout, hw in ((256, 256, 8), (512, 512, 4), (128, 256, 8)):
        x, wt = (64, cin, hw, hw), (cout, cin, 3, 3)
        for pass_name in ("forward", "grad_input"):
            name, costs = K.conv2d_plan(pass_name, x, wt, (hw, hw), (1, 1), (1, 1))
            assert name == "winograd", (cin, cout, hw, pass_name, costs)
    name, costs = K.conv2d_plan("forward", (64, 256, 16, 16), (256, 256, 3, 3), (8, 8),
                                (2, 2), (1, 1))
    assert name != "winograd" and costs["winograd"] is None


def test_functional_conv2d_through_autograd_matches_pytorch():
    """A layer 'auto' runs with winograd (forward and grad_input), through F.conv2d and
    backward, against PyTorch: output and both gradients."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 128, 16, 16)).astype(np.float32)
    wt = (rng.standard_normal((128, 128, 3, 3)) / 34).astype(np.float32)
    b = rng.standard_normal(128).astype(np.float32)
    for pass_name in ("forward", "grad_input"):
        assert K.conv2d_plan(pass_name, x.shape, wt.shape, (16, 16), (1, 1), (1, 1))[0] == "winograd"
    xm = miniconv.tensor(x, requires_grad=True)
    wm = miniconv.tensor(wt, requires_grad=True)
    ym = F.conv2d(xm, wm, miniconv.tensor(b), padding=1)
    (ym * ym).sum().backward()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wtt = torch.tensor(wt, dtype=torch.float64, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wtt, torch.tensor(b, dtype=torch.float64), padding=1)
    (yt * yt).sum().backward()
    for a, r in ((ym, yt), (xm.grad, xt.grad), (wm.grad, wtt.grad)):
        r = r.detach().numpy()
        np.testing.assert_allclose(a.detach().numpy(), r, rtol=1e-4, atol=1e-4 * np.abs(r).max())
