"""hessian, hvp, vhp (and create_graph=True of vjp, jvp, jacobian) on miniconv and PyTorch: exact values by double
backward to float64 precision, tuple inputs, results that are differentiable again with create_graph=True,
strict-mode errors, and the error for an op without a double backward (no silent approximation)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X4 = RNG.normal(size=4)
X23 = RNG.normal(size=(2, 3))
Y3 = RNG.normal(size=3)
W1 = RNG.normal(size=(5, 3)) * 0.6
B1 = RNG.normal(size=5) * 0.1
W2 = RNG.normal(size=(1, 5)) * 0.6


def _mlp(lib, act):
    w1, b1, w2 = lib.tensor(W1), lib.tensor(B1), lib.tensor(W2)

    def f(x):
        h = x @ w1.T + b1
        h = h.tanh() if act == "tanh" else lib.nn.functional.softplus(h)
        return (h @ w2.T).pow(2).sum()
    return f


# scalar functions of one input, or of a tuple of inputs: name -> (fn(lib), inputs(lib))
SCALAR = {
    "polynomial": (lambda lib: lambda x: (x ** 3).sum() * x[0] + (x[1] * x[2] * x[3]) ** 2 - 2 * x.pow(4).sum(),
                   lambda lib: lib.tensor(X4)),
    "tanh_mlp": (lambda lib: _mlp(lib, "tanh"), lambda lib: lib.tensor(X23)),
    "softplus_mlp": (lambda lib: _mlp(lib, "softplus"), lambda lib: lib.tensor(X23)),
    "logsumexp": (lambda lib: lambda x: x.logsumexp(1).sum() + lib.logsumexp(x * x, 0).sum(),
                  lambda lib: lib.tensor(X23)),
    "tuple_inputs": (lambda lib: lambda x, y: (x @ y).sin().sum() + (y.exp() * y).sum() * x[0, 0],
                     lambda lib: (lib.tensor(X23), lib.tensor(Y3))),
    "zero_dim": (lambda lib: lambda x: (x * x).exp() + x.tanh(), lambda lib: lib.tensor(0.4, dtype=lib.float64)),
}


def _np(t):
    if isinstance(t, (tuple, list)):
        return tuple(_np(x) for x in t)
    return t.detach().numpy(), tuple(t.shape), str(t.dtype).split(".")[-1], bool(t.requires_grad)


def _compare(m, t, rtol=1e-12, atol=1e-12):
    if isinstance(t, tuple) and not isinstance(t[0], np.ndarray):
        assert isinstance(m, tuple) and len(m) == len(t)
        for a, b in zip(m, t):
            _compare(a, b, rtol, atol)
        return
    assert m[1:] == t[1:], (m[1:], t[1:])
    np.testing.assert_allclose(m[0], t[0], rtol=rtol, atol=atol)


def _v_like(lib, x):
    if isinstance(x, tuple):
        return tuple(_v_like(lib, e) for e in x)
    return lib.tensor(np.linspace(-1.0, 1.5, x.numel()).reshape(tuple(x.shape)))


@pytest.mark.parametrize("name", sorted(SCALAR))
@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian_exact(name, create_graph):
    f, x = SCALAR[name]
    res = {lib: lib.autograd.functional.hessian(f(lib), x(lib), create_graph=create_graph)
           for lib in (miniconv, torch)}
    _compare(_np(res[miniconv]), _np(res[torch]))


@pytest.mark.parametrize("name", sorted(SCALAR))
@pytest.mark.parametrize("which", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hvp_vhp_exact(name, which, create_graph):
    f, x = SCALAR[name]
    res = {lib: getattr(lib.autograd.functional, which)(f(lib), x(lib), _v_like(lib, x(lib)),
                                                        create_graph=create_graph)
           for lib in (miniconv, torch)}
    _compare(_np(res[miniconv]), _np(res[torch]))


def _differentiate_again(lib, which):
    """The second-order result built with create_graph=True, summed and differentiated with respect to the
    user's input (which requires grad) and to v: third derivatives, through the graph the tool returned."""
    F = lib.autograd.functional
    x = lib.tensor(X23, requires_grad=True)
    v = lib.tensor(np.linspace(-1.0, 1.5, 6).reshape(2, 3), requires_grad=True)
    f = SCALAR["tanh_mlp"][0](lib)
    if which == "hessian":
        out = F.hessian(f, x, create_graph=True)
        total, wrt = (out * out).sum(), (x,)
    elif which in ("hvp", "vhp"):
        out = getattr(F, which)(f, x, v, create_graph=True)[1]
        total, wrt = (out ** 2).sum(), (x, v)
    elif which == "vjp":
        out = F.vjp(lambda t: t.tanh() * t, x, v, create_graph=True)[1]
        total, wrt = (out ** 3).sum(), (x, v)
    elif which == "jvp":
        out = F.jvp(lambda t: t.tanh() * t, x, v, create_graph=True)[1]
        total, wrt = (out ** 3).sum(), (x, v)
    else:
        out = F.jacobian(lambda t: (t.sin() * t).sum(1), x, create_graph=True)
        total, wrt = (out ** 2).sum(), (x,)
    assert out.requires_grad
    return _np(lib.autograd.grad(total, wrt))


