"""The rest of torch.linalg (matrix_norm, norm with matrix orders, cond, matrix_rank, multi_dot, matmul, vecdot,
vander, tensorinv, tensorsolve, householder_product) and the old torch.* / Tensor forms (svd, qr, cholesky,
geqrf, orgqr, ormqr, nuclear_norm, frobenius_norm) against PyTorch."""
import warnings

import numpy as np
import pytest

import miniconv
from _linalg_oracle import gradcheck, oracle, rng, same_error, spd

torch = pytest.importorskip("torch")
INF = float("inf")


@pytest.mark.parametrize("ord", ["fro", "nuc", INF, -INF, 1, -1, 2, -2])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm_values_and_gradients(ord, dim, keepdim):
    a = rng(50).standard_normal((3, 2, 4))

    def f(lib, A):
        n = lib.linalg.matrix_norm(A, ord=ord, dim=dim, keepdim=keepdim)
        return [n], (n * n).sum()
    oracle(f, a)


def test_linalg_norm_matrix_orders_and_errors():
    a = rng(51).standard_normal((3, 4))
    for ord in ["fro", "nuc", 2, -2, 1, INF]:
        oracle(lambda lib, A: ([lib.linalg.norm(A, ord)], lib.linalg.norm(A, ord)), a)
    oracle(lambda lib, A: ([lib.linalg.norm(A.unsqueeze(0), 2, dim=(1, 2))], None), a, grad=False)
    same_error(lambda lib, A: lib.linalg.norm(A.unsqueeze(0), 2), a)
    same_error(lambda lib, A: lib.linalg.matrix_norm(A, ord=3), a)
    same_error(lambda lib, A: lib.linalg.matrix_norm(A, ord="abc"), a)
    same_error(lambda lib, A: lib.linalg.matrix_norm(A[0]), a)


def test_matrix_norm_gradcheck():
    a = rng(52).standard_normal((2, 3, 4))
    for ord in ["nuc", 2, -2, 1, INF]:
        gradcheck(lambda A: miniconv.linalg.matrix_norm(A, ord), a)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, INF, -INF])
def test_cond(p):
    a = rng(53).standard_normal((2, 3, 3))
    # PyTorch's cond is differentiable only through the singular values (its inv_ex path fails in backward)
    differentiable = p in (None, 2, -2)
    oracle(lambda lib, A: ([lib.linalg.cond(A, p)], lib.linalg.cond(A, p).sum() if differentiable else None), a,
           grad=differentiable)
    oracle(lambda lib, A: ([lib.linalg.cond(A, p)], None), np.zeros((2, 2)), grad=False)


def test_cond_errors():
    same_error(lambda lib, A: lib.linalg.cond(A, 1), np.zeros((2, 3)))


def test_matrix_rank():
    r = rng(54)
    low = r.standard_normal((3, 5, 2)) @ r.standard_normal((3, 2, 4))
    sym = spd(r, 4)
    sym[0] = sym[:, 0] = 0

    def f(lib, A, S):
        return [lib.linalg.matrix_rank(A), lib.linalg.matrix_rank(A, atol=1.0), lib.linalg.matrix_rank(A, rtol=0.5),
                lib.linalg.matrix_rank(A, atol=0.1, rtol=0.2), lib.linalg.matrix_rank(S, hermitian=True),
                lib.linalg.matrix_rank(S, tol=1e-3), lib.linalg.matrix_rank(A, 0.5)], None
    oracle(f, low, sym, grad=False)


def test_multi_dot_matmul_vecdot():
    r = rng(55)
    mats = [r.standard_normal(s) for s in [(3,), (3, 8), (8, 2), (2, 5), (5,)]]

    def f(lib, *ms):
        out = [lib.linalg.multi_dot(list(ms)), lib.linalg.multi_dot(list(ms[1:4])),
               lib.linalg.multi_dot([ms[1], ms[2]]), lib.linalg.matmul(ms[1], ms[2]),
               lib.linalg.vecdot(ms[1], ms[1][0]), lib.linalg.vecdot(ms[1].mT, ms[1].mT, dim=0)]
        return out, sum(o.sum() for o in out)
    oracle(f, *mats)
    same_error(lambda lib, A: lib.linalg.multi_dot([A]), np.ones((2, 2)))
    same_error(lambda lib, A: lib.linalg.multi_dot([A.unsqueeze(0), A]), np.ones((2, 2)))
    same_error(lambda lib, A: lib.linalg.multi_dot([A, A[:1]]), np.ones((2, 2)))
    same_error(lambda lib, A: lib.linalg.vecdot(A[0], A[0, :1]), np.ones((3, 3)))


