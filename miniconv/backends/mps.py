"""``torch.backends.mps``: Apple's Metal backend is never available (miniconv runs on the CPU only)."""


def is_available():
    """False: miniconv runs on the CPU only."""
    return False


def is_built():
    """False: miniconv is not built with MPS."""
    return False
