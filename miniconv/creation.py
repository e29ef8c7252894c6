"""Creation functions: ``tensor``, ``zeros``, ``ones``, ``randn``, ``arange``, ``linspace``, ``cat``, ...

Signatures are PyTorch's: sizes as varargs (``zeros(2, 3)``), one tuple/list/Size (``zeros((2, 3))``)
or the ``size=`` keyword (``rand(size=(1, 28, 28))``); keyword-only ``out=``, ``dtype=``,
``device=`` (``None``/``'cpu'``; other devices raise, see _device.py), ``requires_grad=`` and, for
random functions, ``generator=``. ``layout``, ``pin_memory`` and ``memory_format`` are accepted and
must keep their CPU/strided meaning.

dtype inference is PyTorch's: Python floats give the default dtype (``get_default_dtype()``,
float32 unless ``set_default_dtype`` changed it), Python ints int64, bools bool; NumPy arrays and
NumPy scalars keep their dtype (``tensor(np.float64(1.5))`` is float64).
"""
import functools
import numbers

import numpy as np

from . import _random, ops
from ._device import _check_device
from ._spacing import arange_values, linspace_values
from ._random import Generator, default_generator
from .dtypes import (  # noqa: A004
    _builtin_bool, _builtin_float, _check_dtype, bool, check_half_value, get_default_dtype, int64, promote_types,
    torch_dtype_name,
)
from ._args import array_from_data, check_broadcast, check_numpy_strides, normalize_dims, warn_list_of_ndarrays
from ._args import size_arg as _size
from .tensor import Size, Tensor


# -- shared argument handling ------------------------------------------------------------
def _dtype(dtype, default, name):
    return _check_dtype(default if dtype is None else dtype, name)


_KERNEL = {"rand": "check_uniform_bounds", "randn": "normal_kernel_cpu", "normal": "normal_kernel_cpu"}


def _float_dtype(dtype, name, shape=None):
    dt = _dtype(dtype, get_default_dtype(), name)
    if dt.kind != "f":
        _check_random_dtype(dt, name, shape)
    return dt


def _check_random_dtype(dt, name, shape):
    """PyTorch's exception class and exact wording for a random fill of a non-float dtype. Its normal
    kernel checks the dtype only when there is an element to fill (``randn(0, dtype=int64)`` is an empty
    int64 tensor); its uniform kernel checks its bounds first, so ``rand`` refuses even an empty shape."""
    kernel = _KERNEL.get(name, name)
    if kernel == "normal_kernel_cpu" and shape is not None and 0 in tuple(shape):
        return
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_dtype_name(dt)}'")


def _gen(generator):
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a miniconv.Generator, got {type(generator).__name__}")
    return generator


def _check_common(device, layout=None, pin_memory=False, memory_format=None):
    _check_device(device)
    if layout is not None and str(layout) not in ("strided", "torch.strided", "miniconv.strided"):
        raise RuntimeError(f"miniconv supports only strided (dense) tensors, got layout={layout}")


def _finish(arr, requires_grad, out, name):
    """Wrap ``arr``; with ``out=`` write into that tensor instead (resized if its shape differs)."""
    if out is not None:
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        if requires_grad:
            raise RuntimeError(f"{name}(): out= cannot be combined with requires_grad=True")
        if out.shape == arr.shape and out.dtype == arr.dtype:
            out._data[...] = arr
        else:
            if out.dtype != arr.dtype:
                raise RuntimeError(f"Expected out tensor to have dtype {arr.dtype.name}, but got {out.dtype.name} instead")
            out._data = np.ascontiguousarray(arr)  # resize, as PyTorch does for out= of another shape
        out._bump_version()
        return out
    return Tensor(arr, requires_grad=requires_grad)


