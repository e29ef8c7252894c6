"""Whole-object save and load with PyTorch 2.6+'s weights_only rule: the same script on torch and
miniconv (save a model, an optimizer, dicts and lists holding them; load with and without
weights_only) gives the same outcomes and exception classes, and the loaded model the same outputs."""
import io
import os
import pickle

import numpy as np
import pytest

import miniconv
from miniconv.io import CheckpointError

torch = pytest.importorskip("torch")


class Net:
    """A user's model class, built on either library (module-level, so pickle can find it)."""

    @staticmethod
    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))


class TinyNet(miniconv.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = miniconv.nn.Linear(3, 2)
        self.scale = 2.0

    def forward(self, x):
        return self.fc(x) * self.scale


def _script(lib, tmp_path, x, init):
    """The user code: train a step, save whole objects, load them back with and without weights_only.
    Returns {case: outcome} where an outcome is ("ok", value) or ("raise", exception class)."""
    model = Net.build(lib)
    model.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in init.items()})
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = model(x).square().mean()
    loss.backward()
    opt.step()
    model.eval()
    saved = {"model": model, "optimizer": opt, "checkpoint": {"model": model, "opt": opt, "epoch": 3},
             "in_a_list": [model], "state_dict": {"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}}
    out = {}
    for name, obj in saved.items():
        path = tmp_path / f"{lib.__name__}-{name}.pt"
        lib.save(obj, path)
        for wo in (None, True, False):
            kwargs = {} if wo is None else {"weights_only": wo}
            try:
                value = lib.load(path, map_location="cpu", **kwargs)
            except Exception as e:  # noqa: BLE001  (the outcome is what is compared)
                out[(name, wo)] = ("raise", e)
            else:
                out[(name, wo)] = ("ok", value)
    return model, out


def test_same_script_same_outcomes_on_both_libraries(tmp_path):
    x_np = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    torch.manual_seed(0)
    init = {k: v.numpy().copy() for k, v in Net.build(torch).state_dict().items()}
    tmodel, tout = _script(torch, tmp_path, torch.from_numpy(x_np), init)
    mmodel, mout = _script(miniconv, tmp_path, miniconv.from_numpy(x_np), init)
    assert set(tout) == set(mout)
    for case in tout:
        (tkind, tval), (mkind, mval) = tout[case], mout[case]
        assert tkind == mkind, (case, tval, mval)
        if tkind == "raise":
            assert isinstance(tval, pickle.UnpicklingError) and isinstance(mval, pickle.UnpicklingError), case
            assert isinstance(mval, CheckpointError)
            assert str(mval).startswith("Weights only load failed") and str(tval).startswith("Weights only load")
            assert "Unsupported global: GLOBAL miniconv.nn.modules" in str(mval) or "GLOBAL miniconv.optim" in str(mval)
            assert "`weights_only` set to `False` will likely succeed" in str(mval)
    # the whole-object loads need weights_only=False; state dicts load either way
    assert mout[("model", None)][0] == "raise" and mout[("state_dict", None)][0] == "ok"
    x = miniconv.from_numpy(x_np)
    with torch.no_grad():
        want = tmodel(torch.from_numpy(x_np)).numpy()
    np.testing.assert_allclose(mmodel(x).detach().numpy(), want, rtol=1e-5, atol=1e-6)
    loaded = mout[("model", False)][1]
    assert type(loaded) is type(mmodel) and not loaded.training
    np.testing.assert_array_equal(loaded(x).detach().numpy(), mmodel(x).detach().numpy())
    # one pickle for a checkpoint dict: the optimizer still updates the loaded model's parameters
    ck = mout[("checkpoint", False)][1]
    assert ck["epoch"] == 3
    assert ck["opt"].param_groups[0]["params"][0] is ck["model"][0].weight
    state = ck["opt"].state[ck["model"][0].weight]["momentum_buffer"]
    np.testing.assert_array_equal(state.numpy(), opt_state(mmodel, mout))
    assert mout[("in_a_list", False)][1][0][4].weight.shape == (3, 64)
    # load_state_dict after a whole-model load
    other = Net.build(miniconv)
    loaded.load_state_dict(other.state_dict())
    np.testing.assert_array_equal(loaded[4].weight.detach().numpy(), other[4].weight.detach().numpy())
    tck = tout[("checkpoint", False)][1]
    np.testing.assert_allclose(state.numpy(), tck["opt"].state[tck["model"][0].weight]["momentum_buffer"].numpy(),
                               rtol=1e-5, atol=1e-7)


def opt_state(model, out):
    sd = out[("state_dict", True)][1]
    return sd["opt"]["state"][0]["momentum_buffer"].numpy()


def test_state_dict_files_stay_safetensors_and_whole_objects_are_marked(tmp_path):
    from safetensors import safe_open

    model = TinyNet()
    miniconv.save({"model": model.state_dict(), "epoch": 1}, tmp_path / "sd.pt")
    with safe_open(str(tmp_path / "sd.pt"), framework="numpy") as f:
        assert sorted(f.keys()) == ["model.fc.bias", "model.fc.weight"]
    miniconv.save(model, tmp_path / "whole.pt")
    with safe_open(str(tmp_path / "whole.pt"), framework="numpy") as f:  # still a safetensors file
        assert "__miniconv_pickle__" in f.keys()
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL test_whole_object.TinyNet was not an allowed global"):
        miniconv.load(tmp_path / "whole.pt")
    back = miniconv.load(tmp_path / "whole.pt", weights_only=False)
    x = miniconv.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())
    assert back.scale == 2.0 and type(back.fc.weight) is miniconv.nn.Parameter and back.fc.weight.requires_grad


def test_safe_globals_allowlist_as_in_pytorch(tmp_path):
    model = TinyNet()
    miniconv.save(model, tmp_path / "whole.pt")
    with miniconv.serialization.safe_globals([TinyNet, miniconv.nn.Linear]):
        back = miniconv.load(tmp_path / "whole.pt")
    assert isinstance(back, TinyNet)
    with pytest.raises(pickle.UnpicklingError):
        miniconv.load(tmp_path / "whole.pt")  # the context manager's additions are gone
    miniconv.serialization.add_safe_globals([TinyNet, miniconv.nn.Linear])
    try:
        assert set(miniconv.serialization.get_safe_globals()) >= {TinyNet, miniconv.nn.Linear}
        assert isinstance(miniconv.load(tmp_path / "whole.pt"), TinyNet)
    finally:
        miniconv.serialization.clear_safe_globals()
    assert miniconv.serialization.get_safe_globals() == []
    # torch behaves the same with its own allowlist
    tm = torch.nn.Linear(2, 2)
    torch.save(tm, tmp_path / "t.pt")
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "t.pt")
    with torch.serialization.safe_globals([torch.nn.Linear]):
        assert isinstance(torch.load(tmp_path / "t.pt"), torch.nn.Linear)


