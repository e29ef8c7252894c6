"""gradcheck: finite differences against the analytical Jacobian, in float64 (as PyTorch's)."""
import warnings

import numpy as np

from ..tensor import Tensor
from . import forward_ad as fwAD
from .entry_points import grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    pass


_NO_FORWARD_AD = ("miniconv does not check batched forward gradients or forward-over-reverse: "
                  "check_batched_forward_grad and check_fwd_over_rev cannot be True")


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """Compare the analytical Jacobian of ``func`` with central finite differences (PyTorch's signature).

    As ``torch.autograd.gradcheck``: an input that requires grad and is not float64 gives PyTorch's warning
    (the check will likely fail); one with a stride-0 dimension is PyTorch's RuntimeError. The check passes when
    ``|analytical - numerical| <= atol + rtol * |numerical|`` element-wise, the analytical Jacobian computed twice
    agrees within ``nondet_tol``, and backward gives exact zeros for zero output gradients. ``check_grad_dtypes``:
    each gradient has its input's dtype; ``check_batched_grad``: ``autograd.grad(is_grads_batched=True)`` gives
    the same rows. ``fast_mode`` runs the full check (same verdict, slower); ``masked`` is for sparse inputs
    (none in miniconv); ``check_undefined_grad`` is accepted and not checked (miniconv's own ops get zeros for a
    missing output gradient). ``check_forward_ad``: the Jacobian from forward mode (one dual input direction at
a time, through ``forward_ad``) must match the same finite differences; ``check_backward_ad=False`` skips
the reverse-mode checks. ``check_batched_forward_grad`` raises NotImplementedError. Returns True, or raises
    ``GradcheckError`` (returns False if ``raise_exception=False``). Integer outputs are not checked; an output
    that is not a Tensor is a TypeError: there would be nothing to compare.
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_batched_forward_grad:
        raise NotImplementedError(_NO_FORWARD_AD)
    try:
        if check_forward_ad:
            _forward_check(func, inputs, eps, atol, rtol)
        if not check_backward_ad:
            return True
        return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes, check_batched_grad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _check_inputs(inputs):
    """PyTorch's ``_check_inputs``: per input in order, the float64 warning and the stride-0 error."""
    found = False
    for i, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            continue
        if t.dtype != np.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex. ", UserWarning, stacklevel=3)
        if any(st == 0 and n > 1 for st, n in zip(t._data.strides, t._data.shape)):
            raise RuntimeError(f"The {i}th input has a dimension with stride 0. gradcheck only supports inputs that "
                               "are non-overlapping to be able to compute the numerical gradients correctly. You "
                               "should call .contiguous on the input before passing it to gradcheck.")
        found = True
    if not found:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")


