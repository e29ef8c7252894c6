"""Moved to :mod:`miniconv.io` (now on the ``safetensors`` package); kept so
``miniconv.utils.safetensors.load_safetensors`` / ``save_safetensors`` still import."""
from ..io import load_safetensors, save_safetensors

__all__ = ["load_safetensors", "save_safetensors"]
