"""DataLoader: batches of a map-style dataset, optionally shuffled from a seeded generator.

Single process: ``num_workers`` is accepted for source compatibility and ignored. Batches of
datasets with ``get_batch`` (TensorDataset, MNIST without transforms, Subset of those) are gathered
with one numpy fancy-indexing call per tensor.

Reproducibility: each ``iter(loader)`` (each epoch) with ``shuffle=True`` draws one permutation
from ``generator`` (default: miniconv's default generator, reseeded by ``miniconv.manual_seed``).
The same seed gives the same epoch orders; to resume after epoch ``k`` restore the generator state
saved then (``miniconv.get_rng_state()`` / ``generator.get_state()``, also ``loader.generator_state()``).
"""
import collections.abc
import numbers

import numpy as np

from .._random import Generator, default_generator
from ..tensor import Tensor
from .dataset import _fetch_batch


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``).
        batch_size (int): samples per batch (default 1).
        shuffle (bool): reshuffle the order at every epoch (default False).
        drop_last (bool): drop the last incomplete batch (default False).
        generator (miniconv.Generator): source of the shuffling order (default: the global one).
        collate_fn (callable): merges a list of samples into a batch (default :func:`default_collate`).

    ``len(loader)`` is the number of batches per epoch.

    Example::

        >>> loader = DataLoader(TensorDataset(x, y), batch_size=256, shuffle=True)
        >>> for xb, yb in loader:   # xb: (256, 1, 28, 28) float32, yb: (256,) int64
        ...     ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, collate_fn=None,
                 num_workers=0, pin_memory=False):
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader needs a map-style dataset (with __len__ and __getitem__), got {type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if shuffle is None:
            shuffle = False
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle should be a boolean value, but got shuffle={shuffle}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a miniconv.Generator, got {type(generator).__name__}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError("collate_fn must be callable")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _generator(self):
        return self.generator if self.generator is not None else default_generator

    def generator_state(self):
        """The state of the generator that will order the next epoch (restore it with ``set_state``)."""
        return self._generator().get_state()

    def __iter__(self):
        n = len(self.dataset)
        order = self._generator().numpy_generator.permutation(n) if self.shuffle else np.arange(n)
        stop = (n // self.batch_size) * self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.collate_fn is None:
                yield _fetch_batch(self.dataset, indices)
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])


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
