"""``hessian``, ``hvp`` and ``vhp`` of ``torch.autograd.functional``, by central differences of exact
reverse-mode gradients (miniconv has no second-order autograd; see ``functional.py`` for the accuracy and
the handling of kinks)."""
import numpy as np

from ..tensor import Tensor
from ._functional_args import (
    _as_tuple, _autograd_grad, _check_outputs_require_grad, _grad_preprocess, _no_create_graph, _tuple_postprocess,
    _validate_v,
)
from .grad_mode import enable_grad

__all__ = ["hessian", "hvp", "vhp"]

_MAX_HALVINGS = 30


class _Gradient:
    """``x -> (g_1(x), ..., g_n(x))``: the exact gradient of the scalar function at a point given as arrays.
    The first call (at the user's point) also makes PyTorch's checks on the output and, in strict mode, on
    inputs the output does not reach."""

    def __init__(self, func, fn_name, strict):
        self.func, self.fn_name, self.strict = func, fn_name, strict
        self.output = None

    def __call__(self, arrays, first=False):
        xs = tuple(Tensor._wrap(a.copy()).requires_grad_(True) for a in arrays)
        with enable_grad():
            out = self.func(*xs)
        if first:
            is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", self.fn_name)
            _check_outputs_require_grad(outs, self.strict)
            if is_tuple or not isinstance(out, Tensor):
                raise RuntimeError(f"The function given to {self.fn_name} should return a single Tensor")
            if out.nelement() != 1:
                raise RuntimeError(f"The Tensor returned by the function given to {self.fn_name} should contain a "
                                   "single element")
            self.output = out.detach()
        grads = _autograd_grad((out,), xs)
        if first and self.strict:
            for i, g in enumerate(grads):
                if g is None:
                    raise self._independent(i)
        return [np.zeros(a.shape, a.dtype) if g is None else g._data.astype(a.dtype, copy=False)
                for g, a in zip(grads, arrays)]

    def _independent(self, i):
        if self.fn_name == "hessian":
            return RuntimeError(f"While computing the hessian, found that the jacobian of the user-provided function "
                                f"with respect to input {i} is independent of the input. This is not allowed in "
                                "strict mode. You should ensure that your function is twice differentiable and that "
                                "the jacobian depends on the inputs (this would be violated by a linear function for "
                                "example).")
        return RuntimeError(f"The output of the user-provided function is independent of input {i}. This is not "
                            "allowed in strict mode.")


def _tolerance(dtype):
    # how far apart the forward and backward differences may be before a kink is assumed (relative)
    return 1e-3 if dtype == np.float64 else 3e-2


def _directional(gradient, x, g0, direction, scale, coordinate=None):
    """``d g / d t`` at ``t = 0`` along ``x + t * direction`` (lists of arrays), by a central difference whose
    step is halved while the forward and backward differences disagree (a kink inside the step)."""
    dtype = np.result_type(*x)
    eps = np.finfo(dtype).eps
    h = float(eps ** (1 / 3) * scale)
    tol = _tolerance(dtype)
    g0_size = max((float(np.abs(g).max()) for g in g0 if g.size), default=0.0)
    central = None
    for _ in range(_MAX_HALVINGS):
        xp = [(a + h * d).astype(a.dtype) for a, d in zip(x, direction)]
        xm = [(a - h * d).astype(a.dtype) for a, d in zip(x, direction)]
        hp, hm = h, h
        if coordinate is not None:  # the steps actually taken (x + h rounds in float32)
            j, k = coordinate
            hp = float(xp[j].flat[k]) - float(x[j].flat[k])
            hm = float(x[j].flat[k]) - float(xm[j].flat[k])
        gp, gm = gradient(xp), gradient(xm)
        fwd = [(p - z) / hp for p, z in zip(gp, g0)]
        bwd = [(z - m) / hm for z, m in zip(g0, gm)]
        central = [((p - m) / (hp + hm)).astype(z.dtype) for p, m, z in zip(gp, gm, g0)]
        size = max([float(np.abs(f).max()) for f in fwd + bwd if f.size] + [g0_size / scale])
        gap = max((float(np.abs(f - b).max()) for f, b in zip(fwd, bwd) if f.size), default=0.0)
        if gap <= tol * size:
            break
        h /= 2
    return central


def _prepare(func, inputs, v, fn_name, create_graph, strict, v_against_inputs=True):
    _no_create_graph(create_graph)
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _grad_preprocess(inputs, True)
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _grad_preprocess(v, False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif fn_name != "hessian" and (len(inputs) != 1 or inputs[0].nelement() != 1):
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                           "Tensor with a single element.")
    gradient = _Gradient(func, fn_name, strict)
    x = [inp._data.copy() for inp in inputs]
    g0 = gradient(x, first=True)
    return is_inputs_tuple, inputs, v, gradient, x, g0


def _product(func, inputs, v, create_graph, strict, fn_name):
    is_inputs_tuple, inputs, v, gradient, x, g0 = _prepare(func, inputs, v, fn_name, create_graph, strict)
    if v is None:
        v = (inputs[0].detach().new_ones(inputs[0].shape),)
    direction = [np.asarray(t._data, a.dtype) for t, a in zip(v, x)]
    vmax = max((float(np.abs(d).max()) for d in direction if d.size), default=0.0)
    if vmax == 0:
        res = [np.zeros(a.shape, a.dtype) for a in x]
    else:
        xmax = max((float(np.abs(a).max()) for a in x if a.size), default=0.0)
        unit = [d / vmax for d in direction]
        res = [c * vmax for c in _directional(gradient, x, g0, unit, max(1.0, xmax))]
    out = tuple(Tensor._wrap(r) for r in res)
    return gradient.output, _tuple_postprocess(out, is_inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func`` (by a central difference of exact gradients along ``v``)."""
    return _product(func, inputs, v, create_graph, strict, "hvp")


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``; equal to ``hvp`` (the Hessian is symmetric)."""
    return _product(func, inputs, v, create_graph, strict, "vhp")


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: per pair of inputs ``(i, j)``, a block ``inp_i.shape + inp_j.shape``.
    Column by column, central differences of exact reverse-mode gradients. ``vectorize`` and
    ``outer_jacobian_strategy`` are accepted and checked as in PyTorch; the values do not depend on them."""
    is_inputs_tuple, _ = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    if outer_jacobian_strategy == "forward-mode" and create_graph:
        raise NotImplementedError(
            "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are not "
            "supported together (yet). Please either set `create_graph=False` or `strategy=\"reverse-mode\"`.")
    if outer_jacobian_strategy == "forward-mode" and strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` are not supported "
            "together (yet). Please either set `strict=False` or `strategy=\"reverse-mode\"`.")
    if outer_jacobian_strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                  "only implemented for `vectorize=True`.")
    if vectorize and strict and outer_jacobian_strategy == "reverse-mode":
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                           "supported together. Please either set `strict=False` or `vectorize=False`.")
    _, inputs, _, gradient, x, g0 = _prepare(func, inputs, None, "hessian", create_graph, strict)
    blocks = [[np.zeros(a.shape + b.shape, a.dtype) for b in x] for a in x]
    for j, xj in enumerate(x):
        for k in range(xj.size):
            direction = [np.zeros(a.shape, a.dtype) for a in x]
            direction[j].flat[k] = 1
            col = _directional(gradient, x, g0, direction, max(1.0, abs(float(xj.flat[k]))), (j, k))
            for i, ci in enumerate(col):
                blocks[i][j].reshape(ci.shape + (xj.size,))[..., k] = ci
    res = tuple(tuple(Tensor._wrap(b) for b in row) for row in blocks)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))
