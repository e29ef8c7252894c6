"""kl_divergence on every pair of the distributions miniconv has (same family and mixed), against PyTorch:
values, gradients with respect to both sides' parameters, NotImplementedError for unregistered pairs, and
register_kl's most-specific dispatch for user subclasses."""
import numpy as np
import pytest

import miniconv
from dist_specs import SPECS

torch = pytest.importorskip("torch")

CLASSES = ["Normal", "Laplace", "Cauchy", "Gumbel", "Uniform", "Exponential", "Gamma", "Chi2", "Beta", "Dirichlet",
           "Bernoulli_probs", "Binomial", "Geometric", "Poisson", "Categorical_probs", "OneHotCategorical", "MVN_cov",
           "MVN_tril", "Independent", "HalfNormal", "LogNormal", "Multinomial", "StudentT", "Pareto",
           "ContinuousBernoulli", "LowRankMVN", "Weibull", "InverseGamma", "NegativeBinomial", "Kumaraswamy",
           "VonMises"]


def _other(key, v):
    """A second parameter set of the same shapes (for q)."""
    if key == "p":
        return v[..., ::-1].copy() if v.ndim > 1 and key == "p" else 1 - v
    if key == "l":
        return -v
    if key in ("cov", "prec"):
        return v + np.eye(v.shape[-1])
    if key == "tril":
        return v * 1.5
    return v * 1.3 + 0.1 if np.all(v > 0) else v + 0.5


def _build(lib, spec, second):
    params, make, _ = SPECS[spec]
    P = {k: lib.tensor(_other(k, v) if second else v, dtype=lib.float64, requires_grad=True) for k, v in params.items()}
    return make(lib.distributions, lib, P), list(P.values())


def _kl(lib, a, b):
    p, pp = _build(lib, a, False)
    q, qp = _build(lib, b, True)
    try:
        kl = lib.distributions.kl_divergence(p, q)
    except NotImplementedError as e:
        return ("raise", str(e)), None
    if not kl.requires_grad:
        return ("ok", kl.detach().numpy()), None
    return ("ok", kl.detach().numpy()), [g for g in lib.autograd.grad(kl.sum(), pp + qp, allow_unused=True)]


@pytest.mark.parametrize("a", CLASSES)
@pytest.mark.parametrize("b", CLASSES)
def test_kl_pairs(a, b):
    (m, mg), (t, tg) = _kl(miniconv, a, b), _kl(torch, a, b)
    assert m[0] == t[0], (m, t)
    if t[0] == "raise":
        assert m[1] == t[1]
        return
    assert m[1].shape == t[1].shape
    np.testing.assert_allclose(m[1], t[1], rtol=1e-9, atol=1e-12)
    assert (mg is None) == (tg is None)
    for x, y in zip(mg or (), tg or ()):
        assert (x is None) == (y is None)
        if y is not None:
            np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-8, atol=1e-10)


def test_kl_normal_normal_float32_vae_form():
    """The VAE term: KL(N(mu, sigma) || N(0, 1)) summed, with its gradient, in float32."""
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(size=(8, 4)).astype(np.float32), rng.normal(size=(8, 4)).astype(np.float32) * 0.3
    out = []
    for lib in (miniconv, torch):
        m = lib.tensor(mu, requires_grad=True)
        lv = lib.tensor(logvar, requires_grad=True)
        D = lib.distributions
        kl = D.kl_divergence(D.Normal(m, (0.5 * lv).exp()), D.Normal(lib.zeros_like(m), lib.ones_like(m))).sum(1).mean()
        kl.backward()
        assert kl.dtype == lib.float32
        out.append((kl.item(), m.grad.numpy(), lv.grad.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-5, atol=1e-7)


def test_register_kl_dispatch_and_errors():
    results = []
    for lib in (miniconv, torch):
        D = lib.distributions

        class MyNormal(D.Normal):
            pass

        @D.register_kl(MyNormal, D.Normal)
        def _kl_mine(p, q):
            return lib.tensor(42.0)

        a = MyNormal(lib.tensor(0.0), lib.tensor(1.0))
        b = D.Normal(lib.tensor(1.0), lib.tensor(2.0))
        r = (D.kl_divergence(a, b).item(), D.kl_divergence(b, a).item(), D.kl_divergence(a, a).item())
        with pytest.raises(NotImplementedError) as e:
            D.kl_divergence(D.Cauchy(0.0, 1.0), D.Normal(0.0, 1.0))
        results.append((r, str(e.value)))
    assert results[0] == results[1]
    assert results[0][0][0] == 42.0
