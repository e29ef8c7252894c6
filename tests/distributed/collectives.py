"""Collectives against NumPy (run by tests/test_distributed.py under mpiexec)."""
import sys
import threading
import time
from datetime import timedelta

import numpy as np
from _common import done, setup

import miniconv
import miniconv.distributed as dist

assert sys.excepthook is sys.__excepthook__ and threading.excepthook is threading.__excepthook__
rank, world = setup()
assert sys.excepthook.__name__ == "_abort_job_excepthook"  # installed by init_process_group
assert threading.excepthook.__name__ == "_abort_job_threading_excepthook"
assert dist.is_initialized() and world >= 2
assert dist.get_backend() == "mpi"


def data(r, dtype=np.float32, shape=(3, 5)):
    return np.random.default_rng(100 + r).standard_normal(shape).astype(dtype)


everyone = [data(r) for r in range(world)]
expected = {dist.ReduceOp.SUM: np.sum(everyone, axis=0, dtype=np.float32),
            dist.ReduceOp.MAX: np.max(everyone, axis=0), dist.ReduceOp.MIN: np.min(everyone, axis=0),
            dist.ReduceOp.PRODUCT: np.prod(everyone, axis=0, dtype=np.float32),
            dist.ReduceOp.AVG: np.sum(everyone, axis=0, dtype=np.float32) / world}
for op, want in expected.items():
    for async_op in (False, True):
        t = miniconv.tensor(data(rank))
        work = dist.all_reduce(t, op=op, async_op=async_op)
        if async_op:
            assert isinstance(work, dist.Work)
            work.wait()
            assert work.is_completed()
        else:
            assert work is None
        np.testing.assert_allclose(t.numpy(), want, rtol=1e-6, atol=1e-6, err_msg=str(op))

# integers are exact; float64 too
t = miniconv.tensor(np.arange(6, dtype=np.int64) * (rank + 1))
dist.all_reduce(t)
assert (t.numpy() == np.arange(6) * sum(range(1, world + 1))).all()

# a non-contiguous tensor is reduced in place through a copy
base = miniconv.tensor(data(rank, np.float64, (4, 6)))
view = base[:, ::2]
dist.all_reduce(view)
want = np.sum([data(r, np.float64, (4, 6)) for r in range(world)], axis=0)
np.testing.assert_allclose(base.numpy()[:, ::2], want[:, ::2], rtol=1e-12)
np.testing.assert_array_equal(base.numpy()[:, 1::2], data(rank, np.float64, (4, 6))[:, 1::2])

# broadcast from each source
for src in range(world):
    t = miniconv.tensor(data(rank))
    dist.broadcast(t, src=src)
    np.testing.assert_array_equal(t.numpy(), data(src))
t = miniconv.tensor(data(rank))
dist.broadcast(t, src=world - 1, async_op=True).wait()
np.testing.assert_array_equal(t.numpy(), data(world - 1))

# all_gather and all_gather_into_tensor
outs = [miniconv.zeros(3, 5) for _ in range(world)]
dist.all_gather(outs, miniconv.tensor(data(rank)))
for r in range(world):
    np.testing.assert_array_equal(outs[r].numpy(), data(r))
out = miniconv.zeros(world * 3, 5)
dist.all_gather_into_tensor(out, miniconv.tensor(data(rank)))
np.testing.assert_array_equal(out.numpy(), np.concatenate(everyone))

# reduce_scatter: rank r gets the sum over ranks of their r-th input
inputs = [miniconv.tensor(data(rank) + r) for r in range(world)]
out = miniconv.zeros(3, 5)
dist.reduce_scatter(out, inputs)
np.testing.assert_allclose(out.numpy(), np.sum(everyone, axis=0) + world * rank, rtol=1e-6, atol=1e-6)
out = miniconv.zeros(3, 5)
dist.reduce_scatter_tensor(out, miniconv.tensor(np.concatenate([data(rank) * (r + 1) for r in range(world)])),
                           op=dist.ReduceOp.MAX)
np.testing.assert_allclose(out.numpy(), np.max([d * (rank + 1) for d in everyone], axis=0))

dist.barrier()
dist.barrier(async_op=True).wait()

# errors
for bad, exc in [(lambda: dist.all_reduce(np.zeros(3)), TypeError),
                 (lambda: dist.all_reduce(miniconv.zeros(3), op="median"), ValueError),
                 (lambda: dist.all_reduce(miniconv.zeros(3, dtype=miniconv.int64), op=dist.ReduceOp.AVG), ValueError),
                 (lambda: dist.broadcast(miniconv.zeros(3), src=world), ValueError),
                 (lambda: dist.all_gather([miniconv.zeros(3)], miniconv.zeros(3)), ValueError),
                 (lambda: dist.init_process_group("mpi"), ValueError),
                 (lambda: dist.init_process_group("gloo"), ValueError)]:
    try:
        bad()
    except exc:
        pass
    else:
        raise AssertionError(f"expected {exc.__name__}")