# -- from data -------------------------------------------------------------------------
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new Tensor copying ``data`` (a number, nested list, NumPy array or Tensor). An array's copy keeps the
    order of its dims in memory, as PyTorch's (a Fortran-ordered array gives a Fortran-ordered copy)."""
    _check_device(device)
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, np.ndarray):
        check_numpy_strides(data)
    elif isinstance(data, (list, tuple)):
        warn_list_of_ndarrays(data)
        if any(isinstance(d, Tensor) for d in data):
            data = [d._data if isinstance(d, Tensor) else d for d in data]
    return Tensor(array_from_data(data, dtype), requires_grad=requires_grad)


def from_numpy(array):
    """A Tensor sharing memory with ``array``, with its strides (a Fortran-ordered array gives a tensor that is
    not contiguous, as in PyTorch; a negative stride or a non-native byte order is PyTorch's ValueError)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(array).__name__})")
    check_numpy_strides(array)
    _check_dtype(array.dtype, "from_numpy")
    return Tensor(array)


def as_tensor(data, dtype=None, device=None):
    """``data`` without a copy when it already is a Tensor/array of the dtype, else a new Tensor."""
    _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


asarray = as_tensor


# -- filled ------------------------------------------------------------------------------
def _filled(fill, size_args, size, out, dtype, layout, device, requires_grad, pin_memory, memory_format, name):
    _check_common(device, layout)
    shape = _size(size_args, size, name)
    dt = _dtype(dtype, get_default_dtype() if out is None else out.dtype, name)
    return _finish(fill(shape, dt), requires_grad, out, name)


def zeros(*size_args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros(size=(2, 3), dtype=float64)``."""
    return _filled(np.zeros, size_args, size, out, dtype, layout, device, requires_grad, pin_memory, memory_format,
                   "zeros")


def ones(*size_args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, memory_format=None):
    return _filled(np.ones, size_args, size, out, dtype, layout, device, requires_grad, pin_memory, memory_format,
                   "ones")


def empty(*size_args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """Uninitialised memory (miniconv fills it with zeros, so results never depend on garbage)."""
    return _filled(np.zeros, size_args, size, out, dtype, layout, device, requires_grad, pin_memory, memory_format,
                   "empty")


def _fill_dtype(fill_value):
    if isinstance(fill_value, (_builtin_bool, np.bool_)):
        return bool
    if isinstance(fill_value, np.generic):
        return fill_value.dtype
    if isinstance(fill_value, numbers.Integral):
        return int64
    if isinstance(fill_value, numbers.Real):
        return get_default_dtype()
    raise TypeError(f"full(): argument 'fill_value' must be a Number, not {type(fill_value).__name__}")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it as PyTorch does)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    _check_common(device, layout)
    shape = _size((size,), None, "full")
    dt = _dtype(dtype, _fill_dtype(fill_value), "full")
    check_half_value(fill_value, dt)
    return _finish(np.full(shape, fill_value, dtype=dt), requires_grad, out, "full")


