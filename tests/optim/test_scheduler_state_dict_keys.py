"""Scheduler state dicts as PyTorch writes them: the same keys and values after the same steps (scripts print
them, inspect ``milestones`` or ``_schedule_phases``, and restore callable-object lambdas from them)."""
import math

import pytest

import miniconv

torch = pytest.importorskip("torch")


class WarmupFactor:
    """A callable object: PyTorch saves its attributes in the state dict."""

    def __init__(self, warmup):
        self.warmup = warmup

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.warmup)


CASES = {
    "StepLR": lambda S, o: S.StepLR(o, step_size=2),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[3, 1, 3], gamma=0.5),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=5),
    "ReduceLROnPlateau": lambda S, o: S.ReduceLROnPlateau(o, mode="max", patience=0),
    "ReduceLROnPlateau-list": lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.001]),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=10),
    "OneCycleLR-3": lambda S, o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, three_phase=True,
                                              anneal_strategy="linear"),
    "CyclicLR": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2),
    "LambdaLR": lambda S, o: S.LambdaLR(o, lr_lambda=lambda e: 0.9 ** e),
    "LambdaLR-object": lambda S, o: S.LambdaLR(o, lr_lambda=WarmupFactor(4)),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lr_lambda=lambda e: 0.9),
    "LinearLR": lambda S, o: S.LinearLR(o),
    "ConstantLR": lambda S, o: S.ConstantLR(o),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3),
}


def _run(lib, name, steps=4):
    p = [lib.nn.Parameter(lib.zeros(2))]
    opt = lib.optim.SGD(p, lr=0.1, momentum=0.9)
    sched = CASES[name](lib.optim.lr_scheduler, opt)
    lrs = []
    for i in range(steps):
        opt.step()
        sched.step(1.0 / (i + 1)) if name.startswith("ReduceLROnPlateau") else sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return sched, lrs


def _plain(v):
    if isinstance(v, float) and math.isinf(v):
        return v
    return repr(v)


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_keys_and_values_match_torch(name):
    (ts, tl), (ms, ml) = _run(torch, name), _run(miniconv, name)
    assert ml == pytest.approx(tl, rel=1e-12)
    t_state, m_state = ts.state_dict(), ms.state_dict()
    assert sorted(m_state) == sorted(t_state)
    for key, value in t_state.items():
        if key in ("optimizer", "_scale_fn_ref"):
            continue
        assert _plain(m_state[key]) == _plain(value), key


def test_callable_object_lambda_restored_from_state_dict():
    ts, _ = _run(torch, "LambdaLR-object")
    ms, _ = _run(miniconv, "LambdaLR-object")
    t_state, m_state = ts.state_dict(), ms.state_dict()
    assert m_state["lr_lambdas"] == t_state["lr_lambdas"] == [{"warmup": 4}]
    m_state["lr_lambdas"] = [{"warmup": 7}]
    fresh, _ = _run(miniconv, "LambdaLR-object", steps=0)
    fresh.load_state_dict(m_state)
    assert fresh.lr_lambdas[0].warmup == 7 and fresh.last_epoch == ms.last_epoch
