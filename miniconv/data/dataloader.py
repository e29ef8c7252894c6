"""DataLoader: batches of a dataset, loaded in the main process or in worker processes, as PyTorch's.

Arguments as ``torch.utils.data.DataLoader``: ``batch_size``, ``shuffle``, ``sampler``, ``batch_sampler``,
``num_workers``, ``collate_fn``, ``pin_memory`` (accepted; no pinned memory on the CPU), ``drop_last``, ``timeout``,
``worker_init_fn``, ``multiprocessing_context``, ``generator``, ``prefetch_factor``, ``persistent_workers``,
``in_order``. Map-style datasets (``__len__`` / ``__getitem__``) and iterable-style ones (:class:`IterableDataset`).

Batches of datasets with ``get_batch`` (TensorDataset, MNIST without transforms, Subset of those) are gathered with
one NumPy fancy-indexing call per tensor when no ``collate_fn`` is given, in the main process and in workers alike.

Randomness, as PyTorch: every ``iter(loader)`` (each epoch) first draws a base seed from ``generator`` (default:
miniconv's default generator, reseeded by ``miniconv.manual_seed``), then, with ``shuffle=True``, one permutation.
The order of the batches is therefore the same for every ``num_workers``. Worker ``i`` seeds miniconv's default
generator and Python's ``random`` with ``base_seed + i``, and NumPy's global generator (``np.random``) with PyTorch's
``_generate_state(base_seed, i)``; ``get_worker_info().seed`` is ``base_seed + i``. To resume after epoch ``k``
restore the generator state saved then (``generator.get_state()``, also ``loader.generator_state()``).
"""
import atexit
import math
import multiprocessing
import os
import warnings

import numpy as np

