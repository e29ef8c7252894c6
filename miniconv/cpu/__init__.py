"""``torch.cpu``: the CPU is always there; ``torch.cpu.amp`` holds the deprecated autocast/GradScaler forms."""
from . import amp  # noqa: F401


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    return None
