"""``miniconv.linalg``: ``torch.linalg`` for real float32 / float64 tensors.

Factorizations (``cholesky``, ``eigh``, ``svd``, ``qr``, ``lu``...) and solvers are Tensor methods' private
``_linalg_*`` implementations (``tensor/_decomp.py``, math and gradients in ``ops/decomp.py``,
``ops/solvers.py``); vector norms are ``Tensor.norm`` (``ops.VectorNorm``). The functions defined here
compose those: matrix norms, ``cond``, ``matrix_rank``, ``multi_dot``, ``vander``, ``tensorinv``...
``eig`` / ``eigvals`` return complex numbers, which miniconv does not have: they raise.
"""
import numpy as np

from . import ops
from .ops.linalg import _LinAlgError as LinAlgError
from .tensor import Tensor
from .tensor._decomp import householder_product  # noqa: F401  (a function of A and tau, in tensor/_decomp.py)

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
    "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq", "lu",
    "lu_factor", "lu_factor_ex", "lu_solve",
    "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
    "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander",
    "vecdot", "vector_norm",
]


def _t(x, fn, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None); ``ord`` a number or +-inf."""
    return _t(x, "linalg.vector_norm", "x").norm(ord, dim, keepdim, dtype)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002, N803
    """``linalg.norm``: without ``ord``, the 2-norm of the flattened input; a vector norm over one dim, a matrix
    norm (``matrix_norm``) over two (a 2-D input's when ``dim`` is None)."""
    _t(A, "linalg.norm", "A")
    if ord is None:
        return A.norm(2, dim, keepdim, dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 2:
        return matrix_norm(A, ord, tuple(dim), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a numeric ord, but got {ord}")
    return A.norm(ord, tuple(dim), keepdim, dtype)


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
        raise LinAlgError(f"torch.linalg.solve: {a._singular_where()}The solver failed because the input matrix is "
                          "singular.") from None


# -- factorizations (tensor/_decomp.py) ---------------------------------------------------------------------------
def cholesky(A, *, upper=False):  # noqa: N803
    """``L`` with ``A = L L^T`` (``U^T U`` when ``upper``); only the lower triangle of ``A`` is read."""
    return _t(A, "linalg.cholesky", "A")._linalg_cholesky_ex(upper, True, "linalg.cholesky")[0]


def cholesky_ex(A, *, upper=False, check_errors=False):  # noqa: N803
    return _t(A, "linalg.cholesky_ex", "A")._linalg_cholesky_ex(upper, check_errors, "linalg.cholesky_ex")


def eigh(A, UPLO="L"):  # noqa: N803
    """(eigenvalues ascending, orthonormal eigenvectors as columns) of symmetric ``A`` (its ``UPLO`` triangle)."""
    return _t(A, "linalg.eigh", "A")._linalg_eigh(UPLO)


def eigvalsh(A, UPLO="L"):  # noqa: N803
    return _t(A, "linalg.eigvalsh", "A")._linalg_eigh(UPLO, "linalg.eigh", compute_v=False)


def _complex_unsupported(name):
    raise NotImplementedError(f"linalg.{name}: the eigenvalues of a general real matrix are complex numbers, and "
                              "miniconv has no complex dtype. For symmetric matrices use linalg.eigh / "
                              "linalg.eigvalsh (real results).")


def eig(A):  # noqa: N803
    _t(A, "linalg.eig", "A")
    _complex_unsupported("eig")


def eigvals(A):  # noqa: N803
    _t(A, "linalg.eigvals", "A")
    _complex_unsupported("eigvals")


def svd(A, full_matrices=True, *, driver=None):  # noqa: N803
    """(U, S, Vh) with ``A = U diag(S) Vh``, singular values descending; ``driver`` is CUDA-only in PyTorch."""
    return _t(A, "linalg.svd", "A")._linalg_svd(full_matrices, driver)


def svdvals(A, *, driver=None):  # noqa: N803
    return _t(A, "linalg.svdvals", "A")._linalg_svdvals(driver)


def qr(A, mode="reduced"):  # noqa: N803
    return _t(A, "linalg.qr", "A")._linalg_qr(mode)


def lu_factor_ex(A, *, pivot=True, check_errors=False):  # noqa: N803
    return _t(A, "linalg.lu_factor_ex", "A")._linalg_lu_factor_ex(pivot, check_errors)


def lu_factor(A, *, pivot=True):  # noqa: N803
    from .tensor._decomp import LUFactor
    LU, pivots, _ = _t(A, "linalg.lu_factor", "A")._linalg_lu_factor_ex(pivot, True, "torch.linalg.lu_factor")
    return LUFactor(LU, pivots)


def lu(A, *, pivot=True):  # noqa: N803
    return _t(A, "linalg.lu", "A")._linalg_lu(pivot)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):  # noqa: N803
    return _t(LU, "linalg.lu_solve", "LU")._linalg_lu_solve(pivots, B, left, adjoint)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):  # noqa: N803
    return _t(A, "linalg.solve_triangular", "A")._linalg_solve_triangular(B, upper=upper, left=left,
                                                                           unitriangular=unitriangular)


def matrix_exp(A):  # noqa: N803
    return _t(A, "linalg.matrix_exp", "A").matrix_exp()


def pinv(A, *, atol=None, rtol=None, hermitian=False, rcond=None):  # noqa: N803
    """The Moore-Penrose pseudo-inverse; singular values <= max(atol, rtol * largest) are treated as zero."""
    return _t(A, "linalg.pinv", "A")._linalg_pinv(atol, rcond if rtol is None else rtol, hermitian)


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):  # noqa: N803
    """(LD, pivots, info): the Bunch-Kaufman LDL^T factorization of symmetric ``A`` (LAPACK sytrf); not
    differentiable, as in PyTorch."""
    return _t(A, "linalg.ldl_factor_ex", "A")._linalg_ldl_factor_ex(hermitian, check_errors)


