"""Argument and sample validation: the same mistakes raise the same exception class and message on
miniconv and PyTorch (``validate_args``, ``set_default_validate_args``, probs/logits exclusivity, shapes)."""
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _run(fn, lib):
    try:
        out = fn(lib, lib.distributions)
        return ("ok", None if out is None else repr(out).replace("miniconv.", "torch."))
    except Exception as e:  # noqa: BLE001 - compared
        return ("raise", type(e).__name__, str(e).replace("miniconv.", "torch."))


def same(fn):
    m, t = _run(fn, miniconv), _run(fn, torch)
    assert m == t
    return t


CASES = {
    "normal_negative_scale": lambda lib, D: D.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])),
    "normal_nan_loc": lambda lib, D: D.Normal(lib.tensor([float("nan")]), lib.tensor([1.0])),
    "normal_numbers": lambda lib, D: D.Normal(0.0, -2.0),
    "normal_bad_type": lambda lib, D: D.Normal("a", 1.0),
    "categorical_negative": lambda lib, D: D.Categorical(probs=lib.tensor([0.5, -0.1, 0.6])),
    "categorical_both": lambda lib, D: D.Categorical(probs=lib.tensor([0.5, 0.5]), logits=lib.tensor([0.0, 0.0])),
    "categorical_neither": lambda lib, D: D.Categorical(),
    "categorical_scalar": lambda lib, D: D.Categorical(lib.tensor(0.5)),
    "bernoulli_above_one": lambda lib, D: D.Bernoulli(lib.tensor([0.2, 1.5])),
    "bernoulli_neither": lambda lib, D: D.Bernoulli(),
    "beta_zero": lambda lib, D: D.Beta(lib.tensor([0.0]), lib.tensor([1.0])),
    "gamma_negative_rate": lambda lib, D: D.Gamma(lib.tensor([1.0]), lib.tensor([-1.0])),
    "uniform_low_above_high": lambda lib, D: D.Uniform(lib.tensor([2.0]), lib.tensor([1.0])),
    "dirichlet_scalar": lambda lib, D: D.Dirichlet(lib.tensor(1.0)),
    "binomial_negative_count": lambda lib, D: D.Binomial(lib.tensor([-1.0]), lib.tensor([0.5])),
    "poisson_negative": lambda lib, D: D.Poisson(lib.tensor([-1.0])),
    "mvn_no_matrix": lambda lib, D: D.MultivariateNormal(lib.zeros(2)),
    "mvn_two_matrices": lambda lib, D: D.MultivariateNormal(lib.zeros(2), lib.eye(2), precision_matrix=lib.eye(2)),
    "mvn_scalar_loc": lambda lib, D: D.MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
    "mvn_not_pd": lambda lib, D: D.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "mvn_not_symmetric": lambda lib, D: D.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
    "mvn_bad_tril": lambda lib, D: D.MultivariateNormal(lib.zeros(2), scale_tril=lib.tensor([[1.0, 1.0], [0.0, 1.0]])),
    "mvn_loc_too_short": lambda lib, D: D.MultivariateNormal(lib.zeros(3), lib.eye(2)),
    "independent_too_many": lambda lib, D: D.Independent(D.Normal(lib.zeros(3), lib.ones(3)), 2),
    "normal_log_prob_out_of_shape": lambda lib, D: D.Normal(lib.zeros(3), lib.ones(3)).log_prob(lib.zeros(2)),
    "normal_log_prob_not_tensor": lambda lib, D: D.Normal(lib.zeros(3), lib.ones(3)).log_prob(1.0),
    "exponential_log_prob_negative": lambda lib, D: D.Exponential(lib.ones(2)).log_prob(lib.tensor([-1.0, 1.0])),
    "categorical_log_prob_out_of_range": lambda lib, D: D.Categorical(logits=lib.zeros(3)).log_prob(lib.tensor(3)),
    "categorical_log_prob_float": lambda lib, D: D.Categorical(logits=lib.zeros(3)).log_prob(lib.tensor(1.5)),
    "bernoulli_log_prob_two": lambda lib, D: D.Bernoulli(lib.tensor(0.3)).log_prob(lib.tensor(2.0)),
    "beta_log_prob_one_point_five": lambda lib, D: D.Beta(lib.tensor(2.0), lib.tensor(2.0)).log_prob(lib.tensor(1.5)),
    "dirichlet_log_prob_not_simplex": lambda lib, D: D.Dirichlet(lib.ones(3)).log_prob(lib.tensor([0.5, 0.5, 0.5])),
    "onehot_log_prob_not_onehot": lambda lib, D: D.OneHotCategorical(lib.ones(3) / 3).log_prob(lib.tensor([1.0, 1, 0])),
    "kl_not_implemented": lambda lib, D: D.kl_divergence(D.Cauchy(0.0, 1.0), D.Normal(0.0, 1.0)),
    "rsample_not_available": lambda lib, D: D.Categorical(logits=lib.zeros(3)).rsample(),
    "expand_wrong": lambda lib, D: D.Normal(lib.zeros(3), lib.ones(3)).expand((2, 4)),
    "entropy_of_poisson": lambda lib, D: D.Poisson(lib.ones(2)).entropy(),
    "cauchy_no_mean": lambda lib, D: D.Cauchy(0.0, 1.0).mean,
    "uniform_icdf": lambda lib, D: D.Uniform(0.0, 2.0).icdf(lib.tensor([0.25, 0.5])),
    "set_default_bad": lambda lib, D: D.Distribution.set_default_validate_args(2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_error(case):
    same(CASES[case])


def test_validate_args_false_skips_checks():
    def fn(lib, D):
        d = D.Normal(lib.tensor([0.0]), lib.tensor([-1.0]), validate_args=False)
        return d.log_prob(lib.tensor([0.5]))
    assert same(fn)[0] == "ok"

    def fn2(lib, D):
        return D.Exponential(lib.ones(2), validate_args=False).log_prob(lib.tensor([-1.0, 1.0]))
    assert same(fn2)[0] == "ok"


def test_set_default_validate_args():
    for lib in (miniconv, torch):
        D = lib.distributions
        D.Distribution.set_default_validate_args(False)
        try:
            D.Normal(lib.tensor([0.0]), lib.tensor([-1.0]))  # no error
            assert D.Distribution._validate_args is False
        finally:
            D.Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError):
            D.Normal(lib.tensor([0.0]), lib.tensor([-1.0]))


def test_probs_and_logits_are_normalised_and_linked():
    def fn(lib, D):
        c = D.Categorical(logits=lib.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]], dtype=lib.float64))
        b = D.Bernoulli(probs=lib.tensor([0.25, 0.75], dtype=lib.float64))
        c2 = D.Categorical(probs=lib.tensor([2.0, 1.0, 1.0], dtype=lib.float64))  # unnormalised weights
        return (c.logits, c.probs, c.param_shape, b.logits, b.probs, c2.probs, c2.logits, c.enumerate_support(),
                c.enumerate_support(expand=False), b.enumerate_support(), c.mode)
    same(fn)
