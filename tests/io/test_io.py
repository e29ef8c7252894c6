"""miniconv.io: checkpoints on the safetensors package (round trips, pickle-free safety, bad files, crash-safe
atomic writes, permissions, stray temp files), version-1 .npz checkpoints, PyTorch interop."""
import io
import json
import os
import pickle
import random
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import miniconv
import miniconv.utils
from miniconv.nn import Module, Parameter
from miniconv.io import CheckpointError
from npz_v1_writer import save_v1

REPO = Path(__file__).resolve().parents[2]


def sample_checkpoint():
    rng = np.random.default_rng(0)
    return {
        "model": OrderedDict(
            [("conv.weight", miniconv.tensor(rng.standard_normal((4, 1, 3, 3)).astype(np.float32))),
             ("bn.num_batches_tracked", miniconv.tensor(np.array(7, dtype=np.int64))),
             ("fc.bias", miniconv.tensor(rng.standard_normal(3)))]
        ),
        "optimizer": {"state": {0: {"step": 3.0, "exp_avg": miniconv.zeros(2)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False, "params": [0]}]},
        "rng": miniconv.get_rng_state(),
        "epoch": 4,
        "loss_history": [2.3, 1.1, float("nan"), float("inf")],
        "name": "cnn",
        "none": None,
        "mask": np.array([True, False]),
        "u8": np.arange(5, dtype=np.uint8),
        "scalar": np.float32(1.5),
        "empty": np.zeros((0, 3), np.float32),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    }


def assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, miniconv.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


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


# -- safety: loading never runs code -------------------------------------------------------------
class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("suffix", [".pt", ".npz", ".pth", ""])
def test_pickle_payload_is_refused_without_running_it(tmp_path, suffix):
    marker = tmp_path / "PWNED"
    path = tmp_path / f"evil{suffix}"
    for protocol in (0, 2, pickle.HIGHEST_PROTOCOL):
        path.write_bytes(pickle.dumps({"w": _Evil(str(marker))}, protocol=protocol))
        with pytest.raises(CheckpointError, match="pickle"):
            miniconv.load(path)
    assert not marker.exists()


