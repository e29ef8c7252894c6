"""Adam and AdamW, with PyTorch's exact update order (``torch/optim/adam.py``, ``_single_tensor_adam``)."""
import numpy as np

from .._alloc import scoped as _caching_allocator  # the step's temporaries reuse miniconv's cache
from ..tensor import Tensor
from . import _adam_common as common
from .optimizer import Optimizer, _check_impl_flags


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), as ``torch.optim.Adam``.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g if maximize
        p = p * (1 - lr * weight_decay)      # AdamW (decoupled weight decay)
        g = g + weight_decay * p             # Adam (L2 penalty added to the gradient)
        m = m + (1 - beta1) * (g - m)        # first moment (torch's lerp)
        v = beta2 * v + (1 - beta2) * g * g  # second moment
        v_max = max(v_max, v)                # amsgrad only; v_max replaces v below
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Args:
        params: iterable of Parameters or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-3).
        betas (Tuple[float, float]): decay rates of the moment averages (default (0.9, 0.999)).
        eps (float): added to the denominator for numerical stability (default 1e-8).
        weight_decay (float): weight decay (default 0).
        amsgrad (bool): use the AMSGrad variant (default False).
        maximize (bool): maximize the objective instead of minimizing it.
        decoupled_weight_decay (bool): apply weight decay to the weights directly (AdamW).
        foreach, capturable, fused: PyTorch's implementation switches, accepted and stored (one
            implementation here); ``differentiable=True`` raises NotImplementedError.

    State per parameter: ``step`` (float), ``exp_avg``, ``exp_avg_sq`` and, with amsgrad,
    ``max_exp_avg_sq`` (Tensors of the parameter's shape).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        common.check_adam_args(lr, betas, eps, weight_decay)
        _check_impl_flags(foreach, fused, differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
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
                step_size = lr / bias_correction1
                bias_correction2_sqrt = bias_correction2**0.5

                if group["amsgrad"]:
                    if "max_exp_avg_sq" not in state:  # the first step, or amsgrad switched on later
                        state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(param))
                    max_exp_avg_sq = state["max_exp_avg_sq"]._data
                    np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    denom = np.sqrt(max_exp_avg_sq) / bias_correction2_sqrt
                else:
                    denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt
                denom += eps
                param -= step_size * (exp_avg / denom)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``.

    Same arguments as :class:`Adam` except ``weight_decay`` defaults to 1e-2 and is applied as
    ``p = p * (1 - lr * weight_decay)`` before the Adam update.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
