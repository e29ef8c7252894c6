"""Every optimizer against torch.optim: the same training loop (a small MLP, two parameter groups, weight decay)
run on both libraries from the same initial weights; parameters compared after every step, state_dict keys
compared, state_dict round trips (including a state dict written by PyTorch) continue the same trajectory."""
import numpy as np
import pytest

import miniconv
from miniconv.utils import convert_torch_state_dict

torch = pytest.importorskip("torch")

# (optimizer, defaults, options of the second parameter group)
CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01), dict(lr=0.1, nesterov=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.05), dict(amsgrad=True, betas=(0.8, 0.95))),
    ("Adam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True, foreach=False), dict(maximize=False)),
    ("AdamW", dict(lr=0.01, fused=True), dict(weight_decay=0.1)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01), dict(weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0), dict(rho=0.8, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5), dict(centered=True, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01), dict(weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(betas=(0.8, 0.99))),
    ("RAdam", dict(lr=0.01), dict(weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), dict(eps=1e-6)),
    ("Adamax", dict(lr=0.01), dict(weight_decay=0.1, betas=(0.8, 0.99))),
    ("Adamax", dict(lr=0.01, maximize=True), dict(lr=0.02)),
    ("ASGD", dict(lr=0.05), dict(weight_decay=0.1, lambd=1e-3)),
    ("ASGD", dict(lr=0.05, t0=5), dict(alpha=0.5)),  # averaging starts at step 5: ax != p afterwards
    ("Rprop", dict(lr=0.01), dict(etas=(0.3, 1.5), step_sizes=(1e-4, 0.05))),
    ("Rprop", dict(lr=0.01, maximize=True), dict(lr=0.001)),
]


def _data(dtype):
    rng = np.random.default_rng(0)
    return rng.standard_normal((16, 5)).astype(dtype), rng.standard_normal((16, 3)).astype(dtype)


