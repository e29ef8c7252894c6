"""``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``hvp``, ``vhp`` with PyTorch's
signatures, argument checks, ``strict`` errors and result nesting (tuples of inputs and of outputs).

Everything is exact, computed as PyTorch computes it (``torch/autograd/functional.py``):

* ``vjp``: one backward pass; ``jacobian``: one backward pass per output element (``vectorize=True`` gives
  the same values by the same loop; ``strategy="forward-mode"`` gives them in reverse mode).
* ``hessian``: the Jacobian of the Jacobian; the inner one is built with ``create_graph=True``.
  ``vhp``: ``v^T H`` by differentiating the gradient ``g`` (built with ``create_graph=True``) with
  ``grad_outputs=v``; ``hvp``: PyTorch's double-backward trick, ``H v = d(g^T u)/du`` differentiated along ``v``.
* ``create_graph=True`` makes every result differentiable in turn.

Second-order tools need each op's differentiable backward (double backward): a function built from an op
miniconv has none for raises RuntimeError "double backward is not implemented for <Op>", where PyTorch
(double backward for nearly every op) returns the values. There is no finite-difference fallback.

``jvp`` without ``create_graph`` is the one place that differs in method: PyTorch uses the double-backward
trick, miniconv sums the exact Jacobian's rows against ``v`` (same values, and it works for ops without a
double backward); with ``create_graph=True`` it uses PyTorch's trick.
"""
import numpy as np

from ..ops.shape_index import Stack
from ..tensor import Tensor
from ._functional_args import (
    _as_tuple, _autograd_grad, _call, _check_requires_grad, _check_used, _fill_in_zeros, _grad_postprocess,
    _grad_preprocess, _tuple_postprocess, _validate_v,
)
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _preprocess_v(v, other, is_other_tuple, fn_name, create_graph):
    _, v = _as_tuple(v, "v", fn_name)
    v = _grad_preprocess(v, create_graph, False)
    _validate_v(v, other, is_other_tuple)
    return v


_V_NONE_INPUT = ("The vector v can only be None if the input to the user-provided function is a single Tensor "
                 "with a single element.")


# -- first order ---------------------------------------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph, True)
        is_outputs_tuple, outputs = _call(func, inputs, "vjp", strict)
        if v is not None:
            v = _preprocess_v(v, outputs, is_outputs_tuple, "vjp", create_graph)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grads, inputs, strict, create_graph, "back")
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(res, create_graph), is_inputs_tuple))


