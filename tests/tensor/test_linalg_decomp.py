"""torch.linalg's factorizations (cholesky, cholesky_ex, eigh, eigvalsh, svd, svdvals, qr): the same user code on
miniconv and PyTorch gives the same values (up to the factorization's own freedom), gradients and errors."""
import numpy as np
import pytest

import miniconv
from _linalg_oracle import gradcheck, oracle, rng, same_error, spd

torch = pytest.importorskip("torch")


# -- Cholesky ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 2, 3)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_values_and_gradient(dtype, shape, upper):
    a = spd(rng(1), *shape, dtype=dtype)
    w = rng(2).standard_normal(a.shape).astype(dtype)
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else {}

    def f(lib, A):
        L = lib.linalg.cholesky(A, upper=upper)
        return [L], (L * lib.tensor(w)).sum()
    oracle(f, a, **tol)


def test_cholesky_reads_the_lower_triangle_only():
    a = spd(rng(3), 4)
    a[0, 3] = 100.0  # garbage above the diagonal

    def f(lib, A):
        L = lib.linalg.cholesky(A)
        return [L], L.sum()
    oracle(f, a)


def test_cholesky_gradcheck():
    a = spd(rng(4), 2, 3)
    gradcheck(lambda A: miniconv.linalg.cholesky(A @ A.mT + 3 * miniconv.eye(3, dtype=miniconv.float64)), a)
    gradcheck(lambda A: miniconv.linalg.cholesky(A @ A.mT + 3 * miniconv.eye(3, dtype=miniconv.float64),
                                                 upper=True), a)


def test_cholesky_ex_info_and_partial_factor():
    a = np.array([[[1., 2.], [2., 1.]], [[4., 0.], [0., 9.]]])

    def f(lib, A):
        L, info = lib.linalg.cholesky_ex(A)
        return [L, info], None
    oracle(f, a, grad=False)


@pytest.mark.parametrize("call", [
    lambda lib, A: lib.linalg.cholesky(A),
    lambda lib, A: lib.linalg.cholesky(A.unsqueeze(0).expand(3, 2, 2) * lib.tensor([1., 1., 1.]).reshape(3, 1, 1)),
    lambda lib, A: lib.linalg.cholesky_ex(A, check_errors=True),
    lambda lib, A: lib.linalg.cholesky(A[:1]),
    lambda lib, A: lib.linalg.cholesky(A[0]),
    lambda lib, A: lib.linalg.cholesky(A.long()),
])
def test_cholesky_errors(call):
    same_error(call, np.array([[1., 2.], [2., 1.]]))


def test_cholesky_error_names_the_batch_element():
    a = np.stack([np.eye(2), [[1., 2.], [2., 1.]]])
    err = same_error(lambda lib, A: lib.linalg.cholesky(A), a)
    assert "(Batch element 1)" in str(err) and "leading minor of order 2" in str(err)


