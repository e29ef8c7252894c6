"""ASGD (averaged SGD), with PyTorch's update (``torch/optim/asgd.py``, single-tensor path)."""
import numpy as np

from .._alloc import scoped as _caching_allocator
from ..tensor import Tensor
from .optimizer import Optimizer, _check_impl_flags, _check_lr, _check_number, _scalar_state


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent (Polyak & Juditsky), as ``torch.optim.ASGD``. At step ``t``::

        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)     (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha;   mu = 1 / max(1, t - t0)

    ``ax`` (in the state) is the running average of the iterates, the point ASGD's theory is about.

    Args:
        lr (float): default 1e-2.  lambd (float): decay term (default 1e-4).  alpha (float): power for the eta
        update (default 0.75).  t0 (float): step at which averaging starts (default 1e6).  weight_decay (float).

    State per parameter: ``step``, ``eta``, ``mu`` (floats), ``ax``.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        for name, v in (("lambd", lambd), ("alpha", alpha), ("t0", t0), ("weight_decay", weight_decay)):
            _check_number(v, name)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_impl_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_caching_allocator
    def step(self, closure=None):
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        loss = self._call_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0, wd = group["lr"], group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
            for p, grad in self._grads(group):
                param = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["eta"] = _scalar_state(lr)
                    state["mu"] = 1.0
                    state["ax"] = Tensor._wrap(np.zeros_like(param))
                state["step"] = step = float(state["step"]) + 1
                if wd != 0:
                    grad = grad + wd * param
                eta = state["eta"]
                param *= 1 - lambd * eta
                param -= eta * grad
                ax = state["ax"]._data
                if state["mu"] != 1:
                    ax += (param - ax) * state["mu"]
                else:
                    ax[...] = param
                state["eta"] = _scalar_state(lr / ((1 + lambd * lr * step) ** alpha))
                state["mu"] = _scalar_state(1 / max(1, step - t0))
                p._bump_version()
        return loss
