"""Checkpoint integrity: one CRC-32 over the whole file (a flipped bit anywhere never loads), save refuses
what load would refuse (nesting), crafted files of every format version raise the one CheckpointError."""
import io
import json
import struct
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import miniconv
from miniconv.io import CheckpointError
from miniconv.io.checkpoint import MAX_DEPTH

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from npz_v1_writer import save_v1  # noqa: E402


def _checkpoint_bytes(obj):
    buf = io.BytesIO()
    miniconv.save(obj, buf)
    return buf.getvalue()


SMALL = {"model": OrderedDict([("conv.weight", miniconv.ones(2, 3)), ("conv.bias", miniconv.zeros(2))]),
         "opt": {"lr": 0.001, "betas": (0.9, 0.999), "state": {0: {"step": 7}}}, "epoch": 3, "names": ["a", "b"],
         "rng": np.arange(4, dtype=np.uint32), "best": np.float64(0.25)}


@pytest.mark.parametrize("obj", [SMALL, miniconv.nn.Linear(3, 2)], ids=["plain", "whole-module"])
def test_every_single_bit_flip_in_the_file_is_detected(obj):
    """Every bit of the file (8-byte length, JSON header with the metadata, tensor data), flipped one at a
    time: each load raises CheckpointError (issue: 476 of 4,352 header flips loaded silently before)."""
    data = _checkpoint_bytes(obj)
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    assert header_end > 300 and len(data) > header_end
    for pos in range(len(data)):
        for bit in range(8):
            bad = bytearray(data)
            bad[pos] ^= 1 << bit
            try:
                miniconv.load(io.BytesIO(bytes(bad)), weights_only=False)
            except CheckpointError:
                continue
            raise AssertionError(f"a flip of bit {bit} of byte {pos} (header ends at {header_end}) loaded")


def test_flips_are_detected_through_the_path_reader_too(tmp_path):
    data = _checkpoint_bytes(SMALL)
    path = tmp_path / "c.pt"
    rng = np.random.default_rng(0)
    for pos in rng.choice(len(data), size=200, replace=False):
        bad = bytearray(data)
        bad[pos] ^= 1 << int(rng.integers(8))
        path.write_bytes(bytes(bad))
        with pytest.raises(CheckpointError):
            miniconv.load(path)
    path.write_bytes(data)
    assert miniconv.load(path)["opt"]["lr"] == 0.001


def test_the_checksum_covers_the_whole_file_and_is_reproducible(tmp_path):
    miniconv.save(SMALL, tmp_path / "a.pt")
    miniconv.save(SMALL, tmp_path / "b.pt")
    data = (tmp_path / "a.pt").read_bytes()
    assert data == (tmp_path / "b.pt").read_bytes() == _checkpoint_bytes(SMALL)
    meta = json.loads(data[8:8 + struct.unpack("<Q", data[:8])[0]])["__metadata__"]
    digits = meta["miniconv_crc32"]
    import zlib
    assert int(digits, 16) == zlib.crc32(data.replace(digits.encode(), b"00000000"))
    assert json.loads(meta["miniconv"])["version"] == 3


def test_nesting_limit_is_the_same_on_both_sides(tmp_path):
    def nest(depth, leaf):
        obj = leaf
        for _ in range(depth):
            obj = {"a": [obj]} if isinstance(obj, dict) else {"a": obj}
        return obj

    def deep_list(n):
        obj = 1
        for _ in range(n):
            obj = [obj]
        return obj

    ok = deep_list(MAX_DEPTH)
    miniconv.save(ok, tmp_path / "ok.pt")
    assert miniconv.load(tmp_path / "ok.pt") == ok
    for depth in (MAX_DEPTH + 1, 5000, 100_000):  # 100,000: would be a RecursionError before
        with pytest.raises(CheckpointError, match=f"nested deeper than {MAX_DEPTH} levels"):
            miniconv.save(deep_list(depth), tmp_path / "deep.pt")
    assert not (tmp_path / "deep.pt").exists()
    cyclic = {"a": []}
    cyclic["a"].append(cyclic)
    with pytest.raises(CheckpointError, match="nested deeper|contains itself"):
        miniconv.save(cyclic, tmp_path / "cyc.pt")
    # a deep object beyond plain containers goes through the pickle: a CheckpointError, never RecursionError
    chain = None
    for _ in range(100_000):
        chain = Node(chain)
    with pytest.raises(CheckpointError, match="nested too deeply"):
        miniconv.save(chain, tmp_path / "deep2.pt")
    assert not (tmp_path / "deep2.pt").exists()
    short = Node(Node(None))
    miniconv.save(short, tmp_path / "short.pt")
    assert miniconv.load(tmp_path / "short.pt", weights_only=False).next.next is None
    assert nest(3, 1) == {"a": [{"a": [{"a": 1}]}]}


class Node:
    def __init__(self, nxt):
        self.next = nxt


def _meta_file(meta_json, tensors=None):
    """A safetensors file with the given miniconv JSON (any version) and tensors, built with the package."""
    import safetensors.numpy

    return safetensors.numpy.save(tensors or {}, metadata={"format": "pt", "miniconv": meta_json})


def test_version_2_files_still_load_with_their_per_tensor_crc():
    import zlib

    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    root = {"type": "dict", "items": [["w", {"type": "tensor", "key": "w", "crc32": zlib.crc32(w.tobytes())}],
                                       ["epoch", 4], ["lr", 0.5]]}
    data = _meta_file(json.dumps({"format": "miniconv", "version": 2, "root": root}), {"w": w})
    back = miniconv.load(io.BytesIO(data))
    np.testing.assert_array_equal(back["w"].numpy(), w)
    assert back["epoch"] == 4 and back["lr"] == 0.5
    bad = bytearray(data)
    bad[-1] ^= 1
    with pytest.raises(CheckpointError, match="fails its CRC-32 check"):
        miniconv.load(io.BytesIO(bytes(bad)))


