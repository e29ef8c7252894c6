"""``torch.autograd.forward_ad`` (dual numbers) for miniconv: ``dual_level``, ``make_dual``, ``unpack_dual``,
``enter_dual_level``/``exit_dual_level``, ``UnpackedDualTensor``.

miniconv has no per-op forward-mode rules; the tangent of an output is computed from the reverse-mode graph
by the double-vjp trick: with u a zero cotangent of the output, g_k(u) = J_k^T u for each dual input x_k
(linear in u), and J v = d/du sum_k <g_k(u), v_k>. ``make_dual`` therefore returns a view of the primal that
records a graph (``requires_grad`` is True on it, where PyTorch's dual tensor has it False), and the ops
between a dual input and ``unpack_dual`` need double backward (the common ops have it). The values are
forward mode's. A custom ``Function`` that defines ``jvp`` is run by its own rule when one of its inputs is
dual: its outputs become dual tensors of the level with the tangents ``jvp`` returns (their reverse-mode
history starts there)."""
from collections import namedtuple

from . import function as _function
from .entry_points import grad as _grad
from .grad_mode import enable_grad, no_grad

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_levels = []    # per open level: {id(dual tensor): (dual tensor, tangent)}


def enter_dual_level():
    _levels.append({})
    return len(_levels) - 1


def exit_dual_level(*, level=None):
    if not _levels:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    if level is not None and level != len(_levels) - 1:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _levels.pop()


class dual_level:  # noqa: N801  (PyTorch's name)
    """Context manager of one forward-AD level: the dual tensors made inside belong to it."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, exc_type, exc_value, traceback):
        exit_dual_level()
        return False


def _level(level):
    if not _levels:
        return None
    return _levels[-1 if level is None else level]


def make_dual(tensor, tangent, *, level=None):
    """A tensor with ``tensor``'s values whose forward gradient is ``tangent``."""
    lv = _level(level)
    if lv is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype.name}")
    with enable_grad():
        dual = tensor.detach().requires_grad_(True) if not tensor.requires_grad else tensor.view_as(tensor)
    lv[id(dual)] = (dual, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of ``tensor``: the tangent is J v over the dual tensors it depends on (None if none)."""
    lv = _level(level)
    primal = tensor.detach()
    if lv is None or not getattr(tensor, "requires_grad", False):
        return UnpackedDualTensor(primal, None)
    if id(tensor) in lv and lv[id(tensor)][0] is tensor:
        return UnpackedDualTensor(primal, lv[id(tensor)][1])
    duals = [(d, t) for d, t in lv.values()]
    if not duals:
        return UnpackedDualTensor(primal, None)
    with enable_grad():
        u = tensor.detach().new_zeros(tuple(tensor.shape)).requires_grad_(True)
        gs = _grad(tensor, [d for d, _ in duals], grad_outputs=u, create_graph=True, allow_unused=True)
        used = [(g, t) for g, (_, t) in zip(gs, duals) if g is not None]
        if not used:
            return UnpackedDualTensor(primal, None)
        total = sum((g * t).sum() for g, t in used)
        if not total.requires_grad:     # J^T u does not depend on u: the output is affine in no dual input
            return UnpackedDualTensor(primal, primal.new_zeros(tuple(primal.shape)))
        (jv,) = _grad(total, [u], allow_unused=True)
    return UnpackedDualTensor(primal, primal.new_zeros(tuple(primal.shape)) if jv is None else jv.detach())


def _apply_with_jvp(cls, args, kwargs):
    """``cls.apply(*args)`` for a Function with its own ``jvp`` inside a dual level: forward on the primals,
    ``jvp(ctx, *tangents)`` (zeros for tensor inputs without one, None for other arguments), the outputs made
    dual with the tangents it returns. NotImplemented (the ordinary path) when no input carries a tangent."""
    if _level(None) is None:
        return NotImplemented
    primals, tangents = [], []
    for a in args:
        p, t = unpack_dual(a) if getattr(a, "requires_grad", False) else (a, None)
        primals.append(p)
        tangents.append(t)
    if all(t is None for t in tangents):
        return NotImplemented
    tangents = [t if t is not None or not hasattr(p, "new_zeros") else p.new_zeros(tuple(p.shape))
                for p, t in zip(primals, tangents)]
    ctx = cls()
    with no_grad():
        if cls.setup_context is not _function.Function.setup_context:
            raw = cls.forward(*primals, **kwargs)
            cls.setup_context(ctx, tuple(primals), raw)
        else:
            raw = cls.forward(ctx, *primals, **kwargs)
        ctx._saved = getattr(ctx, "_saved_for_forward", ())  # jvp reads save_for_forward's tensors
        tout = cls.jvp(ctx, *tangents)
    multi = type(raw) is tuple
    outs, touts = (raw, tout) if multi else ((raw,), (tout,))
    results = [make_dual(o, t) if t is not None and hasattr(o, "is_floating_point") and o.is_floating_point() else o
               for o, t in zip(outs, touts)]
    return tuple(results) if multi else results[0]


_function._forward_ad_apply[0] = _apply_with_jvp