def _like(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):  # noqa: A002
    return zeros(_like(input, "zeros_like").shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):  # noqa: A002
    return ones(_like(input, "ones_like").shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):  # noqa: A002
    return empty(_like(input, "empty_like").shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
              memory_format=None):
    return full(tuple(_like(input, "full_like").shape), fill_value, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


# -- random ------------------------------------------------------------------------------
def randn(*size_args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples from ``generator`` (default: the global one seeded by ``manual_seed``)."""
    _check_common(device, layout)
    shape = _size(size_args, size, "randn")
    dt = _float_dtype(dtype if out is None or dtype is not None else out.dtype, "randn", shape)
    return _finish(_random.randn(_gen(generator), shape, dt), requires_grad, out, "randn")


def rand(*size_args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples in [0, 1)."""
    _check_common(device, layout)
    shape = _size(size_args, size, "rand")
    dt = _float_dtype(dtype if out is None or dtype is not None else out.dtype, "rand")
    return _finish(_random.rand(_gen(generator), shape, dt), requires_grad, out, "rand")


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    """Integers uniform in [low, high): ``randint(10, (3,))`` or ``randint(0, 10, size=(3,))``."""
    return _randint(low, high, size, generator, out, dtype, layout, device, requires_grad)


def _randint(low, high, size, generator, out, dtype, layout, device, requires_grad, _like_input=None,
             _memory_format=None):
    """``randint``; with ``_like_input`` (``randint_like``) the draws walk that tensor's memory order."""
    if high is not None and size is None and isinstance(high, (tuple, list, Size)):
        low, high, size = 0, low, high  # randint(high, size)
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    _check_common(device, layout)
    shape = _size((size,), None, "randint")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = _dtype(dtype, int64, "randint")
    if dt.kind in "biu":  # bounds the dtype cannot hold are refused (NumPy's cast would wrap them)
        lo_ok, hi_ok = (0, 1) if dt.kind == "b" else (np.iinfo(dt).min, np.iinfo(dt).max)
        names = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
                 "int32": "int", "int64": "long"}
        if high - 1 > hi_ok:
            raise RuntimeError(f"to - 1 is out of bounds for {names.get(dt.name, dt.name)}")
        if low < lo_ok:
            raise RuntimeError(f"from is out of bounds for {names.get(dt.name, dt.name)}")
    like = np.empty(shape, dt) if _like_input is None else _like_layout(_like_input, dt, _memory_format)
    arr = _random.random_from_to_(_gen(generator), like, int(high) - int(low), int(low))
    return _finish(arr, requires_grad, out, "randint")


# the largest n randperm takes for a float dtype (every integer below it exact), PyTorch's words for it
_RANDPERM_FLOAT_MAX = {np.dtype(np.float16): (2049, "2049", "Half"),
                       np.dtype(np.float32): (2 ** 24 + 1, "2^24+1", "Float"),
                       np.dtype(np.float64): (2 ** 53 + 1, "2^53+1", "Double")}


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1 (int64 unless ``dtype`` or ``out`` says otherwise), PyTorch's checks."""
    _check_common(device, layout)
    if isinstance(n, _builtin_bool) or not hasattr(n, "__index__"):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    n = n.__index__()
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = _dtype(dtype if dtype is not None or out is None else out.dtype, int64, "randperm")
    if dt.kind in "bc":
        raise NotImplementedError(f"\"randperm\" not implemented for '{torch_dtype_name(dt)}'")
    if dt in _RANDPERM_FLOAT_MAX and n > _RANDPERM_FLOAT_MAX[dt][0]:
        raise RuntimeError(f"n cannot be greater than {_RANDPERM_FLOAT_MAX[dt][1]} for {_RANDPERM_FLOAT_MAX[dt][2]} "
                           "type.")
    if dt.kind in "iu" and n - 1 > np.iinfo(dt).max:
        raise RuntimeError(f"value cannot be converted to type {'' if dt.kind == 'i' else 'u'}int{dt.itemsize * 8}_t "
                           "without overflow" if dt.itemsize < 4 else
                           f"value cannot be converted to type {'int' if dt.kind == 'i' else 'unsigned int'} without "
                           "overflow")
    if requires_grad and dt.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return _finish(_random.randperm(_gen(generator), n).astype(dt), requires_grad, out, "randperm")


def _like_layout(input, dt, memory_format):
    """The array PyTorch's ``empty_like(input)`` would fill: ``input``'s memory order kept (dense), unless
    ``memory_format`` asks for a contiguous one. The draws walk it in memory order."""
    if memory_format is not None and str(memory_format).rpartition(".")[2] == "contiguous_format":
        return np.empty(input.shape, dt)
    return np.empty_like(input._data, dtype=dt)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
              memory_format=None):
    _like(input, "rand_like")
    _check_common(device, layout)
    dt = _float_dtype(dtype or input.dtype, "rand")
    arr = _random.uniform_(_gen(generator), _like_layout(input, dt, memory_format), 0.0, 1.0)
    return _finish(arr, requires_grad, None, "rand_like")


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None):
    _like(input, "randn_like")
    _check_common(device, layout)
    dt = _float_dtype(dtype or input.dtype, "randn", input.shape)
    arr = _random.normal_(_gen(generator), _like_layout(input, dt, memory_format), 0.0, 1.0)
    return _finish(arr, requires_grad, None, "randn_like")


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,  # noqa: A002
                 requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    return _randint(low, high, tuple(_like(input, "randint_like").shape), generator, None, dtype or input.dtype,
                    layout, device, requires_grad, input, memory_format)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Normal samples: ``normal(mean, std, size)`` with numbers, or element-wise Tensor ``mean``/``std``."""
    _check_common(device, layout)
    g = _gen(generator)
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if tm or ts:
        if size is not None:
            raise RuntimeError("normal(): size= is only accepted when mean and std are both numbers")
        m = mean._data if tm else mean
        s = std._data if ts else std
        dt = (mean if tm else std).dtype
        check_broadcast(np.shape(m), np.shape(s))
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        if dt.kind != "f":
            _check_random_dtype(dt, "normal", shape)
        if not ts and not s >= 0.0:  # a number std: PyTorch's scalar message (NaN fails too)
            raise RuntimeError(f"normal expects std >= 0.0, but found std {s:g}")
        if not np.all(np.asarray(s) >= 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        # PyTorch: normal_(0, std) (a number std) or normal_(0, 1) then mul_(std), then add_(mean), in dt
        arr = _random.normal_(g, np.empty(shape, dt), 0.0, 1.0 if ts else float(s))
        if ts:
            arr = np.multiply(arr, np.asarray(s).astype(dt, copy=False), dtype=dt)
        arr = np.add(arr, np.asarray(m).astype(dt, copy=False), dtype=dt)
        return _finish(arr, requires_grad, out, "normal")
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments - with numbers for mean and std, "
                        "size is required")
    if not std >= 0.0:  # NaN fails too
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    shape = _size((size,), None, "normal")
    dt = _float_dtype(dtype, "normal", shape)
    return _finish(_random.normal_(g, np.empty(shape, dt), mean, std), requires_grad, out, "normal")


# -- ranges ------------------------------------------------------------------------------
def _number(v, name, fn):
    if isinstance(v, Tensor):
        v = v.item()
    if not isinstance(v, numbers.Number) or isinstance(v, complex):
        raise TypeError(f"{fn}(): argument '{name}' must be Number, not {type(v).__name__}")
    return v


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``arange(5)``, ``arange(1, 4)``, ``arange(0, 1, 0.25)``: int64 for ints, the default dtype for floats."""
    _check_common(device, layout)
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, n, "arange") for v, n in ((start, "start"), (end, "end"), (step, "step")))
    if dtype is not None and _check_dtype(dtype, "arange") == np.bool_:
        raise NotImplementedError('"arange_cpu" not implemented for \'Bool\'')
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, (_builtin_float, np.floating)) for v in (start, end, step))
        dtype = get_default_dtype() if is_float else int64
    dt = _check_dtype(dtype, "arange")
    # the length in double precision, as PyTorch computes it (NumPy float32 bounds/step would round first)
    n = max(int(np.ceil((float(end) - float(start)) / float(step))), 0)
    if dt in (np.float32, np.float64):
        arr = arange_values(float(start), float(step), n, dt)
    else:
        arr = (start + step * np.arange(n, dtype=np.float64)) if dt.kind == "f" else np.arange(start, end, step)
    return _finish(arr.astype(dt), requires_grad, out, "arange")


