"""``torch.cuda`` on a machine without a GPU: queries answer "no GPU", seeding is a silent no-op (as
PyTorch without a GPU), the memory counters read 0 (as PyTorch's before any GPU allocation),
everything that needs a GPU raises. ``torch.cuda.amp`` (the deprecated
GradScaler/autocast forms) disables itself with PyTorch's warnings, so ``GradScaler(enabled=use_amp)``
loops run unchanged."""
import collections
import warnings

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


def memory_allocated(device=None):
    """0, as PyTorch without a GPU answers (its allocator was never initialised): scripts that log GPU
    memory, such as the conv-bn fusion tutorial's forward, run on the CPU."""
    return 0


memory_reserved = max_memory_allocated = max_memory_reserved = memory_allocated


def memory_cached(device=None):
    warnings.warn("`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`", FutureWarning,
                  stacklevel=2)
    return 0


def max_memory_cached(device=None):
    warnings.warn("`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`",
                  FutureWarning, stacklevel=2)
    return 0


def memory_stats(device=None):
    """An empty OrderedDict, as PyTorch without a GPU."""
    return collections.OrderedDict()


manual_seed = manual_seed_all = seed = seed_all = empty_cache = _noop
synchronize = current_device = get_device_name = set_device = _no_cuda
get_device_properties = get_device_capability = mem_get_info = ipc_collect = _no_cuda
reset_peak_memory_stats = reset_max_memory_allocated = reset_accumulated_memory_stats = _no_cuda

from . import amp  # noqa: E402  (after the queries: amp asks is_available)
