"""Indexing: ``t[index]`` (a view for basic indices), gather/scatter, index_select, masked_fill/select, nonzero.

Index tensors are unwrapped to arrays here (``convert_index``); ``t[index] = v`` is an in-place op
(``_inplace.py``).
"""
import numbers
import re
import warnings

import numpy as np

from .. import _profiling, ops
from .._args import check_broadcast, check_index_range, normalize_dims
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..dtypes import _builtin_bool, bool, check_half_value, int64, torch_dtype_name
from ._base import TensorBase


_SCATTER_REDUCE_WARNED = False


class IndexingMixin:
    """Indexing methods; the gradients are in ``miniconv.ops.shape_index``."""

    def __getitem__(self, index):
        try:
            basic = _plain_basic_index(index)
            # fast path: ints, slices, None and Ellipsis when nothing is recorded (grad mode off, or a tensor that
            # needs no grad and no view regeneration) and no profiler times ops: what ``ops.Index.apply`` then
            # does (the same NumPy view, wrapped, made a view of self), without building a node
            if basic is not None and not _profiling.active and (not _grad_state.enabled or (
                    not self._requires_grad and (self._base is None or self._view_gen == self._base._history_gen))):
                arr = self._data[basic]  # (a non-empty NumPy view shares memory with its base)
                return self._make_view(self._wrap(arr), lambda a: a[basic], arr.size != 0)
            return self._getitem(index, basic)
        except IndexError as e:
            torch_error = _torch_index_error(str(e), index, self._data.ndim)
            if torch_error is None:
                raise
            raise torch_error from None

    def _getitem(self, index, basic=None):
        """``self[index]`` through ``ops.Index``; ``basic``: ``_plain_basic_index(index)`` if known not None."""
        original, index = index, (basic if basic is not None else convert_index(index))
        if basic is not None or is_basic_index(index):
            index = with_ellipsis(index)  # (basic has one already)
            out = self._make_view(ops.Index.apply(self, index), lambda a: a[index])
        else:
            out = ops.Index.apply(self, index)
        if out.grad_fn is not None:
            chain = index_node_chain(original, self.shape)
            out.grad_fn._torch_name = chain[-1]
            if len(chain) > 1:  # PyTorch's nodes before the last one, listed below it (autograd/node.py)
                below = (0,)
                for name in chain[:-1]:
                    below = ((name, below),)
                out.grad_fn._structure = below
        return out

    def _index_arg(self, index, name):
        """The index array (int64 or int32, as PyTorch takes both; returned as int64)."""
        if not isinstance(index, TensorBase):
            raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
        if index.dtype not in (int64, np.int32):
            raise RuntimeError({"gather": "gather(): Expected dtype int32/int64 for index",
                                "index_select": "index_select(): Expected dtype int32 or int64 for index"}.get(
                name, f"{name}(): Expected dtype int64 for index"))
        return index._data.astype(np.int64, copy=False)

    def gather(self, dim, index, sparse_grad=False):
        if self.ndim == 0:  # a 0-d tensor is one element along dim 0 / -1
            normalize_dims(dim, 0, "gather")
            return self.reshape(1).gather(0, index.reshape(1) if index.ndim == 0 else index).reshape(index.shape)
        if self.ndim == 1 and isinstance(index, TensorBase) and index.ndim == 0:  # a 0-d index counts as 1-d
            return self.gather(dim, index.reshape(1)).reshape(())
        idx = self._index_arg(index, "gather")
        d = normalize_dims(dim, self.ndim, "gather")[0]
        if idx.ndim != self.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        for i in range(self.ndim):
            if i != d and idx.shape[i] > self.shape[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be no "
                                   f"larger than self {list(self.shape)} apart from dimension {d}")
        check_index_range(idx, self.shape[d], d)
        src = ops.Index.apply(self, tuple(slice(None) if i == d else slice(0, idx.shape[i]) for i in range(self.ndim)))
        return ops.TakeAlong.apply(src, idx, d)

    def _scatter(self, dim, index, src, add, name):
        if self.ndim == 0 and isinstance(index, TensorBase) and index.ndim <= 1 and index.numel() <= 1:
            normalize_dims(dim, 0, name)  # a 0-d self counts as 1-d too
            src = src.reshape(1) if isinstance(src, TensorBase) and src.ndim == 0 else src
            return self.reshape(1)._scatter(0, index.reshape(1), src, add, name).reshape(())
        if self.ndim == 1 and isinstance(index, TensorBase) and index.ndim == 0:
            # PyTorch counts a 0-d index as 1-d (ensure_nonempty_dim): the transforms tutorial's one-hot
            # ``zeros(10).scatter_(0, torch.tensor(y), value=1)``
            index = index.reshape(1)
            if isinstance(src, TensorBase) and src.ndim == 0:
                src = src.reshape(1)
        idx = self._index_arg(index, name)
        d = normalize_dims(dim, self.ndim, name)[0]
        if idx.ndim != self.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
        check_index_range(idx, self.shape[d], d)
        if not isinstance(src, TensorBase):
            src = self._wrap(np.asarray(src, dtype=self.dtype))
        elif src.dtype != self.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        return ops.Scatter.apply(self, d, idx, src, add)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        if reduce is None:
            return self._scatter(dim, index, value if src is None else src, False, "scatter")
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        src = value if src is None else src
        global _SCATTER_REDUCE_WARNED
        if isinstance(src, TensorBase) and not _SCATTER_REDUCE_WARNED:   # once per process, as PyTorch's
            _SCATTER_REDUCE_WARNED = True
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in "
                          "a future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                          UserWarning, stacklevel=2)
        elif not isinstance(src, TensorBase):
            src = self._wrap(np.full(tuple(index.shape), src, dtype=self.dtype))
        # PyTorch has no derivative for this form: the result is computed without recording a graph, and
        # a backward through it raises, as PyTorch's "derivative for aten::scatter is not implemented"
        with no_grad():
            out = self.scatter_reduce(dim, index, src, "sum" if reduce == "add" else "prod", include_self=True)
        if self.requires_grad or src.requires_grad:
            out = ops.shape_index.NoDerivative.apply("scatter", out, self, src)
        return out

    def scatter_add(self, dim, index, src):
        return self._scatter(dim, index, src, True, "scatter_add")

    def index_select(self, dim, index):
        idx = self._index_arg(index, "index_select")
        if idx.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        d = normalize_dims(dim, max(self.ndim, 1), "index_select")[0]
        if self.ndim == 2 and d == 1 and idx.size and (idx.min() < 0 or idx.max() >= self.shape[1]):
            # PyTorch's CPU kernel for the last dim of a matrix reports it as a RuntimeError
            bad = idx.max() if idx.max() >= self.shape[1] else idx.min()
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={self.shape[1]}")
        check_index_range(idx, self.shape[d], d, select=True)
        return ops.IndexSelect.apply(self, d, idx.reshape(-1))

    def masked_fill(self, mask, value):
        if not isinstance(mask, TensorBase) or mask.dtype != bool:
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                               f"{torch_dtype_name(mask.dtype) if isinstance(mask, TensorBase) else type(mask).__name__}")
        check_broadcast(self.shape, mask.shape)
        if isinstance(value, TensorBase):
            if value.ndim != 0:
                raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value.ndim} dimension(s).")
            if is_grad_enabled() and self.dtype.kind == "f" and value.dtype.kind in "fiub":  # MaskedFillBackward1
                return ops.MaskedFillTensor.apply(self, mask._data, value)
            value = value.item()
        if self.dtype.kind in "iub" and isinstance(value, float) and not np.isfinite(value):
            raise RuntimeError(f"value cannot be converted to type {self.dtype.name}_t without overflow")
        check_half_value(value, self._data.dtype)
        return ops.MaskedFill.apply(self, mask._data, value)

    def masked_select(self, mask):
        """The elements where ``mask`` (bool) is True, as a 1-D tensor; input and mask broadcast together."""
        if not isinstance(mask, TensorBase) or mask.dtype != bool:
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        check_broadcast(self.shape, mask.shape)
        shape = np.broadcast_shapes(tuple(self.shape), tuple(mask.shape))
        x = self if self.shape == shape else self.expand(shape)
        return x[mask if mask.shape == shape else mask.expand(shape)]

    def nonzero(self, as_tuple=False):
        idx = np.nonzero(self._data) if self.ndim else np.nonzero(self._data.reshape(1))
        if as_tuple:
            return tuple(self._wrap(i.astype(np.int64)) for i in idx)
        return self._wrap(np.stack(idx, axis=1).astype(np.int64) if self.ndim else
                            np.zeros((int(_builtin_bool(self._data)), 0), np.int64))

    def argwhere(self):
        return self.nonzero()


