# Optimizer kernels: the fused SGD update of one parameter.
#
# Notes:
# - One pass reads the parameter, its gradient and its momentum buffer and writes the buffer and
#   the parameter; the NumPy form it replaces made ~10 passes with 4 temporaries of the
#   parameter's size (~450 MB of memory traffic per ResNet-18 step instead of ~180).
# - Elementwise, so splitting it into fixed chunks over threads gives the same bits for any
#   thread count; the loop is C (_optim_kernels.h) so the restrict-qualified arrays vectorize
#   and the arithmetic is rounded op by op as NumPy's (no fused multiply-add).
# - The flags are loop-invariant: the compiler unswitches them out of the loop.

cdef extern from "_optim_kernels.h" nogil:
    void mc_sgd_f32(float* p, const float* g, float* b, size_t n, float lr, float wd, float momentum,
                    float damp1, int use_wd, int use_momentum, int first, int nesterov, int maximize)
    void mc_sgd_f64(double* p, const double* g, double* b, size_t n, double lr, double wd,
                    double momentum, double damp1, int use_wd, int use_momentum, int first,
                    int nesterov, int maximize)


def sgd_update(floating[::1] param,        # IN/OUT  the parameter, flattened
               const floating[::1] grad,   # IN      its gradient
               floating[::1] buf,          # IN/OUT  momentum buffer (OUT only on the first step; unused without momentum)
               double lr, double weight_decay, double momentum, double dampening,
               bint nesterov, bint maximize, bint first, int n_threads):
    """One SGD step of ``param`` in place, as optim/sgd.py's NumPy expressions (same bits): each
    scalar is rounded to the data's precision first, as NumPy does with a Python float."""
    cdef Py_ssize_t n = param.shape[0]
    _same_lengths("sgd_update", n, grad.shape[0], "grad")
    cdef bint use_momentum = momentum != 0
    if use_momentum:
        _same_lengths("sgd_update", n, buf.shape[0], "buf")
    if n == 0:
        return
    cdef Py_ssize_t chunk = 1 << 15, nchunks = (n + chunk - 1) // chunk, k, a, m
    cdef floating* pp = &param[0]
    cdef const floating* gp = &grad[0]
    cdef floating* bp = &buf[0] if use_momentum else NULL
    cdef floating lr_ = <floating>lr, wd_ = <floating>weight_decay, mom_ = <floating>momentum
    cdef floating damp1 = <floating>(1.0 - dampening)
    cdef int use_wd = weight_decay != 0
    if nchunks < 2:
        n_threads = 1
    for k in prange(nchunks, nogil=True, schedule='static', num_threads=n_threads):
        a = k * chunk
        m = min(chunk, n - a)
        if floating is float:
            mc_sgd_f32(pp + a, gp + a, (bp + a) if use_momentum else NULL, m, lr_, wd_, mom_, damp1,
                       use_wd, use_momentum, first, nesterov, maximize)
        else:
            mc_sgd_f64(pp + a, gp + a, (bp + a) if use_momentum else NULL, m, lr_, wd_, mom_, damp1,
                       use_wd, use_momentum, first, nesterov, maximize)
