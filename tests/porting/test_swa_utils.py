"""optim.swa_utils against PyTorch: AveragedModel (SWA and EMA averages, buffers, state_dict keys), SWALR's
schedule, update_bn."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
W = rng.standard_normal((3, 4)).astype(np.float32)
XS = [rng.standard_normal((6, 4)).astype(np.float32) for _ in range(4)]


def make(lib):
    m = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.BatchNorm1d(3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(W))
        m[3].weight.fill_(0.3)
        m[0].bias.zero_()
        m[3].bias.zero_()
    return m


def run(lib, variant):
    swa = lib.optim.swa_utils
    m = make(lib)
    opt = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    kwargs = {}
    if variant == "ema":
        kwargs = dict(multi_avg_fn=swa.get_ema_multi_avg_fn(0.9))
    elif variant == "ema_single":
        kwargs = dict(avg_fn=swa.get_ema_avg_fn(0.8))
    elif variant == "buffers":
        kwargs = dict(use_buffers=True)
    elif variant == "swa_multi":
        kwargs = dict(multi_avg_fn=swa.get_swa_multi_avg_fn())
    avg = swa.AveragedModel(m, **kwargs)
    sched = swa.SWALR(opt, swa_lr=0.05, anneal_epochs=2, anneal_strategy="linear" if variant == "ema" else "cos")
    lrs = []
    for x in XS:
        opt.zero_grad()
        m(lib.tensor(x)).pow(2).mean().backward()
        opt.step()
        avg.update_parameters(m)
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    swa.update_bn([(lib.tensor(x), 0) for x in XS], avg)
    out = avg(lib.tensor(XS[0]))
    return avg.state_dict(), out, lrs, int(avg.n_averaged)


@pytest.mark.parametrize("variant", ["swa", "ema", "ema_single", "buffers", "swa_multi"])
def test_averaged_model_matches_pytorch(variant):
    (sd_m, out_m, lr_m, n_m), (sd_t, out_t, lr_t, n_t) = run(miniconv, variant), run(torch, variant)
    assert list(sd_m) == list(sd_t)
    for k in sd_t:
        np.testing.assert_allclose(sd_m[k].numpy(), sd_t[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lr_m, lr_t, rtol=1e-12)
    assert n_m == n_t


def test_swalr_schedules_and_errors():
    for epochs in (0, 1, 3):
        res = []
        for lib in (miniconv, torch):
            opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
            s = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.1], anneal_epochs=epochs)
            lrs = []
            for _ in range(5):
                opt.step()
                s.step()
                lrs.append(opt.param_groups[0]["lr"])
            res.append(lrs)
        np.testing.assert_allclose(res[0], res[1], rtol=1e-12)
    for kwargs in [dict(anneal_strategy="exp"), dict(anneal_epochs=-1), dict(anneal_epochs=1.5)]:
        errs = []
        for lib in (miniconv, torch):
            opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
            with pytest.raises(ValueError) as e:
                lib.optim.swa_utils.SWALR(opt, swa_lr=0.1, **kwargs)
            errs.append(str(e.value))
        assert errs[0] == errs[1]
    for lib in (miniconv, torch):
        with pytest.raises(ValueError, match="Invalid decay value"):
            lib.optim.swa_utils.get_ema_avg_fn(1.5)
        with pytest.raises(AssertionError):
            lib.optim.swa_utils.AveragedModel(lib.nn.Linear(1, 1), avg_fn=lambda *a: 0, multi_avg_fn=lambda *a: 0)


def test_init_deprecated_dirac_eye():
    for lib in (miniconv, torch):
        with pytest.warns(FutureWarning, match="nn.init.dirac` is now deprecated"):
            w = lib.nn.init.dirac(lib.empty(4, 2, 3))
        with pytest.warns(FutureWarning, match="nn.init.eye` is now deprecated"):
            e = lib.nn.init.eye(lib.empty(2, 3))
        assert float(w.sum()) == 2.0 and float(e.sum()) == 2.0
