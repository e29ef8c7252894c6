"""Argument handling shared by the Tensor methods, the creation functions and ``nn.functional``:
dims, shapes and broadcasting, index ranges, numbers as arrays, sizes, data -> array.

Plain functions on NumPy arrays, shapes and Python values; each raises PyTorch's exception class and
wording for the mistake it catches. Imports only NumPy and ``dtypes``.
"""
import functools
import numbers
import warnings

import numpy as np

from .dtypes import _builtin_bool, _check_dtype, _infer_dtype, torch_dtype_name


def numpy_aliases(method):
    """Accept NumPy's ``axis=`` / ``keepdims=`` for ``dim=`` / ``keepdim=``, as PyTorch does."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{method.__name__}() got both 'dim' and its alias 'axis'")
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return method(self, *args, **kwargs)

    wrapper._numpy_aliases = True
    return wrapper


def normalize_dims(dim, ndim, where):
    """``dim`` (int, tuple or None) -> a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out = []
    for d in dims:
        if not isinstance(d, numbers.Integral):
            raise TypeError(f"{where}(): argument 'dim' must be int or tuple of ints, got {type(d).__name__}")
        lo, hi = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
        if not lo <= d <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        if int(d) % max(ndim, 1) in out:  # checked dim by dim, as PyTorch (a repeat before an out-of-range dim)
            raise RuntimeError(f"dim {int(d) % max(ndim, 1)} appears multiple times in the list of dims")
        out.append(int(d) % max(ndim, 1))
    return tuple(sorted(out))


def reduce_dims(dim, ndim, where):
    """:func:`normalize_dims` for reductions: an empty ``dim`` (``()`` or ``[]``) reduces every dimension, as
    ``None`` does (PyTorch's rule for sum, mean, amax, var, norm, ...); dim 0 / -1 of a 0-d tensor is
    checked, then reduces nothing (PyTorch treats a 0-d tensor as one element along one dim; NumPy has no
    axis 0 there)."""
    if dim is not None and not isinstance(dim, numbers.Integral) and len(dim) == 0:
        return None
    dims = normalize_dims(dim, ndim, where)
    return () if ndim == 0 and dims else dims


def shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, _builtin_bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"shape must be a sequence of ints, got an element of type {type(s).__name__}")
    return tuple(int(s) for s in shape)


def check_broadcast(a, b):
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in reversed(range(n)):  # PyTorch's infer_size reports the last mismatching dimension
        x, y = pa[i], pb[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )


def check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}")
    k1 = a.shape[-1]
    k2 = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k1 != k2:
        sa = "x".join(map(str, a.shape))
        sb = "x".join(map(str, b.shape))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    if a.ndim > 2 and b.ndim > 2:
        check_broadcast(a.shape[:-2], b.shape[:-2])


def check_setitem_shape(arr, index, value):
    """``t[index] = value``: a value that does not broadcast to the region raises PyTorch's RuntimeError (NumPy's would be a ValueError).
    An index holding a tensor, a bool mask or a list takes PyTorch's index_put_ wording."""
    if value.ndim == 0:
        return
    target = arr[index].shape
    vs = value.shape
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (np.ndarray, list, _builtin_bool, np.bool_)) for i in items):  # advanced: index_put_'s wording
        while vs and vs[0] == 1:  # PyTorch's index_put_ drops the value's leading 1-dims first
            vs = vs[1:]
        try:
            ok = np.broadcast_shapes(tuple(vs), tuple(target)) == tuple(target)
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(vs)} cannot be broadcast to indexing "
                               f"result of shape {list(target)}")
        return
    if len(vs) > len(target) and any(v != 1 for v in vs[:len(vs) - len(target)]):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(vs)}}}, size={list(target)}): the number of sizes "
                           f"provided ({len(target)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(vs)})")
    for i, (v, t) in enumerate(zip(vs[::-1], target[::-1])):
        if v != 1 and v != t:
            d = len(target) - 1 - i
            raise RuntimeError(f"The expanded size of the tensor ({t}) must match the existing size ({v}) at "
                               f"non-singleton dimension {d}.  Target sizes: {list(target)}.  Tensor sizes: {list(vs)}")


