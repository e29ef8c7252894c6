"""Devices and creation signatures (issue 9), compared with PyTorch."""
import numpy as np
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")


def test_device_preamble_picks_cpu():
    for lib in (mc, torch):
        dev = lib.device("cuda" if lib.cuda.is_available() else "cpu")
        assert str(dev) == "cpu" and dev.type == "cpu" and dev.index is None
        assert lib.cuda.device_count() == 0
        assert lib.backends.mps.is_available() is False
        assert lib.accelerator.is_available() is False
        assert lib.accelerator.current_accelerator() is None
        x = lib.zeros(2, 3).to(dev)
        assert x.device == lib.device("cpu") and x.is_cuda is False
        assert str(lib.get_default_device()) == "cpu"
    assert repr(mc.device("cpu")) == repr(torch.device("cpu"))
    assert repr(mc.device("cpu", 0)) == repr(torch.device("cpu", 0)) == repr(torch.device("cpu:0"))
    assert mc.device("cpu:0") == mc.device("cpu", 0) != mc.device("cpu")
    assert (mc.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    mc.set_default_device("cpu")
    mc.set_default_device(None)


@pytest.mark.parametrize("text, msg", [("foo", "Expected one of cpu"), ("cpu:x", "Invalid device string"),
                                        ("gpu", "device type at start of device string")])
def test_bad_device_strings(text, msg):
    for lib in (mc, torch):
        with pytest.raises(RuntimeError, match=msg):
            lib.device(text)


def test_non_cpu_device_gives_one_clear_error():
    cuda = mc.device("cuda")  # building it is fine, as in PyTorch
    assert repr(cuda) == repr(torch.device("cuda"))
    x = mc.zeros(2)
    for use in (lambda: x.to(cuda), lambda: x.to("cuda:0"), lambda: x.cuda(), lambda: mc.zeros(2, device="cuda"),
                lambda: mc.randn(2, device="mps"), lambda: mc.tensor([1.0], device="cuda"),
                lambda: mc.nn.Linear(2, 3, device="cuda"), lambda: mc.nn.Linear(2, 3).to("cuda"),
                lambda: mc.nn.Linear(2, 3).cuda(), lambda: mc.set_default_device("cuda"),
                lambda: mc.arange(3, device="cuda")):
        with pytest.raises(RuntimeError, match="miniconv runs on the CPU only"):
            use()


def test_to_forms_match_torch():
    for lib in (mc, torch):
        x = lib.ones(2, 3)
        d = lib.device("cpu")
        assert x.to(d) is x and x.cpu() is x
        assert x.to(d, lib.float64).dtype == lib.float64
        assert x.to("cpu", dtype=lib.float64).dtype == lib.float64
        assert x.to(lib.zeros(1, dtype=lib.int64)).dtype == lib.int64
        assert x.to(device=d, dtype=lib.float64).dtype == lib.float64
        y = x.to(d, copy=True)
        assert y is not x and y.shape == x.shape
        m = lib.nn.Linear(3, 4).to(d)
        assert m.weight.device == d
        m = m.to(d, lib.float64)
        assert m.weight.dtype == lib.float64
        assert lib.nn.Linear(3, 4, device=d, dtype=lib.float64).weight.dtype == lib.float64
        assert lib.nn.Conv2d(1, 2, 3, device="cpu").weight.device == d


# -- creation signatures ---------------------------------------------------------------------
SHAPES = [lambda lib, f: f(2, 3), lambda lib, f: f((2, 3)), lambda lib, f: f([2, 3]),
          lambda lib, f: f(lib.Size([2, 3])), lambda lib, f: f(size=(2, 3)), lambda lib, f: f(4),
          lambda lib, f: f(()), lambda lib, f: f(2, 3, dtype=lib.float64),
          lambda lib, f: f(2, 3, requires_grad=True), lambda lib, f: f(2, device="cpu")]


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("form", range(len(SHAPES)))
def test_size_forms(name, form):
    a = SHAPES[form](mc, getattr(mc, name))
    b = SHAPES[form](torch, getattr(torch, name))
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).replace("miniconv.", "") == str(b.dtype).replace("torch.", "").replace("miniconv.", "")
    assert a.requires_grad == b.requires_grad
    if name in ("zeros", "ones"):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _same(a, b):
    assert str(a.dtype).replace("miniconv.", "") == str(b.dtype).replace("torch.", "").replace("miniconv.", ""), (a.dtype, b.dtype)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda lib: lib.full((2, 3), 1.5), lambda lib: lib.full((2,), 7), lambda lib: lib.full([2], True),
    lambda lib: lib.full((2, 2), 2, dtype=lib.float64), lambda lib: lib.full(size=(3,), fill_value=0.5),
    lambda lib: lib.arange(5), lambda lib: lib.arange(1, 4), lambda lib: lib.arange(0, 1, 0.25),
    lambda lib: lib.arange(10, 0, -3), lambda lib: lib.arange(5, dtype=lib.float32),
    lambda lib: lib.arange(start=1, end=3.5, step=0.5),
    lambda lib: lib.linspace(0, 1, 5), lambda lib: lib.linspace(-2, 2, steps=4, dtype=lib.float64),
    lambda lib: lib.linspace(0, 10, 5, dtype=lib.int64), lambda lib: lib.logspace(0, 3, 4),
    lambda lib: lib.logspace(0, 3, 4, base=2), lambda lib: lib.eye(3), lambda lib: lib.eye(2, 3, dtype=lib.int64),
    lambda lib: lib.tensor(1.5), lambda lib: lib.tensor(np.float64(1.5)), lambda lib: lib.tensor([1, 2]),
    lambda lib: lib.tensor([True, False]), lambda lib: lib.tensor(np.arange(3, dtype=np.int32)),
    lambda lib: lib.tensor(np.ones(2, dtype=np.float64)), lambda lib: lib.tensor([[1.0, 2], [3, 4]]),
    lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.int64)), lambda lib: lib.ones_like(lib.ones(2), dtype=lib.float64),
    lambda lib: lib.full_like(lib.ones(2), 3), lambda lib: lib.as_tensor([1.0, 2.0]),
    lambda lib: lib.cat([lib.ones(2), lib.zeros(3)]), lambda lib: lib.cat((lib.ones(2, 1), lib.zeros(2, 2)), dim=1),
    lambda lib: lib.concat([lib.ones(2, 1), lib.zeros(2, 1)], axis=1), lambda lib: lib.stack([lib.ones(2), lib.zeros(2)], 1),
    lambda lib: lib.cat([lib.ones(2), lib.zeros(1, dtype=lib.float64)]), lambda lib: lib.hstack([lib.ones(2), lib.zeros(2)]),
    lambda lib: lib.vstack([lib.ones(2), lib.zeros(2)]),
])
def test_creation_values_and_dtypes(make):
    _same(make(mc), make(torch))


