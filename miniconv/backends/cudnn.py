"""``torch.backends.cudnn``: never available (miniconv runs on the CPU); flags are stored without effect.

``deterministic`` changes nothing because miniconv is always deterministic; ``benchmark`` changes nothing
because there is no algorithm search to turn on.
"""
import sys

from . import _flags

enabled = True
benchmark = False
benchmark_limit = None  # as torch reads it without CUDA
deterministic = False
allow_tf32 = True
fp32_precision = "none"

_NAMES = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32", "fp32_precision")


def is_available():
    """False: cuDNN is a GPU library and miniconv runs on the CPU only."""
    return False


def version():
    """None: no cuDNN is linked (as ``torch.backends.cudnn.version()`` on a CPU-only build)."""
    return None


def is_acceptable(tensor):
    """False: no tensor is ever handed to cuDNN."""
    return False


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None, _allow_tf32=None,
              _fp32_precision="none"):
    """Set the flags that are not None; returns the previous values as a tuple."""
    return _flags.set_flags(sys.modules[__name__], _NAMES,
                            (_enabled, _benchmark, _benchmark_limit, _deterministic, _allow_tf32, _fp32_precision))


def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none"):
    """Context manager: the flags have these values inside the ``with`` block."""
    return _flags.flags(sys.modules[__name__], _NAMES,
                        (enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision))
