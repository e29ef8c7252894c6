"""torch.autograd.functional on miniconv and PyTorch: jacobian, vjp, jvp, hessian, hvp, vhp (all exact; the
second-order ones by double backward) to float64 precision; tuple nesting; nn layers inside; errors.
create_graph=True and strict mode of the second-order tools: test_functional_second_order.py."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=3)
X23 = RNG.normal(size=(2, 3))
W = RNG.normal(size=(4, 3)) * 0.5
B = RNG.normal(size=4) * 0.1
V4 = RNG.normal(size=4)


def _np(t):
    if isinstance(t, (tuple, list)):
        return tuple(_np(x) for x in t)
    return (t.detach().numpy(), str(t.dtype).split(".")[-1], tuple(t.shape))


def _compare(m, t, rtol, atol):
    if isinstance(t, tuple) and not isinstance(t[0], np.ndarray):
        assert isinstance(m, tuple) and len(m) == len(t)
        for a, b in zip(m, t):
            _compare(a, b, rtol, atol)
        return
    assert m[1:] == t[1:], (m[1:], t[1:])
    np.testing.assert_allclose(m[0], t[0], rtol=rtol, atol=atol)


def both(fn, rtol=1e-12, atol=1e-12):
    m, t = _np(fn(miniconv)), _np(fn(torch))
    _compare(m, t, rtol, atol)


W2 = RNG.normal(size=(2, 4))


def _mlp(lib, dtype="float64", act="tanh"):
    net = lib.nn.Sequential(lib.nn.Linear(3, 4), getattr(lib.nn, {"tanh": "Tanh", "relu": "ReLU"}[act])(),
                            lib.nn.Linear(4, 2))
    with lib.no_grad():
        net[0].weight.copy_(lib.tensor(W))
        net[0].bias.copy_(lib.tensor(B))
        net[2].weight.copy_(lib.tensor(W2))
        net[2].bias.copy_(lib.tensor(np.array([0.1, -0.2])))
    return net.to(getattr(lib, dtype))


def _loss_of(net_fn, loss):
    """``f(lib)``: the network is built once per library, then called at every point."""
    def f(lib):
        net = net_fn(lib)
        return lambda x: loss(net(x))
    return f


# vector functions for the first-order tools: name -> (fn(lib), inputs(lib))
FUNCS = {
    "elementwise": (lambda lib: lambda x: x.sin() * x.exp(), lambda lib: lib.tensor(X3)),
    "reduce_matrix": (lambda lib: lambda x: (x ** 2).sum(1) + x.prod(1), lambda lib: lib.tensor(X23)),
    "matmul": (lambda lib: lambda x: lib.tensor(W) @ x + lib.tensor(B), lambda lib: lib.tensor(X3)),
    "two_inputs": (lambda lib: lambda x, y: x * y.sum() + y[:3].tanh(), lambda lib: (lib.tensor(X3), lib.tensor(V4))),
    "two_outputs": (lambda lib: lambda x: (x.exp(), (x * x).sum()), lambda lib: lib.tensor(X3)),
    "tuples": (lambda lib: lambda x, y: (x * y[0], y.log_softmax(0)), lambda lib: (lib.tensor(X3), lib.tensor(V4))),
    "mlp": (lambda lib: _mlp(lib), lambda lib: lib.tensor(X23)),
    "softmax_ce": (lambda lib: lambda z: lib.nn.functional.cross_entropy(z, lib.tensor([1, 0])),
                   lambda lib: lib.tensor(X23)),
}


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian(name, vectorize):
    f, x = FUNCS[name]
    both(lambda lib: lib.autograd.functional.jacobian(f(lib), x(lib), vectorize=vectorize))


def test_jacobian_forward_mode_with_vectorize_gives_the_same_values():
    f, x = FUNCS["two_inputs"]
    both(lambda lib: lib.autograd.functional.jacobian(f(lib), x(lib), vectorize=True, strategy="forward-mode"))


def test_jacobian_float32_mlp():
    f, x = FUNCS["mlp"]
    both(lambda lib: lib.autograd.functional.jacobian(_mlp(lib, "float32"), x(lib).float()), rtol=1e-5, atol=1e-6)


def _v_like(lib, out):
    if isinstance(out, tuple):
        return tuple(_v_like(lib, o) for o in out)
    n = out.numel()
    return lib.tensor(np.linspace(-1, 1.5, n).reshape(tuple(out.shape)), dtype=out.dtype)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_vjp_and_jvp(name):
    f, x = FUNCS[name]

    def vjp(lib):
        out = f(lib)(*(x(lib) if isinstance(x(lib), tuple) else (x(lib),)))
        return lib.autograd.functional.vjp(f(lib), x(lib), _v_like(lib, out))

    def jvp(lib):
        return lib.autograd.functional.jvp(f(lib), x(lib), _v_like(lib, x(lib)))
    both(vjp)
    both(jvp)


def test_v_none_for_single_element():
    both(lambda lib: lib.autograd.functional.vjp(lambda x: (x ** 3).sum(), lib.tensor(X3)))
    both(lambda lib: lib.autograd.functional.jvp(lambda x: x.exp() * 2, lib.tensor([0.3], dtype=lib.float64)))


# scalar functions for the second-order tools
SCALAR = {
    "poly": (lambda lib: lambda x: (x ** 3).sum() * x[0].sin() + (x[1] * x[2]).exp(), lambda lib: lib.tensor(X3)),
    "rosenbrock": (lambda lib: lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum(),
                   lambda lib: lib.tensor(np.array([-1.2, 1.0, 0.8, 1.1]))),
    "quadratic_form": (lambda lib: lambda x: x @ lib.tensor(W.T @ W) @ x, lambda lib: lib.tensor(X3)),
    "two_inputs": (lambda lib: lambda x, y: (x.sin() * y[:3]).sum() + (y ** 2).sum() * x[0],
                   lambda lib: (lib.tensor(X3), lib.tensor(V4))),
    "matrix_input": (lambda lib: lambda x: x.tanh().logsumexp(1).sum(), lambda lib: lib.tensor(X23)),
    "mlp_loss_wrt_input": (_loss_of(_mlp, lambda y: (y ** 2).mean()), lambda lib: lib.tensor(X23)),
    "logistic_loss_wrt_weights": (lambda lib: lambda w: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.tensor(X23) @ w, lib.tensor([1.0, 0.0], dtype=lib.float64)), lambda lib: lib.tensor(X3)),
    "relu_mlp_wrt_input": (_loss_of(lambda lib: _mlp(lib, act="relu"), lambda y: y.pow(2).sum()),
                           lambda lib: lib.tensor(X23)),
}


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_hessian(name):
    f, x = SCALAR[name]
    both(lambda lib: lib.autograd.functional.hessian(f(lib), x(lib)), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(SCALAR))
@pytest.mark.parametrize("which", ["hvp", "vhp"])
def test_hvp_vhp(name, which):
    f, x = SCALAR[name]
    both(lambda lib: getattr(lib.autograd.functional, which)(f(lib), x(lib), _v_like(lib, x(lib))),
         rtol=1e-12, atol=1e-12)


def test_hessian_float32():
    f, x = SCALAR["poly"]
    both(lambda lib: lib.autograd.functional.hessian(f(lib), x(lib).float()), rtol=1e-5, atol=1e-6)
    both(lambda lib: lib.autograd.functional.hvp(f(lib), x(lib).float(), lib.ones(3)), rtol=1e-5, atol=1e-6)


def test_hessian_next_to_a_kink():
    """A point 1e-9 from a ReLU kink: the Hessian is that of the piece the point is in (PyTorch's)."""
    def f(lib):
        def fn(x):
            return (lib.relu(x - 0.5) ** 2).sum() * 3 + (x ** 2).sum()
        return fn
    x0 = np.array([0.5 + 1e-9, 0.5 - 1e-9, 2.0])
    both(lambda lib: lib.autograd.functional.hessian(f(lib), lib.tensor(x0)))
    both(lambda lib: lib.autograd.functional.hvp(f(lib), lib.tensor(x0), lib.ones(3, dtype=lib.float64)))


def test_hessian_with_scalar_input_and_outer_strategy():
    both(lambda lib: lib.autograd.functional.hessian(lambda x: x.exp() * x ** 2, lib.tensor(0.7, dtype=lib.float64)),
         )
    both(lambda lib: lib.autograd.functional.hessian(
        lambda x: (x ** 4).sum(), lib.tensor(X3), vectorize=True, outer_jacobian_strategy="forward-mode"))
    both(lambda lib: lib.autograd.functional.hvp(lambda x: x.exp() * x ** 2, lib.tensor(0.7, dtype=lib.float64)))


def test_unused_input_gives_zeros():
    both(lambda lib: lib.autograd.functional.jacobian(lambda x, y: x * 2, (lib.tensor(X3), lib.tensor(V4))))
    both(lambda lib: lib.autograd.functional.hessian(lambda x, y: (x ** 3).sum(), (lib.tensor(X3), lib.tensor(V4))))
    both(lambda lib: lib.autograd.functional.vjp(lambda x, y: x * 2, (lib.tensor(X3), lib.tensor(V4)),
                                                 lib.ones(3, dtype=lib.float64)))


def _err(fn, lib):
    try:
        fn(lib, lib.autograd.functional)
    except Exception as e:  # noqa: BLE001 - compared
        return type(e).__name__, str(e).replace("torch.", "").replace("miniconv.", "").replace("torch", "")
    return None


ERRORS = {
    "jac_not_tensor": lambda lib, F: F.jacobian(lambda x: x, [1.0]),
    "jac_tuple_not_tensor": lambda lib, F: F.jacobian(lambda x, y: x, (lib.ones(2), 3)),
    "jac_output_not_tensor": lambda lib, F: F.jacobian(lambda x: 3.0, lib.ones(2)),
    "jac_bad_strategy": lambda lib, F: F.jacobian(lambda x: x, lib.ones(2), strategy="sideways"),
    "jac_forward_no_vectorize": lambda lib, F: F.jacobian(lambda x: x, lib.ones(2), strategy="forward-mode"),
    "jac_forward_strict": lambda lib, F: F.jacobian(lambda x: x, lib.ones(2), strategy="forward-mode", strict=True,
                                                    vectorize=True),
    "jac_forward_create_graph": lambda lib, F: F.jacobian(lambda x: x, lib.ones(2), strategy="forward-mode",
                                                          create_graph=True, vectorize=True),
    "jac_strict_vectorize": lambda lib, F: F.jacobian(lambda x: x, lib.ones(2), strict=True, vectorize=True),
    "jac_strict_no_grad_output": lambda lib, F: F.jacobian(lambda x: x.detach(), lib.ones(2), strict=True),
    "jac_strict_unused_input": lambda lib, F: F.jacobian(lambda x, y: x * 2, (lib.ones(2), lib.ones(2)), strict=True),
    "vjp_v_missing": lambda lib, F: F.vjp(lambda x: x * 2, lib.ones(2)),
    "vjp_v_wrong_size": lambda lib, F: F.vjp(lambda x: x * 2, lib.ones(2), lib.ones(3)),
    "vjp_v_wrong_len": lambda lib, F: F.vjp(lambda x: (x, x), lib.ones(2), (lib.ones(2),)),
    "vjp_v_not_single": lambda lib, F: F.vjp(lambda x: x, lib.ones(2), (lib.ones(2), lib.ones(2))),
    "vjp_strict_unused": lambda lib, F: F.vjp(lambda x, y: x * 2, (lib.ones(2), lib.ones(2)), lib.ones(2),
                                              strict=True),
    "jvp_v_missing": lambda lib, F: F.jvp(lambda x: x * 2, lib.ones(2)),
    "jvp_v_entry_wrong": lambda lib, F: F.jvp(lambda x, y: x * y, (lib.ones(2), lib.ones(2)),
                                              (lib.ones(2), lib.ones(3))),
    "jvp_strict_unused": lambda lib, F: F.jvp(lambda x, y: x * 2, (lib.ones(2), lib.ones(2)),
                                              (lib.ones(2), lib.ones(2)), strict=True),
    "hessian_vector_output": lambda lib, F: F.hessian(lambda x: x * 2, lib.ones(2)),
    "hessian_tuple_output": lambda lib, F: F.hessian(lambda x: (x.sum(),), lib.ones(2)),
    "hessian_bad_strategy": lambda lib, F: F.hessian(lambda x: x.sum(), lib.ones(2), outer_jacobian_strategy="no"),
    "hessian_forward_no_vectorize": lambda lib, F: F.hessian(lambda x: x.sum(), lib.ones(2),
                                                             outer_jacobian_strategy="forward-mode"),
    "hessian_strict_no_grad": lambda lib, F: F.hessian(lambda x: x.sum().detach(), lib.ones(2), strict=True),
    "hessian_strict_unused": lambda lib, F: F.hessian(lambda x, y: (x ** 3).sum(), (lib.ones(2), lib.ones(2)),
                                                      strict=True),
    "hvp_vector_output": lambda lib, F: F.hvp(lambda x: x * 2, lib.ones(2), lib.ones(2)),
    "hvp_v_missing": lambda lib, F: F.hvp(lambda x: (x ** 3).sum(), lib.ones(2)),
    "vhp_v_wrong_size": lambda lib, F: F.vhp(lambda x: (x ** 3).sum(), lib.ones(2), lib.ones(3)),
    "vhp_strict_unused": lambda lib, F: F.vhp(lambda x, y: (x ** 3).sum(), (lib.ones(2), lib.ones(2)),
                                              (lib.ones(2), lib.ones(2)), strict=True),
    "int_input": lambda lib, F: F.jacobian(lambda x: x * 2, lib.ones(2, dtype=lib.int64)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors(case):
    m, t = _err(ERRORS[case], miniconv), _err(ERRORS[case], torch)
    assert t is not None
    assert m == t


def test_inputs_are_not_modified_and_results_are_detached():
    x = miniconv.tensor(X3, requires_grad=True)
    F = miniconv.autograd.functional
    for res in (F.jacobian(lambda t: t.exp(), x), F.hessian(lambda t: t.exp().sum(), x),
                F.vjp(lambda t: t.exp(), x, miniconv.ones(3, dtype=miniconv.float64))[1]):
        assert not res.requires_grad
    assert x.grad is None and np.array_equal(x.detach().numpy(), X3)


def test_import_paths():
    import miniconv.autograd.functional as F1
    from miniconv.autograd.functional import hessian, jacobian  # noqa: F401
    assert miniconv.autograd.functional is F1
    assert set(F1.__all__) == set(torch.autograd.functional.__all__)