@pytest.mark.parametrize("meta, message", [
    ('{"format": "miniconv", "version": 2, "root": ' + "9" * 5000 + "}", "invalid JSON"),
    ('{"format": "miniconv", "version": ' + "9" * 5000 + ', "root": 1}', "invalid JSON"),
    ('{"format": "miniconv", "version": 1e999, "root": 1}', "format version"),
    ('{"format": "miniconv", "version": 2, "root": ' + "[" * 50_000 + "]" * 50_000 + "}", "invalid JSON"),
    ('{"format": "miniconv", "version": 3, "root": 1}', "without its miniconv_crc32"),
    ('{"format": "miniconv", "version": 2, "root": {"type": "pickle", "key": "__miniconv_pickle__"}}',
     "unknown entry type"),
])
def test_crafted_metadata_raises_the_checkpoint_error(meta, message):
    with pytest.raises(CheckpointError, match=message):
        miniconv.load(io.BytesIO(_meta_file(meta)))


def test_huge_integers_in_the_safetensors_header():
    for header in (b'{"x": {"dtype": "F32", "shape": [' + b"9" * 5000 + b'], "data_offsets": [0, 4]}}',
                   b'{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 1e999]}}',
                   b'{"__metadata__": {"miniconv_crc32": "' + b"f" * 10_000 + b'"}}'):
        header += b" " * (-len(header) % 8)
        with pytest.raises(CheckpointError):
            miniconv.load(io.BytesIO(struct.pack("<Q", len(header)) + header + b"\0" * 4))


def _v1_with(header=None, member=None, tmp_path=None):
    path = tmp_path / "v1.npz"
    save_v1({"w": miniconv.ones(2, 3), "n": np.int64(3)}, path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    if header is not None:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.frombuffer(header, np.uint8))
        members["__miniconv__.npy"] = buf.getvalue()
    if member is not None:
        members["a0.npy"] = member
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    return path


def _v1_node(**change):
    node = {"type": "tensor", "array": "a0", "dtype": "<f4", "shape": [2, 3]}
    node.update(change)
    return json.dumps({"format": "miniconv", "version": 1, "root": {"type": "dict", "items": [["w", node]]}}).encode()


@pytest.mark.parametrize("header", [
    _v1_node(shape=[float("inf")]).replace(b"Infinity", b"Infinity"), _v1_node(shape=[1e300]),
    _v1_node(shape=[10 ** 30, 10 ** 30]), _v1_node(shape="ab"), _v1_node(shape=None), _v1_node(shape=[-1]),
    _v1_node(dtype="<U5"), _v1_node(dtype=5), _v1_node(dtype="O"), _v1_node(dtype=[["a", "<f4"]]),
    _v1_node(array=5), _v1_node(array="../a0"),
    b'{"format": "miniconv", "version": 1, "root": ' + b"9" * 5000 + b"}",
    b'{"format": "miniconv", "version": ' + b"9" * 5000 + b', "root": 1}',
    b'{"format": "miniconv", "version": 1, "root": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
])
def test_crafted_version_1_files_raise_the_checkpoint_error(tmp_path, header):
    """Not MemoryError, OverflowError, TypeError or ValueError (what these files raised before)."""
    with pytest.raises(CheckpointError):
        miniconv.load(_v1_with(header=header, tmp_path=tmp_path))


def test_version_1_member_declaring_a_huge_shape_is_refused_before_numpy_allocates(tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ones((2, 3), np.float32))
    npy = buf.getvalue()
    n = int.from_bytes(npy[8:10], "little")
    head = npy[10:10 + n].replace(b"(2, 3)", b"(99999999999999, 99999999999)")
    head = head.rstrip(b"\n ") + b" " * (n - len(head.rstrip(b"\n ")) - 1) + b"\n"
    crafted = npy[:8] + len(head).to_bytes(2, "little") + head + npy[10 + n:]
    with pytest.raises(CheckpointError, match="declares shape"):
        miniconv.load(_v1_with(member=crafted, tmp_path=tmp_path))
    good = _v1_with(tmp_path=tmp_path)
    np.testing.assert_array_equal(miniconv.load(good)["w"].numpy(), np.ones((2, 3), np.float32))


def test_random_corruption_of_every_format_raises_only_the_checkpoint_error(tmp_path):
    """Random byte changes in a version-3 checkpoint, a whole-object checkpoint, a version-1 archive and
    save_torch's zip: loading either works (v1/zip metadata not covered by a checksum) or raises
    CheckpointError; version-3 files never load."""
    v1 = tmp_path / "v1.npz"
    save_v1({"w": miniconv.ones(2, 3), "l": [1, 2.5]}, v1)
    zbuf = io.BytesIO()
    miniconv.io.save_torch({"w": miniconv.ones(2, 3), "l": [1, 2.5]}, zbuf)
    files = {"v3": (_checkpoint_bytes(SMALL), True), "whole": (_checkpoint_bytes(miniconv.nn.Linear(2, 2)), True),
             "v1": (v1.read_bytes(), False), "torch-zip": (zbuf.getvalue(), False)}
    rng = np.random.default_rng(0)
    for name, (data, protected) in files.items():
        for _ in range(400):
            bad = bytearray(data)
            for pos in rng.integers(0, len(bad), size=int(rng.integers(1, 4))):
                bad[pos] = int(rng.integers(256))
            if bytes(bad) == data:
                continue
            try:
                miniconv.load(io.BytesIO(bytes(bad)), weights_only=True)
            except CheckpointError:
                continue
            assert not protected, f"a corrupted {name} file loaded"
