"""torch.func transforms under miniconv, in the style of PyTorch's own tutorials ("Per-sample gradients",
"Model ensembling", "Jacobians, Hessians, hvp, vhp, and more"): the same code run on both libraries,
values compared (float64 where the tutorial's numbers are sums of many terms)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.func  # noqa: E402,F401
import torch.func  # noqa: E402,F401


def arr(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def to_np(t):
    if isinstance(t, dict):
        return {k: to_np(v) for k, v in t.items()}
    if isinstance(t, (tuple, list)):
        return type(t)(to_np(v) for v in t)
    return t.detach().numpy()


def close(a, b, rtol=1e-9, atol=1e-10):
    if isinstance(b, dict):
        assert sorted(a) == sorted(b)
        for k in b:
            close(a[k], b[k], rtol, atol)
    elif isinstance(b, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            close(x, y, rtol, atol)
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def per_sample_grads(lib):
    F = lib.nn.functional
    from importlib import import_module
    func = import_module(lib.__name__ + ".func")

    class SimpleCNN(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 4, 3, 1)
            self.fc1 = lib.nn.Linear(4 * 3 * 3, 5)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            return F.log_softmax(self.fc1(lib.flatten(x, 1)), dim=1)

    lib.manual_seed(0)
    model = SimpleCNN().double()
    sd = {k: lib.tensor(arr(*v.shape, seed=i)) for i, (k, v) in enumerate(model.state_dict().items())}
    model.load_state_dict(sd)
    data, targets = lib.tensor(arr(6, 1, 8, 8, seed=9)), lib.tensor(np.array([0, 1, 2, 3, 4, 0]))
    loss_fn = F.nll_loss
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch, targets = sample.unsqueeze(0), target.unsqueeze(0)
        predictions = func.functional_call(model, (params, buffers), (batch,))
        return loss_fn(predictions, targets)

    ft_compute_sample_grad = func.vmap(func.grad(compute_loss), in_dims=(None, None, 0, 0))
    per_sample = ft_compute_sample_grad(params, buffers, data, targets)
    # the loop it replaces
    manual = []
    for i in range(6):
        model.zero_grad()
        loss_fn(model(data[i].unsqueeze(0)), targets[i].unsqueeze(0)).backward()
        manual.append({k: p.grad.detach().clone() for k, p in model.named_parameters()})
    return to_np(per_sample), [to_np(m) for m in manual]


def test_per_sample_gradients_tutorial():
    (mg, mloop), (tg, tloop) = per_sample_grads(miniconv), per_sample_grads(torch)
    close(mg, tg)
    for i in range(6):
        close({k: v[i] for k, v in mg.items()}, mloop[i])
    close(mloop, tloop)


def ensembling(lib):
    from importlib import import_module
    func = import_module(lib.__name__ + ".func")
    F = lib.nn.functional

    class SimpleMLP(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.nn.Linear(12, 8)
            self.fc2 = lib.nn.Linear(8, 3)

        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x.flatten(1))))

    models = []
    for j in range(4):
        m = SimpleMLP().double()
        m.load_state_dict({k: lib.tensor(arr(*v.shape, seed=10 * j + i)) for i, (k, v) in
                           enumerate(m.state_dict().items())})
        models.append(m)
    minibatches = lib.tensor(arr(4, 5, 3, 4, seed=99))
    minibatch = minibatches[0]
    params, buffers = func.stack_module_state(models)
    base_model = models[0]

    def fmodel(params, buffers, x):
        return func.functional_call(base_model, (params, buffers), (x,))

    diff = func.vmap(fmodel)(params, buffers, minibatches)
    same = func.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    loop = [m(minibatch) for m in models]
    return to_np(diff), to_np(same), to_np(loop), params["fc1.weight"].requires_grad


def test_model_ensembling_tutorial():
    (md, ms, ml, mreq), (td, ts, tl, treq) = ensembling(miniconv), ensembling(torch)
    close(md, td)
    close(ms, ts)
    close(list(ms), ml)
    assert mreq == treq


def jac_hess(lib):
    from importlib import import_module
    func = import_module(lib.__name__ + ".func")
    F = lib.nn.functional
    D = 4
    weight, bias, x = lib.tensor(arr(D, D, seed=1)), lib.tensor(arr(D, seed=2)), lib.tensor(arr(D, seed=3))

    def predict(weight, bias, x):
        return F.linear(x, weight, bias).tanh()

    out = {}
    out["jacrev_x"] = func.jacrev(predict, argnums=2)(weight, bias, x)
    out["jacfwd_x"] = func.jacfwd(predict, argnums=2)(weight, bias, x)
    out["jac_wb"] = func.jacrev(predict, argnums=(0, 1))(weight, bias, x)
    out["hess"] = func.hessian(lambda w, b, v: predict(w, b, v).sum(), argnums=2)(weight, bias, x)
    batch_x = lib.tensor(arr(3, D, seed=5))
    out["batch_jac"] = func.vmap(func.jacrev(predict, argnums=2), in_dims=(None, None, 0))(weight, bias, batch_x)
    out["vmap_hess"] = func.vmap(func.hessian(lambda v: predict(weight, bias, v).sum()))(batch_x)

    def hvp(f, primals, tangents):
        return func.jvp(func.grad(f), primals, tangents)[1]
    out["hvp"] = hvp(lambda v: v.sin().sum(), (x,), (lib.tensor(arr(D, seed=7)),))
    value, vjp_fn = func.vjp(lambda v: v.sin() * v, x)
    out["vjp"] = (value, vjp_fn(lib.ones(D)))
    out["jvp"] = func.jvp(lambda v: v.exp().cumsum(0), (x,), (lib.ones(D),))
    g, aux = func.grad(lambda v: ((v ** 2).sum(), v.mean()), has_aux=True)(x)
    out["grad_aux"] = (g, aux)
    gv = func.grad_and_value(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, batch_x[0])
    out["grad_and_value"] = gv
    out["dict_grad"] = func.grad(lambda p: (p["a"] * p["b"].exp()).sum())({"a": x, "b": batch_x[1]})
    return to_np(out)


def test_jacobians_hessians_tutorial():
    close(jac_hess(miniconv), jac_hess(torch))


def test_results_are_plain_tensors_and_nested_in_outer_autograd():
    x = miniconv.tensor(arr(3))
    g = miniconv.func.grad(lambda v: v.sin().sum())(x)
    assert not g.requires_grad and g.grad_fn is None
    xr = miniconv.tensor(arr(3), requires_grad=True)
    xt = torch.tensor(arr(3), requires_grad=True)
    gm = miniconv.func.grad(lambda v: (v ** 3).sum())(xr)
    gt = torch.func.grad(lambda v: (v ** 3).sum())(xt)
    assert gm.requires_grad and gt.requires_grad
    gm.sum().backward()
    gt.sum().backward()
    close(xr.grad.numpy(), xt.grad.numpy())
    assert miniconv.vmap is miniconv.func.vmap


def test_errors_like_torch():
    for lib in (miniconv, torch):
        x = lib.ones(3, dtype=lib.float64)
        with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
            lib.func.grad(lambda v: v * 2)(x)
        with pytest.raises(RuntimeError, match="output of function f should be a tuple"):
            lib.func.grad(lambda v: v.sum(), has_aux=True)(x)
        with pytest.raises(ValueError, match="Expected all tensors to have the same size in the mapped dimension"):
            lib.func.vmap(lambda a, b: a + b)(lib.ones(3), lib.ones(4))
        with pytest.raises(ValueError, match="Expected at least one Tensor to vmap over"):
            lib.func.vmap(lambda a: a, in_dims=(None,))(lib.ones(3))
        with pytest.raises(ValueError, match="expected `in_dims` to be int or a \\(potentially nested\\) tuple"):
            lib.func.vmap(lambda a: a, in_dims=None)(lib.ones(3))
        with pytest.raises(ValueError, match="Got in_dim=2 for some input"):
            lib.func.vmap(lambda a: a, in_dims=2)(lib.ones(3))
        with pytest.raises(RuntimeError, match="Expected at least one model"):
            lib.func.stack_module_state([])