def ldl_factor(A, *, hermitian=False):  # noqa: N803
    from .tensor._decomp import LDLFactor
    LD, pivots, _ = _t(A, "linalg.ldl_factor", "A")._linalg_ldl_factor_ex(hermitian, True, "torch.linalg.ldl_factor")
    return LDLFactor(LD, pivots)


def ldl_solve(LD, pivots, B, *, hermitian=False):  # noqa: N803
    return _t(LD, "linalg.ldl_solve", "LD")._linalg_ldl_solve(pivots, B, hermitian)


# -- solvers with info ----------------------------------------------------------------------------------------
def inv_ex(A, *, check_errors=False):  # noqa: N803
    """(inverse, info): info[i] > 0 where matrix i is singular (its inverse is then inf/nan), as PyTorch's."""
    from .tensor._decomp import _named
    _t(A, "linalg.inv_ex", "A")._square("linalg.inv_ex")
    LU, _, info = A._linalg_lu_factor_ex(True, False)
    if check_errors and info._data.any():
        k = int(np.flatnonzero(info._data.reshape(-1))[0])
        raise LinAlgError(f"linalg.inv_ex: {f'(Batch element {k}): ' if info.ndim else ''}The diagonal element "
                          f"{int(info._data.reshape(-1)[k])} is zero, the inversion could not be completed because "
                          "the input matrix is singular.")
    if not info._data.any():
        return _named("linalg_inv_ex", ("inverse", "info"))(A.inverse(), info)
    eye = Tensor._wrap(np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape).copy())
    return _named("linalg_inv_ex", ("inverse", "info"))(lu_solve(LU, _, eye), info)


def solve_ex(A, B, *, left=True, check_errors=False):  # noqa: N803
    from .tensor._decomp import _named
    _t(A, "linalg.solve_ex", "A")._square("linalg.solve_ex")
    _, _, info = A.detach()._linalg_lu_factor_ex(True, False)
    if check_errors and info._data.any():
        raise LinAlgError("torch.linalg.solve_ex: The solver failed because the input matrix is singular.")
    if not info._data.any():
        return _named("linalg_solve_ex", ("result", "info"))(solve(A, B, left=left), info)
    LU, piv, _ = A._linalg_lu_factor_ex(True, False)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.unsqueeze(-1) if vector else B
    X = lu_solve(LU, piv, Bm if left else Bm.mT).mT if not left else lu_solve(LU, piv, Bm)
    return _named("linalg_solve_ex", ("result", "info"))(X.squeeze(-1) if vector else X, info)


