"""Interop with PyTorch state dicts.

* :func:`convert_torch_state_dict` turns a PyTorch state dict (or any nest of dicts/lists holding
  ``torch.Tensor``) into the same nest of :class:`miniconv.Tensor` (copies, float dtypes kept;
  bfloat16 becomes float32: NumPy has no bfloat16). Load the result with ``model.load_state_dict(...)``.
* :func:`to_torch_state_dict` is the reverse (needs torch).
* :func:`load_torch_state_dict` reads a ``.pt``/``.pth`` file written by ``torch.save`` through
  ``torch.load(path, map_location="cpu", weights_only=True)``: PyTorch's restricted unpickler, which
  refuses arbitrary code. miniconv itself never unpickles anything.
* :func:`save_torch_state_dict` writes a miniconv state dict as a PyTorch file (``torch.save``).
* :func:`load_safetensors` / :func:`save_safetensors` (from :mod:`miniconv.io`) read and write the pickle-free safetensors
  format (as written by ``safetensors.torch.save_file``) through the safetensors package, without torch.

Example::

    >>> import torch, miniconv
    >>> sd = miniconv.utils.load_torch_state_dict("torch_model.pt")
    >>> model.load_state_dict(sd)                       # the same architecture built with miniconv
    >>> torch_model.load_state_dict(miniconv.utils.to_torch_state_dict(model.state_dict()))

Parameter names are the same in both libraries when the module trees match (``0.weight``,
``conv2d_00.weight``, BatchNorm's ``running_mean``/``running_var``/``num_batches_tracked``).
"""
import copyreg
import weakref
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor
from ..io import load_safetensors, save_safetensors

__all__ = ["swap_tensors", "convert_torch_state_dict", "to_torch_state_dict", "load_torch_state_dict", "save_torch_state_dict",
           "load_safetensors", "save_safetensors"]


def swap_tensors(t1, t2):
    """Swap the contents of two Tensor objects (class, attributes and storage), each keeping its identity:
    ``torch.utils.swap_tensors``. Objects holding references (an optimizer holding a Parameter) see the
    new contents. Refused, with PyTorch's messages, when either has weak references or their slots differ."""
    if weakref.getweakrefs(t1):
        raise RuntimeError("Cannot swap t1 because it has weakref associated with it")
    if weakref.getweakrefs(t2):
        raise RuntimeError("Cannot swap t2 because it has weakref associated with it")
    t1_slots = set(copyreg._slotnames(t1.__class__))
    t2_slots = set(copyreg._slotnames(t2.__class__))
    if t1_slots != t2_slots:
        raise RuntimeError("Cannot swap t1 and t2 if they have different slots")
    t1.__class__, t2.__class__ = t2.__class__, t1.__class__
    t1.__dict__, t2.__dict__ = t2.__dict__, t1.__dict__  # a miniconv Tensor's storage lives in its __dict__
    for slot in t1_slots:
        v1, v2 = getattr(t1, slot, swap_tensors), getattr(t2, slot, swap_tensors)  # the function: "unset"
        for t, v in ((t1, v2), (t2, v1)):
            if v is swap_tensors:
                if hasattr(t, slot):
                    delattr(t, slot)
            else:
                setattr(t, slot, v)


def _is_torch_tensor(x):
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach") and hasattr(x, "numpy")


def _map_nested(x, leaf):
    """Copy a nest of dicts (ordering kept), lists and tuples, replacing each value by ``leaf(value)``."""
    if isinstance(x, dict):
        out = OrderedDict() if isinstance(x, OrderedDict) else {}
        for k, v in x.items():
            out[k] = _map_nested(v, leaf)
        return out
    if isinstance(x, (list, tuple)):
        return type(x)(_map_nested(v, leaf) for v in x)
    return leaf(x)


def convert_torch_state_dict(torch_state_dict):
    """A copy of ``torch_state_dict`` with every ``torch.Tensor`` replaced by a :class:`miniconv.Tensor`.

    Dicts (ordering kept), lists and tuples are walked recursively; other values are kept as they are.
    Does not import torch.
    """
    def leaf(x):
        if _is_torch_tensor(x):
            t = x.detach().cpu()
            if str(t.dtype) == "torch.bfloat16":  # NumPy has no bfloat16
                t = t.float()
            return Tensor(np.array(t.numpy(), copy=True))
        return x

    if not isinstance(torch_state_dict, dict):
        raise TypeError(f"convert_torch_state_dict expects a dict, got {type(torch_state_dict).__name__}")
    return _map_nested(torch_state_dict, leaf)


def to_torch_state_dict(state_dict):
    """A copy of a miniconv state dict with every Tensor / numpy array turned into a ``torch.Tensor``."""
    torch = _import_torch("to_torch_state_dict")

    def leaf(x):
        if isinstance(x, (Tensor, np.ndarray)):
            return torch.from_numpy(np.array(np.asarray(x), copy=True))
        return x

    if not isinstance(state_dict, dict):
        raise TypeError(f"to_torch_state_dict expects a dict, got {type(state_dict).__name__}")
    return _map_nested(state_dict, leaf)


def load_torch_state_dict(path):
    """Read a PyTorch state dict file safely (``torch.load(..., weights_only=True)``) and convert it."""
    torch = _import_torch("load_torch_state_dict")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as e:  # torch's UnpicklingError for anything beyond tensors and containers
        raise ValueError(f"{str(path)!r} could not be loaded as a PyTorch state dict with weights_only=True: {e}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{str(path)!r} does not hold a state dict (got {type(obj).__name__})")
    return convert_torch_state_dict(obj)


def save_torch_state_dict(state_dict, path):
    """Write a miniconv state dict as a PyTorch file that ``torch.load(path)`` reads."""
    torch = _import_torch("save_torch_state_dict")
    torch.save(to_torch_state_dict(state_dict), path)


def _import_torch(fn):
    try:
        import torch
    except ImportError:
        raise ImportError(f"miniconv.utils.{fn} needs PyTorch (pip install torch)") from None
    return torch

from . import checkpoint  # noqa: E402  (torch.utils.checkpoint: activation checkpointing by recomputation)
