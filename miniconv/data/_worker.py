"""The worker-process side of ``DataLoader(num_workers > 0)``, as ``torch/utils/data/_utils/worker.py``.

Each worker runs :func:`worker_loop`: it seeds its random generators, calls ``worker_init_fn``, then takes
``(task index, batch indices)`` from its own index queue and puts ``(task index, batch)`` on the result queue
shared by all workers. ``None`` on the index queue means "exit". A failure is sent back as an
:class:`ExceptionWrapper` holding the worker's formatted traceback, and raised again in the main process.

Tensors cross the process boundary as their NumPy arrays (pickled through the queue's pipe).
"""
import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from .._config import set_num_threads
from .._random import manual_seed
from ..tensor import Tensor
from ._fetch import _IterableFetcher, create_fetcher

# How often (seconds) a waiting worker checks that its parent is alive, and the main process that its workers are.
STATUS_CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker: ``id`` (0 .. num_workers - 1), ``num_workers``,
    ``seed`` (``base_seed + id``, the seed of this worker's miniconv and ``random`` generators), and ``dataset``
    (this process's copy of the dataset)."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    """The :class:`WorkerInfo` of the current DataLoader worker process, or None in the main process.

    Use it in an ``IterableDataset.__iter__`` to give each worker its own share of the stream, or in a
    ``worker_init_fn`` to set each worker up differently.
    """
    return _worker_info


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """Sent by a worker whose copy of an iterable-style dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Sent to persistent workers at the start of each new epoch."""


class KeyErrorMessage(str):
    """A str whose repr is itself, so a KeyError's multi-line message prints readably."""

    __slots__ = ()

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, to be raised again in another process (PyTorch's message form:
    ``Caught ValueError in DataLoader worker process 0.`` then ``Original Traceback (most recent call last): ...``)."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # an exception class that cannot be built from one message
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # no reference cycle (exception -> traceback -> this frame -> exception): the iterator in the
            # traceback's frames is then freed, and its workers shut down, as soon as the caller drops the error
            del exception


def numpy_seed(base_seed, worker_id):
    """The seed of NumPy's global generator in worker ``worker_id``: PyTorch's ``_generate_state``, which is NumPy's
    ``SeedSequence`` over ``[worker_id, low 32 bits, high 32 bits, 0]`` (four uint32 words)."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4)


class _TensorPayload:
    """A Tensor on its way between processes: its array and whether it requires grad."""

    __slots__ = ("array", "requires_grad")

    def __init__(self, array, requires_grad):
        self.array, self.requires_grad = array, requires_grad


def to_transport(obj):
    """``obj`` with every Tensor replaced by a :class:`_TensorPayload` (containers copied, other values as they are)."""
    if isinstance(obj, Tensor):
        if obj.requires_grad and not obj.is_leaf:
            raise RuntimeError(
                "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not "
                "support crossing process boundaries.  If you just want to transfer the data, call detach() on "
                "the tensor before serializing (e.g., putting it on the queue).")
        return _TensorPayload(obj._data, obj.requires_grad)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # namedtuple
        return type(obj)(*(to_transport(v) for v in obj))
    if type(obj) in (tuple, list):
        return type(obj)(to_transport(v) for v in obj)
    if type(obj) is dict:
        return {k: to_transport(v) for k, v in obj.items()}
    return obj


def from_transport(obj):
    """The inverse of :func:`to_transport`, in the main process."""
    if isinstance(obj, _TensorPayload):
        t = Tensor._wrap(obj.array)
        return t.requires_grad_() if obj.requires_grad else t
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(from_transport(v) for v in obj))
    if type(obj) in (tuple, list):
        return type(obj)(from_transport(v) for v in obj)
    if type(obj) is dict:
        return {k: from_transport(v) for k, v in obj.items()}
    return obj


def _parent_alive(parent_pid):
    return os.getppid() == parent_pid


def worker_loop(dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last, base_seed,
                init_fn, worker_id, num_workers, parent_pid):
    """The body of one worker process (see the module docstring)."""
    global _worker_info
    try:
        set_num_threads(1)  # the workers share the machine: each runs its kernels on one thread, as PyTorch's
        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(numpy_seed(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        iteration_end = False  # this worker's copy of an iterable-style dataset is exhausted
        while _parent_alive(parent_pid):
            try:
                r = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # shutting down and no final signal came (the main process may be exiting)
                continue
            if isinstance(r, ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                if init_exception is None:
                    fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
                continue
            if r is None:  # the final signal
                break
            if done_event.is_set() or iteration_end:
                continue  # shutting down: wait for None without working
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = to_transport(fetcher.fetch(index))
                except StopIteration:
                    if not isinstance(fetcher, _IterableFetcher):
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                    else:
                        data = IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass  # the main process gets its own KeyboardInterrupt and shuts the workers down
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
