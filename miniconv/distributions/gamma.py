"""``Gamma`` (PyTorch's ``torch/distributions/gamma.py``, on miniconv tensors)."""
import miniconv
from miniconv import ops
from miniconv import Tensor
from miniconv.distributions import constraints
from miniconv.distributions.exp_family import ExponentialFamily
from miniconv.distributions.utils import _standard_gamma, broadcast_all
from miniconv.distributions.utils import _Number, _size


__all__ = ["Gamma"]




class Gamma(ExponentialFamily):
    """Creates a Gamma distribution parameterized by shape :attr:`concentration` and :attr:`rate`."""

    arg_constraints = {
        "concentration": constraints.positive,
        "rate": constraints.positive,
    }
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def __init__(
        self,
        concentration: Tensor | float,
        rate: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, _Number) and isinstance(rate, _Number):
            batch_shape = miniconv.Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = miniconv.Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Gamma, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape: _size = miniconv.Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(
            shape
        )
        value.detach().clamp_(
            min=miniconv.finfo(value.dtype).tiny
        )  # do not record in autograd graph
        return value

    def log_prob(self, value):
        value = miniconv.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (
            miniconv.xlogy(self.concentration, self.rate)
            + miniconv.xlogy(self.concentration - 1, value)
            - self.rate * value
            - miniconv.lgamma(self.concentration)
        )

    def entropy(self):
        return (
            self.concentration
            - miniconv.log(self.rate)
            + miniconv.lgamma(self.concentration)
            + (1.0 - self.concentration) * miniconv.digamma(self.concentration)
        )

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return miniconv.lgamma(x + 1) + (x + 1) * miniconv.log(-y.reciprocal())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        conc, x = broadcast_all(self.concentration, self.rate * value)
        return ops.GammaInc.apply(conc, x)
