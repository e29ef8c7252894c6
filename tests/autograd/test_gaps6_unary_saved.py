"""Unary ops save what PyTorch 2.13's node saves (its input, its output, or nothing): changing the other one in
place before backward is allowed, changing the saved one raises PyTorch's error word for word; the node's
``_saved_self`` / ``_saved_result`` attributes exist exactly where PyTorch's do; the gradient (and the gradient of
the gradient where miniconv has one) is PyTorch's. Also the in-place forms (``x.exp_()``): PyTorch's node saves the
result there too, so a later in-place change of ``x`` raises."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

# name, input range (low, high)
OPS = [
    ("exp", -1, 1), ("log", 0.2, 2), ("sqrt", 0.2, 2), ("tanh", -1, 1), ("sigmoid", -1, 1), ("relu", -1, 1),
    ("sin", -1, 1), ("cos", -1, 1), ("tan", -1, 1), ("asin", -0.8, 0.8), ("acos", -0.8, 0.8), ("atan", -1, 1),
    ("sinh", -1, 1), ("cosh", -1, 1), ("asinh", -1, 1), ("acosh", 1.2, 3), ("atanh", -0.8, 0.8),
    ("exp2", -1, 1), ("expm1", -1, 1), ("log2", 0.2, 2), ("log10", 0.2, 2), ("log1p", -0.5, 2),
    ("rsqrt", 0.2, 2), ("square", -1, 1), ("reciprocal", 0.2, 2), ("erf", -1, 1), ("erfc", -1, 1),
    ("erfinv", -0.8, 0.8), ("frac", -3, 3), ("sign", -1, 1), ("floor", -3, 3), ("ceil", -3, 3),
    ("trunc", -3, 3), ("round", -3, 3), ("abs", -1, 1), ("neg", -1, 1), ("lgamma", 0.5, 3),
    ("digamma", 0.5, 3), ("sinc", -1, 1), ("i0", -1, 1), ("logit", 0.1, 0.9), ("nan_to_num", -1, 1),
    ("deg2rad", -3, 3), ("rad2deg", -1, 1), ("sgn", -1, 1),
]
NAMES = [o[0] for o in OPS]


def _input(lib, lo, hi, n=5):
    vals = np.linspace(lo, hi, n) + 0.0123  # away from the kinks of round/floor/sign
    return lib.tensor(vals, dtype=lib.float64, requires_grad=True)


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 - class and message compared with torch's
        return ("raise", type(e).__name__, str(e))


def _run(lib, name, lo, hi, change):
    """``op(x)`` on a non-leaf x, then ``change`` the input or the output in place, then backward: the input's
    gradient or the error."""
    leaf = _input(lib, lo, hi)
    x = leaf.clone()
    y = getattr(lib, name)(x)
    if change == "input":
        x.add_(0.01)
    elif change == "output":
        y.add_(0.01)

    def back():
        y.backward(lib.linspace(0.5, 1.5, 5, dtype=lib.float64))
        return (leaf.grad + lib.zeros(5, dtype=lib.float64)).numpy()  # (torch's sgn gives a ZeroTensor)
    return _outcome(back)


@pytest.mark.parametrize("change", ["input", "output", None])
@pytest.mark.parametrize("name,lo,hi", OPS, ids=NAMES)
def test_inplace_change_after_unary_raises_as_torch(name, lo, hi, change):
    m, t = _run(miniconv, name, lo, hi, change), _run(torch, name, lo, hi, change)
    assert m[0] == t[0], (m, t)
    if t[0] == "raise":
        assert m[1:] == t[1:]
    else:
        np.testing.assert_allclose(m[1], t[1], rtol=1e-8, atol=1e-14)  # (torch's trigamma: 5e-10)


@pytest.mark.parametrize("name,lo,hi", [o for o in OPS if o[0] != "relu"], ids=[n for n in NAMES if n != "relu"])
def test_saved_attributes_and_node_name_as_torch(name, lo, hi):
    """(relu: miniconv's node keeps a 1-byte mask and watches the output's version, so it has no _saved_result;
    the version checks above are PyTorch's.)"""
    def attrs(lib):
        y = getattr(lib, name)(_input(lib, lo, hi))
        return y.grad_fn.name(), [a for a in ("_saved_self", "_saved_result") if hasattr(y.grad_fn, a)]
    assert attrs(miniconv) == attrs(torch)


@pytest.mark.parametrize("name,lo,hi", [o for o in OPS if o[0] in (
    "exp", "sqrt", "tanh", "sigmoid", "tan", "exp2", "expm1", "rsqrt", "reciprocal", "sin", "log", "erfinv")],
    ids=lambda v: v if isinstance(v, str) else "")
def test_saved_value_is_the_saved_tensor(name, lo, hi):
    """``_saved_result`` is the output's values, ``_saved_self`` the input's (the leaf itself)."""
    def saved(lib):
        x = _input(lib, lo, hi)
        y = getattr(lib, name)(x)
        fn = y.grad_fn
        if hasattr(fn, "_saved_result"):
            r = fn._saved_result
            return "result", r.detach().numpy().copy(), r.requires_grad
        return "self", fn._saved_self is x, fn._saved_self.requires_grad
    (mk, mv, mr), (tk, tv, tr) = saved(miniconv), saved(torch)
    assert (mk, mr) == (tk, tr)
    np.testing.assert_allclose(mv, tv, rtol=1e-12) if mk == "result" else (mv, tv) == (True, True)


@pytest.mark.parametrize("name", ["exp", "sqrt", "tanh", "sigmoid", "relu", "tan", "exp2", "expm1", "rsqrt",
                                  "reciprocal", "sin", "log", "erfinv", "floor", "abs"])
def test_inplace_form_then_change_raises_as_torch(name):
    """``x.op_()`` then ``x.add_(1)``: PyTorch raises where the node saved the result (now x's memory)."""
    def run(lib):
        leaf = _input(lib, 0.2, 0.7)
        x = leaf.clone()
        getattr(x, name + "_")()
        x.add_(0.01)
        return _outcome(lambda: (x.sum().backward(), leaf.grad.numpy().copy())[1])
    m, t = run(miniconv), run(torch)
    assert m[0] == t[0], (m, t)
    if t[0] == "raise":
        assert m[1:] == t[1:]
    else:
        np.testing.assert_allclose(m[1], t[1], rtol=1e-12)


@pytest.mark.parametrize("name", ["exp", "sqrt", "tanh", "tan", "exp2", "expm1", "rsqrt", "reciprocal", "sin",
                                  "log", "erfinv", "asin", "atanh", "frac", "floor"])
def test_second_derivative_as_torch(name):
    lo, hi = next((lo, hi) for n, lo, hi in OPS if n == name)

    def second(lib):
        x = _input(lib, lo, hi)
        (g,) = lib.autograd.grad(getattr(lib, name)(x).sum(), x, create_graph=True)
        if not g.requires_grad:  # a constant first derivative (floor): no second derivative
            return g.detach().numpy().copy(), None
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g.detach().numpy().copy(), gg.numpy().copy()
    (mg, mgg), (tg, tgg) = second(miniconv), second(torch)
    np.testing.assert_allclose(mg, tg, rtol=1e-12)
    assert (mgg is None) == (tgg is None)
    if tgg is not None:
        np.testing.assert_allclose(mgg, tgg, rtol=1e-10, atol=1e-12)


def test_saved_tensors_hooks_see_only_the_saved_value():
    """A pack hook runs once per value the node saves: reciprocal's output only, sin's input only."""
    def packed(lib, name):
        seen = []

        def pack(t):
            seen.append(tuple(t.shape))
            return t
        x = _input(lib, 0.2, 0.7)
        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = getattr(lib, name)(x)
        y.sum().backward()
        return len(seen), x.grad.numpy().copy()
    for name in ("reciprocal", "sin", "floor", "erfinv", "sinc"):
        (mn, mg), (tn, tg) = packed(miniconv, name), packed(torch, name)
        assert mn == tn, name
        np.testing.assert_allclose(mg, tg, rtol=1e-12)


@pytest.mark.parametrize("eps", [None, 0.2, 0.25])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logit_values_gradients_and_second_derivative(eps, dtype):
    """logit's own node: NaN gradient outside [0, 1] without eps, zero outside the clamp with it (its ends
    included in the clamp), PyTorch's values."""
    def run(lib):
        x = lib.tensor([-0.5, 0.0, 0.2, 0.25, 0.5, 0.75, 0.8, 1.0, 1.5], dtype=getattr(lib, dtype),
                       requires_grad=True)
        y = lib.logit(x, eps)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g[2:7].sum(), x)
        return y.detach().numpy().copy(), g.detach().numpy().copy(), gg.numpy().copy(), y.grad_fn.name()
    (my, mg, mgg, mn), (ty, tg, tgg, tn) = run(miniconv), run(torch)
    assert mn == tn
    np.testing.assert_allclose(my, ty, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(mg, tg, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(mgg, tgg, rtol=1e-5, equal_nan=True)


def test_nan_to_num_gradient_where_finite():
    def run(lib):
        x = lib.tensor([float("nan"), float("inf"), -float("inf"), 1.5, -2.0], requires_grad=True)
        y = lib.nan_to_num(x, nan=1.0, posinf=7.0)
        y.backward(lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
        return y.detach().numpy().tolist(), x.grad.numpy().tolist(), y.grad_fn.name()
    assert run(miniconv) == run(torch)
