"""miniconv.io and PyTorch: torch state dicts converted and loaded, safetensors files written and read by hand
and by the safetensors package, and miniconv checkpoints opened from PyTorch."""
import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

import miniconv
import miniconv.utils
from miniconv.nn import Module, Parameter
from miniconv.io import CheckpointError
from npz_v1_writer import save_v1

from io_samples import sample_checkpoint

REPO = Path(__file__).resolve().parents[2]


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
    assert sd["h"].dtype == miniconv.float16 and isinstance(sd["nested"][0], miniconv.Tensor) and sd["n"] == 3
    assert str(torch.ones(2, dtype=torch.float16).dtype) == "torch.float16"  # the dtype PyTorch has: kept
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
