"""The ``torch.*`` forms of the factorizations and solvers (``torch.svd``, ``torch.qr``, ``torch.cholesky``,
``torch.cholesky_solve``, ``torch.lu_unpack``, ``torch.triangular_solve``, ``torch.matrix_exp``...), with PyTorch's
old signatures. Each calls the Tensor method or the ``miniconv.linalg`` function that holds the implementation.
"""
from . import linalg
from .functional import _t
from .tensor._decomp import LUUnpack, _householder_product, warn_once


def svd(input, some=True, compute_uv=True):  # noqa: A002
    """(U, S, V) with ``input = U diag(S) V^T`` (V, not Vh); ``some=False`` gives the full U and V."""
    return _t(input, "svd").svd(some, compute_uv)


def qr(input, some=True):  # noqa: A002
    return _t(input, "qr").qr(some)


def cholesky(input, upper=False):  # noqa: A002
    return _t(input, "cholesky").cholesky(upper)


def cholesky_solve(input, input2, upper=False):  # noqa: A002
    return _t(input, "cholesky_solve").cholesky_solve(input2, upper)


def cholesky_inverse(input, upper=False):  # noqa: A002
    return _t(input, "cholesky_inverse").cholesky_inverse(upper)


def pinverse(input, rcond=1e-15):  # noqa: A002
    return _t(input, "pinverse").pinverse(rcond)


def matrix_exp(A):  # noqa: N803
    return _t(A, "matrix_exp", "A").matrix_exp()


def lu(A, pivot=True, get_infos=False):  # noqa: N803
    return _t(A, "lu", "A").lu(pivot, get_infos)


def lu_solve(b, LU_data, LU_pivots):  # noqa: N803
    return _t(b, "lu_solve", "b").lu_solve(LU_data, LU_pivots)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
    """(P, L, U) from ``lu_factor``'s packed result; unrequested parts are empty tensors."""
    P, L, U = _t(LU_data, "lu_unpack", "LU_data")._lu_unpack(LU_pivots, unpack_data, unpack_pivots)
    return LUUnpack(P, L, U)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):  # noqa: N803
    return _t(b, "triangular_solve", "b").triangular_solve(A, upper, transpose, unitriangular)


def geqrf(input):  # noqa: A002
    return _t(input, "geqrf").geqrf()


def orgqr(input, tau):  # noqa: A002
    return _householder_product(_t(input, "orgqr"), tau, "torch.linalg.householder_product")


def ormqr(input, input2, input3, left=True, transpose=False):  # noqa: A002
    return _t(input, "ormqr").ormqr(input2, input3, left, transpose)


def nuclear_norm(input, dim=None, keepdim=False):  # noqa: A002
    """Deprecated in PyTorch: ``linalg.matrix_norm(input, 'nuc', dim, keepdim)``."""
    warn_once("nuclear_norm", "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be "
              "removed in a future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    return linalg.matrix_norm(_t(input, "nuclear_norm"), "nuc", (-2, -1) if dim is None else dim, keepdim)


def frobenius_norm(input, dim, keepdim=False):  # noqa: A002
    """Deprecated in PyTorch: ``linalg.vector_norm(input, 2, dim, keepdim)``."""
    warn_once("frobenius_norm", "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will "
              "be removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead")
    return linalg.vector_norm(_t(input, "frobenius_norm"), 2, dim, keepdim)


def _approximate_basis(A, q, niter, M=None):  # noqa: N803
    """Q with q orthonormal columns such that Q Q^T (A - M) ~ A - M (Halko et al. 2009, algorithm 4.4, as
    PyTorch's ``get_approximate_basis``; the random test matrix comes from miniconv's generator)."""
    from . import creation
    R = creation.randn(A.shape[-1], q, dtype=A.dtype)
    X = A.matmul(R) if M is None else A.matmul(R) - M.matmul(R)
    Q = linalg.qr(X).Q
    for _ in range(2 if niter is None else niter):
        X = A.mT.matmul(Q) if M is None else A.mT.matmul(Q) - M.mT.matmul(Q)
        Q = linalg.qr(X).Q
        X = A.matmul(Q) if M is None else A.matmul(Q) - M.matmul(Q)
        Q = linalg.qr(X).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):  # noqa: N803
    """(U, S, V) with ``A - M ~ U diag(S) V^T`` from a randomized range finder (PyTorch's algorithm; the random
    numbers differ, so only the decomposition's invariants agree, and exactly when q >= rank)."""
    q = 6 if q is None else q
    m, n = _t(A, "svd_lowrank", "A").shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:
        A = A.mT
        M = None if M is None else M.mT
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mT.matmul(A) if M is None else Q.mT.matmul(A) - Q.mT.matmul(M)
    U, S, Vh = linalg.svd(B, full_matrices=False)
    U, V = Q.matmul(U), Vh.mT
    return (V, S, U) if m < n else (U, S, V)


def pca_lowrank(A, q=None, center=True, niter=2):  # noqa: N803
    """(U, S, V) of the centered data matrix ``A`` (samples in rows), as ``svd_lowrank``: V's columns are the
    principal directions, S ** 2 / (m - 1) the variances along them."""
    m, n = _t(A, "pca_lowrank", "A").shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (0 <= q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter)
    return svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter)
