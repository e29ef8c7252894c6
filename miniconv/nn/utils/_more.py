"""More of ``torch.nn.utils``: ``get_total_norm`` and ``clip_grads_with_norm_`` (the two halves of
``clip_grad_norm_``), ``skip_init``, ``convert_conv2d_weight_memory_format`` /
``convert_conv3d_weight_memory_format``."""
import inspect

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor

__all__ = ["clip_grads_with_norm_", "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format",
           "get_total_norm", "skip_init"]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` seen as one vector (a 0-d tensor)."""
    from ...linalg import vector_norm
    from ...creation import stack
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor(np.asarray(0.0, dtype=np.float32))
    with no_grad():
        total = vector_norm(stack([vector_norm(t, norm_type) for t in tensors]), norm_type)
    if error_if_nonfinite and not np.isfinite(float(total.item())):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` by min(1, max_norm / (total_norm + 1e-6)), in place."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    coef = min(float(max_norm) / (float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
                                  + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g._data *= np.asarray(coef, dtype=g.dtype)
            g._bump_version()


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` (miniconv initialises the parameters anyway: PyTorch leaves them
    uninitialised memory, which no program can rely on)."""
    from ..modules.module import Module
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.pop("device", None)
    return module_cls(*args, **kwargs)


def convert_conv2d_weight_memory_format(module, memory_format):
    """Returns ``module``: miniconv's convolution weights have one layout (the result is the same)."""
    return module


def convert_conv3d_weight_memory_format(module, memory_format):
    """Returns ``module`` (see ``convert_conv2d_weight_memory_format``)."""
    return module
