"""Rprop (resilient backpropagation), with PyTorch's update (``torch/optim/rprop.py``, single-tensor path)."""
import numpy as np

from .._alloc import scoped as _caching_allocator
from ..tensor import Tensor
from .optimizer import Optimizer, _check_impl_flags, _check_lr, _check_number


class Rprop(Optimizer):
    r"""Rprop, as ``torch.optim.Rprop``: only the sign of the gradient is used, each weight has its own step size.

    For every element, with ``s = sign(g * g_prev)``::

        step_size = clamp(step_size * (etaplus if s > 0 else etaminus if s < 0 else 1), *step_sizes)
        g = 0 where s < 0            (the sign flipped: skip this update, forget the gradient)
        p = p - sign(g) * step_size;   g_prev = g

    Args:
        lr (float): initial step size of every element (default 1e-2).
        etas (Tuple[float, float]): (etaminus, etaplus), with 0 < etaminus < 1 < etaplus (default (0.5, 1.2)).
        step_sizes (Tuple[float, float]): minimal and maximal step size (default (1e-6, 50)).

    State per parameter: ``step`` (float), ``prev``, ``step_size``.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        for name, pair in (("etas", etas), ("step_sizes", step_sizes)):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{name} must be a tuple of two floats, got {pair!r}")
            _check_number(pair[0], f"{name}[0]")
            _check_number(pair[1], f"{name}[1]")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_impl_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_caching_allocator
    def step(self, closure=None):
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        loss = self._call_closure(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p, grad in self._grads(group):
                param = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["prev"] = Tensor._wrap(np.zeros_like(param))
                    state["step_size"] = Tensor._wrap(np.full_like(param, group["lr"]))
                state["step"] = float(state["step"]) + 1
                prev, step_size = state["prev"]._data, state["step_size"]._data
                product = grad * prev
                factor = np.where(product > 0, etaplus, np.where(product < 0, etaminus, 1)).astype(param.dtype)
                step_size *= factor
                np.clip(step_size, step_size_min, step_size_max, out=step_size)
                grad = np.where(product < 0, 0, grad).astype(param.dtype)
                param -= np.sign(grad) * step_size
                prev[...] = grad
                p._bump_version()
        return loss