def test_vander():
    x = rng(56).standard_normal((2, 4))
    oracle(lambda lib, X: ([lib.linalg.vander(X), lib.linalg.vander(X, N=6)], lib.linalg.vander(X).sum()), x)
    oracle(lambda lib, X: ([lib.linalg.vander(X.long())], None), np.arange(4.0), grad=False)
    for n in (0, 1):
        same_error(lambda lib, X: lib.linalg.vander(X, N=n), x)


def test_tensorinv_and_tensorsolve():
    r = rng(57)
    a = r.standard_normal((6, 2, 3))
    b = r.standard_normal((2, 3, 6)).reshape(2, 3, 2, 3)
    rhs = r.standard_normal((2, 3))

    def f(lib, A, B, R):
        out = [lib.linalg.tensorinv(A, ind=1), lib.linalg.tensorsolve(B, R),
               lib.linalg.tensorsolve(B.permute(2, 3, 0, 1), R, dims=(0, 1))]
        return out, sum(o.sum() for o in out)
    oracle(f, a, b, rhs)
    same_error(lambda lib, A: lib.linalg.tensorinv(A, ind=1), np.ones((4, 2, 3)))


def test_householder_product_geqrf_orgqr_ormqr():
    a = rng(58).standard_normal((2, 5, 3))
    c = rng(59).standard_normal((2, 5, 4))

    def f(lib, A, C):
        h, tau = lib.geqrf(A)
        Q = lib.linalg.householder_product(h, tau)
        Q2 = lib.orgqr(h, tau)
        outs = [h, tau, Q, Q2, h.orgqr(tau)]
        for left in (True, False):
            for tr in (True, False):
                other = C if left else C.mT
                outs.append(lib.ormqr(h, tau, other, left=left, transpose=tr))
        return outs, None
    oracle(f, a, c, grad=False)

    w = rng(60).standard_normal((5, 2))

    def g(lib, A, T):
        Q = lib.linalg.householder_product(A, T)
        return [Q], (Q * lib.tensor(w)).sum() + lib.ormqr(A, T, Q @ Q.mT).pow(2).sum()
    oracle(g, rng(61).standard_normal((5, 2)), rng(62).standard_normal(2))
    gradcheck(miniconv.linalg.householder_product, rng(61).standard_normal((5, 2)), rng(62).standard_normal(2))


def test_householder_product_errors_and_geqrf_not_differentiable():
    same_error(lambda lib, A, T: lib.linalg.householder_product(A.mT, T[:2]), np.ones((3, 2)), np.ones(3))
    same_error(lambda lib, A, T: lib.linalg.householder_product(A, T), np.ones((3, 2)), np.ones(3))
    same_error(lambda lib, A, T: lib.linalg.householder_product(A.unsqueeze(0), T[:1]), np.ones((3, 2)),
               np.ones(3))
    same_error(lambda lib, A: lib.geqrf(A.requires_grad_())[0].sum().backward(), np.ones((3, 2)))
    same_error(lambda lib, A: lib.geqrf(A.long()), np.ones((3, 2)))


# -- old forms ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("some", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_old_svd_returns_v(some, shape):
    a = rng(63).standard_normal(shape)
    k = min(shape)

    def f(lib, A):
        U, S, V = lib.svd(A, some=some)
        U2, S2, V2 = A.svd(some)
        rec = (U[:, :k] * S) @ V[:, :k].mT
        return [U.abs(), S, V.abs(), rec, U2.abs(), V2.abs()], rec.pow(2).sum() + S.sum()
    oracle(f, a)


def test_old_svd_without_uv():
    a = rng(64).standard_normal((2, 4, 3))
    oracle(lambda lib, A: (list(lib.svd(A, compute_uv=False)), lib.svd(A, compute_uv=False)[1].sum()), a)


