"""The distributions the oracle tests build on both libraries: a name, the parameters (NumPy arrays, made
into tensors that require grad), a constructor ``make(D, lib, params)``, and values in the support at which
``log_prob`` / ``cdf`` are compared. Shared by the test files of this directory (not collected: no test_)."""
import numpy as np

RNG = np.random.default_rng(1234)


def _pos(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def _real(*shape):
    return RNG.normal(size=shape)


def _probs(*shape):
    p = RNG.uniform(0.1, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def _spd(b, n):
    a = RNG.normal(size=(b, n, n))
    return a @ a.transpose(0, 2, 1) + n * np.eye(n)


_COV = _spd(2, 3)
_ONEHOT = np.eye(4)[RNG.integers(0, 4, (5, 2))]

def _corr_chol(*batch):
    out = []
    for _ in range(int(np.prod(batch))):
        a = _spd(1, 3)[0]
        d = 1 / np.sqrt(np.diag(a))
        out.append(np.linalg.cholesky(a * d[:, None] * d[None, :]))
    return np.array(out).reshape(batch + (3, 3))


# name: (params {name: array}, make(D, lib, P), value(lib) or None)
SPECS = {
    "Normal": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.Normal(P["loc"], P["scale"]),
               _real(4, 3)),
    "LogNormal": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.LogNormal(P["loc"], P["scale"]),
                  _pos(4, 3)),
    "Laplace": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.Laplace(P["loc"], P["scale"]), _real(4, 3)),
    "Cauchy": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.Cauchy(P["loc"], P["scale"]), _real(4, 3)),
    "Gumbel": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.Gumbel(P["loc"], P["scale"]), _real(4, 3)),
    "Uniform": ({"low": -_pos(3), "high": _pos(3)}, lambda D, lib, P: D.Uniform(P["low"], P["high"]),
                RNG.uniform(-0.4, 0.4, (4, 3))),
    "Exponential": ({"rate": _pos(3)}, lambda D, lib, P: D.Exponential(P["rate"]), _pos(4, 3)),
    "Gamma": ({"concentration": _pos(3), "rate": _pos(3)}, lambda D, lib, P: D.Gamma(P["concentration"], P["rate"]),
              _pos(4, 3)),
    "Chi2": ({"df": _pos(3) * 2}, lambda D, lib, P: D.Chi2(P["df"]), _pos(4, 3)),
    "Beta": ({"c1": _pos(3), "c0": _pos(3)}, lambda D, lib, P: D.Beta(P["c1"], P["c0"]), RNG.uniform(0.05, 0.95, (4, 3))),
    "Dirichlet": ({"concentration": _pos(2, 4)}, lambda D, lib, P: D.Dirichlet(P["concentration"]), _probs(5, 2, 4)),
    "StudentT": ({"df": _pos(3) * 3, "loc": _real(3), "scale": _pos(3)},
                 lambda D, lib, P: D.StudentT(P["df"], P["loc"], P["scale"]), _real(4, 3)),
    "HalfNormal": ({"scale": _pos(3)}, lambda D, lib, P: D.HalfNormal(P["scale"]), _pos(4, 3)),
    "HalfCauchy": ({"scale": _pos(3)}, lambda D, lib, P: D.HalfCauchy(P["scale"]), _pos(4, 3)),
    "Bernoulli_probs": ({"p": RNG.uniform(0.1, 0.9, 3)}, lambda D, lib, P: D.Bernoulli(probs=P["p"]),
                        RNG.integers(0, 2, (4, 3)).astype(float)),
    "Bernoulli_logits": ({"l": _real(3)}, lambda D, lib, P: D.Bernoulli(logits=P["l"]),
                         RNG.integers(0, 2, (4, 3)).astype(float)),
    "Binomial": ({"p": RNG.uniform(0.1, 0.9, 3)}, lambda D, lib, P: D.Binomial(5, probs=P["p"]),
                 RNG.integers(0, 6, (4, 3)).astype(float)),
    "Binomial_logits": ({"l": _real(3)}, lambda D, lib, P: D.Binomial(lib.tensor([2.0, 5.0, 7.0]), logits=P["l"]),
                        RNG.integers(0, 3, (4, 3)).astype(float)),
    "Geometric": ({"p": RNG.uniform(0.1, 0.9, 3)}, lambda D, lib, P: D.Geometric(P["p"]),
                  RNG.integers(0, 6, (4, 3)).astype(float)),
    "Poisson": ({"rate": _pos(3) * 2}, lambda D, lib, P: D.Poisson(P["rate"]), RNG.integers(0, 6, (4, 3)).astype(float)),
    "Categorical_probs": ({"p": _probs(2, 4)}, lambda D, lib, P: D.Categorical(probs=P["p"]),
                          RNG.integers(0, 4, (5, 2))),
    "Categorical_logits": ({"l": _real(2, 4)}, lambda D, lib, P: D.Categorical(logits=P["l"]),
                           RNG.integers(0, 4, (5, 2))),
    "OneHotCategorical": ({"p": _probs(2, 4)}, lambda D, lib, P: D.OneHotCategorical(probs=P["p"]), _ONEHOT),
    "Multinomial": ({"p": _probs(2, 4)}, lambda D, lib, P: D.Multinomial(6, probs=P["p"]),
                    np.array([[[1, 2, 3, 0], [6, 0, 0, 0]], [[0, 0, 0, 6], [2, 2, 1, 1]]], float)),
    "MVN_cov": ({"loc": _real(2, 3), "cov": _COV}, lambda D, lib, P: D.MultivariateNormal(P["loc"], P["cov"]),
                _real(4, 2, 3)),
    "MVN_prec": ({"loc": _real(2, 3), "prec": _COV},
                 lambda D, lib, P: D.MultivariateNormal(P["loc"], precision_matrix=P["prec"]), _real(4, 2, 3)),
    "MVN_tril": ({"loc": _real(2, 3), "tril": np.linalg.cholesky(_COV)},
                 lambda D, lib, P: D.MultivariateNormal(P["loc"], scale_tril=P["tril"]), _real(4, 2, 3)),
    "Independent": ({"loc": _real(2, 3), "scale": _pos(2, 3)},
                    lambda D, lib, P: D.Independent(D.Normal(P["loc"], P["scale"]), 1), _real(4, 2, 3)),
    "RelaxedBernoulli": ({"p": RNG.uniform(0.1, 0.9, 3)},
                         lambda D, lib, P: D.RelaxedBernoulli(lib.tensor(0.7, dtype=P["p"].dtype), probs=P["p"]),
                         RNG.uniform(0.05, 0.95, (4, 3))),
    "RelaxedOneHotCategorical": ({"l": _real(2, 4)}, lambda D, lib, P: D.RelaxedOneHotCategorical(
        lib.tensor(0.5, dtype=P["l"].dtype), logits=P["l"]), _probs(5, 2, 4)),
    "Tanh_Normal": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.TransformedDistribution(
        D.Normal(P["loc"], P["scale"]), [D.transforms.TanhTransform(cache_size=1)]), RNG.uniform(-0.9, 0.9, (4, 3))),
    "Affine_Exp_Normal": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.TransformedDistribution(
        D.Normal(P["loc"], P["scale"]), [D.transforms.AffineTransform(1.0, 2.0), D.transforms.ExpTransform()]),
        _pos(4, 3)),
    "Sigmoid_Normal": ({"loc": _real(3), "scale": _pos(3)}, lambda D, lib, P: D.TransformedDistribution(
        D.Normal(P["loc"], P["scale"]), D.transforms.SigmoidTransform()), RNG.uniform(0.05, 0.95, (4, 3))),
    "Pareto": ({"scale": _pos(3), "alpha": _pos(3) * 2}, lambda D, lib, P: D.Pareto(P["scale"], P["alpha"]),
               _pos(4, 3) + 2.0),
    "Weibull": ({"scale": _pos(3), "c": _pos(3)}, lambda D, lib, P: D.Weibull(P["scale"], P["c"]), _pos(4, 3)),
    "NegativeBinomial": ({"p": RNG.uniform(0.1, 0.9, 3)}, lambda D, lib, P: D.NegativeBinomial(
        lib.tensor([2.0, 3.5, 5.0], dtype=P["p"].dtype), probs=P["p"]), RNG.integers(0, 8, (4, 3)).astype(float)),
    "NegativeBinomial_logits": ({"l": _real(3)}, lambda D, lib, P: D.NegativeBinomial(3.0, logits=P["l"]),
                                RNG.integers(0, 8, (4, 3)).astype(float)),
    "MixtureSameFamily": ({"p": _probs(3, 2), "loc": _real(3, 2), "scale": _pos(3, 2)},
                          lambda D, lib, P: D.MixtureSameFamily(D.Categorical(probs=P["p"]),
                                                                D.Normal(P["loc"], P["scale"])), _real(4, 3)),
    "LowRankMVN": ({"loc": _real(2, 3), "factor": _real(2, 3, 2), "diag": _pos(2, 3)},
                   lambda D, lib, P: D.LowRankMultivariateNormal(P["loc"], P["factor"], P["diag"]), _real(4, 2, 3)),
    "Kumaraswamy": ({"c1": _pos(3), "c0": _pos(3)}, lambda D, lib, P: D.Kumaraswamy(P["c1"], P["c0"]),
                    RNG.uniform(0.05, 0.95, (4, 3))),
    "InverseGamma": ({"c": _pos(3) + 2, "rate": _pos(3)}, lambda D, lib, P: D.InverseGamma(P["c"], P["rate"]),
                     _pos(4, 3)),
    "FisherSnedecor": ({"df1": _pos(3) * 3, "df2": _pos(3) * 3 + 4},
                       lambda D, lib, P: D.FisherSnedecor(P["df1"], P["df2"]), _pos(4, 3)),
    "ContinuousBernoulli": ({"p": RNG.uniform(0.1, 0.9, 3)}, lambda D, lib, P: D.ContinuousBernoulli(probs=P["p"]),
                            RNG.uniform(0.05, 0.95, (4, 3))),
    "ContinuousBernoulli_logits": ({"l": _real(3)}, lambda D, lib, P: D.ContinuousBernoulli(logits=P["l"]),
                                   RNG.uniform(0.05, 0.95, (4, 3))),
    "LogisticNormal": ({"loc": _real(2, 3), "scale": _pos(2, 3)},
                       lambda D, lib, P: D.LogisticNormal(P["loc"], P["scale"]), _probs(5, 2, 4)),
    "GeneralizedPareto": ({"loc": _real(3), "scale": _pos(3), "c": RNG.uniform(0.1, 0.4, 3)},
                          lambda D, lib, P: D.GeneralizedPareto(P["loc"], P["scale"], P["c"]), _pos(4, 3) + 1.5),
    "VonMises": ({"loc": _real(3), "k": _pos(3) * 2}, lambda D, lib, P: D.VonMises(P["loc"], P["k"]),
                 RNG.uniform(-3.1, 3.1, (4, 3))),
    "LKJCholesky": ({"k": _pos(2) + 0.5}, lambda D, lib, P: D.LKJCholesky(3, P["k"]), _corr_chol(4, 2)),
    "Wishart": ({"df": _pos(2) + 4, "cov": _COV}, lambda D, lib, P: D.Wishart(P["df"], covariance_matrix=P["cov"]),
                _spd(8, 3).reshape(4, 2, 3, 3)),
}


def build(lib, name, dtype="float64"):
    """``(distribution, params)`` for spec ``name`` on ``lib``; params are leaf tensors requiring grad."""
    params, make, _ = SPECS[name]
    dt = getattr(lib, dtype)
    P = {k: lib.tensor(v, dtype=dt, requires_grad=True) for k, v in params.items()}
    return make(lib.distributions, lib, P), P


def value(lib, name, dtype="float64"):
    v = SPECS[name][2]
    if v.dtype.kind in "iu":
        return lib.tensor(v)
    return lib.tensor(v, dtype=getattr(lib, dtype))
