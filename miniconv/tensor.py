"""Tensor: a NumPy array plus ``requires_grad``, ``grad`` and ``grad_fn``.

Operators and methods call the autograd Functions in ``miniconv.ops``; nothing here computes a
gradient. ``Tensor._data`` is the underlying NumPy array; ``Tensor.data`` still returns that array
for now (in PyTorch it is a Tensor; see
docs/api.md). Creation functions (``tensor``, ``zeros``, ``randn``, ...) live in creation.py, dtypes in dtypes.py.
"""
import numbers

import numpy as np

from . import ops
from ._random import default_generator
from .autograd import is_grad_enabled
from .dtypes import (  # noqa: F401  (re-exported for old imports)
    _SUPPORTED, _builtin_bool, _builtin_float, _check_dtype, _infer_dtype, bool, float32, float64, int32, int64,
)
def _normalize_dims(dim, ndim, where):
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
        out.append(int(d) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise RuntimeError(f"{where}(): dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(out))


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Build one with :func:`miniconv.tensor`, :func:`miniconv.zeros`, :func:`miniconv.randn`, ...
    """

    __array_priority__ = 1000  # make ndarray (op) Tensor defer to Tensor's reflected operators

    def __init__(self, data, requires_grad=False):
        if isinstance(data, Tensor):
            data = data._data
        arr = data if isinstance(data, np.ndarray) else np.asarray(data)
        if arr.dtype == np.float16 or arr.dtype not in _SUPPORTED:
            if arr.dtype.kind == "f":
                arr = arr.astype(np.float32)
            else:
                _check_dtype(arr.dtype)
        self._data = arr
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._accumulator = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, arr):
        """Wrap an array without checks or copies (internal fast path)."""
        t = cls.__new__(cls)
        t._data = arr
        t.grad = None
        t.grad_fn = None
        t._output_nr = 0
        t._accumulator = None
        t._requires_grad = False
        return t

    # -- storage -------------------------------------------------------------------
    # Inside miniconv the NumPy array is always reached as ``t._data``. ``t.data`` is the public
    # name; it returns the array today and becomes a Tensor sharing memory (PyTorch's meaning)
    # with the core-semantics work (issue 8), so nothing inside miniconv may rely on it.
    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    # -- autograd attributes ------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = _builtin_bool(flag)
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if not flag and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        import weakref

        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retained[self._output_nr] = weakref.ref(self)

    # -- hooks ----------------------------------------------------------------------
    _backward_hooks = None  # leaf: {handle id: hook}; run on the gradient before it accumulates
    _post_accumulate_grad_hooks = None

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed; a returned
        Tensor replaces the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
        from .autograd import RemovableHandle

        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._backward_hooks is None:
                self._backward_hooks = {}
            hooks = self._backward_hooks
        else:
            if not hasattr(self.grad_fn, "_tensor_hooks"):
                self.grad_fn._tensor_hooks = {}
            hooks = self.grad_fn._tensor_hooks.setdefault(self._output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after the gradient has been accumulated into this leaf's ``.grad``."""
        from .autograd import RemovableHandle

        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = {}
        handle = RemovableHandle(self._post_accumulate_grad_hooks)
        self._post_accumulate_grad_hooks[handle.id] = hook
        return handle

    def _accumulate_retained(self, g):
        if self.grad is None:
            self.grad = Tensor._wrap(np.array(g, dtype=self.dtype, copy=True))
        else:
            self.grad._data = self.grad._data + g

    def backward(self, gradient=None, retain_graph=None):
        """Compute the gradient of this tensor w.r.t. graph leaves (accumulated into their ``.grad``)."""
        from .autograd import backward

        backward(self, None if gradient is None else [gradient], retain_graph=retain_graph)

    def detach(self):
        """A new leaf Tensor sharing this tensor's data, cut from the graph."""
        return Tensor._wrap(self._data)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- properties ---------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_normalize_dims(dim, self.ndim, "size")[0]]

    def dim(self):
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        return "cpu"

    def numel(self):
        return int(self._data.size)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self):
        """The underlying array (shared memory). Like PyTorch, refused while it requires grad."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def is_contiguous(self):
        return self._data.flags.c_contiguous

    def contiguous(self):
        if self._data.flags.c_contiguous:
            return self
        return _Clone.apply(self)

    def __repr__(self):
        prefix = "tensor("
        if self._data.size == 0:
            body = f"[], size={tuple(self._data.shape)}" if self._data.ndim > 1 else "[]"
        else:
            with np.printoptions(precision=4, threshold=1000, edgeitems=3):
                body = np.array2string(self._data, separator=", ", prefix=prefix)
        extras = []
        if self.dtype not in (float32, int64, bool):
            extras.append(f"dtype=miniconv.{self.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return prefix + body + "".join(", " + e for e in extras) + ")"

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return _builtin_bool(self._data.reshape(-1)[0])

    def __float__(self):
        return _builtin_float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    # -- conversions ----------------------------------------------------------------
    def to(self, *args, **kwargs):
        """``to(dtype)`` or ``to('cpu')``; other devices are refused."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        for a in args:
            if isinstance(a, str):
                device = a
            else:
                dtype = a
        if device is not None:
            _check_device(device)
        if dtype is not None:
            return self.type(dtype)
        return self

    def cpu(self):
        return self

    def type(self, dtype):
        dtype = _check_dtype(dtype, "to")
        if dtype == self.dtype:
            return self
        return ops.Cast.apply(self, dtype)

    def float(self):
        return self.type(float32)

    def double(self):
        return self.type(float64)

    def long(self):
        return self.type(int64)

    def int(self):
        return self.type(int32)

    def bool(self):
        return self.type(bool)

    def clone(self):
        return _Clone.apply(self)

    # -- arithmetic -----------------------------------------------------------------
    def _operand(self, other):
        """Turn ``other`` into a Tensor, promoting like PyTorch: a Python float keeps a float
        tensor's dtype and makes an integer tensor float32."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (numbers.Number, np.number, np.bool_)) and not isinstance(other, np.ndarray):
            if self.dtype.kind == "f":
                dt = self.dtype
            elif isinstance(other, (_builtin_bool, np.bool_)):
                dt = self.dtype
            elif isinstance(other, numbers.Integral):
                dt = self.dtype if self.dtype.kind in "iu" else int64
                if dt.kind in "iu" and not np.can_cast(np.min_scalar_type(other), dt) and -2**63 <= other < 2**64:
                    # issue 11: -1 + uint8 tensor wraps around as in PyTorch (NumPy 2 would raise OverflowError)
                    return Tensor._wrap(np.array(other % 2**64, dtype=np.uint64).astype(dt))
            else:
                dt = float32
            return Tensor._wrap(np.asarray(other, dtype=dt))
        if isinstance(other, (list, tuple, np.ndarray)):
            return Tensor(np.array(other, dtype=_infer_dtype(other)))
        raise TypeError(f"unsupported operand type for Tensor: {type(other).__name__}")

    def _binary(self, fn, other, reverse=False):
        other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        _check_broadcast(a.shape, b.shape)
        if fn is ops.Div and a.dtype.kind != "f" and b.dtype.kind != "f":
            a, b = a.float(), b.float()
        elif a.dtype != b.dtype and a.dtype.kind == "f" and b.dtype.kind != "f":
            b = b.type(a.dtype)
        elif a.dtype != b.dtype and b.dtype.kind == "f" and a.dtype.kind != "f":
            a = a.type(b.dtype)
        return fn.apply(a, b)

    def __add__(self, o):
        return self._binary(ops.Add, o)

    def __radd__(self, o):
        return self._binary(ops.Add, o, True)

    def __sub__(self, o):
        return self._binary(ops.Sub, o)

    def __rsub__(self, o):
        return self._binary(ops.Sub, o, True)

    def __mul__(self, o):
        return self._binary(ops.Mul, o)

    def __rmul__(self, o):
        return self._binary(ops.Mul, o, True)

    def __truediv__(self, o):
        return self._binary(ops.Div, o)

    def __rtruediv__(self, o):
        return self._binary(ops.Div, o, True)

    def __pow__(self, o):
        if isinstance(o, numbers.Number) and not isinstance(o, Tensor):
            return ops.PowScalar.apply(self if self.dtype.kind == "f" or isinstance(o, numbers.Integral) else self.float(), o)
        return self._binary(ops.Pow, o)

    def __rpow__(self, o):
        return self._binary(ops.Pow, o, True)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __matmul__(self, o):
        o = self._operand(o)
        _check_matmul(self, o)
        return ops.MatMul.apply(self, o)

    def __rmatmul__(self, o):
        return self._operand(o).__matmul__(self)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    matmul = __matmul__

    def pow(self, exponent):
        return self ** exponent

    # comparisons: no gradient, bool results
    def _compare(self, fn, other):
        other = other._data if isinstance(other, Tensor) else other
        _check_broadcast(self.shape, np.shape(other))
        return Tensor._wrap(np.asarray(fn(self._data, other)))

    def __eq__(self, o):
        return self._compare(np.equal, o)

    def __ne__(self, o):
        return self._compare(np.not_equal, o)

    def __lt__(self, o):
        return self._compare(np.less, o)

    def __le__(self, o):
        return self._compare(np.less_equal, o)

    def __gt__(self, o):
        return self._compare(np.greater, o)

    def __ge__(self, o):
        return self._compare(np.greater_equal, o)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self):
        if self.dtype != bool:
            return Tensor._wrap(np.invert(self._data))
        return Tensor._wrap(~self._data)

    def __and__(self, o):
        return Tensor._wrap(self._data & (o._data if isinstance(o, Tensor) else o))

    def __or__(self, o):
        return Tensor._wrap(self._data | (o._data if isinstance(o, Tensor) else o))

    # -- elementwise functions --------------------------------------------------------
    def _float_only(self, name):
        if self.dtype.kind != "f":
            raise TypeError(f"{name}(): expected a floating point tensor, got dtype {self.dtype}")
        return self

    def exp(self):
        return ops.Exp.apply(self._float_only("exp"))

    def log(self):
        return ops.Log.apply(self._float_only("log"))

    def sqrt(self):
        return ops.Sqrt.apply(self._float_only("sqrt"))

    def tanh(self):
        return ops.Tanh.apply(self._float_only("tanh"))

    def sigmoid(self):
        return ops.Sigmoid.apply(self._float_only("sigmoid"))

    def relu(self):
        return ops.ReLU.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def clamp(self, min=None, max=None):  # noqa: A002
        if min is None and max is None:
            raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
        return ops.Clamp.apply(self, min, max)

    clip = clamp

    # -- reductions -------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        dims = _normalize_dims(dim, self.ndim, "sum")
        if self.ndim == 0 and dims:  # issue 11: dim 0 / -1 of a 0-d tensor reduces nothing, as PyTorch
            dims = ()
        return ops.Sum.apply(self, dims, keepdim)

    def mean(self, dim=None, keepdim=False):
        if self.dtype.kind != "f":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {self.dtype}"
            )
        dims = _normalize_dims(dim, self.ndim, "mean")
        if self.ndim == 0 and dims:  # issue 11: as sum
            dims = ()
        return ops.Mean.apply(self, dims, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        self._float_only("var")
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        return ops.Var.apply(self, _normalize_dims(dim, self.ndim, "var"), correction, keepdim)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self.var(dim, unbiased, keepdim, correction).sqrt()

    def max(self, dim=None, keepdim=False):
        """``max()`` -> scalar tensor; ``max(dim)`` -> (values, indices), as in PyTorch."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        if self._data.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0.")
        if dim is None:
            return ops.MaxAll.apply(self)
        (d,) = _normalize_dims(dim, self.ndim, "max")
        values, indices = ops.MaxDim.apply(self, d, keepdim)
        return MaxResult(values, indices)

    def min(self, dim=None, keepdim=False):
        if dim is None:
            return -((-self).max())
        r = (-self).max(dim, keepdim)
        return MaxResult(-r.values, r.indices)

    def argmax(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmax(self._data), dtype=np.int64))
        (d,) = _normalize_dims(dim, self.ndim, "argmax")
        return Tensor._wrap(np.argmax(self._data, axis=d, keepdims=keepdim).astype(np.int64))

    def argmin(self, dim=None, keepdim=False):
        if dim is None:
            return Tensor._wrap(np.asarray(np.argmin(self._data), dtype=np.int64))
        (d,) = _normalize_dims(dim, self.ndim, "argmin")
        return Tensor._wrap(np.argmin(self._data, axis=d, keepdims=keepdim).astype(np.int64))

    # -- shape ------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = _shape_arg(shape)
        target = shape
        if shape.count(-1) == 1:
            known = int(np.prod([s for s in shape if s != -1]))
            if known and self._data.size % known == 0:
                target = tuple(self._data.size // known if s == -1 else s for s in shape)
        if any(s < 0 for s in target) or int(np.prod(target)) != self._data.size:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {self._data.size}")
        return ops.Reshape.apply(self, target)

    def view(self, *shape):
        out = self.reshape(*shape)
        try:  # issue 11: PyTorch's view never copies; NumPy's no-copy reshape has the same stride rule
            np.reshape(self._data, out.shape, copy=False)
        except ValueError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None
        return out

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        s = _normalize_dims(start_dim, self.ndim, "flatten")[0]
        e = _normalize_dims(end_dim, self.ndim, "flatten")[0]
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shp = self._data.shape
        return self.reshape(shp[:s] + (int(np.prod(shp[s : e + 1])),) + shp[e + 1 :])

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(
                f"permute(): number of dimensions in the tensor input does not match the length of "
                f"the desired ordering of dimensions i.e. input.dim() = {self.ndim} is not equal to "
                f"len(dims) = {len(dims)}"
            )
        norm = [_normalize_dims(d, self.ndim, "permute")[0] for d in dims]
        if len(set(norm)) != len(norm):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return ops.Permute.apply(self, tuple(norm))

    def transpose(self, dim0, dim1):
        if self.ndim == 0:
            return self
        d0 = _normalize_dims(dim0, self.ndim, "transpose")[0]
        d1 = _normalize_dims(dim1, self.ndim, "transpose")[0]
        perm = list(range(self.ndim))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return ops.Permute.apply(self, tuple(perm))

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1) if self.ndim == 2 else self

    @property
    def T(self):
        return ops.Permute.apply(self, tuple(reversed(range(self.ndim))))

    def unsqueeze(self, dim):
        if not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-self.ndim - 1}, {self.ndim}], but got {dim})"
            )
        d = dim % (self.ndim + 1)
        shp = self._data.shape
        return ops.Reshape.apply(self, shp[:d] + (1,) + shp[d:])

    def squeeze(self, dim=None):
        shp = self._data.shape
        if dim is None:
            new = tuple(s for s in shp if s != 1)
        else:
            dims = _normalize_dims(dim, self.ndim, "squeeze") or ()
            new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
        return ops.Reshape.apply(self, new)

    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number "
                f"of dimensions in the tensor ({self.ndim})"
            )
        target = tuple(self._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        _check_broadcast(self.shape, target)
        return ops.Expand.apply(self, target)

    def __getitem__(self, index):
        index = _convert_index(index)
        return ops.Index.apply(self, index)

    def __setitem__(self, index, value):
        if is_grad_enabled() and (self.requires_grad):
            raise RuntimeError(
                "a Tensor that requires grad is being used in an in-place operation (item assignment); "
                "wrap it in miniconv.no_grad() or use detach()"
            )
        self._data[_convert_index(index)] = value._data if isinstance(value, Tensor) else value

    # -- in-place helpers (not recorded; used by init and optimizers) ---------------------
    def _check_inplace(self, name):
        if is_grad_enabled() and self.requires_grad and self.is_leaf:
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation ({name})."
            )

    def zero_(self):
        self._check_inplace("zero_")
        self._data[...] = 0
        return self

    def fill_(self, value):
        self._check_inplace("fill_")
        self._data[...] = value
        return self

    def copy_(self, src):
        self._check_inplace("copy_")
        src = src._data if isinstance(src, Tensor) else np.asarray(src)
        self._data[...] = src
        return self

    def add_(self, other, alpha=1):
        self._check_inplace("add_")
        other = other._data if isinstance(other, Tensor) else other
        self._data += alpha * other if alpha != 1 else other
        return self

    def mul_(self, other):
        self._check_inplace("mul_")
        self._data *= other._data if isinstance(other, Tensor) else other
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        self._check_inplace("uniform_")
        g = (generator or default_generator).numpy_generator
        self._data[...] = g.uniform(a, b, size=self._data.shape)
        return self

    def normal_(self, mean=0.0, std=1.0, generator=None):
        self._check_inplace("normal_")
        g = (generator or default_generator).numpy_generator
        self._data[...] = g.normal(mean, std, size=self._data.shape)
        return self


