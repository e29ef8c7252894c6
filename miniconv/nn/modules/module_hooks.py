"""The hooks around a Module call that are not the Module's own: the global forward hooks every Module runs
(PyTorch's ``register_module_forward_pre_hook`` / ``register_module_forward_hook``, public through
``nn.modules.module``) and the identity nodes that give full backward hooks their ``grad_input`` and
``grad_output`` (PyTorch's ``BackwardHook``)."""
from collections import OrderedDict

from ...autograd.function import RemovableHandle
from ...autograd.hooks import BackwardHookFunction
from ...tensor import Tensor

__all__ = ["register_module_forward_pre_hook", "register_module_forward_hook"]

# Hooks every Module runs (PyTorch's torch.nn.modules.module.register_module_forward_(pre_)hook), before its own.
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()


def register_module_forward_pre_hook(hook):
    """``hook(module, args) -> None or new args`` for every Module's call (a global hook: debugging, profiling)."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """``hook(module, args, output) -> None or new output`` (``hook(module, args, kwargs, output)`` with
    ``with_kwargs``) for every Module's call, before the module's own forward hooks."""
    handle = RemovableHandle(_global_forward_hooks,
                             extra_dict=[_global_forward_hooks_with_kwargs, _global_forward_hooks_always_called])
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


class _BackwardHookState:
    """Identity nodes around a module call, as PyTorch's ``BackwardHook``: the one after the outputs
    records ``grad_output``; the one before the inputs gets ``grad_input`` and runs the hooks."""

    def __init__(self, module):
        self.module = module
        self.grad_output = None
        self.n_inputs = 0
        self.input_needs_grad = False

    def wrap_inputs(self, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(idx)
        self.input_needs_grad = any(args[i].requires_grad for i in idx)
        if not self.input_needs_grad:
            return args
        wrapped = BackwardHookFunction.apply(self, "input", *[args[i] for i in idx])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        args = list(args)
        for i, t in zip(idx, wrapped):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, out):
        single = isinstance(out, Tensor)
        outs = (out,) if single else out
        if not isinstance(outs, tuple) or not any(isinstance(o, Tensor) and o.requires_grad for o in outs):
            return out
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        wrapped = BackwardHookFunction.apply(self, "output", *[outs[i] for i in idx])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        outs = list(outs)
        for i, t in zip(idx, wrapped):
            outs[i] = t
        return outs[0] if single else tuple(outs)

    def run_pre_hooks(self, grad_output):
        for hook in list(self.module.__dict__.get("_backward_pre_hooks", {}).values()):
            result = hook(self.module, grad_output)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(grad_output):
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got "
                                       f"{len(result)}, but expected {len(grad_output)}")
                grad_output = result
        return grad_output

    def run_hooks(self, grad_input):
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = result if isinstance(result, tuple) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(result)}, "
                                       f"but expected {len(grad_input)}")
                grad_input = result
        return grad_input
