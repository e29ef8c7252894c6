"""Matrix products of NumPy arrays through miniconv's GEMM kernels (``_kernels.matmul_rows`` and
``matmul_batched``, see ``_linalg.pxi``): single-threaded BLAS per fixed block inside miniconv's
OpenMP team, so the bits do not depend on the thread count, and NumPy's BLAS pool stays idle.

Used by ``Tensor.__matmul__``/``matmul`` (``ops.MatMul``); ``mm``/``bmm`` and anything else that
multiplies matrices should call :func:`matmul` and :func:`matmul_backward` too.

# Notes:
# - A 2-D right operand with a batched left one (``x @ W``, the common case) folds the batch into
#   rows: one GEMM, and its weight gradient is one GEMM over all rows (no per-matrix partial
#   products to sum).
# - Other broadcasts pass per-matrix offsets to the batched kernel, so a broadcast operand is
#   never copied; gradients of broadcast operands are summed over the broadcast dimensions by
#   NumPy's (thread-independent) reductions.
# - Only float32/float64 go through BLAS. float16 is computed in float32 and rounded once (NumPy's
#   float16 loop would round every partial sum); integers use ``np.matmul``, deterministic already.
"""
import math

import numpy as np

from . import _kernels
from ._config import blas_single_thread, check_blas_sizes, threads_for

_BLAS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_HALF = np.dtype(np.float16)


def gemm(a, b, trans_a=False, trans_b=False):
    """op(a) @ op(b) for 2-D float32/float64 arrays of one dtype; op(x) = x.T if its flag is set."""
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b, dtype=a.dtype)
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    n = b.shape[0] if trans_b else b.shape[1]
    c = np.empty((m, n), dtype=a.dtype)
    with blas_single_thread():
        _kernels.matmul_rows(a, b, c, trans_a, trans_b, threads_for(m * n * k))
    return c


def _rows(shape):
    """Rows of an array of ``shape`` seen as a matrix (all but the last dimension)."""
    return math.prod(shape[:-1])  # (np.prod of a tuple costs ~4 us: it builds an array first)


def _matmul_nd(a, b, trans_a=False, trans_b=False):
    """op(a) @ op(b) over broadcast batch dimensions; a and b have at least 2 dimensions."""
    m, k = (a.shape[-1], a.shape[-2]) if trans_a else a.shape[-2:]
    n = b.shape[-2] if trans_b else b.shape[-1]
    if b.ndim == 2 and not trans_a:  # fold a's batch into its rows: one GEMM
        out = gemm(np.reshape(a, (_rows(a.shape), k)), b, False, trans_b)
        return out.reshape(a.shape[:-2] + (m, n))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    c = np.empty(batch + (m, n), dtype=a.dtype)
    if c.size == 0 or k == 0:
        c[...] = 0
        return c
    count = math.prod(batch)

    def offsets(x):
        index = np.arange(math.prod(x.shape[:-2]), dtype=np.int64).reshape(x.shape[:-2])
        return np.ascontiguousarray(np.broadcast_to(index, batch).reshape(count)) * (x.shape[-2] * x.shape[-1])

    with blas_single_thread():
        _kernels.matmul_batched(a.reshape(-1), offsets(a), b.reshape(-1), offsets(b), c.reshape(-1),
                                m, n, k, trans_a, trans_b, threads_for(count * m * n * k))
    return c


def _reduce_to(g, shape):
    """Sum a broadcast gradient over the dimensions that ``shape`` broadcast along."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, (gs, s) in enumerate(zip(g.shape, shape)) if s == 1 and gs != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def matmul(a, b):
    """``np.matmul(a, b)`` for arrays of at least 1 dimension, through miniconv's kernels."""
    if a.dtype != b.dtype or a.dtype not in _BLAS_DTYPES:
        if a.dtype == b.dtype == _HALF:  # NumPy's float16 loop rounds every partial sum: float32, rounded once
            return matmul(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
        return np.matmul(a, b)
    rows = math.prod(a.shape[:-1]) if b.ndim <= 2 else (a.shape[-2] if a.ndim > 1 else 1)
    check_blas_sizes("matmul", ("the rows of input (with its batch when other is a matrix)", rows),
                     ("the columns of input", a.shape[-1]), ("the columns of other", b.shape[-1] if b.ndim > 1 else 1))
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    out = _matmul_nd(a2, b2)
    if a.ndim == 1:
        out = out.reshape(out.shape[:-2] + out.shape[-1:])
    if b.ndim == 1:
        out = out.reshape(out.shape[:-1])
    return out


def matmul_backward(a, b, g, need_a=True, need_b=True):
    """Gradients of ``matmul(a, b)`` with respect to a and b (None where not needed)."""
    if a.dtype != b.dtype or a.dtype not in _BLAS_DTYPES:
        if a.dtype == b.dtype == _HALF:
            ga, gb = matmul_backward(a.astype(np.float32), b.astype(np.float32), np.asarray(g, np.float32),
                                     need_a, need_b)
            return (None if ga is None else ga.astype(np.float16)), (None if gb is None else gb.astype(np.float16))
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = np.asarray(g).reshape(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
        ga = _reduce_to(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape) if need_a else None
        gb = _reduce_to(np.matmul(np.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape) if need_b else None
        return ga, gb
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    g2 = np.ascontiguousarray(g, dtype=a.dtype).reshape(batch + (a2.shape[-2], b2.shape[-1]))
    ga = gb = None
    if need_a:  # dA = G @ B^T
        ga = _reduce_to(_matmul_nd(g2, b2, trans_b=True), a2.shape).reshape(a.shape)
    if need_b:  # dB = A^T @ G
        if b2.ndim == 2:  # one GEMM over all rows of the batch
            k = a2.shape[-1]
            a_rows = np.broadcast_to(a2, batch + a2.shape[-2:])
            gb = gemm(np.reshape(a_rows, (_rows(a_rows.shape), k)), g2.reshape(_rows(g2.shape), g2.shape[-1]),
                      trans_a=True).reshape(b.shape)
        else:
            gb = _reduce_to(_matmul_nd(a2, g2, trans_a=True), b2.shape).reshape(b.shape)
    return ga, gb
