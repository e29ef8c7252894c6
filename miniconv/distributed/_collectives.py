"""Collectives on Tensors (in place, through their NumPy arrays), each checked across ranks before it runs.

Every collective first all-gathers a small signature from each rank (sequence number, which collective,
dtype, element counts, reduce op, source rank). If the ranks disagree, every rank raises the same
RuntimeError (PyTorch's ``TORCH_DISTRIBUTED_DEBUG=DETAIL`` check, always on here) instead of letting MPI
match a float32 reduction against a float64 one (garbage) or two different sizes (a hang). The data
collective starts only once the signatures agree; every wait is bounded by the group's timeout.
"""
import numpy as np

from ..tensor import Tensor
from ._process_group import _group, _mpi

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor",
           "reduce_scatter", "reduce_scatter_tensor", "barrier"]


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
_KINDS = ("all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
          "reduce_scatter_tensor", "barrier")
_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64")


def _signature(g, kind, arr=None, out_count=0, op=None, root=-1):
    """This rank's description of the collective it is about to run, as int64 codes."""
    dtype = 0 if arr is None else _DTYPES.index(arr.dtype.name) + 1
    count = 0 if arr is None else arr.size
    op_code = 0 if op is None else _OPS.index(op) + 1
    return np.array([g._seq, _KINDS.index(kind), dtype, count, out_count, op_code, root], np.int64)


def _describe(row):
    seq, kind, dtype, count, out_count, op, root = (int(v) for v in row)
    name = _KINDS[kind] if 0 <= kind < len(_KINDS) else f"<unknown {kind}>"
    parts = [f"SequenceNumber={seq}"]
    if dtype:
        parts += [f"numel={count}", f"dtype={_DTYPES[dtype - 1] if dtype <= len(_DTYPES) else dtype}"]
    if out_count:
        parts.append(f"output numel={out_count}")
    if op:
        parts.append(f"op={_OPS[op - 1].upper() if op <= len(_OPS) else op}")
    if root >= 0:
        parts.append(f"src={root}")
    return f"{name}({', '.join(parts)})"


def _check_signatures(g, mine, table):
    """Raise the same RuntimeError on every rank if the ranks' signatures differ."""
    if (table == table[0]).all():
        return
    other = next(r for r in range(len(table)) if not np.array_equal(table[r], mine))
    raise RuntimeError(
        f"Detected mismatch between collectives on ranks. Rank {g.rank()} is running collective: "
        f"{_describe(mine)}, but Rank {other} is running collective: {_describe(table[other])}."
    )


class Work:
    """Handle of a collective started with ``async_op=True``: ``wait()`` blocks until it is done and the
    result is in the output tensor(s) (raising if the ranks called mismatched collectives, or if the
    others did not join it within the timeout); ``is_completed()`` polls (and lets MPI progress)."""

    def __init__(self, g, what, signature, start):
        self._g = g
        self._what = what
        self._start = start  # () -> (MPI request, function to call when it completes, or None)
        self._request = self._finish = None
        self._done = False
        self._error = None
        mine = signature
        table = np.empty((g.size(), mine.size), np.int64)
        g._seq += 1
        self._header = (g._call(what, g.comm.Iallgather, mine, table), mine, table)

    def _advance(self, block, timeout=None):
        if self._error is not None:
            raise self._error
        if self._done:
            return True
        g, what = self._g, self._what
        try:
            if self._header is not None:
                request, mine, table = self._header
                if block:
                    g._wait(request, what, timeout)
                elif not g._test(request, what):
                    return False
                self._header = None
                _check_signatures(g, mine, table)
                self._request, self._finish = self._start()
            if block:
                g._wait(self._request, what, timeout)
            elif not g._test(self._request, what):
                return False
        except Exception as e:
            self._error = e
            raise
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()
        return True

    def wait(self, timeout=None):
        """Block until the collective is done (at most ``timeout``, a ``datetime.timedelta``, or the
        group's timeout)."""
        self._advance(True, None if timeout is None else timeout.total_seconds())
        return True

    def is_completed(self):
        return self._advance(False)

    def result(self):
        return []


def _collective(g, what, signature, start, async_op):
    g._check_usable(what)
    work = Work(g, what, signature, start)
    if async_op:
        try:  # start the data transfer at once if the other ranks are already there
            work._advance(False)
        except Exception:  # noqa: BLE001 (kept in the Work: wait() raises it, whatever the timing)
            pass
        return work
    work.wait()
    return None


