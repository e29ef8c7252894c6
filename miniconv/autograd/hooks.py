"""The autograd side of ``Module.register_full_backward_hook``: an identity Function on a module's
inputs and outputs whose backward hands the gradients to the module's hook state, as PyTorch's
``torch/utils/hooks.py`` ``BackwardHook`` does."""
from .function import ArrayFunction
from ..tensor import Tensor


class BackwardHookFunction(ArrayFunction):
    """Identity on its tensor inputs; its backward hands the gradients to the module's hook state (``nn/modules/module.py``)."""

    @staticmethod
    def forward(ctx, state, where, *arrays):
        ctx.state, ctx.where = state, where
        return arrays if len(arrays) != 1 else arrays[0]

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        tgrads = tuple(None if g is None else Tensor._wrap(g) for g in grads)
        if ctx.where == "output":
            tgrads = state.run_pre_hooks(tgrads)  # backward pre hooks may replace grad_output
            state.grad_output = tgrads
            if not state.input_needs_grad:
                state.run_hooks((None,) * state.n_inputs)
            return (None, None) + tuple(None if g is None else g._data for g in tgrads)
        tgrads = state.run_hooks(tgrads)
        return (None, None) + tuple(None if g is None else g._data for g in tgrads)

    @staticmethod
    def backward_graph(ctx, *grads):  # create_graph=True: the same with differentiable Tensors
        state = ctx.state
        if ctx.where == "output":
            grads = state.run_pre_hooks(tuple(grads))
            state.grad_output = grads
            if not state.input_needs_grad:
                state.run_hooks((None,) * state.n_inputs)
            return (None, None) + tuple(grads)
        return (None, None) + tuple(state.run_hooks(tuple(grads)))
