"""``miniconv.distributions``: PyTorch's ``torch.distributions`` (same names, arguments, shapes, validation
errors and KL registry), on miniconv tensors and autograd.

Samples come from miniconv's generator (``miniconv.manual_seed``), so for a seed they differ from
PyTorch's; everything deterministic (``log_prob``, ``entropy``, ``cdf``, moments, ``kl_divergence``, and
their gradients) is PyTorch's. ``rsample`` is reparameterised as in PyTorch (``loc + scale * eps`` for the
location-scale families; implicit gradients for Gamma, Beta and Dirichlet).
"""
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .kl import _add_kl_info, kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F403
from .uniform import Uniform
from . import constraints, transforms  # noqa: F401

_add_kl_info()
del _add_kl_info

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution", "Exponential",
    "ExponentialFamily", "Gamma", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Independent", "Laplace",
    "LogNormal", "Multinomial", "MultivariateNormal", "Normal", "OneHotCategorical",
    "OneHotCategoricalStraightThrough", "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT", "Poisson",
    "Uniform", "TransformedDistribution", "kl_divergence", "register_kl",
]
__all__.extend(transforms.__all__)
