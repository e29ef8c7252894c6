"""Checkpoints and file writes: the ``safetensors`` package for tensors, JSON for the rest.

* :func:`save` / :func:`load` (also ``miniconv.save`` / ``miniconv.load``): whole checkpoints.
  Tensors and plain containers (nested dicts, lists, numbers, strings) are stored without pickle;
  any other object (a module, an optimizer) is stored whole as a pickle that ``load`` reads only
  with ``weights_only=False`` (PyTorch's rule since 2.6). The whole file is under one CRC-32. See
  :mod:`miniconv.io.checkpoint` for the format. Version-2 and version-1 (``.npz``) checkpoints
  still load, and so do ``torch.save`` zip files (:mod:`miniconv.io.torch_format`, no torch needed).
* :func:`save_torch`: write PyTorch's own format, which ``torch.load(weights_only=True)`` reads.
* :func:`save_safetensors` / :func:`load_safetensors`: flat ``{name: tensor}`` files, the format
  ``safetensors.torch.save_file`` / ``load_file`` use.
* :func:`atomic_write`: temporary file, fsync, rename, fsync directory; stale temporary files of
  interrupted writes are removed on the next write to the same path. :func:`atomic_write_path`
  does the same for writers that take a file name.
* :class:`CheckpointError`: the one exception for every bad file (``.path``, ``.reason``);
  :class:`WeightsOnlyUnpicklingError` (a ``CheckpointError`` and a ``pickle.UnpicklingError``) when
  ``weights_only=True`` refuses an object.
* :func:`add_safe_globals`, :func:`safe_globals`, :func:`get_safe_globals`, :func:`clear_safe_globals`:
  PyTorch's allowlist for ``weights_only=True`` (also in ``miniconv.serialization``).
"""
from .atomic import atomic_write, atomic_write_path
from .checkpoint import load, save
from .errors import CheckpointError, WeightsOnlyUnpicklingError
from .safetensors_file import load_safetensors, save_safetensors
from .torch_writer import save_torch
from .unpickler import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["CheckpointError", "WeightsOnlyUnpicklingError", "add_safe_globals", "atomic_write", "atomic_write_path",
           "clear_safe_globals", "get_safe_globals", "load", "load_safetensors", "safe_globals", "save",
           "save_safetensors", "save_torch"]
