"""NAdam (Adam with Nesterov momentum), with PyTorch's update (``torch/optim/nadam.py``, single-tensor path)."""
from .._alloc import scoped as _caching_allocator
from . import _adam_common as common
from .optimizer import Optimizer, _check_impl_flags, _check_number, _scalar_state


class NAdam(Optimizer):
    r"""NAdam (Dozat), as ``torch.optim.NAdam``. At step ``t`` for parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p   (or p = p * (1 - lr * weight_decay) if decoupled_weight_decay)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  mu_prod = mu_1 * ... * mu_t
        m, v: Adam's moments;  denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_prod) * g / denom
              - lr * mu_{t+1} / (1 - mu_prod * mu_{t+1}) * m / denom

    Args:
        lr (float): default 2e-3.  betas, eps, weight_decay: as :class:`Adam`.
        momentum_decay (float): default 4e-3.
        decoupled_weight_decay (bool): AdamW-style weight decay (default False).

    State per parameter: ``step``, ``mu_product`` (floats), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        common.check_adam_args(lr, betas, eps, weight_decay)
        _check_number(momentum_decay, "momentum_decay")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_impl_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    @_caching_allocator
    def step(self, closure=None):
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        loss = self._call_closure(closure)
        for group in self.param_groups:
            lr, eps, momentum_decay = group["lr"], group["eps"], group["momentum_decay"]
            beta1, beta2 = group["betas"]
            for param, grad, state, step in common.steps(self, group, extra_state=_mu_product_state):
                bias_correction2 = 1 - beta2**step

                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                # a 0-d tensor of the default dtype in PyTorch: the product is rounded to it, as is mu
                state["mu_product"] = mu_product = _scalar_state(state["mu_product"], mu)
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                common.update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2)

                denom = (exp_avg_sq / bias_correction2) ** 0.5
                denom += eps
                mu_product_next = mu_product * mu_next
                param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denom)
                param += ((-lr * mu_next) / (1.0 - mu_product_next)) * (exp_avg / denom)
        return loss


def _mu_product_state(state, param):
    state["mu_product"] = 1.0
