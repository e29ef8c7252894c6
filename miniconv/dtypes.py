"""dtypes: PyTorch's dtype objects over NumPy dtypes.

``miniconv.float32`` is a ``miniconv.dtype`` (PyTorch's ``torch.dtype``): it has PyTorch's attributes
(``is_floating_point``, ``is_complex``, ``is_signed``, ``itemsize``, ``to_real()``), prints as
``miniconv.float32``, and is one object per dtype (``x.dtype is miniconv.float32``). It is also a NumPy dtype-like:
NumPy reads its ``dtype`` attribute (``np.zeros(3, miniconv.float32)``, ``arr.astype(x.dtype)``), it compares and
hashes equal to the NumPy dtype (``x.dtype == np.float32``), and the NumPy dtype's other attributes (``kind``,
``name``, ``char``, ``type``) are forwarded. Inside miniconv arrays carry NumPy dtypes; ``Tensor.dtype`` returns
the object of its array's dtype.
"""
import numpy as np


class dtype:  # noqa: N801  (PyTorch's name)
    """``torch.dtype``: one object per dtype (see the module docstring)."""

    # kind and name: the NumPy dtype's, read on every op (``x.dtype.kind == "f"``): kept here rather than
    # reached through __getattr__ (which Python calls only after a failed lookup, ~1 us)
    __slots__ = ("_np", "_name", "is_floating_point", "is_complex", "is_signed", "itemsize", "kind", "name")

    def __init__(self, np_dtype, name):
        self._np = np.dtype(np_dtype)
        self._name = name
        self.kind = self._np.kind
        self.name = self._np.name
        self.is_floating_point = self._np.kind == "f"
        self.is_complex = self._np.kind == "c"
        self.is_signed = self._np.kind in "fic"
        self.itemsize = self._np.itemsize

    @property
    def dtype(self):  # what NumPy reads when it is given this object as a dtype
        return self._np

    def __getattr__(self, name):  # kind, char, name, type, str, num, ...: the NumPy dtype's
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._np, name)

    def __eq__(self, other):
        if other is self:
            return True
        if isinstance(other, dtype):
            return self._np == other._np
        if isinstance(other, (np.dtype, type)):
            try:
                return self._np == other
            except TypeError:
                return False
        return NotImplemented

    def __ne__(self, other):
        if other is self:
            return False
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash(self._np)

    def __repr__(self):
        return f"miniconv.{self._name}"

    __str__ = __repr__

    def __reduce__(self):  # pickle/copy: the module-level object of that name
        return self._name

    def to_real(self):
        return self

    def to_complex(self):
        raise RuntimeError("miniconv has no complex dtypes")


float32 = dtype(np.float32, "float32")
float64 = dtype(np.float64, "float64")
float = float32  # noqa: A001  (torch.float)
double = float64
int64 = dtype(np.int64, "int64")
long = int64
int32 = dtype(np.int32, "int32")
int16 = dtype(np.int16, "int16")
int8 = dtype(np.int8, "int8")
uint8 = dtype(np.uint8, "uint8")
bool = dtype(np.bool_, "bool")  # noqa: A001
float16 = half = dtype(np.float16, "float16")  # IEEE half: stored as float16, computed in float32 and rounded per op
# NumPy dtype -> its object (Tensor.dtype)
_OF_NUMPY = {d._np: d for d in (float32, float64, int64, int32, int16, int8, uint8, bool, float16)}


def of_numpy(np_dtype):
    """The ``miniconv.dtype`` of a NumPy dtype (the NumPy dtype itself for one miniconv has no object for)."""
    return _OF_NUMPY.get(np_dtype, np_dtype)


class _NamedDtype:
    """A PyTorch dtype NumPy lacks: it can be named and compared, never used for a tensor."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"miniconv.{self.name}"


bfloat16 = _NamedDtype("bfloat16")


class layout:  # noqa: N801  (PyTorch's name)
    """``torch.layout``: miniconv's tensors are all ``strided`` (dense)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"miniconv.{self.name}"

    def __reduce__(self):
        return self.name


