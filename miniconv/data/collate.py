"""Collation: how the DataLoader turns a list of samples into a batch (``default_collate``) and converts a single
sample when batching is off (``default_convert``), as ``torch.utils.data``.

Both datasets (their per-sample fallback of ``get_batch``) and the loader use these, so they live apart from both.
"""
import collections.abc
import numbers

import numpy as np

from ..tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def default_convert(data):
    """PyTorch's ``default_convert`` (used when ``batch_size=None``): NumPy arrays become Tensors, containers are
    converted element by element, anything else is returned unchanged."""
    sample = data
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "biuf":
        return Tensor(sample)
    if isinstance(sample, tuple):
        if hasattr(sample, "_fields"):  # namedtuple
            return type(sample)(*(default_convert(s) for s in sample))
        return tuple(default_convert(s) for s in sample)
    if isinstance(sample, list):
        return [default_convert(s) for s in sample]
    if isinstance(sample, dict):
        return {k: default_convert(v) for k, v in sample.items()}
    return sample


def default_collate(batch):
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and numpy arrays are stacked along a new first dimension, Python ints become an int64
    Tensor, floats a float64 Tensor, bools a bool Tensor; strings stay a list; tuples/lists and
    dicts are collated field by field (a tuple's fields come back as a list, as in PyTorch).
    """
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray)):
        arrays = [e._data if isinstance(e, Tensor) else e for e in batch]
        if any(not isinstance(e, (Tensor, np.ndarray)) for e in batch):
            raise TypeError("default_collate: batch mixes tensors/arrays with other types")
        for i, a in enumerate(arrays):
            if a.shape != arrays[0].shape:
                raise RuntimeError(
                    f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} at entry 0 "
                    f"and {list(a.shape)} at entry {i}"
                )
        if arrays[0].dtype.kind not in "biuf":
            raise TypeError(f"default_collate: cannot make a tensor of dtype {arrays[0].dtype}")
        if any(isinstance(e, Tensor) and e.requires_grad for e in batch):
            from ..creation import stack  # samples in a graph: stacked in it, as PyTorch's collate does
            return stack(batch)
        return Tensor(np.stack(arrays))
    if isinstance(elem, (bool, np.bool_)):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, np.generic):
        return Tensor(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]  # a list for tuples too, as PyTorch's
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}"
    )
