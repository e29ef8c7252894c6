"""Shared set-up of the scripts that tests/test_distributed.py runs under ``mpiexec -n 2``.

A failing assertion on one rank aborts the whole MPI job (instead of leaving the other rank waiting in a
collective), and each script ends by printing one ``OK <name>`` line per rank.
"""
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import miniconv.distributed as dist  # noqa: E402


def _abort_on_error(exc_type, exc, tb):
    traceback.print_exception(exc_type, exc, tb)
    sys.stderr.flush()
    from mpi4py import MPI

    MPI.COMM_WORLD.Abort(1)


def setup():
    sys.excepthook = _abort_on_error
    dist.init_process_group(backend="mpi")
    return dist.get_rank(), dist.get_world_size()


def done(name):
    print(f"OK {name} rank {dist.get_rank()}", flush=True)
    dist.destroy_process_group()
