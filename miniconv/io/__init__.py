"""Checkpoints and file writes: the ``safetensors`` package for tensors, JSON for the rest.

* :func:`save` / :func:`load` (also ``miniconv.save`` / ``miniconv.load``): whole checkpoints
  (nested dicts, lists, numbers, strings and tensors); see :mod:`miniconv.io.checkpoint` for the
  format. Version-1 ``.npz`` checkpoints still load.
* :func:`save_safetensors` / :func:`load_safetensors`: flat ``{name: tensor}`` files, the format
  ``safetensors.torch.save_file`` / ``load_file`` use.
* :func:`atomic_write`: temporary file, fsync, rename, fsync directory; stale temporary files of
  interrupted writes are removed on the next write to the same path. :func:`atomic_write_path`
  does the same for writers that take a file name.
* :class:`CheckpointError`: the one exception for every bad file (``.path``, ``.reason``).

Interop with PyTorch's own ``.pt`` files lives in :mod:`miniconv.utils` (``load_torch_state_dict``,
``save_torch_state_dict``), through ``torch.load(weights_only=True)`` / ``torch.save``.
"""
from .atomic import atomic_write, atomic_write_path
from .checkpoint import load, save
from .errors import CheckpointError
from .safetensors_file import load_safetensors, save_safetensors

__all__ = ["CheckpointError", "atomic_write", "atomic_write_path", "load", "load_safetensors", "save",
           "save_safetensors"]