def _space_args(name, start, end, steps, dtype, device, layout, negative_steps_message):
    """The checked ``(start, end, steps, dtype)`` of linspace/logspace, with PyTorch's errors."""
    _check_common(device, layout)
    start, end = _number(start, "start", name), _number(end, "end", name)
    if isinstance(steps, _builtin_bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"{name}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(negative_steps_message)
    dt = _dtype(dtype, get_default_dtype(), name)
    if dt.kind == "b":
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')
    return start, end, int(steps), dt


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    start, end, steps, dt = _space_args("linspace", start, end, steps, dtype, device, layout,
                                        "number of steps must be non-negative")
    if dt in (np.float32, np.float64) or (dt.kind in "iu" and steps > 0):
        arr = linspace_values(start, end, steps, dt)
    else:
        arr = np.linspace(start, end, steps, dtype=np.float64)
    if dt.kind in "iu":
        arr = np.trunc(arr)
    return _finish(arr.astype(dt), requires_grad, out, "linspace")


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    start, end, steps, dt = _space_args("logspace", start, end, steps, dtype, device, layout,
                                        "number of steps must be non-negative")
    arr = np.power(float(base), np.linspace(start, end, steps, dtype=np.float64))
    return _finish(arr.astype(dt), requires_grad, out, "logspace")


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_common(device, layout)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    dt = _dtype(dtype, get_default_dtype(), "eye")
    return _finish(np.eye(n, m, dtype=dt), requires_grad, out, "eye")


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors (``indexing='ij'`` default, or ``'xy'``); differentiable."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid(): expected Tensor arguments, got {type(t).__name__}")
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.shape[0] for t in ts)
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = shape[i]
        out.append(t.reshape(view).expand(shape))
    if swap:  # 'xy': the first two inputs trade places, so their grids are swapped back
        out[0], out[1] = out[1], out[0]
    return tuple(out)


