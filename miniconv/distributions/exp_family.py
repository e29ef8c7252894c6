"""``ExponentialFamily`` (PyTorch's ``torch/distributions/exp_family.py``, on miniconv tensors)."""
import miniconv
from miniconv import Tensor
from miniconv.distributions.distribution import Distribution


__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """ExponentialFamily is the abstract base class for probability distributions belonging to an exponential
    family, whose probability mass/density function has the form is defined below"""

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """Abstract method for natural parameters. Returns a tuple of Tensors based on the distribution"""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        """Abstract method for log normalizer function. Returns a log normalizer based on the distribution and
        input"""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        """Abstract method for expected carrier measure, which is required for computing entropy."""
        raise NotImplementedError

    def entropy(self):
        """Method to compute the entropy using Bregman divergence of the log normalizer."""
        result: Tensor | float = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        # PyTorch passes create_graph=True; the parameters here are detached copies, so the gradient with respect
        # to the distribution's own parameters is the same without it
        gradients = miniconv.autograd.grad(lg_normal.sum(), nparams, retain_graph=True)
        result += lg_normal
        for np, g in zip(nparams, gradients):
            result -= (np * g).reshape(self._batch_shape + (-1,)).sum(-1)
        return result
