"""Small idioms public scripts use, against PyTorch: Module.get_parameter/get_buffer/share_memory,
remove_duplicate, memory formats (accepted and checked; values unchanged), torch.random.fork_rng,
set_float32_matmul_precision and set_num_interop_threads (stored)."""
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _err(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)


def net(lib):
    shared = lib.nn.Linear(2, 2)
    return lib.nn.Sequential(shared, lib.nn.BatchNorm1d(2), shared, lib.nn.Sequential(lib.nn.Linear(2, 1)))


@pytest.mark.parametrize("call", [
    lambda m: tuple(m.get_parameter("3.0.weight").shape),
    lambda m: tuple(m.get_parameter("0.bias").shape),
    lambda m: m.get_parameter("1.running_mean"),
    lambda m: m.get_parameter("0.nope"),
    lambda m: m.get_parameter("9.weight"),
    lambda m: tuple(m.get_buffer("1.running_var").shape),
    lambda m: m.get_buffer("0.weight"),
    lambda m: m.get_buffer("1.nope"),
    lambda m: m.share_memory() is m,
    lambda m: [n for n, _ in m.named_parameters(remove_duplicate=False)],
    lambda m: [n for n, _ in m.named_parameters()],
    lambda m: [n for n, _ in m.named_modules(remove_duplicate=False)],
    lambda m: [n for n, _ in m.named_modules()],
    lambda m: [n for n, _ in m.named_buffers(remove_duplicate=False)],
])
def test_module_idioms(call):
    assert _err(lambda: call(net(miniconv))) == _err(lambda: call(net(torch)))


def test_memory_formats():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    for lib in (miniconv, torch):
        assert repr(lib.channels_last).split(".")[-1] == "channels_last"
        t = lib.tensor(x).to(memory_format=lib.channels_last)
        np.testing.assert_array_equal(t.numpy(), x)
        t2 = lib.tensor(x).contiguous(memory_format=lib.contiguous_format)
        assert t2.is_contiguous()
        conv = lib.nn.Conv2d(3, 2, 1).to(memory_format=lib.channels_last)
        assert conv(t).shape == (2, 2, 4, 5)
        assert lib.zeros_like(t, memory_format=lib.preserve_format).shape == t.shape
    for fn in (lambda lib: lib.ones(2, 3).to(memory_format=lib.channels_last),
               lambda lib: lib.ones(2, 3).contiguous(memory_format=lib.channels_last),
               lambda lib: lib.ones(2, 3, 4, 5).to(memory_format=lib.channels_last_3d)):
        m, t = _err(lambda: fn(miniconv)), _err(lambda: fn(torch))
        assert m == t and m[0] == "RuntimeError"


def test_fork_rng_and_random_module():
    for lib in (miniconv, torch):
        lib.random.manual_seed(5)
        assert lib.random.initial_seed() == 5
        with lib.random.fork_rng():
            a = lib.rand(3)
        b = lib.rand(3)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        with lib.random.fork_rng(enabled=False):
            c = lib.rand(3)
        assert not np.array_equal(c.numpy(), lib.rand(3).numpy())  # not restored: the stream moved on
        state = lib.random.get_rng_state()
        d = lib.rand(2)
        lib.random.set_rng_state(state)
        np.testing.assert_array_equal(d.numpy(), lib.rand(2).numpy())


def test_stored_settings():
    for lib in (miniconv, torch):
        before = lib.get_float32_matmul_precision()
        lib.set_float32_matmul_precision("high")
        assert lib.get_float32_matmul_precision() == "high"
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.set_float32_matmul_precision("bogus")
        assert lib.get_float32_matmul_precision() == "high" and len(w) == 1 and w[0].category is UserWarning
        lib.set_float32_matmul_precision(before)
        with pytest.raises(RuntimeError, match="expects a positive integer"):
            lib.set_num_interop_threads(0)
        assert isinstance(lib.get_num_interop_threads(), int)
