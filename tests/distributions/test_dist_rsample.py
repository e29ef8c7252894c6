"""Reparameterised sampling: given the same base noise (injected into both libraries), ``rsample`` gives
PyTorch's values and gradients; where the noise can't be injected, the gradient of each sample with respect
to the parameters is checked against its closed form at that sample; for Gamma/Beta/Dirichlet, against
PyTorch's own Gamma-sample derivative and the gradient of the exact mean."""
import numpy as np
import pytest

import miniconv
from dist_specs import SPECS, build

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _inject(monkeypatch, lib, normal=None, uniform=None):
    """Make ``rsample``'s base noise the given arrays on ``lib``."""
    D = lib.distributions
    if normal is not None:
        def fake(shape, dtype, device):
            assert tuple(shape) == normal.shape
            return lib.tensor(normal, dtype=dtype)
        for mod in (D.normal, D.multivariate_normal):
            monkeypatch.setattr(mod, "_standard_normal", fake)
    if uniform is not None:
        def fake_rand(*shape, dtype=None, device=None, **kw):
            return lib.tensor(uniform, dtype=dtype)
        monkeypatch.setattr(lib, "rand", fake_rand)


NOISE = {  # spec -> (normal noise shape for sample_shape (5,), uniform noise shape)
    "Normal": ((5, 3), None), "LogNormal": ((5, 3), None), "Independent": ((5, 2, 3), None),
    "MVN_cov": ((5, 2, 3), None), "MVN_prec": ((5, 2, 3), None), "MVN_tril": ((5, 2, 3), None),
    "Tanh_Normal": ((5, 3), None), "Affine_Exp_Normal": ((5, 3), None), "Sigmoid_Normal": ((5, 3), None),
    "Uniform": (None, (5, 3)), "RelaxedBernoulli": (None, (5, 3)), "RelaxedOneHotCategorical": (None, (5, 2, 4)),
}


@pytest.mark.parametrize("name", sorted(NOISE))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rsample_with_injected_noise(name, dtype, monkeypatch):
    ns, us = NOISE[name]
    normal = RNG.normal(size=ns) if ns else None
    uniform = RNG.uniform(0.01, 0.99, us) if us else None
    out = []
    for lib in (miniconv, torch):
        with monkeypatch.context() as mp:
            _inject(mp, lib, normal, uniform)
            d, P = build(lib, name, dtype)
            x = d.rsample((5,))
            w = lib.tensor(RNG.normal(size=tuple(x.shape)) if lib is miniconv else out[0][2], dtype=x.dtype)
            grads = lib.autograd.grad((x * w).sum(), list(P.values()), allow_unused=True)
            out.append((x.detach().numpy(), [None if g is None else g.numpy() for g in grads], w.numpy(),
                        str(x.dtype).split(".")[-1]))
    (xm, gm, _, dm), (xt, gt, _, dt) = out
    assert dm == dt
    tol = 1e-10 if dtype == "float64" else 2e-5
    np.testing.assert_allclose(xm, xt, rtol=tol, atol=tol)
    for a, b in zip(gm, gt):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=tol * 10, atol=tol * 10)


def _grad_at_sample(name):
    d, P = build(miniconv, name)
    x = d.rsample((6,))
    grads = {}
    for k, p in P.items():
        # each sample's derivative: the parameters are per-element, so sum over the sample dim
        grads[k] = [miniconv.autograd.grad(x[i].sum(), [p], retain_graph=True)[0].numpy() for i in range(6)]
    return d, {k: v.detach().numpy() for k, v in P.items()}, x.detach().numpy(), grads


CLOSED_FORMS = {
    # name: {param: d x / d param at sample x}
    "Laplace": {"loc": lambda P, x: np.ones_like(x), "scale": lambda P, x: (x - P["loc"]) / P["scale"]},
    "Cauchy": {"loc": lambda P, x: np.ones_like(x), "scale": lambda P, x: (x - P["loc"]) / P["scale"]},
    "Gumbel": {"loc": lambda P, x: np.ones_like(x), "scale": lambda P, x: (x - P["loc"]) / P["scale"]},
    "Exponential": {"rate": lambda P, x: -x / P["rate"]},
    "HalfNormal": {"scale": lambda P, x: x / P["scale"]},
    "HalfCauchy": {"scale": lambda P, x: x / P["scale"]},
    "Gamma": {"rate": lambda P, x: -x / P["rate"],
              "concentration": lambda P, x: torch._standard_gamma_grad(
                  torch.tensor(P["concentration"]).expand(x.shape), torch.tensor(x * P["rate"])).numpy() / P["rate"]},
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_rsample_gradient_closed_form(name):
    miniconv.manual_seed(3)
    d, P, x, grads = _grad_at_sample(name)
    assert d.has_rsample
    for k, form in CLOSED_FORMS[name].items():
        got = np.stack(grads[k])
        want = form(P, x)
        # PyTorch's Gamma-sample derivative is itself an approximation (relative error ~1e-4)
        np.testing.assert_allclose(got, want, rtol=1e-3 if k == "concentration" else 1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["Gamma", "Beta", "Dirichlet", "Chi2", "StudentT"])
def test_rsample_gradient_of_the_mean(name):
    """The gradient of the average of many reparameterised samples approaches the gradient of the exact mean
    (5 standard errors, from the spread of per-sample gradients estimated over the same draws)."""
    miniconv.manual_seed(11)
    d, P = build(miniconv, name)
    n = 40000
    x = d.rsample((n,))
    ps = list(P.values())

    def grad(y):
        gs = miniconv.autograd.grad(y, ps, retain_graph=True, allow_unused=True)
        return [np.zeros(p.shape) if g is None else g.numpy() for g, p in zip(gs, ps)]

    est = grad(x.mean(0).sum())
    exact = grad(d.mean.sum())
    # standard error of the estimate: per-sample gradient spread, from 200 single-sample gradients
    sub = [grad(d.rsample().sum()) for _ in range(200)]
    for i, (e, t) in enumerate(zip(est, exact)):
        sd = np.std(np.stack([s[i] for s in sub]), axis=0)
        err = np.abs(e - t)
        assert np.all(err <= 5 * sd / np.sqrt(n) + 1e-9), (name, err, sd / np.sqrt(n))


def test_sample_is_rsample_without_graph_and_discrete_has_none():
    d, P = build(miniconv, "Normal")
    assert d.rsample().requires_grad and not d.sample().requires_grad
    c, _ = build(miniconv, "Categorical_probs")
    with pytest.raises(NotImplementedError):
        c.rsample()
