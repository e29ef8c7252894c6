"""PyTorch's warning when ``lr_scheduler.step()`` comes before ``optimizer.step()`` (a mistake training loops
copied from older tutorials make), and the optimizer stays picklable with a scheduler attached."""
import pickle
import warnings

import pytest

import miniconv

torch = pytest.importorskip("torch")


def _run(lib, order):
    w = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.SGD([w], lr=0.1)
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    if order == "overridden":
        opt.step = lambda closure=None: None
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        for _ in range(2):
            (w * 2).sum().backward()
            if order == "scheduler_first":
                sched.step()
                opt.step()
            else:
                opt.step()
                sched.step()
    msgs = [str(m.message) for m in rec if issubclass(m.category, UserWarning)]
    return msgs, opt.param_groups[0]["lr"], w.detach().numpy().tolist()


@pytest.mark.parametrize("order", ["optimizer_first", "scheduler_first", "overridden"])
def test_order_warning_matches_torch(order):
    t, m = _run(torch, order), _run(miniconv, order)
    assert m == t
    assert bool(t[0]) == (order != "optimizer_first")


def test_wrapped_step_passes_closure_and_returns_loss():
    for lib in (torch, miniconv):
        w = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.LBFGS([w], lr=0.5)
        lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)

        def closure():
            opt.zero_grad()
            loss = ((w - 3) ** 2).sum()
            loss.backward()
            return loss

        assert opt.step(closure).item() == pytest.approx(8.0)
        assert opt._opt_called


def test_optimizer_with_scheduler_pickles_and_steps_after_load():
    w = miniconv.nn.Parameter(miniconv.ones(2))
    opt = miniconv.optim.Adam([w], lr=0.1)
    miniconv.optim.lr_scheduler.StepLR(opt, step_size=1)
    opt2 = pickle.loads(pickle.dumps(opt))
    assert "step" not in opt2.__dict__ and opt2.param_groups[0]["lr"] == 0.1
    p = opt2.param_groups[0]["params"][0]
    p.grad = miniconv.ones(2)
    opt2.step()
    assert p.tolist() != [1.0, 1.0]
