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
import functools
import numbers
import warnings
import weakref

import numpy as np

from . import ops
from ._device import CPU, _check_device, _parse_to_args  # noqa: F401  (_check_device re-exported)
from ._random import default_generator
from .autograd.function import CopySlices, RemovableHandle, ViewRegen, _edge
from .autograd.function import backward as _autograd_backward
from .autograd.grad_mode import is_grad_enabled
from .dtypes import get_default_dtype, result_type
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
        if int(d) % max(ndim, 1) in out:  # checked dim by dim, as PyTorch (a repeat before an out-of-range dim)
            raise RuntimeError(f"dim {int(d) % max(ndim, 1)} appears multiple times in the list of dims")
        out.append(int(d) % max(ndim, 1))
    return tuple(sorted(out))


def _reduce_dims(dim, ndim, where):
    """:func:`_normalize_dims` for reductions: dim 0 / -1 of a 0-d tensor is checked, then reduces nothing
    (issue 11: PyTorch treats a 0-d tensor as one element along one dim; NumPy has no axis 0 there)."""
    dims = _normalize_dims(dim, ndim, where)
    return () if ndim == 0 and dims else dims


class _VersionCounter:
    """How many in-place writes a storage has seen; shared by a tensor, its views and ``detach()``."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def _numpy_aliases(method):
    """Accept NumPy's ``axis=`` / ``keepdims=`` for ``dim=`` / ``keepdim=``, as PyTorch does (issue 9)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{method.__name__}() got both 'dim' and its alias 'axis'")
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return method(self, *args, **kwargs)

    return wrapper


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
    _reshaped = ()  # a base: per in-place view op on it (unsqueeze_, t_, ...), its new array -> the previous one
    _view_reshaped = 0  # a view: len(base._reshaped) when its _view_fn was made
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
            out._view_reshaped = len(self._reshaped)
        else:
            parent_fn = self._current_view_fn()
            out._base, out._view_gen = base, base._history_gen
            out._view_fn = lambda a: view_fn(parent_fn(a))
            out._view_reshaped = len(base._reshaped)
        return out

    def _current_view_fn(self):
        """``_view_fn`` for the base's current array: if the base changed shape in place since the view
        was made (``b.unsqueeze_(0)`` with ``v = b[0]`` alive), its array is first taken back to the
        shape ``_view_fn`` was made for (each step a NumPy view, so writes through it reach the base)."""
        undo = self._base._reshaped[self._view_reshaped :]
        if undo:
            fn = self._view_fn

            def view_fn(a):
                for u in reversed(undo):
                    a = u(a)
                return fn(a)

            self._view_fn, self._view_reshaped = view_fn, len(self._base._reshaped)
        return self._view_fn

    def _regenerate_view(self):
        """The base got a new history (an in-place op): this view's grad_fn is ``view_fn(base)``."""
        base = self._base
        self._view_gen = base._history_gen
        if not (base._requires_grad and is_grad_enabled()):
            return
        node = ViewRegen(self._current_view_fn(), base._data.shape)
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

    def _accumulate_grad(self, g, owned=False):
        """Called by the engine's AccumulateGrad node with this leaf's gradient (an array).
        ``owned``: nothing else references ``g`` (autograd.engine.sole_owner), so a first gradient
        becomes ``.grad`` without a copy, as PyTorch's AccumulateGrad steals it."""
        if self._backward_hooks:
            owned = False  # a hook sees the gradient and may keep it
            g = self._run_backward_hooks(g)
        if self.grad is None:
            if owned and g.dtype == self._data.dtype and g.shape == self._data.shape:
                self.grad = Tensor._wrap(g)
            else:
                self.grad = Tensor._wrap(np.array(g, dtype=self._data.dtype, copy=True))
        else:
            self.grad._data += g
            self.grad._bump_version()
        if self._post_accumulate_grad_hooks:
            for hook in list(self._post_accumulate_grad_hooks.values()):
                hook(self)

    def _run_backward_hooks(self, g):
        """This leaf's ``register_hook`` hooks applied to the array ``g``, in order (also called by the
        engine for a leaf whose gradient ``autograd.grad`` returns, as PyTorch does)."""
        for hook in list(self._backward_hooks.values()):
            out = hook(Tensor._wrap(g))
            if out is not None:
                g = out._data if isinstance(out, Tensor) else np.asarray(out)
        return g

    def _accumulate_retained(self, g):
        if self.grad is None:
            self.grad = Tensor._wrap(np.array(g, dtype=self.dtype, copy=True))
        else:
            self.grad._data = self.grad._data + g

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. graph leaves (accumulated into their ``.grad``),
        or only w.r.t. ``inputs`` (see ``autograd.backward``)."""
        _autograd_backward(self, None if gradient is None else [gradient], retain_graph=retain_graph,
                           create_graph=create_graph, inputs=inputs)

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
        return CPU

    is_cuda = False

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
        """PyTorch's format: 4 decimals (or scientific for wide ranges), ``1.`` for whole floats,
        summarised beyond 1000 elements, then dtype (if not the default), grad_fn or requires_grad."""
        prefix = "tensor("
        if self._data.size == 0:
            body = f"[], size={tuple(self._data.shape)}" if self._data.ndim > 1 else "[]"
        else:
            body = _format_array(self._data, len(prefix))
        extras = []
        if self.dtype not in (get_default_dtype(), int64, bool):
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
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (other's dtype) or keywords;
        a non-CPU device raises. ``copy=True`` always returns a new tensor."""
        dtype, copy = _parse_to_args("to", args, kwargs)
        out = self if dtype is None else self.type(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        _check_device("cuda" if device is None or isinstance(device, int) else device)  # always raises

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
                dt = get_default_dtype()
            # issue 11: -1 + uint8 tensor wraps around as in PyTorch (NumPy 2 would raise OverflowError)
            return Tensor._wrap(_number_array(other, dt))
        if isinstance(other, (list, tuple, np.ndarray)):
            return Tensor(np.array(other, dtype=_infer_dtype(other)))
        raise TypeError(f"unsupported operand type for Tensor: {type(other).__name__}")

    def _binary(self, fn, other, reverse=False):
        # the hot path of every arithmetic operator: arrays' shapes and dtypes read once (issue 12)
        if not isinstance(other, Tensor):
            other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        ad, bd = a._data, b._data
        if ad.shape != bd.shape:
            _check_broadcast(ad.shape, bd.shape)
        if fn is ops.Div and ad.dtype.kind != "f" and bd.dtype.kind != "f":
            a, b = a.type(get_default_dtype()), b.type(get_default_dtype())
        elif ad.dtype != bd.dtype:
            a, b = _promoted(a, b)  # PyTorch's type promotion (a 0-d tensor counts as a number of its category)
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
            if isinstance(o, numbers.Integral) and self.dtype.kind != "f":
                if self.dtype == bool and not isinstance(o, (_builtin_bool, np.bool_)):
                    return self.type(int64) ** o  # PyTorch's type promotion: bool ** int is int64
                if o < 0:
                    raise RuntimeError("Integers to negative integer powers are not allowed.")
                if not np.iinfo(self.dtype).min <= o <= np.iinfo(self.dtype).max:
                    raise RuntimeError(f"value cannot be converted to type {_C_TYPE_NAMES.get(self.dtype.name)} "
                                       "without overflow")
            return ops.PowScalar.apply(self if self.dtype.kind == "f" or isinstance(o, numbers.Integral)
                                       else self.type(get_default_dtype()), o)
        return self._binary(ops.Pow, o)

    def __rpow__(self, o):
        return self._binary(ops.Pow, o, True)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __matmul__(self, o):
        if not isinstance(o, Tensor):
            return NotImplemented  # PyTorch: `t @ 2` is Python's TypeError (unsupported operand type(s) for @)
        _check_matmul(self, o)
        return ops.MatMul.apply(self, o)

    def __rmatmul__(self, o):
        return NotImplemented  # reached only for a non-Tensor left operand: TypeError, as PyTorch

    def matmul(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"matmul(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self @ other

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__

    def pow(self, exponent):
        return self ** exponent

    # comparisons: no gradient, bool results
    def _compare(self, fn, other):
        if not isinstance(other, (Tensor, numbers.Number, np.generic, np.ndarray, list, tuple)):
            return NotImplemented  # `t == None` is False, `t < None` a TypeError: Python's rules, as PyTorch
        if not isinstance(other, Tensor):
            other = self._operand(other)
        _check_broadcast(self.shape, other.shape)
        # compared in PyTorch's common dtype
        a, b = (self, other) if self.dtype == other.dtype else _promoted(self, other)
        return Tensor._wrap(np.asarray(fn(a._data, b._data)))

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

    def _compare_method(self, fn, other, name):
        out = self._compare(fn, other)
        if out is NotImplemented:
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor or Number, not "
                            f"{type(other).__name__}")
        return out

    def eq(self, other):
        return self._compare_method(np.equal, other, "eq")

    def ne(self, other):
        return self._compare_method(np.not_equal, other, "ne")

    def lt(self, other):
        return self._compare_method(np.less, other, "lt")

    def le(self, other):
        return self._compare_method(np.less_equal, other, "le")

    def gt(self, other):
        return self._compare_method(np.greater, other, "gt")

    def ge(self, other):
        return self._compare_method(np.greater_equal, other, "ge")

    def __invert__(self):
        if self.dtype != bool:
            return Tensor._wrap(np.invert(self._data))
        return Tensor._wrap(~self._data)

    def _bitwise(self, fn, name, other, reverse=False):
        if not isinstance(other, (Tensor, numbers.Number, np.generic)):
            return NotImplemented
        a, b = _promoted(other, self) if reverse else _promoted(self, other)
        if a.dtype.kind == "f":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_torch_dtype_name(a.dtype)}'")
        _check_broadcast(a.shape, b.shape)
        return Tensor._wrap(np.asarray(fn(a._data, b._data)))

    def __and__(self, o):
        return self._bitwise(np.bitwise_and, "bitwise_and", o)

    def __rand__(self, o):
        return self._bitwise(np.bitwise_and, "bitwise_and", o, True)

    def __or__(self, o):
        return self._bitwise(np.bitwise_or, "bitwise_or", o)

    def __ror__(self, o):
        return self._bitwise(np.bitwise_or, "bitwise_or", o, True)

    def __xor__(self, o):
        return self._bitwise(np.bitwise_xor, "bitwise_xor", o)

    def __rxor__(self, o):
        return self._bitwise(np.bitwise_xor, "bitwise_xor", o, True)

    # -- elementwise functions --------------------------------------------------------
    def _float_only(self, name):
        if self.dtype.kind != "f":
            raise TypeError(f"{name}(): expected a floating point tensor, got dtype {self.dtype}")
        return self

    def exp(self):
        return ops.Exp.apply(self._to_float())  # ints promote, as PyTorch (issue 9)

    def log(self):
        return ops.Log.apply(self._to_float())  # ints promote, as PyTorch (issue 9)

    def sqrt(self):
        return ops.Sqrt.apply(self._to_float())  # ints promote, as PyTorch (issue 9)

    def tanh(self):
        return ops.Tanh.apply(self._to_float())  # ints promote, as PyTorch (issue 9)

    def sigmoid(self):
        return ops.Sigmoid.apply(self._to_float())  # ints promote, as PyTorch (issue 9)

    def relu(self):
        return ops.ReLU.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def clamp(self, min=None, max=None):  # noqa: A002
        """Clamp into [min, max]; bounds may be numbers or Tensors (broadcast). The result has PyTorch's
        promoted dtype: ``int_tensor.clamp(0.5)`` is float32, a 0-d float64 bound keeps a float32 tensor."""
        if min is None and max is None:
            raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
        bounds = [b for b in (min, max) if b is not None]
        x, *bounds = _promoted(self, *bounds)
        lo, hi = (bounds.pop(0) if min is not None else None), (bounds.pop(0) if max is not None else None)
        if not isinstance(min, Tensor) and not isinstance(max, Tensor):
            return ops.Clamp.apply(x, None if lo is None else lo._data, None if hi is None else hi._data)
        # issue 11: where a bound equals x the gradient goes to x (PyTorch's clamp_backward), not half to each
        # as maximum/minimum split ties; a NaN in x or in a bound propagates as in PyTorch (and a NaN x
        # gets no gradient: PyTorch's mask is min <= x <= max)
        if x.requires_grad and x.dtype.kind == "f":
            x = where(x.isnan(), x.detach(), x)
        if lo is not None:
            x = where((x < lo) | lo.isnan(), lo, x)
        if hi is not None:
            x = where((x > hi) | hi.isnan(), hi, x)
        return x

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

    def _var(self, name, dim, unbiased, keepdim, correction):
        if self.dtype.kind != "f":
            raise RuntimeError("std and var only support floating point and complex dtypes")
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        return ops.Var.apply(self, _reduce_dims(dim, self.ndim, name), correction, keepdim, name == "std")

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self._var("var", dim, unbiased, keepdim, correction)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self._var("std", dim, unbiased, keepdim, correction)

    def max(self, dim=None, keepdim=False):
        """``max()`` -> scalar tensor; ``max(dim)`` -> (values, indices), as in PyTorch."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            return ops.MaxAll.apply(self)
        d = self._argmax_dim(dim, "max")  # issue 11: 0-d and empty tensors as PyTorch
        if d is None:
            return MaxResult(self.clone(), Tensor._wrap(np.zeros((), np.int64)))
        values, indices = ops.MaxDim.apply(self, d, keepdim)
        return MaxResult(values, indices)

    def min(self, dim=None, keepdim=False):
        if dim is None:
            return -((-self).max())
        r = (-self).max(dim, keepdim)
        return MaxResult(-r.values, r.indices)

    def _argmax_dim(self, dim, name):
        """The checked axis of max/min/argmax/argmin(dim), or None for a 0-d tensor (the result is the element
        itself, index 0); an empty reduced dimension is PyTorch's IndexError (issue 11)."""
        if dim is None:
            if self._data.size == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            return None
        (d,) = _normalize_dims(dim, self.ndim, name)
        if self.ndim == 0:
            return None
        if self.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return d

    def argmax(self, dim=None, keepdim=False):
        d = self._argmax_dim(dim, "argmax")
        if d is None:
            return Tensor._wrap(np.asarray(np.argmax(self._data), dtype=np.int64))
        return Tensor._wrap(np.argmax(self._data, axis=d, keepdims=keepdim).astype(np.int64))

    def argmin(self, dim=None, keepdim=False):
        d = self._argmax_dim(dim, "argmin")
        if d is None:
            return Tensor._wrap(np.asarray(np.argmin(self._data), dtype=np.int64))
        return Tensor._wrap(np.argmin(self._data, axis=d, keepdims=keepdim).astype(np.int64))

    # -- views: share memory and the version counter with their base ----------------------
    def reshape(self, *shape):
        if not shape:  # issue 11: t.reshape() is an error in PyTorch, also for a 0-d tensor (reshape(()) is not)
            raise TypeError('reshape() missing 1 required positional arguments: "shape"')
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
        if not shape:
            raise TypeError("view() received an invalid combination of arguments - got (), but expected one of:\n"
                            " * (torch.dtype dtype)\n * (tuple of ints size)\n")
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
        if not dims:
            raise TypeError('permute() missing 1 required positional arguments: "dims"')
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
    swapdims = transpose

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

    # -- in-place view ops: the tensor itself takes the shape of its out-of-place view -------------
    def unsqueeze_(self, dim):
        self._check_inplace_view()
        out = self.unsqueeze(dim)
        d = dim % (self.ndim + 1)
        return self._commit_inplace_view(out, lambda a: np.expand_dims(a, d), lambda a: np.squeeze(a, d))

    def squeeze_(self, dim=None):
        self._check_inplace_view()
        shp = self._data.shape
        out = self.squeeze(dim)
        dims = range(self.ndim) if dim is None else _normalize_dims(dim, self.ndim, "squeeze") or ()
        gone = tuple(i for i in dims if shp[i] == 1)
        return self._commit_inplace_view(out, lambda a: np.squeeze(a, gone), lambda a: np.expand_dims(a, gone))

    def transpose_(self, dim0, dim1):
        self._check_inplace_view()
        out = self.transpose(dim0, dim1)
        d0, d1 = (_normalize_dims(d, self.ndim, "transpose")[0] for d in (dim0, dim1)) if self.ndim else (0, 0)
        swap = (lambda a: np.swapaxes(a, d0, d1)) if self.ndim else (lambda a: a)
        return self._commit_inplace_view(out, swap, swap)

    def t_(self):
        if self.ndim > 2:
            raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose_(0, 1) if self.ndim == 2 else self.transpose_(0, 0)

    def _check_inplace_view(self):
        """PyTorch's rule for in-place ops: a leaf that requires grad (or a view of one) is refused while grad
        mode is on."""
        if is_grad_enabled() and self._requires_grad:
            self._check_inplace_grad()

    def _commit_inplace_view(self, out, fwd, undo):
        """``self`` becomes ``out`` (its out-of-place view ``fwd(self's array)``, the same memory in another
        shape): it takes ``out``'s array and, when autograd recorded ``out``, its node, and the version is
        bumped, as PyTorch's in-place view ops do; a view stays a view of the same base (its ``_view_fn``
        followed by ``fwd``); a base records ``undo`` (new array -> previous one) so that views made
        before still find their region."""
        arr = fwd(self._data)  # a NumPy view, as out's array may not be (a reshape can copy)
        if arr.shape == self._data.shape and arr.strides == self._data.strides:
            undo = None  # nothing moved (e.g. squeeze_ of a dim that is not 1)
        self._data = arr
        if out.grad_fn is not None:  # (an earlier retain_grad() stays on the old node, as in PyTorch)
            self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        if self._base is not None:
            parent_fn = self._current_view_fn()
            self._view_fn = lambda a: fwd(parent_fn(a))
        elif undo is not None:
            self._reshaped = (*self._reshaped, undo)
        self._bump_version()
        return self

    def expand(self, *sizes):
        if not sizes:
            raise TypeError('expand() missing 1 required positional arguments: "size"')
        sizes = _shape_arg(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number "
                f"of dimensions in the tensor ({self.ndim})"
            )
        for i, s in enumerate(sizes[:lead]):
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
        target = tuple(self._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        for i, have in enumerate(self._data.shape):  # issue 11: PyTorch's message, not NumPy's ValueError
            if have != 1 and have != target[i + lead]:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target[i + lead]}) must match the existing size ({have}) at "
                    f"non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                    f"{list(self._data.shape)}")
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
        # PyTorch's order of checks: 0-d, length, dim, start's range, then start + length
        if self.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        (d,) = _normalize_dims(dim, self.ndim, "narrow")
        n = self._data.shape[d]
        if not -n <= start <= n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
        if start < 0:
            start += n
        if start + length > n:
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
        if n == 0:  # PyTorch: `chunks` empty pieces (a split would give one)
            return self.split([0] * chunks, d)
        return self.split(-(-n // chunks), d)

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
        node = CopySlices(self._current_view_fn())
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
        return self._commit_inplace(self.lerp(end, weight))  # issue 11: lerp's dtype check and formula

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
        _check_uniform_args(self, a, b)
        g = (generator or default_generator).numpy_generator
        return self._commit_inplace(ops.Fill.apply(self, g.uniform(a, b, size=self._data.shape)))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        _check_normal_args(self, std)
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
            _check_setitem_shape(self._data, index, value)
            self._data[index] = value._data
            self._bump_version()
            return
        _check_setitem_shape(self._data, index, value)
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

    def __ixor__(self, other):
        return self._commit_inplace(self ^ other)

    # =====================================================================================
    # -- API breadth (issue 9) --
    # Math functions, reductions and tensor ops with PyTorch's signatures. The math is in ops.py
    # (its own "API breadth" section); here: argument checks, dtype promotion, named results.
    # =====================================================================================
    def _to_float(self):
        """Integer/bool tensors become the default float dtype (PyTorch's rule for sin, exp, ...)."""
        if self.dtype.kind == "f":
            return self
        return self.type(get_default_dtype())

    def sin(self):
        return ops.Sin.apply(self._to_float())

    def cos(self):
        return ops.Cos.apply(self._to_float())

    def tan(self):
        return ops.Tan.apply(self._to_float())

    def asin(self):
        return ops.Asin.apply(self._to_float())

    def acos(self):
        return ops.Acos.apply(self._to_float())

    def atan(self):
        return ops.Atan.apply(self._to_float())

    def sinh(self):
        return ops.Sinh.apply(self._to_float())

    def cosh(self):
        return ops.Cosh.apply(self._to_float())

    def exp2(self):
        return ops.Exp2.apply(self._to_float())

    def expm1(self):
        return ops.Expm1.apply(self._to_float())

    def log2(self):
        return ops.Log2.apply(self._to_float())

    def log10(self):
        return ops.Log10.apply(self._to_float())

    def log1p(self):
        return ops.Log1p.apply(self._to_float())

    def rsqrt(self):
        return ops.Rsqrt.apply(self._to_float())

    def erf(self):
        return ops.Erf.apply(self._to_float())

    def reciprocal(self):
        return ops.Reciprocal.apply(self._to_float())

    arcsin, arccos, arctan = asin, acos, atan

    def square(self):
        return ops.Square.apply(self) if self.dtype.kind == "f" else Tensor._wrap(np.square(self._data))

    def _rounding(self, fn, name):
        if self.dtype.kind != "f":
            return Tensor._wrap(np.array(self._data, copy=True))  # integers are already whole
        return fn.apply(self)

    def sign(self):
        return ops.Sign.apply(self) if self.dtype.kind == "f" else Tensor._wrap(np.sign(self._data))

    def floor(self):
        return self._rounding(ops.Floor, "floor")

    def ceil(self):
        return self._rounding(ops.Ceil, "ceil")

    def trunc(self):
        return self._rounding(ops.Trunc, "trunc")

    fix = trunc

    def round(self, decimals=0):
        if decimals != 0:
            return ops.RoundDecimals.apply(self._float_only("round"), decimals)
        return self._rounding(ops.Round, "round")

    def frac(self):
        if self.dtype.kind != "f":
            raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_torch_dtype_name(self.dtype)}'")
        return ops.Frac.apply(self)

    def negative(self):
        return -self

    neg = negative

    def absolute(self):
        return self.abs()

    def _binary_float(self, fn, other, name):
        other = self._operand(other)
        a = self if (self.dtype.kind == "f" or other.dtype.kind == "f") else self._to_float()
        return a._binary(fn, other)

    def atan2(self, other):
        return self._binary_float(ops.Atan2, other, "atan2")

    arctan2 = atan2

    def maximum(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"maximum(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self._binary(ops.Maximum, other)

    def minimum(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"minimum(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return self._binary(ops.Minimum, other)

    def fmod(self, other):
        return self._binary(ops.Fmod, other)

    def remainder(self, other):
        return self._binary(ops.Remainder, other)

    __mod__ = remainder

    def __rmod__(self, other):
        return self._binary(ops.Remainder, other, True)

    def __floordiv__(self, other):
        return Tensor._wrap(np.floor_divide(self._data, self._operand(other)._data))

    def lerp(self, end, weight):
        """``self + weight * (end - self)``."""
        for name, t in (("end", end), ("weight", weight)):  # issue 11: no type promotion, as PyTorch
            if name == "weight" and isinstance(t, Tensor) and t.ndim == 0:
                weight = t.type(self.dtype)  # except for a 0-d weight, which counts as a number
            elif isinstance(t, Tensor) and t.dtype != self.dtype:
                names = {"float32": "float", "float64": "double", "int64": "long"}
                raise RuntimeError(f"expected dtype {names.get(self.dtype.name, self.dtype.name)} for `{name}` but "
                                   f"got dtype {names.get(t.dtype.name, t.dtype.name)}")
        # PyTorch's two-sided formula: exact at weight 1 even when |self| >> |end| (issue 11)
        diff = end - self
        if isinstance(weight, Tensor):
            return where(weight.abs() < 0.5, self + weight * diff, end - diff * (1 - weight))
        return self + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)

    def where(self, condition, other):
        return where(condition, self, other)

    # -- reductions ------------------------------------------------------------------
    def prod(self, dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self.type(dtype)
        if dim is not None and not isinstance(dim, numbers.Integral):
            raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
        d = None if dim is None else (_reduce_dims(dim, self.ndim, "prod") or (None,))[0]
        if x.dtype.kind != "f":
            return Tensor._wrap(np.asarray(np.prod(x._data, axis=d, keepdims=keepdim)).astype(np.int64))
        return ops.Prod.apply(x, d, keepdim)

    def _amax(self, dim, keepdim, is_min):
        name = "amin" if is_min else "amax"
        dims = _reduce_dims(dim, self.ndim, name) if dim not in (None, ()) else None
        if self._data.size == 0 and dims is None:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                             "Specify the reduction dim with the 'dim' argument.")
        for d in dims or ():
            if self.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return ops.AMax.apply(self, dims, keepdim, is_min)

    def amax(self, dim=(), keepdim=False):
        return self._amax(dim, keepdim, False)

    def amin(self, dim=(), keepdim=False):
        return self._amax(dim, keepdim, True)

    def logsumexp(self, dim, keepdim=False):
        return ops.LogSumExp.apply(self._to_float(), _reduce_dims(dim, self.ndim, "logsumexp"), keepdim)

    def cumsum(self, dim, dtype=None):
        x = self if dtype is None else self.type(dtype)
        d = _normalize_dims(dim, self.ndim, "cumsum")[0]
        if self.ndim == 0:  # issue 11: a 0-d tensor stays 0-d (NumPy's cumsum would flatten it to 1 element)
            return x.clone() if x.dtype.kind == "f" or dtype is not None else x.type(int64)
        return ops.CumSum.apply(x, d)

    def cumprod(self, dim, dtype=None):
        x = self if dtype is None else self.type(dtype)
        d = _normalize_dims(dim, self.ndim, "cumprod")[0]
        if self.ndim == 0:
            return x.clone() if x.dtype.kind == "f" or dtype is not None else x.type(int64)
        return ops.CumProd.apply(x, d)

    def all(self, dim=None, keepdim=False):
        d = _normalize_dims(dim, self.ndim, "all")
        return Tensor._wrap(np.asarray(np.all(self._data, axis=d, keepdims=keepdim)))

    def any(self, dim=None, keepdim=False):
        d = _normalize_dims(dim, self.ndim, "any")
        return Tensor._wrap(np.asarray(np.any(self._data, axis=d, keepdims=keepdim)))

    def count_nonzero(self, dim=None):
        d = _normalize_dims(dim, self.ndim, "count_nonzero")
        return Tensor._wrap(np.asarray(np.count_nonzero(self._data, axis=d), dtype=np.int64))

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """``norm()`` (2-norm of all elements), ``norm(p, dim)``; p a number, inf or 'fro'."""
        if p == "fro" or p is None:
            p = 2
        if isinstance(p, str):
            raise RuntimeError(f"norm(): p={p!r} (matrix norms other than 'fro') is not supported by miniconv")
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                               f"Got {_torch_dtype_name(x.dtype)}")
        dims = _reduce_dims(dim, self.ndim, "norm")
        if float(p) < 0 or np.isinf(p):  # issue 11: max/min over nothing has no identity, as PyTorch
            if self._data.size == 0 and (dims is None or any(self.shape[d] == 0 for d in dims)):
                raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because "
                                   "the operation does not have an identity")
        return ops.VectorNorm.apply(x, float(p), dims, keepdim)

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) sorted along ``dim``; ties keep their order."""
        d = _normalize_dims(dim, self.ndim, "sort")[0] if self.ndim else _normalize_dims(dim, 0, "sort") and None
        if d is None:
            return SortResult(self.clone(), Tensor._wrap(np.zeros((), np.int64)), name="sort")
        key = self._data if not descending else (~self._data if self.dtype == bool else -self._data)
        idx = np.argsort(key, axis=d, kind="stable")
        return SortResult(ops.TakeAlong.apply(self, idx, d), Tensor._wrap(idx.astype(np.int64)), name="sort")

    def argsort(self, dim=-1, descending=False, stable=False):
        return self.sort(dim, descending, stable).indices

    def msort(self):
        return self.sort(0).values

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        d = _normalize_dims(dim, self.ndim, "topk")[0]
        n = self.shape[d] if self.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError("selected index k out of range")
        if self.ndim == 0:  # issue 11: k is 0 or 1 here; NumPy has no axis 0 of a 0-d array
            return SortResult(self.clone(), Tensor._wrap(np.zeros((), np.int64)), name="topk")
        s = self.sort(d, descending=largest)
        idx = s.indices._data.take(range(k), axis=d)
        return SortResult(ops.TakeAlong.apply(self, idx, d), Tensor._wrap(idx), name="topk")

    # -- joining, splitting, indexing --------------------------------------------------





    def _index_arg(self, index, name):
        if not isinstance(index, Tensor):
            raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
        if index.dtype != int64:
            raise RuntimeError(f"{name}(): Expected dtype int64 for index")
        return index._data

    def gather(self, dim, index, sparse_grad=False):
        idx = self._index_arg(index, "gather")
        d = _normalize_dims(dim, self.ndim, "gather")[0]
        if idx.ndim != self.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        for i in range(self.ndim):
            if i != d and idx.shape[i] > self.shape[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be no "
                                   f"larger than self {list(self.shape)} apart from dimension {d}")
        _check_index_range(idx, self.shape[d], d)
        src = ops.Index.apply(self, tuple(slice(None) if i == d else slice(0, idx.shape[i]) for i in range(self.ndim)))
        return ops.TakeAlong.apply(src, idx, d)

    def _scatter(self, dim, index, src, add, name):
        idx = self._index_arg(index, name)
        d = _normalize_dims(dim, self.ndim, name)[0]
        if idx.ndim != self.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
        _check_index_range(idx, self.shape[d], d)
        if not isinstance(src, Tensor):
            src = Tensor._wrap(np.asarray(src, dtype=self.dtype))
        elif src.dtype != self.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        return ops.Scatter.apply(self, d, idx, src, add)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        if reduce is not None:
            raise NotImplementedError("scatter(reduce=...) is not supported by miniconv; use scatter_add")
        return self._scatter(dim, index, value if src is None else src, False, "scatter")

    def scatter_add(self, dim, index, src):
        return self._scatter(dim, index, src, True, "scatter_add")

    def index_select(self, dim, index):
        idx = self._index_arg(index, "index_select")
        if idx.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        d = _normalize_dims(dim, max(self.ndim, 1), "index_select")[0]
        if self.ndim == 2 and d == 1 and idx.size and (idx.min() < 0 or idx.max() >= self.shape[1]):
            # PyTorch's CPU kernel for the last dim of a matrix reports it as a RuntimeError
            bad = idx.max() if idx.max() >= self.shape[1] else idx.min()
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={self.shape[1]}")
        _check_index_range(idx, self.shape[d], d, select=True)
        return ops.IndexSelect.apply(self, d, idx.reshape(-1))

    def masked_fill(self, mask, value):
        if not isinstance(mask, Tensor) or mask.dtype != bool:
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                               f"{_torch_dtype_name(mask.dtype) if isinstance(mask, Tensor) else type(mask).__name__}")
        _check_broadcast(self.shape, mask.shape)
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value.ndim} dimension(s).")
            value = value.item()
        if self.dtype.kind in "iub" and isinstance(value, float) and not np.isfinite(value):
            raise RuntimeError(f"value cannot be converted to type {self.dtype.name}_t without overflow")
        return ops.MaskedFill.apply(self, mask._data, value)

    def masked_select(self, mask):
        """The elements where ``mask`` (bool) is True, as a 1-D tensor; input and mask broadcast together."""
        if not isinstance(mask, Tensor) or mask.dtype != bool:
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        _check_broadcast(self.shape, mask.shape)
        shape = np.broadcast_shapes(tuple(self.shape), tuple(mask.shape))
        x = self if self.shape == shape else self.expand(shape)
        return x[mask if mask.shape == shape else mask.expand(shape)]

    def repeat(self, *sizes):
        if not sizes:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        sizes = _shape_arg(sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                               "of tensor")
        return ops.Tile.apply(self, sizes)

    def tile(self, *dims):
        if not dims:
            raise TypeError('tile() missing 1 required positional arguments: "dims"')
        dims = _shape_arg(dims)
        dims = (1,) * (self.ndim - len(dims)) + dims
        return ops.Tile.apply(self, dims)


    def type_as(self, other):
        return self.type(other.dtype)

    def flip(self, *dims):
        dims = _normalize_dims(_shape_arg(dims), self.ndim, "flip") or ()
        return ops.Index.apply(self, tuple(slice(None, None, -1) if i in dims else slice(None)
                                           for i in range(self.ndim)))

    def movedim(self, source, destination):
        """A view with the dims ``source`` (int or sequence) moved to the positions ``destination``."""
        src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
        dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
        if len(src) != len(dst):
            raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                               f"contain the same number of dims as destination ({list(dst)} dims)")
        s = [_normalize_dims(i, self.ndim, "movedim")[0] for i in src]
        d = [_normalize_dims(i, self.ndim, "movedim")[0] for i in dst]
        for name, given, dims in (("source", src, s), ("destination", dst, d)):
            if len(set(dims)) != len(dims):
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
        if self.ndim == 0:
            return self._permute(())
        perm = [None] * self.ndim
        for a, b in zip(s, d):
            perm[b] = a
        rest = iter(i for i in range(self.ndim) if i not in s)
        return self._permute(tuple(next(rest) if p is None else p for p in perm))

    moveaxis = movedim



    def unflatten(self, dim, sizes):
        d = _normalize_dims(dim, self.ndim, "unflatten")[0]
        sizes = tuple(sizes)
        shp = self._data.shape
        if -1 in sizes:
            known = int(np.prod([s for s in sizes if s != -1]))
            sizes = tuple(shp[d] // known if s == -1 else s for s in sizes)
        if int(np.prod(sizes)) != shp[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                               f"({shp[d]}) in the input tensor")
        return self.reshape(shp[:d] + sizes + shp[d + 1:])

    # -- products --------------------------------------------------------------------
    def mm(self, mat2):
        if self.ndim != 2:
            raise RuntimeError("self must be a matrix")
        if not isinstance(mat2, Tensor) or mat2.ndim != 2:
            raise RuntimeError("mat2 must be a matrix")
        return self @ mat2

    def bmm(self, mat2):
        if self.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if not isinstance(mat2, Tensor) or mat2.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        if self.shape[0] != mat2.shape[0] or self.shape[2] != mat2.shape[1]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{self.shape[0]}, {self.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
        return self @ mat2

    def dot(self, other):
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
        if self.shape[0] != other.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{self.shape[0]}] and src "
                               f"[{other.shape[0]}] to have the same number of elements, but got {self.shape[0]} and "
                               f"{other.shape[0]} elements respectively")
        return self @ other

    def outer(self, vec2):
        if self.ndim != 1 or vec2.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument self, but got {self.ndim}-D" if self.ndim != 1 else
                               f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    # -- comparisons and tests (no gradient) --------------------------------------------
    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        o = other._data if isinstance(other, Tensor) else other
        return Tensor._wrap(np.asarray(np.isclose(self._data, o, rtol=rtol, atol=atol, equal_nan=equal_nan)))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _builtin_bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def equal(self, other):
        return self.shape == other.shape and _builtin_bool(np.array_equal(self._data, other._data))

    def isnan(self):
        return Tensor._wrap(np.isnan(self._data))

    def isinf(self):
        return Tensor._wrap(np.isinf(self._data))

    def isfinite(self):
        return Tensor._wrap(np.isfinite(self._data))

    def is_floating_point(self):
        return self.dtype.kind == "f"

    def nonzero(self, as_tuple=False):
        idx = np.nonzero(self._data) if self.ndim else np.nonzero(self._data.reshape(1))
        if as_tuple:
            return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
        return Tensor._wrap(np.stack(idx, axis=1).astype(np.int64) if self.ndim else
                            np.zeros((int(_builtin_bool(self._data)), 0), np.int64))

    def argwhere(self):
        return self.nonzero()

    def logical_not(self):
        return Tensor._wrap(np.logical_not(self._data))

    def logical_and(self, other):
        return Tensor._wrap(np.logical_and(self._data, other._data if isinstance(other, Tensor) else other))

    def logical_or(self, other):
        return Tensor._wrap(np.logical_or(self._data, other._data if isinstance(other, Tensor) else other))

    greater, greater_equal, less, less_equal, not_equal = (
        lambda s, o: s > o, lambda s, o: s >= o, lambda s, o: s < o, lambda s, o: s <= o, lambda s, o: s != o)

    # -- neural-network helpers as methods (x.softmax(1), x.log_softmax(-1)) -------------
    def softmax(self, dim, dtype=None):
        return _softmax(self, ops.Softmax, "softmax", dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _softmax(self, ops.LogSoftmax, "log_softmax", dim, dtype)

    # -- new tensors with this tensor's dtype ----------------------------------------------
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return _creation.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return _creation.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return _creation.full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return _creation.tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    # NumPy-style keyword aliases PyTorch accepts: axis= for dim=, keepdims= for keepdim=
    sum = _numpy_aliases(sum)
    mean = _numpy_aliases(mean)
    var = _numpy_aliases(var)
    std = _numpy_aliases(std)
    max = _numpy_aliases(max)
    min = _numpy_aliases(min)
    argmax = _numpy_aliases(argmax)
    argmin = _numpy_aliases(argmin)
    prod = _numpy_aliases(prod)
    amax = _numpy_aliases(amax)
    amin = _numpy_aliases(amin)
    logsumexp = _numpy_aliases(logsumexp)
    all = _numpy_aliases(all)  # noqa: A003
    any = _numpy_aliases(any)  # noqa: A003
    norm = _numpy_aliases(norm)
    cumsum = _numpy_aliases(cumsum)
    cumprod = _numpy_aliases(cumprod)
    squeeze = _numpy_aliases(squeeze)
    unsqueeze = _numpy_aliases(unsqueeze)
    sort = _numpy_aliases(sort)
    argsort = _numpy_aliases(argsort)
    flatten = _numpy_aliases(flatten)


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

    def __repr__(self):
        return f"miniconv.return_types.max(\nvalues={self[0]!r},\nindices={self[1]!r})"

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]




def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, _builtin_bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"shape must be a sequence of ints, got an element of type {type(s).__name__}")
    return tuple(int(s) for s in shape)


def _check_setitem_shape(arr, index, value):
    """``t[index] = value``: a value that does not broadcast to the region raises PyTorch's RuntimeError
    (issue 11; NumPy's would be a ValueError)."""
    if value.ndim == 0:
        return
    target = arr[index].shape
    vs = value.shape
    if len(vs) > len(target) and any(v != 1 for v in vs[:len(vs) - len(target)]):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(vs)}}}, size={list(target)}): the number of sizes "
                           f"provided ({len(target)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(vs)})")
    for i, (v, t) in enumerate(zip(vs[::-1], target[::-1])):
        if v != 1 and v != t:
            d = len(target) - 1 - i
            raise RuntimeError(f"The expanded size of the tensor ({t}) must match the existing size ({v}) at "
                               f"non-singleton dimension {d}.  Target sizes: {list(target)}.  Tensor sizes: {list(vs)}")


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


