"""torch.linalg's LU family, triangular and Cholesky solves, pinv, lstsq, matrix_exp, inv_ex / solve_ex: values,
gradients and errors against PyTorch, and gradcheck in float64."""
import numpy as np
import pytest

import miniconv
from _linalg_oracle import gradcheck, oracle, rng, same_error, spd

torch = pytest.importorskip("torch")
# the old forms' deprecation warnings are checked in test_linalg_decomp_misc.py
pytestmark = pytest.mark.filterwarnings("ignore:torch.(lu|lu_solve|triangular_solve) is deprecated")


# -- LU -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lu_factor_and_lu_values_and_gradients(shape, dtype):
    a = rng(20).standard_normal(shape).astype(dtype)
    w = rng(21).standard_normal(shape).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else {}

    def f(lib, A):
        LU, piv = lib.linalg.lu_factor(A)
        P, L, U = lib.linalg.lu(A)
        loss = (LU * lib.tensor(w)).sum() + L.pow(2).sum() + (U * U).sum()
        return [LU, piv, P, L, U], loss
    oracle(f, a, **tol)


def test_lu_factor_ex_info_and_lu_unpack():
    a = np.stack([np.ones((3, 3)), rng(22).standard_normal((3, 3))])

    def f(lib, A):
        LU, piv, info = lib.linalg.lu_factor_ex(A)
        P, L, U = lib.lu_unpack(LU, piv)
        P2, _, _ = lib.lu_unpack(LU, piv, unpack_data=False)
        _, L2, U2 = lib.lu_unpack(LU, piv, unpack_pivots=False)
        return [LU, piv, info, P, L, U, P2, L2, U2], (L.sum() + U.pow(2).sum())
    oracle(f, a)


def test_lu_gradcheck():
    for shape in [(3, 3), (4, 2), (2, 4)]:
        a = rng(23).standard_normal(shape)
        gradcheck(lambda A: miniconv.linalg.lu(A)[1:], a)
        gradcheck(lambda A: miniconv.linalg.lu_factor(A)[0], a)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_values_and_gradients(left, adjoint):
    a = rng(24).standard_normal((2, 4, 4))
    b = rng(25).standard_normal((2, 4, 3) if left else (2, 3, 4))

    def f(lib, A, B):
        LU, piv = lib.linalg.lu_factor(A)
        X = lib.linalg.lu_solve(LU, piv, B, left=left, adjoint=adjoint)
        return [X], X.pow(2).sum()
    oracle(f, a, b)

    def g(A, B):
        LU, piv = miniconv.linalg.lu_factor(A)
        return miniconv.linalg.lu_solve(LU, piv, B, left=left, adjoint=adjoint)
    gradcheck(g, a, b)


def test_old_lu_and_lu_solve():
    a, b = rng(26).standard_normal((3, 3)), rng(27).standard_normal((3, 2))

    def f(lib, A, B):
        LU, piv, info = lib.lu(A, get_infos=True)
        LU2, piv2 = A.lu()
        X = lib.lu_solve(B, LU, piv)
        return [LU, piv, info, LU2, piv2, X, B.lu_solve(LU, piv)], X.sum()
    oracle(f, a, b)


@pytest.mark.parametrize("call", [
    lambda lib, A: lib.linalg.lu_factor(A * 0),
    lambda lib, A: lib.linalg.lu_factor((A * 0).expand(2, 3, 3)),
    lambda lib, A: lib.linalg.lu_factor_ex(A.long()),
    lambda lib, A: lib.linalg.lu(A[0]),
    lambda lib, A: lib.linalg.lu_solve(*lib.linalg.lu_factor(A), A[:2]),
])
def test_lu_errors(call):
    same_error(call, rng(28).standard_normal((3, 3)))


# -- solve_triangular / triangular_solve ----------------------------------------------------------------------------
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_solve_triangular_values_and_gradients(upper, left, unitriangular):
    a = rng(29).standard_normal((2, 4, 4)) + 4 * np.eye(4)
    b = rng(30).standard_normal((3, 1, 4, 2) if left else (2, 4))

    def f(lib, A, B):
        X = lib.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unitriangular)
        return [X], (X * X).sum()
    oracle(f, a, b)
    gradcheck(lambda A, B: miniconv.linalg.solve_triangular(A, B, upper=upper, left=left,
                                                            unitriangular=unitriangular), a[0], b[0, 0] if left else b)


