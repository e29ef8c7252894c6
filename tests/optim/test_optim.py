"""Optimizers: PyTorch parity over several steps, param groups, zero_grad, state_dict, argument checks."""
import itertools
import warnings

import numpy as np
import pytest

import miniconv
from miniconv.nn import Module, Parameter
from miniconv.optim import SGD, Adam, AdamW, Optimizer


def make_params(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (4,), (2, 3, 2)]]


def grads_for_step(step, shapes, dtype=np.float32):
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def run_miniconv(opt_cls, kwargs, arrays, n_steps, groups=None):
    params = [Parameter(a.copy()) for a in arrays]
    opt = opt_cls(params if groups is None else groups(params), **kwargs)
    for step in range(n_steps):
        for p, g in zip(params, grads_for_step(step, [a.shape for a in arrays], arrays[0].dtype)):
            p.grad = miniconv.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params], opt


def run_torch(torch, opt_cls, kwargs, arrays, n_steps, groups=None):
    params = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    opt = opt_cls(params if groups is None else groups(params), **kwargs)
    for step in range(n_steps):
        for p, g in zip(params, grads_for_step(step, [a.shape for a in arrays], arrays[0].dtype)):
            p.grad = torch.from_numpy(g)
        opt.step()
    return [p.detach().numpy() for p in params], opt


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.1, momentum=0.5, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True),
    dict(lr=0.1, weight_decay=0.1),
]
ADAM_CASES = [
    dict(),
    dict(lr=0.01),
    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True),
]


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    arrays = make_params()
    ours, _ = run_miniconv(SGD, kwargs, arrays, 6)
    theirs, _ = run_torch(torch, torch.optim.SGD, kwargs, arrays, 6)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    arrays = make_params()
    ours, _ = run_miniconv(getattr(miniconv.optim, name), kwargs, arrays, 8)
    theirs, _ = run_torch(torch, getattr(torch.optim, name), kwargs, arrays, 8)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_adamw_default_weight_decay_differs_from_adam():
    arrays = make_params()
    a, _ = run_miniconv(Adam, dict(lr=0.1), arrays, 3)
    w, opt = run_miniconv(AdamW, dict(lr=0.1), arrays, 3)
    assert opt.param_groups[0]["weight_decay"] == 1e-2
    assert not np.allclose(a[0], w[0])


def test_float64_params_stay_float64_and_match_torch():
    torch = pytest.importorskip("torch")
    arrays = make_params(dtype=np.float64)
    ours, _ = run_miniconv(Adam, dict(lr=0.01, amsgrad=True), arrays, 5)
    theirs, _ = run_torch(torch, torch.optim.Adam, dict(lr=0.01, amsgrad=True), arrays, 5)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_param_groups_with_per_group_options_match_torch():
    torch = pytest.importorskip("torch")
    arrays = make_params()

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5, "momentum": 0.0}]

    ours, opt = run_miniconv(SGD, dict(lr=0.1, momentum=0.9), arrays, 4, groups)
    theirs, _ = run_torch(torch, torch.optim.SGD, dict(lr=0.1, momentum=0.9), arrays, 4, groups)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[0]["lr"] == 0.1
    assert opt.param_groups[1]["momentum"] == 0.0 and opt.param_groups[0]["momentum"] == 0.9


