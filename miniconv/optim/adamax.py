"""Adamax (Adam with the infinity norm), with PyTorch's update (``torch/optim/adamax.py``, single-tensor path)."""
import numpy as np

from .._alloc import scoped as _caching_allocator
from . import _adam_common as common
from .optimizer import Optimizer, _check_impl_flags


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba), as ``torch.optim.Adamax``. At step ``t``::

        g = g + weight_decay * p
        m = m + (1 - beta1) * (g - m)
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    Args: as :class:`Adam` without amsgrad (lr default 2e-3).
    State per parameter: ``step`` (float), ``exp_avg``, ``exp_inf``.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        common.check_adam_args(lr, betas, eps, weight_decay)
        _check_impl_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_caching_allocator
    def step(self, closure=None):
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        loss = self._call_closure(closure)
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            for param, grad, state, step in common.steps(self, group, second="exp_inf"):
                exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
                common.update_first_moment(exp_avg, grad, beta1)
                exp_inf *= beta2
                np.maximum(exp_inf, np.abs(grad) + eps, out=exp_inf)
                clr = lr / (1 - beta1**step)
                param -= clr * (exp_avg / exp_inf)
        return loss
