"""Fault suite: one rank of a 2-rank job fails at each stage (or the ranks disagree); the job must end on
every rank, within the process group's timeout, with the fault's traceback printed once.

Each case runs ``tests/distributed/faults.py CASE`` under ``mpiexec -n 2`` with a wall-clock limit: a hang
kills the job and fails the test. Without mpi4py or mpiexec the tests skip (CI installs them through the
``distributed`` extra).
"""
import importlib.util
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "distributed" / "faults.py"
TIMEOUT = 5.0  # the process group's timeout in faults.py (seconds)
WALL_LIMIT = 60.0  # a job still running after this is hung: killed, and the test fails
ABORT_LIMIT = 5.0  # an uncaught exception ends the job this soon (MPI_Abort, no waiting on a timeout)


def _mpiexec():
    here = pathlib.Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or _mpiexec() is None,
    reason="mpi4py and mpiexec are needed (pip install \"miniconv[distributed]\")",
)


def _run(case):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
               MINICONV_FAULT_TIMEOUT=str(TIMEOUT), PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [_mpiexec(), "-n", "2", "--oversubscribe", "--output", "tag", sys.executable, str(SCRIPT), case]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=WALL_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{case}: the job hung (still running after {WALL_LIMIT:.0f} s)\n"
                    + (out + err).decode(errors="replace"))
    ended = time.time()
    text = (out + err).decode(errors="replace").replace("\x00", "")
    return proc.returncode, ended, text


def _rank_lines(text, rank):
    """The lines ``mpiexec --output tag`` marked as rank ``rank``'s. A rank killed in the middle of a line
    leaves it without its newline, so another rank's tagged line can follow on the same text line: split
    at the tags, not at newlines."""
    parts = re.split(r"\[\d+,(\d+)\]<std(?:out|err)>: ", text)
    return [seg.split("\n", 1)[0] for r, seg in zip(parts[1::2], parts[2::2]) if int(r) == rank]


# case -> (what ends the job, the error line the failing rank(s) print, which ranks print it)
CASES = {
    "before_init": ("abort", "ValueError: rank 1 fails before init_process_group", (1,)),
    "before_init_mpi_imported": ("timeout", "ValueError: rank 1 fails before init_process_group, after MPI_Init",
                                 (1,)),
    "forward": ("abort", "ValueError: rank 1 fails in forward", (1,)),
    "backward": ("abort", "ValueError: rank 1 fails in backward", (1,)),
    "hook": ("abort", "ValueError: rank 1 fails in a gradient hook", (1,)),
    "collective": ("abort", "TypeError: all_reduce(): argument 'tensor' must be a Tensor, not ndarray", (1,)),
    "optimizer_step": ("abort", "ValueError: rank 1 fails in optimizer.step()", (1,)),
    "missing_data": ("timeout", "timed out after 5 s on rank 0 of 2", (0,)),
    "sys_exit": ("timeout", "timed out after 5 s on rank 0 of 2", (0,)),
    "thread": ("abort", "ValueError: rank 1 fails in the training thread", (1,)),
    "mismatch_model": ("abort", "appears not to match sizes of the same param in process 0.", (0, 1)),
    "mismatch_size": ("abort", "RuntimeError: Detected mismatch between collectives on ranks.", (0, 1)),
    "mismatch_dtype": ("abort", "RuntimeError: Detected mismatch between collectives on ranks.", (0, 1)),
    "mismatch_op": ("abort", "RuntimeError: Detected mismatch between collectives on ranks.", (0, 1)),
    "mismatch_kind": ("abort", "RuntimeError: Detected mismatch between collectives on ranks.", (0, 1)),
}
DETAILS = {  # what the mismatch messages say about the two calls
    "mismatch_model": r"\[1\]: params\[0\] in this process with sizes \[9, 4\]",
    "mismatch_size": r"numel=3, dtype=float32, op=SUM\).*numel=4, dtype=float32|numel=4, dtype=float32, op=SUM\)"
                     r".*numel=3, dtype=float32",
    "mismatch_dtype": r"dtype=float(32|64), op=SUM\), but Rank \d is running collective: all_reduce\("
                      r"SequenceNumber=1, numel=4, dtype=float(64|32)",
    "mismatch_op": r"op=(SUM|MAX)\), but Rank \d is running collective: .*op=(MAX|SUM)\)",
    "mismatch_kind": r"Rank \d is running collective: (all_reduce|broadcast)\(.*but Rank \d is running collective: "
                     r"(broadcast|all_reduce)\(",
}


@pytest.mark.parametrize("case", list(CASES))
def test_fault_ends_the_job(case):
    how, marker, printers = CASES[case]
    returncode, ended, text = _run(case)
    assert returncode != 0, f"{case}: the job reported success\n{text}"
    assert "finished" not in " ".join(_rank_lines(text, 0)), f"{case}: rank 0 went on as if nothing happened\n{text}"
    deviated = [float(t) for t in re.findall(r"DEVIATES (\d+\.\d+)", text)]
    assert deviated, text
    took = ended - min(deviated)
    limit = ABORT_LIMIT if how == "abort" else TIMEOUT + ABORT_LIMIT
    print(f"{case}: the job ended {took:.2f} s after the fault (limit {limit:.0f} s)")
    assert took < limit, f"{case}: the job took {took:.1f} s to end after the fault\n{text}"
    if how == "timeout":
        assert took > TIMEOUT - 1, f"{case}: ended before the timeout could have fired?\n{text}"
    # the fault's error line: once on each rank that prints it (a rank may be killed before it prints),
    # at least once in all, never on a rank that did not fail
    counts = {r: sum(marker in line for line in _rank_lines(text, r)) for r in (0, 1)}
    assert all(c <= 1 for c in counts.values()) and sum(counts.values()) >= 1, f"{case}: {counts}\n{text}"
    assert all(counts[r] == 0 for r in (0, 1) if r not in printers), f"{case}: {counts}\n{text}"
    for r in (0, 1):  # one traceback per rank at most: the fault's, not one per hook or per retry
        assert sum("Traceback (most recent call last)" in line for line in _rank_lines(text, r)) <= 1, text
    if case in DETAILS:
        assert re.search(DETAILS[case], text), f"{case}: message lacks the details\n{text}"
