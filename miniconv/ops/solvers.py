"""Solvers and matrix functions built on the factorizations: cholesky_solve / cholesky_inverse, matrix_exp,
pinv, lstsq, and geqrf (Householder QR in LAPACK's packed form).

Backward formulas are PyTorch's (``FunctionsManual.cpp``: ``cholesky_solve_backward``,
``cholesky_inverse_backward``, ``linalg_matrix_exp_differential``, ``pinv_backward``, ``linalg_lstsq_backward``).
Array level: the Tensor methods (``tensor/_decomp.py``) check arguments and broadcast batch dims first.
"""
import numpy as np
import scipy.linalg
from scipy.linalg import lapack

from ..autograd.function import ArrayFunction
from .decomp import _given, _given_t, each_matrix, mT, tri_solve


def cho_solve(L, b, upper):
    """``(L L^T)^{-1} B`` (``U^T U`` when ``upper``), one matrix at a time (LAPACK potrs)."""
    out = np.empty(b.shape, b.dtype)
    fl, fb, fo = each_matrix(L), each_matrix(b), each_matrix(out)
    for i in range(fo.shape[0]):
        fo[i] = scipy.linalg.cho_solve((fl[i], not upper), fb[i], check_finite=False)
    return out


class CholeskySolve(ArrayFunction):
    """``cholesky_solve(B, L, upper)``: ``X`` with ``L L^T X = B``; B and L already broadcast to one batch."""

    @staticmethod
    def forward(ctx, b, L, upper):
        x = cho_solve(L, b, upper) if b.size else np.zeros(b.shape, b.dtype)
        ctx.save_for_backward(L, x)
        ctx.upper = upper
        return x

    @staticmethod
    def backward(ctx, g):
        L, x = ctx.saved_tensors
        gb = cho_solve(L, g, ctx.upper) if g.size else np.zeros(g.shape, g.dtype)
        gL = None
        if ctx.needs_input_grad[1]:
            common = gb @ mT(x)
            common = common + mT(common)
            gL = -(L @ common) if ctx.upper else -(common @ L)
        return gb, gL, None


class CholeskyInverse(ArrayFunction):
    """``cholesky_inverse(L, upper)``: ``(L L^T)^{-1}`` (``(U^T U)^{-1}``)."""

    @staticmethod
    def forward(ctx, L, upper):
        eye = np.broadcast_to(np.eye(L.shape[-1], dtype=L.dtype), L.shape)
        Linv = tri_solve(L, eye, upper=upper)  # L^{-1} (U^{-1})
        x = mT(Linv) @ Linv if not upper else Linv @ mT(Linv)
        ctx.save_for_backward(L, x)
        ctx.upper = upper
        return x

    @staticmethod
    def backward(ctx, g):
        L, x = ctx.saved_tensors
        common = x @ ((g + mT(g)) @ x)
        return (-(L @ common) if ctx.upper else -(common @ L)), None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same with Tensor ops
        L, x = ctx.saved_input(0), ctx.saved_output(0)
        common = x @ ((g + g.mT) @ x)
        return (-(L @ common) if ctx.upper else -(common @ L)), None


def expm(a):
    return scipy.linalg.expm(a) if a.size else a.copy()


class MatrixExp(ArrayFunction):
    """``matrix_exp(A)`` (SciPy's Pade approximation); the gradient is the upper-right block of
    ``exp([[A^T, G], [0, A^T]])`` (PyTorch's ``differential_analytic_matrix_function``)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return expm(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        big = np.zeros(a.shape[:-2] + (2 * n, 2 * n), np.result_type(a, g))
        big[..., :n, :n] = mT(a)
        big[..., n:, n:] = mT(a)
        big[..., :n, n:] = g
        return expm(big)[..., :n, n:]

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same block of exp([[A^T, G], [0, A^T]]), on the graph
        at = ctx.saved_input(0).mT
        n = at._data.shape[-1]
        zero = ArrayFunction.constant(np.zeros(at._data.shape, at._data.dtype))
        top = PadCat.apply(at, g)
        big = PadCat.apply(top.mT, PadCat.apply(zero, at).mT).mT
        return MatrixExp.apply(big)[..., :n, n:]


class PadCat(ArrayFunction):
    """``[a, b]`` side by side (concatenated on the last dim), for MatrixExp's create_graph block matrix."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.split = a.shape[-1]
        a, b = np.broadcast_arrays(a, b) if a.shape[:-1] != b.shape[:-1] else (a, b)
        return np.concatenate([a, b], -1)

    @staticmethod
    def backward(ctx, g):
        return g[..., :ctx.split], g[..., ctx.split:]

    @staticmethod
    def backward_graph(ctx, g):
        return g[..., :ctx.split], g[..., ctx.split:]


