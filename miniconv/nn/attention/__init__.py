"""``torch.nn.attention``: ``SDPBackend`` and the ``sdpa_kernel`` context manager. miniconv has one
``scaled_dot_product_attention`` (the math formulation, on the CPU), which every backend choice
runs; ``sdpa_kernel`` checks its argument as PyTorch does and records the choice
(``_cur_sdpa_kernel_backends``)."""
import contextlib
import enum

__all__ = ["WARN_FOR_UNFUSED_KERNELS", "SDPBackend", "sdpa_kernel"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_backends = [SDPBackend.MATH, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
             SDPBackend.CUDNN_ATTENTION, SDPBackend.OVERRIDEABLE]


def _cur_sdpa_kernel_backends(with_priority=False):
    return list(_backends)


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Within the block, scaled_dot_product_attention may use only ``backends`` (one SDPBackend or a
    list of them); miniconv's single implementation serves them all."""
    global _backends
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances")  # noqa: TRY004  (PyTorch raises AssertionError)
    chosen = [backends] if isinstance(backends, SDPBackend) else list(dict.fromkeys(backends))
    previous = _backends
    _backends = chosen
    try:
        yield {}
    finally:
        _backends = previous
