"""Creation functions: ``tensor``, ``zeros``, ``ones``, ``randn``, ``arange``, ``cat``, ``stack``, ...

Python floats give the default float dtype (float32) and Python ints int64, as in PyTorch; NumPy
arrays keep their dtype.
"""
import numpy as np

from . import ops
from ._random import default_generator
from .dtypes import _builtin_bool, _builtin_float, _check_dtype, _infer_dtype, bool, float32, int64  # noqa: A004
from .tensor import Size, Tensor, _check_device, _normalize_dims, _shape_arg  # noqa: F401


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new Tensor copying ``data`` (a number, nested list, NumPy array or Tensor).

    Python floats give float32 and Python ints int64, as in PyTorch; a NumPy array keeps its dtype.
    """
    if device is not None:
        _check_device(device)
    if isinstance(data, Tensor):
        data = data._data
    if dtype is None:
        try:
            dtype = _infer_dtype(data)
        except ValueError as e:
            raise ValueError(f"tensor(): could not make a tensor from ragged nested sequences ({e})") from None
    dtype = _check_dtype(dtype)
    try:
        arr = np.array(data, dtype=dtype, copy=True)
    except (ValueError, TypeError) as e:
        raise TypeError(f"tensor(): could not convert data to {dtype}: {e}") from None
    return Tensor(arr, requires_grad=requires_grad)


def from_numpy(array):
    """A Tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(array).__name__})")
    _check_dtype(array.dtype, "from_numpy")
    return Tensor(array)


def as_tensor(data, dtype=None):
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def _make(fill, size, dtype, requires_grad, name):
    shape = _shape_arg(size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"{name}(): Trying to create tensor with negative dimension {s}: {list(shape)}")
    dtype = _check_dtype(float32 if dtype is None else dtype, name)
    return Tensor(fill(shape, dtype), requires_grad=requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    device and _check_device(device)
    return _make(np.zeros, size, dtype, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    device and _check_device(device)
    return _make(np.ones, size, dtype, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False):
    device and _check_device(device)
    return _make(np.empty, size, dtype, requires_grad, "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    device and _check_device(device)
    if dtype is None:
        dtype = float32 if isinstance(fill_value, _builtin_float) else (bool if isinstance(fill_value, _builtin_bool) else int64)
    return _make(lambda s, d: np.full(s, fill_value, dtype=d), (size,) if isinstance(size, int) else tuple(size), dtype, requires_grad, "full")


def zeros_like(t, dtype=None, requires_grad=False):
    return zeros(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return ones(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return full(tuple(t.shape), fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return empty(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from ``generator`` (default: the global one seeded by ``manual_seed``)."""
    device and _check_device(device)
    g = (generator or default_generator).numpy_generator
    dt = _check_dtype(float32 if dtype is None else dtype, "randn")
    if dt.kind != "f":
        raise TypeError(f"randn(): expected a floating point dtype, got {dt}")
    return _make(lambda s, d: g.standard_normal(s, dtype=np.float64).astype(d), size, dt, requires_grad, "randn")


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    device and _check_device(device)
    g = (generator or default_generator).numpy_generator
    dt = _check_dtype(float32 if dtype is None else dtype, "rand")
    if dt.kind != "f":
        raise TypeError(f"rand(): expected a floating point dtype, got {dt}")
    return _make(lambda s, d: g.random(s, dtype=np.float64).astype(d), size, dt, requires_grad, "rand")


def randint(low, high=None, size=None, generator=None, dtype=None):
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint(): argument 'size' is required")
    g = (generator or default_generator).numpy_generator
    return Tensor(g.integers(low, high, size=tuple(size)).astype(dtype or int64))


def randperm(n, generator=None, dtype=None):
    g = (generator or default_generator).numpy_generator
    return Tensor(g.permutation(n).astype(dtype or int64))


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if dtype is None:
        is_float = any(isinstance(v, _builtin_float) for v in (start, end, step))
        dtype = float32 if is_float else int64
    return Tensor(np.arange(start, end, step).astype(_check_dtype(dtype, "arange")), requires_grad=requires_grad)


def linspace(start, end, steps, dtype=None):
    return Tensor(np.linspace(start, end, steps).astype(dtype or float32))


def eye(n, m=None, dtype=None):
    return Tensor(np.eye(n, m, dtype=dtype or float32))


def cat(tensors, dim=0):
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    (d,) = _normalize_dims(dim, tensors[0].ndim, "cat")
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != len(ref) or any(a != b for j, (a, b) in enumerate(zip(t.shape, ref)) if j != d):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}. Expected {list(ref)} but got "
                f"{list(t.shape)} for tensor number {i} in the list."
            )
    return ops.Cat.apply(d, *tensors)


def stack(tensors, dim=0):
    tensors = [t if isinstance(t, Tensor) else tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    d = dim % (tensors[0].ndim + 1)
    return ops.Stack.apply(d, *tensors)
