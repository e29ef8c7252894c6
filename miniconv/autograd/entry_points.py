"""The Tensor-facing entry points of the engine: ``backward`` and ``grad`` (``torch.autograd.backward`` /
``torch.autograd.grad``) turn Tensors and their gradients into root edges and arrays (or, with
``create_graph=True``, Tensors on the graph) for ``engine.run_backward``; and PyTorch's deprecated ``Variable``.

The Tensor class is read from ``function.py`` when these run (``function.Tensor``): ``function.py`` binds it on
its last line, the one import cycle the house allows (tests/test_layering.py), and the tensor package imports
this module, so it cannot import the tensor package itself."""
import warnings
from collections.abc import Mapping

import numpy as np

from . import function as _function
from .engine import final_callbacks_scope, run_backward, sum_to
from .higher_order import GraphMode, batched_grad, zeros_like
from .node import _edge

__all__ = ["backward", "grad", "Variable"]


def _prepare_roots(tensors, grad_tensors, fn_name, graph=False):
    """The root edges and their gradients: arrays, or with ``graph`` (create_graph=True) Tensors, which
    keep their own history (a ``grad_outputs`` that requires grad, as in a Hessian-vector product)."""
    roots, grads = [], []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, _function.Tensor):
            raise TypeError(f"{fn_name}(): expected a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(t.shape, dtype=t.dtype)
            if graph:
                g = _function.Tensor._wrap(g)
        elif graph and isinstance(g, _function.Tensor):
            if g.shape != t.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(g.shape)}) and "
                    f"output[{i}] has a shape of torch.Size({list(t.shape)})."
                )
            if g._data.dtype != t._data.dtype:
                g = g.type(t._data.dtype)
        else:
            g = g._data if isinstance(g, _function.Tensor) else np.asarray(g, dtype=t.dtype)
            if g.shape != t.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(g.shape)}) and "
                    f"output[{i}] has a shape of torch.Size({list(t.shape)})."
                )
            g = g.astype(t.dtype, copy=False)
            if graph:
                g = _function.Tensor._wrap(g)
        if t._base is not None and t._view_gen != t._base._history_gen:
            t._regenerate_view()
        roots.append(_edge(t))
        grads.append(g)
    return roots, grads


def _as_list(x):
    if x is None:
        return None
    return [x] if isinstance(x, _function.Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad``; with ``inputs`` (a Tensor, a sequence
    of Tensors or a dict of them), only into those tensors' ``.grad`` (a non-leaf input is made to
    retain its gradient), running only the part of the graph that leads to them, as PyTorch does."""
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.", FutureWarning, stacklevel=2)
        if grad_tensors is None:
            grad_tensors = grad_variables
        else:
            raise RuntimeError(
                "`grad_tensors` and `grad_variables` (deprecated) arguments both passed to `backward()`. "
                "Please only use `grad_tensors`."
            )
    if inputs is not None:
        if isinstance(inputs, _function.Tensor):
            inputs = [inputs]
        elif type(inputs) is dict:
            inputs = list(inputs.values())
        elif isinstance(inputs, Mapping):
            raise TypeError(
                f"`inputs` argument to `backward()` must be a dict, not {type(inputs).__name__}. "
                "Other Mapping types are not supported."
            )
        else:
            inputs = list(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    tensors = _as_list(tensors)
    grad_tensors = _as_list(grad_tensors) or [None] * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} gradients for {len(tensors)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
            "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
            "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters "
            "to None after use to break the cycle and avoid the leak.", UserWarning, stacklevel=3)
    roots, grads = _prepare_roots(tensors, grad_tensors, "backward", create_graph)
    input_edges = None
    if inputs is not None:
        input_edges = []
        for t in inputs:
            if not isinstance(t, _function.Tensor):
                raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got {type(t).__name__}")
            if t._base is not None and t._view_gen != t._base._history_gen:
                t._regenerate_view()
            t.retain_grad()  # as PyTorch: a non-leaf input keeps its .grad (from now on); raises if no grad
            input_edges.append(_edge(t))
    with final_callbacks_scope():
        run_backward(roots, grads, bool(retain_graph), inputs=input_edges,
                     graph=GraphMode if create_graph else None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) as a tuple of Tensors (a dict for a dict of inputs), without touching
    any ``.grad``. With ``create_graph=True`` the returned gradients carry their own graph (each node's
    backward runs as Tensor ops), so they can be differentiated again; ``retain_graph`` then defaults to
    True. ``is_grads_batched``: the first dimension of each ``grad_outputs`` is a batch of vectors, one
    backward per vector (a loop, where PyTorch vectorises with vmap), results stacked along dim 0."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    as_dict = type(inputs) is dict
    keys = list(inputs.keys()) if as_dict else None
    if as_dict:
        inputs = list(inputs.values())
    elif isinstance(inputs, Mapping):
        raise TypeError(f"`inputs` argument to `grad()` must be a dict, not {type(inputs).__name__}. "
                        "Other Mapping types are not supported.")
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.",
                      FutureWarning, stacklevel=2)
    if retain_graph is None:
        retain_graph = create_graph
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    if is_grads_batched:
        result = batched_grad(_grad, outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    else:
        result = _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        result = tuple(r if r is not None else zeros_like(t, create_graph) for r, t in zip(result, inputs))
    return dict(zip(keys, result)) if as_dict else result


def _grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    roots, grads = _prepare_roots(outputs, grad_outputs, "grad", create_graph)
    for i, t in enumerate(inputs):
        if not isinstance(t, _function.Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges = [_edge(t) for t in inputs]
    capture = {e: None for e in edges}
    run_backward(roots, grads, bool(retain_graph), capture=capture, graph=GraphMode if create_graph else None)
    result = []
    for i, (e, t) in enumerate(zip(edges, inputs)):
        g = capture[e]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. Set "
                    "allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        elif create_graph:
            result.append(GraphMode.sum_to(g, t._data.shape, t._data.dtype))
        else:
            result.append(_function.Tensor._wrap(sum_to(g, t.shape, t.dtype).copy()))
    return tuple(result)


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _function.Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated ``Variable``: ``Variable(t, requires_grad=...)`` gives a Tensor (a leaf sharing
    ``t``'s memory), and every Tensor is an instance of it."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            raise TypeError("Variable(): a Tensor is required")
        if not isinstance(data, _function.Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
