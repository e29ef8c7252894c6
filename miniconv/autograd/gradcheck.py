"""gradcheck: finite differences against the analytical Jacobian, in float64 (as PyTorch's)."""
import numpy as np

from ..tensor import Tensor
from .entry_points import grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    pass


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare the analytical Jacobian of ``fn`` with central finite differences.

    Like ``torch.autograd.gradcheck``: every input that requires grad must be float64; the check
    passes when ``|analytical - numerical| <= atol + rtol * |numerical|`` element-wise.
    Returns True, or raises ``GradcheckError`` (or returns False if ``raise_exception=False``).
    Integer outputs are not checked (they have no gradient); an output that is not a Tensor (a NumPy
    array, a number) is a TypeError: there would be nothing to compare.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and any(
                st == 0 and n > 1 for st, n in zip(t._data.strides, t._data.shape)):
            raise RuntimeError(f"The {i}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                               "non-overlapping to be able to compute the numerical gradients correctly. You should "
                               "call .contiguous on the input before passing it to gradcheck.")
    for t in diff_inputs:
        if t.dtype != np.float64:
            raise ValueError(
                f"gradcheck: inputs that require grad must be float64 (got {t.dtype}); finite differences "
                "in float32 are too inaccurate to check anything"
            )

    def run():
        out = fn(*inputs)
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
            # perturbed in place through multi-indices in C order: a Fortran-ordered or sliced input has no
            # flat view (reshape(-1) would copy, and the copy's changes would never reach fn)
            data = t._data
            numerical = np.zeros((out._data.size, data.size))
            with no_grad():
                for k, idx in enumerate(np.ndindex(data.shape)):
                    orig = data[idx]
                    data[idx] = orig + eps
                    plus = run()[oi]._data.reshape(-1).copy()
                    data[idx] = orig - eps
                    minus = run()[oi]._data.reshape(-1).copy()
                    data[idx] = orig
                    numerical[:, k] = (plus - minus) / (2 * eps)
            # analytical Jacobian, one row per output element
            analytical = np.zeros_like(numerical)
            if out.requires_grad:
                for j in range(out._data.size):
                    go = np.zeros(out.shape)
                    go.reshape(-1)[j] = 1.0
                    (g,) = grad(out, t, grad_outputs=Tensor._wrap(go), retain_graph=True, allow_unused=True)
                    if g is not None:
                        analytical[j] = g._data.reshape(-1)
            ok = np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical))
            if not ok:
                if not raise_exception:
                    return False
                k = np.unravel_index(np.argmax(np.abs(analytical - numerical)), numerical.shape)
                raise GradcheckError(
                    f"Jacobian mismatch for output {oi} with respect to input {ii}: largest difference at "
                    f"(output element {k[0]}, input element {k[1]}): analytical {analytical[k]:.8g} vs "
                    f"numerical {numerical[k]:.8g}.\nnumerical:\n{numerical}\nanalytical:\n{analytical}"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True):
    """Check second derivatives as PyTorch's ``gradgradcheck``: ``gradcheck`` of the function
    ``(inputs, grad_outputs) -> grad(func(inputs), inputs, grad_outputs, create_graph=True)``, so the
    Tensor-level backward (create_graph=True) of every op on the way is compared with finite
    differences of the first-order gradient. ``grad_outputs`` default to random float64 Tensors."""
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
                     raise_exception=raise_exception)
