"""``torch.utils.checkpoint``: activation checkpointing by real recomputation.

``checkpoint(fn, *args, use_reentrant=...)`` runs ``fn`` under ``no_grad`` (nothing inside it is kept for
backward), records one node whose backward restores the random-number state of the forward (so dropout draws
the same mask; ``preserve_rng_state=False`` skips this), runs ``fn`` again with grad on detached copies of the
inputs, and back-propagates through that: gradients are those of running ``fn`` without checkpointing.

As PyTorch's reentrant variant, the recomputed part is back-propagated by a nested ``backward``: gradients of
parameters used inside ``fn`` are accumulated into their ``.grad`` there. ``use_reentrant=True`` with no input
that requires grad warns and returns outputs that do not require grad (PyTorch's behaviour);
``use_reentrant=False`` also works then (parameters inside ``fn`` get gradients), but, unlike PyTorch's
non-reentrant variant, ``torch.autograd.grad`` with respect to parameters used inside ``fn`` is not supported
(their gradients go to ``.grad``).
"""
import contextlib
import warnings

from .._random import get_rng_state, set_rng_state
from ..autograd import enable_grad, is_grad_enabled, no_grad
from ..autograd.entry_points import backward as _backward
from ..autograd.function import Function
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn", "detach_variable"]


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """Each Tensor of the tuple detached, keeping its ``requires_grad``."""
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


class _CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, kwargs, n_args, *args):
        args = args[:n_args]  # after them: a marker that makes the node exist when no argument requires grad
        ctx.run_function, ctx.preserve_rng_state, ctx.kwargs = run_function, preserve_rng_state, kwargs
        if preserve_rng_state:
            ctx.fwd_cpu_state = get_rng_state()
        ctx.inputs, ctx.tensor_indices, tensors = [], [], []
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor):
                tensors.append(arg)
                ctx.tensor_indices.append(i)
                ctx.inputs.append(None)
            else:
                ctx.inputs.append(arg)
        ctx.save_for_backward(*tensors)
        with no_grad():
            outputs = run_function(*args, **kwargs)
        return outputs

    @staticmethod
    def backward(ctx, *grad_outputs):
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        state = get_rng_state() if ctx.preserve_rng_state else None
        try:
            if ctx.preserve_rng_state:
                set_rng_state(ctx.fwd_cpu_state)
            detached = detach_variable(tuple(inputs))
            with enable_grad():
                outputs = ctx.run_function(*detached, **ctx.kwargs)
        finally:
            if state is not None:
                set_rng_state(state)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        with_grad, grads = [], []
        for out, g in zip(outputs, grad_outputs):
            if isinstance(out, Tensor) and out.requires_grad and g is not None:
                with_grad.append(out)
                grads.append(g)
        if not with_grad:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        _backward(with_grad, grads)
        input_grads = tuple(inp.grad if isinstance(inp, Tensor) else None for inp in detached)
        return (None, None, None, None) + input_grads + (None,) * (len(ctx.needs_input_grad) - 4 - len(detached))


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """``function(*args, **kwargs)`` without keeping its intermediate results: they are recomputed in backward."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
                      "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the differences between "
                      "the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
    elif determinism_check not in ("default", "none"):
        raise ValueError("determinism_check should be one of ['default', 'none'], but got " + str(determinism_check))
    if not is_grad_enabled():
        return function(*args, **kwargs)
    marker = () if use_reentrant else (_marker(),)
    forward_ctx, recompute_ctx = context_fn()
    if use_reentrant or (forward_ctx.__class__ is contextlib.nullcontext and
                         recompute_ctx.__class__ is contextlib.nullcontext):
        return _CheckpointFunction.apply(function, preserve, kwargs, len(args), *args, *marker)
    raise NotImplementedError("torch.utils.checkpoint: context_fn other than noop_context_fn is not supported by "
                              "miniconv")


def _marker():
    from ..creation import zeros

    return zeros((), requires_grad=True)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):  # noqa: A002
    """Run a Sequential (or a list of modules/functions) in ``segments`` chunks, checkpointing all but the last."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
                      "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the differences between "
                      "the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):  # noqa: A002
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    from ..nn.modules.container import Sequential

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
