"""``torch.backends.cuda``: never built (miniconv runs on the CPU only); the matmul flags are stored without effect."""


class _MatmulFlags:
    """``backends.cuda.matmul``: TF32 / reduced-precision switches for CUDA matmuls (no effect on the CPU)."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True
        self.fp32_precision = "none"


matmul = _MatmulFlags()


def is_built():
    """False: miniconv is not built with CUDA."""
    return False


def flash_sdp_enabled():
    return False


def mem_efficient_sdp_enabled():
    return False


def math_sdp_enabled():
    return True