def test_old_forms_warn_once_like_pytorch():
    import sys
    decomp = sys.modules["miniconv.tensor._decomp"]
    a = miniconv.tensor(spd(rng(72), 3))
    calls = {"lu": lambda: miniconv.lu(a), "lu_solve": lambda: miniconv.lu_solve(a, *miniconv.linalg.lu_factor(a)),
             "triangular_solve": lambda: miniconv.triangular_solve(a, a),
             "nuclear_norm": lambda: miniconv.nuclear_norm(a),
             "frobenius_norm": lambda: miniconv.frobenius_norm(a, (0, 1))}
    starts = {"lu": "torch.lu is deprecated in favor of torch.linalg.lu_factor",
              "lu_solve": "torch.lu_solve is deprecated in favor of torch.linalg.lu_solve",
              "triangular_solve": "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular",
              "nuclear_norm": "at::nuclear_norm is deprecated", "frobenius_norm": "at::frobenius_norm is deprecated"}
    for key, call in calls.items():
        decomp._WARNED.discard(key)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
            call()
        assert [str(w.message)[:len(starts[key])] for w in caught] == [starts[key]], key


def test_old_qr_and_cholesky_warn_once_like_pytorch():
    a = rng(65).standard_normal((5, 3))
    s = spd(rng(66), 3)
    for lib in (miniconv, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Q, R = lib.qr(lib.tensor(a), some=False)
            lib.qr(lib.tensor(a))
            lib.cholesky(lib.tensor(s), upper=True)
            lib.tensor(s).cholesky()
        msgs = [str(w.message) for w in caught]
        assert all(w.category is UserWarning for w in caught)
        # a torch process may have warned already (TORCH_WARN_ONCE): at most one of each
        assert sum(m.startswith("torch.qr is deprecated") for m in msgs) <= 1
        assert sum(m.startswith("torch.cholesky is deprecated") for m in msgs) <= 1
    import sys
    sys.modules["miniconv.tensor._decomp"]._WARNED.discard("qr")
    with pytest.warns(UserWarning, match="torch.qr is deprecated in favor of torch.linalg.qr"):
        miniconv.qr(miniconv.tensor(a))

    def f(lib, A, S):
        Q, R = lib.qr(A, some=False)
        Q2, R2 = A.qr()
        return [Q, R, Q2, R2, lib.cholesky(S, upper=True), S.cholesky()], Q2.sum() + R2.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle(f, a, s)


def test_nuclear_and_frobenius_norm():
    a = rng(67).standard_normal((2, 3, 4))

    def f(lib, A):
        out = [lib.nuclear_norm(A[0]), lib.nuclear_norm(A, (1, 2)), lib.nuclear_norm(A[0], keepdim=True),
               lib.frobenius_norm(A, (1, 2)), lib.frobenius_norm(A, (0, 2), keepdim=True)]
        return out, sum(o.sum() for o in out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle(f, a)


def test_ldl_factor_and_solve():
    x = rng(68).standard_normal((2, 4, 4))
    a = x + np.swapaxes(x, -1, -2)
    b = rng(69).standard_normal((2, 4, 3))

    def f(lib, A, B):
        LD, piv = lib.linalg.ldl_factor(A)
        LD2, piv2, info = lib.linalg.ldl_factor_ex(A, hermitian=True)
        X = lib.linalg.ldl_solve(LD, piv, B)
        return [LD, piv, LD2, piv2, info, X, lib.linalg.ldl_solve(LD[0], piv[0], B[0], hermitian=True)], None
    oracle(f, a, b, grad=False)
    oracle(lambda lib, A: (list(lib.linalg.ldl_factor_ex(A)), None), np.zeros((3, 3)), grad=False)
    same_error(lambda lib, A: lib.linalg.ldl_factor(A[:, :2]), np.eye(3))
    same_error(lambda lib, A: lib.linalg.ldl_factor(A.long()), np.eye(3))
    same_error(lambda lib, A: lib.linalg.ldl_solve(A, A[0].int(), A[:2, :1]), np.eye(3))
    same_error(lambda lib, A: lib.linalg.ldl_factor(A.requires_grad_())[0].sum().backward(), np.eye(3))
    # PyTorch's ldl_factor fails an internal assert on a singular matrix; miniconv raises LinAlgError
    with pytest.raises(miniconv.linalg.LinAlgError, match="singular"):
        miniconv.linalg.ldl_factor(miniconv.zeros(3, 3))


@pytest.mark.parametrize("call", [
    lambda lib, A: lib.linalg.svd(A),
    lambda lib, A: lib.linalg.svdvals(A),
    lambda lib, A: lib.linalg.pinv(A),
    lambda lib, A: lib.linalg.eigh(A),
    lambda lib, A: lib.linalg.cholesky(A),
])
def test_non_finite_input_raises_linalg_error(call):
    same_error(call, np.full((3, 3), np.nan))


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.cholesky(lib.zeros(2, 0, 0)),
    lambda lib: lib.linalg.eigh(lib.zeros(0, 0)),
    lambda lib: lib.linalg.svd(lib.zeros(0, 3)),
    lambda lib: lib.linalg.svd(lib.zeros(3, 0), full_matrices=False),
    lambda lib: lib.linalg.qr(lib.zeros(3, 0)),
    lambda lib: lib.linalg.lu(lib.zeros(0, 0)),
    lambda lib: lib.linalg.lu_factor(lib.zeros(2, 0, 3)),
    lambda lib: lib.linalg.pinv(lib.zeros(0, 3)),
    lambda lib: lib.linalg.lstsq(lib.zeros(3, 0), lib.zeros(3, 2)),
    lambda lib: lib.linalg.matrix_exp(lib.zeros(0, 0)),
    lambda lib: lib.linalg.solve_triangular(lib.zeros(0, 0), lib.zeros(0, 2), upper=True),
    lambda lib: lib.linalg.cond(lib.zeros(2, 0, 0)),
    lambda lib: lib.linalg.matrix_rank(lib.zeros(0, 3)),
    lambda lib: lib.linalg.matrix_norm(lib.zeros(0, 3), 2),
    lambda lib: lib.linalg.householder_product(lib.zeros(3, 0), lib.zeros(0)),
])
def test_empty_matrices(call):
    def f(lib):
        out = call(lib)
        return list(out) if isinstance(out, tuple) else [out], None
    oracle(f, grad=False)


