"""Differentiable neural-network ops as autograd Functions plus their functional wrappers.

Each section holds one family: the Function(s) with forward/backward next to each other, then
the public wrapper that validates arguments with PyTorch's meaning and messages. Hot loops
call ``miniconv._kernels``.
"""
import numpy as np

from .. import _kernels, ops
from .._config import get_num_threads
from ..autograd import Function
from ..tensor import Tensor


def relu(input, inplace=False):  # noqa: A002
    """max(input, 0) elementwise (the Cython prange kernel in ``_kernels.relu_forward``)."""
    return ops.ReLU.apply(input)


# ---------------------------------------------------------------------------
# Convolution and padding  (conv2d, pad)
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# end of convolution and padding
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Pooling, normalization, dropout, linear, activations, losses
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# end of pooling ... losses
# ---------------------------------------------------------------------------
