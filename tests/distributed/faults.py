"""One fault on one rank of a small DDP training job (run by test_dist_faults.py under ``mpiexec -n 2``).

``python faults.py CASE``: rank 1 (or, for the mismatches, every rank) deviates at one stage; the job must
then end, on every rank, within the process group's timeout. The rank that deviates first prints
``DEVIATES <unix time>`` so that the test can measure how long the job took to end after it.
"""
import os
import sys
import threading
import time
from datetime import timedelta

CASE = sys.argv[1]
TIMEOUT = float(os.environ.get("MINICONV_FAULT_TIMEOUT", "6"))
RANK = int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "0")))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def deviate():
    print(f"DEVIATES {time.time():.3f}", flush=True)


def fail(where):
    deviate()
    raise ValueError(f"rank {RANK} fails {where}")


if CASE == "before_init" and RANK == 1:
    fail("before init_process_group")  # MPI not even initialised on this rank
if CASE == "before_init_mpi_imported":
    from mpi4py import MPI  # noqa: F401 (initialises MPI, as a script using mpi4py itself does)

    import miniconv.nn  # noqa: F401 (both ranks reach init_process_group at about the same time)
    if RANK == 1:
        fail("before init_process_group, after MPI_Init")

import numpy as np  # noqa: E402

import miniconv  # noqa: E402
import miniconv.distributed as dist  # noqa: E402
import miniconv.nn as nn  # noqa: E402
from miniconv.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

dist.init_process_group("mpi", timeout=timedelta(seconds=TIMEOUT))
assert dist.get_rank() == RANK
FAILS = CASE if RANK == 1 else None
STEP = 2  # the step at which rank 1 fails


# -- mismatched collectives: every rank raises the same error, before any data moves ------------------------
def mismatched_collective():
    deviate()
    if CASE == "mismatch_size":
        dist.all_reduce(miniconv.zeros(3 + RANK))
    elif CASE == "mismatch_dtype":
        dist.all_reduce(miniconv.zeros(4, dtype=miniconv.float32 if RANK == 0 else miniconv.float64))
    elif CASE == "mismatch_op":
        dist.all_reduce(miniconv.zeros(4), op=dist.ReduceOp.SUM if RANK == 0 else dist.ReduceOp.MAX)
    elif CASE == "mismatch_kind":
        if RANK == 0:
            dist.all_reduce(miniconv.zeros(4))
        else:
            dist.broadcast(miniconv.zeros(4), src=0)


if CASE.startswith("mismatch_") and CASE != "mismatch_model":
    dist.all_reduce(miniconv.ones(2))  # a matching collective first
    mismatched_collective()
    raise AssertionError("a mismatched collective returned")


# -- a small DDP training job ---------------------------------------------------------------------------
class Boom(miniconv.autograd.Function):
    """Identity whose backward fails on rank 1 in the "backward" case."""

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        if FAILS == "backward" and net.step == STEP:
            fail("in backward")
        return g


class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.a = nn.Linear(4, hidden)
        self.b = nn.Linear(hidden, 2)
        self.step = 0

    def forward(self, x):
        if FAILS == "forward" and self.step == STEP:
            fail("in forward")
        return self.b(Boom.apply(self.a(x)).relu())


class SGD(miniconv.optim.SGD):
    def step(self, closure=None):
        if FAILS == "optimizer_step" and net.step == STEP:
            fail("in optimizer.step()")
        return super().step(closure)


miniconv.manual_seed(0)
if CASE == "mismatch_model":
    deviate()
net = Net(hidden=8 if CASE != "mismatch_model" or RANK == 0 else 9)
model = DDP(net)


def hook(g):
    if FAILS == "hook" and net.step == STEP:
        fail("in a gradient hook")
    return g


net.a.weight.register_hook(hook)
opt = SGD(model.parameters(), lr=0.1)
rng = np.random.default_rng(RANK)
steps = 6 if not (FAILS == "missing_data") else STEP  # rank 1 has fewer batches than rank 0


def train():
    for step in range(steps):
        net.step = step
        if FAILS == "collective" and step == STEP:
            deviate()
            dist.all_reduce(np.zeros(3))  # not a Tensor: raises on rank 1 while rank 0 waits in its all_reduce
        if FAILS == "sys_exit" and step == STEP:
            deviate()
            sys.exit(3)
        if FAILS == "thread" and step == STEP:
            fail("in the training thread")
        dist.all_reduce(miniconv.ones(1))  # e.g. a loss average every step
        x = miniconv.tensor(rng.standard_normal((8, 4)).astype(np.float32))
        y = miniconv.tensor(rng.integers(0, 2, 8))
        opt.zero_grad()
        miniconv.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    if FAILS == "missing_data":
        deviate()  # rank 1 ran out of data: it leaves while rank 0 waits for the next gradients


if CASE == "thread":  # the training loop runs in a thread; an exception there ends the job too
    worker = threading.Thread(target=train)
    worker.start()
    worker.join()
else:
    train()
dist.destroy_process_group()
print(f"rank {RANK} finished", flush=True)
