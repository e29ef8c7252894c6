# cython: language_level=3
"""Cython + OpenMP kernels: arrays in, arrays out.

This module knows nothing about Tensor or autograd. Every function takes C-contiguous
NumPy arrays whose shapes and dtypes the caller (``miniconv/nn/functional/`` or
``miniconv/ops/``) has already validated, plus an explicit ``n_threads``.
Compiler directives (boundscheck, wraparound, cdivision) are set once in setup.py;
``MINICONV_DEBUG=1`` at build time turns the checks back on.

The file is split into include files by job so they can be read one at a time:
  _conv_dispatch.pxi  conv2d forward / grad input / grad weight / grad bias: checks, then the plan
  _conv_cost.pxi      conv2d algorithm choice: the cost model per (shape, pass, ISA), conv2d_plan
  _conv_common.pxi    shared conv pieces (scratch pool, reduction chunks, BLAS, padded planes)
  _conv_direct.pxi    conv "direct" algorithm: drivers of the C micro-kernels in _conv_ukernel*.h
  _conv_im2col.pxi    conv "im2col" algorithm (fallback)
  _conv_taps.pxi      conv "taps" algorithm (one GEMM per tap; forced only)
  _conv_gemm.pxi      conv "gemm" algorithm (large GEMMs over chunks of samples; 1x1 without im2col)
  _conv_winograd.pxi  conv "winograd" algorithm (3x3 stride 1 as Winograd F(2x2, 3x3), 16 GEMMs)
  _pool.pxi   max-pool forward / backward
  _norm.pxi   batch-norm statistics and backward reductions
  _linalg.pxi Linear's matrix multiply (BLAS per fixed row block inside the OpenMP team)
  _rnn.pxi    recurrent layers: the fused gate math of one LSTM / GRU / RNN time step
  _rnn_layer.pxi  the time loop of one recurrent layer and direction in C (same kernels, same bits)
  _optim.pxi  the fused SGD update (one pass over parameter, gradient and momentum buffer)
  _elementwise.pxi  elementwise sums (the autograd engine adds gradients that meet at a node)
  _layer_norm.pxi   float32 layer normalization rows, forward and backward (_layer_norm.h)

# Notes:
# - Fused type ``floating`` (float32/float64) gives one kernel per job for both dtypes.
# - Parallel loops are ``prange(..., num_threads=n_threads)`` over independent work, with the
#   schedule always explicit: 'static' for even work (elementwise, pooling, batch norm), 'dynamic'
#   for the convolutions' larger, uneven items (_conv_dispatch.pxi explains why). Reductions never ``+=`` into shared memory from several threads:
#   each fixed-size chunk gets its own partial result, and the chunks are added in a
#   fixed order afterwards, so results are bit-for-bit independent of the thread count.
"""
cimport cython
from cython cimport floating
from cython.parallel cimport prange, parallel
from libc.stdlib cimport malloc, free
from libc.string cimport memset, memcpy
from libc.stddef cimport ptrdiff_t

import os
import warnings

import numpy as np
cimport numpy as cnp

cnp.import_array()

cdef extern from "_elementwise.h" nogil:
    void mc_relu_mask_f32(const float* x, float* out, unsigned char* keep, size_t n)
    void mc_relu_mask_f64(const double* x, double* out, unsigned char* keep, size_t n)
    void mc_add_f32(const float* a, const float* b, float* out, size_t n)
    void mc_add_f64(const double* a, const double* b, double* out, size_t n)

cdef extern from "_omp_compat.h":
    int MINICONV_OPENMP
    int omp_get_max_threads() nogil
    int omp_get_thread_num() nogil
    int omp_get_num_procs() nogil


def openmp_enabled():
    """True if this extension was compiled with OpenMP."""
    return bool(MINICONV_OPENMP)


def omp_num_procs():
    """Number of processors OpenMP sees (1 without OpenMP)."""
    return omp_get_num_procs()


# ---------------------------------------------------------------------------
# Elementwise kernels used by the core (Tensor.relu and F.relu).
# ---------------------------------------------------------------------------

cdef int _same_lengths(str fn, Py_ssize_t n, Py_ssize_t got, str name) except -1:
    """The elementwise kernels index every array with the first one's range: prove it fits."""
    if got != n:
        raise ValueError(f"{fn}: {name} has {got} elements, expected {n}")
    return 0


cdef int _same_shape(str fn, tuple expected, tuple got, str name) except -1:
    if got != expected:
        raise ValueError(f"{fn}: {name} has shape {got}, expected {expected}")
    return 0


def relu_forward_mask(const floating[::1] x,     # IN
                      floating[::1] out,         # OUT  (may alias x for inplace)
                      unsigned char[::1] keep,   # OUT  1 where the gradient passes (a bool array's bytes)
                      int n_threads):
    """out[i] = max(x[i], 0), NaN kept as in PyTorch, and keep[i] = not (out[i] <= 0): the 1-byte mask
    ``relu_backward_mask`` needs instead of the float output (a NaN output passes the gradient)."""
    cdef Py_ssize_t n = x.shape[0]
    _same_lengths("relu_forward_mask", n, out.shape[0], "out")
    _same_lengths("relu_forward_mask", n, keep.shape[0], "keep")
    if n == 0:
        return
    # fixed chunks of 64K elements, the loop itself in C (_elementwise.h: vectorised, branch-free;
    # the Cython loop took 40 ms for 6.4M random-sign elements, the C one ~2)
    cdef Py_ssize_t chunk = 1 << 16, nchunks = (n + chunk - 1) // chunk, k, a
    cdef const floating* xp = &x[0]
    cdef floating* op = &out[0]
    cdef unsigned char* kp = &keep[0]
    for k in prange(nchunks, nogil=True, schedule='static', num_threads=n_threads):
        a = k * chunk
        if floating is float:
            mc_relu_mask_f32(xp + a, op + a, kp + a, min(chunk, n - a))
        else:
            mc_relu_mask_f64(xp + a, op + a, kp + a, min(chunk, n - a))


def relu_backward_mask(const unsigned char[::1] keep,  # IN  from relu_forward_mask
                       const floating[::1] grad,       # IN  dL/d out
                       floating[::1] grad_in,          # OUT dL/d x
                       int n_threads):
    """grad_in[i] = grad[i] if keep[i] else 0: PyTorch's threshold_backward on the ReLU output (0 where
    the output is <= 0, the gradient where it is positive or NaN)."""
    cdef Py_ssize_t i, n = keep.shape[0]
    _same_lengths("relu_backward_mask", n, grad.shape[0], "grad")
    _same_lengths("relu_backward_mask", n, grad_in.shape[0], "grad_in")
    cdef floating g
    for i in prange(n, nogil=True, schedule='static', num_threads=n_threads):
        g = grad[i]  # loaded unconditionally so the select compiles branch-free (random signs)
        grad_in[i] = g if keep[i] else 0


include "_conv_common.pxi"
include "_conv_im2col.pxi"
include "_conv_taps.pxi"
include "_conv_gemm.pxi"
include "_conv_winograd.pxi"
include "_conv_direct.pxi"
include "_conv_direct_gi.pxi"
include "_conv_depthwise.pxi"
include "_conv_dispatch.pxi"
include "_conv_cost.pxi"
include "_pool.pxi"
include "_norm.pxi"
include "_linalg.pxi"
include "_rnn.pxi"
include "_rnn_layer.pxi"
# the fused optimizer updates; the engine's gradient sums
include "_optim.pxi"
include "_elementwise.pxi"
include "_layer_norm.pxi"
