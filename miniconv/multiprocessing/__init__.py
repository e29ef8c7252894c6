"""``torch.multiprocessing`` for miniconv: Python's ``multiprocessing`` (every public name), PyTorch's
sharing-strategy switches, and ``spawn``/``start_processes`` (``spawn.py``).

Tensors cross process boundaries by pickling (a copy), except tensors in shared memory:
``Tensor.share_memory_()`` / ``Module.share_memory()`` move their storage into an anonymous shared
mapping, so processes started by **fork** (Linux's default) after that call read and write the same
memory — the Hogwild pattern (``model.share_memory()``, then ``mp.Process(target=train, args=(model,))``)
trains one model. Under 'spawn' or 'forkserver' a tensor argument arrives as a copy; the sharing
strategy functions are accepted and recorded, as miniconv has no file-descriptor passing."""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from .spawn import (  # noqa: F401
    ProcessContext, ProcessException, ProcessExitedException, ProcessRaisedException, spawn, start_processes,
)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies", "spawn",
           "start_processes", "ProcessContext", "ProcessException", "ProcessExitedException",
           "ProcessRaisedException"] + list(multiprocessing.__all__)

_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy):
    """Record the strategy for sharing tensors between processes ('file_descriptor' or 'file_system')."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of "
                             f"{_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    return _sharing_strategy


def get_all_sharing_strategies():
    return set(_all_sharing_strategies)