# mismatched calls raise the same RuntimeError on every rank before any data moves (a float32 all_reduce
# against a float64 one used to return garbage, different sizes used to hang); the group stays usable
f32_f64 = miniconv.float32 if rank == 0 else miniconv.float64
mismatches = [
    ("numel=3", lambda: dist.all_reduce(miniconv.zeros(3 + rank))),
    ("dtype=float64", lambda: dist.all_reduce(miniconv.zeros(4, dtype=f32_f64))),
    ("op=MAX", lambda: dist.all_reduce(miniconv.zeros(4), op=[dist.ReduceOp.SUM, dist.ReduceOp.MAX][rank % 2])),
    ("src=1", lambda: dist.broadcast(miniconv.zeros(4), src=rank % 2)),
    ("barrier(", lambda: dist.all_reduce(miniconv.zeros(4)) if rank == 0 else dist.barrier()),
    ("output numel", lambda: dist.all_gather_into_tensor(miniconv.zeros((2 + rank) * world), miniconv.zeros(2 + rank))),
    ("reduce_scatter_tensor(", lambda: dist.reduce_scatter_tensor(miniconv.zeros(2), miniconv.zeros(2 * world))
     if rank == 0 else dist.all_gather_into_tensor(miniconv.zeros(2 * world), miniconv.zeros(2))),
]
for detail, call in mismatches:
    try:
        call()
    except RuntimeError as e:
        assert str(e).startswith("Detected mismatch between collectives on ranks. Rank "), e
        assert detail in str(e), (detail, str(e))
    else:
        raise AssertionError(f"no error for a mismatch in {detail}")
    t = miniconv.ones(2)
    dist.all_reduce(t)
    assert (t.numpy() == world).all()
# async: the error comes from wait(), every time it is called
work = dist.all_reduce(miniconv.zeros(4, dtype=f32_f64), async_op=True)
for _ in range(2):
    try:
        work.wait()
    except RuntimeError as e:
        assert "Detected mismatch" in str(e)
    else:
        raise AssertionError("async mismatch not reported")
assert dist.all_reduce(miniconv.ones(1), async_op=True).wait(timeout=timedelta(seconds=30)) is True
for bad in (5, "30s"):
    try:
        dist.destroy_process_group()
        dist.init_process_group("mpi", timeout=bad)
    except TypeError as e:
        assert str(e) == f"Expected timeout argument to be of type datetime.timedelta, got {bad}"
    else:
        raise AssertionError("timeout must be a timedelta")
    assert sys.excepthook is sys.__excepthook__  # a failed init leaves no hook behind
    setup()

# an MPI error becomes a DistBackendError (a RuntimeError, as torch.distributed's) saying where
from mpi4py import MPI  # noqa: E402

pg = dist.ProcessGroup(MPI.COMM_SELF)


def mpi_fails():
    raise MPI.Exception(MPI.ERR_TRUNCATE)


try:
    pg._call("all_reduce", mpi_fails)
except dist.DistBackendError as e:
    assert isinstance(e, RuntimeError) and isinstance(e, dist.DistError)
    assert str(e).startswith(f"all_reduce failed on rank 0 of 1: MPI error: {MPI.Get_error_string(MPI.ERR_TRUNCATE)}")
else:
    raise AssertionError("MPI error not converted")

# a collective the other rank does not join: DistBackendError after the timeout, and the group is unusable
# from then on (rank 1 skips the call; the job ends cleanly because nothing waits any more)
if rank == 0:
    start = time.monotonic()
    work = dist.all_reduce(miniconv.ones(2), async_op=True)
    try:
        work.wait(timeout=timedelta(seconds=0.5))
    except dist.DistBackendError as e:
        assert "all_reduce timed out after 0.5 s on rank 0 of 2" in str(e), e
        assert 0.5 <= time.monotonic() - start < 5
    else:
        raise AssertionError("no timeout")
    try:
        dist.barrier()
    except dist.DistBackendError as e:
        assert "unusable after an earlier error (all_reduce timed out)" in str(e), e
    else:
        raise AssertionError("a broken group was used")
done("collectives")
assert sys.excepthook is sys.__excepthook__ and threading.excepthook is threading.__excepthook__  # put back