def _is_int_index(i):
    if type(i) is int:
        return True
    if isinstance(i, TensorBase):
        return i.ndim == 0 and i.dtype.kind in "iu"
    return isinstance(i, (numbers.Integral, np.integer)) and not isinstance(i, (_builtin_bool, np.bool_))


def _dims_taken(i):
    if i is None or i is Ellipsis or isinstance(i, (_builtin_bool, np.bool_)):
        return 0
    if isinstance(i, (TensorBase, np.ndarray)) and i.dtype.kind == "b":
        return max(i.ndim, 1)
    return 1


def index_node_chain(index, shape):
    """The names of PyTorch's autograd nodes for ``t[index]`` (``t`` of ``shape``), in the order its Python
    indexing records them: a lone slice, int, None or Ellipsis is one Slice/Select/Unsqueeze/Alias node; a tuple
    applies its ints (Select), slices (Slice, skipped when one keeps its whole dim) and Nones (Unsqueeze) in
    order, then any tensor/list/bool index as one Index node; a tuple that changes nothing is one Alias."""
    if not isinstance(index, tuple):
        if index is None:
            return ["UnsqueezeBackward0"]
        if index is Ellipsis:
            return ["AliasBackward0"]
        if type(index) is slice:
            return ["SliceBackward0"]
        return ["SelectBackward0" if _is_int_index(index) else "IndexBackward0"]
    spans = [_dims_taken(i) for i in index]
    rest = max(len(shape) - sum(spans), 0)
    chain, advanced, dim = [], False, 0
    for i, span in zip(index, spans):
        if i is None:
            chain.append("UnsqueezeBackward0")
        elif i is Ellipsis:
            dim += rest
            rest = 0
        elif type(i) is slice:
            if dim < len(shape) and i.indices(shape[dim]) != (0, shape[dim], 1):
                chain.append("SliceBackward0")
            dim += 1
        elif _is_int_index(i):
            chain.append("SelectBackward0")
            dim += 1
        else:
            advanced = True
            dim += span
    if advanced:
        chain.append("IndexBackward0")
    return chain or ["AliasBackward0"]