def test_npz_with_pickled_object_array_is_refused(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.npz"
    save_v1({"w": miniconv.ones(2)}, path)
    # swap the array member for an object array that would run code if unpickled
    with zipfile.ZipFile(path) as zf:
        header = zf.read("__miniconv__.npy")
    evil = io.BytesIO()
    np.lib.format.write_array(evil, np.array([_Evil(str(marker))], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("__miniconv__.npy", header)
        zf.writestr("a0.npy", evil.getvalue())
    with pytest.raises(CheckpointError, match="cannot be read without pickle"):
        miniconv.load(path)
    # a plain np.savez archive of object arrays, without a header
    np.savez(tmp_path / "plain.npz", x=np.array([_Evil(str(marker))], dtype=object))
    with pytest.raises(CheckpointError, match="neither a __miniconv__ header"):
        miniconv.load(tmp_path / "plain.npz")
    assert not marker.exists()


def test_torch_pickle_file_is_refused(tmp_path):
    """A torch.save file whose pickle calls something beyond tensors: refused by the weights-only rule
    (torch.load's class, pickle.UnpicklingError), and the payload never runs."""
    torch = pytest.importorskip("torch")
    marker = tmp_path / "PWNED"
    torch.save({"w": _Evil(str(marker))}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        miniconv.load(tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="Unsupported global"):
        miniconv.load(tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="weights_only=True"):
        miniconv.utils.load_torch_state_dict(tmp_path / "evil.pt")
    assert not marker.exists()


def _rewrite_header(path, header_bytes):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.frombuffer(header_bytes, np.uint8))
    members["__miniconv__.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)


@pytest.mark.parametrize(
    "header, message",
    [
        (b"{not json", "invalid JSON"),
        (b'{"format": "other", "root": 1}', "not a miniconv header"),
        (b'{"format": "miniconv", "version": 99, "root": 1}', "format version 99"),
        (b'{"format": "miniconv", "version": 1, "root": {"type": "exec", "code": "x"}}', "unknown entry type"),
        (b'{"format": "miniconv", "version": 1, "root": {"type": "tensor", "array": "a9"}}', "not in the archive"),
        (b'{"format": "miniconv", "version": 1, "root": {"type": "tensor", "array": "a0", "dtype": "<f8", "shape": [2]}}',
         "header says <f8"),
        (b'{"format": "miniconv", "version": 1, "root": {"type": "dict", "items": [[null, 1]]}}', "bad dict item"),
        (b'{"format": "miniconv", "version": 1, "root": [1, 2]}', "unexpected entry"),
        (b"\xff\xfe", "invalid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
        (b'{"format": "miniconv", "version": 1, "root": ' + b'{"type": "list", "items": [' * 300 + b"1" + b"]}" * 300 + b"}",
         "nesting deeper than 200 levels"),
    ],
)
def test_malformed_header_is_a_clear_error(tmp_path, header, message):
    path = tmp_path / "c.npz"
    save_v1({"w": miniconv.ones(2)}, path)
    _rewrite_header(path, header)
    with pytest.raises(CheckpointError, match=message):
        miniconv.load(path)


def test_truncated_and_corrupted_files_give_clear_errors(tmp_path):
    path = tmp_path / "c.pt"
    miniconv.save({"w": miniconv.tensor(np.arange(1000, dtype=np.float32)), "e": 3}, path)
    data = path.read_bytes()
    bad = tmp_path / "bad.pt"
    for cut in sorted(set([0, 1, 3, 10, 100, len(data) // 2, len(data) - 30, len(data) - 1])):
        bad.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="bad.pt"):
            miniconv.load(bad)
    # flip one byte in the middle of the array data: the CRC-32 in the metadata catches it
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="corrupted"):
        miniconv.load(bad)
    bad.write_bytes(b"hello world, not a checkpoint")
    with pytest.raises(CheckpointError, match="not a miniconv checkpoint"):
        miniconv.load(bad)


def test_load_arguments(tmp_path):
    """map_location and weights_only as torch.load takes them (everything loads on the CPU)."""
    path = tmp_path / "c.pt"
    miniconv.save({"w": miniconv.ones(2)}, path)
    for loc in (None, "cpu", miniconv.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        np.testing.assert_array_equal(miniconv.load(path, map_location=loc)["w"].numpy(), np.ones(2, np.float32))
    for wo in (True, False, None):
        np.testing.assert_array_equal(miniconv.load(path, weights_only=wo)["w"].numpy(), np.ones(2, np.float32))
    with pytest.raises(RuntimeError, match="CPU only"):
        miniconv.load(path, map_location="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        miniconv.load(path, map_location={"cpu": "cuda:0"})
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module"):
        miniconv.load(path, pickle_module=pickle, weights_only=True)


# -- crash safety: kill a writer mid-save ----------------------------------------------------------
WRITER = textwrap.dedent(
    """
    import sys, numpy as np, miniconv
    path = sys.argv[1]
    version = int(sys.argv[2])
    big = np.empty(1_500_000, np.float32)
    print("ready", flush=True)
    while True:
        version += 1
        big.fill(version)
        miniconv.save({"version": version, "a": big, "b": miniconv.tensor(big[:1000] * 2)}, path)
    """
)


def test_killed_writer_leaves_old_or_new_checkpoint_whole(tmp_path):
    path = tmp_path / "ckpt.pt"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    miniconv.save({"version": 0, "a": np.zeros(1_500_000, np.float32), "b": miniconv.zeros(1000)}, path)
    rng = random.Random(0)
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    last = 0
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(last * 1000)],
                                stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        ckpt = miniconv.load(path)  # always a whole file
        v = ckpt["version"]
        assert ckpt["a"].shape == (1_500_000,) and np.all(ckpt["a"] == v)
        np.testing.assert_array_equal(ckpt["b"].detach().numpy(), np.full(1000, 2 * v, np.float32))
        last = v // 1000 + 1
    # a temporary file of the last killed writer may remain (kill -9 leaves no chance to clean up);
    # the next save of the same path removes it, and any other stale ones
    leftovers = sorted(set(os.listdir(tmp_path)) - {"ckpt.pt", "writer.py"})
    assert all(n.startswith(".ckpt.pt.") and n.endswith(".miniconv-tmp") for n in leftovers), leftovers
    miniconv.save({"version": -1}, path)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt", "writer.py"]
    assert miniconv.load(path) == {"version": -1}


# -- PyTorch interop ---------------------------------------------------------------------------------
def _miniconv_tree_like(torch_module):
    """A miniconv Module tree with the same names and shapes as ``torch_module`` (built from Parameters)."""
    m = Module()
    for name, child in torch_module.named_children():
        m.add_module(name, _miniconv_tree_like(child))
    for name, p in torch_module.named_parameters(recurse=False):
        m.register_parameter(name, Parameter(np.zeros(tuple(p.shape), np.float32)))
    for name, b in torch_module.named_buffers(recurse=False):
        m.register_buffer(name, miniconv.zeros(tuple(b.shape), dtype=miniconv.int64 if b.dtype == torch_int64() else None))
    return m


def torch_int64():
    import torch

    return torch.int64


def _torch_cnn(torch):
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential()
    net.add_module("conv2d_00", nn.Conv2d(1, 4, 3))
    net.add_module("batchnorm2d_00", nn.BatchNorm2d(4))
    net.add_module("relu_00", nn.ReLU())
    net.add_module("flatten", nn.Flatten())
    net.add_module("linear_00", nn.Linear(4 * 26 * 26, 10))
    net(torch.randn(8, 1, 28, 28))  # move the BN running stats away from their init
    return net


def test_torch_state_dict_converts_and_loads_into_miniconv_tree(tmp_path):
    torch = pytest.importorskip("torch")
    tnet = _torch_cnn(torch)
    tsd = tnet.state_dict()
    sd = miniconv.utils.convert_torch_state_dict(tsd)
    assert list(sd) == list(tsd)
    net = _miniconv_tree_like(tnet)
    net.load_state_dict(sd)
    ours = net.state_dict()
    for k, v in tsd.items():
        np.testing.assert_array_equal(ours[k].detach().numpy(), v.numpy())
        assert ours[k].detach().numpy().dtype == v.numpy().dtype, k
    # through files: torch.save -> load_torch_state_dict, and miniconv.save -> torch
    torch.save(tsd, tmp_path / "t.pt")
    sd2 = miniconv.utils.load_torch_state_dict(tmp_path / "t.pt")
    for k in tsd:
        np.testing.assert_array_equal(sd2[k].detach().numpy(), tsd[k].numpy())
    miniconv.save(net.state_dict(), tmp_path / "m.pt")
    back = miniconv.utils.to_torch_state_dict(miniconv.load(tmp_path / "m.pt"))
    tnet2 = _torch_cnn(torch)
    for p in tnet2.parameters():
        p.data.zero_()
    tnet2.load_state_dict(back)
    for k, v in tnet2.state_dict().items():
        assert torch.equal(v, tsd[k]), k
    miniconv.utils.save_torch_state_dict(net.state_dict(), tmp_path / "m2.pt")
    loaded = torch.load(tmp_path / "m2.pt", weights_only=True)
    assert all(torch.equal(loaded[k], tsd[k]) for k in tsd)


def test_convert_handles_half_precision_and_nested_values():
    torch = pytest.importorskip("torch")
    sd = miniconv.utils.convert_torch_state_dict(
        {"h": torch.ones(2, dtype=torch.float16), "nested": [torch.zeros(1)], "n": 3}
    )
    assert sd["h"].dtype == np.float32 and isinstance(sd["nested"][0], miniconv.Tensor) and sd["n"] == 3
    with pytest.raises(TypeError, match="expects a dict"):
        miniconv.utils.convert_torch_state_dict([1])


# -- safetensors ---------------------------------------------------------------------------------------
def handmade_safetensors(entries, metadata=None, pad=True):
    """Bytes of a safetensors file built straight from the format description (independent of miniconv)."""
    header, blobs, offset = {}, [], 0
    for name, (code, shape, raw) in entries.items():
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def test_load_handmade_safetensors(tmp_path):
    w = np.arange(6, dtype="<f4").reshape(2, 3)
    n = np.array(7, dtype="<i8")
    bf16_bits = (np.array([1.5, -2.0], np.float32).view(np.uint32) >> 16).astype("<u2")
    path = tmp_path / "m.safetensors"
    path.write_bytes(handmade_safetensors({
        "fc.weight": ("F32", [2, 3], w.tobytes()),
        "bn.num_batches_tracked": ("I64", [], n.tobytes()),
        "half": ("BF16", [2], bf16_bits.tobytes()),
        "mask": ("BOOL", [2], np.array([True, False]).tobytes()),
    }, metadata={"format": "pt"}))
    sd = miniconv.utils.load_safetensors(path)
    assert list(sd) == ["fc.weight", "bn.num_batches_tracked", "half", "mask"]
    np.testing.assert_array_equal(sd["fc.weight"].detach().numpy(), w)
    assert sd["bn.num_batches_tracked"].dtype == np.int64 and int(sd["bn.num_batches_tracked"].item()) == 7
    np.testing.assert_array_equal(sd["half"].detach().numpy(), [1.5, -2.0])
    assert sd["mask"].detach().numpy().tolist() == [True, False]


def test_safetensors_round_trip_and_format(tmp_path):
    sd = sample_checkpoint()["model"]
    path = tmp_path / "m.safetensors"
    miniconv.utils.save_safetensors(sd, path, metadata={"format": "pt"})
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0
    header = json.loads(data[8:8 + n])
    entry = header["conv.weight"]
    assert entry["dtype"] == "F32" and entry["shape"] == [4, 1, 3, 3]
    assert entry["data_offsets"][1] - entry["data_offsets"][0] == 144
    assert header["__metadata__"] == {"format": "pt"}
    back = miniconv.utils.load_safetensors(path)
    for k in sd:
        np.testing.assert_array_equal(back[k].detach().numpy(), sd[k].detach().numpy())
        assert back[k].dtype == sd[k].dtype


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d[:4], "shorter than the 8-byte header"),
        (lambda d: struct.pack("<Q", 10**9) + d[8:], "header length"),
        (lambda d: d[:8] + b"x" + d[9:], "malformed safetensors header"),
        (lambda d: d[:-3], "outside the .*-byte data area"),
        (lambda d: d + b"xx", "the tensors cover 32 bytes but the data area holds 34"),
    ],
)
def test_bad_safetensors_files(tmp_path, mutate, message):
    path = tmp_path / "m.safetensors"
    miniconv.utils.save_safetensors({"a": miniconv.ones(4), "b": miniconv.zeros(2, dtype=miniconv.int64)}, path)
    path.write_bytes(mutate(path.read_bytes()))
    with pytest.raises(CheckpointError, match=message):
        miniconv.utils.load_safetensors(path)


def test_safetensors_bad_entries(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(handmade_safetensors({"x": ("C64", [1], b"\0" * 8)}))
    with pytest.raises(CheckpointError, match="'x' cannot become a miniconv Tensor"):
        miniconv.utils.load_safetensors(path)
    path.write_bytes(handmade_safetensors({"x": ("F8_E4M3", [1], b"\0")}))
    with pytest.raises(CheckpointError, match="unsupported dtype 'F8_E4M3'"):
        miniconv.utils.load_safetensors(path)
    path.write_bytes(handmade_safetensors({"x": ("F32", [3], b"\0" * 8)}))
    with pytest.raises(CheckpointError, match="does not fit its data offsets"):
        miniconv.utils.load_safetensors(path)
    with pytest.raises(CheckpointError, match="not a Tensor or array"):
        miniconv.utils.save_safetensors({"x": 3}, path)


def test_torch_weights_through_safetensors(tmp_path):
    torch = pytest.importorskip("torch")
    tnet = _torch_cnn(torch)
    tsd = tnet.state_dict()
    entries = {}
    for k, v in tsd.items():
        code = {torch.float32: "F32", torch.int64: "I64"}[v.dtype]
        entries[k] = (code, list(v.shape), v.contiguous().numpy().tobytes())
    path = tmp_path / "t.safetensors"
    path.write_bytes(handmade_safetensors(entries))
    net = _miniconv_tree_like(tnet)
    net.load_state_dict(miniconv.utils.load_safetensors(path))
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), tsd[k].numpy())


def test_oversized_member_is_refused_before_decompression(tmp_path):
    path = tmp_path / "bomb.npz"
    save_v1({"w": miniconv.ones(2)}, path)
    with zipfile.ZipFile(path) as zf:
        header = zf.read("__miniconv__.npy")
    big = io.BytesIO()
    np.lib.format.write_array(big, np.zeros(20_000_000, np.uint8))  # 20 MB of zeros, ~20 kB deflated
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__miniconv__.npy", header)
        zf.writestr("a0.npy", big.getvalue())
    assert path.stat().st_size < 1_000_000
    with pytest.raises(CheckpointError, match="more than the .* its header entry allows"):
        miniconv.load(path)


@pytest.mark.parametrize("entry", ['{"x": 3}', '{"x": {"dtype": "F32", "shape": [1], "data_offsets": 4}}',
                                   '{"x": {"dtype": "F32", "shape": [1], "data_offsets": []}}',
                                   '{"x": {"dtype": 5, "shape": [1], "data_offsets": [0, 4]}}',
                                   '{"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}',
                                   '{"x": {"dtype": "F32", "shape": [1], "data_offsets": ["0", 4]}}'])
def test_safetensors_malformed_entries(tmp_path, entry):
    h = entry.encode()
    path = tmp_path / "m.safetensors"
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"\0" * 4)
    with pytest.raises(CheckpointError, match="malformed safetensors entry|unsupported dtype '5'"):
        miniconv.utils.load_safetensors(path)


# -- fuzzing: any mutation of a valid file loads or raises CheckpointError, nothing else -------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

_mutations = st.lists(
    st.tuples(st.sampled_from(["set", "cut", "insert"]), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)),
    min_size=1, max_size=4,
)


def _mutate(data, mutations):
    d = bytearray(data)
    for op, where, payload in mutations:
        if not d:
            break
        i = int(where * len(d))
        if op == "set":
            d[i] = payload[0]
        elif op == "cut":
            del d[i:]
        else:
            d[i:i] = payload
    return bytes(d)


def _valid_checkpoint_bytes():
    buf = io.BytesIO()
    miniconv.save({"w": miniconv.ones(3, 2), "n": 3, "s": "x", "l": [np.arange(4)], "t": (1.5, None)}, buf)
    return buf.getvalue()


_CHECKPOINT = _valid_checkpoint_bytes()


@settings(max_examples=300, deadline=None)
@given(_mutations)
def test_fuzz_load_never_raises_anything_but_checkpoint_error(mutations):
    try:
        miniconv.load(io.BytesIO(_mutate(_CHECKPOINT, mutations)))
    except CheckpointError:
        pass


@settings(max_examples=200, deadline=None)
@given(_mutations)
def test_fuzz_load_safetensors(tmp_path_factory, mutations):
    path = tmp_path_factory.mktemp("st") / "m.safetensors"
    miniconv.utils.save_safetensors({"w": miniconv.ones(3, 2), "b": miniconv.zeros(4, dtype=miniconv.int64)}, path)
    path.write_bytes(_mutate(path.read_bytes(), mutations))
    try:
        miniconv.utils.load_safetensors(path)
    except CheckpointError:
        pass


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


# -- issue 11: files ------------------------------------------------------------------------------------------
def test_version1_npz_checkpoints_still_load(tmp_path):
    obj = sample_checkpoint()
    save_v1(obj, tmp_path / "old.pt")
    assert (tmp_path / "old.pt").read_bytes()[:4] == b"PK\x03\x04"
    assert_same(obj, miniconv.load(tmp_path / "old.pt"))


def test_files_get_the_permissions_the_umask_gives(tmp_path):
    old = os.umask(0o027)
    try:
        miniconv.save({"w": miniconv.ones(2)}, tmp_path / "a.pt")
        miniconv.utils.save_safetensors({"w": miniconv.ones(2)}, tmp_path / "b.safetensors")
        with open(tmp_path / "c.txt", "w"):  # what open() (and torch.save) give
            pass
    finally:
        os.umask(old)
    want = (tmp_path / "c.txt").stat().st_mode & 0o777
    assert want == 0o640
    assert (tmp_path / "a.pt").stat().st_mode & 0o777 == want
    assert (tmp_path / "b.safetensors").stat().st_mode & 0o777 == want
    # overwriting keeps the existing file's permission bits, as writing it in place would
    os.chmod(tmp_path / "a.pt", 0o604)
    miniconv.save({"w": miniconv.zeros(2)}, tmp_path / "a.pt")
    assert (tmp_path / "a.pt").stat().st_mode & 0o777 == 0o604


def test_stale_temp_files_are_removed_but_live_writers_are_left_alone(tmp_path):
    path = tmp_path / "m.pt"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".m.pt.{dead_pid}.abcd1234.miniconv-tmp"
    live = tmp_path / f".m.pt.{os.getppid()}.abcd1234.miniconv-tmp"  # our parent process is alive
    other = tmp_path / f".other.pt.{dead_pid}.abcd1234.miniconv-tmp"  # another target's: not ours to delete
    for f in (stale, live, other):
        f.write_bytes(b"x" * 100)
    # a path save's private temporary directory, with what a killed safetensors writer leaves in it
    stale_dir = tmp_path / f".m.pt.{dead_pid}.ef567890.miniconv-tmp"
    stale_dir.mkdir()
    (stale_dir / ".tmpAbC123").write_bytes(b"x" * 100)
    (stale_dir / "m.pt").write_bytes(b"")
    miniconv.save({"a": 1}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["m.pt", live.name, other.name])


def test_checkpoint_error_names_path_and_reason(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x00" * 3)
    with pytest.raises(CheckpointError) as info:
        miniconv.load(bad)
    assert info.value.path == str(bad) and "shorter than the 8-byte header" in info.value.reason
    assert str(bad) in str(info.value) and isinstance(info.value, ValueError)


def _crafted(header, data=b""):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def test_huge_declared_shapes_are_refused_before_multiplying_out(tmp_path):
    """The attack file: 60,000 dimensions of 2**62 in 1.2 MB kept the old loader busy for 10-55 s."""
    path = tmp_path / "dos.pt"
    path.write_bytes(_crafted({"x": {"dtype": "F32", "shape": [2 ** 62] * 60_000, "data_offsets": [0, 4]}}, b"\0" * 4))
    assert path.stat().st_size > 1_000_000
    t0 = time.perf_counter()
    with pytest.raises(CheckpointError, match="shape must be a list of at most 64"):
        miniconv.load(path)
    path.write_bytes(_crafted({"x": {"dtype": "F32", "shape": [2 ** 62] * 60, "data_offsets": [0, 4]}}, b"\0" * 4))
    with pytest.raises(CheckpointError, match="does not fit its data offsets"):
        miniconv.load(path)
    path.write_bytes(_crafted({"x": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 2 ** 62]}}))
    with pytest.raises(CheckpointError, match="outside the 0-byte data area"):
        miniconv.load(path)
    assert time.perf_counter() - t0 < 2.0  # generous: it takes milliseconds


