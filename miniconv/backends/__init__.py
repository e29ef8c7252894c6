"""``miniconv.backends``: the flags of ``torch.backends``, so that scripts written for PyTorch run unchanged.

    import miniconv.backends.cudnn as cudnn
    cudnn.benchmark = True          # accepted and stored; nothing to tune on the CPU

What the flags mean here:

* ``cudnn``, ``cuda``, ``mps``: miniconv runs on the CPU only, so these backends are never available
  (``is_available()`` / ``is_built()`` are False) and their flags are stored without effect.
* ``cudnn.deterministic`` / ``mkldnn.deterministic``: miniconv is always deterministic (its parallel
  reductions add partial sums in a fixed order), so both values give the same results.
* ``cudnn.benchmark``: no algorithm search exists to switch on; the convolution algorithm is chosen by shape.
* ``openmp.is_available()``: True when miniconv's compiled kernels were built with OpenMP.
* ``cpu.get_cpu_capability()``: the instruction set of miniconv's convolution micro-kernels.

The submodules are plain modules: setting an attribute stores it, reading it returns what was set.
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
