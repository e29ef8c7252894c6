"""``Chi2`` (PyTorch's ``torch/distributions/chi2.py``, on miniconv tensors)."""
from miniconv import Tensor
from miniconv.distributions import constraints
from miniconv.distributions.gamma import Gamma


__all__ = ["Chi2"]


class Chi2(Gamma):
    """Creates a Chi-squared distribution parameterized by shape parameter :attr:`df`. This is exactly equivalent
    to ``Gamma(alpha=0.5*df, beta=0.5)``"""

    arg_constraints = {"df": constraints.positive}

    def __init__(
        self,
        df: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
