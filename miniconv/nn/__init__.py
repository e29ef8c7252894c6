"""Neural-network building blocks with PyTorch's names: ``miniconv.nn`` mirrors ``torch.nn``."""
from . import functional, init, utils
from .modules import *  # noqa: F401,F403
from .modules import Module, ModuleList, Parameter, Sequential  # noqa: F401
from . import parallel  # noqa: E402  (nn.parallel.DistributedDataParallel)
from . import attention  # noqa: E402,F401  (torch.nn.attention: SDPBackend, sdpa_kernel)
from .parallel import DataParallel  # noqa: E402  (as PyTorch's without GPUs: runs the module as it is)