def test_meshgrid_and_grad():
    for indexing in ("ij", "xy"):
        xs = []
        for lib in (mc, torch):
            a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
            b = lib.tensor([4.0, 5.0], requires_grad=True)
            ga, gb = lib.meshgrid(a, b, indexing=indexing)
            (ga * gb * gb).sum().backward()
            xs.append((ga, gb, a.grad, b.grad))
        for m, t in zip(*xs):
            _same(m, t)


def test_default_dtype_round_trip():
    assert mc.get_default_dtype() == mc.float32
    try:
        mc.set_default_dtype(mc.float64)
        torch.set_default_dtype(torch.float64)
        for make in (lambda lib: lib.tensor(1.5), lambda lib: lib.zeros(2), lambda lib: lib.randn(2),
                     lambda lib: lib.arange(0.0, 1.0, 0.5), lambda lib: lib.linspace(0, 1, 3),
                     lambda lib: lib.full((1,), 2.0), lambda lib: lib.tensor([1, 2]), lambda lib: lib.nn.Linear(2, 2).weight):
            assert str(make(mc).dtype).replace("miniconv.", "") == str(make(torch).dtype).replace("torch.", "").replace("miniconv.", "")
    finally:
        mc.set_default_dtype(mc.float32)
        torch.set_default_dtype(torch.float32)
    for lib in (mc, torch):
        with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
            lib.set_default_dtype(lib.int64)


