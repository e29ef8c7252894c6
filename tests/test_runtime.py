"""No process-wide side effects at import; miniconv's caching allocator; BLAS threads (issue 12)."""
import ctypes
import ctypes.util
import gc
import json
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import miniconv as mc
from miniconv import _alloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run_child(code, env_extra=None):
    env = dict(os.environ, PYTHONPATH=ROOT, **(env_extra or {}))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1])


def _glibc_with_mallinfo2():
    if not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None:
        return False
    try:
        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


MALLOC_PROBE = """
import ctypes, json
libc = ctypes.CDLL("libc.so.6")
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def probe(size):
    # glibc's defaults: a block above the (dynamic) mmap threshold is mmapped; freeing it raises the
    # threshold, so the same size comes from the heap next time. mallopt (tune_malloc) switches the
    # dynamic threshold off and serves everything up to 32 MB from the heap from the start.
    result = []
    for _ in range(2):
        before = libc.mallinfo2().hblkhd
        p = libc.malloc(size)
        result.append(libc.mallinfo2().hblkhd - before >= size)
        libc.free(p)
    return result

import numpy, scipy, threadpoolctl  # miniconv's dependencies, loaded before the first probe
first = probe(6 << 20)
{action}
second = probe(12 << 20)
print(json.dumps([first, second]))
"""


@pytest.mark.skipif(not _glibc_with_mallinfo2(), reason="needs glibc >= 2.33 (mallinfo2)")
def test_import_leaves_glibc_malloc_behaviour_alone():
    use = """
import miniconv as mc
x = mc.randn(64, 8, 28, 28, requires_grad=True)
conv = mc.nn.Conv2d(8, 8, 3, padding=1)
conv(x).relu().sum().backward()
"""
    first, second = _run_child(MALLOC_PROBE.format(action=use))
    # default glibc: mmapped first, then from the heap; the same after importing and using miniconv
    assert first == [True, False]
    assert second == [True, False]
    # the probe can see a process-wide retune: what tune_malloc (removed) did at import
    tuned = "libc.mallopt(-3, 32 << 20); libc.mallopt(-1, 1 << 30)"
    assert _run_child(MALLOC_PROBE.format(action=tuned))[1] == [False, False]


def test_import_and_use_leave_numpy_blas_threads_alone():
    code = """
    import json
    from threadpoolctl import threadpool_limits, threadpool_info
    import numpy as np, scipy.linalg
    threadpool_limits(limits=3, user_api="blas")  # the user's choice, before miniconv is imported
    import miniconv as mc
    mc.set_num_threads(1)
    mc.set_num_threads(2)
    x = mc.randn(16, 4, 12, 12, requires_grad=True)
    conv = mc.nn.Conv2d(4, 8, 3)
    lin = mc.nn.Linear(8 * 10 * 10, 5)
    loss = lin(conv(x).relu().flatten(1)).sum() + (mc.randn(40, 50) @ mc.randn(50, 30)).sum()
    loss.backward()
    print(json.dumps({i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}))
    """
    counts = _run_child(code)
    assert counts and all(n == 3 for n in counts.values()), counts


def test_blas_single_thread_restores_the_count():
    from threadpoolctl import threadpool_info

    from miniconv._config import _scipy_blas_controller, blas_single_thread

    ctl = _scipy_blas_controller()
    if ctl is None or ctl.internal_api != "openblas":
        pytest.skip("SciPy's BLAS is not OpenBLAS")

    def count():
        return next(i["num_threads"] for i in threadpool_info() if i["filepath"] == ctl.filepath)

    from threadpoolctl import ThreadpoolController

    with ThreadpoolController().select(filepath=ctl.filepath).limit(limits=2):
        with blas_single_thread():
            assert count() == 1
            with blas_single_thread():  # reentrant
                assert count() == 1
            assert count() == 1
        assert count() == 2


def test_ops_allocate_from_the_cache_and_user_arrays_do_not():
    from numpy._core.multiarray import get_handler_name

    x = mc.randn(4, 300, 300)
    y = (x * 2).exp()
    assert get_handler_name(y._data) == "miniconv_caching_allocator"
    assert get_handler_name(np.empty((300, 300))) == get_handler_name() != "miniconv_caching_allocator"
    seen = []  # another thread: the handler is per thread (context variable)
    t = threading.Thread(target=lambda: seen.append(get_handler_name(np.ones(100_000))))
    t.start()
    t.join()
    assert seen == [get_handler_name()]