_C_TYPE_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
                 "bool": "bool"}


def _number_array(x, dt):
    """A Python number as a 0-d array of dtype ``dt``; integers wrap around into a narrower integer dtype
    as PyTorch's casts do (``uint8_tensor > -1`` compares with 255; NumPy 2 would raise OverflowError)."""
    is_int = isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (_builtin_bool, np.bool_))
    if dt.kind in "iu" and is_int:
        if not np.can_cast(np.min_scalar_type(x), dt) and -2**63 <= x < 2**64:
            return np.array(int(x) % 2**64, dtype=np.uint64).astype(dt)
    return np.asarray(x, dtype=dt)


def _promoted(*operands):
    """``operands`` (Tensors and Python numbers) as Tensors of their common dtype, ``result_type(*operands)``:
    PyTorch's type promotion, used by every op that combines operands (a cast keeps the gradient)."""
    dt = result_type(*operands)
    return tuple((x if x.dtype == dt else x.type(dt)) if isinstance(x, Tensor) else Tensor._wrap(_number_array(x, dt))
                 for x in operands)


def where(condition, input, other):  # noqa: A002
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    a, b = (Tensor(np.array(x, dtype=_infer_dtype(x))) if isinstance(x, (list, tuple, np.ndarray)) else x
            for x in (input, other))
    a, b = _promoted(a, b)  # PyTorch's type promotion: where(c, int_tensor, 0.5) is float32
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


