"""PyTorch checkpoints without torch: miniconv.load reads torch.save zip files through the weights-only
interpreter, miniconv.io.save_torch writes files torch.load(weights_only=True) reads. torch 2.13 writes
and reads the files in these tests (tmp_path); miniconv never imports it."""
import io
import os
import pickle
import re
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import miniconv
from miniconv.io import CheckpointError, save_torch

torch = pytest.importorskip("torch")


# -- the same ResNet-18 code on both libraries (torchvision's layout and parameter names) --------------------
def resnet18(nn, num_classes=10):
    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            widths, cin = [64, 128, 256, 512], 64
            for i, w in enumerate(widths):
                stride = 1 if i == 0 else 2
                setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, w, stride), BasicBlock(w, w, 1)))
                cin = w
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet()


def _same(a, b):
    """miniconv Tensor ``a`` equals torch tensor ``b`` (dtype, shape, bits)."""
    assert isinstance(a, miniconv.Tensor), type(a)
    want = b.detach()
    if want.dtype == torch.bfloat16:  # NumPy has no bfloat16
        want = want.float()
    assert tuple(a.shape) == tuple(want.shape)
    assert str(a.dtype).replace("miniconv.", "") == str(want.dtype).replace("torch.", "").replace("miniconv.", ""), (a.dtype, want.dtype)
    np.testing.assert_array_equal(a.detach().numpy(), want.numpy())


def test_resnet18_state_dict_from_torch_loads_into_the_miniconv_model(tmp_path):
    """torchvision's resnet18 layout (num_batches_tracked int64, BatchNorm buffers) after a few training
    steps in torch: the .pth loads without torch into the same miniconv model, which then gives torch's outputs."""
    torch.manual_seed(0)
    tm = resnet18(torch.nn)
    opt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(tm(torch.randn(2, 3, 32, 32)), torch.tensor([0, 1])).backward()
        opt.step()
    torch.save(tm.state_dict(), tmp_path / "resnet18.pth")
    sd = miniconv.load(tmp_path / "resnet18.pth")
    assert isinstance(sd, OrderedDict) and list(sd) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        _same(sd[k], v)
    assert sd["bn1.num_batches_tracked"].dtype == miniconv.int64 and int(sd["bn1.num_batches_tracked"]) == 2
    mm = resnet18(miniconv.nn)
    mm.load_state_dict(sd)
    tm.eval()
    mm.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(mm(miniconv.from_numpy(x)).detach().numpy(), want, rtol=1e-4, atol=1e-4)


