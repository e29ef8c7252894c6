"""The remaining PyTorch schedulers: the same lr (and momentum) sequence as PyTorch, the same errors,
state_dict round trips, and the combinators over them."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _run(L, make, n=25, groups=2, opt="sgd", stepper=None):
    params = [L.nn.Parameter(L.ones(1)) for _ in range(groups)]
    group_list = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)]
    o = (L.optim.SGD(group_list, lr=0.1, momentum=0.9) if opt == "sgd"
         else L.optim.Adam(group_list, lr=0.1))
    sched = make(L, o)
    seq = [list(sched.get_last_lr())]
    moms = []
    for epoch in range(n):
        o.step()
        (stepper or (lambda s, e: s.step()))(sched, epoch)
        seq.append(list(sched.get_last_lr()))
        moms.append([g["momentum"] if "momentum" in g else g["betas"][0] for g in o.param_groups])
    return seq, moms, sched


CASES = {
    "multiplicative": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.95),
    "multiplicative_per_group": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 0.8]),
    "constant": lambda L, o: L.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4),
    "linear": lambda L, o: L.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=6),
    "linear_down": lambda L, o: L.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
    "polynomial": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, total_iters=10, power=2.0),
    "warm_restarts": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=0.001),
    "warm_restarts_mult": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "cyclic": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=4),
    "cyclic_tri2": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=3, step_size_down=5,
                                                              mode="triangular2"),
    "cyclic_exp": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range",
                                                             gamma=0.9, cycle_momentum=False),
    "cyclic_fn": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.5 ** x,
                                                            scale_mode="iterations"),
    "sequential": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.LinearLR(o, 0.1, total_iters=5), L.optim.lr_scheduler.CosineAnnealingLR(o, 10)],
        milestones=[5]),
    "sequential3": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.ConstantLR(o, 0.5, total_iters=3), L.optim.lr_scheduler.ExponentialLR(o, 0.9),
            L.optim.lr_scheduler.StepLR(o, 4)], milestones=[3, 10]),
    "chained": lambda L, o: L.optim.lr_scheduler.ChainedScheduler(
        [L.optim.lr_scheduler.ConstantLR(o, 0.1, total_iters=2), L.optim.lr_scheduler.ExponentialLR(o, 0.9)]),
}


@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_sequence_matches_torch(name, opt):
    ours, our_m, _ = _run(miniconv, CASES[name], opt=opt)
    theirs, their_m, _ = _run(torch, CASES[name], opt=opt)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(our_m, their_m, rtol=1e-12, atol=1e-15)


def test_warm_restarts_with_fractional_epochs_matches_torch():
    def stepper(s, e):
        for i in range(4):
            s.step(e + i / 4)
    ours, _, _ = _run(miniconv, CASES["warm_restarts_mult"], n=10, stepper=stepper)
    theirs, _, _ = _run(torch, CASES["warm_restarts_mult"], n=10, stepper=stepper)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("name", ["constant", "linear", "polynomial", "sequential", "chained", "warm_restarts"])
def test_state_dict_round_trip_continues_the_sequence(name):
    full, _, _ = _run(miniconv, CASES[name], n=20)
    part, _, sched = _run(miniconv, CASES[name], n=8)
    state = sched.state_dict()
    params = [miniconv.nn.Parameter(miniconv.ones(1)) for _ in range(2)]
    o = miniconv.optim.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)], lr=0.1, momentum=0.9)
    fresh = CASES[name](miniconv, o)
    fresh.load_state_dict(state)
    for g, lr in zip(o.param_groups, part[-1]):
        g["lr"] = lr
    rest = []
    for _ in range(12):
        o.step()
        fresh.step()
        rest.append(list(fresh.get_last_lr()))
    np.testing.assert_allclose(rest, full[9:], rtol=1e-12)


ERRORS = {
    "constant_factor": lambda L, o: L.optim.lr_scheduler.ConstantLR(o, factor=1.5),
    "linear_start": lambda L, o: L.optim.lr_scheduler.LinearLR(o, start_factor=0),
    "linear_end": lambda L, o: L.optim.lr_scheduler.LinearLR(o, end_factor=2),
    "warm_T0": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
    "warm_Tmult": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "cyclic_mode": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, mode="zigzag"),
    "cyclic_lengths": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, [0.1, 0.2, 0.3], 0.5),
    "sequential_empty": lambda L, o: L.optim.lr_scheduler.SequentialLR(o, [], []),
    "sequential_milestones": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.ExponentialLR(o, 0.9)], milestones=[3]),
    "sequential_plateau": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.ExponentialLR(o, 0.9), L.optim.lr_scheduler.ReduceLROnPlateau(o)], milestones=[3]),
    "chained_empty": lambda L, o: L.optim.lr_scheduler.ChainedScheduler([]),
    "multiplicative_not_callable": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(o, 0.5),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    raised = []
    for L in (miniconv, torch):
        params = [L.nn.Parameter(L.ones(1)) for _ in range(2)]
        o = L.optim.SGD([{"params": [p]} for p in params], lr=0.1, momentum=0.9)
        with pytest.raises(Exception) as info:
            ERRORS[name](L, o)
        raised.append((type(info.value), str(info.value)))
    assert raised[0][0] is raised[1][0], raised
