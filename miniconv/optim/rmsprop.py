"""RMSprop, with PyTorch's update rule (``torch/optim/rmsprop.py``, single-tensor path)."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_impl_flags, _check_number, _check_param_grad


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``. For each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - m * m) + eps  with  m = m + (1 - alpha) * (g - m)   # centered
        avg = sqrt(v) + eps                                                 # otherwise
        b = momentum * b + g / avg;  p = p - lr * b        # momentum > 0
        p = p - lr * g / avg                                # otherwise
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        for name, v in (("lr", lr), ("alpha", alpha), ("eps", eps), ("weight_decay", weight_decay),
                        ("momentum", momentum)):
            _check_number(v, name)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_impl_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._call_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, wd, mom = group["lr"], group["alpha"], group["eps"], group["weight_decay"], group["momentum"]
            for p in group["params"]:
                g = _check_param_grad(p)
                if g is None:
                    continue
                if group["maximize"]:
                    g = -g
                if wd != 0:
                    g = g + wd * p._data
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
                    if mom > 0:
                        state["momentum_buffer"] = Tensor._wrap(np.zeros_like(p._data))
                    if group["centered"]:
                        state["grad_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["step"] += 1
                sq = state["square_avg"]._data
                sq *= alpha
                sq += (1 - alpha) * g * g
                if group["centered"]:
                    ga = state["grad_avg"]._data
                    ga += (1 - alpha) * (g - ga)
                    avg = np.sqrt(sq - ga * ga) + eps
                else:
                    avg = np.sqrt(sq) + eps
                if mom > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= mom
                    buf += g / avg
                    p._data -= lr * buf
                else:
                    p._data -= lr * g / avg
                p._bump_version()
        return loss
