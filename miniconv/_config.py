"""The one place that decides how many threads miniconv's kernels use.

Default: ``OMP_NUM_THREADS`` if set, else the number of cores this process may run on.
Kernels receive the count explicitly (``n_threads=get_num_threads()``); inside a parallel
kernel that calls BLAS, BLAS is limited to one thread (see ``blas_single_thread``).
"""
import os

from threadpoolctl import threadpool_limits

_num_threads = None


def _default_num_threads():
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env:
        try:
            n = int(env.split(",")[0])
            if n > 0:
                return n
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def get_num_threads():
    """Number of threads miniconv's kernels use."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_num_threads()
    return _num_threads


def set_num_threads(n):
    """Set the number of threads used by miniconv's kernels (and by BLAS outside them)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads(): argument 'n' must be int, not {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads(): argument 'n' must be a positive integer, got {n}")
    _num_threads = n
    threadpool_limits(limits=n, user_api="blas")


# Below this much work (elements, or multiply-adds) a kernel runs on one thread: waking an OpenMP
# team costs more than the work, and far more when the cores are busy with other processes.
# PyTorch's at::internal::GRAIN_SIZE is the same number. Kernels give the same bits for any thread
# count, so this changes speed only.
GRAIN_SIZE = 1 << 15


def threads_for(work):
    """Thread count for a kernel call doing ``work`` elementary operations."""
    return get_num_threads() if work >= GRAIN_SIZE else 1


_blas_limiter = None


def blas_single_thread():
    """Context manager: BLAS runs on one thread inside it (for BLAS calls inside prange).

    The threadpoolctl controller is built once and reused, because inspecting the loaded
    libraries on every call costs far more than the switch itself.
    """
    global _blas_limiter
    from threadpoolctl import ThreadpoolController

    if _blas_limiter is None:
        _blas_limiter = ThreadpoolController()
    return _blas_limiter.limit(limits=1, user_api="blas")
