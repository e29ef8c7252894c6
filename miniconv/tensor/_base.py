"""The Tensor's base: storage (a NumPy array shared by views), the version counter, views, autograd
attributes, hooks and the plain properties (the conversions ``to``, ``float``, ``clone``, ... and the
``new_*`` constructors are in ``_compat``).

The families of operations are mixins beside this file (``_arith``, ``_elementwise``, ``_reduce``,
``_shape``, ``_indexing``, ``_inplace``, ``_print``); ``tensor/__init__.py`` assembles them with this
base into ``Tensor``. Nothing here computes a gradient: the Functions are in ``miniconv.ops``.
"""
import sys
import warnings
import weakref

import numpy as np

from .. import ops
from .._args import array_from_data, normalize_dims, number_array, warn_list_of_ndarrays
from .._device import CPU
from ..autograd.entry_points import backward as _autograd_backward
from ..autograd.view_nodes import ViewRegen
from ..autograd.node import RemovableHandle, _edge, forward_op_name
from ..autograd.grad_mode import is_grad_enabled
from ..dtypes import _OF_NUMPY as _DTYPE_OF
from ..dtypes import (  # noqa: A004
    _SUPPORTED, _builtin_bool, _builtin_float, _check_dtype, _check_memory_format, bool, channels_last,
    channels_last_3d, float32, float64, get_default_dtype, int32, int64, result_type, strided,
)

# The assembled class (this base + the mixins), bound by tensor/__init__.py. Every result an op makes is
# a plain ``Tensor``, also for an op on a Parameter, as in PyTorch.
Tensor = None


class _VersionCounter:
    """How many in-place writes a storage has seen; shared by a tensor, its views and ``detach()``.
    ``value`` starts as the class attribute (no ``__init__``: every op result makes one, and a Python
    ``__init__`` costs ~0.2 us a call); the first bump gives the instance its own."""

    value = 0


class Size(tuple):
    """A tuple of ints, printed as ``miniconv.Size([2, 3])``."""

    def __repr__(self):
        return f"miniconv.Size({list(self)})"

    def numel(self):
        return int(np.prod(self))

    # as torch.Size: concatenating, repeating and slicing give a Size
    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __getitem__(self, index):
        out = tuple.__getitem__(self, index)
        return Size(out) if isinstance(index, slice) else out


def _called_from_miniconv():
    """True when ``Tensor(...)`` was called by miniconv's own code (frame 0: this function, 1: ``__init__``)."""
    name = sys._getframe(2).f_globals.get("__name__", "")
    return name == "miniconv" or name.startswith("miniconv.")


def _legacy_constructor_data(args, device):
    """The data of PyTorch's legacy constructor ``torch.Tensor(...)`` called from user code: ``Tensor(2, 3)`` and
    ``Tensor(Size)`` zero-filled sizes (PyTorch leaves the memory uninitialized), ``Tensor([1, 2])`` nested
    sequences converted to the default float dtype, ``Tensor(t)`` ``t``'s memory (any dtype), ``Tensor()`` an
    empty tensor, ``Tensor(ndarray)`` the array itself when it has the default float dtype (memory shared, as
    PyTorch shares it), else a copy converted to that dtype (``torch.Tensor(state)`` on a float64 NumPy state
    gives float32)."""
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {device} was passed")
    dtype = get_default_dtype()
    if not args:
        return np.zeros(0, dtype=dtype)
    if len(args) == 1 and isinstance(args[0], TensorBase):
        return args[0]._data
    if (len(args) == 1 and isinstance(args[0], Size)) or all(
            isinstance(a, (int, np.integer)) and not isinstance(a, _builtin_bool) for a in args):
        sizes = tuple(int(a) for a in (args[0] if isinstance(args[0], Size) else args))
        for n in sizes:
            if n < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(sizes)}")
        return np.zeros(sizes, dtype=dtype)
    if len(args) > 1 and isinstance(args[0], (int, np.integer)):
        pos, bad = next((i, a) for i, a in enumerate(args) if not isinstance(a, (int, np.integer)) or
                        isinstance(a, _builtin_bool))
        raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {pos + 1} with error "
                        f'"type must be tuple of ints,but got {type(bad).__name__}"')
    if len(args) > 1:
        raise TypeError("new() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)}), but expected one of:\n"
                        " * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n"
                        " * (tuple of ints size, *, torch.device device = None)\n"
                        " * (object data, *, torch.device device = None)")
    data = args[0]
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, np.ndarray):
        if data.dtype == dtype:
            return data
        _check_dtype(data.dtype)
        return data.astype(dtype)
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    warn_list_of_ndarrays(data)
    return array_from_data([d._data if isinstance(d, TensorBase) else d for d in data], dtype)


