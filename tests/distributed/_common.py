"""Shared set-up of the scripts that tests/test_distributed.py runs under ``mpiexec -n 2``.

``init_process_group`` makes a failing assertion on one rank end the whole MPI job (its excepthook prints
the traceback and calls MPI_Abort) instead of leaving the other rank waiting in a collective; each script
ends by printing one ``OK <name>`` line per rank.
"""
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import miniconv.distributed as dist  # noqa: E402


def setup(timeout=60):
    dist.init_process_group(backend="mpi", timeout=timedelta(seconds=timeout))
    return dist.get_rank(), dist.get_world_size()


def done(name):
    print(f"OK {name} rank {dist.get_rank()}", flush=True)
    dist.destroy_process_group()
