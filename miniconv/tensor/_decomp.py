"""Matrix factorizations and solvers on Tensors: the checks and error messages of ``torch.linalg``'s cholesky,
eigh, svd, qr, lu, solve_triangular, pinv, lstsq, matrix_exp, and the old ``torch.*`` / Tensor forms
(``svd(some=)``, ``qr(some=)``, ``cholesky``, ``cholesky_solve``, ``cholesky_inverse``, ``lu``, ``lu_solve``,
``triangular_solve``, ``pinverse``, ``geqrf``, ``orgqr``, ``ormqr``).

The private ``_linalg_*`` methods are the one implementation ``miniconv.linalg`` calls; the math and
gradients are in ``ops/decomp.py`` and ``ops/solvers.py``.
"""
import warnings

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..dtypes import torch_dtype_name
from ..ops import decomp as _dc
from ..ops import solvers as _sv
from ..ops.linalg import _LinAlgError


def _named(typename, fields):
    """A tuple class with attribute access and PyTorch's repr, like ``torch.return_types.<typename>``."""
    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"miniconv.return_types.{typename}(\n{body})"

    ns = {"__new__": __new__, "__repr__": __repr__, "__slots__": (), "_fields": tuple(fields)}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: self[i])
    return type(typename, (tuple,), ns)