@pytest.mark.parametrize("header, message", [
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "y": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, "overlapping or gapped"),
    ({"__metadata__": {"miniconv": "{not json"}, "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
     "invalid JSON"),
    ({"__metadata__": {"miniconv": json.dumps({"format": "miniconv", "version": 4, "root": 1})}}, "version 4"),
    ({"__metadata__": {"miniconv": json.dumps({"format": "miniconv", "version": 3, "root": 1})}}, "without its"),
    ({"__metadata__": {"miniconv": json.dumps({"format": "miniconv", "version": 2,
                                               "root": {"type": "tensor", "key": "nope"}})}}, "not in the file"),
    ({"__metadata__": {"miniconv": json.dumps({"format": "miniconv", "version": 2,
                                               "root": {"type": "exec", "code": "x"}})}}, "unknown entry type"),
    ({"__metadata__": {"miniconv": 5}}, "__metadata__ must map strings to strings"),
    ({"x": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}, "bad size True"),
])
def test_crafted_checkpoints_raise_checkpoint_error(tmp_path, header, message):
    path = tmp_path / "c.pt"
    data = b"\0" * sum(4 for k in header if k != "__metadata__" and k != "y")
    path.write_bytes(_crafted(header, data))
    with pytest.raises(CheckpointError, match=message):
        miniconv.load(path)