def test_generator_out_and_normal():
    g1, g2 = mc.Generator().manual_seed(3), mc.Generator().manual_seed(3)
    np.testing.assert_array_equal(mc.randn(3, generator=g1).numpy(), mc.randn(size=(3,), generator=g2).numpy())
    for lib in (mc, torch):
        out = lib.zeros(2, 3)
        r = lib.zeros(2, 3, out=out) if lib is torch else lib.ones(2, 3, out=out)
        assert r is out
        n = lib.normal(2.0, 0.0, size=(4,))
        np.testing.assert_array_equal(n.numpy(), np.full(4, 2.0, np.float32))
        n = lib.normal(lib.tensor([1.0, 5.0]), lib.tensor([0.0, 0.0]))
        np.testing.assert_array_equal(n.numpy(), [1.0, 5.0])
        n = lib.normal(lib.zeros(1000, dtype=lib.float64), 1.0)
        assert n.dtype == lib.float64 and abs(float(n.std()) - 1) < 0.2
        r = lib.randint(0, 10, (50,))
        assert r.dtype == lib.int64 and 0 <= int(r.min()) and int(r.max()) < 10
        assert lib.randint(5, size=(3,)).shape == (3,)
        assert lib.rand_like(lib.ones(2, dtype=lib.float64)).dtype == lib.float64
        assert lib.randn_like(lib.ones(2)).shape == (2,)


@pytest.mark.parametrize("bad", [lambda lib: lib.zeros(2.5), lambda lib: lib.ones((2, "a")),
                                 lambda lib: lib.randn(2, dtype=lib.int64), lambda lib: lib.arange(0, 1, 0),
                                 lambda lib: lib.linspace(0, 1, -1), lambda lib: lib.cat([lib.ones(2, 2), lib.ones(2, 3)]),
                                 lambda lib: lib.stack([lib.ones(2), lib.ones(3)]), lambda lib: lib.zeros(-1),
                                 lambda lib: lib.normal(0.0, -1.0, size=(2,)), lambda lib: lib.randint(5, 2, (2,))])
def test_creation_errors_match_torch_class(bad):
    with pytest.raises(Exception) as et:
        bad(torch)
    with pytest.raises(type(et.value)):
        bad(mc)


# PyTorch's normal kernel checks the dtype only when it has an element to fill, so randn/normal of an empty
# shape give an empty integer or bool tensor; rand's uniform kernel checks its bounds first and refuses the
# dtype at any size. Non-empty: the same exception class and the same message, word for word.
RANDOM_NON_FLOAT = {
    "randn": lambda lib, s, dt: lib.randn(*s, dtype=dt),
    "randn(size=)": lambda lib, s, dt: lib.randn(size=s, dtype=dt),
    "randn(out=)": lambda lib, s, dt: lib.randn(*s, out=lib.zeros(*s, dtype=dt)),
    "rand": lambda lib, s, dt: lib.rand(*s, dtype=dt),
    "randn_like": lambda lib, s, dt: lib.randn_like(lib.zeros(*s, dtype=dt)),
    "rand_like": lambda lib, s, dt: lib.rand_like(lib.zeros(*s, dtype=dt)),
    "normal(numbers)": lambda lib, s, dt: lib.normal(0.0, 1.0, s, dtype=dt),
    "normal(tensor mean)": lambda lib, s, dt: lib.normal(lib.zeros(*s, dtype=dt), 1.0),
    "normal(tensor std)": lambda lib, s, dt: lib.normal(2.0, lib.ones(*s, dtype=dt)),
    "Tensor.normal_": lambda lib, s, dt: lib.zeros(*s, dtype=dt).normal_(),
    "Tensor.uniform_": lambda lib, s, dt: lib.zeros(*s, dtype=dt).uniform_(),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("shape", [(0,), (2, 0), (2,), ()])
@pytest.mark.parametrize("name", sorted(RANDOM_NON_FLOAT))
def test_random_creation_with_non_float_dtype_matches_torch(name, shape, dtype):
    results = []
    for lib in (mc, torch):
        try:
            r = RANDOM_NON_FLOAT[name](lib, shape, getattr(lib, dtype))
            results.append((tuple(r.shape), str(r.dtype).replace("torch.", "").replace("miniconv.", "")))
        except Exception as e:  # noqa: BLE001 - compared below
            results.append((type(e), str(e)))
    assert results[0] == results[1], f"miniconv: {results[0]}  torch: {results[1]}"
