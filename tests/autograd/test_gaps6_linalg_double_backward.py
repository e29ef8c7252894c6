"""Double backward (create_graph=True, then grad again) of QR, LU (linalg.lu, lu_factor and lu_solve through it),
lstsq (solution and residuals) and cholesky_inverse: first and second derivatives compared with torch 2.13's,
miniconv's gradgradcheck (float64 central differences) passes where torch's does, and QR's mode='r' error."""
import numpy as np
import pytest

import miniconv
from oracle import first_and_second  # noqa: E402

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(6)
SQ = RNG.standard_normal((3, 3)) + 2 * np.eye(3)
BATCH_SQ = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
TALL = RNG.standard_normal((4, 3))
WIDE = RNG.standard_normal((2, 4))
RHS = RNG.standard_normal((3, 2))
RHS4 = RNG.standard_normal((4, 2))


def _qr_parts(l, x, mode="reduced"):
    q, r = l.linalg.qr(x, mode=mode)
    return q.sin() * 2 + r.sum(-1, keepdim=True).tanh()[..., : q.shape[-1]].mT.sum(-2, keepdim=True) \
        if q.shape[-1] == r.shape[-2] else q.sin()


def _lu_parts(l, x):
    p, L, U = l.linalg.lu(x)
    return (L.sin() @ U[..., : L.shape[-1], :]) * 1.5


