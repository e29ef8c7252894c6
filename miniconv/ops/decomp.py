"""Matrix factorizations as autograd Functions: Cholesky, eigh, SVD, QR, LU, and the triangular solve they use.

The factorizations run in LAPACK (NumPy's batched ``np.linalg`` where it has the routine, SciPy's LAPACK
wrappers one matrix at a time where it does not); the backward formulas are PyTorch's
(``torch/csrc/autograd/FunctionsManual.cpp``: ``cholesky_backward``, ``linalg_eig_backward``,
``svd_backward``, ``linalg_qr_backward``, ``linalg_lu_backward``, ``linalg_solve_triangular_backward``).

Array level, as every file in ``ops/``: arguments are checked and batch shapes broadcast by the Tensor
methods (``tensor/_decomp.py``) before ``apply``. Outputs that get no gradient arrive here as zeros
(``ArrayFunction`` fills them in); an all-zero gradient is treated as absent, as PyTorch skips undefined
ones, which keeps the terms that would divide by zero (repeated singular values) out of the result.
"""
import numpy as np
from scipy.linalg import blas, lapack

from ..autograd.function import ArrayFunction
from .shape_index import Cat


def mT(a):  # noqa: N802
    return np.swapaxes(a, -1, -2)


def _given(g):
    """``g`` unless it is all zeros (an output the loss did not use), else None."""
    return g if g is not None and g.any() else None


def _given_t(g):
    """``_given`` for a Tensor gradient (create_graph=True)."""
    return g if g is not None and g._data.any() else None


def _eye_t(like, k):
    """The k x k identity as a constant Tensor of ``like``'s dtype (create_graph=True formulas)."""
    return ArrayFunction.constant(np.eye(k, dtype=like._data.dtype))


class _OnArrays:
    """The few matrix operations a backward formula written once for arrays and Tensors uses (``qr_backward``,
    ``lu_backward``): here on NumPy arrays (backward), in ``_OnTensors`` with Tensor ops (create_graph=True)."""

    mT = staticmethod(mT)
    given = staticmethod(_given)
    tril = staticmethod(np.tril)
    triu = staticmethod(np.triu)
    shape = staticmethod(np.shape)

    @staticmethod
    def tri_solve(a, b, upper, left=True, unit=False):
        return tri_solve(a, b, upper, left=left, unit=unit)

    @staticmethod
    def cat(parts, axis):
        return np.concatenate(parts, axis)

    @staticmethod
    def zeros(shape, like):
        return np.zeros(shape, like.dtype)

    @staticmethod
    def broadcast(a, shape, like):  # a: an array of that shape, or the number 0
        return np.broadcast_to(a, shape)

    @staticmethod
    def unpack_lu(lu):
        return unpack_lu(lu)

    @staticmethod
    def halve_diagonal(x):
        k = np.arange(x.shape[-1])
        x[..., k, k] *= 0.5
        return x


class _OnTensors:
    mT = staticmethod(lambda t: t.mT)
    given = staticmethod(_given_t)
    tril = staticmethod(lambda t, k=0: t.tril(k))
    triu = staticmethod(lambda t, k=0: t.triu(k))
    shape = staticmethod(lambda t: t._data.shape)

    @staticmethod
    def tri_solve(a, b, upper, left=True, unit=False):
        return SolveTriangular.apply(a, b, upper, left, unit)

    @staticmethod
    def cat(parts, axis):
        return Cat.apply(axis, *parts)

    @staticmethod
    def zeros(shape, like):
        return ArrayFunction.constant(np.zeros(shape, like._data.dtype))

    @staticmethod
    def broadcast(a, shape, like):
        return _OnTensors.zeros(shape, like) if type(a) is int else a

    @staticmethod
    def unpack_lu(lu):
        return _unpack_lu_t(lu)

    @staticmethod
    def halve_diagonal(x):  # x - diag(x) / 2: the same bits as halving the diagonal in place
        return x - 0.5 * x.diagonal(0, -2, -1).diag_embed()


