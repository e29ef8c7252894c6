"""Matrix and structural functions scripts meet: addmm/addmv/addbmm/baddbmm, addcmul/addcdiv, mv, diag,
diagonal, diag_embed, trace, tril/triu, kron, inner, tensordot, vdot, cross, roll, repeat_interleave,
broadcast_to, unfold, rot90, fliplr/flipud, ravel, diff, renorm, dist, and the index_* / take family.

Everything here composes differentiable ops (matmul, index_select, scatter_add, where, cat, ...) or the
Functions ``ops.Diagonal`` / ``ops.DiagEmbed``, so gradients come from those ops.
"""
import numbers

import numpy as np

from .. import ops
from ..ops.decomp import lu_factor
from ..ops.linalg import diagonal_view
from .._args import normalize_dims
from ..dtypes import half_via_float32, torch_dtype_name


def _dim(d, ndim, name):
    return normalize_dims(d, max(ndim, 1), name)[0]


class LinalgMixin:
    """Matrix products with an added term, diagonals, structural rearrangements, index_* ops."""

    def _zero_like_scalar(self):
        return self._wrap(np.zeros((), self._data.dtype))

    # -- products ----------------------------------------------------------------------------
    def _add_product(self, prod, beta, alpha):
        out = prod if alpha == 1 else prod * alpha
        if beta == 0:  # PyTorch ignores self (even NaN) when beta is 0
            return out.expand(np.broadcast_shapes(out.shape, self.shape)).clone()
        return out + (self if beta == 1 else self * beta)

    @half_via_float32
    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        if mat1.ndim != 2 or mat2.ndim != 2:
            raise RuntimeError(f"{'mat1' if mat1.ndim != 2 else 'mat2'} must be a matrix, got "
                               f"{mat1.ndim if mat1.ndim != 2 else mat2.ndim}-D tensor")
        return self._add_product(mat1.mm(mat2), beta, alpha)

    @half_via_float32
    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return self._add_product(mat.mv(vec), beta, alpha)

    @half_via_float32
    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return self._add_product(batch1.bmm(batch2).sum(0), beta, alpha)

    @half_via_float32
    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return self._add_product(batch1.bmm(batch2), beta, alpha)

    @half_via_float32
    def addcmul(self, tensor1, tensor2, *, value=1):
        return self + (tensor1 * tensor2 if value == 1 else tensor1 * tensor2 * value)

    @half_via_float32
    def addcdiv(self, tensor1, tensor2, *, value=1):
        if tensor1.dtype.kind != "f" and tensor2.dtype.kind != "f":
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                               "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                               "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
                               "to(input.dtype) using Python 3 division or (input + value * tensor1 // tensor2)."
                               "to(input.dtype) using floor division.")
        return self + (tensor1 / tensor2 if value == 1 else tensor1 / tensor2 * value)

    def mv(self, vec):
        if self.ndim != 2 or vec.ndim != 1:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {self.ndim}, {vec.ndim}")
        if self.shape[1] != vec.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({self.shape[0]}), mat ({self.shape[0]}x{self.shape[1]}), "
                               f"vec ({vec.shape[0]})")
        return self.matmul(vec)

    def vdot(self, other):
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
        return self.dot(other)

    def inner(self, other):
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        if self.shape[-1] != other.shape[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                               f"{list(self.shape)} and {list(other.shape)}")
        return self._tensordot(other, ([-1], [-1]))

    def _tensordot(self, other, dims=2):  # torch.tensordot only (no Tensor method in PyTorch)
        if isinstance(dims, numbers.Integral):
            if dims < 0:
                raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
            da, db = list(range(self.ndim - dims, self.ndim)), list(range(dims))
        else:
            da, db = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
        da = [d % max(self.ndim, 1) for d in da]
        db = [d % max(other.ndim, 1) for d in db]
        for i, j in zip(da, db):
            if self.shape[i] != other.shape[j]:
                raise RuntimeError(f"contracted dimensions need to match, but first has size {self.shape[i]} in dim "
                                   f"{i} and second has size {other.shape[j]} in dim {j}")
        fa = [d for d in range(self.ndim) if d not in da]
        fb = [d for d in range(other.ndim) if d not in db]
        k = int(np.prod([self.shape[d] for d in da], dtype=np.int64))
        a = self.permute(fa + da).reshape(-1, k)
        b = other.permute(db + fb).reshape(k, -1)
        return a.mm(b).reshape([self.shape[d] for d in fa] + [other.shape[d] for d in fb])

    def kron(self, other):
        n = max(self.ndim, other.ndim)
        a = self.reshape((1,) * (n - self.ndim) + tuple(self.shape))
        b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
        a = a.reshape([s for d in a.shape for s in (d, 1)])
        b = b.reshape([s for d in b.shape for s in (1, d)])
        return (a * b).reshape([x * y for x, y in zip(a.shape[::2], b.shape[1::2])])

    def cross(self, other, dim=None):
        x, y = self._promote(self, other)
        shape = np.broadcast_shapes(x.shape, y.shape)
        x, y = x.expand(shape), y.expand(shape)
        if dim is None:
            dim = next((i for i, s in enumerate(shape) if s == 3), None)
            if dim is None:
                raise RuntimeError("no dimension of size 3 in input")
        d = _dim(dim, len(shape), "cross")
        if shape[d] != 3:
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {x.shape[d]} and "
                               f"{y.shape[d]}")
        c = [(x.select(d, i), y.select(d, i)) for i in range(3)]
        return ops.Stack.apply(d, c[1][0] * c[2][1] - c[2][0] * c[1][1], c[2][0] * c[0][1] - c[0][0] * c[2][1],
                               c[0][0] * c[1][1] - c[1][0] * c[0][1])

    # -- diagonals and triangles ----------------------------------------------------------------
    def diagonal(self, offset=0, dim1=0, dim2=1):
        d1, d2 = _dim(dim1, self.ndim, "diagonal"), _dim(dim2, self.ndim, "diagonal")
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        return self._make_view(ops.Diagonal.apply(self, offset, d1, d2),
                               lambda a: diagonal_view(a, offset, d1, d2))

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        n = self.ndim + 1
        d1, d2 = _dim(dim1, n, "diag_embed"), _dim(dim2, n, "diag_embed")
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        x = self.reshape(1) if self.ndim == 0 else self
        return ops.DiagEmbed.apply(x, offset, d1, d2)

    def diag(self, diagonal=0):
        if self.ndim == 1:
            return self.diag_embed(diagonal, 0, 1)
        if self.ndim != 2:
            raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{self.ndim}D")
        return self.diagonal(diagonal)

    def trace(self):
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        if self.dtype == bool:
            raise NotImplementedError("\"trace\" not implemented for 'Bool'")
        return self.diagonal().sum()

    def _triangle(self, diagonal, lower, name):
        if self.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        rows, cols = self.shape[-2:]
        keep = np.tri(rows, cols, diagonal, dtype=bool) if lower else ~np.tri(rows, cols, diagonal - 1, dtype=bool)
        return self._where(keep, self, self._zero_like_scalar())

    def tril(self, diagonal=0):
        return self._triangle(diagonal, True, "tril")

    def triu(self, diagonal=0):
        return self._triangle(diagonal, False, "triu")

    def diagflat(self, offset=0):
        return self.reshape(-1).diag(offset)

    @half_via_float32
    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        if vec1.ndim != 1 or vec2.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument vec{1 if vec1.ndim != 1 else 2}, but got "
                               f"{(vec1 if vec1.ndim != 1 else vec2).ndim}-D")
        return self._add_product(vec1.unsqueeze(1) * vec2.unsqueeze(0), beta, alpha)

    def matrix_power(self, n):
        if self.ndim < 2 or self.shape[-1] != self.shape[-2]:
            raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but they are "
                               f"{self.shape[-2] if self.ndim >= 2 else self.shape[0]} by "
                               f"{self.shape[-1] if self.ndim else 1} matrices")
        if n < 0:
            return self.inverse().matrix_power(-n)
        if n == 0:
            eye = np.broadcast_to(np.eye(self.shape[-1], dtype=self._data.dtype), self.shape)
            return self._where(np.ones(self.shape, bool), self._wrap(np.ascontiguousarray(eye)), self)  # 0 gradient
        out, base = None, self
        while n:
            if n & 1:
                out = base if out is None else out.matmul(base)
            n >>= 1
            if n:
                base = base.matmul(base)
        return out.clone() if out is self else out

    def fill_diagonal_(self, fill_value, wrap=False):
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        mask = np.zeros(self.shape, bool)
        if self.ndim == 2:
            rows, cols = self.shape
            stop = rows * cols if wrap and rows > cols else min(rows, cols) * cols  # NumPy's fill_diagonal rule
            mask.reshape(-1)[0:stop:cols + 1] = True
        else:
            k = np.arange(self.shape[0])
            mask[(k,) * self.ndim] = True
        return self.masked_fill_(self._wrap(mask), fill_value)

    # -- inverse, determinants, solve (the gradients are in ops.linalg) -------------------------------
    def _square(self, name):
        if self.ndim < 2 or self.shape[-1] != self.shape[-2]:
            raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                               f"{self.shape[-2] if self.ndim >= 2 else self.shape[0] if self.ndim else 1} by "
                               f"{self.shape[-1] if self.ndim else 1} matrices")
        if self.dtype.kind != "f":
            raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                               f"{torch_dtype_name(self.dtype)}")
        if self._data.dtype == np.float16:  # PyTorch's CPU has no float16 LU: its own refusals
            if name in ("linalg.inv", "linalg.inv_ex", "linalg.slogdet", "logdet"):
                raise RuntimeError(f"{'linalg.inv' if name == 'linalg.inv_ex' else name}: Low precision dtypes not "
                                   "supported. Got Half")
            raise NotImplementedError("\"lu_cpu\" not implemented for 'Half'")
        return self

    def inverse(self):
        self._square("linalg.inv")
        try:
            return ops.Inverse.apply(self)
        except np.linalg.LinAlgError:
            raise ops.linalg._LinAlgError(f"linalg.inv: {self._singular_where()}The diagonal element "
                                          f"{self._singular_where(order=True)} is zero, the inversion could not be "
                                          "completed because the input matrix is singular.") from None

    def _singular_where(self, order=False):
        """PyTorch's "(Batch element k): " prefix (or, with ``order``, the 1-based index of U's zero pivot) of the
        first singular matrix, from LAPACK getrf's info."""
        info = lu_factor(self._data)[2].reshape(-1)
        k = int(np.flatnonzero(info)[0]) if info.any() else 0
        if order:
            return int(info[k])
        return f"(Batch element {k}): " if self.ndim > 2 else ""

    def slogdet(self):
        self._square("linalg.slogdet")
        return SignLogAbsDet(*ops.SLogDet.apply(self))

    def logdet(self):
        if self._data.dtype == np.float16:
            self._square("logdet")
        sign, logabs = self.slogdet()
        return self._where(sign._data < 0, float("nan"), self._where(sign._data == 0, -float("inf"), logabs))

    def det(self):
        self._square("linalg.det")
        sign, logabs = ops.SLogDet.apply(self)
        return sign * logabs.exp()


class SignLogAbsDet(tuple):
    """(sign, logabsdet) with attribute access, like ``torch.return_types.slogdet``."""

    def __new__(cls, sign, logabsdet):
        return super().__new__(cls, (sign, logabsdet))

    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])
