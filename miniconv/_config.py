"""The one place that decides how many threads miniconv's kernels use.

Default: ``OMP_NUM_THREADS`` if set, else the number of cores this process may run on.
Kernels receive the count explicitly (``n_threads=get_num_threads()``); inside a parallel
kernel that calls BLAS, BLAS is limited to one thread (see ``blas_single_thread``). NumPy's own
BLAS thread count is the user's: nothing here changes it.
"""
import os

from . import _kernels

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


_team_maybe_started = False   # a kernel may have run an OpenMP team of 2 or more threads in this process
_forked_after_team = False    # this process was forked from one whose OpenMP team had started


def get_num_threads():
    """Number of threads miniconv's kernels use."""
    global _num_threads, _team_maybe_started
    if _num_threads is None:
        _num_threads = _default_num_threads()
    if _num_threads > 1:
        _team_maybe_started = True
    return _num_threads


def _after_fork_in_child():
    """GNU OpenMP (libgomp) is not fork-safe: in a process forked after the parent ran a team of
    threads, the first parallel region waits forever for threads that were not copied. Such a child
    (a Hogwild worker, a multiprocessing pool worker) runs miniconv's kernels on one thread, as
    PyTorch's forked workers do; a fork before any parallel kernel keeps the thread count."""
    global _num_threads, _forked_after_team
    if _team_maybe_started:
        _num_threads = 1
        _forked_after_team = True


if hasattr(os, "register_at_fork"):   # miniconv's own thread count only: nothing else is touched
    os.register_at_fork(after_in_child=_after_fork_in_child)


