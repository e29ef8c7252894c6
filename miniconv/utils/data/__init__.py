"""``miniconv.utils.data`` mirrors ``torch.utils.data`` so that
``from torch.utils.data import DataLoader, TensorDataset`` needs only the package name changed."""
from ...data import *  # noqa: F401,F403
from ...data import DataLoader, Dataset, TensorDataset  # noqa: F401
from . import distributed  # noqa: F401,E402  (torch.utils.data.distributed.DistributedSampler)
from .distributed import DistributedSampler  # noqa: F401,E402
from . import dataloader, dataset, sampler  # noqa: F401,E402  (torch.utils.data.sampler etc. import paths)