_warned = {"float_requires_grad": False}


def _number_tensor(arr):
    """A Python number as the 0-d Tensor an op computes with, marked as such: PyTorch's node keeps a number
    operand in itself, so saved-tensor hooks never see it (autograd/function.py ``_saved_tensor``)."""
    t = Tensor._wrap(arr)
    t._from_number = True
    return t


_NO_GRAD_VIEW = ("no_grad",)
_VIEW_OF_MULTI_OUTPUT = ("view of a multi-output view",)  # named by the view's own node


def _view_meta_error(meta, what, tensor=None):
    """PyTorch's error for an in-place change of a view it forbids (``TensorBase._view_meta``); ``what``: "is
    being modified inplace" or "its base or another view of its base has been modified inplace"."""
    if meta is _VIEW_OF_MULTI_OUTPUT:
        meta = (forward_op_name(tensor.grad_fn.name()) if tensor.grad_fn is not None else "View", tensor._output_nr)
    if meta is _NO_GRAD_VIEW:
        return RuntimeError(
            f"A view was created in no_grad mode and {what} with grad mode enabled. Given that this use case is "
            "ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the "
            "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked).")
    return RuntimeError(
        f"Output {meta[1]} of {meta[0]} is a view and {what}. This view is the output of a function that returns "
        "multiple views. Such functions do not allow the output views to be modified inplace. You should replace "
        "the inplace operation by an out-of-place one.")


_NON_LEAF_GRAD_MSG = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, "
    "use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
    "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.")
# PyTorch's names of a dtype in the .grad assignment error: its C type, and its ScalarType
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
           "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
_SCALAR_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_LEAF_FLAG_MSG = "you can only change requires_grad flags of leaf variables."
_LEAF_FLAG_HINT = (" If you want to use a computed variable in a subgraph that doesn't require differentiation use "
                   "var_no_grad = var.detach().")


