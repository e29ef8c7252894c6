"""RAdam (rectified Adam), with PyTorch's update (``torch/optim/radam.py``, single-tensor path)."""
import numpy as np

from .._alloc import scoped as _caching_allocator
from . import _adam_common as common
from .optimizer import Optimizer, _check_impl_flags


class RAdam(Optimizer):
    r"""RAdam (Liu et al.), as ``torch.optim.RAdam``. At step ``t``, after Adam's moments ``m``, ``v``::

        rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        rho_t > 5:  p = p - lr * m / (1 - beta1**t) * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t
                    with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        otherwise:  p = p - lr * m / (1 - beta1**t)          (SGD with momentum while the variance is unreliable)

    Args: as :class:`Adam` (lr default 1e-3), plus ``decoupled_weight_decay`` (AdamW-style, default False).
    State per parameter: ``step`` (float), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        common.check_adam_args(lr, betas, eps, weight_decay)
        _check_impl_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_caching_allocator
    def step(self, closure=None):
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        loss = self._call_closure(closure)
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            for param, grad, state, step in common.steps(self, group):
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                common.update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2)

                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                bias_corrected_exp_avg = exp_avg / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive_lr = (bias_correction2**0.5) / (np.sqrt(exp_avg_sq) + eps)
                    param -= bias_corrected_exp_avg * lr * adaptive_lr * rect
                else:
                    param -= bias_corrected_exp_avg * lr
        return loss
