"""``torch.serialization`` under miniconv's name: ``save``, ``load``, the ``weights_only`` allowlist
(``add_safe_globals``, ``safe_globals``, ``get_safe_globals``, ``clear_safe_globals``), and the old
import path of :mod:`miniconv.io` (``from miniconv.serialization import CheckpointError, atomic_write``)."""
from .io import (
    CheckpointError,
    WeightsOnlyUnpicklingError,
    add_safe_globals,
    atomic_write,
    clear_safe_globals,
    get_safe_globals,
    load,
    safe_globals,
    save,
    save_torch,
)

DEFAULT_PROTOCOL = 2

__all__ = ["save", "load", "CheckpointError", "WeightsOnlyUnpicklingError", "atomic_write", "add_safe_globals",
           "safe_globals", "get_safe_globals", "clear_safe_globals", "save_torch", "DEFAULT_PROTOCOL"]
