"""torch.hub, torch.utils.model_zoo, torch.utils.benchmark, torch.nn.modules.utils, torch.utils.hooks,
torch.nn.attention and torch.types under miniconv, run side by side with PyTorch."""
import hashlib
import os
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.hub  # noqa: E402,F401
import miniconv.utils.benchmark  # noqa: E402,F401
import miniconv.utils.hooks  # noqa: E402,F401
import miniconv.utils.model_zoo  # noqa: E402,F401
import torch.utils.benchmark  # noqa: E402,F401
import torch.utils.model_zoo  # noqa: E402,F401


@pytest.fixture
def saved(tmp_path):
    """A torch.save file named name-<sha256 prefix>.pth, as hub URLs are."""
    torch.manual_seed(0)
    sd = torch.nn.Linear(3, 2).state_dict()
    raw = tmp_path / "raw.pth"
    torch.save(sd, raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    path = tmp_path / f"linear-{digest[:10]}.pth"
    os.replace(raw, path)
    return sd, path, digest


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_load_state_dict_from_url_file_url(lib, saved, tmp_path, capsys):
    sd, path, _ = saved
    cache = tmp_path / f"cache_{lib.__name__}"
    got = lib.hub.load_state_dict_from_url(path.as_uri(), model_dir=str(cache), check_hash=True, progress=False)
    assert sorted(got) == sorted(sd)
    for k in sd:
        np.testing.assert_array_equal(np.asarray(got[k].tolist()), sd[k].numpy())
    assert os.listdir(cache) == [path.name]
    assert "Downloading" in capsys.readouterr().out
    # cached now: the source may go away
    os.rename(path, tmp_path / "moved")
    again = lib.utils.model_zoo.load_url(path.as_uri(), model_dir=str(cache))
    assert sorted(again) == sorted(sd)
    model = lib.nn.Linear(3, 2)
    model.load_state_dict(again)


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_hash_mismatch_leaves_nothing(lib, saved, tmp_path):
    _, path, _ = saved
    bad = tmp_path / "linear-0123456789.pth"
    os.replace(path, bad)
    cache = tmp_path / "c"
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "0123456789"'):
        lib.hub.load_state_dict_from_url(bad.as_uri(), model_dir=str(cache), check_hash=True, progress=False)
    assert os.listdir(cache) == []


def test_download_url_to_file_and_dirs(saved, tmp_path, monkeypatch):
    _, path, digest = saved
    for lib in (miniconv, torch):
        dst = tmp_path / f"dl_{lib.__name__}.bin"
        lib.hub.download_url_to_file(path.as_uri(), str(dst), hash_prefix=digest[:6], progress=False)
        assert dst.read_bytes() == path.read_bytes()
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    old = miniconv.hub._hub_dir
    try:
        miniconv.hub._hub_dir = None
        assert miniconv.hub.get_dir() == torch.hub.get_dir() == str(tmp_path / "th" / "hub")
        miniconv.hub.set_dir(str(tmp_path / "mine"))
        assert miniconv.hub.get_dir() == str(tmp_path / "mine")
    finally:
        miniconv.hub._hub_dir = old


def test_hub_local_hubconf(tmp_path):
    (tmp_path / "hubconf.py").write_text(textwrap.dedent('''
        dependencies = ["numpy"]
        from mymodels import tiny as _tiny

        def tiny(width=4, **kw):
            """A tiny model."""
            return _tiny(width)

        def _private():
            pass
        '''))
    (tmp_path / "mymodels.py").write_text(textwrap.dedent('''
        def tiny(width):
            return ("tiny", width)
        '''))
    for lib in (miniconv, torch):
        assert lib.hub.load(str(tmp_path), "tiny", width=7, source="local") == ("tiny", 7)
        with pytest.raises(RuntimeError, match="Cannot find callable nope in hubconf"):
            lib.hub.load(str(tmp_path), "nope", source="local")
        with pytest.raises(ValueError, match="Unknown source"):
            lib.hub.load(str(tmp_path), "tiny", source="gitlab")
    # PyTorch's list/help take GitHub repositories only; miniconv's also read a local directory
    assert miniconv.hub.list(str(tmp_path)) == ["tiny"]
    assert miniconv.hub.help(str(tmp_path), "tiny").strip() == "A tiny model."


def test_benchmark_timer_and_compare():
    x_m, x_t = miniconv.ones(64), torch.ones(64)
    results = {}
    for lib, x in ((miniconv, x_m), (torch, x_t)):
        B = lib.utils.benchmark
        t = B.Timer(stmt="torch.add(x, 1)", globals={"x": x}, label="add", sub_label="64", description=lib.__name__,
                    num_threads=1)
        m = t.timeit(50)
        assert m.number_per_run == 50 and len(m.times) == 1 and m.mean == m.median > 0
        text = repr(m).splitlines()
        assert text[1:3] == ["add: 64", lib.__name__]
        assert text[-1] == "  1 measurement, 50 runs , 1 thread"
        blocked = t.blocked_autorange(min_run_time=0.02)
        assert sum(blocked.raw_times) >= 0.02 and blocked.number_per_run >= 1
        results[lib.__name__] = blocked
    # Compare prints both columns (miniconv's Compare on miniconv's measurements)
    table = str(miniconv.utils.benchmark.Compare([results["miniconv"]]))
    assert "[" in table and "add" in table and "miniconv" in table and "Times are in" in table
    with pytest.raises(ValueError, match="Currently only a `str` stmt is supported"):
        miniconv.utils.benchmark.Timer(stmt=lambda: None)


def test_select_unit_and_trim_sigfig_match_torch():
    from miniconv.utils.benchmark import select_unit, trim_sigfig
    from torch.utils.benchmark import select_unit as t_select_unit, trim_sigfig as t_trim_sigfig
    for v in (3.2e-9, 4.5e-7, 1.2e-5, 0.0031, 0.25, 12.0):
        assert select_unit(v) == t_select_unit(v)
        for n in (1, 2, 3):
            assert trim_sigfig(v, n) == pytest.approx(t_trim_sigfig(v, n), rel=1e-6)


def test_nn_modules_utils():
    import torch.nn.modules.utils as T
    import miniconv.nn.modules.utils as M
    for name in ("_single", "_pair", "_triple", "_quadruple"):
        for arg in (3, (1, 2), [4, 5, 6]):
            assert getattr(M, name)(arg) == getattr(T, name)(arg)
    assert M._ntuple(5)(2) == T._ntuple(5)(2)
    assert M._reverse_repeat_tuple((1, 2, 3), 2) == T._reverse_repeat_tuple((1, 2, 3), 2)
    assert M._list_with_default([None, 3], [1, 2, 9, 8]) == T._list_with_default([None, 3], [1, 2, 9, 8])
    sd_m = {"module.a": 1, "module.b.c": 2, "other": 3}
    sd_t = dict(sd_m)
    M.consume_prefix_in_state_dict_if_present(sd_m, "module.")
    T.consume_prefix_in_state_dict_if_present(sd_t, "module.")
    assert sd_m == sd_t


def test_removable_handle_and_unserializable_hook():
    from miniconv.utils.hooks import RemovableHandle, unserializable_hook
    lin = miniconv.nn.Linear(2, 2)
    calls = []
    handle = lin.register_forward_hook(lambda m, i, o: calls.append(1))
    assert isinstance(handle, RemovableHandle)
    lin(miniconv.ones(1, 2))
    handle.remove()
    lin(miniconv.ones(1, 2))
    assert calls == [1]

    @unserializable_hook
    def hook(grad):
        return grad
    assert hook.__torch_unserializable__ is True


def test_sdpa_kernel_context():
    from miniconv.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention import SDPBackend as TB
    assert {b.name: b.value for b in SDPBackend} == {b.name: int(getattr(TB, b.name)) for b in SDPBackend}
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 2, 4, 8)).astype(np.float32) for _ in range(3))
    with sdpa_kernel([SDPBackend.MATH]):
        out = miniconv.nn.functional.scaled_dot_product_attention(*map(miniconv.from_numpy, (q, k, v)), is_causal=True)
    with torch.nn.attention.sdpa_kernel([TB.MATH]):
        ref = torch.nn.functional.scaled_dot_product_attention(*map(torch.from_numpy, (q, k, v)), is_causal=True)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError, match="Backend must be an instance of SDPBackend"):
        with sdpa_kernel("math"):
            pass


def test_types_aliases():
    import typing
    assert set(typing.get_args(miniconv.types.Number)) == {int, float, bool}
    assert miniconv.device in typing.get_args(miniconv.types.Device)