def tolerances(S_max, shape, dtype, atol, rtol):
    """PyTorch's cutoff for pinv / matrix_rank: ``max(atol, rtol * S_max)``, where a missing rtol is
    ``eps * max(m, n)``, or 0 when a positive atol is given."""
    eps = np.finfo(dtype).eps * max(shape[-2:])
    atol_ = np.zeros((), dtype) if atol is None else np.asarray(atol, dtype)
    if rtol is None:
        rtol_ = np.full((), eps, dtype) if atol is None else np.where(atol_ > 0, 0, eps).astype(dtype)
    else:
        rtol_ = np.asarray(rtol, dtype)
    return np.maximum(atol_, rtol_ * S_max)


def pinv_array(a, atol=None, rtol=None, hermitian=False):
    if a.size == 0:
        return np.zeros(a.shape[:-2] + a.shape[-2:][::-1], a.dtype)
    if hermitian:
        L, V = np.linalg.eigh(a)
        absL = np.abs(L)
        cut = tolerances(absL.max(-1), a.shape, a.dtype, atol, rtol)[..., None]
        with np.errstate(divide="ignore"):
            inv = np.where(absL > cut, 1 / np.where(L == 0, 1, L), 0).astype(a.dtype)
        return (V * inv[..., None, :]) @ mT(V)
    U, S, Vh = np.linalg.svd(a, full_matrices=False)
    cut = tolerances(S[..., 0], a.shape, a.dtype, atol, rtol)[..., None]  # per matrix, atol / rtol broadcast
    inv = np.where(S > cut, 1 / np.where(S == 0, 1, S), 0).astype(a.dtype)
    return (mT(Vh) * inv[..., None, :]) @ mT(U)


def pinv_backward(g, pinvA, A, mT=mT):  # noqa: N803
    """PyTorch's ``pinv_backward``; on arrays, or on Tensors (create_graph=True) with ``mT`` their transpose."""
    m, n = A.shape[-2:]
    pinvAh, gh = mT(pinvA), mT(g)
    if m <= n:
        K = gh @ pinvA
        KpinvAh = K @ pinvAh
        return -mT(pinvA @ K) + KpinvAh - (A @ pinvA) @ KpinvAh + (pinvAh @ pinvA) @ (gh - K @ A)
    K = pinvA @ gh
    pinvAhK = pinvAh @ K
    return -mT(K @ pinvA) + ((gh - A @ K) @ pinvA) @ pinvAh + pinvAhK - (pinvAhK @ pinvA) @ A