def convert_index(index):
    def conv(i):
        if type(i) is slice and i.step is not None and i.step <= 0:
            # PyTorch has no negative strides: x[::-1] is an error there (flip() makes the copy)
            raise ValueError("slice step cannot be zero" if i.step == 0 else "step must be greater than zero")
        if isinstance(i, TensorBase):
            kind = i._data.dtype.kind
            if kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if kind == "u" and i._data.dtype == np.uint8:  # a uint8 (byte) index tensor is a mask, as in PyTorch
                return i._data.astype(np.bool_)
            return i._data
        return i

    if isinstance(index, tuple):
        return tuple(conv(i) for i in index)
    return conv(index)


def _plain_basic_index(key):
    """``key`` with an Ellipsis added (:func:`with_ellipsis`) when it is an int (not a bool), a slice whose step is
    None or a positive int, None, Ellipsis, or a tuple of these: an index that needs no conversion and gives a
    NumPy view; else None."""
    t = type(key)
    if t is int or key is None:
        return (key, Ellipsis)
    if t is slice:
        step = key.step
        return (key, Ellipsis) if step is None or (type(step) is int and step > 0) else None
    if key is Ellipsis:
        return (Ellipsis,)
    if t is not tuple:
        return None
    ellipsis = False
    for i in key:
        t = type(i)
        if t is int or i is None:
            continue
        if t is slice:
            step = i.step
            if step is None or (type(step) is int and step > 0):
                continue
            return None
        if i is Ellipsis:
            ellipsis = True
            continue
        return None
    return key if ellipsis else key + (Ellipsis,)


_OUT_OF_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")


def _torch_index_error(message, index, ndim):
    """PyTorch's IndexError for NumPy's message ``message`` about ``t[index]`` (``t`` of ``ndim`` dimensions), or
    None where NumPy's is kept. PyTorch names the position in the index of an int out of range, the count of the
    tensor (or mask) indices before a tensor index out of range, and refuses any index of a 0-d tensor."""
    items = index if type(index) is tuple else (index,)
    if message.startswith("too many indices"):
        if ndim == 0 and len(items) == 1 and _is_int_index(items[0]):
            return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                              "in C++ to convert a 0-dim tensor to a number")
        if ndim == 0 and len(items) == 1 and type(items[0]) is slice:
            return IndexError("slice() cannot be applied to a 0-dim tensor.")
        return IndexError(f"too many indices for tensor of dimension {ndim}")
    if message.startswith("only integers, slices"):
        bad = next((i for i in items if not (i is None or i is Ellipsis or type(i) is slice or isinstance(
            i, (numbers.Integral, np.integer, np.bool_, TensorBase, np.ndarray, list)))), None)
        if bad is None:
            return None
        return IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                          f"indices (got {type(bad).__name__})")
    match = _OUT_OF_BOUNDS.fullmatch(message)
    if match is None:
        return None
    value, axis, size = match.groups()
    spans = [_dims_taken(i) if not _is_int_index(i) else 1 for i in items]
    rest = ndim - sum(spans)  # the dims an Ellipsis stands for
    dim = advanced = 0
    for position, (i, span) in enumerate(zip(items, spans)):
        if i is Ellipsis:
            dim += rest
            continue
        if _is_int_index(i):
            if dim == int(axis):
                return IndexError(f"index {value} is out of bounds for dimension {position} with size {size}")
        elif i is not None and type(i) is not slice and not isinstance(i, (_builtin_bool, np.bool_)):
            if dim <= int(axis) < dim + span:
                return IndexError(f"index {value} is out of bounds for dimension {advanced} with size {size}")
            advanced += span
        dim += span
    return None


def is_basic_index(index):
    """True if NumPy returns a view for ``index``: ints, slices, None and Ellipsis only."""
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        if i is None or i is Ellipsis or type(i) is slice:
            continue
        if isinstance(i, (_builtin_bool, np.bool_)) or not isinstance(i, (numbers.Integral, np.integer)):
            return False
    return True


def with_ellipsis(index):
    """A basic index with an Ellipsis in it: NumPy then returns a (0-d) view even when every index
    is an int, instead of a scalar copy."""
    index = index if isinstance(index, tuple) else (index,)
    return index if any(i is Ellipsis for i in index) else index + (Ellipsis,)
