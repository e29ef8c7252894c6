"""The default process group: MPI set-up, timeouts, errors, and ending the whole job on an uncaught exception.

A job whose ranks stop calling the same collectives must end, not hang:

* :func:`init_process_group` installs a ``sys.excepthook`` and a ``threading.excepthook`` (only then, never
  at import; :func:`destroy_process_group` puts the previous ones back) that print the uncaught exception's
  traceback once, as Python does, then call ``MPI_Abort`` on ``COMM_WORLD``, which makes ``mpiexec`` kill
  every rank. Without it the failing rank would block in ``MPI_Finalize`` at exit
  and the other ranks would wait in their next collective forever.
* Every wait (collectives, DDP's bucket all-reduces, the communicator duplication of
  :func:`init_process_group`) polls a non-blocking MPI request against the group's ``timeout``
  (PyTorch's default: 30 minutes). A rank that exits or gets stuck therefore makes the others raise
  :class:`DistBackendError` after the timeout; uncaught, that ends the job through the hook above.
"""
import sys
import threading
import time
from datetime import timedelta

__all__ = ["DistError", "DistBackendError", "ProcessGroup", "group", "is_initialized", "init_process_group",
           "destroy_process_group", "get_rank", "get_world_size", "get_backend"]

_INSTALL_HINT = 'miniconv.distributed needs mpi4py and an MPI library: pip install "miniconv[distributed]"'
_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
DEFAULT_TIMEOUT = timedelta(minutes=30)  # torch.distributed.constants.default_pg_timeout

# a wait first spins on MPI_Test for this long (what MPI_Wait does), then sleeps between tests, at most
# _MAX_SLEEP seconds, so a rank waiting for a slow peer leaves the CPU to it
_SPIN_SECONDS = 2e-3
_MAX_SLEEP = 1e-3


class DistError(RuntimeError):
    """Base of miniconv.distributed's errors (``torch.distributed.DistError``, a RuntimeError)."""


class DistBackendError(DistError):
    """An MPI call failed or timed out (``torch.distributed.DistBackendError``)."""


DistError.__module__ = DistBackendError.__module__ = "miniconv.distributed"


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(f"{_INSTALL_HINT} ({e})") from None
    return MPI


class ProcessGroup:
    """A group of processes: here always all of ``MPI.COMM_WORLD``, through a private duplicate of it
    (so miniconv's messages never mix with the user's own mpi4py traffic).

    ``timeout`` (seconds) bounds every wait on the group. After a timed-out wait the group is *broken*
    (MPI requests of the other ranks are left half-matched): every later collective raises at once.
    """

    def __init__(self, comm, timeout=DEFAULT_TIMEOUT.total_seconds()):
        self.comm = comm
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self.timeout = float(timeout)
        self._seq = 0  # collectives issued on this group (the same count on every rank)
        self._broken = None  # the error that broke the group

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def __repr__(self):
        return f"<miniconv.distributed.ProcessGroup backend=mpi rank={self._rank} size={self._size}>"

    # -- internal: MPI calls with context, waits with a deadline -----------------------------------
    def _where(self):
        return f"rank {self._rank} of {self._size}"

    def _check_usable(self, what):
        if self._broken is not None:
            raise DistBackendError(f"{what}: the process group is unusable after an earlier error "
                                   f"({self._broken})")

    def _call(self, what, fn, *args):
        """``fn(*args)`` (an mpi4py call); an MPI error becomes a DistBackendError saying where it happened."""
        try:
            return fn(*args)
        except _mpi().Exception as e:
            self._broken = f"MPI error in {what}"
            raise DistBackendError(f"{what} failed on {self._where()}: MPI error: {e.Get_error_string()}") from e

    def _test(self, request, what):
        return self._call(what, request.Test)

    def _wait(self, request, what, timeout=None):
        """Poll ``request`` until it completes; raise DistBackendError after ``timeout`` seconds (default:
        the group's timeout), leaving the group broken."""
        if self._test(request, what):
            return
        timeout = self.timeout if timeout is None else float(timeout)
        now = time.monotonic()
        deadline, spin_end, pause = now + timeout, now + _SPIN_SECONDS, 1e-5
        while not self._test(request, what):
            now = time.monotonic()
            if now >= deadline:
                self._broken = f"{what} timed out"
                raise DistBackendError(
                    f"{what} timed out after {timeout:g} s on {self._where()}: the other ranks did not join it "
                    "(a rank may have failed, exited, or called a different collective)"
                )
            if now >= spin_end:
                time.sleep(pause)
                pause = min(2 * pause, _MAX_SLEEP)

    def _dup(self, what):
        """A new communicator over the same processes (a collective, bounded by the timeout)."""
        self._check_usable(what)
        comm, request = self._call(what, self.comm.Idup)
        self._wait(request, what)
        return comm