def test_objects_beyond_json_need_no_allowlist_when_weights_only_admits_them(tmp_path):
    """Sets, float keys, bytes, a leaf tensor that requires grad, a Size, a dtype: pickled, and loaded
    with weights_only=True as torch.load loads them."""
    obj = {"s": {1, 2}, 1.5: "float key", "b": b"\x00raw", "leaf": miniconv.ones(2, requires_grad=True),
           "size": miniconv.zeros(2, 3).shape, "dtype": miniconv.float64, "c": 1 + 2j}
    for lib, o in ((miniconv, obj), (torch, {**obj, "leaf": torch.ones(2, requires_grad=True),
                                             "size": torch.Size([2, 3]), "dtype": torch.float64})):
        buf = io.BytesIO()
        lib.save(o, buf)
        buf.seek(0)
        back = lib.load(buf)
        assert back["s"] == {1, 2} and back[1.5] == "float key" and back["b"] == b"\x00raw" and back["c"] == 1 + 2j
        assert back["leaf"].requires_grad and tuple(back["size"]) == (2, 3)
    assert isinstance(back["size"], torch.Size)
    mine = miniconv.load(io.BytesIO(_saved(obj)))
    assert isinstance(mine["size"], miniconv.Size) and mine["dtype"] == miniconv.float64


def _saved(obj):
    buf = io.BytesIO()
    miniconv.save(obj, buf)
    return buf.getvalue()


class _Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_weights_only_never_runs_a_payload_in_a_miniconv_file(tmp_path):
    marker = tmp_path / "PWNED"
    miniconv.save({"w": miniconv.ones(2), "x": _Payload(str(marker))}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError, match="whose module (posix|os) is blocked"):
        miniconv.load(tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError):
        miniconv.load(tmp_path / "evil.pt", weights_only=True)
    assert not marker.exists()
    with miniconv.serialization.safe_globals([os.system]):  # blocked modules stay blocked, as in torch
        with pytest.raises(pickle.UnpicklingError, match="is blocked"):
            miniconv.load(tmp_path / "evil.pt")
    assert not marker.exists()
    miniconv.load(tmp_path / "evil.pt", weights_only=False)  # the documented risk: it runs
    assert marker.exists()


def test_unpicklable_objects_are_refused_with_the_checkpoint_error(tmp_path):
    def local():
        pass

    for obj in ({"f": lambda: 0}, {"f": local}, [miniconv.nn.Linear(2, 2), lambda: 1]):
        with pytest.raises(CheckpointError, match="cannot pickle"):
            miniconv.save(obj, tmp_path / "x.pt")
    assert os.listdir(tmp_path) == []
    miniconv.save({"f": print}, tmp_path / "ok.pt")  # a module-level function pickles by name, as in torch
    assert miniconv.load(tmp_path / "ok.pt", weights_only=False)["f"] is print
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL print was not an allowed global"):
        miniconv.load(tmp_path / "ok.pt")
