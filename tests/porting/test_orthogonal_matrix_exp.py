"""parametrizations.orthogonal (matrix_exp / cayley / householder) and the ops under it, matrix_exp and
linalg.householder_product, against PyTorch: values, gradients, state dict keys, errors."""
import numpy as np
import pytest

import miniconv
from oracle import assert_same

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matrix_exp(shape, dtype):
    a = (rng.standard_normal(shape) * 0.7).astype(dtype)

    def fn(lib):
        x = lib.tensor(a, requires_grad=True)
        y = lib.matrix_exp(x)
        (y * y.cos()).sum().backward()
        return y, x.grad, x.matrix_exp(), lib.linalg.matrix_exp(x)

    tol = 1e-5 if dtype == "float32" else 1e-10
    assert_same(fn, rtol=tol, atol=tol)


@pytest.mark.parametrize("bad", [np.ones((2, 3)), np.ones(3), np.ones((2, 2), np.int64)])
def test_matrix_exp_errors(bad):
    def fn(lib):
        return lib.matrix_exp(lib.tensor(bad))

    m, t = [_err(lambda: fn(lib)) for lib in (miniconv, torch)]
    assert m == t and m is not None


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("shape,k", [((4, 3), 3), ((5, 5), 2), ((2, 4, 2), 2)])
def test_householder_product(shape, k):
    a = rng.standard_normal(shape)
    tau = rng.uniform(0.2, 1.8, shape[:-2] + (k,))

    def fn(lib):
        x = lib.tensor(a, requires_grad=True)
        t = lib.tensor(tau, requires_grad=True)
        q = lib.linalg.householder_product(x, t)
        (q * q.sin()).sum().backward()
        return q, x.grad, t.grad

    assert_same(fn, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("args", [(np.ones((3, 2)), np.ones(3)), (np.ones((2, 3)), np.ones(2)),
                                  (np.ones((3, 2)), np.ones((2, 2))), (np.ones((3, 2), np.int64), np.ones(2, np.int64))])
def test_householder_product_errors(args):
    m, t = [_err(lambda: lib.linalg.householder_product(lib.tensor(args[0]), lib.tensor(args[1])))
            for lib in (miniconv, torch)]
    assert m == t and m is not None


def linear(lib, w):
    lin = lib.nn.Linear(w.shape[1], w.shape[0])
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(w))
        lin.bias.fill_(0.1)
    return lin


@pytest.mark.parametrize("omap", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_training_matches_pytorch(omap, shape):
    w = rng.standard_normal(shape).astype(np.float32)
    x = rng.standard_normal((6, shape[1])).astype(np.float32)
    mods = {}
    for lib in (miniconv, torch):
        mods[lib] = lib.nn.utils.parametrizations.orthogonal(linear(lib, w), orthogonal_map=omap)
    assert list(mods[miniconv].state_dict()) == list(mods[torch].state_dict())
    if shape[0] == shape[1]:  # square: the initial weight is deterministic (no random completion)
        np.testing.assert_allclose(mods[miniconv].weight.detach().numpy(), mods[torch].weight.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
    mods[miniconv].load_state_dict(miniconv.utils.convert_torch_state_dict(mods[torch].state_dict()))
    res = {}
    for lib, m in mods.items():
        opt = lib.optim.SGD(m.parameters(), lr=0.05)
        for _ in range(3):
            opt.zero_grad()
            (m(lib.tensor(x)) ** 2).mean().backward()
            opt.step()
        W = m.weight.detach().numpy()
        res[lib] = (W, m.parametrizations.weight.original.detach().numpy())
        small = min(shape)
        gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
        np.testing.assert_allclose(gram, np.eye(small), atol=2e-5)  # still orthogonal after training
    for a, b in zip(res[miniconv], res[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_orthogonal_assignment_and_errors():
    w = rng.standard_normal((4, 4)).astype(np.float32)
    q = np.linalg.qr(rng.standard_normal((4, 4)))[0].astype(np.float32)

    def fn(lib):
        m = lib.nn.utils.parametrizations.orthogonal(linear(lib, w))
        m.weight = lib.tensor(q)
        return m.weight

    assert_same(fn, rtol=1e-5, atol=1e-6)
    for kwargs, make in [(dict(orthogonal_map="qr"), lambda lib: linear(lib, w)),
                         (dict(name="bias"), lambda lib: linear(lib, w)),
                         (dict(name="nope"), lambda lib: linear(lib, w))]:
        m, t = [_err(lambda: lib.nn.utils.parametrizations.orthogonal(make(lib), **kwargs))
                for lib in (miniconv, torch)]
        assert m[0] == t[0] == "ValueError"
        if "name" not in kwargs:
            assert m == t
    m, t = [_err(lambda: setattr(lib.nn.utils.parametrizations.orthogonal(linear(lib, w)), "weight", lib.ones(3, 4)))
            for lib in (miniconv, torch)]
    assert m[0] == t[0] == "ValueError"
