"""Learning-rate schedulers with PyTorch's step semantics (StepLR, MultiStepLR, ExponentialLR, LambdaLR,
MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR,
OneCycleLR, ReduceLROnPlateau, and the combinators SequentialLR and ChainedScheduler).

Call ``scheduler.step()`` once per epoch *after* ``optimizer.step()``. Constructing a scheduler
performs an initial step (``last_epoch`` becomes 0) and records ``initial_lr`` in each param group.
"""


from ._base import LRScheduler
from ._combined import ChainedScheduler, ReduceLROnPlateau, SequentialLR
from ._cyclic import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from ._simple import (
    ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR, PolynomialLR, StepLR,
)

_LRScheduler = LRScheduler  # PyTorch's old name

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "MultiplicativeLR", "ConstantLR",
           "LinearLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
           "ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"]
