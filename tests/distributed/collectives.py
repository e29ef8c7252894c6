"""Collectives against NumPy (run by tests/test_distributed.py under mpiexec)."""
import numpy as np
from _common import done, setup

import miniconv
import miniconv.distributed as dist

rank, world = setup()
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
done("collectives")
