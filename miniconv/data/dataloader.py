"""DataLoader: batches of a map-style dataset, in the order given by a sampler.

Arguments as PyTorch's: ``batch_size``, ``shuffle``, ``sampler``, ``batch_sampler``, ``drop_last``,
``collate_fn``, ``generator``, ``num_workers``. ``num_workers > 0`` is served in the main process
with one warning (miniconv starts no worker processes; batches and their order are the same).
Batches of datasets with ``get_batch`` (TensorDataset, MNIST without transforms, Subset of those)
are gathered with one numpy fancy-indexing call per tensor when no ``collate_fn`` is given.

Reproducibility: each ``iter(loader)`` (each epoch) with ``shuffle=True`` draws one permutation
from ``generator`` (default: miniconv's default generator, reseeded by ``miniconv.manual_seed``).
The same seed gives the same epoch orders; to resume after epoch ``k`` restore the generator state
saved then (``miniconv.get_rng_state()`` / ``generator.get_state()``, also ``loader.generator_state()``).
"""
import collections.abc
import numbers
import warnings

import numpy as np

from .._random import Generator, default_generator
from ..tensor import Tensor
from .dataset import _fetch_batch
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``).
        batch_size (int or None): samples per batch (default 1); None yields single samples.
        shuffle (bool): reshuffle the order at every epoch (default False).
        sampler: an iterable of indices (excludes ``shuffle``).
        batch_sampler: an iterable of index lists (excludes batch_size, shuffle, sampler, drop_last).
        drop_last (bool): drop the last incomplete batch (default False).
        generator (miniconv.Generator): source of the shuffling order (default: the global one).
        collate_fn (callable): merges a list of samples into a batch (default :func:`default_collate`).
        num_workers (int): accepted; > 0 warns once and loads in the main process.

    ``len(loader)`` is the number of batches per epoch.

    Example::

        >>> loader = DataLoader(TensorDataset(x, y), batch_size=256, shuffle=True)
        >>> for xb, yb in loader:   # xb: (256, 1, 28, 28) float32, yb: (256,) int64
        ...     ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader needs a map-style dataset (with __len__ and __getitem__), got {type(dataset).__name__}")
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
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if num_workers > 0:
            warnings.warn(
                f"DataLoader(num_workers={num_workers}): miniconv loads batches in the main process (no worker "
                "processes); the batches and their order are the same as with num_workers=0.",
                UserWarning, stacklevel=2)
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and self.batch_size is not None:
            batch_sampler = BatchSampler(sampler, self.batch_size, drop_last)
        self.batch_sampler = batch_sampler

    def __len__(self):
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    def _generator(self):
        return self.generator if self.generator is not None else default_generator

    def generator_state(self):
        """The state of the generator that will order the next epoch (restore it with ``set_state``)."""
        return self._generator().get_state()

    def __iter__(self):
        if self.batch_sampler is None:  # batch_size=None: single samples, arrays converted to Tensors
            for i in self.sampler:
                sample = self.dataset[int(i)]
                yield self.collate_fn(sample) if self.collate_fn is not None else _convert(sample)
            return
        bs = self.batch_sampler
        if type(bs) is BatchSampler and type(bs.sampler) in (RandomSampler, SequentialSampler) \
                and getattr(bs.sampler, "_num_samples", None) is None and not getattr(bs.sampler, "replacement", False):
            # fast path: whole index arrays, one fancy-indexing call per batch
            n = len(bs.sampler)
            order = bs.sampler._indices() if isinstance(bs.sampler, RandomSampler) else np.arange(n)
            stop = (n // bs.batch_size) * bs.batch_size if bs.drop_last else n
            for start in range(0, stop, bs.batch_size):
                yield self._batch(order[start:start + bs.batch_size])
            return
        for indices in self.batch_sampler:
            yield self._batch(np.asarray(list(indices), dtype=np.int64))

    def _batch(self, indices):
        if self.collate_fn is None:
            return _fetch_batch(self.dataset, indices)
        return self.collate_fn([self.dataset[int(i)] for i in indices])


def _convert(sample):
    """PyTorch's default_convert: NumPy arrays become Tensors, containers are converted element-wise."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "biuf":
        return Tensor(sample)
    if isinstance(sample, tuple):
        return tuple(_convert(s) for s in sample)
    if isinstance(sample, list):
        return [_convert(s) for s in sample]
    if isinstance(sample, dict):
        return {k: _convert(v) for k, v in sample.items()}
    return sample


def default_collate(batch):
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and numpy arrays are stacked along a new first dimension, Python ints become an int64
    Tensor, floats a float64 Tensor, bools a bool Tensor; strings stay a list; tuples/lists and
    dicts are collated field by field.
    """
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray)):
        arrays = [e._data if isinstance(e, Tensor) else e for e in batch]
        if any(not isinstance(e, (Tensor, np.ndarray)) for e in batch):
            raise TypeError("default_collate: batch mixes tensors/arrays with other types")
        for i, a in enumerate(arrays):
            if a.shape != arrays[0].shape:
                raise RuntimeError(
                    f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} at entry 0 "
                    f"and {list(a.shape)} at entry {i}"
                )
        if arrays[0].dtype.kind not in "biuf":
            raise TypeError(f"default_collate: cannot make a tensor of dtype {arrays[0].dtype}")
        return Tensor(np.stack(arrays))
    if isinstance(elem, (bool, np.bool_)):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, np.generic):
        return Tensor(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(list(s)) for s in zip(*batch)]
        return tuple(collated) if isinstance(elem, tuple) else collated
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}"
    )
