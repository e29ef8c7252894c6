"""linalg.cholesky / cholesky_ex / solve_triangular / eigvalsh against PyTorch: values, gradients (both inputs),
batching and broadcasting, and the errors (class and message)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _spd(*batch, n=3):
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


SPD = _spd(2)
TRI = np.tril(RNG.normal(size=(2, 3, 3))) + 3 * np.eye(3)
B = RNG.normal(size=(3, 2))
W = RNG.normal(size=(2, 3, 3))


def _run(fn):
    out = []
    for lib in (miniconv, torch):
        try:
            res = fn(lib)
        except Exception as e:  # noqa: BLE001 - compared
            out.append(("raise", type(e).__name__, str(e)))
            continue
        vals, grads = res
        out.append(("ok", [v.detach().numpy() for v in vals], [g.numpy() for g in grads]))
    m, t = out
    assert m[0] == t[0], (m, t)
    if t[0] == "raise":
        assert m[1:] == t[1:]
        return
    for a, b in zip(m[1] + m[2], t[1] + t[2]):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_values_and_gradient(upper):
    def fn(lib):
        a = lib.tensor(SPD, requires_grad=True)
        L = lib.linalg.cholesky(a, upper=upper)
        (g,) = lib.autograd.grad((L * lib.tensor(W)).sum(), [a])
        return [L], [g]
    _run(fn)


def test_cholesky_reads_the_lower_triangle():
    def fn(lib):
        a = lib.tensor(np.tril(SPD) + np.triu(RNG.normal(size=(3, 3)), 1), requires_grad=True)
        L = lib.linalg.cholesky(a)
        (g,) = lib.autograd.grad(L.sin().sum(), [a])
        return [L], [g]
    _run(fn)


def test_cholesky_ex_info():
    bad = SPD.copy()
    bad[1, 2, 2] = -50.0

    def fn(lib):
        L, info = lib.linalg.cholesky_ex(lib.tensor(bad))
        L2, info2 = lib.linalg.cholesky_ex(lib.tensor(SPD))
        return [info, info2, L2, L[0]], []
    _run(fn)


@pytest.mark.parametrize("case", ["not_pd", "not_pd_batch", "not_square", "integer", "cholesky_ex_check"])
def test_cholesky_errors(case):
    bad = SPD.copy()
    bad[1, 0, 0] = -1.0
    fns = {
        "not_pd": lambda lib: lib.linalg.cholesky(-lib.tensor(SPD[0])),
        "not_pd_batch": lambda lib: lib.linalg.cholesky(lib.tensor(bad)),
        "not_square": lambda lib: lib.linalg.cholesky(lib.ones(2, 3)),
        "integer": lambda lib: lib.linalg.cholesky(lib.ones(2, 2, dtype=lib.int64)),
        "cholesky_ex_check": lambda lib: lib.linalg.cholesky_ex(lib.tensor(bad), check_errors=True),
    }
    out = []
    for lib in (miniconv, torch):
        with pytest.raises(Exception) as e:
            fns[case](lib)
        out.append((type(e.value).__name__, str(e.value)))
    assert out[0] == out[1]


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    def fn(lib):
        a = lib.tensor(np.swapaxes(TRI, -1, -2) if upper else TRI, requires_grad=True)
        b = lib.tensor(B if left else B.T, requires_grad=True)  # broadcast over a's batch
        x = lib.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
        ga, gb = lib.autograd.grad(x.tanh().sum(), [a, b])
        return [x], [ga, gb]
    _run(fn)


def test_solve_triangular_computes_in_the_dtype_of_a():
    def fn(lib):
        x1 = lib.linalg.solve_triangular(lib.tensor(TRI[0]).float(), lib.tensor(B), upper=False)
        x2 = lib.linalg.solve_triangular(lib.tensor(TRI[0]), lib.tensor(B).float(), upper=False)
        return [x1, x2], []
    out = []
    for lib in (miniconv, torch):
        vals, _ = fn(lib)
        out.append([(str(v.dtype).split(".")[-1], v.numpy()) for v in vals])
    for (da, a), (db, b) in zip(*out):
        assert da == db
        np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.parametrize("case", ["b_1d", "shapes", "not_square", "upper_missing"])
def test_solve_triangular_errors(case):
    fns = {
        "b_1d": lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(3), upper=False),
        "shapes": lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(4, 2), upper=False),
        "not_square": lambda lib: lib.linalg.solve_triangular(lib.ones(3, 2), lib.ones(3, 2), upper=False),
        "upper_missing": lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(3, 2)),
    }
    out = []
    for lib in (miniconv, torch):
        with pytest.raises(Exception) as e:
            fns[case](lib)
        out.append(type(e.value).__name__)
    assert out[0] == out[1]


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigvalsh(uplo):
    def fn(lib):
        a = lib.tensor(SPD + np.triu(RNG.normal(size=(3, 3)), 1) * 0, requires_grad=True)
        w = lib.linalg.eigvalsh(a, UPLO=uplo)
        (g,) = lib.autograd.grad((w ** 2).sum(), [a])
        return [w], [g]
    _run(fn)


def test_float32():
    def fn(lib):
        a = lib.tensor(SPD.astype(np.float32), requires_grad=True)
        L = lib.linalg.cholesky(a)
        x = lib.linalg.solve_triangular(L, lib.tensor(B.astype(np.float32)), upper=False)
        (g,) = lib.autograd.grad(x.sum(), [a])
        return [L.double(), x.double()], [g.double()]
    out = []
    for lib in (miniconv, torch):
        vals, grads = fn(lib)
        out.append([v.detach().numpy() for v in vals + grads])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
