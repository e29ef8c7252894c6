"""Tensor: a NumPy array (its storage) plus a version counter, ``requires_grad``, ``grad`` and ``grad_fn``.

Operators and methods call the autograd Functions in ``miniconv.ops``; nothing here computes a
gradient. ``Tensor._data`` is the NumPy array (``.numpy()`` returns it); ``Tensor.data`` is a
Tensor sharing it, as in PyTorch. Creation functions live in creation.py, dtypes in dtypes.py.

Views (``view``, ``reshape`` when no copy is needed, basic indexing, ``transpose``, ``expand``,
``detach``, ...) hold a NumPy view of their base's array and share its version counter: one
``_VersionCounter`` object, bumped only by ``Tensor._bump_version``. In-place operations compute
their result out of place with the ordinary ops, then ``_commit_inplace`` writes it into the
tensor, bumps the version and, when autograd recorded the result, moves the tensor's history onto
it (through ``CopySlices`` when the tensor is a view). See docs/architecture.md.
"""
import numbers
import weakref

import numpy as np

from . import ops
from ._random import default_generator
from .autograd.function import CopySlices, RemovableHandle, ViewRegen, _edge
from .autograd.function import backward as _autograd_backward
from .autograd.grad_mode import is_grad_enabled
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


class _VersionCounter:
    """How many in-place writes a storage has seen; shared by a tensor, its views and ``detach()``."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Build one with :func:`miniconv.tensor`, :func:`miniconv.zeros`, :func:`miniconv.randn`, ...
    """

    __array_priority__ = 1000  # make ndarray (op) Tensor defer to Tensor's reflected operators

    # defaults shared by every instance until set (keeps ``_wrap``, the hot path, short)
    grad = None
    grad_fn = None
    _output_nr = 0
    _accumulator = None
    _requires_grad = False
    _base = None  # a view: the tensor whose storage it views (never itself a view)
    _view_fn = None  # a view: base's array -> this view's array
    _view_gen = 0  # a view: base's _history_gen when this view's grad_fn was made
    _history_gen = 0  # bumped when an in-place op gives this tensor a new history

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
        self._version_counter = _VersionCounter()
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, arr):
        """Wrap an array without checks or copies (internal fast path)."""
        t = cls.__new__(cls)
        t._data = arr
        t._version_counter = _VersionCounter()
        return t

    # -- storage and versions ------------------------------------------------------
    # Inside miniconv the NumPy array is always reached as ``t._data``.
    @property
    def data(self):
        """A Tensor sharing this tensor's memory, cut from the graph. As in PyTorch, it has its own
        version counter: in-place changes through ``.data`` are invisible to autograd's checks."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__module__}.{type(value).__name__}"
                            if type(value).__module__ != "builtins" else
                            f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self):
        return self._version_counter.value

    def _bump_version(self):
        """The one place a version changes: after every in-place write to this tensor's storage."""
        self._version_counter.value += 1

    def _is_view(self):
        return self._base is not None

    def _make_view(self, out, view_fn):
        """Turn ``out`` (whose array views ``self``'s) into a view of ``self``: shared version counter,
        the root base, and how to get ``out``'s array from the base's."""
        if not np.may_share_memory(out._data, self._data):  # e.g. reshape had to copy
            return out
        out._version_counter = self._version_counter
        base = self._base
        if base is None:
            out._base, out._view_fn, out._view_gen = self, view_fn, self._history_gen
        else:
            parent_fn = self._view_fn
            out._base, out._view_gen = base, base._history_gen
            out._view_fn = lambda a: view_fn(parent_fn(a))
        return out

    def _regenerate_view(self):
        """The base got a new history (an in-place op): this view's grad_fn is ``view_fn(base)``."""
        base = self._base
        self._view_gen = base._history_gen
        if not (base._requires_grad and is_grad_enabled()):
            return
        node = ViewRegen(self._view_fn, base._data.shape)
        node.needs_input_grad = (True,)
        node.next_edges = (_edge(base),)
        node.output_meta = ((self._data.shape, self._data.dtype),)
        self.grad_fn, self._output_nr, self._requires_grad = node, 0, True

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
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            if self.grad_fn._retained is None:
                self.grad_fn._retained = {}
            self.grad_fn._retained[self._output_nr] = weakref.ref(self)

    # -- hooks ----------------------------------------------------------------------
    _backward_hooks = None  # leaf: {handle id: hook}; run on the gradient before it accumulates
    _post_accumulate_grad_hooks = None

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed; a returned
        Tensor replaces the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._backward_hooks is None:
                self._backward_hooks = {}
            hooks = self._backward_hooks
            handle = RemovableHandle(hooks)
            hooks[handle.id] = hook
            return handle
        if getattr(self.grad_fn, "_tensor_hooks", None) is None:
            self.grad_fn._tensor_hooks = {}
        hooks = self.grad_fn._tensor_hooks.setdefault(self._output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = _array_hook(hook)  # the engine works on arrays
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after the gradient has been accumulated into this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = {}
        handle = RemovableHandle(self._post_accumulate_grad_hooks)
        self._post_accumulate_grad_hooks[handle.id] = hook
        return handle

    def _accumulate_grad(self, g):
        """Called by the engine's AccumulateGrad node with this leaf's gradient (an array)."""
        if self._backward_hooks:
            for hook in list(self._backward_hooks.values()):
                out = hook(Tensor._wrap(g))
                if out is not None:
                    g = out._data if isinstance(out, Tensor) else np.asarray(out)
        if self.grad is None:
            self.grad = Tensor._wrap(np.array(g, dtype=self._data.dtype, copy=True))
        else:
            self.grad._data += g
        if self._post_accumulate_grad_hooks:
            for hook in list(self._post_accumulate_grad_hooks.values()):
                hook(self)

    def _accumulate_retained(self, g):
        if self.grad is None:
            self.grad = Tensor._wrap(np.array(g, dtype=self.dtype, copy=True))
        else:
            self.grad._data = self.grad._data + g

    def backward(self, gradient=None, retain_graph=None):
        """Compute the gradient of this tensor w.r.t. graph leaves (accumulated into their ``.grad``)."""
        _autograd_backward(self, None if gradient is None else [gradient], retain_graph=retain_graph)

    def detach(self):
        """A new leaf Tensor sharing this tensor's memory and version counter, cut from the graph."""
        t = Tensor._wrap(self._data)
        t._version_counter = self._version_counter
        return t

    _alias = detach

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
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
            else:
                dt = float32
            return Tensor._wrap(np.asarray(other, dtype=dt))
        if isinstance(other, (list, tuple, np.ndarray)):
            return Tensor(np.array(other, dtype=_infer_dtype(other)))
        raise TypeError(f"unsupported operand type for Tensor: {type(other).__name__}")

    def _binary(self, fn, other, reverse=False):
        other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        if a._data.shape != b._data.shape:
            _check_broadcast(a._data.shape, b._data.shape)
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
        return ops.Sum.apply(self, _normalize_dims(dim, self.ndim, "sum"), keepdim)

    def mean(self, dim=None, keepdim=False):
        if self.dtype.kind != "f":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {self.dtype}"
            )
        return ops.Mean.apply(self, _normalize_dims(dim, self.ndim, "mean"), keepdim)

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

    # -- views: share memory and the version counter with their base ----------------------
    def reshape(self, *shape):
        shape = _shape_arg(shape)
        target = shape
        if shape.count(-1) == 1:
            known = int(np.prod([s for s in shape if s != -1]))
            if known and self._data.size % known == 0:
                target = tuple(self._data.size // known if s == -1 else s for s in shape)
        if any(s < 0 for s in target) or int(np.prod(target)) != self._data.size:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {self._data.size}")
        return self._make_view(ops.Reshape.apply(self, target), lambda a: a.reshape(target))

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, Size, numbers.Integral)):
            if _check_dtype(shape[0], "view") == self.dtype:
                return self.view(self.shape)
            raise RuntimeError("view(dtype) (reinterpreting the bytes as another dtype) is not supported by miniconv; "
                               "use .to(dtype) to convert the values")
        out = self.reshape(*shape)
        if out._base is None and out._data.size > 1 and not np.may_share_memory(out._data, self._data):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead."
            )
        return out

    def view_as(self, other):
        return self.view(other.shape)

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

    def _permute(self, dims):
        return self._make_view(ops.Permute.apply(self, dims), lambda a: a.transpose(dims))

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
        return self._permute(tuple(norm))

    def transpose(self, dim0, dim1):
        if self.ndim == 0:
            return self._permute(())
        d0 = _normalize_dims(dim0, self.ndim, "transpose")[0]
        d1 = _normalize_dims(dim1, self.ndim, "transpose")[0]
        perm = list(range(self.ndim))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return self._permute(tuple(perm))

    swapaxes = transpose

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1) if self.ndim == 2 else self._permute(tuple(range(self.ndim)))

    @property
    def T(self):
        return self._permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self, dim):
        if not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-self.ndim - 1}, {self.ndim}], but got {dim})"
            )
        d = dim % (self.ndim + 1)
        shp = self._data.shape
        new = shp[:d] + (1,) + shp[d:]
        return self._make_view(ops.Reshape.apply(self, new), lambda a: a.reshape(new))

    def squeeze(self, dim=None):
        shp = self._data.shape
        if dim is None:
            new = tuple(s for s in shp if s != 1)
        else:
            dims = _normalize_dims(dim, self.ndim, "squeeze") or ()
            new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
        return self._make_view(ops.Reshape.apply(self, new), lambda a: a.reshape(new))

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
        return self._make_view(ops.Expand.apply(self, target), lambda a: np.broadcast_to(a, target))

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        index = _convert_index(index)
        if _is_basic_index(index):
            index = _with_ellipsis(index)
            return self._make_view(ops.Index.apply(self, index), lambda a: a[index])
        return ops.Index.apply(self, index)

    def select(self, dim, index):
        (d,) = _normalize_dims(dim, self.ndim, "select")
        n = self._data.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for tensor of size {list(self.shape)} "
                             f"at dimension {dim}")
        return self[(slice(None),) * d + (index,)]

    def narrow(self, dim, start, length):
        (d,) = _normalize_dims(dim, self.ndim, "narrow")
        n = self._data.shape[d]
        if start < 0:
            start += n
        if not 0 <= start <= n or length < 0 or start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def unbind(self, dim=0):
        (d,) = _normalize_dims(dim, self.ndim, "unbind")
        return tuple(self.select(d, i) for i in range(self._data.shape[d]))

    def split(self, split_size_or_sections, dim=0):
        (d,) = _normalize_dims(dim, self.ndim, "split")
        n = self._data.shape[d]
        if isinstance(split_size_or_sections, numbers.Integral):
            size = int(split_size_or_sections)
            if size <= 0 and n > 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
            sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                                   f"at dimension {d}), but got split_sizes={sizes}")
        out, start = [], 0
        for s in sizes:
            out.append(self.narrow(d, start, s))
            start += s
        return tuple(out)

    def chunk(self, chunks, dim=0):
        if chunks <= 0:
            raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
        (d,) = _normalize_dims(dim, self.ndim, "chunk")
        n = self._data.shape[d]
        return self.split(max(-(-n // chunks), 1), d)

    # -- in-place operations: PyTorch's rules, recorded by autograd when needed -------------
    def _commit_inplace(self, out):
        """Write ``out`` (computed out of place from ``self``, or by a kernel into ``self``'s memory)
        into ``self`` and bump the version; if autograd recorded ``out``, ``self`` takes its place in
        the graph (a view's base gets a ``CopySlices`` node). Returns ``self``."""
        node = out.grad_fn
        if is_grad_enabled() and (self._requires_grad or node is not None):
            self._check_inplace_grad()
        arr = self._data
        src = out._data
        if src.dtype != arr.dtype and not np.can_cast(src.dtype, arr.dtype, "same_kind"):
            raise RuntimeError(f"result type {_type_name(src.dtype)} can't be cast to the desired output type "
                               f"{_type_name(arr.dtype)}")
        if src.shape != arr.shape:
            _check_inplace_shape(src.shape, arr.shape)
        if not arr.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        if node is not None and node._saved_versions:
            _keep_saved_values(node, self._version_counter, arr, src is arr)
        if src is not arr:
            np.copyto(arr, src, casting="unsafe")
        self._bump_version()
        if node is not None:
            self._rebase_history(out)
        return self

    def _check_inplace_grad(self):
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = self._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")

    def _rebase_history(self, out):
        base = self._base
        old = self.grad_fn
        if old is not None and old._retained and self._output_nr in old._retained:  # retain_grad() follows
            ref = old._retained.pop(self._output_nr)
            if out.grad_fn._retained is None:
                out.grad_fn._retained = {}
            out.grad_fn._retained[out._output_nr] = ref
        if base is None:
            self.grad_fn, self._output_nr, self._requires_grad = out.grad_fn, out._output_nr, True
            self._history_gen += 1  # views of self now see self through the new node
            return
        node = CopySlices(self._view_fn)
        node.needs_input_grad = (base._requires_grad, True)
        node.next_edges = (_edge(base) if base._requires_grad else None, (out.grad_fn, out._output_nr))
        node.output_meta = ((base._data.shape, base._data.dtype),)
        base.grad_fn, base._output_nr, base._requires_grad = node, 0, True
        base._history_gen += 1
        self._regenerate_view()

    def _scalar_operand(self, value):
        """A fill value (number or 0-d Tensor) as a Tensor of ``self``'s dtype."""
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.ndim} dimensions.")
            return value
        return Tensor._wrap(np.asarray(value, dtype=self._data.dtype))

    def add_(self, other, alpha=1):
        return self._commit_inplace(self + (other * alpha if alpha != 1 else other))

    def sub_(self, other, alpha=1):
        return self._commit_inplace(self - (other * alpha if alpha != 1 else other))

    def mul_(self, other):
        return self._commit_inplace(self * other)

    def div_(self, other):
        return self._commit_inplace(self / other)

    def pow_(self, exponent):
        return self._commit_inplace(self ** exponent)

    def neg_(self):
        return self._commit_inplace(-self)

    def abs_(self):
        return self._commit_inplace(self.abs())

    def sqrt_(self):
        return self._commit_inplace(self.sqrt())

    def exp_(self):
        return self._commit_inplace(self.exp())

    def log_(self):
        return self._commit_inplace(self.log())

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._commit_inplace(self.clamp(min, max))

    clip_ = clamp_

    def relu_(self):
        return self._commit_inplace(self.relu())

    def sigmoid_(self):
        return self._commit_inplace(self.sigmoid())

    def tanh_(self):
        return self._commit_inplace(self.tanh())

    def addcmul_(self, tensor1, tensor2, value=1):
        return self._commit_inplace(self + tensor1 * tensor2 * value if value != 1 else self + tensor1 * tensor2)

    def addcdiv_(self, tensor1, tensor2, value=1):
        return self._commit_inplace(self + tensor1 / tensor2 * value if value != 1 else self + tensor1 / tensor2)

    def lerp_(self, end, weight):
        return self._commit_inplace(self + weight * (end - self))

    def zero_(self):
        return self._commit_inplace(ops.Fill.apply(self, np.zeros((), self._data.dtype)))

    def fill_(self, value):
        return self._commit_inplace(ops.Fill.apply(self, self._scalar_operand(value)))

    def copy_(self, src, non_blocking=False):
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
        _check_inplace_shape(src.shape, self.shape)
        return self._commit_inplace(ops.CopyFrom.apply(self, src))

    def masked_fill_(self, mask, value):
        if not isinstance(mask, Tensor) or mask.dtype != bool:
            got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
        _check_inplace_shape(mask.shape, self.shape)
        return self._commit_inplace(ops.Where.apply(mask._data, self._scalar_operand(value), self))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        g = (generator or default_generator).numpy_generator
        return self._commit_inplace(ops.Fill.apply(self, g.uniform(a, b, size=self._data.shape)))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        g = (generator or default_generator).numpy_generator
        return self._commit_inplace(ops.Fill.apply(self, g.normal(mean, std, size=self._data.shape)))

    def __setitem__(self, index, value):
        index = _convert_index(index)
        if not isinstance(value, Tensor):
            value = Tensor._wrap(np.asarray(value, dtype=self._data.dtype))
        if _is_basic_index(index):
            index = _with_ellipsis(index)
            if self._requires_grad and self.grad_fn is None and is_grad_enabled():  # PyTorch writes via a view
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
        if not (is_grad_enabled() and (self._requires_grad or value._requires_grad)):
            # nothing to record: write the region only (not a copy of the whole tensor)
            if not self._data.flags.writeable:
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to "
                                   "a single memory location. Please clone() the tensor before performing the "
                                   "operation.")
            self._data[index] = value._data
            self._bump_version()
            return
        self._commit_inplace(ops.IndexPut.apply(self, value, index))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    # no __imatmul__: as in PyTorch, ``a @= b`` rebinds ``a`` to a new tensor ``a @ b``

    def __iand__(self, other):
        return self._commit_inplace(self & other)

    def __ior__(self, other):
        return self._commit_inplace(self | other)


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


# -- helpers of views and in-place operations ------------------------------------------------
def _is_basic_index(index):
    """True if NumPy returns a view for ``index``: ints, slices, None and Ellipsis only."""
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        if i is None or i is Ellipsis or type(i) is slice:
            continue
        if isinstance(i, (_builtin_bool, np.bool_)) or not isinstance(i, (numbers.Integral, np.integer)):
            return False
    return True


def _with_ellipsis(index):
    """A basic index with an Ellipsis in it: NumPy then returns a (0-d) view even when every index
    is an int, instead of a scalar copy."""
    index = index if isinstance(index, tuple) else (index,)
    return index if any(i is Ellipsis for i in index) else index + (Ellipsis,)


def _array_hook(hook):
    """Adapt ``hook(grad Tensor) -> Tensor or None`` to the engine's ``fn(array) -> array``."""

    def run(g):
        out = hook(Tensor._wrap(g))
        if out is None:
            return g
        return out._data if isinstance(out, Tensor) else np.asarray(out)

    return run


def _type_name(dtype):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "int16": "Short",
            "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(np.dtype(dtype).name, str(dtype))


def _check_inplace_shape(src, dst):
    """An in-place result must broadcast to the written tensor's shape without changing it."""
    src, dst = tuple(src), tuple(dst)
    try:
        shape = np.broadcast_shapes(src, dst)
    except ValueError:
        _check_broadcast(src, dst)  # raises PyTorch's "size of tensor a ... must match" error
        raise
    if shape != dst:
        raise RuntimeError(f"output with shape {list(dst)} doesn't match the broadcast shape {list(shape)}")


def _keep_saved_values(node, counter, arr, wrote_in_place):
    """Before ``arr`` (a tensor's storage, version ``counter``) is overwritten by the in-place op that
    produced ``node``: if ``node`` saved ``arr`` as its *input*, keep a private copy of the old values;
    if a kernel already wrote the result into ``arr`` (so ``node`` saved its *output*), expect the
    version after this write."""
    saved = list(node._saved)
    versions = []
    for i, c, v in node._saved_versions:
        if c is not counter:
            versions.append((i, c, v))
        elif wrote_in_place:
            versions.append((i, c, v + 1))
        else:
            s = saved[i]
            saved[i] = Tensor._wrap(s._data.copy()) if isinstance(s, Tensor) else s.copy()
    node._saved = tuple(saved)
    node._saved_versions = tuple(versions)
