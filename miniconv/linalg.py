"""``miniconv.linalg``: a subset of ``torch.linalg`` (``norm``, ``vector_norm``, ``inv``, ``det``, ``slogdet``,
``solve``, ``matrix_power``, ``cross``, ``diagonal``).

Both call ``Tensor.norm`` (``tensor/_reduce.py``), the one implementation of vector norms
(``ops.VectorNorm``).
"""
import numpy as np

from . import ops
from .ops.linalg import _LinAlgError as LinAlgError
from .tensor import Tensor

__all__ = ["LinAlgError", "cross", "det", "diagonal", "inv", "matrix_power", "norm", "slogdet", "solve", "vector_norm"]


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


def matrix_exp(A):  # noqa: N803
    """The matrix exponential of (batches of) square float matrices (differentiable)."""
    return _t(A, "linalg.matrix_exp", "A").matrix_exp()


def householder_product(A, tau):  # noqa: N803
    """The first ``n`` columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^T`` and ``v_i`` column ``i`` of
    ``A`` below the diagonal with a 1 on it (LAPACK's orgqr), for ``A`` (*, m, n), ``tau`` (*, k), k <= n <= m.
    Composed of differentiable ops (one m x m product per reflector)."""
    _t(A, "linalg.householder_product", "input")
    _t(tau, "linalg.householder_product", "tau")
    name = "torch.linalg.householder_product"
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {A.ndim}")
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if A.dtype.kind != "f":
        from .dtypes import torch_dtype_name

        raise NotImplementedError(f"\"orgqr_cpu\" not implemented for '{torch_dtype_name(A.dtype)}'")
    eye = Tensor(np.eye(m, dtype=A.dtype))
    Q = eye.expand(*A.shape[:-2], m, m)
    rows = np.arange(m)
    for i in range(tau.shape[-1]):
        below = Tensor((rows > i).astype(A.dtype))
        v = A[..., :, i] * below + Tensor((rows == i).astype(A.dtype))  # (*, m)
        H = eye - tau[..., i, None, None] * (v.unsqueeze(-1) * v.unsqueeze(-2))
        Q = Q @ H
    return Q[..., :, :n]


__all__ += ["matrix_exp", "householder_product"]
