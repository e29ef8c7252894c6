"""``torch.backends.cpu``: the instruction set miniconv's convolution micro-kernels use."""
from .. import _kernels


def get_cpu_capability():
    """``"AVX512"``, ``"AVX2"`` or ``"DEFAULT"``: the micro-kernel family chosen for this CPU (PyTorch's spelling)."""
    isa = str(_kernels.conv_isa()).lower()
    if "512" in isa:
        return "AVX512"
    if "avx2" in isa:
        return "AVX2"
    return "DEFAULT"
