"""SGD: stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay."""
import numpy as np

from .. import _kernels
from .._alloc import scoped as _caching_allocator  # the step's temporaries reuse miniconv's cache
from .._config import threads_for
from .optimizer import Optimizer, _check_impl_flags, _check_param_grad, _check_number


class SGD(Optimizer):
    r"""Stochastic gradient descent, with PyTorch's update rule (``torch.optim.SGD``).

    For each parameter ``p`` with gradient ``g`` (all arrays of ``p``'s shape)::

        g = -g if maximize
        g = g + weight_decay * p                       # if weight_decay != 0
        b = g (first step) or momentum * b + (1 - dampening) * g   # if momentum != 0
        g = g + momentum * b if nesterov else b         # if momentum != 0
        p = p - lr * g

    Args:
        params: iterable of Parameters or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-3).
        momentum (float): momentum factor (default 0).
        dampening (float): dampening of the momentum (default 0).
        weight_decay (float): L2 penalty (default 0).
        nesterov (bool): Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize (bool): maximize the objective instead of minimizing it.
        foreach, fused: PyTorch's implementation switches, accepted and stored (one implementation here).

    Example::

        >>> opt = miniconv.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        _check_number(lr, "lr")
        _check_number(momentum, "momentum")
        _check_number(dampening, "dampening")
        _check_number(weight_decay, "weight_decay")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_impl_flags(foreach, fused, differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    @_caching_allocator
    def step(self, closure=None):
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        loss = self._call_closure(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            fused = all(type(v) in (float, int) for v in (lr, momentum, dampening, weight_decay))
            for p in group["params"]:
                grad = _check_param_grad(p)
                if grad is None:
                    continue
                if fused and _fused_update(self.state[p] if momentum != 0 else None, p, grad, group):
                    p._bump_version()
                    continue
                if group["maximize"]:
                    grad = -grad
                if weight_decay != 0:
                    grad = grad + weight_decay * p._data
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = np.array(grad, copy=True)
                        state["momentum_buffer"] = _as_tensor(buf)
                    else:
                        buf = buf._data
                        buf *= momentum
                        buf += (1 - dampening) * grad
                    grad = grad + momentum * buf if nesterov else buf
                p._data -= lr * grad
                p._bump_version()
        return loss


def _fused_update(state, p, grad, group):
    """The update of ``step`` in one pass of ``_kernels.sgd_update`` (the same bits as the NumPy
    expressions); False, with nothing changed, where the kernel does not apply (other dtypes,
    non-contiguous or overlapping arrays: ``step`` then runs the NumPy expressions)."""
    data = p._data
    if (data.dtype not in _FUSED_DTYPES or grad.dtype != data.dtype or not data.flags.c_contiguous
            or not data.flags.writeable or not grad.flags.c_contiguous or np.may_share_memory(data, grad)):
        return False
    first = False
    buf = None
    if state is not None:
        buf = state.get("momentum_buffer")
        if buf is None:
            first, arr = True, np.empty_like(data)
        else:
            arr = buf._data
            if (arr.dtype != data.dtype or arr.shape != data.shape or not arr.flags.c_contiguous
                    or not arr.flags.writeable or np.may_share_memory(arr, data)
                    or np.may_share_memory(arr, grad)):
                return False
    else:
        arr = data  # unused by the kernel without momentum
    _kernels.sgd_update(data.reshape(-1), grad.reshape(-1), arr.reshape(-1), group["lr"],
                        group["weight_decay"], group["momentum"], group["dampening"], group["nesterov"],
                        group["maximize"], first, threads_for(data.size))
    if first:
        state["momentum_buffer"] = _as_tensor(arr)
    return True


_FUSED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _as_tensor(arr):
    from ..tensor import Tensor

    return Tensor._wrap(arr)
