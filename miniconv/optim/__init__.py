"""Optimizers (SGD, Adam, AdamW) and learning-rate schedulers, with PyTorch's names and update rules.

Optimizers read each parameter's ``.grad`` and update it in place, so a Parameter keeps its identity (no autograd).
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop", "lr_scheduler"]
