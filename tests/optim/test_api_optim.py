"""New optimizers and schedulers (issue 9): the same training trajectory under miniconv and PyTorch."""
import numpy as np
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")

rng = np.random.default_rng(2)
W0 = [rng.standard_normal((3, 4)), rng.standard_normal(3)]
X = rng.standard_normal((8, 4))
Y = rng.standard_normal((8, 3))


def trajectory(lib, make_opt, make_sched=None, steps=6, metric=None):
    params = [lib.nn.Parameter(lib.tensor(w)) for w in W0]
    opt = make_opt(lib.optim, params)
    sched = make_sched(lib.optim.lr_scheduler, opt) if make_sched else None
    x, y = lib.tensor(X), lib.tensor(Y)
    lrs = []
    for i in range(steps):
        opt.zero_grad()
        loss = ((x @ params[0].t() + params[1] - y) ** 2).mean()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step(*([metric[i]] if metric is not None else []))
        lrs.append([g["lr"] for g in opt.param_groups])
    return [p.detach().numpy().copy() for p in params], lrs, opt


OPTS = [
    lambda o, p: o.RMSprop(p), lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
    lambda o, p: o.RMSprop(p, alpha=0.9, maximize=True), lambda o, p: o.Adagrad(p),
    lambda o, p: o.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5),
    lambda o, p: o.Adadelta(p), lambda o, p: o.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.05),
    lambda o, p: o.SGD(p, lr=0.05, momentum=0.9, nesterov=True), lambda o, p: o.SGD(p, lr=0.05, momentum=0.9, dampening=0.3),
    lambda o, p: o.Adam(p, lr=0.05, amsgrad=True), lambda o, p: o.AdamW(p, lr=0.05, amsgrad=True, weight_decay=0.1),
]


@pytest.mark.parametrize("i", range(len(OPTS)))
def test_optimizer_trajectory(i):
    pm, _, om = trajectory(mc, OPTS[i])
    pt, _, ot = trajectory(torch, OPTS[i])
    for a, b in zip(pm, pt):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert sorted(om.state_dict()["state"][0]) == sorted(ot.state_dict()["state"][0])


SCHEDS = [
    lambda s, o: s.MultiStepLR(o, milestones=[2, 4], gamma=0.5), lambda s, o: s.ExponentialLR(o, gamma=0.8),
    lambda s, o: s.LambdaLR(o, lambda e: 1.0 / (e + 1)), lambda s, o: s.StepLR(o, 2, 0.3),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=6), lambda s, o: s.OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=4, anneal_strategy="linear"),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=10, three_phase=True),
    lambda s, o: s.CosineAnnealingLR(o, T_max=3),
]


@pytest.mark.parametrize("opt", [lambda o, p: o.SGD(p, lr=0.1, momentum=0.9), lambda o, p: o.Adam(p, lr=0.01)])
@pytest.mark.parametrize("i", range(len(SCHEDS)))
def test_scheduler_lrs(i, opt):
    pm, lm, om = trajectory(mc, opt, SCHEDS[i])
    pt, lt, ot = trajectory(torch, opt, SCHEDS[i])
    np.testing.assert_allclose(lm, lt, rtol=1e-12)
    for a, b in zip(pm, pt):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    key = "betas" if "betas" in ot.param_groups[0] else "momentum"
    assert om.param_groups[0][key] == pytest.approx(ot.param_groups[0][key])


@pytest.mark.parametrize("kw", [{}, {"mode": "max", "patience": 1, "factor": 0.5},
                                {"patience": 0, "cooldown": 1, "threshold_mode": "abs", "min_lr": 0.02}])
def test_reduce_lr_on_plateau(kw):
    metric = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.9, 0.9, 0.9, 0.9]
    _, lm, _ = trajectory(mc, lambda o, p: o.SGD(p, lr=0.1), lambda s, o: s.ReduceLROnPlateau(o, **kw), 12, metric)
    _, lt, _ = trajectory(torch, lambda o, p: o.SGD(p, lr=0.1), lambda s, o: s.ReduceLROnPlateau(o, **kw), 12, metric)
    np.testing.assert_allclose(lm, lt, rtol=1e-12)


BAD = [lambda o, p: o.RMSprop(p, lr=-1), lambda o, p: o.RMSprop(p, alpha=-0.1), lambda o, p: o.Adagrad(p, lr_decay=-1),
       lambda o, p: o.Adadelta(p, rho=1.5), lambda o, p: o.Adagrad(p, eps=-1)]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_arguments(i):
    for lib in (torch, mc):
        with pytest.raises(ValueError):
            BAD[i](lib.optim, [lib.nn.Parameter(lib.ones(2))])


def test_onecycle_too_many_steps():
    for lib in (torch, mc):
        p = [lib.nn.Parameter(lib.ones(2))]
        opt = lib.optim.SGD(p, lr=0.1, momentum=0.9)
        s = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
        s.step()
        s.step()
        with pytest.raises(ValueError, match="Tried to step 3 times"):
            s.step()
