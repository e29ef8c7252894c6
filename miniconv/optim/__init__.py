"""Optimizers (SGD, the Adam family, Adagrad, Adadelta, RMSprop, ASGD, Rprop, LBFGS) and learning-rate schedulers,
with PyTorch's names and update rules.

Optimizers read each parameter's ``.grad`` and update it in place, so a Parameter keeps its identity (no autograd).
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop", "NAdam", "RAdam", "Adamax", "ASGD",
           "Rprop", "LBFGS", "lr_scheduler"]

from . import swa_utils  # noqa: E402  (AveragedModel, SWALR, update_bn)
