"""``torch.backends.openmp``: whether miniconv's compiled kernels were built with OpenMP."""
from .. import _kernels


def is_available():
    """True if the compiled extension has OpenMP (its kernels run on several threads)."""
    return _kernels.openmp_enabled()
