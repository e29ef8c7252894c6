"""``torch.autocast`` for a library without reduced-precision kernels: the region runs in the
tensors' own dtypes; what PyTorch would do is reported by a warning, never silently changed."""
import functools
import threading
import warnings

from .. import dtypes

_SUPPORTED_DEVICES = ("cpu", "cuda")
_DEFAULT_DTYPE = {"cpu": "bfloat16", "cuda": "float16"}
_state = threading.local()


def is_autocast_available(device_type):
    return device_type in _SUPPORTED_DEVICES


def is_autocast_enabled(device_type=None):
    """False: no region of miniconv ever runs with lowered precision."""
    return False


def get_autocast_dtype(device_type):
    return getattr(dtypes, _DEFAULT_DTYPE.get(device_type, "bfloat16"))


class autocast:  # noqa: N801  (PyTorch's name)
    """``with autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` or as a decorator."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _SUPPORTED_DEVICES:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        if enabled:
            if device_type == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
            else:
                warnings.warn(f"miniconv has no {getattr(self.fast_dtype, 'name', self.fast_dtype)} kernels: this "
                              "CPU autocast region runs in the tensors' own dtypes (float32), so its results differ "
                              "from PyTorch's reduced-precision ones.", stacklevel=2)
        self._enabled = False

    def __enter__(self):
        _state.depth = getattr(_state, "depth", 0) + 1
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        _state.depth -= 1
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to "
                            "use autocast as a context manager? For example:\n"
                            "    with torch.autocast(device_type=...):\n        ...")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


# -- PyTorch's module-level autocast state functions ---------------------------------------------
_cache = {"enabled": True}
_dtypes = {}


def is_autocast_cpu_enabled():
    return False


def get_autocast_cpu_dtype():
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype():
    return get_autocast_dtype("cuda")


def set_autocast_dtype(device_type, dtype):
    """Stored and reported by ``get_autocast_dtype``; miniconv never computes in it."""
    _DEFAULT_DTYPE[device_type] = getattr(dtype, "name", str(dtype))


def set_autocast_cpu_dtype(dtype):
    set_autocast_dtype("cpu", dtype)


def set_autocast_gpu_dtype(dtype):
    set_autocast_dtype("cuda", dtype)


def set_autocast_enabled(*args):
    """``set_autocast_enabled(enabled)`` or ``(device_type, enabled)``: enabling warns (never lowered here)."""
    if args and args[-1]:
        warnings.warn("miniconv has no reduced-precision kernels: autocast stays disabled.", stacklevel=2)


def set_autocast_cpu_enabled(enabled):
    set_autocast_enabled("cpu", enabled)


def is_autocast_cache_enabled():
    return _cache["enabled"]


def set_autocast_cache_enabled(enabled):
    _cache["enabled"] = bool(enabled)


def custom_fwd(fwd=None, *, device_type="cuda", cast_inputs=None):
    """Decorator for a custom Function's forward under autocast: autocast is never on here, so ``fwd`` itself."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type="cuda"):
    """Decorator for a custom Function's backward under autocast: ``bwd`` itself."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