def check_inplace_shape(src, dst):
    """An in-place result must broadcast to the written tensor's shape without changing it."""
    src, dst = tuple(src), tuple(dst)
    try:
        shape = np.broadcast_shapes(src, dst)
    except ValueError:
        check_broadcast(dst, src)  # PyTorch's "size of tensor a ... must match" error, the written tensor as a
        raise
    if shape != dst:
        raise RuntimeError(f"output with shape {list(dst)} doesn't match the broadcast shape {list(shape)}")


def check_index_range(idx, size, dim, select=False):
    """Indices of gather/scatter/index_select lie in [0, size): unlike ``t[i]``, these ops take no negative
    index (PyTorch's rule)."""
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        if select:
            raise IndexError(f"index out of range in self (index {bad}, dimension {dim} of size {size})")
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def number_array(x, dt):
    """A Python number as a 0-d array of dtype ``dt``; integers wrap around into a narrower integer dtype
    as PyTorch's casts do (``uint8_tensor > -1`` compares with 255; NumPy 2 would raise OverflowError)."""
    is_int = isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (_builtin_bool, np.bool_))
    if dt.kind in "iu" and is_int:
        if not np.can_cast(np.min_scalar_type(x), dt) and -2**63 <= x < 2**64:
            return np.array(int(x) % 2**64, dtype=np.uint64).astype(dt)
    if dt.itemsize <= 4 and dt.kind == "f":  # float16/float32: beyond its range inf, silently as PyTorch
        with np.errstate(over="ignore"):
            return np.asarray(x, dtype=dt)
    return np.asarray(x, dtype=dt)


def check_uniform_args(t, a, b):
    """PyTorch's checks for ``uniform_`` (Tensor method and ``nn.init``), in its order: the dtype (even
    when empty), then the range."""
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{torch_dtype_name(t.dtype)}'")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")


def check_normal_args(t, std):
    """PyTorch's checks for ``normal_`` (Tensor method and ``nn.init``), in its order: ``std`` (NaN
    fails too, even when empty or integer), then the dtype (no check when there is nothing to fill)."""
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if t._data.dtype.kind != "f" and t._data.size:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{torch_dtype_name(t.dtype)}'")


def softmax_dim(name, dim, ndim):
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. "
            "Change the call to include dim=X as an argument.",
            stacklevel=3,
        )
        return 0 if ndim in (0, 1, 3) else 1
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % max(ndim, 1)


def size_arg(size_args, size_kw, name, new=False):
    """Varargs sizes or the ``size=`` keyword -> a tuple of ints (checked); ``new``: for ``Tensor.new_<name>``."""
    if size_kw is not None:
        if size_args:
            raise TypeError(f"{name}() received an invalid combination of arguments - got both positional sizes "
                            f"and size=")
        size_args = (size_kw,)
    if not size_args:  # zeros() with no size at all is PyTorch's TypeError
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    if len(size_args) > 1 and isinstance(size_args[0], (tuple, list)) and name not in ("rand", "randn"):
        # ones((2,), (3,)): a sequence then more positionals (rand/randn word it as an overload mismatch)
        raise TypeError(f"{'new_' if new else ''}{name}() takes 1 positional argument but {len(size_args)} were given")
    if len(size_args) == 1 and isinstance(size_args[0], numbers.Integral) and not isinstance(size_args[0], _builtin_bool):
        shape = (int(size_args[0]),)
    else:
        try:
            shape = shape_arg(tuple(size_args))
        except TypeError:
            flat = tuple(size_args[0]) if len(size_args) == 1 and isinstance(size_args[0], (tuple, list)) else size_args
            pos, bad = next((i, v) for i, v in enumerate(flat)
                            if isinstance(v, _builtin_bool) or not isinstance(v, numbers.Integral))
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, but found element of "
                            f"type {type(bad).__name__} at pos {pos}") from None
    for s in shape:
        if s < 0:
            if name == "zeros" and not new:
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


_warned_list_of_ndarrays = [False]


def _has_ndarray_element(seq):
    kinds = set(map(type, seq))
    if any(issubclass(k, np.ndarray) for k in kinds):
        return True
    return (list in kinds or tuple in kinds) and any(
        _has_ndarray_element(x) for x in seq if isinstance(x, (list, tuple)))


def _user_stacklevel():
    """The ``stacklevel`` of the first caller outside miniconv (for a warning raised from inside it)."""
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(2), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame, level = frame.f_back, level + 1
    return level


