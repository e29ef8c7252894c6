"""Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset and random_split
(PyTorch's ``torch.utils.data`` names).

A map-style dataset implements ``__len__`` and ``__getitem__(i) -> sample``; an iterable-style dataset
(``IterableDataset``) implements ``__iter__``. A dataset may also
implement ``get_batch(indices) -> batch`` (a miniconv extension): the DataLoader then fetches a whole
batch with one fancy-indexing call instead of ``batch_size`` Python calls plus a collate.
"""
import math
import warnings

import numpy as np

from .. import _random
from .._random import default_generator
from ..tensor import Tensor
from .collate import default_collate


class Dataset:
    """Base class of map-style datasets: subclasses implement ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other):
        """``ds1 + ds2`` is ``ConcatDataset([ds1, ds2])``, as PyTorch."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of iterable-style datasets (streams): subclasses implement ``__iter__``.

    With ``DataLoader(num_workers=n)`` every worker process iterates its own copy of the dataset, so each
    sample would be loaded ``n`` times; split the stream in ``__iter__`` with :func:`get_worker_info`, as in
    PyTorch::

        >>> class Range(IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         if info is None:                     # main process: the whole range
        ...             return iter(range(self.n))
        ...         return iter(range(info.id, self.n, info.num_workers))   # this worker's share
    """

    def __len__(self):
        # a stream has no length unless a subclass defines one (PyTorch's IterableDataset has no __len__)
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} is an iterable-style dataset: iterate it, do not index it")

    def __add__(self, other):
        """``stream1 + stream2`` is ``ChainDataset([stream1, stream2])``, as PyTorch."""
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of several iterable-style datasets, one stream after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


def _rows(data, index):
    """``data[index]`` with PyTorch's out-of-range wording ("dimension", where NumPy says "axis")."""
    try:
        return data[index]
    except IndexError as e:
        raise IndexError(str(e).replace(" for axis ", " for dimension ")) from None


class TensorDataset(Dataset):
    """Samples are the ``i``-th rows of the given tensors (all with the same first dimension).

    Example::

        >>> ds = TensorDataset(images, labels)   # images (N, 1, 28, 28), labels (N,)
        >>> x, y = ds[0]                          # (1, 28, 28) and a 0-d tensor
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors)
        for t in tensors:
            if t.ndim == 0:
                raise ValueError("TensorDataset tensors need a first (sample) dimension, got a 0-d tensor")
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise ValueError(
                "Size mismatch between tensors: first dimensions are " + ", ".join(str(t.shape[0]) for t in tensors)
            )
        self.tensors = tensors

    def __getitem__(self, index):
        if any(t.requires_grad for t in self.tensors):  # PyTorch's samples are ``tensor[index]``, in the graph
            return tuple(t[index] for t in self.tensors)
        return tuple(Tensor._wrap(_rows(t._data, index)) for t in self.tensors)

    def get_batch(self, indices):
        """The batch ``indices`` (an int array) as a tuple of Tensors (one copy per tensor)."""
        if any(t.requires_grad for t in self.tensors):  # stacked samples, as PyTorch's collate builds them
            return collate_items(self, indices)
        return tuple(Tensor._wrap(_rows(t._data, indices)) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at positions ``indices``. ``indices`` stays the object it was given (a list
    from random_split, as in PyTorch); an int64 array of it is kept for the fast batch path."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices  # checked on access, as PyTorch does (an index past the end fails there)

    def _index_array(self):
        if getattr(self, "_array_of", None) is not self.indices:  # built again when ``indices`` is replaced
            self._array = np.asarray(self.indices, dtype=np.int64).reshape(-1)
            self._array_of = self.indices
        return self._array

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self._index_array()[index]]
        return self.dataset[int(self._index_array()[index])]

    def get_batch(self, indices):
        return _fetch_batch(self.dataset, self._index_array()[indices])

    def __len__(self):
        return len(self._index_array())


class ConcatDataset(Dataset):
    """The samples of several datasets one after another (``len`` is the sum)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self):
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        if idx >= len(self):
            raise IndexError(f"index {idx} is out of range for ConcatDataset of length {len(self)}")
        d = int(np.searchsorted(self.cumulative_sizes, idx, side="right"))
        start = 0 if d == 0 else int(self.cumulative_sizes[d - 1])
        return self.datasets[d][idx - start]

    def __add__(self, other):
        return ConcatDataset([self, other])


class StackDataset(Dataset):
    """Several datasets of one length side by side: ``StackDataset(a, b)[i] == (a[i], b[i])``,
    ``StackDataset(image=a, text=b)[i] == {"image": a[i], "text": b[i]}``."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args) if args else list(kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        if isinstance(self.datasets, dict):
            return [{k: d[i] for k, d in self.datasets.items()} for i in indices]
        return [tuple(d[i] for d in self.datasets) for i in indices]

    def __len__(self):
        return self._length


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths, or of fractions summing to 1
    (Python floats or 0-d tensors, as PyTorch takes them: floor of each share, the remainder added round-robin)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(math.floor(n * frac))
        for i in range(n - sum(counts)):  # distribute the remainder round-robin, as PyTorch does
            counts[i % len(counts)] += 1
        lengths = counts
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = _random.randperm(default_generator if generator is None else generator, n).tolist()
    out, start = [], 0
    for length in lengths:
        length = int(length)
        out.append(Subset(dataset, perm[start:start + length]))
        start += length
    return out


def _fetch_batch(dataset, indices):
    """One batch: through ``dataset.get_batch`` when it exists, else item by item + default_collate."""
    get_batch = getattr(dataset, "get_batch", None)
    if callable(get_batch):
        return get_batch(indices)
    return collate_items(dataset, indices)


def collate_items(dataset, indices):
    """The per-sample fallback of a batch: ``default_collate`` of ``dataset[i]`` for each index
    (the one place for it; datasets with a fast ``get_batch`` fall back to it under transforms)."""
    return default_collate([dataset[int(i)] for i in indices])