def _numerical(run, oi, t, eps):
    """d out_oi / d t by central differences, one column per element of ``t`` (perturbed in place through
    multi-indices in C order: a Fortran-ordered or sliced input has no flat view to write through)."""
    data = t._data
    columns = []
    with no_grad():
        for idx in np.ndindex(data.shape):
            orig = data[idx]
            data[idx] = orig + eps
            plus = run()[oi]._data.reshape(-1).copy()
            data[idx] = orig - eps
            minus = run()[oi]._data.reshape(-1).copy()
            data[idx] = orig
            columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _forward_check(func, inputs, eps, atol, rtol):
    """Forward-mode Jacobian (one unit tangent per input element, in a dual level) against finite differences."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    _check_inputs(inputs)

    def run(args=inputs):
        out = func(*args)
        return [o for o in (out if isinstance(out, (tuple, list)) else (out,)) if o.dtype.kind == "f"]

    for ii, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            continue
        for oi in range(len(run())):
            numerical = _numerical(run, oi, t, eps)
            analytical = np.zeros_like(numerical)
            for k in range(t._data.size):
                direction = np.zeros(t.shape, t._data.dtype)
                direction.reshape(-1)[k] = 1.0
                with fwAD.dual_level():
                    args = list(inputs)
                    args[ii] = fwAD.make_dual(t, Tensor._wrap(direction))
                    tangent = fwAD.unpack_dual(run(args)[oi]).tangent
                    if tangent is not None:
                        analytical[:, k] = tangent._data.reshape(-1)
            if not np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)):
                raise GradcheckError(f"Jacobian computed with forward mode mismatch for output {oi} with respect "
                                     f"to input {ii},\nnumerical:{numerical}\nanalytical:{analytical}\n")


def _analytical(out, t, check_grad_dtypes):
    """d out / d t, one row per output element (one backward each)."""
    rows = np.zeros((out._data.size, t._data.size))
    if not out.requires_grad:
        return rows
    for j in range(out._data.size):
        go = np.zeros(out.shape, out._data.dtype)
        go.reshape(-1)[j] = 1.0
        (g,) = grad(out, t, grad_outputs=Tensor._wrap(go), retain_graph=True, allow_unused=True)
        if g is not None:
            if check_grad_dtypes and g.dtype != t.dtype:
                raise GradcheckError("Gradient has dtype mismatch")
            rows[j] = g._data.reshape(-1)
    return rows


def _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes, check_batched_grad):
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    _check_inputs(inputs)
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]

    def run():
        out = func(*inputs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        for o in outs:
            if not isinstance(o, Tensor):
                raise TypeError(f"gradcheck: fn returned a {type(o).__module__}.{type(o).__name__}, not a Tensor: "
                                "its gradient cannot be checked (a Function's forward must return Tensors, or "
                                "arrays for an ArrayFunction)")
        return [o for o in outs if o.dtype.kind == "f"]

    outputs = run()
    for oi, out in enumerate(outputs):
        # numerical Jacobian, one column per input element
        for ii, t in enumerate(diff_inputs):
            numerical = _numerical(run, oi, t, eps).reshape(out._data.size, t._data.size)
            analytical = _analytical(out, t, check_grad_dtypes)
            if not np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)):
                k = np.unravel_index(np.argmax(np.abs(analytical - numerical)), numerical.shape)
                raise GradcheckError(
                    f"Jacobian mismatch for output {oi} with respect to input {ii}: largest difference at "
                    f"(output element {k[0]}, input element {k[1]}): analytical {analytical[k]:.8g} vs "
                    f"numerical {numerical[k]:.8g}.\nnumerical:\n{numerical}\nanalytical:\n{analytical}"
                )
            # PyTorch's reentrance check: the same backward run again gives the same Jacobian
            if np.any(np.abs(_analytical(out, t, False) - analytical) > nondet_tol):
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                    "times gives different values, although analytical gradient matches numerical gradient."
                    f"The tolerance for nondeterminism was {nondet_tol}.")
            if check_batched_grad and out.requires_grad and out._data.size:
                eye = np.eye(out._data.size, dtype=out._data.dtype).reshape((out._data.size,) + tuple(out.shape))
                (g,) = grad(out, t, grad_outputs=Tensor._wrap(eye), retain_graph=True, allow_unused=True,
                            is_grads_batched=True)
                batched = np.zeros_like(analytical) if g is None else g._data.reshape(analytical.shape)
                if not np.allclose(batched, analytical, rtol=rtol, atol=atol):
                    raise GradcheckError(f"For output {oi} and input {ii}: batched grad (is_grads_batched=True) "
                                         f"differs from the gradients computed one at a time:\n{batched}\nvs\n"
                                         f"{analytical}")
    _backward_scales_with_grad_output(outputs, diff_inputs)
    return True


def _backward_scales_with_grad_output(outputs, diff_inputs):
    """PyTorch's ``_test_backward_mul_by_grad_output``: zero output gradients give exactly zero input gradients
    of the input's dtype and shape."""
    outs = [o for o in outputs if o.requires_grad]
    if not outs:
        return
    zeros = [Tensor._wrap(np.zeros(o.shape, o._data.dtype)) for o in outs]
    grads = grad(outs, diff_inputs, grad_outputs=zeros, retain_graph=True, allow_unused=True)
    for g, t in zip(grads, diff_inputs):
        if g is None:
            continue
        if np.any(g._data != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype != t.dtype:
            raise GradcheckError("grad is incorrect type")
        if g.shape != t.shape:
            raise GradcheckError("grad is incorrect size")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives as PyTorch's ``gradgradcheck`` (its signature): ``gradcheck`` of the function
    ``(inputs, grad_outputs) -> grad(func(inputs), inputs, grad_outputs, create_graph=True)``, so the
    Tensor-level backward (create_graph=True) of every op on the way is compared with finite
    differences of the first-order gradient. ``grad_outputs`` default to random float64 Tensors."""
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise NotImplementedError(_NO_FORWARD_AD)
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    outputs = func(*inputs)
    outputs = tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)
    diff_outputs = [o for o in outputs if isinstance(o, Tensor) and o.requires_grad and o.dtype.kind == "f"]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._wrap(rng.standard_normal(o.shape)).requires_grad_(True) for o in diff_outputs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():  # gradcheck evaluates under no_grad: the first derivative needs its graph
            return _first_derivative(ins, gos)

    def _first_derivative(ins, gos):
        outs = func(*ins)
        outs = tuple(outs) if isinstance(outs, (tuple, list)) else (outs,)
        outs = [o for o in outs if isinstance(o, Tensor) and o.requires_grad and o.dtype.kind == "f"]
        diff = [t for t in ins if isinstance(t, Tensor) and t.requires_grad]
        gs = grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     masked=masked)