CASES = {
    "qr_square": (lambda l, x: _qr_parts(l, x), SQ),
    "qr_tall": (lambda l, x: _qr_parts(l, x), TALL),
    "qr_wide": (lambda l, x: l.linalg.qr(x)[1] ** 2 + l.linalg.qr(x)[0].sum(), WIDE),
    "qr_only_r_used": (lambda l, x: l.linalg.qr(x)[1] ** 3, TALL),
    "qr_only_q_used_batched": (lambda l, x: l.linalg.qr(x)[0].cos(), BATCH_SQ),
    "qr_complete_square": (lambda l, x: l.linalg.qr(x, mode="complete")[0] * l.linalg.qr(x, mode="complete")[1], SQ),
    "lu_square": (lambda l, x: _lu_parts(l, x), SQ),
    "lu_tall": (lambda l, x: _lu_parts(l, x), TALL),
    "lu_wide": (lambda l, x: (lambda p, L, U: L.sum() * U.exp())(*l.linalg.lu(x)), WIDE),
    "lu_only_l_tall": (lambda l, x: l.linalg.lu(x)[1] ** 2, TALL),
    "lu_only_u_wide": (lambda l, x: l.linalg.lu(x)[2] ** 2, WIDE),
    "lu_factor": (lambda l, x: l.linalg.lu_factor(x)[0] ** 3, SQ),
    "lu_factor_batched": (lambda l, x: l.linalg.lu_factor(x)[0].sin(), BATCH_SQ),
    "lu_solve": (lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), l.tensor(RHS)) ** 2, SQ),
    "lu_solve_both": (lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), x[:, :2] * x[:, 1:]), SQ),
    "lu_solve_adjoint": (lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), l.tensor(RHS), adjoint=True), SQ),
    "lu_solve_right": (lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), l.tensor(RHS).mT, left=False), SQ),
    "lu_solve_right_adjoint": (lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), x[:2] * 2, left=False,
                                                              adjoint=True), SQ),
    "lu_solve_batched_rhs": (lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), l.tensor(BATCH_SQ) + x), SQ),
    "lu_solve_batched_lu": (lambda l, x: l.linalg.lu_solve(*l.linalg.lu_factor(x), l.tensor(RHS)).exp(), BATCH_SQ),
    "lstsq_square": (lambda l, x: l.linalg.lstsq(x, l.tensor(RHS)).solution ** 2, SQ),
    "lstsq_tall_both": (lambda l, x: l.linalg.lstsq(x, l.tensor(RHS4) * x[:, :2].sum()).solution.sin(), TALL),
    "lstsq_vector": (lambda l, x: l.linalg.lstsq(x, x[:, 0] * 2).solution.exp(), TALL),
    "lstsq_residuals": (lambda l, x: l.linalg.lstsq(x, l.tensor(RHS4), driver="gelsd").residuals, TALL),
    "lstsq_wide": (lambda l, x: l.linalg.lstsq(x, l.tensor(RHS[:2])).solution ** 2, WIDE),
    "cholesky_inverse": (lambda l, x: l.cholesky_inverse(l.linalg.cholesky(x @ x.mT + l.eye(3, dtype=x.dtype))),
                         SQ),
    "cholesky_inverse_tril": (lambda l, x: l.cholesky_inverse(x.tril() + 2 * l.eye(3, dtype=x.dtype)) ** 2, SQ),
    "cholesky_inverse_upper_batched": (lambda l, x: l.cholesky_inverse(x.triu() + 2 * l.eye(3, dtype=x.dtype),
                                                                       upper=True), BATCH_SQ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_second_derivative_as_torch(name):
    fn, X = CASES[name]
    g_m, gg_m = first_and_second(miniconv, fn, X)
    g_t, gg_t = first_and_second(torch, fn, X)
    np.testing.assert_allclose(g_m, g_t, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gg_m, gg_t, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["qr_wide", "lu_wide", "lu_solve_both", "lstsq_tall_both",
                                  "lstsq_residuals", "cholesky_inverse_tril"])
def test_gradgradcheck(name):
    fn, X = CASES[name]
    x = miniconv.tensor(X, requires_grad=True)
    assert miniconv.autograd.gradgradcheck(lambda t: fn(miniconv, t), (x,))
    xt = torch.tensor(X, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda t: fn(torch, t), (xt,))


def test_qr_mode_r_backward_error_as_torch():
    def run(lib, create_graph):
        x = lib.tensor(TALL, requires_grad=True)
        try:
            lib.autograd.grad(lib.linalg.qr(x, mode="r")[1].sum(), x, create_graph=create_graph)
        except Exception as e:  # noqa: BLE001 - compared with torch's
            return type(e).__name__, str(e)
    for create_graph in (False, True):
        assert run(miniconv, create_graph) == run(torch, create_graph)


def test_node_names_as_torch():
    def names(lib):
        a = lib.tensor(SQ, requires_grad=True) * 1
        b = lib.tensor(RHS, requires_grad=True) * 1
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")
            tri = lib.triangular_solve(b, a.triu()).solution
        return [lib.linalg.qr(a)[0].grad_fn.name(), lib.linalg.lu(a)[1].grad_fn.name(),
                lib.linalg.lu_factor(a)[0].grad_fn.name(), lib.linalg.lstsq(a, b).solution.grad_fn.name(),
                lib.linalg.solve_triangular(a.triu(), b, upper=True).grad_fn.name(), tri.grad_fn.name(),
                lib.cholesky_inverse(a.tril()).grad_fn.name()]
    assert names(miniconv) == names(torch)


LU0 = __import__("scipy.linalg").linalg.lu_factor(SQ)[0]  # a packed LU (its pivots from torch below)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_gradient_in_the_packed_lu(left, adjoint):
    """The gradient in LU itself (a leaf), as PyTorch's linalg_lu_solve_LU, first and second order."""
    def run(lib):
        _, piv = lib.linalg.lu_factor(lib.tensor(SQ))
        lu = lib.tensor(LU0, requires_grad=True)
        b = lib.tensor(RHS if left else RHS.T, requires_grad=True)
        x = lib.linalg.lu_solve(lu, piv, b, left=left, adjoint=adjoint)
        g_lu, g_b = lib.autograd.grad((x.sin() * 1.5).sum(), (lu, b), create_graph=True)
        gg = lib.autograd.grad((g_lu * g_lu).sum() + g_b.sum(), (lu, b))
        return [t.detach().numpy() for t in (x, g_lu, g_b, *gg)] + [x.grad_fn.name()]
    m, t = run(miniconv), run(torch)
    assert m[-1] == t[-1]
    for a, b in zip(m[:-1], t[:-1]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_lu_solve_saves_lu_and_result():
    """Changing LU or the result in place before backward raises PyTorch's error; B is not saved."""
    def run(lib, which):
        _, piv = lib.linalg.lu_factor(lib.tensor(SQ))
        lu = lib.tensor(LU0, requires_grad=True) * 1
        b = lib.tensor(RHS, requires_grad=True) * 1
        x = lib.linalg.lu_solve(lu, piv, b)
        {"lu": lu, "b": b, "x": x}[which].add_(1)
        try:
            x.sum().backward()
        except RuntimeError as e:
            return str(e)
        return None
    for which in ("lu", "b", "x"):
        assert run(miniconv, which) == run(torch, which)