def _train_steps(n_steps):
    mc.manual_seed(0)
    model = mc.nn.Sequential(mc.nn.Conv2d(1, 8, 3, padding=1), mc.nn.BatchNorm2d(8), mc.nn.ReLU(),
                             mc.nn.MaxPool2d(2), mc.nn.Flatten(), mc.nn.Linear(8 * 14 * 14, 10))
    opt = mc.optim.Adam(model.parameters(), lr=1e-3)
    x = mc.randn(32, 1, 28, 28)
    y = mc.randint(0, 10, (32,))
    loss_fn = mc.nn.CrossEntropyLoss()
    device_allocs = []
    for _ in range(n_steps):
        before = mc.memory_stats()["num_device_alloc"]
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        del loss
        device_allocs.append(mc.memory_stats()["num_device_alloc"] - before)
    return device_allocs


def test_steady_state_step_allocates_nothing_new():
    """After the first steps, every large array a training step needs comes from the cache: no
    fresh memory from the C allocator, hence no page faults (bench_step.py reports the faults)."""
    gc.collect()  # tensors of earlier tests held in reference cycles would return their blocks mid-step
    mc.empty_cache()  # start cold: the first step must take its blocks from the C allocator
    allocs = _train_steps(5)
    assert allocs[0] > 0
    assert allocs[-2:] == [0, 0]


def test_memory_stats_keys_and_accounting():
    pytest.importorskip("torch")
    import inspect

    import torch.cuda.memory as torch_memory

    stats = mc.memory_stats()
    assert all(isinstance(v, int) and v >= 0 for v in stats.values())
    # PyTorch's caching-allocator names (torch.cuda.memory_stats), plus three of miniconv's own
    source = inspect.getsource(torch_memory)
    own = {"num_cache_hits", "cached_bytes", "cache_limit_bytes"}
    for key in stats:
        if key in own:
            continue
        name = key.split(".")[0]
        assert f'"{name}' in source or f"``{name}" in source or f"{name}." in source, key
        if "." in key:
            _, pool, metric = key.split(".")
            assert pool in ("all", "large_pool", "small_pool") and metric in ("current", "peak", "allocated", "freed")
    assert {"allocated_bytes.all.current", "reserved_bytes.all.peak", "num_device_alloc"} <= set(stats)

    before = mc.memory_stats()
    a = mc.randn(1000, 1000) * 2  # 4 MB (float32) from the op, in the large pool
    during = mc.memory_stats()
    assert during["allocated_bytes.large_pool.current"] - before["allocated_bytes.large_pool.current"] >= 4_000_000
    assert during["requested_bytes.all.current"] - before["requested_bytes.all.current"] >= 4_000_000
    assert during["allocated_bytes.all.peak"] >= during["allocated_bytes.all.current"]
    del a
    after = mc.memory_stats()
    assert after["allocated_bytes.all.current"] == before["allocated_bytes.all.current"]
    assert after["cached_bytes"] >= 4_000_000
    assert after["reserved_bytes.all.current"] >= after["allocated_bytes.all.current"] + after["cached_bytes"]


def test_empty_cache_returns_cached_blocks():
    a = mc.randn(700, 700) * 2
    del a
    stats = mc.memory_stats()
    assert stats["cached_bytes"] > 0
    mc.empty_cache()
    emptied = mc.memory_stats()
    assert emptied["cached_bytes"] == 0
    assert emptied["num_device_free"] > stats["num_device_free"]
    assert emptied["reserved_bytes.all.current"] == stats["reserved_bytes.all.current"] - stats["cached_bytes"]
    mc.reset_peak_memory_stats()
    s = mc.memory_stats()
    assert s["allocated_bytes.all.peak"] == s["allocated_bytes.all.current"]


def test_cached_blocks_are_zeroed_resized_and_aligned_correctly():
    """calloc from a reused block gives zeros, realloc keeps the data, large blocks are 64-byte aligned."""
    prev = _alloc.enter()
    try:
        junk = np.full(300_000, 7.0)
        address = junk.ctypes.data
        assert address % 64 == 0
        del junk
        zeros = np.zeros(300_000)  # same size class: the block just freed
        assert zeros.ctypes.data == address
        assert not zeros.any()
        r = np.arange(50_000, dtype=np.float64)
        r.resize(400_000, refcheck=False)  # realloc into a larger class
        assert np.array_equal(r[:50_000], np.arange(50_000)) and not r[50_000:].any()
        small = np.arange(10.0)
        small.resize(100_000, refcheck=False)  # small -> large
        assert np.array_equal(small[:10], np.arange(10.0))
    finally:
        _alloc.exit(prev)


def test_cache_limit_bounds_what_is_kept():
    old = _alloc.set_cache_limit(0)
    try:
        mc.empty_cache()
        a = mc.randn(500, 500) * 2
        del a
        assert mc.memory_stats()["cached_bytes"] == 0
    finally:
        _alloc.set_cache_limit(old)
    with pytest.raises(ValueError, match="nbytes"):
        _alloc.set_cache_limit(-1)