def _jacobian_rows(outputs, inputs, strict, create_graph):
    """Per output, per input: the Jacobian block ``out.shape + inp.shape``, one backward per output element
    (seeded with a one-hot ``grad_outputs``, the same as PyTorch's ``out.reshape(-1)[j]``)."""
    jac = []
    for i, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        flat_n = out.nelement()
        for j in range(flat_n):
            onehot = np.zeros(flat_n, out._data.dtype)
            onehot[j] = 1
            seed = Tensor._wrap(onehot.reshape(out.shape))
            vj = _autograd_grad((out,), inputs, (seed,), create_graph=create_graph)
            for k, (g, inp) in enumerate(zip(vj, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is independent of input {k}. "
                                           "This is not allowed in strict mode.")
                    g = inp.detach().new_zeros(inp.shape)
                elif strict and create_graph and not g.requires_grad:
                    # PyTorch's message names the output's index here
                    raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. "
                                       "This is not allowed in strict mode when create_graph=True.")
                rows[k].append(g if create_graph else g.detach())
        blocks = []
        for k, inp in enumerate(inputs):
            shape = tuple(out.shape) + tuple(inp.shape)
            if not flat_n:
                blocks.append(inp.detach().new_zeros(shape))
            elif create_graph:
                blocks.append(Stack.apply(0, *rows[k]).reshape(shape))
            else:
                blocks.append(Tensor._wrap(np.stack([r._data for r in rows[k]]).reshape(shape)))
        jac.append(tuple(blocks))
    return tuple(jac)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product at ``inputs``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph, True)
        if v is not None:
            v = _preprocess_v(v, inputs, is_inputs_tuple, "jvp", create_graph)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(_V_NONE_INPUT)
        is_outputs_tuple, outputs = _call(func, inputs, "jvp", strict)
        if create_graph:  # PyTorch's double-backward trick: J v = d(J^T u)/du along v
            grad_outputs = tuple(o.detach().new_zeros(o.shape).requires_grad_(True) for o in outputs)
            grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
            _check_requires_grad(grad_inputs, "grad_inputs", strict)
            res = _fill_in_zeros(_autograd_grad(grad_inputs, grad_outputs, v, create_graph=True), outputs, strict,
                                 True, "back_trick")
            return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(res, is_outputs_tuple)
    if strict:
        _check_used(_autograd_grad(outputs, inputs, tuple(o.detach().new_ones(o.shape) for o in outputs)), True)
    if v is None:
        v = (inputs[0].detach().new_ones(inputs[0].shape),)
    res = []
    for blocks, out in zip(_jacobian_rows(outputs, inputs, False, False), outputs):
        acc = np.zeros(tuple(out.shape), out._data.dtype)
        n_out = int(np.prod(out.shape, dtype=np.int64))
        for block, vk in zip(blocks, v):
            acc += (block._data.reshape(n_out, -1) @ vk._data.reshape(-1).astype(acc.dtype)).reshape(out.shape)
        res.append(Tensor._wrap(acc))
    outputs = tuple(o.detach() for o in outputs)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(tuple(res), is_outputs_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: per output, per input, a block ``out.shape + inp.shape``.

    ``vectorize`` is accepted (the result is the same; miniconv runs one backward per output element either
    way); ``strategy="forward-mode"`` (PyTorch: forward AD, only with ``vectorize=True``) gives the same
    values computed in reverse mode, and raises where PyTorch raises."""
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
        _as_tuple(inputs, "inputs", "jacobian")
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph, True)
        is_outputs_tuple, outputs = _call(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        jac = _jacobian_rows(outputs, inputs, strict, create_graph)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


# -- second order: double backward ---------------------------------------------------------------------------
def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: per pair of inputs ``(i, j)``, a block ``inp_i.shape + inp_j.shape``;
    the Jacobian (``strict``, ``vectorize``, ``outer_jacobian_strategy`` as there) of the gradient, which is
    built with ``create_graph=True``."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(func, inputs, fn_name, strict):
    is_outputs_tuple, outputs = _call(func, inputs, fn_name, strict)
    if is_outputs_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    return is_outputs_tuple, outputs


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``: the gradient (on the graph) differentiated along ``v``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _grad_preprocess(inputs, create_graph, True)
        if v is not None:
            v = _preprocess_v(v, inputs, is_inputs_tuple, "vhp", create_graph)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(_V_NONE_INPUT)
        is_outputs_tuple, outputs = _scalar_output(func, inputs, "vhp", strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(res, create_graph), is_inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func``, by PyTorch's double-backward trick: ``u -> J(u) = H u``
    is built as the gradient of ``g . u`` (``g`` the gradient on the graph, ``u`` a dummy that requires grad),
    then differentiated with respect to ``u`` along ``v``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _grad_preprocess(inputs, create_graph, True)
        if v is not None:
            v = _preprocess_v(v, inputs, is_inputs_tuple, "hvp", create_graph)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(_V_NONE_INPUT)
        is_outputs_tuple, outputs = _scalar_output(func, inputs, "hvp", strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grad_jac = tuple(inp.detach().new_zeros(inp.shape).requires_grad_(True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)  # (PyTorch checks jac again here, not double_back)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        res = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")
    return (_tuple_postprocess(_grad_postprocess(outputs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(res, create_graph), is_inputs_tuple))