class Size(tuple):
    """A tuple of ints, printed as ``miniconv.Size([2, 3])``."""

    def __repr__(self):
        return f"miniconv.Size({list(self)})"

    def numel(self):
        return int(np.prod(self))


class MaxResult(tuple):
    """(values, indices) with attribute access, like torch.return_types.max."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _check_device(device):
    name = str(device)
    if name != "cpu" and not name.startswith("cpu:"):
        raise RuntimeError(f"miniconv runs on the CPU only; device {name!r} is not supported (use 'cpu')")


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, _builtin_bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"shape must be a sequence of ints, got an element of type {type(s).__name__}")
    return tuple(int(s) for s in shape)


def _check_broadcast(a, b):
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )


def _check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    k1 = a.shape[-1]
    k2 = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k1 != k2:
        sa = "x".join(map(str, a.shape))
        sb = "x".join(map(str, b.shape))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    if a.ndim > 2 and b.ndim > 2:
        _check_broadcast(a.shape[:-2], b.shape[:-2])


def _convert_index(index):
    def conv(i):
        if isinstance(i, Tensor):
            if i.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if i.dtype == np.uint8:  # issue 11: a uint8 (byte) index tensor is a mask, as in PyTorch
                return i._data.astype(np.bool_)
            return i._data
        return i

    if isinstance(index, tuple):
        return tuple(conv(i) for i in index)
    return conv(index)


class _Clone(ops.ArrayFunction):
    @staticmethod
    def forward(ctx, a):
        return np.array(a, copy=True, order="C")

    @staticmethod
    def backward(ctx, g):
        return g


def where(condition, input, other):  # noqa: A002
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    a = input if isinstance(input, Tensor) else Tensor(np.array(input, dtype=_infer_dtype(input)))
    b = a._operand(other)
    return ops.Where.apply(cond.astype(np.bool_), a, b)


def maximum(a, b):
    return where(a >= b, a, b)