def _check_uniform_args(t, a, b):
    """PyTorch's checks for ``uniform_`` (Tensor method and ``nn.init``), in its order: the dtype (even
    when empty), then the range."""
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{_torch_dtype_name(t.dtype)}'")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")


def _check_normal_args(t, std):
    """PyTorch's checks for ``normal_`` (Tensor method and ``nn.init``), in its order: ``std`` (NaN
    fails too, even when empty or integer), then the dtype (no check when there is nothing to fill)."""
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if t._data.dtype.kind != "f" and t._data.size:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{_torch_dtype_name(t.dtype)}'")


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
        elif type(i) is not int:
            continue  # only watched (autograd's watch_versions), not kept: no old values to keep
        else:
            s = saved[i]
            saved[i] = Tensor._wrap(s._data.copy()) if isinstance(s, Tensor) else s.copy()
    node._saved = tuple(saved)
    node._saved_versions = tuple(versions)

# -- API breadth (issue 9): helpers used by the section at the end of Tensor -----------------
class SortResult(tuple):
    """(values, indices) with attribute access, like torch.return_types.sort / topk."""

    def __new__(cls, values, indices, name="sort"):
        self = super().__new__(cls, (values, indices))
        self._name = name
        return self

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"miniconv.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _torch_dtype_name(dt):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "int16": "Short",
            "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(np.dtype(dt).name, str(dt))


