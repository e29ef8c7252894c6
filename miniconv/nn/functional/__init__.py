"""``miniconv.nn.functional`` (``import miniconv.nn.functional as F``): the differentiable NN ops.

One file per family, mirroring ``nn/modules/``; argument parsing shared with the Modules lives in
``_args.py`` so that the same mistake raises the same error through both.
"""
from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .conv import _same_padding, conv2d
from .dropout import dropout, dropout2d
from .linear import linear
from .loss import _check_reduction, cross_entropy, mse_loss, nll_loss
from .normalization import batch_norm
from .padding import pad
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv2d", "cross_entropy", "dropout", "dropout2d",
    "leaky_relu", "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "pad", "relu", "sigmoid",
    "softmax", "tanh",
]
