"""``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp``, ``vhp`` with PyTorch's
signatures, argument checks, ``strict`` errors and result nesting (tuples of inputs and of outputs).

First-order results (``vjp``, ``jvp``, ``jacobian``) are exact: reverse-mode gradients, one backward pass
per output element for ``jacobian`` and ``jvp`` (PyTorch's ``jvp`` uses the double-backward trick instead;
the values are the same).

miniconv has no higher-order autograd (no ``create_graph=True``), so ``hessian``, ``hvp`` and ``vhp`` are
central differences of exact reverse-mode gradients: column ``k`` of the Hessian is
``(g(x + h e_k) - g(x - h e_k)) / 2h`` with ``h = eps**(1/3) * max(1, |x_k|)`` (``hvp``/``vhp``: one such
difference along ``v``). Accuracy: about 1e-10 relative in float64 and 1e-4 in float32 for smooth functions.
Where the gradient jumps inside the step (a ReLU kink, ``abs`` at 0, ``max``), the one-sided differences
disagree and the step is halved until they agree, so the result is the Hessian of the smooth piece the
point lies in, as PyTorch's. ``create_graph=True`` raises NotImplementedError; ``strict=True`` checks what
can be checked without a second-order graph (outputs requiring grad, inputs used), not whether the
Jacobian is structurally independent of the inputs (PyTorch raises there for linear functions).
"""
import numpy as np

from ..tensor import Tensor
from ._functional_args import (
    _as_tuple, _autograd_grad, _call, _check_used, _grad_preprocess, _no_create_graph, _tuple_postprocess,
    _validate_v, _zeros_for_none,
)
from ._functional_second import hessian, hvp, vhp  # noqa: F401  (second order, by differences of gradients)

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# -- first order: exact ------------------------------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    _no_create_graph(create_graph)
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _grad_preprocess(inputs, True)
    is_outputs_tuple, outputs = _call(func, inputs, "vjp", strict)
    if v is not None:
        _, v = _as_tuple(v, "v", "vjp")
        v = _grad_preprocess(v, False)
        _validate_v(v, outputs, is_outputs_tuple)
    elif len(outputs) != 1 or outputs[0].nelement() != 1:
        raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor "
                           "with a single element.")
    grads = _autograd_grad(outputs, inputs, v)
    _check_used(grads, strict)
    res = _zeros_for_none(grads, inputs)
    outputs = tuple(o.detach() for o in outputs)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(res, is_inputs_tuple)


def _jacobian_rows(outputs, inputs, strict):
    """Per output, per input: the Jacobian block ``out.shape + inp.shape`` (one backward per output element)."""
    jac = []
    for i, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        flat_n = out.nelement()
        for j in range(flat_n):
            onehot = np.zeros(flat_n, out._data.dtype)
            onehot[j] = 1
            seed = Tensor._wrap(onehot.reshape(out.shape))
            vj = _autograd_grad((out,), inputs, (seed,)) if out.requires_grad else (None,) * len(inputs)
            for k, (g, inp) in enumerate(zip(vj, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is independent of input {k}. "
                                           "This is not allowed in strict mode.")
                    g = inp.detach().new_zeros(inp.shape)
                rows[k].append(g.detach())
        blocks = []
        for k, inp in enumerate(inputs):
            if flat_n:
                blocks.append(Tensor._wrap(np.stack([r._data for r in rows[k]]).reshape(
                    tuple(out.shape) + tuple(inp.shape))))
            else:
                blocks.append(inp.detach().new_zeros(tuple(out.shape) + tuple(inp.shape)))
        jac.append(tuple(blocks))
    return tuple(jac)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product at ``inputs``."""
    _no_create_graph(create_graph)
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _grad_preprocess(inputs, True)
    if v is not None:
        _, v = _as_tuple(v, "v", "jvp")
        v = _grad_preprocess(v, False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].nelement() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                           "Tensor with a single element.")
    is_outputs_tuple, outputs = _call(func, inputs, "jvp", strict)
    if strict:
        _check_used(_autograd_grad(outputs, inputs, tuple(o.detach().new_ones(o.shape) for o in outputs)), True)
    if v is None:
        v = (inputs[0].detach().new_ones(inputs[0].shape),)
    res = []
    for blocks, out in zip(_jacobian_rows(outputs, inputs, False), outputs):
        acc = np.zeros(tuple(out.shape), out._data.dtype)
        for block, vk in zip(blocks, v):
            n_out = int(np.prod(out.shape, dtype=np.int64))
            acc += (block._data.reshape(n_out, -1) @ vk._data.reshape(-1).astype(acc.dtype)).reshape(out.shape)
        res.append(Tensor._wrap(acc))
    outputs = tuple(o.detach() for o in outputs)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(tuple(res), is_outputs_tuple)


def _check_strategy(strategy, create_graph, strict, vectorize, fn="jacobian"):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are not "
                "supported together (yet). Please either set `create_graph=False` or `strategy=\"reverse-mode\"`.")
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` are not supported "
                "together (yet). Please either set `strict=False` or `strategy=\"reverse-mode\"`.")
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    elif vectorize and strict:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                           "supported together. Please either set `strict=False` or `vectorize=False`.")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: per output, per input, a block ``out.shape + inp.shape``.

    ``vectorize`` is accepted (the result is the same; miniconv runs one backward per output element either
    way); ``strategy="forward-mode"`` (PyTorch: forward AD, only with ``vectorize=True``) gives the same
    values computed in reverse mode, and raises where PyTorch raises."""
    _check_strategy(strategy, create_graph, strict, vectorize)
    _no_create_graph(create_graph)
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _grad_preprocess(inputs, True)
    is_outputs_tuple, outputs = _call(func, inputs, "jacobian", strict)
    jac = _jacobian_rows(outputs, inputs, strict)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))
