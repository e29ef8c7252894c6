"""Running examples/train_mnist.py in a subprocess (one process or under mpiexec) and reading what it
reports: the printed epoch lines without their timings, and the --summary-json file."""
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "train_mnist.py"
DATA = os.environ.get("MINICONV_DATA", str(ROOT.parent / "shared" / "mnist"))
needs_mnist = pytest.mark.skipif(
    not pathlib.Path(DATA, "train-images-idx3-ubyte.gz").exists(), reason="MNIST files not found (set MINICONV_DATA)"
)
# small and quick: 12 steps of 64 images per epoch, a narrow CNN with batch norm and dropout
TINY = ["--train-limit", "768", "--test-limit", "200", "--batch-size", "64", "--cdims", "8", "16", "--hdims", "32",
        "--seed", "3", "--no-progress"]


def mpiexec():
    here = pathlib.Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or mpiexec() is None,
    reason="mpi4py and mpiexec are needed (pip install \"miniconv[distributed]\")",
)


def env(path_first=None):
    """``path_first``: a directory put before the others on PYTHONPATH (to hide an installed package)."""
    path = [str(p) for p in (path_first, ROOT, EXAMPLES) if p is not None]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path), OMP_NUM_THREADS="1",
                OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def command(tmp_path, *args, n=None, script=EXAMPLE):
    """The command line of one run; ``n`` processes under mpiexec (with --distributed) if given."""
    cmd = [sys.executable, "-u", str(script), "--data", DATA, *args]
    if n is not None:
        cmd = [mpiexec(), "-n", str(n), "--oversubscribe", *cmd, "--distributed"]
    return cmd


def run(tmp_path, *args, n=None, expect=0, script=EXAMPLE, path_first=None):
    """Run the example; returns (stdout + stderr, summary dict or None)."""
    summary = tmp_path / f"summary_{time.monotonic_ns()}.json"
    cmd = command(tmp_path, *args, "--summary-json", str(summary), n=n, script=script)
    proc = subprocess.run(cmd, env=env(path_first), capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == expect, out
    return out, (json.loads(summary.read_text()) if summary.exists() else None)


def epoch_lines(out):
    """The printed 'epoch e/E  train loss ...  test acc ...' lines without the time and speed."""
    return [re.sub(r"  [0-9.]+s \(.*$", "", line) for line in out.splitlines() if line.startswith("epoch ")]


def metrics(summary):
    """Everything in a summary that a resumed run must reproduce bit for bit (not the timings)."""
    return {
        "step_losses": summary["step_losses"],
        "history": [(h["epoch"], h["train_loss"], h["train_acc"], h["test_acc"]) for h in summary["history"]],
        "test_acc": summary["test_acc"],
    }
