"""NumPy's argument names on the ``torch.*`` functions and Tensor methods: ``axis=`` for ``dim=`` and
``keepdims=`` for ``keepdim=`` (``torch.stack([a, b], axis=1)``, ``x.sum(axis=0, keepdims=True)``).

PyTorch's argument parser accepts these aliases for every function implemented natively (its
``numpy_compatibility_arg_names``); the few it implements in Python (``torch.split``, ``torch.norm``,
``Tensor.unflatten``... listed in ``PYTHON_IN_TORCH``) reject them with Python's own TypeError, and so do
their miniconv counterparts, which are left unwrapped.
"""
import functools
import inspect
import types

# functions with a dim/keepdim parameter that PyTorch writes in Python (torch/functional.py, torch/_tensor.py)
PYTHON_IN_TORCH = frozenset({"norm", "split", "unique", "unique_consecutive"})
PYTHON_METHODS_IN_TORCH = frozenset({"norm", "split", "unique", "unique_consecutive", "unflatten"})

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def with_numpy_aliases(fn):
    """``fn`` also taking ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``."""
    name = getattr(fn, "__name__", "function")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            for alias, canonical in _ALIASES:
                if alias in kwargs:
                    if canonical in kwargs:
                        raise TypeError(f"{name}() got multiple values for argument '{canonical}' "
                                        f"(given as '{canonical}' and as its alias '{alias}')")
                    kwargs[canonical] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    wrapper._numpy_aliases = True
    return wrapper


def _takes_dim(fn):
    if not isinstance(fn, types.FunctionType) or getattr(fn, "_numpy_aliases", False):
        return False
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "dim" in params or "keepdim" in params


def install(namespace, skip=PYTHON_IN_TORCH):
    """Wrap, in ``namespace`` (a module's globals), each public function with a ``dim``/``keepdim`` parameter."""
    for name, fn in list(namespace.items()):
        if not name.startswith("_") and name not in skip and _takes_dim(fn):
            namespace[name] = with_numpy_aliases(fn)


def install_methods(cls, skip=PYTHON_METHODS_IN_TORCH):
    """The same for the methods of ``cls`` (found through its bases too; the wrapper is set on ``cls``)."""
    for name in dir(cls):
        if name.startswith("_") or name in skip:
            continue
        fn = inspect.getattr_static(cls, name)
        if _takes_dim(fn):
            setattr(cls, name, with_numpy_aliases(fn))
