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
                return min(n, max_num_threads())
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
    limit = max_num_threads()
    if n > limit:
        raise ValueError(
            f"set_num_threads(): {n} threads is more than OpenMP can run here: at most {limit} "
            f"(OMP_THREAD_LIMIT, and at most {_THREADS_PER_CORE} threads per core visible to OpenMP); "
            f"this process may run on {_cores()} cores")
    _num_threads = n
    threadpool_limits(limits=n, user_api="blas")


_THREADS_PER_CORE = 16  # oversubscription beyond this only costs; far beyond, thread creation fails


def _cores():
    from . import _kernels

    return max(1, int(_kernels.omp_num_procs()))


def max_num_threads():
    """The largest count :func:`set_num_threads` accepts: OpenMP's thread limit (``OMP_THREAD_LIMIT``),
    and at most 16 threads per core visible to OpenMP (issue 11: 100000 was accepted and then the
    first parallel kernel aborted the process when thread creation failed)."""
    limit = _THREADS_PER_CORE * _cores()
    env = os.environ.get("OMP_THREAD_LIMIT", "").strip()
    if env.isdigit() and int(env) > 0:
        limit = min(limit, int(env))
    return limit


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


# ---------------------------------------------------------------------------
# Memory: keep freed activation buffers for reuse instead of faulting fresh pages every step
# ---------------------------------------------------------------------------
MALLOC_MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value
MALLOC_TRIM_THRESHOLD = 1 << 30
_malloc_tuned = False


def tune_malloc(enable=True):
    """On glibc (Linux), serve blocks up to 32 MB from the heap and keep up to 1 GB of freed heap
    memory instead of handing it back to the OS after each free.

    A training step allocates and frees the same activation-sized arrays every step. With glibc's
    defaults each of them is a fresh ``mmap`` whose pages fault in again on first touch; on this
    project's VM a step of the MNIST CNN took ~6,500 page faults and 10-20 % of its time (measured,
    docs/performance.md). This is what the ``MALLOC_MMAP_THRESHOLD_``/``MALLOC_TRIM_THRESHOLD_``
    environment variables do, applied from inside the process. Called once at import;
    ``tune_malloc(False)`` restores glibc's defaults (128 KB / 128 KB, dynamic). Returns whether the
    setting took effect (False on other C libraries).
    """
    global _malloc_tuned
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mmap_value, trim_value = (MALLOC_MMAP_THRESHOLD, MALLOC_TRIM_THRESHOLD) if enable else (128 << 10, 128 << 10)
    ok = bool(mallopt(M_MMAP_THRESHOLD, mmap_value)) and bool(mallopt(M_TRIM_THRESHOLD, trim_value))
    _malloc_tuned = ok and enable
    return ok


def malloc_tuned():
    return _malloc_tuned