def test_add_param_group_and_duplicates():
    a, b = Parameter(np.ones(2, np.float32)), Parameter(np.ones(3, np.float32))
    opt = SGD([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([a])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        SGD([a, a], lr=0.1)
    assert any("duplicate parameters" in str(x.message) for x in w)


def test_params_without_grad_are_skipped_and_state_not_created():
    a, b = Parameter(np.ones(2, np.float32)), Parameter(np.ones(2, np.float32))
    a.grad = miniconv.ones(2)
    opt = Adam([a, b], lr=0.1)
    opt.step()
    assert not np.allclose(a.detach().numpy(), 1) and np.array_equal(b.detach().numpy(), np.ones(2, np.float32))
    assert b not in opt.state and opt.state[a]["step"] == 1.0


def test_zero_grad():
    a = Parameter(np.ones(3, np.float32))
    opt = SGD([a], lr=0.1)
    a.grad = miniconv.ones(3)
    g = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is g and np.array_equal(g.detach().numpy(), np.zeros(3, np.float32))
    opt.zero_grad()
    assert a.grad is None


def test_step_closure_returns_loss_and_runs_with_grad():
    a = Parameter(np.array([2.0], np.float32))
    opt = SGD([a], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with miniconv.no_grad():
        loss = opt.step(closure)
    assert float(loss.item()) == 4.0
    np.testing.assert_allclose(a.detach().numpy(), [1.0])  # 2 - 0.25 * 4


def test_optimizer_updates_module_parameters_in_place():
    class Tiny(Module):
        def __init__(self):
            super().__init__()
            self.w = Parameter(np.array([1.0, -1.0], np.float32))

        def forward(self, x):
            return (self.w * x).sum()

    m = Tiny()
    w_array = m.w.detach().numpy()
    opt = SGD(m.parameters(), lr=0.5)
    m(miniconv.tensor([1.0, 2.0])).backward()
    opt.step()
    assert m.w.detach().numpy() is w_array  # updated in place (views stay valid)
    np.testing.assert_allclose(w_array, [0.5, -2.0])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
        (lambda p: Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: AdamW(p, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ],
)
def test_argument_validation_messages(make, message):
    p = [Parameter(np.ones(2, np.float32))]
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make(p)


def test_bad_params_argument():
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        SGD(Parameter(np.ones(2, np.float32)), lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got int"):
        SGD(5, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        SGD([{"params": {Parameter(np.ones(2, np.float32))}}], lr=0.1)
    x = miniconv.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        SGD([x * 2], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([x], lr="0.1")


def test_grad_shape_mismatch_is_a_clear_error():
    # as PyTorch: assigning a .grad of another size raises at once (so the optimizer never sees one)
    a = Parameter(np.ones(3, np.float32))
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[2\]' to a tensor of size "
                                           r"'\[3\]'. Please ensure that the gradient and the tensor are the same size"):
        a.grad = miniconv.ones(2)


def test_base_class_requires_defaults_and_step():
    class NoStep(Optimizer):
        pass

    opt = NoStep([Parameter(np.ones(1, np.float32))], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()
    from miniconv.optim.optimizer import required

    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        NoStep([Parameter(np.ones(1, np.float32))], {"lr": required})
    assert "Parameter Group 0" in repr(SGD([Parameter(np.ones(1, np.float32))], lr=0.1))


# -- state dict ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "opt_cls, kwargs",
    [(SGD, dict(lr=0.1, momentum=0.9)), (Adam, dict(lr=0.01, amsgrad=True)), (AdamW, dict(lr=0.01))],
)
def test_state_dict_resume_equals_uninterrupted(opt_cls, kwargs, tmp_path):
    arrays = make_params()
    full, _ = run_miniconv(opt_cls, kwargs, arrays, 6)
    # three steps, save the optimizer (through miniconv.save), rebuild everything, three more steps
    half, opt = run_miniconv(opt_cls, kwargs, arrays, 3)
    miniconv.save(opt.state_dict(), tmp_path / "opt.npz")
    params = [Parameter(h.copy()) for h in half]
    opt2 = opt_cls(params, **kwargs)
    opt2.load_state_dict(miniconv.load(tmp_path / "opt.npz"))
    for step in range(3, 6):
        for p, g in zip(params, grads_for_step(step, [a.shape for a in arrays])):
            p.grad = miniconv.tensor(g)
        opt2.step()
    for a, b in zip(full, params):
        np.testing.assert_array_equal(a, b.detach().numpy())


def test_state_dict_structure_matches_torch():
    torch = pytest.importorskip("torch")
    arrays = make_params()
    _, ours = run_miniconv(Adam, dict(lr=0.01), arrays, 2)
    _, theirs = run_torch(torch, torch.optim.Adam, dict(lr=0.01), arrays, 2)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1, 2]
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"]
    for k in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
        assert sd["param_groups"][0][k] == tsd["param_groups"][0][k]
    for i in range(3):
        assert set(sd["state"][i]) == set(tsd["state"][i])
        assert sd["state"][i]["step"] == float(tsd["state"][i]["step"])
        np.testing.assert_allclose(sd["state"][i]["exp_avg"].detach().numpy(), tsd["state"][i]["exp_avg"].numpy(), rtol=1e-6)


def test_load_torch_optimizer_state_dict_continues_like_torch():
    torch = pytest.importorskip("torch")
    arrays = make_params()
    _, topt = run_torch(torch, torch.optim.Adam, dict(lr=0.01), arrays, 3)
    tparams = topt.param_groups[0]["params"]
    tsd = topt.state_dict()
    converted = {
        "state": {k: {n: (v.numpy() if hasattr(v, "numpy") else v) for n, v in s.items()} for k, s in tsd["state"].items()},
        "param_groups": tsd["param_groups"],
    }
    params = [Parameter(p.detach().numpy().copy()) for p in tparams]
    opt = Adam(params, lr=0.01)
    opt.load_state_dict(converted)
    for p, tp, g in zip(params, tparams, grads_for_step(9, [a.shape for a in arrays])):
        p.grad = miniconv.tensor(g)
        tp.grad = torch.from_numpy(g)
    opt.step()
    topt.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_load_state_dict_errors_and_no_aliasing():
    a, b = Parameter(np.ones(2, np.float32)), Parameter(np.ones(3, np.float32))
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = miniconv.ones(2), miniconv.ones(3)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        SGD([a], lr=0.1).load_state_dict(sd)
    swapped = SGD([b, a], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="has shape \\[2\\], but the parameter has shape \\[3\\]"):
        swapped.load_state_dict(sd)
    opt2 = SGD([a, b], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.param_groups[0]["params"][0] is a
    assert opt2.state[a]["momentum_buffer"].detach().numpy() is not opt.state[a]["momentum_buffer"].detach().numpy()
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt2.load_state_dict({"state": {}})


def test_loaded_state_is_cast_to_param_dtype():
    a = Parameter(np.ones(2, np.float32))
    opt = Adam([a])
    sd = {"state": {0: {"step": np.array(2.0), "exp_avg": np.ones(2), "exp_avg_sq": np.ones(2)}},
          "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
    opt.load_state_dict(sd)
    assert opt.state[a]["exp_avg"].dtype == np.float32 and opt.state[a]["step"] == 2.0


def test_many_combinations_converge_on_a_quadratic():
    # every option combination reduces a simple convex loss (a smoke test of the update directions)
    target = np.array([1.0, -2.0, 3.0], np.float32)
    for cls, kw in itertools.chain(
        ((SGD, dict(lr=0.1, momentum=m, nesterov=n)) for m, n in [(0, False), (0.9, False), (0.9, True)]),
        ((c, dict(lr=0.1, amsgrad=a)) for c in (Adam, AdamW) for a in (False, True)),
    ):
        p = Parameter(np.zeros(3, np.float32))
        opt = cls([p], **kw)
        for _ in range(200):
            opt.zero_grad()
            ((p - miniconv.tensor(target)) ** 2).sum().backward()
            opt.step()
        np.testing.assert_allclose(p.detach().numpy(), target, atol=0.1, err_msg=f"{cls.__name__} {kw}")
