"""Adadelta, with PyTorch's update rule (``torch/optim/adadelta.py``, single-tensor path)."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_impl_flags, _check_number, _check_param_grad


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``. For parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        for name, v in (("lr", lr), ("rho", rho), ("eps", eps), ("weight_decay", weight_decay)):
            _check_number(v, name)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_impl_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach, capturable=capturable,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._call_closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                g = _check_param_grad(p)
                if g is None:
                    continue
                if group["maximize"]:
                    g = -g
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
                    state["acc_delta"] = Tensor._wrap(np.zeros_like(p._data))
                state["step"] += 1
                if wd != 0:
                    g = g + wd * p._data
                v, u = state["square_avg"]._data, state["acc_delta"]._data
                v *= rho
                v += (1 - rho) * g * g
                delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
                u *= rho
                u += (1 - rho) * delta * delta
                p._data -= lr * delta
                p._bump_version()
        return loss
