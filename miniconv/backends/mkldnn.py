"""``torch.backends.mkldnn``: miniconv has no oneDNN (MKL-DNN), so ``is_available()`` is False; flags are stored.

``deterministic`` changes nothing because miniconv is always deterministic.
"""
import sys

from . import _flags

enabled = True
deterministic = False
allow_tf32 = False
fp32_precision = "none"

_NAMES = ("enabled", "deterministic", "allow_tf32", "fp32_precision")


def is_available():
    """False: miniconv's kernels are its own (Cython + OpenMP), not oneDNN's."""
    return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None, _fp32_precision="none"):
    """Set the flags that are not None; returns the previous values as a tuple."""
    return _flags.set_flags(sys.modules[__name__], _NAMES, (_enabled, _deterministic, _allow_tf32, _fp32_precision))


def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    """Context manager: the flags have these values inside the ``with`` block."""
    return _flags.flags(sys.modules[__name__], _NAMES, (enabled, deterministic, allow_tf32, fp32_precision))