def _check_index_range(idx, size, dim, select=False):
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx.min() if idx.min() < -size else idx.max()
        if select:
            raise IndexError(f"index out of range in self (index {bad}, dimension {dim} of size {size})")
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _format_array(a, indent):
    """PyTorch's tensor printing (``torch/_tensor_str.py``: _Formatter, _vector_str,
    _tensor_str_with_formatter) for a non-empty array: same widths, line breaks and summarisation."""
    edge, linewidth = 3, 80
    summarize = a.size > 1000

    def summarized(x):
        if x.ndim == 0:
            return x.reshape(1)
        if summarize and x.shape[0] > 2 * edge:
            return np.concatenate([summarized(x[i]) for i in list(range(edge)) + list(range(len(x) - edge, len(x)))])
        return np.concatenate([summarized(x[i]) for i in range(len(x))]) if x.ndim > 1 else x

    vals = summarized(a)
    floating = a.dtype.kind == "f"
    int_mode, sci, width = True, False, 1
    if floating:
        finite = vals[np.isfinite(vals)]
        nz = finite[finite != 0].astype(np.float64)
        if nz.size:
            mx, mn = np.abs(nz).max(), np.abs(nz).min()
            int_mode = _builtin_bool(np.all(nz == np.ceil(nz)))
            if int_mode:
                sci = mx / mn > 1000.0 or mx > 1.0e8
                width = max(len(f"{v:.4e}") if sci else len(f"{v:.0f}") + 1 for v in nz)
            else:
                sci = mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4
                width = max(len(f"{v:.4e}") if sci else len(f"{v:.4f}") for v in nz)
    else:
        width = max(len(str(v)) for v in vals.tolist())

    def fmt(v):
        if floating:
            v = float(v)
            if sci:
                out = f"{v:.4e}"
            elif int_mode:
                out = f"{v:.0f}" + ("." if np.isfinite(v) else "")
            else:
                out = f"{v:.4f}"
        else:
            out = str(v)
        return " " * (width - len(out)) + out

    def vector(x, ind):
        per_line = max(1, int((linewidth - ind) // (width + 2)))
        if summarize and len(x) > 2 * edge:
            data = [fmt(v) for v in x[:edge].tolist()] + [" ..."] + [fmt(v) for v in x[-edge:].tolist()]
        else:
            data = [fmt(v) for v in x.tolist()]
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (ind + 1)).join(lines) + "]"

    def nested(x, ind):
        if x.ndim == 0:
            return fmt(x.item())
        if x.ndim == 1:
            return vector(x, ind)
        if summarize and x.shape[0] > 2 * edge:
            parts = [nested(x[i], ind + 1) for i in range(edge)] + ["..."] + \
                    [nested(x[i], ind + 1) for i in range(len(x) - edge, len(x))]
        else:
            parts = [nested(x[i], ind + 1) for i in range(len(x))]
        return "[" + ("," + "\n" * (x.ndim - 1) + " " * (ind + 1)).join(parts) + "]"

    return nested(a, indent)


def _softmax_dim(name, dim, ndim):
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


def _softmax(input, fn, name, dim, dtype):  # noqa: A002
    """softmax / log_softmax of ``input`` along ``dim`` (``fn`` is ops.Softmax or ops.LogSoftmax)."""
    if dtype is not None:
        input = input.type(dtype)
    d = _softmax_dim(name, dim, input.ndim)  # the dim is checked first, as PyTorch
    if input.dtype.kind != "f":
        if input._data.size == 0:  # issue 11: no kernel runs on an empty tensor, so PyTorch returns one
            return Tensor._wrap(np.empty_like(input._data))
        kernel = "lastdim_kernel_impl" if d == max(input.ndim, 1) - 1 else "kernel_impl"
        raise NotImplementedError(f"\"{name}_{kernel}\" not implemented for '{_torch_dtype_name(input.dtype)}'")
    if input.ndim == 0:
        return fn.apply(input.reshape(1), 0).reshape(())
    return fn.apply(input, d)


# Bound last: these modules import Tensor from this one (the functions above only call them).
from . import creation as _creation  # noqa: E402