def test_solve_triangular_singular_gives_inf_as_pytorch():
    a, b = np.triu(np.ones((3, 3))), np.ones((3, 1))
    a[1, 1] = 0
    oracle(lambda lib, A, B: ([lib.linalg.solve_triangular(A, B, upper=True)], None), a, b, grad=False)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
def test_triangular_solve_old_form(upper, transpose):
    a = rng(31).standard_normal((4, 4)) + 4 * np.eye(4)
    b = rng(32).standard_normal((4, 2))

    def f(lib, B, A):
        X, C = lib.triangular_solve(B, A, upper=upper, transpose=transpose)
        X2 = B.triangular_solve(A, upper, transpose)[0]
        return [X, C, X2], X.sum() + C.sum()
    oracle(f, b, a)


@pytest.mark.parametrize("call", [
    lambda lib, A, B: lib.linalg.solve_triangular(A, B[0], upper=True),
    lambda lib, A, B: lib.linalg.solve_triangular(A, B.mT, upper=True),
    lambda lib, A, B: lib.linalg.solve_triangular(A.long(), B, upper=True),
    lambda lib, A, B: lib.linalg.solve_triangular(A[:, :2], B, upper=True),
])
def test_solve_triangular_errors(call):
    same_error(call, np.eye(3), np.ones((3, 2)))


# -- cholesky_solve / cholesky_inverse --------------------------------------------------------------------------------
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    a = spd(rng(33), 2, 4)
    b = rng(34).standard_normal((4, 3))

    def f(lib, A, B):
        L = lib.linalg.cholesky(A, upper=upper)
        X = lib.cholesky_solve(B, L, upper=upper)
        inv = lib.cholesky_inverse(L, upper=upper)
        return [X, inv, B.cholesky_solve(L, upper), L.cholesky_inverse(upper)], X.pow(2).sum() + inv.sum()
    oracle(f, a, b)


def test_cholesky_solve_gradient_of_the_factor_matches_pytorch_formula():
    # PyTorch's gradient with respect to the factor is not projected onto the triangle: same here
    L = np.tril(rng(35).standard_normal((3, 3))) + 3 * np.eye(3)
    b = rng(36).standard_normal((3, 2))
    oracle(lambda lib, L_, B: ([lib.cholesky_solve(B, L_)], lib.cholesky_solve(B, L_).sum()), L, b)
    oracle(lambda lib, L_: ([lib.cholesky_inverse(L_)], lib.cholesky_inverse(L_).pow(2).sum()), L)
    gradcheck(lambda L_, B: miniconv.cholesky_solve(B, L_.tril()), L, b)
    gradcheck(lambda L_: miniconv.cholesky_inverse(L_.triu(), upper=True), L.T)


# -- pinv, lstsq ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
def test_pinv_values_and_gradients(shape):
    a = rng(37).standard_normal(shape)

    def f(lib, A):
        P = lib.linalg.pinv(A)
        return [P, lib.pinverse(A), A.pinverse()], (P * P).sum()
    oracle(f, a)
    gradcheck(miniconv.linalg.pinv, a)


def test_pinv_tolerances_and_hermitian():
    a = np.diag([4.0, 1.0, 1e-3])
    s = spd(rng(38), 4)
    for kw in [dict(atol=0.5), dict(rtol=0.1), dict(atol=1e-4, rtol=1e-2), dict(rcond=0.01)]:
        kw_t = dict(kw)
        oracle(lambda lib, A: ([lib.linalg.pinv(A, **kw_t)], lib.linalg.pinv(A, **kw_t).sum()), a)
    oracle(lambda lib, A: ([lib.linalg.pinv(A, hermitian=True)], lib.linalg.pinv(A, hermitian=True).sum()), s)
    oracle(lambda lib, A: ([lib.linalg.pinv(A, atol=lib.tensor(0.5, dtype=lib.float64))], None), a, grad=False)
    batch = np.stack([a, np.diag([2.0, 0.5, 0.1])])

    def per_matrix(lib, A):
        tol = lib.tensor([0.5, 0.2], dtype=lib.float64)
        return [lib.linalg.pinv(A, atol=tol), lib.linalg.pinv(A, rtol=tol), lib.linalg.matrix_rank(A, atol=tol),
                lib.linalg.matrix_rank(A, rtol=tol)], None
    oracle(per_matrix, batch, grad=False)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shape", [((6, 3), (6, 2)), ((2, 5, 3), (2, 5, 2)), ((3, 3), (3, 1))])
