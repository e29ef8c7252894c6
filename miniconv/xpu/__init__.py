"""``torch.xpu`` (Intel GPUs) on a machine without one: the queries answer "no XPU", seeding and
``empty_cache`` are silent no-ops and the memory counters read 0 (as PyTorch built without XPU),
everything that needs the device raises (RuntimeError, as ``torch.cuda`` here; PyTorch raises
``AssertionError: Torch not compiled with XPU enabled``). Scripts that pick their device with
``"cuda" if torch.cuda.is_available() else "xpu" if torch.xpu.is_available() else "cpu"`` run on
the CPU."""
import collections

from .._device import _noop


def _no_xpu(*args, **kwargs):
    raise RuntimeError("miniconv runs on the CPU only; XPU is not available (torch.xpu.is_available() is False)")


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def is_bf16_supported(including_emulation=True):
    return False


def memory_allocated(device=None):
    """0, as PyTorch without an XPU answers."""
    return 0


memory_reserved = max_memory_allocated = max_memory_reserved = memory_allocated


def memory_stats(device=None):
    """An empty OrderedDict, as PyTorch without an XPU."""
    return collections.OrderedDict()


manual_seed = manual_seed_all = seed = seed_all = empty_cache = _noop
synchronize = current_device = get_device_name = set_device = _no_xpu
get_device_properties = get_device_capability = mem_get_info = _no_xpu
reset_peak_memory_stats = reset_accumulated_memory_stats = _no_xpu
