"""``miniconv.linalg``: a subset of ``torch.linalg`` (``norm``, ``vector_norm``).

Both call ``Tensor.norm`` (``tensor/_reduce.py``), the one implementation of vector norms
(``ops.VectorNorm``).
"""
from .tensor import Tensor

__all__ = ["norm", "vector_norm"]


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