def lstsq(A, B, rcond=None, *, driver=None):  # noqa: N803
    """Least squares ``min ||A X - B||``: (solution, residuals, rank, singular_values) with PyTorch's rules for
    which of the last three are filled (``driver`` 'gelsy' by default; 'gels', 'gelsd', 'gelss')."""
    from .tensor._decomp import Lstsq
    _t(A, "linalg.lstsq", "A")
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {_dtype_name(A)} and other's dtype {_dtype_name(B)}")
    A._linalg_input("linalg.lstsq", square=False)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if B.shape[-1 if vector else -2] != A.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    nb = 1 if vector else 2
    batch = tuple(np.broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-nb])))
    a, b = A.expand(batch + tuple(A.shape[-2:])), B.expand(batch + tuple(B.shape[-nb:]))
    rcond = float(np.finfo(a._data.dtype).eps * max(A.shape[-2:])) if rcond is None else rcond
    return Lstsq(*ops.solvers.Lstsq.apply(a, b, rcond, driver, vector))


# -- compositions -----------------------------------------------------------------------------------------------
def _matrix_dims(A, dim, name):  # noqa: N803
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    d = [int(x) % A.ndim for x in dim]
    if len(d) != 2 or d[0] == d[1]:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002, N803
    """'fro', 'nuc', inf, -inf, 1, -1, 2, -2 norms of the matrices in dims ``dim``."""
    _t(A, "linalg.matrix_norm", "A")
    d = _matrix_dims(A, dim, "linalg.matrix_norm")
    x = A if dtype is None else A.type(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_dtype_name(x)}")
    if ord in ("fro", "nuc"):
        if ord == "fro":
            return x.norm(2, tuple(d), keepdim)
        out = _to_end(x, d)._linalg_svdvals().sum(-1)
    elif ord in (2, -2, 2.0, -2.0):
        s = _to_end(x, d)._linalg_svdvals()
        if ord > 0 and s.shape[-1] == 0:  # no singular values: 0, as PyTorch (ord=-2 raises in amin)
            out = s.sum(-1)
        else:
            out = s.amax(-1) if ord > 0 else s.amin(-1)
    elif ord in (1, -1, float("inf"), -float("inf")):
        sum_dim, red_dim = (d[0], d[1]) if abs(ord) == 1 else (d[1], d[0])
        s = x.abs().sum(sum_dim, keepdim=True)
        out = s.amax(red_dim, keepdim=True) if ord > 0 else s.amin(red_dim, keepdim=True)
        return out if keepdim else out.squeeze(tuple(sorted(d)))
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if keepdim:
        for k in sorted(d):
            out = out.unsqueeze(k)
    return out


def _to_end(x, d):
    rest = [i for i in range(x.ndim) if i not in d]
    return x.permute(rest + list(d)) if d != [x.ndim - 2, x.ndim - 1] else x


def _dtype_name(x):
    from .dtypes import torch_dtype_name
    return torch_dtype_name(x.dtype)


