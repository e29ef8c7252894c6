"""miniconv: a small, fast, readable deep-learning library for the CPU with a PyTorch-shaped API.

    import miniconv as torch        # most torch.nn code runs with this one change
    import miniconv.nn as nn
"""
__version__ = "0.1.0"

from . import _config, _kernels
from ._config import get_num_threads, set_num_threads, tune_malloc
from ._random import Generator, default_generator, get_rng_state, manual_seed, set_rng_state
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import (
    Size,
    Tensor,
    arange,
    as_tensor,
    bool,
    cat,
    double,
    empty,
    empty_like,
    eye,
    float,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    int8,
    int16,
    int32,
    int64,
    linspace,
    long,
    maximum,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    stack,
    tensor,
    uint8,
    where,
    zeros,
    zeros_like,
)
from . import autograd  # noqa: E402


def _method(name):
    def fn(input, *args, **kwargs):  # noqa: A002
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"``miniconv.{name}(x, ...)`` is ``x.{name}(...)``, as in PyTorch."
    return fn


# functional forms of Tensor methods: miniconv.exp(x), miniconv.sum(x, dim=1), ...
for _name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "clamp", "sum", "mean", "var", "std", "max", "min", "argmax", "argmin", "reshape", "flatten", "permute", "transpose", "unsqueeze", "squeeze", "matmul", "clone", "detach", "numel"]:
    globals()[_name] = _method(_name)
del _name
from . import nn  # noqa: E402
from . import optim  # noqa: E402
from . import data  # noqa: E402
from . import utils  # noqa: E402
from .utils import data as _utils_data  # noqa: E402,F401  (miniconv.utils.data, like torch.utils.data)
from .serialization import load, save  # noqa: E402


tune_malloc()  # reuse freed activation buffers instead of page-faulting fresh ones (see its docstring)


def show_config():
    """Print how this miniconv was built and what it runs with."""
    import platform

    import numpy as np

    lines = [
        f"miniconv {__version__}",
        f"python {platform.python_version()} ({platform.machine()})",
        f"numpy {np.__version__}",
        f"OpenMP compiled in: {'yes' if _kernels.openmp_enabled() else 'NO (kernels run on one thread)'}",
        f"threads: {get_num_threads()} (cores visible to OpenMP: {_kernels.omp_num_procs()})",
        f"malloc tuned for buffer reuse: {'yes' if _config.malloc_tuned() else 'no'}",
        f"conv micro-kernels: {_kernels.conv_isa()} (CPU supports {', '.join(_kernels.conv_isas_supported())})",
    ]
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            lines.append(
                f"{info.get('user_api')}: {info.get('internal_api')} {info.get('version')} "
                f"threads={info.get('num_threads')} ({info.get('filepath')})"
            )
    except Exception as e:  # pragma: no cover
        lines.append(f"BLAS info unavailable: {e}")
    print("\n".join(lines))
