"""examples/train_cifar10.py: runs a few steps on FakeData, resumes exactly, trains from a CIFAR-10
archive in the data folder (generated files standing in for the published ones), and its model under
PyTorch (imports swapped) has the same state_dict layout."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "train_cifar10.py"
sys.path.insert(0, str(ROOT / "examples"))
from swap_to_torch import to_torch  # noqa: E402

pytest.importorskip("PIL")
import miniconv  # noqa: E402

SMALL = ["--batch-size", "8", "--train-limit", "24", "--test-limit", "8", "--width", "8", "--threads", "1"]


def run(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--data", str(tmp_path / "none"), *SMALL, *args],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_runs_on_fake_data_and_reproduces(tmp_path):
    first, second = tmp_path / "a.ckpt", tmp_path / "b.ckpt"
    out = run(tmp_path, "--epochs", "2", "--checkpoint", str(first))
    assert "training on FakeData of CIFAR's shape" in out and "epoch 2/2" in out
    run(tmp_path, "--epochs", "2", "--checkpoint", str(second), "--scheduler", "cosine")
    a, b = miniconv.load(str(first)), miniconv.load(str(second))
    assert a["epoch"] == 2 and a["step"] == 0 and a["scheduler"]["last_epoch"] == 6  # 3 steps per epoch
    for k in a["model"]:
        np.testing.assert_array_equal(a["model"][k].numpy(), b["model"][k].numpy(), err_msg=k)
    out = run(tmp_path, "--epochs", "1", "--scheduler", "onecycle", "--checkpoint", str(tmp_path / "c.ckpt"))
    assert "epoch 1/1" in out


def test_interrupted_epoch_resume_equals_straight_run(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "examples"))
    import train_cifar10 as ex

    miniconv.set_num_threads(1)
    base = ["--data", str(tmp_path / "none"), *SMALL]
    straight = tmp_path / "s.ckpt"
    assert ex.main(base + ["--epochs", "2", "--checkpoint", str(straight)]) == 0
    # stop after the 2nd step of epoch 2, as Ctrl-C would, then resume
    part = tmp_path / "p.ckpt"
    real_step = miniconv.optim.SGD.step
    calls = []

    def step_then_interrupt(self, *a, **k):
        out = real_step(self, *a, **k)
        calls.append(1)
        if len(calls) == 5:
            os.kill(os.getpid(), __import__("signal").SIGINT)
        return out

    monkeypatch.setattr(miniconv.optim.SGD, "step", step_then_interrupt)
    assert ex.main(base + ["--epochs", "2", "--checkpoint", str(part)]) == 130
    monkeypatch.setattr(miniconv.optim.SGD, "step", real_step)
    assert miniconv.load(str(part))["step"] == 2
    assert ex.main(base + ["--epochs", "2", "--checkpoint", str(part), "--resume"]) == 0
    a, b = miniconv.load(str(straight)), miniconv.load(str(part))
    for k in a["model"]:
        np.testing.assert_array_equal(a["model"][k].numpy(), b["model"][k].numpy(), err_msg=k)


def test_trains_from_a_cifar_archive_in_the_data_folder(tmp_path, monkeypatch, capsys):
    import hashlib
    import tarfile

    import vision_formats
    import train_cifar10 as ex
    from miniconv.vision import datasets

    data = tmp_path / "data"
    data.mkdir()
    archive, folder = vision_formats.write_cifar_archive(str(data), "cifar10")
    with tarfile.open(archive) as t:  # the generated files' MD5s stand in for the published ones
        md5 = {os.path.basename(m.name): hashlib.md5(t.extractfile(m).read()).hexdigest() for m in t.getmembers()}
    with open(archive, "rb") as f:
        monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5(f.read()).hexdigest())
    monkeypatch.setattr(datasets.CIFAR10, "train_list", [[f"data_batch_{i}", md5[f"data_batch_{i}"]] for i in range(1, 6)])
    monkeypatch.setattr(datasets.CIFAR10, "test_list", [["test_batch", md5["test_batch"]]])
    monkeypatch.setattr(datasets.CIFAR10, "meta", dict(datasets.CIFAR10.meta, md5=md5["batches.meta"]))
    miniconv.set_num_threads(1)
    assert ex.main(["--data", str(data), "--epochs", "1", "--batch-size", "5", "--width", "8",
                    "--checkpoint", str(tmp_path / "c.ckpt")]) == 0
    out = capsys.readouterr().out
    assert "FakeData" not in out and "15 training images, 3 steps per epoch" in out
    assert (data / folder / "data_batch_1").exists()


def test_swap_to_torch_changes_only_imports_and_model_layout_matches():
    torch = pytest.importorskip("torch")
    src = EXAMPLE.read_text()
    swapped = to_torch(src)
    changed = [(a, b) for a, b in zip(src.splitlines(), swapped.splitlines()) if a != b]
    assert len(changed) == 5 and all("miniconv" not in b for _, b in changed)
    model_src = swapped.split("def parse_args")[0].replace(
        "from torchvision import datasets, transforms", "")  # torchvision does not import beside torch 2.13
    ns = {}
    exec(compile(model_src, "train_cifar10_torch", "exec"), ns)
    import train_cifar10 as ex

    theirs = ns["ResNet18"]().state_dict()
    ours = ex.ResNet18().state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours.items()] == [(k, tuple(v.shape)) for k, v in theirs.items()]
    assert sum(v.numel() for v in theirs.values() if v.dtype.is_floating_point) > 11_000_000
