"""The Tensor side of higher-order gradients (``create_graph=True``), handed to the engine, and
``autograd.grad``'s ``is_grads_batched`` / ``materialize_grads``. Works on the Tensors it is given
(new ones through ``type(t)._wrap``), so it imports no Tensor: ``function.py`` uses it."""
import numpy as np


def batched_grad(grad_fn, outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    """``is_grads_batched``: ``grad_fn`` (autograd.grad's single backward) once per row of the
    grad_outputs, results stacked along dim 0."""
    sizes = {g.shape[0] for g in grad_outputs if hasattr(g, "_data") and g.ndim > 0}
    if len(sizes) != 1 or any(not hasattr(g, "_data") or g.ndim == 0 for g in grad_outputs):
        raise RuntimeError("If `is_grads_batched=True`, we interpret the first dimension of each grad_output "
                           "as the batch dimension; every grad_output must be a Tensor with the same batch size")
    (n,) = sizes
    rows = []
    for b in range(n):
        rows.append(grad_fn(outputs, inputs, [g[b] for g in grad_outputs], retain_graph or b < n - 1, create_graph,
                          allow_unused))
    result = []
    for k in range(len(inputs)):
        col = [r[k] for r in rows]
        if any(c is None for c in col):
            result.append(None)
        elif create_graph:
            result.append(_stack_rows(col))
        else:
            result.append(type(col[0])._wrap(np.stack([c._data for c in col])))
    return tuple(result)


def _stack_rows(rows):
    """``stack(rows)`` with Tensor ops only (autograd does not import ops): sum of each row placed by a
    one-hot constant, so it stays differentiable."""
    n = len(rows)
    out = None
    for b, r in enumerate(rows):
        hot = np.zeros((n,) + (1,) * r.ndim, r._data.dtype)
        hot[b] = 1
        term = r.unsqueeze(0) * type(r)._wrap(hot)
        out = term if out is None else out + term
    return out


class GraphMode:
    """The Tensor side of a ``create_graph=True`` backward, handed to the engine (which never sees a
    Tensor): gradients are Tensors and every operation on them is recorded."""

    @staticmethod
    def sum_to(g, shape, dtype):
        """``engine.sum_to`` with Tensor ops: a broadcast gradient summed back to ``shape``."""
        if g._data.shape != tuple(shape):
            lead = g.ndim - len(shape)
            if lead < 0:
                raise RuntimeError(f"gradient of shape {tuple(g.shape)} cannot be reduced to shape {tuple(shape)}")
            if lead:
                g = g.sum(dim=tuple(range(lead)))
            axes = tuple(i for i, (gs, s) in enumerate(zip(g._data.shape, shape)) if s == 1 and gs != 1)
            if axes:
                g = g.sum(dim=axes, keepdim=True)
            if g._data.shape != tuple(shape):
                raise RuntimeError(
                    f"Function returned a gradient of shape {tuple(g.shape)} for an input of shape {tuple(shape)}")
        if g._data.dtype != dtype:
            g = g.type(dtype)
        return g

    @staticmethod
    def leaf_hooks(leaf, g):
        for hook in list(leaf._backward_hooks.values()):
            out = hook(g)
            if out is not None:
                g = out
        return g

    @staticmethod
    def accumulate(leaf, g):
        """PyTorch's AccumulateGrad with grad mode on: a first gradient is cloned (keeping its graph),
        later ones are added out of place, so ``.grad`` stays differentiable."""
        if leaf._backward_hooks:
            g = GraphMode.leaf_hooks(leaf, g)
        leaf.grad = g.clone() if leaf.grad is None else leaf.grad + g
        if leaf._post_accumulate_grad_hooks:
            for hook in list(leaf._post_accumulate_grad_hooks.values()):
                hook(leaf)

    @staticmethod
    def retain(t, g):
        t.grad = g.clone() if t.grad is None else t.grad + g


def zeros_like(t, requires_grad):
    """materialize_grads: zeros of ``t``'s shape and dtype."""
    z = type(t)._wrap(np.zeros(t._data.shape, t._data.dtype))
    if requires_grad:
        z.requires_grad_(True)
    return z
