# cython: language_level=3
"""miniconv's caching allocator for the arrays its own ops create (NumPy's NEP 49 hook).

``enter()`` makes the caching handler (C code in ``_alloc.h``) NumPy's current allocator for
this thread's context and returns the previous one; ``exit(prev)`` puts it back. autograd calls
them around every op's forward and around the backward engine, so exactly the arrays miniconv's
ops allocate come from the cache; NumPy records the handler in each array, so they return to the
cache when they die, wherever that happens. Nothing is installed at import: the user's own arrays
keep NumPy's default allocator. See docs/performance.md ("Memory reuse") for why this design.

# Notes:
# - PyDataMem_SetHandler stores the handler in a context variable: it is per thread (and per
#   asyncio task), so one thread's miniconv op never changes what another thread allocates with.
# - enter/exit cost ~0.1 us each (a context-variable set); they are plain functions rather than a
#   context manager because they run twice per op.
"""
cimport numpy as cnp

cnp.import_array()

cdef extern from "_alloc.h":
    ctypedef struct PyDataMem_Handler:
        pass
    ctypedef struct mc_stat:
        long long current, peak, allocated, freed
    ctypedef struct mc_pool_stats:
        mc_stat allocation, allocated_bytes, requested_bytes, reserved_bytes, segment
    mc_pool_stats mc_stats[3]
    long long mc_num_device_alloc, mc_num_device_free, mc_num_cache_hits
    long long mc_cached_bytes, mc_cache_limit
    PyDataMem_Handler mc_handler
    void mc_empty_cache() nogil
    void mc_reset_peaks() nogil

cdef extern from "numpy/arrayobject.h":
    object PyDataMem_SetHandler(object handler)

cdef extern from "Python.h":
    object PyCapsule_New(void *pointer, const char *name, void *destructor)

#: the NEP 49 capsule; arrays allocated through it keep a reference to it
handler = PyCapsule_New(<void *>&mc_handler, b"mem_handler", NULL)


def enter():
    """Make the caching allocator current (this thread's context); return the previous handler."""
    return PyDataMem_SetHandler(handler)


def exit(prev):
    """Restore the handler ``enter()`` returned."""
    PyDataMem_SetHandler(prev)


cdef dict _stat(str name, mc_stat *s, str pool, dict out):
    out[f"{name}.{pool}.current"] = s.current
    out[f"{name}.{pool}.peak"] = s.peak
    out[f"{name}.{pool}.allocated"] = s.allocated
    out[f"{name}.{pool}.freed"] = s.freed
    return out


def memory_stats():
    """Counters of the caching allocator, with PyTorch's ``torch.cuda.memory_stats()`` keys."""
    cdef dict out = {}
    cdef int p
    for p, pool in enumerate(("all", "large_pool", "small_pool")):
        _stat("allocation", &mc_stats[p].allocation, pool, out)
        _stat("allocated_bytes", &mc_stats[p].allocated_bytes, pool, out)
        _stat("requested_bytes", &mc_stats[p].requested_bytes, pool, out)
        _stat("reserved_bytes", &mc_stats[p].reserved_bytes, pool, out)
        _stat("segment", &mc_stats[p].segment, pool, out)
    out["num_device_alloc"] = mc_num_device_alloc
    out["num_device_free"] = mc_num_device_free
    out["num_cache_hits"] = mc_num_cache_hits
    out["cached_bytes"] = mc_cached_bytes
    out["cache_limit_bytes"] = mc_cache_limit
    return dict(sorted(out.items()))


def empty_cache():
    """Give every cached (currently unused) block back to the C allocator."""
    with nogil:
        mc_empty_cache()


def reset_peak_memory_stats():
    """Set every ``*.peak`` counter to its current value."""
    mc_reset_peaks()


def set_cache_limit(long long nbytes):
    """At most ``nbytes`` of unused blocks stay cached (default 1 GiB); returns the old limit."""
    global mc_cache_limit
    if nbytes < 0:
        raise ValueError(f"set_cache_limit(): nbytes must be >= 0, got {nbytes}")
    old = mc_cache_limit
    mc_cache_limit = nbytes
    return old


# An op whose array inputs are all smaller than this runs without the scope: its outputs are almost
# always small too (below the 128 KB that the cache keeps), and switching the handler costs two
# context-variable sets (~0.3 us each), a measurable part of a tiny op's overhead.
cdef Py_ssize_t _LARGE_INPUT = 64 << 10


cdef inline bint _has_large(tuple args):
    """Some argument (an array, or an object whose ``_data`` is one, i.e. a Tensor) holds >= 64 KB."""
    for a in args:
        d = a if type(a) is cnp.ndarray else getattr(a, "_data", None)
        if isinstance(d, cnp.ndarray) and cnp.PyArray_NBYTES(<cnp.ndarray>d) >= _LARGE_INPUT:
            return True
    return False


cdef class _ScopedIfLarge:
    """``fn(*args)`` under the caching allocator if some argument (an array, or an object whose
    ``_data`` is one, i.e. a Tensor) holds at least 64 KB."""
    cdef readonly object __wrapped__
    cdef object fn

    def __init__(self, fn):
        self.fn = fn
        self.__wrapped__ = fn

    def __call__(self, *args, **kwargs):
        if not _has_large(args):
            return self.fn(*args, **kwargs)
        prev = PyDataMem_SetHandler(handler)
        try:
            return self.fn(*args, **kwargs)
        finally:
            PyDataMem_SetHandler(prev)

    def __get__(self, obj, objtype):
        # Under ``@classmethod`` (autograd's ``apply``) this runs at every ``cls.apply`` access, i.e.
        # once per op: a small bound object rather than ``types.MethodType`` (which cost ~0.8 us
        # with its import), and ``cls`` is not among the arguments checked for size.
        if obj is None:
            return self
        cdef _BoundScopedIfLarge b = _BoundScopedIfLarge.__new__(_BoundScopedIfLarge)
        b.fn = self.fn
        b.obj = obj
        return b


cdef class _BoundScopedIfLarge:
    """``_ScopedIfLarge`` bound to ``obj`` (the class, for ``apply``): ``fn(obj, *args)``."""
    cdef object fn
    cdef object obj

    def __call__(self, *args, **kwargs):
        if not _has_large(args):
            return self.fn(self.obj, *args, **kwargs)
        prev = PyDataMem_SetHandler(handler)
        try:
            return self.fn(self.obj, *args, **kwargs)
        finally:
            PyDataMem_SetHandler(prev)


def scoped_if_large(fn):
    """Decorator for autograd's ``Function.apply``: see ``_ScopedIfLarge``."""
    return _ScopedIfLarge(fn)


def scoped(fn):
    """Decorator: ``fn`` runs with the caching allocator current (autograd's apply and engine)."""
    import functools

    @functools.wraps(fn)
    def with_caching_allocator(*args, **kwargs):
        prev = PyDataMem_SetHandler(handler)
        try:
            return fn(*args, **kwargs)
        finally:
            PyDataMem_SetHandler(prev)

    return with_caching_allocator


cdef extern from "_alloc.h":
    ctypedef struct mc_header:
        mc_header *next
        size_t capacity
    mc_header *mc_free_head
    void MC_LOCK() nogil
    void MC_UNLOCK() nogil


def _cached_blocks():
    """{block capacity in bytes: how many such blocks sit in the cache} (for diagnostics and tests)."""
    cdef dict out = {}
    cdef mc_header *h
    MC_LOCK()
    try:
        h = mc_free_head
        while h != NULL:
            out[h.capacity] = out.get(h.capacity, 0) + 1
            h = h.next
    finally:
        MC_UNLOCK()
    return out
