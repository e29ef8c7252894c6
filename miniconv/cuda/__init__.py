"""``torch.cuda`` on a machine without a GPU: queries answer "no GPU", seeding is a silent no-op (as
PyTorch without a GPU), everything that needs a GPU raises. ``torch.cuda.amp`` (the deprecated
GradScaler/autocast forms) disables itself with PyTorch's warnings, so ``GradScaler(enabled=use_amp)``
loops run unchanged."""
from .._device import _no_cuda, _noop


class OutOfMemoryError(RuntimeError):
    """``torch.OutOfMemoryError`` (= ``torch.cuda.OutOfMemoryError``): for ``except`` clauses; never raised here."""


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def is_bf16_supported(including_emulation=True):
    return False


manual_seed = manual_seed_all = empty_cache = _noop
synchronize = current_device = get_device_name = set_device = _no_cuda
get_device_properties = get_device_capability = memory_allocated = max_memory_allocated = _no_cuda

from . import amp  # noqa: E402  (after the queries: amp asks is_available)