def test_lstsq_values_and_gradients(driver, shape):
    a, b = rng(39).standard_normal(shape[0]), rng(40).standard_normal(shape[1])

    def f(lib, A, B):
        X, res, rank, sv = lib.linalg.lstsq(A, B, driver=driver)
        loss = X.pow(2).sum() + (res.sum() if res.numel() else 0)
        return [X, res, rank, sv], loss
    oracle(f, a, b)


def test_lstsq_vector_rhs_rank_deficient_and_gradcheck():
    a, b = rng(41).standard_normal((5, 3)), rng(42).standard_normal(5)
    oracle(lambda lib, A, B: (list(lib.linalg.lstsq(A, B)), lib.linalg.lstsq(A, B).solution.sum()), a, b)
    low = a[:, :1] @ np.ones((1, 3))
    oracle(lambda lib, A, B: (list(lib.linalg.lstsq(A, B, driver="gelsd")), None), low, b, grad=False)
    gradcheck(lambda A, B: miniconv.linalg.lstsq(A, B, driver="gelsd")[:2], a, b[:, None])


@pytest.mark.parametrize("call", [
    lambda lib, A, B: lib.linalg.lstsq(A, B, driver="foo"),
    lambda lib, A, B: lib.linalg.lstsq(A, B[:3]),
    lambda lib, A, B: lib.linalg.pinv(A.long()),
])
def test_lstsq_pinv_errors(call):
    same_error(call, np.ones((4, 2)), np.ones((4, 1)))


# -- matrix_exp, inv_ex, solve_ex -------------------------------------------------------------------------------------
def test_matrix_exp_values_and_gradients():
    a = rng(43).standard_normal((2, 3, 3))
    oracle(lambda lib, A: ([lib.linalg.matrix_exp(A), lib.matrix_exp(A), A.matrix_exp()],
                           lib.linalg.matrix_exp(A).pow(2).sum()), a)
    gradcheck(miniconv.linalg.matrix_exp, a)
    same_error(lambda lib, A: lib.linalg.matrix_exp(A), np.ones((2, 3)))
    same_error(lambda lib, A: lib.linalg.matrix_exp(A.long()), np.ones((3, 3)))


def test_inv_ex_and_solve_ex():
    a = np.stack([rng(44).standard_normal((3, 3)), np.zeros((3, 3))])
    b = rng(45).standard_normal((2, 3))

    def f(lib, A, B):
        inv, info = lib.linalg.inv_ex(A[:1])
        inv2, info2 = lib.linalg.inv_ex(A)
        X, info3 = lib.linalg.solve_ex(A[0], B[0])
        X2, info4 = lib.linalg.solve_ex(A, B)
        return [inv, info, info2, X, info3, info4], inv.sum() + X.sum()
    oracle(f, a, b)
    same_error(lambda lib, A: lib.linalg.inv_ex(A, check_errors=True), np.zeros((2, 2)))
    same_error(lambda lib, A: lib.linalg.solve_ex(A, A[0], check_errors=True), np.zeros((2, 2)))


@pytest.mark.parametrize("call", [
    lambda lib, A: lib.linalg.inv(A), lambda lib, A: lib.inverse(A), lambda lib, A: lib.linalg.solve(A, A),
    lambda lib, A: lib.linalg.inv(A[1]), lambda lib, A: lib.linalg.solve(A[1], A[1, 0]),
])
def test_singular_inverse_and_solve_name_the_pivot_and_batch_element(call):
    same_error(call, np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]))