def _models(dtype):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    tm = tm.to(torch.float64 if dtype == np.float64 else torch.float32)
    mm = miniconv.nn.Sequential(miniconv.nn.Linear(5, 8), miniconv.nn.Tanh(), miniconv.nn.Linear(8, 3))
    mm = mm.to(miniconv.float64 if dtype == np.float64 else miniconv.float32)
    mm.load_state_dict({k: miniconv.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return tm, mm


def _groups(model, second):
    return [{"params": list(model[0].parameters())}, {"params": list(model[2].parameters()), **second}]


def _train_step(lib, model, opt, x, y):
    opt.zero_grad()
    loss = lib.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return float(loss.detach())


def _params(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def _assert_close(ours, theirs, rtol, atol, where):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, defaults, second", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_training_loop_matches_torch_every_step(name, defaults, second, dtype):
    x, y = _data(dtype)
    tm, mm = _models(dtype)
    topt = getattr(torch.optim, name)(_groups(tm, second), **defaults)
    mopt = getattr(miniconv.optim, name)(_groups(mm, second), **defaults)
    tx, ty, mx, my = torch.from_numpy(x), torch.from_numpy(y), miniconv.tensor(x), miniconv.tensor(y)
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (2e-4, 2e-5)
    for step in range(30):
        lt = _train_step(torch, tm, topt, tx, ty)
        lm = _train_step(miniconv, mm, mopt, mx, my)
        assert lm == pytest.approx(lt, rel=rtol * 10, abs=atol)
        _assert_close(_params(mm), _params(tm), rtol, atol, f"{name} step {step}")
    tsd, msd = topt.state_dict(), mopt.state_dict()
    assert sorted(tsd["state"]) == sorted(msd["state"])
    for k in tsd["state"]:
        assert sorted(tsd["state"][k]) == sorted(msd["state"][k])
    for tg, mg in zip(tsd["param_groups"], msd["param_groups"]):
        assert sorted(tg) == sorted(mg)
        assert tg["params"] == mg["params"]


@pytest.mark.parametrize("name, defaults, second", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_state_dict_round_trip_and_torch_state_dict_load(name, defaults, second, tmp_path):
    x, y = _data(np.float64)
    tm, mm = _models(np.float64)
    topt = getattr(torch.optim, name)(_groups(tm, second), **defaults)
    mopt = getattr(miniconv.optim, name)(_groups(mm, second), **defaults)
    tx, ty, mx, my = torch.from_numpy(x), torch.from_numpy(y), miniconv.tensor(x), miniconv.tensor(y)
    for _ in range(7):
        _train_step(torch, tm, topt, tx, ty)
        _train_step(miniconv, mm, mopt, mx, my)
    # a fresh miniconv optimizer loads (a) miniconv's own state dict, (b) the one PyTorch wrote
    own = getattr(miniconv.optim, name)(_groups(mm, {}), **defaults)
    miniconv.save(mopt.state_dict(), tmp_path / "opt.ckpt")  # through a file, as a checkpoint does
    own.load_state_dict(miniconv.load(tmp_path / "opt.ckpt"))
    _, mm2 = _models(np.float64)
    mm2.load_state_dict(mm.state_dict())
    from_torch = getattr(miniconv.optim, name)(_groups(mm2, {}), **defaults)
    from_torch.load_state_dict(convert_torch_state_dict(topt.state_dict()))
    assert from_torch.param_groups[1]["lr"] == topt.param_groups[1]["lr"]
    for _ in range(5):
        _train_step(torch, tm, topt, tx, ty)
        _train_step(miniconv, mm, own, mx, my)
        _train_step(miniconv, mm2, from_torch, mx, my)
        _assert_close(_params(mm), _params(tm), 1e-9, 1e-11, f"{name} after load_state_dict")
        _assert_close(_params(mm2), _params(tm), 1e-6, 1e-8, f"{name} after loading torch's state dict")


def _quadratic(lib, dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 6)).astype(dtype)
    h = a @ a.T + 0.5 * np.eye(6, dtype=dtype)  # positive definite, condition number ~ 50
    b = rng.standard_normal(6).astype(dtype)
    w = lib.nn.Parameter(lib.tensor(np.zeros(6, dtype)))
    v = lib.nn.Parameter(lib.tensor(np.ones((2, 3), dtype)))
    H, B = lib.tensor(h), lib.tensor(b)

    def loss_fn():
        z = w + v.reshape(-1) * 0.5
        return 0.5 * (z @ (H @ z)) - B @ z + (v * v).sum() * 0.1 + (w ** 4).sum() * 0.01

    return [w, v], loss_fn


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(line_search_fn="strong_wolfe"),
    dict(lr=0.5, history_size=3, max_iter=7),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=10, max_eval=12),
    dict(line_search_fn="strong_wolfe", tolerance_grad=1e-3, tolerance_change=1e-4),
], ids=str)
def test_lbfgs_matches_torch_every_step(kwargs):
    results = {}
    for lib in (torch, miniconv):
        params, loss_fn = _quadratic(lib, np.float64)
        opt = lib.optim.LBFGS(params, **kwargs)

        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        trace = []
        for _ in range(6):
            loss = opt.step(closure)
            trace.append((float(loss.detach()), [p.detach().numpy().copy() for p in params]))
        state = opt.state_dict()["state"][0]
        results[lib.__name__] = trace, sorted(state), state["func_evals"], state["n_iter"]
    (tt, tkeys, tevals, titer), (mt, mkeys, mevals, miter) = results["torch"], results["miniconv"]
    assert mkeys == tkeys and (mevals, miter) == (tevals, titer)
    for (lt, pt), (lm, pm) in zip(tt, mt):
        assert lm == pytest.approx(lt, rel=1e-9, abs=1e-12)
        _assert_close(pm, pt, 1e-8, 1e-10, "LBFGS")


