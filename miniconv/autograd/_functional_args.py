"""Argument handling shared by ``functional.py`` and ``_functional_second.py`` (PyTorch's helpers of the same
names in ``torch/autograd/functional.py``): tuples of inputs, ``v`` checks, ``strict`` errors, gradients of the
outputs that require grad."""
from ..tensor import Tensor
from .function import grad as _grad
from .grad_mode import enable_grad

_NO_CREATE_GRAPH = "miniconv does not support create_graph=True (no higher-order gradients)"


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
