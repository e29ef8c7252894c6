"""Transforms against PyTorch: forward, inverse, log|det J| and their gradients, shapes, domains, signs,
composition, caching; and the SAC-style tanh-squashed Normal policy."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 3))
XPOS = RNG.uniform(0.2, 2.0, (4, 3))
XUNIT = RNG.uniform(0.1, 0.9, (4, 3))
XSIMPLEX = RNG.dirichlet(np.ones(4), 3)

CASES = {  # name: (make(T, lib), x for forward)
    "exp": (lambda T, lib: T.ExpTransform(), X),
    "exp_inv": (lambda T, lib: T.ExpTransform().inv, XPOS),
    "sigmoid": (lambda T, lib: T.SigmoidTransform(), X),
    "tanh": (lambda T, lib: T.TanhTransform(), X),
    "tanh_inv": (lambda T, lib: T.TanhTransform().inv, XUNIT * 2 - 1),
    "softplus": (lambda T, lib: T.SoftplusTransform(), X),
    "power": (lambda T, lib: T.PowerTransform(lib.tensor(2.5, dtype=lib.float64)), XPOS),
    "abs": (lambda T, lib: T.AbsTransform(), X),
    "affine": (lambda T, lib: T.AffineTransform(lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64),
                                                lib.tensor([2.0, 0.5, -3.0], dtype=lib.float64)), X),
    "affine_event": (lambda T, lib: T.AffineTransform(0.5, 2.0, event_dim=1), X),
    "compose": (lambda T, lib: T.ComposeTransform([T.AffineTransform(0.0, 2.0), T.TanhTransform()]), X),
    "independent": (lambda T, lib: T.IndependentTransform(T.ExpTransform(), 1), X),
    "reshape": (lambda T, lib: T.ReshapeTransform((3,), (3, 1)), X),
    "softmax": (lambda T, lib: T.SoftmaxTransform(), X),
    "stick_breaking": (lambda T, lib: T.StickBreakingTransform(), X),
    "stick_breaking_inv": (lambda T, lib: T.StickBreakingTransform().inv, XSIMPLEX),
    "lower_cholesky": (lambda T, lib: T.LowerCholeskyTransform(), RNG.normal(size=(2, 3, 3))),
}


def _run(lib, name):
    make, x = CASES[name]
    T = lib.distributions.transforms
    t = make(T, lib)
    xt = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    y = t(xt)
    out = {"y": y, "sign": None, "event": (t.domain.event_dim, t.codomain.event_dim, t.bijective),
           "repr": repr(t).replace("miniconv.", "torch."), "dom": repr(t.domain).replace("miniconv", "torch"),
           "codom": repr(t.codomain).replace("miniconv", "torch"),
           "shape": (tuple(t.forward_shape(xt.shape)), tuple(t.inverse_shape(y.shape)))}
    try:
        out["sign"] = t.sign if isinstance(t.sign, int) else t.sign.detach().numpy().tolist()
    except NotImplementedError:
        out["sign"] = "n/a"
    try:
        ladj = t.log_abs_det_jacobian(xt, y)
        out["ladj"] = ladj
    except NotImplementedError:
        ladj, out["ladj"] = None, "n/a"
    if t.bijective and name != "softmax":
        out["x_back"] = t.inv(y.detach())
    loss = y.sin().sum() + (ladj.sum() if ladj is not None else 0)
    out["grad"] = lib.autograd.grad(loss, [xt])[0]
    return {k: (v.detach().numpy() if hasattr(v, "detach") else v) for k, v in out.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_transform(name):
    m, t = _run(miniconv, name), _run(torch, name)
    assert m.keys() == t.keys()
    for k in t:
        if isinstance(t[k], np.ndarray):
            np.testing.assert_allclose(m[k], t[k], rtol=1e-10, atol=1e-12, err_msg=k)
        else:
            assert m[k] == t[k], (k, m[k], t[k])


def test_inverse_caching_and_equality():
    for lib in (miniconv, torch):
        T = lib.distributions.transforms
        t = T.TanhTransform(cache_size=1)
        x = lib.tensor([0.3, 40.0])
        y = t(x)
        assert t.inv(y) is x  # cached: the exact pre-image, even where tanh saturates
        assert T.TanhTransform() == T.TanhTransform() and T.ExpTransform() != T.TanhTransform()
        assert t.inv.inv is t
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            T.ExpTransform(cache_size=2)


def test_sac_tanh_normal_policy_step():
    """A SAC actor's log-probability of a squashed action, written as the usual script writes it, and the
    gradient of the policy loss with respect to the network outputs."""
    rng = np.random.default_rng(0)
    mu0, log_std0 = rng.normal(size=(5, 2)).astype(np.float32), rng.normal(size=(5, 2)).astype(np.float32) * 0.3
    eps = rng.normal(size=(5, 2)).astype(np.float32)
    res = []
    for lib in (miniconv, torch):
        D = lib.distributions
        mu = lib.tensor(mu0, requires_grad=True)
        log_std = lib.tensor(log_std0, requires_grad=True)
        std = log_std.clamp(-20, 2).exp()
        base = D.Normal(mu, std)
        u = mu + std * lib.tensor(eps)  # rsample with given noise
        action = lib.tanh(u)
        logp = base.log_prob(u).sum(-1) - (2 * (np.log(2) - u - lib.nn.functional.softplus(-2 * u))).sum(-1)
        squashed = D.TransformedDistribution(base, [D.transforms.TanhTransform(cache_size=1)])
        logp2 = squashed.log_prob(action).sum(-1)
        loss = (0.2 * logp - action.sum(-1)).mean() + 0.0 * logp2.sum()
        loss.backward()
        res.append((logp.detach().numpy(), logp2.detach().numpy(), mu.grad.numpy(), log_std.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)


REGISTRY_CASES = {  # constraint(C, lib) and an unconstrained input shape
    "positive": (lambda C, lib: C.positive, (4, 3)),
    "unit_interval": (lambda C, lib: C.unit_interval, (4, 3)),
    "interval": (lambda C, lib: C.interval(-1.0, 3.0), (4, 3)),
    "greater_than": (lambda C, lib: C.greater_than(2.0), (4, 3)),
    "less_than": (lambda C, lib: C.less_than(-1.0), (4, 3)),
    "simplex": (lambda C, lib: C.simplex, (4, 3)),
    "lower_cholesky": (lambda C, lib: C.lower_cholesky, (2, 3, 3)),
    "corr_cholesky": (lambda C, lib: C.corr_cholesky, (2, 3)),
    "positive_definite": (lambda C, lib: C.positive_definite, (2, 3, 3)),
    "real": (lambda C, lib: C.real, (4, 3)),
}


@pytest.mark.parametrize("name", sorted(REGISTRY_CASES))
@pytest.mark.parametrize("which", ["biject_to", "transform_to"])
def test_constraint_registry(name, which):
    make, shape = REGISTRY_CASES[name]
    x0 = RNG.normal(size=shape)
    out = []
    for lib in (miniconv, torch):
        D = lib.distributions
        c = make(D.constraints, lib)
        try:
            t = getattr(D, which)(c)
        except NotImplementedError as e:
            out.append(("NotImplementedError", str(e)))
            continue
        x = lib.tensor(x0, requires_grad=True)
        y = t(x)
        assert bool(c.check(y).all())
        try:
            ladj = t.log_abs_det_jacobian(x, y)
        except NotImplementedError:
            ladj = lib.zeros(())
        g = lib.autograd.grad(y.sum() + ladj.sum(), [x])[0]
        out.append((type(t).__name__, y.detach().numpy(), ladj.detach().numpy(), g.numpy(),
                    t.inv(y.detach()).numpy()))
    assert out[0][0] == out[1][0]
    if out[1][0] == "NotImplementedError":
        assert out[0][1] == out[1][1]
        return
    for a, b in zip(out[0][1:], out[1][1:]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
