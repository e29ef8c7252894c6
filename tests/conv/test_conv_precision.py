"""Float32 convolution error against a float64 reference, miniconv against PyTorch, on every
layer of the layer zoo (benchmarks/layer_zoo.py: ResNet-18/50, VGG-16, MobileNetV2, the README
CNN), forward, grad_input and grad_weight; and the same bits for any thread count.

Error = ||y32 - y64|| / ||y64||, y64 PyTorch's float64 convolution of the same float32 inputs.
miniconv must be no further from it than PyTorch's float32 (at most 10 % more, plus 3e-8: at
the error of rounding the exact result to float32, ~2.5e-8, both are at the floor and the
difference is noise). The batch is 2 (the sums of forward and grad_input do not depend on it;
grad_weight's do, which test_grad_weight_long_batch_sums covers)."""
import importlib.util
import pathlib

import numpy as np
import pytest

from miniconv import _kernels as K

torch = pytest.importorskip("torch")

_ZOO = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "layer_zoo.py"
_spec = importlib.util.spec_from_file_location("layer_zoo", _ZOO)
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)

LAYERS = [(f"{net}: {name}", zoo.with_batch(d, 2)) for net, layers in zoo.LAYERS.items()
          for name, d in layers]
SLACK, FLOOR = 1.10, 3e-8


def rel(a, ref):
    a = np.asarray(a, np.float64)
    return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))


def case(d, seed=0):
    rng = np.random.default_rng(seed)
    n, cin, cout, g = d["n"], d["cin"], d["cout"], d["groups"]
    (h, w), (kh, kw) = d["hw"], d["k"]
    x = rng.standard_normal((n, cin, h, w)).astype(np.float32)
    wt = (rng.standard_normal((cout, cin // g, kh, kw)) / np.sqrt(cin // g * kh * kw)).astype(np.float32)
    ho, wo = zoo.out_hw(d)
    go = rng.standard_normal((n, cout, ho, wo)).astype(np.float32)
    return x, wt, go


def miniconv_passes(x, wt, go, d, n_threads=2):
    (sh, sw), (ph, pw), g = d["stride"], d["pad"], d["groups"]
    args = (sh, sw, ph, pw, 1, 1, g, n_threads)
    out = np.empty(go.shape, np.float32)
    gi, gw = np.empty_like(x), np.empty_like(wt)
    K.conv2d_forward(x, wt, np.empty(0, np.float32), out, *args)
    K.conv2d_grad_input(go, wt, gi, *args)
    K.conv2d_grad_weight(x, go, gw, *args)
    return out, gi, gw


def torch_passes(x, wt, go, d, dtype):
    xt = torch.tensor(x, dtype=dtype, requires_grad=True)
    wtt = torch.tensor(wt, dtype=dtype, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, wtt, None, d["stride"], d["pad"], 1, d["groups"])
    y.backward(torch.tensor(go, dtype=dtype))
    return [t.detach().numpy().astype(np.float64) for t in (y, xt.grad, wtt.grad)]


@pytest.fixture(scope="module", autouse=True)
def _torch_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def check_layer(d):
    x, wt, go = case(d)
    ref = torch_passes(x, wt, go, d, torch.float64)
    theirs = torch_passes(x, wt, go, d, torch.float32)
    ours = miniconv_passes(x, wt, go, d)
    report = []
    for name, a, b, r in zip(("forward", "grad_input", "grad_weight"), ours, theirs, ref):
        e_ours, e_torch = rel(a, r), rel(b, r)
        report.append((name, e_ours, e_torch))
    bad = [f"{n}: miniconv {eo:.2e} > torch {et:.2e}" for n, eo, et in report
           if eo > SLACK * et + FLOOR]
    return bad, report


@pytest.mark.parametrize("name,d", LAYERS, ids=[n for n, _ in LAYERS])
def test_zoo_layer_error_within_pytorchs(name, d):
    bad, _ = check_layer(d)
    assert not bad, f"{name} ({K.conv_isa()}): " + "; ".join(bad)


# the deepest sums (K = C*KH*KW up to 4608 and 2048) with every kernel variant this CPU runs:
# each has its own tiles and channel blocks, and must keep the tree's precision
DEEP = [("3x3/2 256-512 4x4", zoo._layer(2, 256, 512, 4, 3, 2)),
        ("3x3 512-512 2x2", zoo._layer(2, 512, 512, 2, 3)),
        ("3x3 512-512 7x7", zoo._layer(2, 512, 512, 7, 3)),
        ("1x1 2048-512 7x7", zoo._layer(2, 2048, 512, 7, 1))]


@pytest.mark.parametrize("isa_name", K.conv_isas_supported())
@pytest.mark.parametrize("name,d", DEEP, ids=[n for n, _ in DEEP])
def test_deep_layers_every_isa(name, d, isa_name):
    previous = K.conv_set_isa(isa_name)
    try:
        bad, _ = check_layer(d)
    finally:
        K.conv_set_isa(previous)
    assert not bad, f"{name} ({isa_name}): " + "; ".join(bad)


def test_grad_weight_long_batch_sums():
    """grad_weight sums over batch x positions (64 x 32 x 32 here, ResNet-18's first layers)."""
    d = zoo._layer(64, 64, 64, 32, 3)
    bad, _ = check_layer(d)
    assert not bad, "; ".join(bad)


@pytest.mark.parametrize("isa_name", K.conv_isas_supported())
def test_deep_layer_same_bits_for_any_thread_count(isa_name):
    d = zoo._layer(3, 512, 512, 4, 3)
    x, wt, go = case(d, seed=1)
    previous = K.conv_set_isa(isa_name)
    try:
        first = miniconv_passes(x, wt, go, d, n_threads=1)
        for n_threads in (2, 3):
            again = miniconv_passes(x, wt, go, d, n_threads=n_threads)
            for a, b in zip(first, again):
                assert np.array_equal(a, b), f"{isa_name}: {n_threads} threads changed the bits"
    finally:
        K.conv_set_isa(previous)
