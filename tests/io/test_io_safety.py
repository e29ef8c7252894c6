"""miniconv.io safety: loading never runs code (pickle payloads refused), malformed and truncated files give
CheckpointError, a killed writer leaves the old or the new file whole, fuzzed files, version-1 .npz
checkpoints, permissions, stray temp files, crafted headers."""
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
from pathlib import Path

import numpy as np
import pytest

import miniconv
import miniconv.utils
from miniconv.io import CheckpointError
from npz_v1_writer import save_v1

from io_samples import assert_same, sample_checkpoint

REPO = Path(__file__).resolve().parents[2]


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
