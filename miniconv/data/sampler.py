"""Samplers (PyTorch's ``torch.utils.data`` names): which indices a DataLoader visits, in what order.

``SequentialSampler`` and ``RandomSampler`` yield dataset indices; ``BatchSampler`` groups the
indices of another sampler into lists. Randomness comes from a miniconv ``Generator`` (default:
the global one, reseeded by ``miniconv.manual_seed``), so a seed fixes every epoch's order.
"""
import numbers

import numpy as np

from .. import _random
from .._random import Generator, default_generator


class Sampler:
    """Base class: subclasses implement ``__iter__`` (indices) and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _gen(generator):
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a miniconv.Generator, got {type(generator).__name__}")
    return generator


class RandomSampler(Sampler):
    """A random permutation of the indices each epoch (or ``num_samples`` draws with replacement)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral)
                                        or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        self.generator = generator
        _gen(generator)
        if num_samples is None and self.num_samples <= 0:  # PyTorch checks the property: an empty dataset
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self):
        """The epoch's indices, drawn as PyTorch draws them: without a generator, a seed from the default one
        (``torch.empty((), dtype=torch.int64).random_()``) for a fresh Generator; then randint in chunks of 32
        (with replacement) or one randperm per pass over the data, the last one cut to the remainder."""
        n = len(self.data_source)
        if self.generator is None:
            generator = Generator().manual_seed(_random.random64(default_generator) % 2**63)
        else:
            generator = self.generator
        if self.replacement:
            sizes = [32] * (self.num_samples // 32) + [self.num_samples % 32]
            parts = [_random.random_from_to_(generator, np.empty(size, np.int64), n, 0) for size in sizes]
        else:
            parts = [_random.randperm(generator, n) for _ in range(self.num_samples // n)]
            parts.append(_random.randperm(generator, n)[: self.num_samples % n])
        return np.concatenate(parts)

    def __iter__(self):  # a generator: the draws happen when iteration starts, as in PyTorch
        yield from self._indices().tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each epoch."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = list(indices), generator

    def __iter__(self):
        for i in _random.randperm(_gen(self.generator), len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        w = np.asarray(weights._data if hasattr(weights, "_data") else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights, self.num_samples, self.replacement, self.generator = w, num_samples, replacement, generator

    def __iter__(self):
        idx = _random.multinomial(_gen(self.generator), self.weights, self.num_samples, self.replacement)
        return iter(idx.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last shorter one is dropped if ``drop_last``."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i if i is None else int(i))  # None: the placeholders of an iterable-style dataset
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
