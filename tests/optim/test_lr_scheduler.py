"""Learning-rate schedulers: the same lr sequence as PyTorch, state_dict round trip, argument checks."""
import math

import numpy as np
import pytest

import miniconv
from miniconv.nn import Parameter
from miniconv.optim import SGD, Adam
from miniconv.optim.lr_scheduler import CosineAnnealingLR, StepLR


def ours_sequence(make_sched, n, lr=0.1, groups=1, perturb=None):
    params = [Parameter(np.ones(1, np.float32)) for _ in range(groups)]
    opt = SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(params)], lr=lr)
    sched = make_sched(opt)
    out = [sched.get_last_lr()]
    for epoch in range(n):
        opt.step()
        sched.step()
        if perturb and epoch == perturb:
            opt.param_groups[0]["lr"] *= 0.5
        out.append(sched.get_last_lr())
    return out


def torch_sequence(torch, make_sched, n, lr=0.1, groups=1, perturb=None):
    params = [torch.nn.Parameter(torch.ones(1)) for _ in range(groups)]
    opt = torch.optim.SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(params)], lr=lr)
    sched = make_sched(opt)
    out = [sched.get_last_lr()]
    for epoch in range(n):
        opt.step()
        sched.step()
        if perturb and epoch == perturb:
            opt.param_groups[0]["lr"] *= 0.5
        out.append(sched.get_last_lr())
    return out


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("StepLR", dict(step_size=3)),
        ("StepLR", dict(step_size=1, gamma=0.5)),
        ("CosineAnnealingLR", dict(T_max=10)),
        ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01)),  # runs past T_max: the lr rises again
    ],
)
@pytest.mark.parametrize("perturb", [None, 2])
def test_lr_sequence_matches_torch(name, kwargs, perturb):
    torch = pytest.importorskip("torch")
    ours = ours_sequence(lambda o: getattr(miniconv.optim.lr_scheduler, name)(o, **kwargs), 14, groups=2, perturb=perturb)
    theirs = torch_sequence(torch, lambda o: getattr(torch.optim.lr_scheduler, name)(o, **kwargs), 14, groups=2,
                            perturb=perturb)
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-12, atol=1e-15)


def test_cosine_reaches_eta_min_and_follows_closed_form():
    seq = [lrs[0] for lrs in ours_sequence(lambda o: CosineAnnealingLR(o, T_max=8, eta_min=0.001), 8)]
    closed = [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(9)]
    np.testing.assert_allclose(seq, closed, rtol=1e-12)
    assert seq[-1] == pytest.approx(0.001)


def test_step_lr_values():
    seq = [lrs[0] for lrs in ours_sequence(lambda o: StepLR(o, step_size=2, gamma=0.1), 6)]
    np.testing.assert_allclose(seq, [0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 1e-4], rtol=1e-12)


def test_scheduler_sets_initial_lr_and_state_dict_resume(tmp_path):
    p = Parameter(np.ones(1, np.float32))
    opt = Adam([p], lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=10)
    assert opt.param_groups[0]["initial_lr"] == 0.1
    for _ in range(4):
        opt.step()
        sched.step()
    miniconv.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "c.pt")
    expected = []
    for _ in range(4):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr()[0])

    ckpt = miniconv.load(tmp_path / "c.pt")
    p2 = Parameter(np.ones(1, np.float32))
    opt2 = Adam([p2], lr=0.1)
    sched2 = CosineAnnealingLR(opt2, T_max=10)
    opt2.load_state_dict(ckpt["opt"])
    sched2.load_state_dict(ckpt["sched"])
    got = []
    for _ in range(4):
        opt2.step()
        sched2.step()
        got.append(sched2.get_last_lr()[0])
    assert got == expected
    assert "optimizer" not in sched.state_dict() and sched.state_dict()["last_epoch"] == 8


def test_step_with_epoch_uses_closed_form():
    p = Parameter(np.ones(1, np.float32))
    opt = SGD([p], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(5)
    assert sched.get_last_lr() == [0.25]


def test_argument_checks():
    opt = SGD([Parameter(np.ones(1, np.float32))], lr=0.1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive int"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(SGD([Parameter(np.ones(1, np.float32))], lr=0.1), step_size=1, last_epoch=3)
