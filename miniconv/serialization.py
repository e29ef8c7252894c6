"""Moved to :mod:`miniconv.io`; this module only keeps the old import path working
(``from miniconv.serialization import CheckpointError, save, load, atomic_write``)."""
from .io import CheckpointError, atomic_write, load, save

__all__ = ["save", "load", "CheckpointError", "atomic_write"]
