"""``torch.utils.benchmark`` for miniconv: ``Timer`` (timeit, blocked_autorange, adaptive_autorange),
``Measurement`` and ``Compare``, ported from PyTorch's (BSD-3-Clause, (c) PyTorch contributors).
Statements see ``torch`` as miniconv unless globals say otherwise; ``num_threads`` sets miniconv's
thread count while timing. Not here: C++ statements, ``collect_callgrind`` and the fuzzers."""

from .common import *
from .compare import *
from .timer import *