def each_matrix(a):
    """``a`` (..., m, n) as a (batch, m, n) view or copy, for LAPACK calls one matrix at a time."""
    return a.reshape((int(np.prod(a.shape[:-2], dtype=np.int64)),) + a.shape[-2:])


def tri_solve(a, b, upper, left=True, unit=False, trans=False):
    """``op(A)^{-1} B`` (``left``) or ``B op(A)^{-1}`` with ``A`` triangular, ``op`` the transpose when ``trans``;
    batch dims broadcast. BLAS ``trsm``: no singularity check, a zero on the diagonal gives inf/nan (as PyTorch)."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(b.shape, np.result_type(a, b))
    if out.size == 0:
        return out
    trsm = blas.get_blas_funcs("trsm", (out,))
    fa, fb, fo = each_matrix(a), each_matrix(b), each_matrix(out)
    dt = out.dtype
    for i in range(fo.shape[0]):
        # a C-order matrix seen transposed is Fortran order (no copy): solve X^T A^T = B^T (left) or
        # A^T X^T = B^T (right) for X^T; A^T is lower where A is upper
        x = trsm(1.0, np.ascontiguousarray(fa[i], dt).T, np.ascontiguousarray(fb[i], dt).T, side=1 if left else 0,
                 lower=1 if upper else 0, trans_a=1 if trans else 0, diag=1 if unit else 0)
        fo[i] = x.T
    return out


# -- Cholesky ------------------------------------------------------------------------------------------------
def cholesky_lower(a):
    """(L, info): the lower Cholesky factor of each matrix (its lower triangle read) and LAPACK's ``info``
    (0, or the order of the first leading minor that is not positive-definite; L then holds potrf's partial
    factor, as PyTorch's ``cholesky_ex`` returns it)."""
    batch = a.shape[:-2]
    try:
        L = np.linalg.cholesky(a)
        if np.isfinite(L).all():  # NaN input: potrf below reports it as not positive-definite, as PyTorch
            return L, np.zeros(batch, np.int32)
    except np.linalg.LinAlgError:
        pass
    flat = each_matrix(a)
    out = np.empty_like(flat)
    info = np.zeros(flat.shape[0], np.int32)
    potrf = lapack.get_lapack_funcs("potrf", (flat,))
    for i in range(flat.shape[0]):
        c, info[i] = potrf(flat[i], lower=1, clean=1)
        out[i] = np.tril(c)
        bad = np.flatnonzero(~np.isfinite(np.diagonal(c)))
        if info[i] == 0 and bad.size:  # a NaN pivot: not positive-definite at that order, as LAPACK's own check
            info[i] = bad[0] + 1
    return out.reshape(a.shape), info.reshape(batch)


def cholesky_backward(g, L, upper):
    """PyTorch's ``cholesky_backward``: gA = L^{-H} pi*(tril(L^H gL)) L^{-1}, pi*(X) = (X + X^H - diag X) / 2."""
    if upper:
        L, g = mT(L), mT(g)
    ga = np.tril(mT(L) @ g)
    ga = 0.5 * (ga + mT(np.tril(ga, -1)))
    ga = tri_solve(mT(L), ga, upper=True, left=True)
    return tri_solve(L, ga, upper=False, left=False)


class Cholesky(ArrayFunction):
    """``(L, info)`` of ``cholesky_ex``: info is not differentiable."""

    @staticmethod
    def forward(ctx, a, upper):
        L, info = cholesky_lower(a)
        out = np.ascontiguousarray(mT(L)) if upper else L
        ctx.save_for_backward(out)
        ctx.upper = upper
        ctx.mark_non_differentiable(info)
        return out, info

    @staticmethod
    def backward(ctx, g, _):
        (L,) = ctx.saved_tensors
        return cholesky_backward(g, L, ctx.upper), None

    @staticmethod
    def backward_graph(ctx, g, _):  # create_graph=True: cholesky_backward with Tensor ops
        L = ctx.saved_output(0)
        if ctx.upper:
            L, g = L.mT, g.mT
        ga = (L.mT @ g).tril()
        ga = 0.5 * (ga + ga.tril(-1).mT)
        ga = SolveTriangular.apply(L.mT, ga, True, True, False)
        return SolveTriangular.apply(L, ga, False, False, False), None


# -- Hermitian eigendecomposition ---------------------------------------------------------------------------
def eigh_backward(gL, gV, L, V):
    """PyTorch's ``linalg_eig_backward`` for Hermitian input: gA = V (skew(V^H gV)/2 / E + diag(gL)) V^H."""
    gL, gV = _given(gL), _given(gV)
    if gV is None:
        if gL is None:
            return np.zeros(V.shape, V.dtype)
        return (V * gL[..., None, :]) @ mT(V)
    VhgV = mT(V) @ gV
    VhgV = 0.5 * (VhgV - mT(VhgV))
    E = L[..., None, :] - L[..., :, None]
    idx = np.arange(L.shape[-1])
    E[..., idx, idx] = 1
    ret = VhgV / E
    ret[..., idx, idx] = 0 if gL is None else gL
    return V @ (ret @ mT(V))


def eigh_failure(a, uplo, compute_v):
    """(batch index, LAPACK syevd info) of the first matrix whose eigendecomposition does not converge."""
    flat = each_matrix(a)
    syevd = lapack.get_lapack_funcs("syevd", (flat,))
    for i in range(flat.shape[0]):
        info = syevd(flat[i], compute_v=int(compute_v), lower=int(uplo == "L"))[-1]
        if info:
            return i, info
    return 0, 0


class Eigh(ArrayFunction):
    """``(eigenvalues, eigenvectors)`` of symmetric matrices (the ``UPLO`` triangle read), ascending."""

    @staticmethod
    def forward(ctx, a, uplo):
        L, V = np.linalg.eigh(a, UPLO=uplo)  # np.linalg.LinAlgError: the Tensor method reports it
        ctx.save_for_backward(L, V)
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        return eigh_backward(gL, gV, L, V), None

    @staticmethod
    def backward_graph(ctx, gL, gV):  # create_graph=True: eigh_backward with Tensor ops
        L, V = ctx.saved_output(0), ctx.saved_output(1)
        gL, gV = _given_t(gL), _given_t(gV)
        if gV is None:
            if gL is None:
                return ArrayFunction.constant(np.zeros(V._data.shape, V._data.dtype)), None
            return (V * gL.unsqueeze(-2)) @ V.mT, None
        VhgV = V.mT @ gV
        VhgV = 0.5 * (VhgV - VhgV.mT)  # zero diagonal
        ret = VhgV / (L.unsqueeze(-2) - L.unsqueeze(-1) + _eye_t(L, L._data.shape[-1]))
        if gL is not None:
            ret = ret + gL.diag_embed()
        return V @ (ret @ V.mT), None


# -- SVD ------------------------------------------------------------------------------------------------------
def svd_backward(gU, gS, gVh, U, S, Vh):
    """PyTorch's ``svd_backward`` (real case) on the reduced factors."""
    gU, gS, gVh = _given(gU), _given(gS), _given(gVh)
    m, n = U.shape[-2], Vh.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return np.zeros(U.shape[:-1] + Vh.shape[-1:], U.dtype)
        return U @ (gS[..., :, None] * Vh) if m >= n else (U * gS[..., None, :]) @ Vh
    UhgU = None if gU is None else mT(U) @ gU
    UhgU = None if gU is None else UhgU - mT(UhgU)
    VhgV = None if gVh is None else Vh @ mT(gVh)
    VhgV = None if gVh is None else VhgV - mT(VhgV)
    S2 = S * S
    E = S2[..., None, :] - S2[..., :, None]
    k = np.arange(S.shape[-1])
    E[..., k, k] = 1
    if gU is not None and gVh is not None:
        gA = (UhgU * S[..., None, :] + S[..., :, None] * VhgV) / E
    elif gU is not None:
        gA = (UhgU / E) * S[..., None, :]
    else:
        gA = S[..., :, None] * (VhgV / E)
    if gS is not None:
        gA[..., k, k] += gS
    if m > n and gU is not None:
        gA = U @ gA
        gUSinv = gU / S[..., None, :]
        gA = (gA + gUSinv - U @ (mT(U) @ gUSinv)) @ Vh
    elif m < n and gVh is not None:
        gA = gA @ Vh
        SinvgVh = gVh / S[..., :, None]
        gA = U @ (gA + SinvgVh - (SinvgVh @ mT(Vh)) @ Vh)
    else:
        gA = U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh
    return gA


def svd_backward_graph(gU, gS, gVh, U, S, Vh):
    """``svd_backward`` with Tensor ops (create_graph=True)."""
    gU, gS, gVh = _given_t(gU), _given_t(gS), _given_t(gVh)
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return ArrayFunction.constant(np.zeros(U._data.shape[:-1] + Vh._data.shape[-1:], U._data.dtype))
        return U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye_t(S, S._data.shape[-1])
    UhgU = None if gU is None else U.mT @ gU
    UhgU = None if gU is None else UhgU - UhgU.mT
    VhgV = None if gVh is None else Vh @ gVh.mT
    VhgV = None if gVh is None else VhgV - VhgV.mT
    if gU is not None and gVh is not None:
        gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif gU is not None:
        gA = (UhgU / E) * S.unsqueeze(-2)
    else:
        gA = S.unsqueeze(-1) * (VhgV / E)
    if gS is not None:
        gA = gA + gS.diag_embed()
    if m > n and gU is not None:
        gA = U @ gA
        gUSinv = gU / S.unsqueeze(-2)
        return (gA + gUSinv - U @ (U.mT @ gUSinv)) @ Vh
    if m < n and gVh is not None:
        gA = gA @ Vh
        SinvgVh = gVh / S.unsqueeze(-1)
        return U @ (gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh)
    return U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh


class SVD(ArrayFunction):
    """``(U, S, Vh)``, LAPACK's gesdd (the driver PyTorch uses on the CPU); ``full_matrices`` as PyTorch."""

    @staticmethod
    def forward(ctx, a, full_matrices):
        U, S, Vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S.shape[-1]
        # with full_matrices the extra columns / rows carry no gradient (PyTorch narrows them away)
        return svd_backward(gU[..., :k], gS, gVh[..., :k, :], U[..., :k], S, Vh[..., :k, :]), None

    @staticmethod
    def backward_graph(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_output(0), ctx.saved_output(1), ctx.saved_output(2)
        k = S._data.shape[-1]
        return svd_backward_graph(gU[..., :k], gS, gVh[..., :k, :], U[..., :k], S, Vh[..., :k, :]), None


# -- QR -------------------------------------------------------------------------------------------------------
class QR(ArrayFunction):
    """``(Q, R)`` by Householder reflections (LAPACK geqrf + orgqr, as PyTorch, so the signs agree)."""

    @staticmethod
    def forward(ctx, a, mode):
        if mode == "r":
            R = np.linalg.qr(a, mode="r")
            ctx.mode = mode
            return np.zeros((0,), a.dtype), R
        Q, R = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(Q, R)
        ctx.mode = mode
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors if ctx.mode != "r" else (None, None)  # mode 'r' saved nothing: qr_backward raises
        return qr_backward(ctx, gQ, gR, Q, R, _OnArrays), None

    @staticmethod
    def backward_graph(ctx, gQ, gR):  # create_graph=True: qr_backward with Tensor ops
        if ctx.mode == "r":
            return qr_backward(ctx, gQ, gR, None, None, _OnTensors), None
        return qr_backward(ctx, gQ, gR, ctx.saved_output(0), ctx.saved_output(1), _OnTensors), None


def qr_backward(ctx, gQ, gR, Q, R, xp):
    """PyTorch's ``linalg_qr_backward`` on arrays (``xp`` = _OnArrays) or Tensors (_OnTensors)."""
    if ctx.mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                           "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                           "linalg.qr.")
    m, n = xp.shape(Q)[-2], xp.shape(R)[-1]
    if ctx.mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    gQ, gR = xp.given(gQ), xp.given(gR)
    if gQ is None and gR is None:
        return xp.zeros(xp.shape(Q)[:-1] + xp.shape(R)[-1:], Q)
    if gQ is not None:
        gA = gR @ xp.mT(R) - xp.mT(Q) @ gQ if gR is not None else -(xp.mT(Q) @ gQ)
    else:
        gA = gR @ xp.mT(R)
    if m >= n:
        X = xp.triu(gA)
        X = xp.halve_diagonal(X + xp.mT(X))
        gA = Q @ X
        if gQ is not None:
            gA = gA + gQ
        return xp.tri_solve(xp.mT(R), gA, upper=False, left=False)
    X = xp.tril(-gA - xp.mT(-gA))
    gA = xp.tri_solve(xp.mT(R[..., :m]), Q @ X, upper=False, left=False)
    gA = xp.cat([gA, xp.zeros(xp.shape(gA)[:-1] + (n - m,), gA)], -1)
    if gR is not None:
        gA = gA + Q @ gR
    return gA


# -- LU -------------------------------------------------------------------------------------------------------
def lu_factor(a):
    """(LU, pivots, info) of each matrix by LAPACK getrf: pivots 1-based int32, info > 0 where U[info-1, info-1]
    is exactly zero (PyTorch's ``lu_factor_ex``)."""
    m, n = a.shape[-2:]
    flat = each_matrix(a)
    lu = np.empty_like(flat)
    piv = np.empty((flat.shape[0], min(m, n)), np.int32)
    info = np.zeros(flat.shape[0], np.int32)
    getrf = lapack.get_lapack_funcs("getrf", (flat,))
    for i in range(flat.shape[0]):
        if flat[i].size:
            lu[i], p, info[i] = getrf(flat[i])
            piv[i] = p + 1
    return lu.reshape(a.shape), piv.reshape(a.shape[:-2] + (min(m, n),)), info.reshape(a.shape[:-2])


def permutation_from_pivots(piv, m, dtype):
    """P (..., m, m) with A = P L U from LAPACK's 1-based row interchanges ``piv``."""
    flat = piv.reshape((int(np.prod(piv.shape[:-1], dtype=np.int64)), piv.shape[-1]))
    P = np.zeros((flat.shape[0], m, m), dtype)
    for b in range(flat.shape[0]):
        perm = np.arange(m)
        for i, p in enumerate(flat[b]):
            perm[[i, p - 1]] = perm[[p - 1, i]]
        P[b, perm, np.arange(m)] = 1
    return P.reshape(piv.shape[:-1] + (m, m))


def unpack_lu(lu):
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    U = np.triu(lu[..., :k, :])
    return L, U


def lu_backward(gL, gU, P, L, U, xp=_OnArrays):
    """PyTorch's ``linalg_lu_backward`` (pivoted), on arrays or (``xp`` = _OnTensors) Tensors."""
    gL, gU = xp.given(gL), xp.given(gU)
    m, n = xp.shape(L)[-2], xp.shape(U)[-1]
    k = min(m, n)
    mT, tril, triu, solve = xp.mT, xp.tril, xp.triu, xp.tri_solve
    if gL is None and gU is None:
        return xp.zeros(xp.shape(L)[:-1] + xp.shape(U)[-1:], L)
    if m == n:
        gA = tril(mT(L) @ gL, -1) if gL is not None else 0
        if gU is not None:
            gA = gA + triu(gU @ mT(U))
        gA = solve(mT(U), gA, upper=False, left=False)
        gA = solve(mT(L), gA, upper=True, left=True, unit=True)
    elif m < n:
        gA = mT(L) @ gL if gL is not None else 0
        if gU is not None:
            gA = gA - triu(gU) @ mT(U)
        gA = solve(mT(U[..., :k]), tril(xp.broadcast(gA, xp.shape(L)[:-1] + (k,), L), -1), upper=False, left=False)
        if gU is not None:
            gA = xp.cat([gA + triu(gU[..., :k]), gU[..., k:]], -1)
        gA = solve(mT(L), gA, upper=True, left=True, unit=True)
        if gU is None:
            gA = xp.cat([gA, xp.zeros(xp.shape(U)[:-2] + (m, n - k), gA)], -1)
    else:
        gA = gU @ mT(U) if gU is not None else 0
        if gL is not None:
            gA = gA - mT(L) @ tril(gL, -1)
        gA = solve(mT(L[..., :k, :]), triu(xp.broadcast(gA, xp.shape(U)[:-1] + (k,), U)), upper=True, left=True,
                   unit=True)
        if gL is not None:
            gA = xp.cat([gA + tril(gL[..., :k, :], -1), gL[..., k:, :]], -2)
        gA = solve(mT(U), gA, upper=False, left=False)
        if gL is None:
            gA = xp.cat([gA, xp.zeros(xp.shape(L)[:-2] + (m - k, n), gA)], -2)
    return P @ gA


def _unpack_lu_t(lu):
    """``unpack_lu`` with Tensor ops (create_graph=True)."""
    m, n = lu._data.shape[-2:]
    k = min(m, n)
    L = lu[..., :, :k].tril(-1) + ArrayFunction.constant(np.eye(m, k, dtype=lu._data.dtype))
    return L, lu[..., :k, :].triu()


class LU(ArrayFunction):
    """``(P, L, U)`` with ``A = P L U`` (partial pivoting); P is not differentiable."""

    @staticmethod
    def forward(ctx, a):
        lu, piv, _ = lu_factor(a)
        L, U = unpack_lu(lu)
        P = permutation_from_pivots(piv, a.shape[-2], a.dtype)
        ctx.save_for_backward(P, L, U)
        ctx.mark_non_differentiable(P)
        return P, L, U

    @staticmethod
    def backward(ctx, _, gL, gU):
        P, L, U = ctx.saved_tensors
        return lu_backward(gL, gU, P, L, U)

    @staticmethod
    def backward_graph(ctx, _, gL, gU):  # create_graph=True: lu_backward with Tensor ops
        P = ctx.constant(ctx.saved_tensors[0])
        return lu_backward(gL, gU, P, ctx.saved_output(1), ctx.saved_output(2), _OnTensors)


class LUFactor(ArrayFunction):
    """``(LU, pivots, info)``; the gradient of the packed LU is that of (L, U) (PyTorch's lu_factor_ex_backward)."""

    @staticmethod
    def forward(ctx, a):
        lu, piv, info = lu_factor(a)
        ctx.save_for_backward(lu, piv)
        ctx.mark_non_differentiable(piv, info)
        return lu, piv, info

    @staticmethod
    def backward(ctx, g, _, __):
        lu, piv = ctx.saved_tensors
        m, n = lu.shape[-2:]
        k = min(m, n)
        L, U = unpack_lu(lu)
        P = permutation_from_pivots(piv, m, lu.dtype)
        return lu_backward(np.tril(g[..., :, :k], -1), np.triu(g[..., :k, :]), P, L, U)

    @staticmethod
    def backward_graph(ctx, g, _, __):  # create_graph=True: lu_backward with Tensor ops
        lu, piv = ctx.saved_output(0), ctx.saved_tensors[1]
        m, n = lu._data.shape[-2:]
        k = min(m, n)
        L, U = _unpack_lu_t(lu)
        P = ctx.constant(permutation_from_pivots(piv, m, lu._data.dtype))
        return lu_backward(g[..., :, :k].tril(-1), g[..., :k, :].triu(), P, L, U, _OnTensors)


def lu_solve_arrays(lu, P, b, left, adjoint):
    """``A^{-1} B`` (``adjoint``: ``A^{-T} B``; not ``left``: ``B A^{-1}``, ``B A^{-T}``) with A = P L U packed in
    ``lu``: two triangular solves and the permutation."""
    L, U = unpack_lu(lu)
    if left and not adjoint:  # U^{-1} L^{-1} P^T B
        return tri_solve(U, tri_solve(L, mT(P) @ b, upper=False, unit=True), upper=True)
    if left:  # A^T X = B: P L^{-T} U^{-T} B
        return P @ tri_solve(mT(L), tri_solve(mT(U), b, upper=False), upper=True, unit=True)
    if not adjoint:  # X P L U = B
        return tri_solve(L, tri_solve(U, b, upper=True, left=False), upper=False, left=False, unit=True) @ mT(P)
    return tri_solve(mT(U), tri_solve(mT(L), b @ P, upper=True, left=False, unit=True), upper=False, left=False)


def lu_solve_lu_grad(gX, lu, P, X, left, adjoint, xp=_OnArrays):
    """PyTorch's ``linalg_lu_solve_LU``: the gradient of lu_solve's X in the packed LU (arrays or Tensors)."""
    L, U = xp.unpack_lu(lu)
    mT = xp.mT
    if left != adjoint:
        gR = xp.tri_solve(mT(U), -((gX if left else mT(gX)) @ (mT(X) if left else X)), upper=False)
        gL = xp.tril(xp.tri_solve(mT(L), gR @ mT(U), upper=True, left=True, unit=True), -1)
        return gL + xp.triu(gR)
    gR = -(((mT(P) @ (X if left else mT(X))) @ (mT(gX) if left else gX)) @ P)
    gR = xp.tri_solve(mT(L), gR, upper=True, left=False, unit=True)
    gU = xp.triu(xp.tri_solve(mT(U), mT(L) @ gR, upper=False, left=False))
    return xp.tril(gR, -1) + gU


class LUSolve(ArrayFunction):
    """``linalg.lu_solve(LU, pivots, B, left, adjoint)`` as one node (PyTorch's LinalgLuSolveBackward0), ``P``
    the permutation of the pivots (an array: not differentiable). B's gradient is lu_solve with the adjoint
    flipped; LU's is ``lu_solve_lu_grad``."""

    @staticmethod
    def forward(ctx, lu, P, b, left, adjoint):
        x = lu_solve_arrays(lu, P, b, left, adjoint)
        ctx.save_for_backward(lu, x)
        ctx.P, ctx.args = P, (left, adjoint)
        return x

    @staticmethod
    def backward(ctx, g):
        lu, x = ctx.saved_tensors
        left, adjoint = ctx.args
        glu = lu_solve_lu_grad(g, lu, ctx.P, x, left, adjoint) if ctx.needs_input_grad[0] else None
        gb = lu_solve_arrays(lu, ctx.P, g, left, not adjoint) if ctx.needs_input_grad[2] else None
        return glu, None, gb, None, None

    @staticmethod
    def backward_graph(ctx, g):
        lu, x = ctx.saved_input(0), ctx.saved_output(0)
        left, adjoint = ctx.args
        P = ctx.constant(ctx.P)
        glu = lu_solve_lu_grad(g, lu, P, x, left, adjoint, _OnTensors) if ctx.needs_input_grad[0] else None
        gb = LUSolve.apply(lu, ctx.P, g, left, not adjoint) if ctx.needs_input_grad[2] else None
        return glu, None, gb, None, None


# -- triangular solve -----------------------------------------------------------------------------------------
class SolveTriangular(ArrayFunction):
    """``X`` with ``A X = B`` (``left``) or ``X A = B``, A triangular (only its ``upper`` / lower triangle read)."""

    @staticmethod
    def forward(ctx, a, b, upper, left, unit):
        x = tri_solve(a, b, upper, left, unit)
        ctx.save_for_backward(a, x)
        ctx.args = (upper, left, unit)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        upper, left, unit = ctx.args
        gb = tri_solve(a, g, upper, left, unit, trans=True)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(gb @ mT(x)) if left else -(mT(x) @ gb)
            ga = np.triu(ga, int(unit)) if upper else np.tril(ga, -int(unit))
        return ga, gb, None, None, None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same with Tensor ops (A^T's solve is lower <-> upper)
        a, x = ctx.saved_input(0), ctx.saved_output(0)
        upper, left, unit = ctx.args
        gb = SolveTriangular.apply(a.mT, g, not upper, left, unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(gb @ x.mT) if left else -(x.mT @ gb)
            ga = ga.triu(int(unit)) if upper else ga.tril(-int(unit))
        return ga, gb, None, None, None
