"""``nn.CTCLoss``: ``F.ctc_loss`` as a module."""
from .. import functional as F
from .module import Module

__all__ = ["CTCLoss"]


class CTCLoss(Module):
    """The Connectionist Temporal Classification loss; forward(log_probs, targets, input_lengths,
    target_lengths). See ``F.ctc_loss``."""

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__()
        self.blank, self.reduction, self.zero_infinity = blank, reduction, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