def _tensor_buffer(tensor, fn, name="tensor"):
    """The contiguous array MPI works on in place, and a function writing it back if it is a copy."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be a Tensor, not {type(tensor).__name__}")
    arr = tensor._data
    if arr.dtype.name not in _DTYPES:
        raise TypeError(f"{fn}(): unsupported dtype {arr.dtype} for argument '{name}'")
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr, None
    buf = np.ascontiguousarray(arr)

    def write_back():
        tensor._data[...] = buf.reshape(arr.shape)

    return buf, write_back


def _check_op(op, fn, arr):
    if op not in _OPS:
        raise ValueError(f"{fn}(): unsupported op {op!r}; use one of ReduceOp.SUM, AVG, PRODUCT, MAX, MIN")
    if op == ReduceOp.AVG and arr.dtype.kind != "f":
        raise ValueError(f"{fn}(): ReduceOp.AVG needs a floating-point tensor, got dtype {arr.dtype}")


def _mpi_op(op):
    MPI = _mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN}[op]


def _then(*fns):
    fns = [f for f in fns if f is not None]
    if not fns:
        return None

    def run():
        for f in fns:
            f()

    return run


def _divider(arr, n, op):
    if op != ReduceOp.AVG:
        return None

    def divide():
        np.divide(arr, n, out=arr)

    return divide


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce ``tensor`` over all ranks with ``op``, in place: every rank ends with the same result."""
    g = _group(group)
    buf, write_back = _tensor_buffer(tensor, "all_reduce")
    _check_op(op, "all_reduce", buf)

    def start():
        request = g._call("all_reduce", g.comm.Iallreduce, _mpi().IN_PLACE, buf, _mpi_op(op))
        return request, _then(_divider(buf, g.size(), op), write_back)

    return _collective(g, "all_reduce", _signature(g, "all_reduce", buf, op=op), start, async_op)


def broadcast(tensor, src, group=None, async_op=False):  # noqa: A002
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    g = _group(group)
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < g.size():
        raise ValueError(f"broadcast(): src must be a rank in [0, {g.size() - 1}], got {src!r}")
    buf, write_back = _tensor_buffer(tensor, "broadcast")

    def start():
        return g._call("broadcast", g.comm.Ibcast, buf, int(src)), write_back

    return _collective(g, "broadcast", _signature(g, "broadcast", buf, root=int(src)), start, async_op)


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

    def scatter_out():
        for t, a in zip(tensor_list, out):
            t._data[...] = a

    def start():
        return g._call("all_gather", g.comm.Iallgather, src, out), scatter_out

    return _collective(g, "all_gather", _signature(g, "all_gather", src), start, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):  # noqa: A002
    """Concatenate every rank's ``input_tensor`` along dim 0 into ``output_tensor`` (world_size times larger)."""
    g = _group(group)
    fn = "all_gather_into_tensor"
    src, _ = _tensor_buffer(input_tensor, fn, "input_tensor")
    out, write_back = _tensor_buffer(output_tensor, fn, "output_tensor")
    if out.size != src.size * g.size() or out.dtype != src.dtype:
        raise ValueError(
            f"all_gather_into_tensor(): output_tensor must have world_size * {src.size} elements of dtype "
            f"{src.dtype}, got {out.size} of dtype {out.dtype}"
        )

    def start():
        return g._call(fn, g.comm.Iallgather, src, out), write_back

    return _collective(g, fn, _signature(g, fn, src, out_count=out.size), start, async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Reduce ``input_list[r]`` over all ranks and put the result in rank r's ``output``."""
    g = _group(group)
    if not isinstance(input_list, (list, tuple)) or len(input_list) != g.size():
        raise ValueError(f"reduce_scatter(): input_list must be a list of world_size={g.size()} tensors")
    for t in input_list:
        _check_same(t, output, "reduce_scatter", "input_list")
    out, write_back = _tensor_buffer(output, "reduce_scatter", "output")
    send = np.stack([np.asarray(t._data) for t in input_list]).astype(out.dtype, copy=False)
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
    _check_op(op, fn, out)

    def start():
        request = g._call(fn, g.comm.Ireduce_scatter_block, send, out, _mpi_op(op))
        return request, _then(_divider(out, g.size(), op), write_back)

    return _collective(g, fn, _signature(g, fn, send, out_count=out.size, op=op), start, async_op)


def barrier(group=None, async_op=False, device_ids=None):  # noqa: A002
    """Block until every rank of the group has reached the barrier."""
    g = _group(group)

    def start():
        return g._call("barrier", g.comm.Ibarrier), None

    return _collective(g, "barrier", _signature(g, "barrier"), start, async_op)
