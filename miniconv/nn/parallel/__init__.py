"""``miniconv.nn.parallel`` mirrors ``torch.nn.parallel``: DistributedDataParallel (on MPI) and DataParallel
(which, as PyTorch's without GPUs, runs the module as it is)."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel", "DataParallel", "data_parallel"]