def test_lbfgs_state_dict_round_trip_continues_the_same():
    runs = []
    for reload in (False, True):
        params, loss_fn = _quadratic(miniconv, np.float64)
        opt = miniconv.optim.LBFGS(params, history_size=3, max_iter=3, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        for i in range(4):
            if reload and i == 2:
                fresh = miniconv.optim.LBFGS(params, history_size=3, max_iter=3, line_search_fn="strong_wolfe")
                fresh.load_state_dict(opt.state_dict())
                opt = fresh
            opt.step(closure)
        runs.append([p.detach().numpy() for p in params])
    _assert_close(runs[1], runs[0], 0, 0, "LBFGS reload")


def _bad(lib, name, **kwargs):
    return getattr(lib.optim, name)([lib.nn.Parameter(lib.ones(2))], **kwargs)


@pytest.mark.parametrize("name, kwargs", [
    ("NAdam", dict(lr=-1.0)), ("NAdam", dict(eps=-1.0)), ("NAdam", dict(betas=(1.0, 0.9))),
    ("NAdam", dict(betas=(0.9, -0.1))), ("NAdam", dict(weight_decay=-1.0)), ("NAdam", dict(momentum_decay=-1.0)),
    ("RAdam", dict(lr=-1.0)), ("RAdam", dict(betas=(0.9, 1.0))), ("RAdam", dict(weight_decay=-0.5)),
    ("Adamax", dict(lr=-1.0)), ("Adamax", dict(eps=-1e-3)), ("Adamax", dict(betas=(-0.1, 0.9))),
    ("ASGD", dict(lr=-1.0)), ("ASGD", dict(weight_decay=-1.0)),
    ("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(1.5, 1.2))), ("Rprop", dict(etas=(0.5, 0.9))),
    ("LBFGS", dict(lr=-1.0)), ("Adam", dict(lr=-1.0)), ("SGD", dict(lr=-1.0)),
    ("SGD", dict(lr=0.1, foreach=True, fused=True)), ("Adam", dict(foreach=True, fused=True)),
])
def test_invalid_arguments_raise_torch_errors(name, kwargs):
    with pytest.raises(Exception) as t_err:
        _bad(torch, name, **kwargs)
    with pytest.raises(type(t_err.value)) as m_err:
        _bad(miniconv, name, **kwargs)
    assert str(m_err.value) == str(t_err.value)


def test_lbfgs_refuses_param_groups_and_unknown_line_search():
    for lib in (torch, miniconv):
        a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(2))
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": [a]}, {"params": [b]}])
        opt = lib.optim.LBFGS([a], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = (a * a).sum()
            loss.backward()
            return loss

        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop", "NAdam", "RAdam",
                                  "Adamax", "ASGD", "Rprop", "LBFGS"])
def test_constructors_accept_every_torch_argument(name):
    import inspect

    tsig = inspect.signature(getattr(torch.optim, name).__init__).parameters
    msig = inspect.signature(getattr(miniconv.optim, name).__init__).parameters
    assert list(msig) == list(tsig)
    for arg, tp in tsig.items():
        assert msig[arg].kind == tp.kind, arg
        if tp.default is not inspect.Parameter.empty:
            assert msig[arg].default == tp.default, arg
    # torch's default param group keys are the same
    tp = torch.nn.Parameter(torch.ones(2))
    mp = miniconv.nn.Parameter(miniconv.ones(2))
    assert sorted(getattr(torch.optim, name)([tp]).param_groups[0]) == \
        sorted(getattr(miniconv.optim, name)([mp]).param_groups[0])


def test_differentiable_true_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        miniconv.optim.Adam([miniconv.nn.Parameter(miniconv.ones(2))], differentiable=True)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_float32_losses_match_torch(line_search_fn):
    # float32 dot products are summed in a different order in the two libraries; near the optimum the iterates
    # differ by rounding noise along flat directions, the losses agree to float32 precision
    losses = {}
    for lib in (torch, miniconv):
        params, loss_fn = _quadratic(lib, np.float32)
        opt = lib.optim.LBFGS(params, line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        losses[lib.__name__] = [float(opt.step(closure).detach()) for _ in range(5)] + [float(loss_fn().detach())]
    np.testing.assert_allclose(losses["miniconv"], losses["torch"], rtol=1e-5)