class Pinv(ArrayFunction):
    """``pinv(A, atol, rtol, hermitian)`` by SVD (eigh when hermitian); atol / rtol arrays broadcast over batch."""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        out = pinv_array(a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return pinv_backward(g, out, a), None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        return pinv_backward(g, ctx.saved_output(0), ctx.saved_input(0), lambda t: t.mT), None, None, None


def lstsq_arrays(a, b, rcond, driver):
    """(solution, rank, singular values) per matrix pair (a, b already broadcast, b a matrix)."""
    m, n = a.shape[-2:]
    k = b.shape[-1]
    fa, fb = each_matrix(a), each_matrix(b)
    x = np.zeros((fa.shape[0], n, k), a.dtype)
    rank = np.zeros(fa.shape[0], np.int64)
    sv = np.zeros((fa.shape[0], min(m, n)), a.dtype)
    lapack_driver = "gelsy" if driver == "gels" else driver
    for i in range(fa.shape[0]):
        if fa[i].size == 0 or k == 0:
            continue
        sol, _, r, s = scipy.linalg.lstsq(fa[i], fb[i], cond=rcond, lapack_driver=lapack_driver, check_finite=False)
        x[i], rank[i] = sol, r
        if s is not None:
            sv[i] = s
    batch = a.shape[:-2]
    return x.reshape(batch + (n, k)), rank.reshape(batch), sv.reshape(batch + (min(m, n),))


class Lstsq(ArrayFunction):
    """``linalg.lstsq``: (solution, residuals, rank, singular_values) with PyTorch's rules for which of the last
    three are computed; solution and residuals are differentiable (``linalg_lstsq_backward``)."""

    @staticmethod
    def forward(ctx, a, b, rcond, driver, vector):
        m, n = a.shape[-2:]
        bm = b[..., None] if vector else b
        x, rank, sv = lstsq_arrays(a, bm, rcond, driver)
        full_rank = driver == "gels" or bool(np.all(rank == n))
        if m > n and driver != "gelsy" and full_rank:
            r = a @ x - bm
            residuals = (r * r).sum(-2)
        else:
            residuals = np.zeros((0,), a.dtype)
        rank = rank if driver != "gels" else np.zeros((0,), np.int64)
        sv = sv if driver in ("gelsd", "gelss") else np.zeros((0,), a.dtype)
        x = x[..., 0] if vector else x
        ctx.save_for_backward(a, b, x)  # the input and output arrays themselves (backward_graph finds them)
        ctx.vector = vector
        ctx.mark_non_differentiable(rank, sv)
        return x, residuals, rank, sv

    @staticmethod
    def backward(ctx, gX, gL, _, __):
        a, b, x = ctx.saved_tensors
        if ctx.vector:
            b, x = b[..., None], x[..., None]
        gX, gL = _given(gX), (_given(gL) if gL is not None and gL.size else None)
        ga = gb = None
        if gX is not None:
            gX = gX[..., None] if ctx.vector else gX
            pinvA = pinv_array(a)
            if ctx.needs_input_grad[0]:
                ga = pinv_backward(gX @ mT(b), pinvA, a)
            if ctx.needs_input_grad[1]:
                gb = mT(pinvA) @ gX
        if gL is not None:
            r = a @ x - b
            gL = gL[..., None, :]
            ga = 2 * (gL * r) @ mT(x) + (0 if ga is None else ga)
            gb = -2 * gL * r + (0 if gb is None else gb)
        if gb is not None and ctx.vector:
            gb = gb[..., 0]
        return ga, gb, None, None, None

    @staticmethod
    def backward_graph(ctx, gX, gL, _, __):  # create_graph=True: the same with Tensor ops (pinv on the graph)
        a, b, x = ctx.saved_input(0), ctx.saved_input(1), ctx.saved_output(0)
        if ctx.vector:
            b, x = b.unsqueeze(-1), x.unsqueeze(-1)
        gX, gL = _given_t(gX), (_given_t(gL) if gL is not None and gL._data.size else None)
        ga = gb = None
        if gX is not None:
            gX = gX.unsqueeze(-1) if ctx.vector else gX
            pinvA = Pinv.apply(a, None, None, False)
            if ctx.needs_input_grad[0]:
                ga = pinv_backward(gX @ b.mT, pinvA, a, lambda t: t.mT)
            if ctx.needs_input_grad[1]:
                gb = pinvA.mT @ gX
        if gL is not None:
            r = a @ x - b
            gL = gL.unsqueeze(-2)
            ga = 2 * (gL * r) @ x.mT + (0 if ga is None else ga)
            gb = -2 * gL * r + (0 if gb is None else gb)
        if gb is not None and ctx.vector:
            gb = gb[..., 0]
        return ga, gb, None, None, None


class Geqrf(ArrayFunction):
    """``geqrf(A)``: (a, tau), LAPACK's packed Householder QR. Not differentiable, as in PyTorch."""

    @staticmethod
    def forward(ctx, a):
        m, n = a.shape[-2:]
        fa = each_matrix(a)
        out = np.empty_like(fa)
        tau = np.zeros((fa.shape[0], min(m, n)), a.dtype)
        geqrf = lapack.get_lapack_funcs("geqrf", (fa,))
        for i in range(fa.shape[0]):
            if fa[i].size:
                out[i], tau[i] = geqrf(fa[i])[:2]
            else:
                out[i] = fa[i]
        return out.reshape(a.shape), tau.reshape(a.shape[:-2] + (min(m, n),))

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


class LDLFactor(ArrayFunction):
    """``ldl_factor_ex(A)``: (LD, pivots, info) of symmetric ``A`` (lower triangle read), LAPACK sytrf's
    Bunch-Kaufman format as PyTorch returns it (upper triangle zeroed). Not differentiable, as in PyTorch."""

    @staticmethod
    def forward(ctx, a):
        n = a.shape[-1]
        fa = each_matrix(a)
        ld = np.zeros_like(fa)
        piv = np.tile(np.arange(1, n + 1, dtype=np.int32), (fa.shape[0], 1))
        info = np.zeros(fa.shape[0], np.int32)
        sytrf = lapack.get_lapack_funcs("sytrf", (fa,))
        for i in range(fa.shape[0]):
            if n:
                c, p, info[i] = sytrf(fa[i], lower=1)
                ld[i], piv[i] = np.tril(c), p
        ctx.mark_non_differentiable(piv, info)
        return ld.reshape(a.shape), piv.reshape(a.shape[:-1]), info.reshape(a.shape[:-2])

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("derivative for aten::linalg_ldl_factor_ex is not implemented")


class LDLSolve(ArrayFunction):
    """``ldl_solve(LD, pivots, B)`` (LAPACK sytrs); LD, pivots and B already broadcast to one batch."""

    @staticmethod
    def forward(ctx, ld, piv, b):
        out = np.empty(b.shape, b.dtype)
        fl, fp, fb, fo = each_matrix(ld), piv.reshape(-1, piv.shape[-1]), each_matrix(b), each_matrix(out)
        sytrs = lapack.get_lapack_funcs("sytrs", (fl,))
        for i in range(fo.shape[0]):
            fo[i] = sytrs(fl[i], fp[i], fb[i], lower=1)[0] if fb[i].size else fb[i]
        return out

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::linalg_ldl_solve is not implemented")
