"""NumPy's argument names on the functions PyTorch implements natively: ``axis=`` for ``dim=``, ``keepdims=``
for ``keepdim=``, ``x=``/``a=``/``x1=`` for ``input=`` and ``x2=`` for ``other=`` (``torch.stack([a, b], axis=1)``,
``x.sum(axis=0, keepdims=True)``, ``F.cosine_similarity(x1=u, x2=v, axis=0)``, ``F.gelu(x=t)``).

PyTorch's argument parser accepts these aliases for every function implemented natively (its
``numpy_compatibility_arg_names``); the few it implements in Python (``torch.split``, ``torch.norm``,
``Tensor.unflatten``... listed in ``PYTHON_IN_TORCH``, and most of ``torch.nn.functional``) reject them with
Python's own TypeError, and so do their miniconv counterparts, which are left unwrapped. An alias given together
with its parameter (by name or by position) is refused as PyTorch refuses it: "f() got an unexpected keyword
argument 'axis'".
"""
import functools
import inspect
import types

# functions with a dim/keepdim parameter that PyTorch writes in Python (torch/functional.py, torch/_tensor.py)
PYTHON_IN_TORCH = frozenset({"norm", "split", "unique", "unique_consecutive"})
PYTHON_METHODS_IN_TORCH = frozenset({"norm", "split", "unique", "unique_consecutive", "unflatten"})

# the torch.nn.functional names that are native bindings in PyTorch 2.13 (so its parser, and its aliases, apply)
NATIVE_IN_TORCH_FUNCTIONAL = frozenset({
    "adaptive_avg_pool1d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "bilinear", "celu_", "channel_shuffle",
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cosine_similarity",
    "elu_", "gelu", "hardshrink", "hardtanh_", "leaky_relu_", "linear", "logsigmoid", "one_hot",
    "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle", "prelu", "relu_", "rrelu_",
    "scaled_dot_product_attention", "selu_", "softplus", "softshrink", "threshold_",
})

# alias -> the parameter it stands for, in PyTorch's order of lookup
_ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input", "x1": "input", "x2": "other"}


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None


def with_numpy_aliases(fn):
    """``fn`` also taking NumPy's names for its ``dim``, ``keepdim``, ``input`` and ``other`` parameters."""
    name = getattr(fn, "__name__", "function")
    params = _parameters(fn)
    if params is None:
        aliases, position = {"axis": "dim", "keepdims": "keepdim"}, {}
    else:
        names = list(params)
        aliases = {a: c for a, c in _ALIASES.items() if c in params and a not in params}
        position = {c: names.index(c) for c in set(aliases.values())
                    if params[c].kind == inspect.Parameter.POSITIONAL_OR_KEYWORD}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and not aliases.keys().isdisjoint(kwargs):
            given = [k for k in kwargs if k in aliases]
            for alias in given:
                canonical = aliases[alias]
                if canonical in kwargs or len(args) > position.get(canonical, len(args)):
                    raise TypeError(f"{name}() got an unexpected keyword argument '{given[0]}'")
                kwargs[canonical] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    wrapper._numpy_aliases = True
    return wrapper


def _takes_dim(fn):
    if not isinstance(fn, types.FunctionType) or getattr(fn, "_numpy_aliases", False):
        return False
    params = _parameters(fn)
    return params is not None and ("dim" in params or "keepdim" in params)


def install(namespace, skip=PYTHON_IN_TORCH):
    """Wrap, in ``namespace`` (a module's globals), each public function with a ``dim``/``keepdim`` parameter."""
    for name, fn in list(namespace.items()):
        if not name.startswith("_") and name not in skip and _takes_dim(fn):
            namespace[name] = with_numpy_aliases(fn)


def install_named(namespace, names):
    """Wrap the functions ``names`` of ``namespace`` (those PyTorch binds natively), whatever their parameters."""
    for name in names:
        fn = namespace.get(name)
        if isinstance(fn, types.FunctionType) and not getattr(fn, "_numpy_aliases", False):
            namespace[name] = with_numpy_aliases(fn)


def install_methods(cls, skip=PYTHON_METHODS_IN_TORCH):
    """The same for the methods of ``cls`` (found through its bases too; the wrapper is set on ``cls``)."""
    for name in dir(cls):
        if name.startswith("_") or name in skip:
            continue
        fn = inspect.getattr_static(cls, name)
        if _takes_dim(fn):
            setattr(cls, name, with_numpy_aliases(fn))
