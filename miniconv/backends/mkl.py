"""``torch.backends.mkl``: miniconv does not link Intel MKL itself (NumPy's BLAS is whatever NumPy ships)."""


def is_available():
    """False: miniconv's own kernels do not use MKL."""
    return False
