"""examples/train_mnist.py stopped mid-epoch (Ctrl-C, or --stop-after N which acts the same at a chosen
step) and resumed prints and records the same losses and accuracies, bit for bit, as a run that was
never stopped; one process and data-parallel. A mid-epoch checkpoint is only resumed by as many
processes as wrote it."""
import os
import signal
import subprocess
import time

import numpy as np
import pytest

import miniconv
from _mnist_example import TINY, command, env, epoch_lines, metrics, needs_mnist, needs_mpi, run

pytestmark = needs_mnist
EPOCHS = ["--epochs", "2"]  # 12 steps per epoch with TINY at one process


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("straight")
    out, summary = run(tmp, *TINY, *EPOCHS, "--checkpoint", str(tmp / "c.ckpt"))
    return out, summary, miniconv.load(tmp / "c.ckpt")["model"]


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)


@pytest.mark.parametrize("k", [5, 12, 14])  # mid-epoch 1, last step of epoch 1, mid-epoch 2
def test_stop_after_k_steps_and_resume_repeats_the_run(tmp_path, straight, k):
    ck = str(tmp_path / "c.ckpt")
    first, _ = run(tmp_path, *TINY, *EPOCHS, "--checkpoint", ck, "--stop-after", str(k), expect=130)
    assert "interrupted: saved" in first
    state = miniconv.load(ck)
    assert (state["epoch"], state["step"]) == ((k - 1) // 12, (k - 1) % 12 + 1)
    second, resumed = run(tmp_path, *TINY, *EPOCHS, "--checkpoint", ck, "--resume")
    assert f"resumed from {ck}: epoch {state['epoch'] + 1}, step {state['step']}" in second
    out, summary, weights = straight
    assert epoch_lines(first) + epoch_lines(second) == epoch_lines(out)
    assert metrics(resumed) == metrics(summary)
    assert len(resumed["step_losses"]) == 24
    assert_same_weights(miniconv.load(ck)["model"], weights)


LONG = ["--epochs", "20"]  # about 2 s at full speed: a Ctrl-C sent 0.3 s after the start lands mid-run


def test_ctrl_c_and_resume_repeats_the_run(tmp_path):
    out, summary = run(tmp_path, *TINY, *LONG, "--checkpoint", str(tmp_path / "s.ckpt"))
    weights = miniconv.load(tmp_path / "s.ckpt")["model"]
    ck = str(tmp_path / "c.ckpt")
    proc = subprocess.Popen(command(tmp_path, *TINY, *LONG, "--checkpoint", ck), env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    head = proc.stdout.readline()  # printed just before the first step
    assert head.startswith("training on"), head
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=300)
    assert proc.returncode == 130 and "interrupted: saved" in rest, head + rest
    second, resumed = run(tmp_path, *TINY, *LONG, "--checkpoint", ck, "--resume")
    assert epoch_lines(rest) + epoch_lines(second) == epoch_lines(out)
    assert metrics(resumed) == metrics(summary)
    assert_same_weights(miniconv.load(ck)["model"], weights)


def test_resume_without_a_checkpoint_starts_from_scratch(tmp_path, straight):
    out, summary = run(tmp_path, *TINY, *EPOCHS, "--checkpoint", str(tmp_path / "none.ckpt"), "--resume")
    assert "no checkpoint at" in out
    assert metrics(summary) == metrics(straight[1])


# -- data-parallel ---------------------------------------------------------------------------------
DIST = TINY + ["--scheduler", "step"]  # 12 steps per epoch of 32 images per process at 2 processes


@needs_mpi
def test_distributed_stop_and_resume_repeats_the_run(tmp_path):
    out, summary = run(tmp_path, *DIST, *EPOCHS, "--checkpoint", str(tmp_path / "a.ckpt"), n=2)
    assert out.count("final test accuracy") == 1 and "on 2 processes" in out  # only rank 0 prints
    assert summary["world_size"] == 2 and len(summary["step_losses"]) == 24
    ck = str(tmp_path / "b.ckpt")
    first, _ = run(tmp_path, *DIST, *EPOCHS, "--checkpoint", ck, "--stop-after", "5", n=2, expect=130)
    assert "interrupted: saved" in first and miniconv.load(ck)["step"] == 5
    second, resumed = run(tmp_path, *DIST, *EPOCHS, "--checkpoint", ck, "--resume", n=2)
    assert epoch_lines(second) == epoch_lines(out)
    assert metrics(resumed) == metrics(summary)
    assert_same_weights(miniconv.load(ck)["model"], miniconv.load(tmp_path / "a.ckpt")["model"])

    # the same mid-epoch checkpoint with one process, data-parallel or not: refused, nothing trained
    before = (tmp_path / "b2.ckpt")
    run(tmp_path, *DIST, *EPOCHS, "--checkpoint", str(before), "--stop-after", "5", n=2, expect=130)
    saved = before.read_bytes()
    for extra in (["--distributed"], []):
        msg, _ = run(tmp_path, *DIST, *EPOCHS, *extra, "--checkpoint", str(before), "--resume", expect=2)
        assert "was saved mid-epoch (epoch 1, step 5) by 2 processes" in msg, msg
        assert "mpiexec -n 2" in msg and "Traceback" not in msg, msg
        assert before.read_bytes() == saved


def _rank_pids(marker):
    """Process ids of the example's ranks: the python processes whose command line holds ``marker``."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            if argv and b"python" in os.path.basename(argv[0]) and marker.encode() in argv:
                pids.append(int(entry))
    return pids


@needs_mpi
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the ranks through /proc")
def test_distributed_ctrl_c_on_one_rank_stops_both_and_resume_repeats_the_run(tmp_path):
    out, summary = run(tmp_path, *DIST, *LONG, "--checkpoint", str(tmp_path / "a.ckpt"), n=2)
    ck = str(tmp_path / "b.ckpt")
    proc = subprocess.Popen(command(tmp_path, *DIST, *LONG, "--checkpoint", ck, n=2), env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    head = proc.stdout.readline()
    assert head.startswith("training on"), head
    pids = _rank_pids(ck)
    assert len(pids) == 2, pids
    time.sleep(1.0)  # both ranks passed DDP's broadcast before rank 0 printed; let rank 1 reach its first step
    os.kill(max(pids), signal.SIGINT)  # one rank only: the other learns it through the step's all-reduce
    rest, _ = proc.communicate(timeout=300)
    assert "interrupted: saved" in rest, head + rest
    second, resumed = run(tmp_path, *DIST, *LONG, "--checkpoint", ck, "--resume", n=2)
    assert epoch_lines(rest) + epoch_lines(second) == epoch_lines(out)
    assert metrics(resumed) == metrics(summary)