def test_torch_norm_nuclear():
    a = rng(70).standard_normal((2, 3, 4))
    oracle(lambda lib, A: ([lib.norm(A[0], "nuc"), A.norm("nuc", dim=(0, 2)), lib.norm(A, "nuc", (1, 2), True)],
                           A.norm("nuc", dim=(1, 2)).sum()), a)


@pytest.mark.parametrize("call", [
    lambda lib, A: A.eig(), lambda lib, A: A.symeig(), lambda lib, A: A.solve(A), lambda lib, A: A.lstsq(A),
])
def test_methods_removed_in_pytorch_raise_its_guidance(call):
    err = same_error(call, np.eye(2))
    assert str(err).startswith("This function was deprecated since version 1.9 and is now removed.")


def test_adjoint_is_a_view():
    a = rng(71).standard_normal((2, 3, 4))
    oracle(lambda lib, A: ([A.adjoint()], (A.adjoint() * lib.arange(12.0, dtype=A.dtype).reshape(4, 3)).sum()), a)
    t = miniconv.tensor(a)
    t.adjoint()[0, 0, 0] = 7.0
    assert t[0, 0, 0].item() == 7.0


def test_pca_and_svd_lowrank_exact_when_q_covers_the_rank():
    r = rng(73)
    a = r.standard_normal((30, 3)) @ r.standard_normal((3, 8)) + 2.0  # rank 3 after centering (4 before)
    wide = a.T.copy()

    def f(lib, A, W):
        lib.manual_seed(0)
        U, S, V = lib.pca_lowrank(A, q=5)
        rec = (U * S) @ V.mT
        U2, S2, V2 = lib.svd_lowrank(W, q=6)
        rec2 = (U2 * S2) @ V2.mT
        return [S[:3], rec, S2[:4], rec2, (V[:, :3] @ V[:, :3].mT)], S[:3].sum() + rec2.pow(2).sum()
    oracle(f, a, wide, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="must be non-negative integer and not greater than"):
        miniconv.pca_lowrank(miniconv.tensor(a), q=9)