class TensorBase:
    """Storage, versions, views, autograd attributes and hooks of a Tensor (see the module docstring)."""

    __array_priority__ = 1000  # make ndarray (op) Tensor defer to Tensor's reflected operators

    # defaults shared by every instance until set (keeps ``_wrap``, the hot path, short)
    _grad = None
    grad_fn = None
    _output_nr = 0
    _accumulator = None
    _requires_grad = False
    _base = None  # a view: the tensor whose storage it views (never itself a view)
    # a view PyTorch forbids to modify in place with grad mode on: ("no_grad",) made under no_grad from a tensor
    # that requires grad, or (op name, output number) an output of split / unbind (see _view_meta_error)
    _view_meta = None
    _view_fn = None  # a view: base's array -> this view's array
    _view_gen = 0  # a view: base's _history_gen when this view's grad_fn was made
    _reshaped = ()  # a base: per in-place view op on it (unsqueeze_, t_, ...), its new array -> the previous one
    _view_reshaped = 0  # a view: len(base._reshaped) when its _view_fn was made
    _history_gen = 0  # bumped when an in-place op gives this tensor a new history

    def __init__(self, *args, requires_grad=False, device=None):
        if type(self) is Tensor and not _called_from_miniconv():
            data = _legacy_constructor_data(args, device)  # user code: ``torch.Tensor(...)``, PyTorch's rules
        elif len(args) == 1:
            data = args[0]  # miniconv's own ``Tensor(array)``: the array as it is
        else:
            raise TypeError(f"Tensor() takes one positional argument (data), got {len(args)}")
        if isinstance(data, TensorBase):
            data = data._data
        arr = data if isinstance(data, np.ndarray) else np.asarray(data)
        if arr.dtype not in _SUPPORTED:
            if arr.dtype.kind == "f":
                arr = arr.astype(np.float32)
            else:
                _check_dtype(arr.dtype)
        self._data = arr
        self._version_counter = _VersionCounter()
        if requires_grad:
            if arr.dtype.kind != "f":  # PyTorch's wording differs by the way the flag is set
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            self._requires_grad = True

    @staticmethod
    def _wrap(arr):
        """Wrap an array as a Tensor without checks or copies (the internal fast path)."""
        t = object.__new__(Tensor)
        t._data = arr
        t._version_counter = _VersionCounter()
        return t

    @staticmethod
    def _from_data(data):
        """``Tensor(data)``: an array (or array-like) checked and converted as the constructor does."""
        return Tensor(data)

    @staticmethod
    def _promote(*operands):
        """``operands`` (Tensors and Python numbers) as Tensors of their common dtype, ``result_type(*operands)``:
        PyTorch's type promotion, used by every op that combines operands (a cast keeps the gradient)."""
        dt = result_type(*operands)
        return tuple((x if x.dtype == dt else x.type(dt)) if isinstance(x, TensorBase)
                     else _number_tensor(number_array(x, dt)) for x in operands)

    # -- storage and versions ------------------------------------------------------
    # Inside miniconv the NumPy array is always reached as ``t._data``.
    @property
    def data(self):
        """A Tensor sharing this tensor's memory, cut from the graph. As in PyTorch, it has its own
        version counter: in-place changes through ``.data`` are invisible to autograd's checks."""
        return self._wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, TensorBase):
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

    def _make_view(self, out, view_fn, shares=False):
        """Turn ``out`` (whose array views ``self``'s) into a view of ``self``: shared version counter,
        the root base, and how to get ``out``'s array from the base's (``shares``: known to share memory)."""
        if not shares and not np.may_share_memory(out._data, self._data):  # e.g. reshape had to copy
            return out
        out._version_counter = self._version_counter
        meta = self._view_meta  # a view of such a view is one too (PyTorch then names the last view op)
        if meta is not None and meta is not _NO_GRAD_VIEW:
            meta = _VIEW_OF_MULTI_OUTPUT
        elif meta is None and self._requires_grad and not is_grad_enabled():
            meta = _NO_GRAD_VIEW
        if meta is not None:
            out._view_meta = meta
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

    def _check_view_meta_base(self):
        """PyTorch's error when a view it forbids to modify (``_view_meta``) is needed after its base changed."""
        if self._view_meta is not None:
            raise _view_meta_error(self._view_meta, "its base or another view of its base has been modified inplace",
                                   self)

    def _regenerate_view(self):
        """The base got a new history (an in-place op): this view's grad_fn is ``view_fn(base)``."""
        if is_grad_enabled():
            self._check_view_meta_base()
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
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        if self.grad_fn is not None:  # PyTorch refuses both ways here (requires_grad_(True) is allowed)
            raise RuntimeError(_LEAF_FLAG_MSG + (_LEAF_FLAG_HINT if not flag else ""))
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        flag = _builtin_bool(requires_grad)
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if not flag and self.grad_fn is not None:
            raise RuntimeError(_LEAF_FLAG_MSG + _LEAF_FLAG_HINT)
        self._requires_grad = flag
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
        hooks[handle.id] = array_hook(hook)  # the engine works on arrays
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

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD_MSG, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:  # PyTorch's checks (a plain tensor's too), the dtype first
            if not isinstance(value, TensorBase):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_TYPE.get(value._data.dtype.name, value.dtype)}' "
                    f"to a tensor with grad_dtype '{_SCALAR_TYPE.get(self._data.dtype.name, self.dtype)}'. The "
                    "gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype "
                    "with caution. Diverging the dtypes of a tensor and its gradient may break downstream systems "
                    "that assume they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor "
                                   f"of size '{list(self._data.shape)}'. Please ensure that the gradient and the "
                                   "tensor are the same size")
        self._grad = value

    def _accumulate_grad(self, g, owned=False):
        """Called by the engine's AccumulateGrad node with this leaf's gradient (an array).
        ``owned``: nothing else references ``g`` (autograd.engine.sole_owner), so a first gradient
        becomes ``.grad`` without a copy, as PyTorch's AccumulateGrad steals it."""
        if self._backward_hooks:
            owned = False  # a hook sees the gradient and may keep it
            g = self._run_backward_hooks(g)
        grad = self._grad
        if grad is None:
            if owned and g.dtype == self._data.dtype and g.shape == self._data.shape:
                self._grad = self._wrap(g)
            else:
                self._grad = self._wrap(np.array(g, dtype=self._data.dtype, copy=True))
        else:
            grad._data += g
            grad._bump_version()
        if self._post_accumulate_grad_hooks:
            for hook in list(self._post_accumulate_grad_hooks.values()):
                hook(self)

    def _run_backward_hooks(self, g):
        """This leaf's ``register_hook`` hooks applied to the array ``g``, in order (also called by the
        engine for a leaf whose gradient ``autograd.grad`` returns, as PyTorch does)."""
        for hook in list(self._backward_hooks.values()):
            out = hook(self._wrap(g))
            if out is not None:
                g = out._data if isinstance(out, TensorBase) else np.asarray(out)
        return g

    def _accumulate_retained(self, g):
        if self._grad is None:
            self._grad = self._wrap(np.array(g, dtype=self._data.dtype, copy=True))
        else:
            self._grad._data = self._grad._data + g

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. graph leaves (accumulated into their ``.grad``),
        or only w.r.t. ``inputs`` (see ``autograd.backward``)."""
        _autograd_backward(self, None if gradient is None else [gradient], retain_graph=retain_graph,
                           create_graph=create_graph, inputs=inputs)

    def detach(self):
        """A new leaf Tensor sharing this tensor's memory and version counter, cut from the graph."""
        t = self._wrap(self._data)
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
        return self._data.shape[normalize_dims(dim, self.ndim, "size")[0]]

    def dim(self):
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        d = self._data.dtype
        return _DTYPE_OF.get(d, d)

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
        return self._data.item()  # (a 1-element array of any rank)

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

    def is_contiguous(self, memory_format=None):
        """Row-major contiguity; with ``memory_format=channels_last`` (``_3d``), PyTorch's test of the
        strides for that order (size-1 dims ignored). miniconv never changes a tensor's layout to
        channels-last, so that answer is True only where the two layouts coincide."""
        _check_memory_format(memory_format, "is_contiguous")
        if memory_format is channels_last or memory_format is channels_last_3d:
            rank = 4 if memory_format is channels_last else 5
            if self._data.ndim != rank:
                return False
            order = [1] + list(range(rank - 1, 1, -1)) + [0]   # C, W, H, (D,) N: fastest first
            expected = 1
            for d in order:
                size = self._data.shape[d]
                if size != 1:
                    if self._data.strides[d] != expected * self._data.itemsize:
                        return False
                    expected *= size
            return True
        return self._data.flags.c_contiguous

    def contiguous(self, memory_format=None):
        """``self`` if row-major contiguous, else a row-major copy. A channels-last ``memory_format`` is
        checked (rank 4 / 5, as PyTorch) and keeps the row-major layout: the values are the same."""
        _check_memory_format(memory_format, "contiguous", self._data.ndim)
        if self._data.flags.c_contiguous:
            return self
        return ops.Clone.apply(self)

    @property
    def layout(self):
        return strided

    def get_device(self):
        """-1: the CPU (PyTorch's answer for a CPU tensor)."""
        return -1

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return _builtin_bool(self._data.reshape(-1)[0])

    def __float__(self):
        if self._requires_grad and not _warned["float_requires_grad"] and is_grad_enabled():
            _warned["float_requires_grad"] = True  # PyTorch warns once per process
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                          "Consider using tensor.detach() first.", UserWarning, stacklevel=2)
        return _builtin_float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__


def array_hook(hook):
    """Adapt ``hook(grad Tensor) -> Tensor or None`` to the engine's ``fn(array) -> array`` (and
    ``fn(Tensor) -> Tensor`` in a ``create_graph=True`` backward)."""

    def run(g):
        if isinstance(g, TensorBase):  # a create_graph=True backward passes differentiable Tensors
            out = hook(g)
            return g if out is None else out
        out = hook(TensorBase._wrap(g))
        if out is None:
            return g
        return out._data if isinstance(out, TensorBase) else np.asarray(out)

    return run
