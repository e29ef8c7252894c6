"""Double backward (create_graph=True, then grad again) of linalg ops whose backward is a LAPACK / SciPy call:
matrix_exp, cholesky, solve, solve_triangular, eigh / eigvalsh, svd / svdvals (and the norms built on them),
pinv, and einsum with a letter repeated in one operand. First and second derivatives compared with torch's, and
miniconv's own gradgradcheck (float64 central differences) passes."""
import numpy as np
import pytest

import miniconv
from oracle import first_and_second  # noqa: E402

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)
SQ = RNG.standard_normal((3, 3))
BATCH_SQ = RNG.standard_normal((2, 3, 3))
TALL = RNG.standard_normal((4, 3))
WIDE = RNG.standard_normal((2, 4))
RHS = RNG.standard_normal((3, 2))


def _spd(lib, x):
    return x @ x.mT + 3 * lib.eye(x.shape[-1], dtype=x.dtype)


CASES = {
    "matrix_exp": (lambda l, x: l.linalg.matrix_exp(0.3 * x), SQ),
    "matrix_exp_batched": (lambda l, x: l.matrix_exp(0.3 * x), BATCH_SQ),
    "cholesky": (lambda l, x: l.linalg.cholesky(_spd(l, x)), SQ),
    "cholesky_upper_batched": (lambda l, x: l.linalg.cholesky(_spd(l, x), upper=True), BATCH_SQ),
    "solve_matrix": (lambda l, x: l.linalg.solve(x + 3 * l.eye(3, dtype=x.dtype), l.tensor(RHS) * x[:, :2]), SQ),
    "solve_vector": (lambda l, x: l.linalg.solve(x + 3 * l.eye(3, dtype=x.dtype), x[0] * x[1]), SQ),
    "solve_left_false": (lambda l, x: l.linalg.solve(x + 3 * l.eye(3, dtype=x.dtype), x.mT.exp(), left=False), SQ),
    "solve_triangular": (lambda l, x: l.linalg.solve_triangular(x.triu() + 3 * l.eye(3, dtype=x.dtype), x * x,
                                                                upper=True), SQ),
    "eigh": (lambda l, x: (lambda w, v: w.unsqueeze(-2) * v.abs())(*l.linalg.eigh(x + x.mT)), SQ),
    "eigh_upper_batched": (lambda l, x: l.linalg.eigh(x + x.mT, UPLO="U")[1].abs(), BATCH_SQ),
    "eigvalsh": (lambda l, x: l.linalg.eigvalsh(x + x.mT), SQ),
    "svd_tall": (lambda l, x: (lambda u, s, vh: u.abs().sum(-1) * s.sum() + vh.abs().sum())(
        *l.linalg.svd(x, full_matrices=False)), TALL),
    "svd_wide_full": (lambda l, x: (lambda u, s, vh: (u.abs() @ l.diag(s)).sum(0, keepdim=True).mT + vh[:2].abs())(
        *l.linalg.svd(x, full_matrices=True)), WIDE),
    "svdvals": (lambda l, x: l.linalg.svdvals(x), TALL),
    "matrix_norm_nuc_and_2": (lambda l, x: l.linalg.matrix_norm(x, "nuc") * l.linalg.matrix_norm(x, 2), TALL),
    "pinv_tall": (lambda l, x: l.linalg.pinv(x), TALL),
    "pinv_wide": (lambda l, x: l.linalg.pinv(x), WIDE),
    "einsum_trace": (lambda l, x: l.einsum("ii", x) * l.einsum("ij->", x), SQ),
    "einsum_diagonal_times_matrix": (lambda l, x: l.einsum("ii,ij->j", x, x), SQ),
    "einsum_batch_diagonal": (lambda l, x: l.einsum("bii->bi", x) ** 2, BATCH_SQ),
    "einsum_three_index": (lambda l, x: l.einsum("iij->ij", x.reshape(3, 1, 3).expand(3, 3, 3) * x.reshape(1, 3, 3)),
                           SQ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_second_derivative_as_torch(name):
    fn, X = CASES[name]
    g_m, gg_m = first_and_second(miniconv, fn, X)
    g_t, gg_t = first_and_second(torch, fn, X)
    np.testing.assert_allclose(g_m, g_t, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gg_m, gg_t, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["matrix_exp", "cholesky", "eigh", "pinv_wide", "einsum_diagonal_times_matrix"])
def test_gradgradcheck(name):
    fn, X = CASES[name]
    x = miniconv.tensor(X, requires_grad=True)
    assert miniconv.autograd.gradgradcheck(lambda t: fn(miniconv, t), (x,))
    xt = torch.tensor(X, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda t: fn(torch, t), (xt,))


def test_third_order_through_matrix_exp_and_solve():
    """The create_graph formulas are themselves differentiable once more (a third derivative), as PyTorch's."""
    def third(lib):
        x = lib.tensor(SQ, requires_grad=True)
        y = lib.linalg.solve(lib.linalg.matrix_exp(0.2 * x) + 2 * lib.eye(3, dtype=x.dtype), x[0]).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x, create_graph=True)
        (ggg,) = lib.autograd.grad(gg.sum(), x)
        return ggg.numpy()
    np.testing.assert_allclose(third(miniconv), third(torch), rtol=1e-6, atol=1e-8)