def test_views_shared_storages_offsets_strides_and_dtypes(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {
        "base": base, "t": base.t(), "slice": base[1:3, 2:5], "step": base[:, ::2], "col": base[:, 3],
        "expanded": torch.ones(3, 1).expand(3, 4), "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 5),
        "f64": torch.randn(3, dtype=torch.float64), "f16": torch.randn(5).half(), "bf16": torch.randn(5).bfloat16(),
        "i32": torch.tensor([1, -2], dtype=torch.int32), "i16": torch.tensor([3], dtype=torch.int16),
        "i8": torch.tensor([-4], dtype=torch.int8), "u8": torch.tensor([250], dtype=torch.uint8),
        "bool": torch.tensor([True, False]), "long": torch.tensor([2 ** 40]),
        "param": torch.nn.Parameter(torch.randn(2, 2)), "nograd_param": torch.nn.Parameter(torch.ones(1), False),
        "leaf": torch.randn(2, requires_grad=True),
        "meta": [1, 2.5, "s", None, True, (1, 2), b"raw", {7}, 1 + 2j, torch.Size([2, 3]), torch.float16,
                 torch.device("cpu"), OrderedDict(a=1), -(2 ** 70)],
    }
    torch.save(obj, tmp_path / "m.pt")
    got = miniconv.load(tmp_path / "m.pt")
    for k, v in obj.items():
        if isinstance(v, torch.Tensor):
            _same(got[k], v)
    assert type(got["param"]) is miniconv.nn.Parameter and got["param"].requires_grad
    assert type(got["nograd_param"]) is miniconv.nn.Parameter and not got["nograd_param"].requires_grad
    assert got["leaf"].requires_grad and not got["t"].requires_grad
    assert got["t"].is_contiguous()
    m = got["meta"]
    assert m[:9] == [1, 2.5, "s", None, True, (1, 2), b"raw", {7}, 1 + 2j]
    assert isinstance(m[9], miniconv.Size) and tuple(m[9]) == (2, 3)
    assert m[10] == np.dtype(np.float16) and str(m[11]) == "cpu" and m[12] == OrderedDict(a=1)
    assert m[13] == -(2 ** 70)
    # the same through a file object, and with the arguments torch.load takes
    with open(tmp_path / "m.pt", "rb") as f:
        again = miniconv.load(f, map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(again["slice"].numpy(), got["slice"].numpy())


def test_big_endian_archive(tmp_path):
    """byteorder 'big' (torch.save on a big-endian machine): storages are byte-swapped on load."""
    torch.save({"w": torch.arange(6, dtype=torch.float32), "i": torch.tensor([1, -2])}, tmp_path / "le.pt")
    with zipfile.ZipFile(tmp_path / "le.pt") as zf:
        members = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(tmp_path / "be.pt", "w") as zf:
        for info, data in members:
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename:
                width = 4 if len(data) == 24 else 8
                data = np.frombuffer(data, f"<u{width}").astype(f">u{width}").tobytes()
            zf.writestr(info.filename, data)
    got = miniconv.load(tmp_path / "be.pt")
    np.testing.assert_array_equal(got["w"].numpy(), np.arange(6, dtype=np.float32))
    np.testing.assert_array_equal(got["i"].numpy(), [1, -2])


def test_save_torch_files_are_read_by_torch_load_weights_only(tmp_path):
    miniconv.manual_seed(0)
    mm = resnet18(miniconv.nn)
    mm.train()
    mm(miniconv.randn(2, 3, 32, 32))  # moves the BatchNorm statistics and num_batches_tracked
    path = tmp_path / "from_miniconv.pth"
    save_torch(mm.state_dict(), path)
    sd = torch.load(path, weights_only=True)
    assert list(sd) == list(mm.state_dict())
    for k, v in mm.state_dict().items():
        _same(v, sd[k])
    tm = resnet18(torch.nn)
    tm.load_state_dict(sd)
    tm.eval()
    mm.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        want = tm(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(mm(miniconv.from_numpy(x)).detach().numpy(), want, rtol=1e-4, atol=1e-4)
    # torch's mmap loader needs aligned storages: it reads them in place
    again = torch.load(path, weights_only=True, mmap=True)
    assert torch.equal(again["fc.weight"], sd["fc.weight"])


def test_save_torch_nested_views_and_values_round_trip_both_ways(tmp_path):
    base = miniconv.arange(12.0).reshape(3, 4)
    obj = OrderedDict(
        model=OrderedDict(w=base, t=base.t(), s=base[1:, 1:3]),
        opt={"state": {0: {"step": 3, "momentum_buffer": miniconv.ones(2)}}, "param_groups": [{"lr": 0.1,
                                                                                                 "params": [0]}]},
        ints=miniconv.tensor([1, 2], dtype=miniconv.int32), flags=miniconv.tensor([True]), half=None,
        p=miniconv.nn.Parameter(miniconv.ones(2)), misc=[1, 2.5, "x", (1, 2, 3, 4), b"b", {3}, 2 + 1j, 2 ** 70],
        shape=base.shape, dtype=miniconv.float64, device=miniconv.device("cpu"))
    path = tmp_path / "m.pt"
    save_torch(obj, path)
    t = torch.load(path, weights_only=True)
    assert t["model"]["t"].untyped_storage().data_ptr() == t["model"]["w"].untyped_storage().data_ptr()
    assert t["model"]["t"].stride() == (1, 4) and t["model"]["s"].storage_offset() == 5
    np.testing.assert_array_equal(t["model"]["s"].numpy(), base[1:, 1:3].numpy())
    assert t["opt"]["state"][0]["step"] == 3 and t["misc"] == [1, 2.5, "x", (1, 2, 3, 4), b"b", {3}, 2 + 1j, 2 ** 70]
    assert isinstance(t["p"], torch.nn.Parameter) and t["shape"] == torch.Size([3, 4])
    assert t["dtype"] is torch.float64 and t["device"] == torch.device("cpu")
    # torch -> file -> miniconv
    torch.save(t, tmp_path / "back.pt")
    back = miniconv.load(tmp_path / "back.pt")
    for k in ("w", "t", "s"):
        np.testing.assert_array_equal(back["model"][k].numpy(), obj["model"][k].numpy())
    assert back["misc"] == obj["misc"] and back["dtype"] == miniconv.float64
    # miniconv reads its own save_torch files too, and the bytes do not depend on the target
    mine = miniconv.load(path)
    np.testing.assert_array_equal(mine["model"]["s"].numpy(), obj["model"]["s"].numpy())
    buf = io.BytesIO()
    save_torch(obj, buf)
    assert buf.getvalue() == path.read_bytes()


@pytest.mark.parametrize("obj, message", [
    (miniconv.nn.Linear(2, 2), "cannot store obj of type Linear"),
    ({"a": np.ones(2)}, "cannot store obj\\['a'\\] of type ndarray"),
    ({"f": print}, "of type builtin_function_or_method"),
    ({"k": {object(): 1}}, "dict key"),
])
def test_save_torch_refuses_what_torch_load_weights_only_would_refuse(obj, message, tmp_path):
    with pytest.raises(CheckpointError, match=message):
        save_torch(obj, tmp_path / "x.pt")
    assert os.listdir(tmp_path) == []


def test_legacy_non_zip_torch_format_is_refused_with_a_clear_message(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="legacy format of PyTorch < 1.6"):
        miniconv.load(tmp_path / "old.pt")


def test_torchscript_archive_is_refused(tmp_path):
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), tmp_path / "ts.pt")
    with pytest.raises(CheckpointError, match="TorchScript"):
        miniconv.load(tmp_path / "ts.pt")


class _System:
    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (os.system, (self.cmd,))


class _Write:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (eval, (f"open({self.path!r}, 'w').write('pwned')",))


class _ReduceTensor:
    """A payload hidden where a tensor rebuild is expected."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (subprocess.call, (["touch", self.path],))


@pytest.mark.parametrize("payload", ["system", "write", "subprocess"])
def test_malicious_pickles_are_refused_without_side_effects(tmp_path, payload):
    marker = tmp_path / "PWNED"
    evil = {"system": _System(f"touch {marker}"), "write": _Write(str(marker)),
            "subprocess": _ReduceTensor(str(marker))}[payload]
    torch.save({"weight": torch.ones(2), "x": evil}, tmp_path / "evil.pth")
    with pytest.raises(pickle.UnpicklingError) as info:
        miniconv.load(tmp_path / "evil.pth")
    assert isinstance(info.value, CheckpointError)
    with pytest.raises(pickle.UnpicklingError) as want:  # torch refuses it the same way, for the same name
        torch.load(tmp_path / "evil.pth")
    assert not marker.exists()
    mine, theirs = str(info.value), str(want.value)
    assert mine.startswith("Weights only load failed") and theirs.startswith("Weights only load failed")
    name = re.search(r"GLOBAL (\S+)", theirs).group(1)
    assert f"GLOBAL {name} " in mine
    assert ("is blocked" in mine) == ("is blocked" in theirs)
    assert "will likely succeed, but it can result in arbitrary code execution" in mine


def _rezip(src, dst, rename=None, drop=None, extra=None):
    with zipfile.ZipFile(src) as zf:
        members = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in members:
            if drop and drop(name):
                continue
            zf.writestr(rename(name) if rename else name, data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


@pytest.mark.parametrize("case, message", [
    ("traversal", "unsafe member name"),
    ("absolute", "unsafe member name"),
    ("missing_storage", "is missing from the archive"),
    ("short_storage", "its tensor record needs"),
    ("truncated", "truncated or corrupted"),
    ("no_pickle", "no data.pkl|neither a __miniconv__ header"),
    ("bad_byteorder", "unknown byte order"),
    ("garbage_pickle", "pickle data was truncated"),
])
def test_broken_archives_raise_the_checkpoint_error(tmp_path, case, message):
    src = tmp_path / "good.pt"
    torch.save({"w": torch.ones(3), "b": torch.zeros(2)}, src)
    dst = tmp_path / "bad.pt"
    if case == "traversal":
        _rezip(src, dst, extra={"good/../../evil.txt": b"x"})
    elif case == "absolute":
        _rezip(src, dst, extra={"/etc/evil": b"x"})
    elif case == "missing_storage":
        _rezip(src, dst, drop=lambda n: n.endswith("/data/0"))
    elif case == "short_storage":
        with zipfile.ZipFile(src) as zf:
            data = zf.read("good/data/0")
        _rezip(src, dst, drop=lambda n: n.endswith("/data/0"), extra={"good/data/0": data[:-4]})
    elif case == "truncated":
        dst.write_bytes(src.read_bytes()[:-200])
    elif case == "no_pickle":
        _rezip(src, dst, drop=lambda n: n.endswith("data.pkl"))
    elif case == "bad_byteorder":
        _rezip(src, dst, drop=lambda n: n.endswith("/byteorder"), extra={"good/byteorder": b"middle"})
    elif case == "garbage_pickle":
        _rezip(src, dst, drop=lambda n: n.endswith("data.pkl"), extra={"good/data.pkl": b"\x80\x02}q\x00(X\x01"})
    with pytest.raises(CheckpointError, match=message):
        miniconv.load(dst)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_crafted_tensor_records_cannot_read_outside_their_storage(tmp_path):
    """A tensor whose offset/size/stride reach past its storage, or a storage record naming a file
    outside the data folder, is refused before any element is read."""
    def crafted(args, key="0", numel=3):
        p = (b"\x80\x02}X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
             b"ctorch\nFloatStorage\nX" + struct.pack("<I", len(key)) + key.encode() + b"X\x03\x00\x00\x00cpu"
             + b"K" + bytes([numel]) + b"tQ" + args + b"\x89ccollections\nOrderedDict\n)RtRs.")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("a/data.pkl", p)
            zf.writestr("a/data/0", np.arange(3, dtype=np.float32).tobytes())
            zf.writestr("a/version", b"3\n")
        return buf.getvalue()

    ok = crafted(b"K\x01K\x02\x85K\x01\x85")  # offset 1, size (2,), stride (1,)
    np.testing.assert_array_equal(miniconv.load(io.BytesIO(ok))["w"].numpy(), [1.0, 2.0])
    for args, message in [(b"K\x02K\x02\x85K\x01\x85", "elements up to 3 of a storage of 3"),
                          (b"K\x00K\x02\x85K\x05\x85", "elements up to 5"),
                          (b"K\x00K\x02\x85\x85", "size and stride"),
                          (b"K\x00K\x02\x85J\xff\xff\xff\xff\x85", "stride -1")]:
        with pytest.raises(CheckpointError, match=message):
            miniconv.load(io.BytesIO(crafted(args)))
    with pytest.raises(CheckpointError, match="malformed storage record"):
        miniconv.load(io.BytesIO(crafted(b"K\x00K\x02\x85K\x01\x85", key="../0")))
    with pytest.raises(CheckpointError, match="record needs 40"):
        miniconv.load(io.BytesIO(crafted(b"K\x00K\x02\x85K\x01\x85", numel=10)))


def test_reading_torch_files_never_imports_torch(tmp_path):
    torch.save({"w": torch.randn(2, 3), "n": torch.tensor(1)}, tmp_path / "m.pt")
    code = ("import sys, miniconv; sd = miniconv.load(sys.argv[1]); miniconv.io.save_torch(sd, sys.argv[1] + '.2');"
            "print(sorted(sd), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.pt")], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.getcwd()}, check=True).stdout
    assert out.split() == ["['n',", "'w']", "False"]
    assert torch.equal(torch.load(tmp_path / "m.pt.2")["w"], torch.load(tmp_path / "m.pt")["w"])


def test_untyped_storage_and_rebuild_tensor_v3(tmp_path):
    """PyTorch writes _rebuild_tensor_v3 over a torch.storage.UntypedStorage for dtypes without a legacy
    storage class; miniconv reads it for its dtypes and refuses the others by name."""
    p = (b"\x80\x02}X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v3\n((X\x07\x00\x00\x00storage"
         b"ctorch.storage\nUntypedStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x0ctQK\x01K\x02\x85K\x01\x85"
         b"\x89ccollections\nOrderedDict\n)Rctorch\nfloat32\ntRs.")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a/data.pkl", p)
        zf.writestr("a/data/0", np.array([1.5, 2.5, 3.5], dtype="<f4").tobytes())
    np.testing.assert_array_equal(miniconv.load(io.BytesIO(buf.getvalue()))["w"].numpy(), [2.5, 3.5])
    torch.save({"u": torch.tensor([1, 2], dtype=torch.uint16)}, tmp_path / "u16.pt")  # written with v3 by torch
    with pytest.raises(CheckpointError, match="unsupported dtype uint16"):
        miniconv.load(tmp_path / "u16.pt")
    torch.save({"c": torch.tensor([1 + 2j])}, tmp_path / "c.pt")
    with pytest.raises(CheckpointError, match="complex"):
        miniconv.load(tmp_path / "c.pt")
    torch.save({"s": torch.ones(2, 2).to_sparse()}, tmp_path / "s.pt")
    with pytest.raises(CheckpointError, match="only dense"):
        miniconv.load(tmp_path / "s.pt")


def test_whole_torch_objects_and_tensor_attributes(tmp_path):
    import argparse

    t = torch.ones(2)
    t.note = "kept"  # a tensor with Python attributes: PyTorch pickles it with _rebuild_from_type_v2
    p = torch.nn.Parameter(torch.zeros(1))
    p.tag = 3  # ... and a Parameter with state: _rebuild_parameter_with_state
    torch.save({"t": t, "p": p}, tmp_path / "attrs.pt")
    got = miniconv.load(tmp_path / "attrs.pt")
    assert got["t"].note == "kept" and got["p"].tag == 3 and type(got["p"]) is miniconv.nn.Parameter
    # a whole torch module: refused with weights_only=True (as torch), and cannot become a miniconv one
    torch.save({"model": torch.nn.Linear(2, 2)}, tmp_path / "whole.pt")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.linear.Linear"):
        miniconv.load(tmp_path / "whole.pt")
    with pytest.raises(CheckpointError, match="PyTorch object .*cannot rebuild"):
        miniconv.load(tmp_path / "whole.pt", weights_only=False)
    # other classes load with weights_only=False, as in torch (argparse.Namespace in a training checkpoint)
    torch.save({"args": argparse.Namespace(lr=0.1), "w": torch.ones(1)}, tmp_path / "args.pt")
    with pytest.raises(pickle.UnpicklingError, match="argparse.Namespace"):
        miniconv.load(tmp_path / "args.pt")
    back = miniconv.load(tmp_path / "args.pt", weights_only=False)
    assert back["args"].lr == 0.1 and isinstance(back["w"], miniconv.Tensor)


def test_fuzzed_pickles_in_torch_archives_raise_only_the_checkpoint_error():
    """Random opcode edits of data.pkl (the weights-only interpreter's input): every load either works or
    raises CheckpointError (WeightsOnlyUnpicklingError included), never anything else."""
    import random

    b = io.BytesIO()
    torch.save({"w": torch.ones(3), "s": {1}, "o": [1, (2, 3), b"x", 1.5], "od": OrderedDict(a=torch.zeros(1))}, b)
    with zipfile.ZipFile(io.BytesIO(b.getvalue())) as z:
        members = {n: z.read(n) for n in z.namelist()}
    pkl = members["archive/data.pkl"]
    rng = random.Random(0)
    ops = list(b"}]()tRhqKMJXcQ\x85\x86\x87\x88\x89N.\x8a\x8b\x8c\x8f\x90\x91\x93\x94\x95euUsb0")
    for _ in range(1500):
        d = bytearray(pkl)
        for _ in range(rng.randint(1, 5)):
            r, pos = rng.random(), rng.randrange(2, len(d))
            if r < 0.4:
                d[pos] = rng.choice(ops)
            elif r < 0.7:
                d[pos] = rng.randrange(256)
            elif r < 0.85:
                del d[pos:pos + rng.randint(1, 20)]
            else:
                d[pos:pos] = bytes(rng.choice(ops) for _ in range(rng.randint(1, 6)))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for k, v in {**members, "archive/data.pkl": bytes(d)}.items():
                zf.writestr(k, v)
        try:
            miniconv.load(io.BytesIO(out.getvalue()))
        except CheckpointError:
            pass