# -- eigh / eigvalsh ----------------------------------------------------------------------------------------------
def _sign_fixed(V):
    """Eigenvectors with the largest-magnitude entry of each column made positive (LAPACK's signs are arbitrary)."""
    idx = np.abs(V).argmax(-2)[..., None, :]
    return V * np.sign(np.take_along_axis(V, idx, -2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_eigh_values_vectors_and_invariant_gradient(dtype, UPLO):
    x = rng(5).standard_normal((2, 4, 4))
    a = (x + np.swapaxes(x, -1, -2)).astype(dtype)
    a[..., 0, 3] += 0.5  # not symmetric: only the UPLO triangle counts
    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-6, atol=1e-7)

    def f(lib, A):
        L, V = lib.linalg.eigh(A, UPLO=UPLO)
        # V diag(L^2) V^T and |V| do not depend on the eigenvectors' signs
        loss = (L * lib.arange(4, dtype=A.dtype)).sum() + ((V * L.unsqueeze(-2) ** 2) @ V.mT).pow(2).sum()
        return [L, V.abs()], loss
    mv = oracle(f, a, **tol)
    assert np.all(np.diff(mv[0], axis=-1) >= 0)


def test_eigh_eigenvectors_up_to_sign_and_reconstruction():
    a = spd(rng(6), 3, 5)
    L, V = miniconv.linalg.eigh(miniconv.tensor(a))
    tL, tV = torch.linalg.eigh(torch.tensor(a))
    np.testing.assert_allclose(_sign_fixed(V.numpy()), _sign_fixed(tV.numpy()), atol=1e-10)
    np.testing.assert_allclose((V * L.unsqueeze(-2) @ V.mT).numpy(), a, atol=1e-10)


def test_eigh_named_result_and_gradcheck():
    a = spd(rng(7), 4)
    res = miniconv.linalg.eigh(miniconv.tensor(a))
    assert res.eigenvalues is res[0] and res.eigenvectors is res[1]

    def f(A):
        L, V = miniconv.linalg.eigh(A + A.mT)
        return L, V @ (V * L.unsqueeze(-2)).mT, (V.abs() * V.abs()).sum(-2)
    gradcheck(f, a)


def test_eigvalsh_values_and_gradient():
    a = spd(rng(8), 2, 4)
    oracle(lambda lib, A: ([lib.linalg.eigvalsh(A)], lib.linalg.eigvalsh(A).pow(3).sum()), a)
    gradcheck(lambda A: miniconv.linalg.eigvalsh(A + A.mT), a)
    with miniconv.no_grad():
        np.testing.assert_allclose(miniconv.linalg.eigvalsh(miniconv.tensor(a), UPLO="U").numpy(),
                                   torch.linalg.eigvalsh(torch.tensor(a), UPLO="U").numpy(), rtol=1e-10)


@pytest.mark.parametrize("call", [
    lambda lib, A: lib.linalg.eigh(A[:, :2]),
    lambda lib, A: lib.linalg.eigh(A, UPLO="X"),
    lambda lib, A: lib.linalg.eigh(A.long()),
    lambda lib, A: lib.linalg.eigvalsh(A[0]),
])
def test_eigh_errors(call):
    same_error(call, spd(rng(9), 3))


def test_eig_and_eigvals_name_the_missing_complex_dtype():
    a = miniconv.tensor(spd(rng(10), 3))
    for fn in (miniconv.linalg.eig, miniconv.linalg.eigvals):
        with pytest.raises(NotImplementedError, match="complex") as info:
            fn(a)
        assert isinstance(info.value, RuntimeError) and "eigh" in str(info.value)


# -- SVD ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_values_and_gauge_invariant_gradient(dtype, shape, full_matrices):
    a = rng(11).standard_normal(shape).astype(dtype)
    k = min(shape[-2:])
    tol = dict(rtol=1e-3, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-6, atol=1e-8)

    def f(lib, A):
        U, S, Vh = lib.linalg.svd(A, full_matrices=full_matrices)
        Uk, Vk = U[..., :k], Vh[..., :k, :]
        # U S Vh, U diag(S^2) U^T and |U|, |Vh| are the same for every valid choice of signs
        rec = (Uk * S.unsqueeze(-2)) @ Vk
        gram = (Uk * S.unsqueeze(-2) ** 2) @ Uk.mT
        loss = S.sum() + rec.pow(2).sum() + (gram * gram).sum() + (Vk.mT @ (Vk * S.unsqueeze(-1))).sum()
        return [S, rec, gram, Uk.abs(), Vk.abs()], loss
    oracle(f, a, **tol)


def test_svd_shapes_match_pytorch():
    for shape in [(5, 3), (3, 5), (2, 0, 3)]:
        a = rng(12).standard_normal(shape)
        for full in (True, False):
            mine = miniconv.linalg.svd(miniconv.tensor(a), full_matrices=full)
            theirs = torch.linalg.svd(torch.tensor(a), full_matrices=full)
            assert [tuple(t.shape) for t in mine] == [tuple(t.shape) for t in theirs]


def test_svd_gradcheck_rectangular_and_svdvals():
    a = rng(13).standard_normal((2, 4, 3))

    def f(A):
        U, S, Vh = miniconv.linalg.svd(A, full_matrices=False)
        return S, U @ (U * S.unsqueeze(-2)).mT, Vh.mT @ Vh * 2
    gradcheck(f, a)
    gradcheck(lambda A: miniconv.linalg.svd(A.mT, full_matrices=False)[0] @ miniconv.linalg.svd(
        A.mT, full_matrices=False)[0].mT, a)
    gradcheck(miniconv.linalg.svdvals, a)


def test_svdvals_values_and_gradient():
    a = rng(14).standard_normal((3, 6, 4))
    oracle(lambda lib, A: ([lib.linalg.svdvals(A)], lib.linalg.svdvals(A).pow(2).sum()), a)
    with miniconv.no_grad():
        np.testing.assert_allclose(miniconv.linalg.svdvals(miniconv.tensor(a)).numpy(),
                                   torch.linalg.svdvals(torch.tensor(a)).numpy(), rtol=1e-12)


def test_svd_repeated_singular_values_gradient_of_S_only_is_finite():
    a = np.eye(3)  # all singular values equal: the U / V terms would divide by zero

    def f(lib, A):
        U, S, Vh = lib.linalg.svd(A)
        return [S], S.sum()
    oracle(f, a)


@pytest.mark.parametrize("call", [
    lambda lib, A: lib.linalg.svd(A.long()),
    lambda lib, A: lib.linalg.svd(A[0]),
    lambda lib, A: lib.linalg.svd(A, driver="gesvd"),
    lambda lib, A: lib.linalg.svdvals(A.long()),
])
def test_svd_errors(call):
    same_error(call, rng(15).standard_normal((3, 3)))


# -- QR -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 5), (2, 5, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_values_and_gradient(dtype, shape, mode):
    a = rng(16).standard_normal(shape).astype(dtype)
    w = rng(17).standard_normal(shape).astype(dtype)
    tol = dict(rtol=1e-3, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-7, atol=1e-9)
    differentiable = mode == "reduced" or shape[-2] <= shape[-1]

    def f(lib, A):
        Q, R = lib.linalg.qr(A, mode=mode)  # Householder QR in LAPACK on both sides: the same signs
        loss = None
        if differentiable:
            k = min(shape[-2:])
            loss = (Q[..., :k] @ R[..., :k, :] * lib.tensor(w)).sum() + Q.sum() + R.pow(2).sum()
        return [Q, R], loss
    oracle(f, a, **tol)


def test_qr_mode_r_and_gradcheck():
    a = rng(18).standard_normal((5, 3))

    def f(lib, A):
        Q, R = lib.linalg.qr(A, mode="r")
        return [Q, R], None
    oracle(f, a, grad=False)
    gradcheck(lambda A: miniconv.linalg.qr(A), a)
    gradcheck(lambda A: miniconv.linalg.qr(A.mT), a)


@pytest.mark.parametrize("call", [
    lambda lib, A: lib.linalg.qr(A, mode="x"),
    lambda lib, A: lib.linalg.qr(A.long()),
    lambda lib, A: lib.linalg.qr(A[0]),
    lambda lib, A: lib.linalg.qr(A.requires_grad_(), mode="r")[1].sum().backward(),
    lambda lib, A: lib.linalg.qr(A.requires_grad_(), mode="complete")[0].sum().backward(),
])
def test_qr_errors(call):
    same_error(call, rng(19).standard_normal((5, 3)))