from .._random import Generator, default_generator
from . import _multiprocessing
from ._fetch import create_fetcher
from .collate import default_collate, default_convert  # noqa: F401  (torch.utils.data.dataloader's names)
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class _InfiniteConstantSampler:
    """``None`` forever: the index stream of an iterable-style dataset (the dataset itself says when it ends)."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``) or an :class:`IterableDataset`.
        batch_size (int or None): samples per batch (default 1); None yields single samples.
        shuffle (bool): reshuffle the order at every epoch (default False).
        sampler: an iterable of indices (excludes ``shuffle``).
        batch_sampler: an iterable of index lists (excludes batch_size, shuffle, sampler, drop_last).
        num_workers (int): worker processes loading batches (default 0: the main process loads them).
        collate_fn (callable): merges a list of samples into a batch (default :func:`default_collate`).
        pin_memory (bool): accepted; warns as PyTorch does without an accelerator (no pinned memory here).
        drop_last (bool): drop the last incomplete batch (default False).
        timeout (float): with workers, seconds to wait for a batch before raising RuntimeError (0: forever).
        worker_init_fn (callable): called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: ``"fork"``, ``"spawn"``, ``"forkserver"`` or a context object (default: the
            platform's default start method, fork on Linux with Python < 3.14).
        generator (miniconv.Generator): source of the base seed and the shuffling order (default: the global one).
        prefetch_factor (int): batches loaded in advance by each worker (default 2 with workers).
        persistent_workers (bool): keep the workers (and their dataset copies) alive between epochs.
        in_order (bool): return batches in the sampler's order (default True) or as they arrive.

    ``len(loader)`` is the number of batches per epoch.

    Example::

        >>> loader = DataLoader(TensorDataset(x, y), batch_size=256, shuffle=True, num_workers=2)
        >>> for xb, yb in loader:   # xb: (256, 1, 28, 28) float32, yb: (256,) int64
        ...     ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and (not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__")):
            raise TypeError("DataLoader needs a map-style dataset (with __len__ and __getitem__) or an "
                            f"IterableDataset, got {type(dataset).__name__}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if shuffle is not None and not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle should be a boolean value, but got shuffle={shuffle}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a miniconv.Generator, got {type(generator).__name__}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError("collate_fn must be callable")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError("worker_init_fn must be callable")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _check_context(multiprocessing_context, num_workers)
        self.in_order = in_order
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            else:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and self.batch_size is not None:
            batch_sampler = BatchSampler(sampler, self.batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self._iterator = None
        _warn_if_too_many_workers(num_workers)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def _generator(self):
        return self.generator if self.generator is not None else default_generator

    def generator_state(self):
        """The state of the generator that will order the next epoch (restore it with ``set_state``)."""
        return self._generator().get_state()

    def __iter__(self):
        if self.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        if self.num_workers == 0:
            if self.timeout != 0:
                raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
            return _SingleProcessDataLoaderIter(self)
        _register_atexit()
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _multiprocessing._MultiProcessingDataLoaderIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        return _multiprocessing._MultiProcessingDataLoaderIter(self)


class _SingleProcessDataLoaderIter:
    """The batches of one epoch, loaded in the main process."""

    def __init__(self, loader):
        _multiprocessing.draw_base_seed(loader)  # drawn, and unused, as PyTorch: the order is the same with workers
        self._index_sampler = loader._index_sampler
        self._batches = self._generate(loader)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._batches)

    def __len__(self):
        return len(self._index_sampler)

    @staticmethod
    def _generate(loader):
        fetcher = create_fetcher(loader.dataset, loader._auto_collation, loader.collate_fn, loader.drop_last)
        bs = loader.batch_sampler
        if (loader.collate_fn is None and type(bs) is BatchSampler
                and type(bs.sampler) in (RandomSampler, SequentialSampler)
                and getattr(bs.sampler, "_num_samples", None) is None and not getattr(bs.sampler, "replacement", False)):
            # fast path: the whole epoch's order as one array, sliced into batches (the same order as the sampler's)
            n = len(bs.sampler)
            order = bs.sampler._indices() if isinstance(bs.sampler, RandomSampler) else np.arange(n)
            stop = (n // bs.batch_size) * bs.batch_size if bs.drop_last else n
            for start in range(0, stop, bs.batch_size):
                yield fetcher.fetch(order[start:start + bs.batch_size])
            return
        for index in loader._index_sampler:
            try:
                batch = fetcher.fetch(index)
            except StopIteration:  # the end of an iterable-style dataset
                return
            yield batch


def _check_context(context, num_workers):
    if context is None:
        return None
    if num_workers == 0:
        raise ValueError("multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
                         f"but got num_workers={num_workers}")
    if isinstance(context, str):
        valid = multiprocessing.get_all_start_methods()
        if context not in valid:
            raise ValueError(f"multiprocessing_context option should specify a valid start method in {valid!r}, "
                             f"but got multiprocessing_context={context!r}")
        context = multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError("multiprocessing_context option should be a valid context object or a string specifying "
                        f"the start method, but got multiprocessing_context={context}")
    return context


def _warn_if_too_many_workers(num_workers):
    if num_workers == 0:
        return
    cpuset_checked = hasattr(os, "sched_getaffinity")
    suggested = len(os.sched_getaffinity(0)) if cpuset_checked else os.cpu_count()
    if suggested is None or num_workers > suggested:
        if suggested is None:
            hint = "DataLoader is not able to compute a suggested max number of worker in current system."
        else:
            hint = (f"Our suggested max number of worker in current system is {suggested}"
                    f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, which is smaller than "
                    "what this DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {num_workers} worker processes in total. {hint} Please be aware "
                      "that excessive worker creation might get DataLoader running slow or even freeze, lower the "
                      "worker number to avoid potential slowness/freeze if necessary.", UserWarning, stacklevel=3)


_atexit_registered = False


def _register_atexit():
    # registered after multiprocessing's own handler, so it runs first: workers get a clean shutdown
    global _atexit_registered
    if not _atexit_registered:
        atexit.register(_multiprocessing.shutdown_all)
        _atexit_registered = True
