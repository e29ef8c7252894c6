"""Adagrad, with PyTorch's update rule (``torch/optim/adagrad.py``, single-tensor path)."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_impl_flags, _check_number, _check_param_grad


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``. At step ``t`` for parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                    # s starts at initial_accumulator_value
        p = p - clr * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        for name, v in (("lr", lr), ("lr_decay", lr_decay), ("weight_decay", weight_decay),
                        ("initial_accumulator_value", initial_accumulator_value), ("eps", eps)):
            _check_number(v, name)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_impl_flags(foreach, fused, differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["step"] = 0.0
                self.state[p]["sum"] = Tensor._wrap(np.full_like(p._data, group["initial_accumulator_value"]))

    def step(self, closure=None):
        loss = self._call_closure(closure)
        for group in self.param_groups:
            for p in group["params"]:
                g = _check_param_grad(p)
                if g is None:
                    continue
                if group["maximize"]:
                    g = -g
                state = self.state[p]
                state["step"] += 1
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p._data
                clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
                s = state["sum"]._data
                s += g * g
                p._data -= clr * g / (np.sqrt(s) + group["eps"])
                p._bump_version()
        return loss
