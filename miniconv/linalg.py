"""``miniconv.linalg``: a subset of ``torch.linalg`` (``norm``, ``vector_norm``, ``inv``, ``det``, ``slogdet``,
``solve``, ``matrix_power``, ``cross``, ``diagonal``, ``cholesky``, ``cholesky_ex``, ``solve_triangular``,
``eigvalsh``).

Both call ``Tensor.norm`` (``tensor/_reduce.py``), the one implementation of vector norms
(``ops.VectorNorm``).
"""
import numpy as np

from . import ops
from .ops.linalg import _LinAlgError as LinAlgError
from .tensor import Tensor

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "diagonal", "eigvalsh", "inv", "matrix_power",
           "norm", "slogdet", "solve", "solve_triangular", "vector_norm"]


def _t(x, fn, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None); ``ord`` a number or +-inf."""
    return _t(x, "linalg.vector_norm", "x").norm(ord, dim, keepdim, dtype)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002, N803
    """``linalg.norm``: without ``ord``, the 2-norm of the flattened input; vector ords along one dim;
    ``'fro'`` for matrices. Other matrix norms (nuc, 2, -2, ...) are not supported."""
    _t(A, "linalg.norm", "A")
    if ord is None:
        return A.norm(2, dim, keepdim, dtype)
    if ord == "fro":
        return A.norm(2, dim if dim is not None else (-2, -1), keepdim, dtype)
    is_matrix = (dim is None and A.ndim == 2) or (isinstance(dim, (tuple, list)) and len(dim) == 2)
    if is_matrix:
        raise NotImplementedError(f"linalg.norm: matrix norm ord={ord!r} is not supported by miniconv (only 'fro')")
    return A.norm(ord, dim, keepdim, dtype)


def inv(A):  # noqa: N803
    return _t(A, "linalg.inv", "A").inverse()


def det(A):  # noqa: N803
    return _t(A, "linalg.det", "A").det()


def slogdet(A):  # noqa: N803
    return _t(A, "linalg.slogdet", "A").slogdet()


def matrix_power(A, n):  # noqa: N803
    return _t(A, "linalg.matrix_power", "A").matrix_power(n)


def cross(input, other, *, dim=-1):  # noqa: A002
    return _t(input, "linalg.cross", "input").cross(other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):  # noqa: N803
    return _t(A, "linalg.diagonal", "A").diagonal(offset, dim1, dim2)


def solve(A, B, *, left=True):  # noqa: N803
    """``X`` with ``A X = B`` (``B`` a vector or a batch of matrices, as PyTorch decides)."""
    _t(A, "linalg.solve", "A")._square("linalg.solve")
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    a, b = Tensor._promote(A, B)
    if vector:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-1]))
        a, b = a.expand(batch + tuple(a.shape[-2:])), b.expand(batch + tuple(b.shape[-1:]))
    else:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
        a, b = a.expand(batch + tuple(a.shape[-2:])), b.expand(batch + tuple(b.shape[-2:]))
    if a.shape[-1] != b.shape[-1 if vector else -2]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {'x'.join(map(str, b.shape[-2:]))})")
    try:
        return ops.Solve.apply(a, b, vector)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None


# -- Cholesky, triangular solves, symmetric eigenvalues (the gradients are in ops.linalg) -----------------
def _float_square(A, fn):  # noqa: N803
    A._square(fn)


def _first_bad_minor(a):
    """The order (1-based) of the first leading minor of the symmetric matrix ``a`` that is not positive
    definite, 0 when ``a`` is positive definite (LAPACK's potrf ``info``)."""
    for k in range(1, a.shape[-1] + 1):
        try:
            np.linalg.cholesky(a[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def _sym_lower(a):
    return np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)


class CholeskyEx(tuple):
    """(L, info) with attribute access, like ``torch.return_types.linalg_cholesky_ex``."""

    def __new__(cls, L, info):  # noqa: N803
        return super().__new__(cls, (L, info))

    L = property(lambda self: self[0])
    info = property(lambda self: self[1])


def _cholesky_error(A, fn):  # noqa: N803
    """PyTorch's error for the first matrix of ``A`` that is not positive definite."""
    sym = _sym_lower(np.asarray(A._data, np.float64)).reshape((-1,) + tuple(A.shape[-2:]))
    orders = [_first_bad_minor(m) for m in sym]
    bad = next(i for i, k in enumerate(orders) if k)
    where = f"(Batch element {bad}): " if A.ndim > 2 else ""
    return LinAlgError(f"{fn}: {where}The factorization could not be completed because the input is not "
                       f"positive-definite (the leading minor of order {orders[bad]} is not positive-definite).")


def cholesky(A, *, upper=False):  # noqa: N803
    """``L`` lower-triangular with ``A = L L^T`` (``upper=True``: ``U = L^T``); only ``A``'s lower triangle
    is read. Differentiable."""
    _t(A, "linalg.cholesky", "A")
    _float_square(A, "linalg.cholesky")
    try:
        out = ops.Cholesky.apply(A)
    except np.linalg.LinAlgError:
        raise _cholesky_error(A, "linalg.cholesky") from None
    return out.mT if upper else out


def cholesky_ex(A, *, upper=False, check_errors=False):  # noqa: N803
    """``(L, info)``: ``info`` (int32, one per matrix) is 0 where the factorization succeeded, else the
    order of the first leading minor that is not positive definite; there ``L`` is NaN (PyTorch leaves a
    partial factor) and gets no gradient."""
    _t(A, "linalg.cholesky_ex", "A")
    _float_square(A, "linalg.cholesky_ex")
    sym = _sym_lower(np.asarray(A._data, np.float64)).reshape((-1,) + tuple(A.shape[-2:]))
    info = np.array([_first_bad_minor(m) for m in sym], np.int32).reshape(tuple(A.shape[:-2]))
    if not info.any():
        return CholeskyEx(cholesky(A, upper=upper), Tensor._wrap(info))
    if check_errors:
        raise _cholesky_error(A, "linalg.cholesky_ex")
    bad = Tensor._wrap((info != 0)[..., None, None])
    eye = Tensor._wrap(np.eye(A.shape[-1], dtype=A._data.dtype))
    L = cholesky(A.where(~bad, eye), upper=upper)  # the good matrices factored together, differentiably
    return CholeskyEx(L.masked_fill(bad, float("nan")), Tensor._wrap(info))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):  # noqa: N803
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``) for triangular ``A``; the other triangle of ``A``
    is ignored and with ``unitriangular`` its diagonal is taken as ones. Differentiable in ``A`` and ``B``."""
    _t(A, "linalg.solve_triangular", "A")
    _t(B, "linalg.solve_triangular", "B")
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if A.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor A must have at least 2 dimensions.")
    _float_square(A, "linalg.solve_triangular")
    if B.dtype != A.dtype:
        B = B.to(A.dtype)  # PyTorch computes in A's dtype
    if not left:
        res = solve_triangular(A.mT, B.mT, upper=not upper, left=True, unitriangular=unitriangular).mT
    else:
        if A.shape[-1] != B.shape[-2]:
            raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B "
                               f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
        batch = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
        a, b = A.expand(batch + tuple(A.shape[-2:])), B.expand(batch + tuple(B.shape[-2:]))
        res = ops.SolveTriangular.apply(a, b, bool(upper), bool(unitriangular))
    if out is not None:
        return out.copy_(res)
    return res


def eigvalsh(A, UPLO="L"):  # noqa: N803
    """The eigenvalues (ascending) of symmetric ``A``, read from its lower (``UPLO='L'``) or upper triangle.
    Differentiable."""
    _t(A, "linalg.eigvalsh", "A")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _float_square(A, "linalg.eigh")
    return ops.EigvalsH.apply(A if UPLO == "L" else A.mT)