class memory_format:  # noqa: N801  (PyTorch's name)
    """``torch.memory_format``: accepted wherever PyTorch takes one; miniconv keeps the logical
    (row-major NCHW) layout for every format, so only strides differ from PyTorch's channels_last."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"miniconv.{self.name}"

    def __reduce__(self):
        return self.name


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


def _check_memory_format(fmt, where, ndim=None):
    """PyTorch's checks of a ``memory_format=`` argument: its type, and the rank channels_last(_3d) needs
    (when ``ndim`` is given: converting to that format)."""
    if fmt is None:
        return
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{where}(): argument 'memory_format' must be torch.memory_format, not {type(fmt).__name__}")
    if ndim is not None and fmt is channels_last and ndim != 4:
        raise RuntimeError("required rank 4 tensor to use channels_last format")
    if ndim is not None and fmt is channels_last_3d and ndim != 5:
        raise RuntimeError("required rank 5 tensor to use channels_last_3d format")
_SUPPORTED = {float32, float64, float16, int64, int32, int16, int8, uint8, bool}
_builtin_float = __builtins__["float"] if isinstance(__builtins__, dict) else __builtins__.float
_builtin_bool = __builtins__["bool"] if isinstance(__builtins__, dict) else __builtins__.bool


def _check_dtype(dt, where="tensor"):
    if isinstance(dt, _NamedDtype):
        raise TypeError(f"{where}(): unsupported dtype {dt.name} (NumPy has none); miniconv supports float32, "
                        "float64, float16, int64, int32, int16, int8, uint8 and bool")
    try:
        dt = np.dtype(dt)
    except TypeError:
        raise TypeError(f"{where}(): dtype must be a miniconv/NumPy dtype such as miniconv.float32, got {dt!r}")
    if dt not in _SUPPORTED:
        raise TypeError(
            f"{where}(): unsupported dtype {dt}; miniconv supports float32, float64, float16, int64, int32, "
            "int16, int8, uint8 and bool"
        )
    return dt


_default_dtype = float32


def set_default_dtype(d):
    """Make ``d`` (float32, float64 or float16) the dtype of Python floats and of float creation functions."""
    global _default_dtype
    try:
        dt = np.dtype(d)
    except TypeError:
        dt = None
    if dt not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type (got {d!r})")
    _default_dtype = of_numpy(dt)


def get_default_dtype():
    """The dtype Python floats and ``zeros``/``randn``/... get when no ``dtype=`` is given (float32 at start)."""
    return _default_dtype


_builtin_float = __builtins__["float"] if isinstance(__builtins__, dict) else __builtins__.float
_PLAIN_NUMBERS = frozenset({_builtin_float, int, _builtin_bool})


def _sequence_dtype(seq):
    """PyTorch's ``infer_scalar_type`` of a list/tuple: each element's dtype (a NumPy array or scalar keeps
    its own, a Python float is the default dtype, an int int64, a bool bool), promoted over the elements
    (``[np.int32 array, np.int32 array]`` is int32, ``[1.0, np.float64(2)]`` float64). None when empty or
    when an element is of no numeric kind (the caller's error path decides)."""
    kinds = set(map(type, seq))
    if kinds <= _PLAIN_NUMBERS:  # the common case, without a Python loop over the elements
        if not kinds:
            return None
        return _default_dtype if _builtin_float in kinds else (int64 if int in kinds else bool)
    out = None
    for x in seq:
        if isinstance(x, (np.ndarray, np.generic)):
            d = x.dtype
        elif isinstance(getattr(x, "_data", None), np.ndarray):  # a Tensor
            d = x._data.dtype
        elif isinstance(x, (list, tuple)):
            d = _sequence_dtype(x)
            if d is None:
                if len(x):
                    return None
                continue
        elif isinstance(x, _builtin_bool):
            d = bool
        elif isinstance(x, _builtin_float):
            d = _default_dtype
        elif isinstance(x, int):
            d = int64
        else:
            return None
        if np.dtype(d).kind not in "biuf":
            return None
        out = d if out is None else promote_types(out, d)
    return out


def _infer_dtype(data):
    """PyTorch's rule: NumPy arrays and NumPy scalars keep their dtype, Python floats get the default
    dtype, Python ints int64, bools bool; a list or tuple promotes its elements' dtypes."""
    if isinstance(data, (list, tuple)):
        d = _sequence_dtype(data)
        if d is not None:
            return d
    arr = np.asarray(data)
    keep = isinstance(data, (np.ndarray, np.generic))
    if arr.dtype.kind == "f":
        return arr.dtype if keep else _default_dtype
    if arr.dtype.kind in "iu":
        return arr.dtype if keep else int64
    if arr.dtype.kind == "b":
        return bool
    raise TypeError(
        f"tensor(): could not make a tensor from data of type {type(data).__name__} "
        f"(NumPy dtype {arr.dtype}); expected numbers, nested lists of numbers or a numeric array"
    )


# -- type promotion -------------------------------------------------------------------------------
# PyTorch's rule (torch.result_type, c10's ResultTypeState): operands fall in three classes, dimensioned
# tensors, 0-d tensors and Python numbers; a class only decides the result's dtype when it is of a higher
# category (bool < integer < float) than the classes above it. So a float32 tensor plus a 0-d float64
# tensor is float32, a uint8 tensor and a 0-d int64 tensor give uint8, an int64 tensor and a 0-d float64
# tensor give float64, and a Python float counts as the default dtype. Every op that combines operands of
# different dtypes (arithmetic operators, comparisons, bitwise ops, where, clamp, ...) goes through
# result_type.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def promote_types(type1, type2):
    """``torch.promote_types``: the smallest dtype both ``type1`` and ``type2`` cast to safely, except that a
    float dtype absorbs any integer one (int64 with float32 is float32, as in PyTorch; NumPy says float64)."""
    a, b = np.dtype(type1), np.dtype(type2)
    if a == b:
        return of_numpy(a)
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return of_numpy(a if ca > cb else b)
    return of_numpy(np.promote_types(a, b))


def _number_dtype(x):
    if isinstance(x, (_builtin_bool, np.bool_)):
        return bool
    if isinstance(x, (int, np.integer)):
        return int64
    return _default_dtype


def _combine_categories(higher, lower):
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher == bool or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """``torch.result_type`` over any number of operands: Tensors (anything with ``dtype`` and ``ndim``) and
    Python numbers. See the note above for the rule."""
    dims = zero = number = None
    for x in operands:
        if hasattr(x, "ndim") and hasattr(x, "dtype"):
            dt = x.dtype
            if x.ndim:
                dims = dt if dims is None else promote_types(dims, dt)
            else:
                zero = dt if zero is None else promote_types(zero, dt)
        else:
            dt = _number_dtype(x)
            number = dt if number is None else promote_types(number, dt)
    return _combine_categories(_combine_categories(dims, zero), number)


_TORCH_DTYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                      "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def torch_dtype_name(dt):
    """PyTorch's scalar-type name of ``dt`` as its error messages spell it (``Float``, ``Long``, ...)."""
    return _TORCH_DTYPE_NAMES.get(np.dtype(dt).name, str(dt))


# -- PyTorch's legacy tensor-type names (miniconv/legacy.py defines the classes) ---------------------
_LEGACY_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
                 "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                 "bool": "BoolTensor"}


def legacy_type_name(dtype):
    """``'torch.FloatTensor'`` for float32: what ``Tensor.type()`` returns (PyTorch's spelling, so
    scripts that compare it with a string keep working)."""
    return "torch." + _LEGACY_NAMES[np.dtype(dtype).name]


def type_arg_dtype(spec):
    """The dtype named by an argument of ``Tensor.type``: a dtype, a legacy class (``FloatTensor``) or its
    name (``'torch.FloatTensor'``, ``'miniconv.FloatTensor'``)."""
    if getattr(spec, "_legacy_tensor_type", False):
        return spec.dtype
    if isinstance(spec, str):
        prefix, _, name = spec.rpartition(".")
        for key, legacy in _LEGACY_NAMES.items():
            if prefix in ("torch", "miniconv") and name == legacy:
                return np.dtype(key)
        raise ValueError(f"invalid type: '{spec}'")
    return spec


# -- float16: stored as IEEE half, computed in float32 ---------------------------------------------
# PyTorch's CPU kernels for Half load each element as float ("opmath"), compute in float and round the
# result to half once per op; reductions accumulate in float. NumPy's float16 ufuncs do the same for one
# ufunc (add, exp, ...), but a NumPy composition (sigmoid = 1 / (1 + exp(-x))) rounds after every step,
# and miniconv's compiled kernels take float32/float64 only. The ops that need it run through
# ``computes_half_in_float32``: float16 arrays in as float32, float32 results rounded to float16.
_HALF = np.dtype(np.float16)
_F32 = np.dtype(np.float32)


def to_half(a):
    """``a`` rounded to float16, beyond +-65504 to inf as PyTorch's cast (silently: NumPy would warn)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return a.astype(np.float16)


def check_half_value(value, dt):
    """PyTorch's check of a number written into a float16 tensor (``full``, ``fill_``, ``masked_fill``, ``clamp``):
    a finite value beyond float16's range is an error there, not inf."""
    if dt == _HALF and isinstance(value, (int, _builtin_float, np.number)) and np.isfinite(value) \
            and abs(value) > 65504:
        raise RuntimeError("value cannot be converted to type c10::Half without overflow")


def refuse_half(dt, kernel):
    """The NotImplementedError PyTorch's CPU gives where it has no float16 kernel (``kernel``: the name it reports)."""
    if dt == _HALF:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Half'")


def _half_up(a):
    return a.astype(np.float32) if type(a) is np.ndarray and a.dtype == _HALF else a


def _half_down(out, which=None):
    """float32 arrays of ``out`` (an array or a tuple) rounded to float16 (only positions ``which`` of a tuple)."""
    if type(out) is tuple:
        return tuple(_half_down(o) if which is None or (i < len(which) and which[i]) else o
                     for i, o in enumerate(out))
    return to_half(out) if type(out) is np.ndarray and out.dtype == _F32 else out


def computes_half_in_float32(cls=None, writeback=(), probe=0):
    """Class decorator for an array-level Function (``forward(ctx, x, ...)``/``backward(ctx, *grads)``):
    when its first argument is a float16 array, every float16 argument goes in as float32, the float32
    outputs come out rounded to float16 and so do the gradients of the float16 inputs (the float32 path
    costs one dtype check). ``writeback``: positions of arguments the forward updates in place (batch
    norm's running statistics), copied back into the float16 arrays. ``probe``: the position of the argument
    whose dtype decides (``einsum``'s first is its equation)."""
    if cls is None:
        return lambda c: computes_half_in_float32(c, writeback, probe)
    # a subclass of a decorated class wraps the undecorated methods (one wrapper per call, not two)
    fwd = getattr(cls.forward, "_float32_method", cls.forward)
    bwd = getattr(cls.backward, "_float32_method", cls.backward)

    def forward_half(ctx, args):
        ctx._half_inputs = tuple(type(a) is np.ndarray and a.dtype == _HALF for a in args)
        up = [_half_up(a) for a in args]
        out32 = fwd(ctx, *up)
        out = _half_down(out32)
        for i in writeback:
            if ctx._half_inputs[i]:
                np.copyto(args[i], up[i], casting="unsafe")
        # what forward saved of its inputs and outputs is kept as the float16 arrays themselves (PyTorch saves
        # the rounded result: tanh's gradient uses it; and version checks and saved-tensor hooks see the
        # tensors' own storage); backward gets them as float32
        pairs = list(zip(out32, out)) if type(out32) is tuple else [(out32, out)]
        pairs += [(u, a) for u, a in zip(up, args) if u is not a]
        saved = ctx.__dict__.get("_saved")
        if saved:
            ctx._saved = tuple([next((h for f, h in pairs if f is s), s) for s in saved])
        return out

    if probe == 0:
        def forward(ctx, x, *rest):  # the float32 path: one type and one dtype identity check
            if type(x) is not np.ndarray or x.dtype is not _HALF:  # (NumPy's float16 dtype is one object)
                return fwd(ctx, x, *rest)
            return forward_half(ctx, (x,) + rest)
    else:
        def forward(ctx, *args):
            x = args[probe] if len(args) > probe else None
            if type(x) is not np.ndarray or x.dtype is not _HALF:
                return fwd(ctx, *args)
            return forward_half(ctx, args)

    def backward(ctx, *grads):
        half = ctx._half_inputs
        if half is None:
            return bwd(ctx, *grads)
        saved = ctx.saved_tensors
        if saved:
            ctx._saved = tuple([_half_up(s) for s in saved])
        out = bwd(ctx, *[_half_up(g) for g in grads])
        return _half_down(out, half) if type(out) is tuple else _half_down(out)

    cls._half_inputs = None  # set on a node whose forward ran on float16 inputs
    for wrapper, method in ((forward, fwd), (backward, bwd)):  # the method's names (the profiler reads them)
        wrapper.__name__, wrapper.__qualname__, wrapper.__module__ = method.__name__, method.__qualname__, \
            method.__module__
        wrapper.__doc__, wrapper._float32_method = method.__doc__, method
    cls.forward, cls.backward = staticmethod(forward), staticmethod(backward)
    return cls


def run_in_float32(fn, args, kwargs=None):
    """``fn(*args, **kwargs)`` with its float16 Tensors given as float32 copies and a float32 Tensor result rounded
    to float16: one PyTorch kernel miniconv composes from several ops, computed in float32 and rounded once."""
    def up(a):
        return a.float() if getattr(a, "_data", None) is not None and a._data.dtype == _HALF else a

    out = fn(*[up(a) for a in args], **{k: up(v) for k, v in (kwargs or {}).items()})
    return out.half() if getattr(out, "_data", None) is not None and out._data.dtype == _F32 else out


def half_via_float32(method):
    """Decorator for a Tensor method PyTorch computes as one fused kernel and miniconv composes from several ops
    (``addcmul``, ``addmm``, ``lerp``): when ``self`` and every Tensor argument are float16, the composition runs
    on float32 copies and its result is rounded once, as PyTorch's kernel does."""

    def run(self, *args, **kwargs):
        if self._data.dtype != _HALF:
            return method(self, *args, **kwargs)
        values = args + tuple(kwargs.values())
        if any(getattr(a, "_data", None) is not None and a._data.dtype != _HALF for a in values):
            return method(self, *args, **kwargs)  # mixed dtypes: the usual promotion
        return run_in_float32(method, (self,) + args, kwargs)

    run.__name__, run.__doc__, run.__qualname__ = method.__name__, method.__doc__, method.__qualname__
    return run
