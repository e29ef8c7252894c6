"""``DistributedSampler``: each rank of a data-parallel job reads its own shard of the dataset.

Same contract as ``torch.utils.data.distributed.DistributedSampler``: every epoch the index list
(shuffled with ``seed + epoch`` when ``shuffle=True``) is padded by repeating its beginning until its
length divides by ``num_replicas`` (or truncated when ``drop_last=True``), then rank r takes every
``num_replicas``-th index starting at r. The index lists are exactly PyTorch's: with ``shuffle=True`` the
permutation is ``randperm(n)`` from a Generator seeded with ``seed + epoch``, drawn as PyTorch draws it.

Call ``set_epoch(epoch)`` before each epoch, or every epoch repeats the same order.
"""
import math

from ... import _random
from ..._random import Generator
from ... import distributed as dist

__all__ = ["DistributedSampler"]


def _int_arg(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"DistributedSampler(): {name} must be an int, got {type(value).__name__}")
    return value


class DistributedSampler:
    """Indices of this rank's shard of ``dataset``.

    Args:
        dataset: a map-style dataset (only ``len(dataset)`` is used).
        num_replicas (int): number of ranks (default: ``dist.get_world_size()``).
        rank (int): this rank (default: ``dist.get_rank()``).
        shuffle (bool): shuffle the indices every epoch (default True).
        seed (int): shuffling seed; must be the same on every rank (default 0).
        drop_last (bool): drop the tail so that every rank gets the same number of distinct samples
            instead of padding with repeated ones (default False).

    ``len(sampler)`` is the number of indices this rank gets per epoch.

    Example::

        >>> sampler = DistributedSampler(train_set, num_replicas=2, rank=0)
        >>> for epoch in range(epochs):
        ...     sampler.set_epoch(epoch)
        ...     shard = Subset(train_set, list(sampler))
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size()
        if rank is None:
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            rank = dist.get_rank()
        _int_arg(num_replicas, "num_replicas")
        _int_arg(rank, "rank")
        _int_arg(seed, "seed")
        if num_replicas <= 0:
            raise ValueError(f"num_replicas should be a positive integer value, but got num_replicas={num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = bool(drop_last)
        n = len(dataset)
        if self.drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = bool(shuffle)
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = _random.randperm(g, n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        indices = indices[self.rank:self.total_size:self.num_replicas]
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Set the epoch: with ``shuffle=True`` each epoch gets its own order (the same on every rank)."""
        self.epoch = epoch
