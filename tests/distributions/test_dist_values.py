"""Every distribution built the same way on miniconv and PyTorch: shapes, moments, log_prob, entropy,
cdf/icdf, expand, and the gradients of log_prob and entropy with respect to the parameters, compared."""
import numpy as np
import pytest

import miniconv
from dist_specs import SPECS, build, value

torch = pytest.importorskip("torch")

NAMES = sorted(SPECS)
# PyTorch 2.13's GeneralizedPareto.log_prob/cdf fail on float64 parameters ("Double did not match Float":
# isclose against a float32 zero), so it is compared in float32
DTYPE = {"GeneralizedPareto": "float32"}


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _attr(lib, name, attr, dtype="float64"):
    d, _ = build(lib, name, dtype)
    try:
        return ("ok", getattr(d, attr))
    except Exception as e:  # noqa: BLE001 - the class is compared
        return ("raise", type(e).__name__, str(e))


def _close(m, t, rtol):
    assert m[0] == t[0], (m, t)
    if m[0] == "raise":
        assert m[1] == t[1], (m, t)
        return
    a, b = m[1], t[1]
    if isinstance(b, torch.Size):
        assert tuple(a) == tuple(b)
        return
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=rtol * 1e-2, equal_nan=True)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("attr", ["batch_shape", "event_shape", "mean", "variance", "stddev", "mode"])
def test_shapes_and_moments(name, attr):
    dt = DTYPE.get(name, "float64")
    _close(_attr(miniconv, name, attr, dt), _attr(torch, name, attr, dt), 1e-10 if dt == "float64" else 2e-6)


def _method(lib, name, fn, dtype="float64"):
    d, P = build(lib, name, dtype)
    try:
        out = fn(d, lib, name, dtype)
    except Exception as e:  # noqa: BLE001
        return ("raise", type(e).__name__, str(e)), None
    grads = None
    if out.requires_grad:
        ps = list(P.values())
        try:
            grads = lib.autograd.grad(out.sum(), ps, allow_unused=True)
        except Exception as e:  # noqa: BLE001 - PyTorch has no derivative for some parameters
            grads = ("raise", type(e).__name__, str(e))
    return ("ok", out), grads


METHODS = {
    "log_prob": lambda d, lib, name, dt: d.log_prob(value(lib, name, dt)),
    "entropy": lambda d, lib, name, dt: d.entropy(),
    "cdf": lambda d, lib, name, dt: d.cdf(value(lib, name, dt)),
    "icdf": lambda d, lib, name, dt: d.icdf(lib.tensor([0.1, 0.5, 0.8], dtype=getattr(lib, dt))),
    "perplexity": lambda d, lib, name, dt: d.perplexity(),
    "expand_log_prob": lambda d, lib, name, dt: d.expand((4,) + tuple(d.batch_shape)).log_prob(value(lib, name, dt)),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", sorted(METHODS))
def test_values_and_gradients(name, method):
    dt = DTYPE.get(name, "float64")
    tol = 1e-9 if dt == "float64" else 2e-6
    (m, mg), (t, tg) = _method(miniconv, name, METHODS[method], dt), _method(torch, name, METHODS[method], dt)
    if t[0] == "raise" and t[1] == "NotImplementedError":
        assert m[0] == "raise" and m[1] == "NotImplementedError", m
        return
    _close(m, t, tol)
    assert (mg is None) == (tg is None)
    if tg and tg[0] == "raise":
        assert mg == tg
        return
    for a, b in zip(mg or (), tg or ()):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(_np(a), _np(b), rtol=tol * 10, atol=tol / 10)


def test_generalized_pareto_float64_works_in_miniconv():
    """Where PyTorch raises (float64 GeneralizedPareto), miniconv gives the float32 result in float64."""
    d64, _ = build(miniconv, "GeneralizedPareto")
    d32, _ = build(torch, "GeneralizedPareto", "float32")
    np.testing.assert_allclose(d64.log_prob(value(miniconv, "GeneralizedPareto")).detach().numpy(),
                               d32.log_prob(value(torch, "GeneralizedPareto", "float32")).detach().numpy(), rtol=1e-5)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "Categorical_logits", "Bernoulli_probs", "MVN_cov",
                                  "Dirichlet", "StudentT", "Tanh_Normal"])
def test_float32(name):
    (m, mg), (t, tg) = (_method(lib, name, METHODS["log_prob"], "float32") for lib in (miniconv, torch))
    _close(m, t, 2e-5)
    for a, b in zip(mg or (), tg or ()):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_sample_shape_dtype_support(name):
    for shape in [(), (7,), (2, 5)]:
        outs = []
        for lib in (miniconv, torch):
            d, _ = build(lib, name)
            s = d.sample(shape)
            assert not s.requires_grad
            assert bool(d.support.check(s).all()), (lib.__name__, s)
            outs.append((tuple(s.shape), str(s.dtype).split(".")[-1], tuple(d._extended_shape(shape))))
        assert outs[0] == outs[1]


@pytest.mark.parametrize("name", NAMES)
def test_flags_and_constraints(name):
    m, _ = build(miniconv, name)
    t, _ = build(torch, name)
    assert type(m).__name__ == type(t).__name__
    assert m.has_rsample == t.has_rsample
    assert m.has_enumerate_support == t.has_enumerate_support
    assert repr(m.support).replace("miniconv", "torch") == repr(t.support)
    assert sorted(m.arg_constraints) == sorted(t.arg_constraints)
    for k in m.arg_constraints:
        assert repr(m.arg_constraints[k]).replace("miniconv", "torch") == repr(t.arg_constraints[k])
    assert repr(m).split("(")[0] == repr(t).split("(")[0]
