"""Fetching one batch from a dataset: the same code in the main process (``num_workers=0``) and in worker processes.

A fetcher turns one item of the loader's index stream into a batch: a list of indices (map-style dataset, batching
on), one index (batching off), or a list of ``None`` placeholders (iterable-style dataset: the next samples of
the stream).
"""
import numpy as np

from .collate import default_collate, default_convert
from .dataset import IterableDataset, _fetch_batch


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if self.auto_collation:
            if self.collate_fn is None:  # miniconv's fast path: dataset.get_batch when the dataset has one
                return _fetch_batch(self.dataset, np.asarray(index, dtype=np.int64))
            getitems = getattr(self.dataset, "__getitems__", None)
            samples = getitems(list(index)) if getitems else [self.dataset[int(i)] for i in index]
            return self.collate_fn(samples)
        sample = self.dataset[index]
        return default_convert(sample) if self.collate_fn is None else self.collate_fn(sample)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.auto_collation, self.drop_last = auto_collation, drop_last
        if collate_fn is None:
            collate_fn = default_collate if auto_collation else default_convert
        self.collate_fn = collate_fn
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        """The next batch of the stream (``len(index)`` samples); StopIteration when the stream is exhausted."""
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if len(data) == 0 or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(dataset, auto_collation, collate_fn, drop_last):
    cls = _IterableFetcher if isinstance(dataset, IterableDataset) else _MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
