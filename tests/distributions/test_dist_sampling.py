"""Samples by statistics (miniconv's generator differs from PyTorch's, so values are not compared): the mean
and variance of 20000 draws against the distribution's own (checked against PyTorch elsewhere) within
6 standard errors; discrete frequencies against probabilities; support, dtype, reproducibility with
miniconv.manual_seed."""
import numpy as np
import pytest

import miniconv
from dist_specs import SPECS, build

N = 20000
HEAVY_TAILED = {"Cauchy", "HalfCauchy", "StudentT"}  # moments undefined or too heavy-tailed to test this way
TRANSFORMED = {"Tanh_Normal", "Affine_Exp_Normal", "Sigmoid_Normal"}  # no closed-form moments: see below
RELAXED = {"RelaxedBernoulli", "RelaxedOneHotCategorical"}  # no closed-form moments (support is tested)
NO_MOMENTS = {"LKJCholesky", "LogisticNormal", "VonMises", "Pareto", "Wishart"}  # no mean, circular, heavy tail; Wishart below


@pytest.mark.parametrize("name", sorted(set(SPECS) - HEAVY_TAILED - TRANSFORMED - RELAXED - NO_MOMENTS))
def test_moments(name):
    miniconv.manual_seed(0)
    d, _ = build(miniconv, name)
    x = d.sample((N,)).double().numpy()
    mean, var = d.mean.detach().numpy(), d.variance.detach().numpy()
    finite = np.isfinite(mean) & np.isfinite(var)
    se_mean = np.sqrt(var / N)
    assert np.all(np.abs(x.mean(0) - mean)[finite] <= 6 * se_mean[finite] + 1e-12), name
    # variance: standard error from the sample's fourth central moment
    m4 = ((x - x.mean(0)) ** 4).mean(0)
    se_var = np.sqrt(np.maximum(m4 - var ** 2, 0) / N)
    assert np.all(np.abs(x.var(0) - var)[finite] <= 6 * se_var[finite] + 1e-9), name


@pytest.mark.parametrize("name", sorted(TRANSFORMED))
def test_transformed_samples_map_back_to_the_base(name):
    miniconv.manual_seed(5)
    d, _ = build(miniconv, name)
    y = d.sample((N,))
    x = y
    for t in reversed(d.transforms):
        x = t.inv(x)
    base = d.base_dist
    m, v = base.mean.detach().numpy(), base.variance.detach().numpy()
    x = x.double().numpy()
    assert np.all(np.abs(x.mean(0) - m) <= 6 * np.sqrt(v / N))
    assert np.all(np.abs(x.var(0) - v) <= 6 * np.sqrt(2 * v ** 2 / N))


def test_von_mises_circular_mean():
    miniconv.manual_seed(6)
    d, P = build(miniconv, "VonMises")
    x = d.sample((N,)).numpy()
    assert np.all((x >= -np.pi) & (x < np.pi))
    loc = P["loc"].detach().numpy()
    ang = np.arctan2(np.sin(x - loc).mean(0), np.cos(x - loc).mean(0))  # circular mean offset from loc
    assert np.all(np.abs(ang) < 0.05)


def test_lkj_and_wishart_samples():
    miniconv.manual_seed(7)
    lkj, _ = build(miniconv, "LKJCholesky")
    s = lkj.sample((500,)).numpy()
    corr = s @ np.swapaxes(s, -1, -2)
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), 1, atol=1e-10)
    w, P = build(miniconv, "Wishart")
    x = w.sample((4000,)).numpy()
    want = w.mean.detach().numpy()
    sd = np.sqrt(w.variance.detach().numpy() / 4000)
    assert np.all(np.abs(x.mean(0) - want) <= 6 * sd)


@pytest.mark.parametrize("name", ["Cauchy", "HalfCauchy", "Pareto"])
def test_heavy_tailed_medians(name):
    miniconv.manual_seed(1)
    d, _ = build(miniconv, name)
    x = d.sample((N,)).numpy()
    # the sample CDF at the true median is 1/2 within 6 standard errors (sd of a proportion: 0.5/sqrt(N))
    med = d.icdf(miniconv.tensor(0.5, dtype=miniconv.float64)).detach().numpy()
    frac = (x <= med).mean(0)
    assert np.all(np.abs(frac - 0.5) <= 6 * 0.5 / np.sqrt(N))


def test_categorical_frequencies_and_dtype():
    miniconv.manual_seed(2)
    probs = miniconv.tensor([0.1, 0.2, 0.3, 0.4])
    d = miniconv.distributions.Categorical(probs)
    x = d.sample((N,))
    assert x.dtype == miniconv.int64 and tuple(x.shape) == (N,)
    freq = np.bincount(x.numpy(), minlength=4) / N
    p = probs.numpy()
    assert np.all(np.abs(freq - p) <= 6 * np.sqrt(p * (1 - p) / N))
    oh = miniconv.distributions.OneHotCategorical(probs).sample((N,))
    assert oh.dtype == miniconv.float32 and np.all(oh.numpy().sum(-1) == 1)
    assert np.all(np.abs(oh.numpy().mean(0) - p) <= 6 * np.sqrt(p * (1 - p) / N))


def test_integer_valued_samples():
    miniconv.manual_seed(3)
    D = miniconv.distributions
    for d in (D.Poisson(miniconv.tensor([0.5, 4.0])), D.Binomial(7, miniconv.tensor([0.3, 0.9])),
              D.Geometric(miniconv.tensor([0.2, 0.7])), D.Bernoulli(miniconv.tensor([0.2, 0.7]))):
        x = d.sample((1000,))
        assert x.dtype == miniconv.float32  # counts are floats in the parameters' dtype, as in PyTorch
        assert np.all(x.numpy() == np.round(x.numpy())) and np.all(x.numpy() >= 0)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_seed_reproducible(name):
    draws = []
    for _ in range(2):
        miniconv.manual_seed(1234)
        d, _ = build(miniconv, name)
        draws.append(d.sample((3,)).numpy())
    np.testing.assert_array_equal(draws[0], draws[1])
    miniconv.manual_seed(4321)
    d, _ = build(miniconv, name)
    if name not in ("Bernoulli_probs", "Bernoulli_logits", "Categorical_probs", "Categorical_logits",
                    "OneHotCategorical", "Binomial", "Binomial_logits", "Geometric", "Poisson", "Multinomial"):
        assert not np.array_equal(d.sample((3,)).numpy(), draws[0])  # continuous: another seed, other values