def warn_list_of_ndarrays(data):
    """PyTorch's one-time UserWarning when a tensor is built from a (nested) list holding NumPy arrays."""
    if not _warned_list_of_ndarrays[0] and isinstance(data, (list, tuple)) and _has_ndarray_element(data):
        _warned_list_of_ndarrays[0] = True
        warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider converting "
                      "the list to a single numpy.ndarray with numpy.array() before converting to a tensor.",
                      UserWarning, stacklevel=_user_stacklevel())


def array_from_data(data, dtype):
    """``data`` (a number, nested list, NumPy array; Tensors already unwrapped) as a new array of ``dtype``
    (inferred as PyTorch does when None): the data part of ``tensor()`` and ``Tensor.new_tensor()``."""
    if dtype is None:
        try:
            dtype = _infer_dtype(data)
        except ValueError as e:
            raise ValueError(f"tensor(): could not make a tensor from ragged nested sequences ({e})") from None
    dtype = _check_dtype(dtype)
    if dtype == np.float16:  # beyond +-65504 the values become inf, silently as in PyTorch
        with np.errstate(over="ignore"):
            return _array_of(data, dtype)
    return _array_of(data, dtype)


def _array_of(data, dtype):
    if isinstance(data, np.ndarray):
        return _copy_like_torch(data, dtype)
    try:
        return np.array(data, dtype=dtype, copy=True)
    except OverflowError:
        return _wrap_ints(data, dtype)
    except (ValueError, TypeError) as e:
        if "inhomogeneous" in str(e):  # ragged nested lists: PyTorch's ValueError, as without a dtype
            raise ValueError(f"tensor(): could not make a tensor from ragged nested sequences ({e})") from None
        raise TypeError(f"tensor(): could not convert data to {dtype}: {e}") from None


NEGATIVE_STRIDES = ("At least one stride in the given numpy array is negative, and tensors with negative strides "
                    "are not currently supported. (You can probably work around this by making a copy of your array "
                    " with array.copy().) ")


def check_numpy_strides(arr):
    """What PyTorch refuses in an array given to tensor/as_tensor/from_numpy/new_tensor, in its order: a
    negative stride (``a[::-1]``), then a non-native byte order (``dtype='>f8'``)."""
    if any(s < 0 for s in arr.strides):
        raise ValueError(NEGATIVE_STRIDES)
    if not arr.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. Conversion "
                         "between byte orders is currently not supported.")


def _copy_like_torch(arr, dtype):
    """``torch.tensor(arr)``'s copy (a clone with ``preserve_format``): NumPy's ``order='K'`` keeps the order of
    the dims in memory (a Fortran-ordered array stays Fortran-ordered, a non-dense slice becomes dense in
    its dims' order), as PyTorch's ``infer_dense_strides``; dims that repeat memory (stride 0, a broadcast
    array) keep their place in C order there, where NumPy would sort them first."""
    if not any(s == 0 and n > 1 for s, n in zip(arr.strides, arr.shape)):
        return np.array(arr, dtype=dtype, copy=True, order="K")
    perm = list(range(arr.ndim - 1, -1, -1))  # innermost first, sorted by stride as c10's infer_dense_strides

    def should_swap(d0, d1):
        s0, s1 = arr.strides[d0], arr.strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if arr.shape[d0] > arr.shape[d1] else 0

    for i in range(1, arr.ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    outer_first = perm[::-1]
    out = np.array(arr.transpose(outer_first), dtype=dtype, order="C")
    return out.transpose(np.argsort(outer_first))


def _wrap_ints(data, dtype):
    """Python ints that do not fit an integer ``dtype``, by PyTorch's rule (c10's ``overflows``):
    an unsigned type takes negative values down to -max and wraps them (``tensor([-1],
    dtype=uint8)`` is 255); anything else out of range is RuntimeError."""
    info = np.iinfo(dtype)
    name = np.dtype(dtype).name

    def conv(v):
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        v = int(v)
        if info.min <= v <= info.max:
            return v
        if info.min == 0 and -info.max <= v < 0:
            return v + info.max + 1
        if not -2**63 <= v < 2**64:
            raise ValueError("Overflow when unpacking long long")
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")

    return np.array(conv(data), dtype=dtype)