@pytest.mark.parametrize("which", ["hessian", "hvp", "vhp", "vjp", "jvp", "jacobian"])
def test_create_graph_results_differentiate_again(which):
    _compare(_differentiate_again(miniconv, which), _differentiate_again(torch, which))


def test_results_are_detached_without_create_graph():
    x = miniconv.tensor(X23, requires_grad=True)
    F = miniconv.autograd.functional
    f = SCALAR["softplus_mlp"][0](miniconv)
    v = miniconv.ones(2, 3, dtype=miniconv.float64)
    for res in (F.hessian(f, x), F.hvp(f, x, v)[1], F.vhp(f, x, v)[1], F.hvp(f, x, v)[0]):
        assert not res.requires_grad and res.grad_fn is None


def _err(fn, lib):
    try:
        fn(lib, lib.autograd.functional)
    except Exception as e:  # noqa: BLE001 - compared
        return type(e).__name__, str(e).replace("torch.", "").replace("miniconv.", "")
    return None


def _quad_and_linear(x, y):
    return (x ** 2).sum() + y.sum()


ERRORS = {
    # the Jacobian of a linear function does not depend on the input: strict refuses it
    "hessian_strict_linear": lambda lib, F: F.hessian(lambda x: (x * 3).sum(), lib.ones(2), strict=True),
    "hvp_strict_linear": lambda lib, F: F.hvp(lambda x: (x * 3).sum(), lib.ones(2), lib.ones(2), strict=True),
    "vhp_strict_linear": lambda lib, F: F.vhp(lambda x: (x * 3).sum(), lib.ones(2), lib.ones(2), strict=True),
    "hessian_strict_partly_linear": lambda lib, F: F.hessian(_quad_and_linear, (lib.ones(2), lib.ones(2)),
                                                             strict=True),
    "vhp_strict_partly_linear": lambda lib, F: F.vhp(_quad_and_linear, (lib.ones(2), lib.ones(2)),
                                                     (lib.ones(2), lib.ones(2)), strict=True),
    "hvp_strict_unused": lambda lib, F: F.hvp(lambda x, y: (x ** 3).sum(), (lib.ones(2), lib.ones(2)),
                                              (lib.ones(2), lib.ones(2)), strict=True),
    "hvp_strict_no_grad": lambda lib, F: F.hvp(lambda x: (x ** 3).sum().detach(), lib.ones(2), lib.ones(2),
                                               strict=True),
    "vhp_tuple_output": lambda lib, F: F.vhp(lambda x: ((x ** 3).sum(),), lib.ones(2), lib.ones(2)),
    "vhp_vector_output": lambda lib, F: F.vhp(lambda x: x ** 3, lib.ones(2), lib.ones(2)),
    "hvp_v_wrong_len": lambda lib, F: F.hvp(lambda x, y: (x * y).sum(), (lib.ones(2), lib.ones(2)), (lib.ones(2),)),
    "hessian_not_tensor": lambda lib, F: F.hessian(lambda x: x.sum(), [1.0]),
    "hessian_strict_vectorize": lambda lib, F: F.hessian(lambda x: (x ** 3).sum(), lib.ones(2), strict=True,
                                                         vectorize=True),
    "hessian_forward_strict": lambda lib, F: F.hessian(lambda x: (x ** 3).sum(), lib.ones(2), strict=True,
                                                       vectorize=True, outer_jacobian_strategy="forward-mode"),
    "hessian_forward_create_graph": lambda lib, F: F.hessian(lambda x: (x ** 3).sum(), lib.ones(2),
                                                             create_graph=True, vectorize=True,
                                                             outer_jacobian_strategy="forward-mode"),
    # create_graph=True with strict: a Hessian that is constant (a quadratic) does not require grad. (Written
    # x ** 2, PyTorch's result requires grad through x.pow(1) in its pow backward, and PyTorch does not raise.)
    "vhp_strict_create_graph_quadratic": lambda lib, F: F.vhp(lambda x: (x * x).sum(), lib.ones(2), lib.ones(2),
                                                              strict=True, create_graph=True),
    "hvp_strict_create_graph_quadratic": lambda lib, F: F.hvp(lambda x: (x * x).sum(), lib.ones(2), lib.ones(2),
                                                              strict=True, create_graph=True),
    "jacobian_strict_create_graph_linear": lambda lib, F: F.jacobian(lambda x: x * 2, lib.ones(2), strict=True,
                                                                     create_graph=True),
    "vjp_strict_create_graph_linear": lambda lib, F: F.vjp(lambda x: x * 2, lib.ones(2), lib.ones(2), strict=True,
                                                           create_graph=True),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_match_pytorch(case):
    m, t = _err(ERRORS[case], miniconv), _err(ERRORS[case], torch)
    assert m == t


def test_strict_passes_where_pytorch_passes():
    F = miniconv.autograd.functional
    f, x = SCALAR["tanh_mlp"]
    h = F.hessian(f(miniconv), x(miniconv), strict=True)
    _compare(_np(h), _np(torch.autograd.functional.hessian(f(torch), x(torch), strict=True)))


@pytest.mark.parametrize("which", ["hessian", "hvp", "vhp"])
def test_an_op_without_double_backward_raises_rather_than_approximating(which):
    """lgamma has no differentiable backward in miniconv: the second-order tools say so (PyTorch has one)."""
    F = miniconv.autograd.functional
    x = miniconv.tensor(X4)
    args = (x,) if which == "hessian" else (x, miniconv.ones(4, dtype=miniconv.float64))
    with pytest.raises(RuntimeError, match="double backward is not implemented for Lgamma"):
        getattr(F, which)(lambda t: miniconv.lgamma(t * 0.1 + 2).sum(), *args)
    # the first-order tools still work on it
    _compare(_np(F.jacobian(lambda t: miniconv.lgamma(t * 0.1 + 2), x)),
             _np(torch.autograd.functional.jacobian(lambda t: torch.lgamma(t * 0.1 + 2), torch.tensor(X4))))


@pytest.mark.parametrize("which", ["hessian", "hvp", "vhp"])
def test_prod_second_order_as_pytorch(which):
    F, T = miniconv.autograd.functional, torch.autograd.functional
    v = np.ones(4)
    m_args = (miniconv.tensor(X4),) if which == "hessian" else (miniconv.tensor(X4), miniconv.tensor(v))
    t_args = (torch.tensor(X4),) if which == "hessian" else (torch.tensor(X4), torch.tensor(v))
    _compare(_np(getattr(F, which)(lambda t: t.prod(), *m_args)), _np(getattr(T, which)(lambda t: t.prod(), *t_args)))


def test_zero_dim_output_double_backward():
    """A 0-d forward (np.exp of a 0-d array returns a NumPy scalar) saves its output for double backward."""
    def g(lib):
        x = lib.tensor(0.3, dtype=lib.float64, requires_grad=True)
        y = (x * 2).exp() * x.sin() + x.sigmoid() * x.tanh()
        (d1,) = lib.autograd.grad(y, x, create_graph=True)
        (d2,) = lib.autograd.grad(d1, x, create_graph=True)
        (d3,) = lib.autograd.grad(d2, x)
        return _np((d1, d2, d3))
    _compare(g(miniconv), g(torch))