CholeskyEx = _named("linalg_cholesky_ex", ("L", "info"))
Eigh = _named("linalg_eigh", ("eigenvalues", "eigenvectors"))
SVDResult = _named("linalg_svd", ("U", "S", "Vh"))
OldSVD = _named("svd", ("U", "S", "V"))
QRResult = _named("linalg_qr", ("Q", "R"))
OldQR = _named("qr", ("Q", "R"))
LUResult = _named("linalg_lu", ("P", "L", "U"))
LUFactor = _named("linalg_lu_factor", ("LU", "pivots"))
LUFactorEx = _named("linalg_lu_factor_ex", ("LU", "pivots", "info"))
LUUnpack = _named("lu_unpack", ("P", "L", "U"))
TriangularSolve = _named("triangular_solve", ("solution", "cloned_coefficient"))
Geqrf = _named("geqrf", ("a", "tau"))
LDLFactorEx = _named("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
LDLFactor = _named("linalg_ldl_factor", ("LD", "pivots"))
Lstsq = _named("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))

_WARNED = set()


def warn_once(key, message):
    """PyTorch's TORCH_WARN_ONCE: a deprecation UserWarning the first time in the process."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


def _batch_prefix(info, k):
    return f"(Batch element {k}): " if info.ndim else ""


# the CPU kernel PyTorch names when it refuses a float16 input, per function that has no ``kernel`` of its own
_HALF_KERNELS = {"linalg.cholesky": "cholesky_cpu", "linalg.cholesky_ex": "cholesky_cpu", "linalg.eigh": "linalg_eigh_cpu",
                 "linalg.svd": "linalg_svd_cpu", "linalg.qr": "geqrf_cpu", "linalg.cond": "linalg_svd_cpu",
                 "linalg.lu_solve": "linalg.lu_solve_cpu", "torch.linalg.ldl_factor_ex": "ldl_factor_kernel_cpu",
                 "torch.linalg.ldl_solve": "ldl_factor_kernel_cpu"}


class DecompMixin:
    """Factorizations (cholesky, eigh, svd, qr, lu), triangular and Cholesky solves, pinv, lstsq, matrix_exp."""

    def _linalg_input(self, name, square=True, what="A", kernel=None):
        """PyTorch's checks of a matrix argument; ``kernel`` names the CPU kernel PyTorch reports for an
        integer input (NotImplementedError) where it has no dtype check of its own."""
        if self.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")
        if square and self.shape[-1] != self.shape[-2]:
            raise RuntimeError(f"{name}: {what} must be batches of square matrices, but they are "
                               f"{self.shape[-2]} by {self.shape[-1]} matrices")
        if self.dtype.kind != "f" and kernel:
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_dtype_name(self.dtype)}'")
        if self.dtype.kind != "f":
            raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                               f"{torch_dtype_name(self.dtype)}")
        if self._data.dtype == np.float16:  # PyTorch's CPU has no float16 LAPACK kernels: its own refusals
            kernel = kernel or _HALF_KERNELS.get(name.split("(")[0])
            if kernel:
                raise NotImplementedError(f"\"{kernel}\" not implemented for 'Half'")
            raise RuntimeError("This function doesn't handle types other than float and double")
        return self

    def _nuclear_norm(self, dim=None, keepdim=False):
        """The sum of the singular values of the matrices in dims ``dim`` (a 2-D input's when None)."""
        if dim is None:
            if self.ndim != 2:
                raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
            dim = (0, 1)
        d = [int(x) % self.ndim for x in dim]
        rest = [i for i in range(self.ndim) if i not in d]
        out = self.permute(rest + d)._linalg_svdvals().sum(-1)
        for k in sorted(d) if keepdim else ():
            out = out.unsqueeze(k)
        return out

    # -- Cholesky -----------------------------------------------------------------------------------------
    def _linalg_cholesky_ex(self, upper=False, check_errors=False, name="linalg.cholesky"):
        self._linalg_input(name)
        L, info = _dc.Cholesky.apply(self, bool(upper))
        if check_errors and info._data.any():
            k = int(np.flatnonzero(info._data.reshape(-1))[0])
            order = int(info._data.reshape(-1)[k])
            raise _LinAlgError(f"{name}: {_batch_prefix(info._data, k)}The factorization could not be completed "
                               f"because the input is not positive-definite (the leading minor of order {order} "
                               "is not positive-definite).")
        return CholeskyEx(L, info)

    def cholesky(self, upper=False):
        warn_once("cholesky", "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed "
                  "in a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
                  "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced with\nU = "
                  "torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results for all valid "
                  "(symmetric positive definite) inputs.")
        return self._linalg_cholesky_ex(upper, True, "linalg.cholesky")[0]

    def cholesky_solve(self, input2, upper=False):
        """``X`` with ``A X = self``, ``A = L L^T`` given by its Cholesky factor ``input2`` (``U^T U`` when upper)."""
        b, L = self._promote(self, input2)
        if b.ndim < 2 or L.ndim < 2:
            raise RuntimeError(f"cholesky_solve: The input tensor {'B' if b.ndim < 2 else 'A'} must have at least "
                               "2 dimensions.")
        L._linalg_input("cholesky_solve", what="A", kernel="cholesky_solve_cpu")
        if L.shape[-1] != b.shape[-2]:
            raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {L.shape[-1]} by "
                               f"{L.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
        batch = tuple(np.broadcast_shapes(tuple(b.shape[:-2]), tuple(L.shape[:-2])))
        return _sv.CholeskySolve.apply(b.expand(batch + tuple(b.shape[-2:])), L.expand(batch + tuple(L.shape[-2:])),
                                       bool(upper))

    def cholesky_inverse(self, upper=False):
        self._linalg_input("cholesky_inverse", what="input", kernel="cholesky_inverse_out_cpu")
        return _sv.CholeskyInverse.apply(self, bool(upper))

    # -- eigh, svd, qr ------------------------------------------------------------------------------------------
    def _linalg_eigh(self, UPLO="L", name="linalg.eigh", compute_v=True):  # noqa: N803
        if UPLO not in ("L", "U", "l", "u"):
            raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
        if self.ndim >= 2 and self.shape[-1] == self.shape[-2] and (self.dtype.kind != "f" or self.dtype == np.float16):
            raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{torch_dtype_name(self.dtype)}'")
        self._linalg_input(name)
        try:
            if not compute_v and not (self.requires_grad and is_grad_enabled()):  # the gradient needs eigenvectors
                return self._wrap(np.linalg.eigvalsh(self._data, UPLO=UPLO.upper()))
            L, V = _dc.Eigh.apply(self, UPLO.upper())
        except np.linalg.LinAlgError:
            k, code = _dc.eigh_failure(self._data, UPLO.upper(), compute_v)
            prefix = f"(Batch element {k}): " if self.ndim > 2 else ""
            raise _LinAlgError(f"{name}: {prefix}The algorithm failed to converge because the input matrix is "
                               f"ill-conditioned or has too many repeated eigenvalues (error code: {code}).") from None
        return Eigh(L, V) if compute_v else L

    def _finite_for_svd(self):
        if not np.isfinite(self._data).all():
            raise _LinAlgError("linalg.svd: The algorithm failed to converge because the input matrix contained "
                               "non-finite values.")
        return self

    def _linalg_svd(self, full_matrices=True, driver=None, name="linalg.svd"):
        if driver is not None:
            raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                               "cuSOLVER backend.")
        self._linalg_input(name, square=False)._finite_for_svd()
        return SVDResult(*_dc.SVD.apply(self, bool(full_matrices)))

    def _linalg_svdvals(self, driver=None):
        if driver is not None or self.requires_grad and is_grad_enabled():  # the gradient needs U and Vh
            return self._linalg_svd(False, driver)[1]
        self._linalg_input("linalg.svd", square=False)._finite_for_svd()
        return self._wrap(np.linalg.svd(self._data, compute_uv=False))

    def svd(self, some=True, compute_uv=True):
        if not compute_uv:
            S = self._linalg_svdvals()
            m, n = self.shape[-2:]
            z = np.zeros
            return OldSVD(self._wrap(z(self.shape[:-2] + (m, m), self._data.dtype)), S,
                          self._wrap(z(self.shape[:-2] + (n, n), self._data.dtype)))
        U, S, Vh = self._linalg_svd(not some, name="linalg.svd")
        return OldSVD(U, S, Vh.mT)

    def _linalg_qr(self, mode="reduced"):
        if mode not in ("reduced", "complete", "r"):
            raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                               "'r', or 'complete'")
        self._linalg_input("linalg.qr", square=False)
        return QRResult(*_dc.QR.apply(self, mode))

    def qr(self, some=True):
        warn_once("qr", "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                  "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = "
                  "torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else "
                  "'complete')")
        return OldQR(*self._linalg_qr("reduced" if some else "complete"))

    # -- LU -------------------------------------------------------------------------------------------------
    def _linalg_lu_factor_ex(self, pivot=True, check_errors=False, name="torch.linalg.lu_factor_ex"):
        if not pivot:
            raise RuntimeError(f"{name.replace('torch.', '')}: LU without pivoting is not implemented on the CPU")
        if self.ndim < 2:
            raise RuntimeError(f"{name.replace('linalg.', '').replace('_ex', '')}: Expected tensor with 2 or more "
                               f"dimensions. Got size: {list(self.shape)} instead")
        self._linalg_input(name, square=False, kernel="lu_cpu")
        lu, piv, info = _dc.LUFactor.apply(self)
        if check_errors and info._data.any():
            k = int(np.flatnonzero(info._data.reshape(-1))[0])
            j = int(info._data.reshape(-1)[k])
            raise RuntimeError(f"{name}: {_batch_prefix(info._data, k)}U[{j},{j}] is zero and using it on lu_solve "
                               "would result in a division by zero. If you still want to perform the factorization, "
                               "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
        return LUFactorEx(lu, piv, info)

    def _linalg_lu(self, pivot=True):
        if not pivot:
            raise RuntimeError("linalg.lu: LU without pivoting is not implemented on the CPU")
        if self.ndim < 2:
            raise RuntimeError(f"linalg.lu: Expected tensor with 2 or more dimensions. Got size: {list(self.shape)} "
                               "instead")
        self._linalg_input("linalg.lu", square=False, kernel="lu_cpu")
        return LUResult(*_dc.LU.apply(self))

    def lu(self, pivot=True, get_infos=False):
        warn_once("lu", "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and "
                  "will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be "
                  "replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = "
                  "torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
                  "torch.linalg.lu_factor_ex(A, compute_pivots)")
        lu, piv, info = self._linalg_lu_factor_ex(pivot, False)
        return (lu, piv, info) if get_infos else (lu, piv)

    def _lu_unpack(self, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
        """(P, L, U) from a packed LU (``self``) and its pivots; L and U are differentiable in ``self``."""
        m, n = self.shape[-2:]
        k = min(m, n)
        empty = self._wrap(np.zeros((0,), self._data.dtype))
        P = (self._wrap(_dc.permutation_from_pivots(LU_pivots._data, m, self._data.dtype)) if unpack_pivots
             else empty)
        if not unpack_data:
            return LUUnpack(P, empty, empty)
        eye = self._wrap(np.broadcast_to(np.eye(m, k, dtype=self._data.dtype), self.shape[:-2] + (m, k)).copy())
        L = self[..., :, :k].tril(-1) + eye
        U = self[..., :k, :].triu()
        return LUUnpack(P, L, U)

    def _linalg_lu_solve(self, pivots, B, left=True, adjoint=False):  # noqa: N803
        """``A^{-1} B`` (``adjoint``: ``A^{-T} B``; not ``left``: ``B A^{-1}``) from ``A``'s LU (``self``)."""
        self._linalg_input("linalg.lu_solve", what="LU")
        if B.ndim < 2:
            raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
        n = self.shape[-1]
        if (B.shape[-2] if left else B.shape[-1]) != n:
            raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                               f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
        if B.dtype == self.dtype and self.shape[-2] == n:  # one node, PyTorch's LinalgLuSolveBackward0
            P = _dc.permutation_from_pivots(pivots._data, n, self._data.dtype)
            return _dc.LUSolve.apply(self, P, B, bool(left), bool(adjoint))
        P, L, U = self._lu_unpack(pivots)
        P = P.type(B.dtype)
        def tri(a, b, **kw):
            return a._linalg_solve_triangular(b, **kw)
        if left and not adjoint:  # U^{-1} L^{-1} P^T B
            return tri(U, tri(L, P.mT.matmul(B), upper=False, unitriangular=True), upper=True)
        if left:  # A^T X = B: P L^{-T} U^{-T} B
            return P.matmul(tri(L.mT, tri(U.mT, B, upper=False), upper=True, unitriangular=True))
        if not adjoint:  # X P L U = B
            return tri(L, tri(U, B, upper=True, left=False), upper=False, left=False,
                       unitriangular=True).matmul(P.mT)
        return tri(U.mT, tri(L.mT, B.matmul(P), upper=True, left=False, unitriangular=True), upper=False, left=False)

    def lu_solve(self, LU_data, LU_pivots):  # noqa: N803
        warn_once("lu_solve", "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in "
                  "a future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = "
                  "torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)")
        return LU_data._linalg_lu_solve(LU_pivots, self)

    def _linalg_ldl_factor_ex(self, hermitian=False, check_errors=False, name="torch.linalg.ldl_factor_ex"):
        self._linalg_input("torch.linalg.ldl_factor_ex")
        ld, piv, info = _sv.LDLFactor.apply(self)
        if check_errors and info._data.any():
            k = int(np.flatnonzero(info._data.reshape(-1))[0])
            j = int(info._data.reshape(-1)[k])
            raise _LinAlgError(f"{name}: {_batch_prefix(info._data, k)}D[{j},{j}] is zero: the input matrix is "
                               "singular.")
        return LDLFactorEx(ld, piv, info)

    def _linalg_ldl_solve(self, pivots, B, hermitian=False):  # noqa: N803
        if B.ndim < 2:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
        self._linalg_input("torch.linalg.ldl_solve", what="LD")
        n = self.shape[-1]
        if B.shape[-2] != n:
            raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is {n} by {n} but "
                               f"each b matrix is {B.shape[-2]} by {B.shape[-1]}")
        b = B.type(self.dtype) if B.dtype != self.dtype else B
        batch = tuple(np.broadcast_shapes(tuple(self.shape[:-2]), tuple(b.shape[:-2]), tuple(pivots.shape[:-1])))
        piv = np.broadcast_to(pivots._data.astype(np.int32, copy=False), batch + (n,))
        return _sv.LDLSolve.apply(self.expand(batch + (n, n)), np.ascontiguousarray(piv),
                                  b.expand(batch + tuple(b.shape[-2:])))

    # -- triangular solves ----------------------------------------------------------------------------------
    def _linalg_solve_triangular(self, B, *, upper, left=True, unitriangular=False):  # noqa: N803
        name = "linalg.solve_triangular"
        if B.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
        self._linalg_input(name, kernel="triangular_solve_cpu")
        a, b = self, (B if B.dtype == self.dtype else B.to(self.dtype))  # PyTorch computes in A's dtype
        n = a.shape[-1]
        if (b.shape[-2] if left else b.shape[-1]) != n:
            raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                               f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {b.shape[-2]}x{b.shape[-1]})")
        batch = tuple(np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2])))
        return _dc.SolveTriangular.apply(a.expand(batch + (n, n)), b.expand(batch + tuple(b.shape[-2:])),
                                         bool(upper), bool(left), bool(unitriangular))

    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):  # noqa: N803
        warn_once("triangular_solve", "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular"
                  "and will be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments "
                  "reversed and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, A)."
                  "solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, B).")
        coef = A.mT if transpose else A
        x = coef._linalg_solve_triangular(self, upper=upper != bool(transpose), unitriangular=unitriangular)
        if type(x.grad_fn).__name__ == "LinalgSolveTriangularBackward0":
            x.grad_fn._torch_name = "TriangularSolveBackward0"  # PyTorch's node for the deprecated form
        return TriangularSolve(x, A.clone())

    # -- pinv, matrix_exp, Householder ------------------------------------------------------------------------
    def _linalg_pinv(self, atol=None, rtol=None, hermitian=False):
        if self.ndim < 2 or self.dtype.kind != "f":
            raise RuntimeError(f"linalg.pinv({torch_dtype_name(self.dtype)}{{{list(self.shape)}}}): expected a tensor "
                               "with 2 or more dimensions of float, double, cfloat or cdouble types")
        if not hermitian:
            self._finite_for_svd()
        tol = [None if t is None else (t._data if hasattr(t, "_data") else float(t)) for t in (atol, rtol)]
        return _sv.Pinv.apply(self, tol[0], tol[1], bool(hermitian))

    def pinverse(self, rcond=1e-15):
        return self._linalg_pinv(rtol=rcond)

    def matrix_exp(self):
        if self._data.dtype == np.float16:  # PyTorch computes float16 in float32 here
            return self.float().matrix_exp().half()
        self._linalg_input("linalg.matrix_exp")
        return _sv.MatrixExp.apply(self)

    def geqrf(self):
        self._linalg_input("geqrf", square=False, what="input", kernel="geqrf_cpu")
        return Geqrf(*_sv.Geqrf.apply(self))

    def _householder_vectors(self, k):
        m = self.shape[-2]
        eye = self._wrap(np.eye(m, k, dtype=self._data.dtype))
        return self[..., :, :k].tril(-1) + eye

    def orgqr(self, input2):
        return _householder_product(self, input2, "torch.linalg.householder_product")

    def ormqr(self, input2, input3, left=True, transpose=False):
        """``op(Q) C`` or ``C op(Q)``, Q the product of the Householder reflectors in (``self``, ``input2``)."""
        tau, c = input2, input3
        k = tau.shape[-1]
        V = self._householder_vectors(k)
        forward = left == bool(transpose)  # Q^T C = H_k..H_1 C and C Q = C H_1..H_k apply H_1 first
        for i in (range(k) if forward else reversed(range(k))):
            v = V[..., :, i:i + 1]
            t = tau[..., i:i + 1].unsqueeze(-1)
            c = c - t * v.matmul(v.mT.matmul(c)) if left else c - t * c.matmul(v).matmul(v.mT)
        return c


    # -- removed in PyTorch 1.9: the methods still exist there and raise with the replacement ----------------------
    def eig(self, eigenvectors=False):
        raise RuntimeError(_REMOVED + "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` "
                           "rather than real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be "
                           "replaced with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, "
                           "eigenvectors=True) should be replaced with:\nL_complex, V_complex = torch.linalg.eig(A)")

    def symeig(self, eigenvectors=False, upper=True):
        raise RuntimeError(_REMOVED + "The default behavior has changed from using the upper triangular portion of "
                           "the matrix by default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, "
                           "upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else "
                           "'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should be replaced with:\nL, V = "
                           "torch.linalg.eigh(A, UPLO='U' if upper else 'L')")

    def solve(self, A):  # noqa: N803
        raise RuntimeError(_REMOVED + "`torch.solve` is deprecated in favor of `torch.linalg.solve`. "
                           "`torch.linalg.solve` has its arguments reversed and does not return the LU factorization."
                           "\n\nTo get the LU factorization see `torch.lu`, which can be used with `torch.lu_solve` or "
                           "`torch.lu_unpack`.\nX = torch.solve(B, A).solution should be replaced with:\nX = "
                           "torch.linalg.solve(A, B)")

    def lstsq(self, A):  # noqa: N803
        raise RuntimeError(_REMOVED + "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n"
                           "`torch.linalg.lstsq` has reversed arguments and does not return the QR decomposition in "
                           "the returned tuple (although it returns other information about the problem).\n\nTo get "
                           "the QR decomposition consider using `torch.linalg.qr`.\n\nThe returned solution in "
                           "`torch.lstsq` stored the residuals of the solution in the last m - n columns of the "
                           "returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field "
                           "'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = "
                           "torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\nX = "
                           "torch.linalg.lstsq(A, B).solution")

    def adjoint(self):
        """The conjugate transpose of the last two dims, a view (real tensors: ``mT``)."""
        return self.mH


_REMOVED = "This function was deprecated since version 1.9 and is now removed. "


def _householder_product(A, tau, name):  # noqa: N803
    """``H_1 ... H_k`` applied to the first n columns of the identity, H_i = I - tau_i v_i v_i^T."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    A._linalg_input(name, square=False, what="input", kernel="orgqr_cpu")
    k = tau.shape[-1]
    V = A._householder_vectors(k)
    X = A._wrap(np.ascontiguousarray(np.broadcast_to(np.eye(m, n, dtype=A._data.dtype), A.shape)))
    for i in reversed(range(k)):
        v = V[..., :, i:i + 1]
        X = X - tau[..., i:i + 1].unsqueeze(-1) * v.matmul(v.mT.matmul(X))
    return X


def householder_product(A, tau):  # noqa: N803
    return _householder_product(A, tau, "torch.linalg.householder_product")