def cond(A, p=None):  # noqa: N803
    """The condition number of ``A`` in the ``p`` norm (None / 2: ratio of extreme singular values)."""
    _t(A, "linalg.cond", "A")
    if p in (None, 2, -2):
        if A.ndim < 2:
            raise RuntimeError("linalg.cond: The input tensor A must have at least 2 dimensions.")
        s = A._linalg_svdvals()
        if s.shape[-1] == 0:  # empty matrices: 0, as PyTorch
            return s.sum(-1)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    if p not in ("fro", "nuc", 1, -1, float("inf"), -float("inf")):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    A._linalg_input(f"linalg.cond(ord={p})")
    inverse, info = inv_ex(A)
    singular = info._data > 0
    if singular.any():  # PyTorch fills a singular matrix's inverse with inf: inf, or nan for 'nuc' (SVD of inf)
        inverse = Tensor._where(singular[..., None, None], 0.0, inverse)
        return Tensor._where(singular, float("nan") if p == "nuc" else float("inf"),
                             matrix_norm(A, p) * matrix_norm(inverse, p))
    return matrix_norm(A, p) * matrix_norm(inverse, p)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):  # noqa: N803
    """The number of singular values (|eigenvalues| when ``hermitian``) above max(atol, rtol * largest)."""
    _t(A, "linalg.matrix_rank", "A")
    if tol is not None:
        atol, rtol = tol, 0.0
    if A.ndim < 2 or A.dtype.kind != "f" or A.dtype == np.float16:
        A._linalg_input("linalg.matrix_rank", square=False)
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    tol_arr = [None if t is None else (t._data if isinstance(t, Tensor) else t) for t in (atol, rtol)]
    smax = s.max(-1) if s.shape[-1] else np.zeros(s.shape[:-1], s.dtype)
    cut = ops.solvers.tolerances(smax, a.shape, a.dtype, tol_arr[0], tol_arr[1])[..., None]
    return Tensor._wrap((s > cut).sum(-1).astype(np.int64))


def matmul(input, other):  # noqa: A002
    return _t(input, "linalg.matmul", "input").matmul(other)


def vecdot(x, y, *, dim=-1):
    """``sum(x * y, dim)`` with broadcasting."""
    _t(x, "linalg.vecdot", "x")
    if x.ndim == 1 and y.ndim == 1 and x.shape[0] != y.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to have "
                           f"the same number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively")
    return (x * y).sum(dim)


def multi_dot(tensors):
    """The product of the matrices in ``tensors`` (the first may be a row vector, the last a column vector),
    multiplied in the order that needs the fewest multiplications, as PyTorch."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    mats = [first.unsqueeze(0) if first.ndim == 1 else first] + list(tensors[1:-1]) + \
        [last.unsqueeze(1) if last.ndim == 1 else last]
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                               f"{list(tensors[i + 1].shape)} cannot be multiplied")
    dims = [m.shape[0] for m in mats] + [mats[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i, j):
        return mats[i] if i == j else product(i, split[i][j]).mm(product(split[i][j] + 1, j))

    out = product(0, n - 1)
    if first.ndim == 1:
        out = out.squeeze(0)
    if last.ndim == 1:
        out = out.squeeze(-1)
    return out


def vander(x, *, N=None):  # noqa: N803
    """``x[..., i] ** j`` for j < N (increasing powers; PyTorch's ``torch.vander`` is decreasing)."""
    _t(x, "linalg.vander", "x")
    if x.ndim < 1:
        raise RuntimeError("N must be greater than 1.")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if x.dtype.kind in "bu" or x.dtype in (np.int8, np.int16, np.int32):
        x = x.type(np.int64)
    ones = x.unsqueeze(-1) * 0 + 1
    powers = x.unsqueeze(-1).expand(tuple(x.shape) + (n - 1,)).cumprod(-1)
    from .creation import cat
    return cat([ones, powers], -1)


def tensorinv(A, ind=2):  # noqa: N803
    _t(A, "linalg.tensorinv", "A")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    left, right = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    p, q = int(np.prod(left, dtype=np.int64)), int(np.prod(right, dtype=np.int64))
    if p != q:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {q} != {p}")
    return A.reshape(p, q).inverse().reshape(right + left)


def tensorsolve(A, B, dims=None):  # noqa: N803
    _t(A, "linalg.tensorsolve", "A")
    if dims is not None:
        d = [int(x) % A.ndim for x in dims]
        A = A.permute([i for i in range(A.ndim) if i not in d] + d)
    rest = tuple(A.shape[B.ndim:])
    p = int(np.prod(B.shape, dtype=np.int64))
    q = int(np.prod(rest, dtype=np.int64))
    if int(np.prod(A.shape[:B.ndim], dtype=np.int64)) != p or p != q:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {q} != {p}")
    return solve(A.reshape(p, q), B.reshape(p)).reshape(rest)


# NumPy's axis=/keepdims= for dim=/keepdim=, as PyTorch's parser accepts them (miniconv/_numpy_args.py)
from ._numpy_args import install as _install_numpy_aliases  # noqa: E402

_install_numpy_aliases(globals(), skip=())