class group:  # noqa: N801 (torch's name)
    """``group.WORLD`` is the default process group once :func:`init_process_group` has run."""
    WORLD = None


_default_group = None
_previous_hooks = {}  # the sys / threading excepthooks that init_process_group replaced


def _abort_job():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 (a closed stream must not stop the abort)
            pass
    MPI = sys.modules.get("mpi4py.MPI")
    # a job of one process just exits as Python does (nobody waits for it; no MPI_Abort banner)
    if MPI is not None and MPI.Is_initialized() and not MPI.Is_finalized() and MPI.COMM_WORLD.Get_size() > 1:
        MPI.COMM_WORLD.Abort(1)


def _abort_job_excepthook(exc_type, exc, tb):
    """sys.excepthook while a process group exists: print the traceback (through the hook that was there
    before), then end every rank of the job with MPI_Abort."""
    try:
        (_previous_hooks.get("sys") or sys.__excepthook__)(exc_type, exc, tb)
    finally:
        _abort_job()


def _abort_job_threading_excepthook(args):
    """threading.excepthook while a process group exists: an exception that ends a thread ends the job too
    (the thread may have been the one training, or in a collective: the other ranks would wait for it)."""
    try:
        (_previous_hooks.get("threading") or threading.__excepthook__)(args)
    finally:
        if not issubclass(args.exc_type, SystemExit):  # sys.exit() in a thread just ends the thread
            _abort_job()


def _install_excepthooks():
    if sys.excepthook is not _abort_job_excepthook:
        _previous_hooks["sys"] = sys.excepthook
        sys.excepthook = _abort_job_excepthook
    if threading.excepthook is not _abort_job_threading_excepthook:
        _previous_hooks["threading"] = threading.excepthook
        threading.excepthook = _abort_job_threading_excepthook


def _restore_excepthooks():
    if sys.excepthook is _abort_job_excepthook:
        sys.excepthook = _previous_hooks.get("sys") or sys.__excepthook__
    if threading.excepthook is _abort_job_threading_excepthook:
        threading.excepthook = _previous_hooks.get("threading") or threading.__excepthook__
    _previous_hooks.clear()


def _timeout_seconds(timeout):
    if timeout is None:
        return DEFAULT_TIMEOUT.total_seconds()
    if not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {timeout}")
    seconds = timeout.total_seconds()
    if not seconds > 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    return seconds


def is_initialized():
    """True between :func:`init_process_group` and :func:`destroy_process_group`."""
    return _default_group is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the default process group: every process started by ``mpiexec``.

    ``backend`` must be ``"mpi"`` (or None). Rank and world size come from MPI; ``world_size``/``rank``,
    when given, must agree with them. ``timeout`` (a ``datetime.timedelta``, default 30 minutes as in
    PyTorch) bounds every wait on the group: a collective that the other ranks do not join within it raises
    :class:`DistBackendError`. From here until :func:`destroy_process_group`, an uncaught exception on any
    rank (in any thread) prints its traceback and ends the whole job (``MPI_Abort``). ``init_method`` and ``store`` are
    accepted for source compatibility and unused (``mpiexec`` did the rendezvous).
    """
    global _default_group
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(
            f"miniconv.distributed supports only backend='mpi' (launch with mpiexec), got backend={backend!r}"
        )
    if _default_group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    seconds = _timeout_seconds(timeout)
    MPI = _mpi()
    if not MPI.Is_initialized() or MPI.Is_finalized():
        raise RuntimeError("MPI is not initialized (or already finalized): cannot create a process group")
    world = MPI.COMM_WORLD
    if world_size not in (-1, None) and world_size != world.Get_size():
        raise ValueError(f"world_size={world_size} but mpiexec started {world.Get_size()} processes")
    if rank not in (-1, None) and rank != world.Get_rank():
        raise ValueError(f"rank={rank} but MPI gave this process rank {world.Get_rank()}")
    _install_excepthooks()  # before the first collective: a rank that fails to join it ends the job
    try:
        pg = ProcessGroup(ProcessGroup(world, seconds)._dup("init_process_group"), seconds)
    except BaseException:
        _restore_excepthooks()
        raise
    _default_group = pg
    group.WORLD = pg


def destroy_process_group(group=None):  # noqa: A002 (torch's name)
    """Leave the default process group (MPI itself is finalised by mpi4py at exit); the excepthook of
    :func:`init_process_group` is removed."""
    global _default_group
    if _default_group is None:
        raise AssertionError("Process group cannot be None")
    pg = _default_group
    _default_group = None
    globals()["group"].WORLD = None
    _restore_excepthooks()
    if pg._broken is None:
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

