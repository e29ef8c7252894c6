"""torch.amp on a CPU-only machine: autocast for GPUs and GradScaler('cuda') disable themselves with PyTorch's
warnings; GradScaler('cpu') scales, unscales, skips inf steps and adapts its scale as PyTorch's."""
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

W = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
X = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)


def caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [(x.category.__name__, str(x.message)) for x in w]


@pytest.mark.parametrize("make", [
    lambda t: t.amp.GradScaler("cuda"),
    lambda t: t.amp.GradScaler(),
    lambda t: t.cuda.amp.GradScaler(),
    lambda t: t.amp.GradScaler("cuda", enabled=False),
    lambda t: t.amp.GradScaler("cpu", enabled=False),
])
def test_disabled_scalers_warn_and_pass_through(make):
    res = []
    for lib in (miniconv, torch):
        scaler, warns = caught(lambda: make(lib))
        lin = lib.nn.Linear(4, 3)
        opt = lib.optim.SGD(lin.parameters(), lr=0.1)
        loss = lin(lib.tensor(X)).sum()
        assert scaler.scale(loss) is loss
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        res.append((scaler.is_enabled(), scaler.get_scale(), scaler.state_dict(), warns))
    assert res[0] == res[1]


@pytest.mark.parametrize("make", [
    lambda t: t.autocast(device_type="cuda", dtype=t.float32),
    lambda t: t.amp.autocast("cuda"),
    lambda t: t.cuda.amp.autocast(),
    lambda t: t.autocast("cpu", enabled=False),
    lambda t: t.cuda.amp.autocast(enabled=False),
])
def test_autocast_disabled_on_cpu_only(make):
    res = []
    for lib in (miniconv, torch):
        def run():
            with make(lib):
                y = lib.tensor(X) @ lib.tensor(W).t()
                return y.dtype == lib.float32, lib.is_autocast_enabled()
        res.append(caught(run))
    assert res[0] == res[1]


def test_autocast_decorator_and_errors():
    for lib in (miniconv, torch):
        @lib.autocast("cuda", enabled=False)
        def f(x):
            return x * 2
        np.testing.assert_array_equal(f(lib.tensor(X)).numpy(), X * 2)
        with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
            lib.autocast(5)
    with pytest.warns(UserWarning, match="no bfloat16 kernels"):  # miniconv computes the region in float32
        miniconv.autocast("cpu")


def train(lib, inject_inf_at=None, **kw):
    lin = lib.nn.Linear(4, 3)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(W))
        lin.bias.zero_()
    opt = lib.optim.Adam(lin.parameters(), lr=0.01)
    scaler = lib.amp.GradScaler("cpu", **kw)
    scales, losses = [], []
    for step in range(7):
        opt.zero_grad()
        loss = (lin(lib.tensor(X)) ** 2).mean()
        scaler.scale(loss).backward()
        if step == inject_inf_at:
            lin.weight.grad[0, 0] = float("inf")
        scaler.unscale_(opt)
        lib.nn.utils.clip_grad_norm_(lin.parameters(), 10.0)
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        losses.append(loss.item())
    return scales, losses, lin.weight.detach().numpy(), scaler.state_dict()


@pytest.mark.parametrize("inf_at", [None, 2])
def test_cpu_grad_scaler_matches_pytorch(inf_at):
    m = train(miniconv, inf_at, init_scale=2.0 ** 10, growth_interval=3)
    t = train(torch, inf_at, init_scale=2.0 ** 10, growth_interval=3)
    assert m[0] == t[0]
    np.testing.assert_allclose(m[1], t[1], rtol=1e-6)
    np.testing.assert_allclose(m[2], t[2], rtol=1e-6, atol=1e-7)
    assert m[3] == {k: (int(v) if k == "_growth_tracker" else v) for k, v in t[3].items()}


def test_cpu_grad_scaler_errors_and_state():
    for lib in (miniconv, torch):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        s = lib.amp.GradScaler("cpu")
        with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
            s.step(opt)
        s.scale((p * 2).sum()).backward()
        assert float(p.grad[0]) == 131072.0
        s.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            s.unscale_(opt)
        s.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            s.step(opt)
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            s.step(opt, closure=lambda: 0)
        s.update(512.0)
        assert s.get_scale() == 512.0
        scaled = s.scale([lib.ones(1), (lib.ones(1),)])
        assert float(scaled[1][0]) == 512.0
        s2 = lib.amp.GradScaler("cpu")
        s2.load_state_dict(s.state_dict())
        assert s2.get_scale() == 512.0
        with pytest.raises(RuntimeError, match="source state dict is empty"):
            s2.load_state_dict({})