# -- issue 11: PyTorch interop ----------------------------------------------------------------------------------
def test_pytorch_users_open_miniconv_checkpoints_with_safetensors_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    import miniconv.nn as mnn

    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                               torch.nn.Linear(2 * 4 * 4, 3))
    mnet = mnn.Sequential(mnn.Conv2d(1, 2, 3), mnn.BatchNorm2d(2), mnn.Flatten(), mnn.Linear(2 * 4 * 4, 3))
    # the port: `torch.save(model.state_dict(), "model.pt")` with `import miniconv as torch`
    miniconv.save(mnet.state_dict(), tmp_path / "model.pt")
    tnet.load_state_dict(load_file(tmp_path / "model.pt"))
    for k, v in mnet.state_dict().items():
        np.testing.assert_array_equal(tnet.state_dict()[k].numpy(), v.data)
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    tnet.eval()
    mnet.eval()
    np.testing.assert_allclose(tnet(torch.from_numpy(x)).detach().numpy(), mnet(miniconv.tensor(x)).data,
                               rtol=1e-5, atol=1e-6)
    # and the other way: a file written by safetensors.torch loads with miniconv.load as a flat state dict
    from safetensors.torch import save_file

    save_file(tnet.state_dict(), tmp_path / "torch.safetensors")
    mnet2 = mnn.Sequential(mnn.Conv2d(1, 2, 3), mnn.BatchNorm2d(2), mnn.Flatten(), mnn.Linear(2 * 4 * 4, 3))
    mnet2.load_state_dict(miniconv.load(tmp_path / "torch.safetensors"))
    for k, v in mnet2.state_dict().items():
        np.testing.assert_array_equal(v.data, tnet.state_dict()[k].numpy())


def test_torch_load_of_a_miniconv_checkpoint_fails_loudly(tmp_path):
    """Documented difference (docs/api.md): PyTorch's torch.load cannot read a safetensors file; it raises
    (it never returns garbage), and its message is PyTorch's own."""
    torch = pytest.importorskip("torch")
    miniconv.save({"w": miniconv.ones(2)}, tmp_path / "model.pt")
    with pytest.raises(Exception):  # noqa: B017 - PyTorch's own UnpicklingError/RuntimeError, version-dependent
        torch.load(tmp_path / "model.pt", weights_only=True)
