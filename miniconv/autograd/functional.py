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
from .function import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

_NO_CREATE_GRAPH = "miniconv does not support create_graph=True (no higher-order gradients)"


# -- argument handling, as PyTorch's helpers of the same names -------------------------------------------
def _as_tuple(inp, arg_name, fn_name):
    is_inp_tuple = True
    if not isinstance(inp, tuple):
        inp = (inp,)
        is_inp_tuple = False
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            if is_inp_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                                f"but the value at index {i} has type {type(el)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                            f" given {arg_name} has type {type(el)}.")
    return is_inp_tuple, inp


def _tuple_postprocess(res, to_unpack):
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _no_create_graph(create_graph):
    if create_graph:
        raise NotImplementedError(_NO_CREATE_GRAPH)


def _grad_preprocess(inputs, need_graph):
    return tuple(inp.detach().requires_grad_(need_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}.")


def _check_outputs_require_grad(outputs, strict):
    if not strict:
        return
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               "must be computed in a differentiable manner from the input when running in strict "
                               "mode.")


def _check_used(grads, strict):
    if not strict:
        return
    for i, g in enumerate(grads):
        if g is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode.")


def _autograd_grad(outputs, inputs, grad_outputs=None):
    """Gradients of the outputs that require grad (None for an input none of them reach); the graph is kept."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    gouts = [None if g is None else g.expand(o.shape) if g.shape != o.shape else g for o, g in zip(outs, gouts)]
    return _grad(list(outs), list(inputs), grad_outputs=gouts, retain_graph=True, allow_unused=True)


def _zeros_for_none(grads, refs):
    return tuple(r.detach().new_zeros(r.shape) if g is None else g.detach() for g, r in zip(grads, refs))


def _call(func, inputs, fn_name, strict):
    with enable_grad():
        outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    _check_outputs_require_grad(outputs, strict)
    return is_outputs_tuple, outputs


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


from ._functional_second import hessian, hvp, vhp  # noqa: E402,F401  (second order, by differences of gradients)
