"""Process-level switches PyTorch scripts set at the top: interop threads, float32 matmul precision,
denormal flushing, warn-always, deterministic debug mode, the legacy default tensor type, printing.

Each keeps PyTorch's argument checks and reports back what was set; none changes how miniconv
computes (its float32 matmuls are always full float32, its kernels always deterministic), and each
says so in its docstring. None is set at import."""
import warnings

from . import dtypes
from .functional_math import use_deterministic_algorithms
from .tensor._print import get_printoptions, set_printoptions  # noqa: F401  (re-exported)

_state = {"interop": 1, "matmul": "highest", "warn_always": False, "debug_mode": 0, "interop_set": False}


def get_num_interop_threads():
    """Threads for running independent ops concurrently: 1, miniconv runs ops one after another
    (each op's kernels use ``get_num_threads()`` threads)."""
    return _state["interop"]


def set_num_interop_threads(num):
    if isinstance(num, bool) or not isinstance(num, int):
        raise TypeError(f"set_num_interop_threads(): argument 'num' (position 1) must be int, not {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    if _state["interop_set"]:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _state["interop"], _state["interop_set"] = num, True


def get_float32_matmul_precision():
    return _state["matmul"]


def set_float32_matmul_precision(precision):
    """Stored; miniconv's float32 matmuls and convolutions are always full float32 ('highest')."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", stacklevel=2)
        return
    _state["matmul"] = precision


def set_flush_denormal(mode):
    """False: miniconv does not change the CPU's denormal handling (a process-wide setting)."""
    return False


def is_warn_always_enabled():
    return _state["warn_always"]


def set_warn_always(b):
    _state["warn_always"] = bool(b)


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def get_deterministic_debug_mode():
    return _state["debug_mode"]


def set_deterministic_debug_mode(debug_mode):
    """PyTorch's mapping to ``use_deterministic_algorithms``: 0/'default' off, 1/'warn' warn-only, 2/'error' on."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                               f"but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int) or isinstance(debug_mode, bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    _state["debug_mode"] = debug_mode
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def set_default_tensor_type(t):
    """The deprecated form of ``set_default_dtype``: ``torch.FloatTensor``/``DoubleTensor`` or their names."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    name = name.rsplit(".", 1)[-1]
    table = {"FloatTensor": dtypes.float32, "DoubleTensor": dtypes.float64}
    if name not in table:
        raise TypeError(f"only floating-point types are supported as the default type (got {t!r})")
    dtypes.set_default_dtype(table[name])


def get_device(input):  # noqa: A002
    return input.get_device()


def is_nonzero(input):  # noqa: A002
    return input.is_nonzero()


def is_same_size(input, other):  # noqa: A002
    return input.is_same_size(other)


def is_signed(input):  # noqa: A002
    return input.is_signed()


def is_neg(input):  # noqa: A002
    return input.is_neg()


def is_inference(input):  # noqa: A002
    return input.is_inference()