# -- joining -----------------------------------------------------------------------------
def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    return [t if isinstance(t, Tensor) else tensor(t) for t in tensors]


def _promote(tensors):
    dt = functools.reduce(promote_types, [t.dtype for t in tensors])  # PyTorch's: int64 with float32 is float32
    return [t if t.dtype == dt else t.type(dt) for t in tensors]


def cat(tensors, dim=0, *, axis=None, out=None):
    """Join tensors along an existing dimension (``axis=`` is accepted as in PyTorch)."""
    if axis is not None:
        dim = axis
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch's legacy rule: 1-D tensors of shape (0,) are skipped, whatever dim and the other shapes are
    kept = [(i, t) for i, t in enumerate(tensors) if not (t.ndim == 1 and t.shape[0] == 0)]
    (d,) = normalize_dims(dim, kept[0][1].ndim, "cat") if kept else (0,)
    ref = kept[0][1].shape if kept else ()
    for i, t in kept:
        if t.ndim != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {t.ndim}")
        bad = [j for j in range(len(ref)) if j != d and ref[j] != t.shape[j]]
        if bad:
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}. Expected size {ref[bad[0]]} but got size "
                f"{t.shape[bad[0]]} for tensor number {i} in the list."
            )
    result = ops.Cat.apply(d, *_promote(tensors))
    if out is not None:
        return _finish(result._data, False, out, "cat")
    return result


concat = cat
concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Join equal-shaped tensors along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    n = tensors[0].ndim + 1
    if not -n <= dim < n:  # checked before the shapes, as PyTorch
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    n = tensors[0].ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    result = ops.Stack.apply(dim % n, *_promote(tensors))
    if out is not None:
        return _finish(result._data, False, out, "stack")
    return result


def hstack(tensors, *, out=None):
    tensors = _tensor_list(tensors, "hstack")
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    tensors = [t.reshape(1, -1) if t.ndim < 2 else t for t in _tensor_list(tensors, "vstack")]
    return cat(tensors, 0, out=out)


# -- sampling from tensors of parameters -------------------------------------------------------------
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):  # noqa: A002
    """Indices sampled from the rows of ``input`` (weights, not necessarily normalized)."""
    return _finish(input.multinomial(num_samples, replacement, generator=generator)._data, False, out, "multinomial")


def bernoulli(input, p=None, *, generator=None, out=None):  # noqa: A002
    """0/1 samples with probabilities ``input`` (or the number ``p``), in ``input``'s dtype."""
    return _finish(input.bernoulli(p, generator=generator)._data, False, out, "bernoulli")


def poisson(input, generator=None):  # noqa: A002
    """Poisson samples with rates ``input`` (non-negative), in ``input``'s dtype."""
    rates = input._data
    if rates.size and not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return Tensor(_random.poisson(_gen(generator), rates).astype(input.dtype))
