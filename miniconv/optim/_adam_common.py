"""The pieces the Adam family (Adam/AdamW, NAdam, RAdam, Adamax) shares: argument checks, weight decay, moments.

Each function is one step of PyTorch's ``_single_tensor_*`` update, on NumPy arrays updated in place.
"""
import numpy as np

from ..tensor import Tensor
from .optimizer import _check_lr, _check_number


def check_adam_args(lr, betas, eps, weight_decay):
    """PyTorch's checks, in its order: learning rate, epsilon, each beta, weight decay."""
    _check_lr(lr)
    _check_number(eps, "eps")
    _check_number(weight_decay, "weight_decay")
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a tuple of two floats, got {betas!r}")
    _check_number(betas[0], "betas[0]")
    _check_number(betas[1], "betas[1]")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def weight_decay(param, grad, lr, weight_decay, decoupled):
    """Decoupled: shrink ``param`` in place by ``1 - lr * weight_decay`` (AdamW); otherwise add the L2 term
    ``weight_decay * param`` to the gradient. Returns the gradient to use."""
    if weight_decay == 0:
        return grad
    if decoupled:
        param *= 1 - lr * weight_decay
        return grad
    return grad + weight_decay * param


def init_state(state, param, second="exp_avg_sq"):
    """Step 0 with zeroed first and second moments (``second`` is ``exp_inf`` for Adamax)."""
    state["step"] = 0.0
    state["exp_avg"] = Tensor._wrap(np.zeros_like(param))
    state[second] = Tensor._wrap(np.zeros_like(param))


def update_first_moment(exp_avg, grad, beta1):
    """``m = m + (1 - beta1) * (g - m)`` (PyTorch's ``lerp_``)."""
    exp_avg += (1 - beta1) * (grad - exp_avg)


def update_moments(exp_avg, exp_avg_sq, grad, beta1, beta2):
    """First moment as :func:`update_first_moment`; second ``v = beta2 * v + (1 - beta2) * g * g``."""
    update_first_moment(exp_avg, grad, beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * (grad * grad)


def steps(optimizer, group, second="exp_avg_sq", extra_state=None):
    """The loop every Adam-family ``step`` runs over a group: for each parameter with a gradient,
    make its state on the first step (``extra_state(state, param)`` adds the optimizer's own),
    count the step, apply weight decay (decoupled if the group says so), and yield
    ``(param, grad, state, step)``; after the caller's update, bump the parameter's version."""
    decoupled = group.get("decoupled_weight_decay", False)
    for p, grad in optimizer._grads(group):
        param = p._data
        state = optimizer.state[p]
        if len(state) == 0:
            init_state(state, param, second)
            if extra_state is not None:
                extra_state(state, param)
        state["step"] = step = float(state["step"]) + 1
        grad = weight_decay(param, grad, group["lr"], group["weight_decay"], decoupled)
        yield param, grad, state, step
        p._bump_version()
