"""miniconv.io: checkpoints on the safetensors package: round trips, crash-safe atomic writes (fsync, rename,
identical bytes), and a training checkpoint that resumes bit-exactly. Safety and bad files: test_io_safety.py;
PyTorch interop and safetensors files: test_io_interop.py."""
import io
import json
import os
import struct
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import miniconv
import miniconv.utils
from miniconv.nn import Module, Parameter
from miniconv.io import CheckpointError

from io_samples import assert_same, sample_checkpoint

REPO = Path(__file__).resolve().parents[2]


def test_round_trip_keeps_structure_types_and_bits(tmp_path):
    obj = sample_checkpoint()
    miniconv.save(obj, tmp_path / "ckpt.pt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]  # no suffix added, no temp file left
    back = miniconv.load(tmp_path / "ckpt.pt")
    assert_same(obj, back)
    assert isinstance(back["model"], OrderedDict) and isinstance(back["optimizer"]["state"], dict)
    assert list(back["optimizer"]["state"]) == [0]  # integer keys stay integers
    # the RNG state restores the same stream
    miniconv.set_rng_state(back["rng"])
    a = miniconv.randn(3).detach().numpy()
    miniconv.set_rng_state(obj["rng"])
    np.testing.assert_array_equal(a, miniconv.randn(3).detach().numpy())


def test_file_objects_and_plain_numpy_reader(tmp_path):
    buf = io.BytesIO()
    miniconv.save({"w": miniconv.ones(2, 2)}, buf)
    buf.seek(0)
    assert_same(miniconv.load(buf), {"w": miniconv.ones(2, 2)})
    # the file is an ordinary safetensors file: the package reads it without miniconv
    from safetensors.numpy import load_file

    miniconv.save({"w": miniconv.ones(2, 2), "opt": {"lr": 0.1, "m": [np.arange(3)]}}, tmp_path / "x.pt")
    flat = load_file(str(tmp_path / "x.pt"))
    assert sorted(flat) == ["opt.m.0", "w"] and flat["w"].shape == (2, 2)
    np.testing.assert_array_equal(flat["opt.m.0"], np.arange(3))


def test_module_state_dict_round_trip(tmp_path):
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.w = Parameter(np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32))
            self.register_buffer("count", miniconv.tensor(np.array(5, np.int64)))

    net, net2 = Net(), Net()
    net2.w.detach().numpy()[...] = 0
    net2.count.detach().numpy()[...] = 0
    miniconv.save(net.state_dict(), tmp_path / "m.pt")
    net2.load_state_dict(miniconv.load(tmp_path / "m.pt"))
    np.testing.assert_array_equal(net2.w.detach().numpy(), net.w.detach().numpy())
    assert int(net2.count.item()) == 5


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"f": lambda x: x}, "cannot pickle the object"),
        ({"a": np.array(["x"])}, "arrays of dtype <U1 are not supported"),
        ({"a": np.array([object()])}, "arrays of dtype object are not supported"),
        ({"a": [{1, 2}], "b": np.array(["x"])}, "arrays of dtype <U1 are not supported"),
    ],
)
def test_unsupported_objects_are_refused_and_nothing_is_written(obj, message, tmp_path):
    """What cannot be stored at all (a lambda, string or object arrays) is refused before anything is
    written; float keys and sets, which the JSON structure cannot hold, go through the pickle."""
    with pytest.raises(CheckpointError, match=message):
        miniconv.save(obj, tmp_path / "c.pt")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["writer", "fsync"])
def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch, where):
    """A write that fails halfway through the file (the writer raises after writing part of it) or
    after it (fsync fails: a full disk) leaves the old checkpoint whole and no temporary file."""
    import safetensors.numpy

    target = tmp_path / "c.pt"
    miniconv.save({"v": 1, "a": np.ones(1000, np.float32)}, target)

    def boom(*a, **k):
        raise OSError("disk full")

    if where == "writer":
        real = safetensors.numpy.save_file

        def half_then_boom(arrays, name, metadata=None):
            real(arrays, name, metadata=metadata)
            os.truncate(name, os.path.getsize(name) // 2)
            boom()

        monkeypatch.setattr(safetensors.numpy, "save_file", half_then_boom)
    else:
        monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        miniconv.save({"v": 2, "a": np.zeros(1000, np.float32)}, target)
    monkeypatch.undo()
    ck = miniconv.load(target)
    assert ck["v"] == 1 and np.all(ck["a"] == 1)
    assert os.listdir(tmp_path) == ["c.pt"]  # the temp file was removed


def test_atomic_write_path_gives_the_umask_permissions_to_a_writer_that_replaces_the_file(tmp_path):
    """A name-taking writer may rename a file of its own onto the temporary path (newer safetensors
    versions write to their own temporary file, mode 0o600): the result still gets the umask's
    permission bits, is fsynced and renamed, and leaves nothing else behind."""
    def replace_onto(tmp):
        own = tmp + ".own"
        fd = os.open(own, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, b"payload")
        os.close(fd)
        os.replace(own, tmp)

    old = os.umask(0o022)
    try:
        miniconv.io.atomic_write_path(tmp_path / "f.bin", replace_onto)
    finally:
        os.umask(old)
    assert (tmp_path / "f.bin").read_bytes() == b"payload"
    assert (tmp_path / "f.bin").stat().st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["f.bin"]


def test_saving_streams_the_arrays_without_a_copy_of_the_file_in_memory(tmp_path):
    """miniconv.save and save_safetensors write each array from its own memory (safetensors'
    save_file): no bytes object of the file's size exists at any time. Before, the package built the
    file as bytes (one copy of every array, then another for bytes()): +2x the checkpoint at the
    README run's end-of-epoch save (~78 MB)."""
    import tracemalloc

    big = {"w": np.random.default_rng(0).standard_normal(4 << 20).astype(np.float32),  # 16 MB
           "b": miniconv.ones(1 << 20)}  # 4 MB
    nbytes = 20 << 20
    for save in (lambda p: miniconv.save({"model": big, "epoch": 1}, p),
                 lambda p: miniconv.utils.save_safetensors(big, p)):
        tracemalloc.start()
        try:
            save(tmp_path / "c.pt")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < nbytes // 8, f"saving {nbytes >> 20} MB traced a peak of {peak / 2**20:.1f} MB"
        assert os.path.getsize(tmp_path / "c.pt") > nbytes
    ck = miniconv.load(tmp_path / "c.pt")
    np.testing.assert_array_equal(ck["w"].numpy(), big["w"])
    np.testing.assert_array_equal(ck["b"].numpy(), np.ones(1 << 20, np.float32))


def test_path_and_file_object_saves_write_the_same_bytes(tmp_path):
    """The streamed path save (save_file) and the in-memory file-object save (save) write the same
    file, byte for byte (the metadata keys sorted in both)."""
    obj = sample_checkpoint()
    miniconv.save(obj, tmp_path / "c.pt")
    buf = io.BytesIO()
    miniconv.save(obj, buf)
    assert (tmp_path / "c.pt").read_bytes() == buf.getvalue()


def _header(data):
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n])