def set_num_threads(n):
    """Set the number of threads used by miniconv's kernels (NumPy's BLAS threads stay as they are)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads(): argument 'n' must be int, not {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads(): argument 'n' must be a positive integer, got {n}")
    limit = max_num_threads()
    if n > 1 and _forked_after_team:
        import warnings
        warnings.warn(f"set_num_threads({n}) in a process forked after its parent ran OpenMP threads: GNU OpenMP "
                      "cannot start threads here (it would hang), so miniconv's kernels keep running on one thread. "
                      "Start the process with the 'spawn' method for more.", RuntimeWarning, stacklevel=2)
        return
    if n > limit:
        raise ValueError(
            f"set_num_threads(): {n} threads is more than OpenMP can run here: at most {limit} "
            f"(OMP_THREAD_LIMIT, and at most {_THREADS_PER_CORE} threads per core visible to OpenMP); "
            f"this process may run on {_cores()} cores")
    _num_threads = n


_THREADS_PER_CORE = 16  # oversubscription beyond this only costs; far beyond, thread creation fails


def _cores():
    from . import _kernels

    return max(1, int(_kernels.omp_num_procs()))


def max_num_threads():
    """The largest count :func:`set_num_threads` accepts: OpenMP's thread limit (``OMP_THREAD_LIMIT``),
    and at most 16 threads per core visible to OpenMP (100000 was accepted and then the
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


# ---------------------------------------------------------------------------
# BLAS inside miniconv's parallel regions
# ---------------------------------------------------------------------------
# The kernels call BLAS (scipy.linalg.cython_blas, i.e. SciPy's OpenBLAS; NumPy bundles a separate
# copy) from inside their OpenMP team, one call per fixed block. There BLAS must run on one thread:
# a pthreads OpenBLAS serialises concurrent multi-threaded GEMMs on one lock and its pool competes
# with the team for the cores (measured in docs/performance.md). ``blas_single_thread()`` sets
# SciPy's OpenBLAS to one thread for the region and restores its count on exit, through its
# ``openblas_get/set_num_threads`` C functions (a few ns, found once with threadpoolctl); only when
# the count is not already 1. NumPy's BLAS is never touched. Other BLAS vendors fall back to a
# threadpoolctl limit per region (~10 us).
# BLAS (the LP64 interface SciPy exposes) takes sizes and leading dimensions as 32-bit ints. The kernels
# that call it (GEMM for matmul and linear, im2col convolution) trust their callers; every caller checks its
# sizes here first, so the user gets one clear error naming the argument instead of an overflowed int.
BLAS_INT_MAX = 2**31 - 1


def check_blas_sizes(fn, *named_sizes):
    """Raise RuntimeError if a ``(name, size)`` pair of ``named_sizes`` exceeds the 32-bit BLAS limit."""
    for name, size in named_sizes:
        if size > BLAS_INT_MAX:
            raise RuntimeError(f"{fn}(): {name} is {size}, more than {BLAS_INT_MAX}, the largest size the 32-bit "
                               "BLAS interface takes; split the computation into smaller pieces")


_blas_guard = None


def _scipy_blas_controller():
    """threadpoolctl's controller of the BLAS library scipy.linalg.cython_blas calls, or None."""
    import scipy
    import scipy.linalg.cython_blas  # loads SciPy's BLAS if it is not loaded yet
    from threadpoolctl import ThreadpoolController

    blas = ThreadpoolController().select(user_api="blas").lib_controllers
    scipy_dir = os.path.dirname(os.path.realpath(scipy.__file__))
    own = [c for c in blas if os.path.realpath(c.filepath).startswith((scipy_dir, scipy_dir + ".libs"))]
    if own:
        return own[0]
    return blas[0] if len(blas) == 1 else None


def _make_blas_guard():
    import ctypes

    from . import _kernels

    controller = _scipy_blas_controller()
    if controller is not None and controller.internal_api == "openblas":
        get = controller._get_symbol("openblas_get_num_threads")
        set_ = controller._get_symbol("openblas_set_num_threads")
        if get is not None and set_ is not None:
            addr = ctypes.cast(get, ctypes.c_void_p).value, ctypes.cast(set_, ctypes.c_void_p).value
            return _kernels.BlasSingleThread(*addr)
    from threadpoolctl import ThreadpoolController

    limiter = ThreadpoolController()
    if controller is not None:  # limit only the library the kernels use, never NumPy's
        limiter = limiter.select(filepath=controller.filepath)
    return _ThreadpoolctlGuard(limiter)


class _ThreadpoolctlGuard:
    def __init__(self, controller):
        self.controller = controller

    def __enter__(self):
        self._limit = self.controller.limit(limits=1, user_api="blas")
        return self

    def __exit__(self, *exc):
        self._limit.restore_original_limits()
        return False


def blas_single_thread():
    """Context manager: the BLAS that miniconv's kernels call runs on one thread inside it.

    Wrap every kernel call that calls BLAS from inside its OpenMP team. Cheap (a few hundred ns
    for OpenBLAS); reentrant; NumPy's BLAS setting is not touched.
    """
    global _blas_guard
    if _blas_guard is None:
        _blas_guard = _make_blas_guard()
    return _blas_guard


# ---------------------------------------------------------------------------
# Instruction set of the convolution micro-kernels (miniconv/_conv_ukernels.h)
# ---------------------------------------------------------------------------
def conv_isa():
    """The instruction set the direct convolution kernels use: 'scalar', 'avx2', 'avx512f'
    or 'neon' (aarch64) ('avx512f_emu', the AVX-512 tile family compiled for AVX2, only when
    forced).

    Chosen when miniconv is imported: the widest the CPU supports, or the environment variable
    ``MINICONV_CONV_ISA`` if set. Results are bit-identical for any thread count with one
    instruction set; different instruction sets differ in the last bits.
    """
    return _kernels.conv_isa()


def set_conv_isa(name):
    """Force the convolution kernels' instruction set ('scalar', 'avx2', 'avx512f', 'avx512f_emu',
    'neon' or 'best');
    returns the previous one. Raises ValueError for one the CPU cannot run. For tests and
    benchmarks; not while another thread runs a convolution."""
    return _kernels.conv_set_isa(name)