def test_saving_the_same_state_twice_writes_identical_bytes(tmp_path):
    """The safetensors package (0.8) writes the header's __metadata__ in a Rust HashMap's order, which
    changes from call to call; miniconv sorts the keys, so checkpoints are byte-reproducible (checksums,
    caches, diffs). Several saves, since one pair could agree by chance; the files still load."""
    obj = sample_checkpoint()
    sd = obj["model"]
    meta = {f"key{i}": f"value {i}" for i in range(16)} | {"é": "ü\n\t\"\\\x01/", "Z": "{\"json\": [1]}"}
    saves = {"miniconv.save": lambda p: miniconv.save(obj, p),
             "save_safetensors": lambda p: miniconv.utils.save_safetensors(sd, p, metadata=meta)}
    for name, save in saves.items():
        files = []
        for i in range(6):
            save(tmp_path / f"{name}{i}")
            files.append((tmp_path / f"{name}{i}").read_bytes())
        assert all(f == files[0] for f in files[1:]), name
        keys = list(_header(files[0])["__metadata__"])
        assert keys == sorted(keys) and len(keys) > 1
    assert_same(miniconv.load(tmp_path / "miniconv.save0"), obj)
    back = miniconv.utils.load_safetensors(tmp_path / "save_safetensors0")
    assert_same({k: back[k] for k in sd}, dict(sd))
    safetensors = pytest.importorskip("safetensors")
    with safetensors.safe_open(tmp_path / "save_safetensors0", "np") as f:
        assert f.metadata() == meta


def test_save_fsyncs_file_and_directory_then_renames(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}"))), real_fsync(fd)))
    # the rename stays inside the target's directory (one file system: atomic); a path save renames
    # out of its private temporary directory there
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(("replace", Path(a).is_relative_to(Path(b).parent))),
                                                     real_replace(a, b)))
    miniconv.save({"x": miniconv.ones(3)}, tmp_path / "c.pt")
    assert calls == [("fsync", False), ("replace", True), ("fsync", True)]


# -- a training checkpoint resumes bit-exactly ---------------------------------------------------------------
def _train(epochs, start_ckpt=None, save_to=None, save_after=None):
    from miniconv.data import DataLoader, TensorDataset
    from miniconv.optim import SGD
    from miniconv.optim.lr_scheduler import CosineAnnealingLR

    rng = np.random.default_rng(0)
    x = miniconv.tensor(rng.standard_normal((64, 5)).astype(np.float32))
    y = miniconv.tensor(rng.standard_normal((64, 1)).astype(np.float32))
    miniconv.manual_seed(42)
    w = Parameter(miniconv.randn(5, 1).detach().numpy())
    opt = SGD([w], lr=0.05, momentum=0.9, nesterov=True)
    sched = CosineAnnealingLR(opt, T_max=6)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    first = 0
    if start_ckpt is not None:
        ckpt = miniconv.load(start_ckpt)
        w.detach().numpy()[...] = ckpt["w"].detach().numpy()
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        miniconv.set_rng_state(ckpt["rng"])
        first = ckpt["epoch"] + 1
    for epoch in range(first, epochs):
        for xb, yb in loader:
            noise = miniconv.randn(*xb.shape) * 0.01  # stands in for dropout: uses the global generator
            loss = (((xb + noise) @ w - yb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        if save_to is not None and epoch == save_after:
            miniconv.save({"w": w, "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                           "rng": miniconv.get_rng_state(), "epoch": epoch}, save_to)
    return w.detach().numpy().copy()


def test_training_checkpoint_resume_is_bit_exact(tmp_path):
    straight = _train(5, save_to=tmp_path / "ckpt.pt", save_after=1)
    resumed = _train(5, start_ckpt=tmp_path / "ckpt.pt")
    np.testing.assert_array_equal(straight, resumed)
    assert not np.array_equal(straight, _train(2))  # the resumed part did real work
